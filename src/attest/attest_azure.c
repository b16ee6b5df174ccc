/*
 * Azure confidential VMs: the paravisor's HCL report (vTPM NV 0x01400001)
 * holds an SNP report (or a TDX TDREPORT) whose report data is the hash of the
 * runtime-data JSON that follows it; that JSON carries the vTPM AK
 * (HCLAkPub), which signs the vTPM quote over the PCRs. The chain of trust:
 * AMD ARK -> VCEK -> SNP report -> runtime JSON -> AK -> quote -> PCRs.
 *
 * Evidence is a raw HCL report (no quote: no PCRs) or a JSON bundle as
 * trustee's az-snp-vtpm / az-tdx-vtpm attesters emit it (v0: byte arrays,
 * v1/v2: base64url and hex; tee.md 2, docs/ATTESTATION.md).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/attest_azure.h"
#include "attest/attest_codec.h"
#include "attest/attest_int.h"
#include "attest/attest_sevsnp.h"
#include "attest/attest_vtpm.h"
#include "attest/attest_x509.h"
#include "btc/hash.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

#define HCL_MAGIC "HCLA"
#define HCL_HW_OFF 0x20u
#define HCL_HW_SIZE 1184u
#define HCL_RUNTIME_OFF 0x4D4u
#define HCL_IGVM_HDR 20u		/* IgvmRequestData: five u32 */
#define HCL_MAX (64u * 1024)		/* NV reads are 2-4 KiB; leave room, refuse more */
#define HCL_TYPE_SNP 2u
#define HCL_TYPE_TDX 4u
#define TDREPORT_SIZE 1024u
#define TD_QUOTE_MAX (64u * 1024)

struct hcl {
	uint32_t version;
	const uint8_t *hw;		/* HCL_HW_SIZE bytes */
	uint32_t report_type, hash_type;
	const uint8_t *runtime;
	size_t runtime_len;
};

/* Everything a bundle may carry (owned buffers). */
struct bundle {
	int version;
	struct cbuf hcl, td_quote;
	struct vtpm_quote *quote;	/* NULL when absent */
	STACK_OF(X509) *certs;
};

/* Layout and header consistency of an HCL report. Returns NULL or what is wrong. */
static const char *
hcl_parse(struct hcl *h, const uint8_t *p, size_t n)
{
	struct creader r;
	uint8_t magic[4];
	uint32_t report_size, request_type, status, data_size, igvm_version, var_size;
	const uint8_t *pad;
	size_t rest;

	memset(h, 0, sizeof(*h));
	if (n > HCL_MAX)
		return "HCL report is over 64 KiB";
	creader_init(&r, p, n);
	if (creader_get_bytes(&r, magic, 4) != 0 || memcmp(magic, HCL_MAGIC, 4) != 0)
		return "not an HCL report (no \"HCLA\" header)";
	if (creader_get_u32le(&r, &h->version) != 0 || creader_get_u32le(&r, &report_size) != 0 ||
	    creader_get_u32le(&r, &request_type) != 0 || creader_get_u32le(&r, &status) != 0 ||
	    creader_skip(&r, 12) != 0 || creader_get_ptr(&r, &h->hw, HCL_HW_SIZE) != 0 ||
	    creader_get_u32le(&r, &data_size) != 0 || creader_get_u32le(&r, &igvm_version) != 0 ||
	    creader_get_u32le(&r, &h->report_type) != 0 || creader_get_u32le(&r, &h->hash_type) != 0 ||
	    creader_get_u32le(&r, &var_size) != 0)
		return "HCL report is truncated";
	if (h->version != 1 && h->version != 2)
		return "unknown HCL report version";
	if (request_type != 2 || status != 0 || !secure_is_zero(p + 20, 12) || igvm_version != 1)
		return "HCL report header has an unexpected request type, status, version or reserved field";
	if (var_size > n || creader_get_ptr(&r, &h->runtime, var_size) != 0)
		return "HCL runtime data is truncated";
	h->runtime_len = var_size;
	if (data_size != HCL_IGVM_HDR + var_size || report_size != HCL_RUNTIME_OFF + var_size)
		return "HCL report sizes are inconsistent";
	if (h->report_type != HCL_TYPE_SNP && h->report_type != HCL_TYPE_TDX)
		return "HCL hardware report is neither SNP nor TDX";
	if (h->hash_type < 1 || h->hash_type > 3)
		return "HCL report names an unknown runtime-data hash";
	/* The NV index is read whole: what follows the report must be zero padding. */
	rest = creader_remaining(&r);
	if (creader_get_ptr(&r, &pad, rest) != 0 || !secure_is_zero(pad, rest))
		return "HCL report has data after the runtime JSON";
	if (h->report_type == HCL_TYPE_TDX && !secure_is_zero(h->hw + TDREPORT_SIZE, HCL_HW_SIZE - TDREPORT_SIZE))
		return "HCL TDREPORT padding is not zero";
	return NULL;
}

