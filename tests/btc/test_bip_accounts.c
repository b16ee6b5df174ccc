/*
 * BIP49 / BIP84 / BIP86 account vectors: mnemonic -> seed -> root -> account
 * -> addresses, through the public API (account path helper, derivation by
 * path, the fast child-pubkey path, WIF, address builders).
 *
 * BIP49/84 print their keys with SLIP-132 versions (uprv/upub, zprv/zpub),
 * which Coffer does not accept: the test checks the version bytes and
 * rewrites them to tprv/tpub or xprv/xpub before comparing.
 */
#include "harness.h"

#include "btc/address.h"
#include "btc/base58.h"
#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/keys.h"
#include "common/secmem.h"

#define SLIP132_UPRV 0x044a4e28u
#define SLIP132_UPUB 0x044a5262u
#define SLIP132_ZPRV 0x04b2430cu
#define SLIP132_ZPUB 0x04b24746u

/* Rewrite a SLIP-132 key string's version bytes (which must be `from`) to `to`. */
static void
slip132_convert(char out[BIP32_XKEY_BUFSIZE], const char *s, uint32_t from, uint32_t to)
{
	uint8_t raw[B58_MAX_DECODED];
	size_t n;
	uint32_t v;

	out[0] = '\0';
	CHECK_OK(b58check_decode(raw, sizeof(raw), &n, s));
	CHECK(n == BIP32_SERIALIZED_LEN);
	v = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
	CHECK_MSG(v == from, "version %08x, want %08x", v, from);
	raw[0] = (uint8_t)(to >> 24);
	raw[1] = (uint8_t)(to >> 16);
	raw[2] = (uint8_t)(to >> 8);
	raw[3] = (uint8_t)to;
	CHECK_OK(b58check_encode(out, BIP32_XKEY_BUFSIZE, raw, n));
	secure_wipe(raw, sizeof(raw));
}

/* Compare k's serialisations with (possibly SLIP-132) strings. */
static void
check_xkey(const struct bip32_key *k, const char *prv, uint32_t prv_version, const char *pub,
    uint32_t pub_version)
{
	const struct btc_netparams *np = btc_network_params(k->net);
	char got[BIP32_XKEY_BUFSIZE], want[BIP32_XKEY_BUFSIZE];

	if (prv != NULL) {
		slip132_convert(want, prv, prv_version, np->xprv);
		CHECK_OK(bip32_xprv_encode(got, k));
		CHECK_STREQ(got, want);
	}
	if (pub != NULL) {
		slip132_convert(want, pub, pub_version, np->xpub);
		CHECK_OK(bip32_xpub_encode(got, k));
		CHECK_STREQ(got, want);
	}
}

/* Root key of a vector file's mnemonic (empty passphrase). */
static struct bip32_key *
root_of(json_t *v, enum btc_network net)
{
	struct bip32_key *root = bip32_key_new();
	uint8_t *seed = secmem_alloc(BIP39_SEED_LEN);

	CHECK_OK(bip39_mnemonic_check(json_string_value(json_object_get(v, "mnemonic"))));
	CHECK_OK(bip39_mnemonic_to_seed(seed, json_string_value(json_object_get(v, "mnemonic")),
	    json_string_value(json_object_get(v, "passphrase"))));
	CHECK_OK(bip32_master_from_seed(root, seed, BIP39_SEED_LEN, net));
	secmem_free(seed);
	return root;
}

/* Account key from the helper; its path must format as the vector's. */
static struct bip32_key *
account_of(const struct bip32_key *root, uint32_t purpose, enum btc_network net, const char *path)
{
	struct bip32_key *acct = bip32_key_new();
	uint32_t p[3];
	char fmt[BIP32_PATH_BUFSIZE];

	CHECK_OK(bip32_account_path(p, purpose, net, 0));
	CHECK_OK(bip32_path_format(fmt, sizeof(fmt), p, 3, '\''));
	if (path != NULL)
		CHECK_STREQ(fmt, path);
	CHECK_OK(bip32_derive_path(acct, root, p, 3));
	return acct;
}

