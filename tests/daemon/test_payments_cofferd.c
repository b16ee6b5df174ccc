/*
 * Payments end to end through cofferd itself (issue #5 wiring): the real
 * daemon, its real signer and the regtest chain double, which checks every
 * signature of what it is sent. Create a wallet, receive, sync, then
 * POST /v1/payments: the daemon opened its payments service at unlock, so
 * the payment is signed and broadcast (the double accepted it), mined and
 * confirmed; the same idempotency key returns the same payment; a payment
 * over the real signer's policy is refused (403) leaving nothing behind, and
 * its key pays once the policy allows it; after a restart and unlock the
 * payment is still there; after a lock the routes
 * answer 423. Once through the double's Esplora API, once through its
 * bitcoind JSON-RPC. Skipped, saying so, without the signer binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "chaind_util.h"
#include "proc_util.h"
#include "wallet_util.h"

#define PASS "payments cofferd test passphrase"
/* A regtest address of another wallet (BIP173's P2WPKH example, regtest HRP). */
#define PAYEE "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"

static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static int bitcoind;

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

static const char *
jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s != NULL ? s : "";
}

static void
sync_now(void)
{
	json_t *j = NULL;
	int st = proc_http(&j, &d, "POST", "/v1/wallet/sync", NULL);

	CHECK_MSG(st == 200 && json_is_true(json_object_get(j, "synced")), "sync: %d", st);
	json_decref(j);
}

static void
unlock(void)
{
	json_t *j = NULL;

	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
}

/* GET /v1/payments/ID: its status into out. */
static void
payment_status(char out[32], const char *id)
{
	char path[128];
	json_t *j = NULL;

	snprintf(path, sizeof(path), "/v1/payments/%s", id);
	CHECK(proc_http(&j, &d, "GET", path, NULL) == 200);
	snprintf(out, 32, "%s", jstr(j, "status"));
	json_decref(j);
}

static void
test_pay(void)
{
	const char *body = "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":30000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"cofferd-e2e-1\"}";
	const char *over = "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":25000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"cofferd-over-limit\"}";
	char a0[ADDR_BUFSIZE], txid[65], id[64], paytx[65], st[32];
	json_t *j = NULL;
	size_t n_events;
	int i, code;

	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"tr\"}") == 201);
	json_decref(j);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/addresses", "{\"label\":\"rx\"}") == 201);
	snprintf(a0, sizeof(a0), "%s", jstr(j, "address"));
	json_decref(j);
	CHECK_OK(chaind_faucet(&chain, txid, a0, 100000));
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();

	/* Pay: signed by the signer, accepted by the double, recorded. */
	code = proc_http(&j, &d, "POST", "/v1/payments", body);
	CHECK_MSG(code == 201, "POST /v1/payments: %d %s", code,
	    jstr(json_object_get(j, "error"), "code"));
	snprintf(id, sizeof(id), "%s", jstr(j, "id"));
	snprintf(paytx, sizeof(paytx), "%s", jstr(j, "txid"));
	CHECK(strncmp(id, "pay_", 4) == 0);
	CHECK(strlen(paytx) == 64);
	CHECK_STREQ(jstr(j, "status"), "broadcast");
	CHECK(jint(j, "fee_sat") > 0);
	json_decref(j);

	/* The same key and body: the same payment, not a second one. */
	CHECK(proc_http(&j, &d, "POST", "/v1/payments", body) == 200);
	CHECK_STREQ(jstr(j, "id"), id);
	CHECK_STREQ(jstr(j, "txid"), paytx);
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/payments", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "payments")) == 1);
	json_decref(j);

	/* The real signer's policy says no: 403 with its code, and nothing recorded (no payment, no event, the key free). */
	CHECK(proc_http(&j, &d, "PUT", "/v1/policy", "{\"policy\":{\"max_per_payment_sat\":20000},\"passphrase\":\""
	    PASS "\"}") == 200);
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/events", NULL) == 200);
	n_events = json_array_size(json_object_get(j, "events"));
	json_decref(j);
	code = proc_http(&j, &d, "POST", "/v1/payments", over);
	CHECK_MSG(code == 403 && strcmp(jstr(json_object_get(j, "error"), "code"), "policy_max_payment") == 0,
	    "over the policy: %d %s", code, jstr(json_object_get(j, "error"), "code"));
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/payments", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "payments")) == 1);
	json_decref(j);
	CHECK(proc_http(&j, &d, "GET", "/v1/events", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "events")) == n_events);
	json_decref(j);
	/* Allowed again: the same key pays now. */
	CHECK(proc_http(&j, &d, "PUT", "/v1/policy", "{\"policy\":{\"max_per_payment_sat\":0},\"passphrase\":\""
	    PASS "\"}") == 200);
	json_decref(j);
	code = proc_http(&j, &d, "POST", "/v1/payments", over);
	CHECK_MSG(code == 201, "the refused key once allowed: %d %s", code, jstr(json_object_get(j, "error"), "code"));
	json_decref(j);

	/* Mined: the worker (or the next look) finds it confirmed. */
	CHECK_OK(chaind_mine(&chain, 1));
	for (i = 0; i < 200; i++) {
		payment_status(st, id);
		if (strcmp(st, "confirmed") == 0)
			break;
		sync_now();
		usleep(50 * 1000);
	}
	CHECK_STREQ(st, "confirmed");

	/* Restart: the payment is still there once unlocked. */
	CHECK(proc_daemon_stop(&d, 0) == 0);
	CHECK(start(chain.url) == 0);
	unlock();
	payment_status(st, id);
	CHECK_STREQ(st, "confirmed");
	CHECK(proc_http(&j, &d, "POST", "/v1/payments", body) == 200);
	CHECK_STREQ(jstr(j, "id"), id);
	json_decref(j);

	/* Locked: the store and the service are closed (423), then open again at unlock. */
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/lock", NULL) == 200);
	json_decref(j);
	code = proc_http(&j, &d, "GET", "/v1/payments", NULL);
	CHECK_MSG(code == 423, "payments while locked: %d", code);
	json_decref(j);
	unlock();
	CHECK(proc_http(&j, &d, "GET", "/v1/payments", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "payments")) == 2);
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
		test_pay();
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
