/* The store's payment, reservation and event tables (store_payments.h). */
#include "daemon/store_payments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "daemon/store_int.h"

static const char *const status_names[STORE_PAY_NSTATUS] = {
	"created", "signed", "broadcast", "confirmed", "failed", "replaced",
};

const char *
store_pay_status_name(int status)
{
	return status >= 0 && status < STORE_PAY_NSTATUS ? status_names[status] : "unknown";
}

int
store_pay_status_parse(const char *name)
{
	int i;

	for (i = 0; i < STORE_PAY_NSTATUS; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

void
store_payment_clear(struct store_payment *p)
{
	if (p == NULL)
		return;
	free(p->raw_tx);
	free(p->outputs_json);
	memset(p, 0, sizeof(*p));
}

void
store_event_clear(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->body);
	memset(e, 0, sizeof(*e));
}

static void
lock(struct store *s)
{
	if (pthread_mutex_lock(&s->mu) != 0)
		abort();
}

static void
unlock(struct store *s)
{
	if (pthread_mutex_unlock(&s->mu) != 0)
		abort();
}

/* Printable UTF-8 text of at most max bytes (control characters refused). */
static int
text_ok(const char *v, size_t max)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (i >= max || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return COFFER_ERR_BAD_STRING;
	return 0;
}

static int
id_ok(const char *id)
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
exec(struct store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : COFFER_ERR_STORE;
}

/* Finish a write transaction: commit on r == 0, else roll back. */
static int
finish(struct store *s, int r)
{
	if (r == 0 && exec(s, "COMMIT") == 0)
		return 0;
	exec(s, "ROLLBACK");
	return r != 0 ? r : COFFER_ERR_STORE;
}

int
store_event_insert_locked(struct store *s, struct store_event *e)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	if (e->type[0] == '\0' || text_ok(e->type, STORE_MAX_EVENT_TYPE) != 0 || e->body == NULL ||
	    strlen(e->body) > STORE_MAX_EVENT_BODY)
		return COFFER_ERR_INVALID_ARG;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO events (type, payment_id, body, created_at) VALUES (?, ?, ?, ?)",
	    -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, e->payment_id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, e->body, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 4, e->created_at) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
		e->seq = sqlite3_last_insert_rowid(s->db);
		r = 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* The outbox: one pending delivery per endpoint subscribed to this type, in this transaction. */
	if (r == 0 && (sqlite3_prepare_v2(s->db, "INSERT INTO webhook_deliveries (webhook_id, event_seq, next_at) "
	    "SELECT id, ?, ? FROM webhooks WHERE instr(',' || events || ',', ',' || ? || ',') > 0", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 1, e->seq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, e->created_at * 1000) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, e->type, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE))
		r = COFFER_ERR_STORE;
	sqlite3_finalize(st);
	return r;
}

static int
seq_of(struct store *s, int64_t *seq, int *status, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*seq = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, status FROM payments WHERE id = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (status != NULL)
			*status = sqlite3_column_int(st, 1);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = COFFER_ERR_NOT_FOUND;
	}
out:
	sqlite3_finalize(st);
	return r;
}

