/*
 * Transactions: Bitcoin Core's tx_valid/tx_invalid (parse, round trip, txid,
 * CheckTransaction rules), weight and ids of a known segwit tx, builders and
 * witness helpers, and the parser's bounds on hostile input.
 *
 * Coffer has no script interpreter (it builds and signs, it never validates
 * scripts), so the script-validity part of the Core vectors is counted as
 * skipped, and core_script_tests.json is only counted.
 */
#include "tx_util.h"

#include "btc/hash.h"

#define V_VALID   "tx/core_tx_valid.json"
#define V_INVALID "tx/core_tx_invalid.json"
#define V_SCRIPT  "tx/core_script_tests.json"

/* BIP143's first example, signed (one P2PK input, one P2WPKH input). */
static const char *SEGWIT_TX =
    "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830"
    "450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f928"
    "1a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e81"
    "5b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f6"
    "6f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988"
    "ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c"
    "4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7aca"
    "fcdb3566bb0ad253f62fc70f07aeee635711000000";

/* The genesis block's coinbase. */
static const char *GENESIS_TX =
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff00"
    "1d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b"
    "206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a0100000043410467"
    "8afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec1"
    "12de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

/* Parse, re-serialise identically, and check ids and sizes against the raw bytes. */
static int
roundtrip(const uint8_t *raw, size_t n, struct tx *tx)
{
	struct cbuf b;
	uint8_t id[32], h[32];
	size_t base, total;
	int ok = 1;

	if (tx_parse(tx, raw, n, 0) != 0)
		return 0;
	cbuf_init(&b, 0);
	ok &= tx_serialize(&b, tx, 0) == 0 && b.len == n && memcmp(b.p, raw, n) == 0;
	tx_sizes(tx, &base, &total);
	ok &= total == n;
	/* wtxid is SHA256d of exactly these bytes; the txid of the legacy form. */
	sha256d(h, raw, n);
	ok &= tx_wtxid(id, tx) == 0 && memcmp(id, h, 32) == 0;
	cbuf_reset(&b);
	ok &= tx_serialize(&b, tx, TX_NO_WITNESS) == 0 && b.len == base;
	sha256d(h, b.p, b.len);
	ok &= tx_txid(id, tx) == 0 && memcmp(id, h, 32) == 0;
	ok &= tx_has_witness(tx) ? base < n : base == n;
	cbuf_free(&b);
	return ok;
}

static void
test_core_valid(void)
{
	json_t *v = vectors_load(V_VALID);
	const json_t *row;
	size_t i;
	int n = 0, witness = 0;

	json_array_foreach(v, i, row) {
		struct tx tx;
		uint8_t *raw;
		size_t len;

		if (!json_is_array(json_array_get(row, 0)))
			continue;	/* comment */
		raw = tx_junhex(json_array_get(row, 1), &len);
		CHECK_MSG(roundtrip(raw, len, &tx), "tx_valid row %zu", i);
		CHECK_RC(tx_check(&tx), 0);
		/* Each input spends one of the listed prevouts. */
		CHECK(tx.n_in == json_array_size(json_array_get(row, 0)));
		witness += tx_has_witness(&tx);
		tx_free(&tx);
		free(raw);
		n++;
	}
	vectors_count(V_VALID, "valid txs parsed, round-tripped, ids/sizes checked, tx_check ok", n);
	vectors_count(V_VALID, "of which with witness", witness);
	vectors_count(V_VALID, "skipped: script verification needs a script interpreter", n);
	json_decref(v);
}

