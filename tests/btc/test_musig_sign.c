/*
 * MuSig2 (BIP327) signing vectors: sign_verify, tweak, det_sign and sig_agg.
 *
 * Cases with a message that is not 32 bytes cannot be expressed through
 * libsecp256k1 (its sessions take 32-byte messages) and are counted apart.
 * DeterministicSign has no libsecp256k1 API: its outputs are verified with
 * PartialSigVerify, and its error cases run through the ordinary randomized
 * signing flow, which must fail for the same reason.
 */
#include "musig_util.h"

/* Key aggregation for a case: keys from key_indices, then tweaks. */
static int
case_keyagg(struct musig_keyagg *ka, size_t *bad, const json_t *v, const json_t *c, const json_t *tweaks,
    const json_t *tweak_list)
{
	uint8_t keys[MAXN][33];
	const json_t *idx = json_object_get(c, "key_indices");
	const json_t *pks = json_object_get(v, "pubkeys");
	size_t i, n = json_array_size(idx);
	int r;

	/* Not gather(): invalid keys may have any first byte but are 33 bytes. */
	for (i = 0; i < n && i < MAXN; i++)
		jhex(keys[i], 33, json_array_get(pks, (size_t)json_integer_value(json_array_get(idx, i))));
	if ((r = musig_key_agg(ka, bad, (const uint8_t (*)[33])keys, n)) != 0)
		return r;
	if (tweak_list != NULL)
		return apply_tweaks(ka, tweaks, tweak_list, json_object_get(c, "is_xonly"));
	return 0;
}

/* The case's message, if it is 32 bytes; 0 otherwise. */
static int
case_msg32(uint8_t msg[32], const json_t *msgs, const json_t *c)
{
	uint8_t buf[128];
	const json_t *m = msgs != NULL ? json_array_get(msgs, jindex(c, "msg_index")) : json_object_get(c, "msg");

	if (jhex(buf, sizeof(buf), m) != 32)
		return 0;
	memcpy(msg, buf, 32);
	return 1;
}

