/*
 * The API without sockets: route matching, authentication and scopes, the
 * locked wallet, the error format, body checks (bad JSON, unknown/missing
 * fields, wrong types, bad values, sizes, media type), the token routes end
 * to end on a real encrypted store, CORS, and /metrics.
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

#include "api_util.h"

#define ADMIN "a0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"
#define BEARER_ADMIN "Bearer " ADMIN

static struct daemon_config cfg;
static struct daemon d;
static char dir[64];
static uint8_t key[STORE_KEY_LEN];

static void
setup(void)
{
	api_d = &d;
	snprintf(dir, sizeof(dir), "/tmp/coffer-api-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	if (config_finish(&cfg) != 0)
		abort();
	memset(key, 0x33, sizeof(key));
	if (daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	log_set_level(LOG_LEVEL_ERROR);
}

static void
unlock_store(void)
{
	char err[256];

	if (daemon_open_store(&d, err, sizeof(err), key) != 0) {
		fprintf(stderr, "daemon_open_store: %s\n", err);
		abort();
	}
}

static void
teardown(void)
{
	char cmd[160];

	daemon_free(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
	log_set_level(LOG_LEVEL_INFO);
}

static void
test_match(void)
{
	char params[API_MAX_PARAMS][API_MAX_PARAM + 1], allow[64], longpath[600];
	size_t idx;

	CHECK_OK(api_match(&idx, params, allow, sizeof(allow), "GET", "/v1/health"));
	CHECK_STREQ(api_routes[idx].op_id, "getHealth");
	CHECK_OK(api_match(&idx, params, allow, sizeof(allow), "DELETE", "/v1/tokens/0123456789abcdef"));
	CHECK_STREQ(params[0], "0123456789abcdef");
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "PUT", "/v1/tokens"), COFFER_ERR_METHOD_NOT_ALLOWED);
	CHECK(idx == api_nroutes);
	CHECK_STREQ(allow, "POST, GET");
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "GET", "/v1/health/"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "GET", "/v1//health"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "GET", "/V1/health"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "GET", ""), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "DELETE", "/v1/tokens/"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "DELETE", "/v1/tokens/a/b"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "DELETE", "/v1/tokens/.."), COFFER_ERR_NOT_FOUND);
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "DELETE", "/v1/tokens/a%2Fb"), COFFER_ERR_NOT_FOUND);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK_RC(api_match(&idx, params, allow, sizeof(allow), "GET", longpath), COFFER_ERR_NOT_FOUND);
	/* Every route's own pattern-free path matches itself, and the table fits the metrics. */
	CHECK(api_nroutes <= METRICS_MAX_ROUTES);
	for (idx = 0; idx < api_nroutes; idx++) {
		size_t j;

		if (strchr(api_routes[idx].pattern, '{') != NULL)
			continue;
		CHECK_OK(api_match(&j, params, allow, sizeof(allow), api_routes[idx].method, api_routes[idx].pattern));
		CHECK(j == idx);
	}
}

static void
test_status_map(void)
{
	CHECK(api_status_for(COFFER_ERR_BAD_JSON) == 400);
	CHECK(api_status_for(COFFER_ERR_UNKNOWN_FIELD) == 400);
	CHECK(api_status_for(COFFER_ERR_BAD_ADDRESS) == 400);
	CHECK(api_status_for(COFFER_ERR_WRONG_NETWORK) == 400);
	CHECK(api_status_for(COFFER_ERR_BAD_AMOUNT) == 400);
	CHECK(api_status_for(COFFER_ERR_UNAUTHORIZED) == 401);
	CHECK(api_status_for(COFFER_ERR_TOKEN_EXPIRED) == 401);
	CHECK(api_status_for(COFFER_ERR_FORBIDDEN) == 403);
	CHECK(api_status_for(COFFER_ERR_NOT_FOUND) == 404);
	CHECK(api_status_for(COFFER_ERR_METHOD_NOT_ALLOWED) == 405);
	CHECK(api_status_for(COFFER_ERR_TOO_MANY_TOKENS) == 409);
	CHECK(api_status_for(COFFER_ERR_BODY_TOO_LARGE) == 413);
	CHECK(api_status_for(COFFER_ERR_MEDIA_TYPE) == 415);
	CHECK(api_status_for(COFFER_ERR_WALLET_LOCKED) == 423);
	CHECK(api_status_for(COFFER_ERR_RATE_LIMITED) == 429);
	CHECK(api_status_for(COFFER_ERR_STORE) == 500);
	CHECK(api_status_for(COFFER_ERR_NOMEM) == 500);
	CHECK(api_status_for(COFFER_ERR_SIGNER_UNAVAILABLE) == 503);
}

