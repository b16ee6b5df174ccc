/* The payment engine: create, sign, record, broadcast (payments.h). */
#include "daemon/payments_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

int
payments_init(struct payments *pm, struct store *store, const struct payments_backend *be,
    const struct wacct *accts, size_t n_accts, enum btc_network net)
{
	struct store_payment last;
	size_t n = 0;

	memset(pm, 0, sizeof(*pm));
	if (store == NULL || be == NULL || accts == NULL || n_accts == 0)
		return COFFER_ERR_INVALID_ARG;
	pm->store = store;
	pm->be = be;
	pm->accts = accts;
	pm->n_accts = n_accts;
	pm->net = net;
	/* Unsigned payments up to here belong to a previous process (payments_reconcile). */
	if (store_payment_list(store, &last, 1, &n, 0, -1) != 0)
		return COFFER_ERR_STORE;
	if (n == 1) {
		pm->boot_seq = last.seq;
		store_payment_clear(&last);
	}
	if (pthread_mutex_init(&pm->mu, NULL) != 0)
		return COFFER_ERR_INTERNAL;
	return 0;
}

void
payments_free(struct payments *pm)
{
	if (pm == NULL || pm->store == NULL)
		return;
	pthread_mutex_destroy(&pm->mu);
	memset(pm, 0, sizeof(*pm));
}

void
payments_new_id(char out[STORE_PAY_ID_LEN + 1])
{
	uint8_t r[8];

	secure_random(r, sizeof(r));
	memcpy(out, "pay_", 4);
	hex_encode(out + 4, 17, r, sizeof(r));
}

static int
cmp_outpoint(const void *a, const void *b)
{
	const struct store_pay_input *x = a, *y = b;
	int c = memcmp(x->txid, y->txid, 32);

	if (c != 0)
		return c;
	return x->vout < y->vout ? -1 : x->vout > y->vout;
}

int
payments_load_coins(struct payments *pm, struct pay_utxo **u, size_t *n)
{
	struct store_pay_input *res = NULL, key;
	size_t nres = 0, i;
	int r;

	*u = NULL;
	*n = 0;
	/*
	 * Reservations first: a coin released meanwhile (its payment confirmed and
	 * the chain view no longer lists it) is then absent from the coins read next.
	 */
	if ((r = store_reserved_inputs(pm->store, &res, &nres)) != 0)
		return r;
	if ((r = pm->be->utxos(pm->be->ctx, u, n)) != 0) {
		free(res);
		return r;
	}
	if (nres > 1)
		qsort(res, nres, sizeof(*res), cmp_outpoint);
	for (i = 0; i < *n; i++) {
		memcpy(key.txid, (*u)[i].txid, 32);
		key.vout = (*u)[i].vout;
		if (nres > 0 && bsearch(&key, res, nres, sizeof(*res), cmp_outpoint) != NULL)
			(*u)[i].flags |= COINSEL_RESERVED;
		if ((*u)[i].account >= pm->n_accts)
			(*u)[i].flags |= COINSEL_RESERVED;	/* not an account we can sign for */
	}
	free(res);
	return 0;
}

