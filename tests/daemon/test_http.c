/*
 * The real HTTP server (libmicrohttpd) on a free loopback port, driven by a
 * minimal HTTP/1.1 client over sockets, with the store opened under a test
 * key exactly as an unlock does: tokens and scopes over the wire, bodies
 * (JSON errors, media type, caps by Content-Length and chunked), duplicate
 * headers, revocation, and a restart that keeps the tokens.
 * (tests/cli/test_cofferd.sh drives the cofferd binary itself.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/http.h"
#include "daemon/log.h"

#define ADMIN "b0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"

static struct daemon_config cfg;
static struct daemon d;
static struct http_server srv;
static char dir[64];
static uint8_t key[STORE_KEY_LEN];

struct reply {
	int status;		/* 0: connection closed without an answer */
	char head[4096];
	char body[65536];
	json_t *json;
};

static int
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send raw request bytes (head, then body of body_len), read until the server closes. */
static void
exchange(struct reply *r, const char *head, const char *body, size_t body_len)
{
	static char buf[1 << 17];
	struct sockaddr_in sa;
	size_t got = 0;
	char *sep;
	int fd;

	memset(r, 0, sizeof(*r));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		CHECK_MSG(0, "connect: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The server may answer and close before the body is sent: ignore send errors. */
	if (send_all(fd, head, strlen(head)) == 0 && body != NULL)
		(void)send_all(fd, body, body_len);
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (got < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return;
	r->status = atoi(buf + 9);
	if ((sep = strstr(buf, "\r\n\r\n")) != NULL) {
		snprintf(r->head, sizeof(r->head), "%.*s", (int)(sep - buf), buf);
		snprintf(r->body, sizeof(r->body), "%s", sep + 4);
		r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
	}
}

/* A request with Connection: close; extra is more header lines ("X: y\r\n"). */
static int
request(struct reply *r, const char *method, const char *path, const char *auth, const char *extra, const char *body)
{
	char head[2048];

	snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s%s%s"
	    "Content-Length: %zu\r\n\r\n", method, path,
	    auth != NULL ? "Authorization: Bearer " : "", auth != NULL ? auth : "", auth != NULL ? "\r\n" : "",
	    body != NULL ? "Content-Type: application/json\r\n" : "", extra != NULL ? extra : "",
	    body != NULL ? strlen(body) : 0);
	exchange(r, head, body, body != NULL ? strlen(body) : 0);
	return r->status;
}

static const char *
error_code(const struct reply *r)
{
	return json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
}

static void
reply_free(struct reply *r)
{
	json_decref(r->json);
	r->json = NULL;
}

#define EXPECT_ERR(st, code, ...) do { \
	struct reply x_; \
	int s_ = request(&x_, __VA_ARGS__); \
	CHECK_MSG(s_ == (st) && error_code(&x_) != NULL && strcmp(error_code(&x_), (code)) == 0, \
	    "got %d %s, want %d %s", s_, x_.body, (st), (code)); \
	reply_free(&x_); \
} while (0)

static void
start(void)
{
	char err[256];

	CHECK_OK(daemon_init(&d, &cfg, ADMIN));
	if (daemon_open_store(&d, err, sizeof(err), key) != 0) {
		fprintf(stderr, "open store: %s\n", err);
		abort();
	}
	if (http_start(&srv, err, sizeof(err), &d) != 0) {
		fprintf(stderr, "http_start: %s\n", err);
		abort();
	}
	CHECK(srv.port != 0);
}

static void
stop(void)
{
	http_stop(&srv);
	daemon_free(&d);
}

