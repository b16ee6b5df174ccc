/*
 * The payments background worker: one thread that, every interval, runs
 * payments_reconcile (finish interrupted payments, follow confirmations,
 * re-send what the backend lost) and delivers due webhooks from the outbox.
 * cofferd starts it when the wallet unlocks (after payments_init) and stops it
 * before the store closes. The first reconcile runs at once, so payments a
 * crash interrupted are settled before the first request is served a minute
 * later.
 */
#ifndef COFFER_DAEMON_PAYMENTS_WORKER_H
#define COFFER_DAEMON_PAYMENTS_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "daemon/payments.h"
#include "daemon/webhooks.h"

#define PAYMENTS_WORKER_INTERVAL_MS 5000

struct payments_worker {
	struct payments *pm;
	webhooks_post_fn post;		/* webhooks_post_curl in cofferd */
	void *post_ctx;
	int64_t interval_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop, kicked;
	uint64_t rounds;		/* completed rounds (tests wait on it) */
	int last_error;			/* last failing step's code, 0 when none */
};

/*
 * Start the thread. interval_ms 0: PAYMENTS_WORKER_INTERVAL_MS.
 * Returns 0 or COFFER_ERR_INTERNAL (thread creation failed).
 */
int payments_worker_start(struct payments_worker *w, struct payments *pm, webhooks_post_fn post, void *post_ctx,
    int64_t interval_ms);

/* Wake the thread for a round now (after a payment, or a new block). */
void payments_worker_kick(struct payments_worker *w);

/* Wait until at least `rounds` rounds are done (tests). */
void payments_worker_wait_rounds(struct payments_worker *w, uint64_t rounds);

/* Stop and join; safe when not started. */
void payments_worker_stop(struct payments_worker *w);

#endif
