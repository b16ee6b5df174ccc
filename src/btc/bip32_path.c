/* BIP32 derivation paths: parse, format, BIP44-style account paths; see bip32.h. */
#include "btc/bip32.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

int
bip32_path_parse_step(uint32_t *out, const char *s, size_t len)
{
	uint32_t v = 0;
	size_t i, digits = len;

	*out = 0;
	if (len > 0 && (s[len - 1] == '\'' || s[len - 1] == 'h' || s[len - 1] == 'H'))
		digits--;
	if (digits == 0)
		return COFFER_ERR_BAD_PATH;
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return COFFER_ERR_BAD_PATH;
		v = v * 10 + (uint32_t)(s[i] - '0');
		if (v >= BIP32_HARDENED)
			return COFFER_ERR_BAD_PATH;	/* checked every digit: no overflow */
	}
	*out = digits < len ? v | BIP32_HARDENED : v;
	return 0;
}

int
bip32_path_parse(uint32_t *path, size_t pathmax, size_t *n, const char *s)
{
	size_t len, start, i, count = 0;
	int ret;

	*n = 0;
	/* One step is at most 11 characters plus '/', so this bounds the scan. */
	len = strnlen(s, 2 + (BIP32_MAX_DEPTH + 1) * 64);
	start = 0;
	if (len > 0 && s[0] == 'm') {
		if (len == 1)
			return 0;
		if (s[1] != '/')
			return COFFER_ERR_BAD_PATH;
		start = 2;
	} else if (len == 0) {
		return 0;
	}
	for (i = start; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (count >= pathmax || count >= BIP32_MAX_DEPTH) {
			ret = COFFER_ERR_DEPTH;
			goto fail;
		}
		if ((ret = bip32_path_parse_step(&path[count], s + start, i - start)) != 0)
			goto fail;
		count++;
		start = i + 1;
	}
	*n = count;
	return 0;
 fail:
	if (count > 0)
		memset(path, 0, count * sizeof(path[0]));
	return ret;
}

int
bip32_path_format(char *out, size_t outsize, const uint32_t *path, size_t n, char hmark)
{
	size_t off, i;
	int w;

	if (outsize < 2) {
		if (outsize > 0)
			out[0] = '\0';
		return COFFER_ERR_TOO_LARGE;
	}
	out[0] = 'm';
	out[1] = '\0';
	off = 1;
	for (i = 0; i < n; i++) {
		char mark[2] = { (path[i] & BIP32_HARDENED) ? hmark : '\0', '\0' };

		w = snprintf(out + off, outsize - off, "/%u%s", (unsigned)(path[i] & ~BIP32_HARDENED),
		    mark);
		if (w < 0 || (size_t)w >= outsize - off) {
			out[0] = '\0';
			return COFFER_ERR_TOO_LARGE;
		}
		off += (size_t)w;
	}
	return 0;
}

int
bip32_account_path(uint32_t path[3], uint32_t purpose, enum btc_network net, uint32_t account)
{
	memset(path, 0, 3 * sizeof(path[0]));
	if ((purpose != 44 && purpose != 49 && purpose != 84 && purpose != 86) ||
	    account >= BIP32_HARDENED)
		return COFFER_ERR_INVALID_ARG;
	path[0] = purpose | BIP32_HARDENED;
	path[1] = btc_network_params(net)->coin_type | BIP32_HARDENED;
	path[2] = account | BIP32_HARDENED;
	return 0;
}
