/*
 * MuSig2 (BIP327) key sorting, key aggregation, nonce generation and nonce
 * aggregation vectors, BIP328 synthetic xpubs, and a 3-party round trip that
 * secp256k1_schnorrsig_verify accepts. Signing vectors: test_musig_sign.c.
 *
 * What libsecp256k1 cannot express is counted apart, with the reason.
 */
#include "musig_util.h"

#include "btc/bip32.h"

static void
test_key_sort(void)
{
	json_t *v = vectors_load(V_KEY_SORT);
	const json_t *in = json_object_get(v, "pubkeys"), *want = json_object_get(v, "sorted_pubkeys");
	uint8_t keys[MAXN][33], exp[33];
	size_t i, n = json_array_size(in), bad = 99;

	for (i = 0; i < n; i++)
		jhex(keys[i], 33, json_array_get(in, i));
	CHECK_OK(musig_key_sort(&bad, keys, n));
	for (i = 0; i < n; i++) {
		jhex(exp, 33, json_array_get(want, i));
		CHECK(memcmp(keys[i], exp, 33) == 0);
	}
	/* An invalid key is named, and the array is left alone. */
	memset(keys[2], 0, 33);
	keys[2][0] = 0x02;
	keys[2][32] = 0x05;
	CHECK_RC(musig_key_sort(&bad, keys, n), COFFER_ERR_BAD_PUBKEY);
	CHECK(bad == 2);
	vectors_count(V_KEY_SORT, "key sort cases", 1);
	json_decref(v);
}

static void
test_key_agg(void)
{
	json_t *v = vectors_load(V_KEY_AGG);
	const json_t *pks = json_object_get(v, "pubkeys"), *tweaks = json_object_get(v, "tweaks");
	const json_t *c;
	uint8_t keys[MAXN][33], xonly[32], exp[32];
	struct musig_keyagg ka;
	size_t i, n, bad;
	int valid = 0, errors = 0;

	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		n = gather(&keys[0][0], 33, pks, json_object_get(c, "key_indices"));
		CHECK_OK(musig_key_agg(&ka, &bad, (const uint8_t (*)[33])keys, n));
		musig_keyagg_xonly(xonly, &ka);
		jhex(exp, 32, json_object_get(c, "expected"));
		CHECK_MSG(memcmp(xonly, exp, 32) == 0, "key_agg valid case %zu", i);
		valid++;
	}
	json_array_foreach(json_object_get(v, "error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");
		const json_t *idx = json_object_get(c, "key_indices");
		const char *type = json_string_value(json_object_get(err, "type"));
		size_t k;
		int r;

		/* Invalid keys must be caught at parse time, before any arithmetic. */
		n = json_array_size(idx);
		for (k = 0; k < n; k++)
			jhex(keys[k], 33, json_array_get(pks, (size_t)json_integer_value(json_array_get(idx, k))));
		bad = 99;
		r = musig_key_agg(&ka, &bad, (const uint8_t (*)[33])keys, n);
		if (r == 0)
			r = apply_tweaks(&ka, tweaks, json_object_get(c, "tweak_indices"), json_object_get(c, "is_xonly"));
		if (strcmp(type, "invalid_contribution") == 0) {
			CHECK_RC(r, COFFER_ERR_BAD_PUBKEY);
			CHECK_MSG(bad == (size_t)json_integer_value(json_object_get(err, "signer")),
			    "key_agg error %zu blamed signer %zu", i, bad);
		} else {
			CHECK_RC(r, value_error_code(err));
		}
		errors++;
	}
	vectors_count(V_KEY_AGG, "valid key aggregations", valid);
	vectors_count(V_KEY_AGG, "error cases rejected for the documented reason", errors);
	json_decref(v);
}

static void
test_nonce_gen(void)
{
	json_t *v = vectors_load(V_NONCE_GEN);
	const json_t *c;
	size_t i;
	int ran = 0, skipped_msg = 0, skipped_other = 0;

	json_array_foreach(json_object_get(v, "test_cases"), i, c) {
		const char *why = NULL;

		if (run_nonce_gen(c, &why)) {
			ran++;
		} else {
			printf("  nonce_gen case %zu not expressible: %s\n", i, why);
			if (strstr(why, "message") != NULL)
				skipped_msg++;
			else
				skipped_other++;
		}
	}
	CHECK(ran >= 1);
	vectors_count(V_NONCE_GEN, "nonce generations reproduced (pubnonce and secnonce)", ran);
	vectors_count(V_NONCE_GEN, "not expressible: msg empty or not 32 bytes (libsecp256k1 takes 32 or none)",
	    skipped_msg);
	if (skipped_other > 0)
		vectors_count(V_NONCE_GEN, "not expressible: synthetic aggpk", skipped_other);
	json_decref(v);
}

