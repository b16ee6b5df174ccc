/*
 * PSBT -> JSON (jansson) for `coffer psbt decode`: the transaction, every
 * known field decoded, unknown pairs as hex, and the fee when computable.
 * Nothing here is secret: a PSBT holds public data and signatures only.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "btc/bip32.h"
#include "btc/psbt_int.h"
#include "btc/script.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

/* Object/array builders that tolerate NULL (out of memory is checked once, at the end). */
static _Thread_local int oom;

static void
set(json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL || json_object_set_new(o, k, v) != 0)
		oom = 1;
}

static void
push(json_t *a, json_t *v)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0)
		oom = 1;
}

static json_t *
hexj(const uint8_t *p, size_t n)
{
	struct cbuf b;
	json_t *j;

	cbuf_init(&b, 0);
	if (hex_encode_buf(&b, p, n) != 0 || cbuf_put_u8(&b, 0) != 0) {
		cbuf_free(&b);
		return NULL;
	}
	j = json_string((const char *)b.p);
	cbuf_free(&b);
	return j;
}

/* An array member of o, created on first use. */
static json_t *
arr(json_t *o, const char *k)
{
	json_t *a = json_object_get(o, k);

	if (a == NULL) {
		a = json_array();
		set(o, k, a);
	}
	return a;
}

static const char *
script_type_name(const uint8_t *spk, size_t len)
{
	static const char *const names[] = { "nonstandard", "p2pk", "p2pkh", "p2sh", "multisig",
		"nulldata", "p2wpkh", "p2wsh", "p2tr", "witness_unknown" };
	struct script_info info;

	(void)script_classify(&info, spk, len);
	return (size_t)info.type < sizeof(names) / sizeof(names[0]) ? names[info.type] : "nonstandard";
}

static void
origin_into(json_t *o, const struct psbt_origin *or)
{
	char path[BIP32_PATH_BUFSIZE];

	set(o, "fingerprint", hexj(or->fingerprint, 4));
	if (bip32_path_format(path, sizeof(path), or->path, or->depth, 'h') == 0)
		set(o, "path", json_string(path));
}

static json_t *
derivation(const uint8_t *key, size_t key_len, const uint8_t *v, size_t n, int tap)
{
	json_t *o = json_object();
	struct psbt_origin or;
	const uint8_t *leaves;
	size_t n_leaves, i;

	set(o, "pubkey", hexj(key, key_len));
	if (!tap) {
		if (psbt_origin_decode(&or, v, n) == 0)
			origin_into(o, &or);
		return o;
	}
	if (psbt_tap_origin_decode(&leaves, &n_leaves, &or, v, n) == 0) {
		json_t *l = json_array();

		for (i = 0; i < n_leaves; i++)
			push(l, hexj(leaves + 32 * i, 32));
		set(o, "leaf_hashes", l);
		origin_into(o, &or);
	}
	return o;
}

static json_t *
witness_json(const uint8_t *v, size_t n)
{
	json_t *a = json_array();
	struct creader r;
	uint64_t count, i;
	const uint8_t *item;
	size_t item_len;

	creader_init(&r, v, n);
	if (creader_get_compact(&r, &count) != 0)
		return a;
	for (i = 0; i < count; i++) {
		if (creader_get_varbytes(&r, &item, &item_len, n) != 0)
			break;
		push(a, hexj(item, item_len));
	}
	return a;
}

static void
unknown(json_t *o, const struct psbt_kv *kv)
{
	json_t *u = json_object();

	set(u, "key", hexj(kv->key, kv->key_len));
	set(u, "value", hexj(kv->value, kv->value_len));
	push(arr(o, kv->type == 0xfc ? "proprietary" : "unknown"), u);
}

