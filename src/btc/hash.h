/*
 * Bitcoin's hash functions, all from OpenSSL 3: SHA-256, double SHA-256,
 * RIPEMD-160, HASH160, HMAC-SHA512, PBKDF2-HMAC-SHA512 and BIP340 tagged hashes.
 */
#ifndef COFFER_BTC_HASH_H
#define COFFER_BTC_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Streaming SHA-256. The context is opaque storage owned by the caller. */
struct sha256_ctx {
	void *md;	/* EVP_MD_CTX * */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const uint8_t *p, size_t n);
/* Writes 32 bytes and releases the context. */
void sha256_final(struct sha256_ctx *c, uint8_t out[32]);
/* Start a BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || ...). */
void sha256_init_tagged(struct sha256_ctx *c, const char *tag);
/* Copy a context (midstate reuse). dst must not be initialised. */
void sha256_copy(struct sha256_ctx *dst, const struct sha256_ctx *src);
/* Release a context without producing output. */
void sha256_abort(struct sha256_ctx *c);

void sha256(uint8_t out[32], const uint8_t *p, size_t n);
void sha256d(uint8_t out[32], const uint8_t *p, size_t n);
void ripemd160(uint8_t out[20], const uint8_t *p, size_t n);
/* RIPEMD160(SHA256(p)). */
void hash160(uint8_t out[20], const uint8_t *p, size_t n);
void hmac_sha512(uint8_t out[64], const uint8_t *key, size_t keylen, const uint8_t *p, size_t n);
/* PBKDF2-HMAC-SHA512; returns 0 or COFFER_ERR_CRYPTO. */
int pbkdf2_sha512(uint8_t *out, size_t outlen, const uint8_t *pass, size_t passlen,
    const uint8_t *salt, size_t saltlen, uint32_t iterations);
/* SHA256(SHA256(tag) || SHA256(tag) || p). */
void tagged_hash(uint8_t out[32], const char *tag, const uint8_t *p, size_t n);

#endif
