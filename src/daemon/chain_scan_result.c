/*
 * The wallet scan's result (chain_int.h, chain_scan_finish): amounts and fees
 * of the transactions found, the UTXO set they leave, the spent outputs a
 * reorg could bring back, and, for an incremental sync, the older coins they
 * spend (looked up in the caller's cache of raw transactions).
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/chain_int.h"

#define MAP_MIN_CAP 256u

/* FNV-1a over the txid (a server could grind txids to collide in the low bits). */
static uint64_t
hash_txid(const uint8_t txid[32])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < 32; i++) {
		h ^= txid[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

/* Unconfirmed first, then by height descending, ties by txid (stable output). */
static int
wtx_cmp(const void *a, const void *b)
{
	const struct chain_wtx *x = a, *y = b;
	uint32_t hx = x->status.height ? x->status.height : UINT32_MAX;
	uint32_t hy = y->status.height ? y->status.height : UINT32_MAX;

	if (hx != hy)
		return hx > hy ? -1 : 1;
	return memcmp(x->txid, y->txid, 32);
}

/*
 * Incremental sync: the funding transactions (from the caller's cache) of
 * coins the reported transactions spend that are not reported themselves,
 * parsed once each. Open addressing by txid; a txid the cache does not know
 * is kept too (found 0), so it is asked for once.
 */
struct ctx_tx {
	uint8_t txid[32];
	int found;
	struct tx tx;
};

struct ctxset {
	struct ctx_tx *slot;
	uint8_t *used;
	size_t cap, n;
};

static void
ctxset_free(struct ctxset *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->used[i] && c->slot[i].found)
			tx_free(&c->slot[i].tx);
	free(c->slot);
	free(c->used);
	memset(c, 0, sizeof(*c));
}

static int
ctxset_grow(struct ctxset *c)
{
	struct ctxset n;
	size_t i, k;

	n.cap = c->cap ? c->cap * 2 : MAP_MIN_CAP;
	n.n = c->n;
	if ((n.slot = calloc(n.cap, sizeof(*n.slot))) == NULL || (n.used = calloc(n.cap, 1)) == NULL) {
		free(n.slot);
		return COFFER_ERR_NOMEM;
	}
	for (i = 0; i < c->cap; i++) {
		if (!c->used[i])
			continue;
		k = (size_t)hash_txid(c->slot[i].txid) & (n.cap - 1);
		while (n.used[k])
			k = (k + 1) & (n.cap - 1);
		n.slot[k] = c->slot[i];	/* moves the parsed tx */
		n.used[k] = 1;
	}
	free(c->slot);
	free(c->used);
	*c = n;
	return 0;
}

/* The funding transaction txid from the caller's cache (NULL when unknown). */
static int
ctxset_get(struct ctxset *c, const struct tx **out, const struct chain_scan *s, const uint8_t txid[32])
{
	uint8_t *raw = NULL;
	size_t len = 0, k;
	uint8_t id[32];
	struct ctx_tx *e;
	int r;

	*out = NULL;
	if (c->cap > 0) {
		k = (size_t)hash_txid(txid) & (c->cap - 1);
		while (c->used[k]) {
			if (memcmp(c->slot[k].txid, txid, 32) == 0) {
				*out = c->slot[k].found ? &c->slot[k].tx : NULL;
				return 0;
			}
			k = (k + 1) & (c->cap - 1);
		}
	}
	if ((c->n + 1) * 2 > c->cap && (r = ctxset_grow(c)) != 0)
		return r;
	k = (size_t)hash_txid(txid) & (c->cap - 1);
	while (c->used[k])
		k = (k + 1) & (c->cap - 1);
	e = &c->slot[k];
	memset(e, 0, sizeof(*e));
	memcpy(e->txid, txid, 32);
	c->used[k] = 1;
	c->n++;
	if (chain_scan_known_raw(s, &raw, &len, txid) != 0)
		return 0;
	tx_init(&e->tx);
	/* The cache is checked like a server: it must be the transaction asked for. */
	if (tx_parse(&e->tx, raw, len, 0) == 0 && tx_txid(id, &e->tx) == 0 && memcmp(id, txid, 32) == 0) {
		e->found = 1;
		*out = &e->tx;
	} else {
		tx_free(&e->tx);
	}
	free(raw);
	return 0;
}

/* Value of a wallet output: funded by a reported transaction, or (incremental) a known older one.
 * Returns 1 (wallet's, *value set; *outside 1 when the funding tx is not reported), 0, or an error < 0. */
static int
prevout_of(const struct chain_scan *s, struct ctxset *ctx, const struct tx *txs, const struct tx_outpoint *op,
    int64_t *value, int *outside)
{
	size_t pos = chain_scan_tx_pos(s, op->txid);
	const struct tx *ftx = NULL;
	const struct tx_out *out;
	uint32_t d, k;
	int r;

	*value = 0;
	*outside = 0;
	if (pos != SIZE_MAX) {
		ftx = &txs[pos];
	} else if (s->req->settled_height != 0) {
		if ((r = ctxset_get(ctx, &ftx, s, op->txid)) != 0)
			return r;
		*outside = 1;
	}
	if (ftx == NULL || op->vout >= ftx->n_out)
		return 0;
	out = &ftx->out[op->vout];
	if (!chain_scan_lookup(s, &d, &k, out->script_pubkey, out->script_pubkey_len))
		return 0;
	*value = out->value;
	return 1;
}

/* A set of outpoints (those wallet transactions spend) with their spender, open addressing. */
struct opslot {
	const struct tx_outpoint *op;
	size_t spender;
};

struct opset {
	struct opslot *slot;
	size_t cap;
};

static uint64_t
hash_outpoint(const struct tx_outpoint *op)
{
	return hash_txid(op->txid) ^ ((uint64_t)op->vout * 0x9e3779b97f4a7c15ULL);
}

static int
opset_build(struct opset *set, const struct tx *txs, size_t n)
{
	size_t total = 0, i, j, k;

	set->slot = NULL;
	set->cap = MAP_MIN_CAP;
	for (i = 0; i < n; i++)
		total += txs[i].n_in;	/* <= n * TX_MAX_INPUTS: no overflow */
	while (set->cap < total * 2)
		set->cap *= 2;
	if ((set->slot = calloc(set->cap, sizeof(*set->slot))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++)
		for (j = 0; j < txs[i].n_in; j++) {
			k = (size_t)hash_outpoint(&txs[i].in[j].prevout) & (set->cap - 1);
			while (set->slot[k].op != NULL)
				k = (k + 1) & (set->cap - 1);
			set->slot[k].op = &txs[i].in[j].prevout;
			set->slot[k].spender = i;
		}
	return 0;
}

/* The position of the transaction spending (txid, vout), or SIZE_MAX. */
static size_t
opset_spender(const struct opset *set, const uint8_t txid[32], uint32_t vout)
{
	struct tx_outpoint op;
	size_t k;

	memcpy(op.txid, txid, 32);
	op.vout = vout;
	k = (size_t)hash_outpoint(&op) & (set->cap - 1);
	while (set->slot[k].op != NULL) {
		if (set->slot[k].op->vout == vout && memcmp(set->slot[k].op->txid, txid, 32) == 0)
			return set->slot[k].spender;
		k = (k + 1) & (set->cap - 1);
	}
	return SIZE_MAX;
}

/* A growable array of chain_spend. */
struct spendlist {
	struct chain_spend *v;
	size_t n, cap;
};

static int
spend_add(struct spendlist *l, const struct tx_outpoint *op, uint32_t height)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct chain_spend *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return COFFER_ERR_NOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].outpoint = *op;
	l->v[l->n].height = height ? height : CHAIN_SPENT_MEMPOOL;
	l->n++;
	return 0;
}

