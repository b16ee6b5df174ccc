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
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "harness.h"
#include "chaind_util.h"

#include "common/err.h"
#include "daemon/chain_bitcoind_int.h"
#include "daemon/chain_config.h"

static pid_t node_pid = -1;
static char datadir[256];
static char cookie[320];
static char url[64];
static struct chain_http rpc_http;
static int node_up;

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* One RPC from the test itself (miner wallet, generate); returns the result or NULL. */
static json_t *
node_rpc(const char *wallet, const char *method, const char *params)
{
	struct chain_http_resp r;
	char path[128], body[2048], msg[256];
	json_t *res = NULL;
	int64_t code;

	snprintf(path, sizeof(path), wallet ? "/wallet/%s" : "/", wallet ? wallet : "");
	snprintf(body, sizeof(body), "{\"jsonrpc\":\"1.0\",\"id\":\"t\",\"method\":\"%s\",\"params\":%s}", method, params);
	{
		uint8_t buf[BITCOIND_COOKIE_MAX];
		char line[BITCOIND_COOKIE_MAX];
		ssize_t n;
		int fd = open(cookie, O_RDONLY);

		if (fd < 0)
			return NULL;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n <= 0 || bitcoind_parse_cookie(line, sizeof(line), buf, (size_t)n) != 0 ||
		    chain_http_set_userpwd(&rpc_http, line, strlen(line)) != 0)
			return NULL;
	}
	if (chain_http_request(&rpc_http, &r, "POST", path, "application/json", (const uint8_t *)body,
	    strlen(body)) != 0)
		return NULL;
	if (bitcoind_parse_reply(&res, &code, msg, sizeof(msg), r.body.p, r.body.len) != 0) {
		fprintf(stderr, "bitcoind %s: %s\n", method, msg);
		res = NULL;
	}
	chain_http_resp_free(&r);
	return res;
}

static void
rm_rf(const char *path)
{
	char cmd[512];

	if (path[0] == '\0' || strncmp(path, "/tmp/", 5) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

static int
node_start(const char *bin)
{
	char a_datadir[300], a_rpcport[32], a_port[32];
	struct chain_opts o;
	int rpcport = free_port(), p2p = free_port(), i;
	json_t *res;

	snprintf(datadir, sizeof(datadir), "/tmp/coffer-bitcoind-XXXXXX");
	if (mkdtemp(datadir) == NULL || rpcport < 0 || p2p < 0)
		return -1;
	snprintf(a_datadir, sizeof(a_datadir), "-datadir=%s", datadir);
	snprintf(a_rpcport, sizeof(a_rpcport), "-rpcport=%d", rpcport);
	snprintf(a_port, sizeof(a_port), "-port=%d", p2p);
	snprintf(cookie, sizeof(cookie), "%s/regtest/.cookie", datadir);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", rpcport);
	if ((node_pid = fork()) < 0)
		return -1;
	if (node_pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 1);
		execl(bin, bin, "-regtest", a_datadir, a_rpcport, a_port, "-listen=0", "-server=1",
		    "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-fallbackfee=0.0002", "-printtoconsole=0",
		    "-discover=0", "-dnsseed=0", (char *)NULL);
		_exit(127);
	}
	memset(&o, 0, sizeof(o));
	o.url = url;
	if (chain_http_init(&rpc_http, &o) != 0)
		return -1;
	/* Wait for the node to answer (start-up, not a timing assertion). */
	for (i = 0; i < 600; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		int st;

		if (waitpid(node_pid, &st, WNOHANG) == node_pid) {
			node_pid = -1;
			fprintf(stderr, "bitcoind exited during start-up\n");
			return -1;
		}
		if ((res = node_rpc(NULL, "getblockchaininfo", "[]")) != NULL) {
			json_decref(res);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void
node_stop(void)
{
	json_t *res;
	int st;

	if (node_pid > 0) {
		if ((res = node_rpc(NULL, "stop", "[]")) != NULL)
			json_decref(res);
		else
			kill(node_pid, SIGTERM);
		while (waitpid(node_pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	node_pid = -1;
	if (rpc_http.base != NULL)
		chain_http_free(&rpc_http);
	rm_rf(datadir);
	datadir[0] = '\0';
}

static struct chain *
backend(void)
{
	struct chain_opts o;
	struct chain *c = NULL;

	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = url;
	o.rpc_cookie_file = cookie;
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

static void
mine(int n, const char *addr)
{
	char p[256];
	json_t *res;

	snprintf(p, sizeof(p), "[%d, \"%s\"]", n, addr);
	CHECK((res = node_rpc(NULL, "generatetoaddress", p)) != NULL);
	json_decref(res);
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

static char miner[100];

static void
real_fund(const char *addr, int64_t sat)
{
	char p[256];

	snprintf(p, sizeof(p), "[\"%s\", %lld.%08lld]", addr, (long long)(sat / 100000000), (long long)(sat % 100000000));
	json_decref(node_rpc("miner", "sendtoaddress", p));
}

static void
real_mine(int n)
{
	mine(n, miner);
}

static void
test_real_node(void)
{
	const char *bin = getenv("COFFER_BITCOIND");
	struct node n = { backend, real_fund, real_mine, 101 };
	json_t *res;

	if (bin == NULL || bin[0] == '\0') {
		printf("SKIPPED real-node suite: set COFFER_BITCOIND=/path/to/bitcoind to run it "
		    "(the same scenario runs against the chain double's RPC mode in double_node)\n");
		return;
	}
	CHECK(node_start(bin) == 0);
	if (node_pid <= 0) {
		node_stop();
		return;
	}
	node_up = 1;
	/* A miner wallet with keys, on the node side. */
	json_decref(node_rpc(NULL, "createwallet", "[\"miner\"]"));
	CHECK((res = node_rpc("miner", "getnewaddress", "[]")) != NULL);
	snprintf(miner, sizeof(miner), "%s", json_string_value(res) ? json_string_value(res) : "");
	json_decref(res);
	mine(101, miner);
	scenario(&n, 11);
	node_stop();
	node_up = 0;
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
