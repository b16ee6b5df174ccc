/*
 * The payments suite end to end (issue #5, Proof): the real cofferd and its
 * real signer, driven over HTTP, paying through a bitcoind JSON-RPC face:
 *
 *   pay, idempotent retry (same key and body: the same payment; another
 *   body: 409), batch-pay, RBF bump, CPFP, cancel, concurrent payments (no
 *   coin in two live payments; the same key raced from two clients: one
 *   payment), a broadcast refusal (payment failed), confirmation, and a
 *   balance that reconciles with what the chain holds;
 *   webhook delivery to a local receiver that checks every signature
 *   (webhook_rx.h): payment.sent, .replaced, .failed, .confirmed, and
 *   payment.received for each funding transaction (none for our own);
 *   every transaction Coffer broadcasts goes first to the node's
 *   testmempoolaccept (rpc_proxy.h, between cofferd and the node) and must be
 *   allowed, with the fee the daemon recorded and a vsize within its
 *   estimate; afterwards the node's getmempoolentry holds each live one (and
 *   testmempoolaccept then says "txn-already-in-mempool"), replaced ones are
 *   gone, and once mined each is in a block.
 *
 * Backends: the chain double's bitcoind RPC mode always (make check), and a
 * real regtest bitcoind when COFFER_BITCOIND names its binary (started on
 * loopback ports with a temporary datadir by bitcoind_util.h; otherwise
 * "SKIPPED real-node suite: ..."). Skipped, saying so, without the signer.
 */
#include "chaind_util.h"
#include "payments_node_util.h"
#include "wallet_util.h"

/* ---- the scenarios -------------------------------------------------------------- */

struct conc {
	char body[512];
	int code;
	char id[64];
	pthread_barrier_t *bar;
};

static void *
conc_main(void *arg)
{
	struct conc *c = arg;
	json_t *j = NULL;

	pthread_barrier_wait(c->bar);
	c->code = post_pay(&j, "/v1/payments", c->body, c->id, NULL);
	json_decref(j);
	return NULL;
}

/* Payments made from several clients at once: each once, no coin in two of them. */
static void
concurrent(void)
{
	struct conc c[N_CONCURRENT + 2];
	pthread_t th[N_CONCURRENT + 2];
	pthread_barrier_t bar;
	size_t k, n = N_CONCURRENT + 2;
	int started[N_CONCURRENT + 2];

	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (k = 0; k < n; k++) {
		memset(&c[k], 0, sizeof(c[k]));
		c[k].bar = &bar;
		/* The last two: the same key and body from two clients at once. */
		if (k < N_CONCURRENT)
			snprintf(c[k].body, sizeof(c[k].body), "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":%zu}],"
			    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-conc-%zu\"}", 20000 + k, k);
		else
			snprintf(c[k].body, sizeof(c[k].body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":25000}],"
			    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-conc-same\"}", payee_tr);
	}
	for (k = 0; k < n; k++)
		started[k] = pthread_create(&th[k], NULL, conc_main, &c[k]) == 0;
	for (k = 0; k < n; k++)
		if (started[k])
			pthread_join(th[k], NULL);
		else
			CHECK_MSG(0, "thread %zu did not start", k);
	pthread_barrier_destroy(&bar);
	for (k = 0; k < N_CONCURRENT; k++) {
		CHECK_MSG(c[k].code == 201, "concurrent payment %zu: %d", k, c[k].code);
		expect_status(c[k].id, "broadcast");
	}
	CHECK_MSG((c[n - 2].code == 201 && c[n - 1].code == 200) || (c[n - 2].code == 200 && c[n - 1].code == 201),
	    "the same key twice at once: %d and %d", c[n - 2].code, c[n - 1].code);
	CHECK(c[n - 2].id[0] != '\0' && strcmp(c[n - 2].id, c[n - 1].id) == 0);
}

