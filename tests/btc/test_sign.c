/*
 * Signing: BIP340 vectors (sign with aux_rand, verify, any message length),
 * tiny-secp256k1's ECDSA fixtures (RFC6979, extra entropy, recovery, invalid
 * inputs), Bitcoin Core's deterministic-signing key tests (DER + compact), the
 * BIP322 legacy vectors that need low-R grinding with counter 1, and strict DER.
 */
#include "tx_util.h"

#include <secp256k1.h>

#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/script.h"
#include "btc/secp.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "common/secmem.h"

#define V_BIP340 "schnorr/bip340_test_vectors.csv"
#define V_TINY   "ecdsa/tiny_secp256k1_ecdsa.json"
#define V_CORE   "ecdsa/core_key_tests_deterministic_signing.json"
#define V_BIP322 "message/bip322_legacy_mediawiki_vectors.json"

/* Split one CSV line in place into at most max fields (no quoting in this file). */
static size_t
csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = p;
		if ((p = strchr(p, ',')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

static void
test_bip340(void)
{
	FILE *fp = fopen(vectors_path(V_BIP340), "r");
	char line[2048], *f[8];
	int nsign = 0, nverify = 0;

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	if (fgets(line, sizeof(line), fp) == NULL)	/* header */
		CHECK(0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		uint8_t pub[32], sig[64], mine[64], x[32], aux[32];
		struct cbuf msg;
		int expect, rc;

		if (csv_split(line, f, 8) < 7) {
			CHECK_MSG(0, "short CSV row");
			continue;
		}
		cbuf_init(&msg, 0);
		CHECK_OK(hex_decode_buf(&msg, f[4], strlen(f[4])));
		CHECK_OK(hex_decode_exact(pub, 32, f[2]));
		CHECK_OK(hex_decode_exact(sig, 64, f[5]));
		expect = strcmp(f[6], "TRUE") == 0;
		if (f[1][0] != '\0') {
			uint8_t sk[32];

			CHECK_OK(hex_decode_exact(sk, 32, f[1]));
			CHECK_OK(hex_decode_exact(aux, 32, f[3]));
			CHECK_OK(sign_xonly_pubkey(x, NULL, sk));
			CHECK(memcmp(x, pub, 32) == 0);
			CHECK_OK(sign_schnorr_aux(mine, msg.p, msg.len, sk, aux));
			CHECK_MSG(memcmp(mine, sig, 64) == 0, "BIP340 row %s signature", f[0]);
			/* Fresh randomness: another valid signature. */
			CHECK_OK(sign_schnorr(mine, msg.p, msg.len, sk));
			CHECK_OK(sign_schnorr_verify(mine, msg.p, msg.len, pub));
			secure_wipe(sk, sizeof(sk));
			nsign++;
		}
		rc = sign_schnorr_verify(sig, msg.p, msg.len, pub);
		if (expect)
			CHECK_MSG(rc == 0, "BIP340 row %s should verify", f[0]);
		else if (f[7] != NULL && strstr(f[7], "public key not on the curve") != NULL)
			CHECK_RC(rc, COFFER_ERR_BAD_PUBKEY);
		else
			CHECK_MSG(rc == COFFER_ERR_BAD_SIGNATURE || rc == COFFER_ERR_BAD_PUBKEY,
			    "BIP340 row %s should fail: %s", f[0], coffer_err_name(rc));
		nverify++;
		cbuf_free(&msg);
	}
	fclose(fp);
	vectors_count(V_BIP340, "signed with aux_rand (and fresh aux)", nsign);
	vectors_count(V_BIP340, "verification results", nverify);
}

static void
test_tiny_valid(void)
{
	json_t *v = vectors_load(V_TINY);
	const json_t *c;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(v, "valid"), i, c) {
		uint8_t d[32], m[32], want[64], sig[64], pub[33], rpub[33], der[SIGN_DER_MAX], back[64];
		size_t pl, dl;
		int recid;

		tx_jhex(d, 32, json_object_get(c, "d"));
		tx_jhex(m, 32, json_object_get(c, "m"));
		tx_jhex(want, 64, json_object_get(c, "signature"));
		CHECK_OK(sign_ecdsa_ndata(sig, m, d, NULL));
		CHECK_MSG(memcmp(sig, want, 64) == 0, "tiny valid %zu", i);
		CHECK_OK(sign_pubkey(pub, &pl, d, 1));
		CHECK_OK(sign_ecdsa_verify(sig, m, pub, pl));
		CHECK_OK(sign_ecdsa_recoverable(sig, &recid, m, d, NULL));
		CHECK(memcmp(sig, want, 64) == 0);
		CHECK(recid == json_integer_value(json_object_get(c, "recoveryId")));
		CHECK_OK(sign_ecdsa_recover(rpub, &pl, sig, recid, m, 1));
		CHECK(pl == 33 && memcmp(rpub, pub, 33) == 0);
		CHECK_OK(sign_der_encode(der, &dl, sig));
		CHECK_OK(sign_der_decode(back, der, dl));
		CHECK(memcmp(back, sig, 64) == 0);
		/* Core's grinding: low R, verifies, equal to RFC6979 when R was low. */
		CHECK_OK(sign_ecdsa(sig, m, d));
		CHECK(sig[0] < 0x80);
		CHECK(want[0] >= 0x80 || memcmp(sig, want, 64) == 0);
		CHECK_OK(sign_ecdsa_verify(sig, m, pub, 33));
		secure_wipe(d, sizeof(d));
		n++;
	}
	vectors_count(V_TINY, "valid: RFC6979 signatures, recovery ids, recovered keys", n);
	json_decref(v);
}

static void
test_tiny_extra_entropy(void)
{
	/* tiny-secp256k1's tests/ecdsa.js: zero, 0..01 (big-endian), a random value, n, 2^256-1. */
	static const char *ndata_hex[5] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0000000000000000000000000000000000000000000000000000000000000001",
		"6e723d3fd94ed5d2b6bdd4f123364b0f3ca52af829988a63f8afe91d29db1c33",
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	static const char *sig_key[5] = { "extraEntropy0", "extraEntropy1", "extraEntropyRand",
		"extraEntropyN", "extraEntropyMax" };
	static const char *rec_key[5] = { "recoveryId0", "recoveryId1", "recoveryIdRand", "recoveryIdN",
		"recoveryIdMax" };
	json_t *v = vectors_load(V_TINY);
	const json_t *c;
	size_t i, k;
	int n = 0;

	json_array_foreach(json_object_get(v, "extraEntropy"), i, c) {
		uint8_t d[32], m[32], want[64], sig[64], nd[32];
		int recid;

		tx_jhex(d, 32, json_object_get(c, "d"));
		tx_jhex(m, 32, json_object_get(c, "m"));
		tx_jhex(want, 64, json_object_get(c, "signature"));
		CHECK_OK(sign_ecdsa_ndata(sig, m, d, NULL));
		CHECK(memcmp(sig, want, 64) == 0);
		for (k = 0; k < 5; k++) {
			CHECK_OK(hex_decode_exact(nd, 32, ndata_hex[k]));
			tx_jhex(want, 64, json_object_get(c, sig_key[k]));
			CHECK_OK(sign_ecdsa_ndata(sig, m, d, nd));
			CHECK_MSG(memcmp(sig, want, 64) == 0, "extra entropy %zu/%s", i, sig_key[k]);
			CHECK_OK(sign_ecdsa_recoverable(sig, &recid, m, d, nd));
			CHECK(memcmp(sig, want, 64) == 0);
			CHECK(recid == json_integer_value(json_object_get(c, rec_key[k])));
		}
		n++;
	}
	vectors_count(V_TINY, "extraEntropy cases (x5 ndata values each)", n);
	json_decref(v);
}

static void
test_tiny_invalid(void)
{
	json_t *v = vectors_load(V_TINY);
	const json_t *inv = json_object_get(v, "invalid"), *c;
	size_t i;
	int nsign = 0, nverify = 0, nrecover = 0, nskip = 0;

	json_array_foreach(json_object_get(inv, "sign"), i, c) {
		uint8_t d[32], m[32], sig[64];

		tx_jhex(d, 32, json_object_get(c, "d"));
		tx_jhex(m, 32, json_object_get(c, "m"));
		CHECK_RC(sign_ecdsa_ndata(sig, m, d, NULL), COFFER_ERR_BAD_PRIVKEY);
		CHECK_RC(sign_ecdsa(sig, m, d), COFFER_ERR_BAD_PRIVKEY);
		CHECK_RC(sign_seckey_check(d), COFFER_ERR_BAD_PRIVKEY);
		CHECK_RC(sign_schnorr_aux(sig, m, 32, d, NULL), COFFER_ERR_BAD_PRIVKEY);
		nsign++;
	}
	json_array_foreach(json_object_get(inv, "verify"), i, c) {
		const char *exc = json_string_value(json_object_get(c, "exception"));
		uint8_t *q, m[32], sig[64];
		size_t ql;
		int rc;

		q = tx_junhex(json_object_get(c, "Q"), &ql);
		tx_jhex(m, 32, json_object_get(c, "m"));
		tx_jhex(sig, 64, json_object_get(c, "signature"));
		rc = sign_ecdsa_verify(sig, m, q, ql);
		if (exc != NULL && strcmp(exc, "Expected Point") == 0)
			CHECK_RC(rc, COFFER_ERR_BAD_PUBKEY);
		else
			CHECK_RC(rc, COFFER_ERR_BAD_SIGNATURE);
		if (json_is_true(json_object_get(c, "strict"))) {
			/* Refused only for its high S: the normalised twin verifies. */
			const secp256k1_context *ctx = btc_secp();
			secp256k1_ecdsa_signature s;

			CHECK(secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig));
			CHECK(secp256k1_ecdsa_signature_normalize(ctx, &s, &s) == 1);
			secp256k1_ecdsa_signature_serialize_compact(ctx, sig, &s);
			CHECK_OK(sign_ecdsa_verify(sig, m, q, ql));
		}
		free(q);
		nverify++;
	}
	json_array_foreach(json_object_get(inv, "recover"), i, c) {
		uint8_t *m, sig[64], pub[33];
		size_t ml, pl;
		const json_t *rid = json_object_get(c, "recoveryId");

		m = tx_junhex(json_object_get(c, "m"), &ml);
		tx_jhex(sig, 64, json_object_get(c, "signature"));
		if (ml != 32) {
			/* Our API takes a fixed 32-byte hash: a wrong length cannot be passed. */
			nskip++;
		} else if (rid != NULL) {
			CHECK_RC(sign_ecdsa_recover(pub, &pl, sig, (int)json_integer_value(rid), m, 1),
			    COFFER_ERR_BAD_SIGNATURE);
			nrecover++;
		} else {
			int r;

			for (r = 0; r < 4; r++)
				CHECK_RC(sign_ecdsa_recover(pub, &pl, sig, r, m, 1), COFFER_ERR_BAD_SIGNATURE);
			nrecover++;
		}
		free(m);
	}
	{
		uint8_t sig[64] = { 1 }, m[32] = { 0 }, pub[33];
		size_t pl;

		CHECK_RC(sign_ecdsa_recover(pub, &pl, sig, 4, m, 1), COFFER_ERR_BAD_SIGNATURE);
		CHECK_RC(sign_ecdsa_recover(pub, &pl, sig, -1, m, 1), COFFER_ERR_BAD_SIGNATURE);
	}
	vectors_count(V_TINY, "invalid sign cases rejected", nsign);
	vectors_count(V_TINY, "invalid verify cases rejected (point/signature reason)", nverify);
	vectors_count(V_TINY, "invalid recover cases rejected", nrecover);
	vectors_count(V_TINY, "skipped: wrong hash length not expressible (fixed 32-byte API)", nskip);
	json_decref(v);
}

