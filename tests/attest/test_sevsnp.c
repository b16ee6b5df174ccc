/*
 * SEV-SNP verifier against the real samples of ../shared/attestation/sev-snp:
 * each reaches the verdict PROVENANCE.md gives (at a date inside its
 * certificates' validity), the virtee/trustee mutation recipes are refused,
 * and systematic mutations (every byte of a report, every byte of a VCEK,
 * another chip's VCEK, another product's VCEK, dates outside validity) are
 * refused.
 */
#include "harness.h"

#include "attest/attest_int.h"
#include "attest/attest_roots.h"
#include "attest/attest_sevsnp.h"
#include "attest_util.h"

#define T_2023_01_01 1672531200
#define T_2026_01_01 1767225600
#define T_2031_01_01 1924992000

/* A report and its certificates, as attest_verify inputs. */
struct pair {
	uint8_t *report;
	size_t len;
	struct certset cs;
};

static void
pair_load(struct pair *p, const char *report, const char *cert)
{
	memset(p, 0, sizeof(*p));
	p->report = sample_read(report, &p->len);
	if (strstr(report, ".hex") != NULL) {
		uint8_t *bin = test_unhex((const char *)p->report, &p->len);

		free(p->report);
		p->report = bin;
	}
	if (cert != NULL)
		certset_add(&p->cs, cert);
}

static void
pair_free(struct pair *p)
{
	free(p->report);
	certset_free(&p->cs);
}

static enum attest_verdict
verify(struct attest_result *res, const uint8_t *report, size_t len, const struct certset *cs, int64_t at,
    const struct attest_policy *pol, enum attest_format f)
{
	struct attest_input in;

	memset(&in, 0, sizeof(in));
	in.format = f;
	in.evidence = report;
	in.len = len;
	if (cs != NULL)
		certset_apply(&in, cs);
	in.at = at;
	in.policy = pol;
	return attest_verify(res, &in);
}

static struct attest_result res;	/* large: keep off the stack */

/* Check a claim's value. */
#define CHECK_CLAIM(name, want) CHECK_STREQ(attest_claim_get(&res, name), want)
/* Check a hex claim's start and end. */
#define CHECK_CLAIM_ENDS(name, pre, post) do { \
	const char *v_ = attest_claim_get(&res, name); \
	CHECK_MSG(v_ != NULL && strncmp(v_, pre, strlen(pre)) == 0 && \
	    strlen(v_) >= strlen(post) && strcmp(v_ + strlen(v_) - strlen(post), post) == 0, \
	    "%s = %s", name, v_ ? v_ : "(none)"); \
} while (0)

static int samples_valid, samples_refused;

static void
expect(enum attest_verdict got, enum attest_verdict want, const char *reason_part, const char *what)
{
	CHECK_MSG(got == want, "%s: verdict %d want %d (%s)", what, got, want, res.reason);
	if (reason_part != NULL)
		CHECK_MSG(strstr(res.reason, reason_part) != NULL, "%s: reason '%s' lacks '%s'", what, res.reason,
		    reason_part);
	if (got == ATTEST_VALID)
		samples_valid++;
	else
		samples_refused++;
}

/* go-sev-guest's Milan report: debug policy (bit 19) refused by default, valid with allow_debug. */
static void
test_gosevguest_milan(void)
{
	struct attest_policy pol;
	struct pair p;

	pair_load(&p, "sev-snp/gosevguest_milan_report.bin", "sev-snp/gosevguest_milan_vcek.der");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "debug", "gosevguest default policy");
	CHECK(res.format == ATTEST_FMT_SEV_SNP && res.debug == 1);
	attest_policy_default(&pol);
	pol.allow_debug = 1;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "gosevguest allow_debug");
	CHECK_CLAIM("measurement", "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b"
	    "6bdf8a9ece31a5a608eb0cf2e4872b01");
	CHECK_CLAIM("report_data", "0102030405000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000");
	CHECK(res.report_data_len == 64 && res.report_data[4] == 5);
	CHECK_CLAIM("policy", "0x00000000000b0000");
	CHECK_CLAIM("debug", "true");
	CHECK_CLAIM("reported_tcb", "0x4405000000000002");
	CHECK_CLAIM("tcb_bootloader", "2");
	CHECK_CLAIM("tcb_tee", "0");
	CHECK_CLAIM("tcb_snp", "5");
	CHECK_CLAIM("tcb_microcode", "68");
	CHECK_CLAIM_ENDS("chip_id", "3ac3fe21", "006b5d");
	CHECK_CLAIM("product", "Milan");
	CHECK_CLAIM("version", "2");
	CHECK_CLAIM("signing_key", "vcek");
	pair_free(&p);
}

