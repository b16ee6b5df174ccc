/* POST/GET/DELETE /v1/webhooks: webhook endpoints (docs/PAYMENTS.md, "Webhooks"). */
#include "daemon/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"
#include "daemon/store_webhooks.h"
#include "daemon/webhooks.h"

static json_t *
webhook_json(const struct store_webhook *w)
{
	json_t *ev = json_array(), *j;
	char buf[STORE_MAX_WEBHOOK_EVENTS + 1], *save = NULL, *t;

	if (ev == NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", w->events);
	for (t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		if (json_array_append_new(ev, json_string(t)) != 0) {
			json_decref(ev);
			return NULL;
		}
	j = json_pack("{s:s,s:s,s:o,s:I}", "id", w->id, "url", w->url, "events", ev, "created_at",
	    (json_int_t)w->created_at);
	return j;
}

/* http(s)://, printable, no credentials, no fragment. */
static int
url_ok(const char *u)
{
	const char *host;
	size_t i;

	if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/')
		return 0;
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] < 0x21 || (unsigned char)u[i] > 0x7e || u[i] == '#')
			return 0;
	for (i = 0; host[i] != '\0' && host[i] != '/'; i++)
		if (host[i] == '@')
			return 0;
	return 1;
}

int
route_webhooks_create(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "url", REQ_STRING, 1 },
		{ "events", REQ_ARRAY, 1 },
		{ "secret", REQ_STRING, 1 },
	};
	struct store_webhook w;
	struct store *st;
	const json_t *events;
	const char *url, *secret;
	uint8_t rnd[8];
	size_t i, off = 0;
	int r;

	memset(&w, 0, sizeof(w));
	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 3)) != 0 ||
	    (r = req_string(&url, rs->message, sizeof(rs->message), rq->json, "url", 8, STORE_MAX_WEBHOOK_URL)) != 0 ||
	    (r = req_string(&secret, rs->message, sizeof(rs->message), rq->json, "secret", WEBHOOK_MIN_SECRET,
	    WEBHOOK_MAX_SECRET)) != 0)
		return r;
	if (!url_ok(url)) {
		api_message(rs, "field \"url\" must be an http:// or https:// URL without credentials");
		return COFFER_ERR_BAD_VALUE;
	}
	events = json_object_get(rq->json, "events");
	if (json_array_size(events) == 0 || json_array_size(events) > 8) {
		api_message(rs, "field \"events\" lists 1..8 of %s", WEBHOOKS_EVENT_TYPES);
		return COFFER_ERR_BAD_VALUE;
	}
	for (i = 0; i < json_array_size(events); i++) {
		const char *t = json_string_value(json_array_get(events, i));

		if (t == NULL || !webhooks_event_known(t) || off + strlen(t) + 2 > sizeof(w.events)) {
			api_message(rs, "unknown event type (known: %s)", WEBHOOKS_EVENT_TYPES);
			return COFFER_ERR_BAD_VALUE;
		}
		off += (size_t)snprintf(w.events + off, sizeof(w.events) - off, "%s%s", off ? "," : "", t);
	}
	secure_random(rnd, sizeof(rnd));
	memcpy(w.id, "wh_", 3);
	hex_encode(w.id + 3, sizeof(w.id) - 3, rnd, sizeof(rnd));
	snprintf(w.url, sizeof(w.url), "%s", url);
	w.secret_len = strlen(secret);
	memcpy(w.secret, secret, w.secret_len);
	w.created_at = rq->now_ms / 1000;
	/* ROUTE_CHECK_FIRST: the request's own errors came first. */
	if (api_wallet_locked(d, rs) != 0 || (st = daemon_store_acquire(d)) == NULL) {
		store_webhook_clear(&w);	/* it holds the secret */
		return COFFER_ERR_WALLET_LOCKED;
	}
	r = store_webhook_insert(st, &w);
	daemon_store_release(d);
	if (r == COFFER_ERR_TOO_LARGE)
		api_message(rs, "at most %d webhooks; delete one first", STORE_MAX_WEBHOOKS);
	if (r == 0)
		r = api_reply_json(rs, 201, webhook_json(&w));
	store_webhook_clear(&w);
	return r;
}

int
route_webhooks_list(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct store_webhook *list;
	struct store *st;
	json_t *arr, *one;
	size_t n = 0, i;
	int r;

	(void)rq;
	if ((list = calloc(STORE_MAX_WEBHOOKS, sizeof(*list))) == NULL)
		return COFFER_ERR_NOMEM;
	if (api_wallet_locked(d, rs) != 0 || (st = daemon_store_acquire(d)) == NULL) {
		free(list);
		return COFFER_ERR_WALLET_LOCKED;
	}
	r = store_webhook_list(st, list, STORE_MAX_WEBHOOKS, &n);
	daemon_store_release(d);
	arr = r == 0 ? json_array() : NULL;
	if (r == 0 && arr == NULL)
		r = COFFER_ERR_NOMEM;
	for (i = 0; i < n && r == 0; i++)
		if ((one = webhook_json(&list[i])) == NULL || json_array_append_new(arr, one) != 0)
			r = COFFER_ERR_NOMEM;
	if (r == 0)
		r = api_reply_json(rs, 200, json_pack("{s:o}", "webhooks", arr));	/* both steal arr */
	else
		json_decref(arr);
	for (i = 0; i < STORE_MAX_WEBHOOKS; i++)
		store_webhook_clear(&list[i]);
	free(list);
	return r;
}

int
route_webhooks_delete(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct store *st;
	int r;

	if (api_wallet_locked(d, rs) != 0 || (st = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	r = store_webhook_delete(st, rq->params[0]);
	daemon_store_release(d);
	if (r == COFFER_ERR_NOT_FOUND)
		api_message(rs, "no webhook with this id");
	if (r != 0)
		return r;
	return api_reply_json(rs, 200, json_pack("{s:s,s:b}", "id", rq->params[0], "deleted", 1));
}
