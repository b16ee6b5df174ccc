/*
 * Evidence backends (src/signer/evidence*.c) against fake device trees and
 * recorded responses: the binding's layout, configfs-tsm's steps and checks
 * (provider, generation), /dev/sev-guest's ioctls (extended report, retry with
 * a larger certificate buffer, fallback, derived key), /dev/nsm's CBOR, and
 * Gramine's /dev/attestation; evidence built from real samples verifies with
 * `coffer verify`'s library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ioctl.h>
#include <linux/sev-guest.h>
#include <openssl/evp.h>

#include "attest/attest.h"
#include "attest/attest_util.h"
#include "common/buf.h"
#include "common/err.h"
#include "evidence_util.h"
#include "harness.h"
#include "signer/evidence.h"
#include "signer/evidence_int.h"

static const uint8_t unlock_pk[32] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t identity_pk[33] = { 0x02, 0xaa, 0xbb, 0xcc, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29 };
static const uint8_t nonce[32] = { 0xde, 0xad, 0xbe, 0xef, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };

/* VCEK's GUID 63da758d-e664-4564-adc5-f4b93be8accd, RFC 4122 byte order. */
static const uint8_t vcek_guid[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b,
	0xe8, 0xac, 0xcd };

static void
binding_of(uint8_t out[64])
{
	if (evidence_binding(out, identity_pk, unlock_pk, nonce, sizeof(nonce)) != 0)
		abort();
}

/* A GHCB certificate table holding one VCEK. Out: malloc'd table, *n. */
static uint8_t *
cert_table(size_t *n, const char *vcek_rel)
{
	size_t clen, off = 48;
	uint8_t *cert = sample_read(vcek_rel, &clen);
	uint8_t *t = calloc(1, off + clen);

	memcpy(t, vcek_guid, 16);
	t[16] = (uint8_t)off;
	t[20] = (uint8_t)clen;
	t[21] = (uint8_t)(clen >> 8);
	memcpy(t + off, cert, clen);
	free(cert);
	*n = off + clen;
	return t;
}

static void
test_binding_layout(void)
{
	uint8_t got[64], locked[64], want[64], buf[256];
	size_t n = 0;
	unsigned int len;
	const char *dom = "coffer/v1/attestation";

#define PUT(p, l) do { buf[n] = (uint8_t)(l); buf[n + 1] = buf[n + 2] = buf[n + 3] = 0; \
	memcpy(buf + n + 4, (p), (l)); n += 4 + (l); } while (0)
	PUT(dom, strlen(dom));
	PUT(identity_pk, 33);
	PUT(unlock_pk, 32);
	PUT(nonce, 32);
