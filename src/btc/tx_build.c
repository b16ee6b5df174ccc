/* Building transactions, witness stacks and CheckTransaction; see tx.h. */
#include "btc/tx.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int
tx_add_input(struct tx *tx, const uint8_t prev_txid[32], uint32_t prev_vout, uint32_t sequence)
{
	struct tx_in *n;

	if (tx->n_in >= TX_MAX_INPUTS)
		return COFFER_ERR_TOO_LARGE;
	if ((n = realloc(tx->in, (tx->n_in + 1) * sizeof(*n))) == NULL)
		return COFFER_ERR_NOMEM;
	tx->in = n;
	n = &tx->in[tx->n_in++];
	memset(n, 0, sizeof(*n));
	memcpy(n->prevout.txid, prev_txid, 32);
	n->prevout.vout = prev_vout;
	n->sequence = sequence;
	return 0;
}

int
tx_add_output(struct tx *tx, int64_t value, const uint8_t *spk, size_t spk_len)
{
	struct tx_out *n;
	uint8_t *copy = NULL;

	if (tx->n_out >= TX_MAX_OUTPUTS || spk_len > TX_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if (spk_len > 0) {
		if ((copy = malloc(spk_len)) == NULL)
			return COFFER_ERR_NOMEM;
		memcpy(copy, spk, spk_len);
	}
	if ((n = realloc(tx->out, (tx->n_out + 1) * sizeof(*n))) == NULL) {
		free(copy);
		return COFFER_ERR_NOMEM;
	}
	tx->out = n;
	n = &tx->out[tx->n_out++];
	n->value = value;
	n->script_pubkey = copy;
	n->script_pubkey_len = spk_len;
	return 0;
}

int
tx_in_set_script_sig(struct tx_in *in, const uint8_t *script, size_t len)
{
	uint8_t *copy = NULL;

	if (len > TX_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return COFFER_ERR_NOMEM;
		memcpy(copy, script, len);
	}
	free(in->script_sig);
	in->script_sig = copy;
	in->script_sig_len = len;
	return 0;
}

static size_t
put_compact(uint8_t *p, size_t v)
{
	size_t i, n;

	if (v < 0xfd) {
		p[0] = (uint8_t)v;
		return 1;
	}
	n = v <= 0xffff ? 2 : 4;	/* items are capped at TX_MAX_SIZE */
	p[0] = n == 2 ? 0xfd : 0xfe;
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

int
tx_witness_push(struct tx_witness *w, const uint8_t *item, size_t item_len)
{
	size_t add = compact_size_len(item_len) + item_len;
	uint8_t *n;

	if (item_len > TX_MAX_SIZE || add > TX_MAX_SIZE || w->len > TX_MAX_SIZE - add)
		return COFFER_ERR_TOO_LARGE;
	if ((n = realloc(w->data, w->len + add)) == NULL)
		return COFFER_ERR_NOMEM;
	w->data = n;
	w->len += put_compact(w->data + w->len, item_len);
	if (item_len > 0)
		memcpy(w->data + w->len, item, item_len);
	w->len += item_len;
	w->count++;
	return 0;
}

int
tx_witness_set(struct tx_witness *w, const uint8_t *const *items, const size_t *lens, size_t n)
{
	struct tx_witness nw = { NULL, 0, 0 };
	size_t i;
	int ret;

	for (i = 0; i < n; i++)
		if ((ret = tx_witness_push(&nw, items[i], lens[i])) != 0) {
			tx_witness_clear(&nw);
			return ret;
		}
	tx_witness_clear(w);
	*w = nw;
	return 0;
}

int
tx_witness_item(const struct tx_witness *w, size_t i, const uint8_t **item, size_t *item_len)
{
	struct creader r;
	size_t k;

	*item = NULL;
	*item_len = 0;
	if (i >= w->count)
		return COFFER_ERR_NOT_FOUND;
	creader_init(&r, w->data, w->len);
	for (k = 0; k <= i; k++)
		if (creader_get_varbytes(&r, item, item_len, TX_MAX_SIZE) != 0)
			return COFFER_ERR_INTERNAL;	/* we built or validated it */
	return 0;
}

static int
outpoint_null(const struct tx_outpoint *o)
{
	static const uint8_t zero[32];

	return o->vout == 0xffffffffu && memcmp(o->txid, zero, 32) == 0;
}

int
tx_is_coinbase(const struct tx *tx)
{
	return tx->n_in == 1 && outpoint_null(&tx->in[0].prevout);
}

static int
outpoint_cmp(const void *a, const void *b)
{
	const struct tx_outpoint *x = *(const struct tx_outpoint *const *)a;
	const struct tx_outpoint *y = *(const struct tx_outpoint *const *)b;
	int c = memcmp(x->txid, y->txid, 32);

	if (c != 0)
		return c;
	return x->vout < y->vout ? -1 : x->vout > y->vout;
}

int
tx_check(const struct tx *tx)
{
	const struct tx_outpoint **sorted;
	size_t i, base;
	int64_t total = 0;

	if (tx->n_in == 0)
		return COFFER_ERR_TX_NO_INPUTS;
	if (tx->n_out == 0)
		return COFFER_ERR_TX_NO_OUTPUTS;
	tx_sizes(tx, &base, NULL);
	if (base > TX_MAX_SIZE / 4)
		return COFFER_ERR_TOO_LARGE;
	for (i = 0; i < tx->n_out; i++) {
		int64_t v = tx->out[i].value;

		if (v < 0 || v > TX_MAX_MONEY)
			return COFFER_ERR_BAD_AMOUNT;
		total += v;	/* both <= TX_MAX_MONEY: no overflow */
		if (total > TX_MAX_MONEY)
			return COFFER_ERR_BAD_AMOUNT;
	}
	/* Duplicates by sorting pointers: O(n log n) on hostile input sizes. */
	if ((sorted = calloc(tx->n_in, sizeof(*sorted))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < tx->n_in; i++)
		sorted[i] = &tx->in[i].prevout;
	qsort(sorted, tx->n_in, sizeof(*sorted), outpoint_cmp);
	for (i = 1; i < tx->n_in; i++)
		if (outpoint_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			free(sorted);
			return COFFER_ERR_TX_DUPLICATE_INPUT;
		}
	free(sorted);
	if (tx_is_coinbase(tx)) {
		if (tx->in[0].script_sig_len < 2 || tx->in[0].script_sig_len > 100)
			return COFFER_ERR_TX_BAD_COINBASE;
	} else {
		for (i = 0; i < tx->n_in; i++)
			if (outpoint_null(&tx->in[i].prevout))
				return COFFER_ERR_TX_NULL_PREVOUT;
	}
	return 0;
}
