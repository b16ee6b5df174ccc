/*
 * Receiving end to end, with the real cofferd, its real signer and the
 * regtest chain double (tests/chaind), once through its Esplora API and once
 * through its bitcoind JSON-RPC (a watch-only descriptor wallet cofferd
 * creates in the "node"): create a wallet,
 * unlock, hand out addresses, receive (unconfirmed, then mined), balance,
 * UTXOs and transactions with confirmations and cursor paging, an address
 * far beyond the gap limit watched at once, then restart (SIGTERM) and
 * kill -9: the wallet's view is still there, also while the backend cannot
 * be reached (reported in /v1/info, retried), and catches up once it can.
 * Skipped, saying so, without the signer binary or node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "chaind_util.h"
#include "proc_util.h"
#include "wallet_util.h"

#define PASS "receive test passphrase"

static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static int bitcoind;	/* the backend under test: 0 Esplora, 1 bitcoind JSON-RPC */

static int
start(const char *url)
{
	const char *esplora[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--esplora", url, "--log-level", "debug", NULL };
	const char *rpc[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--bitcoind-rpc", url, "--bitcoind-rpc-user", "coffer",
		"--bitcoind-rpc-password", "test only", "--log-level", "debug", NULL };

	return proc_daemon_start(&d, COFFERD_BIN, bitcoind ? rpc : esplora);
}

static int64_t
jint(json_t *j, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(j, key));
}

/* POST /v1/wallet/sync until it answers 200 (the double may still be starting). */
static void
sync_now(void)
{
	json_t *j = NULL;
	int st = proc_http(&j, &d, "POST", "/v1/wallet/sync", NULL);

	CHECK_MSG(st == 200 && json_is_true(json_object_get(j, "synced")), "sync: %d", st);
	json_decref(j);
}

static void
balance(int64_t *confirmed, int64_t *unconfirmed)
{
	json_t *j = NULL;

	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/balance", NULL) == 200);
	*confirmed = jint(j, "confirmed_sat");
	*unconfirmed = jint(j, "unconfirmed_sat");
	CHECK(jint(j, "total_sat") == *confirmed + *unconfirmed);
	json_decref(j);
}

static void
new_address(char out[ADDR_BUFSIZE], int64_t want_index)
{
	json_t *j = NULL;
	const char *a;

	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/addresses", "{\"label\":\"rx\"}") == 201);
	CHECK(jint(j, "index") == want_index);
	a = json_string_value(json_object_get(j, "address"));
	snprintf(out, ADDR_BUFSIZE, "%s", a != NULL ? a : "");
	json_decref(j);
}