/*
 * Derive an address entry's key: full private derivation by path, and the
 * public fast path from the account xpub; both must agree. Returns the key.
 */
static struct bip32_key *
address_key(const struct bip32_key *root, const struct bip32_key *acct, const char *path)
{
	struct bip32_key *k = bip32_key_new(), pubacct, chain;
	uint32_t p[8];
	uint8_t pub[33];
	size_t n;

	CHECK_OK(bip32_path_parse(p, 8, &n, path));
	CHECK(n == 5);
	CHECK_OK(bip32_derive_path(k, root, p, n));
	CHECK_OK(bip32_neuter(&pubacct, acct));
	CHECK_OK(bip32_derive_child(&chain, &pubacct, p[3]));
	CHECK_OK(bip32_derive_pubkey(pub, &chain, p[4]));
	CHECK(memcmp(pub, k->pub, 33) == 0);
	return k;
}

static void
test_bip49(void)
{
	json_t *v = vectors_load("bip32/bip49_test_vectors.json"), *a, *acct_j = NULL;
	struct bip32_key *root = root_of(v, BTC_TESTNET), *acct;
	size_t i;
	int n = 0;

	check_xkey(root, json_string_value(json_object_get(v, "root_uprv")), SLIP132_UPRV, NULL, 0);
	acct_j = json_object_get(v, "account");
	acct = account_of(root, 49, BTC_TESTNET, json_string_value(json_object_get(acct_j, "path")));
	check_xkey(acct, json_string_value(json_object_get(acct_j, "uprv")), SLIP132_UPRV,
	    json_string_value(json_object_get(acct_j, "upub")), SLIP132_UPUB);
	json_array_foreach(json_object_get(v, "addresses"), i, a) {
		struct bip32_key *k = address_key(root, acct, json_string_value(json_object_get(a, "path")));
		char wif[KEYS_WIF_BUFSIZE], addr[ADDR_BUFSIZE];
		uint8_t spk[ADDR_MAX_SPK];
		size_t spklen;

		CHECK_HEX(k->priv, 32, json_string_value(json_object_get(a, "privkey_hex")));
		CHECK_OK(keys_wif_encode(wif, k->priv, 1, BTC_TESTNET));
		CHECK_STREQ(wif, json_string_value(json_object_get(a, "privkey_wif")));
		secure_wipe(wif, sizeof(wif));
		CHECK_HEX(k->pub, 33, json_string_value(json_object_get(a, "pubkey_hex")));
		CHECK_OK(addr_spk_from_pubkey(spk, &spklen, ADDR_P2WPKH, k->pub));
		CHECK_HEX(spk + 2, 20, json_string_value(json_object_get(a, "keyhash")));
		CHECK_HEX(spk, spklen, json_string_value(json_object_get(a, "redeem_script")));
		CHECK_OK(addr_spk_from_pubkey(spk, &spklen, ADDR_P2SH, k->pub));
		CHECK_HEX(spk + 2, 20, json_string_value(json_object_get(a, "script_hash")));
		CHECK_OK(addr_from_pubkey(addr, ADDR_P2SH, k->pub, BTC_TESTNET));
		CHECK_STREQ(addr, json_string_value(json_object_get(a, "address")));
		bip32_key_free(k);
		n++;
	}
	vectors_count("bip32/bip49_test_vectors.json", "root + account (uprv/upub converted)", 2);
	vectors_count("bip32/bip49_test_vectors.json", "addresses", n);
	CHECK(n == 1);
	bip32_key_free(root);
	bip32_key_free(acct);
	json_decref(v);
}