#undef PUT
	CHECK(EVP_Digest(buf, n, want, &len, EVP_sha512(), NULL) == 1 && len == 64);
	CHECK_OK(evidence_binding(got, identity_pk, unlock_pk, nonce, sizeof(nonce)));
	CHECK(memcmp(got, want, 64) == 0);
	/* Locked: the identity field is empty, so the binding differs (and is documented). */
	CHECK_OK(evidence_binding(locked, NULL, unlock_pk, nonce, sizeof(nonce)));
	CHECK(memcmp(locked, got, 64) != 0);
	CHECK_RC(evidence_binding(got, identity_pk, unlock_pk, nonce, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(evidence_binding(got, identity_pk, unlock_pk, buf, 65), COFFER_ERR_INVALID_ARG);
	CHECK_OK(evidence_binding(got, identity_pk, unlock_pk, buf, 64));
}

/* --- configfs-tsm --------------------------------------------------------------------- */

struct fake_tsm {
	const char *provider;
	const char *generation;
	const uint8_t *outblob;
	size_t outlen;
	const uint8_t *aux;
	size_t auxlen;
	int patch_snp;		/* write our inblob into the report's REPORT_DATA (as firmware does) */
	size_t patch_off;	/* where (0: none) */
	uint8_t inblob[64];
	size_t inlen;
};

static int
fake_tsm_written(void *ctx, const char *entry)
{
	struct fake_tsm *f = ctx;
	uint8_t *in, *blob;
	size_t n;

	if ((in = su_read(entry, "inblob", &n)) == NULL)
		return COFFER_ERR_TEE_DEVICE;
	memcpy(f->inblob, in, n < 64 ? n : 64);
	f->inlen = n;
	su_write(entry, "provider", f->provider, strlen(f->provider));
	su_write(entry, "generation", f->generation, strlen(f->generation));
	blob = malloc(f->outlen);
	memcpy(blob, f->outblob, f->outlen);
	if (f->patch_off != 0 && n == 64)
		memcpy(blob + f->patch_off, in, 64);
	su_write(entry, "outblob", blob, f->outlen);
	if (f->aux != NULL)
		su_write(entry, "auxblob", f->aux, f->auxlen);
	free(blob);
	free(in);
	return 0;
}

static void
test_tsm_steps(void)
{
	struct evidence_env env;
	char root[256], entry[512];
	uint8_t data[64], *p;
	struct cbuf out, aux;
	size_t n, rlen;
	uint8_t *report = sample_read("sev-snp/trustee_test-report.bin", &rlen);

	eu_mkdtemp(root, sizeof(root), "tsm");
	memset(&env, 0, sizeof(env));
	env.root = root;
	binding_of(data);
	CHECK(!evidence_tsm_present(&env));
	CHECK_RC(evidence_tsm_open(entry, sizeof(entry), &env, "e1"), COFFER_ERR_TEE_ABSENT);
	eu_mkdirs(root, "sys/kernel/config/tsm/report");
	CHECK(evidence_tsm_present(&env));
	CHECK_RC(evidence_tsm_open(entry, sizeof(entry), &env, "a/b"), COFFER_ERR_INVALID_ARG);
	CHECK_OK(evidence_tsm_open(entry, sizeof(entry), &env, "e1"));
	/* The same name twice: somebody else's entry, refused. */
	CHECK_RC(evidence_tsm_open(entry, sizeof(entry), &env, "e1"), COFFER_ERR_TEE_DEVICE);
	CHECK_OK(evidence_tsm_request(entry, data));
	p = su_read(entry, "inblob", &n);
	CHECK(p != NULL && n == 64 && memcmp(p, data, 64) == 0);
	free(p);
	/* The kernel's side: nothing there yet. */
	cbuf_init(&out, 0);
	cbuf_init(&aux, 0);
	CHECK_RC(evidence_tsm_collect(&out, &aux, entry, "sev_guest"), COFFER_ERR_TEE_DEVICE);
	su_write(entry, "provider", "sev_guest\n", 10);
	su_write(entry, "generation", "1\n", 2);
	CHECK_RC(evidence_tsm_collect(&out, &aux, entry, "sev_guest"), COFFER_ERR_TEE_DEVICE);	/* no outblob */
	su_write(entry, "outblob", "", 0);
	cbuf_reset(&out);
	CHECK_RC(evidence_tsm_collect(&out, &aux, entry, "sev_guest"), COFFER_ERR_TEE_RESPONSE);	/* empty */
	su_write(entry, "outblob", report, rlen);
	cbuf_reset(&out);
	CHECK_OK(evidence_tsm_collect(&out, &aux, entry, "sev_guest"));
	CHECK(out.len == rlen && memcmp(out.p, report, rlen) == 0 && aux.len == 0);
	cbuf_reset(&out);
	CHECK_RC(evidence_tsm_collect(&out, &aux, entry, "tdx_guest"), COFFER_ERR_TEE_RESPONSE);
	/* Another writer touched the entry: generation 2. */
	su_write(entry, "generation", "2\n", 2);
	cbuf_reset(&out);
	CHECK_RC(evidence_tsm_collect(&out, &aux, entry, "sev_guest"), COFFER_ERR_TEE_RACE);
	cbuf_free(&out);
	cbuf_free(&aux);
	su_rmtree(root);
	free(report);
}

static void
test_snp_configfs(void)
{
	const struct evidence_backend *b = evidence_backend_find("sev-snp");
	struct evidence_env env;
	struct fake_tsm f;
	struct attest_result res;
	struct attest_input in;
	char root[256];
	uint8_t data[64], *table, *want;
	struct cbuf out;
	size_t rlen, tlen;
	uint8_t *report = sample_read("sev-snp/trustee_test-report.bin", &rlen);

	table = cert_table(&tlen, "sev-snp/trustee_test-vcek.der");
	eu_mkdtemp(root, sizeof(root), "snp");
	eu_mkdirs(root, "sys/kernel/config/tsm/report");
	eu_mkdirs(root, "dev");
	su_write(root, "dev/sev-guest", "", 0);
	memset(&env, 0, sizeof(env));
	memset(&f, 0, sizeof(f));
	env.root = root;
	env.tsm_written = fake_tsm_written;
	env.tsm_ctx = &f;
	f.provider = "sev_guest\n";
	f.generation = "1\n";
	f.outblob = report;
	f.outlen = rlen;
	f.aux = table;
	f.auxlen = tlen;
	f.patch_off = SNP_REPORT_DATA_OFF;
	binding_of(data);
	CHECK(b != NULL && b->present(&env));
	cbuf_init(&out, EVIDENCE_MAX);
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(f.inlen == 64 && memcmp(f.inblob, data, 64) == 0);
	want = malloc(rlen + tlen);
	memcpy(want, report, rlen);
	memcpy(want + SNP_REPORT_DATA_OFF, data, 64);
	memcpy(want + rlen, table, tlen);
	CHECK(out.len == rlen + tlen && memcmp(out.p, want, out.len) == 0);
	/* Our entry is gone afterwards (the fake's files make rmdir fail; the real configfs removes it). */
	/* A device that ignores our report data proves nothing: refused. */
	f.patch_off = 0;
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RESPONSE);
	/* A race on the entry. */
	f.patch_off = SNP_REPORT_DATA_OFF;
	f.generation = "3\n";
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RACE);
	/* A broken certificate table from the host. */
	f.generation = "1\n";
	f.auxlen = 20;
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RESPONSE);

	/* The evidence format end to end: the genuine report with its table verifies with no --cert. */
	memcpy(want, report, rlen);
	memset(&in, 0, sizeof(in));
	in.evidence = want;
	in.len = rlen + tlen;
	in.at = 1700000000;	/* inside the VCEK's validity (2023-01-24 .. 2030-01-24) */
	CHECK(attest_verify(&res, &in) == ATTEST_VALID);
	CHECK(res.format == ATTEST_FMT_SEV_SNP);
	in.len = rlen;	/* without the table (and no --cert): no VCEK */
	CHECK(attest_verify(&res, &in) == ATTEST_REFUSED);
	in.len = rlen + 30;	/* a table cut short */
	CHECK(attest_verify(&res, &in) != ATTEST_VALID);

	cbuf_free(&out);
	free(want);
	free(table);
	free(report);
	su_rmtree(root);
}