/* The hardware report's data must be H(runtime JSON), zero-padded to 64 bytes. */
static int
runtime_bound(const struct hcl *h, const uint8_t rd[64], uint8_t *digest, size_t *dlen)
{
	static const char *const md[4] = { NULL, "SHA256", "SHA384", "SHA512" };
	unsigned int n = 0;
	EVP_MD *m;
	int ok;

	*dlen = 0;
	if ((m = EVP_MD_fetch(NULL, md[h->hash_type], NULL)) == NULL)
		return 0;
	ok = EVP_Digest(h->runtime, h->runtime_len, digest, &n, m, NULL) == 1;
	EVP_MD_free(m);
	if (!ok || n > 64)
		return 0;
	*dlen = n;
	return memcmp(rd, digest, n) == 0 && secure_is_zero(rd + n, 64 - n);
}

/* Rename the backend's "report_data" claim (the hardware report's) to "hw_report_data". */
static void
rename_claim(struct attest_result *out, const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < out->nclaims; i++)
		if (strcmp(out->claims[i].name, from) == 0)
			snprintf(out->claims[i].name, sizeof(out->claims[i].name), "%s", to);
}

static void
runtime_claims(struct attest_result *out, const json_t *rt)
{
	static const char *const flags[][2] = {
		{ "secure-boot", "secure_boot" }, { "tpm-enabled", "tpm_enabled" },
		{ "console-enabled", "console_enabled" }, { "tpm-persisted", "tpm_persisted" },
	};
	const json_t *cfg = json_object_get(rt, "vm-configuration"), *v;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (json_is_boolean(v = json_object_get(cfg, flags[i][0])))
			attest_claim_add(out, flags[i][1], json_is_true(v) ? "true" : "false");
	if (json_is_string(v = json_object_get(cfg, "vmUniqueId")) && json_string_length(v) < 64)
		attest_claim_add(out, "vm_unique_id", json_string_value(v));
}

int
attest_azure_hcl_runtime_bound(const uint8_t *p, size_t n)
{
	struct hcl h;
	uint8_t digest[64];
	size_t dlen;

	if (hcl_parse(&h, p, n) != NULL)
		return -1;
	return runtime_bound(&h, h.hw + (h.report_type == HCL_TYPE_SNP ? 0x50 : 0x80), digest, &dlen);
}

/*
 * TD quote v4: 48-byte header, then the TD body; v5: header, u16 body type
 * (2 TDX 1.0, 3 TDX 1.5), u32 body size, body. In the body, TDATTRIBUTES ..
 * RTMR3 sit at 0x78 (400 bytes, the same layout as TDREPORT's TDINFO at 0x200)
 * and REPORTDATA at 0x208.
 */
int
attest_azure_tdreport_matches_quote(const uint8_t *tdreport, size_t tdlen, const uint8_t *quote, size_t qlen)
{
	struct creader r;
	const uint8_t *tdinfo, *body_info, *body_rd;
	uint16_t version = 0, body_type = 0;
	uint32_t body_size = 0;

	if (tdlen < TDREPORT_SIZE)
		return -1;
	creader_init(&r, quote, qlen);
	if (creader_get_u16le(&r, &version) != 0 || creader_skip(&r, 46) != 0)
		return -1;
	if (version == 5 && (creader_get_u16le(&r, &body_type) != 0 || creader_get_u32le(&r, &body_size) != 0 ||
	    (body_type != 2 && body_type != 3)))
		return -1;
	if (version != 4 && version != 5)
		return -1;
	if (creader_skip(&r, 0x78) != 0 || creader_get_ptr(&r, &body_info, 400) != 0 ||
	    creader_get_ptr(&r, &body_rd, 64) != 0)
		return -1;
	creader_init(&r, tdreport, tdlen);
	if (creader_skip(&r, 0x200) != 0 || creader_get_ptr(&r, &tdinfo, 400) != 0)
		return -1;
	if (memcmp(tdinfo, body_info, 400) != 0 || memcmp(tdreport + 0x80, body_rd, 64) != 0)
		return -1;
	return 0;
}

