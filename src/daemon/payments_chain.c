/* cofferd's payments backend over a chain backend, the signer and the store (payments_chain.h). */
#include "daemon/payments_chain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/descriptor.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/wallet.h"
#include "signer/client.h"

#define META_NEXT_CHANGE "payments.next_change"

static void
pc_lock(struct payments_chain *pc)
{
	if (pthread_mutex_lock(&pc->mu) != 0)
		abort();
}

static void
pc_unlock(struct payments_chain *pc)
{
	if (pthread_mutex_unlock(&pc->mu) != 0)
		abort();
}

/* One account's coins from a sync: confirmed ones, and our own unconfirmed change. */
static int
sync_account(struct payments_chain *pc, struct pay_utxo **v, size_t *n, size_t *cap, size_t a)
{
	struct chain_sync_req req;
	struct chain_sync_result res;
	struct pay_utxo *nv;
	size_t i;
	int r;

	memset(&req, 0, sizeof(req));
	req.desc[CHAIN_RECEIVE] = pc->split[a][0];
	req.desc[CHAIN_CHANGE] = pc->split[a][1];
	pc_lock(pc);
	req.last_used[0] = pc->last_used[a][0];
	req.last_used[1] = pc->last_used[a][1];
	pc_unlock(pc);
	if ((r = chain_sync(pc->chain, &res, &req)) != 0)
		return r;
	pc_lock(pc);
	pc->last_used[a][0] = res.last_used[0];
	pc->last_used[a][1] = res.last_used[1];
	pc_unlock(pc);
	for (i = 0; i < res.n_utxos; i++) {
		const struct chain_utxo *c = &res.utxos[i];

		if ((c->height == 0 && c->desc != CHAIN_CHANGE) || c->spk_len > ADDR_MAX_SPK || c->value <= 0)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			if ((nv = realloc(*v, *cap * sizeof(**v))) == NULL) {
				chain_sync_result_free(&res);
				return COFFER_ERR_NOMEM;
			}
			*v = nv;
		}
		memset(&(*v)[*n], 0, sizeof((*v)[*n]));
		memcpy((*v)[*n].txid, c->outpoint.txid, 32);
		(*v)[*n].vout = c->outpoint.vout;
		(*v)[*n].value = c->value;
		memcpy((*v)[*n].spk, c->spk, c->spk_len);
		(*v)[*n].spk_len = c->spk_len;
		(*v)[*n].account = a;
		(*v)[*n].change = c->desc;
		(*v)[*n].index = c->index;
		(*v)[*n].unconfirmed = c->height == 0;
		(*n)++;
	}
	chain_sync_result_free(&res);
	return 0;
}

static int
pc_utxos(void *ctx, struct pay_utxo **out, size_t *n)
{
	struct payments_chain *pc = ctx;
	size_t a, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	for (a = 0; a < pc->n_accts; a++)
		if ((r = sync_account(pc, out, n, &cap, a)) != 0) {
			free(*out);
			*out = NULL;
			*n = 0;
			return r;
		}
	return 0;
}

static int
pc_sign(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct payments_chain *pc = ctx;

	return pc->sign(pc->sign_ctx, out, psbt, len, passphrase);
}

static int
pc_broadcast(void *ctx, int *rejected, char *reason, size_t reasonsize, const uint8_t *raw, size_t len)
{
	struct payments_chain *pc = ctx;
	uint8_t txid[32];
	int r;

	*rejected = 0;
	r = chain_broadcast(pc->chain, txid, reason, reasonsize, raw, len);
	if (r == COFFER_ERR_CHAIN_REJECTED || r == COFFER_ERR_CHAIN_CONFLICT || r == COFFER_ERR_BAD_TX)
		*rejected = 1;
	return r;
}

static int
pc_tx_status(void *ctx, uint32_t *height, const uint8_t txid[32])
{
	struct payments_chain *pc = ctx;
	struct chain_tx t;
	int r;

	*height = 0;
	if ((r = chain_get_tx(pc->chain, &t, txid)) != 0)
		return r;
	*height = t.status.height;
	chain_tx_free(&t);
	return 0;
}

static int
pc_tip(void *ctx, uint32_t *height, int *current)
{
	struct payments_chain *pc = ctx;
	struct chain_tip t;
	int r;

	*height = 0;
	*current = 0;
	if ((r = chain_tip(pc->chain, &t)) != 0)
		return r;
	*height = t.height;
	*current = 1;
	return 0;
}

static int
pc_fee_estimate(void *ctx, uint64_t *sat_kvb, uint32_t conf_target)
{
	struct payments_chain *pc = ctx;

	return chain_fee_estimate(pc->chain, sat_kvb, conf_target);
}

