/*
 * Signature hashes: Bitcoin Core's legacy sighash.json, the BIP143 examples
 * (preimages, sighashes, signatures) and the BIP341 wallet key-path vectors
 * (every sha_* intermediary, SigMsg, SigHash and signature).
 */
#include "tx_util.h"

#include "btc/hash.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "common/secmem.h"

#define V_CORE   "sighash/core_sighash.json"
#define V_BIP143 "sighash/bip143_segwit_v0_examples.json"
#define V_BIP341 "sighash/bip341_wallet_test_vectors.json"

static void
test_core_legacy(void)
{
	json_t *v = vectors_load(V_CORE);
	const json_t *row;
	size_t i;
	int n = 0;

	json_array_foreach(v, i, row) {
		struct tx tx;
		uint8_t *script, got[32], want[32];
		size_t slen;
		int64_t ht;
		size_t idx;

		if (json_array_size(row) == 1)
			continue;	/* header */
		CHECK_OK(tx_from_hex(&tx, json_string_value(json_array_get(row, 0)), 0));
		script = tx_junhex(json_array_get(row, 1), &slen);
		idx = (size_t)json_integer_value(json_array_get(row, 2));
		ht = json_integer_value(json_array_get(row, 3));
		CHECK_OK(tx_hash_from_hex(want, json_string_value(json_array_get(row, 4))));
		CHECK_OK(sighash_legacy(got, &tx, idx, script, slen, (uint32_t)ht));
		CHECK_MSG(memcmp(got, want, 32) == 0, "core sighash row %zu", i);
		free(script);
		tx_free(&tx);
		n++;
	}
	vectors_count(V_CORE, "legacy sighash cases", n);
	json_decref(v);
}

/* Legacy details that the random vectors may not pin down. */
static void
test_legacy_edges(void)
{
	/* One input, one output. */
	static const char *hex = "0100000001" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "01" "0000000000000000" "01" "51" "00000000";
	static const uint8_t code_sep[] = { 0x51, OP_CODESEPARATOR, 0x52, OP_CODESEPARATOR };
	static const uint8_t no_sep[] = { 0x51, 0x52 };
	struct tx tx;
	uint8_t a[32], b[32], one[32] = { 1 };

	CHECK_OK(tx_from_hex(&tx, hex, 0));
	/* OP_CODESEPARATORs are removed from the script code. */
	CHECK_OK(sighash_legacy(a, &tx, 0, code_sep, sizeof(code_sep), SIGHASH_ALL));
	CHECK_OK(sighash_legacy(b, &tx, 0, no_sep, sizeof(no_sep), SIGHASH_ALL));
	CHECK(memcmp(a, b, 32) == 0);
	/* SIGHASH_SINGLE bug: input 1 has no output 1 -> uint256(1). */
	CHECK_OK(tx_add_input(&tx, one, 7, 0));
	CHECK_OK(sighash_legacy(a, &tx, 1, no_sep, sizeof(no_sep), SIGHASH_SINGLE));
	CHECK(memcmp(a, one, 32) == 0);
	CHECK_RC(sighash_legacy(a, &tx, 2, no_sep, sizeof(no_sep), SIGHASH_ALL), COFFER_ERR_INPUT_INDEX);
	tx_free(&tx);
}

/* scriptCode_from_preimage carries its CompactSize length; strip it. */
static const uint8_t *
strip_compact(const uint8_t *p, size_t n, size_t *out_len)
{
	struct creader r;
	uint64_t len;

	creader_init(&r, p, n);
	if (creader_get_compact(&r, &len) != 0 || len != creader_remaining(&r)) {
		fprintf(stderr, "bad scriptCode_from_preimage\n");
		exit(1);
	}
	*out_len = (size_t)len;
	return p + r.off;
}

/* Does the witness of input idx hold item (sig) somewhere? */
static int
witness_has(const struct tx *tx, size_t idx, const uint8_t *item, size_t n)
{
	const uint8_t *it;
	size_t il, k;

	for (k = 0; tx_witness_item(&tx->in[idx].witness, k, &it, &il) == 0; k++)
		if (il == n && memcmp(it, item, n) == 0)
			return 1;
	return 0;
}

