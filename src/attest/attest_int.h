/*
 * Internal interface between attest.c (detection, policy, results) and the
 * format backends. A backend verifies signature, certificate chain to a
 * pinned vendor root, and the evidence's internal bindings; it records claims
 * with attest_claim_add*() and refuses with attest_refuse(). attest.c applies
 * the policy (debug, allow-lists, TCB, nonce/report-data) afterwards.
 *
 * Contract for a backend's verify():
 * - in->at is already resolved (never 0: attest.c replaces 0 by the current time);
 *   in->policy is already non-NULL; the backend ignores it (attest.c applies it).
 * - out arrives zeroed with out->format set; the backend sets out->debug,
 *   out->report_data/_len and the claims, and returns ATTEST_VALID only when
 *   signature, chain and internal bindings all hold.
 * - Claim names are lowercase snake_case; byte values are lowercase hex.
 *   Names attest.c reads: "measurement", "mrtd", "pcrN", any allow-listed
 *   name, "tcb_bootloader"/"tcb_tee"/"tcb_snp"/"tcb_microcode"/"tcb_fmc"
 *   (decimal) for min_tcb.
 * - A format that carries a nonce distinct from its report data records it
 *   with attest_set_nonce() (the caller's nonce must then equal it exactly);
 *   otherwise the caller's nonce is matched against the start of report_data.
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

/*
 * Backends (each in its own file). Declared weak so that the library links
 * while backends land one by one; coffer_attest is an OBJECT library, so every
 * backend that exists is always linked in (a weak reference alone would not
 * pull a member out of a static archive). A missing backend makes its format
 * "not built in" (ATTEST_UNUSABLE), which the tests would notice.
 */
extern const struct attest_backend attest_backend_sevsnp __attribute__((weak));
extern const struct attest_backend attest_backend_azure __attribute__((weak));
extern const struct attest_backend attest_backend_tdx __attribute__((weak));
extern const struct attest_backend attest_backend_sgx __attribute__((weak));
extern const struct attest_backend attest_backend_nitro __attribute__((weak));

/* The backend for a format (not AUTO), or NULL when it is not built in. */
const struct attest_backend *attest_backend_for(enum attest_format f);

/* Record a refusal (printf-style reason) and return ATTEST_REFUSED. */
enum attest_verdict attest_refuse(struct attest_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record an unusable input and return ATTEST_UNUSABLE. */
enum attest_verdict attest_unusable(struct attest_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a claim with a text value / a hex-encoded value (silently dropped when full). */
void attest_claim_add(struct attest_result *out, const char *name, const char *value);
void attest_claim_add_hex(struct attest_result *out, const char *name, const uint8_t *p, size_t n);
/* Add a claim with a decimal value. */
void attest_claim_add_u64(struct attest_result *out, const char *name, uint64_t v);
/* Value of a claim, or NULL. */
const char *attest_claim_get(const struct attest_result *out, const char *name);
/* Set out->report_data (at most 64 bytes are kept). */
void attest_set_report_data(struct attest_result *out, const uint8_t *p, size_t n);
/* Set out->nonce and has_nonce (at most ATTEST_MAX_NONCE bytes are kept; a longer nonce never matches). */
void attest_set_nonce(struct attest_result *out, const uint8_t *p, size_t n);

#endif