/* --- /dev/sev-guest ---------------------------------------------------------------------- */

struct fake_sev {
	const uint8_t *report;	/* recorded report; its REPORT_DATA is replaced by the request's */
	const uint8_t *table;
	size_t tlen;
	uint32_t need_certs;	/* certs_len the host insists on (0: take any) */
	int ext_fails;		/* SNP_GET_EXT_REPORT fails outright (old host) */
	uint32_t fw_status;	/* firmware status in the response */
	int calls_ext, calls_plain, calls_key;
	struct snp_report_req last_req;
	struct snp_derived_key_req last_key;
	uint32_t last_certs_len;
	uint8_t msg_version;
};

static void
fill_report_resp(struct fake_sev *f, uint8_t *resp, const uint8_t *user_data)
{
	memset(resp, 0, 4000);
	resp[0] = (uint8_t)f->fw_status;
	resp[4] = (uint8_t)(SNP_REPORT_LEN & 0xff);
	resp[5] = (uint8_t)(SNP_REPORT_LEN >> 8);
	memcpy(resp + 0x20, f->report, SNP_REPORT_LEN);
	memcpy(resp + 0x20 + SNP_REPORT_DATA_OFF, user_data, 64);
}

static int
fake_sev_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fake_sev *f = ctx;
	struct snp_guest_request_ioctl *io = arg;

	(void)fd;
	f->msg_version = io->msg_version;
	if (req == SNP_GET_EXT_REPORT) {
		struct snp_ext_report_req *ext = (void *)(uintptr_t)io->req_data;

		f->calls_ext++;
		f->last_req = ext->data;
		f->last_certs_len = ext->certs_len;
		if (f->ext_fails) {
			errno = EIO;
			return -1;
		}
		if (f->need_certs != 0 && ext->certs_len < f->need_certs) {
			ext->certs_len = f->need_certs;
			io->exitinfo2 = (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32;
			errno = EINVAL;
			return -1;
		}
		memcpy((void *)(uintptr_t)ext->certs_address, f->table, f->tlen);
		fill_report_resp(f, ((struct snp_report_resp *)(uintptr_t)io->resp_data)->data, ext->data.user_data);
		return 0;
	}
	if (req == SNP_GET_REPORT) {
		struct snp_report_req *r = (void *)(uintptr_t)io->req_data;

		f->calls_plain++;
		f->last_req = *r;
		fill_report_resp(f, ((struct snp_report_resp *)(uintptr_t)io->resp_data)->data, r->user_data);
		return 0;
	}
	if (req == SNP_GET_DERIVED_KEY) {
		struct snp_derived_key_req *k = (void *)(uintptr_t)io->req_data;
		uint8_t *resp = ((struct snp_derived_key_resp *)(uintptr_t)io->resp_data)->data;
		size_t i;

		f->calls_key++;
		f->last_key = *k;
		memset(resp, 0, 64);
		resp[0] = (uint8_t)f->fw_status;
		for (i = 0; i < 32; i++)	/* a recorded-looking key that depends on the fields asked for */
			resp[0x20 + i] = (uint8_t)(0xa0 ^ i ^ (uint8_t)k->guest_field_select);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static void
test_sevguest(void)
{
	const struct evidence_backend *b = &evidence_backend_sevsnp;
	struct evidence_env env;
	struct fake_sev f;
	char root[256];
	uint8_t data[64], key[32], zero[32] = { 0 };
	struct cbuf out;
	size_t rlen, tlen;
	uint8_t *report = sample_read("sev-snp/gosevguest_milan_report.bin", &rlen);
	uint8_t *table = cert_table(&tlen, "sev-snp/gosevguest_milan_vcek.der");

	eu_mkdtemp(root, sizeof(root), "sevguest");
	memset(&env, 0, sizeof(env));
	memset(&f, 0, sizeof(f));
	env.root = root;
	env.ioctl_fn = fake_sev_ioctl;
	env.ioctl_ctx = &f;
	f.report = report;
	f.table = table;
	f.tlen = tlen;
	f.need_certs = 8 * 4096;
	binding_of(data);
	cbuf_init(&out, EVIDENCE_MAX);
	CHECK(!b->present(&env));
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_ABSENT);
	eu_mkdirs(root, "dev");
	su_write(root, "dev/sev-guest", "", 0);
	CHECK(b->present(&env));
	/* No configfs-tsm here: the ioctl; the host first wants a bigger certificate buffer. */
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(f.calls_ext == 2 && f.calls_plain == 0 && f.msg_version == 1);
	CHECK(memcmp(f.last_req.user_data, data, 64) == 0 && f.last_req.vmpl == 0);
	CHECK(f.last_certs_len == 8 * 4096);
	CHECK(out.len == SNP_REPORT_LEN + tlen && memcmp(out.p + SNP_REPORT_DATA_OFF, data, 64) == 0);
	CHECK(memcmp(out.p + SNP_REPORT_LEN, table, tlen) == 0);
	CHECK(memcmp(out.p, report, SNP_REPORT_DATA_OFF) == 0);
	/* An old host without extended reports: the plain report, no table. */
	f.ext_fails = 1;
	f.calls_ext = f.calls_plain = 0;
	cbuf_reset(&out);
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(f.calls_ext == 1 && f.calls_plain == 1 && out.len == SNP_REPORT_LEN);
	/* The firmware refuses (status != 0). */
	f.fw_status = 0x16;
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_DEVICE);
	/* Derived key: the request carries our fields; a firmware error leaves no key. */
	CHECK_RC(evidence_sevguest_derived_key(key, &env, 0x9, 2, 0x7308000000000003ull), COFFER_ERR_TEE_DEVICE);
	CHECK(memcmp(key, zero, 32) == 0);
	f.fw_status = 0;
	CHECK_OK(evidence_sevguest_derived_key(key, &env, 0x9, 2, 0x7308000000000003ull));
	CHECK(f.last_key.root_key_select == 0 && f.last_key.guest_field_select == 0x9 &&
	    f.last_key.guest_svn == 2 && f.last_key.tcb_version == 0x7308000000000003ull && f.last_key.vmpl == 0);
	CHECK(key[0] == (0xa0 ^ 0x9) && key[31] == (0xa0 ^ 31 ^ 0x9));
	cbuf_free(&out);
	free(report);
	free(table);
	su_rmtree(root);
}