/* virtee/sev's Milan report (hex file) and VCEK; virtee's own mutations. */
static void
test_virtee_milan(void)
{
	struct pair p;
	STACK_OF(X509) *s;

	pair_load(&p, "sev-snp/virtee_report_milan.hex", "sev-snp/virtee_vcek_milan.der");
	CHECK(p.len == SNP_REPORT_SIZE);
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "virtee");
	CHECK_CLAIM_ENDS("report_data", "d447b55d", "93ebfd");
	CHECK_CLAIM("measurement", "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d"
	    "3e1a0dc39b2c60bd95b9c480cd81841f");
	CHECK_CLAIM("policy", "0x0000000000030000");
	CHECK_CLAIM("debug", "false");
	CHECK_CLAIM("tcb_bootloader", "3");
	CHECK_CLAIM("tcb_tee", "0");
	CHECK_CLAIM("tcb_snp", "8");
	CHECK_CLAIM("tcb_microcode", "115");
	CHECK(res.debug == 0);

	/* virtee's test: report[21] ^= 0x80 (inside FAMILY_ID) must be invalid. */
	p.report[21] ^= 0x80;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "signature", "virtee report[21]^=0x80");
	p.report[21] ^= 0x80;
	/* virtee's test: vcek[40] ^= 0xff breaks the chain. */
	p.cs.der[0][40] ^= 0xff;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "chain", "virtee vcek[40]^=0xff");
	p.cs.der[0][40] ^= 0xff;
	/* Validity 2023-04-03 .. 2030: refused before and after. */
	expect(verify(&res, p.report, p.len, &p.cs, T_2023_01_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "not yet valid", "virtee at 2023-01-01");
	expect(verify(&res, p.report, p.len, &p.cs, T_2031_01_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "expired", "virtee at 2031-01-01");
	/* Without a certificate there is nothing to verify against. */
	expect(verify(&res, p.report, p.len, NULL, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "no SEV-VCEK", "virtee without VCEK");
	/* Unrelated extra certificates (another product's ASK/ARK) do not matter. */
	certset_add(&p.cs, "sev-snp/gosevguest_trust_ask_ark_genoa.pem");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "virtee with Genoa chain added");
	/* The VCEK's issuing chain (Milan ASK then ARK) may also be given. */
	certset_add(&p.cs, "sev-snp/gosevguest_trust_ask_ark_milan.pem");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "virtee with Milan chain added");
	pair_free(&p);

	s = sample_certs("sev-snp/virtee_vcek_milan.der");
	CHECK_OK(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), NULL, ATTEST_ROOT_AMD_MILAN, T_2024_06_01) ==
	    COFFER_ERR_ATTEST_CHAIN ? 0 : -1);	/* no ASK given and none pinned here: chain incomplete */
	attest_x509_stack_free(s);
}

