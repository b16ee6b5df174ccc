/*
 * Payment routes (docs/PAYMENTS.md, docs/API.md):
 *   POST /v1/payments, POST /v1/payments/preview, GET /v1/payments/{id},
 *   GET /v1/payments (cursor paging, status filter), POST /v1/payments/{id}/bump,
 *   POST /v1/payments/{id}/cancel, GET /v1/events (long-poll).
 * The engine (payments.h) does the work; these handlers parse, call and
 * answer. They are ROUTE_CHECK_FIRST: the request's own errors (path, query,
 * body, and what a payment request means without the wallet: addresses,
 * amounts, dust, fee rate bounds) come first, then 423 wallet_locked, then
 * 503 payments_unavailable (no chain backend or signer yet) or
 * wallet_not_synced, then what the wallet's state says (docs/API.md,
 * "Order of errors").
 */
#include "daemon/routes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/tx.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/payments.h"
#include "daemon/reqjson.h"

#define LIST_DEFAULT 50
#define LIST_MAX 200
#define EVENTS_MAX 100
#define EVENTS_MAX_WAIT_S 30
#define EVENTS_POLL_MS 200
/* Long-polls waiting at once; more answer at once (each holds an HTTP worker thread). */
#define EVENTS_MAX_WAITERS 4

static int events_waiters;	/* guarded by waiters_mu */
static pthread_mutex_t waiters_mu = PTHREAD_MUTEX_INITIALIZER;

/* The engine with the store's read lock held, or NULL (nothing held): answer 423/503. */
static struct payments *
engine_acquire(struct daemon *d, struct api_response *rs, int *code)
{
	/* The routes are ROUTE_CHECK_FIRST: the request's own errors were answered already. */
	if ((*code = api_wallet_locked(d, rs)) != 0)
		return NULL;
	if (daemon_store_acquire(d) == NULL) {
		*code = COFFER_ERR_WALLET_LOCKED;
		return NULL;
	}
	if (d->payments == NULL) {
		daemon_store_release(d);
		api_message(rs, "payments need a chain backend and the signer; neither is running yet");
		*code = COFFER_ERR_PAY_UNAVAILABLE;
		return NULL;
	}
	return d->payments;
}

