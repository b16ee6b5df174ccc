/*
 * attest.c / attest_roots.c / attest_x509.c / attest_policy.c: pinned roots
 * and their hashes, chain verification to a chosen root (product, time, fake
 * anchors), certificate loading in every accepted encoding, the policy file
 * parser, and attest_verify's input checks and policy application.
 */
#include "harness.h"

#include <openssl/evp.h>

#include "attest/attest_int.h"
#include "attest/attest_roots.h"
#include "attest/attest_x509.h"
#include "attest_util.h"

static const char *const root_pins[ATTEST_ROOT_COUNT] = {
	"69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
	"4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
	"1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
	"641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b",
	"44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3",
};

static const char *const ask_files[3] = {
	"sev-snp/virtee_builtin_milan_ask.pem", "sev-snp/virtee_builtin_genoa_ask.pem",
	"sev-snp/virtee_builtin_turin_ask.pem",
};
static const char *const vlek_chain_files[3] = {
	"sev-snp/gosevguest_trust_ask_ark_milan_vlek.pem", "sev-snp/gosevguest_trust_ask_ark_genoa_vlek.pem",
	"sev-snp/gosevguest_trust_ask_ark_turin_vlek.pem",
};

static void
der_sha256(uint8_t out[32], X509 *x)
{
	unsigned int n = 0;

	CHECK(X509_digest(x, EVP_sha256(), out, &n) == 1 && n == 32);
}

/* Every compiled-in root equals its pin, and the pins equal the shared files. */
static void
test_roots_pinned(void)
{
	static const char *const files[ATTEST_ROOT_COUNT] = {
		"sev-snp/virtee_builtin_milan_ark.pem", "sev-snp/virtee_builtin_genoa_ark.pem",
		"sev-snp/virtee_builtin_turin_ark.pem", "nitro/aws_nitro_root_g1.pem",
		"tdx/gotdxguest_intel_sgx_root_ca.pem",
	};
	uint8_t h[32], h2[32];
	int i;

	for (i = 0; i < ATTEST_ROOT_COUNT; i++) {
		X509 *x = attest_root((enum attest_root_id)i);
		STACK_OF(X509) *s = sample_certs(files[i]);

		CHECK(x != NULL);
		der_sha256(h, x);
		CHECK_HEX(h, 32, root_pins[i]);
		CHECK_HEX(attest_root_sha256((enum attest_root_id)i), 32, root_pins[i]);
		der_sha256(h2, sk_X509_value(s, 0));
		CHECK(memcmp(h, h2, 32) == 0);
		/* Self-signed roots verify against themselves at a time inside their validity. */
		CHECK_OK(attest_verify_chain(NULL, 0, x, NULL, (enum attest_root_id)i, T_2025_06_01));
		X509_free(x);
		attest_x509_stack_free(s);
	}
	CHECK_STREQ(attest_amd_product_name(ATTEST_AMD_GENOA), "Genoa");
	CHECK(attest_amd_product_name(ATTEST_AMD_NPRODUCTS) == NULL);
}

