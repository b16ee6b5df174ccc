/*
 * cofferd's payments, in one piece: when the wallet unlocks, the daemon
 * opens a payments service over the open store and the signer's account
 * descriptors (d->store, d->accounts), its chain backend and its signer link;
 * the service builds the accounts for coffer_wallet, the chain adapter
 * (payments_chain.h), the engine (payments.h) and the background worker
 * (payments_worker.h: reconcile at once, then every interval, and webhook
 * delivery), and publishes the engine as d->payments for the routes. Before
 * the store closes (lock, session end), the daemon closes the service.
 *
 *   unlock:  daemon_open_store_with(...); payments_service_open(&ps, d, chain,
 *            payments_chain_sign_signer, wallet, webhooks_post_curl, 0);
 *   lock:    payments_service_close(&ps, d); daemon_close_store(...);
 */
#ifndef COFFER_DAEMON_PAYMENTS_SERVICE_H
#define COFFER_DAEMON_PAYMENTS_SERVICE_H

#include "daemon/payments.h"
#include "daemon/payments_chain.h"
#include "daemon/payments_worker.h"
#include "daemon/webhooks.h"

struct daemon;

struct payments_service {
	struct wacct accts[PAYMENTS_CHAIN_MAX_ACCTS];
	size_t n_accts;
	struct payments_chain pc;
	struct payments_backend be;
	struct payments pm;
	struct payments_worker worker;
	int open;
};

/*
 * Open the service and publish d->payments. The daemon's store and accounts
 * must be open (the state lock is taken here). interval_ms 0: the worker's default.
 * Returns 0, COFFER_ERR_WALLET_LOCKED (no store or accounts), account, chain
 * adapter, store or thread errors (nothing is left open then).
 */
int payments_service_open(struct payments_service *ps, struct daemon *d, struct chain *chain,
    payments_sign_fn sign, void *sign_ctx, webhooks_post_fn post, int64_t interval_ms);

/* Withdraw d->payments, stop the worker, release everything. Safe when not open. */
void payments_service_close(struct payments_service *ps, struct daemon *d);

#endif
