/*
 * The crash test against the real daemon (issue #5, "Never lost, never
 * doubled"): cofferd with the coffer-signer it spawns, over the regtest
 * chain double. Clients (2, concurrent) post hundreds of payments (some with
 * several outputs, each to its own recipient), each with its own
 * Idempotency-Key, and retry a request whose answer they did not get, as a
 * real client would. Meanwhile a killer thread SIGKILLs cofferd after random
 * delays: in the middle of requests, of the unlock, of the start-up
 * reconcile (one kill in four is of its signer: cofferd locks the wallet and
 * starts another, the client unlocks again). The client that notices checks the killed daemon's children
 * (its signer) exit by themselves and that nothing holds the datadir any
 * more, restarts cofferd, unlocks, and all go on. Blocks are mined now and
 * then, so some payments confirm while others are in flight. Afterwards (a
 * clean restart, everything mined and synced):
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
 * delays, mining points, wallet type (tr or wpkh) and backend (the double's
 * Esplora API or its bitcoind JSON-RPC); where each kill lands still depends
 * on how fast the daemon runs. Size: 200 payments in `make check`;
 * COFFER_SOAK=N runs N (`make soak`). COFFER_CRASHD_CLIENTS=N sets the
 * clients (1..16), COFFER_CRASHD_BACKEND=esplora|bitcoind the backend,
 * COFFER_CRASHD_KEEP keeps the datadir and every start's log. Skipped,
 * saying so, without the signer binary.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/prctl.h>

#include "harness.h"

#include "crashd_util.h"
#include "crashd_verify.h"
#include "proc_util.h"
#include "wallet_util.h"

#define PASS "crashd test passphrase"
#define FUND_ADDRS 8
#define COIN_SAT 500000
#define MAX_KIDS 8


static struct chaind chain;
static struct proc_daemon d;
static const char *signer;
static struct crashd_request *reqs;
static size_t n_req = 200, n_clients = 2;
static uint64_t seed, rng;
static char fund_addr[FUND_ADDRS][100];
static int64_t funded;
static size_t restarts, orphans;
static int bitcoind;			/* cofferd talks to the double's bitcoind JSON-RPC, not its Esplora API */
static long orphan_max_ms;

/*
 * The clients' shared view of cofferd, under mu: one client at a time
 * restarts it (bring_up) while the others wait for the new one.
 */
static struct {
	pthread_mutex_t mu;
	unsigned gen;			/* bumped by every start */
	size_t next;			/* the next request to send */
	int failed;			/* a check failed: stop sending */
} C;

/* A client's copy of where cofferd listens, and which start that is. */
struct conn {
	int port;
	char token[65];
	unsigned gen;
};

/* What the killer thread may kill, under mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pid_t pid;			/* the running cofferd; 0 when none may be killed */
	unsigned gen;			/* which start of cofferd that is */
	int armed;			/* a kill is asked for, arm_ms from now (of whichever start runs then) */
	long arm_ms;
	int arm_signer;			/* of its signer rather than of cofferd */
	int killed;			/* the current start was killed (not reaped yet) */
	pid_t kids[MAX_KIDS];		/* its children at that moment */
	size_t n_kids;
	int stop;
	size_t kills, signer_kills;
} K;

static void *
killer(void *arg)
{
	struct timespec t;
	int signer_target;

	(void)arg;
	pthread_mutex_lock(&K.mu);
	while (!K.stop) {
		if (!K.armed) {
			pthread_cond_wait(&K.cv, &K.mu);
			continue;
		}
		K.armed = 0;
		signer_target = K.arm_signer;
		t.tv_sec = K.arm_ms / 1000;
		t.tv_nsec = (K.arm_ms % 1000) * 1000000L;
		pthread_mutex_unlock(&K.mu);
		nanosleep(&t, NULL);
		pthread_mutex_lock(&K.mu);
		if (!K.stop && K.pid > 0 && !K.killed && signer_target) {
			/* The signer (cofferd's one child) dies: cofferd must lock, start another, carry on. */
			if (crashd_children(K.pid, K.kids, 1) == 1) {
				kill(K.kids[0], SIGKILL);
				K.signer_kills++;
			}
		} else if (!K.stop && K.pid > 0 && !K.killed) {
			K.n_kids = crashd_children(K.pid, K.kids, MAX_KIDS);
			kill(K.pid, SIGKILL);	/* our own child, by pid, not reaped yet */
			K.killed = 1;
			K.kills++;
		}
	}
	pthread_mutex_unlock(&K.mu);
	return NULL;
}

