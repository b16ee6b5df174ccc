/*
 * Running the real cofferd for a test: start it on a free loopback port with
 * a temporary datadir, talk HTTP/1.1 to it (one request per connection, a
 * minimal client: the tests own both ends), stop it, and search a process's
 * memory through /proc/PID/mem.
 */
#ifndef COFFER_TESTS_DAEMON_PROC_UTIL_H
#define COFFER_TESTS_DAEMON_PROC_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

/* Mappings larger than this are not program data (AddressSanitizer's shadow is terabytes). */
#define PROC_MAX_MAPPING ((unsigned long)16 << 30)

struct proc_daemon {
	pid_t pid;
	int port;
	char dir[64];
	char log[128];
	char token[65];
};

/*
 * Start cofferd with `extra` arguments (NULL-terminated) in a new temporary
 * datadir (or d->dir when it is already set), wait for "listening on".
 * Returns 0 or -1 (the log is printed).
 */
static inline int
proc_daemon_start(struct proc_daemon *d, const char *cofferd, const char *const *extra)
{
	const char *argv[32];
	char line[512], path[160];
	size_t n = 0, i;
	FILE *f;
	int fd, tries;

	if (d->dir[0] == '\0') {
		snprintf(d->dir, sizeof(d->dir), "/tmp/coffer-proc-XXXXXX");
		if (mkdtemp(d->dir) == NULL)
			return -1;
	}
	snprintf(d->log, sizeof(d->log), "%s.log", d->dir);
	argv[n++] = cofferd;
	argv[n++] = "--datadir";
	argv[n++] = d->dir;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/* A restart reuses the log's name: never read the previous run's "listening on" line. */
	unlink(d->log);
	if ((d->pid = fork()) < 0)
		return -1;
	if (d->pid == 0) {
		fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execv(cofferd, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	d->port = 0;
	for (tries = 0; tries < 3000 && d->port == 0; tries++) {	/* 30 s: a loaded machine, sanitizers */
		usleep(10 * 1000);
		if ((f = fopen(d->log, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			char *p = strstr(line, "listening on http://127.0.0.1:");

			if (p != NULL)
				d->port = atoi(p + strlen("listening on http://127.0.0.1:"));
		}
		fclose(f);
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;	/* reaped: never signal that pid again */
			break;
		}
	}
	snprintf(path, sizeof(path), "%s/auth_token", d->dir);
	if (d->port == 0 || (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cofferd did not start; its log:\n");
		if ((f = fopen(d->log, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				fputs(line, stderr);
			fclose(f);
		}
		return -1;
	}
	if (fgets(d->token, sizeof(d->token), f) == NULL)
		d->token[0] = '\0';
	fclose(f);
	return 0;
}

/* SIGTERM (or SIGKILL with hard) and reap. Returns the exit status, or -1. */
static inline int
proc_daemon_stop(struct proc_daemon *d, int hard)
{
	int st = 0;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, hard ? SIGKILL : SIGTERM);
	while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void
proc_daemon_cleanup(struct proc_daemon *d)
{
	char cmd[256];

	if (d->pid > 0)
		proc_daemon_stop(d, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", d->dir, d->log);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d->dir);
}

/*
 * One request; the answer's body parsed into *out when it is JSON (NULL otherwise).
 * Returns the HTTP status, or 0 when the exchange failed.
 */
static inline int
proc_http(json_t **out, const struct proc_daemon *d, const char *method, const char *path, const char *body)
{
	struct sockaddr_in sa;
	char head[1024], *resp = NULL, *p;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, status = 0;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d->port);
	sa.sin_addr.s_addr = htonl(0x7f000001);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    method, path, d->token, body != NULL ? strlen(body) : 0);
	if (write(fd, head, strlen(head)) != (ssize_t)strlen(head) ||
	    (body != NULL && write(fd, body, strlen(body)) != (ssize_t)strlen(body)))
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
	if (resp == NULL || len < 12)
		goto out;
	resp[len] = '\0';
	status = atoi(resp + 9);
	if ((p = strstr(resp, "\r\n\r\n")) != NULL)
		*out = json_loads(p + 4, 0, NULL);
out:
	free(resp);
	close(fd);
	return status;
}

/* First occurrence of needle in hay, or NULL (memmem is a GNU extension). */
static inline const uint8_t *
proc_find(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (i = 0; i + nlen <= hlen; i++) {
		const uint8_t *c = memchr(hay + i, needle[0], hlen - nlen + 1 - i);

		if (c == NULL)
			return NULL;
		i = (size_t)(c - hay);
		if (memcmp(c, needle, nlen) == 0)
			return c;
	}
	return NULL;
}

/*
 * Count the occurrences of needle in the readable memory of process pid
 * (every mapping /proc/PID/maps lists; those that cannot be read are skipped).
 * Returns the count, or -1 when the process's memory cannot be read at all.
 */
static inline long
proc_mem_count(pid_t pid, const void *needle, size_t nlen)
{
	char path[64], line[512];
	unsigned long lo, hi;
	long found = 0;
	int memfd, readable = 0;
	FILE *maps;
	uint8_t *buf;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = fopen(path, "r")) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((memfd = open(path, O_RDONLY)) < 0) {
		fclose(maps);
		return -1;
	}
	buf = malloc((size_t)1 << 20);
	while (buf != NULL && fgets(line, sizeof(line), maps) != NULL) {
		unsigned long at;

		char perms[8];

		/* Unreadable reservations and the sanitizer's shadow (terabytes, no program data) are skipped. */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    hi - lo > PROC_MAX_MAPPING || strstr(line, "[vvar]") != NULL || strstr(line, "[vsyscall]") != NULL)
			continue;
		/* Step by 1 MiB, overlapping by the needle's length so nothing straddles unseen. */
		for (at = lo; at < hi;) {
			size_t want = hi - at < ((size_t)1 << 20) ? hi - at : ((size_t)1 << 20);
			ssize_t got = pread(memfd, buf, want, (off_t)at);
			const uint8_t *p = buf, *end;

			if (got <= 0)
				break;
			readable = 1;
			end = buf + got;
			while ((size_t)(end - p) >= nlen && (p = proc_find(p, (size_t)(end - p), needle, nlen)) != NULL) {
				found++;
				p++;
			}
			if ((size_t)got < want || at + (size_t)got >= hi)
				break;
			at += (size_t)got > nlen ? (size_t)got - nlen + 1 : (size_t)got;
		}
	}
	free(buf);
	close(memfd);
	fclose(maps);
	return readable ? found : -1;
}

#endif
