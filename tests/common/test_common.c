/* Tests for the bounded buffers, encodings, hashes and error table. */
#include "harness.h"

#include "btc/hash.h"
#include "btc/network.h"
#include "common/buf.h"
#include "common/secmem.h"

static void
test_compact_size(void)
{
	static const struct {
		const char *hex;
		uint64_t v;
		int rc;
	} cases[] = {
		{ "00", 0, 0 }, { "fc", 0xfc, 0 }, { "fdfd00", 0xfd, 0 }, { "fdffff", 0xffff, 0 },
		{ "fe00000100", 0x10000, 0 }, { "ff0000000001000000", 0x100000000ull, 0 },
		{ "fdfc00", 0, COFFER_ERR_NONCANONICAL }, { "feffff0000", 0, COFFER_ERR_NONCANONICAL },
		{ "ffffffffff00000000", 0, COFFER_ERR_NONCANONICAL }, { "fd00", 0, COFFER_ERR_TRUNCATED },
		{ "", 0, COFFER_ERR_TRUNCATED },
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *raw = test_unhex(cases[i].hex, &n);
		struct creader r;
		uint64_t v;

		creader_init(&r, raw, n);
		CHECK_RC(creader_get_compact(&r, &v), cases[i].rc);
		CHECK(v == cases[i].v);
		if (cases[i].rc == 0) {
			struct cbuf b;

			CHECK(creader_expect_end(&r) == 0);
			cbuf_init(&b, 0);
			CHECK_OK(cbuf_put_compact(&b, v));
			CHECK(b.len == n && memcmp(b.p, raw, n) == 0);
			CHECK(compact_size_len(v) == n);
			cbuf_free(&b);
		} else {
			CHECK(r.off == 0);	/* a failed get consumes nothing */
		}
		free(raw);
	}
}

static void
test_reader_bounds(void)
{
	const uint8_t data[] = { 1, 2, 3, 0x05, 'a', 'b' };
	struct creader r;
	const uint8_t *p;
	size_t n;
	uint32_t v32;
	uint8_t out[8];

	creader_init(&r, data, sizeof(data));
	CHECK_RC(creader_get_u32le(&r, &v32), 0);
	CHECK(v32 == 0x05030201);
	CHECK_RC(creader_get_bytes(&r, out, 3), COFFER_ERR_TRUNCATED);
	CHECK(creader_remaining(&r) == 2);
	CHECK_RC(creader_expect_end(&r), COFFER_ERR_TRAILING);

	creader_init(&r, data + 3, 3);
	CHECK_RC(creader_get_varbytes(&r, &p, &n, 100), COFFER_ERR_TRUNCATED);
	CHECK(p == NULL && n == 0 && r.off == 0);
	creader_init(&r, data + 3, 3);
	CHECK_RC(creader_get_varbytes(&r, &p, &n, 4), COFFER_ERR_TOO_LARGE);
	creader_init(&r, NULL, 0);
	CHECK_RC(creader_get_u8(&r, out), COFFER_ERR_TRUNCATED);
}

static void
test_writer_cap(void)
{
	struct cbuf b;
	uint8_t blob[100] = { 0 };

	cbuf_init(&b, 150);
	CHECK_OK(cbuf_put(&b, blob, 100));
	CHECK_RC(cbuf_put(&b, blob, 51), COFFER_ERR_TOO_LARGE);
	CHECK(b.len == 100);
	CHECK_OK(cbuf_put(&b, blob, 50));
	CHECK_RC(cbuf_put_u8(&b, 1), COFFER_ERR_TOO_LARGE);
	cbuf_free(&b);

	cbuf_init_secret(&b, 0);
	CHECK_OK(cbuf_put_str(&b, "secret"));
	CHECK_OK(cbuf_put(&b, blob, 100));
	CHECK(b.len == 106 && memcmp(b.p, "secret", 6) == 0);
	cbuf_free(&b);
	CHECK(b.p == NULL && b.len == 0);
}