static void
test_core_key_tests(void)
{
	json_t *v = vectors_load(V_CORE);
	const json_t *c;
	uint8_t h[32], want[32];
	const char *msg = json_string_value(json_object_get(v, "message"));
	size_t i;
	int n = 0;

	sha256d(h, (const uint8_t *)msg, strlen(msg));
	tx_jhex(want, 32, json_object_get(v, "message_hash_sha256d"));
	CHECK(memcmp(h, want, 32) == 0);
	json_array_foreach(json_object_get(v, "cases"), i, c) {
		uint8_t key[32], key2[32], hexkey[32], pub[65], der[SIGN_DER_MAX], sig[64], compact[65];
		uint8_t *wder, wc[65], wu[65], rpub[65];
		size_t pl, dl, wdl, rl;
		int comp, recid;

		CHECK_OK(keys_wif_decode(key, &comp, json_string_value(json_object_get(c, "wif_compressed")),
		    BTC_MAINNET));
		CHECK(comp == 1);
		CHECK_OK(keys_wif_decode(key2, &comp,
		    json_string_value(json_object_get(c, "wif_uncompressed")), BTC_MAINNET));
		CHECK(comp == 0 && memcmp(key, key2, 32) == 0);
		tx_jhex(hexkey, 32, json_object_get(c, "privkey_hex"));
		CHECK(memcmp(key, hexkey, 32) == 0);
		CHECK_OK(sign_pubkey(pub, &pl, key, 1));
		CHECK_HEX(pub, 33, json_string_value(json_object_get(c, "pubkey_compressed")));

		/* CKey::Sign: RFC6979 + low-S + low-R grind, DER. */
		wder = tx_junhex(json_object_get(c, "der_signature"), &wdl);
		CHECK_OK(sign_ecdsa_der(der, &dl, h, key));
		CHECK(dl == wdl && memcmp(der, wder, dl) == 0);
		CHECK_OK(sign_der_decode(sig, der, dl));
		CHECK_OK(sign_ecdsa_verify(sig, h, pub, 33));

		/* CKey::SignCompact: header 27 + recid (+4 compressed), r || s. */
		tx_jhex(wc, 65, json_object_get(c, "compact_signature_compressed_key"));
		tx_jhex(wu, 65, json_object_get(c, "compact_signature_uncompressed_key"));
		CHECK_OK(sign_ecdsa_recoverable(compact + 1, &recid, h, key, NULL));
		compact[0] = (uint8_t)(27 + recid + 4);
		CHECK(memcmp(compact, wc, 65) == 0);
		compact[0] = (uint8_t)(27 + recid);
		CHECK(memcmp(compact, wu, 65) == 0);
		CHECK_OK(sign_ecdsa_recover(rpub, &rl, compact + 1, recid, h, 0));
		CHECK(rl == 65);
		CHECK_OK(sign_pubkey(pub, &pl, key, 0));
		CHECK(pl == 65 && memcmp(rpub, pub, 65) == 0);
		secure_wipe(key, sizeof(key));
		secure_wipe(key2, sizeof(key2));
		free(wder);
		n++;
	}
	vectors_count(V_CORE, "keys: DER (grind) + compact signatures, both WIF forms", n);
	json_decref(v);
}

