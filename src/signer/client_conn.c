/*
 * Client connections: spawn a socketpair signer, connect to a standalone one,
 * the version handshake, the request/reply plumbing and close.
 */
#include "signer/client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secmem.h"
#include "signer/client_int.h"

/* How long client_close waits for a spawned signer to exit before killing it. */
#define CLIENT_REAP_MS 5000

static int
client_init(struct signer_client *c)
{
	memset(c, 0, sizeof(*c));
	transport_init(&c->t);
	c->pid = -1;
	cbuf_init_secret(&c->tx, PROTO_MAX_FRAME);
	if ((c->rx = secmem_alloc(PROTO_MAX_FRAME)) == NULL)
		return COFFER_ERR_NOMEM;
	return 0;
}

void
client_begin(struct signer_client *c)
{
	cbuf_reset(&c->tx);
	c->reason[0] = '\0';
}

void
client_end(struct signer_client *c)
{
	cbuf_reset(&c->tx);
	if (c->rx != NULL)
		secure_wipe(c->rx, c->rx_len);
	c->rx_len = 0;
}

int
client_check(struct signer_client *c, int decode_ret)
{
	if (decode_ret == 0)
		return 0;
	/* Never resync with a peer that sent something we cannot parse. */
	transport_close(&c->t);
	snprintf(c->reason, sizeof(c->reason), "malformed reply from the signer");
	return COFFER_ERR_SIGNER_PROTOCOL;
}

int
client_call(struct signer_client *c, uint8_t type, const uint8_t **p, size_t *n)
{
	struct proto_error e;
	uint8_t rtype;
	size_t len;
	int ret;

	*p = NULL;
	*n = 0;
	if (c->rx == NULL)
		return COFFER_ERR_SIGNER_CLOSED;
	if ((ret = transport_write_frame(&c->t, type, c->tx.p, c->tx.len)) != 0 ||
	    (ret = transport_read_frame(&c->t, &rtype, c->rx, PROTO_MAX_FRAME, &len)) != 0) {
		transport_close(&c->t);
		return ret;
	}
	c->rx_len = len;
	if (rtype == PROTO_ERROR) {
		if ((ret = proto_error_decode(&e, c->rx, len)) != 0)
			return client_check(c, ret);
		snprintf(c->reason, sizeof(c->reason), "%.*s", (int)e.reason.len, (const char *)e.reason.p);
		if (e.fatal)
			transport_close(&c->t);	/* the signer has ended the connection */
		return e.code;
	}
	if (rtype != PROTO_REPLY(type))
		return client_check(c, COFFER_ERR_SIGNER_PROTOCOL);
	*p = c->rx;
	*n = len;
	return 0;
}

static int
handshake(struct signer_client *c)
{
	struct proto_hello h = { PROTO_MAGIC, PROTO_VERSION, PROTO_VERSION };
	struct proto_hello_reply r;
	const uint8_t *p;
	size_t n;
	int ret;

	client_begin(c);
	if ((ret = proto_hello_encode(&c->tx, &h)) == 0 &&
	    (ret = client_call(c, PROTO_HELLO, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_hello_reply_decode(&r, p, n))) == 0) {
		if (r.version != PROTO_VERSION) {
			transport_close(&c->t);
			ret = COFFER_ERR_SIGNER_VERSION;
		} else {
			c->version = r.version;
			snprintf(c->software, sizeof(c->software), "%.*s", (int)r.software.len,
			    (const char *)r.software.p);
		}
	}
	client_end(c);
	return ret;
}

int
client_attach(struct signer_client *c, struct transport *t)
{
	int ret;

	if ((ret = client_init(c)) != 0) {
		transport_close(t);
		client_close(c);
		return ret;
	}
	c->t = *t;
	transport_init(t);
	if ((ret = handshake(c)) != 0)
		client_close(c);
	return ret;
}

int
client_connect_unix(struct signer_client *c, const char *path)
{
	struct transport t;
	int ret;

	if ((ret = transport_unix_connect(&t, path)) != 0) {
		memset(c, 0, sizeof(*c));
		c->pid = -1;
		transport_init(&c->t);
		return ret;
	}
	return client_attach(c, &t);
}

