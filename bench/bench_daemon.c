/*
 * bench_daemon: cofferd's figures for issue #4, on the real daemon with its
 * real signer (regtest, no chain backend, default Argon2id):
 *
 *   startup   exec to the first answered GET /v1/health (median of 5)
 *   rss       resident memory of cofferd plus coffer-signer, idle, unlocked
 *   balance   GET /v1/wallet/balance requests per second under wrk
 *             (2 threads, 32 connections, 10 s; skipped without wrk)
 *   sign      POST /v1/message/sign per second over one keep-alive
 *             connection, against bare BIP340 signing (secp256k1_keypair_create
 *             + schnorrsig_sign32, what a signer does per signature) in the
 *             same run; and the same through the signer's protocol alone
 *             (client_sign_message on a signer of our own), which says where
 *             the time goes. Both once with the datadir on /tmp (a disk: the
 *             signer fsyncs an audit record per signature) and once on
 *             /dev/shm (tmpfs: fsync is free, what is left is CPU)
 *
 * Usage: bench_daemon [seconds per measurement, default 5]. Exits 0 whatever
 * the figures are; goals are in docs/PERFORMANCE.md.
 */
#define _GNU_SOURCE 1	/* nftw */

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "btc/secp.h"
#include "common/buf.h"
#include "common/secmem.h"
#include "signer/client.h"

#if !defined(COFFERD_BIN) || !defined(COFFER_SIGNER_BIN)
int
main(void)
{
	puts("bench_daemon: skipped: built without cofferd or coffer-signer");
	return 0;
}
#else
#define PASS "bench daemon passphrase"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_daemon: %s\n", what);
	exit(1);
}

struct daemon_proc {
	pid_t pid;
	char dir[64];
	char log[96];
	char url[64];
	char auth[128];
};

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	struct cbuf *b = arg;

	if (b != NULL && cbuf_put(b, (const uint8_t *)p, size * n) != 0)
		return 0;
	return size * n;
}

/* One request on a reusable handle; returns the status (0 when none). */
static long
http(CURL *c, struct cbuf *body_out, const char *method, const char *url, const char *auth, const char *body)
{
	struct curl_slist *h = NULL;
	long st = 0;

	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body_out);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, body != NULL ? (long)strlen(body) : 0L);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	return st;
}

