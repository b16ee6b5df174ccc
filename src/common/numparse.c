/* Strict decimal numbers; see numparse.h. */
#include "common/numparse.h"

#include <string.h>

#include "common/err.h"

int
num_parse_u32n(uint32_t *out, const char *s, size_t n, uint32_t lo, uint32_t hi)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (n == 0 || n > 10)
		return COFFER_ERR_BAD_NUMBER;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return COFFER_ERR_BAD_NUMBER;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return COFFER_ERR_BAD_NUMBER;
	*out = (uint32_t)v;
	return 0;
}

int
num_parse_u32(uint32_t *out, const char *s, uint32_t lo, uint32_t hi)
{
	return num_parse_u32n(out, s, strlen(s), lo, hi);
}