/* TDX: the TDREPORT is MAC'd; only a TD quote over it (checked by the TDX backend) makes it verifiable. */
static enum attest_verdict
check_tdx(struct attest_result *out, const struct hcl *h, const struct cbuf *td_quote, int64_t at,
    const struct attest_policy *pol)
{
	const struct attest_backend *tdx = attest_backend_for(ATTEST_FMT_TDX);
	struct attest_result *sub;
	struct attest_input sin;
	enum attest_verdict v;
	char mrtd[97];
	const char *got;
	uint64_t attributes = 0;
	struct creader r;
	size_t i;

	attest_claim_add(out, "hcl_report_type", "tdx");
	attest_claim_add_hex(out, "tdreport_mrtd", h->hw + 0x210, 48);
	if (td_quote->len == 0)
		return attest_refuse(out, "the HCL report holds a TDX TDREPORT, which is MAC'd and not verifiable "
		    "offline: give an evidence bundle with the TD quote (td_quote)");
	if (tdx == NULL)
		return attest_refuse(out, "TD quote verification (the tdx backend) is not built in");
	if ((sub = calloc(1, sizeof(*sub))) == NULL)
		return attest_refuse(out, "out of memory");
	memset(&sin, 0, sizeof(sin));
	sin.format = ATTEST_FMT_TDX;
	sin.evidence = td_quote->p;
	sin.len = td_quote->len;
	sin.at = at;
	sin.policy = pol;
	sub->format = ATTEST_FMT_TDX;
	sub->verdict = ATTEST_UNUSABLE;
	v = tdx->verify(sub, &sin);
	for (i = 0; i < sub->nclaims; i++)
		attest_claim_add(out, sub->claims[i].name, sub->claims[i].value);
	if (v != ATTEST_VALID) {
		attest_refuse(out, "TD quote: %.200s", sub->reason);
		free(sub);
		return ATTEST_REFUSED;
	}
	hex_encode(mrtd, sizeof(mrtd), h->hw + 0x210, 48);
	got = attest_claim_get(sub, "mrtd");
	v = ATTEST_VALID;
	if (attest_azure_tdreport_matches_quote(h->hw, TDREPORT_SIZE, td_quote->p, td_quote->len) != 0 ||
	    sub->report_data_len != 64 || memcmp(sub->report_data, h->hw + 0x80, 64) != 0)
		v = attest_refuse(out, "TD quote's report data or TD measurements differ from the HCL TDREPORT's");
	else if (got != NULL && strcmp(got, mrtd) != 0)
		v = attest_refuse(out, "TD quote's MRTD differs from the HCL TDREPORT's");
	creader_init(&r, h->hw + 0x200, 8);
	(void)creader_get_u64le(&r, &attributes);
	out->debug = sub->debug || (attributes & 1u);	/* TDATTRIBUTES.DEBUG is bit 0 */
	free(sub);
	return v;
}