static void
test_public_and_auth(void)
{
	struct answer a;

	setup();
	CHECK(call(&a, "GET", "/v1/health", NULL, NULL) == 200);
	CHECK_STREQ(json_string_value(json_object_get(a.json, "status")), "ok");
	answer_free(&a);
	CHECK(call(&a, "GET", "/v1/openapi.json", NULL, NULL) == 200);
	CHECK(json_is_object(a.json) && json_object_get(a.json, "paths") != NULL);
	answer_free(&a);
	EXPECT(404, "not_found", "GET", "/v1/nope", NULL, NULL);
	EXPECT(404, "not_found", "GET", "/", BEARER_ADMIN, NULL);
	EXPECT(405, "method_not_allowed", "POST", "/v1/health", NULL, "{}");
	CHECK(call(&a, "DELETE", "/v1/info", NULL, NULL) == 405);
	CHECK_STREQ(a.allow, "GET");
	answer_free(&a);
	EXPECT(401, "unauthorized", "GET", "/v1/info", NULL, NULL);
	EXPECT(401, "unauthorized", "GET", "/v1/info", "Bearer nope", NULL);
	EXPECT(401, "unauthorized", "GET", "/metrics", "Token " ADMIN, NULL);

	CHECK(call(&a, "GET", "/v1/info", BEARER_ADMIN, NULL) == 200);
	CHECK_STREQ(json_string_value(json_object_get(a.json, "network")), "signet");
	CHECK_STREQ(json_string_value(json_object_get(a.json, "version")), COFFER_VERSION);
	{
		json_t *signer = json_object_get(a.json, "signer"), *chain = json_object_get(a.json, "chain");

		CHECK_STREQ(json_string_value(json_object_get(signer, "state")), "unavailable");
		CHECK_STREQ(json_string_value(json_object_get(signer, "tee")), "none");
		CHECK_STREQ(json_string_value(json_object_get(chain, "backend")), "esplora");
		CHECK(json_is_false(json_object_get(chain, "connected")));
		CHECK(json_is_null(json_object_get(chain, "tip_height")));
	}
	answer_free(&a);
	/* The wallet is locked: token routes say so, with the admin token too. */
	EXPECT(423, "wallet_locked", "GET", "/v1/tokens", BEARER_ADMIN, NULL);
	EXPECT(423, "wallet_locked", "POST", "/v1/tokens", BEARER_ADMIN, "{\"scope\":\"read\",\"label\":\"x\"}");
	EXPECT(423, "wallet_locked", "DELETE", "/v1/tokens/0123456789abcdef", BEARER_ADMIN, NULL);
	/* ...but a missing token is still 401 first (no state leaks to strangers). */
	EXPECT(401, "unauthorized", "GET", "/v1/tokens", NULL, NULL);
	teardown();
}

/* Create a token through the API; returns its secret in tok. */
static void
make_token(char *tok, size_t toksize, char *id, const char *scope, const char *extra)
{
	struct answer a;
	char body[256];

	snprintf(body, sizeof(body), "{\"scope\":\"%s\",\"label\":\"%s token\"%s}", scope, scope, extra);
	CHECK_MSG(call(&a, "POST", "/v1/tokens", BEARER_ADMIN, body) == 201, "%s", a.text);
	snprintf(tok, toksize, "Bearer %s", json_string_value(json_object_get(a.json, "token")));
	snprintf(id, 17, "%s", json_string_value(json_object_get(a.json, "id")));
	answer_free(&a);
}

