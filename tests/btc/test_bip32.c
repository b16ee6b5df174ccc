/* BIP32: official test vectors 1-5, paths, fingerprints, public derivation. */
#include "harness.h"

#include "btc/bip32.h"
#include "btc/hash.h"
#include "common/secmem.h"

/* The expected error for a BIP32 test vector 5 reason. */
static int
reason_code(const char *reason)
{
	static const struct {
		const char *prefix;
		int code;
	} map[] = {
		{ "pubkey version / prvkey mismatch", COFFER_ERR_XKEY_KEY_TYPE },
		{ "prvkey version / pubkey mismatch", COFFER_ERR_XKEY_KEY_TYPE },
		{ "invalid pubkey prefix", COFFER_ERR_XKEY_KEY_PREFIX },
		{ "invalid prvkey prefix", COFFER_ERR_XKEY_KEY_PREFIX },
		{ "zero depth with non-zero parent fingerprint", COFFER_ERR_XKEY_ROOT_PARENT },
		{ "zero depth with non-zero index", COFFER_ERR_XKEY_ROOT_INDEX },
		{ "unknown extended key version", COFFER_ERR_BAD_XKEY_VERSION },
		{ "private key 0 not in 1..n-1", COFFER_ERR_BAD_PRIVKEY },
		{ "private key n not in 1..n-1", COFFER_ERR_BAD_PRIVKEY },
		{ "invalid pubkey 0", COFFER_ERR_BAD_PUBKEY },
		{ "invalid checksum", COFFER_ERR_BAD_CHECKSUM },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(reason, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].code;
	return 1;	/* unknown reason: never matches a return code */
}

static void
test_vectors_valid(void)
{
	json_t *v = vectors_load("bip32/bip32_test_vectors.json"), *vec, *chain;
	struct bip32_key *master = bip32_key_new(), *k = bip32_key_new(), *prev = bip32_key_new();
	size_t i, j;
	int chains = 0, pubchecks = 0;

	json_array_foreach(json_object_get(v, "valid"), i, vec) {
		size_t seedlen;
		uint8_t *seed = test_unhex(json_string_value(json_object_get(vec, "seed_hex")), &seedlen);

		CHECK_OK(bip32_master_from_seed(master, seed, seedlen, BTC_MAINNET));
		secure_free(seed, seedlen);
		json_array_foreach(json_object_get(vec, "chains"), j, chain) {
			const char *spath = json_string_value(json_object_get(chain, "path"));
			const char *xpub = json_string_value(json_object_get(chain, "ext_pub"));
			const char *xprv = json_string_value(json_object_get(chain, "ext_prv"));
			char out[BIP32_XKEY_BUFSIZE], fmt[BIP32_PATH_BUFSIZE];
			uint32_t path[32];
			size_t n;
			struct bip32_key pub, parsed_pub;

			CHECK_OK(bip32_path_parse(path, 32, &n, spath));
			CHECK_OK(bip32_path_format(fmt, sizeof(fmt), path, n, 'H'));
			CHECK_STREQ(fmt, spath);
			CHECK_OK(bip32_derive_path(k, master, path, n));
			CHECK_OK(bip32_xprv_encode(out, k));
			CHECK_STREQ(out, xprv);
			CHECK_OK(bip32_xpub_encode(out, k));
			CHECK_STREQ(out, xpub);

			/* Parse both strings back and re-serialise them. */
			CHECK_OK(bip32_key_parse(prev, xprv));
			CHECK(prev->has_priv && memcmp(prev->priv, k->priv, 32) == 0 &&
			    memcmp(prev->pub, k->pub, 33) == 0 && prev->depth == k->depth &&
			    prev->child == k->child && memcmp(prev->parent_fp, k->parent_fp, 4) == 0);
			CHECK_OK(bip32_key_parse(&parsed_pub, xpub));
			CHECK(!parsed_pub.has_priv && memcmp(parsed_pub.pub, k->pub, 33) == 0);
			CHECK(parsed_pub.net == BTC_MAINNET);
			CHECK_OK(bip32_xpub_encode(out, &parsed_pub));
			CHECK_STREQ(out, xpub);
			CHECK_RC(bip32_xprv_encode(out, &parsed_pub), COFFER_ERR_INVALID_ARG);
			CHECK_RC(bip32_key_check_network(&parsed_pub, BTC_MAINNET), 0);
			CHECK_RC(bip32_key_check_network(&parsed_pub, BTC_SIGNET), COFFER_ERR_WRONG_NETWORK);

			/* CKDpub: the last non-hardened step from the parent's xpub. */
			if (n > 0 && !(path[n - 1] & BIP32_HARDENED)) {
				struct bip32_key parent;
				uint8_t pk[33];

				CHECK_OK(bip32_derive_path(&parent, master, path, n - 1));
				CHECK_OK(bip32_neuter(&parent, &parent));
				CHECK(!parent.has_priv);
				CHECK_OK(bip32_derive_child(&pub, &parent, path[n - 1]));
				CHECK_OK(bip32_xpub_encode(out, &pub));
				CHECK_STREQ(out, xpub);
				CHECK_OK(bip32_derive_pubkey(pk, &parent, path[n - 1]));
				CHECK(memcmp(pk, k->pub, 33) == 0);
				CHECK_RC(bip32_derive_child(&pub, &parent, path[n - 1] | BIP32_HARDENED),
				    COFFER_ERR_HARDENED_FROM_PUBLIC);
				pubchecks++;
			}
			/* Parent fingerprint = fingerprint of the parent key. */
			if (n > 0) {
				uint8_t fp[4];

				CHECK_OK(bip32_derive_path(prev, master, path, n - 1));
				bip32_fingerprint(fp, prev);
				CHECK(memcmp(fp, k->parent_fp, 4) == 0);
			}
			chains++;
		}
	}
	vectors_count("bip32/bip32_test_vectors.json", "valid chains (xprv+xpub)", chains);
	vectors_count("bip32/bip32_test_vectors.json", "of them also checked by CKDpub", pubchecks);
	CHECK(chains == 17);
	bip32_key_free(master);
	bip32_key_free(k);
	bip32_key_free(prev);
	json_decref(v);
}

static void
test_vectors_invalid(void)
{
	json_t *v = vectors_load("bip32/bip32_test_vectors.json"), *c;
	struct bip32_key *k = bip32_key_new();
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(v, "invalid"), i, c) {
		const char *key = json_string_value(json_object_get(c, "key"));
		const char *reason = json_string_value(json_object_get(c, "reason"));
		int want = reason_code(reason);

		CHECK_MSG(want != 1, "unmapped reason '%s'", reason);
		CHECK_RC(bip32_key_parse(k, key), want);
		CHECK(k->has_priv == 0 && k->depth == 0);	/* wiped on failure */
		n++;
	}
	vectors_count("bip32/bip32_test_vectors.json", "invalid keys (with reason)", n);
	CHECK(n == 16);
	bip32_key_free(k);
	json_decref(v);
}