static enum attest_verdict
verify_hcl(struct attest_result *out, const uint8_t *p, size_t n, const struct vtpm_quote *quote,
    STACK_OF(X509) *certs, const struct cbuf *td_quote, int bundle_version, const struct attest_input *in)
{
	struct hcl h;
	const char *bad;
	const uint8_t *rd;
	uint8_t digest[64], ud[64], spki_hash[32];
	unsigned char *spki = NULL;
	size_t dlen;
	json_t *rt = NULL, *v;
	json_error_t jerr;
	EVP_PKEY *ak = NULL;
	enum attest_verdict verdict;
	int r, len;

	if ((bad = hcl_parse(&h, p, n)) != NULL)
		return attest_unusable(out, "%s", bad);
	attest_claim_add_u64(out, "hcl_version", h.version);
	if (h.report_type == HCL_TYPE_SNP) {
		attest_claim_add(out, "hcl_report_type", "snp");
		if ((verdict = attest_sevsnp_check(out, h.hw, HCL_HW_SIZE, certs, in->at)) != ATTEST_VALID)
			return verdict;
		/* The paravisor runs at VMPL0; a report from a higher VMPL is the guest's, not the HCL's. */
		if ((bad = attest_claim_get(out, "vmpl")) == NULL || strcmp(bad, "0") != 0)
			return attest_refuse(out, "HCL SNP report is not from VMPL 0");
		rd = h.hw + 0x50;
	} else {
		if ((verdict = check_tdx(out, &h, td_quote, in->at, in->policy)) != ATTEST_VALID)
			return verdict;
		rd = h.hw + 0x80;
	}
	rename_claim(out, "report_data", "hw_report_data");
	attest_set_report_data(out, NULL, 0);
	if (!runtime_bound(&h, rd, digest, &dlen))
		return attest_refuse(out, "hash of the HCL runtime data does not match the hardware report's report data");
	attest_claim_add_hex(out, "runtime_data_hash", digest, dlen);

	if ((rt = json_loadb((const char *)h.runtime, h.runtime_len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(rt)) {
		json_decref(rt);
		return attest_refuse(out, "HCL runtime data is not a JSON object");
	}
	runtime_claims(out, rt);
	if ((v = json_object_get(rt, "user-data")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) != 128 || hex_decode_exact(ud, 64, json_string_value(v)) != 0) {
			verdict = attest_refuse(out, "runtime user-data is not 64 bytes of hex");
			goto out;
		}
		attest_set_report_data(out, ud, 64);
		attest_claim_add_hex(out, "report_data", ud, 64);
	}
	if ((r = attest_vtpm_ak_from_runtime(&ak, rt)) != 0) {
		verdict = attest_refuse(out, "runtime data has no usable HCLAkPub RSA key (%s)", coffer_err_name(r));
		goto out;
	}
	if ((len = i2d_PUBKEY(ak, &spki)) > 0) {
		sha256(spki_hash, spki, (size_t)len);
		attest_claim_add_hex(out, "ak_pub_sha256", spki_hash, 32);
	}
	OPENSSL_free(spki);
	if (quote == NULL) {
		attest_claim_add(out, "vtpm_quote", "absent (no PCRs)");
		verdict = ATTEST_VALID;
		goto out;
	}
	if ((verdict = attest_vtpm_quote_check(out, quote, ak)) != ATTEST_VALID)
		goto out;
	attest_claim_add(out, "vtpm_quote", "verified");
	/* v2 bundles put the caller's report data in user-data too: the hardware report then proves freshness. */
	if (bundle_version >= 2 && (out->report_data_len < out->nonce_len || out->nonce_len > 64 ||
	    memcmp(out->report_data, out->nonce, out->nonce_len) != 0))
		verdict = attest_refuse(out, "v2 evidence: runtime user-data does not start with the quote's nonce");
out:
	EVP_PKEY_free(ak);
	json_decref(rt);
	return verdict;
}

/* ---- JSON bundles ---- */

static void
bundle_free(struct bundle *b)
{
	cbuf_free(&b->hcl);
	cbuf_free(&b->td_quote);
	free(b->quote);
	attest_x509_stack_free(b->certs);
}

static int
bundle_quote(struct bundle *b, const json_t *v)
{
	struct cbuf raw;
	int r;

	if ((b->quote = calloc(1, sizeof(*b->quote))) == NULL)
		return COFFER_ERR_NOMEM;
	if (json_is_object(v))
		return attest_vtpm_quote_parse_json(b->quote, v);
	/* Coffer extension: the legacy bincode quote as one base64 (or byte-array) field. */
	cbuf_init(&raw, 4096);
	if ((r = attest_json_bytes(&raw, v, ATTEST_TEXT_BASE64, 4096)) == 0)
		r = attest_vtpm_quote_parse_bincode(b->quote, raw.p, raw.len);
	cbuf_free(&raw);
	return r;
}

static int
bundle_vcek(struct bundle *b, const json_t *v)
{
	struct cbuf raw;
	int r;

	/* PEM text (v0), base64url of the DER (v1, v2), or an array of DER bytes. */
	cbuf_init(&raw, ATTEST_MAX_CERT_BYTES);
	if (json_is_string(v) && strstr(json_string_value(v), "-----BEGIN") != NULL)
		r = cbuf_put(&raw, (const uint8_t *)json_string_value(v), json_string_length(v));
	else
		r = attest_json_bytes(&raw, v, ATTEST_TEXT_BASE64, ATTEST_MAX_CERT_BYTES);
	if (r == 0)
		r = attest_x509_load(b->certs, raw.p, raw.len);
	cbuf_free(&raw);
	return r;
}

/* Parse a bundle; returns NULL or what is wrong. */
static const char *
bundle_parse(struct bundle *b, const uint8_t *p, size_t n)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *k, *bad = NULL;

	if ((root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return "evidence is neither an HCL report nor a JSON evidence bundle";
	if (!json_is_object(root))
		bad = "evidence bundle is not a JSON object";
	json_object_foreach(root, k, v) {
		if (bad != NULL)
			break;
		if (strcmp(k, "version") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 2)
				bad = "bundle version must be 0, 1 or 2";
			else
				b->version = (int)json_integer_value(v);
		} else if (strcmp(k, "report") == 0 || strcmp(k, "hcl_report") == 0) {
			if (b->hcl.len != 0 || attest_json_bytes(&b->hcl, v, ATTEST_TEXT_BASE64, HCL_MAX) != 0)
				bad = "bundle hcl_report is malformed (or given twice)";
		} else if (strcmp(k, "quote") == 0 || strcmp(k, "tpm_quote") == 0) {
			if (b->quote != NULL || bundle_quote(b, v) != 0)
				bad = "bundle tpm_quote is malformed (or given twice)";
		} else if (strcmp(k, "vcek") == 0) {
			if (bundle_vcek(b, v) != 0)
				bad = "bundle vcek is not a certificate";
		} else if (strcmp(k, "td_quote") == 0) {
			if (b->td_quote.len != 0 ||
			    attest_json_bytes(&b->td_quote, v, ATTEST_TEXT_BASE64, TD_QUOTE_MAX) != 0)
				bad = "bundle td_quote is malformed (or given twice)";
		} else {
			bad = "unknown key in evidence bundle";
		}
	}
	if (bad == NULL && b->hcl.len == 0)
		bad = "evidence bundle has no hcl_report";
	json_decref(root);
	return bad;
}

static int
azure_detect(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 4 && memcmp(p, HCL_MAGIC, 4) == 0)
		return 1;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '{';	/* the only JSON evidence format */
}

