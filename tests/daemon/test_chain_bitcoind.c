/*
 * The bitcoind backend end to end: one scenario (wallet creation and import,
 * funding, sync, confirmations, a restarted backend, the gap window growing,
 * a bad signature refused, a wallet-core spend accepted) against the chain
 * double's bitcoind RPC mode always, and against a real regtest node when
 * COFFER_BITCOIND names a bitcoind binary (started on loopback ports with a
 * temporary datadir, funded from a node-side miner wallet, stopped and removed
 * afterwards; skipped with a message otherwise). Plus options, the config
 * mapping and scripted bad replies. Recorded replies: test_chain_parse.c.
 */
#include "harness.h"
#include "bitcoind_util.h"
#include "chaind_util.h"

#include "common/err.h"
#include "daemon/chain_config.h"

static struct btcnode real;

static struct chain *
backend(void)
{
	struct chain_opts o;
	struct chain *c = NULL;

	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = real.url;
	o.rpc_cookie_file = real.cookie;
	return chain_bitcoind_new(&c, &o) == 0 ? c : NULL;
}

static const struct chain_utxo *
find_utxo(const struct chain_sync_result *r, uint32_t d, uint32_t i)
{
	size_t k;

	for (k = 0; k < r->n_utxos; k++)
		if (r->utxos[k].desc == d && r->utxos[k].index == i)
			return &r->utxos[k];
	return NULL;
}

/* Where the scenario runs: a real node, or the chain double's RPC mode. */
struct node {
	struct chain *(*backend)(void);
	void (*fund)(const char *addr, int64_t sat);
	void (*mine)(int n);
	uint32_t height0;		/* tip height when the scenario starts */
};

/*
 * The backend end to end: the first sync creates the watch-only wallet and
 * imports the descriptors; funds are found, confirmed, found again by a second
 * backend (a restarted cofferd); a use past the first window is found once an
 * index in between is used (the import grows); a bad signature is refused and
 * a spend signed by the wallet core is accepted, its change found.
 */