/*
 * BIP322 "simple" P2WPKH signatures from the legacy BIP text: build to_spend and
 * to_sign with our tx API (checking their txids), take the BIP143 sighash, and
 * reproduce both published signatures: the 70-byte one is Core's low-R grind
 * with counter 1, the 71-byte one plain RFC6979.
 */
static void
test_bip322_grind(void)
{
	json_t *v = vectors_load(V_BIP322);
	const json_t *sg = json_object_get(v, "signing"), *s;
	uint8_t key[32], pub[33], h160[20], zero[32] = { 0 };
	size_t i, pl;
	int comp, n = 0, ntx = 0;

	CHECK_OK(keys_wif_decode(key, &comp, json_string_value(json_object_get(sg, "private_key_wif")),
	    BTC_MAINNET));
	CHECK_OK(sign_pubkey(pub, &pl, key, 1));
	hash160(h160, pub, 33);
	json_array_foreach(json_object_get(sg, "signatures"), i, s) {
		const char *msg = json_string_value(json_object_get(s, "message"));
		const json_t *sigs = json_object_get(s, "valid_signatures");
		struct tx to_spend, to_sign;
		struct sighash_cache c;
		struct cbuf spk, ss, code, wit;
		uint8_t mh[32], id[32], sighash[32], der[SIGN_DER_MAX];
		char hex[65];
		size_t dl, k;
		static const uint8_t op_return = OP_RETURN;

		tagged_hash(mh, "BIP0322-signed-message", (const uint8_t *)msg, strlen(msg));
		cbuf_init(&spk, 0);
		cbuf_init(&ss, 0);
		cbuf_init(&code, 0);
		CHECK_OK(script_p2wpkh(&spk, h160));
		CHECK_OK(script_push_op(&ss, OP_0));
		CHECK_OK(script_push_data(&ss, mh, 32));
		tx_init(&to_spend);
		to_spend.version = 0;
		CHECK_OK(tx_add_input(&to_spend, zero, 0xffffffffu, 0));
		CHECK_OK(tx_in_set_script_sig(&to_spend.in[0], ss.p, ss.len));
		CHECK_OK(tx_add_output(&to_spend, 0, spk.p, spk.len));
		CHECK_OK(tx_txid(id, &to_spend));
		tx_hash_hex(hex, id);
		CHECK_STREQ(hex, json_string_value(json_object_get(json_array_get(
		    json_object_get(json_object_get(v, "tx_hashes"), "to_spend"), i), "txid")));
		tx_init(&to_sign);
		to_sign.version = 0;
		CHECK_OK(tx_add_input(&to_sign, id, 0, 0));
		CHECK_OK(tx_add_output(&to_sign, 0, &op_return, 1));
		CHECK_OK(tx_txid(id, &to_sign));
		tx_hash_hex(hex, id);
		CHECK_STREQ(hex, json_string_value(json_object_get(json_array_get(
		    json_object_get(json_object_get(v, "tx_hashes"), "to_sign"), i), "txid")));
		ntx += 2;

		CHECK_OK(script_p2pkh(&code, h160));
		CHECK_OK(sighash_cache_init(&c, &to_sign, NULL, 0));
		CHECK_OK(sighash_segwit_v0(sighash, &c, 0, code.p, code.len, 0, SIGHASH_ALL));
		for (k = 0; k < json_array_size(sigs); k++) {
			const char *b64 = json_string_value(json_array_get(sigs, k));
			struct creader r;
			uint64_t cnt;
			const uint8_t *item;
			size_t il;
			uint8_t sig64[64];

			/* The simple signature is the serialised witness: <sig||01> <pubkey>. */
			cbuf_init(&wit, 0);
			CHECK_OK(base64_decode_buf(&wit, b64, strlen(b64)));
			creader_init(&r, wit.p, wit.len);
			CHECK_OK(creader_get_compact(&r, &cnt));
			CHECK(cnt == 2);
			CHECK_OK(creader_get_varbytes(&r, &item, &il, 73));
			CHECK(il > 0 && item[il - 1] == SIGHASH_ALL);
			CHECK_OK(sign_der_decode(sig64, item, il - 1));
			CHECK_OK(sign_ecdsa_verify(sig64, sighash, pub, 33));
			if (il - 1 == 70) {
				CHECK_OK(sign_ecdsa_der(der, &dl, sighash, key));	/* grind */
			} else {
				uint8_t raw[64];

				CHECK_OK(sign_ecdsa_ndata(raw, sighash, key, NULL));
				CHECK(raw[0] >= 0x80);	/* high R: why the grind moved on */
				CHECK_OK(sign_der_encode(der, &dl, raw));
			}
			CHECK_MSG(dl == il - 1 && memcmp(der, item, dl) == 0, "BIP322 '%s' signature %zu", msg, k);
			CHECK_OK(creader_get_varbytes(&r, &item, &il, 33));
			CHECK(il == 33 && memcmp(item, pub, 33) == 0);
			CHECK_OK(creader_expect_end(&r));
			cbuf_free(&wit);
			n++;
		}
		tx_free(&to_spend);
		tx_free(&to_sign);
		cbuf_free(&spk);
		cbuf_free(&ss);
		cbuf_free(&code);
	}
	secure_wipe(key, sizeof(key));
	vectors_count(V_BIP322, "to_spend/to_sign txids built", ntx);
	vectors_count(V_BIP322, "signatures reproduced (low-R grind counter 1 / plain RFC6979)", n);
	json_decref(v);
}

