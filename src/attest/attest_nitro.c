/*
 * AWS Nitro Enclaves backend: verifies a COSE_Sign1 attestation document
 * (attest_nitro.h) or evervault's certificate-embedded form.
 *
 * Order of checks, so that a refusal names what is wrong: the protected
 * header says ES384; digest is SHA384 and PCRs are 48 bytes; the leaf
 * certificate chains through the cabundle (which must start with the pinned
 * AWS Nitro root, byte for byte, and be used in full) to the pinned root at
 * the verification time; the leaf's P-384 key verifies the signature over
 * Sig_structure ["Signature1", protected, h'', payload]; the document's
 * timestamp lies inside the leaf's validity. For the certificate form, the
 * document's user_data must then be the embedding certificate's
 * SubjectPublicKeyInfo (evervault's binding).
 *
 * Debug mode: an enclave started with --debug-mode reports PCR0, PCR1 and
 * PCR2 as all zeros. A document where only some of them are zero is refused.
 */
#include "attest/attest_nitro.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/attest_cbor.h"
#include "attest/attest_evcrypto.h"
#include "attest/attest_int.h"
#include "attest/attest_roots.h"
#include "attest/attest_x509.h"
#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"

#define COSE_ALG_ES384 (-35)
#define NITRO_PCR_LEN 48

/* The protected header must be exactly {1: -35}. */
static int
protected_is_es384(const struct nitro_doc *d)
{
	struct creader r;
	size_t n;
	int64_t key, alg;

	creader_init(&r, d->protected_hdr.p, d->protected_hdr.len);
	return cbor_get_map(&r, &n, 1) == 0 && n == 1 && cbor_get_int(&r, &key) == 0 && key == 1 &&
	    cbor_get_int(&r, &alg) == 0 && alg == COSE_ALG_ES384 && creader_expect_end(&r) == 0;
}

static const struct nitro_bytes *
pcr(const struct nitro_doc *d, uint64_t index)
{
	size_t i;

	for (i = 0; i < d->npcrs; i++)
		if (d->pcrs[i].index == index)
			return &d->pcrs[i].value;
	return NULL;
}

static int
all_zero(const struct nitro_bytes *b)
{
	return secure_is_zero(b->p, b->len);
}

static int
printable(const struct nitro_bytes *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (b->p[i] < 0x20 || b->p[i] > 0x7e)
			return 0;
	return 1;
}

static void
nitro_claims(struct attest_result *out, const struct nitro_doc *d)
{
	char name[16], text[NITRO_MAX_MODULE_ID + 1];
	uint8_t h[32];
	size_t i;

	if (printable(&d->module_id)) {
		memcpy(text, d->module_id.p, d->module_id.len);
		text[d->module_id.len] = '\0';
		attest_claim_add(out, "module_id", text);
	}
	if (printable(&d->digest)) {
		memcpy(text, d->digest.p, d->digest.len);
		text[d->digest.len] = '\0';
		attest_claim_add(out, "digest", text);
	}
	attest_claim_add_u64(out, "timestamp", d->timestamp);
	for (i = 0; i < NITRO_MAX_PCRS; i++) {
		const struct nitro_bytes *v = pcr(d, i);

		if (v != NULL) {
			snprintf(name, sizeof(name), "pcr%zu", i);
			attest_claim_add_hex(out, name, v->p, v->len);
		}
	}
	/* Long values are shown truncated; their SHA-256 identifies them whole. */
	if (d->has_user_data) {
		attest_claim_add_hex(out, "user_data", d->user_data.p, d->user_data.len);
		sha256(h, d->user_data.p, d->user_data.len);
		attest_claim_add_hex(out, "user_data_sha256", h, 32);
	}
	if (d->has_public_key) {
		attest_claim_add_hex(out, "public_key", d->public_key.p, d->public_key.len);
		sha256(h, d->public_key.p, d->public_key.len);
		attest_claim_add_hex(out, "public_key_sha256", h, 32);
	}
	if (d->has_nonce) {
		attest_claim_add_hex(out, "nonce", d->nonce.p, d->nonce.len);
		sha256(h, d->nonce.p, d->nonce.len);
		attest_claim_add_hex(out, "nonce_sha256", h, 32);
	}
}

/*
 * Chain: leaf <- cabundle[N-1] <- ... <- cabundle[1] <- cabundle[0] == pinned
 * root. Every certificate must parse and sign the next one down, so a byte
 * changed in any of them is refused, not silently replaced by chain building.
 */
