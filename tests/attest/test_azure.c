/*
 * Azure confidential VM verifier against ../shared/attestation/azure: raw HCL
 * reports, vTPM quotes (JSON and bincode), trustee's evidence bundles v0, v1,
 * v2 and Genoa, the TDX variants, trustee's mutation recipes, and systematic
 * mutations of the signed report, the bound runtime JSON, the quote, the PCRs
 * and the certificate.
 */
#include "harness.h"

#include <openssl/pem.h>

#include "attest/attest_azure.h"
#include "attest/attest_codec.h"
#include "attest/attest_int.h"
#include "attest/attest_vtpm.h"
#include "attest_util.h"

#define CHALLENGE "6368616c6c656e6765"	/* "challenge" */
#define V2_REPORT_DATA "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef"
#define GENOA_REPORT_DATA "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f"

static struct attest_result res;
static int n_valid, n_refused;

#define CHECK_CLAIM(name, want) CHECK_STREQ(attest_claim_get(&res, name), want)
#define CHECK_CLAIM_ENDS(name, pre, post) do { \
	const char *v_ = attest_claim_get(&res, name); \
	CHECK_MSG(v_ != NULL && strncmp(v_, pre, strlen(pre)) == 0 && \
	    strlen(v_) >= strlen(post) && strcmp(v_ + strlen(v_) - strlen(post), post) == 0, \
	    "%s = %s", name, v_ ? v_ : "(none)"); \
} while (0)

static enum attest_verdict
verify(const uint8_t *ev, size_t len, const struct certset *cs, const char *nonce_hex,
    const struct attest_policy *pol, enum attest_format f)
{
	struct attest_input in;
	uint8_t nonce[64];
	size_t nl = 0;

	memset(&in, 0, sizeof(in));
	in.format = f;
	in.evidence = ev;
	in.len = len;
	if (cs != NULL)
		certset_apply(&in, cs);
	in.at = T_2025_06_01;
	in.policy = pol;
	if (nonce_hex != NULL) {
		nl = strlen(nonce_hex) / 2;
		if (hex_decode_exact(nonce, nl, nonce_hex) != 0)
			exit(1);
		in.nonce = nonce;
		in.noncelen = nl;
	}
	return attest_verify(&res, &in);
}

static void
expect(enum attest_verdict got, enum attest_verdict want, const char *reason_part, const char *what)
{
	CHECK_MSG(got == want, "%s: verdict %d want %d (%s)", what, got, want, res.reason);
	if (reason_part != NULL)
		CHECK_MSG(strstr(res.reason, reason_part) != NULL, "%s: reason '%s' lacks '%s'", what, res.reason,
		    reason_part);
	if (got == ATTEST_VALID)
		n_valid++;
	else
		n_refused++;
}