/* trustee's Milan report with an ID block; trustee's mutation recipes. */
static void
test_trustee_milan(void)
{
	struct pair p, bad;

	pair_load(&p, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek.der");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "trustee");
	CHECK_CLAIM("report_data", "ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2"
	    "0000000000000000000000000000000000000000000000000000000000000000");
	CHECK_CLAIM("measurement", "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c"
	    "23500644e0e692e6be917f9050d3d38c");
	CHECK_CLAIM("guest_svn", "4");
	CHECK_CLAIM("policy", "0x000000000003001f");
	CHECK_CLAIM_ENDS("id_key_digest", "03562158", "a44a3");
	CHECK_CLAIM("reported_tcb", "0x7308000000000003");
	CHECK_CLAIM("tcb_microcode", "115");	/* REPORTED_TCB, not CURRENT_TCB (206) */
	CHECK_CLAIM("current_tcb", "0xce08000000000003");

	/* trustee: bytes[42] += 1 -> signature invalid. */
	p.report[42]++;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "signature", "trustee report[42]+=1");
	p.report[42]--;
	/* trustee: bytes[384] += 1 (REPORTED_TCB) -> TCB does not match the VCEK. */
	p.report[384]++;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "REPORTED_TCB", "trustee report[384]+=1");
	p.report[384]--;
	/* trustee: vcek[42] += 1 -> chain fails. */
	p.cs.der[0][42]++;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "chain", "trustee vcek[42]+=1");
	p.cs.der[0][42]--;

	/* The two modified VCEKs: their HWID encodings parse, their chains fail. */
	pair_load(&bad, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek-invalid-legacy.der");
	expect(verify(&res, bad.report, bad.len, &bad.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "does not chain", "trustee invalid-legacy VCEK");
	pair_free(&bad);
	pair_load(&bad, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek-invalid-new.der");
	expect(verify(&res, bad.report, bad.len, &bad.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "does not chain", "trustee invalid-new VCEK");
	pair_free(&bad);
	pair_free(&p);
}

/* HWID encodings: raw 64 bytes, DER-wrapped 04 40, and Turin's 8 bytes. */
static void
test_hwid_encodings(void)
{
	static const struct {
		const char *file;
		size_t n;
		const char *head;
	} cases[] = {
		{ "sev-snp/gosevguest_milan_vcek.der", 64, "3ac3fe21" },
		{ "sev-snp/trustee_test-vcek-invalid-legacy.der", 64, "00010203" },
		{ "sev-snp/trustee_test-vcek-invalid-new.der", 64, "00010203" },
		{ "sev-snp/virtee_vcek_turin.der", 8, "1e550a8ee5cf9f4d" },
	};
	uint8_t hwid[64];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		STACK_OF(X509) *s = sample_certs(cases[i].file);
		char hex[129];

		CHECK_OK(attest_sevsnp_vcek_hwid(hwid, &n, sk_X509_value(s, 0)));
		CHECK(n == cases[i].n);
		hex_encode(hex, sizeof(hex), hwid, n);
		CHECK_MSG(strncmp(hex, cases[i].head, strlen(cases[i].head)) == 0, "%s: %s", cases[i].file, hex);
		if (i == 1 || i == 2)
			CHECK(hwid[63] == 63);
		attest_x509_stack_free(s);
	}
}

/* trustee's VLEK-signed v3 report (AWS): valid only inside the VLEK's one-year validity. */
static void
test_trustee_vlek(void)
{
	struct pair p;

	pair_load(&p, "sev-snp/trustee_test-vlek-report.bin", "sev-snp/trustee_test-vlek.der");
	expect(verify(&res, p.report, p.len, &p.cs, T_2025_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "vlek 2025-06-01");
	CHECK_CLAIM_ENDS("report_data", "819770b7", "bc27ca");
	CHECK_CLAIM("measurement", "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4"
	    "e8c9af857f5ceeb5a493df2a570d7bf0");
	CHECK_CLAIM("tcb_bootloader", "4");
	CHECK_CLAIM("tcb_tee", "0");
	CHECK_CLAIM("tcb_snp", "24");
	CHECK_CLAIM("tcb_microcode", "217");
	CHECK_CLAIM("vmpl", "1");
	CHECK_CLAIM("version", "3");
	CHECK_CLAIM("cpuid", "19/01/01");
	CHECK_CLAIM("signing_key", "vlek");
	CHECK_CLAIM("vlek_csp", "CN=cc-us-east-2.amazonaws.com");
	CHECK_CLAIM("product", "Milan");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "not yet valid", "vlek 2024-06-01");
	expect(verify(&res, p.report, p.len, &p.cs, T_2026_01_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "expired", "vlek 2026-01-01");
	expect(verify(&res, p.report, p.len, &p.cs, 0, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED, "expired",
	    "vlek now");
	/* A VCEK is not accepted for a VLEK-signed report. */
	certset_free(&p.cs);
	certset_add(&p.cs, "sev-snp/trustee_test-vcek.der");
	expect(verify(&res, p.report, p.len, &p.cs, T_2025_06_01, NULL, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "no SEV-VLEK", "vlek report with a VCEK");
	pair_free(&p);
}

/* Reports paired with another chip's VCEK, or another product's. */
static void
test_wrong_chip(void)
{
	static const struct {
		const char *report, *cert, *reason;
	} cases[] = {
		{ "sev-snp/virtee_report_milan.hex", "sev-snp/gosevguest_milan_vcek.der", "CHIP_ID" },
		{ "sev-snp/virtee_report_milan.hex", "sev-snp/trustee_test-vcek.der", "CHIP_ID" },
		{ "sev-snp/trustee_test-report.bin", "sev-snp/virtee_vcek_milan.der", "CHIP_ID" },
		{ "sev-snp/gosevguest_milan_report.bin", "sev-snp/trustee_test-vcek.der", "CHIP_ID" },
		{ "sev-snp/gosevguest_milan_report.bin", "sev-snp/virtee_vcek_milan.der", "CHIP_ID" },
		{ "sev-snp/trustee_test-report.bin", "sev-snp/virtee_vcek_turin.der", "does not chain" },
		{ "sev-snp/virtee_report_milan.hex", "sev-snp/virtee_vcek_turin.der", "does not chain" },
		{ "sev-snp/trustee_test-report.bin", "azure/azcvmtooling_certs.pem", "CHIP_ID" },
	};
	struct attest_policy pol;
	size_t i;

	attest_policy_default(&pol);
	pol.allow_debug = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;

		pair_load(&p, cases[i].report, cases[i].cert);
		expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_SEV_SNP), ATTEST_REFUSED,
		    cases[i].reason, cases[i].cert);
		pair_free(&p);
	}
	vectors_count("attestation/sev-snp", "report + another chip's/product's certificate refused",
	    (int)(sizeof(cases) / sizeof(cases[0])));
}

/* Turin's VCEK chains to ARK-Turin through ASK-Turin, and to no other ARK. */
static void
test_turin_vcek(void)
{
	STACK_OF(X509) *s = sample_certs("sev-snp/virtee_vcek_turin.der");
	STACK_OF(X509) *chain = sample_certs("sev-snp/gosevguest_trust_ask_ark_turin_vcek.pem");
	STACK_OF(X509) *genoa = sample_certs("sev-snp/gosevguest_trust_ask_ark_genoa.pem");
	X509 *ask = attest_amd_intermediate(ATTEST_AMD_TURIN, 0);
	STACK_OF(X509) *pinned = sk_X509_new_null();
	uint64_t v;

	sk_X509_push(pinned, ask);
	CHECK_OK(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), pinned, ATTEST_ROOT_AMD_TURIN, T_2025_06_01));
	CHECK_OK(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), chain, ATTEST_ROOT_AMD_TURIN, T_2025_06_01));
	CHECK_RC(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), genoa, ATTEST_ROOT_AMD_GENOA, T_2025_06_01),
	    COFFER_ERR_ATTEST_CHAIN);
	CHECK_RC(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), chain, ATTEST_ROOT_AMD_GENOA, T_2025_06_01),
	    COFFER_ERR_ATTEST_CHAIN);
	CHECK_RC(attest_verify_chain(NULL, 0, sk_X509_value(s, 0), chain, ATTEST_ROOT_AMD_MILAN, T_2025_06_01),
	    COFFER_ERR_ATTEST_CHAIN);
	CHECK_OK(attest_x509_ext_uint(&v, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.3.9"));	/* fmcSPL */
	CHECK_OK(attest_x509_ext_uint(&v, sk_X509_value(s, 0), "1.3.6.1.4.1.3704.1.3.8"));
	CHECK(v == 9);
	attest_x509_stack_free(s);
	attest_x509_stack_free(chain);
	attest_x509_stack_free(genoa);
	attest_x509_stack_free(pinned);
}

/*
 * Every byte of every valid report flipped (^0x01 and ^0x80), one at a time:
 * the signed body, the signature and its zero padding, the unsigned tail.
 * All refused.
 */
static void
test_mutate_reports(void)
{
	static const struct {
		const char *report, *cert;
		int64_t at;
	} cases[] = {
		{ "sev-snp/virtee_report_milan.hex", "sev-snp/virtee_vcek_milan.der", T_2024_06_01 },
		{ "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek.der", T_2024_06_01 },
		{ "sev-snp/gosevguest_milan_report.bin", "sev-snp/gosevguest_milan_vcek.der", T_2024_06_01 },
		{ "sev-snp/trustee_test-vlek-report.bin", "sev-snp/trustee_test-vlek.der", T_2025_06_01 },
	};
	struct attest_policy pol;
	size_t i, off, refused = 0, total = 0;

	attest_policy_default(&pol);
	pol.allow_debug = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;
		/* Every byte for the first report, every 5th for the others (the bench is 2 cores). */
		size_t step = i == 0 ? 1 : 5;

		pair_load(&p, cases[i].report, cases[i].cert);
		CHECK(verify(&res, p.report, p.len, &p.cs, cases[i].at, &pol, ATTEST_FMT_SEV_SNP) == ATTEST_VALID);
		for (off = 0; off < p.len; off += step) {
			uint8_t flip = off % 2 ? 0x80 : 0x01;
			enum attest_verdict v;

			p.report[off] ^= flip;
			v = verify(&res, p.report, p.len, &p.cs, cases[i].at, &pol, ATTEST_FMT_SEV_SNP);
			p.report[off] ^= flip;
			CHECK_MSG(v == ATTEST_REFUSED, "%s byte 0x%zx: verdict %d", cases[i].report, off, v);
			refused += v == ATTEST_REFUSED;
			total++;
		}
		pair_free(&p);
	}
	vectors_count("attestation/sev-snp", "single-byte report flips (body, signature, padding) refused", (int)refused);
	CHECK(refused == total);
}

