/*
 * Taproot sighashes against real signatures: BIP341 publishes no script-path
 * sighash list, but the BIP371 and BIP373 PSBT vectors carry key-path and
 * script-path BIP340 signatures. For every PSBT_IN_TAP_KEY_SIG and
 * PSBT_IN_TAP_SCRIPT_SIG, rebuild the sighash from the unsigned transaction
 * and the witness UTXOs and verify the signature (under the output key for
 * key path, the leaf key for script path); check the leaf hash against the
 * PSBT's leaf scripts and their control blocks against the output key.
 */
#include "tx_util.h"

#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"

#define V_BIP371 "psbt/bip371_taproot_psbt_test_vectors.json"
#define V_BIP373 "psbt/bip373_musig2_psbt_test_vectors.json"

struct counts {
	int psbts, key_sigs, script_sigs, leaves;
};

/* The leaf script whose TapLeaf hash is leaf_hash, and check its control block. */
static int
find_leaf(const struct psbt_input *in, const uint8_t leaf_hash[32], const uint8_t output_key[32])
{
	size_t i;

	for (i = 0; i < in->map.n; i++) {
		const struct psbt_kv *kv = &in->map.kv[i];
		const uint8_t *cb = kv->key + kv->keydata_off;
		size_t cblen = kv->key_len - kv->keydata_off;
		uint8_t lh[32];

		if (kv->type != PSBT_IN_TAP_LEAF_SCRIPT || kv->value_len < 1)
			continue;
		/* value = script || leaf_version; the key's control block commits to it. */
		taproot_leaf_hash(lh, kv->value[kv->value_len - 1], kv->value, kv->value_len - 1);
		if (memcmp(lh, leaf_hash, 32) != 0)
			continue;
		CHECK_OK(taproot_control_block_check(lh, output_key, cb, cblen, kv->value, kv->value_len - 1));
		CHECK(memcmp(lh, leaf_hash, 32) == 0 && (cb[0] & TAPROOT_LEAF_MASK) == kv->value[kv->value_len - 1]);
		return 1;
	}
	return 0;
}

static void
check_psbt(const char *hex, struct counts *n)
{
	struct psbt p;
	struct tx_out *spent;
	struct cbuf *spks;
	struct sighash_cache c;
	uint8_t *raw;
	size_t len, i, k;
	int ok = 1;

	raw = test_unhex(hex, &len);
	if (psbt_parse(&p, raw, len) != 0) {
		CHECK_MSG(0, "valid PSBT does not parse");
		free(raw);
		return;
	}
	free(raw);
	spent = calloc(p.n_in, sizeof(*spent));
	spks = calloc(p.n_in, sizeof(*spks));
	for (i = 0; i < p.n_in; i++) {
		cbuf_init(&spks[i], 0);
		if (psbt_input_utxo(&spent[i].value, &spks[i], NULL, &p, i) != 0)
			ok = 0;
		spent[i].script_pubkey = spks[i].p;
		spent[i].script_pubkey_len = spks[i].len;
	}
	if (ok && sighash_cache_init(&c, &p.tx, spent, p.n_in) == 0) {
		for (i = 0; i < p.n_in; i++) {
			struct script_info info;

			CHECK_OK(script_classify(&info, spent[i].script_pubkey, spent[i].script_pubkey_len));
			for (k = 0; k < p.in[i].map.n; k++) {
				const struct psbt_kv *kv = &p.in[i].map.kv[k];
				const uint8_t *kd = kv->key + kv->keydata_off;
				uint8_t h[32], ht;

				if (kv->type != PSBT_IN_TAP_KEY_SIG && kv->type != PSBT_IN_TAP_SCRIPT_SIG)
					continue;
				CHECK(info.type == SCRIPT_P2TR);
				CHECK(kv->value_len == 64 || kv->value_len == 65);
				ht = kv->value_len == 65 ? kv->value[64] : SIGHASH_DEFAULT;
				if (kv->type == PSBT_IN_TAP_KEY_SIG) {
					CHECK_OK(sighash_taproot(h, &c, i, ht, NULL, 0, NULL, 0));
					CHECK_OK(sign_schnorr_verify(kv->value, h, 32, info.program));
					n->key_sigs++;
				} else {
					/* key data = x-only key (32) || leaf hash (32) */
					CHECK(kv->key_len - kv->keydata_off == 64);
					CHECK_OK(sighash_taproot(h, &c, i, ht, NULL, 0, kd + 32, SIGHASH_NO_CODESEP));
					CHECK_OK(sign_schnorr_verify(kv->value, h, 32, kd));
					/* ... and not as a key-path signature. */
					CHECK_OK(sighash_taproot(h, &c, i, ht, NULL, 0, NULL, 0));
					CHECK_RC(sign_schnorr_verify(kv->value, h, 32, kd), COFFER_ERR_BAD_SIGNATURE);
					if (find_leaf(&p.in[i], kd + 32, info.program))
						n->leaves++;
					n->script_sigs++;
				}
			}
		}
	}
	for (i = 0; i < p.n_in; i++)
		cbuf_free(&spks[i]);
	free(spks);
	free(spent);
	psbt_free(&p);
	n->psbts++;
}

static void
test_bip371(void)
{
	json_t *v = vectors_load(V_BIP371);
	const json_t *c;
	struct counts n = { 0, 0, 0, 0 };
	size_t i;

	json_array_foreach(json_object_get(v, "valid"), i, c)
		check_psbt(json_string_value(json_object_get(c, "hex")), &n);
	CHECK(n.key_sigs == 1 && n.script_sigs == 3 && n.leaves == 3);
	vectors_count(V_BIP371, "valid PSBTs scanned for taproot signatures", n.psbts);
	vectors_count(V_BIP371, "key-path signatures verified under our sighash", n.key_sigs);
	vectors_count(V_BIP371, "script-path signatures verified under our sighash", n.script_sigs);
	vectors_count(V_BIP371, "leaf scripts matched and control blocks checked", n.leaves);
	json_decref(v);
}

static void
test_bip373(void)
{
	json_t *v = vectors_load(V_BIP373);
	const json_t *c, *s;
	struct counts n = { 0, 0, 0, 0 };
	size_t i, j;

	json_array_foreach(json_object_get(v, "valid"), i, c) {
		const json_t *stages = json_object_get(c, "stages");

		if (json_is_array(stages))
			json_array_foreach(stages, j, s)
				check_psbt(json_string_value(json_object_get(s, "hex")), &n);
		else
			check_psbt(json_string_value(json_object_get(c, "hex")), &n);
	}
	vectors_count(V_BIP373, "valid PSBT stages scanned for taproot signatures", n.psbts);
	vectors_count(V_BIP373, "key-path signatures verified under our sighash", n.key_sigs);
	vectors_count(V_BIP373, "script-path signatures verified under our sighash", n.script_sigs);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "bip371", test_bip371 },
	{ "bip373", test_bip373 },
};

TEST_MAIN(tests)
