/*
 * The REST API, independent of the HTTP server: a route table and a two-step
 * dispatcher that http.c (libmicrohttpd), the tests and the fuzzer drive.
 *
 *   api_begin()  once the request line and headers are in: route match (404,
 *                405), authentication (401, 429, 423), scope (403), locked
 *                wallet (423); sets the body cap for what follows (smaller
 *                before authentication). Returns 1 when the response is final.
 *   api_finish() once the body is in: media type (415), size (413), JSON
 *                (400 bad_json), then the route's handler.
 *
 * Every error answer is {"error":{"code":"<stable snake_case>","message":"..."}},
 * its code coffer_err_name() of a COFFER_ERR_* and its status from
 * api_status_for(). The route table also drives /metrics labels, the OpenAPI
 * check (tests/daemon/test_openapi.c) and the Allow header of 405 answers.
 */
#ifndef COFFER_DAEMON_API_H
#define COFFER_DAEMON_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "daemon/auth.h"

struct daemon;

#define API_MAX_BODY ((size_t)1 << 20)		/* authenticated request bodies */
#define API_MAX_BODY_ANON ((size_t)4 << 10)	/* bodies of routes that need no token */
#define API_MAX_PATH 512			/* longer paths are 404 without matching */
#define API_MAX_PARAM 64			/* bytes of one {param} path segment */
#define API_MAX_PARAMS 2
#define API_MAX_MESSAGE 256			/* error message bytes */
#define API_MAX_QUERY 8				/* query parameters (?a=1&b=2) */

/* Route flags. */
#define ROUTE_LOCKED_OK 1u	/* answers while the wallet is locked */
#define ROUTE_BODY 2u		/* takes a JSON object body */
/*
 * Checks its input before the wallet's state: a locked wallet is the
 * handler's to answer (api_wallet_locked), after the request's own errors
 * (docs/API.md, "Order of errors").
 */
#define ROUTE_CHECK_FIRST 4u

struct api_request;
struct api_response;

/* A handler: fill rs (api_reply_*) and return 0, or return a COFFER_ERR_* code
 * (the message is rs->message if the handler set one, else coffer_err_msg). */
typedef int (*api_handler)(struct daemon *d, struct api_request *rq, struct api_response *rs);

struct api_route {
	const char *method;		/* "GET", "POST", "PUT", "DELETE" */
	const char *pattern;		/* "/v1/tokens/{id}": {x} matches one segment */
	api_handler fn;
	enum auth_scope min_scope;	/* AUTH_SCOPE_NONE: no token needed */
	unsigned int flags;		/* ROUTE_* */
	const char *op_id;		/* OpenAPI operationId */
};

extern const struct api_route api_routes[];
extern const size_t api_nroutes;

struct api_request {
	/* In, from the HTTP layer (pointers stay valid for the request's life). */
	const char *method;
	const char *path;		/* without the query string, not unescaped */
	const char *authorization;	/* NULL when absent */
	unsigned int n_authorization;	/* how many Authorization headers came */
	const char *content_type;	/* NULL when absent */
	const char *origin;		/* NULL when absent */
	const char *idempotency_key;	/* Idempotency-Key header, NULL when absent */
	const struct sockaddr *peer;
	size_t peerlen;
	int64_t now_ms;
	/* Query parameters as sent (not unescaped); value NULL for "?flag". */
	const char *query_key[API_MAX_QUERY];
	const char *query_value[API_MAX_QUERY];
	size_t n_query;
	int query_overflow;		/* more than API_MAX_QUERY came: 400 */
	/* Set by api_begin. */
	const struct api_route *route;	/* NULL when none matched */
	size_t route_index;		/* api_nroutes when none matched */
	char params[API_MAX_PARAMS][API_MAX_PARAM + 1];
	struct auth_principal who;
	size_t body_cap;
	/* In, before api_finish: the whole body. */
	const uint8_t *body;
	size_t body_len;
	/* Set by api_finish: the parsed body (an object; {} when the body was empty). */
	json_t *json;
};

struct api_response {
	unsigned int status;
	char *body;			/* wipe_alloc'd (wipealloc.h), freed by api_response_free */
	size_t body_len;
	const char *content_type;
	int code;			/* the COFFER_ERR_* of an error answer, else 0 */
	char message[API_MAX_MESSAGE];	/* handler's message for an error */
	int64_t retry_after_s;		/* 429: Retry-After */
	char allow[64];			/* 405: Allow */
	const char *cors_origin;	/* Access-Control-Allow-Origin (a configured origin) */
	int preflight;			/* CORS preflight answer: add the Allow-* headers */
};

/* Prepare a request for api_begin (zeroes it, sets route_index to none). */
void api_request_init(struct api_request *rq);
/* Free what api_finish parsed (and wipe the body copy is the HTTP layer's job). */
void api_request_free(struct api_request *rq);
void api_response_free(struct api_response *rs);

/* Step 1 (see above). Returns 1 when rs is the final answer, 0 to read a body of up to rq->body_cap. */
int api_begin(struct daemon *d, struct api_request *rq, struct api_response *rs);
/* Step 2. Always leaves a final answer in rs. */
void api_finish(struct daemon *d, struct api_request *rq, struct api_response *rs);
/* Answer 413 for a body over rq->body_cap (the HTTP layer saw it first). */
void api_too_large(struct daemon *d, struct api_request *rq, struct api_response *rs);

/*
 * Match a path against the table. Returns 0 (route found: *index, params),
 * COFFER_ERR_NOT_FOUND, or COFFER_ERR_METHOD_NOT_ALLOWED (allow lists the
 * path's methods, comma separated).
 */
int api_match(size_t *index, char params[API_MAX_PARAMS][API_MAX_PARAM + 1], char *allow, size_t allowsize,
    const char *method, const char *path);

/* HTTP status for an error code (400 for bad input, 500 for our own failures). */
unsigned int api_status_for(int code);

/* Answers. Each replaces what rs held. Returns 0 or COFFER_ERR_NOMEM. */
int api_reply_json(struct api_response *rs, unsigned int status, json_t *body);	/* steals body */
int api_reply_text(struct api_response *rs, unsigned int status, const char *content_type, const char *text,
    size_t len);
void api_reply_error(struct api_response *rs, int code, const char *message);
/* Set rs->message from a format (for a handler returning an error code). */
void api_message(struct api_response *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * COFFER_ERR_WALLET_LOCKED with the message that says why (no signer, no
 * wallet yet, locked), for a ROUTE_CHECK_FIRST handler; 0 when unlocked.
 */
int api_wallet_locked(struct daemon *d, struct api_response *rs);

/*
 * Query parameters: refuse any not in names[n] or given twice.
 * Returns 0 or COFFER_ERR_UNKNOWN_FIELD / COFFER_ERR_BAD_VALUE (rs->message says which).
 */
int api_query_check(struct api_request *rq, struct api_response *rs, const char *const *names, size_t n);
/* The value of a query parameter, or NULL when absent ("" for "?name" or "?name="). */
const char *api_query_get(const struct api_request *rq, const char *name);
/*
 * An unsigned decimal query parameter in min..max (digits only, no sign or
 * leading zeros). Returns 0 (*out = def when absent) or COFFER_ERR_BAD_VALUE.
 */
int api_query_u64(uint64_t *out, struct api_request *rq, struct api_response *rs, const char *name,
    uint64_t def, uint64_t min, uint64_t max);

#endif