static void
test_over_http(void)
{
	char tok[128], tok_id[17], path[64], big[1000];
	struct reply r;

	snprintf(dir, sizeof(dir), "/tmp/coffer-http-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	CHECK_OK(config_parse_args(&cfg, 3, (char *[]){ "t", "--listen", "127.0.0.1:0", NULL }));
	CHECK_OK(config_finish(&cfg));
	memset(key, 0x5c, sizeof(key));
	log_set_level(LOG_LEVEL_ERROR);
	start();

	CHECK(request(&r, "GET", "/v1/health", NULL, NULL, NULL) == 200);
	CHECK(strstr(r.head, "Cache-Control: no-store") != NULL);
	reply_free(&r);

	/* A token made over HTTP, then used. */
	CHECK(request(&r, "POST", "/v1/tokens", ADMIN, NULL, "{\"scope\":\"read\",\"label\":\"over the wire\"}") == 201);
	CHECK(json_is_string(json_object_get(r.json, "token")));
	snprintf(tok, sizeof(tok), "%s", json_string_value(json_object_get(r.json, "token")));
	snprintf(tok_id, sizeof(tok_id), "%s", json_string_value(json_object_get(r.json, "id")));
	reply_free(&r);
	CHECK(request(&r, "GET", "/v1/info", tok, NULL, NULL) == 200);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(r.json, "signer"), "state")), "unlocked");
	reply_free(&r);
	EXPECT_ERR(403, "insufficient_scope", "GET", "/v1/tokens", tok, NULL, NULL);
	EXPECT_ERR(403, "insufficient_scope", "POST", "/v1/tokens", tok, NULL, "{\"scope\":\"admin\",\"label\":\"x\"}");

	/* Bodies over the wire. */
	EXPECT_ERR(400, "bad_json", "POST", "/v1/tokens", ADMIN, NULL, "{\"scope\":");
	EXPECT_ERR(400, "unknown_field", "POST", "/v1/tokens", ADMIN, NULL, "{\"scope\":\"read\",\"label\":\"x\",\"x\":1}");
	EXPECT_ERR(400, "missing_field", "POST", "/v1/tokens", ADMIN, NULL, "{\"label\":\"x\"}");
	EXPECT_ERR(400, "wrong_type", "POST", "/v1/tokens", ADMIN, NULL, "{\"scope\":true,\"label\":\"x\"}");
	EXPECT_ERR(400, "bad_value", "POST", "/v1/tokens", ADMIN, NULL, "{\"scope\":\"god\",\"label\":\"x\"}");
	EXPECT_ERR(400, "missing_field", "POST", "/v1/tokens", ADMIN, NULL, NULL);
	{
		const char *b = "{\"scope\":\"read\",\"label\":\"x\"}";
		char head[512];

		snprintf(head, sizeof(head), "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Authorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n", ADMIN, strlen(b));
		exchange(&r, head, b, strlen(b));
		CHECK(r.status == 415 && strcmp(error_code(&r), "unsupported_media_type") == 0);
		reply_free(&r);
		/* Content-Length over the cap: answered before the body is sent. */
		snprintf(head, sizeof(head), "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", ADMIN,
		    API_MAX_BODY + 1);
		exchange(&r, head, NULL, 0);
		CHECK(r.status == 413 && strcmp(error_code(&r), "body_too_large") == 0);
		reply_free(&r);
		/* Exactly at the cap is read (and is then bad JSON: all spaces). */
		{
			char *sp = malloc(API_MAX_BODY);

			memset(sp, ' ', API_MAX_BODY);
			snprintf(head, sizeof(head), "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			    ADMIN, API_MAX_BODY);
			exchange(&r, head, sp, API_MAX_BODY);
			CHECK_MSG(r.status == 400 && strcmp(error_code(&r), "bad_json") == 0, "%d %s", r.status, r.body);
			reply_free(&r);
			/* Chunked over the cap: the connection closes without an answer. */
			snprintf(head, sizeof(head), "GET /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			    "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n", ADMIN);
			exchange(&r, head, sp, 0x400);
			CHECK_MSG(r.status == 0, "chunked over the cap got %d", r.status);
			reply_free(&r);
			free(sp);
		}
		/* A chunked body within the cap is fine. */
		snprintf(head, sizeof(head), "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Authorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "%zx\r\n%s\r\n0\r\n\r\n", ADMIN, strlen(b), b);
		exchange(&r, head, NULL, 0);
		CHECK_MSG(r.status == 201, "chunked create: %d %s", r.status, r.body);
		reply_free(&r);
		/* Two Authorization headers. */
		snprintf(head, sizeof(head), "GET /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Authorization: Bearer %s\r\nAuthorization: Bearer %s\r\n\r\n", ADMIN, ADMIN);
		exchange(&r, head, NULL, 0);
		CHECK(r.status == 401 && strcmp(error_code(&r), "unauthorized") == 0);
		reply_free(&r);
		/* Not HTTP at all. */
		exchange(&r, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", NULL, 0);
		CHECK(r.status == 0 || (r.status >= 400 && r.status < 500));
		reply_free(&r);
		/* A path with an encoded NUL or slash never reaches a handler. */
		EXPECT_ERR(404, "not_found", "DELETE", "/v1/tokens/%00", ADMIN, NULL, NULL);
		EXPECT_ERR(404, "not_found", "DELETE", "/v1/tokens/a%2Fb", ADMIN, NULL, NULL);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	EXPECT_ERR(401, "unauthorized", "GET", "/v1/info", big, NULL, NULL);

	/* Restart: the same store and key, a new server: the token still works. */
	stop();
	start();
	CHECK(request(&r, "GET", "/v1/info", tok, NULL, NULL) == 200);
	reply_free(&r);
	CHECK(request(&r, "GET", "/v1/tokens", ADMIN, NULL, NULL) == 200);
	CHECK(json_array_size(json_object_get(r.json, "tokens")) == 2);
	reply_free(&r);
	/* Revoked: refused at once. */
	snprintf(path, sizeof(path), "/v1/tokens/%s", tok_id);
	CHECK(request(&r, "DELETE", path, ADMIN, NULL, NULL) == 200);
	reply_free(&r);
	EXPECT_ERR(401, "unauthorized", "GET", "/v1/info", tok, NULL, NULL);
	/* Locked: the token routes say so. */
	daemon_close_store(&d, WALLET_LOCKED);
	EXPECT_ERR(423, "wallet_locked", "GET", "/v1/tokens", ADMIN, NULL, NULL);
	/* Metrics saw all of it. */
	CHECK(request(&r, "GET", "/metrics", ADMIN, NULL, NULL) == 200);
	CHECK(strstr(r.body, "route=\"/v1/tokens\",status=\"423\"} 1") != NULL);
	CHECK(strstr(r.body, "route=\"/v1/tokens/{id}\",status=\"200\"} 1") != NULL);
	reply_free(&r);
	stop();
	log_set_level(LOG_LEVEL_INFO);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
}

static const struct test_case tests[] = {
	{ "over_http", test_over_http },
};

TEST_MAIN(tests)