static int
insert_inputs(struct store *s, int64_t seq, const struct store_pay_input *ins, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r = COFFER_ERR_STORE, rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO payment_inputs (payment_seq, txid, vout, value, spk, account, "
	    "chain, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (ins[i].spk_len == 0 || ins[i].spk_len > STORE_MAX_SCRIPT) {
			r = COFFER_ERR_INVALID_ARG;
			goto out;
		}
		sqlite3_reset(st);
		if (sqlite3_bind_int64(st, 1, seq) != SQLITE_OK ||
		    sqlite3_bind_blob(st, 2, ins[i].txid, 32, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, ins[i].vout) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 4, ins[i].value) != SQLITE_OK ||
		    sqlite3_bind_blob(st, 5, ins[i].spk, (int)ins[i].spk_len, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 6, ins[i].account) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 7, ins[i].chain) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 8, ins[i].index) != SQLITE_OK)
			goto out;
		rc = sqlite3_step(st);
		if (rc == SQLITE_CONSTRAINT) {
			r = COFFER_ERR_PAY_RESERVED;
			goto out;
		}
		if (rc != SQLITE_DONE)
			goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_payment_insert(struct store *s, struct store_payment *p, const struct store_pay_input *ins, size_t n)
{
	sqlite3_stmt *st = NULL;
	int64_t parent_seq = 0;
	int r, rc;

	if (!id_ok(p->id) || (p->parent_id[0] != '\0' && !id_ok(p->parent_id)) || n == 0 ||
	    p->outputs_json == NULL || strlen(p->outputs_json) > STORE_MAX_OUTPUTS_JSON ||
	    (p->raw_tx != NULL && (p->raw_tx_len == 0 || p->raw_tx_len > STORE_MAX_RAW_TX)) ||
	    (p->status != STORE_PAY_CREATED && p->status != STORE_PAY_SIGNED))
		return COFFER_ERR_INVALID_ARG;
	if ((r = text_ok(p->idem_key, STORE_MAX_IDEM_KEY)) != 0 || (r = text_ok(p->kind, sizeof(p->kind) - 1)) != 0 ||
	    (r = text_ok(p->failure, STORE_MAX_FAILURE)) != 0)
		return r;
	lock(s);
	if ((r = exec(s, "BEGIN IMMEDIATE")) != 0) {
		unlock(s);
		return r;
	}
	if (p->idem_key[0] != '\0') {
		sqlite3_stmt *q = NULL;

		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM payments WHERE idem_key = ?", -1, &q, NULL) != SQLITE_OK ||
		    sqlite3_bind_text(q, 1, p->idem_key, -1, SQLITE_STATIC) != SQLITE_OK) {
			sqlite3_finalize(q);
			r = COFFER_ERR_STORE;
			goto out;
		}
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_ROW) {
			r = COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT;
			goto out;
		}
	}
	/* A replacement takes over the reservations of what it replaces. */
	if (p->parent_id[0] != '\0' && (strcmp(p->kind, "bump") == 0 || strcmp(p->kind, "cancel") == 0)) {
		if ((r = seq_of(s, &parent_seq, NULL, p->parent_id)) != 0)
			goto out;
		if (sqlite3_prepare_v2(s->db, "UPDATE payment_inputs SET active = 0 WHERE payment_seq = ?", -1, &st,
		    NULL) != SQLITE_OK || sqlite3_bind_int64(st, 1, parent_seq) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			r = COFFER_ERR_STORE;
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO payments (id, idem_key, request_hash, status, kind, parent_id, "
	    "txid, raw_tx, fee_sat, fee_rate, vsize, change_pos, change_account, change_index, outputs, failure, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (p->idem_key[0] != '\0' ? sqlite3_bind_text(st, 2, p->idem_key, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(st, 2)) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 3, p->request_hash, 32, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, p->status) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, p->kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 6, p->parent_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (p->has_txid ? sqlite3_bind_blob(st, 7, p->txid, 32, SQLITE_STATIC) : sqlite3_bind_null(st, 7)) !=
	    SQLITE_OK ||
	    (p->raw_tx != NULL ? sqlite3_bind_blob(st, 8, p->raw_tx, (int)p->raw_tx_len, SQLITE_STATIC) :
	    sqlite3_bind_null(st, 8)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, p->fee_sat) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 10, (sqlite3_int64)p->fee_rate_sat_kvb) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 11, p->vsize) != SQLITE_OK ||
	    sqlite3_bind_int(st, 12, p->change_pos) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 13, p->change_account) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 14, p->change_index) != SQLITE_OK ||
	    sqlite3_bind_text(st, 15, p->outputs_json, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 16, p->failure, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 17, p->created_at) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 18, p->created_at) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		r = COFFER_ERR_INVALID_ARG;	/* id taken */
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	p->seq = sqlite3_last_insert_rowid(s->db);
	p->updated_at = p->created_at;
	r = insert_inputs(s, p->seq, ins, n);
out:
	sqlite3_finalize(st);
	r = finish(s, r);
	unlock(s);
	return r;
}

#define PAY_COLUMNS "seq, id, coalesce(idem_key, ''), request_hash, status, kind, parent_id, replaced_by, txid, " \
	"raw_tx, fee_sat, fee_rate, vsize, change_pos, change_account, change_index, outputs, failure, " \
	"created_at, updated_at, confirmed_height"

static void
copy_text(char *dst, size_t dstsize, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, dstsize, "%s", t != NULL ? (const char *)t : "");
}

