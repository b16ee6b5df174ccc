/*
 * PSBT updater: UTXOs, scripts and key derivations, one field at a time or
 * from a pool of what the wallet knows.
 */
#include <string.h>

#include "btc/hash.h"
#include "btc/psbt_int.h"
#include "btc/script.h"
#include "btc/taproot.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

static struct psbt_map *
map_of(struct psbt *p, enum psbt_map_kind kind, size_t index)
{
	if (kind == PSBT_MAP_INPUT)
		return index < p->n_in ? &p->in[index].map : NULL;
	if (kind == PSBT_MAP_OUTPUT)
		return index < p->n_out ? &p->out[index].map : NULL;
	return NULL;
}

static int
put_origin(struct cbuf *b, const struct psbt_origin *o)
{
	size_t i;
	int ret;

	if (o->depth > PSBT_MAX_PATH_DEPTH)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = cbuf_put(b, o->fingerprint, 4)) != 0)
		return ret;
	for (i = 0; i < o->depth; i++)
		if ((ret = cbuf_put_u32le(b, o->path[i])) != 0)
			return ret;
	return 0;
}

int
psbt_update_derivation(struct psbt *p, enum psbt_map_kind kind, size_t index,
    const uint8_t *pubkey, size_t pubkey_len, const struct psbt_origin *origin)
{
	struct psbt_map *m = map_of(p, kind, index);
	struct cbuf v;
	int ret;

	if (m == NULL)
		return COFFER_ERR_INPUT_INDEX;
	cbuf_init(&v, 4 + 4 * PSBT_MAX_PATH_DEPTH);
	if ((ret = put_origin(&v, origin)) == 0)
		ret = psbt_map_set(p, m, kind, kind == PSBT_MAP_INPUT ? PSBT_IN_BIP32_DERIVATION :
		    PSBT_OUT_BIP32_DERIVATION, pubkey, pubkey_len, v.p, v.len);
	cbuf_free(&v);
	return ret;
}

int
psbt_update_tap_derivation(struct psbt *p, enum psbt_map_kind kind, size_t index,
    const uint8_t xonly[32], const uint8_t *leaf_hashes, size_t n_leaves,
    const struct psbt_origin *origin)
{
	struct psbt_map *m = map_of(p, kind, index);
	struct cbuf v;
	int ret;

	if (m == NULL)
		return COFFER_ERR_INPUT_INDEX;
	if (n_leaves > PSBT_MAX_SIZE / 32)
		return COFFER_ERR_TOO_LARGE;
	cbuf_init(&v, PSBT_MAX_SIZE);
	if ((ret = cbuf_put_compact(&v, n_leaves)) == 0 &&
	    (ret = cbuf_put(&v, leaf_hashes, 32 * n_leaves)) == 0 &&
	    (ret = put_origin(&v, origin)) == 0)
		ret = psbt_map_set(p, m, kind, kind == PSBT_MAP_INPUT ?
		    PSBT_IN_TAP_BIP32_DERIVATION : PSBT_OUT_TAP_BIP32_DERIVATION, xonly, 32, v.p,
		    v.len);
	cbuf_free(&v);
	return ret;
}

int
psbt_update_input_witness_utxo(struct psbt *p, size_t index, int64_t amount, const uint8_t *spk,
    size_t spk_len)
{
	struct cbuf v;
	int ret;

	if (index >= p->n_in)
		return COFFER_ERR_INPUT_INDEX;
	if (amount < 0 || amount > TX_MAX_MONEY)
		return COFFER_ERR_BAD_AMOUNT;
	cbuf_init(&v, PSBT_MAX_SIZE);
	if ((ret = cbuf_put_u64le(&v, (uint64_t)amount)) == 0 &&
	    (ret = cbuf_put_varbytes(&v, spk, spk_len)) == 0)
		ret = psbt_map_set(p, &p->in[index].map, PSBT_MAP_INPUT, PSBT_IN_WITNESS_UTXO,
		    NULL, 0, v.p, v.len);
	cbuf_free(&v);
	return ret;
}