static void
test_sign_verify(void)
{
	json_t *v = vectors_load(V_SIGN);
	const json_t *pn = json_object_get(v, "pnonces"), *msgs = json_object_get(v, "msgs"), *c;
	const json_t *aggnonces = json_object_get(v, "aggnonces");
	uint8_t sk[32], sn97[2][97], nonces[MAXN][66], agg[66], given_agg[66], msg[32], exp[32], psig[32];
	uint8_t pubkey[33], pubnonce[66];
	struct musig_keyagg ka;
	struct musig_session s;
	size_t i, n, bad;
	int layout = secnonce_layout_ok();
	int signed_ = 0, verified = 0, not32 = 0, sign_err = 0, vfail = 0, verr = 0;

	jhex(sk, 32, json_object_get(v, "sk"));
	for (i = 0; i < 2; i++)
		jhex(sn97[i], 97, json_array_get(json_object_get(v, "secnonces"), i));

	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		size_t signer = jindex(c, "signer_index");

		if (!case_msg32(msg, msgs, c)) {
			not32++;
			continue;
		}
		CHECK_OK(case_keyagg(&ka, &bad, v, c, NULL, NULL));
		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "nonce_indices"));
		CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])nonces, n));
		jhex(given_agg, 66, json_array_get(aggnonces, jindex(c, "aggnonce_index")));
		CHECK(memcmp(agg, given_agg, 66) == 0);
		CHECK_OK(musig_nonce_process(&s, given_agg, msg, &ka));
		jhex(exp, 32, json_object_get(c, "expected"));
		memcpy(pubkey, ka.pubkeys[signer], 33);
		CHECK_OK(musig_partial_sig_verify(exp, nonces[signer], pubkey, &ka, &s));
		verified++;
		if (layout) {
			struct musig_secnonce *sn = vector_secnonce(sn97[0], nonces[signer]);

			CHECK_OK(musig_partial_sign(psig, sn, sk, &ka, &s));
			CHECK_MSG(memcmp(psig, exp, 32) == 0, "sign valid case %zu", i);
			CHECK_RC(musig_partial_sign(psig, sn, sk, &ka, &s), COFFER_ERR_MUSIG_NONCE_REUSE);
			musig_secnonce_free(sn);
			signed_++;
		}
	}
	json_array_foreach(json_object_get(v, "sign_error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");
		const char *type = json_string_value(json_object_get(err, "type"));
		const char *contrib = json_string_value(json_object_get(err, "contrib"));
		struct musig_secnonce *sn;
		int r;

		CHECK(case_msg32(msg, msgs, c));
		bad = 99;
		r = case_keyagg(&ka, &bad, v, c, NULL, NULL);
		if (r == 0) {
			jhex(agg, 66, json_array_get(aggnonces, jindex(c, "aggnonce_index")));
			r = musig_nonce_process(&s, agg, msg, &ka);
		}
		if (r == 0) {
			/*
			 * A BIP327 secnonce with zero k values is what a used nonce
			 * looks like; in Coffer a used nonce is wiped whole, so that
			 * case is a wiped nonce. Other cases fail before the nonce
			 * values matter, so a fresh nonce for sk stands in.
			 */
			sn = fresh_secnonce(sk, pubnonce);
			if (jindex(c, "secnonce_index") == 1)
				secure_wipe(sn, sizeof(*sn));
			r = musig_partial_sign(psig, sn, sk, &ka, &s);
			musig_secnonce_free(sn);
		}
		if (strcmp(type, "invalid_contribution") == 0 && strcmp(contrib, "pubkey") == 0) {
			CHECK_RC(r, COFFER_ERR_BAD_PUBKEY);
			CHECK(bad == (size_t)json_integer_value(json_object_get(err, "signer")));
		} else if (strcmp(type, "invalid_contribution") == 0 && strcmp(contrib, "aggnonce") == 0) {
			CHECK_RC(r, COFFER_ERR_MUSIG_BAD_AGGNONCE);
		} else {
			CHECK_RC(r, value_error_code(err));
		}
		sign_err++;
	}
	json_array_foreach(json_object_get(v, "verify_fail_test_cases"), i, c) {
		size_t signer = jindex(c, "signer_index");

		CHECK(case_msg32(msg, msgs, c));
		CHECK_OK(case_keyagg(&ka, &bad, v, c, NULL, NULL));
		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "nonce_indices"));
		CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])nonces, n));
		CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
		jhex(psig, 32, json_object_get(c, "sig"));
		if (strstr(json_string_value(json_object_get(c, "comment")), "exceeds group size") != NULL)
			CHECK_RC(musig_partial_sig_verify(psig, nonces[signer], ka.pubkeys[signer], &ka, &s),
			    COFFER_ERR_MUSIG_BAD_PSIG);
		else
			CHECK_RC(musig_partial_sig_verify(psig, nonces[signer], ka.pubkeys[signer], &ka, &s),
			    COFFER_ERR_MUSIG_PSIG_INVALID);
		vfail++;
	}
	json_array_foreach(json_object_get(v, "verify_error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");
		const char *contrib = json_string_value(json_object_get(err, "contrib"));
		size_t signer = (size_t)json_integer_value(json_object_get(err, "signer"));
		const json_t *nidx = json_object_get(c, "nonce_indices");
		size_t k;

		CHECK(case_msg32(msg, msgs, c));
		n = json_array_size(nidx);
		for (k = 0; k < n && k < MAXN; k++)
			jhex(nonces[k], 66, json_array_get(pn, (size_t)json_integer_value(json_array_get(nidx, k))));
		jhex(psig, 32, json_object_get(c, "sig"));
		bad = 99;
		if (strcmp(contrib, "pubnonce") == 0) {
			CHECK_RC(musig_nonce_agg(agg, &bad, (const uint8_t (*)[66])nonces, n),
			    COFFER_ERR_MUSIG_BAD_PUBNONCE);
			CHECK(bad == signer);
			/* PartialSigVerify itself refuses it too, against any session. */
			CHECK_OK(case_keyagg(&ka, NULL, v, c, NULL, NULL));
			jhex(agg, 66, json_array_get(aggnonces, 0));
			CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
			CHECK_RC(musig_partial_sig_verify(psig, nonces[signer], ka.pubkeys[signer], &ka, &s),
			    COFFER_ERR_MUSIG_BAD_PUBNONCE);
		} else {
			CHECK_RC(case_keyagg(&ka, &bad, v, c, NULL, NULL), COFFER_ERR_BAD_PUBKEY);
			CHECK(bad == signer);
		}
		verr++;
	}
	if (layout)
		vectors_count(V_SIGN, "valid: partial signatures reproduced by signing", signed_);
	else
		vectors_count(V_SIGN, "valid: not signed (secnonce layout unverified), verified only", verified);
	vectors_count(V_SIGN, "valid: expected partial signatures verified", verified);
	vectors_count(V_SIGN, "valid: not expressible: message not 32 bytes (libsecp256k1)", not32);
	vectors_count(V_SIGN, "sign error cases rejected for the documented reason", sign_err);
	vectors_count(V_SIGN, "verify fail cases rejected", vfail);
	vectors_count(V_SIGN, "verify error cases rejected with the right signer blamed", verr);
	secure_wipe(sk, sizeof(sk));
	json_decref(v);
}