int
payments_inputs_of(struct store_pay_input **ins, const struct pay_built *b, const struct pay_utxo *u,
    const struct pay_utxo *extra)
{
	struct store_pay_input *v;
	size_t i;

	*ins = NULL;
	if ((v = calloc(b->n_utxos ? b->n_utxos : 1, sizeof(*v))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < b->n_utxos; i++) {
		const struct pay_utxo *c = b->utxos[i] == SIZE_MAX ? extra : &u[b->utxos[i]];

		if (c == NULL || c->spk_len > STORE_MAX_SCRIPT) {
			free(v);
			return COFFER_ERR_INTERNAL;
		}
		memcpy(v[i].txid, c->txid, 32);
		v[i].vout = c->vout;
		v[i].value = c->value;
		memcpy(v[i].spk, c->spk, c->spk_len);
		v[i].spk_len = c->spk_len;
		v[i].account = (uint32_t)c->account;
		v[i].chain = c->change;
		v[i].index = c->index;
	}
	*ins = v;
	return 0;
}

int
payments_fee_rate(struct payments *pm, uint64_t *rate, uint64_t requested, uint32_t conf_target)
{
	uint64_t lo = pm->min_fee_rate ? pm->min_fee_rate : PAY_MIN_FEE_RATE;
	uint64_t hi = pm->max_fee_rate ? pm->max_fee_rate : PAY_MAX_FEE_RATE;
	int r;

	*rate = requested;
	if (requested == 0) {
		if ((r = pm->be->fee_estimate(pm->be->ctx, rate, conf_target ? conf_target :
		    PAYMENTS_DEFAULT_CONF_TARGET)) != 0)
			return r;
		/* An estimate is clamped; a rate the client asked for is checked. */
		if (*rate < lo)
			*rate = lo;
		if (*rate > hi)
			*rate = hi;
	}
	if (*rate < lo || *rate > hi)
		return COFFER_ERR_PAY_FEE_RATE;
	return 0;
}

int
payments_update_event(struct payments *pm, const char *id, struct store_pay_update *u, const char *type,
    int64_t now)
{
	struct store_payment p;
	struct store_event e;
	json_t *j = NULL, *pj;
	int r;

	memset(&e, 0, sizeof(e));
	if (type == NULL) {
		u->event = NULL;
		return store_payment_update(pm->store, id, u);
	}
	if ((r = store_payment_get(pm->store, &p, id)) != 0)
		return r;
	/* The payment as the change leaves it. */
	p.status = u->to;
	p.updated_at = now;
	if (u->txid != NULL) {
		memcpy(p.txid, u->txid, 32);
		p.has_txid = 1;
	}
	if (u->failure != NULL)
		snprintf(p.failure, sizeof(p.failure), "%s", u->failure);
	if (u->replaced_by != NULL)
		snprintf(p.replaced_by, sizeof(p.replaced_by), "%s", u->replaced_by);
	if (u->confirmed_height != 0)
		p.confirmed_height = u->confirmed_height;
	r = COFFER_ERR_NOMEM;
	if ((pj = payments_to_json(&p, pm->net)) == NULL ||
	    (j = json_pack("{s:s,s:o,s:I}", "type", type, "payment", pj, "created_at", (json_int_t)now)) == NULL ||
	    (e.body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	snprintf(e.type, sizeof(e.type), "%s", type);
	snprintf(e.payment_id, sizeof(e.payment_id), "%s", id);
	e.created_at = now;
	u->event = &e;
	r = store_payment_update(pm->store, id, u);
	u->event = NULL;
out:
	json_decref(j);
	free(e.body);
	store_payment_clear(&p);
	return r;
}

int
payments_fail(struct payments *pm, const char *id, int from, const char *reason, int64_t now)
{
	struct store_pay_update u;
	struct store_payment p;
	int r;

	memset(&u, 0, sizeof(u));
	u.from = from;
	u.to = STORE_PAY_FAILED;
	u.failure = reason;
	u.release = 1;
	if ((r = payments_update_event(pm, id, &u, "payment.failed", now)) != 0)
		return r;
	/* A failed replacement gives its parent the coins back. */
	if (store_payment_get(pm->store, &p, id) != 0)
		return 0;
	if (p.parent_id[0] != '\0' && (strcmp(p.kind, "bump") == 0 || strcmp(p.kind, "cancel") == 0)) {
		struct store_payment parent;

		if (store_payment_get(pm->store, &parent, p.parent_id) == 0) {
			memset(&u, 0, sizeof(u));
			u.from = parent.status;
			u.to = parent.status;
			u.reclaim = parent.status == STORE_PAY_BROADCAST || parent.status == STORE_PAY_SIGNED;
			if (u.reclaim)
				store_payment_update(pm->store, parent.id, &u);
			store_payment_clear(&parent);
		}
	}
	store_payment_clear(&p);
	return 0;
}

/* Whether a payment got past signed (broadcast, confirmed, replaced) since we last looked. */
static int
sent_meanwhile(struct payments *pm, const char *id)
{
	struct store_payment q;
	int yes;

	if (store_payment_get(pm->store, &q, id) != 0)
		return 0;
	yes = q.status == STORE_PAY_BROADCAST || q.status == STORE_PAY_CONFIRMED || q.status == STORE_PAY_REPLACED;
	store_payment_clear(&q);
	return yes;
}

int
payments_broadcast(struct payments *pm, const char *id, int64_t now)
{
	struct store_payment p;
	struct store_pay_update u;
	char reason[PAYMENTS_REASON_LEN] = "", why[PAYMENTS_REASON_LEN + 32];
	int r, rejected = 0;

	if ((r = store_payment_get(pm->store, &p, id)) != 0)
		return r;
	if (p.status != STORE_PAY_SIGNED && p.status != STORE_PAY_BROADCAST) {
		store_payment_clear(&p);
		return COFFER_ERR_PAY_STATE;
	}
	if (p.raw_tx == NULL) {
		store_payment_clear(&p);
		return COFFER_ERR_INTERNAL;
	}
	r = pm->be->broadcast(pm->be->ctx, &rejected, reason, sizeof(reason), p.raw_tx, p.raw_tx_len);
	if (r != 0 && rejected && p.has_txid) {
		/*
		 * Refused: but is this very transaction on the chain already? A re-send
		 * after a crash (or a lost answer) between the send and its record, of
		 * one confirmed since with every output spent, is refused by bitcoind as
		 * spending missing inputs: it was sent, and failing it would invite the
		 * client to pay again. When the backend cannot say now, next time.
		 */
		uint32_t height = 0;
		int st = pm->be->tx_status(pm->be->ctx, &height, p.txid);

		if (st == 0)
			r = 0;
		else if (st != COFFER_ERR_NOT_FOUND)
			rejected = 0;
	}
	if (r == 0) {
		if (p.status == STORE_PAY_SIGNED) {
			memset(&u, 0, sizeof(u));
			u.from = STORE_PAY_SIGNED;
			u.to = STORE_PAY_BROADCAST;
			r = payments_update_event(pm, id, &u, "payment.sent", now);
			/*
			 * The reconcile pass (kicked by the sync this very broadcast
			 * asked for) may have sent and recorded it meanwhile: the same
			 * transaction, the same outcome.
			 */
			if (r == COFFER_ERR_PAY_STATE && sent_meanwhile(pm, id))
				r = 0;
		}
		if (r == 0 && p.parent_id[0] != '\0' && (strcmp(p.kind, "bump") == 0 || strcmp(p.kind, "cancel") == 0)) {
			struct store_payment parent;

			if (store_payment_get(pm->store, &parent, p.parent_id) == 0) {
				if (parent.status == STORE_PAY_BROADCAST || parent.status == STORE_PAY_SIGNED) {
					memset(&u, 0, sizeof(u));
					u.from = parent.status;
					u.to = STORE_PAY_REPLACED;
					u.replaced_by = p.id;
					r = payments_update_event(pm, parent.id, &u, "payment.replaced", now);
				}
				store_payment_clear(&parent);
			}
		}
	} else if (rejected) {
		snprintf(why, sizeof(why), "broadcast refused: %s", reason[0] ? reason : "rejected");
		r = payments_fail(pm, id, p.status, why, now);
		if (r == 0)
			r = COFFER_ERR_PAY_BROADCAST_REJECTED;
	} else {
		r = 0;	/* transient: stays signed; reconcile sends it again */
	}
	store_payment_clear(&p);
	return r;
}

/* Sign, finalise, extract; check the result is the transaction we built. */
static int
sign_extract(struct payments *pm, struct cbuf *raw, uint8_t txid[32], const struct psbt *psbt,
    const char *passphrase)
{
	struct cbuf unsigned_bytes, signed_bytes;
	struct psbt sp;
	struct tx tx;
	uint8_t want[32];
	int r;

	cbuf_init(&unsigned_bytes, PSBT_MAX_SIZE);
	cbuf_init(&signed_bytes, PSBT_MAX_SIZE);
	psbt_init(&sp);
	tx_init(&tx);
	if ((r = psbt_serialize(&unsigned_bytes, psbt)) != 0 ||
	    (r = pm->be->sign(pm->be->ctx, &signed_bytes, unsigned_bytes.p, unsigned_bytes.len, passphrase)) != 0 ||
	    (r = psbt_parse(&sp, signed_bytes.p, signed_bytes.len)) != 0)
		goto out;
	if ((r = psbt_finalize(&sp, NULL)) != 0 || (r = psbt_extract(&tx, &sp)) != 0 ||
	    (r = tx_txid(txid, &tx)) != 0 || (r = tx_txid(want, &psbt->tx)) != 0)
		goto out;
	if (memcmp(txid, want, 32) != 0) {
		r = COFFER_ERR_PSBT_COMBINE;	/* the signer changed the transaction */
		goto out;
	}
	r = tx_serialize(raw, &tx, 0);
out:
	tx_free(&tx);
	psbt_free(&sp);
	cbuf_free(&unsigned_bytes);
	cbuf_free(&signed_bytes);
	return r;
}

int
payments_sign_and_send(struct payments *pm, const char *id, const struct psbt *psbt, const char *passphrase,
    int64_t now)
{
	struct store_pay_update u;
	struct cbuf raw;
	uint8_t txid[32];
	char why[PAYMENTS_REASON_LEN];
	int r;

	cbuf_init(&raw, STORE_MAX_RAW_TX);
	if ((r = sign_extract(pm, &raw, txid, psbt, passphrase)) != 0) {
		/*
		 * No transaction exists: the request leaves nothing behind (no
		 * payment, no event, its coins and key free again), as bad input
		 * does. Should that fail, it is failed instead (reconcile would).
		 */
		if (store_payment_discard(pm->store, id) != 0) {
			snprintf(why, sizeof(why), "signing refused: %s", coffer_err_name(r));
			payments_fail(pm, id, STORE_PAY_CREATED, why, now);
		}
		cbuf_free(&raw);
		return r;
	}
	/* Durable before it leaves: a crash from here on re-sends this exact transaction. */
	memset(&u, 0, sizeof(u));
	u.from = STORE_PAY_CREATED;
	u.to = STORE_PAY_SIGNED;
	u.txid = txid;
	u.raw_tx = raw.p;
	u.raw_tx_len = raw.len;
	r = payments_update_event(pm, id, &u, NULL, now);
	cbuf_free(&raw);
	if (r != 0)
		return r;
	/*
	 * The worker's reconcile (kicked after every sync) sends signed payments
	 * too, and may have sent this one (and followed it further) between our
	 * record and our send: then what it recorded is the answer, not a
	 * payment_state error for a payment that went out.
	 */
	r = payments_broadcast(pm, id, now);
	return r == COFFER_ERR_PAY_STATE ? 0 : r;
}

/* The outputs as recorded: [{address, amount_sat}] in request order, the final amounts. */
static char *
outputs_json(const struct payments_request *req, const struct pay_built *b)
{
	json_t *a = json_array(), *o;
	char *s = NULL;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < req->n_outputs; i++) {
		o = json_pack("{s:s,s:I}", "address", req->outputs[i].address, "amount_sat",
		    (json_int_t)b->psbt.tx.out[b->recipient_pos[i]].value);
		if (o == NULL || json_array_append_new(a, o) != 0)
			goto out;
	}
	if (req->drain_to != NULL && b->drain_pos >= 0) {
		o = json_pack("{s:s,s:I,s:b}", "address", req->drain_to, "amount_sat",
		    (json_int_t)b->psbt.tx.out[b->drain_pos].value, "drain", 1);
		if (o == NULL || json_array_append_new(a, o) != 0)
			goto out;
	}
	s = json_dumps(a, JSON_COMPACT);
out:
	json_decref(a);
	return s;
}

static void
fill_pay_request(struct pay_request *q, const struct payments *pm, const struct payments_request *req,
    uint64_t rate)
{
	memset(q, 0, sizeof(*q));
	q->net = pm->net;
	q->outputs = req->outputs;
	q->n_outputs = req->n_outputs;
	q->fee_rate = rate;
	q->min_fee_rate = pm->min_fee_rate;
	q->max_fee_rate = pm->max_fee_rate;
	q->subtract_fee_from = req->subtract_fee_from;
	q->drain_to = req->drain_to;
	q->seed = pm->seed;
}

int
payments_preview(struct payments *pm, struct pay_built *b, const struct payments_request *req)
{
	struct pay_request q;
	struct pay_utxo *u = NULL;
	size_t n = 0;
	uint64_t rate;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = payments_fee_rate(pm, &rate, req->fee_rate, req->conf_target)) != 0)
		return r;
	fill_pay_request(&q, pm, req, rate);
	if ((r = pm->be->tip(pm->be->ctx, &q.tip_height, &q.tip_is_current)) != 0 ||
	    (r = payments_load_coins(pm, &u, &n)) != 0)
		return r;
	r = pay_build(b, pm->accts, pm->n_accts, u, n, &q);	/* change: account 0, index 0 (indicative) */
	free(u);
	return r;
}

