/*
 * Webhook delivery from the persistent outbox (store_webhooks.h): due
 * deliveries are posted with the Coffer-Signature header (wallet/webhook.h),
 * and each outcome is recorded: delivered on 2xx, retried with exponential
 * backoff and jitter (wallet/outbox.h) otherwise, given up after
 * OUTBOX_MAX_ATTEMPTS or on 410 Gone. Posting goes through a function so
 * tests can watch it; cofferd uses webhooks_post_curl.
 */
#ifndef COFFER_DAEMON_WEBHOOKS_H
#define COFFER_DAEMON_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"

#define WEBHOOKS_BATCH 32
/* Event types an endpoint may subscribe to. */
#define WEBHOOKS_EVENT_TYPES "payment.received,payment.sent,payment.confirmed,payment.failed,payment.replaced"

/*
 * Post one delivery. Returns 0 with *status the HTTP status, or an error with
 * *status 0 (no answer). sig is the Coffer-Signature header value.
 */
typedef int (*webhooks_post_fn)(void *ctx, int *status, const char *url, const char *sig, const char *body,
    size_t body_len);

/*
 * Deliver what is due at now_ms (at most WEBHOOKS_BATCH).
 * Returns 0 or a store error. Out: delivered, retried, gave_up (may be NULL).
 */
int webhooks_deliver_due(struct store *s, webhooks_post_fn post, void *ctx, int64_t now_ms, size_t *delivered,
    size_t *retried, size_t *gave_up);

/*
 * The libcurl poster: POST with Content-Type application/json and the
 * signature header, OUTBOX_TIMEOUT_MS, http(s) only, no redirects. ctx unused.
 */
int webhooks_post_curl(void *ctx, int *status, const char *url, const char *sig, const char *body, size_t body_len);

/* Is this a known event type (exact name)? 1 or 0. */
int webhooks_event_known(const char *type);

#endif
