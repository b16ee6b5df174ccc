/* Building a payment: outputs, coin selection, the plan, the PSBT (build.h). */
#include "wallet/build.h"

#include <stdlib.h>
#include <string.h>

#include "btc/tx.h"
#include "common/err.h"
#include "wallet/weight.h"

#define DEFAULT_LONG_TERM_RATE 10000	/* sat/kvB */
#define DEFAULT_DISCARD_RATE   10000

void
pay_built_free(struct pay_built *b)
{
	if (b == NULL)
		return;
	psbt_free(&b->psbt);
	free(b->utxos);
	free(b->recipient_pos);
	memset(b, 0, sizeof(*b));
}

/* Check one amount a user asked for. */
static int
check_amount(int64_t v)
{
	if (v == 0)
		return COFFER_ERR_PAY_AMOUNT_ZERO;
	if (v < 0)
		return COFFER_ERR_PAY_AMOUNT_NEGATIVE;
	if (v > TX_MAX_MONEY)
		return COFFER_ERR_PAY_AMOUNT_OVERFLOW;
	return 0;
}

/* Decode and check the recipients into outs[0..n); *sum is their total, *bad the failing one's index. */
static int
decode_outputs(struct pay_plan_out *outs, int64_t *sum, size_t *bad, const struct pay_request *req)
{
	size_t i;
	int r;

	*sum = 0;
	for (i = 0; i < req->n_outputs; i++) {
		*bad = i;
		struct pay_plan_out *o = &outs[i];

		if ((r = check_amount(req->outputs[i].amount)) != 0)
			return r;
		if (req->outputs[i].address == NULL)
			return COFFER_ERR_BAD_ADDRESS;
		if ((r = addr_decode(o->spk, &o->spk_len, NULL, req->outputs[i].address, req->net)) != 0)
			return r;
		o->amount = req->outputs[i].amount;
		o->recipient = (int)i;
		if (o->amount < coinsel_dust_threshold(o->spk, o->spk_len))
			return COFFER_ERR_PAY_DUST_OUTPUT;
		*sum += o->amount;
		if (*sum > TX_MAX_MONEY)
			return COFFER_ERR_PAY_AMOUNT_OVERFLOW;
	}
	*bad = SIZE_MAX;
	return 0;
}

/* What pay_check_request checks; outs: room for n_outputs (decoded into it). */
static int
check_request(struct pay_plan_out *outs, int64_t *sum, size_t *bad, const struct pay_request *req)
{
	uint64_t min_rate = req->min_fee_rate ? req->min_fee_rate : PAY_MIN_FEE_RATE;
	uint64_t max_rate = req->max_fee_rate ? req->max_fee_rate : PAY_MAX_FEE_RATE;
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len;
	int r;

	*bad = SIZE_MAX;
	*sum = 0;
	if (req->n_outputs == 0 && req->drain_to == NULL)
		return COFFER_ERR_PAY_NO_OUTPUTS;
	if (req->n_outputs > PAY_MAX_OUTPUTS)
		return COFFER_ERR_PAY_TOO_MANY_OUTPUTS;
	if ((r = decode_outputs(outs, sum, bad, req)) != 0)
		return r;
	if (req->drain_to != NULL && (r = addr_decode(spk, &spk_len, NULL, req->drain_to, req->net)) != 0)
		return r;
	if (req->subtract_fee_from < -1 || req->subtract_fee_from >= (int)req->n_outputs ||
	    (req->subtract_fee_from >= 0 && req->drain_to != NULL))
		return COFFER_ERR_PAY_SUBTRACT_FEE;
	if (req->fee_rate != 0 && (req->fee_rate < min_rate || req->fee_rate > max_rate ||
	    req->fee_rate > COINSEL_MAX_FEE_RATE))
		return COFFER_ERR_PAY_FEE_RATE;
	return 0;
}

int
pay_check_request(size_t *bad_output, const struct pay_request *req)
{
	struct pay_plan_out *outs;
	int64_t sum;
	int r;

	*bad_output = SIZE_MAX;
	if (req->n_outputs > PAY_MAX_OUTPUTS)
		return COFFER_ERR_PAY_TOO_MANY_OUTPUTS;
	if ((outs = calloc(req->n_outputs + 1, sizeof(*outs))) == NULL)
		return COFFER_ERR_NOMEM;
	r = check_request(outs, &sum, bad_output, req);
	free(outs);
	return r;
}

/* Fisher-Yates. */
static void
shuffle(void *base, size_t n, size_t size, uint64_t *rng)
{
	unsigned char *p = base, tmp[sizeof(struct pay_plan_out)];
	size_t i, j;

	if (size > sizeof(tmp))
		abort();
	for (i = n; i > 1; i--) {
		j = (size_t)(pay_rng_next(rng) % i);
		if (j == i - 1)
			continue;
		memcpy(tmp, p + (i - 1) * size, size);
		memcpy(p + (i - 1) * size, p + j * size, size);
		memcpy(p + j * size, tmp, size);
	}
}