/* Every byte of a VCEK (and of the VLEK) flipped: never valid. */
static void
test_mutate_certs(void)
{
	static const struct {
		const char *report, *cert;
		int64_t at;
		size_t step;
	} cases[] = {
		{ "sev-snp/virtee_report_milan.hex", "sev-snp/virtee_vcek_milan.der", T_2024_06_01, 1 },
		{ "sev-snp/trustee_test-vlek-report.bin", "sev-snp/trustee_test-vlek.der", T_2025_06_01, 3 },
	};
	size_t i, off, refused = 0, unusable = 0, total = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;

		pair_load(&p, cases[i].report, cases[i].cert);
		for (off = 0; off < p.cs.len[0]; off += cases[i].step) {
			enum attest_verdict v;

			p.cs.der[0][off] ^= 0x01;
			v = verify(&res, p.report, p.len, &p.cs, cases[i].at, NULL, ATTEST_FMT_SEV_SNP);
			p.cs.der[0][off] ^= 0x01;
			CHECK_MSG(v != ATTEST_VALID, "%s byte %zu flipped: still valid", cases[i].cert, off);
			refused += v == ATTEST_REFUSED;
			unusable += v == ATTEST_UNUSABLE;
			total++;
		}
		pair_free(&p);
	}
	vectors_count("attestation/sev-snp", "VCEK/VLEK byte flips refused (chain/signature)", (int)refused);
	vectors_count("attestation/sev-snp", "VCEK/VLEK byte flips unusable (certificate no longer parses)",
	    (int)unusable);
}

