/*
 * Incoming payments and incremental sync through the real cofferd, its
 * signer and the regtest chain double (Esplora, then bitcoind JSON-RPC):
 *   - a receive is announced once as payment.received (unconfirmed), then once
 *     as payment.confirmed, in GET /v1/events and to a webhook receiver that
 *     checks every signature; the wallet's own payment and its change are not
 *     announced as received; a restart and further syncs add no duplicate;
 *   - with the tip past the reorg margin, syncs are incremental (the log says
 *     so) and stay right: a coin confirmed long ago is spent (its UTXO goes),
 *     a received transaction reorganised away (within the margin) leaves the
 *     balance and the history, and the balance always equals the chain's.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "chaind_util.h"
#include "proc_util.h"
#include "wallet/webhook.h"
#include "wallet_util.h"

#define PASS "sync events test passphrase"
#define SECRET "whsec_sync_events_0123456789"
#define PAYEE "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"

static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static int bitcoind;

/* The webhook receiver: counts deliveries by type, checks signatures. */
static pthread_mutex_t rx_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t rx_good, rx_bad, rx_received, rx_confirmed;

struct upload {
	char buf[65536];
	size_t len;
};

static enum MHD_Result
on_hook(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
    const char *data, size_t *data_size, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *resp;
	const char *sig;
	enum MHD_Result ret;
	int ok;

	(void)cls;
	(void)url;
	(void)version;
	(void)method;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (*data_size > sizeof(u->buf) - 1 - u->len)
			return MHD_NO;
		memcpy(u->buf + u->len, data, *data_size);
		u->len += *data_size;
		*data_size = 0;
		return MHD_YES;
	}
	sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, WEBHOOK_SIG_HEADER);
	ok = sig != NULL && webhook_verify(sig, strlen(sig), (const uint8_t *)SECRET, strlen(SECRET),
	    (const uint8_t *)u->buf, u->len, (uint64_t)time(NULL), 3600) == 0;
	pthread_mutex_lock(&rx_mu);
	if (ok) {
		rx_good++;
		if (strstr(u->buf, "\"type\":\"payment.received\"") != NULL)
			rx_received++;
		if (strstr(u->buf, "\"type\":\"payment.confirmed\"") != NULL && strstr(u->buf, "\"received\"") != NULL)
			rx_confirmed++;
	} else {
		rx_bad++;
	}
	pthread_mutex_unlock(&rx_mu);
	resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, ok ? 200 : 401, resp);
	MHD_destroy_response(resp);
	free(u);
	*con_cls = NULL;
	return ret;
}

