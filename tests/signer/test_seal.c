/*
 * Sealing for unattended restarts: TPM 2.0 sealing against swtpm (seal,
 * unseal; a PCR extend and another TPM both refuse), the SEV-SNP derived-key
 * backend against recorded-format firmware responses, the auto-unlock file on
 * top of both, and the Azure vTPM evidence backend against swtpm holding a
 * recorded HCL report (its quote verified by the verifier's own code).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <linux/ioctl.h>
#include <linux/sev-guest.h>
#include <tss2/tss2_mu.h>

#include "attest/attest.h"
#include "attest/attest_util.h"
#include "attest/attest_vtpm.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"
#include "harness.h"
#include "signer/autounlock.h"
#include "signer/evidence.h"
#include "signer/evidence_int.h"
#include "signer/seal_snp.h"
#include "signer/seal_tpm2.h"
#include "signer/tpm.h"
#include "swtpm_util.h"

static struct swtpm tpm_a;

/* tpm2-tss logs every refused command on stderr; the refusals here are the point of the tests. */
__attribute__((constructor)) static void
quiet_tss(void)
{
	setenv("TSS2_LOG", "all+none", 1);
}

/* 1 when needle[n] occurs in hay[hn]. */
static int
contains(const uint8_t *hay, size_t hn, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; n <= hn && i <= hn - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}
static int have_tpm;
static const uint8_t secret[32] = { 's', 'e', 'c', 'r', 'e', 't', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26 };

static int
need_tpm(void)
{
	if (have_tpm)
		return 1;
	if (!swtpm_available()) {
		printf("SKIP: swtpm is not installed (scripts/setup installs swtpm, swtpm-tools)\n");
		return 0;
	}
	CHECK(swtpm_start(&tpm_a) == 0);
	have_tpm = tpm_a.pid > 0;
	return have_tpm;
}

/* Extend SHA-256 PCR `pcr` of the TPM at tcti with some digest. */
static void
pcr_extend(const char *tcti, ESYS_TR pcr)
{
	struct tpm t;
	TPML_DIGEST_VALUES d;

	memset(&d, 0, sizeof(d));
	d.count = 1;
	d.digests[0].hashAlg = TPM2_ALG_SHA256;
	memset(d.digests[0].digest.sha256, 0x42, 32);
	CHECK_OK(tpm_open(&t, tcti));
	CHECK(Esys_PCR_Extend(t.esys, pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d) == TSS2_RC_SUCCESS);
	tpm_close(&t);
}

