/*
 * The crash test against the real daemon (issue #5, "Never lost, never
 * doubled"): cofferd with the coffer-signer it spawns, over the regtest
 * chain double. A client posts hundreds of payments (some with several
 * outputs, each to its own recipient), each with its own Idempotency-Key,
 * and retries a request whose answer it did not get, as a real client would.
 * Meanwhile a second thread kills cofferd with SIGKILL after random delays:
 * in the middle of requests, of the unlock, of the start-up reconcile. The
 * client then checks the killed daemon's children (its signer) exit and that
 * nothing holds the datadir any more, restarts cofferd, unlocks and goes on.
 * Blocks are mined now and then, so some payments confirm while others are
 * in flight. Afterwards (a clean restart, everything mined and synced):
 *   - every request key has exactly one payment, confirmed or failed, and no
 *     other payment exists; an answer the client got names that payment, and
 *     one answered as sent is not failed later;
 *   - a failed payment failed only because a kill interrupted it before it
 *     was signed, and its transaction is not on the chain;
 *   - the chain double holds each paid payment's transaction, confirmed, with
 *     the fee cofferd recorded, and exactly one output per requested output
 *     of a non-failed request (to its unique recipient, the amount asked),
 *     none for a failed one;
 *   - no coin is an input of two recorded payments, and the double never
 *     accepted a conflicting spend (nothing replaced) nor refused a broadcast;
 *   - the balance cofferd reports after sync equals what the double says the
 *     wallet's addresses hold, and funding - paid - fees.
 * The seed is printed; COFFER_CRASH_SEED=N replays the same requests, kill
 * delays and mining points (where each kill lands still depends on how fast
 * the daemon runs). Size: 100 payments in `make check`; COFFER_SOAK=N runs N
 * (`make soak`). Skipped, saying so, without the signer binary or node.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/prctl.h>

#include "harness.h"

#include "crashd_util.h"
#include "proc_util.h"
#include "wallet_util.h"

#define PASS "crashd test passphrase"
#define MAX_OUTS 3
#define FUND_ADDRS 8
#define COIN_SAT 500000
#define MAX_KIDS 8

struct request {
	char key[32];
	size_t n_out;
	char addr[MAX_OUTS][100];
	int64_t amount[MAX_OUTS];
	int fee_tenths;			/* fee rate in 0.1 sat/vB */
	char id[64];			/* the payment the answer named ("" when none came) */
	char answer[16];		/* its status in that answer */
	int attempts;
};

static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static struct request *reqs;
static size_t n_req = 100;
static uint64_t seed, rng;
static char fund_addr[FUND_ADDRS][100];
static int64_t funded;
static size_t restarts, orphans;
static long orphan_max_ms;

/* What the killer thread may kill, under mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pid_t pid;			/* the running cofferd; 0 when none may be killed */
	unsigned gen;			/* which start of cofferd that is */
	int armed;			/* a kill is asked for: of start arm_gen, arm_ms from now */
	unsigned arm_gen;
	long arm_ms;
	int killed;			/* the current start was killed (not reaped yet) */
	pid_t kids[MAX_KIDS];		/* its children at that moment */
	size_t n_kids;
	int stop;
	size_t kills;
} K;

static void *
killer(void *arg)
{
	struct timespec t;
	unsigned gen;

	(void)arg;
	pthread_mutex_lock(&K.mu);
	while (!K.stop) {
		if (!K.armed) {
			pthread_cond_wait(&K.cv, &K.mu);
			continue;
		}
		K.armed = 0;
		gen = K.arm_gen;
		t.tv_sec = K.arm_ms / 1000;
		t.tv_nsec = (K.arm_ms % 1000) * 1000000L;
		pthread_mutex_unlock(&K.mu);
		nanosleep(&t, NULL);
		pthread_mutex_lock(&K.mu);
		if (!K.stop && K.pid > 0 && K.gen == gen && !K.killed) {
			K.n_kids = crashd_children(K.pid, K.kids, MAX_KIDS);
			kill(K.pid, SIGKILL);	/* our own child, by pid, not reaped yet */
			K.killed = 1;
			K.kills++;
		}
	}
	pthread_mutex_unlock(&K.mu);
	return NULL;
}

