/*
 * PSBT roles on PSBTs built here from a fixed seed: the signer signs only
 * inputs whose keys it owns (and refuses inconsistent UTXO data), finalise and
 * extract for every script type Coffer produces, combining partially signed
 * multisig PSBTs, sighash policy, v2 signing, and the parser's caps.
 */
#include "harness.h"

#include "btc/bip32.h"
#include "btc/hash.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/secmem.h"

static const uint8_t nums[32] = {	/* BIP341's unspendable H */
	0x50, 0x92, 0x9b, 0x74, 0xc1, 0xa0, 0x49, 0x54, 0xb7, 0x8b, 0x4b, 0x60, 0x35, 0xe9, 0x7a, 0x5e,
	0x07, 0x8a, 0x5a, 0x0f, 0x28, 0xec, 0x96, 0xd5, 0x47, 0xbf, 0xee, 0x9a, 0xce, 0x80, 0x3a, 0xc0,
};

/* Input kinds of the fixture, in input order. */
enum kind { K_PKH, K_WPKH, K_SH_WPKH, K_WSH_MULTI, K_SH_WSH_MULTI, K_TR_KEY, K_TR_SCRIPT,
	K_FOREIGN, K_COUNT };

struct key {
	uint8_t pub[33];
	struct psbt_origin origin;
};

struct fixture {
	struct bip32_key *ours, *theirs;
	struct key k[8];	/* ours: 0..5; theirs: 6, 7 */
	struct tx prev;
	struct psbt p;
	/* taproot script tree: multi_a(2, k3, k4) and pk(k5) under the NUMS key */
	struct cbuf leaf_multi, leaf_pk;
	uint8_t cb_multi[65], cb_pk[65], lh_multi[32], lh_pk[32], root[32];
};

static void
mkkey(struct key *k, const struct bip32_key *master, const char *path)
{
	struct bip32_key *d = bip32_key_new();

	bip32_fingerprint(k->origin.fingerprint, master);
	CHECK_OK(bip32_path_parse(k->origin.path, PSBT_MAX_PATH_DEPTH, &k->origin.depth, path));
	CHECK_OK(bip32_derive_path(d, master, k->origin.path, k->origin.depth));
	memcpy(k->pub, d->pub, 33);
	bip32_key_free(d);
}

static void
master(struct bip32_key **out, uint8_t fill)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	*out = bip32_key_new();
	CHECK_OK(bip32_master_from_seed(*out, seed, sizeof(seed), BTC_TESTNET));
}

static void
add_out(struct tx *t, int64_t v, const struct cbuf *spk)
{
	CHECK_OK(tx_add_output(t, v, spk->p, spk->len));
}

/* The spk, redeem script and witness script of each kind. */
static void
scripts(struct fixture *f, enum kind kd, struct cbuf *spk, struct cbuf *rs, struct cbuf *ws)
{
	uint8_t h[32];
	const uint8_t *keys[3];
	size_t lens[3] = { 33, 33, 33 };

	switch (kd) {
	case K_PKH:
		hash160(h, f->k[0].pub, 33);
		CHECK_OK(script_p2pkh(spk, h));
		break;
	case K_WPKH:
		hash160(h, f->k[1].pub, 33);
		CHECK_OK(script_p2wpkh(spk, h));
		break;
	case K_SH_WPKH:
		hash160(h, f->k[2].pub, 33);
		CHECK_OK(script_p2wpkh(rs, h));
		script_hash160(h, rs->p, rs->len);
		CHECK_OK(script_p2sh(spk, h));
		break;
	case K_WSH_MULTI:
	case K_SH_WSH_MULTI:
		/* 2-of-3: two of ours, one of theirs; multi() in this order for
		 * wsh, sortedmulti() (keys sorted) for sh-wsh. */
		keys[0] = f->k[0].pub;
		keys[1] = f->k[6].pub;
		keys[2] = f->k[1].pub;
		if (kd == K_SH_WSH_MULTI) {
			size_t a, b;

			for (a = 0; a < 3; a++)
				for (b = a + 1; b < 3; b++)
					if (memcmp(keys[b], keys[a], 33) < 0) {
						const uint8_t *t = keys[a];

						keys[a] = keys[b];
						keys[b] = t;
					}
			CHECK(memcmp(keys[0], f->k[0].pub, 33) != 0 || memcmp(keys[1], f->k[6].pub, 33) != 0);
		}
		CHECK_OK(script_multisig(ws, 2, keys, lens, 3));
		script_sha256(h, ws->p, ws->len);
		if (kd == K_WSH_MULTI) {
			CHECK_OK(script_p2wsh(spk, h));
		} else {
			CHECK_OK(script_p2wsh(rs, h));
			script_hash160(h, rs->p, rs->len);
			CHECK_OK(script_p2sh(spk, h));
		}
		break;
	case K_TR_KEY: {
		uint8_t q[32];

		CHECK_OK(taproot_output_key(q, NULL, f->k[2].pub + 1, NULL));
		CHECK_OK(script_p2tr(spk, q));
		break;
	}
	case K_TR_SCRIPT: {
		uint8_t q[32];

		CHECK_OK(taproot_output_key(q, NULL, nums, f->root));
		CHECK_OK(script_p2tr(spk, q));
		break;
	}
	default:
		hash160(h, f->k[7].pub, 33);
		CHECK_OK(script_p2wpkh(spk, h));
		break;
	}
}

