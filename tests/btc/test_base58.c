/* Base58 / Base58Check: Bitcoin Core's encode/decode vectors and edge cases. */
#include "harness.h"

#include "btc/base58.h"

static void
test_core_vectors(void)
{
	json_t *v = vectors_load("addresses/core_base58_encode_decode.json"), *row;
	size_t i;
	int n = 0;

	json_array_foreach(v, i, row) {
		const char *hex = json_string_value(json_array_get(row, 0));
		const char *b58 = json_string_value(json_array_get(row, 1));
		char out[B58_MAX_STRING + 1];
		uint8_t dec[B58_MAX_DECODED];
		size_t len, declen;
		uint8_t *raw = test_unhex(hex, &len);

		CHECK_OK(b58_encode(out, sizeof(out), raw, len));
		CHECK_STREQ(out, b58);
		CHECK_OK(b58_decode(dec, sizeof(dec), &declen, b58));
		CHECK(declen == len && memcmp(dec, raw, len) == 0);
		free(raw);
		n++;
	}
	vectors_count("addresses/core_base58_encode_decode.json", "encode+decode", n);
	CHECK(n == 14);
	json_decref(v);
}

static void
test_edges(void)
{
	uint8_t buf[B58_MAX_DECODED + 8], dec[B58_MAX_DECODED];
	char out[B58_MAX_STRING + 8];
	size_t n;

	/* Strict alphabet: 0 O I l, whitespace, signs and non-ASCII are refused. */
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "0"), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "1O"), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "I"), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "l"), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, " 2g"), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "2g "), COFFER_ERR_BAD_BASE58);
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, "2\xc3\xa9"), COFFER_ERR_BAD_BASE58);
	CHECK(n == 0);
	/* Leading zeros both ways. */
	memset(buf, 0, 3);
	buf[3] = 0x61;
	CHECK_OK(b58_encode(out, sizeof(out), buf, 4));
	CHECK_STREQ(out, "1112g");
	CHECK_OK(b58_decode(dec, sizeof(dec), &n, "1112g"));
	CHECK(n == 4 && memcmp(dec, buf, 4) == 0);
	/* Size caps: the largest payload round-trips, one more byte is refused. */
	memset(buf, 0xff, sizeof(buf));
	CHECK_OK(b58_encode(out, sizeof(out), buf, B58_MAX_DECODED));
	CHECK(strlen(out) <= B58_MAX_STRING);
	CHECK_OK(b58_decode(dec, sizeof(dec), &n, out));
	CHECK(n == B58_MAX_DECODED && memcmp(dec, buf, n) == 0);
	CHECK_RC(b58_encode(out, sizeof(out), buf, B58_MAX_DECODED + 1), COFFER_ERR_TOO_LARGE);
	CHECK_RC(b58_encode(out, 3, buf, 4), COFFER_ERR_TOO_LARGE);
	CHECK(out[0] == '\0');
	memset(out, 'z', B58_MAX_STRING + 1);
	out[B58_MAX_STRING + 1] = '\0';
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, out), COFFER_ERR_TOO_LARGE);
	out[B58_MAX_STRING] = '\0';	/* 350 'z' is 257 bytes: over the output cap */
	CHECK_RC(b58_decode(dec, sizeof(dec), &n, out), COFFER_ERR_TOO_LARGE);
	CHECK_RC(b58_decode(dec, 2, &n, "a3gV"), COFFER_ERR_TOO_LARGE);
	/* Base58Check. */
	CHECK_OK(b58check_encode(out, sizeof(out), (const uint8_t *)"\x00\x01\x02", 3));
	CHECK_OK(b58check_decode(dec, sizeof(dec), &n, out));
	CHECK(n == 3 && memcmp(dec, "\x00\x01\x02", 3) == 0);
	out[strlen(out) - 1] = out[strlen(out) - 1] == '2' ? '3' : '2';
	CHECK_RC(b58check_decode(dec, sizeof(dec), &n, out), COFFER_ERR_BAD_CHECKSUM);
	CHECK_RC(b58check_decode(dec, sizeof(dec), &n, ""), COFFER_ERR_BAD_CHECKSUM);
	CHECK_RC(b58check_decode(dec, sizeof(dec), &n, "3QJmnh"), 0);	/* empty payload */
	CHECK(n == 0);
}

static const struct test_case tests[] = {
	{ "core_vectors", test_core_vectors },
	{ "edges", test_edges },
};

TEST_MAIN(tests)