static void
test_tpm2_seal(void)
{
	struct seal_tpm2 cfg = { NULL, 0 }, other_cfg = { NULL, 0 };
	struct seal_backend b, other;
	struct swtpm tpm_b;
	struct cbuf blob;
	uint8_t out[64], *copy;
	size_t outlen;

	if (!need_tpm())
		return;
	cfg.tcti = tpm_a.tcti;
	seal_backend_tpm2(&b, &cfg);
	CHECK_STREQ(b.name, "tpm2");
	cbuf_init(&blob, SEAL_BLOB_MAX);
	CHECK_OK(b.seal(b.ctx, &blob, secret, sizeof(secret)));
	CHECK(blob.len > 100 && blob.len < 1024 && memcmp(blob.p, "COFFTPM2", 8) == 0);
	CHECK(!contains(blob.p, blob.len, secret, sizeof(secret)));	/* not in clear */
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	CHECK(outlen == sizeof(secret) && memcmp(out, secret, outlen) == 0);
	CHECK_RC(b.unseal(b.ctx, out, 16, &outlen, blob.p, blob.len), COFFER_ERR_TOO_LARGE);
	CHECK(outlen == 0);

	/* Hostile blobs: a wrong magic, a cut, a trailing byte, a flipped bit in the encrypted part. */
	copy = malloc(blob.len + 1);
	memcpy(copy, blob.p, blob.len);
	copy[0] ^= 1;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, copy, blob.len), COFFER_ERR_SEAL_FOREIGN);
	copy[0] ^= 1;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, copy, blob.len - 1), COFFER_ERR_SEAL_FOREIGN);
	copy[blob.len] = 0;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, copy, blob.len + 1), COFFER_ERR_SEAL_FOREIGN);
	copy[blob.len - 5] ^= 0x10;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, copy, blob.len), COFFER_ERR_SEAL_MISMATCH);
	free(copy);

	/* Another TPM (a fresh swtpm: another owner seed, so another SRK) cannot load it. */
	CHECK(swtpm_start(&tpm_b) == 0);
	other_cfg.tcti = tpm_b.tcti;
	seal_backend_tpm2(&other, &other_cfg);
	CHECK_RC(other.unseal(other.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	CHECK(outlen == 0);
	swtpm_stop(&tpm_b);
	/* Stopped: no TPM there any more. */
	CHECK_RC(other.unseal(other.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_UNSUPPORTED);

	/* A PCR outside the policy changes nothing; one inside (PCR 7) locks the blob. */
	pcr_extend(tpm_a.tcti, ESYS_TR_PCR9);
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	pcr_extend(tpm_a.tcti, ESYS_TR_PCR7);
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	CHECK(outlen == 0);
	/* Sealed again now, it opens again (enrollment after an intended change). */
	cbuf_reset(&blob);
	CHECK_OK(b.seal(b.ctx, &blob, secret, sizeof(secret)));
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	/* A custom PCR set. */
	CHECK_OK(seal_tpm2_parse_pcrs(&cfg.pcrs, "9"));
	cbuf_reset(&blob);
	CHECK_OK(b.seal(b.ctx, &blob, secret, sizeof(secret)));
	pcr_extend(tpm_a.tcti, ESYS_TR_PCR7);
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	pcr_extend(tpm_a.tcti, ESYS_TR_PCR9);
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	cfg.pcrs = 0;
	CHECK_RC(b.seal(b.ctx, &blob, secret, 0), COFFER_ERR_INVALID_ARG);
	{
		uint8_t big[129];

		memset(big, 7, sizeof(big));
		CHECK_RC(b.seal(b.ctx, &blob, big, sizeof(big)), COFFER_ERR_INVALID_ARG);
	}
	cbuf_free(&blob);
}

static void
test_tpm2_pcr_list(void)
{
	uint32_t m;

	CHECK_OK(seal_tpm2_parse_pcrs(&m, "0,2,4,7"));
	CHECK(m == SEAL_TPM2_PCRS_DEFAULT);
	CHECK_OK(seal_tpm2_parse_pcrs(&m, "23"));
	CHECK(m == 1u << 23);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, "24"), COFFER_ERR_INVALID_ARG);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, "7,7"), COFFER_ERR_INVALID_ARG);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, ""), COFFER_ERR_INVALID_ARG);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, "1,"), COFFER_ERR_INVALID_ARG);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, "07"), COFFER_ERR_INVALID_ARG);
	CHECK_RC(seal_tpm2_parse_pcrs(&m, "100"), COFFER_ERR_INVALID_ARG);
	CHECK(m == 0);
}

/* --- SEV-SNP derived key ---------------------------------------------------------------- */

/* Firmware stand-in: MSG_KEY_RSP whose key depends on the chip, the guest's measurement and the fields asked for. */
struct fake_fw {
	uint8_t chip;
	uint8_t measurement;
	uint32_t status;
	uint64_t last_fields;
};