/* Start cofferd; returns seconds from exec to the first answered health check. */
static double
start(struct daemon_proc *d, CURL *c, const char *kdf_kib, const char *parent)
{
	char line[512], path[160];
	FILE *f;
	double t0;
	int port = 0, i;

	snprintf(d->dir, sizeof(d->dir), "%s/coffer-bench-XXXXXX", parent);
	if (mkdtemp(d->dir) == NULL)
		die("mkdtemp");
	snprintf(d->log, sizeof(d->log), "%s.log", d->dir);
	t0 = now();
	if ((d->pid = fork()) == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(COFFERD_BIN, COFFERD_BIN, "--datadir", d->dir, "--network", "regtest", "--listen", "127.0.0.1:0",
		    "--signer", COFFER_SIGNER_BIN, "--max-connections-per-ip", "64", "--log-level", "warn",
		    kdf_kib != NULL ? "--signer-kdf-memory" : NULL, kdf_kib, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 20000 && port == 0; i++) {
		if ((f = fopen(d->log, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL) {
				char *p = strstr(line, "listening on http://127.0.0.1:");

				if (p != NULL)
					port = atoi(p + strlen("listening on http://127.0.0.1:"));
			}
			fclose(f);
		}
		if (port == 0)
			usleep(200);
	}
	if (port == 0)
		die("cofferd did not start");
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d", port);
	snprintf(path, sizeof(path), "%s/v1/health", d->url);
	while (http(c, NULL, "GET", path, "X-None: 1", NULL) != 200)
		usleep(200);
	t0 = now() - t0;
	snprintf(path, sizeof(path), "%s/auth_token", d->dir);
	if ((f = fopen(path, "r")) == NULL || fgets(line, sizeof(line), f) == NULL)
		die("no auth_token");
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if ((size_t)snprintf(d->auth, sizeof(d->auth), "Authorization: Bearer %s", line) >= sizeof(d->auth))
		die("auth_token too long");
	return t0;
}

static void
stop(struct daemon_proc *d)
{
	int st;

	kill(d->pid, SIGTERM);
	waitpid(d->pid, &st, 0);
	nftw(d->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unlink(d->log);
}

/* VmRSS of a process in KiB, 0 when unknown. */
static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* The first child process of pid (the signer), or -1. */
static pid_t
child_of(pid_t pid)
{
	char path[96], buf[256];
	FILE *f;
	int c = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			c = atoi(buf);
		fclose(f);
	}
	return c > 0 ? c : -1;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* wrk's Requests/sec line, or -1 when wrk is missing or failed. */
static double
run_wrk(const struct daemon_proc *d, int seconds)
{
	char cmd[512], line[256];
	double rps = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "wrk -t2 -c32 -d%ds -H '%s' %s/v1/wallet/balance 2>&1", seconds, d->auth, d->url);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (sscanf(line, "Requests/sec: %lf", &rps) == 1)
			continue;
		if (strstr(line, "Non-2xx") != NULL)
			fprintf(stderr, "bench_daemon: wrk: %s", line);
	}
	pclose(p);
	return rps;
}

/* Bare BIP340 signatures per second: keypair from the secret, then sign (a signer does both per request). */
static double
bare_sign_rate(double seconds)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_keypair kp;
	unsigned char sk[32], msg[32], sig[64], aux[32];
	double t0 = now(), t;
	long n = 0;

	memset(sk, 0x11, sizeof(sk));
	memset(msg, 0x22, sizeof(msg));
	memset(aux, 0x33, sizeof(aux));
	do {
		msg[0] = (unsigned char)n;
		if (!secp256k1_keypair_create(ctx, &kp, sk) || !secp256k1_schnorrsig_sign32(ctx, sig, msg, &kp, aux))
			die("secp256k1");
		n++;
	} while ((t = now() - t0) < seconds);
	return (double)n / t;
}

/* POST /v1/message/sign per second over one keep-alive connection. */
static double
daemon_sign_rate(CURL *c, const struct daemon_proc *d, double seconds)
{
	char url[128];
	double t0 = now(), t;
	long n = 0;

	snprintf(url, sizeof(url), "%s/v1/message/sign", d->url);
	do {
		if (http(c, NULL, "POST", url, d->auth, "{\"message\":\"bench\"}") != 200)
			die("message/sign failed");
		n++;
	} while ((t = now() - t0) < seconds);
	return (double)n / t;
}

/* The signer's protocol alone: client_sign_message on a signer of our own. */
static double
signer_sign_rate(double seconds, const char *parent)
{
	static const struct client_spawn_opts fast = { "regtest", NULL, 8192, 1, NULL, NULL, NULL, NULL };
	struct proto_secret pw = client_secret_plain((const uint8_t *)PASS, strlen(PASS));
	struct proto_secret none = client_secret_none();
	char dir[64], addr[PROTO_MAX_ADDRESS + 1];
	struct signer_client sc;
	struct cbuf mn, sig;
	double t0, t;
	long n = 0;

	snprintf(dir, sizeof(dir), "%s/coffer-bench-signer-XXXXXX", parent);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	cbuf_init_secret(&mn, 0);
	cbuf_init(&sig, 0);
	if (client_spawn_signer(&sc, COFFER_SIGNER_BIN, dir, &fast) != 0 ||
	    client_create(&sc, &mn, &pw, 12, &none, NULL) != 0 || client_unlock(&sc, &pw, 0) != 0)
		die("signer");
	t0 = now();
	do {
		cbuf_reset(&sig);
		if (client_sign_message(&sc, addr, &sig, &none, PROTO_ACCOUNT_TR, 0, 0, 0, (const uint8_t *)"bench", 5) != 0)
			die("client_sign_message");
		n++;
	} while ((t = now() - t0) < seconds);
	client_close(&sc);
	cbuf_free(&mn);
	cbuf_free(&sig);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return (double)n / t;
}

