/* The API dispatcher (api.h): matching, authentication, body checks, error answers. */
#include "daemon/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"
#include "daemon/wallet.h"
#include "common/wipealloc.h"

void
api_request_init(struct api_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->route_index = api_nroutes;
}

void
api_request_free(struct api_request *rq)
{
	if (rq->json != NULL)
		json_decref(rq->json);
	rq->json = NULL;
}

void
api_response_free(struct api_response *rs)
{
	/* Bodies can carry a secret shown once (a new token, a mnemonic): wiped, not just freed. */
	wipe_free(rs->body);
	rs->body = NULL;
	rs->body_len = 0;
}

unsigned int
api_status_for(int code)
{
	switch (code) {
	case 0:
		return 200;
	case COFFER_ERR_UNAUTHORIZED:
	case COFFER_ERR_TOKEN_EXPIRED:
		return 401;
	case COFFER_ERR_FORBIDDEN:
	/* Refusals by the signer: the request is well formed, the answer is no. */
	case COFFER_ERR_KS_WRONG_PASSPHRASE:
	case COFFER_ERR_SIGNER_NO_PASSPHRASE:
	case COFFER_ERR_POLICY_KILL_SWITCH:
	case COFFER_ERR_POLICY_MAX_PAYMENT:
	case COFFER_ERR_POLICY_DAILY_LIMIT:
	case COFFER_ERR_POLICY_ALLOWLIST:
	case COFFER_ERR_POLICY_FEE:
	case COFFER_ERR_POLICY_FEERATE:
	case COFFER_ERR_POLICY_PASSPHRASE_REQUIRED:
		return 403;
	case COFFER_ERR_NOT_FOUND:
		return 404;
	case COFFER_ERR_METHOD_NOT_ALLOWED:
		return 405;
	case COFFER_ERR_TOO_MANY_TOKENS:
	case COFFER_ERR_KS_EXISTS:
	case COFFER_ERR_CHAIN_CONFLICT:
	case COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT:
	case COFFER_ERR_PAY_STATE:
	case COFFER_ERR_PAY_RESERVED:
	case COFFER_ERR_PAY_HAS_DESCENDANT:
		return 409;
	case COFFER_ERR_BODY_TOO_LARGE:
	case COFFER_ERR_TOO_LARGE:
		return 413;
	case COFFER_ERR_MEDIA_TYPE:
		return 415;
	case COFFER_ERR_WALLET_LOCKED:
	case COFFER_ERR_SIGNER_LOCKED:
	case COFFER_ERR_SIGNER_UNINITIALIZED:
	case COFFER_ERR_KS_MISSING:
		return 423;
	case COFFER_ERR_RATE_LIMITED:
		return 429;
	case COFFER_ERR_UNSUPPORTED:
		return 501;
	/* The chain backend: its failures are not the client's. */
	case COFFER_ERR_CHAIN_PROTOCOL:
	case COFFER_ERR_CHAIN_AUTH:
	case COFFER_ERR_CHAIN_WALLET:
	case COFFER_ERR_PAY_BROADCAST_REJECTED:
		return 502;
	case COFFER_ERR_CHAIN_UNREACHABLE:
	case COFFER_ERR_CHAIN_NO_ESTIMATE:
	case COFFER_ERR_SIGNER_UNAVAILABLE:
	case COFFER_ERR_SIGNER_PROTOCOL:
	case COFFER_ERR_SIGNER_VERSION:
	case COFFER_ERR_SIGNER_CLOSED:
	case COFFER_ERR_SIGNER_SPAWN:
	case COFFER_ERR_SIGNER_TRANSPORT:
	case COFFER_ERR_SIGNER_NOT_PERMITTED:
	case COFFER_ERR_SIGNER_UNKNOWN_MSG:
	case COFFER_ERR_SIGNER_FRAME_SIZE:
	case COFFER_ERR_SIGNER_DIR:
	case COFFER_ERR_SIGNER_BUSY:
	case COFFER_ERR_PAY_UNAVAILABLE:
	case COFFER_ERR_PAY_NOT_SYNCED:
		return 503;
	/* Our own failures: never the client's fault. */
	case COFFER_ERR_INTERNAL:
	case COFFER_ERR_NOMEM:
	case COFFER_ERR_IO:
	case COFFER_ERR_RANDOM:
	case COFFER_ERR_CRYPTO:
	case COFFER_ERR_STORE:
	case COFFER_ERR_STORE_KEY:
	case COFFER_ERR_STORE_SCHEMA:
	case COFFER_ERR_STORE_NETWORK:
	case COFFER_ERR_DATADIR_PERMS:
	case COFFER_ERR_DATADIR_LOCKED:
	/* The signer's own files are damaged: not the client's fault either. */
	case COFFER_ERR_KS_TAMPERED:
	case COFFER_ERR_KS_TRUNCATED:
	case COFFER_ERR_KS_FOREIGN:
	case COFFER_ERR_KS_VERSION:
	case COFFER_ERR_KS_MALFORMED:
	case COFFER_ERR_STATE_MISSING:
	case COFFER_ERR_STATE_WRONG_KEY:
	case COFFER_ERR_STATE_TAMPERED:
	case COFFER_ERR_STATE_TRUNCATED:
	case COFFER_ERR_STATE_FOREIGN:
	case COFFER_ERR_STATE_VERSION:
	case COFFER_ERR_STATE_MALFORMED:
	case COFFER_ERR_SIGNER_SANDBOX:
	case COFFER_ERR_AUDIT_WRITE:
	case COFFER_ERR_AUDIT_BROKEN:
	case COFFER_ERR_AUDIT_HEAD:
	case COFFER_ERR_POLICY_ENCODING:
		return 500;
	default:
		break;
	}
	/* Everything else describes bad input: a malformed field, address, PSBT, ... */
	return 400;
}

