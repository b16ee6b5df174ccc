/* BIP39: Trezor vectors (all languages), bip32JP English/Japanese vectors, errors. */
#include "harness.h"

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "common/secmem.h"

/* Seed -> master xprv string, compared with want. */
static void
check_xprv(const uint8_t seed[BIP39_SEED_LEN], const char *want)
{
	struct bip32_key *k = bip32_key_new();
	char s[BIP32_XKEY_BUFSIZE];

	CHECK_OK(bip32_master_from_seed(k, seed, BIP39_SEED_LEN, BTC_MAINNET));
	CHECK_OK(bip32_xprv_encode(s, k));
	CHECK_STREQ(s, want);
	secure_wipe(s, sizeof(s));
	bip32_key_free(k);
}

/* Full English case: entropy <-> mnemonic, checksum, seed, xprv. */
static void
check_english(const char *enthex, const char *mnemonic, const char *pass, const char *seedhex,
    const char *xprv)
{
	char *m = secmem_alloc(BIP39_MNEMONIC_BUFSIZE);
	uint8_t *seed = secmem_alloc(BIP39_SEED_LEN), *ent2 = secmem_alloc(32);
	size_t n, n2;
	uint8_t *ent = test_unhex(enthex, &n);

	CHECK_OK(bip39_mnemonic_from_entropy(m, BIP39_MNEMONIC_BUFSIZE, ent, n));
	CHECK_STREQ(m, mnemonic);
	CHECK_OK(bip39_mnemonic_check(mnemonic));
	CHECK_OK(bip39_mnemonic_to_entropy(ent2, 32, &n2, mnemonic));
	CHECK(n2 == n && memcmp(ent2, ent, n) == 0);
	CHECK_OK(bip39_mnemonic_to_seed(seed, mnemonic, pass));
	CHECK_HEX(seed, BIP39_SEED_LEN, seedhex);
	check_xprv(seed, xprv);
	secure_free(ent, n);
	secmem_free(m);
	secmem_free(seed);
	secmem_free(ent2);
}

static void
test_trezor(void)
{
	json_t *v = vectors_load("bip39/trezor_vectors.json"), *cases, *c;
	const char *lang;
	size_t i;
	int en = 0, other = 0;

	json_object_foreach(v, lang, cases) {
		json_array_foreach(cases, i, c) {
			const char *ent = json_string_value(json_array_get(c, 0));
			const char *mn = json_string_value(json_array_get(c, 1));
			const char *seedhex = json_string_value(json_array_get(c, 2));
			const char *xprv = json_string_value(json_array_get(c, 3));

			if (strcmp(lang, "english") == 0) {
				check_english(ent, mn, "TREZOR", seedhex, xprv);
				en++;
			} else {
				uint8_t *seed = secmem_alloc(BIP39_SEED_LEN);

				/* Only the English list is built in: seed and xprv from the words. */
				CHECK_OK(bip39_mnemonic_to_seed(seed, mn, "TREZOR"));
				CHECK_HEX(seed, BIP39_SEED_LEN, seedhex);
				check_xprv(seed, xprv);
				CHECK(bip39_mnemonic_check(mn) != 0);
				secmem_free(seed);
				other++;
			}
		}
	}
	vectors_count("bip39/trezor_vectors.json", "english (entropy, words, seed, xprv)", en);
	vectors_count("bip39/trezor_vectors.json", "other languages (seed, xprv from words)", other);
	vectors_count("bip39/trezor_vectors.json",
	    "skipped: non-English entropy<->words (no wordlist built in)", other);
	CHECK(en == 24 && other == 264);
	json_decref(v);
}

static void
test_bip32jp(void)
{
	json_t *v = vectors_load("bip39/test_EN_BIP39.json"), *c;
	size_t i;
	int n = 0;

	json_array_foreach(v, i, c) {
		check_english(json_string_value(json_object_get(c, "entropy")),
		    json_string_value(json_object_get(c, "mnemonic")),
		    json_string_value(json_object_get(c, "passphrase")),
		    json_string_value(json_object_get(c, "seed")),
		    json_string_value(json_object_get(c, "bip32_xprv")));
		n++;
	}
	vectors_count("bip39/test_EN_BIP39.json", "entropy, words, seed, xprv", n);
	CHECK(n == 24);
	json_decref(v);

	v = vectors_load("bip39/test_JP_BIP39.json");
	n = 0;
	json_array_foreach(v, i, c) {
		uint8_t *seed = secmem_alloc(BIP39_SEED_LEN);

		/* Ideographic-space separators and a passphrase that NFKD rewrites. */
		CHECK_OK(bip39_mnemonic_to_seed(seed, json_string_value(json_object_get(c, "mnemonic")),
		    json_string_value(json_object_get(c, "passphrase"))));
		CHECK_HEX(seed, BIP39_SEED_LEN, json_string_value(json_object_get(c, "seed")));
		check_xprv(seed, json_string_value(json_object_get(c, "bip32_xprv")));
		secmem_free(seed);
		n++;
	}
	vectors_count("bip39/test_JP_BIP39.json", "seed and xprv from words + passphrase", n);
	vectors_count("bip39/test_JP_BIP39.json", "skipped: entropy<->words (no Japanese wordlist)", n);
	CHECK(n == 24);
	json_decref(v);
}

