/* Hex and base64 text encodings (strict parsers: no whitespace, no padding games). */
#ifndef COFFER_COMMON_ENCODING_H
#define COFFER_COMMON_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Write 2*n lowercase hex chars plus NUL into out (outsize >= 2*n+1). */
void hex_encode(char *out, size_t outsize, const uint8_t *p, size_t n);
/* Append the hex encoding of p (no NUL) to b. */
int hex_encode_buf(struct cbuf *b, const uint8_t *p, size_t n);
/* Decode a hex string of exactly 2*n characters into out[n]. COFFER_ERR_BAD_HEX otherwise. */
int hex_decode_exact(uint8_t *out, size_t n, const char *hex);
/* Decode hex of any even length into b (appending). */
int hex_decode_buf(struct cbuf *b, const char *hex, size_t hexlen);
/* Append the standard (RFC 4648, padded) base64 encoding of p to b, NUL-terminated (len excludes NUL). */
int base64_encode_buf(struct cbuf *b, const uint8_t *p, size_t n);
/* Decode padded standard base64 into b (appending). */
int base64_decode_buf(struct cbuf *b, const char *s, size_t slen);

#endif
