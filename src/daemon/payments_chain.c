/* cofferd's payments backend over a chain backend, the signer and the store (payments_chain.h). */
#include "daemon/payments_chain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/tx.h"
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

#define PENDING_PAGE 64

static int
cmp_coin(const void *a, const void *b)
{
	const struct pay_utxo *x = a, *y = b;
	int c = memcmp(x->txid, y->txid, 32);

	if (c != 0)
		return c;
	return x->vout < y->vout ? -1 : x->vout > y->vout;
}

static int
grow(struct pay_utxo **v, size_t *cap, size_t need)
{
	struct pay_utxo *nv;
	size_t c = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((nv = realloc(*v, c * sizeof(**v))) == NULL)
		return COFFER_ERR_NOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

struct view_acc {
	struct payments_chain *pc;
	struct pay_utxo *v;
	size_t n, cap;
};

/*
 * One coin of the store's UTXO set: confirmed coins and our own unconfirmed
 * change; someone else's unconfirmed payment to us is not spent before it
 * confirms.
 */
static int
view_add(void *arg, const struct store_utxo *o)
{
	struct view_acc *a = arg;
	struct pay_utxo *c;
	int r;

	if ((o->height == 0 && o->chain != 1) || o->script_len > ADDR_MAX_SPK || o->value <= 0 ||
	    o->account >= a->pc->n_accts)
		return 0;
	if ((r = grow(&a->v, &a->cap, a->n + 1)) != 0)
		return r;
	c = &a->v[a->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->txid, o->txid, 32);
	c->vout = o->vout;
	c->value = o->value;
	memcpy(c->spk, o->script, o->script_len);
	c->spk_len = o->script_len;
	c->account = o->account;
	c->change = o->chain;
	c->index = o->index;
	c->unconfirmed = o->height == 0;
	return 0;
}

/* The store's UTXO set as coins, in (txid, vout) order (pc->mu held). */
static int
view_load(struct payments_chain *pc, uint64_t gen)
{
	struct view_acc a;
	int r;

	memset(&a, 0, sizeof(a));
	a.pc = pc;
	if ((r = store_utxo_foreach(pc->store, view_add, &a)) != 0) {
		free(a.v);
		return r;
	}
	free(pc->view);
	pc->view = a.v;
	pc->n_view = a.n;
	pc->view_gen = gen;
	return 0;
}

/* The change output of one broadcast payment, unless the view has it already. */
static int
add_change_of(struct payments_chain *pc, struct pay_utxo **v, size_t *n, size_t *cap, size_t n_view,
    const struct store_payment *p)
{
	struct pay_utxo key, *c;
	struct tx tx;
	const struct tx_out *o;
	int r;

	if (p->change_pos < 0 || p->raw_tx == NULL || !p->has_txid || p->change_account >= pc->n_accts)
		return 0;
	memset(&key, 0, sizeof(key));
	memcpy(key.txid, p->txid, 32);
	key.vout = (uint32_t)p->change_pos;
	if (n_view > 0 && bsearch(&key, *v, n_view, sizeof(**v), cmp_coin) != NULL)
		return 0;
	tx_init(&tx);
	if (tx_parse(&tx, p->raw_tx, p->raw_tx_len, 0) != 0 || (size_t)p->change_pos >= tx.n_out) {
		tx_free(&tx);
		return 0;	/* not ours to judge here: reconcile follows it */
	}
	o = &tx.out[p->change_pos];
	if (o->script_pubkey_len > ADDR_MAX_SPK || o->value <= 0 || (r = grow(v, cap, *n + 1)) != 0) {
		tx_free(&tx);
		return o->script_pubkey_len > ADDR_MAX_SPK || o->value <= 0 ? 0 : COFFER_ERR_NOMEM;
	}
	c = &(*v)[(*n)++];
	*c = key;
	c->value = o->value;
	memcpy(c->spk, o->script_pubkey, o->script_pubkey_len);
	c->spk_len = o->script_pubkey_len;
	c->account = p->change_account;
	c->change = 1;
	c->index = p->change_index;
	c->unconfirmed = 1;
	tx_free(&tx);
	return 0;
}

/*
 * Change of our own broadcast payments that the view has not caught up
 * with yet (the sync a broadcast kicks may not have run): spendable at once,
 * as a backend sync would have shown it in the mempool.
 */
static int
add_pending_change(struct payments_chain *pc, struct pay_utxo **v, size_t *n, size_t *cap)
{
	struct store_payment *page;
	size_t k = 0, i, n_view = *n;
	int64_t before = 0;
	int r;

	if ((page = calloc(PENDING_PAGE, sizeof(*page))) == NULL)
		return COFFER_ERR_NOMEM;
	for (;;) {
		if ((r = store_payment_list(pc->store, page, PENDING_PAGE, &k, before, STORE_PAY_BROADCAST)) != 0)
			break;
		for (i = 0; i < k && r == 0; i++)
			r = add_change_of(pc, v, n, cap, n_view, &page[i]);
		if (k > 0)
			before = page[k - 1].seq;
		for (i = 0; i < k; i++)
			store_payment_clear(&page[i]);
		if (r != 0 || k < PENDING_PAGE)
			break;
	}
	free(page);
	return r;
}

/*
 * The wallet's coins: the store's view of the chain, as the syncer keeps it
 * (cached between syncs), plus the change of our own broadcast payments it
 * has not seen yet. Coins spent by our payments are still in a stale view:
 * their reservations (payment_inputs) exclude them until the view drops them.
 */
static int
pc_utxos(void *ctx, struct pay_utxo **out, size_t *n)
{
	struct payments_chain *pc = ctx;
	size_t cap;
	uint64_t gen;
	int r = 0;

	*out = NULL;
	*n = 0;
	if ((gen = store_chain_generation(pc->store)) == 0)
		return COFFER_ERR_PAY_NOT_SYNCED;
	pc_lock(pc);
	if (pc->view_gen != gen)
		r = view_load(pc, gen);
	cap = pc->n_view + 16;
	if (r == 0 && (*out = malloc(cap * sizeof(**out))) == NULL)
		r = COFFER_ERR_NOMEM;
	if (r == 0) {
		if (pc->n_view > 0)
			memcpy(*out, pc->view, pc->n_view * sizeof(**out));
		*n = pc->n_view;
	}
	pc_unlock(pc);
	if (r == 0)
		r = add_pending_change(pc, out, n, &cap);
	if (r != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
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
	if (r == 0 && pc->kick != NULL)
		pc->kick(pc->kick_ctx);	/* the view catches up: spent coins leave, change arrives */
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
	struct store_chain_state cs;
	char v[32];
	unsigned long long cur = 0;
	int64_t used;
	int r;

	*account = 0;
	*index = 0;
	/* The view's highest used change index of account 0 (the account the syncer follows). */
	if ((r = store_chain_state_get(pc->store, &cs)) != 0)
		return r;
	used = cs.last_used[1];
	pc_lock(pc);
	r = store_meta_get(pc->store, v, sizeof(v), META_NEXT_CHANGE);
	if (r == 0)
		cur = strtoull(v, NULL, 10);
	else if (r != COFFER_ERR_NOT_FOUND)
		goto out;
	/* Never below what the chain shows used. */
	if (used >= 0 && cur <= (unsigned long long)used)
		cur = (unsigned long long)used + 1;
	/*
	 * Never beyond the gap limit either: indices handed to payments that then
	 * failed stay unused, and a change output past last used + gap limit would
	 * be invisible to the next sync. Wrap back to the first unused index
	 * (reusing an address nobody has seen).
	 */
	if (cur > (unsigned long long)(used + 1) + PAYMENTS_CHAIN_CHANGE_WINDOW)
		cur = (unsigned long long)(used + 1);
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

/* payments_backend.unused_change: the meta counter goes back when index was the last one handed out. */
static void
pc_unused_change(void *ctx, size_t account, uint32_t index)
{
	struct payments_chain *pc = ctx;
	char v[32];

	if (account != 0)
		return;
	pc_lock(pc);
	if (store_meta_get(pc->store, v, sizeof(v), META_NEXT_CHANGE) == 0 &&
	    strtoull(v, NULL, 10) == (unsigned long long)index + 1) {
		snprintf(v, sizeof(v), "%lu", (unsigned long)index);
		(void)store_meta_set(pc->store, META_NEXT_CHANGE, v);
	}
	pc_unlock(pc);
}

int
payments_chain_init(struct payments_chain *pc, struct payments_backend *be, struct chain *chain,
    struct store *store, const struct wacct *accts, size_t n_accts, payments_sign_fn sign, void *sign_ctx)
{
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
	be->utxos = pc_utxos;
	be->sign = pc_sign;
	be->broadcast = pc_broadcast;
	be->tx_status = pc_tx_status;
	be->tip = pc_tip;
	be->fee_estimate = pc_fee_estimate;
	be->next_change = pc_next_change;
	be->unused_change = pc_unused_change;
	be->ctx = pc;
	return 0;
}

void
payments_chain_free(struct payments_chain *pc)
{
	if (pc == NULL || pc->chain == NULL)
		return;
	free(pc->view);
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
	/*
	 * The signer is gone (it crashed, or was killed): this request holds the
	 * store, so it cannot lock the wallet and start another signer as
	 * wallet_leave would; the next request or sync round does
	 * (wallet_session_check). Until then every payment got signer_closed.
	 */
	if (w->client.t.fd < 0)
		__atomic_store_n(&w->sign_lost, 1, __ATOMIC_RELEASE);
	if (pthread_mutex_unlock(&w->mu) != 0)
		abort();
	return r;
}