static void
build_tree(struct fixture *f)
{
	uint8_t xs[2][32], path[32];
	struct taproot_leaf leaves[2];
	size_t path_len, cbl;
	int parity;
	uint8_t q[32];

	memcpy(xs[0], f->k[3].pub + 1, 32);
	memcpy(xs[1], f->k[4].pub + 1, 32);
	cbuf_init(&f->leaf_multi, 0);
	cbuf_init(&f->leaf_pk, 0);
	CHECK_OK(script_multi_a(&f->leaf_multi, 2, (const uint8_t (*)[32])xs, 2));
	CHECK_OK(script_push_data(&f->leaf_pk, f->k[5].pub + 1, 32));
	CHECK_OK(script_push_op(&f->leaf_pk, OP_CHECKSIG));
	leaves[0] = (struct taproot_leaf){ TAPROOT_LEAF_TAPSCRIPT, 1, f->leaf_multi.p, f->leaf_multi.len };
	leaves[1] = (struct taproot_leaf){ TAPROOT_LEAF_TAPSCRIPT, 1, f->leaf_pk.p, f->leaf_pk.len };
	taproot_leaf_hash(f->lh_multi, TAPROOT_LEAF_TAPSCRIPT, f->leaf_multi.p, f->leaf_multi.len);
	taproot_leaf_hash(f->lh_pk, TAPROOT_LEAF_TAPSCRIPT, f->leaf_pk.p, f->leaf_pk.len);
	CHECK_OK(taproot_tree_root(f->root, path, &path_len, leaves, 2, 0));
	CHECK_OK(taproot_output_key(q, &parity, nums, f->root));
	CHECK_OK(taproot_control_block(f->cb_multi, &cbl, TAPROOT_LEAF_TAPSCRIPT, parity, nums, path,
	    path_len));
	CHECK(cbl == 65);
	CHECK_OK(taproot_tree_root(f->root, path, &path_len, leaves, 2, 1));
	CHECK_OK(taproot_control_block(f->cb_pk, &cbl, TAPROOT_LEAF_TAPSCRIPT, parity, nums, path,
	    path_len));
}

/* A PSBT spending one output of each kind, updated with the pool updater
 * (UTXOs, scripts, derivations) plus the taproot script-path fields by hand. */