int
pay_build(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct pay_request *req)
{
	uint64_t min_rate = req->min_fee_rate ? req->min_fee_rate : PAY_MIN_FEE_RATE;
	uint64_t max_rate = req->max_fee_rate ? req->max_fee_rate : PAY_MAX_FEE_RATE;
	struct pay_plan_out *outs = NULL, extra;
	struct pay_plan_in *ins = NULL;
	struct coinsel_coin *coins = NULL;
	struct coinsel_params cp;
	struct coinsel_result res;
	struct wacct_key ck;
	uint64_t rng;
	size_t i, n_out;
	int64_t sum = 0;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&res, 0, sizeof(res));
	memset(&cp, 0, sizeof(cp));
	memset(&extra, 0, sizeof(extra));
	out->change_pos = out->drain_pos = -1;
	if (req->fee_rate < min_rate || req->fee_rate > max_rate || req->fee_rate > COINSEL_MAX_FEE_RATE)
		return COFFER_ERR_PAY_FEE_RATE;
	if (req->n_outputs == 0 && req->drain_to == NULL)
		return COFFER_ERR_PAY_NO_OUTPUTS;
	if (req->n_outputs > PAY_MAX_OUTPUTS)
		return COFFER_ERR_PAY_TOO_MANY_OUTPUTS;
	if (req->subtract_fee_from < -1 || req->subtract_fee_from >= (int)req->n_outputs ||
	    (req->subtract_fee_from >= 0 && req->drain_to != NULL))
		return COFFER_ERR_PAY_SUBTRACT_FEE;
	if (req->change_account >= n_accts)
		return COFFER_ERR_PAY_ACCOUNT;
	rng = req->seed ? req->seed : pay_rng_seed();
	if ((outs = calloc(req->n_outputs + 1, sizeof(*outs))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = check_request(outs, &sum, &i, req)) != 0)
		goto out;
	/* The extra output: drain_to or our change. */
	if (req->drain_to != NULL) {
		if ((r = addr_decode(extra.spk, &extra.spk_len, NULL, req->drain_to, req->net)) != 0)
			goto out;
		extra.recipient = -2;
	} else {
		if ((r = wacct_derive(&ck, &accts[req->change_account], 1, req->change_index)) != 0)
			goto out;
		memcpy(extra.spk, ck.spk, ck.spk_len);
		extra.spk_len = ck.spk_len;
		extra.is_change = 1;
		extra.account = req->change_account;
		extra.change = 1;
		extra.index = req->change_index;
		extra.recipient = -1;
	}
	if (n_utxos > 0 && (coins = calloc(n_utxos, sizeof(*coins))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n_utxos; i++) {
		if (utxos[i].account >= n_accts) {
			r = COFFER_ERR_PAY_ACCOUNT;
			goto out;
		}
		coins[i].value = utxos[i].value;
		coins[i].input_weight = weight_input(accts[utxos[i].account].type);
		coins[i].flags = utxos[i].flags;
	}
	cp.target = sum;
	cp.fee_rate = req->fee_rate;
	cp.long_term_fee_rate = req->long_term_fee_rate ? req->long_term_fee_rate : DEFAULT_LONG_TERM_RATE;
	cp.discard_fee_rate = req->discard_fee_rate ? req->discard_fee_rate : DEFAULT_DISCARD_RATE;
	cp.base_weight = WEIGHT_TX_FIXED + WEIGHT_SEGWIT_MARKER;
	for (i = 0; i < req->n_outputs; i++)
		cp.base_weight += weight_output(outs[i].spk_len);
	cp.n_outputs = req->n_outputs;
	cp.change_output_weight = weight_output(extra.spk_len);
	cp.change_spend_weight = weight_input(accts[req->change_account].type);
	cp.change_dust = coinsel_dust_threshold(extra.spk, extra.spk_len);
	cp.drain = req->drain_to != NULL;
	if (req->subtract_fee_from >= 0) {
		cp.subtract_fee = 1;
		cp.fee_output_value = outs[req->subtract_fee_from].amount;
		cp.fee_output_dust = coinsel_dust_threshold(outs[req->subtract_fee_from].spk,
		    outs[req->subtract_fee_from].spk_len);
	}
	cp.seed = pay_rng_next(&rng) | 1;
	if ((r = coinsel_select(&res, coins, n_utxos, &cp)) != 0)
		goto out;
	/* The plan: inputs and outputs in random order. */
	if ((ins = calloc(res.n_selected, sizeof(*ins))) == NULL ||
	    (out->utxos = calloc(res.n_selected, sizeof(size_t))) == NULL ||
	    (out->recipient_pos = calloc(req->n_outputs + 1, sizeof(int))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < res.n_selected; i++)
		ins[i].utxo = res.selected[i];
	shuffle(ins, res.n_selected, sizeof(*ins), &rng);
	if (req->subtract_fee_from >= 0)
		outs[req->subtract_fee_from].amount -= res.fee_output_reduction;
	n_out = req->n_outputs;
	if (res.change > 0) {
		extra.amount = res.change;
		outs[n_out++] = extra;
	}
	shuffle(outs, n_out, sizeof(*outs), &rng);
	for (i = 0; i < n_out; i++) {
		if (outs[i].recipient >= 0)
			out->recipient_pos[outs[i].recipient] = (int)i;
		else if (outs[i].recipient == -1)
			out->change_pos = (int)i;
		else
			out->drain_pos = (int)i;
	}
	out->locktime = pay_locktime(&rng, req->tip_height, req->tip_is_current);
	if ((r = pay_plan_psbt(&out->psbt, accts, n_accts, utxos, ins, res.n_selected, outs, n_out,
	    out->locktime)) != 0)
		goto out;
	for (i = 0; i < res.n_selected; i++)
		out->utxos[i] = ins[i].utxo;
	out->n_utxos = res.n_selected;
	out->fee = res.fee;
	out->change = req->drain_to != NULL ? 0 : res.change;
	out->weight = res.weight;
	out->vsize = (res.weight + 3) / 4;
	out->algo = res.algo;
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