static int
fill_amounts(const struct chain_scan *s, struct ctxset *ctx, struct spendlist *spends, const struct tx *txs)
{
	size_t i, j;
	int r;

	for (i = 0; i < s->n_txs; i++) {
		struct chain_wtx *w = &s->txs[i];
		int64_t outsum = 0, v;
		int all_ours = txs[i].n_in > 0, outside;
		uint32_t d, k;

		w->received_sat = 0;
		w->spent_sat = 0;
		/* Sums stay below 2^63: outputs are bounded by tx_check, and a
		 * wallet's inputs spend distinct outputs of checked transactions
		 * (at most CHAIN_MAX_WALLET_TXS * TX_MAX_MONEY < 2^63). */
		for (j = 0; j < txs[i].n_out; j++) {
			outsum += txs[i].out[j].value;
			if (chain_scan_lookup(s, &d, &k, txs[i].out[j].script_pubkey, txs[i].out[j].script_pubkey_len))
				w->received_sat += txs[i].out[j].value;
		}
		for (j = 0; j < txs[i].n_in; j++) {
			if ((r = prevout_of(s, ctx, txs, &txs[i].in[j].prevout, &v, &outside)) < 0)
				return r;
			if (r == 1) {
				w->spent_sat += v;
				if (outside && (r = spend_add(spends, &txs[i].in[j].prevout, w->status.height)) != 0)
					return r;
			} else {
				all_ours = 0;
			}
		}
		w->fee_sat = all_ours && w->spent_sat >= outsum ? w->spent_sat - outsum : -1;
	}
	return 0;
}

