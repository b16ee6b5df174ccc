/*
 * AWS Nitro attestation documents: every Nitro sample of
 * ../shared/attestation reaches the verdict PROVENANCE.md gives at its own
 * timestamp (debug documents signature-valid but refused by default), the
 * bindings it names hold (evervault's user_data = a certificate's public
 * key), and systematic mutations (payload, bound user_data, signature,
 * protected header, each certificate, another enclave's certificates, dates
 * outside validity, framing) are refused with the reason for that part.
 * Also the strict CBOR decoder on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/attest_cbor.h"
#include "attest/attest_nitro.h"
#include "btc/hash.h"
#include "common/encoding.h"
#include "harness.h"
#include "sample_util.h"

#define ELL "\xe2\x80\xa6"

struct nitro_sample {
	const char *file;
	int b64;		/* the file is base64 text */
	int cert_form;		/* evervault certificate-embedded document */
	int64_t at;
	int debug;
	const char *claims[5][2];
};

static const struct nitro_sample samples[] = {
	{ "nitro/evervault_valid-attestation-doc-base64", 1, 0, 1695049410, 1,
	  { { "pcr0", "000000000000" ELL "000000" }, { "pcr8", "000000000000" ELL "000000" } } },
	{ "nitro/evervault_beta_valid-attestation-doc-bytes", 0, 0, 1665651482, 0,
	  { { "pcr0", "f4d48b81" ELL "2d8b" }, { "pcr1", "bcdf05fe" ELL "e63f" }, { "pcr2", "d8f114da" ELL "469a" },
	    { "pcr8", "8790eb3c" ELL "01cb" } } },
	{ "nitro/evervault_beta_debug-mode-attestation-doc-bytes", 0, 0, 1665582606, 1,
	  { { "user_data", "68656c6c6f2c20776f726c6421" },	/* "hello, world!" */
	    { "public_key", "6d7920737570657220736563726574206b6579" } } },	/* "my super secret key" */
	{ "nitro/evervault_beta_non-debug-cert-containing-attestation-document-18-1-23-der.crt", 0, 1, 1674047239, 0,
	  { { "pcr0", "d265a83f" ELL "19af" }, { "pcr1", "bcdf05fe" ELL "e63f" }, { "pcr2", "e4f634d2" ELL "7f24" },
	    { "pcr8", "97c5395a" ELL "43ca" }, { "form", "evervault certificate" } } },
	{ "nitro/evervault_beta_debug-mode-cert-containing-attestation-doc-18-1-23.pem", 0, 1, 1674054632, 1,
	  { { "form", "evervault certificate" } } },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static int n_valid, n_debug, n_mut;

/* Load a sample as evidence bytes (base64 decoded when it is base64 text). */
static uint8_t *
load_evidence(const struct nitro_sample *s, size_t *n)
{
	uint8_t *p = sample_read(s->file, n);
	struct cbuf b;

	if (!s->b64)
		return p;
	cbuf_init(&b, 0);
	if (base64_decode_buf(&b, (const char *)p, *n) != 0) {
		fprintf(stderr, "bad base64 in %s\n", s->file);
		exit(1);
	}
	free(p);
	*n = b.len;
	return b.p;
}

static enum attest_verdict
verify_at(struct attest_result *res, const uint8_t *p, size_t n, int64_t at, int allow_debug)
{
	return sample_verify(res, ATTEST_FMT_NITRO, p, n, at, allow_debug);
}

/* SHA-256 hex of a DER certificate file's SubjectPublicKeyInfo. */
static void
spki_sha256_hex(char out[65], const char *rel)
{
	size_t n;
	uint8_t *p = sample_read(rel, &n), h[32];
	const unsigned char *q = p;
	unsigned char *der = NULL;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	int len;

	CHECK(x != NULL);
	len = x != NULL ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : 0;
	CHECK(len > 0);
	sha256(h, der, len > 0 ? (size_t)len : 0);
	hex_encode(out, 65, h, 32);
	OPENSSL_free(der);
	X509_free(x);
	free(p);
}

static void
test_samples(void)
{
	struct attest_result res;
	enum attest_verdict v;
	size_t i, j, n;

	for (i = 0; i < NSAMPLES; i++) {
		const struct nitro_sample *s = &samples[i];
		uint8_t *p = load_evidence(s, &n);

		v = verify_at(&res, p, n, s->at, 0);
		if (s->debug) {
			CHECK_VERDICT(&res, v, ATTEST_REFUSED, "debug", s->file);
			CHECK(res.debug == 1);
			v = verify_at(&res, p, n, s->at, 1);
			CHECK_VERDICT(&res, v, ATTEST_VALID, "", s->file);
			n_debug++;
		} else {
			CHECK_VERDICT(&res, v, ATTEST_VALID, "", s->file);
			CHECK(res.debug == 0);
			n_valid++;
		}
		CHECK(res.format == ATTEST_FMT_NITRO);
		for (j = 0; j < 5 && s->claims[j][0] != NULL; j++)
			CHECK_CLAIM(&res, s->claims[j][0], s->claims[j][1]);
		CHECK(attest_claim_get(&res, "module_id") != NULL);
		CHECK_CLAIM(&res, "digest", "SHA384");
		CHECK(attest_claim_get(&res, "pcr15") != NULL && attest_claim_get(&res, "pcr16") == NULL);
		/* auto-detection finds Nitro, for the raw and the certificate forms */
		{
			struct attest_result r2;

			CHECK(sample_verify(&r2, ATTEST_FMT_AUTO, p, n, s->at, 1) == ATTEST_VALID &&
			    r2.format == ATTEST_FMT_NITRO);
		}
		free(p);
	}
	vectors_count("attestation/nitro", "documents VALID at their timestamp", n_valid);
	vectors_count("attestation/nitro", "debug documents signature-valid, refused by default", n_debug);
}

/* The bindings PROVENANCE.md names. */
static void
test_bindings(void)
{
	struct attest_result res;
	char want[65];
	size_t n;
	uint8_t *p;

	/* evervault_valid doc: user_data = SPKI of evervault_valid-certificate.der */
	p = load_evidence(&samples[0], &n);
	CHECK(verify_at(&res, p, n, samples[0].at, 1) == ATTEST_VALID);
	spki_sha256_hex(want, "nitro/evervault_valid-certificate.der");
	CHECK_CLAIM(&res, "user_data_sha256", want);
	CHECK(res.report_data_len == 64);
	CHECK(attest_claim_get(&res, "nonce_sha256") != NULL);
	free(p);
	/* certificate form: user_data = the embedding certificate's SPKI */
	p = load_evidence(&samples[3], &n);
	CHECK(verify_at(&res, p, n, samples[3].at, 0) == ATTEST_VALID);
	spki_sha256_hex(want, samples[3].file);
	CHECK_CLAIM(&res, "cert_spki_sha256", want);
	CHECK_CLAIM(&res, "user_data_sha256", want);
	free(p);
	/* that TLS certificate carries no document of its own */
	p = sample_read("nitro/evervault_valid-certificate.der", &n);
	CHECK(verify_at(&res, p, n, samples[0].at, 1) == ATTEST_UNUSABLE);
	free(p);
	vectors_count("attestation/nitro", "user_data bindings to a certificate key checked", 2);
}

/* Verify a copy with byte i ^ x: refused with `why`. */
static void
expect_refused(const struct nitro_sample *s, const uint8_t *p, size_t n, size_t i, uint8_t x, const char *why,
    const char *what)
{
	struct attest_result res;
	uint8_t *m = mutate_xor(p, n, i, x);
	char ctx[256];

	snprintf(ctx, sizeof(ctx), "%s: %s (byte %zu)", s->file, what, i);
	CHECK_VERDICT(&res, verify_at(&res, m, n, s->at, 1), ATTEST_REFUSED, why, ctx);
	n_mut++;
	free(m);
}

static size_t
off(const uint8_t *base, const uint8_t *p)
{
	return (size_t)(p - base);
}

static void
test_mutations(void)
{
	struct nitro_doc d;
	size_t i, j, n;

	for (i = 0; i < NSAMPLES; i++) {
		const struct nitro_sample *s = &samples[i];
		uint8_t *p;

		if (s->cert_form)
			continue;	/* see test_cert_form */
		p = load_evidence(s, &n);
		CHECK_OK(nitro_doc_parse(&d, p, n));
		expect_refused(s, p, n, off(p, d.pcrs[0].value.p), 0x01, "COSE signature", "PCR0");
		expect_refused(s, p, n, off(p, d.pcrs[2].value.p) + 47, 0x80, "COSE signature", "PCR2");
		expect_refused(s, p, n, off(p, d.module_id.p), 0x01, "COSE signature", "module_id");
		if (d.has_user_data)
			expect_refused(s, p, n, off(p, d.user_data.p) + d.user_data.len - 1, 0x01, "COSE signature",
			    "user_data (bound data)");
		if (d.has_public_key)
			expect_refused(s, p, n, off(p, d.public_key.p), 0x01, "COSE signature", "public_key");
		if (d.has_nonce)
			expect_refused(s, p, n, off(p, d.nonce.p) + 7, 0x01, "COSE signature", "nonce");
		expect_refused(s, p, n, off(p, d.signature.p), 0x01, "COSE signature", "signature r");
		expect_refused(s, p, n, off(p, d.signature.p) + 95, 0x01, "COSE signature", "signature s");
		expect_refused(s, p, n, off(p, d.protected_hdr.p) + 3, 0x01, "protected header", "alg ES384 -> ES512");
		/* every certificate: the leaf, each cabundle entry (a byte of its signature) */
		expect_refused(s, p, n, off(p, d.certificate.p) + d.certificate.len - 10, 0x01,
		    "Nitro certificate chain", "leaf certificate");
		for (j = 0; j < d.ncabundle; j++)
			expect_refused(s, p, n, off(p, d.cabundle[j].p) + d.cabundle[j].len - 10, 0x01,
			    "Nitro certificate chain", "cabundle certificate");
		free(p);
	}
	vectors_count("attestation/nitro", "targeted mutations refused with their reason", n_mut);
}

static void
test_dates(void)
{
	struct attest_result res;
	size_t i, n;
	int cnt = 0;

	for (i = 0; i < NSAMPLES; i++) {
		const struct nitro_sample *s = &samples[i];
		uint8_t *p = load_evidence(s, &n);

		CHECK_VERDICT(&res, verify_at(&res, p, n, s->at - 86400, 1), ATTEST_REFUSED, "not yet valid", s->file);
		CHECK_VERDICT(&res, verify_at(&res, p, n, s->at + 86400, 1), ATTEST_REFUSED, "expired", s->file);
		/* now: every sample's 3-hour leaf has long expired */
		CHECK_VERDICT(&res, verify_at(&res, p, n, 0, 1), ATTEST_REFUSED, "expired", s->file);
		cnt += 3;
		free(p);
	}
	vectors_count("attestation/nitro", "dates outside validity refused", cnt);
}

/* Re-encode a document with another payload (same protected header and signature). */
static void
rebuild(struct cbuf *out, const struct nitro_doc *d, const uint8_t *payload, size_t plen)
{
	cbuf_init(out, 0);
	CHECK_OK(cbor_put_head(out, CBOR_ARRAY, 4));
	CHECK_OK(cbor_put_head(out, CBOR_BYTES, d->protected_hdr.len));
	CHECK_OK(cbuf_put(out, d->protected_hdr.p, d->protected_hdr.len));
	CHECK_OK(cbor_put_head(out, CBOR_MAP, 0));
	CHECK_OK(cbor_put_head(out, CBOR_BYTES, plen));
	CHECK_OK(cbuf_put(out, payload, plen));
	CHECK_OK(cbor_put_head(out, CBOR_BYTES, d->signature.len));
	CHECK_OK(cbuf_put(out, d->signature.p, d->signature.len));
}

/* Replace the bytes [from, to) of A's payload by a bstr holding rep. */
static void
splice_payload(struct cbuf *pl, const struct nitro_doc *a, const uint8_t *from, const uint8_t *to,
    const uint8_t *rep, size_t replen, int as_bstr)
{
	cbuf_init(pl, 0);
	CHECK_OK(cbuf_put(pl, a->payload.p, off(a->payload.p, from)));
	if (as_bstr)
		CHECK_OK(cbor_put_head(pl, CBOR_BYTES, replen));
	CHECK_OK(cbuf_put(pl, rep, replen));
	CHECK_OK(cbuf_put(pl, to, a->payload.len - off(a->payload.p, to)));
}

/* A's document carrying B's certificates (another enclave, another host). */
static void
test_other_enclave(void)
{
	const struct nitro_sample *sa = &samples[1], *sb = &samples[2];
	struct nitro_doc a, b, m;
	struct attest_result res;
	struct cbuf pl, doc;
	size_t na, nb, hl;
	uint8_t *pa = load_evidence(sa, &na), *pb = load_evidence(sb, &nb);
	const uint8_t *from, *to;

	CHECK_OK(nitro_doc_parse(&a, pa, na));
	CHECK_OK(nitro_doc_parse(&b, pb, nb));
	/* the certificate field: its bstr head is 3 bytes (length 256..65535) */
	hl = 3;
	splice_payload(&pl, &a, a.certificate.p - hl, a.certificate.p + a.certificate.len, b.certificate.p,
	    b.certificate.len, 1);
	rebuild(&doc, &a, pl.p, pl.len);
	CHECK_OK(nitro_doc_parse(&m, doc.p, doc.len));
	/* at B's time B's leaf is valid but A's intermediates did not issue it */
	CHECK_VERDICT(&res, verify_at(&res, doc.p, doc.len, sb->at, 1), ATTEST_REFUSED, "Nitro certificate chain",
	    "A with B's leaf");
	cbuf_free(&pl);
	cbuf_free(&doc);
	/* B's leaf and B's whole cabundle: the chain holds, A's signature does not */
	from = a.certificate.p - hl;
	to = a.cabundle[a.ncabundle - 1].p + a.cabundle[a.ncabundle - 1].len;
	splice_payload(&pl, &a, from, to, b.certificate.p - hl,
	    off(b.certificate.p - hl, b.cabundle[b.ncabundle - 1].p + b.cabundle[b.ncabundle - 1].len), 0);
	rebuild(&doc, &a, pl.p, pl.len);
	CHECK_OK(nitro_doc_parse(&m, doc.p, doc.len));
	CHECK(m.certificate.len == b.certificate.len && m.ncabundle == b.ncabundle);
	CHECK_VERDICT(&res, verify_at(&res, doc.p, doc.len, sb->at, 1), ATTEST_REFUSED, "COSE signature",
	    "A with B's leaf and cabundle");
	cbuf_free(&pl);
	cbuf_free(&doc);
	free(pa);
	free(pb);
	vectors_count("attestation/nitro", "documents paired with another enclave's certificates refused", 2);
}

/* Tag 18, trailing bytes, truncations, and a stride of single-byte flips: never VALID. */
static void
test_framing(void)
{
	const struct nitro_sample *s = &samples[1];
	struct attest_result res;
	size_t n, i, cnt = 0;
	uint8_t *p = load_evidence(s, &n), *m = malloc(n + 1);

	m[0] = 0xd2;	/* COSE_Sign1 tag */
	memcpy(m + 1, p, n);
	CHECK_VERDICT(&res, verify_at(&res, m, n + 1, s->at, 1), ATTEST_VALID, "", "tagged");
	memcpy(m, p, n);
	m[n] = 0x00;
	CHECK_VERDICT(&res, verify_at(&res, m, n + 1, s->at, 1), ATTEST_UNUSABLE, "trailing", "one byte appended");
	cnt += 2;
	for (i = 0; i < n; i++, cnt++)
		CHECK_MSG(verify_at(&res, p, i, s->at, 1) == ATTEST_UNUSABLE, "cut at %zu: %s", i, res.reason);
	for (i = 0; i < n; i += 9, cnt++) {
		uint8_t *f = mutate_xor(p, n, i, 0x20);

		CHECK_MSG(verify_at(&res, f, n, s->at, 1) != ATTEST_VALID, "byte %zu flipped still VALID", i);
		free(f);
	}
	free(m);
	free(p);
	vectors_count(s->file, "framing cases (tag, trailing, truncations, flips) judged", (int)cnt);
}

/* The certificate form: the embedded document, its binding, and mutations of either. */
static void
test_cert_form(void)
{
	const struct nitro_sample *s = &samples[3];
	struct attest_result res;
	struct cbuf doc, spki;
	size_t n, i, hexat = 0;
	uint8_t *p = load_evidence(s, &n);
	static const char marker[] = "8444a1013822";
	int cnt = 0;

	cbuf_init(&doc, 0);
	cbuf_init(&spki, 0);
	CHECK_OK(nitro_cert_doc(&doc, &spki, p, n));
	/* the extracted document verifies on its own */
	CHECK(verify_at(&res, doc.p, doc.len, s->at, 1) == ATTEST_VALID);
	cnt++;
	for (i = 0; i + sizeof(marker) - 1 <= n; i++)
		if (memcmp(p + i, marker, sizeof(marker) - 1) == 0) {
			hexat = i;
			break;
		}
	CHECK(hexat != 0);
	/* a hex digit of the document (in PCR0) inside the SAN ('a' <-> 'b' keeps it hex): signature */
	for (i = hexat + 240; i < n && p[i] != 'a' && p[i] != 'b'; i++)
		;
	expect_refused(s, p, n, i, 0x03, "COSE signature", "embedded document");
	cnt++;
	/* the certificate's public key (the bound data): the binding breaks */
	{
		const unsigned char *q = p;
		X509 *x = d2i_X509(NULL, &q, (long)n);
		unsigned char *pt = NULL;
		size_t kat = 0, ptlen;

		CHECK(x != NULL);
		/* the uncompressed P-384 point inside the SPKI */
		ptlen = x != NULL ? EVP_PKEY_get1_encoded_public_key(X509_get0_pubkey(x), &pt) : 0;
		CHECK(ptlen == 97);
		for (i = 0; ptlen > 0 && i + ptlen <= n; i++)
			if (memcmp(p + i, pt, ptlen) == 0) {
				kat = i;
				break;
			}
		OPENSSL_free(pt);
		CHECK(kat != 0);
		expect_refused(s, p, n, kat + 40, 0x01, "user_data is not the certificate's public key",
		    "certificate public key");
		cnt++;
		X509_free(x);
	}
	cbuf_free(&doc);
	cbuf_free(&spki);
	free(p);
	vectors_count("attestation/nitro", "certificate-form cases", cnt);
}

/* The CBOR decoder on hand-made inputs. */
static void
test_cbor(void)
{
	static const struct {
		const char *hex;
		int want;
	} cases[] = {
		{ "00", 0 }, { "17", 0 }, { "1818", 0 }, { "1817", COFFER_ERR_NONCANONICAL },
		{ "190100", 0 }, { "1900ff", COFFER_ERR_NONCANONICAL }, { "1a00010000", 0 },
		{ "1a0000ffff", COFFER_ERR_NONCANONICAL }, { "1b0000000100000000", 0 },
		{ "1b00000000ffffffff", COFFER_ERR_NONCANONICAL }, { "1c", COFFER_ERR_UNSUPPORTED },
		{ "1f", COFFER_ERR_UNSUPPORTED }, { "5f", COFFER_ERR_UNSUPPORTED }, { "9f", COFFER_ERR_UNSUPPORTED },
		{ "bf", COFFER_ERR_UNSUPPORTED }, { "ff", COFFER_ERR_UNSUPPORTED }, { "43010203", 0 },
		{ "430102", COFFER_ERR_TRUNCATED }, { "83010203", 0 }, { "830102", COFFER_ERR_TRUNCATED },
		{ "9a7fffffff", COFFER_ERR_TRUNCATED }, { "a10102", 0 }, { "a101", COFFER_ERR_TRUNCATED },
		{ "d24100", 0 }, { "c0", COFFER_ERR_TRUNCATED }, { "f6", 0 }, { "f818", COFFER_ERR_NONCANONICAL },
		{ "f820", 0 }, { "f93c00", 0 }, { "fb3ff0000000000000", 0 }, { "0000", COFFER_ERR_TRAILING },
		{ "", COFFER_ERR_TRUNCATED },
		/* 17 nested arrays: over CBOR_MAX_DEPTH */
		{ "818181818181818181818181818181818100", COFFER_ERR_TOO_LARGE },
		{ "8181818181818181818181818181818100", 0 },
	};
	struct creader r;
	struct cbuf b;
	size_t i, n;
	uint8_t *p;
	const uint8_t *s;
	int64_t v;
	uint64_t u;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = test_unhex(cases[i].hex, &n);
		CHECK_MSG(cbor_check_item(p, n) == cases[i].want, "%s: %d", cases[i].hex, cbor_check_item(p, n));
		free(p);
	}
	/* typed getters leave the reader unmoved on a type mismatch */
	p = test_unhex("3822", &n);
	creader_init(&r, p, n);
	CHECK_RC(cbor_get_uint(&r, &u), COFFER_ERR_UNSUPPORTED);
	CHECK(r.off == 0);
	CHECK_OK(cbor_get_int(&r, &v));
	CHECK(v == -35 && r.off == 2);
	free(p);
	p = test_unhex("3bffffffffffffffff", &n);
	creader_init(&r, p, n);
	CHECK_RC(cbor_get_int(&r, &v), COFFER_ERR_TOO_LARGE);
	free(p);
	p = test_unhex("44deadbeef", &n);
	creader_init(&r, p, n);
	CHECK_RC(cbor_get_bytes(&r, &s, &n, 3), COFFER_ERR_TOO_LARGE);
	CHECK_OK(cbor_get_bytes(&r, &s, &n, 4));
	CHECK(n == 4 && s[0] == 0xde);
	free(p);
	/* the encoder writes minimal heads that the decoder reads back */
	cbuf_init(&b, 0);
	{
		static const uint64_t vals[] = { 0, 23, 24, 255, 256, 65535, 65536, 0xffffffffu, 0x100000000ull };

		for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			cbuf_reset(&b);
			CHECK_OK(cbor_put_head(&b, CBOR_UINT, vals[i]));
			creader_init(&r, b.p, b.len);
			CHECK(cbor_get_uint(&r, &u) == 0 && u == vals[i] && creader_remaining(&r) == 0);
		}
	}
	cbuf_free(&b);
	vectors_count("(built-in)", "CBOR decoder cases", (int)(sizeof(cases) / sizeof(cases[0])));
}

