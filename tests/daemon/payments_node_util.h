/*
 * The payments node suite's context and checks (test_payments_node.c): the
 * daemon under test, the RPC proxy in front of the node, the webhook
 * receiver, and what is checked about each payment against the node.
 */
#ifndef COFFER_TESTS_DAEMON_PAYMENTS_NODE_UTIL_H
#define COFFER_TESTS_DAEMON_PAYMENTS_NODE_UTIL_H

#include <pthread.h>

#include "harness.h"

#include "bitcoind_util.h"
#include "proc_util.h"
#include "rpc_proxy.h"
#include "webhook_rx.h"

#include "btc/address.h"

#define PASS "payments node suite passphrase"
#define SECRET "whsec_node_suite_0123456789abcdef"
/* Payees outside the wallet: BIP173's P2WPKH example (regtest HRP), and a P2TR made by the test. */
#define PAYEE "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
#define N_COINS 14
#define COIN_SAT 1000000
#define N_CONCURRENT 5
#define MAX_PAY 64
/* Polling bounds: how long to wait before calling it a failure (the payments worker runs every 5 s). */
#define WAIT_ROUNDS 600
#define WAIT_US (100 * 1000)

struct backend {
	const char *name;
	struct btcnode *node;		/* the test's own RPC handle */
	int (*fund)(char txid[65], const char *addr, int64_t sat);
	int (*mine)(int blocks);
};

static struct proc_daemon d;
static struct rpc_proxy px;
static struct whrx rx;
static const struct backend *B;
static const char *signer;
static char payee_tr[100];		/* twallet_address writes up to 100 */
static char fund_tx[N_COINS][65];	/* the funding transactions */

/* ---- small helpers --------------------------------------------------------------- */

static const char *
jstr(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s != NULL ? s : "";
}

static int64_t
jint(const json_t *j, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(j, key));
}

static void
sync_now(void)
{
	json_t *j = NULL;
	int st = proc_http(&j, &d, "POST", "/v1/wallet/sync", NULL);

	CHECK_MSG(st == 200 && json_is_true(json_object_get(j, "synced")), "sync: %d", st);
	json_decref(j);
}

/* GET /v1/payments/ID into *j (json_decref it). Returns the HTTP status. */
static int
get_payment(json_t **j, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/payments/%s", id);
	return proc_http(j, &d, "GET", path, NULL);
}

static void
expect_status(const char *id, const char *status)
{
	json_t *j = NULL;

	CHECK(get_payment(&j, id) == 200);
	CHECK_MSG(strcmp(jstr(j, "status"), status) == 0, "%s: %s, expected %s (%s)", id, jstr(j, "status"), status,
	    jstr(j, "failure"));
	json_decref(j);
}

/* Every payment (newest first, at most MAX_PAY). */
static json_t *
all_payments(void)
{
	json_t *j = NULL, *arr;

	CHECK(proc_http(&j, &d, "GET", "/v1/payments?limit=200", NULL) == 200);
	arr = json_incref(json_object_get(j, "payments"));
	json_decref(j);
	return arr != NULL ? arr : json_array();
}

/* POST body to path; the answer into *j; out_id/out_txid filled when given. Returns the status. */
static int
post_pay(json_t **j, const char *path, const char *body, char out_id[64], char out_txid[65])
{
	int code = proc_http(j, &d, "POST", path, body);

	if (out_id != NULL)
		snprintf(out_id, 64, "%s", jstr(*j, "id"));
	if (out_txid != NULL)
		snprintf(out_txid, 65, "%s", jstr(*j, "txid"));
	return code;
}

/* The raw transaction the proxy saw for txid, parsed. 0 or -1. */
static int
seen_tx(struct tx *tx, const char *txid)
{
	struct proxy_tx *t;
	struct cbuf b;
	int r = -1;

	tx_init(tx);
	pthread_mutex_lock(&px.mu);
	if ((t = proxy_find(&px, txid)) != NULL && t->hex != NULL) {
		cbuf_init(&b, strlen(t->hex) / 2 + 1);
		if (hex_decode_buf(&b, t->hex, strlen(t->hex)) == 0 && tx_parse(tx, b.p, b.len, 0) == 0)
			r = 0;
		cbuf_free(&b);
	}
	pthread_mutex_unlock(&px.mu);
	return r;
}

/* Sum of tx's outputs paying addr. */
static int64_t
paid_to(const struct tx *tx, const char *addr)
{
	uint8_t spk[ADDR_MAX_SPK];
	size_t len, i;
	int64_t sum = 0;

	if (addr_decode(spk, &len, NULL, addr, BTC_REGTEST) != 0)
		return -1;
	for (i = 0; i < tx->n_out; i++)
		if (tx->out[i].script_pubkey_len == len && memcmp(tx->out[i].script_pubkey, spk, len) == 0)
			sum += tx->out[i].value;
	return sum;
}