static void
test_tokens(void)
{
	char rd[128], rcv[128], adm[128], id_rd[17], id_rcv[17], id_adm[17], path[64];
	struct answer a;
	json_t *list;

	setup();
	unlock_store();
	CHECK(call(&a, "POST", "/v1/tokens", BEARER_ADMIN, "{\"scope\":\"read\",\"label\":\"grafana\",\"expires_s\":3600}")
	    == 201);
	CHECK_STREQ(json_string_value(json_object_get(a.json, "scope")), "read");
	CHECK_STREQ(json_string_value(json_object_get(a.json, "label")), "grafana");
	CHECK(json_integer_value(json_object_get(a.json, "expires_at")) ==
	    json_integer_value(json_object_get(a.json, "created_at")) + 3600);
	CHECK(json_is_false(json_object_get(a.json, "expired")));
	CHECK(strncmp(json_string_value(json_object_get(a.json, "token")), "ct1_", 4) == 0);
	answer_free(&a);
	make_token(rd, sizeof(rd), id_rd, "read", "");
	make_token(rcv, sizeof(rcv), id_rcv, "receive", ",\"expires_s\":null");
	make_token(adm, sizeof(adm), id_adm, "admin", "");

	/* Scopes: read < receive < send < admin. */
	CHECK(call(&a, "GET", "/v1/info", rd, NULL) == 200);
	answer_free(&a);
	CHECK(call(&a, "GET", "/metrics", rcv, NULL) == 200);
	answer_free(&a);
	EXPECT(403, "insufficient_scope", "GET", "/v1/tokens", rd, NULL);
	EXPECT(403, "insufficient_scope", "POST", "/v1/tokens", rcv, "{\"scope\":\"admin\",\"label\":\"escalate\"}");
	CHECK(call(&a, "GET", "/v1/tokens", adm, NULL) == 200);
	list = json_object_get(a.json, "tokens");
	CHECK(json_array_size(list) == 4);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(list, 0), "label")), "grafana");
	CHECK(json_object_get(json_array_get(list, 1), "token") == NULL);	/* never shown again */
	CHECK(json_object_get(json_array_get(list, 1), "hash") == NULL);
	CHECK(json_is_null(json_object_get(json_array_get(list, 2), "expires_at")));
	answer_free(&a);

	/* Revocation: immediate; unknown and malformed ids are 404. */
	snprintf(path, sizeof(path), "/v1/tokens/%s", id_rd);
	CHECK(call(&a, "DELETE", path, adm, NULL) == 200);
	CHECK(json_is_true(json_object_get(a.json, "revoked")));
	answer_free(&a);
	EXPECT(401, "unauthorized", "GET", "/v1/info", rd, NULL);
	EXPECT(404, "not_found", "DELETE", path, BEARER_ADMIN, NULL);
	EXPECT(404, "not_found", "DELETE", "/v1/tokens/0123", BEARER_ADMIN, NULL);
	EXPECT(404, "not_found", "DELETE", "/v1/tokens/0123456789ABCDEF", BEARER_ADMIN, NULL);
	EXPECT(404, "not_found", "DELETE", "/v1/tokens/ffffffffffffffff", BEARER_ADMIN, NULL);

	/* Lock: scoped tokens stop (locked), the admin token still reads info. */
	daemon_close_store(&d, WALLET_LOCKED);
	EXPECT(423, "wallet_locked", "GET", "/v1/info", rcv, NULL);
	CHECK(call(&a, "GET", "/v1/info", BEARER_ADMIN, NULL) == 200);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(a.json, "signer"), "state")), "locked");
	answer_free(&a);
	/* Restart: a new daemon on the same datadir and key knows the tokens. */
	daemon_free(&d);
	CHECK_OK(daemon_init(&d, &cfg, ADMIN));
	unlock_store();
	CHECK(call(&a, "GET", "/v1/info", rcv, NULL) == 200);
	answer_free(&a);
	EXPECT(401, "unauthorized", "GET", "/v1/info", rd, NULL);
	CHECK(call(&a, "GET", "/v1/tokens", BEARER_ADMIN, NULL) == 200);
	CHECK(json_array_size(json_object_get(a.json, "tokens")) == 3);
	answer_free(&a);
	/* The store refuses another network's daemon. */
	daemon_free(&d);
	cfg.network = BTC_MAINNET;
	CHECK_OK(daemon_init(&d, &cfg, ADMIN));
	{
		char err[256];

		CHECK_RC(daemon_open_store(&d, err, sizeof(err), key), COFFER_ERR_STORE_NETWORK);
	}
	cfg.network = BTC_SIGNET;
	teardown();
}