/* A wallet (default Argon2id, tr) in a cofferd whose datadir is under parent. */
static void
start_wallet(struct daemon_proc *d, CURL *c, const char *parent)
{
	char url[160], body[128];

	start(d, c, NULL, parent);
	snprintf(url, sizeof(url), "%s/v1/wallet/create", d->url);
	snprintf(body, sizeof(body), "{\"passphrase\":\"%s\",\"type\":\"tr\"}", PASS);
	if (http(c, NULL, "POST", url, d->auth, body) != 201)
		die("create");
	snprintf(url, sizeof(url), "%s/v1/wallet/addresses", d->url);
	if (http(c, NULL, "POST", url, d->auth, "{}") != 201)
		die("address");
}

int
main(int argc, char **argv)
{
	static const char *const parents[] = { "/tmp", "/dev/shm" };
	int seconds = argc > 1 ? atoi(argv[1]) : 5, i;
	struct daemon_proc d;
	double startup[5], bare, via_daemon, via_signer, rps;
	long rss_d, rss_s;
	pid_t signer;
	size_t p;
	CURL *c;

	if (seconds <= 0 || seconds > 600)
		seconds = 5;
	secmem_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c = curl_easy_init()) == NULL)
		die("libcurl");

	/* Start-up: exec to serving, fresh datadirs (the admin token is generated each time). */
	for (i = 0; i < 5; i++) {
		startup[i] = start(&d, c, NULL, "/tmp");
		stop(&d);
	}
	qsort(startup, 5, sizeof(startup[0]), cmp_d);
	printf("startup            %7.1f ms (median of 5; min %.1f, max %.1f)\n", startup[2] * 1e3, startup[0] * 1e3,
	    startup[4] * 1e3);

	/* A wallet with the default Argon2id, unlocked, then idle. */
	start_wallet(&d, c, "/tmp");
	sleep(2);
	signer = child_of(d.pid);
	rss_d = rss_kib(d.pid);
	rss_s = signer > 0 ? rss_kib(signer) : 0;
	printf("idle rss           %7.1f MiB (cofferd %.1f MiB + coffer-signer %.1f MiB), unlocked\n",
	    (double)(rss_d + rss_s) / 1024.0, (double)rss_d / 1024.0, (double)rss_s / 1024.0);

	/* GET /v1/wallet/balance under wrk. */
	if ((rps = run_wrk(&d, seconds * 2)) < 0)
		printf("balance            skipped: wrk is not installed (scripts/setup installs it)\n");
	else
		printf("balance            %7.0f requests/s (wrk -t2 -c32 -d%ds, on the same 2 cores as cofferd)\n", rps,
		    seconds * 2);
	stop(&d);

	/* Signing: bare, through cofferd, through the signer alone; on a disk, then on tmpfs. */
	bare = bare_sign_rate(seconds);
	printf("bare BIP340 sign   %7.0f /s (keypair_create + schnorrsig_sign32)\n", bare);
	for (p = 0; p < sizeof(parents) / sizeof(parents[0]); p++) {
		if (access(parents[p], W_OK) != 0)
			continue;
		start_wallet(&d, c, parents[p]);
		via_daemon = daemon_sign_rate(c, &d, seconds);
		stop(&d);
		via_signer = signer_sign_rate(seconds, parents[p]);
		printf("message/sign       %7.0f /s over HTTP, one connection, datadir on %s: %.1f%% of bare\n", via_daemon,
		    parents[p], 100.0 * via_daemon / bare);
		printf("  signer alone     %7.0f /s (client_sign_message, datadir on %s)\n", via_signer, parents[p]);
	}
	curl_easy_cleanup(c);
	return 0;
}
#endif