static int
fake_fw_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fake_fw *f = ctx;
	struct snp_guest_request_ioctl *io = arg;
	struct snp_derived_key_req *k = (void *)(uintptr_t)io->req_data;
	uint8_t *resp = ((struct snp_derived_key_resp *)(uintptr_t)io->resp_data)->data;
	size_t i;

	(void)fd;
	if (req != SNP_GET_DERIVED_KEY || io->msg_version != 1 || k->root_key_select != 0)
		return -1;
	f->last_fields = k->guest_field_select;
	memset(resp, 0, 64);
	resp[0] = (uint8_t)f->status;
	for (i = 0; i < 32; i++)
		resp[0x20 + i] = (uint8_t)(f->chip * 31 + i * 7 + (uint8_t)k->guest_field_select +
		    ((k->guest_field_select & SEAL_SNP_FIELD_MEASUREMENT) ? f->measurement : 0) + (uint8_t)k->guest_svn);
	return 0;
}

static void
test_snp_seal(void)
{
	struct evidence_env env;
	struct fake_fw fw = { 1, 0x5a, 0, 0 };
	struct seal_snp cfg;
	struct seal_backend b;
	struct cbuf blob;
	char root[256];
	uint8_t out[64];
	size_t outlen;

	eu_mkdtemp(root, sizeof(root), "snpseal");
	memset(&env, 0, sizeof(env));
	memset(&cfg, 0, sizeof(cfg));
	env.root = root;
	env.ioctl_fn = fake_fw_ioctl;
	env.ioctl_ctx = &fw;
	cfg.env = &env;
	seal_backend_snp(&b, &cfg);
	cbuf_init(&blob, SEAL_BLOB_MAX);
	CHECK_RC(b.seal(b.ctx, &blob, secret, sizeof(secret)), COFFER_ERR_UNSUPPORTED);	/* no device */
	eu_mkdirs(root, "dev");
	su_write(root, "dev/sev-guest", "", 0);
	CHECK_OK(b.seal(b.ctx, &blob, secret, sizeof(secret)));
	CHECK(fw.last_fields == SEAL_SNP_FIELDS_DEFAULT);
	CHECK(blob.len == 8 + 1 + 8 + 4 + 8 + 24 + 32 + 16);
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	CHECK(outlen == 32 && memcmp(out, secret, 32) == 0);
	/* Another measurement (another image), or another chip: another key. */
	fw.measurement = 0x5b;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	CHECK(outlen == 0);
	fw.measurement = 0x5a;
	fw.chip = 2;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	fw.chip = 1;
	/* The blob's header is authenticated: asking for other fields does not help. */
	blob.p[9] ^= SEAL_SNP_FIELD_MEASUREMENT;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_MISMATCH);
	blob.p[9] ^= SEAL_SNP_FIELD_MEASUREMENT;
	blob.p[9] |= 0x80;	/* an unknown field bit */
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_SEAL_FOREIGN);
	blob.p[9] &= 0x7f;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len - 17), COFFER_ERR_SEAL_MISMATCH);
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len - 32), COFFER_ERR_SEAL_FOREIGN);
	CHECK_RC(b.unseal(b.ctx, out, 31, &outlen, blob.p, blob.len), COFFER_ERR_TOO_LARGE);
	/* The firmware refuses. */
	fw.status = 0x16;
	CHECK_RC(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len), COFFER_ERR_TEE_DEVICE);
	fw.status = 0;
	CHECK_OK(b.unseal(b.ctx, out, sizeof(out), &outlen, blob.p, blob.len));
	cbuf_free(&blob);
	su_rmtree(root);
}

/* --- auto-unlock file ------------------------------------------------------------------------ */

