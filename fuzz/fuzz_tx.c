/*
 * libFuzzer harness for the transaction parser: any input must parse or fail
 * cleanly, in both modes. A transaction that parses must serialise back byte
 * for byte, agree with its own size/weight/id accounting, survive a deep copy,
 * and feed the sighash code and script classifier without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

static void
exercise(const struct tx *tx, const uint8_t *data, size_t size, unsigned int flags)
{
	static const uint8_t p2tr[34] = { 0x51, 0x20 };
	struct tx_out *spent;
	struct sighash_cache c;
	struct script_info info;
	struct cbuf b;
	struct tx cp;
	uint8_t h[32], h2[32], msg[SIGHASH_TAPROOT_MSG_MAX];
	size_t base, total, i, len;

	/* Canonical parse: re-serialising gives the input back. */
	cbuf_init(&b, 0);
	must(tx_serialize(&b, tx, flags) == 0);
	must(b.len == size && memcmp(b.p, data, size) == 0);
	tx_sizes(tx, &base, &total);
	must(total == (flags & TX_NO_WITNESS ? base : size));
	must(tx_weight(tx) == 3 * base + total);
	must(tx_wtxid(h, tx) == 0);
	if (!(flags & TX_NO_WITNESS)) {
		sha256d(h2, data, size);
		must(memcmp(h, h2, 32) == 0);
	}
	must(tx_txid(h, tx) == 0);
	(void)tx_check(tx);
	if (tx_copy(&cp, tx) == 0) {
		cbuf_reset(&b);
		must(tx_serialize(&b, &cp, flags) == 0 && b.len == size && memcmp(b.p, data, size) == 0);
		tx_free(&cp);
	}
	cbuf_free(&b);

	for (i = 0; i < tx->n_out && i < 8; i++)
		(void)script_classify(&info, tx->out[i].script_pubkey, tx->out[i].script_pubkey_len);
	for (i = 0; i < tx->n_in && i < 4; i++) {
		const uint8_t *it;
		size_t il, k;

		for (k = 0; k < tx->in[i].witness.count && k < 4; k++)
			must(tx_witness_item(&tx->in[i].witness, k, &it, &il) == 0);
	}
	if (tx->n_in == 0 || tx->n_in > 64)
		return;
	/* Sighashes over input 0 with the first output's script as the code. */
	{
		const uint8_t *code = tx->n_out > 0 ? tx->out[0].script_pubkey : NULL;
		size_t code_len = tx->n_out > 0 ? tx->out[0].script_pubkey_len : 0;
		uint32_t ht = size > 0 ? data[size - 1] : 1;

		must(sighash_legacy(h, tx, 0, code, code_len, ht) == 0);
		if ((spent = calloc(tx->n_in, sizeof(*spent))) == NULL)
			return;
		for (i = 0; i < tx->n_in; i++) {
			spent[i].value = (int64_t)i * 1000;
			spent[i].script_pubkey = (uint8_t *)p2tr;
			spent[i].script_pubkey_len = sizeof(p2tr);
		}
		must(sighash_cache_init(&c, tx, spent, tx->n_in) == 0);
		must(sighash_segwit_v0(h, &c, tx->n_in - 1, code, code_len, 5000, ht) == 0);
		for (i = 0; i < 8; i++) {
			static const uint8_t types[8] = { 0, 1, 2, 3, 0x81, 0x82, 0x83, 0x84 };
			int r = sighash_taproot(h, &c, 0, types[i], NULL, 0, i & 1 ? h2 : NULL, 7);

			must(r == 0 || r == COFFER_ERR_BAD_SIGHASH_TYPE);
			if (r == 0) {
				must(sighash_taproot_msg(msg, &len, &c, 0, types[i], NULL, 0, i & 1 ? h2 : NULL,
				    7) == 0);
				must(len <= SIGHASH_TAPROOT_MSG_MAX);
			}
		}
		free(spent);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[2] = { 0, TX_NO_WITNESS };
	struct tx tx;
	size_t m;

	/* The same bytes as a DER signature and as a script. */
	{
		uint8_t sig[64], der[SIGN_DER_MAX];
		size_t dl;
		struct script_info info;
		struct cbuf b;

		if (sign_der_decode(sig, data, size) == 0)
			must(sign_der_encode(der, &dl, sig) == 0 && dl == size && memcmp(der, data, size) == 0);
		(void)script_classify(&info, data, size);
		(void)script_is_push_only(data, size);
		cbuf_init(&b, 0);
		if (size > 2) {
			size_t removed;

			must(script_find_and_delete(&b, &removed, data + 2, size - 2, data, 2) == 0);
			must(b.len + 2 * removed == size - 2);
		}
		cbuf_free(&b);
	}
	for (m = 0; m < 2; m++) {
		if (tx_parse(&tx, data, size, modes[m]) != 0) {
			must(tx.n_in == 0 && tx.n_out == 0 && tx.in == NULL && tx.out == NULL);
			continue;
		}
		exercise(&tx, data, size, modes[m]);
		tx_free(&tx);
	}
	return 0;
}
