/*
 * The daemon's background thread: it ends unlock sessions on time (so the
 * store closes when the signer forgets its seed) and keeps the wallet's view
 * of the chain fresh (chain sync, once a backend is configured).
 *
 * It wakes once a second, and at once when kicked (a new address to watch,
 * POST /v1/wallet/sync). Nothing here blocks a request: handlers only kick.
 */
#ifndef COFFER_DAEMON_SYNCER_H
#define COFFER_DAEMON_SYNCER_H

#include <pthread.h>
#include <stdint.h>

struct daemon;
struct store_address;

struct syncer {
	struct daemon *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	int stop;			/* under mu */
	int kicked;			/* under mu: sync now */
	uint64_t kicks;			/* under mu: kicks so far (POST /v1/wallet/sync waits on it) */
};

/*
 * Start the thread. Returns 0 or COFFER_ERR_INTERNAL (no thread).
 * In: d (outlives the syncer; d->syncer is set here).
 */
int syncer_start(struct syncer *s, struct daemon *d);
/* Stop and join the thread; safe when not started. */
void syncer_stop(struct syncer *s);
/* Ask for a sync as soon as possible. */
void syncer_kick(struct syncer *s);
/* A new address: watch it (kicks a sync). */
void syncer_watch(struct syncer *s, const struct store_address *a);

#endif