static void
test_sevguest_parse(void)
{
	uint8_t resp[4000], rep[SNP_REPORT_LEN], key[32];

	memset(resp, 0, sizeof(resp));
	resp[4] = (uint8_t)(SNP_REPORT_LEN & 0xff);
	resp[5] = (uint8_t)(SNP_REPORT_LEN >> 8);
	resp[0x20] = 2;
	CHECK_OK(evidence_sevguest_parse_report(rep, resp, sizeof(resp)));
	CHECK(rep[0] == 2);
	CHECK_RC(evidence_sevguest_parse_report(rep, resp, 0x20 + SNP_REPORT_LEN - 1), COFFER_ERR_TEE_RESPONSE);
	resp[4] = 0;	/* report_size 1024 */
	CHECK_RC(evidence_sevguest_parse_report(rep, resp, sizeof(resp)), COFFER_ERR_TEE_RESPONSE);
	resp[0] = 7;	/* status */
	CHECK_RC(evidence_sevguest_parse_report(rep, resp, sizeof(resp)), COFFER_ERR_TEE_DEVICE);
	CHECK_RC(evidence_sevguest_parse_key(key, resp, 40), COFFER_ERR_TEE_DEVICE);
	resp[0] = 0;
	CHECK_RC(evidence_sevguest_parse_key(key, resp, 40), COFFER_ERR_TEE_RESPONSE);
	CHECK_OK(evidence_sevguest_parse_key(key, resp, 64));
	/* Certificate tables: terminated, in bounds. */
	{
		uint8_t t[72];

		memset(t, 0, sizeof(t));
		CHECK_OK(evidence_snp_certs_check(t, 24));
		CHECK_RC(evidence_snp_certs_check(t, 23), COFFER_ERR_TEE_RESPONSE);
		memcpy(t, vcek_guid, 16);
		t[16] = 48;
		t[20] = 24;
		CHECK_OK(evidence_snp_certs_check(t, 72));
		t[20] = 25;	/* one byte past the end */
		CHECK_RC(evidence_snp_certs_check(t, 72), COFFER_ERR_TEE_RESPONSE);
		t[20] = 24;
		CHECK_RC(evidence_snp_certs_check(t, 48), COFFER_ERR_TEE_RESPONSE);	/* no terminator */
	}
}