/* s := n - s (big-endian), turning a high-S signature into its low-S twin. */
static void
ecdsa_negate_s(uint8_t sig64[64])
{
	static const uint8_t n[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
	};
	int i, borrow = 0;

	for (i = 31; i >= 0; i--) {
		int d = n[i] - sig64[32 + i] - borrow;

		borrow = d < 0;
		sig64[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

static void
test_bip143(void)
{
	json_t *v = vectors_load(V_BIP143);
	const json_t *ex, *s;
	size_t i, j;
	int nsig = 0, nverify = 0, nrfc = 0, nsigned = 0, npkh = 0;

	json_array_foreach(json_object_get(v, "examples"), i, ex) {
		const json_t *utx = json_object_get(ex, "unsigned_tx");
		const char *signed_hex = json_string_value(json_object_get(ex, "signed_tx"));
		struct tx tx, stx;
		struct sighash_cache c;

		/* The last example gives only the signed tx; BIP143 hashes no scriptSig
		 * or witness, so it serves as well. */
		CHECK_OK(tx_from_hex(&tx, utx != NULL ? json_string_value(utx) : signed_hex, 0));
		CHECK_OK(tx_from_hex(&stx, signed_hex, 0));
		CHECK_OK(sighash_cache_init(&c, &tx, NULL, 0));
		json_array_foreach(json_object_get(ex, "signing"), j, s) {
			size_t plen, sclen0, sclen, siglen = 0;
			uint8_t *pre = tx_junhex(json_object_get(s, "preimage"), &plen);
			uint8_t *sc0 = tx_junhex(json_object_get(s, "scriptCode_from_preimage"), &sclen0);
			const json_t *jsig = json_object_get(s, "signature");
			uint8_t *sig = jsig != NULL ? tx_junhex(jsig, &siglen) : NULL;
			const uint8_t *sc = strip_compact(sc0, sclen0, &sclen);
			size_t idx = (size_t)json_integer_value(json_object_get(s, "input_index"));
			uint32_t ht = (uint32_t)json_integer_value(json_object_get(s, "hash_type"));
			int64_t amount = json_integer_value(json_object_get(s, "amount_sat"));
			uint8_t want[32], got[32], sig64[64], mine[64];
			struct cbuf b;

			tx_jhex(want, 32, json_object_get(s, "sighash"));
			cbuf_init(&b, 0);
			CHECK_OK(sighash_segwit_v0_preimage(&b, &c, idx, sc, sclen, amount, ht));
			CHECK_MSG(b.len == plen && memcmp(b.p, pre, plen) == 0, "bip143 preimage %zu/%zu", i, j);
			CHECK_OK(sighash_segwit_v0(got, &c, idx, sc, sclen, amount, ht));
			CHECK_MSG(memcmp(got, want, 32) == 0, "bip143 sighash %zu/%zu", i, j);
			cbuf_free(&b);
			nsig++;

			if (sig == NULL) {
				/* The CHECKMULTISIGVERIFY variant publishes no signature. */
				free(pre);
				free(sc0);
				continue;
			}
			/* Signature = strict DER || hash type byte, valid for pubkey. */
			CHECK(siglen > 1 && sig[siglen - 1] == (uint8_t)ht);
			CHECK_OK(sign_der_decode(sig64, sig, siglen - 1));
			if (json_object_get(s, "pubkey") != NULL) {
				uint8_t pub[33];

				tx_jhex(pub, 33, json_object_get(s, "pubkey"));
				if (sig64[32] >= 0x80) {
					/* The No-FindAndDelete example's signature has a high S:
					 * consensus-valid, but we (like Core's policy) refuse it;
					 * its low-S twin verifies. */
					CHECK_RC(sign_ecdsa_verify(sig64, got, pub, 33), COFFER_ERR_BAD_SIGNATURE);
					ecdsa_negate_s(sig64);
				}
				CHECK_OK(sign_ecdsa_verify(sig64, got, pub, 33));
				nverify++;
				/* P2WPKH scriptCode is the P2PKH script of the key. */
				if (sclen == 25 && sc[0] == OP_DUP) {
					struct cbuf pk;
					uint8_t h[20];

					hash160(h, pub, 33);
					cbuf_init(&pk, 0);
					CHECK_OK(script_p2pkh(&pk, h));
					CHECK(pk.len == 25 && memcmp(pk.p, sc, 25) == 0);
					cbuf_free(&pk);
					npkh++;
				}
			}
			if (json_is_true(json_object_get(s, "rfc6979_reproducible"))) {
				uint8_t priv[32], der[SIGN_DER_MAX];
				size_t dl;

				tx_jhex(priv, 32, json_object_get(s, "privkey"));
				CHECK_OK(sign_ecdsa_ndata(mine, got, priv, NULL));
				CHECK_MSG(memcmp(mine, sig64, 64) == 0, "bip143 rfc6979 %zu/%zu", i, j);
				CHECK_OK(sign_der_encode(der, &dl, mine));
				CHECK(dl == siglen - 1 && memcmp(der, sig, dl) == 0);
				/* With low-R grinding: equal when R was already low, else
				 * different but valid and at most 70 bytes of DER. */
				CHECK_OK(sign_ecdsa_der(der, &dl, got, priv));
				CHECK(sig64[0] < 0x80 ? (dl == siglen - 1 && memcmp(der, sig, dl) == 0) : dl <= 70);
				secure_wipe(priv, sizeof(priv));
				nrfc++;
			}
			CHECK(witness_has(&stx, idx, sig, siglen));
			nsigned++;
			free(pre);
			free(sc0);
			free(sig);
		}
		tx_free(&tx);
		tx_free(&stx);
	}
	vectors_count(V_BIP143, "BIP143 preimages and sighashes", nsig);
	vectors_count(V_BIP143, "signatures verified", nverify);
	vectors_count(V_BIP143, "RFC6979 signatures reproduced", nrfc);
	vectors_count(V_BIP143, "signatures found in signed_tx witnesses", nsigned);
	vectors_count(V_BIP143, "P2WPKH scriptCodes rebuilt", npkh);
	json_decref(v);
}

/* The BIP143 examples also spend ordinary P2PK outputs: their signatures in the
 * signed transactions' scriptSigs are an independent check of sighash_legacy. */
static void
test_bip143_legacy_inputs(void)
{
	json_t *v = vectors_load(V_BIP143);
	const json_t *ex, *in;
	size_t i, j;
	int n = 0;

	json_array_foreach(json_object_get(v, "examples"), i, ex) {
		struct tx utx, stx;

		if (json_object_get(ex, "unsigned_tx") == NULL)
			continue;
		CHECK_OK(tx_from_hex(&utx, json_string_value(json_object_get(ex, "unsigned_tx")), 0));
		CHECK_OK(tx_from_hex(&stx, json_string_value(json_object_get(ex, "signed_tx")), 0));
		json_array_foreach(json_object_get(ex, "inputs"), j, in) {
			const char *kind = json_string_value(json_object_get(in, "kind"));
			size_t idx = strcmp(json_string_value(json_object_get(in, "which")), "second") == 0 ? 1 : 0;
			uint8_t *spk, h[32], sig64[64], mine[64], priv[32];
			const uint8_t *ss;
			size_t spklen, sslen;

			if (strcmp(kind, "ordinary P2PK") != 0)
				continue;
			spk = tx_junhex(json_object_get(in, "scriptPubKey"), &spklen);
			CHECK(spklen == 35 && spk[0] == 33);
			/* scriptSig = <DER || hashtype>, one direct push. */
			ss = stx.in[idx].script_sig;
			sslen = stx.in[idx].script_sig_len;
			CHECK(sslen > 2 && ss[0] == sslen - 1);
			CHECK_OK(sighash_legacy(h, &utx, idx, spk, spklen, ss[sslen - 1]));
			CHECK_OK(sign_der_decode(sig64, ss + 1, sslen - 2));
			CHECK_OK(sign_ecdsa_verify(sig64, h, spk + 1, 33));
			tx_jhex(priv, 32, json_object_get(in, "private_key"));
			CHECK_OK(sign_ecdsa_ndata(mine, h, priv, NULL));
			CHECK(memcmp(mine, sig64, 64) == 0);
			secure_wipe(priv, sizeof(priv));
			free(spk);
			n++;
		}
		tx_free(&utx);
		tx_free(&stx);
	}
	vectors_count(V_BIP143, "legacy P2PK input signatures (sighash_legacy + RFC6979)", n);
	json_decref(v);
}

static void
test_bip341_keypath(void)
{
	json_t *v = vectors_load(V_BIP341);
	const json_t *kp, *in;
	size_t i, j;
	int ninter = 0, nin = 0;

	json_array_foreach(json_object_get(v, "keyPathSpending"), i, kp) {
		const json_t *given = json_object_get(kp, "given"), *inter = json_object_get(kp, "intermediary");
		const json_t *utxos = json_object_get(given, "utxosSpent");
		size_t n = json_array_size(utxos), k;
		struct tx_out *spent = calloc(n, sizeof(*spent));
		struct sighash_cache c;
		struct tx tx;
		uint8_t h[32];

		CHECK_OK(tx_from_hex(&tx, json_string_value(json_object_get(given, "rawUnsignedTx")), 0));
		for (k = 0; k < n; k++) {
			const json_t *u = json_array_get(utxos, k);

			spent[k].value = json_integer_value(json_object_get(u, "amountSats"));
			spent[k].script_pubkey = tx_junhex(json_object_get(u, "scriptPubKey"),
			    &spent[k].script_pubkey_len);
		}
		CHECK_RC(sighash_cache_init(&c, &tx, spent, n - 1), COFFER_ERR_MISSING_UTXO);
		CHECK_OK(sighash_cache_init(&c, &tx, spent, n));
#define INTER(field, name) do { tx_jhex(h, 32, json_object_get(inter, name)); \
	CHECK_MSG(memcmp(c.field, h, 32) == 0, "%s", name); ninter++; } while (0)
		INTER(sha_amounts, "hashAmounts");
		INTER(sha_outputs, "hashOutputs");
		INTER(sha_prevouts, "hashPrevouts");
		INTER(sha_scriptpubkeys, "hashScriptPubkeys");
		INTER(sha_sequences, "hashSequences");
#undef INTER
		json_array_foreach(json_object_get(kp, "inputSpending"), j, in) {
			const json_t *g = json_object_get(in, "given"), *im = json_object_get(in, "intermediary");
			const json_t *mr = json_object_get(g, "merkleRoot");
			const json_t *wit = json_array_get(json_object_get(json_object_get(in, "expected"), "witness"), 0);
			size_t idx = (size_t)json_integer_value(json_object_get(g, "txinIndex"));
			uint8_t ht = (uint8_t)json_integer_value(json_object_get(g, "hashType"));
			uint8_t priv[32], root[32], *rootp = NULL, x[32], want[32], tw[32], msg[SIGHASH_TAPROOT_MSG_MAX];
			uint8_t sighash[32], sig[64], zero_aux[32] = { 0 }, outkey[32], *wantmsg, *wantwit;
			size_t msglen, wantmsglen, wantwitlen;

			tx_jhex(priv, 32, json_object_get(g, "internalPrivkey"));
			if (!json_is_null(mr)) {
				tx_jhex(root, 32, mr);
				rootp = root;
			}
			CHECK_OK(sign_xonly_pubkey(x, NULL, priv));
			tx_jhex(want, 32, json_object_get(im, "internalPubkey"));
			CHECK(memcmp(x, want, 32) == 0);
			taproot_tweak_hash(tw, x, rootp);
			tx_jhex(want, 32, json_object_get(im, "tweak"));
			CHECK(memcmp(tw, want, 32) == 0);
			CHECK_OK(taproot_tweak_seckey(tw, priv, rootp));
			tx_jhex(want, 32, json_object_get(im, "tweakedPrivkey"));
			CHECK(memcmp(tw, want, 32) == 0);

			wantmsg = tx_junhex(json_object_get(im, "sigMsg"), &wantmsglen);
			CHECK_OK(sighash_taproot_msg(msg, &msglen, &c, idx, ht, NULL, 0, NULL, 0));
			CHECK_MSG(msglen == wantmsglen && memcmp(msg, wantmsg, msglen) == 0, "sigMsg input %zu", idx);
			CHECK_OK(sighash_taproot(sighash, &c, idx, ht, NULL, 0, NULL, 0));
			tx_jhex(want, 32, json_object_get(im, "sigHash"));
			CHECK_MSG(memcmp(sighash, want, 32) == 0, "sigHash input %zu", idx);

			/* The published signatures use all-zero aux randomness. */
			wantwit = tx_junhex(wit, &wantwitlen);
			CHECK_OK(sign_schnorr_keypath(sig, sighash, priv, rootp, zero_aux));
			CHECK(wantwitlen == (ht == 0 ? 64u : 65u));
			CHECK_MSG(memcmp(sig, wantwit, 64) == 0, "signature input %zu", idx);
			CHECK(ht == 0 || wantwit[64] == ht);
			/* ... and verify under the output key the spent scriptPubKey holds. */
			CHECK_OK(taproot_output_key(outkey, NULL, x, rootp));
			CHECK(memcmp(outkey, spent[idx].script_pubkey + 2, 32) == 0);
			CHECK_OK(sign_schnorr_verify(sig, sighash, 32, outkey));
			/* Fresh aux: a different but valid signature. */
			CHECK_OK(sign_schnorr_keypath(sig, sighash, priv, rootp, NULL));
			CHECK_OK(sign_schnorr_verify(sig, sighash, 32, outkey));
			secure_wipe(priv, sizeof(priv));
			secure_wipe(tw, sizeof(tw));
			free(wantmsg);
			free(wantwit);
			nin++;
		}
		for (k = 0; k < n; k++)
			free(spent[k].script_pubkey);
		free(spent);
		tx_free(&tx);
	}
	vectors_count(V_BIP341, "keyPathSpending per-tx sha_* intermediaries", ninter);
	vectors_count(V_BIP341, "keyPathSpending inputs (sigMsg, sigHash, tweak, signature)", nin);
	json_decref(v);
}

/* Taproot hash types, ANYONECANPAY, annex and script-path extension. */
static void
test_taproot_variants(void)
{
	static const uint8_t p2tr[34] = { 0x51, 0x20, 1, 2, 3 };
	uint8_t txid[32] = { 9 }, msg[SIGHASH_TAPROOT_MSG_MAX], h1[32], h2[32], leaf[32] = { 7 };
	uint8_t annex[3] = { 0x50, 1, 2 }, bad_annex[1] = { 0x51 };
	struct tx_out spent[2] = { { 1000, (uint8_t *)p2tr, 34 }, { 2000, (uint8_t *)p2tr, 34 } };
	struct sighash_cache c, nospent;
	struct tx tx;
	size_t len, len2;
	unsigned int t;

	tx_init(&tx);
	CHECK_OK(tx_add_input(&tx, txid, 0, 0xfffffffd));
	txid[0] = 10;
	CHECK_OK(tx_add_input(&tx, txid, 1, 0xfffffffd));
	CHECK_OK(tx_add_output(&tx, 1500, p2tr, 34));
	CHECK_OK(sighash_cache_init(&c, &tx, spent, 2));
	CHECK_OK(sighash_cache_init(&nospent, &tx, NULL, 0));
	CHECK_RC(sighash_taproot(h1, &nospent, 0, 0, NULL, 0, NULL, 0), COFFER_ERR_MISSING_UTXO);
	for (t = 0; t < 256; t++) {
		int ok = t <= 3 || (t >= 0x81 && t <= 0x83);
		int rc = sighash_taproot(h1, &c, 0, (uint8_t)t, NULL, 0, NULL, 0);

		CHECK_RC(rc, ok ? 0 : COFFER_ERR_BAD_SIGHASH_TYPE);
	}
	/* SINGLE needs an output at the input's index. */
	CHECK_RC(sighash_taproot(h1, &c, 1, SIGHASH_SINGLE, NULL, 0, NULL, 0), COFFER_ERR_BAD_SIGHASH_TYPE);
	CHECK_RC(sighash_taproot(h1, &c, 2, 0, NULL, 0, NULL, 0), COFFER_ERR_INPUT_INDEX);
	/* Message sizes: 206 = 1 + 174 + ... per BIP341 (here without ext/annex). */
	CHECK_OK(sighash_taproot_msg(msg, &len, &c, 0, SIGHASH_ALL, NULL, 0, NULL, 0));
	CHECK(len == 1 + 1 + 8 + 128 + 32 + 1 + 4);
	CHECK_OK(sighash_taproot_msg(msg, &len, &c, 0, SIGHASH_ALL | SIGHASH_ANYONECANPAY, NULL, 0, NULL, 0));
	CHECK(len == 1 + 1 + 8 + 32 + 1 + 36 + 8 + 35 + 4);
	CHECK_OK(sighash_taproot_msg(msg, &len, &c, 0, SIGHASH_SINGLE, annex, sizeof(annex), leaf, 5));
	CHECK(len == 1 + 1 + 8 + 128 + 1 + 4 + 32 + 32 + 37);
	CHECK(msg[1 + 1 + 8 + 128] == 3);	/* spend_type: ext_flag 1, annex */
	CHECK(memcmp(msg + len - 37, leaf, 32) == 0 && msg[len - 5] == 0 && msg[len - 4] == 5);
	CHECK_OK(sighash_taproot_msg(msg, &len2, &c, 0, SIGHASH_SINGLE, NULL, 0, leaf, SIGHASH_NO_CODESEP));
	CHECK(len2 == len - 32);
	CHECK(msg[len2 - 1] == 0xff && msg[len2 - 4] == 0xff);
	CHECK_RC(sighash_taproot(h1, &c, 0, 0, bad_annex, 1, NULL, 0), COFFER_ERR_BAD_TX);
	/* Key path and script path differ; annex changes the hash. */
	CHECK_OK(sighash_taproot(h1, &c, 0, 0, NULL, 0, NULL, 0));
	CHECK_OK(sighash_taproot(h2, &c, 0, 0, NULL, 0, leaf, SIGHASH_NO_CODESEP));
	CHECK(memcmp(h1, h2, 32) != 0);
	CHECK_OK(sighash_taproot(h2, &c, 0, 0, annex, sizeof(annex), NULL, 0));
	CHECK(memcmp(h1, h2, 32) != 0);
	/* The hash is TaggedHash("TapSighash", msg). */
	CHECK_OK(sighash_taproot_msg(msg, &len, &c, 1, 0x82, NULL, 0, leaf, 3));
	CHECK_OK(sighash_taproot(h1, &c, 1, 0x82, NULL, 0, leaf, 3));
	tagged_hash(h2, "TapSighash", msg, len);
	CHECK(memcmp(h1, h2, 32) == 0);
	/* A non-taproot spent output is refused. */
	spent[0].script_pubkey_len = 33;
	CHECK_OK(sighash_cache_init(&c, &tx, spent, 2));
	CHECK_RC(sighash_taproot(h1, &c, 0, 0, NULL, 0, NULL, 0), COFFER_ERR_BAD_SCRIPT);
	spent[0].value = -1;
	CHECK_RC(sighash_cache_init(&c, &tx, spent, 2), COFFER_ERR_BAD_AMOUNT);
	tx_free(&tx);
}

static const struct test_case tests[] = {
	{ "core_legacy", test_core_legacy },
	{ "legacy_edges", test_legacy_edges },
	{ "bip143", test_bip143 },
	{ "bip143_legacy_inputs", test_bip143_legacy_inputs },
	{ "bip341_keypath", test_bip341_keypath },
	{ "taproot_variants", test_taproot_variants },
};

TEST_MAIN(tests)
