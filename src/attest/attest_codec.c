/* Byte fields of JSON evidence: arrays of byte values, hex, base64 and base64url. */
#include "attest/attest_codec.h"

#include <string.h>

#include "common/encoding.h"
#include "common/err.h"

int
attest_b64any_decode(struct cbuf *b, const char *s, size_t n)
{
	struct cbuf t;
	size_t i;
	int r = 0;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return COFFER_ERR_BAD_BASE64;
	if (n == 0)
		return 0;	/* empty: nothing to append (and no NULL pointer for the decoder) */
	if (n > (size_t)-1 / 2 - 4)
		return COFFER_ERR_TOO_LARGE;
	cbuf_init(&t, n + 4);
	for (i = 0; i < n && r == 0; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		r = cbuf_put_u8(&t, (uint8_t)c);	/* anything else is judged by the decoder */
	}
	while (r == 0 && t.len % 4 != 0)
		r = cbuf_put_u8(&t, '=');
	if (r == 0)
		r = base64_decode_buf(b, (const char *)t.p, t.len);
	cbuf_free(&t);
	return r;
}

int
attest_json_bytes(struct cbuf *b, const json_t *v, enum attest_text text, size_t max)
{
	size_t start = b->len, i;
	const json_t *e;
	int r;

	if (json_is_array(v)) {
		if (json_array_size(v) > max)
			return COFFER_ERR_TOO_LARGE;
		json_array_foreach(v, i, e) {
			json_int_t x;

			if (!json_is_integer(e) || (x = json_integer_value(e)) < 0 || x > 255)
				return COFFER_ERR_BAD_JSON;
			if ((r = cbuf_put_u8(b, (uint8_t)x)) != 0)
				return r;
		}
		return 0;
	}
	if (!json_is_string(v))
		return COFFER_ERR_BAD_JSON;
	if (json_string_length(v) > 2 * max + 4)
		return COFFER_ERR_TOO_LARGE;
	if (text == ATTEST_TEXT_HEX)
		r = hex_decode_buf(b, json_string_value(v), json_string_length(v));
	else
		r = attest_b64any_decode(b, json_string_value(v), json_string_length(v));
	if (r == 0 && b->len - start > max)
		r = COFFER_ERR_TOO_LARGE;
	return r;
}
