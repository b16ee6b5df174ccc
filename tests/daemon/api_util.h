/*
 * Driving the API without sockets (api_begin/api_finish), for the daemon
 * tests: one call, its status, error code and parsed body. Every 4xx/5xx is
 * checked for the error shape {"error":{"code","message"}}.
 * Set api_d before the first call.
 */
#ifndef COFFER_TESTS_DAEMON_API_UTIL_H
#define COFFER_TESTS_DAEMON_API_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "daemon/api.h"
#include "daemon/daemon.h"

static struct daemon *api_d;

struct answer {
	unsigned int status;
	char code[64];		/* error code, "" on success */
	json_t *json;		/* parsed body (NULL for non-JSON answers) */
	char text[4096];	/* the body as text */
	char allow[64];
	const char *cors;
	int64_t retry_after;
};

static inline void
answer_free(struct answer *a)
{
	if (a->json != NULL)
		json_decref(a->json);
	a->json = NULL;
}

/* One request through api_begin/api_finish; checks the error shape of every 4xx/5xx. */
static inline unsigned int
call_full(struct answer *out, const char *method, const char *path, const char *auth, const char *ctype,
    const char *origin, const char *body, size_t body_len)
{
	struct sockaddr_in peer;
	struct api_request rq;
	struct api_response rs;
	char pathbuf[1024], *q, *amp, *eq;

	memset(out, 0, sizeof(*out));
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	api_request_init(&rq);
	memset(&rs, 0, sizeof(rs));
	rq.method = method;
	/* "path?a=1&b": split like libmicrohttpd does (no unescaping). */
	snprintf(pathbuf, sizeof(pathbuf), "%s", path);
	if ((q = strchr(pathbuf, '?')) != NULL) {
		*q++ = '\0';
		while (q != NULL && *q != '\0') {
			if ((amp = strchr(q, '&')) != NULL)
				*amp++ = '\0';
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			if (rq.n_query == API_MAX_QUERY) {
				rq.query_overflow = 1;
				break;
			}
			rq.query_key[rq.n_query] = q;
			rq.query_value[rq.n_query++] = eq;
			q = amp;
		}
	}
	rq.path = pathbuf;
	rq.authorization = auth;
	rq.n_authorization = auth != NULL ? 1 : 0;
	rq.content_type = ctype;
	rq.origin = origin;
	rq.peer = (const struct sockaddr *)&peer;
	rq.peerlen = sizeof(peer);
	rq.now_ms = daemon_now_ms();
	if (api_begin(api_d, &rq, &rs) == 0) {
		rq.body = (const uint8_t *)body;
		rq.body_len = body != NULL ? body_len : 0;
		if (rq.body_len > rq.body_cap)
			api_too_large(api_d, &rq, &rs);
		else
			api_finish(api_d, &rq, &rs);
	}
	out->status = rs.status;
	snprintf(out->text, sizeof(out->text), "%.*s", (int)rs.body_len, rs.body != NULL ? rs.body : "");
	snprintf(out->allow, sizeof(out->allow), "%s", rs.allow);
	out->cors = rs.cors_origin;
	out->retry_after = rs.retry_after_s;
	if (rs.content_type != NULL && strcmp(rs.content_type, "application/json") == 0)
		out->json = json_loadb(rs.body, rs.body_len, 0, NULL);
	if (rs.status >= 400) {
		json_t *e = json_object_get(out->json, "error");
		const char *code = json_string_value(json_object_get(e, "code"));

		CHECK_MSG(json_is_object(out->json) && json_object_size(out->json) == 1 && json_is_object(e) &&
		    json_object_size(e) == 2 && code != NULL && json_is_string(json_object_get(e, "message")),
		    "error shape: %s", out->text);
		snprintf(out->code, sizeof(out->code), "%s", code != NULL ? code : "?");
		CHECK_STREQ(out->code, coffer_err_name(rs.code));
	}
	api_response_free(&rs);
	api_request_free(&rq);
	return out->status;
}

static inline unsigned int
call(struct answer *out, const char *method, const char *path, const char *auth, const char *body)
{
	return call_full(out, method, path, auth, body != NULL ? "application/json" : NULL, NULL, body,
	    body != NULL ? strlen(body) : 0);
}

/* Expect status and error code; frees the answer. */
#define EXPECT(st, cd, ...) do { \
	struct answer x_; \
	unsigned int s_ = call(&x_, __VA_ARGS__); \
	CHECK_MSG(s_ == (st) && strcmp(x_.code, (cd)) == 0, "%s %s: got %u %s, want %u %s (%s)", \
	    #__VA_ARGS__, "", s_, x_.code, (unsigned int)(st), (cd), x_.text); \
	answer_free(&x_); \
} while (0)

#endif
