/*
 * Nitro attestation documents: COSE_Sign1 and payload parsing, and the
 * evervault certificate-embedded form. No cryptography here; see
 * attest_nitro.h for the format and attest_nitro.c for verification.
 */
#include "attest/attest_nitro.h"

#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/attest_cbor.h"
#include "attest/attest_evcrypto.h"
#include "attest/attest_x509.h"
#include "common/encoding.h"
#include "common/err.h"

#define COSE_SIGN1_TAG 18
#define NITRO_MAX_PROTECTED 64
#define NITRO_MAX_UNPROTECTED 8
#define NITRO_MAX_PAYLOAD_KEYS 16

enum nitro_key {
	K_MODULE_ID, K_DIGEST, K_TIMESTAMP, K_PCRS, K_CERTIFICATE, K_CABUNDLE,
	K_PUBLIC_KEY, K_USER_DATA, K_NONCE, K_UNKNOWN,
};

static const char *const key_names[K_UNKNOWN] = {
	"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle",
	"public_key", "user_data", "nonce",
};

static enum nitro_key
key_of(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < K_UNKNOWN; i++)
		if (strlen(key_names[i]) == n && memcmp(key_names[i], p, n) == 0)
			return (enum nitro_key)i;
	return K_UNKNOWN;
}

/* A byte string, or null (then *present = 0). */
static int
get_opt_bytes(struct creader *r, struct nitro_bytes *b, int *present, size_t max)
{
	memset(b, 0, sizeof(*b));
	*present = 0;
	if (cbor_take_null(r))
		return 0;
	*present = 1;
	return cbor_get_bytes(r, &b->p, &b->len, max);
}

static int
parse_pcrs(struct nitro_doc *d, struct creader *r)
{
	uint32_t seen = 0;
	size_t n, i;
	int ret;

	if ((ret = cbor_get_map(r, &n, NITRO_MAX_PCRS)) != 0)
		return ret;
	if (n == 0)
		return COFFER_ERR_UNSUPPORTED;
	for (i = 0; i < n; i++) {
		uint64_t idx;

		if ((ret = cbor_get_uint(r, &idx)) != 0)
			return ret;
		if (idx >= NITRO_MAX_PCRS || (seen & (1u << idx)) != 0)
			return COFFER_ERR_UNSUPPORTED;
		seen |= 1u << idx;
		d->pcrs[i].index = idx;
		if ((ret = cbor_get_bytes(r, &d->pcrs[i].value.p, &d->pcrs[i].value.len, 64)) != 0)
			return ret;
	}
	d->npcrs = n;
	return 0;
}

static int
parse_cabundle(struct nitro_doc *d, struct creader *r)
{
	size_t n, i;
	int ret;

	if ((ret = cbor_get_array(r, &n, NITRO_MAX_CABUNDLE)) != 0)
		return ret;
	if (n == 0)
		return COFFER_ERR_UNSUPPORTED;
	for (i = 0; i < n; i++)
		if ((ret = cbor_get_bytes(r, &d->cabundle[i].p, &d->cabundle[i].len, NITRO_MAX_CERT)) != 0)
			return ret;
	d->ncabundle = n;
	return 0;
}