static void
test_der_strict(void)
{
	static const struct {
		const char *hex;
		int ok;
	} cases[] = {
		{ "3006020101020101", 1 },
		{ "3006020101020101" "00", 0 },			/* trailing byte */
		{ "3007020101020101", 0 },			/* total length */
		{ "3106020101020101", 0 },			/* not a SEQUENCE */
		{ "3006030101020101", 0 },			/* R not INTEGER */
		{ "3006020101030101", 0 },			/* S not INTEGER */
		{ "30050200020101", 0 },			/* empty R */
		{ "30050201010200", 0 },			/* empty S */
		{ "3006020181020101", 0 },			/* negative R */
		{ "3006020101020181", 0 },			/* negative S */
		{ "300702020001020101", 0 },			/* R padded */
		{ "300702020081020101", 1 },			/* R padded because high bit: fine */
		{ "300702010102020001", 0 },			/* S padded */
		{ "3006020201020101", 0 },			/* R length overruns */
		{ "30", 0 },
		{ "", 0 },
		/* R = n (out of range) */
		{ "3026022100fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141020101", 0 },
		/* 33-byte R without a needed pad */
		{ "302602210101010101010101010101010101010101010101010101010101010101010101020101", 0 },
	};
	uint8_t sig[64], der[SIGN_DER_MAX], msg[32], key[32];
	size_t i, n, dl;
	int bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *raw = test_unhex(cases[i].hex, &n);
		int rc = sign_der_decode(sig, raw, n);

		CHECK_MSG(rc == (cases[i].ok ? 0 : COFFER_ERR_BAD_SIGNATURE), "DER case %zu", i);
		if (cases[i].ok) {
			CHECK_OK(sign_der_encode(der, &dl, sig));
			CHECK(dl == n && memcmp(der, raw, n) == 0);
		}
		free(raw);
	}
	/* Grinding always yields <= 70-byte DER that round-trips and verifies. */
	secure_random(key, sizeof(key));
	for (i = 0; i < 64; i++) {
		uint8_t pub[33];
		size_t pl;

		secure_random(msg, sizeof(msg));
		CHECK_OK(sign_ecdsa_der(der, &dl, msg, key));
		bad += dl > 70;
		CHECK_OK(sign_der_decode(sig, der, dl));
		CHECK_OK(sign_pubkey(pub, &pl, key, 1));
		CHECK_OK(sign_ecdsa_verify(sig, msg, pub, 33));
	}
	CHECK(bad == 0);
	secure_wipe(key, sizeof(key));
}

static const struct test_case tests[] = {
	{ "bip340", test_bip340 },
	{ "tiny_valid", test_tiny_valid },
	{ "tiny_extra_entropy", test_tiny_extra_entropy },
	{ "tiny_invalid", test_tiny_invalid },
	{ "core_key_tests", test_core_key_tests },
	{ "bip322_grind", test_bip322_grind },
	{ "der_strict", test_der_strict },
};

TEST_MAIN(tests)
