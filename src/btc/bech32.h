/*
 * Bech32 (BIP173) and Bech32m (BIP350) strings and segwit address programs.
 *
 * Decoding follows the BIPs exactly: total length 8..90, HRP of 1..83
 * printable US-ASCII characters (33..126), no mixed case, a '1' separator
 * followed by at least 6 checksum characters. Output is always lower case.
 */
#ifndef COFFER_BTC_BECH32_H
#define COFFER_BTC_BECH32_H

#include <stddef.h>
#include <stdint.h>

enum bech32_encoding {
	BECH32_ENC_NONE = 0,	/* not a valid checksum (only as an error result) */
	BECH32_ENC_BECH32 = 1,	/* BIP173 constant 1 */
	BECH32_ENC_BECH32M = 2,	/* BIP350 constant 0x2bc830a3 */
};

/* Longest bech32 string (characters, without NUL). */
#define BECH32_MAX_LEN 90
/* Longest human-readable part. */
#define BECH32_MAX_HRP 83
/* Largest number of 5-bit data values (excluding the checksum). */
#define BECH32_MAX_DATA (BECH32_MAX_LEN - 2 - 6)
/* Segwit programs are 2..40 bytes; version 0 only 20 or 32. */
#define BECH32_MAX_PROGRAM 40

/*
 * Encode an HRP and 5-bit data values with a bech32 or bech32m checksum.
 * Returns 0; COFFER_ERR_INVALID_ARG for an HRP that is empty, too long, has
 *   characters outside 33..126 or upper case, a data value > 31, or enc not
 *   BECH32/BECH32M; COFFER_ERR_TOO_LARGE when the result would exceed 90
 *   characters or outsize (out is then "").
 * Out:  out[outsize]: NUL-terminated lower-case string.
 * In:   hrp: NUL-terminated; data[datalen]: values 0..31; enc: checksum kind.
 */
int bech32_encode(char *out, size_t outsize, const char *hrp, const uint8_t *data, size_t datalen,
    enum bech32_encoding enc);

/*
 * Decode and verify a bech32 or bech32m string (whichever checksum matches).
 * Returns 0; COFFER_ERR_MIXED_CASE; COFFER_ERR_BAD_BECH32 (length, HRP
 *   characters, missing separator, invalid data character, checksum shorter
 *   than 6); COFFER_ERR_BAD_CHECKSUM (neither constant matches). On failure
 *   hrp is "", *datalen 0 and *enc BECH32_ENC_NONE.
 * Out:  hrp[hrpsize]: lower-cased HRP, NUL-terminated (hrpsize >= BECH32_MAX_HRP + 1
 *       always suffices; smaller gives COFFER_ERR_TOO_LARGE for longer HRPs);
 *       data[datasize], *datalen: 5-bit values without the checksum
 *       (datasize >= BECH32_MAX_DATA always suffices); *enc: checksum kind.
 * In:   s: NUL-terminated string.
 */
int bech32_decode(char *hrp, size_t hrpsize, uint8_t *data, size_t datasize, size_t *datalen,
    enum bech32_encoding *enc, const char *s);

/*
 * Regroup bits: frombits-wide values into tobits-wide values (5 <-> 8).
 * With pad, a final partial group is zero-padded; without pad, leftover bits
 * must be fewer than frombits and zero (BIP173 decoding rule).
 * Returns 0; COFFER_ERR_BAD_BECH32 (value too wide, or bad padding without
 *   pad); COFFER_ERR_TOO_LARGE (outsize too small).
 * Out:  out[outsize], *outlen.
 * In:   in[inlen] values, frombits/tobits in 1..8.
 */
int bech32_convert_bits(uint8_t *out, size_t outsize, size_t *outlen, unsigned tobits,
    const uint8_t *in, size_t inlen, unsigned frombits, int pad);

/*
 * Encode a segwit address: version 0 uses bech32, versions 1..16 bech32m.
 * Returns 0; COFFER_ERR_BAD_WITNESS_VERSION (version > 16, program not 2..40
 *   bytes, or version 0 with a program other than 20/32 bytes);
 *   COFFER_ERR_INVALID_ARG (bad hrp); COFFER_ERR_TOO_LARGE (outsize).
 * Out:  out[outsize]: lower-case address; 91 bytes always suffice.
 * In:   hrp ("bc", "tb", "bcrt"), witver 0..16, prog[proglen].
 */
int bech32_segwit_encode(char *out, size_t outsize, const char *hrp, unsigned witver,
    const uint8_t *prog, size_t proglen);

/*
 * Decode a segwit address of any HRP (the caller checks the HRP for its network).
 * Returns 0; the bech32_decode errors; COFFER_ERR_BAD_WITNESS_VERSION for
 *   a missing or > 16 version, a program outside 2..40 bytes, a version 0
 *   program that is not 20/32 bytes, or bad 5-to-8 bit padding;
 *   COFFER_ERR_BAD_CHECKSUM also for the wrong checksum kind for the version
 *   (BIP350: bech32 for v0, bech32m for v1..16). The string-level errors
 *   (mixed case, checksum, syntax) come first, so COFFER_ERR_BAD_WITNESS_VERSION
 *   means the string had a valid checksum.
 *   On failure every output is cleared.
 * Out:  hrp[hrpsize] (as bech32_decode); *witver; prog[BECH32_MAX_PROGRAM]; *proglen.
 * In:   s: NUL-terminated address.
 */
int bech32_segwit_decode(char *hrp, size_t hrpsize, unsigned *witver, uint8_t prog[BECH32_MAX_PROGRAM],
    size_t *proglen, const char *s);

#endif