void
payments_unused_change(struct payments *pm, size_t account, uint32_t index)
{
	if (pm->be->unused_change != NULL)
		pm->be->unused_change(pm->be->ctx, account, index);
}

/* Look up an idempotency key: 0 with out filled (same body), CONFLICT, or NOT_FOUND. */
static int
replay(struct payments *pm, struct store_payment *out, const struct payments_request *req)
{
	int r;

	if ((r = store_payment_get_by_key(pm->store, out, req->idem_key)) != 0)
		return r;
	if (memcmp(out->request_hash, req->request_hash, 32) != 0) {
		store_payment_clear(out);
		return COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT;
	}
	return 0;
}

int
payments_create(struct payments *pm, struct store_payment *out, int *replayed,
    const struct payments_request *req, int64_t now)
{
	struct store_payment rec;
	struct store_pay_input *ins = NULL;
	struct pay_request q;
	struct pay_built b;
	struct pay_utxo *u = NULL;
	size_t n = 0, attempt;
	uint64_t rate;
	int r, have_change = 0;

	memset(out, 0, sizeof(*out));
	memset(&rec, 0, sizeof(rec));
	memset(&b, 0, sizeof(b));
	*replayed = 0;
	if (req->idem_key[0] != '\0' && (r = replay(pm, out, req)) != COFFER_ERR_NOT_FOUND) {
		*replayed = r == 0;
		return r;
	}
	if ((r = payments_fee_rate(pm, &rate, req->fee_rate, req->conf_target)) != 0)
		return r;
	fill_pay_request(&q, pm, req, rate);
	if (pthread_mutex_lock(&pm->mu) != 0)
		abort();
	for (attempt = 0; attempt < PAYMENTS_BUILD_RETRIES; attempt++) {
		pay_built_free(&b);
		free(u);
		free(ins);
		u = NULL;
		ins = NULL;
		store_payment_clear(&rec);
		if (have_change)	/* the lost race's index: the rebuild takes it again */
			payments_unused_change(pm, q.change_account, q.change_index);
		have_change = 0;
		if ((r = payments_load_coins(pm, &u, &n)) != 0 ||
		    (r = pm->be->tip(pm->be->ctx, &q.tip_height, &q.tip_is_current)) != 0 ||
		    (r = pm->be->next_change(pm->be->ctx, &q.change_account, &q.change_index)) != 0 ||
		    !(have_change = 1) || (r = pay_build(&b, pm->accts, pm->n_accts, u, n, &q)) != 0 ||
		    (r = payments_inputs_of(&ins, &b, u, NULL)) != 0)
			break;
		payments_new_id(rec.id);
		snprintf(rec.idem_key, sizeof(rec.idem_key), "%s", req->idem_key);
		memcpy(rec.request_hash, req->request_hash, 32);
		rec.status = STORE_PAY_CREATED;
		snprintf(rec.kind, sizeof(rec.kind), "payment");
		rec.fee_sat = b.fee;
		rec.fee_rate_sat_kvb = rate;
		rec.vsize = b.vsize;
		rec.change_pos = b.change_pos;
		rec.change_account = (uint32_t)q.change_account;
		rec.change_index = q.change_index;
		rec.created_at = now;
		if ((rec.outputs_json = outputs_json(req, &b)) == NULL) {
			r = COFFER_ERR_NOMEM;
			break;
		}
		r = store_payment_insert(pm->store, &rec, ins, b.n_utxos);
		if (r != COFFER_ERR_PAY_RESERVED)
			break;
	}
	/* Refused before anything was recorded, or no change output: the index was not used. */
	if (have_change && (r != 0 || b.change_pos < 0))
		payments_unused_change(pm, q.change_account, q.change_index);
	if (pthread_mutex_unlock(&pm->mu) != 0)
		abort();
	if (r == COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT) {
		/* The same key won a race with us: answer as a retry would. */
		r = replay(pm, out, req);
		*replayed = r == 0;
		goto out;
	}
	if (r != 0)
		goto out;
	r = payments_sign_and_send(pm, rec.id, &b.psbt, req->passphrase, now);
	if (store_payment_get(pm->store, out, rec.id) != 0 && r == 0)
		r = COFFER_ERR_STORE;
	/* The signer refused: the record is gone (store_payment_discard), and with it the change index. */
	if (r != 0 && out->id[0] == '\0' && b.change_pos >= 0)
		payments_unused_change(pm, q.change_account, q.change_index);
out:
	pay_built_free(&b);
	free(u);
	free(ins);
	store_payment_clear(&rec);
	return r;
}