static void
fixture_init(struct fixture *f)
{
	static const char *paths[8] = { "m/84'/1'/0'/0/0", "m/84'/1'/0'/0/1", "m/84'/1'/0'/1/0",
		"m/86'/1'/0'/0/3", "m/86'/1'/0'/0/4", "m/86'/1'/0'/0/5", "m/84'/1'/0'/0/0",
		"m/84'/1'/0'/0/1" };
	struct psbt_pool_key pk[8];
	struct psbt_update_pool pool;
	const uint8_t *sc[K_COUNT * 2];
	size_t scl[K_COUNT * 2], ns = 0, i;
	struct cbuf spk[K_COUNT], rs[K_COUNT], ws[K_COUNT];
	uint8_t txid[32], leafbuf[200];
	struct tx t;

	memset(f, 0, sizeof(*f));
	master(&f->ours, 1);
	master(&f->theirs, 2);
	for (i = 0; i < 8; i++)
		mkkey(&f->k[i], i < 6 ? f->ours : f->theirs, paths[i]);
	build_tree(f);
	tx_init(&f->prev);
	CHECK_OK(tx_add_input(&f->prev, nums, 7, TX_SEQUENCE_FINAL));
	for (i = 0; i < K_COUNT; i++) {
		cbuf_init(&spk[i], 0);
		cbuf_init(&rs[i], 0);
		cbuf_init(&ws[i], 0);
		scripts(f, (enum kind)i, &spk[i], &rs[i], &ws[i]);
		add_out(&f->prev, 100000 + (int64_t)i * 1000, &spk[i]);
		if (rs[i].len > 0) {
			sc[ns] = rs[i].p;
			scl[ns++] = rs[i].len;
		}
		if (ws[i].len > 0) {
			sc[ns] = ws[i].p;
			scl[ns++] = ws[i].len;
		}
	}
	CHECK_OK(tx_txid(txid, &f->prev));
	tx_init(&t);
	for (i = 0; i < K_COUNT; i++)
		CHECK_OK(tx_add_input(&t, txid, (uint32_t)i, 0xfffffffd));
	{
		struct cbuf o;
		uint8_t h[20];

		cbuf_init(&o, 0);
		hash160(h, f->k[1].pub, 33);
		CHECK_OK(script_p2wpkh(&o, h));
		add_out(&t, 500000, &o);
		cbuf_free(&o);
	}
	CHECK_OK(psbt_create(&f->p, &t));
	tx_free(&t);
	for (i = 0; i < 8; i++) {
		memcpy(pk[i].pubkey, f->k[i].pub, 33);
		pk[i].pubkey_len = 33;
		pk[i].origin = f->k[i].origin;
	}
	pool.prev_txs = &f->prev;
	pool.n_prev_txs = 1;
	pool.scripts = sc;
	pool.script_lens = scl;
	pool.n_scripts = ns;
	pool.keys = pk;
	pool.n_keys = 8;
	CHECK_OK(psbt_update(&f->p, &pool, 0));
	/* The script-path input: internal key, merkle root, leaves, derivations. */
	i = K_TR_SCRIPT;
	CHECK_OK(psbt_map_set(&f->p, &f->p.in[i].map, PSBT_MAP_INPUT, PSBT_IN_TAP_INTERNAL_KEY, NULL,
	    0, nums, 32));
	CHECK_OK(psbt_map_set(&f->p, &f->p.in[i].map, PSBT_MAP_INPUT, PSBT_IN_TAP_MERKLE_ROOT, NULL,
	    0, f->root, 32));
	memcpy(leafbuf, f->leaf_multi.p, f->leaf_multi.len);
	leafbuf[f->leaf_multi.len] = TAPROOT_LEAF_TAPSCRIPT;
	CHECK_OK(psbt_map_set(&f->p, &f->p.in[i].map, PSBT_MAP_INPUT, PSBT_IN_TAP_LEAF_SCRIPT,
	    f->cb_multi, 65, leafbuf, f->leaf_multi.len + 1));
	memcpy(leafbuf, f->leaf_pk.p, f->leaf_pk.len);
	leafbuf[f->leaf_pk.len] = TAPROOT_LEAF_TAPSCRIPT;
	CHECK_OK(psbt_map_set(&f->p, &f->p.in[i].map, PSBT_MAP_INPUT, PSBT_IN_TAP_LEAF_SCRIPT,
	    f->cb_pk, 65, leafbuf, f->leaf_pk.len + 1));
	CHECK_OK(psbt_update_tap_derivation(&f->p, PSBT_MAP_INPUT, i, f->k[3].pub + 1, f->lh_multi, 1,
	    &f->k[3].origin));
	CHECK_OK(psbt_update_tap_derivation(&f->p, PSBT_MAP_INPUT, i, f->k[4].pub + 1, f->lh_multi, 1,
	    &f->k[4].origin));
	CHECK_OK(psbt_update_tap_derivation(&f->p, PSBT_MAP_INPUT, i, f->k[5].pub + 1, f->lh_pk, 1,
	    &f->k[5].origin));
	for (i = 0; i < K_COUNT; i++) {
		cbuf_free(&spk[i]);
		cbuf_free(&rs[i]);
		cbuf_free(&ws[i]);
	}
}

static void
fixture_free(struct fixture *f)
{
	bip32_key_free(f->ours);
	bip32_key_free(f->theirs);
	tx_free(&f->prev);
	psbt_free(&f->p);
	cbuf_free(&f->leaf_multi);
	cbuf_free(&f->leaf_pk);
}

static size_t
witness_items(const struct psbt *p, size_t i)
{
	const struct psbt_kv *kv = psbt_map_find(&p->in[i].map, PSBT_IN_FINAL_SCRIPTWITNESS, NULL, 0);

	return kv == NULL ? 0 : kv->value[0];
}

static const struct psbt_kv *
final_ss(const struct psbt *p, size_t i)
{
	return psbt_map_find(&p->in[i].map, PSBT_IN_FINAL_SCRIPTSIG, NULL, 0);
}

