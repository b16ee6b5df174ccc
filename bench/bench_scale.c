/*
 * bench_scale: issue #5's scale benchmark, through the running cofferd's HTTP
 * API, against the regtest chain double (tests/chaind, Esplora mode):
 *
 *   seed      a tr wallet in cofferd hands out A receive addresses; the
 *             double's POST /seed makes a history of T transactions paying
 *             them (funding transactions and consolidations of 9 into 1,
 *             mined 10,000 to a block) that leaves U unspent coins
 *   sync      the initial (full) sync through the real path, then incremental
 *             syncs (one new payment and block each; and one with nothing new),
 *             as timed by cofferd itself (its log line "synced (...) in N ms")
 *   balance   GET /v1/wallet/balance, latency median / p90
 *   history   GET /v1/wallet/transactions?limit=100, first page and a page
 *             half way down (cursor), latency median / p90
 *   utxos     GET /v1/wallet/utxos?limit=100, first page
 *   preview   POST /v1/payments/preview (select and build, no signature)
 *   payment   POST /v1/payments (build, record, sign in coffer-signer,
 *             record, broadcast to the double, which verifies every input):
 *             latency median / p90 and payments per second, sequential, a
 *             block mined every 10 payments
 *   rss       cofferd's VmRSS and VmHWM (peak) from /proc after the initial
 *             sync and at the end; the store's size on disk
 *
 * Usage: bench_scale [utxos=10000] [txs=100000] [addresses=200] [payments=20]
 * The size is `bench_scale 100000 1000000 2000 50` (several minutes:
 * the initial sync fetches every transaction over HTTP). Wall-clock times;
 * exits 0 whatever the figures (docs/PERFORMANCE.md has the goals).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/buf.h"

#if !defined(COFFERD_BIN) || !defined(COFFER_SIGNER_BIN) || !defined(COFFER_SOURCE_DIR)
int
main(void)
{
	puts("bench_scale: skipped: built without cofferd or coffer-signer");
	return 0;
}
#else
#define PASS "bench scale passphrase"
#define PAYEE "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
#define ROUNDS 200

static CURL *curl;
static char auth[600], base[64], chain_url[64], dir[64], logpath[96];
static pid_t cofferd = -1, chaind = -1;
static int lifeline = -1;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
cleanup(void)
{
	int st;

	if (cofferd > 0) {
		kill(cofferd, SIGTERM);
		waitpid(cofferd, &st, 0);
		cofferd = -1;
	}
	if (lifeline >= 0)
		close(lifeline);
	if (chaind > 0) {
		kill(chaind, SIGTERM);
		waitpid(chaind, &st, 0);
		chaind = -1;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	cleanup();	/* not async-signal-safe in general; waitpid and kill are, and this is a benchmark */
	_exit(1);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_scale: %s (cofferd log: %s)\n", what, logpath);
	cleanup();
	exit(1);
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	struct cbuf *b = arg;

	if (b != NULL && cbuf_put(b, (const uint8_t *)p, size * n) != 0)
		return 0;
	return size * n;
}

/* One request; the answer as JSON in *out when out is not NULL. Returns the status (0: none). */
static long
http(json_t **out, const char *method, const char *url, const char *hdr, const char *body)
{
	struct curl_slist *h = NULL;
	struct cbuf b;
	long st = 0;

	cbuf_init(&b, (size_t)256 << 20);
	h = curl_slist_append(h, hdr != NULL ? hdr : "X-None: 1");
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 3600L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, body != NULL ? (long)strlen(body) : 0L);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	if (out != NULL)
		*out = b.len > 0 ? json_loadb((const char *)b.p, b.len, 0, NULL) : NULL;
	cbuf_free(&b);
	return st;
}

/* A cofferd route. */
static long
api(json_t **out, const char *method, const char *path, const char *body)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	return http(out, method, url, auth, body);
}

/* A chain double control endpoint. */
static long
ctl(json_t **out, const char *path, const char *body)
{
	char url[256];

	snprintf(url, sizeof(url), "%s%s", chain_url, path);
	return http(out, "POST", url, NULL, body);
}

