/*
 * PSBT v2 (BIP370): assembling the transaction from per-input and per-output
 * fields, locktime determination, and v0 <-> v2 conversion.
 */
#include <string.h>

#include "btc/psbt_int.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

static const struct psbt_kv *
keyless(const struct psbt_map *m, uint8_t type)
{
	return psbt_map_find(m, type, NULL, 0);
}

int
psbt_v2_load_tx(struct psbt *p)
{
	const struct psbt_kv *kv;
	size_t i;
	int ret;

	tx_free(&p->tx);
	if ((kv = keyless(&p->global, PSBT_GLOBAL_TX_VERSION)) == NULL)
		return COFFER_ERR_PSBT_MISSING_FIELD;
	p->tx.version = psbt_le32(kv->value);
	p->has_fallback_locktime = 0;
	p->tx.locktime = 0;
	if ((kv = keyless(&p->global, PSBT_GLOBAL_FALLBACK_LOCKTIME)) != NULL) {
		p->has_fallback_locktime = 1;
		p->tx.locktime = psbt_le32(kv->value);
	}
	p->tx_modifiable = 0;
	if ((kv = keyless(&p->global, PSBT_GLOBAL_TX_MODIFIABLE)) != NULL)
		p->tx_modifiable = kv->value[0];
	for (i = 0; i < p->n_in; i++) {
		const struct psbt_map *m = &p->in[i].map;
		const struct psbt_kv *txid = keyless(m, PSBT_IN_PREVIOUS_TXID);
		const struct psbt_kv *vout = keyless(m, PSBT_IN_OUTPUT_INDEX);
		uint32_t seq = TX_SEQUENCE_FINAL;

		if (txid == NULL || vout == NULL)
			return COFFER_ERR_PSBT_MISSING_FIELD;
		if ((kv = keyless(m, PSBT_IN_SEQUENCE)) != NULL)
			seq = psbt_le32(kv->value);
		if ((ret = tx_add_input(&p->tx, txid->value, psbt_le32(vout->value), seq)) != 0)
			return ret;
		kv = keyless(m, PSBT_IN_REQUIRED_TIME_LOCKTIME);
		p->in[i].time_locktime = kv != NULL ? psbt_le32(kv->value) : 0;
		kv = keyless(m, PSBT_IN_REQUIRED_HEIGHT_LOCKTIME);
		p->in[i].height_locktime = kv != NULL ? psbt_le32(kv->value) : 0;
	}
	for (i = 0; i < p->n_out; i++) {
		const struct psbt_kv *amount = keyless(&p->out[i].map, PSBT_OUT_AMOUNT);
		const struct psbt_kv *script = keyless(&p->out[i].map, PSBT_OUT_SCRIPT);

		if (amount == NULL || script == NULL)
			return COFFER_ERR_PSBT_MISSING_FIELD;
		if ((ret = tx_add_output(&p->tx, (int64_t)psbt_le64(amount->value), script->value,
		    script->value_len)) != 0)
			return ret;
	}
	return 0;
}

int
psbt_locktime(uint32_t *locktime, const struct psbt *p)
{
	uint32_t max_time = 0, max_height = 0;
	int any = 0, height_ok = 1, time_ok = 1;
	size_t i;

	*locktime = 0;
	if (p->version != 2) {
		*locktime = p->tx.locktime;
		return 0;
	}
	/* BIP370: among inputs that state a requirement, pick the kind all of them
	 * accept (height when both are possible); the locktime is the largest of
	 * that kind. Inputs stating none accept either. */
	for (i = 0; i < p->n_in; i++) {
		const struct psbt_input *in = &p->in[i];

		if (in->time_locktime == 0 && in->height_locktime == 0)
			continue;
		any = 1;
		if (in->height_locktime == 0)
			height_ok = 0;
		if (in->time_locktime == 0)
			time_ok = 0;
		if (in->height_locktime > max_height)
			max_height = in->height_locktime;
		if (in->time_locktime > max_time)
			max_time = in->time_locktime;
	}
	if (!any) {
		*locktime = p->tx.locktime;	/* fallback, or 0 */
		return 0;
	}
	if (height_ok) {
		*locktime = max_height;
		return 0;
	}
	if (time_ok) {
		*locktime = max_time;
		return 0;
	}
	return COFFER_ERR_PSBT_LOCKTIME;
}

int
psbt_unsigned_tx(struct tx *tx, const struct psbt *p)
{
	uint32_t lt;
	int ret;

	tx_init(tx);
	if ((ret = psbt_locktime(&lt, p)) != 0)
		return ret;
	if ((ret = tx_copy(tx, &p->tx)) != 0)
		return ret;
	tx->locktime = lt;
	return 0;
}

/* Insert or replace a pair without the API's field-kind restriction. */
static int
put(struct psbt_map *m, enum psbt_map_kind kind, uint8_t type, const uint8_t *v, size_t n)
{
	struct psbt_kv kv;
	int ret;

	if ((ret = psbt_kv_make(&kv, type, NULL, 0, v, n)) != 0)
		return ret;
	if ((ret = psbt_map_put(m, kind, &kv)) != 0)
		psbt_kv_free(&kv);
	return ret;
}

static void
le32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

