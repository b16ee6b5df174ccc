/* POST/GET/DELETE /v1/tokens: scoped API tokens (auth.h). */
#include "daemon/routes.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"

#define TOKEN_MAX_LIFETIME_S ((int64_t)10 * 366 * 24 * 3600)

static json_t *
token_json(const struct store_token *t, int64_t now)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:o,s:b}",
	    "id", t->id,
	    "scope", auth_scope_name((enum auth_scope)t->scope),
	    "label", t->label,
	    "created_at", (json_int_t)t->created_at,
	    "expires_at", t->expires_at != 0 ? json_integer((json_int_t)t->expires_at) : json_null(),
	    "expired", t->expires_at != 0 && now >= t->expires_at);
}

int
route_tokens_create(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "scope", REQ_STRING, 1 },
		{ "label", REQ_STRING, 1 },
		{ "expires_s", REQ_INTEGER, 0 },
	};
	char token[AUTH_SCOPED_TOKEN_LEN + 1];
	struct store_token rec;
	const char *scope_s, *label;
	enum auth_scope scope;
	int64_t expires_s, now = rq->now_ms / 1000;
	json_t *body;
	int r, have_expiry;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 3)) != 0 ||
	    (r = req_string(&scope_s, rs->message, sizeof(rs->message), rq->json, "scope", 1, 16)) != 0 ||
	    (r = req_string(&label, rs->message, sizeof(rs->message), rq->json, "label", 1, STORE_MAX_LABEL)) != 0 ||
	    (r = req_integer(&expires_s, &have_expiry, rs->message, sizeof(rs->message), rq->json, "expires_s", 1,
	    TOKEN_MAX_LIFETIME_S)) != 0)
		return r;
	if (auth_scope_parse(&scope, scope_s) != 0) {
		api_message(rs, "field \"scope\" must be read, receive, send or admin");
		return COFFER_ERR_BAD_VALUE;
	}
	r = auth_token_create(&d->auth, token, &rec, scope, label, have_expiry ? now + expires_s : 0, now);
	if (r == COFFER_ERR_TOO_MANY_TOKENS)
		api_message(rs, "at most %d tokens; revoke one first", STORE_MAX_TOKENS);
	if (r != 0)
		return r;
	if ((body = token_json(&rec, now)) == NULL || json_object_set_new(body, "token", json_string(token)) != 0) {
		json_decref(body);
		secure_wipe(token, sizeof(token));
		return COFFER_ERR_NOMEM;
	}
	secure_wipe(token, sizeof(token));
	return api_reply_json(rs, 201, body);
}

int
route_tokens_list(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct store_token *list;
	json_t *arr, *one;
	size_t i, n = 0;
	int r;

	if ((list = calloc(STORE_MAX_TOKENS, sizeof(*list))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = auth_token_list(&d->auth, list, STORE_MAX_TOKENS, &n)) != 0) {
		free(list);
		return r;
	}
	if ((arr = json_array()) == NULL) {
		free(list);
		return COFFER_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		if ((one = token_json(&list[i], rq->now_ms / 1000)) == NULL || json_array_append_new(arr, one) != 0) {
			json_decref(arr);
			free(list);
			return COFFER_ERR_NOMEM;
		}
	}
	free(list);
	return api_reply_json(rs, 200, json_pack("{s:o}", "tokens", arr));
}

int
route_tokens_revoke(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	const char *id = rq->params[0];
	size_t i;
	int r;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			break;
	if (i != STORE_TOKEN_ID_LEN || id[i] != '\0') {
		api_message(rs, "no token with this id (ids are 16 lowercase hex characters)");
		return COFFER_ERR_NOT_FOUND;
	}
	if ((r = auth_token_revoke(&d->auth, id)) == COFFER_ERR_NOT_FOUND)
		api_message(rs, "no token with id %s", id);
	if (r != 0)
		return r;
	return api_reply_json(rs, 200, json_pack("{s:s,s:b}", "id", id, "revoked", 1));
}
