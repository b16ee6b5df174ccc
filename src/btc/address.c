/* Addresses <-> scriptPubKeys; see address.h. */
#include "btc/address.h"

#include <string.h>
#include <strings.h>

#include "btc/base58.h"
#include "btc/bech32.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "common/err.h"

#define OP_0		0x00
#define OP_1		0x51
#define OP_16		0x60
#define OP_DUP		0x76
#define OP_EQUAL	0x87
#define OP_EQUALVERIFY	0x88
#define OP_HASH160	0xa9
#define OP_CHECKSIG	0xac

/* Witness version of a segwit scriptPubKey, or -1 (program in *prog, *proglen). */
static int
spk_witness(const uint8_t *spk, size_t spklen, const uint8_t **prog, size_t *proglen)
{
	if (spklen < 4 || spklen > 42)
		return -1;
	if (spk[0] != OP_0 && (spk[0] < OP_1 || spk[0] > OP_16))
		return -1;
	if ((size_t)spk[1] + 2 != spklen)
		return -1;
	*prog = spk + 2;
	*proglen = spk[1];
	return spk[0] == OP_0 ? 0 : spk[0] - OP_1 + 1;
}

enum addr_type
addr_classify(const uint8_t *spk, size_t spklen)
{
	const uint8_t *prog;
	size_t proglen;
	int v;

	if (spklen == 25 && spk[0] == OP_DUP && spk[1] == OP_HASH160 && spk[2] == 20 &&
	    spk[23] == OP_EQUALVERIFY && spk[24] == OP_CHECKSIG)
		return ADDR_P2PKH;
	if (spklen == 23 && spk[0] == OP_HASH160 && spk[1] == 20 && spk[22] == OP_EQUAL)
		return ADDR_P2SH;
	if ((v = spk_witness(spk, spklen, &prog, &proglen)) < 0)
		return ADDR_UNKNOWN;
	if (v == 0)
		return proglen == 20 ? ADDR_P2WPKH : proglen == 32 ? ADDR_P2WSH : ADDR_UNKNOWN;
	if (v == 1 && proglen == 32)
		return ADDR_P2TR;
	return ADDR_WITNESS_UNKNOWN;
}

static void
spk_p2pkh(uint8_t spk[ADDR_MAX_SPK], const uint8_t h[20])
{
	spk[0] = OP_DUP;
	spk[1] = OP_HASH160;
	spk[2] = 20;
	memcpy(spk + 3, h, 20);
	spk[23] = OP_EQUALVERIFY;
	spk[24] = OP_CHECKSIG;
}

static void
spk_p2sh(uint8_t spk[ADDR_MAX_SPK], const uint8_t h[20])
{
	spk[0] = OP_HASH160;
	spk[1] = 20;
	memcpy(spk + 2, h, 20);
	spk[22] = OP_EQUAL;
}

/* Decode a base58 address; COFFER_ERR_BAD_ADDRESS when it is not base58check of 21 bytes. */
static int
decode_base58(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, enum addr_type *type, const char *addr,
    enum btc_network net)
{
	const struct btc_netparams *np = btc_network_params(net);
	uint8_t raw[B58_MAX_DECODED];
	size_t n;
	int ret, i;

	/* 25 bytes are at most 35 characters: longer is no base58 address. */
	if (strnlen(addr, 36) > 35)
		return COFFER_ERR_BAD_ADDRESS;
	if ((ret = b58check_decode(raw, sizeof(raw), &n, addr)) != 0)
		return ret == COFFER_ERR_TOO_LARGE ? COFFER_ERR_BAD_ADDRESS : ret;
	if (n != 21)
		return COFFER_ERR_BAD_ADDRESS;
	if (raw[0] == np->p2pkh) {
		spk_p2pkh(spk, raw + 1);
		*spklen = 25;
		*type = ADDR_P2PKH;
		return 0;
	}
	if (raw[0] == np->p2sh) {
		spk_p2sh(spk, raw + 1);
		*spklen = 23;
		*type = ADDR_P2SH;
		return 0;
	}
	for (i = 0; i < BTC_NETWORK_COUNT; i++) {
		const struct btc_netparams *o = btc_network_params((enum btc_network)i);

		if (raw[0] == o->p2pkh || raw[0] == o->p2sh)
			return COFFER_ERR_WRONG_NETWORK;
	}
	return COFFER_ERR_BAD_ADDRESS;
}

/* Whether hrp[hrplen] is some network's HRP, ignoring case. */
static int
hrp_known(const char *hrp, size_t hrplen)
{
	int i;

	for (i = 0; i < BTC_NETWORK_COUNT; i++) {
		const char *h = btc_network_params((enum btc_network)i)->hrp;

		if (strlen(h) == hrplen && strncasecmp(hrp, h, hrplen) == 0)
			return 1;
	}
	return 0;
}

/* Whether the text before the last '1' of s[len] is a known HRP: s is meant as bech32. */
static int
meant_bech32(const char *s, size_t len)
{
	size_t i;

	for (i = len; i > 0; i--)
		if (s[i - 1] == '1')
			return hrp_known(s, i - 1);
	return 0;
}