static void
scenario(const struct node *n, uint8_t seed)
{
	struct twallet w;
	struct chain *c, *c2;
	struct chain_sync_req q;
	struct chain_sync_result r, r2;
	struct chain_tip tip;
	struct desc_scripts dest;
	struct tx tx;
	struct tx_out spent[1];
	uint32_t who[1][2];
	struct cbuf raw;
	uint8_t txid[32], want[32];
	char addr[100], reason[CHAIN_REASON_LEN];
	const struct chain_utxo *u;
	uint64_t fee;

	CHECK_OK(twallet_init(&w, seed, 1));
	CHECK((c = n->backend()) != NULL);
	if (c == NULL)
		return;
	CHECK_STREQ(chain_name(c), "bitcoind");
	CHECK_OK(chain_tip(c, &tip));
	CHECK(tip.height == n->height0);
	(void)chain_fee_estimate(c, &fee, 6);	/* a fresh regtest may have none */

	CHECK_OK(twallet_address(addr, &w, 0, 2));
	n->fund(addr, 50000000);
	memset(&q, 0, sizeof(q));
	q.desc[0] = w.desc[0];
	q.desc[1] = w.desc[1];
	q.last_used[0] = q.last_used[1] = -1;
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.n_utxos == 1 && (u = find_utxo(&r, 0, 2)) != NULL && u->value == 50000000 && u->height == 0);
	CHECK(r.last_used[0] == 2);
	chain_sync_result_free(&r);
	n->mine(1);
	q.last_used[0] = 2;
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.tip.height == n->height0 + 1 && r.n_utxos == 1 && r.utxos[0].height == n->height0 + 1);

	/* A second backend (a restarted cofferd) finds the wallet already there. */
	CHECK((c2 = n->backend()) != NULL);
	if (c2 != NULL) {
		CHECK_OK(chain_sync(c2, &r2, &q));
		CHECK(r2.n_utxos == 1 && r2.n_txs == r.n_txs);
		chain_sync_result_free(&r2);
		chain_free(c2);
	}
	/* Index 30 is past the window (2 + 20); using 20 brings it in. */
	CHECK_OK(twallet_address(addr, &w, 0, 30));
	n->fund(addr, 10000);
	CHECK_OK(chain_sync(c, &r2, &q));
	CHECK(r2.n_utxos == 1 && r2.last_used[0] == 2);
	chain_sync_result_free(&r2);
	CHECK_OK(twallet_address(addr, &w, 0, 20));
	n->fund(addr, 20000);
	CHECK_OK(chain_sync(c, &r2, &q));
	CHECK(r2.n_utxos == 3 && r2.last_used[0] == 30 && find_utxo(&r2, 0, 30) != NULL);
	chain_sync_result_free(&r2);

	/* Spend the first coin, signed by the wallet core. */
	desc_scripts_init(&dest);
	CHECK_OK(desc_derive(&dest, w.desc[1], 0, 0));
	tx_init(&tx);
	if (r.n_utxos == 1) {
		CHECK_OK(tx_add_input(&tx, r.utxos[0].outpoint.txid, r.utxos[0].outpoint.vout, 0xfffffffd));
		CHECK_OK(tx_add_output(&tx, r.utxos[0].value - 1000, dest.spk[0].p, dest.spk[0].len));
		spent[0].value = r.utxos[0].value;
		spent[0].script_pubkey = r.utxos[0].spk;
		spent[0].script_pubkey_len = r.utxos[0].spk_len;
		who[0][0] = 0;
		who[0][1] = 2;
		CHECK_OK(twallet_sign(&tx, &w, spent, (const uint32_t (*)[2])who));
		/* First a broken signature: refused, with the node's reason. */
		{
			const uint8_t *item;
			size_t ilen;
			struct cbuf bad;

			CHECK_OK(tx_witness_item(&tx.in[0].witness, 0, &item, &ilen));
			((uint8_t *)item)[5] ^= 1;
			cbuf_init(&bad, 0);
			CHECK_OK(tx_serialize(&bad, &tx, 0));
			CHECK_RC(chain_broadcast(c, txid, reason, sizeof(reason), bad.p, bad.len), COFFER_ERR_CHAIN_REJECTED);
			CHECK(reason[0] != '\0');
			cbuf_free(&bad);
			((uint8_t *)item)[5] ^= 1;
		}
		cbuf_init(&raw, 0);
		CHECK_OK(tx_serialize(&raw, &tx, 0));
		CHECK_OK(tx_txid(want, &tx));
		CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));
		CHECK(memcmp(txid, want, 32) == 0);
		CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));	/* known: fine */
		cbuf_free(&raw);
		{
			struct chain_tx got;

			CHECK_OK(chain_get_tx(c, &got, want));
			CHECK(got.status.height == 0);
			chain_tx_free(&got);
		}
		chain_sync_result_free(&r);
		q.last_used[0] = 30;
		CHECK_OK(chain_sync(c, &r, &q));
		CHECK(r.n_utxos == 3 && (u = find_utxo(&r, 1, 0)) != NULL && u->value == 50000000 - 1000);
		CHECK(find_utxo(&r, 0, 2) == NULL);
		CHECK(r.last_used[1] == 0);
		CHECK(r.n_txs == 4);
		{
			size_t k;
			int seen = 0;

			for (k = 0; k < r.n_txs; k++)
				if (memcmp(r.txs[k].txid, want, 32) == 0) {
					seen = 1;
					CHECK(r.txs[k].fee_sat == 1000 && r.txs[k].spent_sat == 50000000 &&
					    r.txs[k].received_sat == 50000000 - 1000 && r.txs[k].status.height == 0);
				}
			CHECK(seen);
		}
	}
	tx_free(&tx);
	desc_scripts_free(&dest);
	chain_sync_result_free(&r);
	chain_free(c);
	twallet_free(&w);
}

/* ---- a real node ---- */

