/*
 * libFuzzer harness for the PSBT parser: any input must parse or fail cleanly;
 * a PSBT that parses must serialise back byte for byte, copy, convert to the
 * other version and back, and answer the typed readers without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct psbt *p)
{
	struct psbt a, b;
	struct tx tx;
	uint32_t lt;
	int64_t fee;
	size_t i;

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