/* Ask for a kill of the running cofferd ms from now. */
static void
arm(long ms)
{
	pthread_mutex_lock(&K.mu);
	K.armed = 1;
	K.arm_gen = K.gen;
	K.arm_ms = ms;
	pthread_cond_signal(&K.cv);
	pthread_mutex_unlock(&K.mu);
}

static void
print_log_tail(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tail -n 40 '%s' >&2", d.log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

/*
 * cofferd is gone (killed) or must go (it died by itself, or stopped
 * answering: both failures): reap it, then its children, which must exit on
 * their own once it is gone, and nothing may hold the datadir.
 */
static void
reap_daemon(void)
{
	pid_t pid, kids[MAX_KIDS];
	size_t n, i;
	int killed, st = 0;
	char lock[160];

	pthread_mutex_lock(&K.mu);
	pid = K.pid;
	killed = K.killed;
	n = K.n_kids;
	memcpy(kids, K.kids, sizeof(kids));
	K.pid = 0;
	K.killed = 0;
	K.n_kids = 0;
	pthread_mutex_unlock(&K.mu);
	if (pid <= 0)
		return;
	if (!killed) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			CHECK_MSG(0, "cofferd died by itself (wait status %d); its log:", st);
		} else {
			CHECK_MSG(0, "cofferd stopped answering; its log:");
			n = crashd_children(pid, kids, MAX_KIDS);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		}
		print_log_tail();
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	d.pid = 0;
	for (i = 0; i < n; i++) {
		long ms = crashd_reap_orphan(kids[i], 30000);

		CHECK_MSG(ms >= 0, "child %d of the killed cofferd (its signer) still ran 30 s later", (int)kids[i]);
		orphans++;
		orphan_max_ms = ms > orphan_max_ms ? ms : orphan_max_ms;
	}
	CHECK_MSG(crashd_holders(d.dir) == 0, "a process still holds the datadir after cofferd was killed");
	snprintf(lock, sizeof(lock), "%s/cofferd.lock", d.dir);
	if ((st = open(lock, O_RDWR | O_CLOEXEC)) >= 0) {
		CHECK_MSG(flock(st, LOCK_EX | LOCK_NB) == 0, "the datadir lock is still held");
		close(st);
	}
}

static int
start_daemon(void)
{
	const char *args[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--esplora", chain.url, "--log-level", "debug",
		NULL };
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (proc_daemon_start(&d, COFFERD_BIN, args) == 0) {
			pthread_mutex_lock(&K.mu);
			K.pid = d.pid;
			K.gen++;
			K.killed = 0;
			pthread_mutex_unlock(&K.mu);
			restarts++;
			return 0;
		}
		if (d.pid > 0)
			proc_daemon_stop(&d, 1);
	}
	CHECK_MSG(0, "cofferd did not start");
	return -1;
}

static int
post(json_t **j, const char *path, const char *body)
{
	return crashd_http(j, d.port, d.token, "POST", path, body, NULL);
}

/*
 * Make sure cofferd runs and is unlocked: reap a killed one and start
 * another, unlock it (a kill may land there too: then again). Sometimes
 * arms a kill for the unlock and the start-up reconcile. Returns 0 or -1.
 */
static int
bring_up(int may_kill)
{
	int tries, st;

	for (tries = 0; tries < 50; tries++) {
		json_t *j = NULL;

		pthread_mutex_lock(&K.mu);
		st = K.pid > 0 && !K.killed;
		pthread_mutex_unlock(&K.mu);
		if (!st) {
			reap_daemon();
			if (start_daemon() != 0)
				return -1;
			if (may_kill && crashd_range(&rng, 0, 4) == 0)
				arm((long)crashd_range(&rng, 0, 250));
		}
		st = post(&j, "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}");
		json_decref(j);
		if (st == 200)
			return 0;
		if (st != 0) {
			CHECK_MSG(0, "unlock: HTTP %d", st);
			return -1;
		}
		/* No answer: killed while unlocking; or it failed by itself, which reap_daemon reports. */
		pthread_mutex_lock(&K.mu);
		st = K.killed;
		pthread_mutex_unlock(&K.mu);
		if (!st)
			reap_daemon();
	}
	CHECK_MSG(0, "cofferd could not be brought up");
	return -1;
}