/* Read one row of PAY_COLUMNS. Returns 0 or COFFER_ERR_NOMEM / COFFER_ERR_STORE. */
static int
read_row(struct store_payment *p, sqlite3_stmt *st)
{
	const void *b;
	int n;

	memset(p, 0, sizeof(*p));
	p->seq = sqlite3_column_int64(st, 0);
	copy_text(p->id, sizeof(p->id), st, 1);
	copy_text(p->idem_key, sizeof(p->idem_key), st, 2);
	if ((b = sqlite3_column_blob(st, 3)) == NULL || sqlite3_column_bytes(st, 3) != 32)
		return COFFER_ERR_STORE;
	memcpy(p->request_hash, b, 32);
	p->status = sqlite3_column_int(st, 4);
	copy_text(p->kind, sizeof(p->kind), st, 5);
	copy_text(p->parent_id, sizeof(p->parent_id), st, 6);
	copy_text(p->replaced_by, sizeof(p->replaced_by), st, 7);
	if ((b = sqlite3_column_blob(st, 8)) != NULL && sqlite3_column_bytes(st, 8) == 32) {
		memcpy(p->txid, b, 32);
		p->has_txid = 1;
	}
	if ((b = sqlite3_column_blob(st, 9)) != NULL && (n = sqlite3_column_bytes(st, 9)) > 0) {
		if ((p->raw_tx = malloc((size_t)n)) == NULL)
			return COFFER_ERR_NOMEM;
		memcpy(p->raw_tx, b, (size_t)n);
		p->raw_tx_len = (size_t)n;
	}
	p->fee_sat = sqlite3_column_int64(st, 10);
	p->fee_rate_sat_kvb = (uint64_t)sqlite3_column_int64(st, 11);
	p->vsize = (uint32_t)sqlite3_column_int64(st, 12);
	p->change_pos = sqlite3_column_int(st, 13);
	p->change_account = (uint32_t)sqlite3_column_int64(st, 14);
	p->change_index = (uint32_t)sqlite3_column_int64(st, 15);
	if ((p->outputs_json = strdup(sqlite3_column_text(st, 16) != NULL ?
	    (const char *)sqlite3_column_text(st, 16) : "[]")) == NULL)
		return COFFER_ERR_NOMEM;
	copy_text(p->failure, sizeof(p->failure), st, 17);
	p->created_at = sqlite3_column_int64(st, 18);
	p->updated_at = sqlite3_column_int64(st, 19);
	p->confirmed_height = (uint32_t)sqlite3_column_int64(st, 20);
	return 0;
}

static int
get_where(struct store *s, struct store_payment *out, const char *where, const char *value)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql), "SELECT " PAY_COLUMNS " FROM payments WHERE %s = ?", where);
	lock(s);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = read_row(out, st);
	else if (rc == SQLITE_DONE)
		r = COFFER_ERR_NOT_FOUND;
out:
	sqlite3_finalize(st);
	unlock(s);
	if (r != 0)
		store_payment_clear(out);
	return r;
}

int
store_payment_get(struct store *s, struct store_payment *out, const char *id)
{
	return get_where(s, out, "id", id);
}

int
store_payment_get_by_key(struct store *s, struct store_payment *out, const char *idem_key)
{
	return get_where(s, out, "idem_key", idem_key);
}

/* Collect (txid, vout, value) rows of a query with one optional int64 bind. */
static int
collect_inputs(struct store *s, struct store_pay_input **ins, size_t *n, const char *sql, int64_t bind,
    int has_bind)
{
	sqlite3_stmt *st = NULL;
	struct store_pay_input *v = NULL, *nv;
	size_t cap = 0;
	int r = COFFER_ERR_STORE, rc;

	*ins = NULL;
	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    (has_bind && sqlite3_bind_int64(st, 1, bind) != SQLITE_OK))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);

		if (b == NULL || sqlite3_column_bytes(st, 0) != 32)
			goto out;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = COFFER_ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		memcpy(v[*n].txid, b, 32);
		v[*n].vout = (uint32_t)sqlite3_column_int64(st, 1);
		v[*n].value = sqlite3_column_int64(st, 2);
		if ((b = sqlite3_column_blob(st, 3)) != NULL && sqlite3_column_bytes(st, 3) > 0 &&
		    sqlite3_column_bytes(st, 3) <= STORE_MAX_SCRIPT) {
			v[*n].spk_len = (size_t)sqlite3_column_bytes(st, 3);
			memcpy(v[*n].spk, b, v[*n].spk_len);
		}
		v[*n].account = (uint32_t)sqlite3_column_int64(st, 4);
		v[*n].chain = (uint32_t)sqlite3_column_int64(st, 5);
		v[*n].index = (uint32_t)sqlite3_column_int64(st, 6);
		(*n)++;
	}
	if (rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	if (r != 0) {
		free(v);
		v = NULL;
		*n = 0;
	}
	*ins = v;
	return r;
}