/*
 * The payment j's transaction was put to testmempoolaccept before its
 * broadcast and allowed, under our txid, with the recorded fee, a vsize
 * within the daemon's estimate (at most 2 WU per input above the signed
 * size, docs/PAYMENTS.md) and at least the payment's fee rate on it.
 */
static void
check_accepted(const json_t *j)
{
	const char *txid = jstr(j, "txid");
	struct proxy_tx t;
	struct proxy_tx *p;
	struct tx tx;
	int64_t fee = jint(j, "fee_sat"), vsize = jint(j, "vsize");
	double rate = json_number_value(json_object_get(j, "fee_rate_sat_vb"));
	int found;

	pthread_mutex_lock(&px.mu);
	if ((found = (p = proxy_find(&px, txid)) != NULL))
		t = *p;
	pthread_mutex_unlock(&px.mu);
	CHECK_MSG(found, "%s: txid %s never reached testmempoolaccept", jstr(j, "id"), txid);
	if (!found)
		return;
	CHECK_MSG(t.allowed && t.txid_match, "%s: testmempoolaccept: allowed %d, %s", jstr(j, "id"), t.allowed,
	    t.reason);
	CHECK_MSG(t.fee_sat == fee, "%s: node fee %lld, recorded %lld", jstr(j, "id"), (long long)t.fee_sat,
	    (long long)fee);
	CHECK(seen_tx(&tx, txid) == 0);
	CHECK_MSG(t.vsize > 0 && t.vsize <= vsize && (vsize - t.vsize) * 4 <= 2 * (int64_t)tx.n_in + 3,
	    "%s: node vsize %lld, estimated %lld", jstr(j, "id"), (long long)t.vsize, (long long)vsize);
	if (strcmp(jstr(j, "kind"), "cpfp") != 0)
		CHECK_MSG((double)t.fee_sat >= rate * (double)t.vsize, "%s: fee %lld below %.1f sat/vB x %lld vB",
		    jstr(j, "id"), (long long)t.fee_sat, rate, (long long)t.vsize);
	tx_free(&tx);
}

/* The node holds txid in its mempool with this fee, and testmempoolaccept says so. */
static void
check_in_mempool(const char *txid, int64_t fee)
{
	char p[80];
	json_t *res, *again;
	struct proxy_tx *t;
	char *params = NULL;

	snprintf(p, sizeof(p), "[\"%s\"]", txid);
	CHECK_MSG((res = btcnode_rpc(B->node, NULL, "getmempoolentry", p)) != NULL, "%s not in the mempool", txid);
	if (res != NULL)
		CHECK(llround(json_number_value(json_object_get(json_object_get(res, "fees"), "base")) * 1e8) == fee);
	json_decref(res);
	pthread_mutex_lock(&px.mu);
	if ((t = proxy_find(&px, txid)) != NULL && (params = malloc(strlen(t->hex) + 8)) != NULL)
		snprintf(params, strlen(t->hex) + 8, "[[\"%s\"]]", t->hex);
	pthread_mutex_unlock(&px.mu);
	if (params == NULL)
		return;
	again = btcnode_rpc(B->node, NULL, "testmempoolaccept", params);
	CHECK_MSG(again != NULL && !json_is_true(json_object_get(json_array_get(again, 0), "allowed")) &&
	    strcmp(jstr(json_array_get(again, 0), "reject-reason"), "txn-already-in-mempool") == 0,
	    "%s: testmempoolaccept of a mempool tx: %s", txid, jstr(json_array_get(again, 0), "reject-reason"));
	json_decref(again);
	free(params);
}

static void
check_not_in_mempool(const char *txid)
{
	char p[80], msg[256];
	json_t *res = NULL;
	int64_t code;

	snprintf(p, sizeof(p), "[\"%s\"]", txid);
	CHECK(btcnode_call(B->node, &res, &code, msg, sizeof(msg), NULL, "getmempoolentry", p) == BITCOIND_RPC_ERROR &&
	    code == -5);
	json_decref(res);
}

/* Wait until the payment reaches status (bounded; the worker confirms every 5 s). */
static void
wait_status(const char *id, const char *status)
{
	json_t *j = NULL;
	int i, done = 0;

	for (i = 0; i < WAIT_ROUNDS && !done; i++) {
		if (get_payment(&j, id) == 200 && strcmp(jstr(j, "status"), status) == 0)
			done = 1;
		json_decref(j);
		j = NULL;
		if (!done)
			usleep(WAIT_US);
	}
	CHECK_MSG(done, "%s never became %s", id, status);
}

