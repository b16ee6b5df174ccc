/*
 * BIP380 descriptor checksum: a BCH code over the descriptor's characters,
 * eight characters from the bech32 alphabet after a '#'.
 */
#include <string.h>

#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "common/err.h"

/* Position in this string is a character's value; see BIP380. */
static const char input_charset[] =
    "0123456789()[],'/*abcdefgh@:$%{}"
    "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
    "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
static const char checksum_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint64_t
polymod(uint64_t c, unsigned val)
{
	uint64_t c0 = c >> 35;

	c = ((c & 0x7ffffffffULL) << 5) ^ val;
	if (c0 & 1)
		c ^= 0xf5dee51989ULL;
	if (c0 & 2)
		c ^= 0xa9fdca3312ULL;
	if (c0 & 4)
		c ^= 0x1bab10e32dULL;
	if (c0 & 8)
		c ^= 0x3706b1677aULL;
	if (c0 & 16)
		c ^= 0x644d626ffdULL;
	return c;
}

/* Value of a character in the input set, or -1 (NUL and non-ASCII are never in it). */
static int
charset_pos(char ch)
{
	const char *p;

	if (ch == '\0')
		return -1;
	p = memchr(input_charset, ch, sizeof(input_charset) - 1);
	return p == NULL ? -1 : (int)(p - input_charset);
}

int
desc_checksum(char out[DESC_CHECKSUM_LEN + 1], const char *s, size_t len)
{
	uint64_t c = 1;
	unsigned cls = 0, clscount = 0;
	size_t i;
	int j, pos;

	if (out == NULL)
		return COFFER_ERR_INVALID_ARG;
	out[0] = '\0';
	if (s == NULL && len > 0)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < len; i++) {
		if ((pos = charset_pos(s[i])) < 0)
			return COFFER_ERR_BAD_STRING;
		c = polymod(c, (unsigned)pos & 31);
		cls = cls * 3 + ((unsigned)pos >> 5);
		if (++clscount == 3) {
			c = polymod(c, cls);
			cls = 0;
			clscount = 0;
		}
	}
	if (clscount > 0)
		c = polymod(c, cls);
	for (j = 0; j < DESC_CHECKSUM_LEN; j++)
		c = polymod(c, 0);
	c ^= 1;
	for (j = 0; j < DESC_CHECKSUM_LEN; j++)
		out[j] = checksum_charset[(c >> (5 * (7 - j))) & 31];
	out[DESC_CHECKSUM_LEN] = '\0';
	return 0;
}

int
desc_checksum_strip(size_t *bodylen, const char *s, size_t len)
{
	const char *hash;
	char want[DESC_CHECKSUM_LEN + 1];
	size_t body, i;
	int r;

	*bodylen = 0;
	for (i = 0; i < len; i++)
		if (charset_pos(s[i]) < 0)
			return COFFER_ERR_BAD_STRING;
	if ((hash = memchr(s, '#', len)) == NULL) {
		*bodylen = len;
		return 0;
	}
	body = (size_t)(hash - s);
	if (memchr(hash + 1, '#', len - body - 1) != NULL)
		return COFFER_ERR_DESC_CHECKSUM;	/* several '#' */
	if (len - body - 1 != DESC_CHECKSUM_LEN)
		return COFFER_ERR_DESC_CHECKSUM;	/* missing, short or long */
	if ((r = desc_checksum(want, s, body)) != 0)
		return r;
	if (memcmp(want, hash + 1, DESC_CHECKSUM_LEN) != 0)
		return COFFER_ERR_DESC_CHECKSUM;
	*bodylen = body;
	return 0;
}
