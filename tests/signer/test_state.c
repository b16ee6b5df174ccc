/*
 * The sealed state file: round trips, the key from the seed, and every
 * error (wrong wallet, tampered, truncated, foreign, version, malformed)
 * with its own code and the file left as it was.
 */
#include "harness.h"

#include <sodium.h>

#include "btc/hash.h"
#include "common/secmem.h"
#include "signer/kdf.h"
#include "signer/keystore.h"
#include "signer/state.h"
#include "store_util.h"

static const uint8_t key_a[32] = { 0xa1, 0xa2, 0xa3 }, key_b[32] = { 0xb1, 0xb2, 0xb3 };

static void
fill_head(uint8_t head[32], uint8_t v)
{
	size_t i;

	for (i = 0; i < 32; i++)
		head[i] = (uint8_t)(v + i);
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 100, 16 * 1024 + 3, STATE_BLOB_MAX };
	uint8_t head[32], got_head[32], *blob;
	uint64_t seq;
	struct cbuf out;
	char dir[256];
	size_t i, j;

	su_mkdtemp(dir, sizeof(dir));
	blob = malloc(STATE_BLOB_MAX + 1);
	for (j = 0; j <= STATE_BLOB_MAX; j++)
		blob[j] = (uint8_t)(j * 7 + 1);
	cbuf_init_secret(&out, STATE_BLOB_MAX);
	CHECK_RC(state_load(&out, got_head, &seq, dir, key_a), COFFER_ERR_STATE_MISSING);
	CHECK(state_exists(dir) == 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_head(head, (uint8_t)i);
		CHECK_OK(state_save(dir, key_a, blob, sizes[i], head, 1000 + i));
		CHECK(state_exists(dir) == 1);
		cbuf_reset(&out);
		CHECK_OK(state_load(&out, got_head, &seq, dir, key_a));
		CHECK(out.len == sizes[i] && (sizes[i] == 0 || memcmp(out.p, blob, sizes[i]) == 0));
		CHECK(memcmp(got_head, head, 32) == 0 && seq == 1000 + i);
	}
	CHECK_RC(state_save(dir, key_a, blob, STATE_BLOB_MAX + 1, head, 1), COFFER_ERR_TOO_LARGE);
	CHECK_RC(state_save(dir, key_a, NULL, 5, head, 1), COFFER_ERR_INVALID_ARG);
	/* The failed saves left the last good state. */
	cbuf_reset(&out);
	CHECK_OK(state_load(&out, got_head, &seq, dir, key_a));
	CHECK(out.len == STATE_BLOB_MAX && seq == 1004);
	CHECK(su_count_prefix(dir, ".state.tmp-") == 0);
	cbuf_free(&out);
	free(blob);
	su_rmtree(dir);
}

/* The key comes from the seed; another seed is another wallet. */
static void
test_seed_key(void)
{
	uint8_t seed[64], key[32], key2[32], head[32] = { 1 }, got[32];
	uint64_t seq;
	struct cbuf out;
	char dir[256];
	uint8_t *file;
	size_t len;

	secure_random(seed, sizeof(seed));
	CHECK_OK(kdf_state_key(key, seed));
	seed[0] ^= 1;
	CHECK_OK(kdf_state_key(key2, seed));
	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(state_save(dir, key, (const uint8_t *)"\x01policy", 7, head, 42));
	file = su_read(dir, STATE_FILE, &len);
	cbuf_init_secret(&out, 0);
	CHECK_RC(state_load(&out, got, &seq, dir, key2), COFFER_ERR_STATE_WRONG_KEY);
	CHECK(out.len == 0 && seq == 0 && got[0] == 0);
	CHECK(su_equals(dir, STATE_FILE, file, len));
	CHECK_OK(state_load(&out, got, &seq, dir, key));
	CHECK(out.len == 7 && memcmp(out.p, "\x01policy", 7) == 0 && seq == 42);
	cbuf_free(&out);
	free(file);
	secure_wipe(seed, sizeof(seed));
	secure_wipe(key, sizeof(key));
	su_rmtree(dir);
}

