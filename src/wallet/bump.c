/* Fee bumping: RBF replacement, cancellation, CPFP child (bump.h). */
#include "wallet/bump.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "wallet/weight.h"

#define DEFAULT_LONG_TERM_RATE 10000
#define DEFAULT_DISCARD_RATE   10000

int
bump_rules_ok(int64_t new_fee, uint32_t new_weight, int64_t orig_fee, uint64_t incremental_relay_fee)
{
	return new_fee >= orig_fee &&
	    new_fee - orig_fee >= coinsel_fee(incremental_relay_fee, new_weight);
}

static uint64_t
incr_of(const struct bump_request *req)
{
	return req->incremental_relay_fee ? req->incremental_relay_fee :
	    BUMP_DEFAULT_INCREMENTAL_RELAY_FEE;
}

/* The original's fee rate, rounded up, in sat/kvB. */
static uint64_t
orig_rate(const struct bump_original *o)
{
	uint64_t vsize = (o->weight + 3) / 4;

	return vsize ? ((uint64_t)o->fee * 1000 + vsize - 1) / vsize : 0;
}

/* The original's inputs must be the utxos it names. */
static int
check_original(const struct bump_original *o, const struct pay_utxo *utxos, size_t n_utxos)
{
	size_t i;

	if (o->tx == NULL || o->tx->n_in == 0 || o->fee < 0 || o->weight == 0 ||
	    o->change_pos >= (int)o->tx->n_out || (o->input_utxo == NULL && o->tx->n_in > 0))
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < o->tx->n_in; i++) {
		const struct pay_utxo *u;

		if (o->input_utxo[i] >= n_utxos)
			return COFFER_ERR_INVALID_ARG;
		u = &utxos[o->input_utxo[i]];
		if (memcmp(u->txid, o->tx->in[i].prevout.txid, 32) != 0 || u->vout != o->tx->in[i].prevout.vout)
			return COFFER_ERR_INVALID_ARG;
	}
	return 0;
}

