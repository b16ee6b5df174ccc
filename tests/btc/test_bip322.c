/*
 * BIP322 against every file in vectors/message: message hashes, to_spend /
 * to_sign txids, simple and full signatures (verified; P2WPKH and P2TR also
 * signed), error cases for their documented reason, and the legacy (pre-2026,
 * unprefixed) vectors including the low-R ground ECDSA signatures Coffer's
 * signer must reproduce byte for byte.
 */
#include "harness.h"

#include "btc/address.h"
#include "btc/bip322.h"
#include "btc/keys.h"
#include "btc/tx.h"
#include "common/secmem.h"

#define V_BASIC     "message/bip322_basic_test_vectors.json"
#define V_GENERATED "message/bip322_generated_test_vectors.json"
#define V_LEGACY    "message/bip322_legacy_mediawiki_vectors.json"

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL) {
		fprintf(stderr, "test data: missing string %s\n", key);
		exit(1);
	}
	return s;
}

static void
spk_of(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, const char *address)
{
	if (addr_decode(spk, spklen, NULL, address, BTC_MAINNET) != 0) {
		fprintf(stderr, "test data: bad address %s\n", address);
		exit(1);
	}
}

static int
verify(struct bip322_result *res, const char *sig, const char *address, const char *msg)
{
	return bip322_verify_address(res, sig, address, BTC_MAINNET, (const uint8_t *)msg, strlen(msg));
}

/* The code a vector's error_substr stands for. */
static int
error_code(const char *substr)
{
	if (strstr(substr, "full variant") != NULL)
		return COFFER_ERR_BAD_TX;
	if (strstr(substr, "base64") != NULL)
		return COFFER_ERR_BAD_BASE64;
	if (strstr(substr, "too short") != NULL)
		return COFFER_ERR_TRUNCATED;
	if (strstr(substr, "invalid signature") != NULL)
		return COFFER_ERR_BIP322;
	fprintf(stderr, "test data: unknown error_substr '%s'\n", substr);
	exit(1);
}

/* Check message hash and both txids; returns 1. */
static int
check_hashes(const char *msg, const char *address, const char *msg_hash, const char *to_spend_id,
    const char *to_sign_id)
{
	uint8_t spk[ADDR_MAX_SPK], h[32], txid[32];
	size_t spklen;
	struct tx a, b;
	char hex[65];

	if (msg_hash != NULL) {
		bip322_message_hash(h, (const uint8_t *)msg, strlen(msg));
		CHECK_HEX(h, 32, msg_hash);
	}
	spk_of(spk, &spklen, address);
	CHECK_OK(bip322_to_spend(&a, spk, spklen, (const uint8_t *)msg, strlen(msg)));
	CHECK_OK(tx_txid(txid, &a));
	tx_hash_hex(hex, txid);
	if (to_spend_id != NULL)
		CHECK_STREQ(hex, to_spend_id);
	CHECK_OK(bip322_to_sign(&b, txid));
	CHECK_OK(tx_txid(txid, &b));
	tx_hash_hex(hex, txid);
	if (to_sign_id != NULL)
		CHECK_STREQ(hex, to_sign_id);
	tx_free(&a);
	tx_free(&b);
	return 1;
}

/*
 * Sign a vector's message with its single key; the result must verify, and
 * when `want` is given (ECDSA is deterministic) equal it. Returns 1.
 */
static int
sign_case(const json_t *c, const char *want, unsigned int flags)
{
	const char *msg = jstr(c, "message"), *address = jstr(c, "address");
	uint8_t spk[ADDR_MAX_SPK], *key = secmem_alloc(32);
	size_t spklen;
	struct cbuf sig;
	struct bip322_result res;

	CHECK(key != NULL);
	spk_of(spk, &spklen, address);
	CHECK_OK(keys_wif_decode(key, NULL, json_string_value(json_array_get(json_object_get(c, "private_keys"), 0)),
	    BTC_MAINNET));
	cbuf_init(&sig, 0);
	CHECK_OK(bip322_sign(&sig, key, spk, spklen, (const uint8_t *)msg, strlen(msg), flags));
	if (sig.p != NULL) {
		CHECK_OK(verify(&res, (const char *)sig.p, address, msg));
		CHECK(res.format == ((flags & BIP322_SIGN_UNPREFIXED) ? BIP322_SIMPLE_UNPREFIXED : BIP322_SIMPLE));
		if (want != NULL)
			CHECK_STREQ((const char *)sig.p, want);
	}
	cbuf_free(&sig);
	secmem_free(key);
	return 1;
}