static int
flip_expect(size_t i)
{
	if (i < STATE_MAGIC_LEN)
		return COFFER_ERR_STATE_FOREIGN;
	if (i < 10)
		return COFFER_ERR_STATE_VERSION;
	return COFFER_ERR_STATE_TAMPERED;
}

static void
test_tampered_truncated(void)
{
	uint8_t head[32] = { 9 }, got[32], *file;
	uint64_t seq;
	struct cbuf out;
	char dir[256];
	size_t len, i;

	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(state_save(dir, key_a, (const uint8_t *)"ledger+policy", 13, head, 7));
	file = su_read(dir, STATE_FILE, &len);
	CHECK(len == STATE_HEADER_LEN + STATE_PLAIN_FIXED + 13 + STATE_TAG_LEN);
	cbuf_init_secret(&out, 0);
	for (i = 0; i < len; i++) {
		file[i] ^= (uint8_t)(1u << (i % 8));
		su_write(dir, STATE_FILE, file, len);
		CHECK_RC(state_load(&out, got, &seq, dir, key_a), flip_expect(i));
		CHECK(out.len == 0 && seq == 0);
		CHECK(su_equals(dir, STATE_FILE, file, len));
		file[i] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < len; i++) {
		su_write(dir, STATE_FILE, file, i);
		CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_TRUNCATED);
		CHECK(su_equals(dir, STATE_FILE, file, i));
	}
	su_write(dir, STATE_FILE, file, len);
	CHECK_OK(state_load(&out, got, &seq, dir, key_a));
	CHECK(seq == 7);
	printf("state files refused: %zu tampered, %zu truncated\n", len, len);
	cbuf_free(&out);
	free(file);
	su_rmtree(dir);
}

static void
rechecksum(uint8_t *file)
{
	uint8_t h[32];

	sha256(h, file, STATE_HEADER_LEN - STATE_CHECK_LEN);
	memcpy(file + STATE_HEADER_LEN - STATE_CHECK_LEN, h, STATE_CHECK_LEN);
}

/* Seal a hand-made plaintext under key_a, as only a holder of the key could. */
static size_t
forge(uint8_t *out, const uint8_t *tmpl, const uint8_t *plain, size_t plen)
{
	uint8_t aead[32];
	unsigned long long clen;
	size_t ctlen = plen + STATE_TAG_LEN;

	memcpy(out, tmpl, STATE_HEADER_LEN);
	out[12] = (uint8_t)ctlen;
	out[13] = (uint8_t)(ctlen >> 8);
	out[14] = (uint8_t)(ctlen >> 16);
	out[15] = (uint8_t)(ctlen >> 24);
	rechecksum(out);
	CHECK_OK(kdf_hkdf_sha256(aead, 32, key_a, 32, (const uint8_t *)"coffer", 6,
	    (const uint8_t *)"coffer/v1/state/aead", 20));
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + STATE_HEADER_LEN, &clen, plain, plen, out,
	    STATE_HEADER_LEN, NULL, out + 32, aead);
	return STATE_HEADER_LEN + (size_t)clen;
}