static void
test_nonce_agg(void)
{
	json_t *v = vectors_load(V_NONCE_AGG);
	const json_t *pn = json_object_get(v, "pnonces"), *c;
	uint8_t nonces[MAXN][66], agg[66], exp[66];
	size_t i, n, bad;
	int valid = 0, errors = 0;

	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "pnonce_indices"));
		CHECK_OK(musig_nonce_agg(agg, &bad, (const uint8_t (*)[66])nonces, n));
		jhex(exp, 66, json_object_get(c, "expected"));
		CHECK_MSG(memcmp(agg, exp, 66) == 0, "nonce_agg valid case %zu", i);
		valid++;
	}
	json_array_foreach(json_object_get(v, "error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");

		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "pnonce_indices"));
		bad = 99;
		CHECK_RC(musig_nonce_agg(agg, &bad, (const uint8_t (*)[66])nonces, n), COFFER_ERR_MUSIG_BAD_PUBNONCE);
		CHECK(bad == (size_t)json_integer_value(json_object_get(err, "signer")));
		errors++;
	}
	vectors_count(V_NONCE_AGG, "valid nonce aggregations", valid);
	vectors_count(V_NONCE_AGG, "error cases rejected with the right signer blamed", errors);
	json_decref(v);
}

static void
test_bip328(void)
{
	json_t *v = vectors_load(V_BIP328);
	const json_t *c;
	uint8_t keys[MAXN][33], agg[33], exp[33], x78[78];
	struct musig_keyagg ka;
	struct bip32_key xk;
	char xpub[BIP32_XKEY_BUFSIZE];
	size_t i, k, n;
	int ran = 0;

	json_array_foreach(v, i, c) {
		const json_t *jk = json_object_get(c, "keys");

		n = json_array_size(jk);
		for (k = 0; k < n && k < MAXN; k++)
			jhex(keys[k], 33, json_array_get(jk, k));
		/* BIP328 aggregates in the given order (a descriptor's musig() sorts first). */
		CHECK_OK(musig_key_agg(&ka, NULL, (const uint8_t (*)[33])keys, n));
		musig_keyagg_pubkey(agg, &ka);
		jhex(exp, 33, json_object_get(c, "aggregate_pubkey"));
		CHECK(memcmp(agg, exp, 33) == 0);
		musig_bip328_xpub(x78, &ka, btc_network_params(BTC_MAINNET)->xpub);
		/* Through the BIP32 module: every xpub check, then its serialiser. */
		CHECK_OK(bip32_key_decode(&xk, x78, sizeof(x78)));
		CHECK_OK(bip32_xpub_encode(xpub, &xk));
		CHECK_STREQ(xpub, json_string_value(json_object_get(c, "xpub")));
		CHECK(xk.depth == 0 && memcmp(xk.chaincode, MUSIG_BIP328_CHAINCODE, 32) == 0);
		ran++;
	}
	vectors_count(V_BIP328, "synthetic xpubs of aggregate keys", ran);
	json_decref(v);
}

static void
make_key(uint8_t sk[32], uint8_t pk33[33])
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_pubkey pk;
	size_t len = 33;

	do
		secure_random(sk, 32);
	while (!secp256k1_ec_seckey_verify(ctx, sk));
	CHECK(secp256k1_ec_pubkey_create(ctx, &pk, sk));
	secp256k1_ec_pubkey_serialize(ctx, pk33, &len, &pk, SECP256K1_EC_COMPRESSED);
}