static void
start_chaind(void)
{
	char script[1024], line[64];
	int in[2], out[2];
	size_t n = 0;
	unsigned port;

	snprintf(script, sizeof(script), "%s/tests/chaind/server.js", COFFER_SOURCE_DIR);
	if (pipe(in) != 0 || pipe(out) != 0)
		die("pipe");
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	if ((chaind = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		/* A million entries need more than node's default heap. */
		const char *prof = getenv("BENCH_SCALE_CHAIND_PROFILE");	/* a folder: node --cpu-prof into it */
		char pd[512];

		snprintf(pd, sizeof(pd), "--cpu-prof-dir=%s", prof != NULL ? prof : "");
		if (prof != NULL)
			execlp("node", "node", "--max-old-space-size=8192", "--cpu-prof", pd, script, "--stdin-lifeline",
			    (char *)NULL);
		execlp("node", "node", "--max-old-space-size=8192", script, "--stdin-lifeline", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	lifeline = in[1];
	while (n + 1 < sizeof(line)) {
		ssize_t k = read(out[0], line + n, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	if (sscanf(line, "PORT %u", &port) != 1)
		die("the chain double did not start (is node installed? tests/chaind/setup)");
	snprintf(chain_url, sizeof(chain_url), "http://127.0.0.1:%u", port);
}

static void
start_cofferd(void)
{
	char line[512], path[160];
	FILE *f;
	int port = 0, i;

	snprintf(dir, sizeof(dir), "/tmp/coffer-bench-scale-XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	if ((cofferd = fork()) == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(COFFERD_BIN, COFFERD_BIN, "--datadir", dir, "--network", "regtest", "--listen", "127.0.0.1:0",
		    "--signer", COFFER_SIGNER_BIN, "--signer-kdf-memory", "64", "--signer-kdf-passes", "1",
		    "--esplora", chain_url, "--sync-interval", "86400", "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 20000 && port == 0; i++) {
		if ((f = fopen(logpath, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL) {
				char *p = strstr(line, "listening on http://127.0.0.1:");

				if (p != NULL)
					port = atoi(p + strlen("listening on http://127.0.0.1:"));
			}
			fclose(f);
		}
		if (port == 0)
			usleep(1000);
	}
	if (port == 0)
		die("cofferd did not start");
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	snprintf(path, sizeof(path), "%s/auth_token", dir);
	for (i = 0; i < 5000; i++) {
		if ((f = fopen(path, "r")) != NULL)
			break;
		usleep(1000);
	}
	if (f == NULL || fgets(line, sizeof(line), f) == NULL)
		die("no auth_token");
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", line);
}

/* A line of /proc/PID/status in KiB ("VmRSS", "VmHWM"). */
static long
proc_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	long kib = 0;
	size_t kl = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			kib = atol(line + kl + 1);
			break;
		}
	fclose(f);
	return kib;
}

static void
print_mem(const char *when)
{
	struct stat st;
	char path[sizeof(dir) + 32];
	double db = 0;

	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	if (stat(path, &st) == 0)
		db += (double)st.st_size;
	snprintf(path, sizeof(path), "%s/coffer.db-wal", dir);
	if (stat(path, &st) == 0)
		db += (double)st.st_size;
	printf("rss %-22s cofferd VmRSS %.1f MiB, VmHWM (peak) %.1f MiB; store on disk %.1f MiB; chain double %.0f MiB\n",
	    when, (double)proc_kib(cofferd, "VmRSS") / 1024.0, (double)proc_kib(cofferd, "VmHWM") / 1024.0,
	    db / 1048576.0, (double)proc_kib(chaind, "VmRSS") / 1024.0);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Latency of n requests: median and 90th percentile in ms. */
static void
report(const char *what, double *t, size_t n, const char *goal)
{
	if (n == 0)
		return;
	qsort(t, n, sizeof(*t), cmp_d);
	printf("%-32s median %8.2f ms  p90 %8.2f ms  (n=%zu)%s%s\n", what, t[n / 2] * 1e3, t[n * 9 / 10] * 1e3, n,
	    goal != NULL ? "  goal " : "", goal != NULL ? goal : "");
}

static void
timed_get(const char *what, const char *path, const char *goal)
{
	double t[ROUNDS], t0;
	size_t i;
	long st;

	for (i = 0; i < ROUNDS; i++) {
		t0 = now();
		st = api(NULL, "GET", path, NULL);
		t[i] = now() - t0;
		if (st != 200)
			die(what);
	}
	report(what, t, ROUNDS, goal);
}

static int64_t
jint(json_t *j, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(j, key));
}

/* cofferd's log: how many syncs it reported, and the last one's total, backend and store milliseconds. */
static size_t
syncs_logged(double ms[3])
{
	char line[1024];
	size_t n = 0;
	FILE *f = fopen(logpath, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = strstr(line, "synced (");
		long long a, b, c;

		if (p == NULL || (p = strstr(p, ") in ")) == NULL ||
		    sscanf(p, ") in %lld ms (backend %lld ms, store %lld ms)", &a, &b, &c) != 3)
			continue;
		n++;
		ms[0] = (double)a / 1e3;
		ms[1] = (double)b / 1e3;
		ms[2] = (double)c / 1e3;
	}
	fclose(f);
	return n;
}

/* POST /v1/wallet/sync and wait for the sync it asked for (the route answers 202 after 10 s);
 * returns the daemon's own timing of it (seconds: total, backend, store). */
static void
sync_once(double ms[3])
{
	json_t *j = NULL;
	double t0 = now();
	size_t before = syncs_logged(ms);
	long st = api(&j, "POST", "/v1/wallet/sync", NULL);

	json_decref(j);
	if (st != 200 && st != 202)
		die("sync");
	while (syncs_logged(ms) <= before) {
		if (now() - t0 > 7200)
			die("a sync did not end within 2 hours");
		usleep(20 * 1000);
	}
}

/* Wait until the wallet shows n unspent coins; returns seconds waited. */
static double
wait_utxos(int64_t n, double t0)
{
	json_t *j = NULL;
	int64_t have = -1;

	for (;;) {
		if (api(&j, "GET", "/v1/wallet/balance", NULL) == 200)
			have = jint(j, "utxo_count");
		json_decref(j);
		j = NULL;
		if (have == n)
			return now() - t0;
		if (now() - t0 > 7200)
			die("the initial sync did not finish within 2 hours");
		usleep(250 * 1000);
	}
}

int
main(int argc, char **argv)
{
	long utxos = argc > 1 ? atol(argv[1]) : 10000, txs = argc > 2 ? atol(argv[2]) : 100000;
	long naddr = argc > 3 ? atol(argv[3]) : 200, npay = argc > 4 ? atol(argv[4]) : 20, i;
	json_t *j = NULL, *addrs, *seed;
	char *body, path[256], first[128] = "";
	double t0, t_sync, ts[ROUNDS], tp[ROUNDS], ms[3] = { 0, 0, 0 };
	int64_t want, tip_txs;
	size_t np = 0;

	if (utxos <= 0 || txs < utxos || naddr <= 0 || naddr > 100000 || npay < 0 || npay > ROUNDS / 2)
		die("usage: bench_scale [utxos] [txs] [addresses] [payments <= 100]");
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == NULL)
		die("libcurl");
	printf("bench_scale: %ld unspent coins, %ld transactions, %ld addresses, %ld payments\n", utxos, txs, naddr,
	    npay);
	start_chaind();
	start_cofferd();
	if (api(&j, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"tr\"}") != 201)
		die("create");
	json_decref(j);

	/* Addresses, then the history paying them. */
	if ((addrs = json_array()) == NULL)
		die("nomem");
	for (i = 0; i < naddr; i++) {
		if (api(&j, "POST", "/v1/wallet/addresses", "{}") != 201)
			die("address");
		json_array_append(addrs, json_object_get(j, "address"));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(j, "address")));
		json_decref(j);
	}
	seed = json_pack("{s:o,s:I,s:I}", "addresses", addrs, "utxos", (json_int_t)utxos, "txs", (json_int_t)txs);
	body = json_dumps(seed, JSON_COMPACT);
	json_decref(seed);
	t0 = now();
	if (body == NULL || ctl(&j, "/seed", body) != 200)
		die("seed");
	free(body);
	want = jint(j, "utxos");
	json_decref(j);
	/* Blocks on top, so the history lies deeper than the reorg margin (as an old wallet's does). */
	if (ctl(&j, "/mine", "{\"blocks\":10,\"empty\":true}") != 200)
		die("mine");
	printf("seed                             %.1f s in the double: %lld transactions, %lld unspent, tip %lld\n",
	    now() - t0, (long long)txs, (long long)want, (long long)jint(j, "height"));
	json_decref(j);

	/* The initial sync, through the real sync path. */
	t0 = now();
	sync_once(ms);
	t_sync = wait_utxos(want, t0);
	(void)syncs_logged(ms);	/* the sync that brought them */
	printf("initial sync (full)              %.1f s (the daemon's log: %.1f s = backend %.1f s + store %.1f s)\n",
	    t_sync, ms[0], ms[1], ms[2]);
	print_mem("after initial sync");

	/* Incremental syncs: one new payment in one new block each, and one with nothing new. */
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "{\"address\":\"%s\",\"amount_sat\":50000}", first);
		if (ctl(&j, "/faucet", path) != 200 || (json_decref(j), ctl(&j, "/mine", "{}")) != 200)
			die("faucet");
		json_decref(j);
		sync_once(ms);
		ts[i] = ms[0];
		tp[i] = ms[1];
	}
	want += 5;
	report("incremental sync (1 new tx)", ts, 5, NULL);
	report("  of which backend (HTTP)", tp, 5, NULL);
	for (i = 0; i < 5; i++) {
		sync_once(ms);
		ts[i] = ms[0];
		tp[i] = ms[1];
	}
	report("incremental sync (nothing new)", ts, 5, NULL);
	report("  of which backend (HTTP)", tp, 5, NULL);
	if (wait_utxos(want, now()) < 0)
		die("utxos");

	/* Reads. */
	timed_get("GET /v1/wallet/balance", "/v1/wallet/balance", "< 10 ms");
	timed_get("GET /v1/wallet/transactions (1st)", "/v1/wallet/transactions?limit=100", "< 5 ms");
	if (api(&j, "GET", "/v1/wallet/transactions?limit=1", NULL) != 200)
		die("transactions");
	tip_txs = json_is_string(json_object_get(j, "next_cursor")) ?
	    strtoll(json_string_value(json_object_get(j, "next_cursor")), NULL, 10) : 1;
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/wallet/transactions?limit=100&cursor=%lld", (long long)(tip_txs / 2 + 1));
	timed_get("GET /v1/wallet/transactions (mid)", path, "< 5 ms");
	timed_get("GET /v1/wallet/utxos (1st page)", "/v1/wallet/utxos?limit=100", NULL);

	/* Payments: preview (build), then the whole path. */
	for (i = 0; i < npay; i++) {
		t0 = now();
		if (api(&j, "POST", "/v1/payments/preview", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":"
		    "20000}],\"fee_rate_sat_vb\":2}") != 200)
			die("preview");
		tp[i] = now() - t0;
		json_decref(j);
	}
	report("POST /v1/payments/preview", tp, (size_t)npay, "(build) < 50 ms");
	t0 = now();
	for (i = 0; i < npay; i++) {
		double t1 = now();
		long st = api(&j, "POST", "/v1/payments", "{\"outputs\":[{\"address\":\"" PAYEE "\",\"amount_sat\":20000}],"
		    "\"fee_rate_sat_vb\":2}");

		if (st != 201 || strcmp(json_string_value(json_object_get(j, "status")) != NULL ?
		    json_string_value(json_object_get(j, "status")) : "", "broadcast") != 0) {
			fprintf(stderr, "payment %ld: %ld %s\n", i, st,
			    json_string_value(json_object_get(json_object_get(j, "error"), "code")));
			die("payment");
		}
		json_decref(j);
		ts[np++] = now() - t1;
		if ((i + 1) % 10 == 0) {
			if (ctl(&j, "/mine", "{}") != 200)
				die("mine");
			json_decref(j);
		}
	}
	if (npay > 0) {
		double total = now() - t0;

		report("POST /v1/payments (build+sign+send)", ts, np, "< 50 ms");
		printf("payments end to end              %.1f payments/s (%ld sequential, one connection)\n",
		    (double)npay / total, npay);
	}
	print_mem("at the end");
	cleanup();
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, logpath);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	curl_easy_cleanup(curl);
	return 0;
}
#endif
