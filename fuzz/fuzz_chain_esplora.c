/*
 * libFuzzer harness for the chain response parsers: every Esplora body parser
 * and every bitcoind JSON-RPC reply parser gets the same hostile bytes. The
 * first input byte picks nothing; all parsers run on every input, so one
 * corpus covers them all. Outputs must be cleared on failure and consistent
 * on success.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/chain_bitcoind_int.h"
#include "daemon/chain_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

static void
esplora(const uint8_t *data, size_t size)
{
	static const uint8_t zero[32];
	uint8_t h[32], txid[32];
	uint32_t height;
	uint64_t fee;
	struct chain_tx_status st;
	struct esplora_hist hist;
	uint8_t *raw;
	size_t len, i;
	char reason[64];
	int r;

	if (esplora_parse_height(&height, data, size) != 0)
		must(height == 0);
	else
		must(height <= CHAIN_MAX_HEIGHT);
	if (esplora_parse_hash(h, data, size) != 0)
		must(memcmp(h, zero, 32) == 0);
	memset(h, 0x11, 32);
	if (esplora_parse_block(&height, h, data, size) != 0)
		must(height == 0);
	for (i = 1; i <= CHAIN_MAX_CONF_TARGET; i *= 6) {
		r = esplora_parse_fees(&fee, data, size, (uint32_t)i);
		must(r == 0 || fee == 0);
	}
	if (esplora_parse_status(&st, data, size) != 0)
		must(st.height == 0 && st.block_time == 0);
	if (esplora_parse_history(&hist, data, size) == 0) {
		must(hist.n <= ESPLORA_MAX_PAGE && hist.n_confirmed <= hist.n);
		for (i = 0; i < hist.n; i++)
			must(hist.e[i].status.height <= CHAIN_MAX_HEIGHT);
		esplora_hist_free(&hist);
	} else {
		must(hist.e == NULL && hist.n == 0);
	}
	if (esplora_parse_tx_hex(&raw, &len, data, size) == 0) {
		must(len > 0 && len * 2 <= size);
		free(raw);
	} else {
		must(raw == NULL && len == 0);
	}
	memset(txid, 0xa5, 32);
	for (i = 0; i < 3; i++) {
		static const long status[3] = { 200, 400, 500 };

		r = esplora_parse_broadcast(reason, sizeof(reason), status[i], data, size, txid);
		must(strlen(reason) < sizeof(reason));
		must(r == 0 || r == COFFER_ERR_CHAIN_REJECTED || r == COFFER_ERR_CHAIN_CONFLICT ||
		    r == COFFER_ERR_CHAIN_PROTOCOL || r == COFFER_ERR_CHAIN_UNREACHABLE);
	}
}

static void
bitcoind(const uint8_t *data, size_t size)
{
	json_t *res = NULL;
	int64_t code;
	char msg[64], cookie[BITCOIND_COOKIE_MAX];
	struct chain_tip tip;
	struct bitcoind_list l;
	struct chain_tx_status st;
	uint64_t fee;
	uint8_t txid[32], *raw;
	size_t len;
	int c, m, r;

	if (bitcoind_parse_cookie(cookie, sizeof(cookie), data, size) == 0)
		must(strchr(cookie, ':') != NULL);
	r = bitcoind_parse_reply(&res, &code, msg, sizeof(msg), data, size);
	must(strlen(msg) < sizeof(msg));
	if (r != 0) {
		must(res == NULL);
		return;
	}
	/* Every result parser on whatever the result is. */
	(void)bitcoind_parse_tip(&tip, res);
	(void)bitcoind_parse_fee(&fee, res);
	(void)bitcoind_parse_txid(txid, res);
	if (bitcoind_parse_list(&l, res, 1000) == 0) {
		must(l.n <= l.n_entries);
		bitcoind_list_free(&l);
	}
	if (bitcoind_parse_tx(&raw, &len, &st, &c, res, 1000) == 0)
		free(raw);
	else
		must(raw == NULL);
	(void)bitcoind_parse_import(msg, sizeof(msg), res, 1);
	(void)bitcoind_parse_ismine(&m, res);
	json_decref(res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	esplora(data, size);
	bitcoind(data, size);
	return 0;
}