/* Coin array: original inputs MUST_USE, coins the original created excluded. */
static int
make_coins(struct coinsel_coin **out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *o, int others)
{
	struct coinsel_coin *c;
	uint8_t txid[32];
	size_t i;
	int r;

	*out = NULL;
	if ((r = tx_txid(txid, o->tx)) != 0)
		return r;
	if ((c = calloc(n_utxos ? n_utxos : 1, sizeof(*c))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n_utxos; i++) {
		if (utxos[i].account >= n_accts) {
			free(c);
			return COFFER_ERR_PAY_ACCOUNT;
		}
		c[i].value = utxos[i].value;
		c[i].input_weight = weight_input(accts[utxos[i].account].type);
		/* BIP125 rule 2: a replacement adds no unconfirmed input of its own. */
		c[i].flags = others && memcmp(utxos[i].txid, txid, 32) != 0 && !utxos[i].unconfirmed ?
		    (utxos[i].flags & COINSEL_RESERVED) : COINSEL_RESERVED;
	}
	for (i = 0; i < o->tx->n_in; i++)
		c[o->input_utxo[i]].flags = COINSEL_MUST_USE;
	*out = c;
	return 0;
}

static void
base_params(struct coinsel_params *cp, uint64_t rate, const struct pay_plan_out *change)
{
	memset(cp, 0, sizeof(*cp));
	cp->fee_rate = rate;
	cp->long_term_fee_rate = DEFAULT_LONG_TERM_RATE;
	cp->discard_fee_rate = DEFAULT_DISCARD_RATE;
	cp->base_weight = WEIGHT_TX_FIXED + WEIGHT_SEGWIT_MARKER;
	cp->change_output_weight = weight_output(change->spk_len);
	cp->change_spend_weight = WEIGHT_IN_P2WPKH;
	cp->change_dust = coinsel_dust_threshold(change->spk, change->spk_len);
}

/* Our change output at account/index (change branch). */
static int
change_out(struct pay_plan_out *o, const struct wacct *accts, size_t n_accts, size_t account,
    uint32_t index)
{
	struct wacct_key k;
	int r;

	memset(o, 0, sizeof(*o));
	if (account >= n_accts)
		return COFFER_ERR_PAY_ACCOUNT;
	if ((r = wacct_derive(&k, &accts[account], 1, index)) != 0)
		return r;
	memcpy(o->spk, k.spk, k.spk_len);
	o->spk_len = k.spk_len;
	o->is_change = 1;
	o->account = account;
	o->change = 1;
	o->index = index;
	o->recipient = -1;
	return 0;
}

/*
 * The plan's inputs: the original's in order, then the coins selection
 * added; fill out->utxos. ins has room for res->n_selected.
 */
static int
plan_inputs(struct pay_plan_in *ins, struct pay_built *out, const struct coinsel_result *res,
    const struct bump_original *o, const struct coinsel_coin *coins)
{
	size_t i, n = 0;

	if ((out->utxos = calloc(res->n_selected ? res->n_selected : 1, sizeof(size_t))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < o->tx->n_in; i++)
		ins[n++].utxo = o->input_utxo[i];
	for (i = 0; i < res->n_selected; i++)
		if (!(coins[res->selected[i]].flags & COINSEL_MUST_USE))
			ins[n++].utxo = res->selected[i];
	if (n != res->n_selected)
		return COFFER_ERR_INTERNAL;
	for (i = 0; i < n; i++)
		out->utxos[i] = ins[i].utxo;
	out->n_utxos = n;
	return 0;
}

static void
fill_result(struct pay_built *out, const struct coinsel_result *res, uint32_t locktime)
{
	out->fee = res->fee;
	out->change = res->change;
	out->weight = res->weight;
	out->vsize = (res->weight + 3) / 4;
	out->locktime = locktime;
	out->algo = res->algo;
}

int
bump_rbf(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req)
{
	uint64_t max_rate = req->max_fee_rate ? req->max_fee_rate : PAY_MAX_FEE_RATE;
	uint64_t incr = incr_of(req), rng = req->seed ? req->seed : pay_rng_seed();
	struct coinsel_coin *coins = NULL;
	struct coinsel_params cp;
	struct coinsel_result res;
	struct pay_plan_out *outs = NULL, chg;
	struct pay_plan_in *ins = NULL;
	size_t i, n_out = 0, pos;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&res, 0, sizeof(res));
	out->change_pos = out->drain_pos = -1;
	if ((r = check_original(orig, utxos, n_utxos)) != 0)
		return r;
	if (req->fee_rate > max_rate || req->fee_rate > COINSEL_MAX_FEE_RATE)
		return COFFER_ERR_PAY_FEE_RATE;
	if (req->fee_rate < orig_rate(orig) + incr)
		return COFFER_ERR_PAY_BUMP_FEE;
	if (orig->change_pos >= 0) {
		const struct tx_out *co = &orig->tx->out[orig->change_pos];

		if ((r = change_out(&chg, accts, n_accts, orig->change_account, orig->change_index)) != 0)
			return r;
		if (chg.spk_len != co->script_pubkey_len || memcmp(chg.spk, co->script_pubkey, chg.spk_len) != 0)
			return COFFER_ERR_PAY_ACCOUNT;
	} else if ((r = change_out(&chg, accts, n_accts, req->change_account, req->change_index)) != 0) {
		return r;
	}
	if ((r = make_coins(&coins, accts, n_accts, utxos, n_utxos, orig, 1)) != 0)
		goto out;
	base_params(&cp, req->fee_rate, &chg);
	cp.change_spend_weight = weight_input(accts[chg.account].type);
	if ((outs = calloc(orig->tx->n_out + 1, sizeof(*outs))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	/* Every recipient output as it was, in its place. */
	for (i = 0; i < orig->tx->n_out; i++) {
		const struct tx_out *to = &orig->tx->out[i];

		if ((int)i == orig->change_pos) {
			outs[n_out++] = chg;
			continue;
		}
		if (to->script_pubkey_len > ADDR_MAX_SPK || to->value <= 0) {
			r = COFFER_ERR_INVALID_ARG;
			goto out;
		}
		memcpy(outs[n_out].spk, to->script_pubkey, to->script_pubkey_len);
		outs[n_out].spk_len = to->script_pubkey_len;
		outs[n_out].amount = to->value;
		outs[n_out].recipient = (int)i;
		n_out++;
		cp.target += to->value;
		cp.base_weight += weight_output(to->script_pubkey_len);
		cp.n_outputs++;
	}
	cp.min_fee = orig->fee;
	cp.min_fee_rate_extra = incr;
	cp.seed = pay_rng_next(&rng) | 1;
	if ((r = coinsel_select(&res, coins, n_utxos, &cp)) != 0)
		goto out;
	/* Place, resize or drop the change output. */
	if (orig->change_pos >= 0) {
		pos = (size_t)orig->change_pos;
		if (res.change > 0) {
			outs[pos].amount = res.change;
		} else {
			memmove(&outs[pos], &outs[pos + 1], (n_out - pos - 1) * sizeof(*outs));
			n_out--;
		}
	} else if (res.change > 0) {
		pos = (size_t)(pay_rng_next(&rng) % (n_out + 1));
		memmove(&outs[pos + 1], &outs[pos], (n_out - pos) * sizeof(*outs));
		chg.amount = res.change;
		outs[pos] = chg;
		n_out++;
	}
	for (i = 0; i < n_out; i++)
		if (outs[i].is_change)
			out->change_pos = (int)i;
	if ((ins = calloc(res.n_selected, sizeof(*ins))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = plan_inputs(ins, out, &res, orig, coins)) != 0 ||
	    (r = pay_plan_psbt(&out->psbt, accts, n_accts, utxos, ins, res.n_selected, outs, n_out,
	    orig->tx->locktime)) != 0)
		goto out;
	fill_result(out, &res, orig->tx->locktime);
	if (!bump_rules_ok(out->fee, out->weight, orig->fee, incr))
		r = COFFER_ERR_INTERNAL;	/* coinsel's min_fee guarantees it */
out:
	coinsel_result_free(&res);
	free(coins);
	free(outs);
	free(ins);
	if (r != 0) {
		pay_built_free(out);
		out->change_pos = out->drain_pos = -1;
	}
	return r;
}

int
bump_cancel(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req)
{
	uint64_t max_rate = req->max_fee_rate ? req->max_fee_rate : PAY_MAX_FEE_RATE;
	uint64_t incr = incr_of(req), rate;
	struct coinsel_coin *coins = NULL;
	struct coinsel_params cp;
	struct coinsel_result res;
	struct pay_plan_out chg;
	struct pay_plan_in *ins = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&res, 0, sizeof(res));
	out->change_pos = out->drain_pos = -1;
	if ((r = check_original(orig, utxos, n_utxos)) != 0)
		return r;
	rate = orig_rate(orig) + incr;
	if (req->fee_rate > rate)
		rate = req->fee_rate;
	if (rate > max_rate || rate > COINSEL_MAX_FEE_RATE)
		return COFFER_ERR_PAY_FEE_RATE;
	if ((r = change_out(&chg, accts, n_accts, req->change_account, req->change_index)) != 0)
		return r;
	/* Only the original's inputs: no other coin joins a cancellation. */
	if ((r = make_coins(&coins, accts, n_accts, utxos, n_utxos, orig, 0)) != 0)
		goto out;
	base_params(&cp, rate, &chg);
	cp.drain = 1;
	cp.min_fee = orig->fee;
	cp.min_fee_rate_extra = incr;
	cp.seed = req->seed ? req->seed : 1;
	if ((r = coinsel_select(&res, coins, n_utxos, &cp)) != 0)
		goto out;
	chg.amount = res.change;
	if ((ins = calloc(res.n_selected, sizeof(*ins))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = plan_inputs(ins, out, &res, orig, coins)) != 0 ||
	    (r = pay_plan_psbt(&out->psbt, accts, n_accts, utxos, ins, res.n_selected, &chg, 1,
	    orig->tx->locktime)) != 0)
		goto out;
	fill_result(out, &res, orig->tx->locktime);
	out->change_pos = 0;
	if (!bump_rules_ok(out->fee, out->weight, orig->fee, incr))
		r = COFFER_ERR_INTERNAL;
out:
	coinsel_result_free(&res);
	free(coins);
	free(ins);
	if (r != 0) {
		pay_built_free(out);
		out->change_pos = out->drain_pos = -1;
	}
	return r;
}

int
bump_cpfp(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req)
{
	uint64_t max_rate = req->max_fee_rate ? req->max_fee_rate : PAY_MAX_FEE_RATE;
	uint64_t rng = req->seed ? req->seed : pay_rng_seed();
	struct pay_utxo *all = NULL;
	struct coinsel_coin *coins = NULL;
	struct coinsel_params cp;
	struct coinsel_result res;
	struct pay_plan_out chg;
	struct pay_plan_in *ins = NULL;
	const struct tx_out *co;
	uint8_t ptxid[32];
	int64_t need;
	size_t i;
	uint32_t lt;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&res, 0, sizeof(res));
	out->change_pos = out->drain_pos = -1;
	if (orig->tx == NULL || orig->weight == 0 || orig->fee < 0 || orig->change_pos >= (int)orig->tx->n_out)
		return COFFER_ERR_INVALID_ARG;
	if (orig->change_pos < 0)
		return COFFER_ERR_PAY_NO_CHANGE;
	if (req->fee_rate > max_rate || req->fee_rate > COINSEL_MAX_FEE_RATE)
		return COFFER_ERR_PAY_FEE_RATE;
	/* What the child must add for the parent's share of the package. */
	need = coinsel_fee(req->fee_rate, orig->weight) - orig->fee + 1;
	if (need <= 1)
		return COFFER_ERR_PAY_BUMP_FEE;
	co = &orig->tx->out[orig->change_pos];
	if (co->script_pubkey_len > ADDR_MAX_SPK || n_utxos > SIZE_MAX / sizeof(*all) - 1)
		return COFFER_ERR_INVALID_ARG;
	if ((r = change_out(&chg, accts, n_accts, req->change_account, req->change_index)) != 0 ||
	    (r = tx_txid(ptxid, orig->tx)) != 0)
		return r;
	if ((all = calloc(n_utxos + 1, sizeof(*all))) == NULL ||
	    (coins = calloc(n_utxos + 1, sizeof(*coins))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	/* Input 0: the parent's change. */
	memcpy(all[0].txid, ptxid, 32);
	all[0].vout = (uint32_t)orig->change_pos;
	all[0].value = co->value;
	memcpy(all[0].spk, co->script_pubkey, co->script_pubkey_len);
	all[0].spk_len = co->script_pubkey_len;
	all[0].account = orig->change_account;
	all[0].change = 1;
	all[0].index = orig->change_index;
	if (n_utxos > 0)
		memcpy(all + 1, utxos, n_utxos * sizeof(*all));
	for (i = 0; i <= n_utxos; i++) {
		if (all[i].account >= n_accts) {
			r = COFFER_ERR_PAY_ACCOUNT;
			goto out;
		}
		coins[i].value = all[i].value;
		coins[i].input_weight = weight_input(accts[all[i].account].type);
		coins[i].flags = i == 0 ? COINSEL_MUST_USE :
		    memcmp(all[i].txid, ptxid, 32) == 0 ? COINSEL_RESERVED : (all[i].flags & COINSEL_RESERVED);
	}
	base_params(&cp, req->fee_rate, &chg);
	cp.change_spend_weight = weight_input(accts[chg.account].type);
	cp.min_fee = need;
	cp.min_fee_rate_extra = req->fee_rate;
	cp.seed = pay_rng_next(&rng) | 1;
	if ((r = coinsel_select(&res, coins, n_utxos + 1, &cp)) != 0)
		goto out;
	chg.amount = res.change;
	if ((ins = calloc(res.n_selected, sizeof(*ins))) == NULL ||
	    (out->utxos = calloc(res.n_selected, sizeof(size_t))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	/* selected is ascending: the parent's change (index 0) comes first. */
	for (i = 0; i < res.n_selected; i++) {
		ins[i].utxo = res.selected[i];
		out->utxos[i] = res.selected[i] == 0 ? SIZE_MAX : res.selected[i] - 1;
	}
	out->n_utxos = res.n_selected;
	lt = pay_locktime(&rng, req->tip_height, req->tip_is_current);
	if ((r = pay_plan_psbt(&out->psbt, accts, n_accts, all, ins, res.n_selected, &chg, 1, lt)) != 0)
		goto out;
	fill_result(out, &res, lt);
	out->change_pos = 0;
out:
	coinsel_result_free(&res);
	free(all);
	free(coins);
	free(ins);
	if (r != 0) {
		pay_built_free(out);
		out->change_pos = out->drain_pos = -1;
	}
	return r;
}
