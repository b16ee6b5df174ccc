/* The store's addresses table (store.h): what cofferd handed out, by derivation position. */
#include "daemon/store_int.h"

#include <string.h>

#include "common/err.h"

int
store_address_insert(struct store *s, const struct store_address *a)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = store_check_text(a->address, STORE_MAX_ADDRESS)) != 0 ||
	    (r = store_check_text(a->path, sizeof(a->path) - 1)) != 0 ||
	    (r = store_check_text(a->label, STORE_MAX_LABEL)) != 0)
		return r;
	if (a->script_len == 0 || a->script_len > STORE_MAX_SCRIPT || a->chain > 1 || a->index >= 0x80000000u)
		return COFFER_ERR_INVALID_ARG;
	store_lock(s);
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO addresses (account, chain, idx, path, address, script, label, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, a->account) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, a->chain) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, a->index) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, a->path, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, a->address, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 6, a->script, (int)a->script_len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 7, a->label, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, a->created_at) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_CONSTRAINT)
		r = COFFER_ERR_INVALID_ARG;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_address_get(struct store *s, struct store_address *out, const char *address)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	memset(out, 0, sizeof(*out));
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT account, chain, idx, path, address, script, label, created_at "
	    "FROM addresses WHERE address = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = COFFER_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW)
		goto out;
	out->account = (uint32_t)sqlite3_column_int64(st, 0);
	out->chain = (uint32_t)sqlite3_column_int64(st, 1);
	out->index = (uint32_t)sqlite3_column_int64(st, 2);
	out->script_len = (size_t)sqlite3_column_bytes(st, 5);
	if (store_copy_text(out->path, sizeof(out->path), st, 3) != 0 ||
	    store_copy_text(out->address, sizeof(out->address), st, 4) != 0 ||
	    out->script_len > sizeof(out->script) ||
	    store_copy_text(out->label, sizeof(out->label), st, 6) != 0)
		goto out;
	memcpy(out->script, sqlite3_column_blob(st, 5), out->script_len);
	out->created_at = sqlite3_column_int64(st, 7);
	r = 0;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
store_address_next_index(struct store *s, uint32_t *out, uint32_t account, uint32_t chain)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	*out = 0;
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(idx) + 1, 0) FROM addresses WHERE account = ? AND chain = ?",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_bind_int64(st, 1, account) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, chain) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*out = (uint32_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

/* One row of "SELECT account, chain, idx, path, address, script, label, created_at". */
static int
read_row(struct store_address *out, sqlite3_stmt *st)
{
	memset(out, 0, sizeof(*out));
	out->account = (uint32_t)sqlite3_column_int64(st, 0);
	out->chain = (uint32_t)sqlite3_column_int64(st, 1);
	out->index = (uint32_t)sqlite3_column_int64(st, 2);
	out->script_len = (size_t)sqlite3_column_bytes(st, 5);
	if (store_copy_text(out->path, sizeof(out->path), st, 3) != 0 ||
	    store_copy_text(out->address, sizeof(out->address), st, 4) != 0 ||
	    out->script_len > sizeof(out->script) || out->script_len == 0 ||
	    store_copy_text(out->label, sizeof(out->label), st, 6) != 0)
		return COFFER_ERR_STORE;
	memcpy(out->script, sqlite3_column_blob(st, 5), out->script_len);
	out->created_at = sqlite3_column_int64(st, 7);
	return 0;
}

int
store_address_list(struct store *s, struct store_address *out, size_t max, size_t *n, uint32_t account,
    uint32_t chain, uint32_t from_index)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT account, chain, idx, path, address, script, label, created_at "
	    "FROM addresses WHERE account = ? AND chain = ? AND idx >= ? ORDER BY idx LIMIT ?", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 1, account) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, chain) != SQLITE_OK || sqlite3_bind_int64(st, 3, from_index) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		if (read_row(&out[*n], st) != 0)
			goto out;
		(*n)++;
	}
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		r = 0;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	if (r != 0)
		*n = 0;
	return r;
}

int
store_address_set_label(struct store *s, const char *address, const char *label)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_check_text(label, STORE_MAX_LABEL)) != 0)
		return r;
	store_lock(s);
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "UPDATE addresses SET label = ? WHERE address = ?", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db) == 1 ? 0 : COFFER_ERR_NOT_FOUND;
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}
