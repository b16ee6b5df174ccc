/*
 * Strict decimal numbers from flags and text fields: ASCII digits only (no
 * sign, space, "0x" or trailing bytes), at most 10 of them, checked against
 * a range. One parser, so every flag refuses the same malformed input.
 */
#ifndef COFFER_COMMON_NUMPARSE_H
#define COFFER_COMMON_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..n) as a decimal in [lo, hi].
 * Returns: 0; COFFER_ERR_BAD_NUMBER (empty, a non-digit, more than 10
 *          digits, or out of range). On failure *out is 0.
 * Out:  out.
 * In:   s: n bytes (need not be NUL-terminated); lo <= hi.
 */
int num_parse_u32n(uint32_t *out, const char *s, size_t n, uint32_t lo, uint32_t hi);

/* As num_parse_u32n over the NUL-terminated string s. */
int num_parse_u32(uint32_t *out, const char *s, uint32_t lo, uint32_t hi);

#endif