static void
musig_into(json_t *o, const struct psbt_kv *kv, const char *what)
{
	const uint8_t *kd = psbt_kv_keydata(kv);
	json_t *e = json_object();

	set(e, "participant", hexj(kd, 33));
	set(e, "aggregate", hexj(kd + 33, 33));
	if (psbt_kv_keydata_len(kv) == 98)
		set(e, "leaf_hash", hexj(kd + 66, 32));
	set(e, what, hexj(kv->value, kv->value_len));
	push(arr(o, what[0] == 'p' && what[1] == 'u' ? "musig2_pubnonces" : "musig2_partial_sigs"), e);
}

static void
participants_into(json_t *o, const struct psbt_kv *kv)
{
	json_t *e = json_object(), *l = json_array();
	size_t i;

	set(e, "aggregate", hexj(psbt_kv_keydata(kv), 33));
	for (i = 0; i + 33 <= kv->value_len; i += 33)
		push(l, hexj(kv->value + i, 33));
	set(e, "participants", l);
	push(arr(o, "musig2_participants"), e);
}

static json_t *
input_json(const struct psbt *p, size_t idx)
{
	const struct psbt_map *m = &p->in[idx].map;
	json_t *o = json_object();
	struct cbuf spk;
	int64_t amount;
	int src, ret;
	size_t i;

	cbuf_init(&spk, 0);
	ret = psbt_input_utxo(&amount, &spk, &src, p, idx);
	if (ret == 0) {
		json_t *u = json_object();

		set(u, "amount", json_integer(amount));
		set(u, "script", hexj(spk.p, spk.len));
		set(u, "type", json_string(script_type_name(spk.p, spk.len)));
		set(u, "source", json_string(src == PSBT_IN_NON_WITNESS_UTXO ? "non_witness_utxo" :
		    "witness_utxo"));
		set(o, "utxo", u);
	} else if (ret != COFFER_ERR_MISSING_UTXO) {
		set(o, "utxo_error", json_string(coffer_err_name(ret)));
	}
	cbuf_free(&spk);
	for (i = 0; i < m->n; i++) {
		const struct psbt_kv *kv = &m->kv[i];
		const uint8_t *kd = psbt_kv_keydata(kv);
		size_t kdl = psbt_kv_keydata_len(kv);
		json_t *e;

		switch (kv->type) {
		case PSBT_IN_NON_WITNESS_UTXO:
		case PSBT_IN_WITNESS_UTXO:
		case PSBT_IN_PREVIOUS_TXID:
		case PSBT_IN_OUTPUT_INDEX:
		case PSBT_IN_SEQUENCE:
			break;	/* shown under "utxo" and in the transaction */
		case PSBT_IN_PARTIAL_SIG:
			e = json_object();
			set(e, "pubkey", hexj(kd, kdl));
			set(e, "signature", hexj(kv->value, kv->value_len));
			push(arr(o, "partial_sigs"), e);
			break;
		case PSBT_IN_SIGHASH_TYPE:
			set(o, "sighash_type", json_integer(psbt_le32(kv->value)));
			break;
		case PSBT_IN_REDEEM_SCRIPT:
			set(o, "redeem_script", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_WITNESS_SCRIPT:
			set(o, "witness_script", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_BIP32_DERIVATION:
			push(arr(o, "bip32_derivs"), derivation(kd, kdl, kv->value, kv->value_len, 0));
			break;
		case PSBT_IN_FINAL_SCRIPTSIG:
			set(o, "final_scriptsig", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_FINAL_SCRIPTWITNESS:
			set(o, "final_scriptwitness", witness_json(kv->value, kv->value_len));
			break;
		case PSBT_IN_RIPEMD160:
		case PSBT_IN_SHA256:
		case PSBT_IN_HASH160:
		case PSBT_IN_HASH256:
			e = json_object();
			set(e, "type", json_string(psbt_field_name(PSBT_MAP_INPUT, kv->type)));
			set(e, "hash", hexj(kd, kdl));
			set(e, "preimage", hexj(kv->value, kv->value_len));
			push(arr(o, "preimages"), e);
			break;
		case PSBT_IN_REQUIRED_TIME_LOCKTIME:
			set(o, "required_time_locktime", json_integer(psbt_le32(kv->value)));
			break;
		case PSBT_IN_REQUIRED_HEIGHT_LOCKTIME:
			set(o, "required_height_locktime", json_integer(psbt_le32(kv->value)));
			break;
		case PSBT_IN_TAP_KEY_SIG:
			set(o, "tap_key_sig", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_TAP_SCRIPT_SIG:
			e = json_object();
			set(e, "pubkey", hexj(kd, 32));
			set(e, "leaf_hash", hexj(kd + 32, 32));
			set(e, "signature", hexj(kv->value, kv->value_len));
			push(arr(o, "tap_script_sigs"), e);
			break;
		case PSBT_IN_TAP_LEAF_SCRIPT:
			e = json_object();
			set(e, "control_block", hexj(kd, kdl));
			set(e, "script", hexj(kv->value, kv->value_len - 1));
			set(e, "leaf_version", json_integer(kv->value[kv->value_len - 1]));
			push(arr(o, "tap_scripts"), e);
			break;
		case PSBT_IN_TAP_BIP32_DERIVATION:
			push(arr(o, "tap_bip32_derivs"), derivation(kd, kdl, kv->value, kv->value_len, 1));
			break;
		case PSBT_IN_TAP_INTERNAL_KEY:
			set(o, "tap_internal_key", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_TAP_MERKLE_ROOT:
			set(o, "tap_merkle_root", hexj(kv->value, kv->value_len));
			break;
		case PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS:
			participants_into(o, kv);
			break;
		case PSBT_IN_MUSIG2_PUB_NONCE:
			musig_into(o, kv, "pubnonce");
			break;
		case PSBT_IN_MUSIG2_PARTIAL_SIG:
			musig_into(o, kv, "partial_sig");
			break;
		default:
			unknown(o, kv);
			break;
		}
	}
	return o;
}

static json_t *
tap_tree_json(const uint8_t *v, size_t n)
{
	json_t *a = json_array();
	struct creader r;
	const uint8_t *script;
	size_t script_len;
	uint8_t depth, ver;

	creader_init(&r, v, n);
	while (creader_get_u8(&r, &depth) == 0 && creader_get_u8(&r, &ver) == 0 &&
	    creader_get_varbytes(&r, &script, &script_len, n) == 0) {
		json_t *e = json_object();

		set(e, "depth", json_integer(depth));
		set(e, "leaf_version", json_integer(ver));
		set(e, "script", hexj(script, script_len));
		push(a, e);
	}
	return a;
}

static json_t *
output_json(const struct psbt *p, size_t idx)
{
	const struct psbt_map *m = &p->out[idx].map;
	const struct tx_out *to = &p->tx.out[idx];
	json_t *o = json_object();
	size_t i;

	set(o, "amount", json_integer(to->value));
	set(o, "script", hexj(to->script_pubkey, to->script_pubkey_len));
	set(o, "type", json_string(script_type_name(to->script_pubkey, to->script_pubkey_len)));
	for (i = 0; i < m->n; i++) {
		const struct psbt_kv *kv = &m->kv[i];
		const uint8_t *kd = psbt_kv_keydata(kv);
		size_t kdl = psbt_kv_keydata_len(kv);

		switch (kv->type) {
		case PSBT_OUT_AMOUNT:
		case PSBT_OUT_SCRIPT:
			break;
		case PSBT_OUT_REDEEM_SCRIPT:
			set(o, "redeem_script", hexj(kv->value, kv->value_len));
			break;
		case PSBT_OUT_WITNESS_SCRIPT:
			set(o, "witness_script", hexj(kv->value, kv->value_len));
			break;
		case PSBT_OUT_BIP32_DERIVATION:
			push(arr(o, "bip32_derivs"), derivation(kd, kdl, kv->value, kv->value_len, 0));
			break;
		case PSBT_OUT_TAP_INTERNAL_KEY:
			set(o, "tap_internal_key", hexj(kv->value, kv->value_len));
			break;
		case PSBT_OUT_TAP_TREE:
			set(o, "tap_tree", tap_tree_json(kv->value, kv->value_len));
			break;
		case PSBT_OUT_TAP_BIP32_DERIVATION:
			push(arr(o, "tap_bip32_derivs"), derivation(kd, kdl, kv->value, kv->value_len, 1));
			break;
		case PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS:
			participants_into(o, kv);
			break;
		default:
			unknown(o, kv);
			break;
		}
	}
	return o;
}

static json_t *
tx_json(const struct psbt *p)
{
	json_t *o = json_object(), *ins = json_array();
	char h[65];
	uint8_t txid[32];
	uint32_t lt;
	size_t i;

	if (tx_txid(txid, &p->tx) == 0) {
		tx_hash_hex(h, txid);
		set(o, "txid", json_string(h));
	}
	set(o, "version", json_integer(p->tx.version));
	if (psbt_locktime(&lt, p) == 0)
		set(o, "locktime", json_integer(lt));
	else
		set(o, "locktime_error", json_string(coffer_err_name(COFFER_ERR_PSBT_LOCKTIME)));
	for (i = 0; i < p->tx.n_in; i++) {
		json_t *e = json_object();

		tx_hash_hex(h, p->tx.in[i].prevout.txid);
		set(e, "txid", json_string(h));
		set(e, "vout", json_integer(p->tx.in[i].prevout.vout));
		set(e, "sequence", json_integer(p->tx.in[i].sequence));
		push(ins, e);
	}
	set(o, "inputs", ins);
	set(o, "n_outputs", json_integer((json_int_t)p->tx.n_out));
	return o;
}

json_t *
psbt_to_json(const struct psbt *p)
{
	json_t *o = json_object(), *g = json_object(), *ins = json_array(), *outs = json_array();
	int64_t fee;
	size_t i;

	oom = 0;
	set(o, "psbt_version", json_integer(p->version));
	set(o, "tx", tx_json(p));
	for (i = 0; i < p->global.n; i++) {
		const struct psbt_kv *kv = &p->global.kv[i];

		switch (kv->type) {
		case PSBT_GLOBAL_XPUB: {
			json_t *e = derivation(psbt_kv_keydata(kv), 0, kv->value, kv->value_len, 0);

			set(e, "xpub", hexj(psbt_kv_keydata(kv), psbt_kv_keydata_len(kv)));
			json_object_del(e, "pubkey");
			push(arr(g, "xpubs"), e);
			break;
		}
		case PSBT_GLOBAL_TX_MODIFIABLE:
			set(g, "tx_modifiable", json_integer(kv->value[0]));
			break;
		case PSBT_GLOBAL_FALLBACK_LOCKTIME:
			set(g, "fallback_locktime", json_integer(psbt_le32(kv->value)));
			break;
		case PSBT_GLOBAL_UNSIGNED_TX:
		case PSBT_GLOBAL_TX_VERSION:
		case PSBT_GLOBAL_INPUT_COUNT:
		case PSBT_GLOBAL_OUTPUT_COUNT:
		case PSBT_GLOBAL_VERSION:
			break;	/* shown as "tx" and "psbt_version" */
		default:
			unknown(g, kv);
			break;
		}
	}
	set(o, "global", g);
	for (i = 0; i < p->n_in; i++)
		push(ins, input_json(p, i));
	set(o, "inputs", ins);
	for (i = 0; i < p->n_out; i++)
		push(outs, output_json(p, i));
	set(o, "outputs", outs);
	if (psbt_fee(&fee, p) == 0)
		set(o, "fee", json_integer(fee));
	if (oom) {
		json_decref(o);
		return NULL;
	}
	return o;
}