static void
test_bip84(void)
{
	json_t *v = vectors_load("bip32/bip84_test_vectors.json"), *a, *acct_j;
	struct bip32_key *root = root_of(v, BTC_MAINNET), *acct;
	size_t i;
	int n = 0;

	check_xkey(root, json_string_value(json_object_get(v, "rootpriv")), SLIP132_ZPRV,
	    json_string_value(json_object_get(v, "rootpub")), SLIP132_ZPUB);
	acct_j = json_object_get(v, "account");
	acct = account_of(root, 84, BTC_MAINNET, json_string_value(json_object_get(acct_j, "path")));
	check_xkey(acct, json_string_value(json_object_get(acct_j, "xpriv")), SLIP132_ZPRV,
	    json_string_value(json_object_get(acct_j, "xpub")), SLIP132_ZPUB);
	json_array_foreach(json_object_get(v, "addresses"), i, a) {
		struct bip32_key *k = address_key(root, acct, json_string_value(json_object_get(a, "path")));
		char wif[KEYS_WIF_BUFSIZE], addr[ADDR_BUFSIZE];

		CHECK_OK(keys_wif_encode(wif, k->priv, 1, BTC_MAINNET));
		CHECK_STREQ(wif, json_string_value(json_object_get(a, "privkey_wif")));
		secure_wipe(wif, sizeof(wif));
		CHECK_HEX(k->pub, 33, json_string_value(json_object_get(a, "pubkey")));
		CHECK_OK(addr_from_pubkey(addr, ADDR_P2WPKH, k->pub, BTC_MAINNET));
		CHECK_STREQ(addr, json_string_value(json_object_get(a, "address")));
		bip32_key_free(k);
		n++;
	}
	vectors_count("bip32/bip84_test_vectors.json", "root + account (zprv/zpub converted)", 2);
	vectors_count("bip32/bip84_test_vectors.json", "addresses", n);
	CHECK(n == 3);
	bip32_key_free(root);
	bip32_key_free(acct);
	json_decref(v);
}

static void
test_bip86(void)
{
	json_t *v = vectors_load("bip32/bip86_test_vectors.json"), *a, *acct_j;
	struct bip32_key *root = root_of(v, BTC_MAINNET), *acct;
	size_t i;
	int n = 0;

	check_xkey(root, json_string_value(json_object_get(v, "rootpriv")), 0x0488ADE4u,
	    json_string_value(json_object_get(v, "rootpub")), 0x0488B21Eu);
	acct_j = json_object_get(v, "account");
	acct = account_of(root, 86, BTC_MAINNET, json_string_value(json_object_get(acct_j, "path")));
	check_xkey(acct, json_string_value(json_object_get(acct_j, "xprv")), 0x0488ADE4u,
	    json_string_value(json_object_get(acct_j, "xpub")), 0x0488B21Eu);
	json_array_foreach(json_object_get(v, "addresses"), i, a) {
		struct bip32_key *k = address_key(root, acct, json_string_value(json_object_get(a, "path")));
		char addr[ADDR_BUFSIZE];
		uint8_t spk[ADDR_MAX_SPK], q[32];
		size_t spklen;

		check_xkey(k, json_string_value(json_object_get(a, "xprv")), 0x0488ADE4u,
		    json_string_value(json_object_get(a, "xpub")), 0x0488B21Eu);
		CHECK_HEX(k->pub + 1, 32, json_string_value(json_object_get(a, "internal_key")));
		CHECK_OK(keys_taproot_output_key(q, NULL, k->pub + 1, NULL));
		CHECK_HEX(q, 32, json_string_value(json_object_get(a, "output_key")));
		CHECK_OK(addr_spk_from_pubkey(spk, &spklen, ADDR_P2TR, k->pub));
		CHECK_HEX(spk, spklen, json_string_value(json_object_get(a, "scriptPubKey")));
		CHECK_OK(addr_from_pubkey(addr, ADDR_P2TR, k->pub, BTC_MAINNET));
		CHECK_STREQ(addr, json_string_value(json_object_get(a, "address")));
		bip32_key_free(k);
		n++;
	}
	vectors_count("bip32/bip86_test_vectors.json", "root + account", 2);
	vectors_count("bip32/bip86_test_vectors.json", "addresses (xprv, xpub, internal/output key, spk)", n);
	CHECK(n == 3);
	bip32_key_free(root);
	bip32_key_free(acct);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "bip49", test_bip49 },
	{ "bip84", test_bip84 },
	{ "bip86", test_bip86 },
};

TEST_MAIN(tests)
