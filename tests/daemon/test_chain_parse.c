/*
 * The chain response parsers on recorded and hostile bodies, no server:
 * Esplora (text and JSON endpoints) and bitcoind JSON-RPC replies. Each bad
 * body must give its specific error and leave the outputs cleared.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "common/err.h"
#include "daemon/chain_bitcoind_int.h"
#include "daemon/chain_int.h"

#define B(s) (const uint8_t *)(s), strlen(s)

static const char *HASH = "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5";

static void
test_esplora_text(void)
{
	uint32_t h;
	uint8_t hash[32], zero[32] = { 0 };
	uint8_t *raw;
	size_t len;

	CHECK_OK(esplora_parse_height(&h, B("840000")));
	CHECK(h == 840000);
	CHECK_OK(esplora_parse_height(&h, B("0\n")));
	CHECK(h == 0);
	CHECK_RC(esplora_parse_height(&h, B("")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_height(&h, B("012")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_height(&h, B("-1")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_height(&h, B("12 ")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_height(&h, B("99999999999999999999")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_height(&h, B("100000001")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(h == 0);
	CHECK_RC(esplora_parse_height(&h, (const uint8_t *)"1\0002", 3), COFFER_ERR_CHAIN_PROTOCOL);

	CHECK_OK(esplora_parse_hash(hash, B(HASH)));
	CHECK(hash[0] == 0xa5 && hash[31] == 0x00);	/* internal order */
	CHECK_RC(esplora_parse_hash(hash, (const uint8_t *)HASH, 63), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(memcmp(hash, zero, 32) == 0);
	CHECK_RC(esplora_parse_hash(hash, B("g000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")),
	    COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_hash(hash, B("\"0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83\"")),
	    COFFER_ERR_CHAIN_PROTOCOL);

	CHECK_OK(esplora_parse_tx_hex(&raw, &len, B("0200abff\n")));
	CHECK(len == 4 && raw[3] == 0xff);
	free(raw);
	CHECK_RC(esplora_parse_tx_hex(&raw, &len, B("020")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_tx_hex(&raw, &len, B("zz")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_tx_hex(&raw, &len, B("")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(raw == NULL && len == 0);
}

static void
test_esplora_json(void)
{
	uint32_t h;
	uint8_t hash[32];
	uint64_t f;
	struct chain_tx_status st;
	struct esplora_hist hist;
	char block[256], page[1024];

	CHECK_OK(esplora_parse_hash(hash, B(HASH)));
	snprintf(block, sizeof(block), "{\"id\":\"%s\",\"height\":840000,\"version\":536870912,\"tx_count\":3050}", HASH);
	CHECK_OK(esplora_parse_block(&h, hash, B(block)));
	CHECK(h == 840000);
	snprintf(block, sizeof(block), "{\"id\":\"%s\",\"height\":840000.0}", HASH);
	CHECK_RC(esplora_parse_block(&h, hash, B(block)), COFFER_ERR_CHAIN_PROTOCOL);
	hash[0] ^= 1;	/* asked for another block */
	snprintf(block, sizeof(block), "{\"id\":\"%s\",\"height\":1}", HASH);
	CHECK_RC(esplora_parse_block(&h, hash, B(block)), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(h == 0);

	/* Recorded from blockstream.info/api/fee-estimates (shape). */
	CHECK_OK(esplora_parse_fees(&f, B("{\"1\":87.882,\"2\":87.882,\"3\":87.882,\"4\":87.882,\"5\":81.129,"
	    "\"6\":68.285,\"10\":1.027,\"144\":1.027,\"504\":1.027,\"1008\":1.027}"), 6));
	CHECK(f == 68285);
	CHECK_OK(esplora_parse_fees(&f, B("{\"2\":3,\"6\":1}"), 1));
	CHECK(f == 3000);
	CHECK_OK(esplora_parse_fees(&f, B("{\"2\":3,\"6\":1}"), 1008));
	CHECK(f == 1000);
	CHECK_RC(esplora_parse_fees(&f, B("{}"), 1), COFFER_ERR_CHAIN_NO_ESTIMATE);
	CHECK_RC(esplora_parse_fees(&f, B("{\"x\":1}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"0\":1}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"1009\":1}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"1\":null}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"1\":-0.5}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"1\":1,\"1\":2}"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_fees(&f, B("{\"1\":1"), 1), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(f == 0);
	CHECK_OK(esplora_parse_fees(&f, B("{\"1\":1e308}"), 1));
	CHECK(f == (uint64_t)1e15);	/* saturates; chain_fee_estimate clamps */

	CHECK_OK(esplora_parse_status(&st, B("{\"confirmed\":false}")));
	CHECK(st.height == 0);
	snprintf(block, sizeof(block),
	    "{\"confirmed\":true,\"block_height\":840000,\"block_hash\":\"%s\",\"block_time\":1713571767}", HASH);
	CHECK_OK(esplora_parse_status(&st, B(block)));
	CHECK(st.height == 840000 && st.block_time == 1713571767 && st.block_hash[0] == 0xa5);
	snprintf(block, sizeof(block), "{\"confirmed\":true,\"block_height\":840000,\"block_hash\":\"%s\"}", HASH);
	CHECK_RC(esplora_parse_status(&st, B(block)), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(st.height == 0);
	snprintf(block, sizeof(block),
	    "{\"confirmed\":true,\"block_height\":0,\"block_hash\":\"%s\",\"block_time\":1}", HASH);
	CHECK_RC(esplora_parse_status(&st, B(block)), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_status(&st, B("{\"confirmed\":1}")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_status(&st, B("[]")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_status(&st, B("{\"confirmed\":true,\"block_height\":-5}")), COFFER_ERR_CHAIN_PROTOCOL);

	/* A history page: mempool first, then confirmed; extra fields ignored. */
	snprintf(page, sizeof(page),
	    "[{\"txid\":\"%s\",\"version\":2,\"vin\":[],\"vout\":[{\"value\":\"lies\"}],\"status\":{\"confirmed\":false}},"
	    "{\"txid\":\"%s\",\"status\":{\"confirmed\":true,\"block_height\":5,\"block_hash\":\"%s\",\"block_time\":7}}]",
	    HASH, "1111111111111111111111111111111111111111111111111111111111111111", HASH);
	CHECK_OK(esplora_parse_history(&hist, B(page)));
	CHECK(hist.n == 2 && hist.n_confirmed == 1 && hist.last_confirmed[0] == 0x11);
	CHECK(hist.e[0].status.height == 0 && hist.e[1].status.height == 5);
	esplora_hist_free(&hist);
	CHECK_OK(esplora_parse_history(&hist, B("[]")));
	CHECK(hist.n == 0);
	esplora_hist_free(&hist);
	CHECK_RC(esplora_parse_history(&hist, B("{}")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_history(&hist, B("[{\"txid\":\"ab\",\"status\":{\"confirmed\":false}}]")),
	    COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_history(&hist, B("[null]")), COFFER_ERR_CHAIN_PROTOCOL);
	snprintf(page, sizeof(page), "[{\"txid\":\"%s\"}]", HASH);
	CHECK_RC(esplora_parse_history(&hist, B(page)), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(hist.n == 0 && hist.e == NULL);
	{
		/* More entries than a page may hold. */
		size_t n = ESPLORA_MAX_PAGE + 1, i, off = 0;
		size_t one = 100 + 64;
		char *big = malloc(n * one + 2);

		CHECK(big != NULL);
		if (big != NULL) {
			big[off++] = '[';
			for (i = 0; i < n; i++)
				off += (size_t)snprintf(big + off, one, "%s{\"txid\":\"%s\",\"status\":{\"confirmed\":false}}",
				    i ? "," : "", HASH);
			big[off++] = ']';
			CHECK_RC(esplora_parse_history(&hist, (const uint8_t *)big, off), COFFER_ERR_CHAIN_PROTOCOL);
			free(big);
		}
	}
}

static void
test_esplora_broadcast(void)
{
	uint8_t txid[32];
	char reason[CHAIN_REASON_LEN];

	CHECK_OK(esplora_parse_hash(txid, B(HASH)));
	CHECK_OK(esplora_parse_broadcast(reason, sizeof(reason), 200, B(HASH), txid));
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 200,
	    B("1111111111111111111111111111111111111111111111111111111111111111"), txid), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 200, B("ok"), txid), COFFER_ERR_CHAIN_PROTOCOL);
	/* As electrs passes bitcoind's refusals through. */
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 400,
	    B("sendrawtransaction RPC error: {\"code\":-26,\"message\":\"min relay fee not met, 100 < 141\"}"), txid),
	    COFFER_ERR_CHAIN_REJECTED);
	CHECK(strstr(reason, "min relay fee not met") != NULL);
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 400,
	    B("sendrawtransaction RPC error: {\"code\":-25,\"message\":\"bad-txns-inputs-missingorspent\"}"), txid),
	    COFFER_ERR_CHAIN_CONFLICT);
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 400,
	    B("sendrawtransaction RPC error: {\"code\":-26,\"message\":\"txn-mempool-conflict\"}"), txid),
	    COFFER_ERR_CHAIN_CONFLICT);
	CHECK_OK(esplora_parse_broadcast(reason, sizeof(reason), 400,
	    B("sendrawtransaction RPC error: {\"code\":-27,\"message\":\"Transaction already in block chain\"}"), txid));
	CHECK_OK(esplora_parse_broadcast(reason, sizeof(reason), 400,
	    B("sendrawtransaction RPC error: {\"code\":-26,\"message\":\"txn-already-in-mempool\"}"), txid));
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 503, B("busy"), txid), COFFER_ERR_CHAIN_UNREACHABLE);
	CHECK_RC(esplora_parse_broadcast(reason, sizeof(reason), 302, B(""), txid), COFFER_ERR_CHAIN_PROTOCOL);
	/* A reason is printable ASCII, and bounded. */
	CHECK_RC(esplora_parse_broadcast(reason, 8, 400, B("bad\x01\x1b[31mred"), txid), COFFER_ERR_CHAIN_REJECTED);
	CHECK_STREQ(reason, "bad??[3");
}

static void
test_bitcoind_replies(void)
{
	json_t *res;
	int64_t code;
	char msg[CHAIN_REASON_LEN];
	struct chain_tip tip;
	uint64_t f;
	uint8_t txid[32];
	struct bitcoind_list l;
	struct chain_tx_status st;
	uint8_t *raw;
	size_t len;
	int conflicted, mine;
	char buf[1024];

	/* Envelope. */
	snprintf(buf, sizeof(buf), "{\"result\":{\"chain\":\"regtest\",\"blocks\":101,\"headers\":101,"
	    "\"bestblockhash\":\"%s\",\"difficulty\":4.6e-10},\"error\":null,\"id\":\"cofferd\"}", HASH);
	CHECK_OK(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B(buf)));
	CHECK_OK(bitcoind_parse_tip(&tip, res));
	CHECK(tip.height == 101 && tip.hash[0] == 0xa5);
	json_decref(res);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg),
	    B("{\"result\":null,\"error\":{\"code\":-18,\"message\":\"Requested wallet does not exist or is not loaded\"},"
	    "\"id\":\"cofferd\"}")), BITCOIND_RPC_ERROR);
	CHECK(code == -18 && strstr(msg, "does not exist") != NULL && res == NULL);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B("{\"error\":{\"code\":\"x\",\"message\":\"m\"}}")),
	    COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B("{\"id\":1}")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B("[]")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B("{\"result\":1")), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK_RC(bitcoind_parse_reply(&res, &code, msg, sizeof(msg), B("")), COFFER_ERR_CHAIN_PROTOCOL);

	res = json_loads("{\"blocks\":-1,\"bestblockhash\":\"00\"}", 0, NULL);
	CHECK_RC(bitcoind_parse_tip(&tip, res), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(res);

	/* estimatesmartfee: BTC/kvB. */
	res = json_loads("{\"feerate\":0.00012345,\"blocks\":2}", 0, NULL);
	CHECK_OK(bitcoind_parse_fee(&f, res));
	CHECK(f == 12345);
	json_decref(res);
	res = json_loads("{\"errors\":[\"Insufficient data or no feerate found\"],\"blocks\":0}", 0, NULL);
	CHECK_RC(bitcoind_parse_fee(&f, res), COFFER_ERR_CHAIN_NO_ESTIMATE);
	json_decref(res);
	res = json_loads("{\"feerate\":\"0.1\"}", 0, NULL);
	CHECK_RC(bitcoind_parse_fee(&f, res), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(res);

	res = json_string(HASH);
	CHECK_OK(bitcoind_parse_txid(txid, res));
	json_decref(res);
	res = json_integer(5);
	CHECK_RC(bitcoind_parse_txid(txid, res), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(res);

	/* listtransactions: confirmed, unconfirmed, conflicted (dropped). */
	snprintf(buf, sizeof(buf),
	    "[{\"address\":\"bcrt1q...\",\"category\":\"receive\",\"amount\":0.5,\"vout\":0,\"confirmations\":3,"
	    "\"blockhash\":\"%s\",\"blockheight\":99,\"blockindex\":1,\"blocktime\":1700000000,\"txid\":\"%s\"},"
	    "{\"category\":\"receive\",\"amount\":0.1,\"confirmations\":0,\"trusted\":false,\"txid\":\"%s\"},"
	    "{\"category\":\"send\",\"amount\":-0.1,\"confirmations\":-2,\"txid\":\"%s\"}]",
	    HASH, HASH, "1111111111111111111111111111111111111111111111111111111111111111",
	    "2222222222222222222222222222222222222222222222222222222222222222");
	res = json_loads(buf, 0, NULL);
	CHECK_OK(bitcoind_parse_list(&l, res, 101));
	CHECK(l.n == 2 && l.n_entries == 3);
	CHECK(l.e[0].status.height == 99 && l.e[0].status.block_time == 1700000000);
	CHECK(l.e[1].status.height == 0 && l.e[1].txid[0] == 0x11);
	bitcoind_list_free(&l);
	json_decref(res);
	/* Without blockheight (older nodes): from confirmations. */
	snprintf(buf, sizeof(buf), "[{\"confirmations\":3,\"blockhash\":\"%s\",\"blocktime\":5,\"txid\":\"%s\"}]", HASH,
	    HASH);
	res = json_loads(buf, 0, NULL);
	CHECK_OK(bitcoind_parse_list(&l, res, 101));
	CHECK(l.n == 1 && l.e[0].status.height == 99);
	bitcoind_list_free(&l);
	CHECK_RC(bitcoind_parse_list(&l, res, 1), COFFER_ERR_CHAIN_PROTOCOL);	/* deeper than the chain */
	json_decref(res);
	res = json_loads("[{\"confirmations\":\"3\"}]", 0, NULL);
	CHECK_RC(bitcoind_parse_list(&l, res, 101), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(l.e == NULL && l.n == 0);
	json_decref(res);

	/* gettransaction. */
	snprintf(buf, sizeof(buf), "{\"amount\":0.5,\"confirmations\":0,\"txid\":\"%s\",\"hex\":\"0200\"}", HASH);
	res = json_loads(buf, 0, NULL);
	CHECK_OK(bitcoind_parse_tx(&raw, &len, &st, &conflicted, res, 101));
	CHECK(len == 2 && raw[0] == 2 && st.height == 0 && !conflicted);
	free(raw);
	json_decref(res);
	res = json_loads("{\"confirmations\":0,\"hex\":\"020\"}", 0, NULL);
	CHECK_RC(bitcoind_parse_tx(&raw, &len, &st, &conflicted, res, 101), COFFER_ERR_CHAIN_PROTOCOL);
	CHECK(raw == NULL);
	json_decref(res);

	/* importdescriptors. */
	res = json_loads("[{\"success\":true,\"warnings\":[\"Range not given, using default keypool range\"]}]", 0, NULL);
	CHECK_OK(bitcoind_parse_import(msg, sizeof(msg), res, 1));
	CHECK_RC(bitcoind_parse_import(msg, sizeof(msg), res, 2), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(res);
	res = json_loads("[{\"success\":false,\"error\":{\"code\":-5,\"message\":\"Provided checksum 'x' does not match\"}}]",
	    0, NULL);
	CHECK_RC(bitcoind_parse_import(msg, sizeof(msg), res, 1), COFFER_ERR_CHAIN_WALLET);
	CHECK(strstr(msg, "checksum") != NULL);
	json_decref(res);

	res = json_loads("{\"address\":\"x\",\"ismine\":true,\"iswatchonly\":false}", 0, NULL);
	CHECK_OK(bitcoind_parse_ismine(&mine, res));
	CHECK(mine == 1);
	json_decref(res);
	res = json_loads("{\"ismine\":\"yes\"}", 0, NULL);
	CHECK_RC(bitcoind_parse_ismine(&mine, res), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(res);

	/* Cookie files. */
	CHECK_OK(bitcoind_parse_cookie(buf, sizeof(buf), B("__cookie__:0123abcd\n")));
	CHECK_STREQ(buf, "__cookie__:0123abcd");
	CHECK_RC(bitcoind_parse_cookie(buf, sizeof(buf), B("nocolon")), COFFER_ERR_CHAIN_AUTH);
	CHECK_RC(bitcoind_parse_cookie(buf, sizeof(buf), B("a:b c")), COFFER_ERR_CHAIN_AUTH);
	CHECK_RC(bitcoind_parse_cookie(buf, 4, B("a:bcdef")), COFFER_ERR_CHAIN_AUTH);
}

static void
test_classify(void)
{
	CHECK_OK(chain_classify_reject("Transaction outputs already in utxo set", -27));
	CHECK_RC(chain_classify_reject("bad-txns-inputs-missingorspent", -25), COFFER_ERR_CHAIN_CONFLICT);
	CHECK_RC(chain_classify_reject("insufficient fee, rejecting replacement", -26), COFFER_ERR_CHAIN_REJECTED);
	CHECK_RC(chain_classify_reject("mandatory-script-verify-flag-failed (Signature must be zero)", -26),
	    COFFER_ERR_CHAIN_REJECTED);
	CHECK_STREQ(coffer_err_name(COFFER_ERR_CHAIN_REJECTED), "tx_rejected");
	CHECK_STREQ(coffer_err_name(COFFER_ERR_CHAIN_UNREACHABLE), "chain_unreachable");
}

static const struct test_case tests[] = {
	{ "esplora_text", test_esplora_text },
	{ "esplora_json", test_esplora_json },
	{ "esplora_broadcast", test_esplora_broadcast },
	{ "bitcoind_replies", test_bitcoind_replies },
	{ "classify", test_classify },
};

TEST_MAIN(tests)
