/*
 * Byte fields of JSON evidence bundles: a JSON array of byte values, a hex
 * string, or standard / URL-safe base64 with or without padding. Every decoder
 * caps its output and appends to a bounded struct cbuf.
 */
#ifndef COFFER_ATTEST_ATTEST_CODEC_H
#define COFFER_ATTEST_ATTEST_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/buf.h"

enum attest_text {
	ATTEST_TEXT_HEX,	/* strings are hex */
	ATTEST_TEXT_BASE64,	/* strings are base64 or base64url, padding optional */
};

/*
 * Decode a base64 or base64url string (padding optional, no whitespace) into b.
 * Returns 0, COFFER_ERR_BAD_BASE64, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 */
int attest_b64any_decode(struct cbuf *b, const char *s, size_t n);

/*
 * Decode a JSON byte field: an array of integers 0..255, or a string in the
 * given text encoding. At most max bytes. Returns 0 or COFFER_ERR_BAD_JSON /
 * COFFER_ERR_BAD_HEX / COFFER_ERR_BAD_BASE64 / COFFER_ERR_TOO_LARGE / COFFER_ERR_NOMEM.
 * Out: b (appended).
 */
int attest_json_bytes(struct cbuf *b, const json_t *v, enum attest_text text, size_t max);

#endif
