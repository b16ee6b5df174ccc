/* Strict PEM chains, raw ECDSA signatures and raw P-256 keys for evidence; see attest_evcrypto.h. */
#include "attest/attest_evcrypto.h"

#include "attest/attest_x509.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

static int
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/' || c == '=';
}

/* Consume the literal s if the reader is at it; 1 when consumed. */
static int
take_literal(struct creader *r, const char *s)
{
	struct creader t = *r;
	const uint8_t *q;
	size_t n = strlen(s);

	if (creader_get_ptr(&t, &q, n) != 0 || memcmp(q, s, n) != 0)
		return 0;
	*r = t;
	return 1;
}

/* Decode one block's base64 body (line breaks dropped) up to the END line. */
static int
read_block(struct creader *r, X509 **out)
{
	struct cbuf b64, der;
	uint8_t c;
	int ret;

	*out = NULL;
	cbuf_init(&b64, 65536);
	cbuf_init(&der, 65536);
	for (;;) {
		if (take_literal(r, pem_end))
			break;
		if ((ret = creader_get_u8(r, &c)) != 0)
			goto out;
		if (c == '\r' || c == '\n')
			continue;
		if (!is_b64(c)) {
			ret = COFFER_ERR_BAD_BASE64;
			goto out;
		}
		if ((ret = cbuf_put_u8(&b64, c)) != 0)
			goto out;
	}
	if (b64.len == 0 ||
	    (ret = base64_decode_buf(&der, (const char *)b64.p, b64.len)) != 0) {
		ret = COFFER_ERR_BAD_BASE64;
		goto out;
	}
	ret = attest_x509_parse_der(out, der.p, der.len);
out:
	cbuf_free(&b64);
	cbuf_free(&der);
	return ret;
}

int
attest_pem_certs(STACK_OF(X509) **out, const uint8_t *p, size_t n, size_t max)
{
	STACK_OF(X509) *sk;
	struct creader r;
	X509 *x = NULL;
	uint8_t c;
	int ret, nuls = 0;

	*out = NULL;
	if (max > ATTEST_PEM_MAX_CERTS)
		max = ATTEST_PEM_MAX_CERTS;
	if ((sk = sk_X509_new_null()) == NULL)
		return COFFER_ERR_NOMEM;
	creader_init(&r, p, n);
	while (creader_remaining(&r) > 0) {
		if (!nuls && take_literal(&r, pem_begin)) {
			if ((size_t)sk_X509_num(sk) >= max) {
				ret = COFFER_ERR_TOO_LARGE;
				goto fail;
			}
			if ((ret = read_block(&r, &x)) != 0)
				goto fail;
			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				ret = COFFER_ERR_NOMEM;
				goto fail;
			}
			continue;
		}
		if ((ret = creader_get_u8(&r, &c)) != 0)
			goto fail;
		if (c == 0)
			nuls = 1;	/* only NULs from here to the end */
		else if (nuls || !is_space(c)) {
			ret = COFFER_ERR_BAD_BASE64;
			goto fail;
		}
	}
	if (sk_X509_num(sk) == 0) {
		ret = COFFER_ERR_BAD_BASE64;
		goto fail;
	}
	*out = sk;
	return 0;
fail:
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

int
attest_ecdsa_verify_rs(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t n,
    const uint8_t *rs, size_t half)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int derlen, ok = 0;

	if (key == NULL || half == 0 || half > 66 || half > (size_t)INT32_MAX)
		return 0;
	if ((sig = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(rs, (int)half, NULL)) == NULL ||
	    (s = BN_bin2bn(rs + half, (int)half, NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(sig, r, s) != 1)
		goto out;
	r = s = NULL;	/* owned by sig */
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, der, (size_t)derlen, msg, n) == 1;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return ok;
}

EVP_PKEY *
attest_p256_from_xy(const uint8_t xy[64])
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *key = NULL;
	uint8_t pt[65];

	pt[0] = 0x04;
	memcpy(pt + 1, xy, 64);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	/* fromdata does not promise a full point check; do it. */
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1)
		goto fail;
	goto out;
fail:
	EVP_PKEY_free(key);
	key = NULL;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

int
attest_ec_key_is(EVP_PKEY *key, const char *curve)
{
	char name[64];
	size_t len = 0;

	if (key == NULL || !EVP_PKEY_is_a(key, "EC"))
		return 0;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1)
		return 0;
	return strcmp(name, curve) == 0;
}
