/*
 * Hashes through OpenSSL 3. Algorithms are fetched once (explicit fetches are
 * much cheaper than implicit per-call lookups) and failures of the library
 * itself abort: they mean a broken installation, not hostile input.
 */
#include "btc/hash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/err.h"

static EVP_MD *md_sha256, *md_sha512, *md_ripemd160;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void
hash_die(const char *what)
{
	fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
	abort();
}

static void
md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	md_ripemd160 = EVP_MD_fetch(NULL, "RIPEMD160", NULL);
	if (md_sha256 == NULL || md_sha512 == NULL || md_ripemd160 == NULL)
		hash_die("digest fetch");
}

static void
md_ready(void)
{
	if (pthread_once(&md_once, md_fetch) != 0)
		hash_die("init");
}

static void
digest(const EVP_MD *md, uint8_t *out, const uint8_t *p, size_t n)
{
	unsigned int outlen;

	if (EVP_Digest(n > 0 ? p : (const uint8_t *)"", n, out, &outlen, md, NULL) != 1)
		hash_die("digest");
}

void
sha256_init(struct sha256_ctx *c)
{
	EVP_MD_CTX *ctx;

	md_ready();
	if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex2(ctx, md_sha256, NULL) != 1)
		hash_die("sha256 init");
	c->md = ctx;
}

void
sha256_update(struct sha256_ctx *c, const uint8_t *p, size_t n)
{
	if (n > 0 && EVP_DigestUpdate((EVP_MD_CTX *)c->md, p, n) != 1)
		hash_die("sha256 update");
}

void
sha256_final(struct sha256_ctx *c, uint8_t out[32])
{
	unsigned int outlen;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)c->md, out, &outlen) != 1)
		hash_die("sha256 final");
	EVP_MD_CTX_free((EVP_MD_CTX *)c->md);
	c->md = NULL;
}

void
sha256_abort(struct sha256_ctx *c)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)c->md);
	c->md = NULL;
}

void
sha256_copy(struct sha256_ctx *dst, const struct sha256_ctx *src)
{
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_MD_CTX_copy_ex(ctx, (EVP_MD_CTX *)src->md) != 1)
		hash_die("sha256 copy");
	dst->md = ctx;
}

void
sha256_init_tagged(struct sha256_ctx *c, const char *tag)
{
	uint8_t th[32];

	sha256(th, (const uint8_t *)tag, strlen(tag));
	sha256_init(c);
	sha256_update(c, th, 32);
	sha256_update(c, th, 32);
}

void
sha256(uint8_t out[32], const uint8_t *p, size_t n)
{
	md_ready();
	digest(md_sha256, out, p, n);
}

void
sha256d(uint8_t out[32], const uint8_t *p, size_t n)
{
	uint8_t tmp[32];

	sha256(tmp, p, n);
	sha256(out, tmp, 32);
}

void
ripemd160(uint8_t out[20], const uint8_t *p, size_t n)
{
	md_ready();
	digest(md_ripemd160, out, p, n);
}

void
hash160(uint8_t out[20], const uint8_t *p, size_t n)
{
	uint8_t tmp[32];

	sha256(tmp, p, n);
	ripemd160(out, tmp, 32);
}

void
hmac_sha512(uint8_t out[64], const uint8_t *key, size_t keylen, const uint8_t *p, size_t n)
{
	unsigned int outlen = 0;

	md_ready();
	if (HMAC(md_sha512, key, (int)keylen, n > 0 ? p : (const uint8_t *)"", n, out, &outlen) == NULL ||
	    outlen != 64)
		hash_die("hmac-sha512");
}

int
pbkdf2_sha512(uint8_t *out, size_t outlen, const uint8_t *pass, size_t passlen,
    const uint8_t *salt, size_t saltlen, uint32_t iterations)
{
	md_ready();
	if (passlen > INT32_MAX || saltlen > INT32_MAX || outlen > INT32_MAX || iterations > INT32_MAX)
		return COFFER_ERR_INVALID_ARG;
	if (PKCS5_PBKDF2_HMAC((const char *)(passlen > 0 ? pass : (const uint8_t *)""), (int)passlen,
	    salt, (int)saltlen, (int)iterations, md_sha512, (int)outlen, out) != 1)
		return COFFER_ERR_CRYPTO;
	return 0;
}

void
tagged_hash(uint8_t out[32], const char *tag, const uint8_t *p, size_t n)
{
	struct sha256_ctx c;

	sha256_init_tagged(&c, tag);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}