static void
test_autounlock(void)
{
	static const char pass[] = "correct horse battery staple, but longer than any TPM sealed object may be: "
	    "1234567890123456789012345678901234567890123456789012345678901234567890";
	struct evidence_env env;
	struct fake_fw fw = { 1, 0x5a, 0, 0 };
	struct seal_snp cfg;
	struct seal_tpm2 tcfg = { NULL, 0 };
	struct seal_backend b, t, none = *seal_backend_none();
	char root[256], dir[300], why[200];
	uint8_t out[AUTOUNLOCK_PASS_MAX], *file;
	size_t outlen, flen;

	eu_mkdtemp(root, sizeof(root), "autounlock");
	memset(&env, 0, sizeof(env));
	memset(&cfg, 0, sizeof(cfg));
	env.root = root;
	env.ioctl_fn = fake_fw_ioctl;
	env.ioctl_ctx = &fw;
	cfg.env = &env;
	seal_backend_snp(&b, &cfg);
	eu_mkdirs(root, "dev");
	su_write(root, "dev/sev-guest", "", 0);
	snprintf(dir, sizeof(dir), "%s/signer", root);
	eu_mkdirs(root, "signer");

	CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b), COFFER_ERR_NOT_FOUND);
	CHECK(strstr(why, "not enrolled") != NULL);
	CHECK_RC(autounlock_enroll(dir, &none, (const uint8_t *)pass, strlen(pass)), COFFER_ERR_UNSUPPORTED);
	CHECK_RC(autounlock_enroll(dir, &b, (const uint8_t *)pass, 0), COFFER_ERR_INVALID_ARG);
	CHECK_OK(autounlock_enroll(dir, &b, (const uint8_t *)pass, strlen(pass)));
	file = su_read(dir, AUTOUNLOCK_FILE, &flen);
	CHECK(file != NULL && !contains(file, flen, "correct horse", 13));
	CHECK_OK(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b));
	CHECK(outlen == strlen(pass) && memcmp(out, pass, outlen) == 0 && why[0] == '\0');
	/* Another measurement: stays locked, and says why. */
	fw.measurement = 0x77;
	CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b), COFFER_ERR_SEAL_MISMATCH);
	CHECK(outlen == 0 && strstr(why, "does not open on this platform") != NULL);
	fw.measurement = 0x5a;
	/* A signer configured for another backend. */
	if (need_tpm()) {
		tcfg.tcti = tpm_a.tcti;
		seal_backend_tpm2(&t, &tcfg);
		CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &t), COFFER_ERR_SEAL_FOREIGN);
		CHECK(strstr(why, "sealed with sev-snp") != NULL);
		/* Through the TPM: opens until a policy PCR changes. */
		CHECK_OK(autounlock_enroll(dir, &t, (const uint8_t *)pass, strlen(pass)));
		CHECK_OK(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &t));
		CHECK(outlen == strlen(pass) && memcmp(out, pass, outlen) == 0);
		pcr_extend(tpm_a.tcti, ESYS_TR_PCR4);
		CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &t), COFFER_ERR_SEAL_MISMATCH);
		CHECK(strstr(why, "tpm2 seal does not open") != NULL);
		CHECK_OK(autounlock_enroll(dir, &b, (const uint8_t *)pass, strlen(pass)));
	}
	/* Tampering with the encrypted passphrase, or with the header it is bound to. */
	free(file);
	file = su_read(dir, AUTOUNLOCK_FILE, &flen);
	file[flen - 3] ^= 1;
	su_write(dir, AUTOUNLOCK_FILE, file, flen);
	CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b), COFFER_ERR_SEAL_MISMATCH);
	CHECK(strstr(why, "altered") != NULL);
	file[flen - 3] ^= 1;
	su_write(dir, AUTOUNLOCK_FILE, file, flen - 1);
	CHECK_RC(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b), COFFER_ERR_SEAL_FOREIGN);
	CHECK(strstr(why, "malformed") != NULL);
	su_write(dir, AUTOUNLOCK_FILE, file, flen);
	CHECK_OK(autounlock_open(out, sizeof(out), &outlen, why, sizeof(why), dir, &b));
	CHECK_RC(autounlock_open(out, 10, &outlen, why, sizeof(why), dir, &b), COFFER_ERR_TOO_LARGE);
	free(file);
	su_rmtree(root);
}

/* --- Azure vTPM evidence against swtpm ------------------------------------------------------- */

