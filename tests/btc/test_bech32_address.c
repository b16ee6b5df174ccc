/* Bech32/bech32m strings, segwit addresses, Core's key_io vectors (addresses and WIF). */
#include "harness.h"

#include <ctype.h>

#include "btc/address.h"
#include "btc/bech32.h"
#include "btc/keys.h"
#include "btc/secp.h"
#include "common/secmem.h"

/* The string of a vector case: exact bytes from string_bytes_hex when present. */
static void
case_string(char *out, size_t outsize, json_t *c, const char *field)
{
	json_t *hx = json_object_get(c, "string_bytes_hex");

	if (hx != NULL) {
		size_t n;
		uint8_t *raw = test_unhex(json_string_value(hx), &n);

		CHECK(n < outsize);
		memcpy(out, raw, n);
		out[n] = '\0';
		free(raw);
	} else {
		snprintf(out, outsize, "%s", json_string_value(json_object_get(c, field)));
	}
}

static int
bech32_reason_code(const char *reason)
{
	if (strstr(reason, "uppercase form of HRP") != NULL)
		return COFFER_ERR_BAD_CHECKSUM;
	return COFFER_ERR_BAD_BECH32;	/* characters, length, separator, HRP, short checksum */
}

static void
run_strings(const char *file, const char *validkey, const char *invalidkey, enum bech32_encoding want)
{
	json_t *v = vectors_load(file), *c;
	size_t i;
	int nv = 0, ni = 0;

	json_array_foreach(json_object_get(v, validkey), i, c) {
		char s[256], hrp[BECH32_MAX_HRP + 1], re[BECH32_MAX_LEN + 1], lower[256];
		uint8_t data[BECH32_MAX_DATA];
		enum bech32_encoding enc;
		size_t n, k;

		case_string(s, sizeof(s), c, "string");
		CHECK_OK(bech32_decode(hrp, sizeof(hrp), data, sizeof(data), &n, &enc, s));
		CHECK(enc == want);
		/* Re-encode: equals the lower-case input. */
		CHECK_OK(bech32_encode(re, sizeof(re), hrp, data, n, enc));
		for (k = 0; s[k] != '\0'; k++)
			lower[k] = (char)tolower((unsigned char)s[k]);
		lower[k] = '\0';
		CHECK_STREQ(re, lower);
		/* BIP350: a valid string of one kind is invalid as the other. */
		CHECK_RC(bech32_encode(re, sizeof(re), hrp, data, n,
		    want == BECH32_ENC_BECH32 ? BECH32_ENC_BECH32M : BECH32_ENC_BECH32), 0);
		CHECK(strcmp(re, lower) != 0);
		/* Flipping one data character breaks the checksum. */
		k = strlen(lower) - 1;
		lower[k] = lower[k] == 'q' ? 'p' : 'q';
		CHECK_RC(bech32_decode(hrp, sizeof(hrp), data, sizeof(data), &n, &enc, lower),
		    COFFER_ERR_BAD_CHECKSUM);
		nv++;
	}
	json_array_foreach(json_object_get(v, invalidkey), i, c) {
		char s[256], hrp[BECH32_MAX_HRP + 1];
		uint8_t data[BECH32_MAX_DATA];
		enum bech32_encoding enc;
		size_t n;
		const char *reason = json_string_value(json_object_get(c, "reason"));

		case_string(s, sizeof(s), c, "string");
		CHECK_RC(bech32_decode(hrp, sizeof(hrp), data, sizeof(data), &n, &enc, s),
		    bech32_reason_code(reason));
		CHECK(n == 0 && enc == BECH32_ENC_NONE && hrp[0] == '\0');
		ni++;
	}
	vectors_count(file, "valid strings", nv);
	vectors_count(file, "invalid strings (with reason)", ni);
	json_decref(v);
}

