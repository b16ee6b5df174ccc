/*
 * Intel DCAP quotes (TDX v4/v5, SGX v3): every TDX/SGX sample of
 * ../shared/attestation reaches the verdict PROVENANCE.md gives at its own
 * date, reports the expected measurements, and every systematic mutation
 * (signed body, quote signature, attestation key, QE report and its
 * signature, QE auth data, each certificate of the PCK chain, another
 * platform's chain, a date outside validity, trailing bytes, truncation) is
 * refused with the reason for that part.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attest/attest.h"
#include "attest/attest_dcap.h"
#include "harness.h"
#include "sample_util.h"

/* Dates (UNIX seconds) inside every certificate's validity for each sample. */
#define T_2023_06_01 1685577600
#define T_2023_07_01 1688169600
#define T_2024_01_01 1704067200
#define T_2024_06_01 1717200000
#define T_2024_08_01 1722470400
#define T_2025_06_01 1748736000
#define T_2026_02_03 1770076800
#define T_2018_01_01 1514764800	/* before every PCK leaf */
#define T_2034_01_01 2019686400	/* after the PCK Platform CA (2033-05-21) */

struct dcap_sample {
	const char *file;
	enum attest_format fmt;
	int64_t at;
	int debug;		/* PROVENANCE / TDATTRIBUTES / ATTRIBUTES: debug mode */
	const char *version;
	const char *claims[6][2];	/* name, expected value (may be abbreviated) */
	const char *trailing;	/* expected "quote_trailing" prefix, or NULL */
	const char *fmspc;	/* from the PCK leaf (openssl asn1parse) */
};