static void
test_receive(void)
{
	char a0[ADDR_BUFSIZE], a1[ADDR_BUFSIZE], far[ADDR_BUFSIZE], txid[65], bad_url[64];
	int64_t conf, unconf;
	json_t *j = NULL, *list;
	int i, st;

	/* Create and receive. */
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"tr\"}") == 201);
	json_decref(j);
	new_address(a0, 0);
	CHECK(strncmp(a0, "bcrt1p", 6) == 0);
	CHECK_OK(chaind_faucet(&chain, txid, a0, 50000));
	sync_now();
	balance(&conf, &unconf);
	CHECK(conf == 0 && unconf == 50000);
	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/transactions", NULL) == 200);
	list = json_object_get(j, "transactions");
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(list, 0), "txid")), txid);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(list, 0), "direction")), "in");
	CHECK(jint(json_array_get(list, 0), "amount_sat") == 50000);
	CHECK(jint(json_array_get(list, 0), "confirmations") == 0);
	json_decref(j);

	/* Mined: confirmed, confirmations counted from the tip. */
	CHECK_OK(chaind_mine(&chain, 3));
	sync_now();
	balance(&conf, &unconf);
	CHECK(conf == 50000 && unconf == 0);
	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/utxos", NULL) == 200);
	list = json_object_get(j, "utxos");
	CHECK(json_array_size(list) == 1);
	CHECK(jint(json_array_get(list, 0), "confirmations") == 3);
	CHECK(jint(json_array_get(list, 0), "value_sat") == 50000);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(list, 0), "address")), a0);
	json_decref(j);

	/* The background sync (every second) finds a payment by itself. */
	new_address(a1, 1);
	CHECK_OK(chaind_faucet(&chain, txid, a1, 20000));
	for (i = 0; i < 200; i++) {
		balance(&conf, &unconf);
		if (unconf == 20000)
			break;
		usleep(50 * 1000);
	}
	CHECK(conf == 50000 && unconf == 20000);

	/* An address handed out far beyond the gap limit is watched all the same. */
	for (i = 2; i < 40; i++)
		new_address(far, i);
	CHECK_OK(chaind_faucet(&chain, txid, far, 7000));
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	balance(&conf, &unconf);
	CHECK(conf == 77000 && unconf == 0);

	/* Paging: newest first, then the rest. */
	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/transactions?limit=2", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "transactions")) == 2);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(j, "transactions"), 0), "txid")),
	    txid);
	{
		char path[128];

		snprintf(path, sizeof(path), "/v1/wallet/transactions?limit=2&cursor=%s",
		    json_string_value(json_object_get(j, "next_cursor")));
		json_decref(j);
		CHECK(proc_http(&j, &d, "GET", path, NULL) == 200);
		CHECK(json_array_size(json_object_get(j, "transactions")) == 1);
		CHECK(json_is_null(json_object_get(j, "next_cursor")));
		json_decref(j);
	}

	/* Restart: the view is in the store before any sync. */
	CHECK(proc_daemon_stop(&d, 0) == 0);
	CHECK(start(chain.url) == 0);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	balance(&conf, &unconf);
	CHECK(conf == 77000 && unconf == 0);

	/* kill -9, then a backend that cannot be reached: still there, and /v1/info says why. */
	CHECK_OK(chaind_faucet(&chain, txid, a0, 3000));
	sync_now();
	proc_daemon_stop(&d, 1);
	snprintf(bad_url, sizeof(bad_url), "http://127.0.0.1:1");
	CHECK(start(bad_url) == 0);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	balance(&conf, &unconf);
	CHECK(conf == 77000 && unconf == 3000);
	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/transactions", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "transactions")) == 4);
	json_decref(j);
	st = proc_http(&j, &d, "POST", "/v1/wallet/sync", NULL);
	CHECK_MSG(st == 503, "sync against a dead backend: %d", st);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "chain_unreachable");
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/info", NULL) == 200);
	{
		json_t *c = json_object_get(j, "chain");

		CHECK(json_is_false(json_object_get(c, "connected")));
		CHECK(json_is_string(json_object_get(c, "error")));
		CHECK(json_is_integer(json_object_get(c, "retry_in_s")));
	}
	json_decref(j);

	/* The backend is back: it catches up. */
	CHECK(proc_daemon_stop(&d, 0) == 0);
	CHECK(start(chain.url) == 0);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	balance(&conf, &unconf);
	CHECK(conf == 80000 && unconf == 0);
	CHECK(proc_http(&j, &d, "GET", "/v1/info", NULL) == 200);
	CHECK(json_is_true(json_object_get(json_object_get(j, "chain"), "connected")));
	CHECK(jint(json_object_get(j, "chain"), "tip_height") > 0);
	json_decref(j);
	CHECK(proc_daemon_stop(&d, 0) == 0);
}

static void
run_with(int use_bitcoind)
{
	memset(&d, 0, sizeof(d));
	bitcoind = use_bitcoind;
	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	if (chaind_start(&chain) != 0) {
		CHECK_MSG(0, "the chain double did not start");
		chaind_stop(&chain);
		return;
	}
	if (start(chain.url) != 0)
		CHECK_MSG(0, "cofferd did not start");
	else
		test_receive();
	proc_daemon_cleanup(&d);
	chaind_stop(&chain);
}

static void
test_esplora(void)
{
	run_with(0);
}

static void
test_bitcoind(void)
{
	run_with(1);
}

static const struct test_case tests[] = {
	{ "esplora", test_esplora },
	{ "bitcoind", test_bitcoind },
};

TEST_MAIN(tests)