static int
parse_payload(struct nitro_doc *d)
{
	const uint32_t required = 1u << K_MODULE_ID | 1u << K_DIGEST | 1u << K_TIMESTAMP | 1u << K_PCRS |
	    1u << K_CERTIFICATE | 1u << K_CABUNDLE;
	struct creader r;
	const uint8_t *kp;
	uint32_t seen = 0;
	size_t n, i, kn;
	enum nitro_key k;
	int ret = 0;

	creader_init(&r, d->payload.p, d->payload.len);
	if ((ret = cbor_get_map(&r, &n, NITRO_MAX_PAYLOAD_KEYS)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		if ((ret = cbor_get_text(&r, &kp, &kn, 64)) != 0)
			return ret;
		k = key_of(kp, kn);
		if (k != K_UNKNOWN) {
			if ((seen & (1u << k)) != 0)
				return COFFER_ERR_UNSUPPORTED;	/* duplicate key */
			seen |= 1u << k;
		}
		switch (k) {
		case K_MODULE_ID:
			ret = cbor_get_text(&r, &d->module_id.p, &d->module_id.len, NITRO_MAX_MODULE_ID);
			break;
		case K_DIGEST:
			ret = cbor_get_text(&r, &d->digest.p, &d->digest.len, 16);
			break;
		case K_TIMESTAMP:
			ret = cbor_get_uint(&r, &d->timestamp);
			break;
		case K_PCRS:
			ret = parse_pcrs(d, &r);
			break;
		case K_CERTIFICATE:
			ret = cbor_get_bytes(&r, &d->certificate.p, &d->certificate.len, NITRO_MAX_CERT);
			break;
		case K_CABUNDLE:
			ret = parse_cabundle(d, &r);
			break;
		case K_PUBLIC_KEY:
			ret = get_opt_bytes(&r, &d->public_key, &d->has_public_key, NITRO_MAX_PUBLIC_KEY);
			break;
		case K_USER_DATA:
			ret = get_opt_bytes(&r, &d->user_data, &d->has_user_data, NITRO_MAX_USER_DATA);
			break;
		case K_NONCE:
			ret = get_opt_bytes(&r, &d->nonce, &d->has_nonce, NITRO_MAX_NONCE);
			break;
		default:
			/* A field this verifier does not know: signed, so harmless; skipped. */
			ret = cbor_skip(&r, 1);
			break;
		}
		if (ret != 0)
			return ret;
	}
	if ((seen & required) != required)
		return COFFER_ERR_UNSUPPORTED;
	return creader_expect_end(&r);
}

int
nitro_doc_parse(struct nitro_doc *d, const uint8_t *p, size_t n)
{
	struct creader r;
	size_t cnt, i;
	int ret;

	memset(d, 0, sizeof(*d));
	if (n > NITRO_MAX_DOC)
		return COFFER_ERR_TOO_LARGE;
	creader_init(&r, p, n);
	d->tagged = cbor_take_tag(&r, COSE_SIGN1_TAG);
	if ((ret = cbor_get_array(&r, &cnt, 4)) != 0)
		goto fail;
	ret = COFFER_ERR_UNSUPPORTED;
	if (cnt != 4)
		goto fail;
	if ((ret = cbor_get_bytes(&r, &d->protected_hdr.p, &d->protected_hdr.len, NITRO_MAX_PROTECTED)) != 0 ||
	    (ret = cbor_get_map(&r, &cnt, NITRO_MAX_UNPROTECTED)) != 0)
		goto fail;
	/* unprotected entries sit at depth 2 (3 under the tag): same cap as cbor_check_item */
	for (i = 0; i < 2 * cnt; i++)
		if ((ret = cbor_skip(&r, d->tagged ? 3 : 2)) != 0)
			goto fail;
	if ((ret = cbor_get_bytes(&r, &d->payload.p, &d->payload.len, NITRO_MAX_DOC)) != 0 ||
	    (ret = cbor_get_bytes(&r, &d->signature.p, &d->signature.len, 132)) != 0 ||
	    (ret = creader_expect_end(&r)) != 0 ||
	    (ret = parse_payload(d)) != 0)
		goto fail;
	return 0;
fail:
	memset(d, 0, sizeof(*d));
	return ret;
}

/* ---- evervault: a document hex-encoded in a certificate's SAN ---- */

static int
is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * If the dNSName's left-most label is the hex of a COSE_Sign1 array (tagged
 * or not), append its bytes to doc and return 1; 0 otherwise.
 */
static int
label_doc(struct cbuf *doc, const ASN1_IA5STRING *dns)
{
	const uint8_t *s = ASN1_STRING_get0_data(dns);
	size_t n = (size_t)ASN1_STRING_length(dns), i;
	struct cbuf tmp;

	if (s == NULL)
		return 0;
	for (i = 0; i < n && s[i] != '.'; i++)
		if (!is_hex(s[i]))
			return 0;
	if (i < 4 || i % 2 != 0 || i > 2 * (size_t)NITRO_MAX_DOC)
		return 0;
	/* 0x84: array(4); 0xd2 0x84: tag 18 then array(4) */
	if (!((s[0] == '8' && s[1] == '4') || ((s[0] == 'd' || s[0] == 'D') && s[1] == '2' &&
	    s[2] == '8' && s[3] == '4')))
		return 0;
	cbuf_init(&tmp, NITRO_MAX_DOC);
	if (hex_decode_buf(&tmp, (const char *)s, i) != 0 || cbuf_put(doc, tmp.p, tmp.len) != 0) {
		cbuf_free(&tmp);
		return 0;
	}
	cbuf_free(&tmp);
	return 1;
}

/* Count the documents in x's SAN; the first found goes to doc and x's SPKI to spki. */
static int
cert_docs(struct cbuf *doc, struct cbuf *spki, X509 *x, int *found)
{
	GENERAL_NAMES *names;
	unsigned char *der = NULL;
	int i, len, ret = 0;

	if ((names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		struct cbuf scratch;

		if (g->type != GEN_DNS)
			continue;
		cbuf_init(&scratch, NITRO_MAX_DOC);
		if (label_doc(*found ? &scratch : doc, g->d.dNSName)) {
			if (++*found == 1) {
				if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0 ||
				    (ret = cbuf_put(spki, der, (size_t)len)) != 0)
					ret = ret != 0 ? ret : COFFER_ERR_CRYPTO;
				OPENSSL_free(der);
				der = NULL;
			}
		}
		cbuf_free(&scratch);
		if (ret != 0)
			break;
	}
	GENERAL_NAMES_free(names);
	return ret;
}

int
nitro_cert_doc(struct cbuf *doc, struct cbuf *spki, const uint8_t *p, size_t n)
{
	STACK_OF(X509) *certs = NULL;
	X509 *x;
	int i, found = 0, ret;

	if (n > 0 && p[0] == 0x30) {
		if ((ret = attest_x509_parse_der(&x, p, n)) != 0)
			return ret;
		ret = cert_docs(doc, spki, x, &found);
		X509_free(x);
	} else {
		if ((ret = attest_pem_certs(&certs, p, n, 4)) != 0)
			return ret;
		for (i = 0; i < sk_X509_num(certs) && ret == 0; i++)
			ret = cert_docs(doc, spki, sk_X509_value(certs, i), &found);
		sk_X509_pop_free(certs, X509_free);
	}
	if (ret != 0)
		return ret;
	if (found == 0)
		return COFFER_ERR_NOT_FOUND;
	return found == 1 ? 0 : COFFER_ERR_UNSUPPORTED;
}
