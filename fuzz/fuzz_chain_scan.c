/*
 * libFuzzer harness for the wallet scan (chain_scan.c), which turns raw
 * transactions from a chain backend into amounts, fees and UTXOs. The input
 * is a list of transactions (u16 little-endian length, then the bytes); each
 * is added under its real txid, so it passes the txid check as a lying
 * server's bytes would, and may pay or spend the wallet's first scripts (the
 * harness splices them in where a script begins with 0x00 0x14 or 0x51 0x20
 * markers). The result must be internally consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/descriptor.h"
#include "btc/tx.h"
#include "common/err.h"
#include "daemon/chain_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct descriptor *desc[2];

static void
must(int cond)
{
	if (!cond)
		abort();
}

static void
init(void)
{
	static const char *d[2] = {
		"wpkh(tpubDDPRy5xWxJTuVmsh7YRzK8o2EdMWgn4t41fTLxXRgyRN7EKvN2L8BKCFC1gUfPu8Xp6rr667Yc26zrXsiBZsgBc8dQiYnhPNk2Q7CsBrer5/0/*)",
		"wpkh(tpubDDPRy5xWxJTuVmsh7YRzK8o2EdMWgn4t41fTLxXRgyRN7EKvN2L8BKCFC1gUfPu8Xp6rr667Yc26zrXsiBZsgBc8dQiYnhPNk2Q7CsBrer5/1/*)",
	};
	int i;

	for (i = 0; i < 2; i++)
		if (desc[i] == NULL && desc_parse(&desc[i], d[i], strlen(d[i]), BTC_REGTEST) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chain_sync_req req;
	struct chain_scan s;
	struct chain_sync_result out;
	struct chain_tip tip;
	struct chain_tx_status st;
	size_t off = 0, i;
	int r;

	init();
	memset(&req, 0, sizeof(req));
	req.desc[0] = desc[0];
	req.desc[1] = desc[1];
	req.last_used[0] = req.last_used[1] = -1;
	req.gap_limit = 3;
	if (chain_scan_init(&s, &req) != 0)
		abort();
	memset(&tip, 0, sizeof(tip));
	tip.height = 100;
	while (size - off >= 3) {
		size_t len = (size_t)data[off] | ((size_t)data[off + 1] << 8);
		struct tx tx;
		uint8_t txid[32], *raw;

		off += 2;
		if (len > size - off)
			len = size - off;
		if ((raw = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(raw, data + off, len);
		/* Wallet scripts where the input asks for them (marker + index byte). */
		for (i = 0; i + 22 <= len; i++)
			if (raw[i] == 0x00 && raw[i + 1] == 0x14 && i > 0 && raw[i - 1] == 22) {
				const struct chain_spk *sp = chain_scan_script(&s, (size_t)(raw[i + 2] & 1),
				    (uint32_t)(raw[i + 3] % 3));

				memcpy(raw + i, sp->p, 22);
			}
		off += len;
		tx_init(&tx);
		if (tx_parse(&tx, raw, len, 0) != 0 || tx_txid(txid, &tx) != 0) {
			tx_free(&tx);
			free(raw);
			continue;
		}
		tx_free(&tx);
		memset(&st, 0, sizeof(st));
		st.height = (uint32_t)(len % 3 == 0 ? 0 : 1 + len % 100);
		r = chain_scan_add_tx(&s, txid, &st, raw, len);
		must(r == 0 || r == COFFER_ERR_CHAIN_PROTOCOL || r == COFFER_ERR_TOO_LARGE);
		/* The same txid again only updates the status. */
		if (r == 0)
			must(chain_scan_add_tx(&s, txid, &st, NULL, 0) == 0);
	}
	if (chain_scan_finish(&s, &out, &tip) == 0) {
		for (i = 0; i < out.n_utxos; i++) {
			must(out.utxos[i].value >= 0 && out.utxos[i].value <= TX_MAX_MONEY);
			must(out.utxos[i].desc < 2 && out.utxos[i].index < 3 + 3);
			must((int64_t)out.utxos[i].index <= out.last_used[out.utxos[i].desc]);
		}
		for (i = 0; i < out.n_txs; i++) {
			must(out.txs[i].received_sat >= 0 && out.txs[i].spent_sat >= 0);
			must(out.txs[i].fee_sat == -1 || out.txs[i].fee_sat <= out.txs[i].spent_sat);
			if (i > 0 && out.txs[i].status.height != 0)
				must(out.txs[i - 1].status.height == 0 ||
				    out.txs[i - 1].status.height >= out.txs[i].status.height);
		}
		chain_sync_result_free(&out);
	}
	chain_scan_free(&s);
	return 0;
}