/* The foreign recipients: a test wallet of another seed, receive index i. */
static void
make_requests(void)
{
	struct twallet w;
	uint32_t next = 0;
	size_t k, o;

	CHECK_OK(twallet_init(&w, 0x5c, 0));
	for (k = 0; k < n_req; k++) {
		struct request *r = &reqs[k];
		int64_t roll = crashd_range(&rng, 0, 99);

		snprintf(r->key, sizeof(r->key), "crashd-%zu", k);
		r->n_out = roll < 60 ? 1 : roll < 85 ? 2 : 3;
		for (o = 0; o < r->n_out; o++) {
			CHECK_OK(twallet_address(r->addr[o], &w, 0, next++));
			r->amount[o] = crashd_range(&rng, 5000, 60000);
		}
		r->fee_tenths = (int)crashd_range(&rng, 10, 50);
	}
	twallet_free(&w);
}

static char *
request_body(const struct request *r)
{
	json_t *outs = json_array(), *b;
	char *s;
	size_t o;

	for (o = 0; o < r->n_out; o++)
		json_array_append_new(outs, json_pack("{s:s,s:I}", "address", r->addr[o], "amount_sat",
		    (json_int_t)r->amount[o]));
	b = json_pack("{s:o,s:f}", "outputs", outs, "fee_rate_sat_vb", r->fee_tenths / 10.0);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return s;
}

static void
sync_wallet(void)
{
	json_t *j = NULL;

	(void)post(&j, "/v1/wallet/sync", NULL);
	json_decref(j);
}

/* Request k until it has an answer: retried after every restart, with the same key and body. */
static void
pay(size_t k)
{
	struct request *r = &reqs[k];
	char *body = request_body(r);
	int short_funds = 0;

	while (body != NULL) {
		json_t *j = NULL;
		int st;

		if (++r->attempts > 300) {
			CHECK_MSG(0, "request %zu: no answer in 300 attempts", k);
			break;
		}
		st = crashd_http(&j, d.port, d.token, "POST", "/v1/payments", body, r->key);
		if ((st == 200 || st == 201) && json_is_string(json_object_get(j, "id"))) {
			snprintf(r->id, sizeof(r->id), "%s", json_string_value(json_object_get(j, "id")));
			snprintf(r->answer, sizeof(r->answer), "%s", json_string_value(json_object_get(j, "status")));
			json_decref(j);
			break;
		}
		if (st == 502 && strcmp(crashd_err(j), "broadcast_rejected") == 0) {
			snprintf(r->answer, sizeof(r->answer), "rejected");
			json_decref(j);
			break;
		}
		if (st == 400 && strcmp(crashd_err(j), "insufficient_funds") == 0 && short_funds++ < 20) {
			/* Coins are held by unconfirmed payments: a block frees them. */
			json_decref(j);
			chaind_mine(&chain, 1);
			sync_wallet();
			continue;
		}
		if (st == 0 || st == 423) {
			json_decref(j);
			if (bring_up(1) != 0)
				break;
			continue;
		}
		if (st == 503) {
			json_decref(j);
			usleep(50 * 1000);
			continue;
		}
		CHECK_MSG(0, "request %zu: HTTP %d %s", k, st, crashd_err(j));
		json_decref(j);
		break;
	}
	free(body);
}

/* Clean restart, everything mined; wait until no payment is in flight and cofferd has synced the tip. */
static void
settle(void)
{
	json_t *j = NULL, *all;
	size_t i, n, busy = 1;
	int st, tries;

	chaind_mine(&chain, 1);
	CHECK_MSG(proc_daemon_stop(&d, 0) == 0, "cofferd did not stop cleanly");
	pthread_mutex_lock(&K.mu);
	K.pid = 0;
	pthread_mutex_unlock(&K.mu);
	if (bring_up(0) != 0)
		return;
	/* The worker reconciles at start and every 5 s; a block confirms what it sent. */
	for (tries = 0; tries < 600 && busy > 0; tries++) {
		all = crashd_payments(d.port, d.token);
		n = json_array_size(all);
		for (i = 0, busy = all == NULL; i < n; i++) {
			const char *s = crashd_jstr(json_array_get(all, i), "status");

			busy += strcmp(s, "confirmed") != 0 && strcmp(s, "failed") != 0;
		}
		json_decref(all);
		if (busy > 0) {
			json_t *stats = chaind_get(&chain, "/stats");

			if (crashd_jint(stats, "mempool") > 0)
				chaind_mine(&chain, 1);
			json_decref(stats);
			usleep(200 * 1000);
		}
	}
	CHECK_MSG(busy == 0, "%zu payments still in flight", busy);
	/* Synced to the double's tip. */
	for (tries = 0; tries < 600; tries++) {
		json_t *stats = chaind_get(&chain, "/stats");
		int64_t tip = crashd_jint(stats, "height");

		json_decref(stats);
		st = post(&j, "/v1/wallet/sync", NULL);
		if (st == 200 && json_is_true(json_object_get(j, "synced")) && crashd_jint(j, "tip_height") == tip) {
			json_decref(j);
			break;
		}
		json_decref(j);
		usleep(100 * 1000);
	}
	CHECK(tries < 600);
}