static int
set_body(struct api_response *rs, char *body, size_t len, unsigned int status, const char *content_type)
{
	api_response_free(rs);
	rs->body = body;
	rs->body_len = len;
	rs->status = status;
	rs->content_type = content_type;
	return 0;
}

int
api_reply_json(struct api_response *rs, unsigned int status, json_t *body)
{
	const size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII;
	char *text;
	size_t len;

	if (body == NULL)
		return COFFER_ERR_NOMEM;
	/* Measure, then write into memory that is wiped when the answer is gone. */
	if ((len = json_dumpb(body, NULL, 0, flags)) == 0 || (text = wipe_alloc(len + 1)) == NULL) {
		json_decref(body);
		return COFFER_ERR_NOMEM;
	}
	if (json_dumpb(body, text, len, flags) != len) {
		json_decref(body);
		wipe_free(text);
		return COFFER_ERR_INTERNAL;
	}
	text[len] = '\0';
	json_decref(body);
	rs->code = 0;
	return set_body(rs, text, len, status, "application/json");
}

int
api_reply_text(struct api_response *rs, unsigned int status, const char *content_type, const char *text,
    size_t len)
{
	char *copy = wipe_alloc(len + 1);

	if (copy == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	rs->code = 0;
	return set_body(rs, copy, len, status, content_type);
}

/* The fallback when even the error cannot be built: a fixed body. */
static void
reply_oom(struct api_response *rs)
{
	static const char oom[] = "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}";
	char *copy = wipe_alloc(sizeof(oom));

	if (copy != NULL)
		memcpy(copy, oom, sizeof(oom));
	set_body(rs, copy, copy != NULL ? sizeof(oom) - 1 : 0, 500, "application/json");
	rs->code = COFFER_ERR_NOMEM;
}

void
api_reply_error(struct api_response *rs, int code, const char *message)
{
	json_t *body;

	if (code == 0)
		code = COFFER_ERR_INTERNAL;
	body = json_pack("{s:{s:s,s:s}}", "error", "code", coffer_err_name(code), "message",
	    message != NULL && message[0] != '\0' ? message : coffer_err_msg(code));
	if (api_reply_json(rs, api_status_for(code), body) != 0) {
		reply_oom(rs);
		return;
	}
	rs->code = code;
}

void
api_message(struct api_response *rs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rs->message, sizeof(rs->message), fmt, ap);
	va_end(ap);
}

static void
fail(struct api_response *rs, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
fail(struct api_response *rs, int code, const char *fmt, ...)
{
	char msg[API_MAX_MESSAGE];
	va_list ap;

	msg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	api_reply_error(rs, code, msg);
}

/* --- query parameters ------------------------------------------------------------------ */

const char *
api_query_get(const struct api_request *rq, const char *name)
{
	size_t i;

	for (i = 0; i < rq->n_query; i++)
		if (strcmp(rq->query_key[i], name) == 0)
			return rq->query_value[i] != NULL ? rq->query_value[i] : "";
	return NULL;
}

int
api_query_check(struct api_request *rq, struct api_response *rs, const char *const *names, size_t n)
{
	char q[80];
	size_t i, j;

	if (rq->query_overflow) {
		api_message(rs, "at most %d query parameters", API_MAX_QUERY);
		return COFFER_ERR_BAD_VALUE;
	}
	for (i = 0; i < rq->n_query; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(rq->query_key[i], names[j]) == 0)
				break;
		req_quote(q, sizeof(q), rq->query_key[i]);
		if (j == n) {
			api_message(rs, "unknown query parameter %s", q);
			return COFFER_ERR_UNKNOWN_FIELD;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(rq->query_key[i], rq->query_key[j]) == 0) {
				api_message(rs, "query parameter %s given twice", q);
				return COFFER_ERR_BAD_VALUE;
			}
		}
	}
	return 0;
}