static void
test_basic(void)
{
	json_t *v = vectors_load(V_BASIC);
	const json_t *c, *s;
	size_t i, k;
	int hashes = 0, verified = 0, signed_ = 0, errors = 0;

	json_array_foreach(json_object_get(v, "tx_hashes"), i, c)
		hashes += check_hashes(jstr(c, "message"), jstr(c, "address"), jstr(c, "message_hash"),
		    jstr(c, "to_spend_tx_hash"), jstr(c, "to_sign_tx_hash"));
	json_array_foreach(json_object_get(v, "simple"), i, c) {
		const char *type = jstr(c, "type");

		json_array_foreach(json_object_get(c, "bip322_signatures"), k, s) {
			struct bip322_result res;
			const char *sig = json_string_value(s);

			CHECK_MSG(verify(&res, sig, jstr(c, "address"), jstr(c, "message")) == 0,
			    "basic simple %zu/%zu (%s)", i, k, type);
			CHECK(res.format == (strncmp(sig, "smp", 3) == 0 ? BIP322_SIMPLE : BIP322_SIMPLE_UNPREFIXED));
			CHECK(res.locktime == 0 && res.sequence == 0 && res.version == 0);
			verified++;
		}
		/* Coffer signs P2WPKH and P2TR: ECDSA reproduces the low-R (first) signature. */
		if (strcmp(type, "p2wpkh") == 0)
			signed_ += sign_case(c, json_string_value(json_array_get(json_object_get(c, "bip322_signatures"), 0)), 0);
		else if (strcmp(type, "p2tr") == 0)
			signed_ += sign_case(c, NULL, 0);
	}
	json_array_foreach(json_object_get(v, "error"), i, c) {
		CHECK_MSG(verify(NULL, jstr(c, "signature"), jstr(c, "address"), jstr(c, "message")) ==
		    error_code(jstr(c, "error_substr")), "basic error %zu: %s", i, jstr(c, "description"));
		errors++;
	}
	vectors_count(V_BASIC, "message hashes and to_spend/to_sign txids", hashes);
	vectors_count(V_BASIC, "simple signatures verified (p2wpkh, p2wsh multisig, p2tr unprefixed)", verified);
	vectors_count(V_BASIC, "simple signatures produced (p2wpkh byte-exact, p2tr verified)", signed_);
	vectors_count(V_BASIC, "error cases rejected for the documented reason", errors);
	json_decref(v);
}