/* trustee's raw HCL report (SNP v2, Milan) with the VCEK/ASK/ARK bundle; trustee's recipes. */
static void
test_hcl_snp_raw(void)
{
	struct certset cs = { 0 }, other = { 0 };
	uint8_t *hcl;
	size_t n;

	hcl = sample_read("azure/trustee_azsnp_hcl-report.bin", &n);
	certset_add(&cs, "azure/trustee_azsnp_vcek.pem");
	CHECK(cs.n == 3);
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "azsnp hcl");
	CHECK(res.format == ATTEST_FMT_AZURE_CVM);
	CHECK_CLAIM_ENDS("measurement", "9ac48fca", "c315");
	CHECK_CLAIM_ENDS("hw_report_data", "b3fbad65", "afac00000000000000000000000000000000000000000000000000000000"
	    "00000000");
	CHECK_CLAIM_ENDS("runtime_data_hash", "b3fbad65", "afac");
	CHECK_CLAIM("vmpl", "0");
	CHECK_CLAIM("hcl_report_type", "snp");
	CHECK_CLAIM("vtpm_quote", "absent (no PCRs)");
	CHECK_CLAIM("secure_boot", "true");
	CHECK_CLAIM("vm_unique_id", "911B0EF8-9DBA-48B0-B275-4E4DF2D39252");
	CHECK(attest_claim_get(&res, "pcr0") == NULL);
	CHECK(res.report_data_len == 64 && res.report_data[0] == 0);	/* runtime user-data: zeros */
	CHECK(attest_azure_hcl_runtime_bound(hcl, n) == 1);

	/* trustee: byte 0x1A6 := 0 (inside the SNP report's REPORTED_TCB) */
	hcl[0x1a6] = 0;
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, NULL, "hcl[0x1a6]=0");
	hcl[0x1a6] = 0x08;
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "hcl restored");
	/* trustee: byte 0x6E0 += 1 (runtime JSON) -> digest mismatch */
	hcl[0x6e0]++;
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "hash of the HCL runtime data",
	    "hcl[0x6e0]+=1");
	CHECK(attest_azure_hcl_runtime_bound(hcl, n) == 0);
	hcl[0x6e0]--;
	/* Every 3rd byte of the bound runtime JSON (0x4d4 .. 0x4d4+1110), flipped. */
	{
		size_t off, flips = 0;

		for (off = 0x4d4; off < 0x4d4 + 1110; off += 3, flips++) {
			enum attest_verdict v;

			hcl[off] ^= 0x02;
			v = verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AZURE_CVM);
			hcl[off] ^= 0x02;
			CHECK_MSG(v == ATTEST_REFUSED && strstr(res.reason, "hash of the HCL runtime data") != NULL,
			    "runtime byte 0x%zx: %d %s", off, v, res.reason);
		}
		vectors_count("attestation/azure", "runtime-JSON byte flips refused (digest mismatch)", (int)flips);
	}
	/* trustee: byte 0x540 := 0 (inside HCLAkPub) */
	hcl[0x540] = 0;
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "runtime data", "hcl[0x540]=0");
	free(hcl);
	hcl = sample_read("azure/trustee_azsnp_hcl-report.bin", &n);

	expect(verify(hcl, n, NULL, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "no SEV-VCEK", "no vcek");
	certset_add(&other, "azure/azcvmtooling_certs.pem");
	expect(verify(hcl, n, &other, NULL, NULL, ATTEST_FMT_AZURE_CVM), ATTEST_REFUSED, "CHIP_ID",
	    "another chip's VCEK");
	/* A raw HCL report has no quote: a nonce is matched against the runtime user-data (zeros here). */
	expect(verify(hcl, n, &cs, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce", "nonce on raw HCL");
	expect(verify(hcl, n, &cs, "0000", NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "zero nonce on raw HCL");
	certset_free(&cs);
	certset_free(&other);
	free(hcl);
}

/* azure-cvm-tooling's HCL report: no VCEK exists for it; its runtime binding still holds. */
static void
test_hcl_azcvmtooling(void)
{
	struct certset cs = { 0 };
	uint8_t *hcl;
	size_t n;

	hcl = sample_read("azure/azcvmtooling_hcl-report-snp.bin", &n);
	CHECK(attest_azure_hcl_runtime_bound(hcl, n) == 1);
	certset_add(&cs, "azure/azcvmtooling_certs.pem");
	expect(verify(hcl, n, &cs, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "CHIP_ID", "azcvmtooling + certs");
	CHECK_CLAIM_ENDS("measurement", "5a71e4ba", "4508");
	CHECK_CLAIM_ENDS("report_data", "1d0a466a", "bd7d0000000000000000000000000000000000000000000000000000000000"
	    "000000");
	expect(verify(hcl, n, NULL, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "no SEV-VCEK", "azcvmtooling");
	free(hcl);
	certset_free(&cs);

	hcl = sample_read("azure/azcvmtooling_hcl-report-tdx.bin", &n);
	CHECK(attest_azure_hcl_runtime_bound(hcl, n) == 1);
	expect(verify(hcl, n, NULL, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "MAC'd", "azcvmtooling tdx");
	CHECK_CLAIM("hcl_report_type", "tdx");
	free(hcl);
	hcl = sample_read("azure/trustee_aztdx_hcl-report.bin", &n);
	CHECK(attest_azure_hcl_runtime_bound(hcl, n) == 1);
	expect(verify(hcl, n, NULL, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "MAC'd", "trustee tdx hcl");
	free(hcl);
}

static EVP_PKEY *
ak_from_hcl(const char *rel)
{
	size_t n;
	uint8_t *hcl = sample_read(rel, &n);
	uint32_t vs = (uint32_t)hcl[0x4d0] | (uint32_t)hcl[0x4d1] << 8 | (uint32_t)hcl[0x4d2] << 16;
	json_t *rt = json_loadb((const char *)hcl + 0x4d4, vs, 0, NULL);
	EVP_PKEY *ak = NULL;

	CHECK(rt != NULL);
	CHECK_OK(attest_vtpm_ak_from_runtime(&ak, rt));
	json_decref(rt);
	free(hcl);
	return ak;
}

static enum attest_verdict
quote_check(const struct vtpm_quote *q, EVP_PKEY *ak)
{
	memset(&res, 0, sizeof(res));
	return attest_vtpm_quote_check(&res, q, ak);
}

/* vTPM quotes alone: bincode and JSON, with the AK from akpub.pem or from the HCL runtime data. */
static void
test_vtpm_quotes(void)
{
	static const struct {
		const char *quote, *ak, *pcr0;
	} cases[] = {
		{ "azure/azcvmtooling_quote.bin", "azure/azcvmtooling_akpub.pem", NULL },
		{ "azure/trustee_azsnp_quote.bin", "azure/trustee_azsnp_hcl-report.bin", "f3a7e99a" },
		{ "azure/trustee_azsnp_tpm-quote-v1.json", "azure/trustee_azsnp_hcl-report.bin", "f3a7e99a" },
		{ "azure/trustee_aztdx_quote.bin", "azure/trustee_aztdx_hcl-report.bin", NULL },
		{ "azure/trustee_aztdx_tpm-quote-v1.json", "azure/trustee_aztdx_hcl-report.bin", NULL },
	};
	static struct vtpm_quote q;
	EVP_PKEY *other = ak_from_hcl("azure/trustee_aztdx_hcl-report.bin");
	size_t i, off, flips = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *ak;
		size_t n;
		uint8_t *raw = sample_read(cases[i].quote, &n);

		if (strstr(cases[i].ak, ".pem") != NULL) {
			BIO *bio = BIO_new_file(COFFER_SHARED_DIR "/attestation/azure/azcvmtooling_akpub.pem", "r");

			ak = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
			BIO_free(bio);
		} else {
			ak = ak_from_hcl(cases[i].ak);
		}
		CHECK(ak != NULL);
		if (strstr(cases[i].quote, ".json") != NULL) {
			json_t *j = json_loadb((const char *)raw, n, 0, NULL);

			CHECK_OK(attest_vtpm_quote_parse_json(&q, j));
			json_decref(j);
		} else {
			CHECK_OK(attest_vtpm_quote_parse_bincode(&q, raw, n));
			CHECK_RC(attest_vtpm_quote_parse_bincode(&q, raw, n - 1), COFFER_ERR_TRUNCATED);
			CHECK_OK(attest_vtpm_quote_parse_bincode(&q, raw, n));
		}
		CHECK(q.npcrs == 24 && q.siglen == 256);
		expect(quote_check(&q, ak), ATTEST_VALID, NULL, cases[i].quote);
		CHECK(res.has_nonce && res.nonce_len == 9 && memcmp(res.nonce, "challenge", 9) == 0);
		CHECK_CLAIM("nonce", CHALLENGE);
		CHECK(attest_claim_get(&res, "pcr23") != NULL);
		if (cases[i].pcr0 != NULL)
			CHECK_CLAIM_ENDS("pcr0", cases[i].pcr0, "99be");
		/* trustee: signature[0] ^= 1, pcrs[0][0] ^= 1 */
		q.sig[0] ^= 1;
		expect(quote_check(&q, ak), ATTEST_REFUSED, "signature", "quote sig[0]^=1");
		q.sig[0] ^= 1;
		q.pcrs[0][0] ^= 1;
		expect(quote_check(&q, ak), ATTEST_REFUSED, "pcrDigest", "pcrs[0][0]^=1");
		q.pcrs[0][0] ^= 1;
		/* Every byte of the signed TPMS_ATTEST, every PCR. */
		for (off = 0; off < q.msglen; off++, flips++) {
			q.msg[off] ^= 0x04;
			CHECK(quote_check(&q, ak) == ATTEST_REFUSED);
			q.msg[off] ^= 0x04;
		}
		for (off = 0; off < 24; off++, flips++) {
			q.pcrs[off][off] ^= 0x80;
			CHECK(quote_check(&q, ak) == ATTEST_REFUSED);
			q.pcrs[off][off] ^= 0x80;
		}
		/* The wrong AK. */
		if (i < 3)
			expect(quote_check(&q, other), ATTEST_REFUSED, "signature", "quote with another AK");
		CHECK(quote_check(&q, ak) == ATTEST_VALID);
		EVP_PKEY_free(ak);
		free(raw);
	}
	EVP_PKEY_free(other);
	vectors_count("attestation/azure", "vTPM quotes (JSON, bincode) VALID with their AK",
	    (int)(sizeof(cases) / sizeof(cases[0])));
	vectors_count("attestation/azure", "vTPM quote message/PCR byte flips refused", (int)flips);
}

/* trustee's bundles: v0 (byte arrays), v1 (base64url/hex), v2 (user-data), Genoa (HCL v2). */
static void
test_bundles(void)
{
	struct attest_policy pol;
	uint8_t *ev;
	size_t n;

	ev = sample_read("azure/trustee_azsnp_evidence-v0.json", &n);
	expect(verify(ev, n, NULL, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "evidence-v0");
	CHECK(res.format == ATTEST_FMT_AZURE_CVM);
	CHECK_CLAIM_ENDS("measurement", "6a063be9", "401e");
	CHECK_CLAIM_ENDS("pcr0", "e15c4479", "dced");
	CHECK_CLAIM("version", "3");
	CHECK_CLAIM("product", "Milan");
	CHECK_CLAIM("vtpm_quote", "verified");
	CHECK_CLAIM("bundle_version", "0");
	expect(verify(ev, n, NULL, "65676e656c6c616863", NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce",
	    "evidence-v0 reversed nonce");
	expect(verify(ev, n, NULL, NULL, NULL, ATTEST_FMT_AZURE_CVM), ATTEST_VALID, NULL, "evidence-v0 no nonce");
	free(ev);

	ev = sample_read("azure/trustee_azsnp_evidence-v1.json", &n);
	expect(verify(ev, n, NULL, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "evidence-v1");
	CHECK_CLAIM_ENDS("measurement", "6a063be9", "401e");
	CHECK_CLAIM_ENDS("pcr0", "e15c4479", "dced");
	CHECK_CLAIM("bundle_version", "1");
	expect(verify(ev, n, NULL, "636861", NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce", "evidence-v1 short nonce");
	free(ev);

	ev = sample_read("azure/trustee_azsnp_evidence-v2.json", &n);
	attest_policy_default(&pol);
	pol.expect_report_data_len = 48;
	CHECK_OK(hex_decode_exact(pol.expect_report_data, 48, V2_REPORT_DATA));
	expect(verify(ev, n, NULL, V2_REPORT_DATA, &pol, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "evidence-v2");
	CHECK_CLAIM_ENDS("pcr0", "84275b2f", "a6a7");
	CHECK_CLAIM_ENDS("report_data", "982f5c6e", "f819ef00000000000000000000000000000000");
	/* "123abc" must fail both the quote nonce and the user-data check. */
	expect(verify(ev, n, NULL, "123abc", NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce", "evidence-v2 123abc");
	pol.expect_report_data_len = 3;
	CHECK_OK(hex_decode_exact(pol.expect_report_data, 3, "123abc"));
	expect(verify(ev, n, NULL, NULL, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED, "report_data",
	    "evidence-v2 user-data 123abc");
	free(ev);

	ev = sample_read("azure/trustee_azsnp_evidence-genoa.json", &n);
	expect(verify(ev, n, NULL, GENOA_REPORT_DATA, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, "evidence-genoa");
	CHECK_CLAIM("product", "Genoa");
	CHECK_CLAIM("hcl_version", "2");
	CHECK_CLAIM_ENDS("pcr0", "afd689d0", "3338");
	CHECK_CLAIM_ENDS("pcr8", "16f09f1e", "207f");
	expect(verify(ev, n, NULL, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce", "genoa wrong nonce");
	free(ev);
}

/* Bundle with the legacy bincode quote (Coffer's extension) and the PEM chain. */
static void
test_bincode_bundle(void)
{
	struct cbuf b64h, b64q;
	uint8_t *hcl, *quote, *pem;
	size_t nh, nq, np;
	json_t *j;
	char *text;

	hcl = sample_read("azure/trustee_azsnp_hcl-report.bin", &nh);
	quote = sample_read("azure/trustee_azsnp_quote.bin", &nq);
	pem = sample_read("azure/trustee_azsnp_vcek.pem", &np);
	cbuf_init(&b64h, 0);
	cbuf_init(&b64q, 0);
	CHECK_OK(base64_encode_buf(&b64h, hcl, nh));
	CHECK_OK(base64_encode_buf(&b64q, quote, nq));
	j = json_pack("{s:i, s:s, s:s, s:s}", "version", 1, "hcl_report", (const char *)b64h.p, "tpm_quote",
	    (const char *)b64q.p, "vcek", (const char *)pem);
	text = json_dumps(j, 0);
	expect(verify((const uint8_t *)text, strlen(text), NULL, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_VALID,
	    NULL, "bincode bundle");
	CHECK_CLAIM_ENDS("pcr0", "f3a7e99a", "99be");
	CHECK_CLAIM_ENDS("measurement", "9ac48fca", "c315");
	free(text);
	/* Unknown keys are refused. */
	json_object_set_new(j, "extra", json_true());
	text = json_dumps(j, 0);
	expect(verify((const uint8_t *)text, strlen(text), NULL, NULL, NULL, ATTEST_FMT_AUTO), ATTEST_UNUSABLE,
	    "unknown key", "bundle with an unknown key");
	free(text);
	json_decref(j);
	cbuf_free(&b64h);
	cbuf_free(&b64q);
	free(hcl);
	free(quote);
	free(pem);
}

/* Flip one byte of an integer array inside a JSON bundle. */
static char *
bundle_flip(json_t *root, const char *k1, const char *k2, size_t idx, size_t idx2, int xor)
{
	json_t *a = json_object_get(root, k1), *e;

	if (k2 != NULL)
		a = json_object_get(a, k2);
	if (idx2 != (size_t)-1)
		a = json_array_get(a, idx2);
	e = json_array_get(a, idx);
	json_integer_set(e, json_integer_value(e) ^ xor);
	return json_dumps(root, JSON_COMPACT);
}

/*
 * v0 bundle mutations: every 7th byte of the HCL report (header, signed SNP
 * report, bound runtime JSON, padding), every byte of the quote message and
 * signature (stride 5), one byte of each PCR, characters of the VCEK PEM.
 */
static void
test_bundle_mutations(void)
{
	static const struct {
		const char *k1, *k2;
		size_t stride, pcr;
	} fields[] = {
		{ "report", NULL, 7, (size_t)-1 },
		{ "quote", "message", 1, (size_t)-1 },
		{ "quote", "signature", 5, (size_t)-1 },
	};
	size_t n, i, idx, len, refused = 0, unusable = 0, total = 0;
	uint8_t *ev = sample_read("azure/trustee_azsnp_evidence-v0.json", &n);
	json_t *root = json_loadb((const char *)ev, n, 0, NULL);
	char *text, *saved;

	CHECK(root != NULL);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *a = json_object_get(root, fields[i].k1);

		if (fields[i].k2 != NULL)
			a = json_object_get(a, fields[i].k2);
		len = json_array_size(a);
		CHECK(len > 0);
		for (idx = 0; idx < len; idx += fields[i].stride) {
			enum attest_verdict v;

			text = bundle_flip(root, fields[i].k1, fields[i].k2, idx, fields[i].pcr, 0x01);
			v = verify((const uint8_t *)text, strlen(text), NULL, CHALLENGE, NULL, ATTEST_FMT_AZURE_CVM);
			CHECK_MSG(v != ATTEST_VALID, "%s.%s[%zu] flipped: valid", fields[i].k1,
			    fields[i].k2 ? fields[i].k2 : "", idx);
			refused += v == ATTEST_REFUSED;
			unusable += v == ATTEST_UNUSABLE;
			total++;
			free(text);
			free(bundle_flip(root, fields[i].k1, fields[i].k2, idx, fields[i].pcr, 0x01));
		}
	}
	for (i = 0; i < 24; i++) {
		enum attest_verdict v;

		text = bundle_flip(root, "quote", "pcrs", i, i, 0x10);
		v = verify((const uint8_t *)text, strlen(text), NULL, CHALLENGE, NULL, ATTEST_FMT_AZURE_CVM);
		CHECK_MSG(v == ATTEST_REFUSED, "pcr%zu flipped: verdict %d", i, v);
		refused += v == ATTEST_REFUSED;
		total++;
		free(text);
		free(bundle_flip(root, "quote", "pcrs", i, i, 0x10));
	}
	/* The VCEK PEM: swap the case of a base64 character (still base64) every 11 characters. */
	saved = strdup(json_string_value(json_object_get(root, "vcek")));
	len = strlen(saved);
	for (idx = 40; idx + 40 < len; idx += 11) {
		char *copy;
		enum attest_verdict v;

		if (!((saved[idx] >= 'a' && saved[idx] <= 'z') || (saved[idx] >= 'A' && saved[idx] <= 'Z')))
			continue;
		copy = strdup(saved);
		copy[idx] ^= 0x20;
		json_object_set_new(root, "vcek", json_string(copy));
		text = json_dumps(root, JSON_COMPACT);
		v = verify((const uint8_t *)text, strlen(text), NULL, CHALLENGE, NULL, ATTEST_FMT_AZURE_CVM);
		CHECK_MSG(v != ATTEST_VALID, "vcek char %zu flipped: valid", idx);
		refused += v == ATTEST_REFUSED;
		unusable += v == ATTEST_UNUSABLE;
		total++;
		free(text);
		free(copy);
	}
	json_object_set_new(root, "vcek", json_string(saved));
	text = json_dumps(root, JSON_COMPACT);
	CHECK(verify((const uint8_t *)text, strlen(text), NULL, CHALLENGE, NULL, ATTEST_FMT_AZURE_CVM) == ATTEST_VALID);
	free(text);
	free(saved);
	json_decref(root);
	free(ev);
	vectors_count("attestation/azure", "bundle mutations (HCL, quote, PCRs, VCEK) refused", (int)refused);
	vectors_count("attestation/azure", "bundle mutations unusable (HCL header or VCEK no longer parse)",
	    (int)unusable);
}

/* azure-cvm-tooling's runtime-data JSON alone: it parses and names an AK. */
static void
test_var_data(void)
{
	size_t n;
	uint8_t *p = sample_read("azure/azcvmtooling_var-data.bin", &n);
	json_t *rt = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
	EVP_PKEY *ak = NULL;

	CHECK(n == 1110 && rt != NULL);
	CHECK_OK(attest_vtpm_ak_from_runtime(&ak, rt));
	CHECK(ak != NULL && EVP_PKEY_get_bits(ak) == 2048);
	EVP_PKEY_free(ak);
	json_object_del(rt, "keys");	/* no keys: no AK */
	CHECK_RC(attest_vtpm_ak_from_runtime(&ak, rt), COFFER_ERR_NOT_FOUND);
	json_decref(rt);
	free(p);
}

/* The TDX bundles embed exactly the HCL report and TD quote files (PROVENANCE.md). */
static void
test_tdx_bundle_contents(void)
{
	static const char *const files[] = { "azure/trustee_aztdx_evidence-v0.json",
		"azure/trustee_aztdx_evidence-v1.json" };
	size_t i, nh, nq, n;
	uint8_t *hcl = sample_read("azure/trustee_aztdx_hcl-report.bin", &nh);
	uint8_t *quote = sample_read("azure/trustee_aztdx_td-quote.bin", &nq);

	for (i = 0; i < 2; i++) {
		uint8_t *ev = sample_read(files[i], &n);
		json_t *j = json_loadb((const char *)ev, n, 0, NULL);
		struct cbuf b;

		cbuf_init(&b, 0);
		CHECK_OK(attest_json_bytes(&b, json_object_get(j, "hcl_report"), ATTEST_TEXT_BASE64, 1 << 16));
		CHECK(b.len == nh && memcmp(b.p, hcl, nh) == 0);
		cbuf_reset(&b);
		CHECK_OK(attest_json_bytes(&b, json_object_get(j, "td_quote"), ATTEST_TEXT_BASE64, 1 << 16));
		CHECK(b.len == nq && memcmp(b.p, quote, nq) == 0);
		cbuf_free(&b);
		json_decref(j);
		free(ev);
	}
	free(hcl);
	free(quote);
}

/* The TDX variants: need the TDX backend for the TD quote. */
static void
test_tdx_bundles(void)
{
	static const char *const files[] = { "azure/trustee_aztdx_evidence-v0.json",
		"azure/trustee_aztdx_evidence-v1.json" };
	uint8_t *tdr, *quote;
	size_t ntdr, nq, i;

	tdr = sample_read("azure/trustee_aztdx_hcl-report.bin", &ntdr);
	quote = sample_read("azure/trustee_aztdx_td-quote.bin", &nq);
	CHECK(attest_azure_tdreport_matches_quote(tdr + 0x20, 1024, quote, nq) == 0);
	tdr[0x20 + 0x210] ^= 1;	/* MRTD */
	CHECK(attest_azure_tdreport_matches_quote(tdr + 0x20, 1024, quote, nq) == -1);
	tdr[0x20 + 0x210] ^= 1;
	tdr[0x20 + 0x380] ^= 1;	/* RTMR3 */
	CHECK(attest_azure_tdreport_matches_quote(tdr + 0x20, 1024, quote, nq) == -1);
	tdr[0x20 + 0x380] ^= 1;
	tdr[0x20 + 0x80] ^= 1;	/* REPORTDATA */
	CHECK(attest_azure_tdreport_matches_quote(tdr + 0x20, 1024, quote, nq) == -1);
	CHECK(attest_azure_tdreport_matches_quote(tdr + 0x20, 1024, quote, 100) == -1);
	free(tdr);
	free(quote);

	for (i = 0; i < 2; i++) {
		size_t n;
		uint8_t *ev = sample_read(files[i], &n);

		CHECK(attest_backend_for(ATTEST_FMT_TDX) != NULL);
		expect(verify(ev, n, NULL, CHALLENGE, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL, files[i]);
		CHECK_CLAIM("hcl_report_type", "tdx");
		CHECK_CLAIM_ENDS("mrtd", "024a32b0", "ab7b");
		CHECK_CLAIM_ENDS("tdreport_mrtd", "024a32b0", "ab7b");
		CHECK(attest_claim_get(&res, "pcr0") != NULL);
		CHECK_CLAIM("vtpm_quote", "verified");
		expect(verify(ev, n, NULL, "00", NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "nonce", files[i]);
		free(ev);
	}
}

static void
test_summary(void)
{
	vectors_count("attestation/azure", "sample verdicts VALID as PROVENANCE.md gives", n_valid);
	vectors_count("attestation/azure", "sample verdicts REFUSED/UNUSABLE as PROVENANCE.md gives (recipes, "
	    "other chip, TDREPORT alone, nonces, mutations)", n_refused);
}

static const struct test_case tests[] = {
	{ "hcl_snp_raw", test_hcl_snp_raw },
	{ "hcl_azcvmtooling", test_hcl_azcvmtooling },
	{ "vtpm_quotes", test_vtpm_quotes },
	{ "bundles", test_bundles },
	{ "bincode_bundle", test_bincode_bundle },
	{ "bundle_mutations", test_bundle_mutations },
	{ "tdx_bundles", test_tdx_bundles },
	{ "tdx_bundle_contents", test_tdx_bundle_contents },
	{ "var_data", test_var_data },
	{ "summary", test_summary },
};

TEST_MAIN(tests)
