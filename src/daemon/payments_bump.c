/* Bumping and cancelling recorded payments: RBF, CPFP, cancel (payments.h). */
#include "daemon/payments_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/tx.h"
#include "common/err.h"
#include "wallet/bump.h"

enum bump_kind { BK_RBF, BK_CPFP, BK_CANCEL };

/* What a bump needs about the original, gathered from the store. */
struct orig_ctx {
	struct store_payment p;
	struct tx tx;
	struct pay_utxo *u;		/* original inputs first (n_orig), then wallet coins */
	size_t n_u, n_orig;
	size_t *input_utxo;		/* per original tx input: its index in u */
	struct bump_original o;
};

static void
orig_free(struct orig_ctx *c)
{
	store_payment_clear(&c->p);
	tx_free(&c->tx);
	free(c->u);
	free(c->input_utxo);
	memset(c, 0, sizeof(*c));
}

/* Load the original and the coins: its inputs (from the store), then the wallet's unreserved coins. */
static int
orig_load(struct payments *pm, struct orig_ctx *c, const char *id, int with_wallet)
{
	struct store_pay_input *ins = NULL;
	struct pay_utxo *w = NULL;
	size_t n_ins = 0, n_w = 0, spenders = 0, i, j;
	uint32_t height = 0;
	int r;

	memset(c, 0, sizeof(*c));
	tx_init(&c->tx);
	if ((r = store_payment_get(pm->store, &c->p, id)) != 0)
		return r;
	if ((c->p.status != STORE_PAY_BROADCAST && c->p.status != STORE_PAY_SIGNED) || c->p.raw_tx == NULL)
		return COFFER_ERR_PAY_STATE;
	/* Already in a block: nothing to bump. */
	if (pm->be->tx_status(pm->be->ctx, &height, c->p.txid) == 0 && height > 0)
		return COFFER_ERR_PAY_STATE;
	/*
	 * A later payment spends its change: replacing it would evict that one
	 * too (and BIP125 rule 3 would count its fee), and its change is no
	 * longer there for a child. Bumping the later payment lifts both.
	 */
	if ((r = store_payment_spenders(pm->store, &spenders, c->p.txid)) != 0)
		return r;
	if (spenders > 0)
		return COFFER_ERR_PAY_HAS_DESCENDANT;
	if ((r = tx_parse(&c->tx, c->p.raw_tx, c->p.raw_tx_len, 0)) != 0 ||
	    (r = store_payment_inputs(pm->store, &ins, &n_ins, id)) != 0)
		return r;
	if (with_wallet && (r = payments_load_coins(pm, &w, &n_w)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((c->u = calloc(n_ins + n_w + 1, sizeof(*c->u))) == NULL ||
	    (c->input_utxo = calloc(c->tx.n_in + 1, sizeof(size_t))) == NULL)
		goto out;
	for (i = 0; i < n_ins; i++) {
		struct pay_utxo *x = &c->u[c->n_u++];

		memcpy(x->txid, ins[i].txid, 32);
		x->vout = ins[i].vout;
		x->value = ins[i].value;
		memcpy(x->spk, ins[i].spk, ins[i].spk_len);
		x->spk_len = ins[i].spk_len;
		x->account = ins[i].account;
		x->change = ins[i].chain;
		x->index = ins[i].index;
	}
	c->n_orig = c->n_u;
	/* Wallet coins, without the original's own inputs (the chain may still list them). */
	for (i = 0; i < n_w; i++) {
		for (j = 0; j < n_ins; j++)
			if (memcmp(w[i].txid, ins[j].txid, 32) == 0 && w[i].vout == ins[j].vout)
				break;
		if (j == n_ins)
			c->u[c->n_u++] = w[i];
	}
	for (i = 0; i < c->tx.n_in; i++) {
		for (j = 0; j < c->n_orig; j++)
			if (memcmp(c->u[j].txid, c->tx.in[i].prevout.txid, 32) == 0 &&
			    c->u[j].vout == c->tx.in[i].prevout.vout)
				break;
		if (j == c->n_orig) {
			r = COFFER_ERR_INTERNAL;	/* the record and its transaction disagree */
			goto out;
		}
		c->input_utxo[i] = j;
	}
	c->o.tx = &c->tx;
	c->o.input_utxo = c->input_utxo;
	c->o.fee = c->p.fee_sat;
	c->o.weight = (uint32_t)tx_weight(&c->tx);
	c->o.change_pos = c->p.change_pos;
	c->o.change_account = c->p.change_account;
	c->o.change_index = c->p.change_index;
	r = 0;
out:
	free(ins);
	free(w);
	return r;
}

/* Outputs JSON of a replacement: the recipients kept, or the cancellation's change. */
static char *
replacement_outputs(const struct orig_ctx *c, enum bump_kind kind)
{
	if (kind == BK_RBF)
		return strdup(c->p.outputs_json != NULL ? c->p.outputs_json : "[]");
	return strdup("[]");
}

static int
bump_common(struct payments *pm, struct store_payment *out, const char *id, uint64_t fee_rate,
    enum bump_kind kind, int64_t now)
{
	struct orig_ctx c;
	struct bump_request br;
	struct pay_built b;
	struct store_payment rec;
	struct store_pay_input *ins = NULL;
	struct pay_utxo parent_change;
	const struct tx_out *co;
	uint8_t ptxid[32];
	uint64_t rate;
	int r, have_change = 0, fresh_used;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	memset(&rec, 0, sizeof(rec));
	memset(&br, 0, sizeof(br));
	memset(&parent_change, 0, sizeof(parent_change));
	if ((r = payments_fee_rate(pm, &rate, fee_rate, 0)) != 0)
		return r;
	if (pthread_mutex_lock(&pm->mu) != 0)
		abort();
	if ((r = orig_load(pm, &c, id, kind != BK_CANCEL)) != 0)
		goto out;
	br.fee_rate = rate;
	br.max_fee_rate = pm->max_fee_rate;
	br.seed = pm->seed;
	if ((r = pm->be->tip(pm->be->ctx, &br.tip_height, &br.tip_is_current)) != 0 ||
	    (r = pm->be->next_change(pm->be->ctx, &br.change_account, &br.change_index)) != 0)
		goto out;
	have_change = 1;
	if (kind == BK_RBF) {
		r = bump_rbf(&b, pm->accts, pm->n_accts, c.u, c.n_u, &c.o, &br);
		/* RBF impossible (no coins for it) but there is change: pay for the parent instead. */
		if ((r == COFFER_ERR_PAY_INSUFFICIENT_FUNDS || r == COFFER_ERR_PAY_TOO_LARGE) && c.p.change_pos >= 0)
			kind = BK_CPFP;
	}
	if (kind == BK_CANCEL)
		r = bump_cancel(&b, pm->accts, pm->n_accts, c.u, c.n_orig, &c.o, &br);
	if (kind == BK_CPFP) {
		r = bump_cpfp(&b, pm->accts, pm->n_accts, c.u + c.n_orig, c.n_u - c.n_orig, &c.o, &br);
		if (r == 0) {
			/* The child's first input: the parent's change output. */
			co = &c.tx.out[c.p.change_pos];
			if ((r = tx_txid(ptxid, &c.tx)) != 0 || co->script_pubkey_len > ADDR_MAX_SPK)
				goto out;
			memcpy(parent_change.txid, ptxid, 32);
			parent_change.vout = (uint32_t)c.p.change_pos;
			parent_change.value = co->value;
			memcpy(parent_change.spk, co->script_pubkey, co->script_pubkey_len);
			parent_change.spk_len = co->script_pubkey_len;
			parent_change.account = c.p.change_account;
			parent_change.change = 1;
			parent_change.index = c.p.change_index;
		}
	}
	if (r != 0)
		goto out;
	if ((r = payments_inputs_of(&ins, &b, kind == BK_CPFP ? c.u + c.n_orig : c.u, &parent_change)) != 0)
		goto out;
	payments_new_id(rec.id);
	memcpy(rec.request_hash, c.p.request_hash, 32);
	rec.status = STORE_PAY_CREATED;
	snprintf(rec.kind, sizeof(rec.kind), "%s", kind == BK_RBF ? "bump" : kind == BK_CPFP ? "cpfp" : "cancel");
	snprintf(rec.parent_id, sizeof(rec.parent_id), "%s", c.p.id);
	rec.fee_sat = b.fee;
	rec.fee_rate_sat_kvb = rate;
	rec.vsize = b.vsize;
	rec.change_pos = b.change_pos;
	rec.change_account = (uint32_t)br.change_account;
	rec.change_index = br.change_index;
	if (kind == BK_RBF && c.p.change_pos >= 0) {
		rec.change_account = c.p.change_account;	/* the original's change output, resized */
		rec.change_index = c.p.change_index;
	}
	rec.created_at = now;
	if ((rec.outputs_json = replacement_outputs(&c, kind)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	r = store_payment_insert(pm->store, &rec, ins, b.n_utxos);
out:
	/*
	 * The fresh change index is used only by a cancellation, a CPFP child, or
	 * an RBF that adds change the original did not have.
	 */
	fresh_used = r == 0 && b.change_pos >= 0 && !(kind == BK_RBF && c.p.change_pos >= 0);
	if (have_change && !fresh_used)
		payments_unused_change(pm, br.change_account, br.change_index);
	if (pthread_mutex_unlock(&pm->mu) != 0)
		abort();
	if (r == 0) {
		r = payments_sign_and_send(pm, rec.id, &b.psbt, NULL, now);
		if (store_payment_get(pm->store, out, rec.id) != 0 && r == 0)
			r = COFFER_ERR_STORE;
		if (r != 0 && out->id[0] == '\0' && fresh_used)	/* refused by the signer: discarded */
			payments_unused_change(pm, br.change_account, br.change_index);
	}
	free(ins);
	pay_built_free(&b);
	store_payment_clear(&rec);
	orig_free(&c);
	return r;
}

int
payments_bump(struct payments *pm, struct store_payment *out, const char *id, uint64_t fee_rate, int cpfp,
    int64_t now)
{
	return bump_common(pm, out, id, fee_rate, cpfp ? BK_CPFP : BK_RBF, now);
}

int
payments_cancel(struct payments *pm, struct store_payment *out, const char *id, uint64_t fee_rate, int64_t now)
{
	return bump_common(pm, out, id, fee_rate, BK_CANCEL, now);
}