/* --- TDX ------------------------------------------------------------------------------- */

static void
test_tdx_configfs(void)
{
	const struct evidence_backend *b = evidence_backend_find("tdx");
	struct evidence_env env;
	struct fake_tsm f;
	char root[256];
	uint8_t data[64];
	struct cbuf out;
	size_t qlen;
	uint8_t *quote = sample_read("tdx/trustee_tdx_quote_4.dat", &qlen);

	eu_mkdtemp(root, sizeof(root), "tdx");
	memset(&env, 0, sizeof(env));
	memset(&f, 0, sizeof(f));
	env.root = root;
	env.tsm_written = fake_tsm_written;
	env.tsm_ctx = &f;
	CHECK(b != NULL && !b->present(&env));
	eu_mkdirs(root, "sys/kernel/config/tsm/report");
	eu_mkdirs(root, "dev");
	su_write(root, "dev/tdx_guest", "", 0);
	CHECK(b->present(&env));
	f.provider = "tdx_guest\n";
	f.generation = "1\n";
	f.outblob = quote;
	f.outlen = qlen;
	f.patch_off = 0x238;
	binding_of(data);
	cbuf_init(&out, EVIDENCE_MAX);
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(out.len == qlen && memcmp(out.p + 0x238, data, 64) == 0 && memcmp(out.p, quote, 0x238) == 0);
	f.provider = "sev_guest\n";
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RESPONSE);
	f.provider = "tdx_guest\n";
	f.patch_off = 0;	/* the recorded quote's own report data: not ours */
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RESPONSE);
	cbuf_free(&out);
	free(quote);
	su_rmtree(root);
}