static void
scenarios(const char *type)
{
	char body[1024], addr[ADDR_BUFSIZE], id1[64], tx1[65], idb[64], txb[65], idx[64], txx[65], idp[64], txp[65];
	char idf[64];
	json_t *j = NULL, *pays;
	struct tx tx;
	const json_t *p;
	size_t i;
	int k, code;

	/* A wallet, a webhook endpoint for every payment event, funds in N_COINS coins. */
	snprintf(body, sizeof(body), "{\"passphrase\":\"" PASS "\",\"type\":\"%s\"}", type);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/create", body) == 201);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"url\":\"%s\",\"secret\":\"" SECRET "\",\"events\":[\"payment.sent\","
	    "\"payment.confirmed\",\"payment.failed\",\"payment.replaced\",\"payment.received\"]}", rx.url);
	code = proc_http(&j, &d, "POST", "/v1/webhooks", body);
	CHECK_MSG(code == 201, "POST /v1/webhooks: %d", code);
	json_decref(j);
	for (k = 0; k < N_COINS; k++) {
		CHECK(proc_http(&j, &d, "POST", "/v1/wallet/addresses", "{}") == 201);
		snprintf(addr, sizeof(addr), "%s", jstr(j, "address"));
		json_decref(j);
		CHECK(B->fund(fund_tx[k], addr, COIN_SAT) == 0);
	}
	CHECK(B->mine(1) == 0);
	sync_now();

	/* Pay; the same key and body again: the same payment; another body: 409. */
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":30000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-pay-1\"}");
	code = post_pay(&j, "/v1/payments", body, id1, tx1);
	CHECK_MSG(code == 201, "pay: %d %s", code, jstr(json_object_get(j, "error"), "message"));
	CHECK_STREQ(jstr(j, "status"), "broadcast");
	json_decref(j);
	CHECK(post_pay(&j, "/v1/payments", body, idx, txx) == 200);
	CHECK_STREQ(idx, id1);
	CHECK_STREQ(txx, tx1);
	json_decref(j);
	CHECK(post_pay(&j, "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":31000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-pay-1\"}", NULL, NULL) == 409);
	CHECK_STREQ(jstr(json_object_get(j, "error"), "code"), "idempotency_conflict");
	json_decref(j);

	/* A batch: three outputs, one transaction; then an RBF bump keeps every recipient. */
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":11000},"
	    "{\"address\":\"%s\",\"amount_sat\":12000},{\"address\":\"" PAYEE "\",\"amount_sat\":13000}],"
	    "\"fee_rate_sat_vb\":3,\"idempotency_key\":\"node-batch\"}", payee_tr);
	CHECK(post_pay(&j, "/v1/payments", body, idb, txb) == 201);
	CHECK(json_array_size(json_object_get(j, "outputs")) == 3);
	json_decref(j);
	CHECK(seen_tx(&tx, txb) == 0);
	CHECK(paid_to(&tx, PAYEE) == 24000 && paid_to(&tx, payee_tr) == 12000);
	tx_free(&tx);
	snprintf(body, sizeof(body), "/v1/payments/%s/bump", idb);
	code = post_pay(&j, body, "{\"fee_rate_sat_vb\":12}", idx, txx);
	CHECK_MSG(code == 201, "bump: %d %s", code, jstr(json_object_get(j, "error"), "message"));
	CHECK_STREQ(jstr(j, "kind"), "bump");
	CHECK_STREQ(jstr(j, "parent_id"), idb);
	json_decref(j);
	CHECK(seen_tx(&tx, txx) == 0);
	CHECK(paid_to(&tx, PAYEE) == 24000 && paid_to(&tx, payee_tr) == 12000);
	tx_free(&tx);
	CHECK(get_payment(&j, idb) == 200);
	CHECK_STREQ(jstr(j, "status"), "replaced");
	CHECK_STREQ(jstr(j, "replaced_by"), idx);
	json_decref(j);

	/* CPFP: a child spends the change of a low-fee payment, lifting the package to the rate. */
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":40000}],"
	    "\"fee_rate_sat_vb\":1,\"idempotency_key\":\"node-cpfp-parent\"}", payee_tr);
	CHECK(post_pay(&j, "/v1/payments", body, idp, txp) == 201);
	json_decref(j);
	snprintf(body, sizeof(body), "/v1/payments/%s/bump", idp);
	code = post_pay(&j, body, "{\"fee_rate_sat_vb\":25,\"cpfp\":true}", idx, txx);
	CHECK_MSG(code == 201, "cpfp: %d %s", code, jstr(json_object_get(j, "error"), "message"));
	CHECK_STREQ(jstr(j, "kind"), "cpfp");
	CHECK_STREQ(jstr(j, "parent_id"), idp);
	json_decref(j);
	expect_status(idp, "broadcast");
	{
		struct proxy_tx *a, *c;
		char prm[80];
		json_t *me;

		pthread_mutex_lock(&px.mu);
		a = proxy_find(&px, txp);
		c = proxy_find(&px, txx);
		CHECK_MSG(a != NULL && c != NULL && a->fee_sat + c->fee_sat >= 25 * (a->vsize + c->vsize),
		    "the package pays less than 25 sat/vB");
		pthread_mutex_unlock(&px.mu);
		snprintf(prm, sizeof(prm), "[\"%s\"]", txx);
		CHECK((me = btcnode_rpc(B->node, NULL, "getmempoolentry", prm)) != NULL);
		CHECK_STREQ(json_string_value(json_array_get(json_object_get(me, "depends"), 0)), txp);
		json_decref(me);
	}

	/* Cancel: the same inputs back to the wallet, one output, nothing to the payee. */
	CHECK(post_pay(&j, "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":50000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-cancel\"}", idp, txp) == 201);
	json_decref(j);
	snprintf(body, sizeof(body), "/v1/payments/%s/cancel", idp);
	code = post_pay(&j, body, "{\"fee_rate_sat_vb\":6}", idx, txx);
	CHECK_MSG(code == 201, "cancel: %d %s", code, jstr(json_object_get(j, "error"), "message"));
	CHECK_STREQ(jstr(j, "kind"), "cancel");
	json_decref(j);
	CHECK(seen_tx(&tx, txx) == 0);
	CHECK(tx.n_out == 1 && paid_to(&tx, PAYEE) == 0);
	tx_free(&tx);
	expect_status(idp, "replaced");

	concurrent();

	/* The node refuses a broadcast (the proxy answers -26): the payment fails, and stays failed. */
	pthread_mutex_lock(&px.mu);
	px.refuse_next = 1;
	pthread_mutex_unlock(&px.mu);
	code = post_pay(&j, "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":15000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-refused\"}", NULL, NULL);
	CHECK_MSG(code == 502, "a refused broadcast: %d", code);
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/payments?status=failed", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "payments")) == 1);
	snprintf(idf, sizeof(idf), "%s", jstr(json_array_get(json_object_get(j, "payments"), 0), "id"));
	CHECK(jstr(json_array_get(json_object_get(j, "payments"), 0), "failure")[0] != '\0');
	json_decref(j);
	CHECK(post_pay(&j, "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":15000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"node-refused\"}", idx, NULL) == 200);
	CHECK_STREQ(idx, idf);
	CHECK_STREQ(jstr(j, "status"), "failed");
	json_decref(j);

	/* Every transaction: accepted by testmempoolaccept before its broadcast; live ones in the mempool. */
	pays = all_payments();
	CHECK(json_array_size(pays) == 7 + N_CONCURRENT + 2);
	json_array_foreach(pays, i, p) {
		const char *st = jstr(p, "status");

		check_accepted(p);
		if (strcmp(st, "broadcast") == 0)
			check_in_mempool(jstr(p, "txid"), jint(p, "fee_sat"));
		else
			check_not_in_mempool(jstr(p, "txid"));
	}
	check_no_shared_coin(pays);
	json_decref(pays);

	/* Mined: every live payment confirmed; the balance reconciles; each is in a block. */
	CHECK(B->mine(1) == 0);
	pays = all_payments();
	json_array_foreach(pays, i, p)
		if (strcmp(jstr(p, "status"), "broadcast") == 0)
			wait_status(jstr(p, "id"), "confirmed");
	json_decref(pays);
	pays = all_payments();
	json_array_foreach(pays, i, p) {
		char prm[96];
		json_t *res;

		if (strcmp(jstr(p, "status"), "confirmed") != 0)
			continue;
		snprintf(prm, sizeof(prm), "[\"%s\", true]", jstr(p, "txid"));
		CHECK((res = btcnode_rpc(B->node, NULL, "getrawtransaction", prm)) != NULL &&
		    jint(res, "confirmations") >= 1);
		json_decref(res);
	}
	/* A payment marked failed was never paid: its transaction is nowhere on the node. */
	json_array_foreach(pays, i, p)
		if (strcmp(jstr(p, "status"), "failed") == 0) {
			char prm[96], msg[256];
			json_t *res = NULL;
			int64_t ec;

			snprintf(prm, sizeof(prm), "[\"%s\", true]", jstr(p, "txid"));
			CHECK_MSG(btcnode_call(B->node, &res, &ec, msg, sizeof(msg), NULL, "getrawtransaction", prm) ==
			    BITCOIND_RPC_ERROR && ec == -5, "failed payment %s: its transaction reached the node",
			    jstr(p, "id"));
			json_decref(res);
		}
	check_balance(pays);
	check_webhooks(pays);
	json_decref(pays);
	pthread_mutex_lock(&px.mu);
	k = 0;
	for (i = 0; i < px.n_tx; i++)
		k += px.tx[i].allowed;
	printf("# %s wallet: %zu transactions put to testmempoolaccept before their broadcast, %d allowed\n", type,
	    px.n_tx, k);
	CHECK((size_t)k == px.n_tx);
	pthread_mutex_unlock(&px.mu);
}