/* ASK and ASVK chain to their own product's ARK only, and only inside their validity. */
static void
test_amd_chains(void)
{
	char why[200];
	int p, q, n = 0;

	for (p = 0; p < 3; p++) {
		STACK_OF(X509) *ask = sample_certs(ask_files[p]);
		STACK_OF(X509) *vl = sample_certs(vlek_chain_files[p]);
		X509 *pin_ask = attest_amd_intermediate((enum attest_amd_product)p, 0);
		X509 *pin_asvk = attest_amd_intermediate((enum attest_amd_product)p, 1);
		uint8_t h1[32], h2[32];

		der_sha256(h1, pin_ask);
		der_sha256(h2, sk_X509_value(ask, 0));
		CHECK(memcmp(h1, h2, 32) == 0);
		der_sha256(h1, pin_asvk);
		der_sha256(h2, sk_X509_value(vl, 0));
		CHECK(memcmp(h1, h2, 32) == 0);
		for (q = 0; q < 3; q++) {
			int want = p == q ? 0 : COFFER_ERR_ATTEST_CHAIN;

			CHECK_RC(attest_verify_chain(why, sizeof(why), sk_X509_value(ask, 0), NULL,
			    (enum attest_root_id)q, T_2025_06_01), want);
			CHECK_RC(attest_verify_chain(why, sizeof(why), sk_X509_value(vl, 0), NULL,
			    (enum attest_root_id)q, T_2025_06_01), want);
			/* The other product's ARK offered as an intermediate is never an anchor. */
			CHECK_RC(attest_verify_chain(why, sizeof(why), sk_X509_value(vl, 0), vl,
			    (enum attest_root_id)q, T_2025_06_01), want);
			n += 3;
		}
		/* Not yet valid in 2019 (every AMD chain starts 2020 or later), expired in 2050. */
		CHECK_RC(attest_verify_chain(why, sizeof(why), pin_ask, NULL, (enum attest_root_id)p, 1546300800),
		    COFFER_ERR_ATTEST_CHAIN);
		CHECK(strstr(why, "not yet valid") != NULL);
		CHECK_RC(attest_verify_chain(why, sizeof(why), pin_ask, NULL, (enum attest_root_id)p, 2524608000),
		    COFFER_ERR_ATTEST_CHAIN);
		CHECK(strstr(why, "expired") != NULL);
		/* A root of another vendor is not accepted either. */
		CHECK_RC(attest_verify_chain(why, sizeof(why), pin_ask, NULL, ATTEST_ROOT_AWS_NITRO, T_2025_06_01),
		    COFFER_ERR_ATTEST_CHAIN);
		X509_free(pin_ask);
		X509_free(pin_asvk);
		attest_x509_stack_free(ask);
		attest_x509_stack_free(vl);
	}
	vectors_count("attestation/sev-snp", "ASK/ASVK x ARK product pairings (own product only)", n);
}

/* Every AMD chain file and VCEK of the samples: each certificate chains to its own product's ARK only. */
static void
test_sample_chains(void)
{
	static const struct {
		const char *file;
		int product;		/* ATTEST_AMD_* */
		int ncerts;
		int64_t at;
	} cases[] = {
		{ "sev-snp/gosevguest_trust_ask_ark_milan.pem", ATTEST_AMD_MILAN, 2, T_2025_06_01 },
		{ "sev-snp/gosevguest_trust_ask_ark_genoa.pem", ATTEST_AMD_GENOA, 2, T_2025_06_01 },
		{ "sev-snp/gosevguest_trust_ask_ark_turin_vcek.pem", ATTEST_AMD_TURIN, 2, T_2025_06_01 },
		{ "sev-snp/gosevguest_trust_ask_ark_milan_vlek.pem", ATTEST_AMD_MILAN, 2, T_2025_06_01 },
		{ "sev-snp/gosevguest_trust_ask_ark_genoa_vlek.pem", ATTEST_AMD_GENOA, 2, T_2025_06_01 },
		{ "sev-snp/gosevguest_trust_ask_ark_turin_vlek.pem", ATTEST_AMD_TURIN, 2, T_2025_06_01 },
		{ "sev-snp/trustee_milan_ask_ark_asvk.pem", ATTEST_AMD_MILAN, 3, T_2025_06_01 },
		{ "sev-snp/trustee_genoa_ask_ark_asvk.pem", ATTEST_AMD_GENOA, 3, T_2025_06_01 },
		{ "sev-snp/trustee_turin_ask_ark_asvk.pem", ATTEST_AMD_TURIN, 3, T_2025_06_01 },
		{ "sev-snp/gosevguest_milan_vcek.der", ATTEST_AMD_MILAN, 1, T_2024_06_01 },
		{ "sev-snp/virtee_vcek_milan.der", ATTEST_AMD_MILAN, 1, T_2024_06_01 },
		{ "sev-snp/trustee_test-vcek.der", ATTEST_AMD_MILAN, 1, T_2024_06_01 },
		{ "sev-snp/virtee_vcek_turin.der", ATTEST_AMD_TURIN, 1, T_2025_06_01 },
		{ "azure/trustee_azsnp_vcek.pem", ATTEST_AMD_MILAN, 3, T_2025_06_01 },
		{ "azure/trustee_azsnp_vcek-genoa.pem", ATTEST_AMD_GENOA, 1, T_2025_06_01 },
		{ "azure/azcvmtooling_certs.pem", ATTEST_AMD_MILAN, 3, T_2025_06_01 },
	};
	size_t i;
	int j, q, n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		STACK_OF(X509) *s = sample_certs(cases[i].file);
		STACK_OF(X509) *inter = sk_X509_new_null();

		CHECK_MSG(sk_X509_num(s) == cases[i].ncerts, "%s: %d certificates", cases[i].file, sk_X509_num(s));
		/* The pinned ASK and ASVK of the product are offered; the file's own certificates too. */
		sk_X509_push(inter, attest_amd_intermediate((enum attest_amd_product)cases[i].product, 0));
		sk_X509_push(inter, attest_amd_intermediate((enum attest_amd_product)cases[i].product, 1));
		for (j = 0; j < sk_X509_num(s); j++)
			for (q = 0; q < 3; q++) {
				int want = q == cases[i].product ? 0 : COFFER_ERR_ATTEST_CHAIN;

				CHECK_MSG(attest_verify_chain(NULL, 0, sk_X509_value(s, j), inter, (enum attest_root_id)q,
				    cases[i].at) == want, "%s cert %d to root %d", cases[i].file, j, q);
				CHECK(attest_verify_chain(NULL, 0, sk_X509_value(s, j), s, (enum attest_root_id)q,
				    cases[i].at) == want || cases[i].ncerts == 1);
				n++;
			}
		attest_x509_stack_free(s);
		attest_x509_stack_free(inter);
	}
	vectors_count("attestation/sev-snp (+azure certificates)", "certificates x ARK pairings (own product only)",
	    n);
}

