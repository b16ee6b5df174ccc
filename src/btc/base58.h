/*
 * Base58 and Base58Check (Bitcoin alphabet), as used by legacy addresses, WIF
 * private keys and BIP32 extended keys.
 *
 * Strings are strict: only the 58 alphabet characters, no whitespace, no
 * signs. Input and output sizes are capped (B58_MAX_DECODED bytes,
 * B58_MAX_STRING characters) so that the quadratic conversion stays cheap on
 * hostile input.
 */
#ifndef COFFER_BTC_BASE58_H
#define COFFER_BTC_BASE58_H

#include <stddef.h>
#include <stdint.h>

/* Largest payload (bytes) encoded or decoded; extended keys need 82. */
#define B58_MAX_DECODED 256
/* Longest accepted base58 string in characters (ceil(256 * log(256)/log(58)) = 350). */
#define B58_MAX_STRING 350

/*
 * Encode n bytes as base58 (each leading zero byte becomes a '1').
 * Returns 0; COFFER_ERR_TOO_LARGE if n > B58_MAX_DECODED or the string and
 *   its NUL do not fit in outsize (out is then "").
 * Out:  out[outsize]: NUL-terminated string. outsize must be >= 1.
 * In:   p[n]: bytes (p may be NULL when n is 0).
 */
int b58_encode(char *out, size_t outsize, const uint8_t *p, size_t n);

/*
 * Decode a base58 string.
 * Returns 0; COFFER_ERR_BAD_BASE58 for a character outside the alphabet;
 *   COFFER_ERR_TOO_LARGE if the string is longer than B58_MAX_STRING or the
 *   result does not fit in outsize. On failure *outlen is 0 and out is wiped.
 * Out:  out[outsize]: decoded bytes; *outlen: their number.
 * In:   s: NUL-terminated string ("" decodes to zero bytes).
 */
int b58_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *s);

/*
 * Base58Check: append the first 4 bytes of SHA256d(p) and encode.
 * Returns 0 or COFFER_ERR_TOO_LARGE (n + 4 > B58_MAX_DECODED or outsize too small).
 * Out:  out[outsize]: NUL-terminated string.
 * In:   p[n]: payload (version byte(s) included by the caller).
 */
int b58check_encode(char *out, size_t outsize, const uint8_t *p, size_t n);

/*
 * Decode Base58Check and verify its checksum; the checksum is stripped.
 * Returns 0; COFFER_ERR_BAD_BASE58; COFFER_ERR_BAD_CHECKSUM (also for a
 *   decoded length under 4); COFFER_ERR_TOO_LARGE. On failure *outlen is 0
 *   and out is wiped (it may hold a secret such as a WIF key).
 * Out:  out[outsize]: payload; *outlen: its length.
 * In:   s: NUL-terminated string.
 */
int b58check_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *s);

#endif