static const struct dcap_sample samples[] = {
	{ "tdx/gotdxguest_tdx_prod_quote_SPR_E4.dat", ATTEST_FMT_TDX, T_2023_07_01, 0, "4",
	  { { "mrtd", "6363b804\xe2\x80\xa6" "5cbb" }, { "report_data", "6c62dec1\xe2\x80\xa6" "1113" },
	    { "td_attributes", "0000004000000000" }, { "tdx_module", "TDX 1.0" } },
	  "39 bytes of test suffix", "50806f000000" },
	{ "tdx/gotdxguest_quote_v5_sample.dat", ATTEST_FMT_TDX, T_2026_02_03, 0, "5",
	  { { "mrtd", "7348651a\xe2\x80\xa6" "f876" }, { "report_data", "945eaacf\xe2\x80\xa6" "5c3a" },
	    { "tdx_module", "TDX 1.5" } },
	  NULL, "90c06f000000" },
	{ "tdx/gotdxguest_cos-113-tdx-quote.dat", ATTEST_FMT_TDX, T_2024_08_01, 0, "4",
	  /* report_data == gotdxguest_nonce.dat (64 zero bytes), checked below */
	  { { "report_data", "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
			      "000000000000000000000000000000000000000000000000" } },
	  "3065 bytes of zero padding", "00806f050000" },
	{ "tdx/trustee_tdx_quote_4.dat", ATTEST_FMT_TDX, T_2023_06_01, 1, "4",
	  /* TDATTRIBUTES 0x...01: a debug TD (PROVENANCE does not say so; the quote does) */
	  { { "mrtd", "705ee938\xe2\x80\xa6" "f031" }, { "report_data", "7c71fe2c\xe2\x80\xa6" "1429" },
	    { "td_attributes", "0100001000000000" } },
	  NULL, "50806f000000" },
	{ "tdx/trustee_tdx_quote_5.dat", ATTEST_FMT_TDX, T_2024_06_01, 0, "5",
	  { { "mrtd", "dfba221b\xe2\x80\xa6" "400a" }, { "tdx_module", "TDX 1.5" } },
	  NULL, "90c06f000000" },
	{ "tdx/trustee_tdx_quote_6.dat", ATTEST_FMT_TDX, T_2025_06_01, 0, "4",
	  { { "report_data", "26cae1c7\xe2\x80\xa6" "2cfd00000000000000000000000000000000" } },
	  "70 bytes of zero padding", "00a06d080000" },
	{ "azure/trustee_aztdx_td-quote.bin", ATTEST_FMT_TDX, T_2024_01_01, 0, "4",
	  { { "mrtd", "024a32b0\xe2\x80\xa6" "ab7b" }, { "report_data", "9734504f\xe2\x80\xa6" } },
	  "70 bytes of zero padding", "00806f050000" },
	{ "tdx/trustee_occlum_quote.dat", ATTEST_FMT_SGX, T_2023_06_01, 1, "3",
	  { { "mrenclave", "8f173e46\xe2\x80\xa6" "1c68" }, { "mrsigner", "83d719e7\xe2\x80\xa6" "ce9e" },
	    { "report_data", "74657374000000000000000000000000000000000000000000000000000000000000000000000000"
			      "000000000000000000000000000000000000000000000000" },
	    { "attributes", "0700000000000000e700000000000000" }, { "isv_prod_id", "0" }, { "isv_svn", "0" } },
	  NULL, "00606a000000" },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static int n_tdx_valid, n_tdx_debug, n_sgx_debug, n_mutations, n_sweep;

static void
check_sample_claims(const struct dcap_sample *s, const struct attest_result *res)
{
	size_t i;

	CHECK_CLAIM(res, "quote_version", s->version);
	for (i = 0; i < 6 && s->claims[i][0] != NULL; i++)
		CHECK_CLAIM(res, s->claims[i][0], s->claims[i][1]);
	if (s->trailing != NULL) {
		const char *t = attest_claim_get(res, "quote_trailing");

		CHECK_MSG(t != NULL && strncmp(t, s->trailing, strlen(s->trailing)) == 0, "%s: trailing %s",
		    s->file, t ? t : "(none)");
	} else
		CHECK(attest_claim_get(res, "quote_trailing") == NULL);
	CHECK(res->report_data_len == 64);
	CHECK_CLAIM(res, "fmspc", s->fmspc);
	CHECK_CLAIM(res, "pce_id", "0000");
}

/* Every sample at its date: VALID, or refused for debug mode only (and VALID when debug is allowed). */
static void
test_samples(void)
{
	struct attest_result res;
	enum attest_verdict v;
	size_t i, n;
	uint8_t *p;

	for (i = 0; i < NSAMPLES; i++) {
		const struct dcap_sample *s = &samples[i];

		p = sample_read(s->file, &n);
		v = sample_verify(&res, s->fmt, p, n, s->at, 0);
		if (s->debug) {
			CHECK_VERDICT(&res, v, ATTEST_REFUSED, "debug", s->file);
			CHECK(res.debug == 1);
			v = sample_verify(&res, s->fmt, p, n, s->at, 1);
			CHECK_VERDICT(&res, v, ATTEST_VALID, "", s->file);
			if (s->fmt == ATTEST_FMT_SGX)
				n_sgx_debug++;
			else
				n_tdx_debug++;
		} else {
			CHECK_VERDICT(&res, v, ATTEST_VALID, "", s->file);
			CHECK(res.debug == 0);
			n_tdx_valid++;
		}
		CHECK(res.format == s->fmt);
		check_sample_claims(s, &res);
		/* The wrong backend says so instead of misreading the body. */
		v = sample_verify(&res, s->fmt == ATTEST_FMT_SGX ? ATTEST_FMT_TDX : ATTEST_FMT_SGX, p, n, s->at, 1);
		CHECK(v == ATTEST_UNUSABLE);
		free(p);
	}
	/* cos-113's report data is its nonce file. */
	{
		size_t qn, nn;
		uint8_t *q = sample_read("tdx/gotdxguest_cos-113-tdx-quote.dat", &qn);
		uint8_t *nonce = sample_read("tdx/gotdxguest_nonce.dat", &nn);

		v = sample_verify(&res, ATTEST_FMT_TDX, q, qn, T_2024_08_01, 0);
		CHECK(v == ATTEST_VALID && nn == 64 && memcmp(res.report_data, nonce, 64) == 0);
		free(q);
		free(nonce);
	}
	/* A raw TDREPORT is MAC'd for the local CPU: not offline-verifiable evidence. */
	{
		size_t rn;
		uint8_t *r = sample_read("tdx/gotdxguest_report.dat", &rn);

		CHECK(rn == 1024);
		CHECK(sample_verify(&res, ATTEST_FMT_TDX, r, rn, T_2024_01_01, 1) == ATTEST_UNUSABLE);
		CHECK(sample_verify(&res, ATTEST_FMT_AUTO, r, rn, T_2024_01_01, 1) == ATTEST_UNUSABLE);
		free(r);
		vectors_count("attestation/tdx", "raw TDREPORT refused as unusable (MAC'd, parse only)", 1);
	}
	vectors_count("attestation/tdx (+azure td-quote)", "TDX quotes VALID at their date", n_tdx_valid);
	vectors_count("attestation/tdx", "TDX quotes signature-valid but debug (refused by default)", n_tdx_debug);
	vectors_count("attestation/tdx", "SGX quotes signature-valid but debug (refused by default)", n_sgx_debug);
}

/* Offsets of the quote's parts inside the sample buffer. */
struct parts {
	size_t body, report_data, sig, att_key, qe_report, qe_sig, qe_auth, pem, pem_len;
	size_t certs[3];	/* offsets of the three PEM blocks' base64 */
};

static size_t
off(const uint8_t *base, const uint8_t *p)
{
	return (size_t)(p - base);
}

static void
find_parts(struct parts *pt, const struct dcap_quote *q, const uint8_t *base, int sgx)
{
	const char *pem = (const char *)q->pck_chain;
	const char *b = pem;
	size_t i;

	memset(pt, 0, sizeof(*pt));
	pt->body = off(base, q->body);
	pt->report_data = pt->body + (sgx ? 320 : 520);
	pt->sig = off(base, q->sig);
	pt->att_key = off(base, q->att_key);
	pt->qe_report = off(base, q->qe_report);
	pt->qe_sig = off(base, q->qe_report_sig);
	pt->qe_auth = off(base, q->qe_auth);
	pt->pem = off(base, q->pck_chain);
	pt->pem_len = q->pck_chain_len;
	for (i = 0; i < 3; i++) {
		b = strstr(b, "-----BEGIN CERTIFICATE-----\n");
		if (b == NULL)
			break;
		b += strlen("-----BEGIN CERTIFICATE-----\n");
		pt->certs[i] = off(base, (const uint8_t *)b);
	}
}

/* Verify a copy with byte i xor x; it must be refused with `why`. */
static void
expect_refused(const struct dcap_sample *s, const uint8_t *p, size_t n, size_t i, uint8_t x, const char *why,
    const char *what)
{
	struct attest_result res;
	uint8_t *m = mutate_xor(p, n, i, x);
	char ctx[256];

	snprintf(ctx, sizeof(ctx), "%s: %s (byte %zu ^ %02x)", s->file, what, i, x);
	CHECK_VERDICT(&res, sample_verify(&res, s->fmt, m, n, s->at, 1), ATTEST_REFUSED, why, ctx);
	n_mutations++;
	free(m);
}

/*
 * Change one base64 character of a certificate, 'A'<->'B' style, at a
 * position inside the block: the DER changes and the chain must not verify.
 */
static void
expect_cert_refused(const struct dcap_sample *s, const uint8_t *p, size_t n, size_t at, const char *what)
{
	size_t i = at;

	while (i < n && !((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z')))
		i++;
	expect_refused(s, p, n, i, 0x01 ^ ((p[i] == 'Z' || p[i] == 'z') ? 0x03 : 0x00), "PCK certificate chain",
	    what);
}

static void
test_mutations(void)
{
	size_t i, n;

	for (i = 0; i < NSAMPLES; i++) {
		const struct dcap_sample *s = &samples[i];
		int sgx = s->fmt == ATTEST_FMT_SGX;
		struct dcap_quote q;
		struct parts pt;
		uint8_t *p = sample_read(s->file, &n);

		CHECK_OK(dcap_quote_parse(&q, p, n));
		find_parts(&pt, &q, p, sgx);
		/* signed header and body */
		expect_refused(s, p, n, 8, 0x01, "quote signature", "header (QE SVN)");
		expect_refused(s, p, n, 14, 0x01, "QE vendor id", "header (QE vendor id)");
		expect_refused(s, p, n, 28, 0x80, "quote signature", "header (user data)");
		expect_refused(s, p, n, pt.body + (sgx ? 64 : 136), 0x01, "quote signature",
		    sgx ? "MRENCLAVE" : "MRTD");
		expect_refused(s, p, n, pt.body + (sgx ? 48 : 120), 0x01, "quote signature",
		    "attributes (debug bit)");
		expect_refused(s, p, n, pt.report_data, 0x01, "quote signature", "report data");
		expect_refused(s, p, n, pt.report_data + 63, 0x80, "quote signature", "report data (last byte)");
		/* the quote signature itself: r and s */
		expect_refused(s, p, n, pt.sig, 0x01, "quote signature", "signature r");
		expect_refused(s, p, n, pt.sig + 63, 0x01, "quote signature", "signature s");
		/* the attestation key is bound by the QE report data */
		expect_refused(s, p, n, pt.att_key + 5, 0x01, "QE report data does not bind", "attestation key");
		/* the QE report, its PCK signature, the QE auth data */
		expect_refused(s, p, n, pt.qe_report, 0x01, "QE report signature", "QE report CPUSVN");
		expect_refused(s, p, n, pt.qe_report + 128, 0x01, "QE report signature", "QE report MRSIGNER");
		expect_refused(s, p, n, pt.qe_report + 320, 0x01, "QE report signature", "QE report data");
		expect_refused(s, p, n, pt.qe_sig, 0x01, "QE report signature", "QE report signature r");
		expect_refused(s, p, n, pt.qe_sig + 40, 0x01, "QE report signature", "QE report signature s");
		expect_refused(s, p, n, pt.qe_auth, 0x01, "QE report data does not bind", "QE auth data");
		/* each certificate of the PCK chain, near the start and in the signature */
		expect_cert_refused(s, p, n, pt.certs[0] + 200, "PCK leaf");
		expect_cert_refused(s, p, n, pt.certs[0] + 1000, "PCK leaf (late)");
		expect_cert_refused(s, p, n, pt.certs[1] + 300, "PCK Platform/Processor CA");
		expect_cert_refused(s, p, n, pt.certs[2] + 300, "the quote's Intel root");
		free(p);
	}
	vectors_count("attestation/tdx (+azure td-quote)", "targeted mutations refused with their reason",
	    n_mutations);
}

/* Dates outside validity: before the leaf, after the Platform CA. */
static void
test_dates(void)
{
	struct attest_result res;
	size_t i, n, cnt = 0;

	for (i = 0; i < NSAMPLES; i++) {
		const struct dcap_sample *s = &samples[i];
		uint8_t *p = sample_read(s->file, &n);

		CHECK_VERDICT(&res, sample_verify(&res, s->fmt, p, n, T_2018_01_01, 1), ATTEST_REFUSED,
		    "not yet valid", s->file);
		CHECK_VERDICT(&res, sample_verify(&res, s->fmt, p, n, T_2034_01_01, 1), ATTEST_REFUSED,
		    "expired", s->file);
		cnt += 2;
		free(p);
	}
	vectors_count("attestation/tdx (+azure td-quote)", "dates outside validity refused", (int)cnt);
}

/* Every byte of one TDX quote's signed part and QE report, flipped: never VALID. */
static void
test_sweep(void)
{
	const struct dcap_sample *s = &samples[0];
	struct attest_result res;
	struct dcap_quote q;
	size_t i, n;
	uint8_t *p = sample_read(s->file, &n);

	CHECK_OK(dcap_quote_parse(&q, p, n));
	for (i = 0; i < q.signed_len; i++) {
		uint8_t *m = mutate_xor(p, n, i, 0x04);
		enum attest_verdict v = sample_verify(&res, s->fmt, m, n, s->at, 1);

		CHECK_MSG(v != ATTEST_VALID, "signed byte %zu flipped still VALID", i);
		/* Bytes 0..7 (version, key type, TEE type) change the format itself. */
		if (i >= 8)
			CHECK_MSG(v == ATTEST_REFUSED && strstr(res.reason, i >= 12 && i < 28 ? "QE vendor id" :
			    "quote signature") != NULL, "byte %zu: %s", i, res.reason);
		n_sweep++;
		free(m);
	}
	for (i = 0; i < DCAP_QE_REPORT_LEN + 64; i++) {
		uint8_t *m = mutate_xor(p, n, (size_t)(q.qe_report - p) + i, 0x10);

		CHECK_MSG(sample_verify(&res, s->fmt, m, n, s->at, 1) == ATTEST_REFUSED &&
		    strstr(res.reason, "QE report signature") != NULL, "QE byte %zu: %s", i, res.reason);
		n_sweep++;
		free(m);
	}
	free(p);
	vectors_count(s->file, "single-byte flips over header, body, QE report and its signature refused", n_sweep);
}

/* A quote paired with another platform's PCK chain: the QE report signature fails. */
static void
test_other_platform_chain(void)
{
	struct attest_result res;
	struct dcap_quote qa, qb;
	struct cbuf m;
	size_t na, nb, pre, i;
	uint8_t *a = sample_read("tdx/trustee_tdx_quote_4.dat", &na);
	uint8_t *b = sample_read("tdx/gotdxguest_tdx_prod_quote_SPR_E4.dat", &nb);
	uint8_t *w;
	uint32_t delta, v32;

	CHECK_OK(dcap_quote_parse(&qa, a, na));
	CHECK_OK(dcap_quote_parse(&qb, b, nb));
	/* Splice b's PEM into a, growing the three enclosing lengths by the size difference. */
	pre = (size_t)(qa.pck_chain - a);
	cbuf_init(&m, 0);
	CHECK_OK(cbuf_put(&m, a, pre));
	CHECK_OK(cbuf_put(&m, qb.pck_chain, qb.pck_chain_len));
	delta = (uint32_t)qb.pck_chain_len - (uint32_t)qa.pck_chain_len;
	w = m.p;
	{
		/* sig_len after the body, type-6 size after sig+key+type, type-5 size before the PEM */
		size_t offs[3] = { qa.signed_len, qa.signed_len + 4 + 128 + 2, pre - 4 };

		for (i = 0; i < 3; i++) {
			memcpy(&v32, w + offs[i], 4);	/* little-endian host (x86-64/arm64) */
			v32 += delta;
			memcpy(w + offs[i], &v32, 4);
		}
	}
	CHECK_VERDICT(&res, sample_verify(&res, ATTEST_FMT_TDX, m.p, m.len, T_2023_07_01, 1), ATTEST_REFUSED,
	    "QE report signature", "quote_4 with SPR_E4's PCK chain");
	cbuf_free(&m);
	free(a);
	free(b);
	vectors_count("attestation/tdx", "quotes paired with another platform's PCK chain refused", 1);
}

/* Trailing bytes other than zero padding or the test suffix, and truncations. */
static void
test_framing(void)
{
	struct attest_result res;
	struct dcap_quote q;
	size_t i, n, cut, cnt = 0;

	for (i = 0; i < NSAMPLES; i++) {
		const struct dcap_sample *s = &samples[i];
		uint8_t *p = sample_read(s->file, &n);
		uint8_t *m = malloc(n + 1);

		CHECK_OK(dcap_quote_parse(&q, p, n));
		memcpy(m, p, n);
		/* one non-zero byte appended (after any padding) */
		m[n] = 0x01;
		CHECK_VERDICT(&res, sample_verify(&res, s->fmt, m, n + 1, s->at, 1), ATTEST_UNUSABLE, "trailing",
		    s->file);
		/* a non-zero byte inside the zero padding */
		if (q.trailing == DCAP_TRAILING_ZEROS) {
			m[q.quote_len + q.trailing_len / 2] = 0x20;
			CHECK(sample_verify(&res, s->fmt, m, n, s->at, 1) == ATTEST_UNUSABLE);
		}
		/* every truncation before the quote's end: never VALID, never a crash */
		for (cut = 0; cut < q.quote_len; cut++)
			CHECK_MSG(sample_verify(&res, s->fmt, p, cut, s->at, 1) == ATTEST_UNUSABLE,
			    "%s cut at %zu: %s", s->file, cut, res.reason);
		cnt += 1 + q.quote_len;
		free(m);
		free(p);
	}
	vectors_count("attestation/tdx (+azure td-quote)", "framing cases (trailing garbage, truncations) unusable",
	    (int)cnt);
}

/* What attest.c's policy does with TDX/SGX claims: report data, nonce, allow-lists. */
static void
test_policy(void)
{
	const struct dcap_sample *s = &samples[0];
	struct attest_policy pol;
	struct attest_result res;
	uint8_t rd[64], bad[64];
	char mrtd[200];
	size_t n;
	uint8_t *p = sample_read(s->file, &n);
	int cnt = 0;

	attest_policy_default(&pol);
	CHECK(sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, NULL, 0) == ATTEST_VALID);
	memcpy(rd, res.report_data, 64);
	snprintf(mrtd, sizeof(mrtd), "%s", attest_claim_get(&res, "mrtd"));
	memcpy(bad, rd, 64);
	bad[63] ^= 1;
	/* expected report data (the binding of the signer's keys) */
	memcpy(pol.expect_report_data, rd, 64);
	pol.expect_report_data_len = 64;
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, NULL, 0), ATTEST_VALID, "",
	    "report data");
	memcpy(pol.expect_report_data, bad, 64);
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, NULL, 0), ATTEST_REFUSED,
	    "report data does not match", "wrong report data");
	attest_policy_default(&pol);
	/* a nonce: the start of the report data */
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, rd, 32), ATTEST_VALID, "",
	    "nonce");
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, rd + 1, 32), ATTEST_REFUSED,
	    "nonce", "wrong nonce");
	/* an allow-list on MRTD */
	policy_allow(&pol, "mrtd", mrtd);
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, NULL, 0), ATTEST_VALID, "",
	    "mrtd allowed");
	mrtd[0] = mrtd[0] == '0' ? '1' : '0';
	attest_policy_default(&pol);
	policy_allow(&pol, "mrtd", mrtd);
	CHECK_VERDICT(&res, sample_verify_policy(&res, s->fmt, p, n, s->at, &pol, NULL, 0), ATTEST_REFUSED,
	    "not in the policy's allowed list", "mrtd not allowed");
	cnt += 6;
	free(p);
	/* auto-detection tells TDX from SGX */
	for (n = 0; n < NSAMPLES; n++) {
		size_t len;
		uint8_t *q = sample_read(samples[n].file, &len);

		CHECK(sample_verify(&res, ATTEST_FMT_AUTO, q, len, samples[n].at, 1) == ATTEST_VALID &&
		    res.format == samples[n].fmt);
		cnt++;
		free(q);
	}
	vectors_count("attestation/tdx", "policy cases (report data, nonce, MRTD allow-list, auto-detect)", cnt);
}

static const struct test_case tests[] = {
	{ "samples", test_samples },
	{ "mutations", test_mutations },
	{ "dates", test_dates },
	{ "sweep", test_sweep },
	{ "other_platform_chain", test_other_platform_chain },
	{ "framing", test_framing },
	{ "policy", test_policy },
};

TEST_MAIN(tests)