int
psbt_update_input_utxo(struct psbt *p, size_t index, const struct tx *prev, int with_witness_utxo)
{
	const struct tx_outpoint *op;
	uint8_t txid[32];
	struct cbuf v;
	int ret;

	if (index >= p->n_in)
		return COFFER_ERR_INPUT_INDEX;
	op = &p->tx.in[index].prevout;
	if ((ret = tx_txid(txid, prev)) != 0)
		return ret;
	if (memcmp(txid, op->txid, 32) != 0 || op->vout >= prev->n_out)
		return COFFER_ERR_PSBT_UTXO_MISMATCH;
	cbuf_init(&v, PSBT_MAX_SIZE);
	if ((ret = tx_serialize(&v, prev, 0)) == 0)
		ret = psbt_map_set(p, &p->in[index].map, PSBT_MAP_INPUT, PSBT_IN_NON_WITNESS_UTXO,
		    NULL, 0, v.p, v.len);
	cbuf_free(&v);
	if (ret == 0 && with_witness_utxo)
		ret = psbt_update_input_witness_utxo(p, index, prev->out[op->vout].value,
		    prev->out[op->vout].script_pubkey, prev->out[op->vout].script_pubkey_len);
	return ret;
}

int
psbt_update_input_sighash(struct psbt *p, size_t index, uint32_t sighash_type)
{
	uint8_t v[4];

	if (index >= p->n_in)
		return COFFER_ERR_INPUT_INDEX;
	v[0] = (uint8_t)sighash_type;
	v[1] = (uint8_t)(sighash_type >> 8);
	v[2] = (uint8_t)(sighash_type >> 16);
	v[3] = (uint8_t)(sighash_type >> 24);
	return psbt_map_set(p, &p->in[index].map, PSBT_MAP_INPUT, PSBT_IN_SIGHASH_TYPE, NULL, 0,
	    v, 4);
}

/* --- pool-driven updater --------------------------------------------------- */

/* A pool script hashing to a P2SH (20-byte HASH160) or P2WSH (32-byte SHA256) program. */
static int
find_script(const struct psbt_update_pool *pool, const uint8_t *prog, size_t prog_len,
    const uint8_t **script, size_t *len)
{
	uint8_t h[32];
	size_t i;

	for (i = 0; i < pool->n_scripts; i++) {
		if (prog_len == 20)
			script_hash160(h, pool->scripts[i], pool->script_lens[i]);
		else
			script_sha256(h, pool->scripts[i], pool->script_lens[i]);
		if (memcmp(h, prog, prog_len) == 0) {
			*script = pool->scripts[i];
			*len = pool->script_lens[i];
			return 1;
		}
	}
	return 0;
}

/* Scripts an output commits to, resolved from the pool. */
struct resolved {
	struct script_info spk, eff;
	const uint8_t *rs, *ws;
	size_t rs_len, ws_len;
};

static void
resolve(struct resolved *r, const struct psbt_update_pool *pool, const uint8_t *spk, size_t len)
{
	memset(r, 0, sizeof(*r));
	(void)script_classify(&r->spk, spk, len);
	r->eff = r->spk;
	if (r->spk.type == SCRIPT_P2SH && find_script(pool, r->spk.program, 20, &r->rs, &r->rs_len))
		(void)script_classify(&r->eff, r->rs, r->rs_len);
	if (r->eff.type == SCRIPT_P2WSH)
		(void)find_script(pool, r->eff.program, 32, &r->ws, &r->ws_len);
}

static int
key_used(const struct resolved *r, const uint8_t *spk, size_t spk_len, const uint8_t *pub,
    size_t pub_len)
{
	uint8_t h[20];

	if (r->eff.type == SCRIPT_P2PKH || r->eff.type == SCRIPT_P2WPKH) {
		hash160(h, pub, pub_len);
		return memcmp(h, r->eff.program, 20) == 0;
	}
	return psbt_script_has_push(spk, spk_len, pub, pub_len) ||
	    (r->rs != NULL && psbt_script_has_push(r->rs, r->rs_len, pub, pub_len)) ||
	    (r->ws != NULL && psbt_script_has_push(r->ws, r->ws_len, pub, pub_len));
}

