/* Hex and base64; see encoding.h. */
#include "common/encoding.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

static const char hexdigits[] = "0123456789abcdef";

void
hex_encode(char *out, size_t outsize, const uint8_t *p, size_t n)
{
	size_t i;

	if (outsize == 0)
		return;
	if (n > (outsize - 1) / 2)
		n = (outsize - 1) / 2;
	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_encode_buf(struct cbuf *b, const uint8_t *p, size_t n)
{
	size_t i;
	int ret;

	if (n > SIZE_MAX / 2)
		return COFFER_ERR_TOO_LARGE;
	if ((ret = cbuf_reserve(b, 2 * n)) != 0)
		return ret;
	for (i = 0; i < n; i++) {
		b->p[b->len++] = (uint8_t)hexdigits[p[i] >> 4];
		b->p[b->len++] = (uint8_t)hexdigits[p[i] & 15];
	}
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hex_decode_into(uint8_t *out, const char *hex, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return COFFER_ERR_BAD_HEX;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
hex_decode_exact(uint8_t *out, size_t n, const char *hex)
{
	int ret;

	if (hex == NULL || strlen(hex) != 2 * n)
		ret = COFFER_ERR_BAD_HEX;
	else
		ret = hex_decode_into(out, hex, n);
	if (ret != 0 && n > 0)
		memset(out, 0, n);
	return ret;
}

int
hex_decode_buf(struct cbuf *b, const char *hex, size_t hexlen)
{
	size_t n = hexlen / 2;
	int ret;

	if (hexlen % 2 != 0)
		return COFFER_ERR_BAD_HEX;
	if (n == 0)
		return 0;
	if ((ret = cbuf_reserve(b, n)) != 0)
		return ret;
	if ((ret = hex_decode_into(b->p + b->len, hex, n)) != 0)
		return ret;
	b->len += n;
	return 0;
}

int
base64_encode_buf(struct cbuf *b, const uint8_t *p, size_t n)
{
	size_t need;
	int ret;

	if (n > SIZE_MAX / 2)
		return COFFER_ERR_TOO_LARGE;
	need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	if ((ret = cbuf_reserve(b, need)) != 0)
		return ret;
	sodium_bin2base64((char *)b->p + b->len, need, p, n, sodium_base64_VARIANT_ORIGINAL);
	b->len += need - 1;
	return 0;
}

int
base64_decode_buf(struct cbuf *b, const char *s, size_t slen)
{
	size_t maxout = slen / 4 * 3 + 3, outlen = 0;
	const char *end = NULL;
	int ret;

	if ((ret = cbuf_reserve(b, maxout)) != 0)
		return ret;
	if (sodium_base642bin(b->p + b->len, maxout, s, slen, NULL, &outlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + slen)
		return COFFER_ERR_BAD_BASE64;
	b->len += outlen;
	return 0;
}
