/* WIF private keys, public keys, taproot output keys; see keys.h. */
#include "btc/keys.h"

#include <pthread.h>
#include <string.h>

#include <secp256k1.h>

#include "btc/base58.h"
#include "btc/hash.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

int
keys_privkey_check(const uint8_t key[32])
{
	return secp256k1_ec_seckey_verify(btc_secp(), key) ? 0 : COFFER_ERR_BAD_PRIVKEY;
}

int
keys_wif_encode(char out[KEYS_WIF_BUFSIZE], const uint8_t key[32], int compressed,
    enum btc_network net)
{
	uint8_t raw[34];
	int ret;

	out[0] = '\0';
	if ((ret = keys_privkey_check(key)) != 0)
		return ret;
	raw[0] = btc_network_params(net)->wif;
	memcpy(raw + 1, key, 32);
	raw[33] = 0x01;
	ret = b58check_encode(out, KEYS_WIF_BUFSIZE, raw, compressed ? 34 : 33);
	secure_wipe(raw, sizeof(raw));
	return ret;
}

/* Whether some network uses prefix as its WIF prefix. */
static int
wif_prefix_known(uint8_t prefix)
{
	int n;

	for (n = 0; n < BTC_NETWORK_COUNT; n++)
		if (btc_network_params((enum btc_network)n)->wif == prefix)
			return 1;
	return 0;
}

int
keys_wif_decode(uint8_t key[32], int *compressed, const char *wif, enum btc_network net)
{
	uint8_t raw[40];
	size_t n = 0;
	int ret, comp = 0;

	memset(key, 0, 32);
	if (compressed != NULL)
		*compressed = 0;
	if ((ret = b58check_decode(raw, sizeof(raw), &n, wif)) != 0) {
		if (ret == COFFER_ERR_TOO_LARGE)
			ret = COFFER_ERR_BAD_WIF;
		goto out;
	}
	ret = COFFER_ERR_BAD_WIF;
	if (n == 34 && raw[33] == 0x01)
		comp = 1;
	else if (n != 33)
		goto out;
	if (raw[0] != btc_network_params(net)->wif) {
		ret = wif_prefix_known(raw[0]) ? COFFER_ERR_WRONG_NETWORK : COFFER_ERR_BAD_WIF;
		goto out;
	}
	if ((ret = keys_privkey_check(raw + 1)) != 0)
		goto out;
	memcpy(key, raw + 1, 32);
	if (compressed != NULL)
		*compressed = comp;
 out:
	secure_wipe(raw, sizeof(raw));
	return ret;
}

int
keys_pubkey_from_privkey(uint8_t pub[33], const uint8_t key[32])
{
	secp256k1_pubkey pk;
	size_t len = 33;

	memset(pub, 0, 33);
	if (!secp256k1_ec_pubkey_create(btc_secp(), &pk, key))
		return COFFER_ERR_BAD_PRIVKEY;
	secp256k1_ec_pubkey_serialize(btc_secp(), pub, &len, &pk, SECP256K1_EC_COMPRESSED);
	return 0;
}

int
keys_pubkey_parse(uint8_t pub33[33], const uint8_t *p, size_t n)
{
	secp256k1_pubkey pk;
	size_t len = 33;

	if (pub33 != NULL)
		memset(pub33, 0, 33);
	if ((n != 33 && n != 65) || (n == 33 && p[0] != 0x02 && p[0] != 0x03) ||
	    (n == 65 && p[0] != 0x04))
		return COFFER_ERR_BAD_PUBKEY;	/* no hybrid 0x06/0x07 keys */
	if (!secp256k1_ec_pubkey_parse(btc_secp(), &pk, p, n))
		return COFFER_ERR_BAD_PUBKEY;
	if (pub33 != NULL)
		secp256k1_ec_pubkey_serialize(btc_secp(), pub33, &len, &pk, SECP256K1_EC_COMPRESSED);
	return 0;
}

int
keys_pubkey_uncompress(uint8_t pub65[65], const uint8_t *p, size_t n)
{
	secp256k1_pubkey pk;
	size_t len = 65;
	int ret;

	memset(pub65, 0, 65);
	if ((ret = keys_pubkey_parse(NULL, p, n)) != 0)
		return ret;
	if (!secp256k1_ec_pubkey_parse(btc_secp(), &pk, p, n))
		return COFFER_ERR_BAD_PUBKEY;
	secp256k1_ec_pubkey_serialize(btc_secp(), pub65, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
	return 0;
}

/* SHA256("TapTweak"), computed once: saves two hashes per output key. */
static uint8_t taptweak_tag[32];
static pthread_once_t taptweak_once = PTHREAD_ONCE_INIT;

static void
taptweak_init(void)
{
	sha256(taptweak_tag, (const uint8_t *)"TapTweak", 8);
}

int
keys_taproot_output_key(uint8_t out[32], int *parity, const uint8_t internal[32],
    const uint8_t *merkle_root)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_pubkey q;
	uint8_t buf[32 + 32 + 64], tweak[32], ser[33];
	size_t len = sizeof(ser);
	int ret;

	memset(out, 0, 32);
	if (parity != NULL)
		*parity = 0;
	/* P = lift_x(internal): the even-y point with that x coordinate. */
	ser[0] = 0x02;
	memcpy(ser + 1, internal, 32);
	if (!secp256k1_ec_pubkey_parse(ctx, &q, ser, 33))
		return COFFER_ERR_BAD_PUBKEY;
	/* t = hash_TapTweak(P || merkle_root) */
	pthread_once(&taptweak_once, taptweak_init);
	memcpy(buf, taptweak_tag, 32);
	memcpy(buf + 32, taptweak_tag, 32);
	memcpy(buf + 64, internal, 32);
	if (merkle_root != NULL)
		memcpy(buf + 96, merkle_root, 32);
	sha256(tweak, buf, merkle_root != NULL ? 128 : 96);
	/* Q = P + t*G; the tweak is public (anyone with P computes it). */
	if ((ret = keys_pubkey_tweak_add(&q, tweak)) != 0)
		return ret;
	secp256k1_ec_pubkey_serialize(ctx, ser, &len, &q, SECP256K1_EC_COMPRESSED);
	memcpy(out, ser + 1, 32);
	if (parity != NULL)
		*parity = ser[0] == 0x03;
	return 0;
}

int
keys_pubkey_tweak_add(secp256k1_pubkey *pk, const uint8_t tweak[32])
{
	secp256k1_pubkey q = *pk;

	if (!secp256k1_ec_pubkey_tweak_add(btc_secp(), &q, tweak))
		return COFFER_ERR_DERIVATION;
	*pk = q;
	return 0;
}