/* --- Nitro /dev/nsm ---------------------------------------------------------------------- */

struct nsm_iovec_t {
	uint64_t addr;
	uint64_t len;
};
struct nsm_raw_t {
	struct nsm_iovec_t request;
	struct nsm_iovec_t response;
};

struct fake_nsm {
	const uint8_t *resp;
	size_t resplen;
	uint8_t req[4096];
	size_t reqlen;
};

static int
fake_nsm_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fake_nsm *f = ctx;
	struct nsm_raw_t *raw = arg;

	(void)fd;
	if (req != _IOWR(0x0A, 0x0, struct nsm_raw_t) || raw->request.len > sizeof(f->req) ||
	    raw->response.len < f->resplen) {
		errno = EINVAL;
		return -1;
	}
	memcpy(f->req, (void *)(uintptr_t)raw->request.addr, raw->request.len);
	f->reqlen = raw->request.len;
	memcpy((void *)(uintptr_t)raw->response.addr, f->resp, f->resplen);
	raw->response.len = f->resplen;
	return 0;
}

/* {"Attestation": {"document": bstr(doc)}} */
static uint8_t *
nsm_reply(size_t *n, const uint8_t *doc, size_t dlen)
{
	uint8_t *p = malloc(dlen + 32);
	size_t k = 0;

	p[k++] = 0xa1;
	p[k++] = 0x6b;
	memcpy(p + k, "Attestation", 11);
	k += 11;
	p[k++] = 0xa1;
	p[k++] = 0x68;
	memcpy(p + k, "document", 8);
	k += 8;
	p[k++] = 0x59;
	p[k++] = (uint8_t)(dlen >> 8);
	p[k++] = (uint8_t)dlen;
	memcpy(p + k, doc, dlen);
	*n = k + dlen;
	return p;
}

