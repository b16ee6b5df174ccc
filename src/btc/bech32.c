/* Bech32 / Bech32m (BIP173, BIP350) and segwit programs; see bech32.h. */
#include "btc/bech32.h"

#include <string.h>

#include "common/err.h"

#define BECH32M_CONST 0x2bc830a3u

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* Value of a (lower- or upper-case) data character, or -1. */
static int
bech32_value(unsigned char c)
{
	static const int8_t map[128] = {
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		15,-1,10,17,21,20,26,30,  7, 5,-1,-1,-1,-1,-1,-1,
		-1,29,-1,24,13,25, 9, 8, 23,-1,18,22,31,27,19,-1,
		 1, 0, 3,16,11,28,12,14,  6, 4, 2,-1,-1,-1,-1,-1,
		-1,29,-1,24,13,25, 9, 8, 23,-1,18,22,31,27,19,-1,
		 1, 0, 3,16,11,28,12,14,  6, 4, 2,-1,-1,-1,-1,-1,
	};

	return c < 128 ? map[c] : -1;
}

static uint32_t
polymod_step(uint32_t pre)
{
	uint32_t b = pre >> 25;

	return ((pre & 0x1ffffff) << 5) ^
	    (-((b >> 0) & 1) & 0x3b6a57b2u) ^
	    (-((b >> 1) & 1) & 0x26508e6du) ^
	    (-((b >> 2) & 1) & 0x1ea119fau) ^
	    (-((b >> 3) & 1) & 0x3d4233ddu) ^
	    (-((b >> 4) & 1) & 0x2a1462b3u);
}

/* Checksum state after the expanded HRP (lower case). */
static uint32_t
polymod_hrp(const char *hrp, size_t hrplen)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < hrplen; i++)
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] >> 5);
	chk = polymod_step(chk);
	for (i = 0; i < hrplen; i++)
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] & 0x1f);
	return chk;
}

static uint32_t
enc_const(enum bech32_encoding enc)
{
	return enc == BECH32_ENC_BECH32M ? BECH32M_CONST : 1;
}

int
bech32_encode(char *out, size_t outsize, const char *hrp, const uint8_t *data, size_t datalen,
    enum bech32_encoding enc)
{
	size_t hrplen, i, total;
	uint32_t chk;

	if (outsize > 0)
		out[0] = '\0';
	if (enc != BECH32_ENC_BECH32 && enc != BECH32_ENC_BECH32M)
		return COFFER_ERR_INVALID_ARG;
	hrplen = strnlen(hrp, BECH32_MAX_HRP + 1);
	if (hrplen == 0 || hrplen > BECH32_MAX_HRP)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < hrplen; i++) {
		unsigned char c = (unsigned char)hrp[i];

		if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
			return COFFER_ERR_INVALID_ARG;
	}
	for (i = 0; i < datalen; i++)
		if (data[i] > 31)
			return COFFER_ERR_INVALID_ARG;
	if (datalen > BECH32_MAX_LEN)
		return COFFER_ERR_TOO_LARGE;
	total = hrplen + 1 + datalen + 6;
	if (total > BECH32_MAX_LEN || total + 1 > outsize)
		return COFFER_ERR_TOO_LARGE;

	chk = polymod_hrp(hrp, hrplen);
	memcpy(out, hrp, hrplen);
	out[hrplen] = '1';
	for (i = 0; i < datalen; i++) {
		chk = polymod_step(chk) ^ data[i];
		out[hrplen + 1 + i] = bech32_charset[data[i]];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk);
	chk ^= enc_const(enc);
	for (i = 0; i < 6; i++)
		out[hrplen + 1 + datalen + i] = bech32_charset[(chk >> (5 * (5 - i))) & 31];
	out[total] = '\0';
	return 0;
}

int
bech32_decode(char *hrp, size_t hrpsize, uint8_t *data, size_t datasize, size_t *datalen,
    enum bech32_encoding *enc, const char *s)
{
	char lhrp[BECH32_MAX_HRP + 1];
	size_t len, i, sep, hrplen, dlen;
	int lower = 0, upper = 0, ret = COFFER_ERR_BAD_BECH32;
	uint32_t chk;