/* Ask for a kill of the running cofferd (or of its signer) ms from now. */
static void
arm(long ms, int signer_only)
{
	pthread_mutex_lock(&K.mu);
	K.armed = 1;
	K.arm_ms = ms;
	K.arm_signer = signer_only;
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
	/* Its orphans are ours now (subreaper): also one it started just before the kill, unseen then. */
	{
		pid_t mine[MAX_KIDS];
		size_t m = crashd_children(getpid(), mine, MAX_KIDS), k, q;

		for (k = 0; k < m && n < MAX_KIDS; k++) {
			for (q = 0; q < n && kids[q] != mine[k]; q++)
				;
			if (q == n && mine[k] != chain.pid)
				kids[n++] = mine[k];
		}
	}
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
	const char *esplora[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--esplora", chain.url, "--log-level", "debug",
		NULL };
	const char *rpc[] = { "--network", "regtest", "--signer", signer, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", "--sync-interval", "1", "--bitcoind-rpc", chain.url, "--bitcoind-rpc-user",
		"coffer", "--bitcoind-rpc-password", "test only", "--log-level", "debug", NULL };
	const char *const *args = bitcoind ? rpc : esplora;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (getenv("COFFER_CRASHD_KEEP") != NULL && d.dir[0] != '\0') {
			char cmd[300];

			snprintf(cmd, sizeof(cmd), "cat '%s' >> '%s.all' 2>/dev/null", d.log, d.log);
			(void)!system(cmd);
		}
		if (proc_daemon_start(&d, COFFERD_BIN, args) == 0) {
			pthread_mutex_lock(&K.mu);
			K.pid = d.pid;
			K.gen++;
			K.killed = 0;
			pthread_mutex_unlock(&K.mu);
			C.gen++;
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

	for (tries = 0; tries < 200; tries++) {
		json_t *j = NULL;

		pthread_mutex_lock(&K.mu);
		st = K.pid > 0 && !K.killed;
		pthread_mutex_unlock(&K.mu);
		if (!st) {
			reap_daemon();
			if (start_daemon() != 0)
				return -1;
			if (may_kill && crashd_range(&rng, 0, 4) == 0)
				arm((long)crashd_range(&rng, 0, 250), 0);
		}
		st = post(&j, "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}");
		if (st == 503) {
			/* The unlock found the signer dead (killed): cofferd started another; again shortly. */
			json_decref(j);
			usleep(100 * 1000);
			continue;
		}
		if (st != 0 && st != 200)
			CHECK_MSG(0, "unlock: HTTP %d %s", st, crashd_err(j));
		json_decref(j);
		if (st == 200)
			return 0;
		if (st != 0)
			return -1;
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
		struct crashd_request *r = &reqs[k];
		int64_t roll = crashd_range(&rng, 0, 99);

		snprintf(r->key, sizeof(r->key), "crashd-%zu", k);
		r->n_out = roll < 60 ? 1 : roll < 85 ? 2 : 3;
		for (o = 0; o < r->n_out; o++) {
			CHECK_OK(twallet_address(r->addr[o], &w, 0, next++));
			r->amount[o] = crashd_range(&rng, 5000, 60000);
		}
		r->fee_tenths = (int)crashd_range(&rng, 10, 50);
		r->mine_after = crashd_range(&rng, 0, 5) == 0;
		r->kill_ms = crashd_range(&rng, 0, 6) == 0 ? (long)crashd_range(&rng, 0, 400) : -1;
		r->kill_signer = crashd_range(&rng, 0, 3) == 0;
	}
	twallet_free(&w);
}

static char *
request_body(const struct crashd_request *r)
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
conn_get(struct conn *c)
{
	pthread_mutex_lock(&C.mu);
	c->port = d.port;
	memcpy(c->token, d.token, sizeof(c->token));
	c->gen = C.gen;
	pthread_mutex_unlock(&C.mu);
}

/*
 * No answer (status 0), or 423, from the cofferd of c: bring it up, unless
 * another client did since. No answer from a cofferd nobody killed is a failure.
 */
static int
recover(const struct conn *c, int status)
{
	int r, killed;

	pthread_mutex_lock(&C.mu);
	pthread_mutex_lock(&K.mu);
	killed = K.killed;
	pthread_mutex_unlock(&K.mu);
	if (C.gen == c->gen && status == 0 && !killed) {
		CHECK_MSG(0, "cofferd (not killed) gave no answer");
		print_log_tail();
		C.failed = 1;
	}
	if (C.gen == c->gen && !C.failed && bring_up(1) != 0)
		C.failed = 1;
	C.failed |= t_fail != 0;
	r = C.failed ? -1 : 0;
	pthread_mutex_unlock(&C.mu);
	return r;
}

/*
 * Request k until it has an answer: retried after every restart, with the
 * same key and body. Returns 0, or -1 with r->error set.
 */
static int
pay(size_t k)
{
	struct crashd_request *r = &reqs[k];
	char *body = request_body(r);
	int short_funds = 0, ret = -1, last = 0;
	char last_code[48] = "";
	struct conn c;

	while (body != NULL) {
		json_t *j = NULL;
		int st;

		if (++r->attempts > 1000) {
			snprintf(r->error, sizeof(r->error), "no answer in 1000 attempts (the last: HTTP %d %s)", last,
			    last_code);
			break;
		}
		conn_get(&c);
		st = crashd_http(&j, c.port, c.token, "POST", "/v1/payments", body, r->key);
		last = st;
		snprintf(last_code, sizeof(last_code), "%s", crashd_err(j));
		if ((st == 200 || st == 201) && json_is_string(json_object_get(j, "id"))) {
			snprintf(r->id, sizeof(r->id), "%s", json_string_value(json_object_get(j, "id")));
			snprintf(r->answer, sizeof(r->answer), "%s", json_string_value(json_object_get(j, "status")));
			json_decref(j);
			ret = 0;
			break;
		}
		if (st == 502 && strcmp(crashd_err(j), "broadcast_rejected") == 0) {
			snprintf(r->answer, sizeof(r->answer), "rejected");
			json_decref(j);
			ret = 0;
			break;
		}
		if (st == 400 && strcmp(crashd_err(j), "insufficient_funds") == 0 && short_funds++ < 20) {
			/* Coins are held by unconfirmed payments: a block frees them. */
			json_decref(j);
			chaind_mine(&chain, 1);
			(void)crashd_http(&j, c.port, c.token, "POST", "/v1/wallet/sync", NULL, NULL);
			json_decref(j);
			continue;
		}
		if (st == 0 || st == 423) {
			json_decref(j);
			if (recover(&c, st) != 0) {
				snprintf(r->error, sizeof(r->error), "cofferd could not be brought up");
				break;
			}
			continue;
		}
		if (st == 503) {
			json_decref(j);
			usleep(50 * 1000);
			continue;
		}
		snprintf(r->error, sizeof(r->error), "HTTP %d %s", st, crashd_err(j));
		json_decref(j);
		break;
	}
	free(body);
	return ret;
}

/* A client: the next request until none is left, then its mining and kill. */
static void *
client(void *arg)
{
	size_t k;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&C.mu);
		k = C.failed ? n_req : C.next++;
		pthread_mutex_unlock(&C.mu);
		if (k >= n_req)
			break;
		if (pay(k) != 0) {
			pthread_mutex_lock(&C.mu);
			C.failed = 1;
			pthread_mutex_unlock(&C.mu);
			break;
		}
		if (reqs[k].mine_after)
			chaind_mine(&chain, 1);
		if (reqs[k].kill_ms >= 0)
			arm(reqs[k].kill_ms, reqs[k].kill_signer);
	}
	return NULL;
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
		(void)post(&j, "/v1/wallet/sync", NULL);
		json_decref(j);
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
	pthread_t th, cl[16];
	const char *nc = getenv("COFFER_CRASHD_CLIENTS");
	size_t k;

	if ((signer = test_signer_bin()) == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	if (soak != NULL && atoi(soak) > 0)
		n_req = (size_t)atoi(soak);
	if (nc != NULL && atoi(nc) > 0)
		n_clients = (size_t)atoi(nc) < 16 ? (size_t)atoi(nc) : 16;
	t0 = now_s();
	seed = env != NULL && env[0] != '\0' ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)(unsigned)getpid();
	rng = seed;
	bitcoind = getenv("COFFER_CRASHD_BACKEND") != NULL ? strcmp(getenv("COFFER_CRASHD_BACKEND"), "bitcoind") == 0 :
	    (int)((seed >> 1) & 1);
	printf("crashd: seed %llu (replay: COFFER_CRASH_SEED=%llu), %zu payments, %zu clients, %s wallet, %s\n",
	    (unsigned long long)seed, (unsigned long long)seed, n_req, n_clients, seed % 2 ? "tr" : "wpkh",
	    bitcoind ? "bitcoind JSON-RPC" : "Esplora");
	fflush(stdout);
	/* Orphans (the signer of a killed cofferd) become this process's children, to watch and reap. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	pthread_mutex_init(&K.mu, NULL);
	pthread_mutex_init(&C.mu, NULL);
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
	for (k = 0; k < n_clients; k++)
		if (pthread_create(&cl[k], NULL, client, NULL) != 0)
			abort();
	for (k = 0; k < n_clients; k++)
		pthread_join(cl[k], NULL);
	for (k = 0; k < n_req; k++)
		CHECK_MSG(reqs[k].error[0] == '\0', "request %zu: %s", k, reqs[k].error);
	pthread_mutex_lock(&K.mu);
	K.stop = 1;
	pthread_cond_signal(&K.cv);
	pthread_mutex_unlock(&K.mu);
	pthread_join(th, NULL);
	t2 = now_s();
	if (t_fail == 0 && bring_up(0) == 0) {
		settle();
		crashd_verify(&chain, d.port, d.token, reqs, n_req, fund_addr, FUND_ADDRS, funded);
	}
	printf("crashd: %zu SIGKILLs of cofferd, %zu of its signer, %zu starts, %zu orphaned children reaped (slowest exit %ld ms); %.1f s: "
	    "setup %.1f, payments %.1f, settle and checks %.1f\n", K.kills, K.signer_kills, restarts, orphans, orphan_max_ms,
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
	if (getenv("COFFER_CRASHD_KEEP") == NULL)
		proc_daemon_cleanup(&d);
	else
		printf("crashd: kept %s and %s.all\n", d.dir, d.log);
	chaind_stop(&chain);
	free(reqs);
}

static const struct test_case tests[] = {
	{ "crash_loop", test_crash_loop },
};

TEST_MAIN(tests)