static void
test_updater_fields(void)
{
	struct fixture f;

	fixture_init(&f);
	/* Legacy spends get the whole previous tx; segwit ones the witness UTXO. */
	CHECK(psbt_map_find(&f.p.in[K_PKH].map, PSBT_IN_NON_WITNESS_UTXO, NULL, 0) != NULL);
	CHECK(psbt_map_find(&f.p.in[K_WPKH].map, PSBT_IN_WITNESS_UTXO, NULL, 0) != NULL);
	CHECK(psbt_map_find(&f.p.in[K_SH_WPKH].map, PSBT_IN_REDEEM_SCRIPT, NULL, 0) != NULL);
	CHECK(psbt_map_find(&f.p.in[K_SH_WSH_MULTI].map, PSBT_IN_WITNESS_SCRIPT, NULL, 0) != NULL);
	CHECK(psbt_map_count_type(&f.p.in[K_WSH_MULTI].map, PSBT_IN_BIP32_DERIVATION) == 3);
	CHECK(psbt_map_count_type(&f.p.in[K_TR_KEY].map, PSBT_IN_TAP_BIP32_DERIVATION) == 1);
	CHECK(psbt_map_find(&f.p.in[K_TR_KEY].map, PSBT_IN_TAP_INTERNAL_KEY, NULL, 0) != NULL);
	CHECK(psbt_map_count_type(&f.p.out[0].map, PSBT_OUT_BIP32_DERIVATION) == 1);
	fixture_free(&f);
}

/* Sign, finalise, extract every kind; check each input's final form. */
static void
test_finalize_each_type(void)
{
	struct fixture f;
	struct psbt_sign_stats st;
	struct tx tx, back;
	struct cbuf raw;
	uint8_t t1[32], t2[32];
	size_t n;

	fixture_init(&f);
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, NULL));
	/* All but the foreign input; multisig and script-path inputs get two sigs. */
	CHECK(st.inputs_signed == K_COUNT - 1);
	CHECK(st.signatures == 1 + 1 + 1 + 2 + 2 + 1 + 3);
	CHECK(st.key_mismatch == 0);
	CHECK(psbt_map_count_type(&f.p.in[K_FOREIGN].map, PSBT_IN_PARTIAL_SIG) == 0);
	CHECK_RC(psbt_finalize(&f.p, &n), COFFER_ERR_PSBT_CANNOT_FINALIZE);
	CHECK(n == K_COUNT - 1 && !psbt_input_is_final(&f.p, K_FOREIGN));
	/* pkh: <sig> <pub>; no witness. */
	CHECK(final_ss(&f.p, K_PKH) != NULL && witness_items(&f.p, K_PKH) == 0);
	CHECK(psbt_map_count_type(&f.p.in[K_PKH].map, PSBT_IN_BIP32_DERIVATION) == 0);
	CHECK(psbt_map_find(&f.p.in[K_PKH].map, PSBT_IN_NON_WITNESS_UTXO, NULL, 0) != NULL);
	/* wpkh: witness sig, pub. */
	CHECK(final_ss(&f.p, K_WPKH) == NULL && witness_items(&f.p, K_WPKH) == 2);
	/* sh-wpkh: scriptSig pushes the redeem script (23 bytes). */
	CHECK(final_ss(&f.p, K_SH_WPKH) != NULL && final_ss(&f.p, K_SH_WPKH)->value_len == 23);
	CHECK(witness_items(&f.p, K_SH_WPKH) == 2);
	/* wsh multi: dummy, 2 sigs, witness script. */
	CHECK(final_ss(&f.p, K_WSH_MULTI) == NULL && witness_items(&f.p, K_WSH_MULTI) == 4);
	CHECK(final_ss(&f.p, K_SH_WSH_MULTI) != NULL && witness_items(&f.p, K_SH_WSH_MULTI) == 4);
	/* tr key path: one 64-byte signature. */
	CHECK(witness_items(&f.p, K_TR_KEY) == 1);
	CHECK(psbt_map_find(&f.p.in[K_TR_KEY].map, PSBT_IN_FINAL_SCRIPTWITNESS, NULL, 0)->value_len ==
	    1 + 1 + 64);
	/* tr script path: the smaller pk() leaf wins: sig, script, control block. */
	CHECK(witness_items(&f.p, K_TR_SCRIPT) == 3);
	CHECK(psbt_map_count_type(&f.p.in[K_TR_SCRIPT].map, PSBT_IN_TAP_SCRIPT_SIG) == 0);
	CHECK_RC(psbt_extract(&tx, &f.p), COFFER_ERR_PSBT_NOT_FINAL);

	/* The foreign key signs its input; then everything finalises and extracts. */
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.theirs, NULL));
	CHECK(st.inputs_signed == 1 && st.signatures == 1);
	CHECK_OK(psbt_finalize(&f.p, &n));
	CHECK(n == K_COUNT);
	CHECK_OK(psbt_extract(&tx, &f.p));
	CHECK(tx_has_witness(&tx));
	cbuf_init(&raw, 0);
	CHECK_OK(tx_serialize(&raw, &tx, 0));
	CHECK_OK(tx_parse(&back, raw.p, raw.len, 0));
	CHECK(back.in[K_TR_SCRIPT].witness.count == 3 && back.in[K_WSH_MULTI].witness.count == 4);
	CHECK(back.in[K_PKH].script_sig_len > 0 && back.in[K_PKH].witness.count == 0);
	/* Without scriptSigs it is the unsigned transaction. */
	for (n = 0; n < back.n_in; n++)
		CHECK_OK(tx_in_set_script_sig(&back.in[n], NULL, 0));
	CHECK_OK(tx_txid(t1, &back));
	CHECK_OK(tx_txid(t2, &f.p.tx));
	CHECK(memcmp(t1, t2, 32) == 0);
	tx_free(&back);
	tx_free(&tx);
	cbuf_free(&raw);
	fixture_free(&f);
}

