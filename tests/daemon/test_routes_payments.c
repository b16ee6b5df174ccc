/*
 * The payment routes through api_begin/api_finish (no sockets), on a real
 * encrypted store, with the engine over the fake chain and signer: status
 * codes and stable error codes for good and bad requests, idempotent retries
 * (body key and Idempotency-Key header), paging, bump, cancel, events.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "payments_fake.h"

#define ADMIN "a0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"
#define BEARER "Bearer " ADMIN

static struct daemon_config cfg;
static struct daemon d;
static char dir[64];
static struct fixture fx;
static struct fake fk;
static struct payments_backend be;
static struct payments pm;
static char addr[4][ADDR_BUFSIZE];

struct answer {
	unsigned int status;
	char code[64];
	json_t *json;
	char text[8192];
};

/* Split "a=1&b=2" into the request's query arrays (as http.c does with libmicrohttpd). */
static void
set_query(struct api_request *rq, char *buf, size_t bufsize, const char *query)
{
	char *p, *save = NULL, *eq;

	snprintf(buf, bufsize, "%s", query);
	for (p = strtok_r(buf, "&", &save); p != NULL && rq->n_query < API_MAX_QUERY;
	    p = strtok_r(NULL, "&", &save)) {
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq = '\0';
		rq->query_key[rq->n_query] = p;
		rq->query_value[rq->n_query] = eq != NULL ? eq + 1 : NULL;
		rq->n_query++;
	}
}

static unsigned int
call(struct answer *out, const char *method, const char *path, const char *query, const char *idem,
    const char *body)
{
	struct sockaddr_in peer;
	struct api_request rq;
	struct api_response rs;
	char qbuf[256];

	memset(out, 0, sizeof(*out));
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	api_request_init(&rq);
	memset(&rs, 0, sizeof(rs));
	rq.method = method;
	rq.path = path;
	rq.authorization = BEARER;
	rq.n_authorization = 1;
	rq.content_type = body != NULL ? "application/json" : NULL;
	rq.idempotency_key = idem;
	if (query != NULL)
		set_query(&rq, qbuf, sizeof(qbuf), query);
	rq.peer = (const struct sockaddr *)&peer;
	rq.peerlen = sizeof(peer);
	rq.now_ms = daemon_now_ms();
	if (api_begin(&d, &rq, &rs) == 0) {
		rq.body = (const uint8_t *)body;
		rq.body_len = body != NULL ? strlen(body) : 0;
		api_finish(&d, &rq, &rs);
	}
	out->status = rs.status;
	snprintf(out->text, sizeof(out->text), "%.*s", (int)rs.body_len, rs.body != NULL ? rs.body : "");
	out->json = json_loadb(rs.body, rs.body_len, 0, NULL);
	if (rs.status >= 400)
		snprintf(out->code, sizeof(out->code), "%s",
		    json_string_value(json_object_get(json_object_get(out->json, "error"), "code")));
	api_response_free(&rs);
	api_request_free(&rq);
	return out->status;
}

#define EXPECT(st, cd, ...) do { \
	struct answer x_; \
	unsigned int s_ = call(&x_, __VA_ARGS__); \
	CHECK_MSG(s_ == (st) && strcmp(x_.code, (cd)) == 0, "got %u %s, want %u %s (%s)", s_, x_.code, \
	    (unsigned int)(st), (cd), x_.text); \
	json_decref(x_.json); \
} while (0)

static const char *
jstr(const struct answer *a, const char *k)
{
	const char *v = json_string_value(json_object_get(a->json, k));

	return v != NULL ? v : "";
}

