/* Payment requests and payments as JSON (payments.h). */
#include "daemon/payments.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "btc/tx.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/reqjson.h"

#define MAX_PASSPHRASE 1024
#define MAX_ADDRESS 128

void
payments_request_clear(struct payments_request *req)
{
	if (req == NULL)
		return;
	free(req->outputs);
	if (req->body != NULL)
		json_decref(req->body);
	memset(req, 0, sizeof(*req));
}

/* Printable ASCII, 1..max bytes (idempotency keys). */
static int
key_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return i > 0;
}

/* fee_rate_sat_vb: a positive number (integer or fraction) -> sat/kvB. */
static int
fee_rate_of(uint64_t *out, char *msg, size_t msgsize, const json_t *v)
{
	double x;

	*out = 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i <= 0 || i > 1000000) {
			snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" must be above 0 and at most 1000000");
			return COFFER_ERR_PAY_FEE_RATE;
		}
		*out = (uint64_t)i * 1000;
		return 0;
	}
	if (!json_is_real(v)) {
		snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" must be a number");
		return COFFER_ERR_WRONG_TYPE;
	}
	x = json_real_value(v);
	if (!(x > 0.0) || x > 1000000.0) {	/* NaN fails the first test */
		snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" must be above 0 and at most 1000000");
		return COFFER_ERR_PAY_FEE_RATE;
	}
	*out = (uint64_t)(x * 1000.0 + 0.5);
	if (*out == 0) {
		snprintf(msg, msgsize, "field \"fee_rate_sat_vb\" is below 0.001");
		return COFFER_ERR_PAY_FEE_RATE;
	}
	return 0;
}

