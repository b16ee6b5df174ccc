/*
 * Webhook signatures (docs/PAYMENTS.md, "Webhooks").
 *
 * Every delivery carries the header
 *     Coffer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 * where the MAC is HMAC-SHA256 keyed with the webhook's secret over the bytes
 *     "<t>." || body
 * (the decimal timestamp exactly as in the header, a dot, the raw request
 * body). A receiver recomputes it, compares in constant time, and refuses a
 * timestamp more than a tolerance (default 300 s) away from its clock, which
 * bounds replays. Several v1= entries may appear (secret rotation): one match
 * suffices. Unknown keys are ignored, so later schemes can be added.
 */
#ifndef COFFER_WALLET_WEBHOOK_H
#define COFFER_WALLET_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SIG_HEADER    "Coffer-Signature"
#define WEBHOOK_SIG_BUFSIZE   96	/* "t=" 20 digits ",v1=" 64 hex, NUL */
#define WEBHOOK_MAX_HEADER    1024	/* longer headers are refused unread */
#define WEBHOOK_MAX_SIGS      8	/* v1= entries looked at */
#define WEBHOOK_TOLERANCE_S   300
#define WEBHOOK_MIN_SECRET    16	/* bytes */
#define WEBHOOK_MAX_SECRET    256

/*
 * The header value for a delivery.
 * Returns 0, COFFER_ERR_INVALID_ARG (secret length outside
 *   WEBHOOK_MIN_SECRET..WEBHOOK_MAX_SECRET) or COFFER_ERR_CRYPTO.
 * Out:  out: "t=...,v1=..." NUL-terminated ("" on failure).
 * In:   secret[secret_len]; timestamp (unix seconds); body[body_len] (NULL iff 0).
 */
int webhook_sign(char out[WEBHOOK_SIG_BUFSIZE], const uint8_t *secret, size_t secret_len,
    uint64_t timestamp, const uint8_t *body, size_t body_len);

/*
 * Verify a header value (untrusted) against a body.
 * Returns 0 when a v1 signature matches and the timestamp is within
 *   tolerance_s of now; COFFER_ERR_PAY_WEBHOOK_STALE (matches, but too old or
 *   too far ahead); COFFER_ERR_PAY_WEBHOOK_SIGNATURE (malformed, no t=, no
 *   v1=, or no match); COFFER_ERR_TOO_LARGE (over WEBHOOK_MAX_HEADER);
 *   COFFER_ERR_INVALID_ARG (secret length); COFFER_ERR_CRYPTO.
 * In:   header[header_len] (need not be NUL-terminated); secret; body; now;
 *       tolerance_s.
 */
int webhook_verify(const char *header, size_t header_len, const uint8_t *secret, size_t secret_len,
    const uint8_t *body, size_t body_len, uint64_t now, uint64_t tolerance_s);

#endif