/* Only the multi_a leaf: both keys' signatures in reverse key order. */
static void
test_finalize_multi_a(void)
{
	struct fixture f;
	struct psbt_sign_stats st;
	const struct psbt_kv *w;
	uint8_t key[64];
	size_t n;

	fixture_init(&f);
	memcpy(key, f.k[5].pub + 1, 32);
	memcpy(key + 32, f.lh_pk, 32);
	psbt_map_remove(&f.p.in[K_TR_SCRIPT].map, PSBT_IN_TAP_BIP32_DERIVATION, f.k[5].pub + 1, 32);
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, NULL));
	CHECK(psbt_map_find(&f.p.in[K_TR_SCRIPT].map, PSBT_IN_TAP_SCRIPT_SIG, key, 64) == NULL);
	CHECK(psbt_map_count_type(&f.p.in[K_TR_SCRIPT].map, PSBT_IN_TAP_SCRIPT_SIG) == 2);
	(void)psbt_finalize(&f.p, &n);
	CHECK(psbt_input_is_final(&f.p, K_TR_SCRIPT));
	/* 4 items: sig(k4), sig(k3), script, control block. */
	w = psbt_map_find(&f.p.in[K_TR_SCRIPT].map, PSBT_IN_FINAL_SCRIPTWITNESS, NULL, 0);
	CHECK(w != NULL && w->value[0] == 4 && w->value[1] == 64 && w->value[66] == 64);
	fixture_free(&f);
}

static void
test_sign_only_owned(void)
{
	struct fixture f;
	struct psbt_sign_stats st;
	struct psbt_origin fake;
	size_t i;

	fixture_init(&f);
	/* A derivation with our fingerprint but a key that is not what the path
	 * derives to: counted, never used. */
	fake = f.k[1].origin;
	fake.path[fake.depth - 1] = 77;
	CHECK_OK(psbt_update_derivation(&f.p, PSBT_MAP_INPUT, K_FOREIGN, f.k[7].pub, 33, &fake));
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, NULL));
	CHECK(st.key_mismatch == 1);
	CHECK(psbt_map_count_type(&f.p.in[K_FOREIGN].map, PSBT_IN_PARTIAL_SIG) == 0);
	/* The multisig inputs carry only our two signatures, not the foreign key's. */
	CHECK(psbt_map_find(&f.p.in[K_WSH_MULTI].map, PSBT_IN_PARTIAL_SIG, f.k[6].pub, 33) == NULL);
	CHECK(psbt_map_find(&f.p.in[K_WSH_MULTI].map, PSBT_IN_PARTIAL_SIG, f.k[0].pub, 33) != NULL);
	/* An unrelated master signs nothing at all. */
	{
		struct bip32_key *other;
		struct psbt q;

		master(&other, 9);
		CHECK_OK(psbt_copy(&q, &f.p));
		for (i = 0; i < q.n_in; i++)
			psbt_map_remove(&q.in[i].map, PSBT_IN_PARTIAL_SIG, NULL, 0);
		CHECK_OK(psbt_sign_bip32(&q, &st, other, NULL));
		CHECK(st.signatures == 0 && st.inputs_signed == 0);
		psbt_free(&q);
		bip32_key_free(other);
	}
	fixture_free(&f);
}

