/*
 * Internal interface between attest.c (detection, policy, results) and the
 * format backends. A backend verifies signature, certificate chain to a
 * pinned vendor root, and the evidence's internal bindings; it records claims
 * with attest_claim_add*() and refuses with attest_refuse(). attest.c applies
 * the policy (debug, allow-lists, TCB, nonce/report-data) afterwards.
 */
#ifndef COFFER_ATTEST_ATTEST_INT_H
#define COFFER_ATTEST_ATTEST_INT_H

#include <stdarg.h>

#include "attest/attest.h"

struct attest_backend {
	enum attest_format format;
	const char *name;
	/* Cheap structural check used by auto-detection: 1 if the bytes look like this format. */
	int (*detect)(const uint8_t *p, size_t n);
	/* Full verification; returns the verdict and writes reason/claims into out. */
	enum attest_verdict (*verify)(struct attest_result *out, const struct attest_input *in);
};

/* Backends (each in its own file). */
extern const struct attest_backend attest_backend_sevsnp;
extern const struct attest_backend attest_backend_azure;
extern const struct attest_backend attest_backend_tdx;
extern const struct attest_backend attest_backend_sgx;
extern const struct attest_backend attest_backend_nitro;

/* Record a refusal (printf-style reason) and return ATTEST_REFUSED. */
enum attest_verdict attest_refuse(struct attest_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record an unusable input and return ATTEST_UNUSABLE. */
enum attest_verdict attest_unusable(struct attest_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a claim with a text value / a hex-encoded value (silently dropped when full). */
void attest_claim_add(struct attest_result *out, const char *name, const char *value);
void attest_claim_add_hex(struct attest_result *out, const char *name, const uint8_t *p, size_t n);
/* Value of a claim, or NULL. */
const char *attest_claim_get(const struct attest_result *out, const char *name);

#endif
