/*
 * Fuzz the webhook signature header parser. Input: header bytes, then a NUL,
 * then a body. Only the documented codes may come back (the parser never
 * reads outside the header, which ASan checks), and a fresh signature over
 * the body must always verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "wallet/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t secret[] = "fuzz-secret-0123456789";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;
	const uint8_t *body = nul ? nul + 1 : NULL;
	size_t blen = nul ? size - hlen - 1 : 0;
	char sig[WEBHOOK_SIG_BUFSIZE];
	int r;

	r = webhook_verify((const char *)data, hlen, secret, sizeof(secret) - 1, body, blen, 1700000000,
	    UINT64_MAX);
	if (r != 0 && r != COFFER_ERR_PAY_WEBHOOK_SIGNATURE && r != COFFER_ERR_TOO_LARGE)
		abort();
	if (webhook_sign(sig, secret, sizeof(secret) - 1, (uint64_t)size * 7919, body, blen) != 0 ||
	    webhook_verify(sig, strlen(sig), secret, sizeof(secret) - 1, body, blen, (uint64_t)size * 7919,
	    0) != 0)
		abort();
	return 0;
}