/* The policy on SNP claims: TCB minimums, measurement allow-lists, report data, nonce. */
static void
test_policy(void)
{
	struct attest_policy pol;
	struct attest_input in;
	struct pair p;
	static const uint8_t nonce[4] = { 0xec, 0x6c, 0x52, 0xd7 }, wrong[4] = { 0xec, 0x6c, 0x52, 0xd8 };

	pair_load(&p, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek.der");
	attest_policy_default(&pol);
	pol.min_tcb_bootloader = 3;
	pol.min_tcb_snp = 8;
	pol.min_tcb_microcode = 115;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "min tcb met");
	pol.min_tcb_microcode = 116;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "tcb_microcode 115 is below", "min tcb ucode");
	attest_policy_default(&pol);
	pol.min_tcb_fmc = 1;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "tcb_fmc", "fmc on Milan");

	attest_policy_default(&pol);
	snprintf(pol.allow[0].name, sizeof(pol.allow[0].name), "measurement");
	snprintf(pol.allow[0].values[0], sizeof(pol.allow[0].values[0]), "00");
	snprintf(pol.allow[0].values[1], sizeof(pol.allow[0].values[1]), "%s",
	    "A1F3930413247BB38CFC171579EA3C12D5FE4901F0C792F63FD75D98F1EF827C23500644E0E692E6BE917F9050D3D38C");
	pol.allow[0].nvalues = 2;
	pol.nallow = 1;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "measurement allowed (upper case)");
	pol.allow[0].nvalues = 1;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "not in the policy", "measurement not allowed");
	snprintf(pol.allow[0].name, sizeof(pol.allow[0].name), "pcr0");
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "no such value", "pcr0 on bare SNP");

	attest_policy_default(&pol);
	memcpy(pol.expect_report_data, nonce, 4);
	pol.expect_report_data_len = 4;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_VALID, NULL,
	    "report_data prefix");
	pol.expect_report_data[3] ^= 1;
	expect(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, &pol, ATTEST_FMT_AUTO), ATTEST_REFUSED,
	    "report_data", "report_data mismatch");

	memset(&in, 0, sizeof(in));
	in.evidence = p.report;
	in.len = p.len;
	certset_apply(&in, &p.cs);
	in.at = T_2024_06_01;
	in.nonce = nonce;
	in.noncelen = sizeof(nonce);
	expect(attest_verify(&res, &in), ATTEST_VALID, NULL, "nonce prefix");
	in.nonce = wrong;
	expect(attest_verify(&res, &in), ATTEST_REFUSED, "nonce", "nonce mismatch");
	pair_free(&p);
}

