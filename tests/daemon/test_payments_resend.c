/*
 * A payment the chain took while cofferd died before recording that it sent
 * it (issue #5, "never lost, never doubled"): the window the crash test
 * (test_payments_crashd.c) hits at random, made deterministic. The chain
 * double accepts the broadcast and never answers (hostile "accept" + "hang"),
 * and cofferd is killed with SIGKILL right then: the payment stays "signed"
 * in its store. The payment is changeless (one output, the fee subtracted
 * from it); before cofferd comes back the transaction confirms and the
 * recipient spends that output. Re-sending it, bitcoind (and the double, as
 * bitcoind) no longer says "already in utxo set" but refuses it as spending
 * missing inputs. After a restart, the client's retry and the reconcile, the
 * payment must be confirmed, not failed (a failure would invite the client to
 * pay again), and the wallet's balance zero. Through the double's Esplora
 * API (its hostile answers match a method and path, and only the broadcast
 * is a POST to /tx). Skipped, saying so, without the signer binary.
 */
#include <pthread.h>

#include "harness.h"

#include "crashd_util.h"
#include "proc_util.h"
#include "wallet_util.h"

#define PASS "resend test passphrase"
#define COIN 100000

static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static char body[512];

static int
start(void)
{
	const char *args[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--esplora", chain.url, "--log-level", "debug",
		NULL };

	return proc_daemon_start(&d, COFFERD_BIN, args);
}

static int
call(json_t **j, const char *method, const char *path, const char *b)
{
	return crashd_http(j, d.port, d.token, method, path, b, NULL);
}

/* The payment request, sent from a thread: its answer never comes (cofferd is killed meanwhile). */
static void *
pay_thread(void *arg)
{
	json_t *j = NULL;

	*(int *)arg = call(&j, "POST", "/v1/payments", body);
	json_decref(j);
	return NULL;
}

/* The recipient spends output 0 of txid (value sat) to another address of its own; mined. */
static void
recipient_spends(const struct twallet *w, const char *txid_hex, int64_t value)
{
	uint8_t display[32], txid[32], spk[ADDR_MAX_SPK], spk2[ADDR_MAX_SPK];
	uint32_t who[1][2] = { { 0, 0 } };
	char a0[100], a1[100];
	struct tx_out spent;
	struct chain_http_resp r;
	struct cbuf raw, hex;
	size_t spklen, spk2len, i;
	struct tx tx;

	CHECK_OK(twallet_address(a0, w, 0, 0));
	CHECK_OK(twallet_address(a1, w, 0, 1));
	CHECK_OK(addr_decode(spk, &spklen, NULL, a0, BTC_REGTEST));
	CHECK_OK(addr_decode(spk2, &spk2len, NULL, a1, BTC_REGTEST));
	CHECK_OK(hex_decode_exact(display, 32, txid_hex));
	for (i = 0; i < 32; i++)
		txid[i] = display[31 - i];
	tx_init(&tx);
	tx.version = 2;
	spent.value = value;
	spent.script_pubkey = spk;
	spent.script_pubkey_len = spklen;
	CHECK_OK(tx_add_input(&tx, txid, 0, 0xfffffffd));
	CHECK_OK(tx_add_output(&tx, value - 1000, spk2, spk2len));
	CHECK_OK(twallet_sign(&tx, w, &spent, (const uint32_t (*)[2])who));
	cbuf_init(&raw, 1 << 16);
	cbuf_init(&hex, 1 << 17);
	CHECK_OK(tx_serialize(&raw, &tx, 0));
	CHECK_OK(hex_encode_buf(&hex, raw.p, raw.len));
	CHECK_OK(chain_http_request(&chain.ctl, &r, "POST", "/tx", "text/plain", hex.p, hex.len));
	CHECK_MSG(r.status == 200, "the recipient's spend: %ld %.*s", r.status, (int)r.body.len, (const char *)r.body.p);
	chain_http_resp_free(&r);
	cbuf_free(&raw);
	cbuf_free(&hex);
	tx_free(&tx);
	CHECK_OK(chaind_mine(&chain, 1));
}

