/*
 * A bitcoind JSON-RPC endpoint for tests: either a real regtest bitcoind
 * (COFFER_BITCOIND=/path/to/bitcoind) started here on free loopback ports with
 * a temporary datadir, a miner wallet with keys and 101 blocks mined to it,
 * stopped and removed afterwards; or the chain double's bitcoind mode
 * (tests/chaind, any Basic credentials). The test's own calls (funding,
 * mining, testmempoolaccept, getmempoolentry ...) go through btcnode_rpc.
 * Used by test_chain_bitcoind.c and test_payments_node.c.
 */
#ifndef COFFER_TESTS_DAEMON_BITCOIND_UTIL_H
#define COFFER_TESTS_DAEMON_BITCOIND_UTIL_H

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
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/chain_bitcoind_int.h"
#include "daemon/chain_int.h"

struct btcnode {
	pid_t pid;			/* a real node we started, else -1 */
	char datadir[256];
	char cookie[320];		/* real node: its .cookie; "" for the double */
	char userpwd[64];		/* the double: "user:password" */
	char url[64];
	char miner[100];		/* real node: the miner wallet's address */
	struct chain_http http;
	int http_ok;
};

/* A free TCP port on 127.0.0.1 (bound, read, released), or -1. */
static inline int
btcnode_free_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static inline int
btcnode_http(struct btcnode *n)
{
	struct chain_opts o;

	memset(&o, 0, sizeof(o));
	o.url = n->url;
	o.timeout_s = 600;	/* a real node's rescan or first-start can take a while */
	if (chain_http_init(&n->http, &o) != 0)
		return -1;
	n->http_ok = 1;
	return 0;
}

/* Credentials for the next call: the cookie (re-read: a node rewrites it at start) or user:password. */
static inline int
btcnode_auth(struct btcnode *n)
{
	uint8_t buf[BITCOIND_COOKIE_MAX];
	char line[BITCOIND_COOKIE_MAX];
	ssize_t k;
	int fd;

	if (n->cookie[0] == '\0')
		return chain_http_set_userpwd(&n->http, n->userpwd, strlen(n->userpwd)) == 0 ? 0 : -1;
	if ((fd = open(n->cookie, O_RDONLY)) < 0)
		return -1;
	k = read(fd, buf, sizeof(buf));
	close(fd);
	if (k <= 0 || bitcoind_parse_cookie(line, sizeof(line), buf, (size_t)k) != 0 ||
	    chain_http_set_userpwd(&n->http, line, strlen(line)) != 0)
		return -1;
	return 0;
}

/*
 * Forward one raw JSON-RPC request body to path ("/" or "/wallet/NAME") as it
 * is. Returns 0 with the HTTP status and a copy of the answer's body (free
 * it), or -1 (no answer).
 */
static inline int
btcnode_forward(struct btcnode *n, long *status, char **out, size_t *out_len, const char *path,
    const uint8_t *body, size_t len)
{
	struct chain_http_resp r;

	*out = NULL;
	*out_len = 0;
	if (!n->http_ok || btcnode_auth(n) != 0 ||
	    chain_http_request(&n->http, &r, "POST", path, "application/json", body, len) != 0)
		return -1;
	*status = r.status;
	if ((*out = malloc(r.body.len + 1)) != NULL) {
		memcpy(*out, r.body.p, r.body.len);
		(*out)[r.body.len] = '\0';
		*out_len = r.body.len;
	}
	chain_http_resp_free(&r);
	return *out != NULL ? 0 : -1;
}

/*
 * One call; params is a JSON array (text). Returns 0 with *res (json_decref
 * it), BITCOIND_RPC_ERROR with code and msg, or -1 (no usable answer).
 */
static inline int
btcnode_call(struct btcnode *n, json_t **res, int64_t *code, char *msg, size_t msgsize, const char *wallet,
    const char *method, const char *params)
{
	char path[128], *body, *ans = NULL;
	size_t blen = strlen(params) + strlen(method) + 96, alen;
	long status;
	int r;

	*res = NULL;
	*code = 0;
	msg[0] = '\0';
	snprintf(path, sizeof(path), wallet ? "/wallet/%s" : "/", wallet ? wallet : "");
	if ((body = malloc(blen)) == NULL)
		return -1;
	snprintf(body, blen, "{\"jsonrpc\":\"1.0\",\"id\":\"t\",\"method\":\"%s\",\"params\":%s}", method, params);
	r = btcnode_forward(n, &status, &ans, &alen, path, (const uint8_t *)body, strlen(body));
	free(body);
	if (r != 0)
		return -1;
	r = bitcoind_parse_reply(res, code, msg, msgsize, (const uint8_t *)ans, alen);
	free(ans);
	return r == 0 || r == BITCOIND_RPC_ERROR ? r : -1;
}

/* One call whose failure is reported on stderr; the result or NULL. */
static inline json_t *
btcnode_rpc(struct btcnode *n, const char *wallet, const char *method, const char *params)
{
	json_t *res = NULL;
	int64_t code;
	char msg[256];
	int r = btcnode_call(n, &res, &code, msg, sizeof(msg), wallet, method, params);

	if (r != 0) {
		fprintf(stderr, "bitcoind %s: %s (%lld)\n", method, r == -1 ? "no answer" : msg, (long long)code);
		return NULL;
	}
	return res;
}

/* The chain double's RPC face at url. Returns 0 or -1. */
static inline int
btcnode_attach_double(struct btcnode *n, const char *url)
{
	memset(n, 0, sizeof(*n));
	n->pid = -1;
	snprintf(n->url, sizeof(n->url), "%s", url);
	snprintf(n->userpwd, sizeof(n->userpwd), "coffer:test");
	return btcnode_http(n);
}