/* Sizes and headers that are not an SNP report. */
static void
test_malformed(void)
{
	uint8_t buf[SNP_REPORT_SIZE + 1];
	struct pair p;

	pair_load(&p, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek.der");
	CHECK(verify(&res, p.report, p.len - 1, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_UNUSABLE);
	CHECK(verify(&res, p.report, p.len - 1, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO) == ATTEST_UNUSABLE);
	memcpy(buf, p.report, p.len);
	buf[p.len] = 0;
	CHECK(verify(&res, buf, sizeof(buf), &p.cs, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_UNUSABLE);
	memcpy(buf, p.report, p.len);
	buf[0] = 6;	/* version 6: not detected, refused when forced */
	CHECK(verify(&res, buf, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_AUTO) == ATTEST_UNUSABLE);
	CHECK(verify(&res, buf, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_REFUSED);
	CHECK(strstr(res.reason, "version 6") != NULL);
	memcpy(buf, p.report, p.len);
	buf[0x48] = 0x1c;	/* SIGNING_KEY 7: none */
	CHECK(verify(&res, buf, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_REFUSED);
	CHECK(strstr(res.reason, "not signed") != NULL);
	memset(buf, 0, sizeof(buf));
	CHECK(verify(&res, buf, SNP_REPORT_SIZE, NULL, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_REFUSED);
	/* A certificate that does not parse makes the input unusable. */
	p.cs.len[0] = 10;
	CHECK(verify(&res, p.report, p.len, &p.cs, T_2024_06_01, NULL, ATTEST_FMT_SEV_SNP) == ATTEST_UNUSABLE);
	CHECK(strstr(res.reason, "certificate 1") != NULL);
	p.cs.len[0] = 1360;
	pair_free(&p);
}

/* Coffer's binding (attest_input.binding): the whole 64-byte REPORT_DATA must equal it. */
static void
test_binding(void)
{
	struct attest_input in;
	struct pair p;
	uint8_t want[64];

	pair_load(&p, "sev-snp/virtee_report_milan.hex", "sev-snp/virtee_vcek_milan.der");
	memcpy(want, p.report + 0x50, 64);
	memset(&in, 0, sizeof(in));
	in.evidence = p.report;
	in.len = p.len;
	in.at = T_2024_06_01;
	certset_apply(&in, &p.cs);
	in.binding = want;
	expect(attest_verify(&res, &in), ATTEST_VALID, NULL, "binding equal to REPORT_DATA");
	want[63] ^= 1;
	expect(attest_verify(&res, &in), ATTEST_REFUSED, "does not bind the expected keys", "binding off by a bit");
	/* The binding is a whole: a prefix match is not enough (trustee's report data is 32 bytes + zeros). */
	pair_free(&p);
	pair_load(&p, "sev-snp/trustee_test-report.bin", "sev-snp/trustee_test-vcek.der");
	memcpy(want, p.report + 0x50, 32);
	memset(want + 32, 0xff, 32);
	in.evidence = p.report;
	in.len = p.len;
	certset_apply(&in, &p.cs);
	expect(attest_verify(&res, &in), ATTEST_REFUSED, "does not bind", "binding with a matching prefix only");
	pair_free(&p);
}

static void
test_summary(void)
{
	vectors_count("attestation/sev-snp", "sample verdicts VALID as PROVENANCE.md gives", samples_valid);
	vectors_count("attestation/sev-snp", "sample verdicts REFUSED as PROVENANCE.md gives (debug, dates, "
	    "recipes, invalid VCEKs, wrong chips, policy)", samples_refused);
}

static const struct test_case tests[] = {
	{ "gosevguest_milan", test_gosevguest_milan },
	{ "virtee_milan", test_virtee_milan },
	{ "trustee_milan", test_trustee_milan },
	{ "hwid_encodings", test_hwid_encodings },
	{ "trustee_vlek", test_trustee_vlek },
	{ "wrong_chip", test_wrong_chip },
	{ "turin_vcek", test_turin_vcek },
	{ "mutate_reports", test_mutate_reports },
	{ "mutate_certs", test_mutate_certs },
	{ "policy", test_policy },
	{ "malformed", test_malformed },
	{ "binding", test_binding },
	{ "summary", test_summary },
};

TEST_MAIN(tests)