/* ---- one run: cofferd, its signer, the proxy, the receiver ---------------------- */

static int
start_daemon(void)
{
	const char *args[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--bitcoind-rpc", px.url, "--bitcoind-rpc-user",
		"coffer", "--bitcoind-rpc-password", "test only", "--log-level", "debug", NULL };

	return proc_daemon_start(&d, COFFERD_BIN, args);
}

static void
run_suite(const struct backend *b, const char *type)
{
	int up;

	B = b;
	memset(&d, 0, sizeof(d));
	printf("# payments suite: %s, %s wallet\n", b->name, type);
	up = proxy_start(&px, b->node) == 0;
	CHECK_MSG(up, "the RPC proxy did not start");
	if (up && (up = whrx_start(&rx, SECRET) == 0) == 0)
		CHECK_MSG(0, "the webhook receiver did not start");
	if (up && (up = start_daemon() == 0) == 0)
		CHECK_MSG(0, "cofferd did not start");
	if (up) {
		scenarios(type);
		/* cofferd stops its signer on the way out: let it, before the folder goes. */
		CHECK(proc_daemon_stop(&d, 0) == 0);
	}
	proc_daemon_cleanup(&d);
	whrx_stop(&rx);
	/* Nothing the proxy saw went wrong. */
	CHECK_MSG(px.errors == 0 && px.bad_rebroadcast == 0, "proxy: %zu errors, %zu bad re-broadcasts", px.errors,
	    px.bad_rebroadcast);
	proxy_stop(&px);
}

