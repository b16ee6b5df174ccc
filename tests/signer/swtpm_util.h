/*
 * swtpm for the TPM tests: a fresh TPM 2.0 simulator on loopback ports with
 * its own temporary state directory, started by the test and stopped on every
 * path (swtpm_stop, an atexit handler, and PR_SET_PDEATHSIG if the test dies).
 * TCTI: "swtpm:host=127.0.0.1,port=P" (the control channel is P+1).
 */
#ifndef COFFER_TESTS_SIGNER_SWTPM_UTIL_H
#define COFFER_TESTS_SIGNER_SWTPM_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evidence_util.h"

struct swtpm {
	pid_t pid;
	int port;
	char dir[256];
	char tcti[96];
};

#define SWTPM_MAX 4
static struct swtpm *swtpm_live[SWTPM_MAX];

static inline void
swtpm_stop(struct swtpm *s)
{
	size_t i;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	if (s->dir[0] != '\0')
		su_rmtree(s->dir);
	s->dir[0] = '\0';
	for (i = 0; i < SWTPM_MAX; i++)
		if (swtpm_live[i] == s)
			swtpm_live[i] = NULL;
}

static inline void
swtpm_stop_all(void)
{
	size_t i;

	for (i = 0; i < SWTPM_MAX; i++)
		if (swtpm_live[i] != NULL)
			swtpm_stop(swtpm_live[i]);
}

/* A loopback port p with p+1 also free (swtpm's control channel), or 0. */
static inline int
swtpm_free_ports(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, fd2, port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0 &&
	    ntohs(a.sin_port) < 65535) {
		port = ntohs(a.sin_port);
		if ((fd2 = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
			a.sin_port = htons((uint16_t)(port + 1));
			if (bind(fd2, (struct sockaddr *)&a, sizeof(a)) != 0)
				port = 0;
			close(fd2);
		}
	}
	close(fd);
	return port;
}

static inline int
swtpm_connectable(int port)
{
	struct sockaddr_in a;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* 1 when the swtpm program is installed (scripts/setup installs it). */
static inline int
swtpm_available(void)
{
	return system("command -v swtpm >/dev/null 2>&1") == 0;
}

/*
 * Start a fresh swtpm. Returns 0, or -1 (swtpm would not start: the test fails).
 * Waiting for readiness is a loop with a generous bound, not a timing assertion.
 */
static inline int
swtpm_start(struct swtpm *s)
{
	char state[300], server[96], ctrl[96];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int attempt, i, status;
	size_t k;

	memset(s, 0, sizeof(s[0]));
	eu_mkdtemp(s->dir, sizeof(s->dir), "swtpm");
	for (k = 0; k < SWTPM_MAX && swtpm_live[k] != NULL; k++)
		;
	if (k == SWTPM_MAX)
		return -1;
	swtpm_live[k] = s;
	atexit(swtpm_stop_all);
	for (attempt = 0; attempt < 5; attempt++) {
		if ((s->port = swtpm_free_ports()) == 0)
			continue;
		snprintf(state, sizeof(state), "dir=%s", s->dir);
		snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1", s->port);
		snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", s->port + 1);
		if ((s->pid = fork()) < 0)
			return -1;
		if (s->pid == 0) {
			int devnull = open("/dev/null", O_RDWR);

			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (devnull >= 0) {
				dup2(devnull, 0);
				dup2(devnull, 1);
			}
			execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server", server, "--ctrl",
			    ctrl, "--flags", "not-need-init,startup-clear", (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 500; i++) {	/* up to ~10 s on a loaded machine */
			if (swtpm_connectable(s->port) && swtpm_connectable(s->port + 1)) {
				snprintf(s->tcti, sizeof(s->tcti), "swtpm:host=127.0.0.1,port=%d", s->port);
				return 0;
			}
			if (waitpid(s->pid, &status, WNOHANG) == s->pid)
				break;	/* lost the port race: try others */
			nanosleep(&ts, NULL);
		}
		if (kill(s->pid, 0) == 0) {
			kill(s->pid, SIGTERM);
			waitpid(s->pid, NULL, 0);
		}
		s->pid = 0;
	}
	return -1;
}

#endif
