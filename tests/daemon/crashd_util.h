/*
 * Helpers for the real-cofferd crash test (test_payments_crashd.c): an HTTP
 * client that sends an Idempotency-Key and counts only a complete answer as
 * an answer, the children of a process (its signer) read from /proc, a
 * bounded wait for an orphan this process reaps as subreaper, and GETs on the
 * chain double's Esplora API.
 */
#ifndef COFFER_TESTS_DAEMON_CRASHD_UTIL_H
#define COFFER_TESTS_DAEMON_CRASHD_UTIL_H

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "chaind_util.h"

/*
 * One request to 127.0.0.1:port with the bearer token (and an Idempotency-Key
 * when idem is not NULL). A reply counts only when it is whole (its
 * Content-Length arrived): a daemon killed mid-answer gives 0, as no answer.
 * A stuck daemon cannot hang the test: reads give up after 120 s.
 * Returns the HTTP status (JSON body into *out, or NULL), or 0.
 */
static inline int
crashd_http(json_t **out, int port, const char *token, const char *method, const char *path, const char *body,
    const char *idem)
{
	struct sockaddr_in sa;
	struct timeval tv = { 120, 0 };
	char head[1024], idemh[200] = "", *resp = NULL, *p, *cl;
	size_t len = 0, cap = 0, blen = body != NULL ? strlen(body) : 0;
	ssize_t n;
	int fd, status = 0;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(0x7f000001);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	if (idem != NULL)
		snprintf(idemh, sizeof(idemh), "Idempotency-Key: %s\r\n", idem);
	snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n%s"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", method, path, token, idemh, blen);
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) != (ssize_t)strlen(head) ||
	    (blen > 0 && send(fd, body, blen, MSG_NOSIGNAL) != (ssize_t)blen))
		goto out;
	for (;;) {
		if (cap - len < 4096) {
			char *np = realloc(resp, cap + 65536);

			if (np == NULL)
				goto out;
			resp = np;
			cap += 65536;
		}
		if ((n = read(fd, resp + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	if (resp == NULL || len < 12 || strncmp(resp, "HTTP/1.1 ", 9) != 0)
		goto out;
	resp[len] = '\0';
	if ((p = strstr(resp, "\r\n\r\n")) == NULL)
		goto out;
	*p = '\0';
	for (cl = resp; *cl != '\0'; cl++)
		*cl = (char)tolower((unsigned char)*cl);
	if ((cl = strstr(resp, "\r\ncontent-length:")) == NULL ||
	    strtoul(cl + strlen("\r\ncontent-length:"), NULL, 10) != len - (size_t)(p + 4 - resp))
		goto out;	/* cut off: no answer */
	status = atoi(resp + 9);
	*out = json_loads(p + 4, 0, NULL);
out:
	free(resp);
	close(fd);
	return status;
}

/* The error code name of an API error answer, or "". */
static inline const char *
crashd_err(json_t *j)
{
	const char *s = json_string_value(json_object_get(json_object_get(j, "error"), "code"));

	return s != NULL ? s : "";
}

/* Up to max pids whose parent is ppid (from /proc/N/stat). Returns how many. */
static inline size_t
crashd_children(pid_t ppid, pid_t *kids, size_t max)
{
	char path[300], buf[512], *rp;
	struct dirent *e;
	size_t n = 0;
	DIR *dir = opendir("/proc");
	FILE *f;

	if (dir == NULL)
		return 0;
	while (n < max && (e = readdir(dir)) != NULL) {
		int parent = 0;
		char state;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* "pid (comm) state ppid ...": comm may hold anything, so from the last ')'. */
		if (fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL &&
		    sscanf(rp + 1, " %c %d", &state, &parent) == 2 && parent == (int)ppid)
			kids[n++] = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * Wait up to limit_ms for pid (an orphan this subreaper inherits, or gone
 * already) to exit and reap it. Returns the milliseconds it took, or -1 when
 * it is still running (then it is killed and reaped).
 */
static inline long
crashd_reap_orphan(pid_t pid, long limit_ms)
{
	struct timespec t = { 0, 5 * 1000 * 1000 };
	long waited;
	int st;

	for (waited = 0; waited <= limit_ms; waited += 5) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD && kill(pid, 0) != 0))
			return waited;
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return -1;
}

/* GET path on the chain double: the JSON answer, or NULL (404 included). */
static inline json_t *
chaind_get(struct chaind *c, const char *path)
{
	struct chain_http_resp r;
	json_t *j = NULL;

	if (chain_http_request(&c->ctl, &r, "GET", path, NULL, NULL, 0) != 0)
		return NULL;
	if (r.status == 200)
		j = json_loadb((const char *)r.body.p, r.body.len, JSON_DECODE_ANY, NULL);
	chain_http_resp_free(&r);
	return j;
}

/* splitmix64: the test's one source of randomness, replayed from its seed. */
static inline uint64_t
crashd_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static inline int64_t
crashd_range(uint64_t *s, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(crashd_rand(s) % (uint64_t)(hi - lo + 1));
}

static inline int64_t
crashd_jint(json_t *j, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(j, key));
}

static inline const char *
crashd_jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s != NULL ? s : "";
}

/* Every payment cofferd lists (GET /v1/payments, page by page), in one array; NULL when a page fails. */
static inline json_t *
crashd_payments(int port, const char *token)
{
	json_t *all = json_array(), *j = NULL;
	char path[128] = "/v1/payments?limit=200";

	for (;;) {
		const char *next;
		int st = crashd_http(&j, port, token, "GET", path, NULL, NULL);

		if (st != 200) {
			fprintf(stderr, "GET %s: %d\n", path, st);
			json_decref(j);
			json_decref(all);
			return NULL;
		}
		json_array_extend(all, json_object_get(j, "payments"));
		next = json_string_value(json_object_get(j, "next_cursor"));
		if (next == NULL) {
			json_decref(j);
			return all;
		}
		snprintf(path, sizeof(path), "/v1/payments?limit=200&cursor=%s", next);
		json_decref(j);
	}
}

/* What the double says address received: outputs of value `want` into *n_want, all its outputs into *n_all. */
static inline void
crashd_outputs_to(struct chaind *c, size_t *n_want, size_t *n_all, const char *address, int64_t want)
{
	char path[200];
	json_t *txs, *tx, *o;
	size_t i, v;

	*n_want = *n_all = 0;
	snprintf(path, sizeof(path), "/address/%s/txs", address);
	txs = chaind_get(c, path);
	json_array_foreach(txs, i, tx) {
		json_array_foreach(json_object_get(tx, "vout"), v, o) {
			if (strcmp(crashd_jstr(o, "scriptpubkey_address"), address) == 0) {
				(*n_all)++;
				*n_want += crashd_jint(o, "value") == want;
			}
		}
	}
	json_decref(txs);
}

/* Processes other than this one with a file open under dir (from /proc/N/fd); each is named on stderr. */
static inline size_t
crashd_holders(const char *dir)
{
	char path[600], target[512];
	struct dirent *e, *f;
	DIR *proc = opendir("/proc"), *fds;
	size_t n = 0, dl = strlen(dir);
	ssize_t len;

	while (proc != NULL && (e = readdir(proc)) != NULL) {
		int holds = 0;

		if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == (int)getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (!holds && (f = readdir(fds)) != NULL) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", e->d_name, f->d_name);
			if ((len = readlink(path, target, sizeof(target) - 1)) > 0) {
				target[len] = '\0';
				holds = strncmp(target, dir, dl) == 0 && (target[dl] == '/' || target[dl] == '\0');
			}
		}
		closedir(fds);
		if (holds) {
			fprintf(stderr, "process %s holds a file under %s\n", e->d_name, dir);
			n++;
		}
	}
	if (proc != NULL)
		closedir(proc);
	return n;
}

#endif