int
store_payment_inputs(struct store *s, struct store_pay_input **ins, size_t *n, const char *id)
{
	struct store_payment p;
	int64_t seq;
	int r;

	*ins = NULL;
	*n = 0;
	if ((r = store_payment_get(s, &p, id)) != 0)
		return r;
	seq = p.seq;
	store_payment_clear(&p);
	return collect_inputs(s, ins, n, "SELECT txid, vout, value, spk, account, chain, idx FROM "
	    "payment_inputs WHERE payment_seq = ? ORDER BY rowid", seq, 1);
}

int
store_payment_spenders(struct store *s, size_t *n, const uint8_t txid[32])
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM payment_inputs WHERE txid = ? AND active = 1", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_bind_blob(st, 1, txid, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*n = (size_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	unlock(s);
	return r;
}

int
store_payment_release_settled(struct store *s, size_t *n)
{
	int r = COFFER_ERR_STORE;

	*n = 0;
	lock(s);
	if (sqlite3_exec(s->db, "UPDATE payment_inputs SET active = 0 WHERE active = 1 AND payment_seq IN "
	    "(SELECT seq FROM payments WHERE status = 3) AND NOT EXISTS (SELECT 1 FROM utxos u WHERE "
	    "u.txid = payment_inputs.txid AND u.vout = payment_inputs.vout AND u.spent = 0)", NULL, NULL, NULL) ==
	    SQLITE_OK) {
		*n = (size_t)sqlite3_changes(s->db);
		r = 0;
	}
	unlock(s);
	return r;
}

int
store_reserved_inputs(struct store *s, struct store_pay_input **ins, size_t *n)
{
	return collect_inputs(s, ins, n, "SELECT txid, vout, value, spk, account, chain, idx FROM payment_inputs "
	    "WHERE active = 1", 0, 0);
}

int
store_payment_list(struct store *s, struct store_payment *out, size_t max, size_t *n, int64_t before, int status)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT " PAY_COLUMNS " FROM payments WHERE (?1 = 0 OR seq < ?1) AND "
	    "(?2 < 0 OR status = ?2) ORDER BY seq DESC LIMIT ?3", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, before) != SQLITE_OK || sqlite3_bind_int(st, 2, status) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_row(&out[*n], st)) != 0) {
			store_payment_clear(&out[*n]);
			goto out;
		}
		(*n)++;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	if (r != 0) {
		while (*n > 0)
			store_payment_clear(&out[--(*n)]);
	}
	return r;
}

int
store_payment_ids_in(struct store *s, char (*ids)[STORE_PAY_ID_LEN + 1], size_t max, size_t *n, int status)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM payments WHERE status = ? ORDER BY seq LIMIT ?", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_bind_int(st, 1, status) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		copy_text(ids[(*n)++], STORE_PAY_ID_LEN + 1, st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	return r;
}

/* Run an UPDATE with (seq) or (text, seq) binds. */
static int
update_seq(struct store *s, const char *sql, const char *text, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc, i = 1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    (text != NULL && sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_bind_int64(st, i, seq) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_CONSTRAINT)
		r = COFFER_ERR_PAY_RESERVED;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_payment_update(struct store *s, const char *id, const struct store_pay_update *u)
{
	sqlite3_stmt *st = NULL;
	int64_t seq;
	int r, status = -1;

	if (u->to < 0 || u->to >= STORE_PAY_NSTATUS || (u->txid != NULL && (u->raw_tx == NULL || u->raw_tx_len == 0 ||
	    u->raw_tx_len > STORE_MAX_RAW_TX)) || (u->replaced_by != NULL && !id_ok(u->replaced_by)))
		return COFFER_ERR_INVALID_ARG;
	if (u->failure != NULL && (r = text_ok(u->failure, STORE_MAX_FAILURE)) != 0)
		return r;
	lock(s);
	if ((r = exec(s, "BEGIN IMMEDIATE")) != 0) {
		unlock(s);
		return r;
	}
	if ((r = seq_of(s, &seq, &status, id)) != 0)
		goto out;
	if (u->from >= 0 && status != u->from) {
		r = COFFER_ERR_PAY_STATE;
		goto out;
	}
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "UPDATE payments SET status = ?, updated_at = ?, "
	    "txid = coalesce(?, txid), raw_tx = coalesce(?, raw_tx), failure = coalesce(?, failure), "
	    "replaced_by = coalesce(?, replaced_by), "
	    "confirmed_height = CASE WHEN ? > 0 THEN ? ELSE confirmed_height END WHERE seq = ?", -1, &st, NULL) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(st, 1, u->to) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, u->event != NULL ? u->event->created_at : (sqlite3_int64)time(NULL)) !=
	    SQLITE_OK ||
	    (u->txid ? sqlite3_bind_blob(st, 3, u->txid, 32, SQLITE_STATIC) : sqlite3_bind_null(st, 3)) != SQLITE_OK ||
	    (u->raw_tx ? sqlite3_bind_blob(st, 4, u->raw_tx, (int)u->raw_tx_len, SQLITE_STATIC) :
	    sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    (u->failure ? sqlite3_bind_text(st, 5, u->failure, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 5)) !=
	    SQLITE_OK ||
	    (u->replaced_by ? sqlite3_bind_text(st, 6, u->replaced_by, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(st, 6)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 7, u->confirmed_height) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, u->confirmed_height) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, seq) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		goto out;
	r = 0;
	if (u->release)
		r = update_seq(s, "UPDATE payment_inputs SET active = 0 WHERE payment_seq = ?", NULL, seq);
	else if (u->reclaim)
		r = update_seq(s, "UPDATE payment_inputs SET active = 1 WHERE payment_seq = ?", NULL, seq);
	if (r == 0 && u->event != NULL) {
		struct store_event e = *u->event;

		r = store_event_insert_locked(s, &e);
	}