static void
test_tweak(void)
{
	json_t *v = vectors_load(V_TWEAK);
	const json_t *pn = json_object_get(v, "pnonces"), *tweaks = json_object_get(v, "tweaks"), *c;
	uint8_t sk[32], sn97[97], nonces[MAXN][66], agg[66], given_agg[66], msg[32], exp[32], psig[32];
	struct musig_keyagg ka;
	struct musig_session s;
	size_t i, n;
	int layout = secnonce_layout_ok(), valid = 0, errors = 0;

	jhex(sk, 32, json_object_get(v, "sk"));
	jhex(sn97, 97, json_object_get(v, "secnonce"));
	jhex(given_agg, 66, json_object_get(v, "aggnonce"));
	CHECK(case_msg32(msg, NULL, v));
	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		size_t signer = jindex(c, "signer_index");

		CHECK_OK(case_keyagg(&ka, NULL, v, c, tweaks, json_object_get(c, "tweak_indices")));
		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "nonce_indices"));
		CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])nonces, n));
		CHECK(memcmp(agg, given_agg, 66) == 0);
		CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
		jhex(exp, 32, json_object_get(c, "expected"));
		CHECK_MSG(musig_partial_sig_verify(exp, nonces[signer], ka.pubkeys[signer], &ka, &s) == 0,
		    "tweak valid case %zu", i);
		if (layout) {
			struct musig_secnonce *sn = vector_secnonce(sn97, nonces[signer]);

			CHECK_OK(musig_partial_sign(psig, sn, sk, &ka, &s));
			CHECK_MSG(memcmp(psig, exp, 32) == 0, "tweak sign case %zu", i);
			musig_secnonce_free(sn);
		}
		valid++;
	}
	json_array_foreach(json_object_get(v, "error_test_cases"), i, c) {
		CHECK_RC(case_keyagg(&ka, NULL, v, c, tweaks, json_object_get(c, "tweak_indices")),
		    value_error_code(json_object_get(c, "error")));
		errors++;
	}
	vectors_count(V_TWEAK, layout ? "valid: tweaked partial signatures reproduced and verified" :
	    "valid: tweaked partial signatures verified (not signed: secnonce layout unverified)", valid);
	vectors_count(V_TWEAK, "error cases rejected for the documented reason", errors);
	secure_wipe(sk, sizeof(sk));
	json_decref(v);
}

/*
 * Sign through the randomized API against a counterparty aggregate nonce,
 * as DeterministicSign would; returns the first error.
 */
