/*
 * libFuzzer harness for the PSBT parser and every role that reads a parsed
 * PSBT: any input must parse or fail cleanly; a PSBT that parses must
 * serialise back byte for byte, copy, convert to the other version and back,
 * decode to JSON, combine with itself, be signed by a fixed key (the signer's
 * checks run on hostile data) and finalised, without a crash, leak or
 * sanitizer report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct psbt *p)
{
	static const uint8_t key[1][32] = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 } };
	static const uint8_t aux[32];
	const struct psbt *two[2] = { p, p };
	struct psbt_sign_opts opts = { PSBT_SIGN_ANY_SIGHASH, aux };
	struct psbt a, b;
	struct tx tx;
	json_t *j;
	uint32_t lt;
	int64_t fee;
	size_t i, n;

	(void)psbt_locktime(&lt, p);
	(void)psbt_fee(&fee, p);
	for (i = 0; i < p->n_in; i++) {
		struct cbuf spk;
		int64_t amount;
		int src;

		cbuf_init(&spk, 0);
		(void)psbt_input_utxo(&amount, &spk, &src, p, i);
		(void)psbt_input_is_final(p, i);
		cbuf_free(&spk);
	}
	if (psbt_unsigned_tx(&tx, p) == 0)
		tx_free(&tx);
	if (psbt_convert(&a, p, p->version == 2 ? 0 : 2) == 0) {
		if (psbt_convert(&b, &a, p->version) == 0)
			psbt_free(&b);
		psbt_free(&a);
	}
	if ((j = psbt_to_json(p)) != NULL)
		json_decref(j);
	if (psbt_combine(&a, two, 2) == 0)
		psbt_free(&a);
	if (psbt_copy(&a, p) == 0) {
		(void)psbt_sign_keys(&a, NULL, key, 1, &opts);
		(void)psbt_finalize(&a, &n);
		if (psbt_extract(&tx, &a) == 0)
			tx_free(&tx);
		psbt_free(&a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psbt p, q;
	struct cbuf out;

	if (psbt_parse(&p, data, size) != 0)
		return 0;
	cbuf_init(&out, 0);
	if (psbt_serialize(&out, &p) != 0 || out.len != size || memcmp(out.p, data, size) != 0)
		abort();	/* a parsed PSBT must round-trip exactly */
	if (psbt_copy(&q, &p) == 0)
		psbt_free(&q);
	exercise(&p);
	cbuf_free(&out);
	psbt_free(&p);
	return 0;
}