static void
setup(void)
{
	uint8_t key[STORE_KEY_LEN];
	char err[256];
	size_t i;

	snprintf(dir, sizeof(dir), "/tmp/coffer-rpay-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	cfg.network = BTC_REGTEST;
	if (config_finish(&cfg) != 0 || daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	log_set_level(LOG_LEVEL_ERROR);
	memset(key, 0x44, sizeof(key));
	if (daemon_open_store(&d, err, sizeof(err), key) != 0) {
		fprintf(stderr, "daemon_open_store: %s\n", err);
		abort();
	}
	fx_init(&fx);
	fake_init(&fk, &fx, &be);
	for (i = 0; i < 12; i++)
		fake_add_coin(&fk, i % 2 ? FX_TR : FX_WPKH, (uint32_t)i, 200000);
	for (i = 0; i < 4; i++)
		fx_external(addr[i], ADDR_P2WPKH, (uint32_t)(900 + i), BTC_REGTEST);
}

static void
teardown(void)
{
	char cmd[160];

	d.payments = NULL;
	payments_free(&pm);
	daemon_free(&d);
	fake_free(&fk);
	fx_free(&fx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
	log_set_level(LOG_LEVEL_INFO);
}

static char *
pay_body(char *b, size_t n, int which, long long amount, const char *extra)
{
	snprintf(b, n, "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":%lld}]%s%s}", addr[which], amount,
	    extra ? "," : "", extra ? extra : "");
	return b;
}

