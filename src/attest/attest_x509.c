/* Certificate parsing (DER, PEM bundles, base64 DER) and extension reading for the backends. */
#include "attest/attest_x509.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

int
attest_x509_parse_der(X509 **out, const uint8_t *p, size_t n)
{
	const unsigned char *q = p;
	X509 *x;

	*out = NULL;
	if (n > ATTEST_MAX_CERT_BYTES)
		return COFFER_ERR_TOO_LARGE;
	if (n == 0)
		return COFFER_ERR_ATTEST_BAD_CERT;
	x = d2i_X509(NULL, &q, (long)n);
	ERR_clear_error();
	if (x == NULL)
		return COFFER_ERR_ATTEST_BAD_CERT;
	if (q != p + n) {
		X509_free(x);
		return COFFER_ERR_ATTEST_BAD_CERT;
	}
	*out = x;
	return 0;
}

static int
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	    c == '/' || c == '=';
}

static int
push(STACK_OF(X509) *stack, X509 *x)
{
	if (sk_X509_num(stack) >= ATTEST_MAX_CERTS) {
		X509_free(x);
		return COFFER_ERR_TOO_LARGE;
	}
	if (sk_X509_push(stack, x) <= 0) {
		X509_free(x);
		return COFFER_ERR_NOMEM;
	}
	return 0;
}

static int
load_pem(STACK_OF(X509) *stack, const uint8_t *p, size_t n)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	int r = 0, count = 0;

	if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
		return COFFER_ERR_NOMEM;
	while (PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
		X509 *x = NULL;

		if (strcmp(name, PEM_STRING_X509) != 0 || header[0] != '\0' || len < 0)
			r = COFFER_ERR_ATTEST_BAD_CERT;
		else if ((r = attest_x509_parse_der(&x, data, (size_t)len)) == 0)
			r = push(stack, x);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
		if (r != 0)
			break;
		count++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (r == 0 && count == 0)
		r = COFFER_ERR_ATTEST_BAD_CERT;
	return r;
}

static int
load_b64(STACK_OF(X509) *stack, const uint8_t *p, size_t n)
{
	struct cbuf text, der;
	X509 *x = NULL;
	size_t i;
	int r;

	cbuf_init(&text, ATTEST_MAX_CERT_BYTES * 2);
	cbuf_init(&der, ATTEST_MAX_CERT_BYTES);
	for (i = 0, r = 0; i < n && r == 0; i++)
		if (!is_space(p[i]))
			r = cbuf_put_u8(&text, p[i]);
	if (r == 0 && text.len == 0)
		r = COFFER_ERR_ATTEST_BAD_CERT;	/* whitespace only (and never hand NULL to the decoder) */
	if (r == 0 && (r = base64_decode_buf(&der, (const char *)text.p, text.len)) != 0)
		r = COFFER_ERR_ATTEST_BAD_CERT;
	if (r == 0 && (r = attest_x509_parse_der(&x, der.p, der.len)) == 0)
		r = push(stack, x);
	cbuf_free(&text);
	cbuf_free(&der);
	return r;
}

int
attest_x509_load(STACK_OF(X509) *stack, const uint8_t *p, size_t n)
{
	size_t i = 0, j;
	int b64 = 1;

	if (n > ATTEST_MAX_CERT_BYTES)
		return COFFER_ERR_TOO_LARGE;
	if (n == 0)
		return COFFER_ERR_ATTEST_BAD_CERT;
	while (i < n && is_space(p[i]))
		i++;
	if (n - i >= 10 && memcmp(p + i, "-----BEGIN", 10) == 0)
		return load_pem(stack, p, n);
	if (p[0] == 0x30) {
		X509 *x;

		if (attest_x509_parse_der(&x, p, n) == 0)
			return push(stack, x);
	}
	for (j = 0; j < n && b64; j++)
		b64 = is_b64(p[j]) || is_space(p[j]);
	return b64 ? load_b64(stack, p, n) : COFFER_ERR_ATTEST_BAD_CERT;
}

void
attest_x509_stack_free(STACK_OF(X509) *s)
{
	sk_X509_pop_free(s, X509_free);
}

int
attest_x509_input_certs(STACK_OF(X509) **out, size_t *bad, const struct attest_input *in)
{
	STACK_OF(X509) *s;
	size_t i;
	int r = 0;

	*out = NULL;
	*bad = 0;
	if ((s = sk_X509_new_null()) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < in->ncerts && i < ATTEST_MAX_CERTS; i++) {
		X509 *x;

		if ((r = attest_x509_parse_der(&x, in->certs[i].der, in->certs[i].len)) != 0) {
			*bad = i;
			r = COFFER_ERR_ATTEST_BAD_CERT;
			break;
		}
		if ((r = push(s, x)) != 0)
			break;
	}
	if (r != 0) {
		attest_x509_stack_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int
attest_x509_ext(const uint8_t **val, size_t *len, const X509 *x, const char *oid)
{
	ASN1_OBJECT *obj;
	const ASN1_OCTET_STRING *os;
	int idx, again;

	*val = NULL;
	*len = 0;
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL) {
		ERR_clear_error();
		return COFFER_ERR_NOT_FOUND;
	}
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	again = idx >= 0 ? X509_get_ext_by_OBJ(x, obj, idx) : -1;
	ASN1_OBJECT_free(obj);
	if (idx < 0 || again >= 0)
		return COFFER_ERR_NOT_FOUND;
	os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	if (os == NULL || ASN1_STRING_length(os) < 0)
		return COFFER_ERR_NOT_FOUND;
	*val = ASN1_STRING_get0_data(os);
	*len = (size_t)ASN1_STRING_length(os);
	return 0;
}

int
attest_x509_ext_uint(uint64_t *out, const X509 *x, const char *oid)
{
	const uint8_t *val;
	const unsigned char *q;
	ASN1_INTEGER *ai;
	size_t len;
	uint64_t v = 0;
	int r;

	*out = 0;
	if ((r = attest_x509_ext(&val, &len, x, oid)) != 0)
		return r;
	q = val;
	ai = d2i_ASN1_INTEGER(NULL, &q, (long)len);
	ERR_clear_error();
	if (ai == NULL)
		return COFFER_ERR_BAD_NUMBER;
	r = q == val + len && ASN1_INTEGER_get_uint64(&v, ai) == 1 ? 0 : COFFER_ERR_BAD_NUMBER;
	ASN1_INTEGER_free(ai);
	ERR_clear_error();
	if (r == 0)
		*out = v;
	return r;
}

void
attest_x509_subject_cn(char *out, size_t outsize, const X509 *x)
{
	const X509_NAME *name = X509_get_subject_name(x);
	const ASN1_STRING *s;
	const unsigned char *d;
	int idx, n, i;

	if (outsize == 0)
		return;
	out[0] = '\0';
	if (name == NULL || (idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	if (s == NULL || (n = ASN1_STRING_length(s)) < 0 || (size_t)n >= outsize)
		return;
	d = ASN1_STRING_get0_data(s);
	for (i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return;
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
}