int
api_query_u64(uint64_t *out, struct api_request *rq, struct api_response *rs, const char *name, uint64_t def,
    uint64_t min, uint64_t max)
{
	const char *v = api_query_get(rq, name);
	uint64_t x = 0;
	size_t i;

	*out = def;
	if (v == NULL)
		return 0;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 19 || (i == 1 && v[0] == '0'))
			goto bad;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (i == 0 || x < min || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	api_message(rs, "query parameter \"%s\" must be a whole number from %llu to %llu", name,
	    (unsigned long long)min, (unsigned long long)max);
	return COFFER_ERR_BAD_VALUE;
}

/* --- route matching ------------------------------------------------------------------- */

static int
param_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	    ch == '_' || ch == '.';
}

/* Does path match pattern? Segments compare literally; {x} takes one non-empty segment. */
static int
path_matches(char params[API_MAX_PARAMS][API_MAX_PARAM + 1], const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;
	size_t np = 0;

	while (*p != '\0') {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t n = 0;

			if (close == NULL || np == API_MAX_PARAMS)
				abort();	/* a malformed route table */
			while (s[n] != '\0' && s[n] != '/') {
				if (n == API_MAX_PARAM || !param_char_ok(s[n]))
					return 0;
				n++;
			}
			if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
				return 0;
			memcpy(params[np], s, n);
			params[np][n] = '\0';
			np++;
			s += n;
			p = close + 1;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

int
api_match(size_t *index, char params[API_MAX_PARAMS][API_MAX_PARAM + 1], char *allow, size_t allowsize,
    const char *method, const char *path)
{
	char scratch[API_MAX_PARAMS][API_MAX_PARAM + 1];
	int path_known = 0;
	size_t i, used = 0;

	*index = api_nroutes;
	memset(params, 0, sizeof(scratch));
	if (allowsize > 0)
		allow[0] = '\0';
	if (strnlen(path, API_MAX_PATH + 1) > API_MAX_PATH)
		return COFFER_ERR_NOT_FOUND;
	for (i = 0; i < api_nroutes; i++) {
		const struct api_route *rt = &api_routes[i];

		memset(scratch, 0, sizeof(scratch));
		if (!path_matches(scratch, rt->pattern, path))
			continue;
		if (strcmp(rt->method, method) == 0) {
			*index = i;
			memcpy(params, scratch, sizeof(scratch));
			return 0;
		}
		path_known = 1;
		if (allowsize > 0 && used + strlen(rt->method) + 3 < allowsize) {
			used += (size_t)snprintf(allow + used, allowsize - used, "%s%s", used > 0 ? ", " : "",
			    rt->method);
		}
	}
	return path_known ? COFFER_ERR_METHOD_NOT_ALLOWED : COFFER_ERR_NOT_FOUND;
}

/* --- CORS ---------------------------------------------------------------------------- */

static const char *
cors_origin(const struct daemon *d, const char *origin)
{
	size_t i;

	if (origin == NULL)
		return NULL;
	for (i = 0; i < d->cfg->n_cors_origins; i++)
		if (strcmp(d->cfg->cors_origins[i], origin) == 0)
			return d->cfg->cors_origins[i];
	return NULL;
}

/* --- the two steps -------------------------------------------------------------------- */

int
api_begin(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	const struct api_route *rt;
	int r;

	rs->cors_origin = cors_origin(d, rq->origin);
	/* A browser's preflight from a configured origin: say what the path allows. */
	if (rs->cors_origin != NULL && strcmp(rq->method, "OPTIONS") == 0) {
		size_t index;

		r = api_match(&index, rq->params, rs->allow, sizeof(rs->allow), "OPTIONS", rq->path);
		if (r == COFFER_ERR_METHOD_NOT_ALLOWED) {
			rs->preflight = 1;
			api_reply_text(rs, 204, NULL, "", 0);
			return 1;
		}
	}
	r = api_match(&rq->route_index, rq->params, rs->allow, sizeof(rs->allow), rq->method, rq->path);
	if (r == COFFER_ERR_NOT_FOUND) {
		fail(rs, r, "no such route");
		return 1;
	}
	if (r == COFFER_ERR_METHOD_NOT_ALLOWED) {
		fail(rs, r, "method not allowed here (allowed: %s)", rs->allow);
		return 1;
	}
	rt = rq->route = &api_routes[rq->route_index];
	if (rt->min_scope != AUTH_SCOPE_NONE) {
		r = auth_check(&d->auth, &rq->who, &rs->retry_after_s, rq->authorization, rq->n_authorization, rq->peer,
		    rq->peerlen, rq->now_ms);
		if (r == COFFER_ERR_WALLET_LOCKED) {
			fail(rs, r, "scoped tokens work while the wallet is unlocked; use the admin token to unlock");
			return 1;
		}
		if (r == COFFER_ERR_RATE_LIMITED) {
			fail(rs, r, "too many failed attempts from this address; retry in %lld s",
			    (long long)rs->retry_after_s);
			return 1;
		}
		if (r != 0) {
			fail(rs, r, r == COFFER_ERR_UNAUTHORIZED ? "missing or invalid bearer token" : NULL);
			return 1;
		}
		if (rq->who.scope < rt->min_scope) {
			fail(rs, COFFER_ERR_FORBIDDEN, "this route needs a token with scope %s or higher (yours: %s)",
			    auth_scope_name(rt->min_scope), auth_scope_name(rq->who.scope));
			return 1;
		}
	}
	/* An unlock session that has run out ends before anyone uses it. */
	wallet_session_check(d->wallet);
	if (!(rt->flags & (ROUTE_LOCKED_OK | ROUTE_CHECK_FIRST)) && api_wallet_locked(d, rs) != 0) {
		char msg[API_MAX_MESSAGE];

		memcpy(msg, rs->message, sizeof(msg));
		api_reply_error(rs, COFFER_ERR_WALLET_LOCKED, msg);
		return 1;
	}
	if (!(rt->flags & ROUTE_BODY))
		rq->body_cap = 0;
	else
		rq->body_cap = rt->min_scope == AUTH_SCOPE_NONE ? API_MAX_BODY_ANON : API_MAX_BODY;
	return 0;
}

void
api_too_large(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	(void)d;
	if (rq->body_cap == 0)
		fail(rs, COFFER_ERR_BODY_TOO_LARGE, "this route takes no request body");
	else
		fail(rs, COFFER_ERR_BODY_TOO_LARGE, "request body over %zu bytes", rq->body_cap);
}

int
api_wallet_locked(struct daemon *d, struct api_response *rs)
{
	enum wallet_state state = daemon_wallet_state(d);

	if (state == WALLET_UNLOCKED)
		return 0;
	api_message(rs, "%s", state == WALLET_NO_SIGNER ? "the wallet is locked: no signer is connected" :
	    state == WALLET_UNINITIALIZED ? "no wallet yet: create one first" : "the wallet is locked: unlock it first");
	return COFFER_ERR_WALLET_LOCKED;
}

/* application/json, optionally with parameters (charset=utf-8). */
static int
is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int
parse_body(struct api_request *rq, struct api_response *rs)
{
	json_error_t jerr;

	if (rq->body_len == 0) {
		/* No body: every field absent (the route's checks say which are required). */
		rq->json = json_object();
		return rq->json != NULL ? 0 : COFFER_ERR_NOMEM;
	}
	if (!is_json_type(rq->content_type)) {
		fail(rs, COFFER_ERR_MEDIA_TYPE, "send the body as Content-Type: application/json");
		return COFFER_ERR_MEDIA_TYPE;
	}
	rq->json = json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (rq->json == NULL) {
		if (json_error_code(&jerr) == json_error_numeric_overflow) {
			fail(rs, COFFER_ERR_BAD_NUMBER, "number out of range at position %d", jerr.position);
			return COFFER_ERR_BAD_NUMBER;
		}
		fail(rs, COFFER_ERR_BAD_JSON, "malformed JSON at position %d: %s", jerr.position, jerr.text);
		return COFFER_ERR_BAD_JSON;
	}
	if (!json_is_object(rq->json)) {
		fail(rs, COFFER_ERR_WRONG_TYPE, "the body must be a JSON object");
		return COFFER_ERR_WRONG_TYPE;
	}
	return 0;
}

void
api_finish(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	const struct api_route *rt = rq->route;
	int r;

	if (rt == NULL)
		abort();	/* api_begin did not accept this request */
	if (rq->body_len > rq->body_cap) {
		api_too_large(d, rq, rs);
		return;
	}
	if ((rt->flags & ROUTE_BODY) && (r = parse_body(rq, rs)) != 0) {
		if (r == COFFER_ERR_NOMEM)
			fail(rs, r, NULL);
		return;
	}
	rs->message[0] = '\0';
	if ((r = rt->fn(d, rq, rs)) != 0) {
		char msg[API_MAX_MESSAGE];

		memcpy(msg, rs->message, sizeof(msg));
		api_reply_error(rs, r, msg);
	}
}
