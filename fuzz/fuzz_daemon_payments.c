/*
 * Fuzz the payment request parser (POST /v1/payments and preview bodies):
 * input is a JSON document, then optionally a NUL and an Idempotency-Key
 * header value. Whatever parses must hold the promised bounds: outputs within
 * PAY_MAX_OUTPUTS with amounts in 1..21e14 and addresses present, a fee rate
 * in (0, 1e9] sat/kvB when given, a subtract-fee index inside the outputs,
 * and a printable idempotency key; a refusal leaves the request empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "btc/tx.h"
#include "common/err.h"
#include "daemon/payments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t jlen = nul ? (size_t)(nul - data) : size;
	char hdr[256], msg[256];
	struct payments_request req;
	json_error_t err;
	json_t *j;
	size_t i;
	int r;

	if (size > 65536)
		return 0;
	hdr[0] = '\0';
	if (nul != NULL) {
		size_t hl = size - jlen - 1 < sizeof(hdr) - 1 ? size - jlen - 1 : sizeof(hdr) - 1;

		memcpy(hdr, nul + 1, hl);
		hdr[hl] = '\0';
	}
	if ((j = json_loadb((const char *)data, jlen, JSON_REJECT_DUPLICATES, &err)) == NULL)
		return 0;
	r = payments_request_parse(&req, msg, sizeof(msg), j, nul != NULL ? hdr : NULL);
	json_decref(j);
	if (r != 0) {
		if (req.outputs != NULL || req.body != NULL || req.n_outputs != 0)
			abort();
		return 0;
	}
	if (req.n_outputs > PAY_MAX_OUTPUTS || (req.n_outputs == 0 && req.drain_to == NULL))
		abort();
	for (i = 0; i < req.n_outputs; i++)
		if (req.outputs[i].address == NULL || req.outputs[i].amount <= 0 || req.outputs[i].amount > TX_MAX_MONEY)
			abort();
	if (req.fee_rate > (uint64_t)1000000 * 1000 || req.conf_target > 1008 ||
	    (req.subtract_fee_from >= 0 && (size_t)req.subtract_fee_from >= req.n_outputs))
		abort();
	for (i = 0; req.idem_key[i] != '\0'; i++)
		if (req.idem_key[i] < 0x21 || req.idem_key[i] > 0x7e)
			abort();
	payments_request_clear(&req);
	return 0;
}