/* The CheckTransaction error the comment above a BADTX row names. */
static int
badtx_code(const char *comment)
{
	static const struct {
		const char *needle;
		int code;
	} map[] = {
		{ "No outputs", COFFER_ERR_TX_NO_OUTPUTS },
		{ "No inputs", COFFER_ERR_TX_NO_INPUTS },
		{ "Negative output", COFFER_ERR_BAD_AMOUNT },
		{ "MAX_MONEY", COFFER_ERR_BAD_AMOUNT },
		{ "Duplicate inputs", COFFER_ERR_TX_DUPLICATE_INPUT },
		{ "Coinbase of size", COFFER_ERR_TX_BAD_COINBASE },
		{ "Null txin", COFFER_ERR_TX_NULL_PREVOUT },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(comment, map[i].needle) != NULL)
			return map[i].code;
	return 1;	/* unknown: fails the test */
}

static void
test_core_invalid(void)
{
	json_t *v = vectors_load(V_INVALID);
	const json_t *row;
	const char *reason = "";
	size_t i;
	int nbad = 0, nskip = 0;

	json_array_foreach(v, i, row) {
		const char *flags;
		struct tx tx;
		uint8_t *raw;
		size_t len;

		if (!json_is_array(json_array_get(row, 0))) {
			/* Remember the comment that names the case (skip "Note ..." lines). */
			const char *c = json_string_value(json_array_get(row, 0));

			if (c != NULL && strncmp(c, "Note", 4) != 0)
				reason = c;
			continue;
		}
		flags = json_string_value(json_array_get(row, 2));
		raw = tx_junhex(json_array_get(row, 1), &len);
		if (flags != NULL && strstr(flags, "BADTX") != NULL) {
			int want = badtx_code(reason);

			CHECK_MSG(want != 1, "unmapped BADTX reason '%s'", reason);
			if (tx_parse(&tx, raw, len, 0) == 0) {
				CHECK_MSG(tx_check(&tx) == want, "BADTX row %zu '%s': got %s", i, reason,
				    coffer_err_name(tx_check(&tx)));
				tx_free(&tx);
			} else {
				CHECK_MSG(0, "BADTX row %zu does not parse", i);
			}
			nbad++;
		} else {
			/* Well-formed; invalid only by script rules we cannot evaluate. */
			CHECK_MSG(roundtrip(raw, len, &tx), "tx_invalid row %zu", i);
			CHECK_RC(tx_check(&tx), 0);
			tx_free(&tx);
			nskip++;
		}
		free(raw);
	}
	vectors_count(V_INVALID, "BADTX rejected by tx_check with the named code", nbad);
	vectors_count(V_INVALID, "skipped: needs script interpreter (parsed, round-tripped, tx_check ok)",
	    nskip);
	json_decref(v);
}

static void
test_core_script_count(void)
{
	json_t *v = vectors_load(V_SCRIPT);
	const json_t *row;
	size_t i;
	int n = 0;

	json_array_foreach(v, i, row)
		if (json_array_size(row) > 1)
			n++;
	vectors_count(V_SCRIPT, "skipped: needs script interpreter (out of scope)", n);
	json_decref(v);
}

