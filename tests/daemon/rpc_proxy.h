/*
 * A JSON-RPC proxy between cofferd and a bitcoind (real, or the chain
 * double's RPC face) that asks the node's testmempoolaccept about every
 * transaction cofferd broadcasts, before the broadcast reaches the node.
 * Everything else is forwarded as it is. For each sendrawtransaction the
 * proxy records the raw transaction, its txid computed here with the wallet
 * core, and the node's verdict (allowed, reject-reason, vsize, fees.base);
 * only then does it forward the call. A transaction seen before (a
 * re-broadcast after a restart or by reconcile) is tested again: it must be
 * allowed, or "txn-already-in-mempool" / "txn-already-known".
 *
 * It can also refuse the next new transaction itself (answering bitcoind's
 * -26 error without forwarding), so a test can watch a payment fail on a
 * broadcast refusal against any node.
 *
 * libmicrohttpd, one thread per connection, on an ephemeral loopback port;
 * one upstream call at a time (the proxy's own curl handle, under mu).
 */
#ifndef COFFER_TESTS_DAEMON_RPC_PROXY_H
#define COFFER_TESTS_DAEMON_RPC_PROXY_H

#include <math.h>
#include <microhttpd.h>
#include <pthread.h>

#include "bitcoind_util.h"

#include "btc/tx.h"
#include "common/buf.h"
#include "common/encoding.h"

#define PROXY_MAX_TX 256
#define PROXY_MAX_BODY ((size_t)16 << 20)

struct proxy_tx {
	char txid[65];			/* computed here from the bytes */
	char *hex;
	int allowed;			/* testmempoolaccept at first sight */
	char reason[160];		/* its reject-reason when not allowed */
	int64_t fee_sat;		/* fees.base */
	int64_t vsize;
	int txid_match;			/* the node's txid equals ours */
	int sends;			/* sendrawtransaction calls */
	int refused;			/* answered with the scripted refusal */
};

struct rpc_proxy {
	struct MHD_Daemon *mhd;
	char url[64];
	struct btcnode up;
	pthread_mutex_t mu;
	struct proxy_tx tx[PROXY_MAX_TX];
	size_t n_tx;
	int refuse_next;		/* refuse the next new transaction */
	size_t bad_rebroadcast;		/* a repeat whose verdict was neither allowed nor "already" */
	size_t errors;			/* undecodable sends, failed testmempoolaccept calls, table full */
};

struct proxy_upload {
	char *p;
	size_t len, cap;
};

static inline struct proxy_tx *
proxy_find(struct rpc_proxy *x, const char *txid)
{
	size_t i;

	for (i = 0; i < x->n_tx; i++)
		if (strcmp(x->tx[i].txid, txid) == 0)
			return &x->tx[i];
	return NULL;
}

/* The wallet core's txid of a raw transaction in hex; 0 or -1. */
static inline int
proxy_txid(char out[65], const char *hex)
{
	struct cbuf b;
	struct tx tx;
	uint8_t id[32];
	int r = -1;

	cbuf_init(&b, strlen(hex) / 2 + 1);
	tx_init(&tx);
	if (hex_decode_buf(&b, hex, strlen(hex)) == 0 && tx_parse(&tx, b.p, b.len, 0) == 0 && tx_txid(id, &tx) == 0) {
		tx_hash_hex(out, id);
		r = 0;
	}
	tx_free(&tx);
	cbuf_free(&b);
	return r;
}

/*
 * Ask the node about hex; fill t's verdict. Returns 1 when the answer is
 * usable, 0 when not. Called with mu held.
 */
static inline int
proxy_test(struct rpc_proxy *x, struct proxy_tx *t, const char *hex)
{
	char *params, msg[256];
	size_t n = strlen(hex) + 8;
	json_t *res = NULL, *r0, *fees;
	int64_t code;
	const char *s;
	int ok = 0;

	if ((params = malloc(n)) == NULL)
		return 0;
	snprintf(params, n, "[[\"%s\"]]", hex);
	if (btcnode_call(&x->up, &res, &code, msg, sizeof(msg), NULL, "testmempoolaccept", params) == 0 &&
	    json_is_array(res) && json_array_size(res) == 1 && json_is_object(r0 = json_array_get(res, 0)) &&
	    json_is_boolean(json_object_get(r0, "allowed"))) {
		ok = 1;
		t->allowed = json_is_true(json_object_get(r0, "allowed"));
		s = json_string_value(json_object_get(r0, "txid"));
		t->txid_match = s != NULL && strcmp(s, t->txid) == 0;
		s = json_string_value(json_object_get(r0, "reject-reason"));
		snprintf(t->reason, sizeof(t->reason), "%s", s != NULL ? s : "");
		t->vsize = (int64_t)json_integer_value(json_object_get(r0, "vsize"));
		fees = json_object_get(r0, "fees");
		t->fee_sat = json_is_number(json_object_get(fees, "base")) ?
		    (int64_t)llround(json_number_value(json_object_get(fees, "base")) * 1e8) : -1;
	} else {
		fprintf(stderr, "proxy: testmempoolaccept failed: %s (%lld)\n", msg, (long long)code);
	}
	json_decref(res);
	free(params);
	return ok;
}