static void
test_nsm(void)
{
	const struct evidence_backend *b = evidence_backend_find("nitro");
	struct evidence_env env;
	struct fake_nsm f;
	struct attest_result res;
	struct attest_input in;
	char root[256];
	uint8_t data[64], *resp;
	struct cbuf out, req;
	size_t dlen, rlen;
	uint8_t *doc = sample_read("nitro/evervault_beta_valid-attestation-doc-bytes", &dlen);
	static const uint8_t err_reply[] = { 0xa1, 0x65, 'E', 'r', 'r', 'o', 'r', 0x6f, 'I', 'n', 'v', 'a', 'l', 'i', 'd',
		'A', 'r', 'g', 'u', 'm', 'e', 'n', 't' };

	binding_of(data);
	/* The request, byte for byte. */
	cbuf_init(&req, 4096);
	CHECK_OK(evidence_nsm_request(&req, data, 64, nonce, 32));
	CHECK(req.len == 1 + 12 + 1 + 10 + 2 + 64 + 6 + 2 + 32 + 11 + 1);
	CHECK(memcmp(req.p, "\xa1\x6b" "Attestation" "\xa3\x69" "user_data" "\x58\x40", 26) == 0);
	CHECK(memcmp(req.p + 26, data, 64) == 0);
	CHECK(memcmp(req.p + 90, "\x65" "nonce" "\x58\x20", 8) == 0 && memcmp(req.p + 98, nonce, 32) == 0);
	CHECK(memcmp(req.p + 130, "\x6a" "public_key" "\xf6", 12) == 0);
	CHECK_RC(evidence_nsm_request(&req, data, 513, nonce, 32), COFFER_ERR_INVALID_ARG);
	/* Through the signer's tee.h interface the nonce is only inside the binding: null here. */
	cbuf_reset(&req);
	CHECK_OK(evidence_nsm_request(&req, data, 64, NULL, 0));
	CHECK(req.len == 142 - 32 - 2 + 1 && memcmp(req.p + 90, "\x65" "nonce" "\xf6", 7) == 0);
	cbuf_free(&req);

	/* Responses. */
	resp = nsm_reply(&rlen, doc, dlen);
	cbuf_init(&out, EVIDENCE_MAX);
	CHECK_OK(evidence_nsm_response(&out, resp, rlen));
	CHECK(out.len == dlen && memcmp(out.p, doc, dlen) == 0);
	cbuf_reset(&out);
	CHECK_RC(evidence_nsm_response(&out, err_reply, sizeof(err_reply)), COFFER_ERR_TEE_DEVICE);
	CHECK_RC(evidence_nsm_response(&out, resp, rlen - 1), COFFER_ERR_TEE_RESPONSE);
	resp[rlen] = 0;
	CHECK_RC(evidence_nsm_response(&out, resp, rlen + 1), COFFER_ERR_TEE_RESPONSE);	/* trailing byte */
	resp[14] ^= 0x20;	/* "document" -> "Document" */
	CHECK_RC(evidence_nsm_response(&out, resp, rlen), COFFER_ERR_TEE_RESPONSE);
	resp[14] ^= 0x20;
	CHECK(out.len == 0);

	/* Through the device. */
	eu_mkdtemp(root, sizeof(root), "nsm");
	memset(&env, 0, sizeof(env));
	memset(&f, 0, sizeof(f));
	env.root = root;
	env.ioctl_fn = fake_nsm_ioctl;
	env.ioctl_ctx = &f;
	f.resp = resp;
	f.resplen = rlen;
	CHECK(b != NULL && !b->present(&env));
	eu_mkdirs(root, "dev");
	su_write(root, "dev/nsm", "", 0);
	CHECK(b->present(&env));
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(f.reqlen == 142 && memcmp(f.req + 26, data, 64) == 0);
	CHECK(out.len == dlen && memcmp(out.p, doc, dlen) == 0);
	/* What the signer returns is what `coffer verify` reads: valid at the document's date. */
	memset(&in, 0, sizeof(in));
	in.evidence = out.p;
	in.len = out.len;
	in.at = 1665651482;
	CHECK(attest_verify(&res, &in) == ATTEST_VALID && res.format == ATTEST_FMT_NITRO);
	f.resp = err_reply;
	f.resplen = sizeof(err_reply);
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_DEVICE);
	cbuf_free(&out);
	free(resp);
	free(doc);
	su_rmtree(root);
}

