/*
 * X.509 helpers for the attestation backends: parsing certificates given as
 * DER, PEM bundles or base64 DER, reading vendor extensions, and turning the
 * caller's struct attest_input certificates into an OpenSSL stack.
 *
 * Every function here treats its bytes as hostile: sizes are capped, DER must
 * be consumed exactly, and a PEM bundle holds at most ATTEST_MAX_CERTS.
 */
#ifndef COFFER_ATTEST_ATTEST_X509_H
#define COFFER_ATTEST_ATTEST_X509_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "attest/attest.h"

/* Largest single certificate or PEM bundle accepted (bytes). */
#define ATTEST_MAX_CERT_BYTES (64u * 1024)

/*
 * Parse exactly one DER certificate.
 * Returns 0 or COFFER_ERR_ATTEST_BAD_CERT (also for trailing bytes) / COFFER_ERR_TOO_LARGE.
 * Out: out (NULL on failure; free with X509_free).
 */
int attest_x509_parse_der(X509 **out, const uint8_t *p, size_t n);

/*
 * Append the certificates in p to stack: one DER certificate, or PEM text with
 * one or more CERTIFICATE blocks (other PEM blocks are refused), or the
 * standard base64 of one DER certificate (with optional whitespace).
 * Returns 0, COFFER_ERR_ATTEST_BAD_CERT, COFFER_ERR_TOO_LARGE (input or count
 * over the caps: stack may then hold ATTEST_MAX_CERTS) or COFFER_ERR_NOMEM.
 * Out: stack (certificates appended; on failure those appended stay, for the caller to free).
 */
int attest_x509_load(STACK_OF(X509) *stack, const uint8_t *p, size_t n);

/*
 * The caller-supplied certificates of an attest_input as a new stack.
 * Returns 0, COFFER_ERR_ATTEST_BAD_CERT (names none: the caller's reason is
 * "certificate N does not parse") or COFFER_ERR_NOMEM.
 * Out: out (free with sk_X509_pop_free(out, X509_free)); bad: index of the bad certificate.
 */
int attest_x509_input_certs(STACK_OF(X509) **out, size_t *bad, const struct attest_input *in);

/*
 * The raw value (the OCTET STRING's contents) of the extension with dotted
 * OID `oid`. Returns 0 or COFFER_ERR_NOT_FOUND (absent, or present twice).
 * Out: val, len point into x (valid while x lives).
 */
int attest_x509_ext(const uint8_t **val, size_t *len, const X509 *x, const char *oid);

/*
 * Read a small non-negative DER INTEGER held as an extension value (AMD SPLs).
 * Returns 0 or COFFER_ERR_NOT_FOUND / COFFER_ERR_BAD_NUMBER.
 */
int attest_x509_ext_uint(uint64_t *out, const X509 *x, const char *oid);

/* The subject's commonName into out (outsize bytes, NUL-terminated; "" when absent or not printable). */
void attest_x509_subject_cn(char *out, size_t outsize, const X509 *x);

/* Free a stack of certificates and the certificates (NULL allowed). */
void attest_x509_stack_free(STACK_OF(X509) *s);

#endif
