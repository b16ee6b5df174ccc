/*
 * The store's webhook endpoints and their outbox (docs/PAYMENTS.md,
 * "Webhooks"). Every event appended to the log (store_payments.h) gets, in
 * the same transaction, one pending delivery per endpoint subscribed to its
 * type, so a restart loses no delivery. The delivery worker (webhooks.h)
 * takes due deliveries, posts them and records the outcome.
 */
#ifndef COFFER_DAEMON_STORE_WEBHOOKS_H
#define COFFER_DAEMON_STORE_WEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"
#include "wallet/webhook.h"

#define STORE_WEBHOOK_ID_LEN 19		/* "wh_" + 16 lowercase hex */
#define STORE_MAX_WEBHOOKS 16
#define STORE_MAX_WEBHOOK_URL 512
#define STORE_MAX_WEBHOOK_EVENTS 128	/* comma-separated event types */

enum store_delivery_state {
	STORE_DELIVERY_PENDING = 0,
	STORE_DELIVERY_DONE = 1,
	STORE_DELIVERY_GAVE_UP = 2,
};

struct store_webhook {
	char id[STORE_WEBHOOK_ID_LEN + 1];
	char url[STORE_MAX_WEBHOOK_URL + 1];
	char events[STORE_MAX_WEBHOOK_EVENTS + 1];	/* "payment.sent,payment.confirmed" */
	uint8_t secret[WEBHOOK_MAX_SECRET];
	size_t secret_len;
	int64_t created_at;
};

/* One due delivery: where, what, and how often it was tried. */
struct store_delivery {
	char webhook_id[STORE_WEBHOOK_ID_LEN + 1];
	char url[STORE_MAX_WEBHOOK_URL + 1];
	uint8_t secret[WEBHOOK_MAX_SECRET];
	size_t secret_len;
	int64_t event_seq;
	char *body;			/* malloc'd event JSON */
	uint32_t attempts;
};

/* Wipe and free what a delivery / webhook holds. */
void store_delivery_clear(struct store_delivery *d);
void store_webhook_clear(struct store_webhook *w);

/* Returns 0, COFFER_ERR_TOO_LARGE (STORE_MAX_WEBHOOKS reached), COFFER_ERR_INVALID_ARG, BAD_STRING or STORE. */
int store_webhook_insert(struct store *s, const struct store_webhook *w);
/* Returns 0, COFFER_ERR_NOT_FOUND or COFFER_ERR_STORE; its pending deliveries go with it. */
int store_webhook_delete(struct store *s, const char *id);
/* All endpoints, oldest first (secrets included: callers never show them). Out: out[max], *n. */
int store_webhook_list(struct store *s, struct store_webhook *out, size_t max, size_t *n);

/* Pending deliveries due at now_ms, oldest first, at most max. Out: out[max] (clear each), *n. */
int store_outbox_due(struct store *s, struct store_delivery *out, size_t max, size_t *n, int64_t now_ms);

/* Record an attempt: its new state, attempt count, next time (ms) and HTTP status (0: none). */
int store_outbox_result(struct store *s, const char *webhook_id, int64_t event_seq, int state, uint32_t attempts,
    int64_t next_at_ms, int last_status);

/* Count deliveries in a state (metrics, tests). */
int store_outbox_count(struct store *s, int state, size_t *n);

#endif