int
addr_decode(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, enum addr_type *type, const char *addr,
    enum btc_network net)
{
	enum addr_type t = ADDR_UNKNOWN;
	char hrp[BECH32_MAX_HRP + 1];
	uint8_t prog[BECH32_MAX_PROGRAM];
	size_t proglen, len;
	unsigned witver;
	int ret;

	memset(spk, 0, ADDR_MAX_SPK);
	*spklen = 0;
	if (type != NULL)
		*type = ADDR_UNKNOWN;
	len = strnlen(addr, ADDR_BUFSIZE);
	if (len == 0 || len >= ADDR_BUFSIZE)
		return COFFER_ERR_BAD_ADDRESS;

	/*
	 * A string with a valid bech32 checksum, or whose prefix is a known
	 * HRP, is judged as bech32; anything else as base58. A bech32 string
	 * with a valid checksum cannot also be base58check (P ~ 2^-62).
	 */
	ret = bech32_segwit_decode(hrp, sizeof(hrp), &witver, prog, &proglen, addr);
	if (ret == 0) {
		if (strcmp(hrp, btc_network_params(net)->hrp) != 0) {
			ret = hrp_known(hrp, strlen(hrp)) ? COFFER_ERR_WRONG_NETWORK :
			    COFFER_ERR_BAD_ADDRESS;
			goto out;
		}
		spk[0] = witver == 0 ? OP_0 : (uint8_t)(OP_1 + witver - 1);
		spk[1] = (uint8_t)proglen;
		memcpy(spk + 2, prog, proglen);
		*spklen = proglen + 2;
		t = addr_classify(spk, *spklen);
		goto out;
	}
	if (ret == COFFER_ERR_BAD_WITNESS_VERSION || meant_bech32(addr, len)) {
		if (ret == COFFER_ERR_TOO_LARGE)
			ret = COFFER_ERR_BAD_BECH32;
		goto out;
	}
	ret = decode_base58(spk, spklen, &t, addr, net);
 out:
	if (ret != 0) {
		memset(spk, 0, ADDR_MAX_SPK);
		*spklen = 0;
		t = ADDR_UNKNOWN;
	}
	if (type != NULL)
		*type = t;
	return ret;
}

int
addr_encode(char out[ADDR_BUFSIZE], const uint8_t *spk, size_t spklen, enum btc_network net)
{
	const struct btc_netparams *np = btc_network_params(net);
	const uint8_t *prog = NULL;
	uint8_t raw[21];
	size_t proglen = 0;
	int v;

	out[0] = '\0';
	switch (addr_classify(spk, spklen)) {
	case ADDR_P2PKH:
		raw[0] = np->p2pkh;
		memcpy(raw + 1, spk + 3, 20);
		return b58check_encode(out, ADDR_BUFSIZE, raw, sizeof(raw));
	case ADDR_P2SH:
		raw[0] = np->p2sh;
		memcpy(raw + 1, spk + 2, 20);
		return b58check_encode(out, ADDR_BUFSIZE, raw, sizeof(raw));
	case ADDR_P2WPKH:
	case ADDR_P2WSH:
	case ADDR_P2TR:
	case ADDR_WITNESS_UNKNOWN:
		v = spk_witness(spk, spklen, &prog, &proglen);
		return bech32_segwit_encode(out, ADDR_BUFSIZE, np->hrp, (unsigned)v, prog, proglen);
	case ADDR_UNKNOWN:
	default:
		return COFFER_ERR_BAD_ADDRESS;
	}
}

int
addr_spk_from_pubkey(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, enum addr_type type,
    const uint8_t pub33[33])
{
	uint8_t h[20], redeem[22];
	int ret;

	memset(spk, 0, ADDR_MAX_SPK);
	*spklen = 0;
	switch (type) {
	case ADDR_P2PKH:
		hash160(h, pub33, 33);
		spk_p2pkh(spk, h);
		*spklen = 25;
		return 0;
	case ADDR_P2SH:	/* P2SH-P2WPKH */
		redeem[0] = OP_0;
		redeem[1] = 20;
		hash160(redeem + 2, pub33, 33);
		hash160(h, redeem, sizeof(redeem));
		spk_p2sh(spk, h);
		*spklen = 23;
		return 0;
	case ADDR_P2WPKH:
		spk[0] = OP_0;
		spk[1] = 20;
		hash160(spk + 2, pub33, 33);
		*spklen = 22;
		return 0;
	case ADDR_P2TR:
		if (pub33[0] != 0x02 && pub33[0] != 0x03)
			return COFFER_ERR_BAD_PUBKEY;
		if ((ret = keys_taproot_output_key(spk + 2, NULL, pub33 + 1, NULL)) != 0)
			return ret;
		spk[0] = OP_1;
		spk[1] = 32;
		*spklen = 34;
		return 0;
	case ADDR_P2WSH:
	case ADDR_WITNESS_UNKNOWN:
	case ADDR_UNKNOWN:
	default:
		return COFFER_ERR_INVALID_ARG;
	}
}

int
addr_from_pubkey(char out[ADDR_BUFSIZE], enum addr_type type, const uint8_t pub33[33],
    enum btc_network net)
{
	uint8_t spk[ADDR_MAX_SPK];
	size_t spklen;
	int ret;

	out[0] = '\0';
	if ((ret = addr_spk_from_pubkey(spk, &spklen, type, pub33)) != 0)
		return ret;
	return addr_encode(out, spk, spklen, net);
}