static enum attest_verdict
check_chain(struct attest_result *out, const struct nitro_doc *d, int64_t at, X509 **leafp)
{
	STACK_OF(X509) *untrusted = NULL;
	X509 *ca[NITRO_MAX_CABUNDLE] = { NULL };
	X509 *leaf = NULL, *root = NULL, *issuer;
	enum attest_verdict v;
	char why[160];
	size_t i;

	*leafp = NULL;
	if (attest_x509_parse_der(&leaf, d->certificate.p, d->certificate.len) != 0) {
		v = attest_refuse(out, "Nitro certificate chain: the leaf certificate does not parse");
		goto out;
	}
	for (i = 0; i < d->ncabundle; i++) {
		if (attest_x509_parse_der(&ca[i], d->cabundle[i].p, d->cabundle[i].len) != 0) {
			v = attest_refuse(out, "Nitro certificate chain: cabundle[%zu] does not parse", i);
			goto out;
		}
	}
	if ((root = attest_root(ATTEST_ROOT_AWS_NITRO)) == NULL || (untrusted = sk_X509_new_null()) == NULL) {
		v = attest_refuse(out, "Nitro certificate chain: internal error");
		goto out;
	}
	if (X509_cmp(ca[0], root) != 0) {
		v = attest_refuse(out, "Nitro certificate chain: cabundle[0] is not the pinned AWS Nitro root");
		goto out;
	}
	for (i = 1; i < d->ncabundle; i++) {
		if (!sk_X509_push(untrusted, ca[i])) {
			v = attest_refuse(out, "Nitro certificate chain: internal error");
			goto out;
		}
	}
	if (attest_verify_chain(why, sizeof(why), leaf, untrusted, ATTEST_ROOT_AWS_NITRO, at) != 0) {
		v = attest_refuse(out, "Nitro certificate chain to the AWS Nitro root: %s", why);
		goto out;
	}
	for (i = d->ncabundle; i-- > 0;) {
		X509 *subject = i + 1 < d->ncabundle ? ca[i + 1] : leaf;

		issuer = ca[i];
		if (X509_verify(subject, X509_get0_pubkey(issuer)) != 1) {
			ERR_clear_error();
			v = attest_refuse(out, "Nitro certificate chain: cabundle[%zu] did not sign the next certificate", i);
			goto out;
		}
	}
	*leafp = leaf;
	leaf = NULL;
	v = ATTEST_VALID;
out:
	sk_X509_free(untrusted);
	for (i = 0; i < NITRO_MAX_CABUNDLE; i++)
		X509_free(ca[i]);
	X509_free(root);
	X509_free(leaf);
	return v;
}

/* Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052 4.4). */
static int
sig_structure(struct cbuf *b, const struct nitro_doc *d)
{
	static const char context[] = "Signature1";
	int ret;

	if ((ret = cbor_put_head(b, CBOR_ARRAY, 4)) != 0 ||
	    (ret = cbor_put_head(b, CBOR_TEXT, sizeof(context) - 1)) != 0 ||
	    (ret = cbuf_put(b, (const uint8_t *)context, sizeof(context) - 1)) != 0 ||
	    (ret = cbor_put_head(b, CBOR_BYTES, d->protected_hdr.len)) != 0 ||
	    (ret = cbuf_put(b, d->protected_hdr.p, d->protected_hdr.len)) != 0 ||
	    (ret = cbor_put_head(b, CBOR_BYTES, 0)) != 0 ||
	    (ret = cbor_put_head(b, CBOR_BYTES, d->payload.len)) != 0 ||
	    (ret = cbuf_put(b, d->payload.p, d->payload.len)) != 0)
		return ret;
	return 0;
}

/* notBefore <= t <= notAfter for the leaf (t in seconds). */
static int
within_validity(X509 *x, int64_t t)
{
	int before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)t);
	int after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)t);

	/* -2 is an error (unparsable time), never a pass */
	return (before == -1 || before == 0) && (after == 0 || after == 1);
}

