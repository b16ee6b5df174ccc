/*
 * The daemon's background thread: it ends unlock sessions on time (so the
 * store closes when the signer forgets its seed) and keeps the wallet's view
 * of the chain fresh.
 *
 * Chain sync: every sync-interval seconds, and at once when kicked (a new
 * address, POST /v1/wallet/sync), it asks the backend (chain.h) for the
 * wallet's whole history and UTXO set from the public descriptors of the
 * wallet's address type, receive and change, and writes the result to the
 * store in one transaction (store_sync_apply), so what a sync saw survives
 * restarts and kill -9. While the wallet is locked it only follows the tip.
 * A backend that fails is retried with backoff (1, 2, 4, ... 300 s); cofferd
 * keeps serving from the store meanwhile and /v1/info says what failed.
 *
 * The network call holds no lock: the store is taken briefly to read what to
 * sync and to write the result (a lock in between discards it).
 */
#ifndef COFFER_DAEMON_SYNCER_H
#define COFFER_DAEMON_SYNCER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct chain;
struct daemon;
struct store_address;

#define SYNCER_MAX_BACKOFF_S 300

/* What /v1/info, the balance and POST /v1/wallet/sync report. */
struct syncer_view {
	const char *backend;		/* "esplora", "bitcoind", "none" */
	int connected;			/* the last call to the backend succeeded */
	uint32_t tip_height;		/* 0: not known yet */
	int64_t last_sync;		/* unix seconds of the last wallet sync, 0 none */
	int64_t retry_in_ms;		/* after a failure: until the next attempt */
	unsigned int failures;		/* in a row */
	int last_code;			/* COFFER_ERR_* of the last failure, 0 after a success */
	char last_error[160];		/* "" after a success */
	/* The unlocked wallet's balance (loaded is 0 until computed, and again after lock). */
	int loaded;
	int64_t confirmed_sat;
	int64_t unconfirmed_sat;
	size_t n_utxos;
	uint64_t syncs_started;		/* wallet syncs begun */
	uint64_t syncs_finished;	/* ... and ended, well or not */
};

struct syncer {
	struct daemon *d;
	struct chain *chain;		/* NULL: no backend (regtest without one) */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* wakes the thread (kick, stop) */
	pthread_cond_t done;		/* a wallet sync ended */
	int started;
	int stop;			/* under mu */
	int kicked;			/* under mu: sync now */
	int64_t next_due_ms;		/* under mu: monotonic time of the next sync */
	struct syncer_view view;	/* under mu */
};

/*
 * Start the thread. chain may be NULL (then only sessions are watched); the
 * syncer owns it and frees it at stop. Returns 0 or COFFER_ERR_INTERNAL.
 * In: d (outlives the syncer; d->syncer is set here).
 */
int syncer_start(struct syncer *s, struct daemon *d, struct chain *chain);
/* Stop and join the thread, free the backend; safe when not started. */
void syncer_stop(struct syncer *s);
/* Ask for a sync as soon as possible. Returns the number of the wallet sync that will answer it. */
uint64_t syncer_kick(struct syncer *s);
/* A new address: watch it (kicks a sync). */
void syncer_watch(struct syncer *s, const struct store_address *a);
/*
 * Wait until wallet sync `which` (from syncer_kick) has ended, at most
 * timeout_ms. Returns 0 (ended), 1 (still running after timeout_ms) or
 * COFFER_ERR_UNSUPPORTED (no backend). Out: out (the view either way).
 */
int syncer_wait(struct syncer *s, struct syncer_view *out, uint64_t which, int64_t timeout_ms);
/* A copy of the view (NULL syncer: backend "none", nothing known). */
void syncer_get_view(struct syncer *s, struct syncer_view *out);
/* The store is closing: forget the balance (daemon_close_store calls this). */
void syncer_wallet_closed(struct syncer *s);
/* The balance of the open store into the view, when not loaded yet (store read lock held by the caller). */
int syncer_load_balance(struct syncer *s, struct syncer_view *out);

#endif