static void
test_errors(void)
{
	static const char ok12[] =
	    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
	char m[BIP39_MNEMONIC_BUFSIZE], big[BIP39_MAX_INPUT + 8];
	uint8_t ent[32], seed[BIP39_SEED_LEN];
	size_t n;
	unsigned w;

	CHECK_OK(bip39_mnemonic_check(ok12));
	/* Checksum: "abandon" x12 has the wrong last word. */
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon abandon"), COFFER_ERR_MNEMONIC_CHECKSUM);
	/* Unknown word, upper case, word count, separators. */
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon abou"), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_check("Abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon about"), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandonabandon about"), COFFER_ERR_BAD_MNEMONIC);	/* 14 letters */
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandonxx about"), COFFER_ERR_BAD_MNEMONIC);	/* 10 letters */
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon about"), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(bip39_mnemonic_check(" abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon about"), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_check("abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon about "), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_check("abandon  abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon about"), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_check(""), COFFER_ERR_BAD_MNEMONIC);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_RC(bip39_mnemonic_check(big), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(bip39_mnemonic_to_entropy(ent, 15, &n, ok12), COFFER_ERR_TOO_LARGE);
	CHECK(n == 0);
	/* Entropy sizes. */
	memset(ent, 0, sizeof(ent));
	CHECK_RC(bip39_mnemonic_from_entropy(m, sizeof(m), ent, 15), COFFER_ERR_BAD_ENTROPY);
	CHECK_RC(bip39_mnemonic_from_entropy(m, sizeof(m), ent, 36), COFFER_ERR_BAD_ENTROPY);
	CHECK_RC(bip39_mnemonic_from_entropy(m, sizeof(m), ent, 18), COFFER_ERR_BAD_ENTROPY);
	CHECK_RC(bip39_mnemonic_from_entropy(m, 20, ent, 16), COFFER_ERR_TOO_LARGE);
	CHECK(m[0] == '\0');
	/* Generation: every supported length, valid, and different each time. */
	for (w = 12; w <= 24; w += 3) {
		char m2[BIP39_MNEMONIC_BUFSIZE];
		size_t words = 1, k;

		CHECK_OK(bip39_mnemonic_generate(m, sizeof(m), w));
		CHECK_OK(bip39_mnemonic_generate(m2, sizeof(m2), w));
		CHECK(strcmp(m, m2) != 0);
		for (k = 0; m[k] != '\0'; k++)
			words += m[k] == ' ';
		CHECK(words == w);
		CHECK_OK(bip39_mnemonic_check(m));
		CHECK_OK(bip39_mnemonic_to_entropy(ent, sizeof(ent), &n, m));
		CHECK(n == w * 4 / 3);
		secure_wipe(m2, sizeof(m2));
	}
	CHECK_RC(bip39_mnemonic_generate(m, sizeof(m), 13), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(bip39_mnemonic_generate(m, sizeof(m), 27), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(bip39_mnemonic_generate(m, sizeof(m), 9), COFFER_ERR_MNEMONIC_LENGTH);
	/* Seed inputs: invalid UTF-8 and over-long input. */
	CHECK_RC(bip39_mnemonic_to_seed(seed, "abc\xff", NULL), COFFER_ERR_BAD_STRING);
	CHECK_RC(bip39_mnemonic_to_seed(seed, ok12, "\xc3"), COFFER_ERR_BAD_STRING);
	CHECK_RC(bip39_mnemonic_to_seed(seed, big, NULL), COFFER_ERR_TOO_LARGE);
	/* NULL passphrase is "". */
	{
		uint8_t s2[BIP39_SEED_LEN];

		CHECK_OK(bip39_mnemonic_to_seed(seed, ok12, NULL));
		CHECK_OK(bip39_mnemonic_to_seed(s2, ok12, ""));
		CHECK(memcmp(seed, s2, sizeof(seed)) == 0);
	}
	/* A string whose NFKD is 18x longer (U+FDFA x 50) still works. */
	{
		char ext[3 * 50 + 1];
		size_t k;

		for (k = 0; k < 50; k++)
			memcpy(ext + 3 * k, "\xef\xb7\xba", 3);
		ext[150] = '\0';
		CHECK_OK(bip39_mnemonic_to_seed(seed, ext, ext));
	}
	/* Word list access. */
	CHECK_STREQ(bip39_word(0), "abandon");
	CHECK_STREQ(bip39_word(2047), "zoo");
	CHECK(bip39_word(2048) == NULL);
	CHECK(bip39_word_index_var("zoo", 3) == 2047);
	CHECK(bip39_word_index_var("abandonx", 7) == 0);
	CHECK(bip39_word_index_var("aban", 4) == -1);
	CHECK(bip39_word_index_var("zzz", 3) == -1);
	secure_wipe(m, sizeof(m));
}

static const struct test_case tests[] = {
	{ "trezor", test_trezor },
	{ "bip32jp", test_bip32jp },
	{ "errors", test_errors },
};

TEST_MAIN(tests)
