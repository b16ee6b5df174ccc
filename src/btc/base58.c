/* Base58 and Base58Check; see base58.h. */
#include "btc/base58.h"

#include <string.h>

#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Digit value of a character, or -1. */
static int
b58_digit(unsigned char c)
{
	static const int8_t map[128] = {
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		-1,-1,-1,-1,-1,-1,-1,-1, -1,-1,-1,-1,-1,-1,-1,-1,
		-1, 0, 1, 2, 3, 4, 5, 6,  7, 8,-1,-1,-1,-1,-1,-1,
		-1, 9,10,11,12,13,14,15, 16,-1,17,18,19,20,21,-1,
		22,23,24,25,26,27,28,29, 30,31,32,-1,-1,-1,-1,-1,
		-1,33,34,35,36,37,38,39, 40,41,42,43,-1,44,45,46,
		47,48,49,50,51,52,53,54, 55,56,57,-1,-1,-1,-1,-1,
	};

	return c < 128 ? map[c] : -1;
}

int
b58_encode(char *out, size_t outsize, const uint8_t *p, size_t n)
{
	/* log(256)/log(58) < 1.38: digits needed for n bytes, big-endian base 58. */
	uint8_t b58[B58_MAX_DECODED * 138 / 100 + 1];
	size_t zeros = 0, size, length = 0, i, j, k;
	int ret = COFFER_ERR_TOO_LARGE;

	if (outsize > 0)
		out[0] = '\0';
	if (n > B58_MAX_DECODED || outsize == 0)
		return COFFER_ERR_TOO_LARGE;
	while (zeros < n && p[zeros] == 0)
		zeros++;
	size = (n - zeros) * 138 / 100 + 1;
	memset(b58, 0, size);
	for (i = zeros; i < n; i++) {
		unsigned carry = p[i];

		/* b58 = b58 * 256 + p[i], over the `length` digits in use. */
		for (j = 0, k = size; (carry != 0 || j < length) && k > 0; j++, k--) {
			carry += 256u * b58[k - 1];
			b58[k - 1] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		length = j;
	}
	j = size - length;
	while (j < size && b58[j] == 0)
		j++;
	if (zeros + (size - j) + 1 > outsize)
		goto out;
	memset(out, '1', zeros);
	for (k = zeros; j < size; j++, k++)
		out[k] = b58_alphabet[b58[j]];
	out[k] = '\0';
	ret = 0;
 out:
	secure_wipe(b58, sizeof(b58));	/* may have held a WIF or xprv */
	return ret;
}

int
b58_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *s)
{
	/* log(58)/log(256) < 0.733: bytes needed for the digits. */
	uint8_t b256[B58_MAX_STRING * 733 / 1000 + 1];
	size_t slen, zeros = 0, size, length = 0, i, j, k;
	int ret;

	*outlen = 0;
	slen = strnlen(s, B58_MAX_STRING + 1);
	if (slen > B58_MAX_STRING)
		return COFFER_ERR_TOO_LARGE;
	while (zeros < slen && s[zeros] == '1')
		zeros++;
	size = (slen - zeros) * 733 / 1000 + 1;
	memset(b256, 0, size);
	for (i = zeros; i < slen; i++) {
		int d = b58_digit((unsigned char)s[i]);
		unsigned carry;

		if (d < 0) {
			ret = COFFER_ERR_BAD_BASE58;
			goto out;
		}
		carry = (unsigned)d;
		for (j = 0, k = size; (carry != 0 || j < length) && k > 0; j++, k--) {
			carry += 58u * b256[k - 1];
			b256[k - 1] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		length = j;
	}
	j = size - length;
	while (j < size && b256[j] == 0)
		j++;
	if (zeros + (size - j) > outsize || zeros + (size - j) > B58_MAX_DECODED) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	memset(out, 0, zeros);
	memcpy(out + zeros, b256 + j, size - j);
	*outlen = zeros + (size - j);
	ret = 0;
 out:
	secure_wipe(b256, sizeof(b256));
	if (ret != 0 && outsize > 0)
		secure_wipe(out, outsize);
	return ret;
}

int
b58check_encode(char *out, size_t outsize, const uint8_t *p, size_t n)
{
	uint8_t buf[B58_MAX_DECODED], h[32];
	int ret;

	if (outsize > 0)
		out[0] = '\0';
	if (n > B58_MAX_DECODED - 4)
		return COFFER_ERR_TOO_LARGE;
	if (n > 0)
		memcpy(buf, p, n);
	sha256d(h, p, n);
	memcpy(buf + n, h, 4);
	ret = b58_encode(out, outsize, buf, n + 4);
	secure_wipe(buf, sizeof(buf));
	return ret;
}

int
b58check_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *s)
{
	uint8_t buf[B58_MAX_DECODED], h[32];
	size_t n;
	int ret;

	*outlen = 0;
	if ((ret = b58_decode(buf, sizeof(buf), &n, s)) != 0)
		goto out;
	if (n < 4) {
		ret = COFFER_ERR_BAD_CHECKSUM;
		goto out;
	}
	sha256d(h, buf, n - 4);
	if (memcmp(h, buf + n - 4, 4) != 0) {	/* checksums are public */
		ret = COFFER_ERR_BAD_CHECKSUM;
		goto out;
	}
	if (n - 4 > outsize) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, buf, n - 4);
	*outlen = n - 4;
 out:
	secure_wipe(buf, sizeof(buf));
	if (ret != 0 && outsize > 0)
		secure_wipe(out, outsize);
	return ret;
}