static void
test_bad_bodies(void)
{
	static const struct {
		const char *body;
		unsigned int status;
		const char *code;
	} cases[] = {
		{ "{", 400, "bad_json" },
		{ "{\"scope\":\"read\",\"label\":\"x\"} trailing", 400, "bad_json" },
		{ "{\"scope\":\"read\",\"scope\":\"admin\",\"label\":\"x\"}", 400, "bad_json" },
		{ "{\"scope\":\"re\\u0000ad\",\"label\":\"x\"}", 400, "bad_json" },
		{ "{\"scope\":\"read\",\"label\":\"\xff\xfe\"}", 400, "bad_json" },
		{ "[]", 400, "wrong_type" },
		{ "\"read\"", 400, "wrong_type" },
		{ "null", 400, "wrong_type" },
		{ "{}", 400, "missing_field" },
		{ "{\"scope\":\"read\"}", 400, "missing_field" },
		{ "{\"label\":\"x\"}", 400, "missing_field" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"admin\":true}", 400, "unknown_field" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"\":1}", 400, "unknown_field" },
		{ "{\"scope\":1,\"label\":\"x\"}", 400, "wrong_type" },
		{ "{\"scope\":null,\"label\":\"x\"}", 400, "wrong_type" },
		{ "{\"scope\":[\"read\"],\"label\":\"x\"}", 400, "wrong_type" },
		{ "{\"scope\":\"read\",\"label\":{}}", 400, "wrong_type" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":\"60\"}", 400, "wrong_type" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":1.5}", 400, "wrong_type" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":true}", 400, "wrong_type" },
		{ "{\"scope\":\"root\",\"label\":\"x\"}", 400, "bad_value" },
		{ "{\"scope\":\"\",\"label\":\"x\"}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"\"}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"a\\nb\"}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":0}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":-5}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":9223372036854775807}", 400, "bad_value" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":99999999999999999999999}", 400, "bad_number" },
		{ "{\"scope\":\"read\",\"label\":\"x\",\"expires_s\":-99999999999999999999999}", 400, "bad_number" },
	};
	char big[300];
	size_t i;

	setup();
	unlock_store();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct answer a;
		unsigned int st = call(&a, "POST", "/v1/tokens", BEARER_ADMIN, cases[i].body);

		CHECK_MSG(st == cases[i].status && strcmp(a.code, cases[i].code) == 0, "case %zu %s: got %u %s (%s)", i,
		    cases[i].body, st, a.code, a.text);
		answer_free(&a);
	}
	/* A label just over the cap. */
	memset(big, 'x', sizeof(big));
	snprintf(big, sizeof(big), "{\"scope\":\"read\",\"label\":\"%0129d\"}", 7);
	EXPECT(400, "bad_value", "POST", "/v1/tokens", BEARER_ADMIN, big);
	/* The body's media type. */
	{
		struct answer a;
		const char *b = "{\"scope\":\"read\",\"label\":\"x\"}";

		CHECK(call_full(&a, "POST", "/v1/tokens", BEARER_ADMIN, "text/plain", NULL, b, strlen(b)) == 415);
		CHECK_STREQ(a.code, "unsupported_media_type");
		answer_free(&a);
		CHECK(call_full(&a, "POST", "/v1/tokens", BEARER_ADMIN, NULL, NULL, b, strlen(b)) == 415);
		answer_free(&a);
		CHECK(call_full(&a, "POST", "/v1/tokens", BEARER_ADMIN, "application/json; charset=utf-8", NULL, b,
		    strlen(b)) == 201);
		answer_free(&a);
		CHECK(call_full(&a, "POST", "/v1/tokens", BEARER_ADMIN, "application/jsonp", NULL, b, strlen(b)) == 415);
		answer_free(&a);
	}
	/* Sizes: over 1 MiB for an authenticated route; any body where none is taken. */
	{
		size_t n = API_MAX_BODY + 1;
		char *huge = malloc(n);
		struct answer a;

		memset(huge, ' ', n);
		CHECK(call_full(&a, "POST", "/v1/tokens", BEARER_ADMIN, "application/json", NULL, huge, n) == 413);
		CHECK_STREQ(a.code, "body_too_large");
		answer_free(&a);
		CHECK(call_full(&a, "GET", "/v1/info", BEARER_ADMIN, "application/json", NULL, "{}", 2) == 413);
		answer_free(&a);
		/* An unauthenticated request never gets as far as its body. */
		CHECK(call_full(&a, "POST", "/v1/tokens", NULL, "application/json", NULL, huge, n) == 401);
		answer_free(&a);
		free(huge);
	}
	teardown();
}