static int
det_flow(const uint8_t sk[32], const uint8_t pk33[33], const struct musig_keyagg *ka, const uint8_t other66[66],
    const uint8_t msg[32])
{
	uint8_t nonces[2][66], agg[66], psig[32];
	struct musig_secnonce *sn = NULL;
	struct musig_session s;
	size_t bad = 99;
	int r;

	if ((r = musig_nonce_gen(&sn, nonces[0], sk, pk33, msg, ka, NULL)) != 0)
		return r;
	memcpy(nonces[1], other66, 66);
	if ((r = musig_nonce_agg(agg, &bad, (const uint8_t (*)[66])nonces, 2)) != 0) {
		CHECK(bad == 1);	/* blame lands on the counterparty nonce */
		goto out;
	}
	if ((r = musig_nonce_process(&s, agg, msg, ka)) != 0 ||
	    (r = musig_partial_sign(psig, sn, sk, ka, &s)) != 0)
		goto out;
	r = musig_partial_sig_verify(psig, nonces[0], pk33, ka, &s);
out:
	musig_secnonce_free(sn);
	return r;
}

static void
test_det_sign(void)
{
	const secp256k1_context *ctx = btc_secp();
	json_t *v = vectors_load(V_DET_SIGN);
	const json_t *msgs = json_object_get(v, "msgs"), *c;
	uint8_t sk[32], pk[33], other[66], nonces[2][66], agg[66], msg[32], psig[32];
	struct musig_keyagg ka;
	struct musig_session s;
	secp256k1_pubkey ppk;
	size_t i, len = 33, bad;
	int valid = 0, not32 = 0, errors = 0;

	jhex(sk, 32, json_object_get(v, "sk"));
	CHECK(secp256k1_ec_pubkey_create(ctx, &ppk, sk));
	secp256k1_ec_pubkey_serialize(ctx, pk, &len, &ppk, SECP256K1_EC_COMPRESSED);
	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		const json_t *exp = json_object_get(c, "expected");
		size_t signer = jindex(c, "signer_index");

		if (!case_msg32(msg, msgs, c)) {
			not32++;
			continue;
		}
		CHECK_OK(case_keyagg(&ka, NULL, v, c, NULL, json_object_get(c, "tweaks")));
		CHECK(memcmp(ka.pubkeys[signer], pk, 33) == 0);
		jhex(other, 66, json_object_get(c, "aggothernonce"));
		jhex(nonces[0], 66, json_array_get(exp, 0));
		jhex(psig, 32, json_array_get(exp, 1));
		memcpy(nonces[1], other, 66);
		CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])nonces, 2));
		CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
		CHECK_MSG(musig_partial_sig_verify(psig, nonces[0], pk, &ka, &s) == 0, "det_sign valid case %zu", i);
		CHECK_OK(det_flow(sk, pk, &ka, other, msg));
		valid++;
	}
	json_array_foreach(json_object_get(v, "error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");
		const char *type = json_string_value(json_object_get(err, "type"));
		const char *contrib = json_string_value(json_object_get(err, "contrib"));
		int r;

		CHECK(case_msg32(msg, msgs, c));
		jhex(other, 66, json_object_get(c, "aggothernonce"));
		bad = 99;
		r = case_keyagg(&ka, &bad, v, c, NULL, json_object_get(c, "tweaks"));
		if (r == 0)
			r = det_flow(sk, pk, &ka, other, msg);
		if (strcmp(type, "invalid_contribution") == 0 && strcmp(contrib, "pubkey") == 0) {
			CHECK_RC(r, COFFER_ERR_BAD_PUBKEY);
			CHECK(bad == (size_t)json_integer_value(json_object_get(err, "signer")));
		} else if (strcmp(type, "invalid_contribution") == 0) {
			CHECK_RC(r, COFFER_ERR_MUSIG_BAD_PUBNONCE);	/* aggothernonce */
		} else {
			CHECK_RC(r, value_error_code(err));
		}
		errors++;
	}
	vectors_count(V_DET_SIGN, "valid: outputs verified with PartialSigVerify + randomized signing "
	    "(no deterministic-sign API in libsecp256k1)", valid);
	vectors_count(V_DET_SIGN, "valid: not expressible: message not 32 bytes (libsecp256k1)", not32);
	vectors_count(V_DET_SIGN, "error cases rejected for the documented reason", errors);
	secure_wipe(sk, sizeof(sk));
	json_decref(v);
}