/* Checks the outcome against the API and the chain double (see the top of the file). */
static void
verify(void)
{
	json_t *all = crashd_payments(d.port, d.token), *p, *seen_in = json_object(), *wallet_addrs = json_object();
	json_t *stats, *j = NULL;
	int64_t paid = 0, fees = 0, held = 0;
	size_t i, k, o, v, failed = 0, *seen = calloc(n_req, sizeof(*seen));
	const char *a;
	char path[200];

	CHECK(all != NULL);
	CHECK_MSG(json_array_size(all) == n_req, "%zu payments recorded for %zu requests", json_array_size(all), n_req);
	for (i = 0; i < FUND_ADDRS; i++)
		json_object_set_new(wallet_addrs, fund_addr[i], json_true());
	json_array_foreach(all, i, p) {
		const char *key = crashd_jstr(p, "idempotency_key"), *status = crashd_jstr(p, "status");
		json_t *outs = json_object_get(p, "outputs"), *tx, *vin, *vo;
		struct request *r;
		char *end;

		k = strncmp(key, "crashd-", 7) == 0 ? (size_t)strtoul(key + 7, &end, 10) : n_req;
		if (k >= n_req) {
			CHECK_MSG(0, "payment %s has key \"%s\", not one of the requests", crashd_jstr(p, "id"), key);
			continue;
		}
		r = &reqs[k];
		seen[k]++;
		CHECK_STREQ(crashd_jstr(p, "kind"), "payment");
		CHECK_MSG(strcmp(status, "confirmed") == 0 || strcmp(status, "failed") == 0, "%s: %s", key, status);
		CHECK_MSG(r->id[0] == '\0' || strcmp(r->id, crashd_jstr(p, "id")) == 0, "%s answered %s, recorded %s", key,
		    r->id, crashd_jstr(p, "id"));
		CHECK_MSG(strcmp(status, "failed") != 0 || (strcmp(r->answer, "broadcast") != 0 &&
		    strcmp(r->answer, "confirmed") != 0), "%s was answered %s, then failed", key, r->answer);
		CHECK_MSG(json_array_size(outs) == r->n_out, "%s: %zu outputs", key, json_array_size(outs));
		for (o = 0; o < r->n_out && o < json_array_size(outs); o++) {
			CHECK_STREQ(crashd_jstr(json_array_get(outs, o), "address"), r->addr[o]);
			CHECK(crashd_jint(json_array_get(outs, o), "amount_sat") == r->amount[o]);
		}
		snprintf(path, sizeof(path), "/tx/%s", crashd_jstr(p, "txid"));
		tx = json_is_string(json_object_get(p, "txid")) ? chaind_get(&chain, path) : NULL;
		if (strcmp(status, "failed") == 0) {
			failed++;
			CHECK_MSG(strcmp(crashd_jstr(p, "failure"), "interrupted before signing") == 0, "%s failed: %s", key,
			    crashd_jstr(p, "failure"));
			CHECK_MSG(tx == NULL, "failed %s has its transaction on the chain", key);
			json_decref(tx);
			continue;
		}
		if (tx == NULL) {
			CHECK_MSG(0, "%s (%s): transaction %s not on the chain", key, status, crashd_jstr(p, "txid"));
			continue;
		}
		CHECK_MSG(json_is_true(json_object_get(json_object_get(tx, "status"), "confirmed")), "%s unconfirmed", key);
		CHECK_MSG(crashd_jint(tx, "fee") == crashd_jint(p, "fee_sat"), "%s: fee %lld on chain, %lld recorded", key,
		    (long long)crashd_jint(tx, "fee"), (long long)crashd_jint(p, "fee_sat"));
		fees += crashd_jint(tx, "fee");
		for (o = 0; o < r->n_out; o++)
			paid += r->amount[o];
		/* Each input once over every payment; outputs that are no recipient's are change. */
		json_array_foreach(json_object_get(tx, "vin"), v, vin) {
			char op[80];

			snprintf(op, sizeof(op), "%s:%lld", crashd_jstr(vin, "txid"), (long long)crashd_jint(vin, "vout"));
			CHECK_MSG(json_object_get(seen_in, op) == NULL, "coin %s spent by %s and %s", op, key,
			    crashd_jstr(json_object_get(seen_in, op), "k"));
			json_object_set_new(seen_in, op, json_pack("{s:s}", "k", key));
		}
		json_array_foreach(json_object_get(tx, "vout"), v, vo) {
			int recipient = 0;

			for (o = 0; o < r->n_out; o++)
				recipient |= strcmp(crashd_jstr(vo, "scriptpubkey_address"), r->addr[o]) == 0;
			if (!recipient)
				json_object_set_new(wallet_addrs, crashd_jstr(vo, "scriptpubkey_address"), json_true());
		}
		json_decref(tx);
	}
	/* Per request: one payment; on the chain one output per requested output, or none when it failed. */
	for (k = 0; k < n_req; k++) {
		int is_failed = 0;

		CHECK_MSG(seen[k] == 1, "request %zu has %zu payments", k, seen[k]);
		json_array_foreach(all, i, p)
			if (strcmp(crashd_jstr(p, "idempotency_key"), reqs[k].key) == 0)
				is_failed = strcmp(crashd_jstr(p, "status"), "failed") == 0;
		for (o = 0; o < reqs[k].n_out; o++) {
			size_t n_want, n_all;

			crashd_outputs_to(&chain, &n_want, &n_all, reqs[k].addr[o], reqs[k].amount[o]);
			CHECK_MSG(n_want == (is_failed ? 0u : 1u) && n_all == n_want, "request %zu output %zu paid %zu times",
			    k, o, n_all);
		}
	}
	/* The double never replaced (a double spend it accepted) nor refused anything. */
	stats = chaind_get(&chain, "/stats");
	CHECK_MSG(crashd_jint(stats, "replaced") == 0 && crashd_jint(stats, "rejected") == 0, "the double replaced %lld, refused %lld",
	    (long long)crashd_jint(stats, "replaced"), (long long)crashd_jint(stats, "rejected"));
	json_decref(stats);
	/* The balance: the double's view of the wallet's addresses, cofferd's, and the arithmetic. */
	json_object_foreach(wallet_addrs, a, p) {
		json_t *u, *one;

		snprintf(path, sizeof(path), "/address/%s/utxo", a);
		u = chaind_get(&chain, path);
		json_array_foreach(u, i, one)
			held += crashd_jint(one, "value");
		json_decref(u);
	}
	CHECK_MSG(held == funded - paid - fees, "the chain holds %lld; funded %lld - paid %lld - fees %lld = %lld",
	    (long long)held, (long long)funded, (long long)paid, (long long)fees, (long long)(funded - paid - fees));
	CHECK(crashd_http(&j, d.port, d.token, "GET", "/v1/wallet/balance", NULL, NULL) == 200);
	CHECK_MSG(crashd_jint(j, "total_sat") == held && crashd_jint(j, "unconfirmed_sat") == 0, "cofferd: balance %lld (%lld "
	    "unconfirmed), the chain %lld", (long long)crashd_jint(j, "total_sat"), (long long)crashd_jint(j, "unconfirmed_sat"),
	    (long long)held);
	json_decref(j);
	printf("crashd: %zu payments: %zu paid, %zu failed (interrupted), fees %lld sat, %zu coins spent\n", n_req,
	    n_req - failed, failed, (long long)fees, json_object_size(seen_in));
	free(seen);
	json_decref(seen_in);
	json_decref(wallet_addrs);
	json_decref(all);
}

