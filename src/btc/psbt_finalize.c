/*
 * PSBT finaliser and extractor. Each input's final scriptSig/witness is built
 * from signatures that verify against the sighash recomputed here, for the
 * script templates Coffer produces: pkh, wpkh, sh-wpkh, pk, multisig (bare,
 * sh, wsh, sh-wsh), tr key path, tr script path with pk or multi_a leaves.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/psbt_int.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

#define MULTI_A_MAX_KEYS 999

struct fin_ctx {
	struct psbt *p;
	struct tx tx;
	struct sighash_cache cache;
	struct tx_out *spent;		/* NULL when some input's UTXO is unknown */
	struct sighash_cache tcache;
};

/* A witness under construction: items as CompactSize-prefixed bytes. */
struct wit {
	struct cbuf items;
	size_t count;
};

static void
wit_init(struct wit *w)
{
	cbuf_init(&w->items, TX_MAX_SIZE);
	w->count = 0;
}

static int
wit_push(struct wit *w, const uint8_t *p, size_t n)
{
	w->count++;
	return cbuf_put_varbytes(&w->items, p, n);
}

/* Verify a partial signature (DER || sighash byte) of pub for input i. */
static int
ecdsa_sig_ok(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t *pub,
    size_t pub_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t msg[32], sig64[64];

	if (sig_len < 2 || sign_der_decode(sig64, sig, sig_len - 1) != 0)
		return 0;
	if (psbt_spend_sighash_ecdsa(msg, s, &c->tx, &c->cache, i, sig[sig_len - 1]) != 0)
		return 0;
	return sign_ecdsa_verify(sig64, msg, pub, pub_len) == 0;
}

/* The verified partial signature of pub, or NULL. */
static const struct psbt_kv *
ecdsa_sig_for(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t *pub,
    size_t pub_len)
{
	const struct psbt_kv *kv = psbt_map_find(&c->p->in[i].map, PSBT_IN_PARTIAL_SIG, pub, pub_len);

	if (kv == NULL || !ecdsa_sig_ok(c, i, s, pub, pub_len, kv->value, kv->value_len))
		return NULL;
	return kv;
}

/* A P2PKH/P2WPKH spend: the signature of a key hashing to the program. */
static int
fin_pkh(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, struct cbuf *ss,
    struct wit *w)
{
	const struct psbt_map *m = &c->p->in[i].map;
	size_t j;
	int ret;

	for (j = 0; j < m->n; j++) {
		const struct psbt_kv *kv = &m->kv[j];
		const uint8_t *pub = psbt_kv_keydata(kv);
		size_t pub_len = psbt_kv_keydata_len(kv);

		if (kv->type != PSBT_IN_PARTIAL_SIG || !psbt_spend_uses_key(s, pub, pub_len) ||
		    !ecdsa_sig_ok(c, i, s, pub, pub_len, kv->value, kv->value_len))
			continue;
		if (w != NULL) {
			if ((ret = wit_push(w, kv->value, kv->value_len)) != 0 ||
			    (ret = wit_push(w, pub, pub_len)) != 0)
				return ret;
			return 0;
		}
		if ((ret = script_push_data(ss, kv->value, kv->value_len)) != 0 ||
		    (ret = script_push_data(ss, pub, pub_len)) != 0)
			return ret;
		return 0;
	}
	return COFFER_ERR_PSBT_CANNOT_FINALIZE;
}