static void
test_paths(void)
{
	static const struct {
		const char *s;
		int rc;
		size_t n;
		uint32_t last;
	} cases[] = {
		{ "m", 0, 0, 0 }, { "", 0, 0, 0 }, { "m/84'/0'/0'/0/5", 0, 5, 5 },
		{ "84h/0H/0'", 0, 3, 0x80000000u }, { "m/2147483647'", 0, 1, 0xffffffffu },
		{ "m/2147483648", COFFER_ERR_BAD_PATH, 0, 0 }, { "m/", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "m//1", COFFER_ERR_BAD_PATH, 0, 0 }, { "m/1/", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "m/-1", COFFER_ERR_BAD_PATH, 0, 0 }, { "m/+1", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "m/1''", COFFER_ERR_BAD_PATH, 0, 0 }, { "m/'", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "M/1", COFFER_ERR_BAD_PATH, 0, 0 }, { "m1", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "m/ 1", COFFER_ERR_BAD_PATH, 0, 0 }, { "/1", COFFER_ERR_BAD_PATH, 0, 0 },
		{ "m/99999999999999999999", COFFER_ERR_BAD_PATH, 0, 0 }, { "m/1x", COFFER_ERR_BAD_PATH, 0, 0 },
	};
	char fmt[BIP32_PATH_BUFSIZE], big[300 * 2 + 2];
	uint32_t path[300];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_RC(bip32_path_parse(path, 300, &n, cases[i].s), cases[i].rc);
		CHECK(n == cases[i].n);
		if (cases[i].rc == 0 && n > 0)
			CHECK(path[n - 1] == cases[i].last);
	}
	CHECK_OK(bip32_path_parse(path, 300, &n, "m/84'/1'/0'/1/7"));
	CHECK_OK(bip32_path_format(fmt, sizeof(fmt), path, n, '\''));
	CHECK_STREQ(fmt, "m/84'/1'/0'/1/7");
	CHECK_OK(bip32_path_format(fmt, sizeof(fmt), path, n, 'h'));
	CHECK_STREQ(fmt, "m/84h/1h/0h/1/7");
	CHECK_RC(bip32_path_format(fmt, 8, path, n, 'h'), COFFER_ERR_TOO_LARGE);
	CHECK_RC(bip32_path_parse(path, 2, &n, "m/1/2/3"), COFFER_ERR_DEPTH);
	/* 256 steps is over the depth limit, 255 is fine. */
	strcpy(big, "m");
	for (i = 0; i < 256; i++)
		strcat(big, "/1");
	CHECK_RC(bip32_path_parse(path, 300, &n, big), COFFER_ERR_DEPTH);
	big[strlen(big) - 2] = '\0';
	CHECK_OK(bip32_path_parse(path, 300, &n, big));
	CHECK(n == 255);

	CHECK_OK(bip32_account_path(path, 84, BTC_MAINNET, 0));
	CHECK(path[0] == (84 | BIP32_HARDENED) && path[1] == BIP32_HARDENED && path[2] == BIP32_HARDENED);
	CHECK_OK(bip32_account_path(path, 86, BTC_REGTEST, 3));
	CHECK(path[1] == (1 | BIP32_HARDENED) && path[2] == (3 | BIP32_HARDENED));
	CHECK_RC(bip32_account_path(path, 45, BTC_MAINNET, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(bip32_account_path(path, 44, BTC_MAINNET, BIP32_HARDENED), COFFER_ERR_INVALID_ARG);
}

static void
test_misc(void)
{
	static const uint8_t seed[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct bip32_key *m = bip32_key_new(), *t = bip32_key_new();
	uint8_t fp[4], raw[BIP32_SERIALIZED_LEN];
	char s[BIP32_XKEY_BUFSIZE];

	CHECK_RC(bip32_master_from_seed(m, seed, 15, BTC_MAINNET), COFFER_ERR_INVALID_ARG);
	CHECK_OK(bip32_master_from_seed(m, seed, 16, BTC_MAINNET));
	bip32_fingerprint(fp, m);
	CHECK_HEX(fp, 4, "3442193e");	/* BIP32 TV1 master fingerprint */
	/* Testnet serialisation and round trip. */
	m->net = BTC_TESTNET;
	CHECK_OK(bip32_xprv_encode(s, m));
	CHECK(strncmp(s, "tprv", 4) == 0);
	CHECK_OK(bip32_key_parse(t, s));
	CHECK(t->net == BTC_TESTNET && t->has_priv);
	CHECK_OK(bip32_key_check_network(t, BTC_REGTEST));
	CHECK_OK(bip32_key_check_network(t, BTC_SIGNET));
	CHECK_RC(bip32_key_check_network(t, BTC_MAINNET), COFFER_ERR_WRONG_NETWORK);
	CHECK_OK(bip32_xpub_encode(s, m));
	CHECK(strncmp(s, "tpub", 4) == 0);
	/* Binary form. */
	CHECK_OK(bip32_key_encode(raw, m, 0));
	CHECK_OK(bip32_key_decode(t, raw, sizeof(raw)));
	CHECK(!t->has_priv && memcmp(t->pub, m->pub, 33) == 0);
	CHECK_RC(bip32_key_decode(t, raw, 77), COFFER_ERR_BAD_XKEY);
	/* Depth limit. */
	m->depth = 255;
	CHECK_RC(bip32_derive_child(t, m, 0), COFFER_ERR_DEPTH);
	CHECK_RC(bip32_key_parse(t, "xpub"), COFFER_ERR_BAD_CHECKSUM);
	CHECK_RC(bip32_key_parse(t, "0"), COFFER_ERR_BAD_BASE58);
	bip32_key_free(m);
	bip32_key_free(t);
}

static const struct test_case tests[] = {
	{ "vectors_valid", test_vectors_valid },
	{ "vectors_invalid", test_vectors_invalid },
	{ "paths", test_paths },
	{ "misc", test_misc },
};

TEST_MAIN(tests)