static void
test_generated(void)
{
	json_t *v = vectors_load(V_GENERATED);
	const json_t *c, *s;
	size_t i, k;
	int simple = 0, signed_ = 0, full = 0, full_unsupported = 0, pof = 0, errors = 0;

	json_array_foreach(json_object_get(v, "simple"), i, c) {
		const char *type = jstr(c, "type");

		json_array_foreach(json_object_get(c, "bip322_signatures"), k, s) {
			CHECK_MSG(verify(NULL, json_string_value(s), jstr(c, "address"), jstr(c, "message")) == 0,
			    "generated simple %zu (%s)", i, type);
			simple++;
		}
		/* btcd does not grind R, so only round trips are compared here. */
		if (strcmp(type, "p2wpkh") == 0 || strcmp(type, "p2tr") == 0)
			signed_ += sign_case(c, NULL, 0);
	}
	json_array_foreach(json_object_get(v, "full"), i, c) {
		const char *type = jstr(c, "type");

		json_array_foreach(json_object_get(c, "bip322_signatures"), k, s) {
			struct bip322_result res;
			int r = verify(&res, json_string_value(s), jstr(c, "address"), jstr(c, "message"));

			if (strstr(type, "time-lock") != NULL) {
				/* Needs a script interpreter (CLTV/CSV branches): inconclusive. */
				CHECK_RC(r, COFFER_ERR_UNSUPPORTED);
				full_unsupported++;
				continue;
			}
			CHECK_MSG(r == 0, "generated full %zu (%s): %s", i, type, coffer_err_name(r));
			CHECK(res.format == BIP322_FULL);
			CHECK(res.version == (uint32_t)json_integer_value(json_object_get(c, "tx_version")));
			CHECK(res.locktime == (uint32_t)json_integer_value(json_object_get(c, "lock_time")));
			CHECK(res.sequence == (uint32_t)json_integer_value(json_object_get(c, "sequence")));
			full++;
		}
	}
	json_array_foreach(json_object_get(v, "proof_of_funds"), i, c) {
		json_array_foreach(json_object_get(c, "bip322_signatures"), k, s) {
			CHECK_RC(verify(NULL, json_string_value(s), jstr(c, "address"), jstr(c, "message")),
			    COFFER_ERR_UNSUPPORTED);
			pof++;
		}
	}
	json_array_foreach(json_object_get(v, "error"), i, c) {
		CHECK_MSG(verify(NULL, jstr(c, "signature"), jstr(c, "address"), jstr(c, "message")) ==
		    error_code(jstr(c, "error_substr")), "generated error %zu: %s", i, jstr(c, "description"));
		errors++;
	}
	vectors_count(V_GENERATED, "simple signatures verified (p2wpkh, p2tr, p2wsh 2of2/3of3)", simple);
	vectors_count(V_GENERATED, "simple signatures produced and verified (p2wpkh, p2tr)", signed_);
	vectors_count(V_GENERATED, "full signatures verified (p2pkh, p2wpkh, p2tr, p2sh-p2wpkh, "
	    "p2wsh/p2sh-p2wsh/p2sh multisig)", full);
	vectors_count(V_GENERATED, "full: unsupported (time-lock scripts need a script interpreter): "
	    "returned inconclusive", full_unsupported);
	vectors_count(V_GENERATED, "proof of funds: unsupported (PSBT variant): returned inconclusive", pof);
	vectors_count(V_GENERATED, "error cases rejected for the documented reason", errors);
	json_decref(v);
}

static void
test_legacy(void)
{
	json_t *v = vectors_load(V_LEGACY);
	const json_t *signing = json_object_get(v, "signing"), *txs = json_object_get(v, "tx_hashes");
	const json_t *c, *s;
	const char *address = jstr(signing, "address");
	size_t i, k;
	int hashes = 0, txids = 0, verified = 0, reproduced = 0;

	json_array_foreach(json_object_get(v, "message_hashes"), i, c)
		hashes += check_hashes(jstr(c, "message"), address, jstr(c, "message_hash"), NULL, NULL);
	json_array_foreach(json_object_get(txs, "to_spend"), i, c) {
		check_hashes(jstr(c, "message"), address, NULL, jstr(c, "txid"), NULL);
		txids++;
	}
	json_array_foreach(json_object_get(txs, "to_sign"), i, c) {
		check_hashes(jstr(c, "message"), address, NULL, NULL, jstr(c, "txid"));
		txids++;
	}
	json_array_foreach(json_object_get(signing, "signatures"), i, c) {
		const json_t *sigs = json_object_get(c, "valid_signatures");
		json_t *one = json_pack("{s:s, s:s, s:[s]}", "message", jstr(c, "message"), "address", address,
		    "private_keys", jstr(signing, "private_key_wif"));

		json_array_foreach(sigs, k, s) {
			struct bip322_result res;

			CHECK_OK(verify(&res, json_string_value(s), address, jstr(c, "message")));
			CHECK(res.format == BIP322_SIMPLE_UNPREFIXED);
			verified++;
		}
		/* The first is Bitcoin Core's low-R grind (counter 1): 70-byte DER. */
		reproduced += sign_case(one, json_string_value(json_array_get(sigs, 0)), BIP322_SIGN_UNPREFIXED);
		json_decref(one);
	}
	vectors_count(V_LEGACY, "message hashes", hashes);
	vectors_count(V_LEGACY, "to_spend/to_sign txids", txids);
	vectors_count(V_LEGACY, "unprefixed simple signatures verified", verified);
	vectors_count(V_LEGACY, "low-R ECDSA signatures reproduced byte for byte", reproduced);
	json_decref(v);
}