static int
pc_next_change(void *ctx, size_t *account, uint32_t *index)
{
	struct payments_chain *pc = ctx;
	char v[32];
	unsigned long long cur = 0;
	int r;

	*account = 0;
	*index = 0;
	pc_lock(pc);
	r = store_meta_get(pc->store, v, sizeof(v), META_NEXT_CHANGE);
	if (r == 0)
		cur = strtoull(v, NULL, 10);
	else if (r != COFFER_ERR_NOT_FOUND)
		goto out;
	/* Never below what the chain shows used. */
	if (pc->last_used[0][1] >= 0 && cur <= (unsigned long long)pc->last_used[0][1])
		cur = (unsigned long long)pc->last_used[0][1] + 1;
	/*
	 * Never beyond the gap limit either: indices handed to payments that then
	 * failed stay unused, and a change output past last used + gap limit would
	 * be invisible to the next sync. Wrap back to the first unused index
	 * (reusing an address nobody has seen).
	 */
	if (cur > (unsigned long long)(pc->last_used[0][1] + 1) + PAYMENTS_CHAIN_CHANGE_WINDOW)
		cur = (unsigned long long)(pc->last_used[0][1] + 1);
	if (cur >= 0x80000000ull) {
		r = COFFER_ERR_DESC_RANGE;
		goto out;
	}
	snprintf(v, sizeof(v), "%llu", cur + 1);
	if ((r = store_meta_set(pc->store, META_NEXT_CHANGE, v)) != 0)
		goto out;
	*index = (uint32_t)cur;
out:
	pc_unlock(pc);
	return r;
}

/* One path alternative of a multipath descriptor, as its own descriptor. */
static int
split_one(struct descriptor **out, const struct wacct *a, size_t path)
{
	struct cbuf s;
	int r;

	cbuf_init(&s, DESC_MAX_LEN + 1);
	if ((r = desc_to_string(&s, a->desc, path, DESC_STR_PUBLIC)) == 0)
		r = desc_parse(out, (const char *)s.p, s.len, a->net);
	cbuf_free(&s);
	return r;
}

int
payments_chain_init(struct payments_chain *pc, struct payments_backend *be, struct chain *chain,
    struct store *store, const struct wacct *accts, size_t n_accts, payments_sign_fn sign, void *sign_ctx)
{
	size_t a;
	int r;

	memset(pc, 0, sizeof(*pc));
	memset(be, 0, sizeof(*be));
	if (chain == NULL || store == NULL || sign == NULL || n_accts == 0 || n_accts > PAYMENTS_CHAIN_MAX_ACCTS)
		return COFFER_ERR_INVALID_ARG;
	if (pthread_mutex_init(&pc->mu, NULL) != 0)
		return COFFER_ERR_INTERNAL;
	pc->chain = chain;
	pc->store = store;
	pc->accts = accts;
	pc->n_accts = n_accts;
	pc->sign = sign;
	pc->sign_ctx = sign_ctx;
	for (a = 0; a < n_accts; a++) {
		pc->last_used[a][0] = pc->last_used[a][1] = -1;
		if ((r = split_one(&pc->split[a][0], &accts[a], 0)) != 0 ||
		    (r = split_one(&pc->split[a][1], &accts[a], 1)) != 0) {
			payments_chain_free(pc);
			return r;
		}
	}
	be->utxos = pc_utxos;
	be->sign = pc_sign;
	be->broadcast = pc_broadcast;
	be->tx_status = pc_tx_status;
	be->tip = pc_tip;
	be->fee_estimate = pc_fee_estimate;
	be->next_change = pc_next_change;
	be->ctx = pc;
	return 0;
}

void
payments_chain_free(struct payments_chain *pc)
{
	size_t a;

	if (pc == NULL || pc->chain == NULL)
		return;
	for (a = 0; a < PAYMENTS_CHAIN_MAX_ACCTS; a++) {
		desc_free(pc->split[a][0]);
		desc_free(pc->split[a][1]);
	}
	pthread_mutex_destroy(&pc->mu);
	memset(pc, 0, sizeof(*pc));
}

int
payments_chain_sign_signer(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct wallet *w = ctx;
	struct client_sign_result res;
	struct proto_secret pass;
	int r;

	if (w == NULL || !w->connected)
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	pass = passphrase != NULL ? client_secret_plain((const uint8_t *)passphrase, strlen(passphrase)) :
	    client_secret_none();
	/*
	 * The caller holds the store's read lock; a lock or session end holds
	 * w->mu while it waits for that lock to close the payments service: then
	 * give up instead of waiting for w->mu (a deadlock otherwise).
	 */
	for (;;) {
		struct timespec ts;

		if (w->d != NULL && __atomic_load_n(&w->d->payments_closing, __ATOMIC_ACQUIRE))
			return COFFER_ERR_WALLET_LOCKED;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if ((r = pthread_mutex_timedlock(&w->mu, &ts)) == 0)
			break;
		if (r != ETIMEDOUT)
			abort();
	}
	if (!w->connected) {
		pthread_mutex_unlock(&w->mu);
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	}
	r = client_sign_psbt(&w->client, out, &res, &pass, psbt, len);
	if (pthread_mutex_unlock(&w->mu) != 0)
		abort();
	return r;
}