/* attest.c's policy on Nitro claims: the document's nonce, PCR allow-lists ("incorrect PCRs"). */
static void
test_policy(void)
{
	const struct nitro_sample *s = &samples[3], *t = &samples[1];
	struct attest_policy pol;
	struct attest_result res;
	struct nitro_doc d;
	struct cbuf doc, spki;
	uint8_t nonce[512];
	size_t n, nn;
	uint8_t *p = load_evidence(s, &n);
	char pcr0[200];
	int cnt = 0;

	cbuf_init(&doc, 0);
	cbuf_init(&spki, 0);
	CHECK_OK(nitro_cert_doc(&doc, &spki, p, n));
	CHECK_OK(nitro_doc_parse(&d, doc.p, doc.len));
	CHECK(d.has_nonce && d.nonce.len == 256);
	nn = d.nonce.len;
	memcpy(nonce, d.nonce.p, nn);
	attest_policy_default(&pol);
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, s->at, &pol, nonce, nn), ATTEST_VALID,
	    "", "the document's nonce");
	nonce[100] ^= 1;
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, s->at, &pol, nonce, nn),
	    ATTEST_REFUSED, "nonce does not match", "another nonce");
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, s->at, &pol, nonce, 32),
	    ATTEST_REFUSED, "nonce does not match", "a prefix of the nonce");
	cnt += 3;
	/* PCR allow-lists: the right PCR0 passes, evervault's "incorrect PCRs" spec is refused */
	CHECK(verify_at(&res, p, n, s->at, 0) == ATTEST_VALID);
	snprintf(pcr0, sizeof(pcr0), "%s", attest_claim_get(&res, "pcr0"));
	policy_allow(&pol, "pcr0", pcr0);
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, s->at, &pol, NULL, 0), ATTEST_VALID,
	    "", "pcr0 allowed");
	free(p);
	p = load_evidence(t, &n);
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, t->at, &pol, NULL, 0), ATTEST_REFUSED,
	    "not in the policy's allowed list", "another enclave's pcr0");
	free(p);
	/* a document whose nonce is null cannot match an expected nonce */
	p = load_evidence(&samples[2], &n);
	attest_policy_default(&pol);
	pol.allow_debug = 1;
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, samples[2].at, &pol, NULL, 0),
	    ATTEST_VALID, "", "no nonce expected");
	CHECK_VERDICT(&res, sample_verify_policy(&res, ATTEST_FMT_NITRO, p, n, samples[2].at, &pol, nonce, 16),
	    ATTEST_REFUSED, "nonce does not match", "expected nonce, document has none");
	cnt += 4;
	free(p);
	cbuf_free(&doc);
	cbuf_free(&spki);
	vectors_count("attestation/nitro", "policy cases (nonce, PCR allow-lists)", cnt);
}

static const struct test_case tests[] = {
	{ "samples", test_samples },
	{ "bindings", test_bindings },
	{ "mutations", test_mutations },
	{ "dates", test_dates },
	{ "other_enclave", test_other_enclave },
	{ "framing", test_framing },
	{ "cert_form", test_cert_form },
	{ "cbor", test_cbor },
	{ "policy", test_policy },
};

TEST_MAIN(tests)
