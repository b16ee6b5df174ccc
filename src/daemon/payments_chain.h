/*
 * cofferd's payments backend (struct payments_backend) over a chain backend
 * (chain.h), the signer and the store:
 *   utxos        the store's view of the chain (store_utxo_list, kept by the
 *                syncer; cached here until the next sync writes a new one):
 *                confirmed coins and our own unconfirmed change, plus the
 *                change of our broadcast payments the view has not caught up
 *                with; COFFER_ERR_PAY_NOT_SYNCED until a sync has been written
 *                since the store opened (store_chain_generation 0);
 *   sign         the signer link (payments_chain_sign_signer), or any function
 *                with the same contract (tests sign with a seed);
 *   broadcast    chain_broadcast; CHAIN_REJECTED / CHAIN_CONFLICT / BAD_TX are
 *                definitive refusals, anything else is transient; success
 *                calls kick (cofferd: a sync, so the view catches up);
 *   tx_status    chain_get_tx;
 *   tip          chain_tip (counted as current: the backends report no block time);
 *   fee_estimate chain_fee_estimate (no estimate, as on a fresh regtest:
 *                COFFER_ERR_CHAIN_NO_ESTIMATE, so the client must give a rate);
 *   next_change  the first account's change branch, the next index kept in the
 *                store's meta table (so a restart never hands out a used one),
 *                never more than PAYMENTS_CHAIN_CHANGE_WINDOW past the last
 *                used one the view shows (a sync with the default gap limit
 *                always finds it);
 *   unused_change the index goes back when it was the last one handed out and
 *                no transaction uses it (a refused request, a changeless
 *                payment), so a refusal changes nothing in the store.
 */
#ifndef COFFER_DAEMON_PAYMENTS_CHAIN_H
#define COFFER_DAEMON_PAYMENTS_CHAIN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/chain.h"
#include "daemon/payments.h"

#define PAYMENTS_CHAIN_MAX_ACCTS 8
/* Change indices handed out past the last used one, at most (below the sync's gap limit). */
#define PAYMENTS_CHAIN_CHANGE_WINDOW 15

struct wallet;

typedef int (*payments_sign_fn)(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len,
    const char *passphrase);

struct payments_chain {
	struct chain *chain;
	struct store *store;
	const struct wacct *accts;
	size_t n_accts;
	payments_sign_fn sign;
	void *sign_ctx;
	void (*kick)(void *ctx);	/* after a broadcast (NULL: nothing); set after init */
	void *kick_ctx;
	pthread_mutex_t mu;
	struct pay_utxo *view;		/* under mu: the store's coins at view_gen */
	size_t n_view;
	uint64_t view_gen;		/* 0: not loaded */
};

/*
 * Set up the adapter and fill be (be->ctx = pc). The objects are borrowed.
 * Returns 0, COFFER_ERR_INVALID_ARG (no accounts, too many), descriptor errors.
 */
int payments_chain_init(struct payments_chain *pc, struct payments_backend *be, struct chain *chain,
    struct store *store, const struct wacct *accts, size_t n_accts, payments_sign_fn sign, void *sign_ctx);
void payments_chain_free(struct payments_chain *pc);

/* A payments_sign_fn over the signer link (ctx: struct wallet *, from wallet.h). */
int payments_chain_sign_signer(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len,
    const char *passphrase);

#endif
