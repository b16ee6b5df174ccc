/*
 * HKDF-SHA256 against RFC 5869 (appendix A, cases 1-3) and the signer's
 * seed-derived keys pinned to their purpose labels (SIGNER.md): a changed
 * label would silently change every wallet's storage and state keys.
 */
#include "harness.h"

#include "common/secmem.h"
#include "signer/kdf.h"

static void
test_rfc5869(void)
{
	static const struct {
		const char *ikm, *salt, *info, *okm;
	} cases[] = {
		{ /* A.1 */
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
		  "f0f1f2f3f4f5f6f7f8f9",
		  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
		{ /* A.2: long inputs, 82-byte output */
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
		  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
		  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87" },
		{ /* A.3: empty salt and info */
		  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
		  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ikmlen, saltlen, infolen, okmlen;
		uint8_t *ikm = test_unhex(cases[i].ikm, &ikmlen), *salt = test_unhex(cases[i].salt, &saltlen);
		uint8_t *info = test_unhex(cases[i].info, &infolen), *okm = test_unhex(cases[i].okm, &okmlen);
		uint8_t out[128];

		CHECK_OK(kdf_hkdf_sha256(out, okmlen, ikm, ikmlen, saltlen ? salt : NULL, saltlen,
		    infolen ? info : NULL, infolen));
		CHECK_HEX(out, okmlen, cases[i].okm);
		/* A shorter output is a prefix of the longer one (HKDF-Expand). */
		CHECK_OK(kdf_hkdf_sha256(out, 7, ikm, ikmlen, salt, saltlen, info, infolen));
		CHECK(memcmp(out, okm, 7) == 0);
		free(ikm);
		free(salt);
		free(info);
		free(okm);
	}
	printf("RFC 5869 HKDF-SHA256 cases: %zu\n", i);
}

static void
test_hkdf_args(void)
{
	uint8_t ikm[32] = { 1 }, out[KDF_HKDF_MAX_OUT + 1];

	memset(out, 0xaa, sizeof(out));
	CHECK_RC(kdf_hkdf_sha256(out, 0, ikm, 32, NULL, 0, NULL, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(kdf_hkdf_sha256(out, KDF_HKDF_MAX_OUT + 1, ikm, 32, NULL, 0, NULL, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(kdf_hkdf_sha256(out, 32, NULL, 32, NULL, 0, NULL, 0), COFFER_ERR_INVALID_ARG);
	CHECK(out[0] == 0 && out[31] == 0);	/* wiped on failure */
	CHECK_RC(kdf_hkdf_sha256(out, 32, ikm, 32, NULL, 4, NULL, 0), COFFER_ERR_INVALID_ARG);
	CHECK_OK(kdf_hkdf_sha256(out, KDF_HKDF_MAX_OUT, ikm, 32, NULL, 0, NULL, 0));
}

/* Seed of "abandon ... about" with passphrase "TREZOR" (BIP39 vectors). */
static const char *seed_hex =
    "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04";

static void
test_seed_keys(void)
{
	uint8_t seed[64], k1[32], k2[32], k3[32], k4[32];
	size_t n;
	uint8_t *raw = test_unhex(seed_hex, &n);

	memcpy(seed, raw, 64);
	free(raw);
	/* Pinned with an independent HKDF (Python hmac) over the SIGNER.md labels. */
	CHECK_OK(kdf_storage_key(k1, seed));
	CHECK_HEX(k1, 32, "fe34fb499d007bcf78beb4f566ffff4f47a6a3573e14087c755f01da50428626");
	CHECK_OK(kdf_state_key(k2, seed));
	CHECK_HEX(k2, 32, "4ecdd30c96cb9e9d5110e9eef64f80d2dff16f2c79943b1c7abe5420078738bb");
	CHECK_OK(kdf_identity_key(k3, seed));
	CHECK_HEX(k3, 32, "2fccd702821a23b4946b6d3473ba5fb6e620a009a9251a8aff8fcfd51bdf5e19");
	CHECK_OK(kdf_seed_key(k4, seed, KDF_INFO_STATE));
	CHECK(memcmp(k4, k2, 32) == 0);
	/* One bit of seed changes every key. */
	seed[63] ^= 1;
	CHECK_OK(kdf_state_key(k4, seed));
	CHECK(memcmp(k4, k2, 32) != 0);
	secure_wipe(seed, sizeof(seed));
}

static const struct test_case tests[] = {
	{ "kdf_rfc5869", test_rfc5869 },
	{ "kdf_hkdf_args", test_hkdf_args },
	{ "kdf_seed_keys", test_seed_keys },
};

TEST_MAIN(tests)