/* A new wallet, FUND_ADDRS receive addresses, coins to them, mined and synced. */
static int
fund(void)
{
	json_t *j = NULL;
	char txid[65];
	size_t i, c, coins = n_req / 2 + 40;
	int st, tries;

	st = post(&j, "/v1/wallet/create", seed % 2 ? "{\"passphrase\":\"" PASS "\",\"type\":\"tr\"}" :
	    "{\"passphrase\":\"" PASS "\",\"type\":\"wpkh\"}");
	json_decref(j);
	if (st != 201)
		return -1;
	for (i = 0; i < FUND_ADDRS; i++) {
		if (post(&j, "/v1/wallet/addresses", "{}") != 201)
			return -1;
		snprintf(fund_addr[i], sizeof(fund_addr[i]), "%s", crashd_jstr(j, "address"));
		json_decref(j);
	}
	for (c = 0; c < coins; c++) {
		if (chaind_faucet(&chain, txid, fund_addr[c % FUND_ADDRS], COIN_SAT) != 0)
			return -1;
		funded += COIN_SAT;
	}
	chaind_mine(&chain, 1);
	for (tries = 0; tries < 600; tries++) {
		sync_wallet();
		st = crashd_http(&j, d.port, d.token, "GET", "/v1/wallet/balance", NULL, NULL);
		if (st == 200 && crashd_jint(j, "confirmed_sat") == funded) {
			json_decref(j);
			return 0;
		}
		json_decref(j);
		usleep(100 * 1000);
	}
	return -1;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
test_crash_loop(void)
{
	const char *env = getenv("COFFER_CRASH_SEED"), *soak = getenv("COFFER_SOAK");
	double t0, t1, t2;
	pthread_t th;
	size_t k;

	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	if (soak != NULL && atoi(soak) > 0)
		n_req = (size_t)atoi(soak);
	t0 = now_s();
	seed = env != NULL && env[0] != '\0' ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)(unsigned)getpid();
	rng = seed;
	printf("crashd: seed %llu (replay: COFFER_CRASH_SEED=%llu), %zu payments\n", (unsigned long long)seed,
	    (unsigned long long)seed, n_req);
	fflush(stdout);
	/* Orphans (the signer of a killed cofferd) become this process's children, to watch and reap. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	pthread_mutex_init(&K.mu, NULL);
	pthread_cond_init(&K.cv, NULL);
	memset(&d, 0, sizeof(d));
	if ((reqs = calloc(n_req, sizeof(*reqs))) == NULL)
		abort();
	if (chaind_start(&chain) != 0) {
		CHECK_MSG(0, "the chain double did not start");
		goto out;
	}
	make_requests();
	if (start_daemon() != 0)
		goto out;
	if (fund() != 0) {
		CHECK_MSG(0, "could not create and fund the wallet");
		print_log_tail();
		goto out;
	}
	if (pthread_create(&th, NULL, killer, NULL) != 0)
		abort();
	t1 = now_s();
	for (k = 0; k < n_req && t_fail == 0; k++) {
		pay(k);
		if (crashd_range(&rng, 0, 5) == 0)
			chaind_mine(&chain, 1);
		if (crashd_range(&rng, 0, 9) == 0)
			arm((long)crashd_range(&rng, 0, 400));
	}
	pthread_mutex_lock(&K.mu);
	K.stop = 1;
	pthread_cond_signal(&K.cv);
	pthread_mutex_unlock(&K.mu);
	pthread_join(th, NULL);
	t2 = now_s();
	if (t_fail == 0 && bring_up(0) == 0) {
		settle();
		verify();
	}
	printf("crashd: %zu SIGKILLs, %zu starts, %zu orphaned children reaped (slowest exit %ld ms); %.1f s: "
	    "setup %.1f, payments %.1f, settle and checks %.1f\n", K.kills, restarts, orphans, orphan_max_ms,
	    now_s() - t0, t1 - t0, t2 - t1, now_s() - t2);
	if (t_fail != 0)
		printf("crashd: FAILED with seed %llu\n", (unsigned long long)seed);
out:
	if (d.pid > 0) {
		pid_t kids[MAX_KIDS];
		size_t n = crashd_children(d.pid, kids, MAX_KIDS), i;

		proc_daemon_stop(&d, 1);
		for (i = 0; i < n; i++)
			crashd_reap_orphan(kids[i], 30000);
	}
	proc_daemon_cleanup(&d);
	chaind_stop(&chain);
	free(reqs);
}

static const struct test_case tests[] = {
	{ "crash_loop", test_crash_loop },
};

TEST_MAIN(tests)