static int
update_map(struct psbt *p, enum psbt_map_kind kind, size_t index,
    const struct psbt_update_pool *pool, const uint8_t *spk, size_t spk_len)
{
	struct psbt_map *m = map_of(p, kind, index);
	int in = kind == PSBT_MAP_INPUT;
	struct resolved r;
	size_t k;
	int ret;

	resolve(&r, pool, spk, spk_len);
	if (r.rs != NULL && (ret = psbt_map_set(p, m, kind, in ? PSBT_IN_REDEEM_SCRIPT :
	    PSBT_OUT_REDEEM_SCRIPT, NULL, 0, r.rs, r.rs_len)) != 0)
		return ret;
	if (r.ws != NULL && (ret = psbt_map_set(p, m, kind, in ? PSBT_IN_WITNESS_SCRIPT :
	    PSBT_OUT_WITNESS_SCRIPT, NULL, 0, r.ws, r.ws_len)) != 0)
		return ret;
	for (k = 0; k < pool->n_keys; k++) {
		const struct psbt_pool_key *pk = &pool->keys[k];
		uint8_t q[32];

		if (r.spk.type == SCRIPT_P2TR) {
			/* BIP86 key path: the key tweaks to the output key. */
			if (pk->pubkey_len != 33 || taproot_output_key(q, NULL, pk->pubkey + 1, NULL) != 0 ||
			    memcmp(q, r.spk.program, 32) != 0)
				continue;
			if ((ret = psbt_map_set(p, m, kind, in ? PSBT_IN_TAP_INTERNAL_KEY :
			    PSBT_OUT_TAP_INTERNAL_KEY, NULL, 0, pk->pubkey + 1, 32)) != 0 ||
			    (ret = psbt_update_tap_derivation(p, kind, index, pk->pubkey + 1, NULL, 0,
			    &pk->origin)) != 0)
				return ret;
			continue;
		}
		if (key_used(&r, spk, spk_len, pk->pubkey, pk->pubkey_len) &&
		    (ret = psbt_update_derivation(p, kind, index, pk->pubkey, pk->pubkey_len,
		    &pk->origin)) != 0)
			return ret;
	}
	return 0;
}

int
psbt_update(struct psbt *p, const struct psbt_update_pool *pool, unsigned int flags)
{
	size_t i, j;
	int ret;

	for (i = 0; i < p->n_in; i++) {
		const struct tx_outpoint *op = &p->tx.in[i].prevout;
		const struct tx *prev = NULL;
		const struct tx_out *o;
		struct resolved r;
		uint8_t txid[32];

		for (j = 0; j < pool->n_prev_txs && prev == NULL; j++) {
			if ((ret = tx_txid(txid, &pool->prev_txs[j])) != 0)
				return ret;
			if (memcmp(txid, op->txid, 32) == 0 && op->vout < pool->prev_txs[j].n_out)
				prev = &pool->prev_txs[j];
		}
		if (prev == NULL)
			continue;
		o = &prev->out[op->vout];
		resolve(&r, pool, o->script_pubkey, o->script_pubkey_len);
		if (r.eff.witness_version >= 0) {
			if ((flags & PSBT_UPDATE_FULL_UTXO_ALWAYS) != 0)
				ret = psbt_update_input_utxo(p, i, prev, 1);
			else
				ret = psbt_update_input_witness_utxo(p, i, o->value, o->script_pubkey,
				    o->script_pubkey_len);
		} else {
			ret = psbt_update_input_utxo(p, i, prev, 0);
		}
		if (ret != 0 || (ret = update_map(p, PSBT_MAP_INPUT, i, pool, o->script_pubkey,
		    o->script_pubkey_len)) != 0)
			return ret;
	}
	for (i = 0; i < p->n_out; i++)
		if ((ret = update_map(p, PSBT_MAP_OUTPUT, i, pool, p->tx.out[i].script_pubkey,
		    p->tx.out[i].script_pubkey_len)) != 0)
			return ret;
	return 0;
}
