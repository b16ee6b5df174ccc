/*
 * Crypto helpers for evidence that carries its own certificates and raw
 * ECDSA signatures, shared by the DCAP (TDX/SGX) and Nitro backends: a strict
 * PEM-chain reader (deciding itself what may surround the certificates, so a
 * hostile quote cannot smuggle bytes past the parser; each block goes through
 * attest_x509_parse_der), raw r||s ECDSA verification and raw P-256 keys.
 */
#ifndef COFFER_ATTEST_ATTEST_EVCRYPTO_H
#define COFFER_ATTEST_ATTEST_EVCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Most certificates attest_pem_certs() returns. */
#define ATTEST_PEM_MAX_CERTS 8

/*
 * Read a PEM text holding 1..max "CERTIFICATE" blocks. Between and around the
 * blocks only whitespace is allowed, and after the last block NUL bytes too
 * (DCAP quotes store the chain as a C string); inside a block only base64
 * and line breaks. Every block must decode to exactly one certificate.
 * Returns 0, COFFER_ERR_BAD_BASE64 (malformed PEM), COFFER_ERR_ATTEST_BAD_CERT
 * (a block is not exactly one certificate), COFFER_ERR_TOO_LARGE (more than max blocks) or
 * COFFER_ERR_NOMEM.
 * Out: *out, a new stack in text order (NULL on failure; free with
 *      sk_X509_pop_free(*out, X509_free)).
 * In:  p[n], max (<= ATTEST_PEM_MAX_CERTS).
 */
int attest_pem_certs(STACK_OF(X509) **out, const uint8_t *p, size_t n, size_t max);

/*
 * Verify an ECDSA signature given as raw big-endian r || s (2 * half bytes)
 * over msg[n] hashed with md, under key.
 * Returns 1 when valid, 0 when invalid or on any error (a malformed key or
 * signature is an invalid signature).
 */
int attest_ecdsa_verify_rs(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t n,
    const uint8_t *rs, size_t half);

/*
 * Build a P-256 public key from raw big-endian x || y (64 bytes), checking
 * that the point is on the curve.
 * Returns a new EVP_PKEY, or NULL when the point is invalid.
 */
EVP_PKEY *attest_p256_from_xy(const uint8_t xy[64]);

/*
 * 1 when key is an EC key on the named curve ("prime256v1", "secp384r1"), else 0.
 */
int attest_ec_key_is(EVP_PKEY *key, const char *curve);

#endif