static void
test_hex_base64(void)
{
	struct cbuf b;
	uint8_t out[4];
	char h[9];

	CHECK_OK(hex_decode_exact(out, 4, "DEADbeef"));
	hex_encode(h, sizeof(h), out, 4);
	CHECK_STREQ(h, "deadbeef");
	CHECK_RC(hex_decode_exact(out, 4, "deadbee"), COFFER_ERR_BAD_HEX);
	CHECK_RC(hex_decode_exact(out, 4, "deadbeeg"), COFFER_ERR_BAD_HEX);
	CHECK(out[0] == 0);

	cbuf_init(&b, 0);
	CHECK_OK(base64_decode_buf(&b, "cHNidP8=", 8));
	CHECK(b.len == 5 && memcmp(b.p, "psbt\xff", 5) == 0);
	cbuf_reset(&b);
	CHECK_RC(base64_decode_buf(&b, "cHNidP8", 7), COFFER_ERR_BAD_BASE64);
	cbuf_reset(&b);
	CHECK_RC(base64_decode_buf(&b, "cHNi dP8=", 9), COFFER_ERR_BAD_BASE64);
	cbuf_reset(&b);
	CHECK_OK(base64_encode_buf(&b, (const uint8_t *)"psbt\xff", 5));
	CHECK(b.len == 8 && memcmp(b.p, "cHNidP8=", 8) == 0);
	cbuf_free(&b);
}

static void
test_hashes(void)
{
	uint8_t out[64];

	sha256(out, (const uint8_t *)"abc", 3);
	CHECK_HEX(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256d(out, (const uint8_t *)"", 0);
	CHECK_HEX(out, 32, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
	ripemd160(out, (const uint8_t *)"abc", 3);
	CHECK_HEX(out, 20, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
	/* RFC 4231 test case 2 */
	hmac_sha512(out, (const uint8_t *)"Jefe", 4, (const uint8_t *)"what do ya want for nothing?", 28);
	CHECK_HEX(out, 64, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	/* BIP340 challenge tag, cross-checked against the streaming path. */
	{
		struct sha256_ctx c, c2;
		uint8_t a[32], b2[32];

		tagged_hash(a, "TapLeaf", (const uint8_t *)"x", 1);
		sha256_init_tagged(&c, "TapLeaf");
		sha256_copy(&c2, &c);
		sha256_update(&c, (const uint8_t *)"x", 1);
		sha256_final(&c, b2);
		CHECK(memcmp(a, b2, 32) == 0);
		sha256_update(&c2, (const uint8_t *)"y", 1);
		sha256_final(&c2, b2);
		CHECK(memcmp(a, b2, 32) != 0);
	}
}

static void
test_networks(void)
{
	enum btc_network n;

	CHECK_OK(btc_network_parse(&n, "regtest"));
	CHECK(n == BTC_REGTEST);
	CHECK_STREQ(btc_network_params(n)->hrp, "bcrt");
	CHECK_RC(btc_network_parse(&n, "regnet"), COFFER_ERR_INVALID_ARG);
	CHECK(btc_network_same_encoding(BTC_TESTNET, BTC_SIGNET));
	CHECK(!btc_network_same_encoding(BTC_MAINNET, BTC_SIGNET));
	CHECK_STREQ(coffer_err_name(COFFER_ERR_WRONG_NETWORK), "wrong_network");
	CHECK_STREQ(coffer_err_name(12345), "unknown_error");
}

static void
test_secmem(void)
{
	uint8_t *s = secmem_alloc(32), a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 5 };

	CHECK(s != NULL);
	secure_random(s, 32);
	secmem_free(s);
	CHECK(secure_equal(a, a, 4));
	CHECK(!secure_equal(a, b, 4));
	secure_wipe(a, 4);
	CHECK(a[0] == 0 && a[3] == 0);
}

static const struct test_case tests[] = {
	{ "compact_size", test_compact_size },
	{ "reader_bounds", test_reader_bounds },
	{ "writer_cap", test_writer_cap },
	{ "hex_base64", test_hex_base64 },
	{ "hashes", test_hashes },
	{ "networks", test_networks },
	{ "secmem", test_secmem },
};

TEST_MAIN(tests)