/* OP_m <keys> OP_n OP_CHECKMULTISIG: m signatures in key order after a dummy. */
static int
fin_multisig(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t *script,
    size_t len, struct cbuf *ss, struct wit *w)
{
	struct script_info info;
	struct creader r;
	const uint8_t *d;
	size_t dl, have = 0;
	uint8_t op;
	int ret;

	if (script_classify(&info, script, len) != 0 || info.type != SCRIPT_MULTISIG)
		return COFFER_ERR_PSBT_CANNOT_FINALIZE;
	/* First pass counts, second writes: never a half-built witness. */
	creader_init(&r, script + 1, len - 3);
	while (have < info.m && script_next_op(&r, &op, &d, &dl) == 0)
		if (ecdsa_sig_for(c, i, s, d, dl) != NULL)
			have++;
	if (have < info.m)
		return COFFER_ERR_PSBT_CANNOT_FINALIZE;
	if ((ret = w != NULL ? wit_push(w, NULL, 0) : script_push_op(ss, OP_0)) != 0)
		return ret;
	have = 0;
	creader_init(&r, script + 1, len - 3);
	while (have < info.m && script_next_op(&r, &op, &d, &dl) == 0) {
		const struct psbt_kv *kv = ecdsa_sig_for(c, i, s, d, dl);

		if (kv == NULL)
			continue;
		have++;
		ret = w != NULL ? wit_push(w, kv->value, kv->value_len) :
		    script_push_data(ss, kv->value, kv->value_len);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
fin_legacy(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, struct cbuf *ss)
{
	const struct script_info *info = s->nested ? &s->rs_info : &s->spk_info;
	const uint8_t *script;
	size_t len;
	int ret;

	script = psbt_spend_script(s, &len);
	switch (info->type) {
	case SCRIPT_P2PKH:
		ret = fin_pkh(c, i, s, ss, NULL);
		break;
	case SCRIPT_P2PK: {
		const struct psbt_kv *kv = ecdsa_sig_for(c, i, s, info->program, info->program_len);

		ret = kv == NULL ? COFFER_ERR_PSBT_CANNOT_FINALIZE :
		    script_push_data(ss, kv->value, kv->value_len);
		break;
	}
	case SCRIPT_MULTISIG:
		ret = fin_multisig(c, i, s, script, len, ss, NULL);
		break;
	default:
		ret = COFFER_ERR_PSBT_CANNOT_FINALIZE;
		break;
	}
	if (ret == 0 && s->nested)
		ret = script_push_data(ss, s->rs, s->rs_len);
	return ret;
}

static int
fin_segwit(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, struct cbuf *ss,
    struct wit *w)
{
	struct script_info wsi;
	int ret;

	if (s->kind == PSBT_SPEND_WPKH) {
		ret = fin_pkh(c, i, s, NULL, w);
	} else {
		(void)script_classify(&wsi, s->ws, s->ws_len);
		if (wsi.type == SCRIPT_MULTISIG) {
			ret = fin_multisig(c, i, s, s->ws, s->ws_len, NULL, w);
		} else if (wsi.type == SCRIPT_P2PK && wsi.program_len == 33) {
			const struct psbt_kv *kv = ecdsa_sig_for(c, i, s, wsi.program, 33);

			ret = kv == NULL ? COFFER_ERR_PSBT_CANNOT_FINALIZE :
			    wit_push(w, kv->value, kv->value_len);
		} else {
			ret = COFFER_ERR_PSBT_CANNOT_FINALIZE;
		}
		if (ret == 0)
			ret = wit_push(w, s->ws, s->ws_len);
	}
	if (ret == 0 && s->nested)
		ret = script_push_data(ss, s->rs, s->rs_len);
	return ret;
}

/* A BIP340 signature (64, or 65 with a non-default sighash byte) that verifies. */
static int
schnorr_ok(const struct fin_ctx *c, size_t i, const uint8_t *sig, size_t sig_len,
    const uint8_t key[32], const uint8_t *leaf)
{
	uint8_t msg[32];
	uint8_t ht = sig_len == 65 ? sig[64] : SIGHASH_DEFAULT;

	if ((sig_len != 64 && sig_len != 65) || (sig_len == 65 && ht == SIGHASH_DEFAULT))
		return 0;
	if (sighash_taproot(msg, &c->tcache, i, ht, NULL, 0, leaf, SIGHASH_NO_CODESEP) != 0)
		return 0;
	return sign_schnorr_verify(sig, msg, 32, key) == 0;
}

/* Keys of a pk(X) or multi_a(m, X1..Xn) leaf. Returns n (0: another script). */
static size_t
parse_leaf(const uint8_t *script, size_t len, const uint8_t **keys, size_t max, unsigned int *m)
{
	struct creader r;
	const uint8_t *d;
	size_t dl, n = 0;
	uint8_t op;

	*m = 0;
	if (len == 34 && script[0] == 32 && script[33] == OP_CHECKSIG) {
		keys[0] = script + 1;
		*m = 1;
		return 1;
	}
	creader_init(&r, script, len);
	for (;;) {
		if (script_next_op(&r, &op, &d, &dl) != 0)
			return 0;
		if (dl != 32 || op != 32 || n >= max)
			break;
		keys[n] = d;
		if (script_next_op(&r, &op, &d, &dl) != 0 ||
		    op != (n == 0 ? OP_CHECKSIG : OP_CHECKSIGADD))
			return 0;
		n++;
	}
	if (n == 0)
		return 0;
	/* The threshold: OP_1..OP_16 or a minimal CScriptNum push, then OP_NUMEQUAL. */
	if (op >= OP_1 && op <= OP_16) {
		*m = (unsigned int)(op - OP_1 + 1);
	} else if (d != NULL && dl >= 1 && dl <= 2 && op == dl && (d[dl - 1] & 0x80) == 0 &&
	    (dl == 1 || d[1] != 0 || (d[0] & 0x80) != 0)) {
		*m = dl == 1 ? d[0] : (unsigned int)d[0] | (unsigned int)d[1] << 8;
	} else {
		return 0;
	}
	if (script_next_op(&r, &op, &d, &dl) != 0 || op != OP_NUMEQUAL ||
	    creader_remaining(&r) != 0 || *m < 1 || *m > n)
		return 0;
	return n;
}

/* Best (smallest) satisfiable script-path witness of a taproot input. */
static int
fin_tap_script(const struct fin_ctx *c, size_t i, const uint8_t q[32], struct wit *best)
{
	const struct psbt_map *m = &c->p->in[i].map;
	const uint8_t **keys;
	size_t j, k, n, best_size = SIZE_MAX;
	int ret = COFFER_ERR_PSBT_CANNOT_FINALIZE;

	if ((keys = calloc(MULTI_A_MAX_KEYS, sizeof(*keys))) == NULL)
		return COFFER_ERR_NOMEM;
	for (j = 0; j < m->n; j++) {
		const struct psbt_kv *kv = &m->kv[j];
		const uint8_t *script = kv->value, *cb = psbt_kv_keydata(kv);
		size_t script_len = kv->value_len - 1, cb_len = psbt_kv_keydata_len(kv), have = 0;
		uint8_t leaf[32], skey[64];
		unsigned int thr;
		struct wit w;
		int err = 0;

		if (kv->type != PSBT_IN_TAP_LEAF_SCRIPT ||
		    kv->value[kv->value_len - 1] != TAPROOT_LEAF_TAPSCRIPT ||
		    taproot_control_block_check(leaf, q, cb, cb_len, script, script_len) != 0 ||
		    (n = parse_leaf(script, script_len, keys, MULTI_A_MAX_KEYS, &thr)) == 0)
			continue;
		wit_init(&w);
		memcpy(skey + 32, leaf, 32);
		/* Witness items bottom-up: the last key's signature first. */
		for (k = n; k-- > 0;) {
			const struct psbt_kv *sig;

			memcpy(skey, keys[k], 32);
			sig = psbt_map_find(m, PSBT_IN_TAP_SCRIPT_SIG, skey, 64);
			if (sig != NULL && have < thr &&
			    schnorr_ok(c, i, sig->value, sig->value_len, keys[k], leaf)) {
				have++;
				err = wit_push(&w, sig->value, sig->value_len);
			} else {
				err = wit_push(&w, NULL, 0);
			}
			if (err != 0)
				break;
		}
		if (err == 0 && have == thr && wit_push(&w, script, script_len) == 0 &&
		    wit_push(&w, cb, cb_len) == 0 && w.items.len < best_size) {
			cbuf_free(&best->items);
			*best = w;
			best_size = w.items.len;
			ret = 0;
			continue;
		}
		cbuf_free(&w.items);
	}
	free(keys);
	return ret;
}

static int
fin_taproot(const struct fin_ctx *c, size_t i, const struct psbt_spend *s, struct wit *w)
{
	const struct psbt_kv *ks = psbt_map_find(&c->p->in[i].map, PSBT_IN_TAP_KEY_SIG, NULL, 0);

	if (c->spent == NULL)
		return COFFER_ERR_PSBT_CANNOT_FINALIZE;	/* cannot verify without all amounts */
	if (ks != NULL && schnorr_ok(c, i, ks->value, ks->value_len, s->spk_info.program, NULL))
		return wit_push(w, ks->value, ks->value_len);
	return fin_tap_script(c, i, s->spk_info.program, w);
}

/* Fields a finalised input keeps (BIP174: UTXOs, final scripts, unknowns). */
static int
keep_after_final(uint64_t type)
{
	if (type == PSBT_IN_NON_WITNESS_UTXO || type == PSBT_IN_WITNESS_UTXO ||
	    type == PSBT_IN_FINAL_SCRIPTSIG || type == PSBT_IN_FINAL_SCRIPTWITNESS ||
	    type == PSBT_IN_POR_COMMITMENT || type == PSBT_IN_PROPRIETARY ||
	    (type >= PSBT_IN_PREVIOUS_TXID && type <= PSBT_IN_REQUIRED_HEIGHT_LOCKTIME))
		return 1;
	return psbt_field_lookup(PSBT_MAP_INPUT, type, NULL) == NULL;
}

static int
finalize_input(struct fin_ctx *c, size_t i)
{
	struct psbt_map *m = &c->p->in[i].map;
	struct psbt_spend s;
	struct cbuf ss, fw;
	struct wit w;
	size_t j;
	int ret;

	cbuf_init(&ss, TX_MAX_SIZE);
	cbuf_init(&fw, TX_MAX_SIZE);
	wit_init(&w);
	if ((ret = psbt_spend_analyse(&s, c->p, i)) != 0 || s.missing_script) {
		ret = ret == COFFER_ERR_NOMEM ? ret : COFFER_ERR_PSBT_CANNOT_FINALIZE;
		goto out;
	}
	switch (s.kind) {
	case PSBT_SPEND_LEGACY:
		ret = fin_legacy(c, i, &s, &ss);
		break;
	case PSBT_SPEND_WPKH:
	case PSBT_SPEND_WSH:
		ret = fin_segwit(c, i, &s, &ss, &w);
		break;
	case PSBT_SPEND_TAPROOT:
		ret = fin_taproot(c, i, &s, &w);
		break;
	default:
		ret = COFFER_ERR_PSBT_CANNOT_FINALIZE;
		break;
	}
	if (ret != 0)
		goto out;
	if (w.count > 0 && ((ret = cbuf_put_compact(&fw, w.count)) != 0 ||
	    (ret = cbuf_put(&fw, w.items.p, w.items.len)) != 0))
		goto out;
	/* Clear first, then add: the final fields land at their canonical place. */
	for (j = 0; j < m->n;) {
		if (keep_after_final(m->kv[j].type))
			j++;
		else
			psbt_map_remove(m, m->kv[j].type, NULL, 0);
	}
	if (ss.len > 0 && (ret = psbt_map_set(c->p, m, PSBT_MAP_INPUT, PSBT_IN_FINAL_SCRIPTSIG,
	    NULL, 0, ss.p, ss.len)) != 0)
		goto out;
	if (fw.len > 0)
		ret = psbt_map_set(c->p, m, PSBT_MAP_INPUT, PSBT_IN_FINAL_SCRIPTWITNESS, NULL, 0,
		    fw.p, fw.len);
out:
	psbt_spend_free(&s);
	cbuf_free(&ss);
	cbuf_free(&fw);
	cbuf_free(&w.items);
	return ret;
}

int
psbt_finalize(struct psbt *p, size_t *n_final)
{
	struct fin_ctx c;
	size_t i, done = 0;
	int ret, all = 1;

	if (n_final != NULL)
		*n_final = 0;
	memset(&c, 0, sizeof(c));
	c.p = p;
	tx_init(&c.tx);
	if ((ret = psbt_unsigned_tx(&c.tx, p)) != 0 ||
	    (ret = sighash_cache_init(&c.cache, &c.tx, NULL, 0)) != 0)
		goto out;
	if (psbt_spent_outputs(&c.spent, p) == 0 &&
	    sighash_cache_init(&c.tcache, &c.tx, c.spent, p->n_in) != 0) {
		psbt_spent_free(c.spent, p->n_in);
		c.spent = NULL;
	}
	for (i = 0; i < p->n_in; i++) {
		if (!psbt_input_is_final(p, i)) {
			ret = finalize_input(&c, i);
			if (ret == COFFER_ERR_PSBT_CANNOT_FINALIZE) {
				all = 0;
				continue;
			}
			if (ret != 0)
				goto out;
		}
		done++;
	}
	ret = all ? 0 : COFFER_ERR_PSBT_CANNOT_FINALIZE;
	if (n_final != NULL)
		*n_final = done;
out:
	psbt_spent_free(c.spent, p->n_in);
	tx_free(&c.tx);
	return ret;
}

int
psbt_extract(struct tx *tx, const struct psbt *p)
{
	size_t i;
	int ret;

	if ((ret = psbt_unsigned_tx(tx, p)) != 0)
		return ret;
	for (i = 0; i < p->n_in; i++) {
		const struct psbt_kv *ss = psbt_map_find(&p->in[i].map, PSBT_IN_FINAL_SCRIPTSIG, NULL, 0);
		const struct psbt_kv *fw = psbt_map_find(&p->in[i].map, PSBT_IN_FINAL_SCRIPTWITNESS,
		    NULL, 0);
		struct creader r;
		uint64_t n, k;

		if (ss == NULL && fw == NULL) {
			ret = COFFER_ERR_PSBT_NOT_FINAL;
			goto fail;
		}
		if (ss != NULL && (ret = tx_in_set_script_sig(&tx->in[i], ss->value,
		    ss->value_len)) != 0)
			goto fail;
		if (fw == NULL)
			continue;
		creader_init(&r, fw->value, fw->value_len);
		if (creader_get_compact(&r, &n) != 0) {
			ret = COFFER_ERR_PSBT_BAD_VALUE;
			goto fail;
		}
		for (k = 0; k < n; k++) {
			const uint8_t *item;
			size_t item_len;

			if (creader_get_varbytes(&r, &item, &item_len, fw->value_len) != 0) {
				ret = COFFER_ERR_PSBT_BAD_VALUE;
				goto fail;
			}
			if ((ret = tx_witness_push(&tx->in[i].witness, item, item_len)) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	tx_free(tx);
	return ret;
}