/* A growable array of chain_utxo. */
struct outlist {
	struct chain_utxo *v;
	size_t n, cap;
};

static void
outlist_free(struct outlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].spk);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
out_add(struct outlist *l, const struct chain_wtx *w, const struct tx_out *o, uint32_t vout, uint32_t d, uint32_t k,
    uint32_t spent_height)
{
	struct chain_utxo *u;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct chain_utxo *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return COFFER_ERR_NOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	u = &l->v[l->n];
	memset(u, 0, sizeof(*u));
	if ((u->spk = malloc(o->script_pubkey_len ? o->script_pubkey_len : 1)) == NULL)
		return COFFER_ERR_NOMEM;
	l->n++;
	memcpy(u->spk, o->script_pubkey, o->script_pubkey_len);
	u->spk_len = o->script_pubkey_len;
	memcpy(u->outpoint.txid, w->txid, 32);
	u->outpoint.vout = vout;
	u->value = o->value;
	u->desc = d;
	u->index = k;
	u->height = w->status.height;
	u->spent_height = spent_height;
	return 0;
}

int
chain_scan_finish(struct chain_scan *s, struct chain_sync_result *out, const struct chain_tip *tip)
{
	struct tx *txs = NULL;
	struct opset set = { NULL, 0 };
	struct ctxset ctx;
	struct spendlist spends = { NULL, 0, 0 };
	struct outlist unspent = { NULL, 0, 0 }, spent = { NULL, 0, 0 };
	size_t n = s->n_txs, i, j;
	uint32_t complete = s->complete_height < tip->height ? s->complete_height : tip->height;
	int r = 0;

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	if (n > 0 && (txs = calloc(n, sizeof(*txs))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (tx_parse(&txs[i], s->txs[i].raw, s->txs[i].raw_len, 0) != 0) {
			r = COFFER_ERR_INTERNAL;	/* parsed once in add_tx */
			goto out;
		}
	if ((r = fill_amounts(s, &ctx, &spends, txs)) != 0 || (r = opset_build(&set, txs, n)) != 0)
		goto out;
	/* UTXOs: wallet outputs that no wallet transaction spends; the spent
	 * ones too while their spender can still be reorganised away. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < txs[i].n_out; j++) {
			const struct tx_out *o = &txs[i].out[j];
			uint32_t d, k, sh;
			size_t who;

			if (!chain_scan_lookup(s, &d, &k, o->script_pubkey, o->script_pubkey_len))
				continue;
			if ((who = opset_spender(&set, s->txs[i].txid, (uint32_t)j)) == SIZE_MAX) {
				r = out_add(&unspent, &s->txs[i], o, (uint32_t)j, d, k, 0);
			} else {
				sh = s->txs[who].status.height;
				if (sh != 0 && (uint64_t)sh + CHAIN_REORG_MARGIN <= complete)
					continue;	/* spent for good */
				r = out_add(&spent, &s->txs[i], o, (uint32_t)j, d, k, sh ? sh : CHAIN_SPENT_MEMPOOL);
			}
			if (r != 0)
				goto out;
		}
	}
	if (n > 1)
		qsort(s->txs, n, sizeof(*s->txs), wtx_cmp);
	out->tip = *tip;
	out->complete_height = complete;
	out->settled_height = s->req->settled_height;
	out->settled_new = s->settled_new;
	out->txs = s->txs;
	out->n_txs = n;
	out->utxos = unspent.v;
	out->n_utxos = unspent.n;
	out->spent = spent.v;
	out->n_spent = spent.n;
	out->spends = spends.v;
	out->n_spends = spends.n;
	out->last_used[0] = s->used[0];
	out->last_used[1] = s->used[1];
	memset(&unspent, 0, sizeof(unspent));
	memset(&spent, 0, sizeof(spent));
	memset(&spends, 0, sizeof(spends));
	s->txs = NULL;
	s->n_txs = s->cap_txs = 0;
	free(s->txmap);
	s->txmap = NULL;
	s->txmap_cap = 0;
out:
	outlist_free(&unspent);
	outlist_free(&spent);
	free(spends.v);
	free(set.slot);
	ctxset_free(&ctx);
	if (txs != NULL)
		for (i = 0; i < n; i++)
			tx_free(&txs[i]);
	free(txs);
	return r;
}
