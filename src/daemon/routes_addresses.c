/*
 * POST /v1/wallet/addresses (a new receive address, optionally labelled) and
 * GET /v1/wallet/addresses (those handed out, index order, cursor paging).
 * Addresses come from the public account descriptor (accounts.h): cofferd
 * never asks the signer for one, and never hands out an index twice.
 */
#include "daemon/routes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* Next index, derive, insert: one at a time, so two requests never get the same address. */
static pthread_mutex_t next_mu = PTHREAD_MUTEX_INITIALIZER;

static json_t *
address_json(const struct store_address *a, uint8_t type)
{
	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:I}", "address", a->address, "index", (json_int_t)a->index, "path",
	    a->path, "type", accounts_type_name(type), "label", a->label, "created_at", (json_int_t)a->created_at);
}

int
route_addresses_new(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "label", REQ_STRING, 0 },
	};
	struct store_address a;
	struct store *s;
	const char *label;
	uint32_t index;
	uint8_t type;
	int r;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 1)) != 0 ||
	    (r = req_string(&label, rs->message, sizeof(rs->message), rq->json, "label", 0, STORE_MAX_LABEL)) != 0)
		return r;
	if ((s = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	if (d->accounts == NULL) {
		daemon_store_release(d);
		return COFFER_ERR_WALLET_LOCKED;
	}
	type = d->accounts->address_type;
	if (pthread_mutex_lock(&next_mu) != 0)
		abort();
	if ((r = store_address_next_index(s, &index, 0, 0)) == 0 &&
	    (r = accounts_derive(&a, d->accounts, type, 0, index)) == 0) {
		snprintf(a.label, sizeof(a.label), "%s", label != NULL ? label : "");
		a.created_at = rq->now_ms / 1000;
		r = store_address_insert(s, &a);
	}
	if (pthread_mutex_unlock(&next_mu) != 0)
		abort();
	if (r == COFFER_ERR_DESC_RANGE) {
		api_message(rs, "every receive index of this account is used");
		r = COFFER_ERR_TOO_LARGE;
	}
	if (r == 0)
		daemon_watch_address(d, &a);
	daemon_store_release(d);
	if (r != 0)
		return r;
	return api_reply_json(rs, 201, address_json(&a, type));
}

int
route_addresses_list(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "cursor", "limit" };
	struct store_address *list = NULL;
	struct store *s;
	uint64_t cursor, limit;
	json_t *arr = NULL, *one;
	size_t i, n = 0;
	uint8_t type;
	int r;

	if ((r = api_query_check(rq, rs, params, 2)) != 0 ||
	    (r = api_query_u64(&cursor, rq, rs, "cursor", 0, 0, 0x7fffffff)) != 0 ||
	    (r = api_query_u64(&limit, rq, rs, "limit", LIST_DEFAULT, 1, LIST_MAX)) != 0)
		return r;
	if ((list = calloc((size_t)limit + 1, sizeof(*list))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((s = daemon_store_acquire(d)) == NULL) {
		free(list);
		return COFFER_ERR_WALLET_LOCKED;
	}
	type = d->accounts != NULL ? d->accounts->address_type : 0;
	/* One more than asked: is there a next page? */
	r = store_address_list(s, list, (size_t)limit + 1, &n, 0, 0, (uint32_t)cursor);
	daemon_store_release(d);
	if (r != 0)
		goto out;
	if ((arr = json_array()) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n && i < limit; i++) {
		if ((one = address_json(&list[i], type)) == NULL || json_array_append_new(arr, one) != 0) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
	}
	r = api_reply_json(rs, 200, json_pack("{s:O,s:o}", "addresses", arr, "next_cursor",
	    n > limit ? json_sprintf("%u", list[limit].index) : json_null()));
out:
	json_decref(arr);
	free(list);
	return r;
}