static void
test_refuse_bad_utxo(void)
{
	struct fixture f;
	struct psbt_sign_stats st;
	struct tx other;
	struct cbuf b;

	/* The non-witness UTXO of input 0 replaced by another transaction. */
	fixture_init(&f);
	CHECK_OK(tx_copy(&other, &f.prev));
	other.locktime = 1;
	cbuf_init(&b, 0);
	CHECK_OK(tx_serialize(&b, &other, 0));
	CHECK_OK(psbt_map_set(&f.p, &f.p.in[K_PKH].map, PSBT_MAP_INPUT, PSBT_IN_NON_WITNESS_UTXO,
	    NULL, 0, b.p, b.len));
	CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, NULL), COFFER_ERR_PSBT_UTXO_MISMATCH);
	CHECK(st.signatures == 0);
	CHECK_RC(psbt_update_input_utxo(&f.p, K_PKH, &other, 0), COFFER_ERR_PSBT_UTXO_MISMATCH);
	tx_free(&other);
	cbuf_free(&b);
	fixture_free(&f);

	/* A witness UTXO disagreeing with the non-witness one. */
	fixture_init(&f);
	CHECK_OK(psbt_update_input_utxo(&f.p, K_WPKH, &f.prev, 0));
	CHECK_OK(psbt_update_input_witness_utxo(&f.p, K_WPKH, 1, f.prev.out[K_WPKH].script_pubkey,
	    f.prev.out[K_WPKH].script_pubkey_len));
	CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, NULL), COFFER_ERR_PSBT_UTXO_MISMATCH);
	fixture_free(&f);

	/* Policy: segwit v0 with only a witness UTXO when the full tx is required. */
	fixture_init(&f);
	{
		struct psbt_sign_opts o = { PSBT_SIGN_REQUIRE_FULL_UTXO, NULL };

		CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, &o), COFFER_ERR_MISSING_UTXO);
		CHECK_OK(psbt_update_input_utxo(&f.p, K_WPKH, &f.prev, 1));
	}
	fixture_free(&f);

	/* Taproot needs every input's amount: drop another input's UTXO. */
	fixture_init(&f);
	psbt_map_remove(&f.p.in[K_FOREIGN].map, PSBT_IN_WITNESS_UTXO, NULL, 0);
	CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, NULL), COFFER_ERR_MISSING_UTXO);
	fixture_free(&f);

	/* A taproot internal key that does not tweak to the output key. */
	fixture_init(&f);
	CHECK_OK(psbt_map_set(&f.p, &f.p.in[K_TR_KEY].map, PSBT_MAP_INPUT, PSBT_IN_TAP_MERKLE_ROOT,
	    NULL, 0, nums, 32));
	CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, NULL), COFFER_ERR_PSBT_SCRIPT_MISMATCH);
	fixture_free(&f);
}

static void
test_sighash_policy(void)
{
	struct fixture f;
	struct psbt_sign_stats st;
	struct psbt_sign_opts any = { PSBT_SIGN_ANY_SIGHASH, NULL };
	const struct psbt_kv *sig;

	fixture_init(&f);
	CHECK_OK(psbt_update_input_sighash(&f.p, K_WPKH, SIGHASH_NONE));
	CHECK_RC(psbt_sign_bip32(&f.p, &st, f.ours, NULL), COFFER_ERR_PSBT_SIGHASH);
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, &any));
	sig = psbt_map_find(&f.p.in[K_WPKH].map, PSBT_IN_PARTIAL_SIG, f.k[1].pub, 33);
	CHECK(sig != NULL && sig->value[sig->value_len - 1] == SIGHASH_NONE);
	/* Low-R grinding by default: DER of at most 71 bytes + sighash byte. */
	CHECK(sig != NULL && sig->value_len <= 71);
	/* Taproot with explicit ALL: 65-byte signature. */
	fixture_free(&f);
	fixture_init(&f);
	CHECK_OK(psbt_update_input_sighash(&f.p, K_TR_KEY, SIGHASH_ALL));
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, NULL));
	sig = psbt_map_find(&f.p.in[K_TR_KEY].map, PSBT_IN_TAP_KEY_SIG, NULL, 0);
	CHECK(sig != NULL && sig->value_len == 65 && sig->value[64] == SIGHASH_ALL);
	fixture_free(&f);
}

static void
test_combine_multisig(void)
{
	struct fixture f;
	struct psbt a, b, c, only_a;
	const struct psbt *both[2];
	uint8_t (*sk)[32] = secmem_alloc(64);
	struct bip32_key *d = bip32_key_new();
	struct psbt_sign_stats st;
	size_t n;

	fixture_init(&f);
	/* Two signers, each holding one key of the 2-of-3. */
	CHECK_OK(bip32_derive_path(d, f.ours, f.k[0].origin.path, f.k[0].origin.depth));
	memcpy(sk[0], d->priv, 32);
	CHECK_OK(bip32_derive_path(d, f.ours, f.k[1].origin.path, f.k[1].origin.depth));
	memcpy(sk[1], d->priv, 32);
	CHECK_OK(psbt_copy(&a, &f.p));
	CHECK_OK(psbt_copy(&b, &f.p));
	CHECK_OK(psbt_sign_keys(&a, &st, (const uint8_t (*)[32])sk, 1, NULL));
	CHECK_OK(psbt_sign_keys(&b, &st, (const uint8_t (*)[32])sk + 1, 1, NULL));
	CHECK(psbt_map_count_type(&a.in[K_WSH_MULTI].map, PSBT_IN_PARTIAL_SIG) == 1);
	CHECK(psbt_map_count_type(&b.in[K_WSH_MULTI].map, PSBT_IN_PARTIAL_SIG) == 1);
	CHECK_OK(psbt_copy(&only_a, &a));
	(void)psbt_finalize(&only_a, &n);
	CHECK(!psbt_input_is_final(&only_a, K_WSH_MULTI) && !psbt_input_is_final(&only_a, K_SH_WSH_MULTI));
	both[0] = &a;
	both[1] = &b;
	CHECK_OK(psbt_combine(&c, both, 2));
	CHECK(psbt_map_count_type(&c.in[K_WSH_MULTI].map, PSBT_IN_PARTIAL_SIG) == 2);
	(void)psbt_finalize(&c, &n);
	CHECK(psbt_input_is_final(&c, K_WSH_MULTI) && psbt_input_is_final(&c, K_SH_WSH_MULTI));
	psbt_free(&c);
	/* A PSBT of another transaction does not combine. */
	{
		struct psbt x;

		CHECK_OK(psbt_copy(&x, &b));
		x.tx.locktime = 5;
		both[1] = &x;
		CHECK_RC(psbt_combine(&c, both, 2), COFFER_ERR_PSBT_COMBINE);
		psbt_free(&x);
	}
	psbt_free(&a);
	psbt_free(&b);
	psbt_free(&c);
	psbt_free(&only_a);
	bip32_key_free(d);
	secmem_free(sk);
	fixture_free(&f);
}