static int
parse_outputs(struct payments_request *req, char *msg, size_t msgsize, const json_t *arr)
{
	static const struct req_field fields[] = {
		{ "address", REQ_STRING, 1 },
		{ "amount_sat", REQ_INTEGER, 1 },
	};
	size_t i, n = json_array_size(arr);
	int r;

	if (n > PAY_MAX_OUTPUTS) {
		snprintf(msg, msgsize, "at most %d outputs", PAY_MAX_OUTPUTS);
		return COFFER_ERR_PAY_TOO_MANY_OUTPUTS;
	}
	if (n > 0 && (req->outputs = calloc(n, sizeof(*req->outputs))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		const json_t *amt;

		if (!json_is_object(o)) {
			snprintf(msg, msgsize, "outputs[%zu] must be an object", i);
			return COFFER_ERR_WRONG_TYPE;
		}
		if ((r = req_check(msg, msgsize, o, fields, 2)) != 0 ||
		    (r = req_string(&req->outputs[i].address, msg, msgsize, o, "address", 1, MAX_ADDRESS)) != 0)
			return r;
		/* Amount errors carry the payment codes (zero, negative, overflow), not bad_value. */
		amt = json_object_get(o, "amount_sat");
		req->outputs[i].amount = (int64_t)json_integer_value(amt);
		if (req->outputs[i].amount == 0 || req->outputs[i].amount < 0 ||
		    req->outputs[i].amount > TX_MAX_MONEY) {
			snprintf(msg, msgsize, "outputs[%zu].amount_sat must be 1 .. 2100000000000000", i);
			return req->outputs[i].amount == 0 ? COFFER_ERR_PAY_AMOUNT_ZERO :
			    req->outputs[i].amount < 0 ? COFFER_ERR_PAY_AMOUNT_NEGATIVE : COFFER_ERR_PAY_AMOUNT_OVERFLOW;
		}
	}
	req->n_outputs = n;
	return 0;
}

/* SHA-256 of the body with sorted keys, without the passphrase and the key itself. */
static int
request_hash(uint8_t out[32], const json_t *body)
{
	json_t *c = json_deep_copy(body);
	char *s;

	if (c == NULL)
		return COFFER_ERR_NOMEM;
	json_object_del(c, "passphrase");
	json_object_del(c, "idempotency_key");
	s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	if (s == NULL)
		return COFFER_ERR_NOMEM;
	sha256(out, (const uint8_t *)s, strlen(s));
	free(s);
	return 0;
}

static int parse_body(struct payments_request *req, char *msg, size_t msgsize, json_t *body,
    const char *idem_header);

int
payments_request_parse(struct payments_request *req, char *msg, size_t msgsize, json_t *body,
    const char *idem_header)
{
	int r = parse_body(req, msg, msgsize, body, idem_header);

	if (r != 0)
		payments_request_clear(req);
	return r;
}

static int
parse_body(struct payments_request *req, char *msg, size_t msgsize, json_t *body, const char *idem_header)
{
	static const struct req_field fields[] = {
		{ "outputs", REQ_ARRAY, 0 },
		{ "conf_target", REQ_INTEGER, 0 },
		{ "idempotency_key", REQ_STRING, 0 },
		{ "passphrase", REQ_STRING, 0 },
		{ "subtract_fee_from_output", REQ_INTEGER, 0 },
		{ "drain_to", REQ_STRING, 0 },
	};
	const json_t *v;
	const char *key = NULL;
	json_t *rest;
	int64_t n;
	int r, present;

	memset(req, 0, sizeof(*req));
	req->subtract_fee_from = -1;
	if (!json_is_object(body))
		return COFFER_ERR_WRONG_TYPE;
	req->body = json_incref(body);
	/* fee_rate_sat_vb may be an integer or a fraction: checked apart from the table. */
	if ((rest = json_copy(body)) == NULL)
		return COFFER_ERR_NOMEM;
	json_object_del(rest, "fee_rate_sat_vb");
	r = req_check(msg, msgsize, rest, fields, sizeof(fields) / sizeof(fields[0]));
	json_decref(rest);
	if (r != 0)
		return r;
	if ((v = json_object_get(body, "fee_rate_sat_vb")) != NULL && !json_is_null(v) &&
	    (r = fee_rate_of(&req->fee_rate, msg, msgsize, v)) != 0)
		return r;
	if ((r = req_integer(&n, &present, msg, msgsize, body, "conf_target", 1, 1008)) != 0)
		return r;
	req->conf_target = present ? (uint32_t)n : 0;
	if (req->fee_rate != 0 && present) {
		snprintf(msg, msgsize, "give fee_rate_sat_vb or conf_target, not both");
		return COFFER_ERR_BAD_VALUE;
	}
	if ((v = json_object_get(body, "outputs")) != NULL && !json_is_null(v) &&
	    (r = parse_outputs(req, msg, msgsize, v)) != 0)
		return r;
	if ((r = req_string(&req->drain_to, msg, msgsize, body, "drain_to", 1, MAX_ADDRESS)) != 0 ||
	    (r = req_string(&req->passphrase, msg, msgsize, body, "passphrase", 1, MAX_PASSPHRASE)) != 0 ||
	    (r = req_string(&key, msg, msgsize, body, "idempotency_key", 1, STORE_MAX_IDEM_KEY)) != 0)
		return r;
	if (req->n_outputs == 0 && req->drain_to == NULL) {
		snprintf(msg, msgsize, "give outputs, drain_to, or both");
		return COFFER_ERR_PAY_NO_OUTPUTS;
	}
	if ((r = req_integer(&n, &present, msg, msgsize, body, "subtract_fee_from_output", 0,
	    (int64_t)PAY_MAX_OUTPUTS)) != 0)
		return r;
	if (present) {
		if ((size_t)n >= req->n_outputs || req->drain_to != NULL) {
			snprintf(msg, msgsize, "subtract_fee_from_output must name one of the outputs (and not with drain_to)");
			return COFFER_ERR_PAY_SUBTRACT_FEE;
		}
		req->subtract_fee_from = (int)n;
	}
	if (key != NULL && idem_header != NULL && strcmp(key, idem_header) != 0) {
		snprintf(msg, msgsize, "Idempotency-Key header and idempotency_key differ");
		return COFFER_ERR_BAD_VALUE;
	}
	if (key == NULL)
		key = idem_header;
	if (key != NULL) {
		if (!key_ok(key, STORE_MAX_IDEM_KEY)) {
			snprintf(msg, msgsize, "an idempotency key is 1..%d printable ASCII characters", STORE_MAX_IDEM_KEY);
			return COFFER_ERR_BAD_VALUE;
		}
		snprintf(req->idem_key, sizeof(req->idem_key), "%s", key);
	}
	return request_hash(req->request_hash, body);
}

int
payments_request_check(const struct payments_request *req, char *msg, size_t msgsize, enum btc_network net,
    uint64_t min_fee_rate, uint64_t max_fee_rate)
{
	struct pay_request q;
	size_t bad = SIZE_MAX;
	int r;

	memset(&q, 0, sizeof(q));
	q.net = net;
	q.outputs = req->outputs;
	q.n_outputs = req->n_outputs;
	q.fee_rate = req->fee_rate;
	q.min_fee_rate = min_fee_rate;
	q.max_fee_rate = max_fee_rate;
	q.subtract_fee_from = req->subtract_fee_from;
	q.drain_to = req->drain_to;
	if ((r = pay_check_request(&bad, &q)) == 0 || r == COFFER_ERR_NOMEM)
		return r;
	if (r == COFFER_ERR_PAY_FEE_RATE)
		snprintf(msg, msgsize, "fee_rate_sat_vb must be %g .. %g sat/vB",
		    (double)(min_fee_rate ? min_fee_rate : PAY_MIN_FEE_RATE) / 1000.0,
		    (double)(max_fee_rate ? max_fee_rate : PAY_MAX_FEE_RATE) / 1000.0);
	else if (r == COFFER_ERR_PAY_DUST_OUTPUT && bad != SIZE_MAX)
		snprintf(msg, msgsize, "outputs[%zu].amount_sat is below the dust threshold of its address type", bad);
	else if (r == COFFER_ERR_WRONG_NETWORK && bad != SIZE_MAX)
		snprintf(msg, msgsize, "outputs[%zu].address is for another network than %s", bad,
		    btc_network_params(net)->name);
	else if (r == COFFER_ERR_WRONG_NETWORK)
		snprintf(msg, msgsize, "drain_to is for another network than %s", btc_network_params(net)->name);
	else if (bad != SIZE_MAX)
		snprintf(msg, msgsize, "outputs[%zu]: %s", bad, coffer_err_msg(r));
	else if (req->drain_to != NULL && r != COFFER_ERR_PAY_SUBTRACT_FEE && r != COFFER_ERR_PAY_NO_OUTPUTS &&
	    r != COFFER_ERR_PAY_TOO_MANY_OUTPUTS)
		snprintf(msg, msgsize, "drain_to: %s", coffer_err_msg(r));
	return r;
}

json_t *
payments_to_json(const struct store_payment *p, enum btc_network net)
{
	json_t *j, *outs;
	json_error_t err;
	char txid[65];

	(void)net;
	if ((outs = json_loads(p->outputs_json != NULL ? p->outputs_json : "[]", 0, &err)) == NULL)
		outs = json_array();
	if (p->has_txid)
		tx_hash_hex(txid, p->txid);
	j = json_pack("{s:s,s:s,s:s?,s:s,s:I,s:f,s:I,s:o,s:I,s:I}",
	    "id", p->id,
	    "kind", p->kind,
	    "txid", p->has_txid ? txid : NULL,
	    "status", store_pay_status_name(p->status),
	    "fee_sat", (json_int_t)p->fee_sat,
	    "fee_rate_sat_vb", (double)p->fee_rate_sat_kvb / 1000.0,
	    "vsize", (json_int_t)p->vsize,
	    "outputs", outs,
	    "created_at", (json_int_t)p->created_at,
	    "updated_at", (json_int_t)p->updated_at);
	if (j == NULL)
		return NULL;
	if ((p->parent_id[0] != '\0' && json_object_set_new(j, "parent_id", json_string(p->parent_id)) != 0) ||
	    (p->replaced_by[0] != '\0' && json_object_set_new(j, "replaced_by", json_string(p->replaced_by)) != 0) ||
	    (p->failure[0] != '\0' && json_object_set_new(j, "failure", json_string(p->failure)) != 0) ||
	    (p->confirmed_height != 0 &&
	    json_object_set_new(j, "confirmed_height", json_integer((json_int_t)p->confirmed_height)) != 0) ||
	    (p->idem_key[0] != '\0' && json_object_set_new(j, "idempotency_key", json_string(p->idem_key)) != 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}