static void
test_malformed_foreign_version(void)
{
	uint8_t head[32] = { 0 }, got[32], *file, forged[512], plain[128];
	uint64_t seq;
	struct cbuf out;
	char dir[256];
	size_t len, n;

	su_mkdtemp(dir, sizeof(dir));
	cbuf_init_secret(&out, 0);
	CHECK_OK(state_save(dir, key_a, (const uint8_t *)"abc", 3, head, 1));
	file = su_read(dir, STATE_FILE, &len);

	/* Our plaintext works through forge (the test's own sealing is right). */
	memset(plain, 0, sizeof(plain));
	plain[40] = 3;
	memcpy(plain + 44, "abc", 3);
	n = forge(forged, file, plain, 47);
	su_write(dir, STATE_FILE, forged, n);
	CHECK_OK(state_load(&out, got, &seq, dir, key_a));
	CHECK(out.len == 3);
	cbuf_reset(&out);
	/* Authentic but inconsistent: blob length past the end, or short of it. */
	plain[40] = 4;
	n = forge(forged, file, plain, 47);
	su_write(dir, STATE_FILE, forged, n);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	plain[40] = 2;
	su_write(dir, STATE_FILE, forged, forge(forged, file, plain, 47));
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	plain[40] = 0xff;
	plain[43] = 0xff;	/* 4 GiB blob claimed */
	su_write(dir, STATE_FILE, forged, forge(forged, file, plain, 47));
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	CHECK(out.len == 0 && seq == 0);

	/* Header: ciphertext length out of bounds (checksum fixed), flags, trailing byte. */
	memcpy(forged, file, len);
	forged[15] = 0x7f;
	rechecksum(forged);
	su_write(dir, STATE_FILE, forged, len);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	memcpy(forged, file, len);
	forged[12] = 10;
	forged[13] = forged[14] = forged[15] = 0;
	rechecksum(forged);
	su_write(dir, STATE_FILE, forged, len);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	memcpy(forged, file, len);
	forged[10] = 1;
	rechecksum(forged);
	su_write(dir, STATE_FILE, forged, len);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	memcpy(forged, file, len);
	forged[len] = 0;
	su_write(dir, STATE_FILE, forged, len + 1);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_MALFORMED);
	/* Key id forged to match key_b: the AEAD still refuses. */
	memcpy(forged, file, len);
	CHECK_OK(kdf_hkdf_sha256(forged + 16, 16, key_b, 32, (const uint8_t *)"coffer", 6,
	    (const uint8_t *)"coffer/v1/state/key-id", 22));
	rechecksum(forged);
	su_write(dir, STATE_FILE, forged, len);
	CHECK_RC(state_load(&out, got, &seq, dir, key_b), COFFER_ERR_STATE_TAMPERED);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_WRONG_KEY);

	/* Version 2, foreign files, a keystore in the state's place. */
	memcpy(forged, file, len);
	forged[8] = 2;
	rechecksum(forged);
	su_write(dir, STATE_FILE, forged, len);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_VERSION);
	su_write(dir, STATE_FILE, (const uint8_t *)"{\"policy\": {}}", 14);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_FOREIGN);
	memcpy(forged, KS_MAGIC, KS_MAGIC_LEN);
	su_write(dir, STATE_FILE, forged, 200);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_STATE_FOREIGN);
	CHECK(su_equals(dir, STATE_FILE, forged, 200));
	/* state_open on memory, the fuzzer's entry point. */
	CHECK_OK(state_open(&out, got, &seq, file, len, key_a));
	CHECK_RC(state_open(&out, got, &seq, NULL, 0, key_a), COFFER_ERR_STATE_TRUNCATED);
	cbuf_free(&out);
	free(file);
	su_rmtree(dir);
}

static void
test_dir_private(void)
{
	uint8_t head[32] = { 0 }, got[32];
	uint64_t seq;
	struct cbuf out;
	char dir[256];

	su_mkdtemp(dir, sizeof(dir));
	chmod(dir, 0711);
	CHECK_RC(state_save(dir, key_a, NULL, 0, head, 0), COFFER_ERR_SIGNER_DIR);
	CHECK(state_exists(dir) == 0);
	chmod(dir, 0700);
	CHECK_OK(state_save(dir, key_a, NULL, 0, head, 0));
	chmod(dir, 0701);
	cbuf_init(&out, 0);
	CHECK_RC(state_load(&out, got, &seq, dir, key_a), COFFER_ERR_SIGNER_DIR);
	chmod(dir, 0700);
	cbuf_free(&out);
	su_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "state_roundtrip", test_roundtrip },
	{ "state_seed_key", test_seed_key },
	{ "state_tampered_truncated", test_tampered_truncated },
	{ "state_malformed_foreign_version", test_malformed_foreign_version },
	{ "state_dir_private", test_dir_private },
};

TEST_MAIN(tests)