static void
test_sig_agg(void)
{
	const secp256k1_context *ctx = btc_secp();
	json_t *v = vectors_load(V_SIG_AGG);
	const json_t *pn = json_object_get(v, "pnonces"), *tweaks = json_object_get(v, "tweaks");
	const json_t *psigs = json_object_get(v, "psigs"), *c;
	uint8_t nonces[MAXN][66], sigs[MAXN][32], agg[66], given_agg[66], msg[32], sig[64], exp[64], xonly[32];
	struct musig_keyagg ka;
	struct musig_session s;
	secp256k1_xonly_pubkey xpk;
	size_t i, k, n, bad;
	int valid = 0, errors = 0;

	CHECK(case_msg32(msg, NULL, v));
	json_array_foreach(json_object_get(v, "valid_test_cases"), i, c) {
		CHECK_OK(case_keyagg(&ka, NULL, v, c, tweaks, json_object_get(c, "tweak_indices")));
		n = gather(&nonces[0][0], 66, pn, json_object_get(c, "nonce_indices"));
		CHECK_OK(musig_nonce_agg(agg, NULL, (const uint8_t (*)[66])nonces, n));
		jhex(given_agg, 66, json_object_get(c, "aggnonce"));
		CHECK(memcmp(agg, given_agg, 66) == 0);
		CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
		n = gather(&sigs[0][0], 32, psigs, json_object_get(c, "psig_indices"));
		for (k = 0; k < n; k++)
			CHECK_OK(musig_partial_sig_verify(sigs[k], nonces[k], ka.pubkeys[k], &ka, &s));
		CHECK_OK(musig_partial_sig_agg(sig, NULL, &s, (const uint8_t (*)[32])sigs, n));
		jhex(exp, 64, json_object_get(c, "expected"));
		CHECK_MSG(memcmp(sig, exp, 64) == 0, "sig_agg valid case %zu", i);
		musig_keyagg_xonly(xonly, &ka);
		CHECK(secp256k1_xonly_pubkey_parse(ctx, &xpk, xonly));
		CHECK(secp256k1_schnorrsig_verify(ctx, sig, msg, 32, &xpk) == 1);
		valid++;
	}
	json_array_foreach(json_object_get(v, "error_test_cases"), i, c) {
		const json_t *err = json_object_get(c, "error");

		CHECK_OK(case_keyagg(&ka, NULL, v, c, tweaks, json_object_get(c, "tweak_indices")));
		jhex(agg, 66, json_object_get(c, "aggnonce"));
		CHECK_OK(musig_nonce_process(&s, agg, msg, &ka));
		n = gather(&sigs[0][0], 32, psigs, json_object_get(c, "psig_indices"));
		bad = 99;
		CHECK_RC(musig_partial_sig_agg(sig, &bad, &s, (const uint8_t (*)[32])sigs, n), COFFER_ERR_MUSIG_BAD_PSIG);
		CHECK(bad == (size_t)json_integer_value(json_object_get(err, "signer")));
		errors++;
	}
	vectors_count(V_SIG_AGG, "valid aggregations (each share verified, result BIP340-verified)", valid);
	vectors_count(V_SIG_AGG, "error cases rejected with the right signer blamed", errors);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "sign_verify", test_sign_verify },
	{ "tweak", test_tweak },
	{ "det_sign", test_det_sign },
	{ "sig_agg", test_sig_agg },
};

TEST_MAIN(tests)