/* --- Gramine /dev/attestation -------------------------------------------------------------- */

static void
test_gramine(void)
{
	const struct evidence_backend *b = evidence_backend_find("sgx-gramine");
	struct evidence_env env;
	char root[256];
	uint8_t data[64], *p;
	struct cbuf out;
	size_t qlen, n;
	uint8_t *quote = sample_read("tdx/trustee_occlum_quote.dat", &qlen);

	binding_of(data);
	eu_mkdtemp(root, sizeof(root), "gramine");
	memset(&env, 0, sizeof(env));
	env.root = root;
	CHECK(b != NULL && !b->present(&env));
	eu_mkdirs(root, "dev/attestation");
	su_write(root, "dev/attestation/attestation_type", "dcap", 4);
	su_write(root, "dev/attestation/quote", quote, qlen);
	CHECK(b->present(&env));
	cbuf_init(&out, EVIDENCE_MAX);
	/* The recorded quote carries someone else's report data. */
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_RESPONSE);
	p = su_read(root, "dev/attestation/user_report_data", &n);
	CHECK(p != NULL && n == 64 && memcmp(p, data, 64) == 0);
	free(p);
	memcpy(quote + 368, data, 64);
	su_write(root, "dev/attestation/quote", quote, qlen);
	cbuf_reset(&out);
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));
	CHECK(out.len == qlen && memcmp(out.p, quote, qlen) == 0);
	su_write(root, "dev/attestation/attestation_type", "none\n", 5);
	cbuf_reset(&out);
	CHECK_RC(b->get(&env, &out, data, nonce, sizeof(nonce)), COFFER_ERR_TEE_DEVICE);
	cbuf_free(&out);
	free(quote);
	su_rmtree(root);
}

/* --- lookup and detection --------------------------------------------------------------------- */

static void
test_detect(void)
{
	static const struct {
		const char *file;
		const char *want;
	} cases[] = {
		{ "dev/nsm", "nitro" },
		{ "dev/attestation/quote", "sgx-gramine" },
		{ "dev/sev-guest", "sev-snp" },
		{ "dev/tdx_guest", "tdx" },
		{ NULL, "none" },
	};
	struct evidence_env env;
	char root[256];
	uint8_t data[64];
	struct cbuf out;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		eu_mkdtemp(root, sizeof(root), "detect");
		memset(&env, 0, sizeof(env));
		env.root = root;
		eu_mkdirs(root, "dev/attestation");
		eu_mkdirs(root, "sys/kernel/config/tsm/report");
		if (cases[i].file != NULL)
			su_write(root, cases[i].file, "", 0);
		CHECK_STREQ(evidence_detect(&env)->name, cases[i].want);
		su_rmtree(root);
	}
	CHECK(evidence_backend_find("azure-cvm") == &evidence_backend_azure);
	CHECK(evidence_backend_find("sgx") == NULL && evidence_backend_find(NULL) == NULL);
	/* none says so and gives nothing. */
	binding_of(data);
	cbuf_init(&out, 0);
	CHECK_RC(evidence_backend_none.get(NULL, &out, data, nonce, 32), COFFER_ERR_UNSUPPORTED);
	CHECK(strstr(evidence_backend_none.statement, "no TEE") != NULL);
	cbuf_free(&out);
}

static const struct test_case tests[] = {
	{ "binding_layout", test_binding_layout },
	{ "tsm_steps", test_tsm_steps },
	{ "snp_configfs", test_snp_configfs },
	{ "sevguest_ioctl", test_sevguest },
	{ "sevguest_parse", test_sevguest_parse },
	{ "tdx_configfs", test_tdx_configfs },
	{ "nsm", test_nsm },
	{ "gramine", test_gramine },
	{ "detect", test_detect },
};

TEST_MAIN(tests)