/* A v2 PSBT signs and finalises to the same transaction as its v0 form. */
static void
test_v2_signing(void)
{
	static const uint8_t aux[32] = { 7 };
	struct psbt_sign_opts o = { PSBT_SIGN_NO_GRIND, aux };
	struct fixture f;
	struct psbt v2;
	struct psbt_sign_stats st;
	struct tx t0, t2;
	struct cbuf a, b;
	size_t n;

	fixture_init(&f);
	CHECK_OK(psbt_convert(&v2, &f.p, 2));
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.ours, &o));
	CHECK_OK(psbt_sign_bip32(&f.p, &st, f.theirs, &o));
	CHECK_OK(psbt_sign_bip32(&v2, &st, f.ours, &o));
	CHECK_OK(psbt_sign_bip32(&v2, &st, f.theirs, &o));
	CHECK_OK(psbt_finalize(&f.p, &n));
	CHECK_OK(psbt_finalize(&v2, &n));
	CHECK_OK(psbt_extract(&t0, &f.p));
	CHECK_OK(psbt_extract(&t2, &v2));
	cbuf_init(&a, 0);
	cbuf_init(&b, 0);
	CHECK_OK(tx_serialize(&a, &t0, 0));
	CHECK_OK(tx_serialize(&b, &t2, 0));
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	cbuf_free(&a);
	cbuf_free(&b);
	tx_free(&t0);
	tx_free(&t2);
	psbt_free(&v2);
	fixture_free(&f);
}

