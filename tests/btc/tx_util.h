/* Helpers shared by the tx / sighash / sign / taproot tests. */
#ifndef COFFER_TESTS_BTC_TX_UTIL_H
#define COFFER_TESTS_BTC_TX_UTIL_H

#include "harness.h"

#include "btc/tx.h"

/* Decode the JSON string j, which must be exactly n bytes of hex. */
static inline void
tx_jhex(uint8_t *out, size_t n, const json_t *j)
{
	const char *s = json_string_value(j);

	if (s == NULL || strlen(s) != 2 * n || hex_decode_exact(out, n, s) != 0) {
		fprintf(stderr, "bad fixed-size hex (%zu bytes): %.80s\n", n, s ? s : "(null)");
		exit(1);
	}
}

/* Decode hex of any length from JSON into a malloc'd buffer. */
static inline uint8_t *
tx_junhex(const json_t *j, size_t *n)
{
	const char *s = json_string_value(j);

	if (s == NULL) {
		fprintf(stderr, "expected a hex string\n");
		exit(1);
	}
	return test_unhex(s, n);
}

/* Parse hex text into tx (the test fails hard if it does not parse). */
static inline int
tx_from_hex(struct tx *tx, const char *hex, unsigned int flags)
{
	size_t n;
	uint8_t *raw = test_unhex(hex, &n);
	int r = tx_parse(tx, raw, n, flags);

	free(raw);
	return r;
}

#endif