/*
 * A sendrawtransaction seen: test it, record it. Returns 1 when the proxy
 * answers the scripted refusal itself, 0 to forward. Called with mu held.
 */
static inline int
proxy_on_send(struct rpc_proxy *x, const char *hex)
{
	struct proxy_tx probe, *t;
	char txid[65];

	if (proxy_txid(txid, hex) != 0) {
		x->errors++;
		return 0;
	}
	if ((t = proxy_find(x, txid)) != NULL) {
		memset(&probe, 0, sizeof(probe));
		memcpy(probe.txid, txid, sizeof(probe.txid));
		t->sends++;
		if (!proxy_test(x, &probe, hex))
			x->errors++;
		else if (!probe.allowed && strcmp(probe.reason, "txn-already-in-mempool") != 0 &&
		    strcmp(probe.reason, "txn-already-known") != 0) {
			x->bad_rebroadcast++;
			fprintf(stderr, "proxy: %s sent again (%d), testmempoolaccept: %s\n", txid, t->sends, probe.reason);
		}
		return 0;
	}
	if (x->n_tx == PROXY_MAX_TX) {
		x->errors++;
		return 0;
	}
	t = &x->tx[x->n_tx++];
	memset(t, 0, sizeof(*t));
	memcpy(t->txid, txid, sizeof(t->txid));
	t->hex = strdup(hex);
	t->sends = 1;
	if (!proxy_test(x, t, hex))
		x->errors++;
	if (x->refuse_next && t->allowed) {
		x->refuse_next = 0;
		t->refused = 1;
		return 1;
	}
	return 0;
}

static inline enum MHD_Result
proxy_reply(struct MHD_Connection *conn, unsigned int status, const char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
proxy_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
    const char *data, size_t *data_size, void **con_cls)
{
	static const char refusal[] =
	    "{\"result\":null,\"error\":{\"code\":-26,\"message\":\"test-proxy-refusal\"},\"id\":\"x\"}";
	struct rpc_proxy *x = cls;
	struct proxy_upload *u = *con_cls;
	enum MHD_Result ret;
	char *ans = NULL;
	size_t alen = 0;
	long status = 0;
	json_t *req;
	int refuse = 0, r;

	(void)version;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (*data_size > PROXY_MAX_BODY - u->len)
			return MHD_NO;
		if (u->len + *data_size + 1 > u->cap) {
			size_t cap = (u->len + *data_size + 1) * 2;
			char *np = realloc(u->p, cap);

			if (np == NULL)
				return MHD_NO;
			u->p = np;
			u->cap = cap;
		}
		memcpy(u->p + u->len, data, *data_size);
		u->len += *data_size;
		u->p[u->len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0 || u->p == NULL) {
		ret = proxy_reply(conn, 405, "{}", 2);
		goto out;
	}
	pthread_mutex_lock(&x->mu);
	if ((req = json_loadb(u->p, u->len, 0, NULL)) != NULL) {
		const char *m = json_string_value(json_object_get(req, "method"));
		const char *hex = json_string_value(json_array_get(json_object_get(req, "params"), 0));

		if (m != NULL && strcmp(m, "sendrawtransaction") == 0 && hex != NULL)
			refuse = proxy_on_send(x, hex);
		json_decref(req);
	}
	r = refuse ? 0 : btcnode_forward(&x->up, &status, &ans, &alen, url, (const uint8_t *)u->p, u->len);
	pthread_mutex_unlock(&x->mu);
	if (refuse)
		ret = proxy_reply(conn, 500, refusal, sizeof(refusal) - 1);
	else if (r != 0)
		ret = proxy_reply(conn, 502, "", 0);	/* the node did not answer: cofferd sees "unreachable" */
	else
		ret = proxy_reply(conn, (unsigned int)status, ans, alen);
	free(ans);
out:
	free(u->p);
	free(u);
	*con_cls = NULL;
	return ret;
}

/* Start the proxy in front of node. Returns 0 or -1 (then call proxy_stop). */
static inline int
proxy_start(struct rpc_proxy *x, const struct btcnode *node)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	memset(x, 0, sizeof(*x));
	pthread_mutex_init(&x->mu, NULL);
	if (btcnode_clone(&x->up, node) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    proxy_handler, x, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (x->mhd == NULL || (info = MHD_get_daemon_info(x->mhd, MHD_DAEMON_INFO_BIND_PORT)) == NULL ||
	    info->port == 0)
		return -1;
	snprintf(x->url, sizeof(x->url), "http://127.0.0.1:%u", (unsigned)info->port);
	return 0;
}

static inline void
proxy_stop(struct rpc_proxy *x)
{
	size_t i;

	if (x->mhd != NULL)
		MHD_stop_daemon(x->mhd);
	x->mhd = NULL;
	if (x->up.http_ok)
		chain_http_free(&x->up.http);
	x->up.http_ok = 0;
	for (i = 0; i < x->n_tx; i++)
		free(x->tx[i].hex);
	x->n_tx = 0;
	pthread_mutex_destroy(&x->mu);
}

#endif