/* Malformed and misused inputs beyond the vectors. */
static void
test_refusals(void)
{
	/* BIP322 basic vector key: L3VFeE... controls bc1q9vza...; KyrSGC... is the p2tr key. */
	const char *wif = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k";
	const char *wpkh = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
	const char *tr = "bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler";
	const char *pkh = "13vU5PUSuArDXJdCWZvUFEbgJ2wcmtSJWn";
	uint8_t key[32], spk[ADDR_MAX_SPK];
	size_t spklen;
	struct cbuf sig;
	struct bip322_sig dec;
	char *big;

	CHECK_OK(keys_wif_decode(key, NULL, wif, BTC_MAINNET));
	cbuf_init(&sig, 0);
	spk_of(spk, &spklen, tr);
	CHECK_RC(bip322_sign(&sig, key, spk, spklen, (const uint8_t *)"x", 1, 0), COFFER_ERR_BIP322_WRONG_KEY);
	CHECK(sig.len == 0);
	spk_of(spk, &spklen, pkh);
	CHECK_RC(bip322_sign(&sig, key, spk, spklen, (const uint8_t *)"x", 1, 0), COFFER_ERR_UNSUPPORTED);
	spk_of(spk, &spklen, wpkh);
	CHECK_OK(bip322_sign(&sig, key, spk, spklen, (const uint8_t *)"x", 1, 0));
	/* The same stack with one byte appended is trailing garbage. */
	CHECK_RC(bip322_sig_decode(&dec, "smpAAA="), COFFER_ERR_TRAILING);
	CHECK_RC(bip322_sig_decode(&dec, "smp/w=="), COFFER_ERR_TRUNCATED);	/* 0xff: 8-byte count missing */
	CHECK_RC(bip322_sig_decode(&dec, "smp/QEA"), COFFER_ERR_NONCANONICAL);	/* count 0xfd 0x0001 */
	CHECK_RC(bip322_sig_decode(&dec, "smp/QE"), COFFER_ERR_BAD_BASE64);
	CHECK_RC(bip322_sig_decode(&dec, "smp/ekD"), COFFER_ERR_TOO_LARGE);	/* 0xfd 0xe9 0x03: 1001 items */
	CHECK_RC(bip322_sig_decode(&dec, "pofAA=="), COFFER_ERR_UNSUPPORTED);
	CHECK_RC(bip322_sig_decode(&dec, "fulAA=="), COFFER_ERR_BAD_TX);
	CHECK_OK(bip322_sig_decode(&dec, "smpAA=="));
	CHECK(dec.format == BIP322_SIMPLE && dec.witness.count == 0);
	bip322_sig_free(&dec);
	big = malloc(BIP322_MAX_SIG_CHARS + 2);
	CHECK(big != NULL);
	if (big != NULL) {
		memset(big, 'A', BIP322_MAX_SIG_CHARS + 1);
		big[BIP322_MAX_SIG_CHARS + 1] = '\0';
		CHECK_RC(bip322_sig_decode(&dec, big), COFFER_ERR_TOO_LARGE);
		free(big);
	}
	/* Unknown witness versions are an upgradeable rule: inconclusive. */
	CHECK_RC(verify(NULL, "smpAA==", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "x"), COFFER_ERR_UNSUPPORTED);
	/* A valid signature on the wrong network's address fails at the address. */
	CHECK_RC(bip322_verify_address(NULL, (const char *)sig.p, wpkh, BTC_TESTNET, (const uint8_t *)"x", 1),
	    COFFER_ERR_WRONG_NETWORK);
	cbuf_free(&sig);
	secure_wipe(key, sizeof(key));
}

static const struct test_case tests[] = {
	{ "basic", test_basic },
	{ "generated", test_generated },
	{ "legacy", test_legacy },
	{ "refusals", test_refusals },
};

TEST_MAIN(tests)