static void
test_cors(void)
{
	struct answer a;

	setup();
	/* No origins configured: never a CORS header, preflight is just a 405. */
	CHECK(call_full(&a, "GET", "/v1/health", NULL, NULL, "https://evil.example", NULL, 0) == 200);
	CHECK(a.cors == NULL);
	answer_free(&a);
	CHECK(call_full(&a, "OPTIONS", "/v1/info", NULL, NULL, "https://evil.example", NULL, 0) == 405);
	CHECK(a.cors == NULL);
	answer_free(&a);
	teardown();

	setup();
	snprintf(cfg.cors_origins[0], sizeof(cfg.cors_origins[0]), "https://app.example");
	cfg.n_cors_origins = 1;
	CHECK(call_full(&a, "GET", "/v1/health", NULL, NULL, "https://app.example", NULL, 0) == 200);
	CHECK_STREQ(a.cors, "https://app.example");
	answer_free(&a);
	CHECK(call_full(&a, "GET", "/v1/health", NULL, NULL, "https://app.example.evil", NULL, 0) == 200);
	CHECK(a.cors == NULL);
	answer_free(&a);
	CHECK(call_full(&a, "OPTIONS", "/v1/tokens", NULL, NULL, "https://app.example", NULL, 0) == 204);
	CHECK_STREQ(a.cors, "https://app.example");
	CHECK_STREQ(a.allow, "POST, GET");
	answer_free(&a);
	/* Errors carry the header too, so a browser app can read them. */
	CHECK(call_full(&a, "GET", "/v1/info", NULL, NULL, "https://app.example", NULL, 0) == 401);
	CHECK_STREQ(a.cors, "https://app.example");
	answer_free(&a);
	cfg.n_cors_origins = 0;
	teardown();
}

static void
test_rate_limited_answer(void)
{
	struct answer a;
	int i;

	setup();
	for (i = 0; i <= AUTH_FREE_FAILURES; i++)
		EXPECT(401, "unauthorized", "GET", "/v1/info", "Bearer guess", NULL);
	CHECK(call(&a, "GET", "/v1/info", BEARER_ADMIN, NULL) == 429);
	CHECK_STREQ(a.code, "rate_limited");
	CHECK(a.retry_after >= 1);
	answer_free(&a);
	/* Routes without a token are not affected. */
	CHECK(call(&a, "GET", "/v1/health", NULL, NULL) == 200);
	answer_free(&a);
	teardown();
}

static void
test_metrics(void)
{
	struct metrics_sample s;
	struct cbuf out;
	const char *t;

	setup();
	metrics_count(&d.metrics, 0, 200);
	metrics_count(&d.metrics, 0, 200);
	metrics_count(&d.metrics, 1, 401);
	metrics_count(&d.metrics, api_nroutes, 404);
	metrics_count(&d.metrics, 1, 418);
	memset(&s, 0, sizeof(s));
	s.uptime_s = 42;
	s.auth_failures = 7;
	s.version = "0.1.0";
	s.network = "signet";
	cbuf_init(&out, 0);
	CHECK_OK(metrics_render(&out, &d.metrics, &s));
	t = (const char *)out.p;
	CHECK(strlen(t) == out.len);
	CHECK(strstr(t, "coffer_http_requests_total{method=\"GET\",route=\"/v1/health\",status=\"200\"} 2\n") != NULL);
	CHECK(strstr(t, "coffer_http_requests_total{method=\"GET\",route=\"/v1/info\",status=\"401\"} 1\n") != NULL);
	CHECK(strstr(t, "coffer_http_requests_total{method=\"GET\",route=\"/v1/info\",status=\"other\"} 1\n") != NULL);
	CHECK(strstr(t, "route=\"unmatched\",status=\"404\"} 1\n") != NULL);
	CHECK(strstr(t, "coffer_auth_failures_total 7\n") != NULL);
	CHECK(strstr(t, "coffer_uptime_seconds 42\n") != NULL);
	CHECK(strstr(t, "# TYPE coffer_http_requests_total counter\n") != NULL);
	CHECK(strstr(t, "coffer_wallet_unlocked 0\n") != NULL);
	cbuf_free(&out);
	/* Through the route: text/plain, read scope. */
	{
		struct answer a;

		CHECK(call(&a, "GET", "/metrics", BEARER_ADMIN, NULL) == 200);
		CHECK(a.json == NULL && strstr(a.text, "coffer_uptime_seconds") != NULL);
		answer_free(&a);
	}
	teardown();
}

static const struct test_case tests[] = {
	{ "match", test_match },
	{ "status_map", test_status_map },
	{ "public_and_auth", test_public_and_auth },
	{ "tokens", test_tokens },
	{ "bad_bodies", test_bad_bodies },
	{ "cors", test_cors },
	{ "rate_limited_answer", test_rate_limited_answer },
	{ "metrics", test_metrics },
};

TEST_MAIN(tests)