int
client_connect_vsock(struct signer_client *c, uint32_t cid, uint32_t port)
{
	struct transport t;
	int ret;

	if ((ret = transport_vsock_connect(&t, cid, port)) != 0) {
		memset(c, 0, sizeof(*c));
		c->pid = -1;
		transport_init(&c->t);
		return ret;
	}
	return client_attach(c, &t);
}

int
client_spawn_signer(struct signer_client *c, const char *signer_path, const char *datadir,
    const struct client_spawn_opts *o)
{
	static char *const envp[] = { NULL };	/* the signer gets no environment */
	char fdarg[16], mem[16], ops[16];
	const char *argv[24];
	size_t i = 0;
	pid_t pid;
	int peer, ret;

	if ((ret = client_init(c)) != 0) {
		client_close(c);
		return ret;
	}
	/* Everything the child needs is built before fork (async-signal-safe after). */
	snprintf(fdarg, sizeof(fdarg), "%d", CLIENT_SIGNER_FD);
	argv[i++] = signer_path;
	argv[i++] = "--datadir";
	argv[i++] = datadir;
	argv[i++] = "--fd";
	argv[i++] = fdarg;
	if (o != NULL && o->network != NULL) {
		argv[i++] = "--network";
		argv[i++] = o->network;
	}
	if (o != NULL && o->user != NULL) {
		argv[i++] = "--user";
		argv[i++] = o->user;
	}
	if (o != NULL && o->kdf_memlimit_kib != 0) {
		snprintf(mem, sizeof(mem), "%u", o->kdf_memlimit_kib);
		argv[i++] = "--kdf-memory";
		argv[i++] = mem;
	}
	if (o != NULL && o->kdf_opslimit != 0) {
		snprintf(ops, sizeof(ops), "%u", o->kdf_opslimit);
		argv[i++] = "--kdf-passes";
		argv[i++] = ops;
	}
	if (o != NULL && o->tee != NULL) {
		argv[i++] = "--tee";
		argv[i++] = o->tee;
	}
	if (o != NULL && o->seal != NULL) {
		argv[i++] = "--seal";
		argv[i++] = o->seal;
	}
	if (o != NULL && o->seal_pcrs != NULL) {
		argv[i++] = "--seal-pcrs";
		argv[i++] = o->seal_pcrs;
	}
	if (o != NULL && o->tcti != NULL) {
		argv[i++] = "--tcti";
		argv[i++] = o->tcti;
	}
	argv[i] = NULL;
	if ((ret = transport_socketpair(&c->t, &peer)) != 0) {
		client_close(c);
		return ret;
	}
	if ((pid = fork()) < 0) {
		close(peer);
		client_close(c);
		return COFFER_ERR_SIGNER_SPAWN;
	}
	if (pid == 0) {
		/* Our end is close-on-exec; the signer's lands on the fixed fd. */
		if (peer == CLIENT_SIGNER_FD) {
			if (fcntl(peer, F_SETFD, 0) != 0)
				_exit(127);
		} else if (dup2(peer, CLIENT_SIGNER_FD) < 0) {
			_exit(127);
		}
		execve(signer_path, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	close(peer);
	c->pid = pid;
	if ((ret = handshake(c)) != 0) {
		client_close(c);
		return ret == COFFER_ERR_SIGNER_CLOSED ? COFFER_ERR_SIGNER_SPAWN : ret;
	}
	return 0;
}

static void
reap(struct signer_client *c)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int waited, status = 0;
	pid_t r;

	for (waited = 0; waited < CLIENT_REAP_MS; waited += 10) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		nanosleep(&ts, NULL);
	}
	if (waited >= CLIENT_REAP_MS) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	c->exit_status = status;
	c->pid = -1;
}

void
client_close(struct signer_client *c)
{
	transport_close(&c->t);
	if (c->pid > 0)
		reap(c);
	cbuf_free(&c->tx);
	if (c->rx != NULL)
		secmem_free(c->rx);
	c->rx = NULL;
	c->rx_len = 0;
}