static void
test_routes(void)
{
	struct answer a, b;
	char body[1024], body2[1024], path[128], q[64];
	const char *id, *cursor;

	setup();
	pay_body(body, sizeof(body), 0, 150000, "\"fee_rate_sat_vb\":2");
	/* No engine yet (no chain backend): 503 with its code. */
	EXPECT(503, "payments_unavailable", "POST", "/v1/payments", NULL, NULL, body);
	CHECK_OK(payments_init(&pm, d.store, &be, fx.acct, FX_NACCT, BTC_REGTEST));
	d.payments = &pm;
	/* Create, retry (header key), conflict. */
	CHECK(call(&a, "POST", "/v1/payments", NULL, "k-1", body) == 201);
	id = jstr(&a, "id");
	CHECK(strncmp(id, "pay_", 4) == 0 && strcmp(jstr(&a, "status"), "broadcast") == 0);
	CHECK(strlen(jstr(&a, "txid")) == 64 && json_integer_value(json_object_get(a.json, "fee_sat")) > 0);
	CHECK(call(&b, "POST", "/v1/payments", NULL, "k-1", body) == 200);
	CHECK_STREQ(jstr(&b, "id"), id);
	json_decref(b.json);
	pay_body(body2, sizeof(body2), 1, 150000, "\"fee_rate_sat_vb\":2");
	EXPECT(409, "idempotency_conflict", "POST", "/v1/payments", NULL, "k-1", body2);
	CHECK(fake_mempool_size(&fk) == 1);
	/* Get one. */
	snprintf(path, sizeof(path), "/v1/payments/%s", id);
	CHECK(call(&b, "GET", path, NULL, NULL, NULL) == 200);
	CHECK_STREQ(jstr(&b, "id"), id);
	json_decref(b.json);
	EXPECT(404, "not_found", "GET", "/v1/payments/pay_0000000000000000", NULL, NULL, NULL);
	EXPECT(404, "not_found", "GET", "/v1/payments/nonsense", NULL, NULL, NULL);
	/* Bad input: each a 4xx with its code, nothing sent. */
	EXPECT(400, "amount_zero", "POST", "/v1/payments", NULL, NULL, pay_body(body2, sizeof(body2), 1, 0, NULL));
	EXPECT(400, "amount_negative", "POST", "/v1/payments", NULL, NULL, pay_body(body2, sizeof(body2), 1, -5, NULL));
	EXPECT(400, "amount_overflow", "POST", "/v1/payments", NULL, NULL,
	    pay_body(body2, sizeof(body2), 1, 2100000000000001LL, NULL));
	EXPECT(400, "dust_output", "POST", "/v1/payments", NULL, NULL, pay_body(body2, sizeof(body2), 1, 200, NULL));
	EXPECT(400, "insufficient_funds", "POST", "/v1/payments", NULL, NULL,
	    pay_body(body2, sizeof(body2), 1, 90000000, NULL));
	EXPECT(400, "fee_rate_out_of_bounds", "POST", "/v1/payments", NULL, NULL,
	    pay_body(body2, sizeof(body2), 1, 10000, "\"fee_rate_sat_vb\":100000"));
	EXPECT(400, "unknown_field", "POST", "/v1/payments", NULL, NULL,
	    pay_body(body2, sizeof(body2), 1, 10000, "\"memo\":\"x\""));
	EXPECT(400, "wrong_type", "POST", "/v1/payments", NULL, NULL,
	    "{\"outputs\":[{\"address\":\"x\",\"amount_sat\":\"10\"}]}");
	EXPECT(400, "wrong_network", "POST", "/v1/payments", NULL, NULL,
	    "{\"outputs\":[{\"address\":\"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\",\"amount_sat\":10000}]}");
	EXPECT(400, "no_outputs", "POST", "/v1/payments", NULL, NULL, "{}");
	CHECK(fake_mempool_size(&fk) == 1);
	/* Preview: a fee, nothing recorded or sent. */
	CHECK(call(&b, "POST", "/v1/payments/preview", NULL, NULL, pay_body(body2, sizeof(body2), 2, 50000, NULL)) ==
	    200);
	CHECK(json_integer_value(json_object_get(b.json, "fee_sat")) > 0 &&
	    json_array_size(json_object_get(b.json, "inputs")) >= 1);
	json_decref(b.json);
	/* Two more, then page through. */
	EXPECT(201, "", "POST", "/v1/payments", NULL, NULL, pay_body(body2, sizeof(body2), 2, 50000, NULL));
	EXPECT(201, "", "POST", "/v1/payments", NULL, NULL, pay_body(body2, sizeof(body2), 3, 60000, NULL));
	CHECK(call(&b, "GET", "/v1/payments", "limit=2", NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(b.json, "payments")) == 2);
	cursor = jstr(&b, "next_cursor");
	snprintf(q, sizeof(q), "limit=2&cursor=%s", cursor);
	json_decref(b.json);
	CHECK(call(&b, "GET", "/v1/payments", q, NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(b.json, "payments")) == 1 && json_is_null(json_object_get(b.json,
	    "next_cursor")));
	json_decref(b.json);
	EXPECT(400, "bad_value", "GET", "/v1/payments", "status=lost", NULL, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/payments", "cursor=abc", NULL, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/payments", "limit=100000", NULL, NULL);
	CHECK(call(&b, "GET", "/v1/payments", "status=broadcast", NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(b.json, "payments")) == 3);
	json_decref(b.json);
	/* Bump and cancel. */
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	EXPECT(400, "missing_field", "POST", path, NULL, NULL, "{}");
	EXPECT(400, "unknown_field", "POST", path, NULL, NULL, "{\"fee_rate_sat_vb\":9,\"x\":1}");
	EXPECT(400, "bump_fee_too_low", "POST", path, NULL, NULL, "{\"fee_rate_sat_vb\":2}");
	CHECK(call(&b, "POST", path, NULL, NULL, "{\"fee_rate_sat_vb\":12.5}") == 201);
	CHECK_STREQ(jstr(&b, "kind"), "bump");
	CHECK_STREQ(jstr(&b, "parent_id"), id);
	snprintf(path, sizeof(path), "/v1/payments/%s/cancel", jstr(&b, "id"));
	json_decref(b.json);
	EXPECT(201, "", "POST", path, NULL, NULL, "{}");
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	EXPECT(409, "payment_state", "POST", path, NULL, NULL, "{\"fee_rate_sat_vb\":30}");
	/* Events: everything so far, then nothing new after the cursor (no wait). */
	CHECK(call(&b, "GET", "/v1/events", "after=0", NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(b.json, "events")) >= 5);
	snprintf(q, sizeof(q), "after=%s&wait_s=0", jstr(&b, "next_cursor"));
	json_decref(b.json);
	CHECK(call(&b, "GET", "/v1/events", q, NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(b.json, "events")) == 0);
	json_decref(b.json);
	EXPECT(400, "bad_value", "GET", "/v1/events", "wait_s=31", NULL, NULL);
	EXPECT(400, "unknown_field", "GET", "/v1/events", "since=3", NULL, NULL);
	json_decref(a.json);
	teardown();
}

static const struct test_case tests[] = {
	{ "routes", test_routes },
};

TEST_MAIN(tests)