/* Strict decimal in 0..max (no sign, no leading zero); -1 when malformed. */
static int64_t
query_number(const char *s, int64_t max)
{
	int64_t v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 18 || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static int
id_param_ok(const char *id)
{
	size_t i;

	if (strncmp(id, "pay_", 4) != 0)
		return 0;
	for (i = 4; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return i == STORE_PAY_ID_LEN;
}

static int
reply_payment(struct api_response *rs, unsigned int status, const struct store_payment *p, enum btc_network net)
{
	json_t *j = payments_to_json(p, net);

	if (j == NULL)
		return COFFER_ERR_NOMEM;
	return api_reply_json(rs, status, j);
}

/* An engine error; a payment that was recorded as failed is named in the message. */
static int
fail_with(struct api_response *rs, int r, const struct store_payment *p)
{
	if (p->id[0] != '\0')
		api_message(rs, "payment %s %s: %s%s%s", p->id, store_pay_status_name(p->status), coffer_err_msg(r),
		    p->failure[0] ? "; " : "", p->failure);
	return r;
}

int
route_payments_create(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct payments_request req;
	struct store_payment p;
	struct payments *pm;
	int r, replayed = 0;

	memset(&p, 0, sizeof(p));
	if ((r = payments_request_parse(&req, rs->message, sizeof(rs->message), rq->json, rq->idempotency_key)) != 0)
		return r;
	if ((r = payments_request_check(&req, rs->message, sizeof(rs->message), d->cfg->network, 0, 0)) != 0 ||
	    (pm = engine_acquire(d, rs, &r)) == NULL) {
		payments_request_clear(&req);
		return r;
	}
	r = payments_create(pm, &p, &replayed, &req, rq->now_ms / 1000);
	if (r == 0)
		r = reply_payment(rs, replayed ? 200 : 201, &p, pm->net);
	else
		r = fail_with(rs, r, &p);
	daemon_store_release(d);
	payments_request_clear(&req);
	store_payment_clear(&p);
	return r;
}

int
route_payments_preview(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct payments_request req;
	struct pay_built b;
	struct payments *pm;
	json_t *ins = NULL, *outs = NULL, *o;
	char txid[65];
	size_t i;
	int r;

	memset(&b, 0, sizeof(b));
	if ((r = payments_request_parse(&req, rs->message, sizeof(rs->message), rq->json, rq->idempotency_key)) != 0)
		return r;
	if ((r = payments_request_check(&req, rs->message, sizeof(rs->message), d->cfg->network, 0, 0)) != 0 ||
	    (pm = engine_acquire(d, rs, &r)) == NULL) {
		payments_request_clear(&req);
		return r;
	}
	if ((r = payments_preview(pm, &b, &req)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((ins = json_array()) == NULL || (outs = json_array()) == NULL)
		goto out;
	for (i = 0; i < b.psbt.tx.n_in; i++) {
		tx_hash_hex(txid, b.psbt.tx.in[i].prevout.txid);
		if ((o = json_pack("{s:s,s:I}", "txid", txid, "vout", (json_int_t)b.psbt.tx.in[i].prevout.vout)) == NULL ||
		    json_array_append_new(ins, o) != 0)
			goto out;
	}
	for (i = 0; i < b.psbt.tx.n_out; i++) {
		char a[ADDR_BUFSIZE];
		const struct tx_out *to = &b.psbt.tx.out[i];

		if (addr_encode(a, to->script_pubkey, to->script_pubkey_len, pm->net) != 0)
			a[0] = '\0';
		if ((o = json_pack("{s:s,s:I,s:b}", "address", a, "amount_sat", (json_int_t)to->value, "change",
		    (int)i == b.change_pos)) == NULL || json_array_append_new(outs, o) != 0)
			goto out;
	}
	r = api_reply_json(rs, 200, json_pack("{s:I,s:f,s:I,s:I,s:o,s:o}",
	    "fee_sat", (json_int_t)b.fee,
	    "fee_rate_sat_vb", b.vsize ? (double)b.fee / (double)b.vsize : 0.0,
	    "vsize", (json_int_t)b.vsize,
	    "change_sat", (json_int_t)b.change,
	    "inputs", ins, "outputs", outs));
	ins = outs = NULL;
out:
	json_decref(ins);
	json_decref(outs);
	daemon_store_release(d);
	pay_built_free(&b);
	payments_request_clear(&req);
	return r;
}

int
route_payments_get(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct store_payment p;
	struct payments *pm;
	int r;

	if (!id_param_ok(rq->params[0])) {
		api_message(rs, "no payment with this id (ids are pay_ and 16 lowercase hex characters)");
		return COFFER_ERR_NOT_FOUND;
	}
	if ((pm = engine_acquire(d, rs, &r)) == NULL)
		return r;
	if ((r = store_payment_get(pm->store, &p, rq->params[0])) == 0)
		r = reply_payment(rs, 200, &p, pm->net);
	else if (r == COFFER_ERR_NOT_FOUND)
		api_message(rs, "no payment with id %s", rq->params[0]);
	daemon_store_release(d);
	store_payment_clear(&p);
	return r;
}

int
route_payments_list(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "cursor", "status", "limit" };
	const char *cursor = api_query_get(rq, "cursor"), *status_s = api_query_get(rq, "status"),
	    *limit_s = api_query_get(rq, "limit");
	struct store_payment *page = NULL;
	struct payments *pm;
	json_t *arr = NULL, *one;
	int64_t before = 0, limit = LIST_DEFAULT;
	size_t n = 0, i;
	int r, status = -1;
	char next[24];

	if ((r = api_query_check(rq, rs, params, 3)) != 0)
		return r;
	if (cursor != NULL && (before = query_number(cursor, INT64_MAX / 2)) <= 0) {
		api_message(rs, "cursor must be a next_cursor value from a previous page");
		return COFFER_ERR_BAD_VALUE;
	}
	if (limit_s != NULL && ((limit = query_number(limit_s, LIST_MAX)) <= 0)) {
		api_message(rs, "limit must be 1..%d", LIST_MAX);
		return COFFER_ERR_BAD_VALUE;
	}
	if (status_s != NULL && (status = store_pay_status_parse(status_s)) < 0) {
		api_message(rs, "status must be created, signed, broadcast, confirmed, failed or replaced");
		return COFFER_ERR_BAD_VALUE;
	}
	if ((pm = engine_acquire(d, rs, &r)) == NULL)
		return r;
	r = COFFER_ERR_NOMEM;
	if ((page = calloc((size_t)limit, sizeof(*page))) == NULL || (arr = json_array()) == NULL)
		goto out;
	if ((r = store_payment_list(pm->store, page, (size_t)limit, &n, before, status)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if ((one = payments_to_json(&page[i], pm->net)) == NULL || json_array_append_new(arr, one) != 0)
			goto out;
	snprintf(next, sizeof(next), "%lld", n > 0 ? (long long)page[n - 1].seq : 0LL);
	r = api_reply_json(rs, 200, json_pack("{s:o,s:s?}", "payments", arr, "next_cursor",
	    n == (size_t)limit ? next : NULL));
	arr = NULL;
out:
	json_decref(arr);
	for (i = 0; i < n; i++)
		store_payment_clear(&page[i]);
	free(page);
	daemon_store_release(d);
	return r;
}

/* The fee rate of a bump/cancel body: fee_rate_sat_vb, a positive number. */
static int
body_fee_rate(uint64_t *rate, char *msg, size_t msgsize, const json_t *body, int required)
{
	const json_t *v = json_object_get(body, "fee_rate_sat_vb");

	*rate = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" is required");
		return required ? COFFER_ERR_MISSING_FIELD : 0;
	}
	if (!json_is_number(v)) {
		snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" must be a number");
		return COFFER_ERR_WRONG_TYPE;
	}
	if (!(json_number_value(v) > 0.0) || json_number_value(v) > 1000000.0) {
		snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" must be above 0 and at most 1000000");
		return COFFER_ERR_PAY_FEE_RATE;
	}
	*rate = (uint64_t)(json_number_value(v) * 1000.0 + 0.5);
	/* The default bounds, before the wallet's state is looked at (the engine checks its own). */
	if (*rate < PAY_MIN_FEE_RATE || *rate > PAY_MAX_FEE_RATE) {
		snprintf(msg, msgsize, "fee_rate_sat_vb must be %g .. %g sat/vB", (double)PAY_MIN_FEE_RATE / 1000.0,
		    (double)PAY_MAX_FEE_RATE / 1000.0);
		return COFFER_ERR_PAY_FEE_RATE;
	}
	return 0;
}

static int
bump_or_cancel(struct daemon *d, struct api_request *rq, struct api_response *rs, int cancel)
{
	struct store_payment p;
	struct payments *pm;
	const json_t *k;
	json_t *rest;
	uint64_t rate;
	int r, cpfp = 0;

	memset(&p, 0, sizeof(p));
	if (!id_param_ok(rq->params[0])) {
		api_message(rs, "no payment with this id");
		return COFFER_ERR_NOT_FOUND;
	}
	/* Only fee_rate_sat_vb (and cpfp for a bump). */
	if ((rest = json_copy(rq->json)) == NULL)
		return COFFER_ERR_NOMEM;
	json_object_del(rest, "fee_rate_sat_vb");
	if (!cancel)
		json_object_del(rest, "cpfp");
	r = json_object_size(rest) != 0 ? COFFER_ERR_UNKNOWN_FIELD : 0;
	if (r != 0)
		api_message(rs, "unknown field (allowed: fee_rate_sat_vb%s)", cancel ? "" : ", cpfp");
	json_decref(rest);
	if (r != 0 || (r = body_fee_rate(&rate, rs->message, sizeof(rs->message), rq->json, !cancel)) != 0)
		return r;
	if (!cancel && (k = json_object_get(rq->json, "cpfp")) != NULL && !json_is_null(k)) {
		if (!json_is_boolean(k)) {
			api_message(rs, "field \"cpfp\" must be a boolean");
			return COFFER_ERR_WRONG_TYPE;
		}
		cpfp = json_is_true(k);
	}
	if ((pm = engine_acquire(d, rs, &r)) == NULL)
		return r;
	r = cancel ? payments_cancel(pm, &p, rq->params[0], rate, rq->now_ms / 1000) :
	    payments_bump(pm, &p, rq->params[0], rate, cpfp, rq->now_ms / 1000);
	if (r == 0)
		r = reply_payment(rs, 201, &p, pm->net);
	else if (r == COFFER_ERR_NOT_FOUND)
		api_message(rs, "no payment with id %s", rq->params[0]);
	else if (r == COFFER_ERR_PAY_STATE)
		api_message(rs, "payment %s is not waiting for confirmation", rq->params[0]);
	else if (r == COFFER_ERR_PAY_HAS_DESCENDANT)
		api_message(rs, "a later payment spends the change of %s: bump that one (CPFP lifts both)",
		    rq->params[0]);
	else
		r = fail_with(rs, r, &p);
	daemon_store_release(d);
	store_payment_clear(&p);
	return r;
}

int
route_payments_bump(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	return bump_or_cancel(d, rq, rs, 0);
}

int
route_payments_cancel(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	return bump_or_cancel(d, rq, rs, 1);
}

/* Events after a cursor, waiting up to wait_s for the first one. */
int
route_events(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "after", "wait_s" };
	const char *after_s = api_query_get(rq, "after"), *wait_q = api_query_get(rq, "wait_s");
	struct store_event ev[EVENTS_MAX];
	struct payments *pm;
	json_t *arr = NULL, *one, *body;
	json_error_t err;
	int64_t after = 0, wait_s = 0, waited_ms = 0;
	struct timespec nap = { 0, EVENTS_POLL_MS * 1000000L };
	size_t n = 0, i;
	int r = 0, waiting = 0;
	char next[24];

	if ((r = api_query_check(rq, rs, params, 2)) != 0)
		return r;
	if (after_s != NULL && (after = query_number(after_s, INT64_MAX / 2)) < 0) {
		api_message(rs, "after must be a cursor from a previous answer (0 for the beginning)");
		return COFFER_ERR_BAD_VALUE;
	}
	if (wait_q != NULL && (wait_s = query_number(wait_q, EVENTS_MAX_WAIT_S)) < 0) {
		api_message(rs, "wait_s must be 0..%d", EVENTS_MAX_WAIT_S);
		return COFFER_ERR_BAD_VALUE;
	}
	if (wait_s > 0) {
		pthread_mutex_lock(&waiters_mu);
		if (events_waiters >= EVENTS_MAX_WAITERS)
			wait_s = 0;	/* answer now: the client polls again */
		else
			events_waiters++;
		pthread_mutex_unlock(&waiters_mu);
		waiting = wait_s > 0;
	}
	for (;;) {
		if ((pm = engine_acquire(d, rs, &r)) == NULL)
			break;
		r = store_events_after(pm->store, ev, EVENTS_MAX, &n, after);
		daemon_store_release(d);
		if (r != 0 || n > 0 || waited_ms >= wait_s * 1000)
			break;
		/* The lock is not held while waiting: a wallet lock may close the store meanwhile. */
		nanosleep(&nap, NULL);
		waited_ms += EVENTS_POLL_MS;
	}
	if (waiting) {
		pthread_mutex_lock(&waiters_mu);
		events_waiters--;
		pthread_mutex_unlock(&waiters_mu);
	}
	if (r != 0)
		return r;
	r = COFFER_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((body = json_loads(ev[i].body, 0, &err)) == NULL)
			body = json_object();
		if ((one = json_pack("{s:I,s:s,s:o}", "seq", (json_int_t)ev[i].seq, "type", ev[i].type, "data", body)) ==
		    NULL || json_array_append_new(arr, one) != 0)
			goto out;
	}
	snprintf(next, sizeof(next), "%lld", (long long)(n > 0 ? ev[n - 1].seq : after));
	r = api_reply_json(rs, 200, json_pack("{s:o,s:s}", "events", arr, "next_cursor", next));
	arr = NULL;
out:
	json_decref(arr);
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	return r;
}