/* Three signers, sorted keys, a BIP341 x-only tweak, one BIP340 signature. */
static void
test_round_trip(void)
{
	const secp256k1_context *ctx = btc_secp();
	uint8_t sk[4][32], pk[4][33], sorted[3][33], pn[3][66], agg[66], psig[3][32], sig[64], msg[32];
	uint8_t internal[32], xonly[32], tweak[32], junk[32], pn_other[66], zero_rand[32] = { 0 };
	struct musig_secnonce *sn[3], *other = NULL;
	struct musig_keyagg ka;
	struct musig_session s;
	secp256k1_xonly_pubkey xpk, ipk;
	int i, parity;

	for (i = 0; i < 4; i++)
		make_key(sk[i], pk[i]);
	memcpy(sorted, pk, sizeof(sorted));
	CHECK_OK(musig_key_sort(NULL, sorted, 3));
	CHECK_OK(musig_key_agg(&ka, NULL, (const uint8_t (*)[33])sorted, 3));
	musig_keyagg_xonly(internal, &ka);
	tagged_hash(tweak, "TapTweak", internal, 32);
	CHECK_OK(musig_keyagg_tweak(&ka, tweak, 1));
	musig_keyagg_xonly(xonly, &ka);
	/* The tweaked key is the BIP341 output key of the aggregate. */
	CHECK(secp256k1_xonly_pubkey_parse(ctx, &ipk, internal));
	CHECK(secp256k1_xonly_pubkey_parse(ctx, &xpk, xonly));
	{
		uint8_t full[33];

		musig_keyagg_pubkey(full, &ka);
		parity = full[0] == 0x03;
	}
	CHECK(secp256k1_xonly_pubkey_tweak_add_check(ctx, xonly, parity, &ipk, tweak));

	secure_random(msg, sizeof(msg));
	for (i = 0; i < 3; i++)
		CHECK_OK(musig_nonce_gen(&sn[i], pn[i], sk[i], pk[i], msg, &ka, NULL));
	CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])pn, 3));
	CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
	for (i = 0; i < 3; i++) {
		CHECK_OK(musig_partial_sign(psig[i], sn[i], sk[i], &ka, &s));
		CHECK_OK(musig_partial_sig_verify(psig[i], pn[i], pk[i], &ka, &s));
	}
	/* A used nonce is refused, and refusing it leaks nothing into the output. */
	CHECK_RC(musig_partial_sign(junk, sn[0], sk[0], &ka, &s), COFFER_ERR_MUSIG_NONCE_REUSE);
	CHECK(secure_equal(junk, zero_rand, 32));
	CHECK_RC(musig_partial_sig_verify(psig[1], pn[0], pk[0], &ka, &s), COFFER_ERR_MUSIG_PSIG_INVALID);
	CHECK_RC(musig_partial_sig_verify(psig[0], pn[0], pk[3], &ka, &s), COFFER_ERR_MUSIG_NOT_SIGNER);

	CHECK_OK(musig_partial_sig_agg(sig, NULL, &s, (const uint8_t (*)[32])psig, 3));
	CHECK(secp256k1_schnorrsig_verify(ctx, sig, msg, sizeof(msg), &xpk) == 1);
	msg[0] ^= 1;
	CHECK(secp256k1_schnorrsig_verify(ctx, sig, msg, sizeof(msg), &xpk) == 0);
	msg[0] ^= 1;
	/* One bad share spoils the signature. */
	psig[2][31] ^= 1;
	CHECK_RC(musig_partial_sig_verify(psig[2], pn[2], pk[2], &ka, &s), COFFER_ERR_MUSIG_PSIG_INVALID);
	CHECK_OK(musig_partial_sig_agg(sig, NULL, &s, (const uint8_t (*)[32])psig, 3));
	CHECK(secp256k1_schnorrsig_verify(ctx, sig, msg, sizeof(msg), &xpk) == 0);

	/* A nonce made for one key cannot sign with another, and is consumed trying. */
	CHECK_OK(musig_nonce_gen(&other, pn_other, NULL, pk[0], NULL, NULL, NULL));
	CHECK_RC(musig_partial_sign(junk, other, sk[1], &ka, &s), COFFER_ERR_MUSIG_KEY_MISMATCH);
	CHECK_RC(musig_partial_sign(junk, other, sk[0], &ka, &s), COFFER_ERR_MUSIG_NONCE_REUSE);
	musig_secnonce_free(other);
	/* An outsider's key is refused. */
	CHECK_OK(musig_nonce_gen(&other, pn_other, sk[3], pk[3], NULL, NULL, NULL));
	CHECK_RC(musig_partial_sign(junk, other, sk[3], &ka, &s), COFFER_ERR_MUSIG_NOT_SIGNER);
	musig_secnonce_free(other);
	other = NULL;
	/* Inputs nonce_gen refuses. */
	CHECK_RC(musig_nonce_gen(&other, pn_other, sk[1], pk[0], NULL, NULL, NULL), COFFER_ERR_BAD_PRIVKEY);
	CHECK(other == NULL);
	CHECK_RC(musig_nonce_gen_with_secrand(&other, pn_other, zero_rand, NULL, pk[0], NULL, NULL, NULL),
	    COFFER_ERR_RANDOM);
	pk[0][0] = 0x05;
	CHECK_RC(musig_nonce_gen(&other, pn_other, NULL, pk[0], NULL, NULL, NULL), COFFER_ERR_BAD_PUBKEY);
	CHECK(other == NULL);
	CHECK_RC(musig_key_agg(&ka, NULL, (const uint8_t (*)[33])sorted, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(musig_key_agg(&ka, NULL, (const uint8_t (*)[33])sorted, MUSIG_MAX_KEYS + 1), COFFER_ERR_INVALID_ARG);

	for (i = 0; i < 3; i++)
		musig_secnonce_free(sn[i]);
	secure_wipe(sk, sizeof(sk));
}

static const struct test_case tests[] = {
	{ "key_sort", test_key_sort },
	{ "key_agg", test_key_agg },
	{ "nonce_gen", test_nonce_gen },
	{ "nonce_agg", test_nonce_agg },
	{ "bip328", test_bip328 },
	{ "round_trip", test_round_trip },
};

TEST_MAIN(tests)