static void
test_bech32_strings(void)
{
	run_strings("addresses/bip173_bech32_test_vectors.json", "valid_bech32", "invalid_bech32",
	    BECH32_ENC_BECH32);
	run_strings("addresses/bip350_bech32m_test_vectors.json", "valid_bech32m", "invalid_bech32m",
	    BECH32_ENC_BECH32M);
}

/* Network a segwit test address is for, from its HRP. */
static enum btc_network
net_of(const char *addr)
{
	return (addr[0] == 't' || addr[0] == 'T') ? BTC_TESTNET : BTC_MAINNET;
}

static int
segwit_reason_code(const char *reason)
{
	static const struct {
		const char *prefix;
		int code;
	} map[] = {
		{ "Invalid human-readable part", COFFER_ERR_BAD_ADDRESS },
		{ "Invalid checksum", COFFER_ERR_BAD_CHECKSUM },	/* incl. wrong bech32 kind */
		{ "Invalid witness version", COFFER_ERR_BAD_WITNESS_VERSION },
		{ "Invalid program length", COFFER_ERR_BAD_WITNESS_VERSION },
		{ "Mixed case", COFFER_ERR_MIXED_CASE },
		{ "zero padding of more than 4 bits", COFFER_ERR_BAD_WITNESS_VERSION },
		{ "Non-zero padding", COFFER_ERR_BAD_WITNESS_VERSION },
		{ "Empty data section", COFFER_ERR_BAD_WITNESS_VERSION },
		{ "Invalid character in checksum", COFFER_ERR_BAD_BECH32 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(reason, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].code;
	return 1;
}

static void
run_segwit(const char *file)
{
	json_t *v = vectors_load(file), *c;
	size_t i;
	int nv = 0, ns = 0, ni = 0;

	json_array_foreach(json_object_get(v, "valid_segwit_addresses"), i, c) {
		const char *addr = json_string_value(json_object_get(c, "address"));
		const char *spkhex = json_string_value(json_object_get(c, "scriptPubKey"));
		uint8_t spk[ADDR_MAX_SPK];
		char out[ADDR_BUFSIZE], lower[ADDR_BUFSIZE];
		enum addr_type t;
		size_t n, k;

		if (json_is_true(json_object_get(c, "superseded_by_bip350"))) {
			/* v1+ with a bech32 checksum: invalid since BIP350. */
			CHECK_RC(addr_decode(spk, &n, &t, addr, net_of(addr)), COFFER_ERR_BAD_CHECKSUM);
			ns++;
			continue;
		}
		CHECK_OK(addr_decode(spk, &n, &t, addr, net_of(addr)));
		CHECK_HEX(spk, n, spkhex);
		CHECK(t == addr_classify(spk, n) && t != ADDR_UNKNOWN);
		CHECK_OK(addr_encode(out, spk, n, net_of(addr)));
		for (k = 0; addr[k] != '\0'; k++)
			lower[k] = (char)tolower((unsigned char)addr[k]);
		lower[k] = '\0';
		CHECK_STREQ(out, lower);
		/* Same address on the other network family is a wrong-network error. */
		CHECK_RC(addr_decode(spk, &n, &t, addr,
		    net_of(addr) == BTC_MAINNET ? BTC_SIGNET : BTC_MAINNET), COFFER_ERR_WRONG_NETWORK);
		CHECK_RC(addr_decode(spk, &n, &t, addr, BTC_REGTEST), COFFER_ERR_WRONG_NETWORK);
		nv++;
	}
	json_array_foreach(json_object_get(v, "invalid_segwit_addresses"), i, c) {
		const char *addr = json_string_value(json_object_get(c, "address"));
		const char *reason = json_string_value(json_object_get(c, "reason"));
		int want = segwit_reason_code(reason);
		uint8_t spk[ADDR_MAX_SPK];
		enum addr_type t;
		size_t n;

		CHECK_MSG(want != 1, "unmapped reason '%s'", reason);
		CHECK_RC(addr_decode(spk, &n, &t, addr, net_of(addr)), want);
		CHECK(n == 0 && t == ADDR_UNKNOWN);
		ni++;
	}
	vectors_count(file, "valid segwit addresses", nv);
	if (ns > 0)
		vectors_count(file, "v1+ bech32 addresses, now invalid (superseded by BIP350)", ns);
	vectors_count(file, "invalid segwit addresses (with reason)", ni);
	json_decref(v);
}

static void
test_segwit_addresses(void)
{
	run_segwit("addresses/bip173_bech32_test_vectors.json");
	run_segwit("addresses/bip350_bech32m_test_vectors.json");
}

static enum btc_network
chain_net(const char *chain)
{
	if (strcmp(chain, "main") == 0)
		return BTC_MAINNET;
	if (strcmp(chain, "test") == 0)
		return BTC_TESTNET;
	if (strcmp(chain, "signet") == 0)
		return BTC_SIGNET;
	if (strcmp(chain, "regtest") == 0)
		return BTC_REGTEST;
	fprintf(stderr, "unknown chain %s\n", chain);
	exit(1);
}

/* Whether an address of type t made for network a also decodes on network b. */
static int
addr_shared(enum addr_type t, enum btc_network a, enum btc_network b)
{
	const struct btc_netparams *pa = btc_network_params(a), *pb = btc_network_params(b);

	if (t == ADDR_P2PKH || t == ADDR_P2SH)
		return pa->p2pkh == pb->p2pkh && pa->p2sh == pb->p2sh;
	return strcmp(pa->hrp, pb->hrp) == 0;
}

static void
test_core_key_io_valid(void)
{
	json_t *v = vectors_load("addresses/core_key_io_valid.json"), *row;
	size_t i;
	int naddr = 0, nkey = 0, nflip = 0;

	json_array_foreach(v, i, row) {
		const char *s = json_string_value(json_array_get(row, 0));
		const char *hex = json_string_value(json_array_get(row, 1));
		json_t *meta = json_array_get(row, 2);
		enum btc_network net = chain_net(json_string_value(json_object_get(meta, "chain")));
		uint8_t spk[ADDR_MAX_SPK], *key = secmem_alloc(32);
		char out[ADDR_BUFSIZE];
		enum addr_type t;
		size_t n;
		int comp, o;

		if (json_is_true(json_object_get(meta, "isPrivkey"))) {
			char wif[KEYS_WIF_BUFSIZE];
			int want_comp = json_is_true(json_object_get(meta, "isCompressed"));

			CHECK_OK(keys_wif_decode(key, &comp, s, net));
			CHECK_HEX(key, 32, hex);
			CHECK(comp == want_comp);
			CHECK_OK(keys_wif_encode(wif, key, comp, net));
			CHECK_STREQ(wif, s);
			secure_wipe(wif, sizeof(wif));
			/* Not an address; and WIF of another network family is refused as such. */
			CHECK(addr_decode(spk, &n, &t, s, net) != 0);
			for (o = 0; o < BTC_NETWORK_COUNT; o++)
				CHECK_RC(keys_wif_decode(key, &comp, s, (enum btc_network)o),
				    btc_network_params((enum btc_network)o)->wif == btc_network_params(net)->wif ?
				    0 : COFFER_ERR_WRONG_NETWORK);
			nkey++;
		} else {
			CHECK_OK(addr_decode(spk, &n, &t, s, net));
			CHECK_HEX(spk, n, hex);
			CHECK_OK(addr_encode(out, spk, n, net));
			CHECK_STREQ(out, s);
			CHECK(keys_wif_decode(key, &comp, s, net) != 0);
			for (o = 0; o < BTC_NETWORK_COUNT; o++) {
				uint8_t spk2[ADDR_MAX_SPK];
				size_t n2;

				CHECK_RC(addr_decode(spk2, &n2, NULL, s, (enum btc_network)o),
				    addr_shared(t, net, (enum btc_network)o) ? 0 : COFFER_ERR_WRONG_NETWORK);
			}
			if (json_is_true(json_object_get(meta, "tryCaseFlip"))) {
				char flip[ADDR_BUFSIZE];
				size_t k;

				for (k = 0; s[k] != '\0'; k++)
					flip[k] = (char)(islower((unsigned char)s[k]) ?
					    toupper((unsigned char)s[k]) : tolower((unsigned char)s[k]));
				flip[k] = '\0';
				CHECK_OK(addr_decode(spk, &n, &t, flip, net));
				CHECK_HEX(spk, n, hex);
				nflip++;
			}
			naddr++;
		}
		secmem_free(key);
	}
	vectors_count("addresses/core_key_io_valid.json", "addresses", naddr);
	vectors_count("addresses/core_key_io_valid.json", "of them case-flipped", nflip);
	vectors_count("addresses/core_key_io_valid.json", "WIF private keys", nkey);
	CHECK(naddr + nkey == 70);
	json_decref(v);
}

static void
test_core_key_io_invalid(void)
{
	json_t *v = vectors_load("addresses/core_key_io_invalid.json"), *row;
	size_t i;
	int n = 0, o;

	json_array_foreach(v, i, row) {
		const char *s = json_string_value(json_array_get(row, 0));

		for (o = 0; o < BTC_NETWORK_COUNT; o++) {
			uint8_t spk[ADDR_MAX_SPK], key[32];
			size_t len;
			int comp;

			CHECK_MSG(addr_decode(spk, &len, NULL, s, (enum btc_network)o) != 0, "%s", s);
			CHECK(len == 0);
			CHECK_MSG(keys_wif_decode(key, &comp, s, (enum btc_network)o) != 0, "%s", s);
		}
		n++;
	}
	vectors_count("addresses/core_key_io_invalid.json", "invalid strings (x5 networks)", n);
	CHECK(n == 70);
	json_decref(v);
}

static void
test_encode_edges(void)
{
	static const uint8_t pub[33] = {
		0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87,
		0x0b, 0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16,
		0xf8, 0x17, 0x98 };	/* G */
	uint8_t spk[ADDR_MAX_SPK];
	char out[ADDR_BUFSIZE];
	size_t n;

	/* No address form. */
	CHECK_RC(addr_encode(out, (const uint8_t *)"\x6a\x01\x00", 3, BTC_MAINNET), COFFER_ERR_BAD_ADDRESS);
	CHECK(out[0] == '\0');
	CHECK_RC(addr_encode(out, (const uint8_t *)"\x00\x03\x01\x02\x03", 5, BTC_MAINNET),
	    COFFER_ERR_BAD_ADDRESS);	/* v0 with a 3-byte program */
	CHECK(addr_classify(NULL, 0) == ADDR_UNKNOWN);
	/* Single-key address builders (keys of the generator point). */
	CHECK_OK(addr_from_pubkey(out, ADDR_P2WPKH, pub, BTC_MAINNET));
	CHECK_STREQ(out, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
	CHECK_OK(addr_from_pubkey(out, ADDR_P2PKH, pub, BTC_MAINNET));
	CHECK_STREQ(out, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
	CHECK_OK(addr_from_pubkey(out, ADDR_P2WPKH, pub, BTC_REGTEST));
	CHECK(strncmp(out, "bcrt1q", 6) == 0);
	CHECK_RC(addr_spk_from_pubkey(spk, &n, ADDR_P2WSH, pub), COFFER_ERR_INVALID_ARG);
	/* Over-long and empty input. */
	CHECK_RC(addr_decode(spk, &n, NULL, "", BTC_MAINNET), COFFER_ERR_BAD_ADDRESS);
	memset(out, 'q', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	CHECK_RC(addr_decode(spk, &n, NULL, out, BTC_MAINNET), COFFER_ERR_BAD_ADDRESS);
	{
		char big[200];

		memset(big, 'q', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_RC(addr_decode(spk, &n, NULL, big, BTC_MAINNET), COFFER_ERR_BAD_ADDRESS);
		memcpy(big, "bc1", 3);
		CHECK_RC(addr_decode(spk, &n, NULL, big, BTC_MAINNET), COFFER_ERR_BAD_ADDRESS);
	}
	/* Segwit encoder limits. */
	CHECK_RC(bech32_segwit_encode(out, sizeof(out), "bc", 17, pub, 20), COFFER_ERR_BAD_WITNESS_VERSION);
	CHECK_RC(bech32_segwit_encode(out, sizeof(out), "bc", 1, pub, 1), COFFER_ERR_BAD_WITNESS_VERSION);
	CHECK_RC(bech32_segwit_encode(out, sizeof(out), "bc", 0, pub, 21), COFFER_ERR_BAD_WITNESS_VERSION);
	CHECK_RC(bech32_segwit_encode(out, sizeof(out), "BC", 0, pub, 20), COFFER_ERR_INVALID_ARG);
	CHECK_RC(bech32_segwit_encode(out, 20, "bc", 0, pub, 20), COFFER_ERR_TOO_LARGE);
}

static void
test_keys(void)
{
	static const uint8_t one[32] = { [31] = 1 };
	static const uint8_t n_order[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41 };
	uint8_t zero[32] = { 0 }, pub[33], pub65[65], back[33];
	char wif[KEYS_WIF_BUFSIZE];

	CHECK_RC(keys_privkey_check(zero), COFFER_ERR_BAD_PRIVKEY);
	CHECK_RC(keys_privkey_check(n_order), COFFER_ERR_BAD_PRIVKEY);
	CHECK_OK(keys_privkey_check(one));
	CHECK_RC(keys_wif_encode(wif, zero, 1, BTC_MAINNET), COFFER_ERR_BAD_PRIVKEY);
	CHECK_OK(keys_wif_encode(wif, one, 1, BTC_MAINNET));
	CHECK_STREQ(wif, "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn");
	CHECK_OK(keys_pubkey_from_privkey(pub, one));
	CHECK_HEX(pub, 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
	CHECK_RC(keys_pubkey_from_privkey(pub, zero), COFFER_ERR_BAD_PRIVKEY);
	CHECK_OK(keys_pubkey_from_privkey(pub, one));
	CHECK_OK(keys_pubkey_uncompress(pub65, pub, 33));
	CHECK(pub65[0] == 0x04);
	CHECK_OK(keys_pubkey_parse(back, pub65, 65));
	CHECK(memcmp(back, pub, 33) == 0);
	pub65[0] = 0x06;	/* hybrid encoding */
	CHECK_RC(keys_pubkey_parse(back, pub65, 65), COFFER_ERR_BAD_PUBKEY);
	CHECK_RC(keys_pubkey_parse(back, pub, 32), COFFER_ERR_BAD_PUBKEY);
	memset(back, 0, 33);
	back[0] = 0x02;
	back[32] = 0x07;	/* x = 7 is not on the curve */
	CHECK_RC(keys_pubkey_parse(NULL, back, 33), COFFER_ERR_BAD_PUBKEY);
}

/* The fast variable-time tweak equals libsecp256k1's tweak_add, edge cases included. */
static void
test_tweak_var(void)
{
	static const uint8_t n_minus_1[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x40 };
	const secp256k1_context *ctx = btc_secp();
	uint8_t k[32], t[32], a[33], b[33];
	secp256k1_pubkey p, q1, q2;
	size_t la, lb;
	int i, same = 0;

	for (i = 0; i < 300; i++) {
		secure_random(k, 32);
		secure_random(t, 32);
		if (i % 5 == 1)
			memset(t, 0, 20);	/* many zero bytes */
		if (i % 5 == 2)
			memset(t + 10, 0xff, 22);
		if (i % 7 == 3)
			memcpy(t, n_minus_1, 32);
		if (!secp256k1_ec_seckey_verify(ctx, k) || !secp256k1_ec_pubkey_create(ctx, &p, k))
			continue;
		q1 = q2 = p;
		if (!secp256k1_ec_pubkey_tweak_add(ctx, &q1, t)) {
			CHECK_RC(keys_pubkey_tweak_add(&q2, t), COFFER_ERR_DERIVATION);
			continue;
		}
		CHECK_OK(keys_pubkey_tweak_add(&q2, t));
		la = lb = 33;
		secp256k1_ec_pubkey_serialize(ctx, a, &la, &q1, SECP256K1_EC_COMPRESSED);
		secp256k1_ec_pubkey_serialize(ctx, b, &lb, &q2, SECP256K1_EC_COMPRESSED);
		CHECK(memcmp(a, b, 33) == 0);
		same++;
	}
	CHECK(same > 250);
	/* Zero tweak: unchanged. Tweak n or more: refused. Tweak -k: infinity. */
	memset(k, 0, 32);
	k[31] = 7;
	CHECK(secp256k1_ec_pubkey_create(ctx, &p, k));
	q2 = p;
	memset(t, 0, 32);
	CHECK_OK(keys_pubkey_tweak_add(&q2, t));
	CHECK(memcmp(&q2, &p, sizeof(p)) == 0);
	memcpy(t, n_minus_1, 32);
	t[31] = 0x41;	/* n */
	CHECK_RC(keys_pubkey_tweak_add(&q2, t), COFFER_ERR_DERIVATION);
	memset(t, 0xff, 32);
	CHECK_RC(keys_pubkey_tweak_add(&q2, t), COFFER_ERR_DERIVATION);
	memcpy(t, n_minus_1, 32);
	t[31] = 0x41 - 7;	/* n - 7 = -7 */
	CHECK_RC(keys_pubkey_tweak_add(&q2, t), COFFER_ERR_DERIVATION);
	CHECK(memcmp(&q2, &p, sizeof(p)) == 0);	/* unchanged on failure */
}

/* keys_taproot_output_key against BIP341's scriptPubKey vectors (with and without a script tree). */
static void
test_taproot_output_key(void)
{
	json_t *v = vectors_load("sighash/bip341_wallet_test_vectors.json"), *c;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(v, "scriptPubKey"), i, c) {
		json_t *given = json_object_get(c, "given"), *inter = json_object_get(c, "intermediary");
		const char *ik = json_string_value(json_object_get(given, "internalPubkey"));
		json_t *mr = json_object_get(inter, "merkleRoot");
		const char *want = json_string_value(json_object_get(inter, "tweakedPubkey"));
		uint8_t internal[32], root[32], out[32];
		int parity;

		CHECK_OK(hex_decode_exact(internal, 32, ik));
		if (json_is_string(mr))
			CHECK_OK(hex_decode_exact(root, 32, json_string_value(mr)));
		CHECK_OK(keys_taproot_output_key(out, &parity, internal, json_is_string(mr) ? root : NULL));
		CHECK_HEX(out, 32, want);
		n++;
	}
	vectors_count("sighash/bip341_wallet_test_vectors.json", "scriptPubKey output keys (tweak only)", n);
	CHECK(n == 7);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "bech32_strings", test_bech32_strings },
	{ "segwit_addresses", test_segwit_addresses },
	{ "core_key_io_valid", test_core_key_io_valid },
	{ "core_key_io_invalid", test_core_key_io_invalid },
	{ "encode_edges", test_encode_edges },
	{ "keys", test_keys },
	{ "tweak_var", test_tweak_var },
	{ "taproot_output_key", test_taproot_output_key },
};

TEST_MAIN(tests)