static enum attest_verdict
azure_verify(struct attest_result *out, const struct attest_input *in)
{
	struct bundle b;
	STACK_OF(X509) *given = NULL;
	enum attest_verdict v;
	const char *bad;
	size_t i, badcert;
	int r;

	memset(&b, 0, sizeof(b));
	cbuf_init(&b.hcl, HCL_MAX);
	cbuf_init(&b.td_quote, TD_QUOTE_MAX);
	if ((r = attest_x509_input_certs(&given, &badcert, in)) != 0) {
		v = r == COFFER_ERR_ATTEST_BAD_CERT ? attest_unusable(out, "certificate %zu does not parse", badcert + 1)
		    : attest_refuse(out, "cannot load certificates (%s)", coffer_err_name(r));
		goto out;
	}
	if (in->len >= 4 && memcmp(in->evidence, HCL_MAGIC, 4) == 0) {
		v = verify_hcl(out, in->evidence, in->len, NULL, given, &b.td_quote, 0, in);
		goto out;
	}
	if ((b.certs = sk_X509_new_null()) == NULL) {
		v = attest_refuse(out, "out of memory");
		goto out;
	}
	if ((bad = bundle_parse(&b, in->evidence, in->len)) != NULL) {
		v = attest_unusable(out, "%s", bad);
		goto out;
	}
	/* Certificates from the command line come after the bundle's own. */
	for (i = 0; i < (size_t)sk_X509_num(given); i++) {
		X509 *x = sk_X509_value(given, (int)i);

		if (sk_X509_num(b.certs) >= 2 * ATTEST_MAX_CERTS || !X509_up_ref(x))
			break;
		if (sk_X509_push(b.certs, x) <= 0) {
			X509_free(x);
			break;
		}
	}
	v = verify_hcl(out, b.hcl.p, b.hcl.len, b.quote, b.certs, &b.td_quote, b.version, in);
	attest_claim_add_u64(out, "bundle_version", (uint64_t)b.version);
out:
	attest_x509_stack_free(given);
	bundle_free(&b);
	return v;
}

const struct attest_backend attest_backend_azure = {
	ATTEST_FMT_AZURE_CVM, "azure-cvm", azure_detect, azure_verify,
};
