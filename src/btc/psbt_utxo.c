/*
 * What an input spends: its UTXO fields checked against the transaction, and
 * the fee they imply.
 */
#include <string.h>

#include "btc/psbt_int.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

/* Decode a PSBT_IN_WITNESS_UTXO value (checked by the parser). */
static int
witness_utxo(int64_t *amount, const uint8_t **spk, size_t *spk_len, const struct psbt_kv *kv)
{
	struct creader r;

	creader_init(&r, kv->value, kv->value_len);
	if (creader_get_i64le(&r, amount) != 0 ||
	    creader_get_varbytes(&r, spk, spk_len, kv->value_len) != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

int
psbt_input_utxo(int64_t *amount, struct cbuf *spk, int *source, const struct psbt *p, size_t index)
{
	const struct psbt_kv *nw, *w;
	const struct tx_outpoint *prev;
	const uint8_t *wspk = NULL;
	size_t wspk_len = 0;
	int64_t wamount = 0;
	struct tx prevtx;
	uint8_t txid[32];
	int ret;

	*amount = 0;
	if (source != NULL)
		*source = -1;
	if (index >= p->n_in || index >= p->tx.n_in)
		return COFFER_ERR_INPUT_INDEX;
	prev = &p->tx.in[index].prevout;
	nw = psbt_map_find(&p->in[index].map, PSBT_IN_NON_WITNESS_UTXO, NULL, 0);
	w = psbt_map_find(&p->in[index].map, PSBT_IN_WITNESS_UTXO, NULL, 0);
	if (nw == NULL && w == NULL)
		return COFFER_ERR_MISSING_UTXO;
	if (w != NULL && (ret = witness_utxo(&wamount, &wspk, &wspk_len, w)) != 0)
		return ret;
	if (nw == NULL) {
		if ((ret = cbuf_put(spk, wspk, wspk_len)) != 0)
			return ret;
		*amount = wamount;
		if (source != NULL)
			*source = PSBT_IN_WITNESS_UTXO;
		return 0;
	}
	if ((ret = tx_parse(&prevtx, nw->value, nw->value_len, 0)) != 0)
		return ret == COFFER_ERR_NOMEM ? ret : COFFER_ERR_PSBT_BAD_VALUE;
	if ((ret = tx_txid(txid, &prevtx)) != 0)
		goto out;
	if (memcmp(txid, prev->txid, 32) != 0 || prev->vout >= prevtx.n_out) {
		ret = COFFER_ERR_PSBT_UTXO_MISMATCH;
		goto out;
	}
	{
		const struct tx_out *o = &prevtx.out[prev->vout];

		if (w != NULL && (wamount != o->value || wspk_len != o->script_pubkey_len ||
		    (wspk_len > 0 && memcmp(wspk, o->script_pubkey, wspk_len) != 0))) {
			ret = COFFER_ERR_PSBT_UTXO_MISMATCH;
			goto out;
		}
		if (o->value < 0 || o->value > TX_MAX_MONEY) {
			ret = COFFER_ERR_BAD_AMOUNT;
			goto out;
		}
		if ((ret = cbuf_put(spk, o->script_pubkey, o->script_pubkey_len)) != 0)
			goto out;
		*amount = o->value;
	}
	if (source != NULL)
		*source = PSBT_IN_NON_WITNESS_UTXO;
out:
	tx_free(&prevtx);
	return ret;
}

int
psbt_input_is_final(const struct psbt *p, size_t index)
{
	if (index >= p->n_in)
		return 0;
	return psbt_map_find(&p->in[index].map, PSBT_IN_FINAL_SCRIPTSIG, NULL, 0) != NULL ||
	    psbt_map_find(&p->in[index].map, PSBT_IN_FINAL_SCRIPTWITNESS, NULL, 0) != NULL;
}

int
psbt_fee(int64_t *fee, const struct psbt *p)
{
	int64_t in_sum = 0, out_sum = 0, a;
	struct cbuf spk;
	size_t i;
	int ret = 0;

	*fee = 0;
	cbuf_init(&spk, 0);
	for (i = 0; i < p->n_in; i++) {
		cbuf_reset(&spk);
		if ((ret = psbt_input_utxo(&a, &spk, NULL, p, i)) != 0)
			goto out;
		in_sum += a;	/* each <= TX_MAX_MONEY, at most PSBT_MAX_INPUTS: no overflow */
		if (in_sum > TX_MAX_MONEY) {
			ret = COFFER_ERR_BAD_AMOUNT;
			goto out;
		}
	}
	for (i = 0; i < p->tx.n_out; i++) {
		a = p->tx.out[i].value;
		if (a < 0 || a > TX_MAX_MONEY || (out_sum += a) > TX_MAX_MONEY) {
			ret = COFFER_ERR_BAD_AMOUNT;
			goto out;
		}
	}
	if (out_sum > in_sum) {
		ret = COFFER_ERR_BAD_AMOUNT;
		goto out;
	}
	*fee = in_sum - out_sum;
out:
	cbuf_free(&spk);
	return ret;
}