/* Put an HCL report at NV 0x01400001 and an RSA AK at 0x81000003, as Azure's paravisor does. */
static void
azure_provision(const char *tcti, const uint8_t *hcl, size_t n, TPM2B_PUBLIC **akpub)
{
	TPM2B_AUTH auth;
	TPM2B_NV_PUBLIC nvpub;
	TPM2B_MAX_NV_BUFFER chunk;
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC tmpl;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION none;
	ESYS_TR nv, ak, persist;
	struct tpm t;
	size_t off;

	memset(&auth, 0, sizeof(auth));
	memset(&nvpub, 0, sizeof(nvpub));
	CHECK_OK(tpm_open(&t, tcti));
	nvpub.nvPublic.nvIndex = VTPM_HCL_NV_INDEX;
	nvpub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	nvpub.nvPublic.attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE;
	nvpub.nvPublic.dataSize = (uint16_t)n;
	CHECK(Esys_NV_DefineSpace(t.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &auth,
	    &nvpub, &nv) == TSS2_RC_SUCCESS);
	for (off = 0; off < n; off += chunk.size) {
		chunk.size = (uint16_t)(n - off < 512 ? n - off : 512);
		memcpy(chunk.buffer, hcl + off, chunk.size);
		CHECK(Esys_NV_Write(t.esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &chunk,
		    (uint16_t)off) == TSS2_RC_SUCCESS);
	}
	memset(&sens, 0, sizeof(sens));
	memset(&tmpl, 0, sizeof(tmpl));
	memset(&outside, 0, sizeof(outside));
	memset(&none, 0, sizeof(none));
	tmpl.publicArea.type = TPM2_ALG_RSA;
	tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
	tmpl.publicArea.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
	    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
	tmpl.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	tmpl.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	tmpl.publicArea.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
	tmpl.publicArea.parameters.rsaDetail.keyBits = 2048;
	CHECK(Esys_CreatePrimary(t.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
	    &outside, &none, &ak, akpub, NULL, NULL, NULL) == TSS2_RC_SUCCESS);
	CHECK(Esys_EvictControl(t.esys, ESYS_TR_RH_OWNER, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
	    VTPM_AK_HANDLE, &persist) == TSS2_RC_SUCCESS);
	Esys_FlushContext(t.esys, ak);
	tpm_close(&t);
}

/* The AK as the runtime JSON's JWK, so the verifier's own code builds the key. */
static EVP_PKEY *
ak_key(const TPM2B_PUBLIC *pub)
{
	struct cbuf b64;
	json_t *rt;
	EVP_PKEY *k = NULL;
	size_t i, j;
	char *n;

	cbuf_init(&b64, 4096);
	CHECK_OK(base64_encode_buf(&b64, pub->publicArea.unique.rsa.buffer, pub->publicArea.unique.rsa.size));
	n = calloc(1, b64.len + 1);
	for (i = 0, j = 0; i < b64.len; i++)
		if (b64.p[i] != '=')
			n[j++] = b64.p[i] == '+' ? '-' : b64.p[i] == '/' ? '_' : (char)b64.p[i];
	rt = json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "keys", "kid", "HCLAkPub", "kty", "RSA", "n", n, "e", "AQAB");
	CHECK(rt != NULL && attest_vtpm_ak_from_runtime(&k, rt) == 0);
	json_decref(rt);
	free(n);
	cbuf_free(&b64);
	return k;
}