static void
test_caps(void)
{
	struct psbt p;
	struct cbuf b;
	uint8_t *big;
	size_t i;

	/* Over the size cap before anything is read. */
	big = calloc(1, PSBT_MAX_SIZE + 1);
	memcpy(big, "psbt\xff", 5);
	CHECK_RC(psbt_parse(&p, big, PSBT_MAX_SIZE + 1), COFFER_ERR_TOO_LARGE);
	free(big);
	/* A map with more than PSBT_MAX_MAP_FIELDS pairs. */
	cbuf_init(&b, 0);
	CHECK_OK(cbuf_put(&b, (const uint8_t *)"psbt\xff", 5));
	for (i = 0; i <= PSBT_MAX_MAP_FIELDS; i++) {
		CHECK_OK(cbuf_put_u8(&b, 3));	/* key: type 0xf0, two bytes of key data */
		CHECK_OK(cbuf_put_u8(&b, 0xf0));
		CHECK_OK(cbuf_put_u8(&b, (uint8_t)(i >> 8)));
		CHECK_OK(cbuf_put_u8(&b, (uint8_t)i));
		CHECK_OK(cbuf_put_u8(&b, 0));
	}
	CHECK_RC(psbt_parse(&p, b.p, b.len), COFFER_ERR_TOO_LARGE);
	cbuf_free(&b);
	/* More than PSBT_MAX_FIELDS pairs in all (each map under its own cap). */
	{
		struct tx t;
		struct psbt c;
		size_t n_in = PSBT_MAX_FIELDS / PSBT_MAX_MAP_FIELDS + 1, k;

		tx_init(&t);
		for (k = 0; k < n_in; k++)
			CHECK_OK(tx_add_input(&t, nums, (uint32_t)k, 0));
		CHECK_OK(psbt_create(&c, &t));
		cbuf_init(&b, 0);
		CHECK_OK(psbt_serialize(&b, &c));
		b.len -= n_in;	/* drop the empty input maps (no outputs) */
		for (k = 0; k < n_in; k++) {
			for (i = 0; i < PSBT_MAX_MAP_FIELDS; i++) {
				CHECK_OK(cbuf_put_u8(&b, 3));
				CHECK_OK(cbuf_put_u8(&b, 0xf0));
				CHECK_OK(cbuf_put_u16le(&b, (uint16_t)i));
				CHECK_OK(cbuf_put_u8(&b, 0));
			}
			CHECK_OK(cbuf_put_u8(&b, 0));
		}
		CHECK_RC(psbt_parse(&p, b.p, b.len), COFFER_ERR_TOO_LARGE);
		psbt_free(&c);
		cbuf_free(&b);
		tx_free(&t);
	}
	/* v2 counts that cannot fit in what is left. */
	{
		static const uint8_t v2[] = { 'p', 's', 'b', 't', 0xff,
			1, 0x02, 4, 2, 0, 0, 0,			/* tx version 2 */
			1, 0x04, 3, 0xfd, 0x10, 0x27,		/* 10000 inputs */
			1, 0x05, 1, 0,				/* 0 outputs */
			1, 0xfb, 4, 2, 0, 0, 0, 0 };
		static const uint8_t v2big[] = { 'p', 's', 'b', 't', 0xff,
			1, 0x02, 4, 2, 0, 0, 0, 1, 0x04, 3, 0xfd, 0x11, 0x27,
			1, 0x05, 1, 0, 1, 0xfb, 4, 2, 0, 0, 0, 0 };

		CHECK_RC(psbt_parse(&p, v2, sizeof(v2)), COFFER_ERR_TRUNCATED);
		CHECK_RC(psbt_parse(&p, v2big, sizeof(v2big)), COFFER_ERR_TOO_LARGE);
	}
	/* Non-minimal CompactSize in a key length; version 1; duplicate keys. */
	{
		static const uint8_t nonmin[] = { 'p', 's', 'b', 't', 0xff, 0xfd, 0x01, 0x00 };
		static const uint8_t v1[] = { 'p', 's', 'b', 't', 0xff, 1, 0xfb, 4, 1, 0, 0, 0, 0 };
		static const uint8_t dup[] = { 'p', 's', 'b', 't', 0xff, 2, 0xf0, 1, 0, 2, 0xf0, 1, 1,
			0x55, 0x00 };

		CHECK_RC(psbt_parse(&p, nonmin, sizeof(nonmin)), COFFER_ERR_NONCANONICAL);
		CHECK_RC(psbt_parse(&p, v1, sizeof(v1)), COFFER_ERR_PSBT_VERSION);
		CHECK_RC(psbt_parse(&p, dup, sizeof(dup)), COFFER_ERR_PSBT_DUP_KEY);
		CHECK_RC(psbt_parse(&p, dup, 5), COFFER_ERR_TRUNCATED);
		CHECK_RC(psbt_parse_base64(&p, "cHNidP8=!", 9), COFFER_ERR_BAD_BASE64);
	}
}

static void
test_map_set_rules(void)
{
	struct fixture f;
	static const uint8_t short_sig[10] = { 0x30 };

	fixture_init(&f);
	/* The parser's checks apply to pairs added through the API. */
	CHECK_RC(psbt_map_set(&f.p, &f.p.in[0].map, PSBT_MAP_INPUT, PSBT_IN_PARTIAL_SIG, f.k[0].pub,
	    33, short_sig, sizeof(short_sig)), COFFER_ERR_PSBT_BAD_VALUE);
	CHECK_RC(psbt_map_set(&f.p, &f.p.in[0].map, PSBT_MAP_INPUT, PSBT_IN_PARTIAL_SIG, f.k[0].pub,
	    32, short_sig, sizeof(short_sig)), COFFER_ERR_PSBT_BAD_KEY);
	CHECK_RC(psbt_map_set(&f.p, &f.p.in[0].map, PSBT_MAP_INPUT, PSBT_IN_SEQUENCE, NULL, 0,
	    short_sig, 4), COFFER_ERR_INVALID_ARG);
	CHECK_RC(psbt_map_set(&f.p, &f.p.global, PSBT_MAP_GLOBAL, PSBT_GLOBAL_UNSIGNED_TX, NULL, 0,
	    short_sig, 4), COFFER_ERR_INVALID_ARG);
	fixture_free(&f);
}

static const struct test_case tests[] = {
	{ "updater_fields", test_updater_fields },
	{ "finalize_each_type", test_finalize_each_type },
	{ "finalize_multi_a", test_finalize_multi_a },
	{ "sign_only_owned", test_sign_only_owned },
	{ "refuse_bad_utxo", test_refuse_bad_utxo },
	{ "sighash_policy", test_sighash_policy },
	{ "combine_multisig", test_combine_multisig },
	{ "v2_signing", test_v2_signing },
	{ "caps", test_caps },
	{ "map_set_rules", test_map_set_rules },
};

TEST_MAIN(tests)