static enum attest_verdict
verify_doc(struct attest_result *out, const struct nitro_doc *d, int64_t at)
{
	const struct nitro_bytes *p0, *p1, *p2;
	struct cbuf tbs;
	X509 *leaf = NULL;
	EVP_PKEY *key;
	enum attest_verdict v;
	int zeros;
	size_t i;

	nitro_claims(out, d);
	if (d->has_user_data)
		attest_set_report_data(out, d->user_data.p, d->user_data.len);
	/* The caller's nonce is matched against this field (absent or null: an empty nonce). */
	attest_set_nonce(out, d->nonce.p, d->has_nonce ? d->nonce.len : 0);
	if (!protected_is_es384(d))
		return attest_refuse(out, "COSE protected header is not {alg: ES384}");
	if (d->digest.len != 6 || memcmp(d->digest.p, "SHA384", 6) != 0)
		return attest_refuse(out, "digest is not SHA384");
	for (i = 0; i < d->npcrs; i++)
		if (d->pcrs[i].value.len != NITRO_PCR_LEN)
			return attest_refuse(out, "PCR%u is not 48 bytes", (unsigned)d->pcrs[i].index);
	if (d->signature.len != 96)
		return attest_refuse(out, "signature is not 96 bytes (ES384 r || s)");

	if ((v = check_chain(out, d, at, &leaf)) != ATTEST_VALID)
		return v;
	key = X509_get0_pubkey(leaf);
	if (!attest_ec_key_is(key, "secp384r1")) {
		v = attest_refuse(out, "Nitro leaf certificate key is not an EC P-384 key");
		goto out;
	}
	cbuf_init(&tbs, 2 * NITRO_MAX_DOC);
	if (sig_structure(&tbs, d) != 0) {
		cbuf_free(&tbs);
		v = attest_refuse(out, "internal error building Sig_structure");
		goto out;
	}
	if (!attest_ecdsa_verify_rs(key, EVP_sha384(), tbs.p, tbs.len, d->signature.p, 48)) {
		cbuf_free(&tbs);
		v = attest_refuse(out, "COSE signature (Nitro leaf key) is invalid");
		goto out;
	}
	cbuf_free(&tbs);
	if (!within_validity(leaf, (int64_t)(d->timestamp / 1000))) {	/* ms -> s: always fits */
		v = attest_refuse(out, "document timestamp is outside its certificate's validity");
		goto out;
	}
	/* What the (now authenticated) PCRs say about debug mode. */
	if ((p0 = pcr(d, 0)) == NULL || (p1 = pcr(d, 1)) == NULL || (p2 = pcr(d, 2)) == NULL) {
		v = attest_refuse(out, "PCR0, PCR1 or PCR2 missing");
		goto out;
	}
	zeros = all_zero(p0) + all_zero(p1) + all_zero(p2);
	if (zeros != 0 && zeros != 3) {
		v = attest_refuse(out, "some but not all of PCR0..2 are zero");
		goto out;
	}
	out->debug = zeros == 3;
	v = ATTEST_VALID;
out:
	X509_free(leaf);
	return v;
}

static int
looks_cose(const uint8_t *p, size_t n)
{
	/* array(4) then bstr(4) {1: -35}; or tag 18 then that */
	static const uint8_t plain[6] = { 0x84, 0x44, 0xa1, 0x01, 0x38, 0x22 };
	static const uint8_t tagged[7] = { 0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x22 };

	return (n >= sizeof(plain) && memcmp(p, plain, sizeof(plain)) == 0) ||
	    (n >= sizeof(tagged) && memcmp(p, tagged, sizeof(tagged)) == 0);
}

static int
looks_cert(const uint8_t *p, size_t n)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----";
	size_t i = 0;

	if (n >= 2 && p[0] == 0x30 && p[1] == 0x82)
		return 1;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return n - i >= sizeof(pem) - 1 && memcmp(p + i, pem, sizeof(pem) - 1) == 0;
}

static int
nitro_detect(const uint8_t *p, size_t n)
{
	struct cbuf doc, spki;
	int found;

	if (looks_cose(p, n))
		return 1;
	if (!looks_cert(p, n))
		return 0;
	cbuf_init(&doc, NITRO_MAX_DOC);
	cbuf_init(&spki, 4096);
	found = nitro_cert_doc(&doc, &spki, p, n) == 0;
	cbuf_free(&doc);
	cbuf_free(&spki);
	return found;
}

static enum attest_verdict
nitro_verify(struct attest_result *out, const struct attest_input *in)
{
	struct nitro_doc d;
	struct cbuf doc, spki;
	enum attest_verdict v;
	uint8_t h[32];
	int ret;

	cbuf_init(&doc, NITRO_MAX_DOC);
	cbuf_init(&spki, 4096);
	if (!looks_cose(in->evidence, in->len) && looks_cert(in->evidence, in->len)) {
		/* evervault: the document travels in a TLS certificate */
		if ((ret = nitro_cert_doc(&doc, &spki, in->evidence, in->len)) != 0) {
			v = attest_unusable(out, "no single Nitro document embedded in the certificate (%s)",
			    coffer_err_name(ret));
			goto out;
		}
		if ((ret = nitro_doc_parse(&d, doc.p, doc.len)) != 0) {
			v = attest_unusable(out, "the certificate's Nitro document does not parse (%s)",
			    coffer_err_name(ret));
			goto out;
		}
		attest_claim_add(out, "form", "evervault certificate");
		sha256(h, spki.p, spki.len);
		attest_claim_add_hex(out, "cert_spki_sha256", h, 32);
		if ((v = verify_doc(out, &d, in->at)) != ATTEST_VALID)
			goto out;
		if (!d.has_user_data || d.user_data.len != spki.len ||
		    memcmp(d.user_data.p, spki.p, spki.len) != 0) {
			v = attest_refuse(out, "the document's user_data is not the certificate's public key");
			goto out;
		}
		v = ATTEST_VALID;
		goto out;
	}
	if ((ret = nitro_doc_parse(&d, in->evidence, in->len)) != 0) {
		v = attest_unusable(out, "Nitro attestation document does not parse (%s)", coffer_err_name(ret));
		goto out;
	}
	v = verify_doc(out, &d, in->at);
out:
	cbuf_free(&doc);
	cbuf_free(&spki);
	return v;
}

const struct attest_backend attest_backend_nitro = {
	ATTEST_FMT_NITRO,
	"nitro",
	nitro_detect,
	nitro_verify,
};