static void
real_fund(const char *addr, int64_t sat)
{
	CHECK(btcnode_send(&real, NULL, addr, sat) == 0);
}

static void
real_mine(int n)
{
	CHECK(btcnode_generate(&real, n) == 0);
}

static void
test_real_node(void)
{
	const char *bin = getenv("COFFER_BITCOIND");
	struct node n = { backend, real_fund, real_mine, 101 };

	if (bin == NULL || bin[0] == '\0') {
		printf("SKIPPED real-node suite: set COFFER_BITCOIND=/path/to/bitcoind to run it "
		    "(the same scenario runs against the chain double's RPC mode in double_node)\n");
		return;
	}
	if (btcnode_start(&real, bin) != 0) {
		CHECK_MSG(0, "bitcoind did not start");
		btcnode_stop(&real);
		return;
	}
	scenario(&n, 11);
	btcnode_stop(&real);
}

/* ---- the chain double's bitcoind mode ---- */

static struct chaind DD;

static struct chain *
double_backend(void)
{
	struct chain_opts o;
	struct chain *c = NULL;

	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = DD.url;
	o.rpc_user = "coffer";
	o.rpc_password = "test";
	return chain_bitcoind_new(&c, &o) == 0 ? c : NULL;
}

static void
double_fund(const char *addr, int64_t sat)
{
	char t[65];

	CHECK(chaind_faucet(&DD, t, addr, sat) == 0);
}

static void
double_mine(int n)
{
	CHECK(chaind_mine(&DD, n) == 0);
}

static void
test_double_node(void)
{
	struct node n = { double_backend, double_fund, double_mine, 0 };

	if (chaind_start(&DD) != 0) {
		CHECK(0);
		chaind_stop(&DD);
		return;
	}
	scenario(&n, 13);
	chaind_stop(&DD);
}

static void
test_options(void)
{
	struct chain_opts o;
	struct chain *c = NULL;

	memset(&o, 0, sizeof(o));
	o.url = "http://127.0.0.1:1";
	CHECK_RC(chain_bitcoind_new(&c, &o), COFFER_ERR_INVALID_ARG);	/* no credentials */
	o.rpc_cookie_file = "/nonexistent/.cookie";
	o.rpc_user = "u";
	o.rpc_password = "p";
	CHECK_RC(chain_bitcoind_new(&c, &o), COFFER_ERR_INVALID_ARG);	/* both */
	o.rpc_cookie_file = NULL;
	o.wallet_name = "../etc";
	CHECK_RC(chain_bitcoind_new(&c, &o), COFFER_ERR_INVALID_ARG);
	o.wallet_name = NULL;
	CHECK_OK(chain_bitcoind_new(&c, &o));
	{
		struct chain_tip t;

		CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_UNREACHABLE);
	}
	chain_free(c);
	o.rpc_user = NULL;
	o.rpc_password = NULL;
	o.rpc_cookie_file = "/nonexistent/.cookie";
	CHECK_OK(chain_bitcoind_new(&c, &o));
	{
		struct chain_tip t;

		CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_AUTH);	/* cookie unreadable */
	}
	chain_free(c);
}