/* No coin is an input of two live (broadcast) payments. */
static void
check_no_shared_coin(json_t *pays)
{
	uint8_t seen[MAX_PAY * 8][36];
	size_t n = 0, i, k, m;
	struct tx tx;
	const json_t *p;

	json_array_foreach(pays, i, p) {
		if (strcmp(jstr(p, "status"), "broadcast") != 0)
			continue;
		CHECK(seen_tx(&tx, jstr(p, "txid")) == 0);
		for (k = 0; k < tx.n_in && n < MAX_PAY * 8; k++) {
			memcpy(seen[n], tx.in[k].prevout.txid, 32);
			memcpy(seen[n] + 32, &tx.in[k].prevout.vout, 4);
			for (m = 0; m < n; m++)
				CHECK_MSG(memcmp(seen[m], seen[n], 36) != 0, "a coin spent by two live payments (%s)",
				    jstr(p, "id"));
			n++;
		}
		tx_free(&tx);
	}
	CHECK(n > 0);
}

/* The wallet's balance once everything is mined: funding − what left it (external outputs and fees). */
static void
check_balance(json_t *pays)
{
	int64_t want = (int64_t)N_COINS * COIN_SAT;
	const json_t *p;
	struct tx tx;
	json_t *j = NULL;
	size_t i;
	int r, done = 0;

	json_array_foreach(pays, i, p) {
		if (strcmp(jstr(p, "status"), "confirmed") != 0)
			continue;
		CHECK(seen_tx(&tx, jstr(p, "txid")) == 0);
		want -= jint(p, "fee_sat") + paid_to(&tx, PAYEE) + paid_to(&tx, payee_tr);
		tx_free(&tx);
	}
	for (r = 0; r < WAIT_ROUNDS && !done; r++) {
		sync_now();
		if (proc_http(&j, &d, "GET", "/v1/wallet/balance", NULL) == 200 && jint(j, "unconfirmed_sat") == 0 &&
		    jint(j, "confirmed_sat") == want)
			done = 1;
		else
			usleep(WAIT_US);
		if (!done && r == WAIT_ROUNDS - 1) {
			json_t *u = NULL;
			char *dump;

			CHECK_MSG(0, "balance: confirmed %lld unconfirmed %lld, expected %lld", (long long)jint(j,
			    "confirmed_sat"), (long long)jint(j, "unconfirmed_sat"), (long long)want);
			/* What the daemon holds, for the log. */
			proc_http(&u, &d, "GET", "/v1/wallet/utxos", NULL);
			if ((dump = json_dumps(u, JSON_COMPACT)) != NULL)
				fprintf(stderr, "utxos: %s\n", dump);
			free(dump);
			json_decref(u);
			dump = json_dumps(pays, JSON_COMPACT);
			fprintf(stderr, "payments: %s\n", dump != NULL ? dump : "");
			free(dump);
		}
		json_decref(j);
		j = NULL;
	}
}

/* Each payment's events arrived, signed: sent (with its txid) and confirmed or replaced; failed. */
static void
check_webhooks(json_t *pays)
{
	const json_t *p;
	size_t i, r, missing = 0;

	for (r = 0; r < WAIT_ROUNDS; r++) {
		missing = 0;
		json_array_foreach(pays, i, p) {
			const char *id = jstr(p, "id"), *st = jstr(p, "status");

			if (strcmp(st, "failed") == 0)
				missing += (size_t)!whrx_has(&rx, "payment.failed", id);
			else
				missing += (size_t)(!whrx_has(&rx, "payment.sent", id) +
				    !whrx_has(&rx, strcmp(st, "replaced") == 0 ? "payment.replaced" : "payment.confirmed", id));
		}
		if (missing == 0)
			break;
		usleep(WAIT_US);
	}
	CHECK_MSG(missing == 0, "%zu webhook events never arrived", missing);
	/* Incoming payments: each funding transaction announced, none of the wallet's own. */
	for (r = 0; r < WAIT_ROUNDS; r++) {
		missing = 0;
		for (i = 0; i < N_COINS; i++)
			missing += (size_t)!whrx_has_txid(&rx, "payment.received", fund_tx[i]);
		if (missing == 0)
			break;
		usleep(WAIT_US);
	}
	CHECK_MSG(missing == 0, "%zu funding transactions without payment.received", missing);
	json_array_foreach(pays, i, p)
		CHECK_MSG(!whrx_has_txid(&rx, "payment.received", jstr(p, "txid")), "payment.received for our own %s",
		    jstr(p, "id"));
	pthread_mutex_lock(&rx.mu);
	CHECK_MSG(rx.bad == 0 && rx.good > 0, "webhooks: %zu verified, %zu refused", rx.good, rx.bad);
	for (i = 0; i < rx.n; i++) {
		const json_t *q;
		size_t k;

		/* A payment.sent names the transaction the payment recorded. */
		if (strcmp(rx.ev[i].type, "payment.sent") == 0)
			json_array_foreach(pays, k, q)
				if (strcmp(jstr(q, "id"), rx.ev[i].payment_id) == 0)
					CHECK_STREQ(rx.ev[i].txid, jstr(q, "txid"));
	}
	printf("# webhooks: %zu deliveries verified (HMAC-SHA256 recomputed and webhook_verify), %zu refused\n",
	    rx.good, rx.bad);
	pthread_mutex_unlock(&rx.mu);
}

#endif
