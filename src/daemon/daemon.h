/*
 * The daemon's shared state: configuration, authentication, metrics, the
 * store (open only while the wallet is unlocked) and the wallet state.
 * Handlers get it as their first argument.
 *
 * The store pointer changes only under the write side of state_lock (unlock
 * opens it, lock closes it); a handler that uses it holds the read side for
 * the duration (daemon_store_acquire / daemon_store_release).
 */
#ifndef COFFER_DAEMON_DAEMON_H
#define COFFER_DAEMON_DAEMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/auth.h"
#include "daemon/config.h"
#include "daemon/metrics.h"
#include "daemon/store.h"
#include "signer/proto.h"

enum wallet_state {
	WALLET_NO_SIGNER = 0,		/* no signer connected */
	WALLET_UNINITIALIZED = 1,	/* signer has no keystore yet */
	WALLET_LOCKED = 2,
	WALLET_UNLOCKED = 3,
};

struct wallet;
struct accounts;
struct syncer;
struct store_address;
struct payments;
struct payments_service;
struct chain;

struct daemon {
	const struct daemon_config *cfg;
	struct wallet *wallet;		/* the signer link (wallet.h); NULL in tests without one */
	struct syncer *syncer;		/* background work: chain sync, session ends (syncer.h); may be NULL */
	struct auth_ctx auth;
	struct metrics metrics;
	pthread_rwlock_t state_lock;
	struct store *store;		/* NULL while locked */
	struct accounts *accounts;	/* public descriptors; NULL while locked (with store) */
	struct payments *payments;	/* payment engine (payments.h) over store; NULL when unavailable */
	struct payments_service *paysvc;	/* opened with the store when set, with chain (cofferd; NULL in tests) */
	struct chain *chain;		/* the backend payments use (owned by the syncer); NULL: no payments */
	int payments_closing;		/* atomic: the service is closing, a waiting signature gives up */
	enum wallet_state state;		/* the wallet as the signer reports it */
	char tee[PROTO_MAX_NAME + 1];	/* TEE backend the signer reports ("none" without one) */
	int64_t started_ms;
};

/* Name of a wallet state as /v1/info reports it ("locked"). */
const char *daemon_wallet_state_name(enum wallet_state s);

/*
 * Set up (no store, wallet WALLET_NO_SIGNER). cfg must outlive d.
 * Returns 0 or COFFER_ERR_INVALID_ARG (malformed admin token).
 */
int daemon_init(struct daemon *d, const struct daemon_config *cfg, const char *admin_token);
/* Closes the store if open. */
void daemon_free(struct daemon *d);

/*
 * Open <datadir>/coffer.db with the storage key, bind it to the network,
 * load the token table: the wallet is then unlocked.
 * Returns 0 or a store_open / store_check_network / auth error (err says why).
 */
int daemon_open_store(struct daemon *d, char *err, size_t errsize, const uint8_t key[STORE_KEY_LEN]);
/*
 * daemon_open_store, publishing the wallet's public descriptors with the
 * store (d takes ownership of a in every case; NULL: none). The store's
 * meta "address_type" wins over a->address_type; when absent it is set
 * from it (a new wallet).
 */
int daemon_open_store_with(struct daemon *d, char *err, size_t errsize, const uint8_t key[STORE_KEY_LEN],
    struct accounts *a);
/*
 * Open the payments service when the store is already open, as the wallet
 * opened it before d->wallet and d->chain were set (a signer unlocked at
 * start: --signer-seal, or a standalone signer's session). Call once at
 * start-up, before the background threads.
 */
void daemon_open_payments_at_start(struct daemon *d);
/* Forget scoped tokens, close the store; the wallet state becomes `next`. */
void daemon_close_store(struct daemon *d, enum wallet_state next);

/* Set the wallet state (signer reports). */
void daemon_set_wallet_state(struct daemon *d, enum wallet_state s);
enum wallet_state daemon_wallet_state(struct daemon *d);

/*
 * The store with the read lock held, or NULL (nothing held) while locked.
 * While held, d->accounts is stable too (NULL only between daemon_open_store
 * and daemon_set_accounts).
 */
struct store *daemon_store_acquire(struct daemon *d);
void daemon_store_release(struct daemon *d);

/* A new address was handed out: the chain sync watches it from now on (no-op without a syncer). */
void daemon_watch_address(struct daemon *d, const struct store_address *a);

/*
 * Close the payments service (d->paysvc) if open: d->payments withdrawn, its
 * worker stopped. daemon_close_store does it first; cofferd also before the
 * chain backend goes away at shutdown. No-op without a service.
 */
void daemon_close_payments(struct daemon *d);
/* Publish (or withdraw, NULL) the payment engine for the routes (payments_service.h); takes the write lock. */
void daemon_set_payments(struct daemon *d, struct payments *pm);

/* Wall clock in milliseconds. */
int64_t daemon_now_ms(void);
/* Monotonic clock in milliseconds (intervals, session ends). */
int64_t daemon_mono_ms(void);

#endif