static void
test_known_segwit(void)
{
	struct tx tx;
	uint8_t id[32];
	char hex[65];
	size_t base, total;

	/* Expected values computed independently (Python hashlib) from the bytes. */
	CHECK_OK(tx_from_hex(&tx, SEGWIT_TX, 0));
	tx_sizes(&tx, &base, &total);
	CHECK(base == 233 && total == 343);
	CHECK(tx_weight(&tx) == 1042);
	CHECK(tx_vsize(&tx) == 261);
	CHECK_OK(tx_txid(id, &tx));
	tx_hash_hex(hex, id);
	CHECK_STREQ(hex, "e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609");
	CHECK_OK(tx_wtxid(id, &tx));
	tx_hash_hex(hex, id);
	CHECK_STREQ(hex, "c36c38370907df2324d9ce9d149d191192f338b37665a82e78e76a12c909b762");
	CHECK(tx.in[0].witness.count == 0 && tx.in[1].witness.count == 2);
	tx_free(&tx);

	CHECK_OK(tx_from_hex(&tx, GENESIS_TX, 0));
	CHECK(tx_is_coinbase(&tx));
	CHECK_OK(tx_check(&tx));
	CHECK_OK(tx_txid(id, &tx));
	tx_hash_hex(hex, id);
	CHECK_STREQ(hex, "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
	CHECK_OK(tx_wtxid(id, &tx));	/* no witness: wtxid == txid */
	tx_hash_hex(hex, id);
	CHECK_STREQ(hex, "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
	CHECK(tx_weight(&tx) == 4 * 204);
	{
		uint8_t back[32];

		CHECK_OK(tx_hash_from_hex(back, hex));
		CHECK(memcmp(back, id, 32) == 0);
		CHECK_RC(tx_hash_from_hex(back, "00"), COFFER_ERR_BAD_HEX);
	}
	tx_free(&tx);
}

static void
test_build(void)
{
	static const uint8_t spk[22] = { 0x00, 0x14, 1, 2, 3 };
	const uint8_t *items[3];
	size_t lens[3];
	uint8_t txid[32] = { 0xaa }, big[300], sig[71] = { 0x30 };
	const uint8_t *it;
	size_t il;
	struct tx tx, back, cp;
	struct cbuf b;

	memset(big, 0x42, sizeof(big));
	tx_init(&tx);
	CHECK(tx.version == 2 && tx.n_in == 0);
	CHECK_OK(tx_add_input(&tx, txid, 3, 0xfffffffe));
	txid[0] = 0xbb;
	CHECK_OK(tx_add_input(&tx, txid, 0, TX_SEQUENCE_FINAL));
	CHECK_OK(tx_add_output(&tx, 12345, spk, sizeof(spk)));
	CHECK_OK(tx_add_output(&tx, 0, NULL, 0));
	tx.locktime = 800000;
	CHECK(!tx_has_witness(&tx));
	/* Witness on input 1: empty item, 71-byte item, 300-byte item (3-byte length). */
	items[0] = NULL, lens[0] = 0;
	items[1] = sig, lens[1] = sizeof(sig);
	items[2] = big, lens[2] = sizeof(big);
	CHECK_OK(tx_witness_set(&tx.in[1].witness, items, lens, 3));
	CHECK(tx.in[1].witness.count == 3 && tx.in[1].witness.len == 1 + 72 + 303);
	CHECK_OK(tx_witness_item(&tx.in[1].witness, 2, &it, &il));
	CHECK(il == 300 && memcmp(it, big, 300) == 0);
	CHECK_OK(tx_witness_item(&tx.in[1].witness, 0, &it, &il));
	CHECK(il == 0);
	CHECK_RC(tx_witness_item(&tx.in[1].witness, 3, &it, &il), COFFER_ERR_NOT_FOUND);
	CHECK_OK(tx_in_set_script_sig(&tx.in[0], big, 17));
	CHECK(tx_has_witness(&tx));

	cbuf_init(&b, 0);
	CHECK_OK(tx_serialize(&b, &tx, 0));
	CHECK(roundtrip(b.p, b.len, &back));
	CHECK(back.n_in == 2 && back.n_out == 2 && back.locktime == 800000 &&
	    back.in[0].sequence == 0xfffffffe && back.in[1].prevout.txid[0] == 0xbb &&
	    back.out[0].value == 12345 && back.out[1].script_pubkey_len == 0 &&
	    back.in[0].script_sig_len == 17 && back.in[1].witness.count == 3);
	CHECK(tx_weight(&back) == tx_weight(&tx));
	CHECK_OK(tx_copy(&cp, &back));
	{
		struct cbuf b2;

		cbuf_init(&b2, 0);
		CHECK_OK(tx_serialize(&b2, &cp, 0));
		CHECK(b2.len == b.len && memcmp(b2.p, b.p, b.len) == 0);
		cbuf_free(&b2);
	}
	/* Clearing the only witness drops the BIP144 form. */
	tx_witness_clear(&cp.in[1].witness);
	CHECK(!tx_has_witness(&cp));
	cbuf_reset(&b);
	CHECK_OK(tx_serialize(&b, &cp, 0));
	CHECK(b.len == tx_vsize(&cp) && tx_weight(&cp) == 4 * b.len);
	/* A capped writer refuses and keeps what it had. */
	{
		struct cbuf small;

		cbuf_init(&small, 10);
		CHECK_RC(tx_serialize(&small, &tx, 0), COFFER_ERR_TOO_LARGE);
		CHECK(small.len == 0);
		cbuf_free(&small);
	}
	tx_free(&cp);
	tx_free(&back);
	tx_free(&tx);
	cbuf_free(&b);
	tx_free(NULL);
}

static void
expect_parse(const char *hex, unsigned int flags, int want, int line)
{
	struct tx tx;
	int rc = tx_from_hex(&tx, hex, flags);

	CHECK_MSG(rc == want, "line %d: got %s, want %s", line, coffer_err_name(rc), coffer_err_name(want));
	CHECK(tx.n_in == 0 || rc == 0);	/* failure leaves it empty */
	tx_free(&tx);
}
#define EXPECT_PARSE(hex, flags, want) expect_parse(hex, flags, want, __LINE__)

static void
test_bounds(void)
{
	uint8_t *raw, *huge;
	size_t n, cut;
	struct tx tx;
	int all_fail = 1;

	/* Every strict prefix of a valid segwit tx fails, and never half-fills. */
	raw = test_unhex(SEGWIT_TX, &n);
	for (cut = 0; cut < n; cut++) {
		int rc = tx_parse(&tx, raw, cut, 0);

		if (rc == 0 || tx.n_in != 0 || tx.in != NULL)
			all_fail = 0;
		tx_free(&tx);
	}
	CHECK(all_fail);
	CHECK_RC(tx_parse(&tx, raw, 10, 0), COFFER_ERR_TRUNCATED);
	free(raw);

	/* Oversized input is refused before any reading. */
	huge = calloc(1, TX_MAX_SIZE + 1);
	CHECK_RC(tx_parse(&tx, huge, TX_MAX_SIZE + 1, 0), COFFER_ERR_TOO_LARGE);
	free(huge);

	/* Counts: impossible ones are TOO_LARGE, ones the bytes cannot hold TRUNCATED;
	 * neither allocates. */
	EXPECT_PARSE("01000000" "ffffffffffffffffff", 0, COFFER_ERR_TOO_LARGE);
	EXPECT_PARSE("01000000" "fe40420f00" "00", 0, COFFER_ERR_TOO_LARGE);
	EXPECT_PARSE("01000000" "fde803" "0000", 0, COFFER_ERR_TRUNCATED);
	EXPECT_PARSE("01000000" "0001" "fde803", 0, COFFER_ERR_TRUNCATED);
	/* One input then an output count no bytes can back. */
	EXPECT_PARSE("01000000" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "ffffffffffffffffff", 0, COFFER_ERR_TOO_LARGE);
	/* A script length past the end. */
	EXPECT_PARSE("01000000" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "fdff00" "ffffffff" "00" "00000000", 0, COFFER_ERR_TRUNCATED);
	/* Witness item count / item length past the end. */
	EXPECT_PARSE("01000000" "0001" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "00" "ffffffffffffffffff" "00000000", 0, COFFER_ERR_TOO_LARGE);
	EXPECT_PARSE("01000000" "0001" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "00" "01" "fe00000100" "00000000", 0, COFFER_ERR_TRUNCATED);
	/* Non-minimal CompactSize. */
	EXPECT_PARSE("01000000" "fd0100", 0, COFFER_ERR_NONCANONICAL);
	/* Superfluous witness (all stacks empty) and unknown flag. */
	EXPECT_PARSE("01000000" "0001" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "00" "00" "00000000", 0, COFFER_ERR_BAD_TX);
	EXPECT_PARSE("01000000" "0002" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "00" "00000000", 0, COFFER_ERR_BAD_TX);
	/* Trailing byte. */
	EXPECT_PARSE("01000000" "01" "1111111111111111111111111111111111111111111111111111111111111111"
	    "00000000" "00" "ffffffff" "00" "00000000" "00", 0, COFFER_ERR_TRAILING);
	/* An empty tx reads as marker 0 + flag 0 (Core's rule): no inputs, no outputs. */
	EXPECT_PARSE("02000000" "00" "00" "00000000", 0, 0);
	/* A PSBT-style unsigned tx with no inputs needs TX_NO_WITNESS. */
	EXPECT_PARSE("02000000" "00" "01" "e803000000000000" "0151" "00000000", TX_NO_WITNESS, 0);
	EXPECT_PARSE("02000000" "00" "01" "e803000000000000" "0151" "00000000", 0, COFFER_ERR_TRUNCATED);
	{
		struct cbuf b;

		CHECK_OK(tx_from_hex(&tx, "02000000" "00" "01" "e803000000000000" "0151" "00000000",
		    TX_NO_WITNESS));
		CHECK(tx.n_in == 0 && tx.n_out == 1 && tx.out[0].value == 1000);
		CHECK_RC(tx_check(&tx), COFFER_ERR_TX_NO_INPUTS);
		cbuf_init(&b, 0);
		CHECK_OK(tx_serialize(&b, &tx, TX_NO_WITNESS));
		CHECK(b.len == 20);
		cbuf_free(&b);
		tx_free(&tx);
	}
}

static void
test_check_rules(void)
{
	static const uint8_t spk[1] = { 0x51 };
	uint8_t txid[32] = { 1 }, zero[32] = { 0 };
	struct tx tx;

	tx_init(&tx);
	CHECK_RC(tx_check(&tx), COFFER_ERR_TX_NO_INPUTS);
	CHECK_OK(tx_add_input(&tx, txid, 0, 0));
	CHECK_RC(tx_check(&tx), COFFER_ERR_TX_NO_OUTPUTS);
	CHECK_OK(tx_add_output(&tx, TX_MAX_MONEY, spk, 1));
	CHECK_OK(tx_check(&tx));
	CHECK_OK(tx_add_output(&tx, 1, spk, 1));
	CHECK_RC(tx_check(&tx), COFFER_ERR_BAD_AMOUNT);
	tx.out[0].value = INT64_MAX;	/* sum would overflow: rejected per output first */
	tx.out[1].value = INT64_MAX;
	CHECK_RC(tx_check(&tx), COFFER_ERR_BAD_AMOUNT);
	tx.out[0].value = 5;
	tx.out[1].value = -1;
	CHECK_RC(tx_check(&tx), COFFER_ERR_BAD_AMOUNT);
	tx.out[1].value = 0;
	CHECK_OK(tx_check(&tx));
	txid[31] = 9;
	CHECK_OK(tx_add_input(&tx, txid, 0, 0));
	CHECK_OK(tx_add_input(&tx, txid, 1, 0));
	CHECK_OK(tx_check(&tx));
	CHECK_OK(tx_add_input(&tx, txid, 0, 0));
	CHECK_RC(tx_check(&tx), COFFER_ERR_TX_DUPLICATE_INPUT);
	tx.in[3].prevout.vout = 0xffffffffu;
	memcpy(tx.in[3].prevout.txid, zero, 32);
	CHECK_RC(tx_check(&tx), COFFER_ERR_TX_NULL_PREVOUT);
	tx_free(&tx);
}

static const struct test_case tests[] = {
	{ "core_valid", test_core_valid },
	{ "core_invalid", test_core_invalid },
	{ "core_script_count", test_core_script_count },
	{ "known_segwit", test_known_segwit },
	{ "build", test_build },
	{ "bounds", test_bounds },
	{ "check_rules", test_check_rules },
};

TEST_MAIN(tests)