/* Scripted bad RPC replies: each a specific error, never a crash. */
static void
test_hostile_rpc(void)
{
	struct chaind d;
	struct chain_opts o;
	struct chain *c = NULL;
	struct chain_tip t;
	uint64_t f;

	if (chaind_start(&d) != 0) {
		CHECK(0);
		chaind_stop(&d);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.url = d.url;
	o.rpc_user = "u";
	o.rpc_password = "p";
	CHECK_OK(chain_bitcoind_new(&c, &o));
	json_decref(chaind_post(&d, "/hostile", "{\"method\":\"POST\",\"path\":\"/\",\"body\":\"<html>\"}"));
	CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(chaind_post(&d, "/hostile", "{\"method\":\"POST\",\"path\":\"/\",\"status\":502,\"body\":\"<html>\"}"));
	CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_UNREACHABLE);
	json_decref(chaind_post(&d, "/hostile",
	    "{\"method\":\"POST\",\"path\":\"/\",\"body\":\"{\\\"result\\\":{\\\"blocks\\\":\\\"7\\\"},\\\"error\\\":null}\"}"));
	CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_PROTOCOL);
	json_decref(chaind_post(&d, "/hostile", "{\"method\":\"POST\",\"path\":\"/\",\"status\":401,\"body\":\"\"}"));
	CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_AUTH);
	json_decref(chaind_post(&d, "/hostile",
	    "{\"method\":\"POST\",\"path\":\"/\",\"status\":500,\"body\":\"{\\\"result\\\":null,\\\"error\\\":{\\\"code\\\":-28,\\\"message\\\":\\\"Loading block index...\\\"}}\"}"));
	CHECK_RC(chain_tip(c, &t), COFFER_ERR_CHAIN_UNREACHABLE);
	json_decref(chaind_post(&d, "/hostile",
	    "{\"method\":\"POST\",\"path\":\"/\",\"body\":\"{\\\"result\\\":{\\\"errors\\\":[\\\"Insufficient data or no feerate found\\\"],\\\"blocks\\\":0},\\\"error\\\":null}\"}"));
	CHECK_RC(chain_fee_estimate(c, &f, 2), COFFER_ERR_CHAIN_NO_ESTIMATE);
	json_decref(chaind_post(&d, "/hostile",
	    "{\"method\":\"POST\",\"path\":\"/\",\"body\":\"{\\\"result\\\":{\\\"blocks\\\":7,\\\"bestblockhash\\\":\\\"0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5\\\"},\\\"error\\\":null}\"}"));
	CHECK_OK(chain_tip(c, &t));
	CHECK(t.height == 7);
	chain_free(c);
	chaind_stop(&d);
}

/* The daemon's configuration picks the backend. */
static void
test_from_config(void)
{
	struct daemon_config cfg;
	struct chain *c;

	config_init(&cfg);
	cfg.network = BTC_REGTEST;
	cfg.esplora[0] = '\0';
	CHECK_RC(chain_from_config(&c, &cfg), COFFER_ERR_CONFIG_CONFLICT);
	snprintf(cfg.esplora, sizeof(cfg.esplora), "https://example.invalid/api");
	CHECK_OK(chain_from_config(&c, &cfg));
	CHECK_STREQ(chain_name(c), "esplora");
	chain_free(c);
	snprintf(cfg.bitcoind_rpc, sizeof(cfg.bitcoind_rpc), "http://127.0.0.1:18443");
	CHECK_RC(chain_from_config(&c, &cfg), COFFER_ERR_CONFIG_CONFLICT);	/* no credentials */
	snprintf(cfg.bitcoind_rpc_cookie, sizeof(cfg.bitcoind_rpc_cookie), "/tmp/.cookie");
	CHECK_OK(chain_from_config(&c, &cfg));
	CHECK_STREQ(chain_name(c), "bitcoind");
	chain_free(c);
	snprintf(cfg.bitcoind_rpc_user, sizeof(cfg.bitcoind_rpc_user), "u");
	CHECK_RC(chain_from_config(&c, &cfg), COFFER_ERR_CONFIG_CONFLICT);	/* both */
	CHECK(c == NULL);
	snprintf(cfg.bitcoind_rpc, sizeof(cfg.bitcoind_rpc), "ftp://127.0.0.1");
	cfg.bitcoind_rpc_user[0] = '\0';
	CHECK_RC(chain_from_config(&c, &cfg), COFFER_ERR_CONFIG_CONFLICT);
	config_clear(&cfg);
}

static const struct test_case tests[] = {
	{ "from_config", test_from_config },
	{ "options", test_options },
	{ "hostile_rpc", test_hostile_rpc },
	{ "double_node", test_double_node },
	{ "real_node", test_real_node },
};

TEST_MAIN(tests)