/* A second handle on the same endpoint (another thread's: a curl handle is not shared). Returns 0 or -1. */
static inline int
btcnode_clone(struct btcnode *dst, const struct btcnode *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->pid = -1;
	memcpy(dst->cookie, src->cookie, sizeof(dst->cookie));
	memcpy(dst->userpwd, src->userpwd, sizeof(dst->userpwd));
	memcpy(dst->url, src->url, sizeof(dst->url));
	memcpy(dst->miner, src->miner, sizeof(dst->miner));
	return btcnode_http(dst);
}

static inline void
btcnode_rm_rf(const char *path)
{
	char cmd[512];

	if (path[0] == '\0' || strncmp(path, "/tmp/", 5) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

/* Mine blocks to the miner wallet (real node). Returns 0 or -1. */
static inline int
btcnode_generate(struct btcnode *n, int blocks)
{
	char p[160];
	json_t *res;

	snprintf(p, sizeof(p), "[%d, \"%s\"]", blocks, n->miner);
	if ((res = btcnode_rpc(n, NULL, "generatetoaddress", p)) == NULL)
		return -1;
	json_decref(res);
	return 0;
}

/* Pay sat from the miner wallet to addr (real node, unconfirmed until mined). Returns 0 or -1. */
static inline int
btcnode_send(struct btcnode *n, char txid[65], const char *addr, int64_t sat)
{
	char p[256];
	json_t *res;
	const char *t;
	int r = -1;

	snprintf(p, sizeof(p), "[\"%s\", %lld.%08lld]", addr, (long long)(sat / 100000000),
	    (long long)(sat % 100000000));
	if ((res = btcnode_rpc(n, "miner", "sendtoaddress", p)) == NULL)
		return -1;
	if ((t = json_string_value(res)) != NULL && strlen(t) == 64) {
		if (txid != NULL)
			memcpy(txid, t, 65);
		r = 0;
	}
	json_decref(res);
	return r;
}

/*
 * Start a real regtest bitcoind (bin) on free loopback ports in a new
 * temporary datadir, wait until it answers, then create the miner wallet and
 * mine 101 blocks to it (spendable coinbase). Returns 0, or -1 (then call
 * btcnode_stop all the same).
 */
static inline int
btcnode_start(struct btcnode *n, const char *bin)
{
	char a_datadir[300], a_rpcport[32], a_port[32];
	int rpcport = btcnode_free_port(), p2p = btcnode_free_port(), i, st;
	json_t *res;

	memset(n, 0, sizeof(*n));
	n->pid = -1;
	snprintf(n->datadir, sizeof(n->datadir), "/tmp/coffer-bitcoind-XXXXXX");
	if (mkdtemp(n->datadir) == NULL) {
		n->datadir[0] = '\0';
		return -1;
	}
	if (rpcport < 0 || p2p < 0)
		return -1;
	snprintf(a_datadir, sizeof(a_datadir), "-datadir=%s", n->datadir);
	snprintf(a_rpcport, sizeof(a_rpcport), "-rpcport=%d", rpcport);
	snprintf(a_port, sizeof(a_port), "-port=%d", p2p);
	snprintf(n->cookie, sizeof(n->cookie), "%s/regtest/.cookie", n->datadir);
	snprintf(n->url, sizeof(n->url), "http://127.0.0.1:%d", rpcport);
	if ((n->pid = fork()) < 0)
		return -1;
	if (n->pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 1);
		execl(bin, bin, "-regtest", a_datadir, a_rpcport, a_port, "-listen=0", "-server=1",
		    "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-fallbackfee=0.0002", "-printtoconsole=0",
		    "-discover=0", "-dnsseed=0", "-txindex=1", (char *)NULL);
		_exit(127);
	}
	if (btcnode_http(n) != 0)
		return -1;
	/* Wait for the node to answer (start-up, not a timing assertion). */
	for (i = 0;; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		int64_t code;
		char msg[256];
		int r;

		if (waitpid(n->pid, &st, WNOHANG) == n->pid) {
			n->pid = -1;
			fprintf(stderr, "bitcoind exited during start-up\n");
			return -1;
		}
		/* -28 (warming up) and no answer yet: keep waiting. */
		if ((r = btcnode_call(n, &res, &code, msg, sizeof(msg), NULL, "getblockchaininfo", "[]")) == 0) {
			json_decref(res);
			break;
		}
		if (i >= 600) {
			fprintf(stderr, "bitcoind did not answer: %s\n", msg);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	/* A miner wallet with keys, on the node side. */
	if ((res = btcnode_rpc(n, NULL, "createwallet", "[\"miner\"]")) == NULL)
		return -1;
	json_decref(res);
	if ((res = btcnode_rpc(n, "miner", "getnewaddress", "[]")) == NULL)
		return -1;
	snprintf(n->miner, sizeof(n->miner), "%s", json_string_value(res) ? json_string_value(res) : "");
	json_decref(res);
	return n->miner[0] != '\0' ? btcnode_generate(n, 101) : -1;
}

/* Stop (a real node: RPC stop, else SIGTERM; reaped) and remove its datadir; safe to call twice. */
static inline void
btcnode_stop(struct btcnode *n)
{
	json_t *res;
	int st;

	if (n->pid > 0) {
		if ((res = btcnode_rpc(n, NULL, "stop", "[]")) != NULL)
			json_decref(res);
		else
			kill(n->pid, SIGTERM);
		while (waitpid(n->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	n->pid = -1;
	if (n->http_ok)
		chain_http_free(&n->http);
	n->http_ok = 0;
	btcnode_rm_rf(n->datadir);
	n->datadir[0] = '\0';
}

#endif