/* ---- the chain double's bitcoind mode ------------------------------------------- */

static struct chaind DD;
static struct btcnode dbl;

static int
double_fund(char txid[65], const char *addr, int64_t sat)
{
	return chaind_faucet(&DD, txid, addr, sat);
}

static int
double_mine(int blocks)
{
	return chaind_mine(&DD, blocks);
}

static void
test_double(void)
{
	const struct backend b = { "chain double (bitcoind RPC mode)", &dbl, double_fund, double_mine };

	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		return;
	}
	if (chaind_start(&DD) != 0 || btcnode_attach_double(&dbl, DD.url) != 0) {
		CHECK_MSG(0, "the chain double did not start");
	} else {
		run_suite(&b, "wpkh");
		run_suite(&b, "tr");
	}
	btcnode_stop(&dbl);
	chaind_stop(&DD);
}

/* ---- a real regtest bitcoind ----------------------------------------------------- */

static struct btcnode real;

static int
real_fund(char txid[65], const char *addr, int64_t sat)
{
	return btcnode_send(&real, txid, addr, sat);
}

static int
real_mine(int blocks)
{
	return btcnode_generate(&real, blocks);
}

static void
test_real_node(void)
{
	const char *bin = getenv("COFFER_BITCOIND");
	const struct backend b = { "regtest bitcoind", &real, real_fund, real_mine };

	if (bin == NULL || bin[0] == '\0') {
		printf("SKIPPED real-node suite: set COFFER_BITCOIND=/path/to/bitcoind to run the payments suite "
		    "against a real regtest node (the same scenarios ran against the chain double)\n");
		return;
	}
	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		return;
	}
	if (btcnode_start(&real, bin) != 0) {
		CHECK_MSG(0, "bitcoind did not start");
	} else {
		run_suite(&b, "wpkh");
		run_suite(&b, "tr");
	}
	btcnode_stop(&real);
}

static void
setup_payees(void)
{
	struct twallet w;

	if (twallet_init(&w, 0x77, 1) == 0)
		CHECK_OK(twallet_address(payee_tr, &w, 0, 0));
	twallet_free(&w);
}

static void
test_double_run(void)
{
	setup_payees();
	test_double();
}

static void
test_real_run(void)
{
	setup_payees();
	test_real_node();
}

static const struct test_case tests[] = {
	{ "chain_double", test_double_run },
	{ "real_node", test_real_run },
};

TEST_MAIN(tests)