/* DER, PEM bundles, base64 DER; junk, other PEM blocks and trailing bytes refused. */
static void
test_x509_load(void)
{
	STACK_OF(X509) *s = sk_X509_new_null();
	uint8_t *pem, *der, *bad;
	size_t npem, nder, i;
	struct cbuf b64;
	X509 *x;

	pem = sample_read("sev-snp/trustee_milan_ask_ark_asvk.pem", &npem);
	CHECK_OK(attest_x509_load(s, pem, npem));
	CHECK(sk_X509_num(s) == 3);
	der = sample_read("sev-snp/gosevguest_milan_vcek.der", &nder);
	CHECK_OK(attest_x509_load(s, der, nder));
	CHECK(sk_X509_num(s) == 4);
	cbuf_init(&b64, 0);
	CHECK_OK(base64_encode_buf(&b64, der, nder));
	CHECK_OK(attest_x509_load(s, b64.p, b64.len));
	CHECK(sk_X509_num(s) == 5);
	CHECK(X509_cmp(sk_X509_value(s, 3), sk_X509_value(s, 4)) == 0);
	cbuf_free(&b64);

	CHECK_OK(attest_x509_parse_der(&x, der, nder));
	X509_free(x);
	CHECK_RC(attest_x509_parse_der(&x, der, nder - 1), COFFER_ERR_ATTEST_BAD_CERT);
	CHECK(x == NULL);
	bad = malloc(nder + 1);
	memcpy(bad, der, nder);
	bad[nder] = 0;
	CHECK_RC(attest_x509_parse_der(&x, bad, nder + 1), COFFER_ERR_ATTEST_BAD_CERT);
	CHECK_RC(attest_x509_load(s, bad, nder + 1), COFFER_ERR_ATTEST_BAD_CERT);
	free(bad);
	CHECK_RC(attest_x509_load(s, (const uint8_t *)"hello", 5), COFFER_ERR_ATTEST_BAD_CERT);
	CHECK_RC(attest_x509_load(s, (const uint8_t *)"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	    57), COFFER_ERR_ATTEST_BAD_CERT);
	CHECK_RC(attest_x509_load(s, (const uint8_t *)"", 0), COFFER_ERR_ATTEST_BAD_CERT);
	/* The count cap holds across calls. */
	for (i = 0; i < 8; i++)
		(void)attest_x509_load(s, pem, npem);
	CHECK(sk_X509_num(s) == ATTEST_MAX_CERTS);
	CHECK_RC(attest_x509_load(s, der, nder), COFFER_ERR_TOO_LARGE);
	attest_x509_stack_free(s);
	free(pem);
	free(der);
}

/* VCEK extensions: SPLs as DER INTEGERs, HWID raw; a missing OID is NOT_FOUND. */
static void
test_x509_ext(void)
{
	STACK_OF(X509) *s = sample_certs("sev-snp/gosevguest_milan_vcek.der");
	const uint8_t *val;
	size_t len;
	uint64_t v;
	char cn[64];

	CHECK_OK(attest_x509_ext_uint(&v, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.3.8"));
	CHECK(v == 68);
	CHECK_OK(attest_x509_ext_uint(&v, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.3.3"));
	CHECK(v == 5);
	CHECK_OK(attest_x509_ext(&val, &len, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.4"));
	CHECK(len == 64 && val[0] == 0x3a && val[1] == 0xc3);
	CHECK_RC(attest_x509_ext(&val, &len, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.5"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(attest_x509_ext_uint(&v, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.4"), COFFER_ERR_BAD_NUMBER);
	attest_x509_subject_cn(cn, sizeof(cn), sk_X509_value(s, 0));
	CHECK_STREQ(cn, "SEV-VCEK");
	attest_x509_stack_free(s);
}

static void
test_policy_parse(void)
{
	static const char *const bad[] = {
		"[]", "{\"allow_debug\": 1}", "{\"unknown\": true}", "{\"min_tcb\": {\"snp\": 256}}",
		"{\"min_tcb\": {\"ucode\": 1}}", "{\"measurements\": \"ab\"}", "{\"measurements\": [1]}",
		"{\"pcrs\": {\"32\": [\"00\"]}}", "{\"pcrs\": {\"07\": [\"00\"]}}", "{\"allow\": {\"Bad-Name\": [\"x\"]}}",
		"{\"report_data\": \"abc\"}", "{\"report_data\": \"\"}", "{\"allow_debug\": true, \"allow_debug\": false}",
		"{\"measurements\": [\"\"]}", "not json",
	};
	struct attest_policy p;
	char why[200];
	const char *good = "{\"allow_debug\": true, \"min_tcb\": {\"bootloader\": 3, \"snp\": 8, \"microcode\": 115},"
	    " \"measurements\": [\"AA\", \"bb\"], \"allow\": {\"measurement\": [\"cc\"], \"vmpl\": [\"0\"]},"
	    " \"pcrs\": {\"0\": [\"00\"], \"23\": [\"11\"]}, \"mrtd\": [\"22\"], \"report_data\": \"0102\"}";
	size_t i;

	CHECK_OK(attest_policy_parse(&p, why, sizeof(why), good, strlen(good)));
	CHECK(p.allow_debug == 1 && p.min_tcb_bootloader == 3 && p.min_tcb_tee == 0 && p.min_tcb_snp == 8 &&
	    p.min_tcb_microcode == 115);
	CHECK(p.nallow == 5);
	CHECK_STREQ(p.allow[0].name, "measurement");
	CHECK(p.allow[0].nvalues == 3);
	CHECK_STREQ(p.allow[0].values[2], "cc");
	CHECK_STREQ(p.allow[1].name, "vmpl");
	CHECK_STREQ(p.allow[2].name, "pcr0");
	CHECK_STREQ(p.allow[3].name, "pcr23");
	CHECK_STREQ(p.allow[4].name, "mrtd");
	CHECK(p.expect_report_data_len == 2 && p.expect_report_data[1] == 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = attest_policy_parse(&p, why, sizeof(why), bad[i], strlen(bad[i]));

		CHECK_MSG(r == COFFER_ERR_ATTEST_POLICY || r == COFFER_ERR_BAD_JSON, "%s", bad[i]);
		CHECK(why[0] != '\0' && p.nallow == 0 && p.allow_debug == 0);
	}
	CHECK_OK(attest_policy_parse(&p, why, sizeof(why), "{}", 2));
	vectors_count("(policy files)", "malformed policies refused", (int)(sizeof(bad) / sizeof(bad[0])));
}

static void
test_verify_inputs(void)
{
	struct attest_input in;
	struct attest_result res;
	static const uint8_t junk[16] = { 1, 2, 3 };
	enum attest_format f;

	memset(&in, 0, sizeof(in));
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE && res.reason[0] != '\0');
	CHECK(attest_verify(&res, NULL) == ATTEST_UNUSABLE);
	in.evidence = junk;
	in.len = sizeof(junk);
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE);
	CHECK(strstr(res.reason, "unrecognised") != NULL);
	in.len = ATTEST_MAX_EVIDENCE + 1;
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE);
	in.len = sizeof(junk);
	in.ncerts = ATTEST_MAX_CERTS + 1;
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE);
	in.ncerts = 1;
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE);	/* certificate 1 is empty */
	in.ncerts = 0;
	in.at = -1;
	CHECK(attest_verify(&res, &in) == ATTEST_UNUSABLE);

	CHECK(attest_format_parse(&f, "azure-cvm") == 0 && f == ATTEST_FMT_AZURE_CVM);
	CHECK(attest_format_parse(&f, "sev-snp") == 0 && f == ATTEST_FMT_SEV_SNP);
	CHECK(attest_format_parse(&f, "sev") == -1);
	CHECK_STREQ(attest_format_name(ATTEST_FMT_NITRO), "nitro");
}

/* Result helpers: replacement of a claim, hex truncation, the claim cap. */
static void
test_result_helpers(void)
{
	static struct attest_result r;
	uint8_t big[150];
	char name[16];
	size_t i;

	memset(&r, 0, sizeof(r));
	attest_claim_add(&r, "a", "1");
	attest_claim_add(&r, "a", "2");
	CHECK(r.nclaims == 1);
	CHECK_STREQ(attest_claim_get(&r, "a"), "2");
	memset(big, 0xab, sizeof(big));
	attest_claim_add_hex(&r, "big", big, sizeof(big));
	CHECK(strlen(attest_claim_get(&r, "big")) == sizeof(r.claims[0].value) - 1);
	CHECK(strstr(attest_claim_get(&r, "big"), "...") != NULL);
	attest_claim_add_u64(&r, "n", 18446744073709551615ull);
	CHECK_STREQ(attest_claim_get(&r, "n"), "18446744073709551615");
	for (i = 0; i < 2 * ATTEST_MAX_CLAIMS; i++) {
		snprintf(name, sizeof(name), "c%zu", i);
		attest_claim_add(&r, name, "x");
	}
	CHECK(r.nclaims == ATTEST_MAX_CLAIMS);
	CHECK(attest_claim_get(&r, "nope") == NULL);
	attest_set_nonce(&r, big, ATTEST_MAX_NONCE + 1);
	CHECK(r.has_nonce && r.nonce_len == SIZE_MAX);
	CHECK(attest_verify(&r, NULL) == ATTEST_UNUSABLE && r.nclaims == 0);
}

static const struct test_case tests[] = {
	{ "roots_pinned", test_roots_pinned },
	{ "amd_chains", test_amd_chains },
	{ "sample_chains", test_sample_chains },
	{ "x509_load", test_x509_load },
	{ "x509_ext", test_x509_ext },
	{ "policy_parse", test_policy_parse },
	{ "verify_inputs", test_verify_inputs },
	{ "result_helpers", test_result_helpers },
};

TEST_MAIN(tests)
