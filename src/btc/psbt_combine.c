/*
 * PSBT combiner: the union of several PSBTs of one transaction.
 */
#include <string.h>

#include "btc/psbt_int.h"
#include "btc/tx.h"
#include "common/err.h"

/* Add src's pairs that dst lacks; dst's value wins for a shared key. */
static int
merge_map(struct psbt_map *dst, const struct psbt_map *src, enum psbt_map_kind kind)
{
	struct psbt_kv kv;
	size_t i;
	int ret;

	for (i = 0; i < src->n; i++) {
		const struct psbt_kv *s = &src->kv[i];

		if (psbt_map_find_key(dst, s->key, s->key_len) != NULL)
			continue;
		if ((ret = psbt_kv_make(&kv, s->type, psbt_kv_keydata(s), psbt_kv_keydata_len(s),
		    s->value, s->value_len)) != 0)
			return ret;
		if ((ret = psbt_map_insert_sorted(dst, kind, &kv)) != 0) {
			psbt_kv_free(&kv);
			return ret;
		}
	}
	return 0;
}

/* Same version and the same transaction (v2: same inputs, outputs and
 * locktime fields, which the maps themselves carry). */
static int
same_tx(const struct psbt *a, const struct psbt *b)
{
	uint8_t ta[32], tb[32];
	size_t i;

	if (a->version != b->version || a->n_in != b->n_in || a->n_out != b->n_out ||
	    a->tx.version != b->tx.version || a->tx.locktime != b->tx.locktime)
		return 0;
	if (tx_txid(ta, &a->tx) != 0 || tx_txid(tb, &b->tx) != 0 || memcmp(ta, tb, 32) != 0)
		return 0;
	for (i = 0; i < a->n_in; i++)
		if (a->in[i].time_locktime != b->in[i].time_locktime ||
		    a->in[i].height_locktime != b->in[i].height_locktime)
			return 0;
	return 1;
}

int
psbt_combine(struct psbt *dst, const struct psbt *const *srcs, size_t n)
{
	size_t k, i;
	int ret;

	psbt_init(dst);
	if (n == 0)
		return COFFER_ERR_INVALID_ARG;
	for (k = 1; k < n; k++)
		if (!same_tx(srcs[0], srcs[k]))
			return COFFER_ERR_PSBT_COMBINE;
	if ((ret = psbt_copy(dst, srcs[0])) != 0)
		return ret;
	for (k = 1; k < n; k++) {
		const struct psbt *s = srcs[k];

		if ((ret = merge_map(&dst->global, &s->global, PSBT_MAP_GLOBAL)) != 0)
			goto fail;
		for (i = 0; i < s->n_in; i++)
			if ((ret = merge_map(&dst->in[i].map, &s->in[i].map, PSBT_MAP_INPUT)) != 0)
				goto fail;
		for (i = 0; i < s->n_out; i++)
			if ((ret = merge_map(&dst->out[i].map, &s->out[i].map, PSBT_MAP_OUTPUT)) != 0)
				goto fail;
	}
	return 0;
fail:
	psbt_free(dst);
	return ret;
}
