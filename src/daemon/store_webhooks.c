/* The store's webhook endpoints and outbox (store_webhooks.h). */
#include "daemon/store_webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/store_int.h"

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

void
store_delivery_clear(struct store_delivery *d)
{
	if (d == NULL)
		return;
	free(d->body);
	secure_wipe(d, sizeof(*d));
}

void
store_webhook_clear(struct store_webhook *w)
{
	if (w != NULL)
		secure_wipe(w, sizeof(*w));
}

static int
printable(const char *v, size_t max)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (i >= max || (unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return 0;
	return i > 0;
}

static void
copy_text(char *dst, size_t dstsize, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, dstsize, "%s", t != NULL ? (const char *)t : "");
}

int
store_webhook_insert(struct store *s, const struct store_webhook *w)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	if (!printable(w->id, STORE_WEBHOOK_ID_LEN) || !printable(w->url, STORE_MAX_WEBHOOK_URL) ||
	    !printable(w->events, STORE_MAX_WEBHOOK_EVENTS))
		return COFFER_ERR_BAD_STRING;
	if (w->secret_len < WEBHOOK_MIN_SECRET || w->secret_len > WEBHOOK_MAX_SECRET)
		return COFFER_ERR_INVALID_ARG;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM webhooks", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	if (sqlite3_column_int64(st, 0) >= STORE_MAX_WEBHOOKS) {
		r = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, w->url, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, w->events, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, w->secret, (int)w->secret_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, w->created_at) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	r = rc == SQLITE_DONE ? 0 : rc == SQLITE_CONSTRAINT ? COFFER_ERR_INVALID_ARG : COFFER_ERR_STORE;
out:
	sqlite3_finalize(st);
	unlock(s);
	return r;
}

int
store_webhook_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	lock(s);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		unlock(s);
		return r;
	}
	if (sqlite3_prepare_v2(s->db, "DELETE FROM webhooks WHERE id = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		r = COFFER_ERR_NOT_FOUND;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM webhook_deliveries WHERE webhook_id = ?", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_exec(s->db, r == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	unlock(s);
	return r;
}

int
store_webhook_list(struct store *s, struct store_webhook *out, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT id, url, events, secret, created_at FROM webhooks ORDER BY created_at, id",
	    -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_webhook *w = &out[*n];
		int len = sqlite3_column_bytes(st, 3);

		if (*n == max) {
			r = COFFER_ERR_TOO_LARGE;
			goto out;
		}
		memset(w, 0, sizeof(*w));
		copy_text(w->id, sizeof(w->id), st, 0);
		copy_text(w->url, sizeof(w->url), st, 1);
		copy_text(w->events, sizeof(w->events), st, 2);
		if (len < 0 || (size_t)len > sizeof(w->secret) || sqlite3_column_blob(st, 3) == NULL)
			goto out;
		memcpy(w->secret, sqlite3_column_blob(st, 3), (size_t)len);
		w->secret_len = (size_t)len;
		w->created_at = sqlite3_column_int64(st, 4);
		(*n)++;
	}
	r = rc == SQLITE_DONE ? 0 : COFFER_ERR_STORE;
out:
	sqlite3_finalize(st);
	unlock(s);
	return r;
}

int
store_outbox_due(struct store *s, struct store_delivery *out, size_t max, size_t *n, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT d.webhook_id, w.url, w.secret, d.event_seq, e.body, d.attempts "
	    "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.seq = d.event_seq "
	    "WHERE d.state = 0 AND d.next_at <= ? ORDER BY d.next_at, d.event_seq LIMIT ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, now_ms) != SQLITE_OK || sqlite3_bind_int64(st, 2, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_delivery *d = &out[*n];
		int len = sqlite3_column_bytes(st, 2);

		memset(d, 0, sizeof(*d));
		copy_text(d->webhook_id, sizeof(d->webhook_id), st, 0);
		copy_text(d->url, sizeof(d->url), st, 1);
		if (len < 0 || (size_t)len > sizeof(d->secret) || sqlite3_column_blob(st, 2) == NULL)
			goto out;
		memcpy(d->secret, sqlite3_column_blob(st, 2), (size_t)len);
		d->secret_len = (size_t)len;
		d->event_seq = sqlite3_column_int64(st, 3);
		if ((d->body = strdup(sqlite3_column_text(st, 4) != NULL ? (const char *)sqlite3_column_text(st, 4) :
		    "{}")) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		d->attempts = (uint32_t)sqlite3_column_int64(st, 5);
		(*n)++;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	unlock(s);
	if (r != 0)
		while (*n > 0)
			store_delivery_clear(&out[--(*n)]);
	return r;
}

int
store_outbox_result(struct store *s, const char *webhook_id, int64_t event_seq, int state, uint32_t attempts,
    int64_t next_at_ms, int last_status)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	lock(s);
	if (sqlite3_prepare_v2(s->db, "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, "
	    "last_status = ? WHERE webhook_id = ? AND event_seq = ?", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_int(st, 1, state) == SQLITE_OK && sqlite3_bind_int64(st, 2, attempts) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, next_at_ms) == SQLITE_OK && sqlite3_bind_int(st, 4, last_status) == SQLITE_OK &&
	    sqlite3_bind_text(st, 5, webhook_id, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 6, event_seq) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db) == 1 ? 0 : COFFER_ERR_NOT_FOUND;
	sqlite3_finalize(st);
	unlock(s);
	return r;
}

int
store_outbox_count(struct store *s, int state, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	*n = 0;
	lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM webhook_deliveries WHERE state = ?", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_int(st, 1, state) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*n = (size_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	unlock(s);
	return r;
}