static void
test_azure_vtpm(void)
{
	const struct evidence_backend *b = evidence_backend_find("azure-cvm");
	struct evidence_env env;
	static struct attest_result res;
	static struct vtpm_quote q;
	struct attest_input in;
	TPM2B_PUBLIC *akpub = NULL;
	EVP_PKEY *ak;
	TPMS_ATTEST att;
	json_t *root, *hv;
	json_error_t jerr;
	struct cbuf out, hcl;
	uint8_t data[64], nonce[32];
	size_t n, off = 0;
	uint8_t *rec = sample_read("azure/azcvmtooling_hcl-report-snp.bin", &n);

	if (!need_tpm())
		return;
	memset(&env, 0, sizeof(env));
	env.tcti = tpm_a.tcti;
	memset(nonce, 0x4e, sizeof(nonce));
	memset(data, 0xb1, sizeof(data));
	CHECK(!b->present(&env));	/* a TPM without the HCL report is no Azure CVM */
	azure_provision(tpm_a.tcti, rec, n, &akpub);
	CHECK(b->present(&env));
	cbuf_init(&out, EVIDENCE_MAX);
	CHECK_OK(b->get(&env, &out, data, nonce, sizeof(nonce)));

	root = json_loadb((const char *)out.p, out.len, 0, &jerr);
	CHECK(root != NULL && json_integer_value(json_object_get(root, "version")) == 1);
	hv = json_object_get(root, "hcl_report");
	cbuf_init(&hcl, 8192);
	CHECK(json_is_string(hv) && base64_decode_buf(&hcl, json_string_value(hv), json_string_length(hv)) == 0);
	CHECK(hcl.len == n && memcmp(hcl.p, rec, n) == 0);
	/* The quote: TPMS_ATTEST with our binding as extraData, signed by the AK over 24 PCRs that match. */
	CHECK_OK(attest_vtpm_quote_parse_json(&q, json_object_get(root, "tpm_quote")));
	CHECK(q.npcrs == 24);
	memset(&att, 0, sizeof(att));
	CHECK(Tss2_MU_TPMS_ATTEST_Unmarshal(q.msg, q.msglen, &off, &att) == TSS2_RC_SUCCESS && off == q.msglen);
	CHECK(att.type == TPM2_ST_ATTEST_QUOTE && att.extraData.size == 64 && memcmp(att.extraData.buffer, data, 64) == 0);
	ak = ak_key(akpub);
	memset(&res, 0, sizeof(res));
	CHECK(attest_vtpm_quote_check(&res, &q, ak) == ATTEST_VALID);
	CHECK(res.has_nonce && res.nonce_len == 64 && memcmp(res.nonce, data, 64) == 0);
	EVP_PKEY_free(ak);
	/* The whole bundle through attest_verify: parsed as Azure; refused only because the recorded HCL report
	 * names Azure's AK, not this swtpm's (and has no VCEK here). */
	memset(&in, 0, sizeof(in));
	in.evidence = out.p;
	in.len = out.len;
	CHECK(attest_verify(&res, &in) == ATTEST_REFUSED && res.format == ATTEST_FMT_AZURE_CVM);
	json_decref(root);
	Esys_Free(akpub);
	cbuf_free(&hcl);
	cbuf_free(&out);
	free(rec);
}

static void
test_no_tpm(void)
{
	struct seal_tpm2 cfg = { "swtpm:host=127.0.0.1,port=1", 0 };
	struct seal_backend b;
	struct evidence_env env;
	struct cbuf blob;
	uint8_t data[64] = { 0 };

	seal_backend_tpm2(&b, &cfg);
	cbuf_init(&blob, SEAL_BLOB_MAX);
	CHECK_RC(b.seal(b.ctx, &blob, secret, sizeof(secret)), COFFER_ERR_UNSUPPORTED);
	memset(&env, 0, sizeof(env));
	env.tcti = cfg.tcti;
	CHECK(!evidence_backend_azure.present(&env));
	CHECK_RC(evidence_backend_azure.get(&env, &blob, data, data, 32), COFFER_ERR_TEE_ABSENT);
	cbuf_free(&blob);
}

static void
test_cleanup(void)
{
	swtpm_stop(&tpm_a);
	CHECK(tpm_a.pid == 0);
}

static const struct test_case tests[] = {
	{ "tpm2_pcr_list", test_tpm2_pcr_list },
	{ "tpm2_seal", test_tpm2_seal },
	{ "snp_seal", test_snp_seal },
	{ "autounlock", test_autounlock },
	{ "azure_vtpm", test_azure_vtpm },
	{ "no_tpm", test_no_tpm },
	{ "cleanup", test_cleanup },
};

TEST_MAIN(tests)
