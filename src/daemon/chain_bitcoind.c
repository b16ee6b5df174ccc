/*
 * The bitcoind backend: JSON-RPC over HTTP to the operator's node, with a
 * cookie file (re-read on every call, so a node restart is harmless) or a
 * user and password.
 *
 * cofferd keeps a watch-only descriptor wallet in the node (createwallet with
 * disable_private_keys and blank: the node never sees a private key) and
 * imports the wallet's public descriptors with the range the gap limit needs.
 * The first import rescans from the wallet's birth time (restores find old
 * funds); range extensions import with timestamp "now" (bitcoind still
 * rescans its last two hours), since an index is only watched past the used
 * ones once it can have been handed out. Sync lists the node wallet's
 * transactions and takes the raw bytes from gettransaction, checked against
 * the txid; amounts and UTXOs come from the shared scan (chain_scan.c).
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btc/hash.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/chain_bitcoind_int.h"

#define RPC_WALLET_NOT_FOUND -18
#define RPC_WALLET_ALREADY_LOADED -35
#define RPC_IN_WARMUP -28
#define RPC_INVALID_ADDRESS_OR_KEY -5
#define RESCAN_TIMEOUT_S (12L * 3600)	/* importdescriptors blocks until its rescan ends */
#define MAX_SYNC_ROUNDS 16

struct bitcoind {
	struct chain base;		/* first: struct chain * casts to it */
	struct chain_http http;
	char *cookie_file;
	pthread_mutex_t lock;		/* wallet state below, one sync at a time */
	char wallet[80];		/* node wallet name ("" until known) */
	int wallet_ready;
	uint32_t imported[CHAIN_NDESC];	/* range end imported (this process knows) */
};

static struct bitcoind *
B(struct chain *c)
{
	return (struct bitcoind *)c;
}