out:
	sqlite3_finalize(st);
	r = finish(s, r);
	unlock(s);
	return r;
}

int
store_payment_discard(struct store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	char parent[STORE_PAY_ID_LEN + 1] = "", kind[16] = "";
	int64_t seq, parent_seq = 0;
	int r, status = -1, parent_status = -1;

	lock(s);
	if ((r = exec(s, "BEGIN IMMEDIATE")) != 0) {
		unlock(s);
		return r;
	}
	if ((r = seq_of(s, &seq, &status, id)) != 0)
		goto out;
	if (status != STORE_PAY_CREATED) {
		r = COFFER_ERR_PAY_STATE;
		goto out;
	}
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "SELECT parent_id, kind FROM payments WHERE seq = ?", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 1, seq) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	copy_text(parent, sizeof(parent), st, 0);
	copy_text(kind, sizeof(kind), st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if ((r = update_seq(s, "DELETE FROM payment_inputs WHERE payment_seq = ?", NULL, seq)) != 0 ||
	    (r = update_seq(s, "DELETE FROM payments WHERE seq = ?", NULL, seq)) != 0)
		goto out;
	/* A replacement that never existed gives its parent the coins back (as its insert took them). */
	if (parent[0] != '\0' && (strcmp(kind, "bump") == 0 || strcmp(kind, "cancel") == 0) &&
	    seq_of(s, &parent_seq, &parent_status, parent) == 0 &&
	    (parent_status == STORE_PAY_SIGNED || parent_status == STORE_PAY_BROADCAST))
		r = update_seq(s, "UPDATE payment_inputs SET active = 1 WHERE payment_seq = ?", NULL, parent_seq);
out:
	sqlite3_finalize(st);
	r = finish(s, r);
	unlock(s);
	return r;
}

int
store_event_append(struct store *s, struct store_event *e)
{
	int r;

	lock(s);
	if ((r = exec(s, "BEGIN IMMEDIATE")) == 0)
		r = finish(s, store_event_insert_locked(s, e));
	unlock(s);
	return r;
}

int
store_events_after(struct store *s, struct store_event *out, size_t max, size_t *n, int64_t after)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT seq, type, payment_id, body, created_at FROM events WHERE seq > ? "
	    "ORDER BY seq LIMIT ?", -1, &st, NULL) != SQLITE_OK || sqlite3_bind_int64(st, 1, after) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event *e = &out[*n];

		memset(e, 0, sizeof(*e));
		e->seq = sqlite3_column_int64(st, 0);
		copy_text(e->type, sizeof(e->type), st, 1);
		copy_text(e->payment_id, sizeof(e->payment_id), st, 2);
		if ((e->body = strdup(sqlite3_column_text(st, 3) != NULL ? (const char *)sqlite3_column_text(st, 3) :
		    "{}")) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		e->created_at = sqlite3_column_int64(st, 4);
		(*n)++;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	if (r != 0)
		while (*n > 0)
			store_event_clear(&out[--(*n)]);
	return r;
}