static int
start(const char *url)
{
	const char *esplora[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "3600", "--esplora", url, "--log-level", "debug", NULL };
	const char *rpc[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "3600", "--bitcoind-rpc", url, "--bitcoind-rpc-user",
		"coffer", "--bitcoind-rpc-password", "test only", "--log-level", "debug", NULL };

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

static int64_t
total_balance(void)
{
	json_t *j = NULL;
	int64_t t;

	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/balance", NULL) == 200);
	t = jint(j, "total_sat");
	json_decref(j);
	return t;
}

/* Events of a type (and, for payment.confirmed, about a receive) concerning txid. */
static size_t
count_events(const char *type, const char *txid, json_t **last)
{
	json_t *j = NULL, *ev, *e;
	size_t i, n = 0;

	CHECK(proc_http(&j, &d, "GET", "/v1/events?after=0", NULL) == 200);
	ev = json_object_get(j, "events");
	json_array_foreach(ev, i, e) {
		json_t *rx = json_object_get(json_object_get(e, "data"), "received");

		if (strcmp(jstr(e, "type"), type) != 0 || rx == NULL || strcmp(jstr(rx, "txid"), txid) != 0)
			continue;
		n++;
		if (last != NULL) {
			json_decref(*last);
			*last = json_incref(rx);
		}
	}
	json_decref(j);
	return n;
}

static size_t
count_type(const char *type)
{
	json_t *j = NULL, *e;
	size_t i, n = 0;

	CHECK(proc_http(&j, &d, "GET", "/v1/events?after=0", NULL) == 200);
	json_array_foreach(json_object_get(j, "events"), i, e)
		n += strcmp(jstr(e, "type"), type) == 0;
	json_decref(j);
	return n;
}

/* How many times the daemon's log says a sync was incremental. */
static size_t
incremental_syncs(void)
{
	char line[1024];
	size_t n = 0;
	FILE *f = fopen(d.log, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, "synced (incremental") != NULL;
	fclose(f);
	return n;
}

static void
test_flow(unsigned short hook_port)
{
	char a0[ADDR_BUFSIZE], tx1[65], tx2[65], tx3[65], body[256], id[64];
	json_t *j = NULL, *rx = NULL;
	int64_t fee, bal;
	size_t i, received_before;
	int code;

	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"tr\"}") == 201);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%u/hook\",\"events\":[\"payment.received\","
	    "\"payment.confirmed\"],\"secret\":\"" SECRET "\"}", (unsigned)hook_port);
	CHECK(proc_http(&j, &d, "POST", "/v1/webhooks", body) == 201);
	json_decref(j);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/addresses", "{\"label\":\"rx\"}") == 201);
	snprintf(a0, sizeof(a0), "%s", jstr(j, "address"));
	json_decref(j);
	CHECK_OK(chaind_mine(&chain, 10));	/* past the reorg margin: later syncs are incremental */
	sync_now();

	/* Received, unconfirmed: one payment.received. */
	CHECK_OK(chaind_faucet(&chain, tx1, a0, 50000));
	sync_now();
	CHECK(count_events("payment.received", tx1, &rx) == 1);
	CHECK(jint(rx, "amount_sat") == 50000);
	CHECK(json_is_false(json_object_get(rx, "confirmed")));
	CHECK(jint(rx, "confirmations") == 0);
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(rx, "addresses"), 0)), a0);
	sync_now();
	CHECK(count_events("payment.received", tx1, NULL) == 1);
	CHECK(count_events("payment.confirmed", tx1, NULL) == 0);

	/* Mined: one payment.confirmed, then nothing more. */
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	sync_now();
	CHECK(count_events("payment.received", tx1, NULL) == 1);
	CHECK(count_events("payment.confirmed", tx1, &rx) == 1);
	CHECK(json_is_true(json_object_get(rx, "confirmed")));
	CHECK(jint(rx, "confirmations") == 1);
	CHECK(incremental_syncs() > 0);
	CHECK(total_balance() == 50000);

	/* Seen for the first time already in a block: payment.received (confirmed), no payment.confirmed. */
	CHECK_OK(chaind_faucet(&chain, tx2, a0, 30000));
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	CHECK(count_events("payment.received", tx2, &rx) == 1);
	CHECK(json_is_true(json_object_get(rx, "confirmed")));
	CHECK(count_events("payment.confirmed", tx2, NULL) == 0);
	CHECK(total_balance() == 80000);

	/* Both coins settle (deeper than the margin), then a payment spends from them: its change is
	 * not a payment received, and the spent coins leave the UTXO set of an incremental sync. */
	CHECK_OK(chaind_mine(&chain, 8));
	sync_now();
	received_before = count_type("payment.received");
	code = proc_http(&j, &d, "POST", "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":"
	    "60000}],\"fee_rate_sat_vb\":2}");
	CHECK_MSG(code == 201, "POST /v1/payments: %d", code);
	fee = jint(j, "fee_sat");
	snprintf(id, sizeof(id), "%s", jstr(j, "id"));
	json_decref(j);
	sync_now();
	CHECK_MSG(total_balance() == 80000 - 60000 - fee, "balance %lld fee %lld", (long long)total_balance(),
	    (long long)fee);
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	CHECK(total_balance() == 80000 - 60000 - fee);
	CHECK(count_type("payment.received") == received_before);

	/* A received transaction reorganised away within the margin: gone from balance and history. */
	bal = total_balance();
	CHECK_OK(chaind_faucet(&chain, tx3, a0, 7000));
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	CHECK(total_balance() == bal + 7000);
	j = chaind_post(&chain, "/reorg", "{\"depth\":1,\"drop\":true}");
	CHECK(j != NULL);
	json_decref(j);
	sync_now();
	CHECK(total_balance() == bal);
	CHECK(proc_http(&j, &d, "GET", "/v1/wallet/transactions?limit=1000", NULL) == 200);
	{
		json_t *e;
		size_t k, found = 0;

		json_array_foreach(json_object_get(j, "transactions"), k, e)
			found += strcmp(jstr(e, "txid"), tx3) == 0;
		CHECK(found == 0);
		CHECK(json_array_size(json_object_get(j, "transactions")) == 3);
	}
	json_decref(j);

	/* Webhooks: every announcement delivered, signed. */
	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&rx_mu);
		code = rx_received >= 3 && rx_confirmed >= 1;
		pthread_mutex_unlock(&rx_mu);
		if (code)
			break;
		usleep(50 * 1000);
	}
	pthread_mutex_lock(&rx_mu);
	CHECK_MSG(rx_received == count_type("payment.received") && rx_confirmed == 1 && rx_bad == 0,
	    "webhook: received %zu confirmed %zu bad %zu", rx_received, rx_confirmed, rx_bad);
	pthread_mutex_unlock(&rx_mu);

	/* Restart: syncing again announces nothing twice. */
	received_before = count_type("payment.received");
	CHECK(proc_daemon_stop(&d, 0) == 0);
	CHECK(start(chain.url) == 0);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	sync_now();
	CHECK_OK(chaind_mine(&chain, 1));
	sync_now();
	CHECK(count_type("payment.received") == received_before);
	CHECK(count_events("payment.received", tx1, NULL) == 1);
	CHECK(count_events("payment.confirmed", tx1, NULL) == 1);
	CHECK(total_balance() == bal);
	json_decref(rx);
	CHECK(proc_daemon_stop(&d, 0) == 0);
}

static void
run_with(int use_bitcoind)
{
	struct MHD_Daemon *mhd;
	const union MHD_DaemonInfo *info;

	memset(&d, 0, sizeof(d));
	bitcoind = use_bitcoind;
	rx_good = rx_bad = rx_received = rx_confirmed = 0;
	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_hook, NULL, MHD_OPTION_END);
	CHECK(mhd != NULL);
	if (mhd == NULL)
		return;
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (chaind_start(&chain) != 0) {
		CHECK_MSG(0, "the chain double did not start");
	} else if (start(chain.url) != 0) {
		CHECK_MSG(0, "cofferd did not start");
	} else {
		test_flow(info != NULL ? info->port : 0);
	}
	proc_daemon_cleanup(&d);
	chaind_stop(&chain);
	MHD_stop_daemon(mhd);
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