/* Load "user:password" from the cookie file into the HTTP client. */
static int
load_cookie(struct bitcoind *b)
{
	char line[BITCOIND_COOKIE_MAX];
	uint8_t buf[BITCOIND_COOKIE_MAX];
	ssize_t n;
	int fd, r;

	if ((fd = open(b->cookie_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return COFFER_ERR_CHAIN_AUTH;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || (size_t)n >= sizeof(buf)) {
		secure_wipe(buf, sizeof(buf));
		return COFFER_ERR_CHAIN_AUTH;
	}
	r = bitcoind_parse_cookie(line, sizeof(line), buf, (size_t)n);
	if (r == 0)
		r = chain_http_set_userpwd(&b->http, line, strlen(line));
	secure_wipe(buf, sizeof(buf));
	secure_wipe(line, sizeof(line));
	return r;
}

/*
 * One call. Returns 0 (*result set), BITCOIND_RPC_ERROR (code, msg set) or a
 * COFFER_ERR_CHAIN_* / NOMEM code. params is consumed.
 */
static int
rpc(struct bitcoind *b, json_t **result, int64_t *code, char *msg, size_t msgsize, int on_wallet,
    long timeout_s, const char *method, json_t *params)
{
	struct chain_http_resp resp;
	json_t *req = NULL;
	char *body = NULL, path[128];
	int r;

	*result = NULL;
	*code = 0;
	if (msgsize > 0)
		msg[0] = '\0';
	if (params == NULL)
		return COFFER_ERR_NOMEM;
	if ((req = json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "1.0", "id", "cofferd", "method", method,
	    "params", params)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((body = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if (on_wallet)
		snprintf(path, sizeof(path), "/wallet/%s", b->wallet);
	else
		snprintf(path, sizeof(path), "/");
	if (b->cookie_file != NULL && (r = load_cookie(b)) != 0)
		goto out;
	if ((r = chain_http_request_timeout(&b->http, &resp, timeout_s, "POST", path, "application/json",
	    (const uint8_t *)body, strlen(body))) != 0)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		r = COFFER_ERR_CHAIN_AUTH;
	} else {
		r = bitcoind_parse_reply(result, code, msg, msgsize, resp.body.p, resp.body.len);
		if (r == COFFER_ERR_CHAIN_PROTOCOL && resp.status >= 500)
			r = COFFER_ERR_CHAIN_UNREACHABLE;	/* a proxy or a node going down */
		else if (r == BITCOIND_RPC_ERROR && *code == RPC_IN_WARMUP)
			r = COFFER_ERR_CHAIN_UNREACHABLE;	/* still starting: retry later */
	}
	chain_http_resp_free(&resp);
out:
	free(body);
	json_decref(req);
	return r;
}

/* rpc() where any RPC error is a failure of kind `as`. */
static int
call(struct bitcoind *b, json_t **result, int on_wallet, const char *method, json_t *params, int as)
{
	char msg[CHAIN_REASON_LEN];
	int64_t code;
	int r = rpc(b, result, &code, msg, sizeof(msg), on_wallet, b->http.timeout_s, method, params);

	return r == BITCOIND_RPC_ERROR ? as : r;
}

static int
bitcoind_tip(struct chain *c, struct chain_tip *out)
{
	json_t *res;
	int r;

	if ((r = call(B(c), &res, 0, "getblockchaininfo", json_array(), COFFER_ERR_CHAIN_PROTOCOL)) != 0)
		return r;
	r = bitcoind_parse_tip(out, res);
	json_decref(res);
	return r;
}

static int
bitcoind_fee(struct chain *c, uint64_t *sat_kvb, uint32_t target)
{
	json_t *res;
	int r;

	if ((r = call(B(c), &res, 0, "estimatesmartfee", json_pack("[I]", (json_int_t)target),
	    COFFER_ERR_CHAIN_NO_ESTIMATE)) != 0)
		return r;
	r = bitcoind_parse_fee(sat_kvb, res);
	json_decref(res);
	return r;
}

static int
bitcoind_broadcast(struct chain *c, char *reason, size_t reasonsize, const uint8_t *raw, size_t raw_len)
{
	struct bitcoind *b = B(c);
	struct cbuf hex;
	struct tx tx;
	uint8_t want[32], got[32];
	char msg[CHAIN_REASON_LEN];
	json_t *res;
	int64_t code;
	int r;

	tx_init(&tx);
	if ((r = tx_parse(&tx, raw, raw_len, 0)) != 0 || (r = tx_txid(want, &tx)) != 0) {
		tx_free(&tx);
		return r;
	}
	tx_free(&tx);
	cbuf_init(&hex, raw_len * 2 + 1);
	if ((r = hex_encode_buf(&hex, raw, raw_len)) != 0 || (r = cbuf_put_u8(&hex, 0)) != 0) {
		cbuf_free(&hex);
		return r;
	}
	r = rpc(b, &res, &code, msg, sizeof(msg), 0, b->http.timeout_s, "sendrawtransaction",
	    json_pack("[s]", (const char *)hex.p));
	cbuf_free(&hex);
	if (r == BITCOIND_RPC_ERROR) {
		chain_reason_copy(reason, reasonsize, (const uint8_t *)msg, strlen(msg));
		return chain_classify_reject(msg, code);
	}
	if (r != 0)
		return r;
	r = bitcoind_parse_txid(got, res);
	json_decref(res);
	if (r == 0 && memcmp(got, want, 32) != 0)
		r = COFFER_ERR_CHAIN_PROTOCOL;
	return r;
}

static int
tip_height(struct bitcoind *b, uint32_t *h)
{
	struct chain_tip t;
	int r = bitcoind_tip(&b->base, &t);

	*h = t.height;
	return r;
}

static int
bitcoind_get_tx(struct chain *c, struct chain_tx *out, const uint8_t txid[32])
{
	struct bitcoind *b = B(c);
	char hex[65], msg[CHAIN_REASON_LEN];
	json_t *res = NULL;
	int64_t code;
	uint32_t tip;
	int r, conflicted, wallet;

	if ((r = tip_height(b, &tip)) != 0)
		return r;
	tx_hash_hex(hex, txid);
	pthread_mutex_lock(&b->lock);
	wallet = b->wallet_ready;
	pthread_mutex_unlock(&b->lock);
	/* The wallet knows our own transactions; the node's mempool (or its
	 * txindex) knows the rest. */
	r = BITCOIND_RPC_ERROR;
	if (wallet)
		r = rpc(b, &res, &code, msg, sizeof(msg), 1, b->http.timeout_s, "gettransaction",
		    json_pack("[s, b]", hex, 1));
	if (r == BITCOIND_RPC_ERROR)
		r = rpc(b, &res, &code, msg, sizeof(msg), 0, b->http.timeout_s, "getrawtransaction",
		    json_pack("[s, b]", hex, 1));
	if (r == BITCOIND_RPC_ERROR)
		return code == RPC_INVALID_ADDRESS_OR_KEY ? COFFER_ERR_NOT_FOUND : COFFER_ERR_CHAIN_PROTOCOL;
	if (r != 0)
		return r;
	r = bitcoind_parse_tx(&out->raw, &out->raw_len, &out->status, &conflicted, res, tip);
	json_decref(res);
	if (r == 0 && conflicted) {
		chain_tx_free(out);
		r = COFFER_ERR_NOT_FOUND;	/* double-spent by a confirmed transaction */
	}
	return r;
}

/* Load the node wallet, creating it (watch-only, blank) the first time. */
static int
ensure_wallet(struct bitcoind *b, const struct chain_sync_req *req)
{
	char msg[CHAIN_REASON_LEN];
	json_t *res = NULL;
	int64_t code;
	int r;

	if (b->wallet_ready)
		return 0;
	if (b->wallet[0] == '\0') {
		struct cbuf s;
		uint8_t h[32];
		char hx[17];

		/* Named after the receive descriptor: one node can serve several wallets. */
		cbuf_init(&s, DESC_MAX_LEN + 16);
		r = desc_to_string(&s, req->desc[CHAIN_RECEIVE], req->path[CHAIN_RECEIVE], DESC_STR_PUBLIC);
		if (r != 0) {
			cbuf_free(&s);
			return r;
		}
		sha256(h, s.p, s.len);
		cbuf_free(&s);
		hex_encode(hx, sizeof(hx), h, 8);
		snprintf(b->wallet, sizeof(b->wallet), "coffer-%s", hx);
	}
	r = rpc(b, &res, &code, msg, sizeof(msg), 0, b->http.timeout_s, "loadwallet", json_pack("[s]", b->wallet));
	if (r == BITCOIND_RPC_ERROR && code == RPC_WALLET_NOT_FOUND) {
		/* name, disable_private_keys, blank, passphrase, avoid_reuse, descriptors, load_on_startup */
		r = rpc(b, &res, &code, msg, sizeof(msg), 0, b->http.timeout_s, "createwallet",
		    json_pack("[s, b, b, s, b, b, b]", b->wallet, 1, 1, "", 0, 1, 1));
	} else if (r == BITCOIND_RPC_ERROR && (code == RPC_WALLET_ALREADY_LOADED || strstr(msg, "already loaded"))) {
		r = 0;
	}
	json_decref(res);
	if (r == BITCOIND_RPC_ERROR)
		return COFFER_ERR_CHAIN_WALLET;
	if (r == 0)
		b->wallet_ready = 1;
	return r;
}

/* Does the node wallet watch the script at (d, i)? */
static int
node_watches(struct bitcoind *b, int *yes, const struct descriptor *d, size_t path, uint32_t i)
{
	char addr[128];
	json_t *res;
	int r;

	*yes = 0;
	if (desc_derive_address(addr, sizeof(addr), d, path, i) != 0)
		return 0;	/* no address form: treat as not watched (import again) */
	if ((r = call(b, &res, 1, "getaddressinfo", json_pack("[s]", addr), COFFER_ERR_CHAIN_PROTOCOL)) != 0)
		return r;
	r = bitcoind_parse_ismine(yes, res);
	json_decref(res);
	return r;
}

/* Make the node watch indexes 0 .. end-1 of descriptor d. */
static int
ensure_range(struct bitcoind *b, const struct chain_sync_req *req, size_t d, uint32_t end, int ranged)
{
	char msg[CHAIN_REASON_LEN];
	struct cbuf s;
	json_t *res = NULL, *item, *ts;
	int64_t code;
	int r, watched_last = 0, watched_first = 0;

	if (b->imported[d] >= end)
		return 0;
	if (b->imported[d] == 0) {
		/* First look in this process: what does the node already have? */
		if ((r = node_watches(b, &watched_last, req->desc[d], req->path[d], end - 1)) != 0)
			return r;
		if (watched_last) {
			b->imported[d] = end;
			return 0;
		}
		if ((r = node_watches(b, &watched_first, req->desc[d], req->path[d], 0)) != 0)
			return r;
	}
	cbuf_init(&s, DESC_MAX_LEN + 16);
	if ((r = desc_to_string(&s, req->desc[d], req->path[d], DESC_STR_PUBLIC)) != 0 || (r = cbuf_put_u8(&s, 0)) != 0) {
		cbuf_free(&s);
		return r;
	}
	/* A wallet new to the node rescans from its birth; an extension from now. */
	ts = b->imported[d] == 0 && !watched_first ? json_integer(req->birth_time) : json_string("now");
	item = json_pack("{s:s, s:o, s:b, s:b}", "desc", (const char *)s.p, "timestamp", ts, "active", 0,
	    "internal", d == CHAIN_CHANGE);
	cbuf_free(&s);
	if (item != NULL && ranged && json_object_set_new(item, "range", json_pack("[i, I]", 0, (json_int_t)end - 1)) != 0) {
		json_decref(item);
		item = NULL;
	}
	if (item == NULL)
		return COFFER_ERR_NOMEM;
	r = rpc(b, &res, &code, msg, sizeof(msg), 1, RESCAN_TIMEOUT_S, "importdescriptors", json_pack("[[o]]", item));
	if (r == BITCOIND_RPC_ERROR)
		return COFFER_ERR_CHAIN_WALLET;
	if (r != 0)
		return r;
	r = bitcoind_parse_import(msg, sizeof(msg), res, 1);
	json_decref(res);
	if (r == 0)
		b->imported[d] = end;
	return r;
}

/* Entries of a listtransactions page or a listsinceblock answer into the scan. */
static int
take_entries(struct bitcoind *b, struct chain_scan *s, const struct bitcoind_list *l, uint32_t tip)
{
	size_t i;
	int r = 0;

	for (i = 0; i < l->n && r == 0; i++) {
		const struct bitcoind_entry *e = &l->e[i];
		uint8_t *raw = NULL;
		size_t len = 0;
		json_t *tx;
		char hex[65];
		struct chain_tx_status st;
		int conflicted;

		if (chain_scan_has_tx(s, e->txid)) {
			r = chain_scan_add_tx(s, e->txid, &e->status, NULL, 0);
			continue;
		}
		if (chain_scan_settled(s, e->txid, e->status.height))
			continue;
		if (chain_scan_known_raw(s, &raw, &len, e->txid) != 0) {
			tx_hash_hex(hex, e->txid);
			if ((r = call(b, &tx, 1, "gettransaction", json_pack("[s, b]", hex, 1),
			    COFFER_ERR_CHAIN_PROTOCOL)) != 0)
				break;
			r = bitcoind_parse_tx(&raw, &len, &st, &conflicted, tx, tip);
			json_decref(tx);
			if (r != 0)
				break;
		}
		r = chain_scan_add_tx(s, e->txid, &e->status, raw, len);
	}
	return r;
}

/* Every transaction of the node wallet into the scan. */
static int
list_all(struct bitcoind *b, struct chain_scan *s, uint32_t tip)
{
	struct bitcoind_list l;
	json_t *res;
	size_t skip = 0;
	int r;

	for (;;) {
		if ((r = call(b, &res, 1, "listtransactions",
		    json_pack("[s, i, I, b]", "*", BITCOIND_LIST_PAGE, (json_int_t)skip, 1), COFFER_ERR_CHAIN_WALLET)) != 0)
			return r;
		r = bitcoind_parse_list(&l, res, tip);
		json_decref(res);
		if (r != 0)
			return r;
		r = take_entries(b, s, &l, tip);
		bitcoind_list_free(&l);
		if (r != 0)
			return r;
		if (l.n_entries < BITCOIND_LIST_PAGE)
			return 0;
		skip += BITCOIND_LIST_PAGE;
		if (skip > (size_t)CHAIN_MAX_WALLET_TXS * 4)
			return COFFER_ERR_TOO_LARGE;
	}
}

/*
 * Incremental: the node wallet's transactions in blocks above the settled
 * height, and unconfirmed ones (listsinceblock from the settled block; the
 * node's own reorg handling covers the margin above it).
 */
static int
list_since(struct bitcoind *b, struct chain_scan *s, uint32_t tip, uint32_t settled)
{
	struct bitcoind_list l;
	uint8_t hash[32];
	char hex[65];
	json_t *res;
	int r;

	if ((r = call(b, &res, 0, "getblockhash", json_pack("[I]", (json_int_t)settled), COFFER_ERR_CHAIN_PROTOCOL)) != 0)
		return r;
	r = bitcoind_parse_txid(hash, res);	/* a 64-hex-digit hash, as a txid */
	json_decref(res);
	if (r != 0)
		return r;
	tx_hash_hex(hex, hash);
	if ((r = call(b, &res, 1, "listsinceblock", json_pack("[s, i, b, b]", hex, 1, 1, 0),
	    COFFER_ERR_CHAIN_WALLET)) != 0)
		return r;
	r = bitcoind_parse_since(&l, res, tip);
	json_decref(res);
	if (r != 0)
		return r;
	r = take_entries(b, s, &l, tip);
	bitcoind_list_free(&l);
	return r;
}

static int
bitcoind_sync(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req)
{
	struct bitcoind *b = B(c);
	struct chain_scan s;
	struct chain_tip tip;
	size_t d;
	int r, round, grew;

	pthread_mutex_lock(&b->lock);
	if ((r = chain_scan_init(&s, req)) != 0 || (r = bitcoind_tip(c, &tip)) != 0 ||
	    (r = ensure_wallet(b, req)) != 0)
		goto out;
	for (round = 0; round < MAX_SYNC_ROUNDS; round++) {
		for (d = 0; d < s.ndesc; d++)
			if ((r = ensure_range(b, req, d, chain_scan_end(&s, d), s.ranged)) != 0)
				goto out;
		if (req->settled_height != 0 && req->settled_height < tip.height)
			r = list_since(b, &s, tip.height, req->settled_height);
		else
			r = list_all(b, &s, tip.height);
		if (r != 0)
			goto out;
		/* Use found near the end of the window: watch further and look again. */
		grew = 0;
		for (d = 0; d < s.ndesc; d++) {
			uint32_t end = chain_scan_end(&s, d);

			if ((r = chain_scan_derive(&s, d, end)) != 0)
				goto out;
			if (end > b->imported[d])
				grew = 1;
		}
		if (!grew)
			break;
	}
	s.complete_height = tip.height;	/* read before listing */
	r = chain_scan_finish(&s, out, &tip);
out:
	pthread_mutex_unlock(&b->lock);
	chain_scan_free(&s);
	return r;
}

static void
bitcoind_free(struct chain *c)
{
	struct bitcoind *b = B(c);

	chain_http_free(&b->http);
	free(b->cookie_file);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static const struct chain_ops bitcoind_ops = {
	.name = "bitcoind",
	.tip = bitcoind_tip,
	.fee_estimate = bitcoind_fee,
	.broadcast = bitcoind_broadcast,
	.get_tx = bitcoind_get_tx,
	.sync = bitcoind_sync,
	.free = bitcoind_free,
};

/* Node wallet names we create or accept: [A-Za-z0-9._-], 1..64. */
static int
wallet_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
chain_bitcoind_new(struct chain **out, const struct chain_opts *o)
{
	struct bitcoind *b;
	int have_cookie, have_user, r;

	*out = NULL;
	if (o == NULL)
		return COFFER_ERR_INVALID_ARG;
	have_cookie = o->rpc_cookie_file != NULL && o->rpc_cookie_file[0] != '\0';
	have_user = o->rpc_user != NULL && o->rpc_user[0] != '\0';
	if (have_cookie == have_user || (have_user && (o->rpc_password == NULL || strchr(o->rpc_user, ':') != NULL)))
		return COFFER_ERR_INVALID_ARG;
	if (o->wallet_name != NULL && !wallet_name_ok(o->wallet_name))
		return COFFER_ERR_INVALID_ARG;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return COFFER_ERR_NOMEM;
	b->base.ops = &bitcoind_ops;
	b->base.network = o->network;
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return COFFER_ERR_NOMEM;
	}
	if (o->wallet_name != NULL)
		snprintf(b->wallet, sizeof(b->wallet), "%s", o->wallet_name);
	if ((r = chain_http_init(&b->http, o)) != 0)
		goto fail;
	if (have_cookie && (b->cookie_file = strdup(o->rpc_cookie_file)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto fail;
	}
	if (have_user) {
		size_t ul = strlen(o->rpc_user), pl = strlen(o->rpc_password);
		char *up = secmem_alloc(ul + pl + 2);

		if (up == NULL) {
			r = COFFER_ERR_NOMEM;
			goto fail;
		}
		memcpy(up, o->rpc_user, ul);
		up[ul] = ':';
		memcpy(up + ul + 1, o->rpc_password, pl + 1);
		r = chain_http_set_userpwd(&b->http, up, ul + pl + 1);
		secmem_free(up);
		if (r != 0)
			goto fail;
	}
	*out = &b->base;
	return 0;
fail:
	bitcoind_free(&b->base);
	return r;
}
