/*
 * The webhook outbox's retry schedule, as pure functions (docs/PAYMENTS.md).
 *
 * After a failed attempt n (1-based) the next one waits
 *     d = min(OUTBOX_MAX_DELAY_MS, OUTBOX_BASE_DELAY_MS * 2^(n-1))
 * with "equal jitter": d/2 plus a random part in [0, d/2], so receivers that
 * come back after an outage are not hit by every sender at once. A delivery
 * is given up after OUTBOX_MAX_ATTEMPTS attempts (15 waits: at most 23.4 h,
 * 17.5 h on average with the defaults) or at once on 410 Gone.
 */
#ifndef COFFER_WALLET_OUTBOX_H
#define COFFER_WALLET_OUTBOX_H

#include <stdint.h>

#define OUTBOX_BASE_DELAY_MS  ((uint64_t)5000)
#define OUTBOX_MAX_DELAY_MS   ((uint64_t)6 * 3600 * 1000)
#define OUTBOX_MAX_ATTEMPTS   16u
#define OUTBOX_TIMEOUT_MS     10000	/* one delivery attempt */

enum outbox_verdict {
	OUTBOX_DELIVERED = 0,	/* a 2xx answer */
	OUTBOX_RETRY,		/* try again after outbox_backoff_ms() */
	OUTBOX_GIVE_UP,		/* attempts exhausted, or 410 Gone */
};

/*
 * What to do after attempt number `attempts` (1-based) ended with an HTTP
 * status (0: no answer: connection refused, timeout, TLS failure).
 */
enum outbox_verdict outbox_after_attempt(uint32_t attempts, int http_status);

/*
 * Delay in milliseconds before the next attempt after `attempts` failed ones
 * (attempts >= 1; 0 is treated as 1). jitter: a uniformly random 32-bit value.
 */
uint64_t outbox_backoff_ms(uint32_t attempts, uint32_t jitter);

#endif
