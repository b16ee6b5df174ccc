/*
 * Tests without cofferd's syncer: bring a store's chain view (store_chain.c)
 * up to date from a chain backend, as the syncer does after a broadcast or on
 * its interval, for every account the payments engine was given (the syncer
 * follows account 0 only; tests fund others too). Payments read their coins
 * from this view (payments_chain.c), so a test syncs before it pays, and a
 * store opened afresh answers COFFER_ERR_PAY_NOT_SYNCED until it has.
 */
#ifndef COFFER_TESTS_PAYSYNC_UTIL_H
#define COFFER_TESTS_PAYSYNC_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "daemon/chain.h"
#include "daemon/store.h"
#include "wallet/account.h"

static int
paysync(struct chain *ch, struct store *st, const struct wacct *accts, size_t n_accts)
{
	struct chain_sync_result *res;
	struct store_chain_state cs;
	struct store_sync u;
	struct store_tx *txs = NULL;
	struct store_utxo *utxos = NULL;
	size_t a, i, nt = 0, nu = 0, ntx = 0, nut = 0;
	int r = 0;

	if ((res = calloc(n_accts, sizeof(*res))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = store_chain_state_get(st, &cs)) != 0)
		goto out;
	for (a = 0; a < n_accts && r == 0; a++) {
		struct chain_sync_req req;

		memset(&req, 0, sizeof(req));
		req.desc[CHAIN_RECEIVE] = req.desc[CHAIN_CHANGE] = accts[a].desc;
		req.path[CHAIN_RECEIVE] = 0;
		req.path[CHAIN_CHANGE] = 1;
		req.last_used[0] = a == 0 ? cs.last_used[0] : -1;
		req.last_used[1] = a == 0 ? cs.last_used[1] : -1;
		if ((r = chain_sync(ch, &res[a], &req)) == 0) {
			ntx += res[a].n_txs;
			nut += res[a].n_utxos;
		}
	}
	if (r != 0)
		goto out;
	txs = calloc(ntx + 1, sizeof(*txs));
	utxos = calloc(nut + 1, sizeof(*utxos));
	if (txs == NULL || utxos == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (a = 0; a < n_accts; a++) {
		for (i = 0; i < res[a].n_txs; i++) {
			const struct chain_wtx *w = &res[a].txs[i];
			struct store_tx *t = &txs[nt++];

			memcpy(t->txid, w->txid, 32);
			t->height = w->status.height;
			t->block_time = w->status.block_time;
			t->received_sat = w->received_sat;
			t->spent_sat = w->spent_sat;
			t->fee_sat = w->fee_sat;
			t->raw = w->raw;
			t->raw_len = w->raw_len;
		}
		for (i = 0; i < res[a].n_utxos; i++) {
			const struct chain_utxo *c = &res[a].utxos[i];
			struct store_utxo *o = &utxos[nu++];

			if (c->spk_len == 0 || c->spk_len > STORE_MAX_SCRIPT) {
				r = COFFER_ERR_CHAIN_PROTOCOL;
				goto out;
			}
			memcpy(o->txid, c->outpoint.txid, 32);
			o->vout = c->outpoint.vout;
			o->value = c->value;
			memcpy(o->script, c->spk, c->spk_len);
			o->script_len = c->spk_len;
			o->chain = c->desc;
			o->index = c->index;
			o->height = c->height;
			o->account = (uint32_t)a;
		}
	}
	memset(&u, 0, sizeof(u));
	u.network = accts[0].net;	/* a full sync: settled_height 0 */
	u.state.tip_height = res[n_accts - 1].tip.height;
	memcpy(u.state.tip_hash, res[n_accts - 1].tip.hash, 32);
	u.state.last_used[0] = res[0].last_used[0];
	u.state.last_used[1] = res[0].last_used[1];
	u.state.synced_at = (int64_t)time(NULL);
	u.txs = txs;
	u.n_txs = nt;
	u.utxos = utxos;
	u.n_utxos = nu;
	r = store_sync_apply(st, &u, (int64_t)time(NULL));
out:
	for (a = 0; a < n_accts; a++)
		chain_sync_result_free(&res[a]);
	free(res);
	free(txs);
	free(utxos);
	return r;
}

#endif