static int
put_u32(struct psbt_map *m, enum psbt_map_kind kind, uint8_t type, uint32_t v)
{
	uint8_t b[4];

	le32(b, v);
	return put(m, kind, type, b, 4);
}

static int
put_compact(struct psbt_map *m, uint8_t type, uint64_t v)
{
	struct cbuf b;
	int ret;

	cbuf_init(&b, 9);
	if ((ret = cbuf_put_compact(&b, v)) == 0)
		ret = put(m, PSBT_MAP_GLOBAL, type, b.p, b.len);
	cbuf_free(&b);
	return ret;
}

static int
to_v0(struct psbt *d)
{
	static const uint8_t gdrop[] = { PSBT_GLOBAL_TX_VERSION, PSBT_GLOBAL_FALLBACK_LOCKTIME,
		PSBT_GLOBAL_INPUT_COUNT, PSBT_GLOBAL_OUTPUT_COUNT, PSBT_GLOBAL_TX_MODIFIABLE,
		PSBT_GLOBAL_VERSION };
	struct cbuf b;
	uint32_t lt;
	size_t i, j;
	int ret;

	if ((ret = psbt_locktime(&lt, d)) != 0)
		return ret;
	d->tx.locktime = lt;
	for (j = 0; j < sizeof(gdrop); j++)
		psbt_map_remove(&d->global, gdrop[j], NULL, 0);
	for (i = 0; i < d->n_in; i++) {
		for (j = PSBT_IN_PREVIOUS_TXID; j <= PSBT_IN_REQUIRED_HEIGHT_LOCKTIME; j++)
			psbt_map_remove(&d->in[i].map, j, NULL, 0);
		d->in[i].time_locktime = 0;
		d->in[i].height_locktime = 0;
	}
	for (i = 0; i < d->n_out; i++) {
		psbt_map_remove(&d->out[i].map, PSBT_OUT_AMOUNT, NULL, 0);
		psbt_map_remove(&d->out[i].map, PSBT_OUT_SCRIPT, NULL, 0);
	}
	d->version = 0;
	d->has_fallback_locktime = 0;
	d->tx_modifiable = 0;
	cbuf_init(&b, PSBT_MAX_SIZE);
	if ((ret = tx_serialize(&b, &d->tx, TX_NO_WITNESS)) == 0)
		ret = put(&d->global, PSBT_MAP_GLOBAL, PSBT_GLOBAL_UNSIGNED_TX, b.p, b.len);
	cbuf_free(&b);
	return ret;
}

static int
to_v2(struct psbt *d)
{
	uint8_t amount[8];
	size_t i, j;
	int ret;

	psbt_map_remove(&d->global, PSBT_GLOBAL_UNSIGNED_TX, NULL, 0);
	d->version = 2;
	d->has_fallback_locktime = 1;
	if ((ret = put_u32(&d->global, PSBT_MAP_GLOBAL, PSBT_GLOBAL_TX_VERSION, d->tx.version)) != 0 ||
	    (ret = put_u32(&d->global, PSBT_MAP_GLOBAL, PSBT_GLOBAL_FALLBACK_LOCKTIME,
	    d->tx.locktime)) != 0 ||
	    (ret = put_compact(&d->global, PSBT_GLOBAL_INPUT_COUNT, d->n_in)) != 0 ||
	    (ret = put_compact(&d->global, PSBT_GLOBAL_OUTPUT_COUNT, d->n_out)) != 0 ||
	    (ret = put_u32(&d->global, PSBT_MAP_GLOBAL, PSBT_GLOBAL_VERSION, 2)) != 0)
		return ret;
	for (i = 0; i < d->n_in; i++) {
		const struct tx_in *in = &d->tx.in[i];
		struct psbt_map *m = &d->in[i].map;

		if ((ret = put(m, PSBT_MAP_INPUT, PSBT_IN_PREVIOUS_TXID, in->prevout.txid, 32)) != 0 ||
		    (ret = put_u32(m, PSBT_MAP_INPUT, PSBT_IN_OUTPUT_INDEX, in->prevout.vout)) != 0 ||
		    (ret = put_u32(m, PSBT_MAP_INPUT, PSBT_IN_SEQUENCE, in->sequence)) != 0)
			return ret;
	}
	for (i = 0; i < d->n_out; i++) {
		const struct tx_out *o = &d->tx.out[i];
		uint64_t v = (uint64_t)o->value;

		for (j = 0; j < 8; j++)
			amount[j] = (uint8_t)(v >> (8 * j));
		if ((ret = put(&d->out[i].map, PSBT_MAP_OUTPUT, PSBT_OUT_AMOUNT, amount, 8)) != 0 ||
		    (ret = put(&d->out[i].map, PSBT_MAP_OUTPUT, PSBT_OUT_SCRIPT, o->script_pubkey,
		    o->script_pubkey_len)) != 0)
			return ret;
	}
	return 0;
}

int
psbt_convert(struct psbt *dst, const struct psbt *src, uint32_t version)
{
	int ret;

	psbt_init(dst);
	if (version != 0 && version != 2)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = psbt_copy(dst, src)) != 0)
		return ret;
	if (src->version == version)
		return 0;
	ret = version == 0 ? to_v0(dst) : to_v2(dst);
	if (ret != 0)
		psbt_free(dst);
	return ret;
}