static void
test_resend(void)
{
	struct twallet w;
	pthread_t th;
	pid_t kids[8];
	char a[ADDR_BUFSIZE], payee[100], txid[65], id[64], status[16] = "", path[128];
	json_t *j = NULL, *stats, *tx;
	int st, tries, answered = -1;
	size_t n, i;

	CHECK_OK(twallet_init(&w, 0x6e, 0));
	CHECK_OK(twallet_address(payee, &w, 0, 0));
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":%d}],\"fee_rate_sat_vb\":2,"
	    "\"subtract_fee_from_output\":0,\"idempotency_key\":\"resend-1\"}", payee, COIN);
	/* A wallet holding one coin. */
	CHECK(call(&j, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"wpkh\"}") == 201);
	json_decref(j);
	CHECK(call(&j, "POST", "/v1/wallet/addresses", "{}") == 201);
	snprintf(a, sizeof(a), "%s", crashd_jstr(j, "address"));
	json_decref(j);
	CHECK_OK(chaind_faucet(&chain, txid, a, COIN));
	CHECK_OK(chaind_mine(&chain, 1));
	for (tries = 0; tries < 600; tries++) {
		(void)call(&j, "POST", "/v1/wallet/sync", NULL);
		json_decref(j);
		st = call(&j, "GET", "/v1/wallet/balance", NULL);
		i = st == 200 && crashd_jint(j, "confirmed_sat") == COIN;
		json_decref(j);
		if (i)
			break;
		usleep(100 * 1000);
	}
	CHECK(tries < 600);
	/* The double takes the broadcast and never answers; cofferd dies right then. */
	j = chaind_post(&chain, "/hostile", "{\"method\":\"POST\",\"path\":\"/tx\",\"hang\":true,\"accept\":true}");
	CHECK(j != NULL);
	json_decref(j);
	CHECK(pthread_create(&th, NULL, pay_thread, &answered) == 0);
	for (tries = 0; tries < 1200; tries++) {
		stats = chaind_get(&chain, "/stats");
		st = crashd_jint(stats, "mempool") == 1;
		json_decref(stats);
		if (st)
			break;
		usleep(50 * 1000);
	}
	CHECK_MSG(tries < 1200, "the payment never reached the chain double");
	n = crashd_children(d.pid, kids, 8);
	CHECK(proc_daemon_stop(&d, 1) == -1);
	pthread_join(th, NULL);
	CHECK_MSG(answered == 0, "the request was answered (%d) though cofferd was killed first", answered);
	for (i = 0; i < n; i++)
		CHECK(crashd_reap_orphan(kids[i], 30000) >= 0);
	/* Confirmed, then its only output spent by the recipient. */
	j = chaind_get(&chain, "/mempool/txids");
	snprintf(txid, sizeof(txid), "%s", json_string_value(json_array_get(j, 0)) ? json_string_value(json_array_get(j, 0)) : "");
	json_decref(j);
	CHECK_OK(chaind_mine(&chain, 1));
	snprintf(path, sizeof(path), "/tx/%s", txid);
	tx = chaind_get(&chain, path);
	CHECK_MSG(json_array_size(json_object_get(tx, "vout")) == 1, "the payment is not changeless");
	recipient_spends(&w, txid, crashd_jint(json_array_get(json_object_get(tx, "vout"), 0), "value"));
	json_decref(tx);
	/* Back: the client retries, the reconcile re-sends; the payment ends confirmed. */
	CHECK(start() == 0);
	CHECK(call(&j, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	st = call(&j, "POST", "/v1/payments", body);
	CHECK_MSG(st == 200, "the retry: %d %s", st, crashd_err(j));
	snprintf(id, sizeof(id), "%s", crashd_jstr(j, "id"));
	CHECK_STREQ(crashd_jstr(j, "txid"), txid);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/payments/%s", id);
	for (tries = 0; tries < 600; tries++) {
		CHECK(call(&j, "GET", path, NULL) == 200);
		snprintf(status, sizeof(status), "%s", crashd_jstr(j, "status"));
		if (strcmp(status, "confirmed") == 0 || strcmp(status, "failed") == 0) {
			CHECK_MSG(strcmp(status, "confirmed") == 0, "payment %s failed: %s", id, crashd_jstr(j, "failure"));
			json_decref(j);
			break;
		}
		json_decref(j);
		usleep(100 * 1000);
	}
	CHECK_STREQ(status, "confirmed");
	for (tries = 0; tries < 600; tries++) {
		(void)call(&j, "POST", "/v1/wallet/sync", NULL);
		json_decref(j);
		st = call(&j, "GET", "/v1/wallet/balance", NULL);
		i = st == 200 && crashd_jint(j, "total_sat") == 0 && crashd_jint(j, "utxo_count") == 0;
		json_decref(j);
		if (i)
			break;
		usleep(100 * 1000);
	}
	CHECK_MSG(tries < 600, "the wallet still shows a balance");
	CHECK(proc_daemon_stop(&d, 0) == 0);
	twallet_free(&w);
}

static void
test_lost_send(void)
{
	memset(&d, 0, sizeof(d));
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
	if (start() != 0)
		CHECK_MSG(0, "cofferd did not start");
	else
		test_resend();
	proc_daemon_cleanup(&d);
	chaind_stop(&chain);
}

static const struct test_case tests[] = {
	{ "lost_send", test_lost_send },
};

TEST_MAIN(tests)