	if (hrpsize > 0)
		hrp[0] = '\0';
	*datalen = 0;
	*enc = BECH32_ENC_NONE;
	len = strnlen(s, BECH32_MAX_LEN + 1);
	if (len > BECH32_MAX_LEN || len < 8)
		return COFFER_ERR_BAD_BECH32;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126)
			return COFFER_ERR_BAD_BECH32;
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
	}
	if (lower && upper)
		return COFFER_ERR_MIXED_CASE;
	/* The separator is the last '1': the HRP may itself contain '1'. */
	for (sep = len; sep > 0 && s[sep - 1] != '1'; sep--)
		;
	if (sep == 0)
		return COFFER_ERR_BAD_BECH32;	/* no separator */
	hrplen = sep - 1;
	if (hrplen < 1 || hrplen > BECH32_MAX_HRP || len - sep < 6)
		return COFFER_ERR_BAD_BECH32;
	for (i = 0; i < hrplen; i++) {
		char c = s[i];

		lhrp[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	lhrp[hrplen] = '\0';
	dlen = len - sep - 6;
	if (dlen > datasize)
		return COFFER_ERR_TOO_LARGE;
	chk = polymod_hrp(lhrp, hrplen);
	for (i = sep; i < len; i++) {
		int v = bech32_value((unsigned char)s[i]);

		if (v < 0)
			goto fail;
		chk = polymod_step(chk) ^ (uint32_t)v;
		if (i - sep < dlen)
			data[i - sep] = (uint8_t)v;
	}
	if (chk == 1) {
		*enc = BECH32_ENC_BECH32;
	} else if (chk == BECH32M_CONST) {
		*enc = BECH32_ENC_BECH32M;
	} else {
		ret = COFFER_ERR_BAD_CHECKSUM;
		goto fail;
	}
	if (hrplen + 1 > hrpsize) {
		ret = COFFER_ERR_TOO_LARGE;
		goto fail;
	}
	memcpy(hrp, lhrp, hrplen + 1);
	*datalen = dlen;
	return 0;
 fail:
	*enc = BECH32_ENC_NONE;
	if (datasize > 0)
		memset(data, 0, dlen < datasize ? dlen : datasize);
	return ret;
}

int
bech32_convert_bits(uint8_t *out, size_t outsize, size_t *outlen, unsigned tobits,
    const uint8_t *in, size_t inlen, unsigned frombits, int pad)
{
	uint32_t acc = 0, maxv;
	unsigned bits = 0;
	size_t i, n = 0;

	*outlen = 0;
	if (tobits < 1 || tobits > 8 || frombits < 1 || frombits > 8)
		return COFFER_ERR_INVALID_ARG;
	maxv = (1u << tobits) - 1;
	for (i = 0; i < inlen; i++) {
		if (in[i] >> frombits)
			return COFFER_ERR_BAD_BECH32;
		acc = ((acc << frombits) | in[i]) & 0xffffu;
		bits += frombits;
		while (bits >= tobits) {
			bits -= tobits;
			if (n >= outsize)
				return COFFER_ERR_TOO_LARGE;
			out[n++] = (uint8_t)((acc >> bits) & maxv);
		}
	}
	if (pad) {
		if (bits > 0) {
			if (n >= outsize)
				return COFFER_ERR_TOO_LARGE;
			out[n++] = (uint8_t)((acc << (tobits - bits)) & maxv);
		}
	} else if (bits >= frombits || ((acc << (tobits - bits)) & maxv) != 0) {
		return COFFER_ERR_BAD_BECH32;
	}
	*outlen = n;
	return 0;
}

int
bech32_segwit_encode(char *out, size_t outsize, const char *hrp, unsigned witver,
    const uint8_t *prog, size_t proglen)
{
	uint8_t data[1 + (BECH32_MAX_PROGRAM * 8 + 4) / 5];
	size_t n;
	int ret;

	if (outsize > 0)
		out[0] = '\0';
	if (witver > 16 || proglen < 2 || proglen > BECH32_MAX_PROGRAM ||
	    (witver == 0 && proglen != 20 && proglen != 32))
		return COFFER_ERR_BAD_WITNESS_VERSION;
	data[0] = (uint8_t)witver;
	if ((ret = bech32_convert_bits(data + 1, sizeof(data) - 1, &n, 5, prog, proglen, 8, 1)) != 0)
		return ret;
	return bech32_encode(out, outsize, hrp, data, n + 1,
	    witver == 0 ? BECH32_ENC_BECH32 : BECH32_ENC_BECH32M);
}

int
bech32_segwit_decode(char *hrp, size_t hrpsize, unsigned *witver, uint8_t prog[BECH32_MAX_PROGRAM],
    size_t *proglen, const char *s)
{
	uint8_t data[BECH32_MAX_DATA];
	enum bech32_encoding enc;
	size_t dlen, n;
	int ret;

	*witver = 0;
	*proglen = 0;
	if ((ret = bech32_decode(hrp, hrpsize, data, sizeof(data), &dlen, &enc, s)) != 0)
		return ret;
	/*
	 * Version, then program (padding, length), then checksum kind: a
	 * string with a bad program fails for that even with the wrong kind.
	 */
	ret = COFFER_ERR_BAD_WITNESS_VERSION;
	if (dlen < 1 || data[0] > 16)
		goto fail;
	if (bech32_convert_bits(prog, BECH32_MAX_PROGRAM, &n, 8, data + 1, dlen - 1, 5, 0) != 0)
		goto fail;	/* bad padding or over-long program */
	if (n < 2 || n > BECH32_MAX_PROGRAM || (data[0] == 0 && n != 20 && n != 32))
		goto fail;
	if ((data[0] == 0) != (enc == BECH32_ENC_BECH32)) {
		ret = COFFER_ERR_BAD_CHECKSUM;	/* v0 must use bech32, v1+ bech32m (BIP350) */
		goto fail;
	}
	*witver = data[0];
	*proglen = n;
	return 0;
 fail:
	if (hrpsize > 0)
		hrp[0] = '\0';
	memset(prog, 0, BECH32_MAX_PROGRAM);
	return ret;
}
