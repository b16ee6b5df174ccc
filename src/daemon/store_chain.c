/* The store's chain view (store.h): transactions, unspent outputs, sync state. */
#include "daemon/store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/err.h"

#define MAX_MONEY ((int64_t)2100000000000000)

/* --- meta helpers (chain state lives in meta) ------------------------------------------- */

static int
meta_put_int(sqlite3 *db, const char *key, int64_t v)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC) == SQLITE_OK;
	if (ok) {
		char num[32];

		snprintf(num, sizeof(num), "%lld", (long long)v);
		ok = sqlite3_bind_text(st, 2, num, -1, SQLITE_TRANSIENT) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return ok ? 0 : COFFER_ERR_STORE;
}

/* A meta integer; def when absent or not a number. */
static int
meta_get_int(sqlite3 *db, int64_t *out, const char *key, int64_t def)
{
	sqlite3_stmt *st = NULL;
	int rc, r = COFFER_ERR_STORE;

	*out = def;
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER), value GLOB '-[0-9]*' OR value GLOB '[0-9]*' "
	    "FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 1) != 0)
		*out = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* --- applying a sync -------------------------------------------------------------------- */

static int
check_outs(const struct store_utxo *v, size_t n, int spent)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct store_utxo *o = &v[i];

		if (o->value < 0 || o->value > MAX_MONEY || o->script_len == 0 || o->script_len > STORE_MAX_SCRIPT ||
		    o->chain > 1 || o->index >= 0x80000000u || o->account >= 0x80000000u ||
		    o->height >= STORE_SPENT_MEMPOOL ||
		    (spent ? o->spent_height == 0 || o->spent_height > STORE_SPENT_MEMPOOL : o->spent_height != 0))
			return COFFER_ERR_INVALID_ARG;
	}
	return 0;
}

static int
check_sync(const struct store_sync *u)
{
	size_t i;

	for (i = 0; i < u->n_txs; i++) {
		const struct store_tx *t = &u->txs[i];

		if (t->raw == NULL || t->raw_len == 0 || t->raw_len > STORE_MAX_TX_RAW || t->received_sat < 0 ||
		    t->received_sat > MAX_MONEY || t->spent_sat < 0 || t->spent_sat > MAX_MONEY || t->fee_sat < -1 ||
		    t->fee_sat > MAX_MONEY || t->height >= STORE_SPENT_MEMPOOL)
			return COFFER_ERR_INVALID_ARG;
	}
	if (check_outs(u->utxos, u->n_utxos, 0) != 0 || check_outs(u->spent, u->n_spent, 1) != 0)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < u->n_spends; i++)
		if (u->spends[i].height == 0 || u->spends[i].height > STORE_SPENT_MEMPOOL)
			return COFFER_ERR_INVALID_ARG;
	if (u->state.last_used[0] < -1 || u->state.last_used[1] < -1 || u->state.last_used[0] >= 0x80000000LL ||
	    u->state.last_used[1] >= 0x80000000LL || u->settled_height >= STORE_SPENT_MEMPOOL ||
	    (u->settled_height != 0 && u->n_spends > 0 && u->spends == NULL))
		return COFFER_ERR_INVALID_ARG;
	return 0;
}

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : COFFER_ERR_STORE;
}

/* A statement with one integer parameter, run to completion. */
static int
exec_int(sqlite3 *db, const char *sql, int64_t v)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_bind_int64(st, 1, v) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : COFFER_ERR_STORE;
}

/* An incoming payment: the wallet receives and spends nothing of its own. */
static int
incoming(const struct store_tx *t)
{
	return t->spent_sat == 0 && t->received_sat > 0;
}

/* Events to write once the outputs are stored: index into u->txs, and which. */
struct evc {
	size_t i;
	int confirmed;
};

static int
apply_txs(sqlite3 *db, const struct store_sync *u, int64_t now, int first_sync, struct evc *ev, size_t *n_ev)
{
	sqlite3_stmt *sel = NULL, *upd = NULL, *ins = NULL, *seen = NULL, *seq = NULL;
	int64_t next;
	size_t i;
	int r = COFFER_ERR_STORE, rc;

	/* Update what is known (keeping first_seen and seq), insert what is new, then
	 * sweep what the backend no longer reports above the settled height (a reorg,
	 * an evicted spend). */
	*n_ev = 0;
	if (exec(db, "CREATE TEMP TABLE IF NOT EXISTS seen (txid BLOB PRIMARY KEY) WITHOUT ROWID") != 0 ||
	    exec(db, "DELETE FROM temp.seen") != 0)
		return COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) + 1 FROM txs", -1, &seq, NULL) != SQLITE_OK ||
	    sqlite3_step(seq) != SQLITE_ROW)
		goto out;
	next = sqlite3_column_int64(seq, 0);
	if (sqlite3_prepare_v2(db, "SELECT notified FROM txs WHERE txid = ?", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE txs SET height = ?2, block_time = ?3, received_sat = ?4, spent_sat = ?5, "
	    "fee_sat = ?6, notified = ?7 WHERE txid = ?1", -1, &upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO txs (txid, height, block_time, received_sat, spent_sat, fee_sat, "
	    "notified, raw, first_seen, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &ins, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.seen (txid) VALUES (?)", -1, &seen, NULL) != SQLITE_OK)
		goto out;
	/* The backend lists newest first: walk oldest first so that new ones get increasing seq. */
	for (i = u->n_txs; i-- > 0;) {
		const struct store_tx *t = &u->txs[i];
		sqlite3_stmt *st;
		int64_t notified = 0;
		int known;

		sqlite3_reset(sel);
		if (sqlite3_bind_blob(sel, 1, t->txid, 32, SQLITE_STATIC) != SQLITE_OK)
			goto out;
		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto out;
		known = rc == SQLITE_ROW;
		if (known) {
			notified = sqlite3_column_int64(sel, 0);
			if (notified == 1 && t->height != 0) {
				ev[(*n_ev)++] = (struct evc){ i, 1 };	/* announced unconfirmed: now in a block */
				notified = 0;
			}
		} else if (incoming(t) && (!first_sync || t->height == 0 ||
		    (uint64_t)t->height + STORE_REORG_MARGIN > u->state.tip_height)) {
			/* The first sync of a store announces recent payments only, not a restored history. */
			ev[(*n_ev)++] = (struct evc){ i, 0 };
			notified = t->height == 0;
		}
		st = known ? upd : ins;
		sqlite3_reset(st);
		if (sqlite3_bind_blob(st, 1, t->txid, 32, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, t->height) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, t->block_time) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 4, t->received_sat) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 5, t->spent_sat) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 6, t->fee_sat) != SQLITE_OK || sqlite3_bind_int64(st, 7, notified) != SQLITE_OK)
			goto out;
		if (!known && (sqlite3_bind_blob(st, 8, t->raw, (int)t->raw_len, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 9, now) != SQLITE_OK || sqlite3_bind_int64(st, 10, next++) != SQLITE_OK))
			goto out;
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(seen);
		if (sqlite3_bind_blob(seen, 1, t->txid, 32, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(seen) != SQLITE_DONE)
			goto out;
	}
	if (exec_int(db, "DELETE FROM txs WHERE height > ? AND txid NOT IN (SELECT txid FROM temp.seen)",
	    u->settled_height) != 0 ||
	    exec(db, "DELETE FROM txs WHERE height = 0 AND txid NOT IN (SELECT txid FROM temp.seen)") != 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ins);
	sqlite3_finalize(seen);
	sqlite3_finalize(seq);
	return r;
}

static int
insert_outs(sqlite3_stmt *st, const struct store_utxo *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct store_utxo *o = &v[i];

		sqlite3_reset(st);
		if (sqlite3_bind_blob(st, 1, o->txid, 32, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, o->vout) != SQLITE_OK || sqlite3_bind_int64(st, 3, o->value) != SQLITE_OK ||
		    sqlite3_bind_blob(st, 4, o->script, (int)o->script_len, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 5, o->chain) != SQLITE_OK || sqlite3_bind_int64(st, 6, o->index) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 7, o->height) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 8, o->spent_height) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 9, o->account) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
			return COFFER_ERR_STORE;
	}
	return 0;
}

static int
apply_utxos(sqlite3 *db, const struct store_sync *u)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r = COFFER_ERR_STORE;
	int64_t h = u->settled_height;
	uint32_t base = u->state.complete_height < u->state.tip_height ? u->state.complete_height : u->state.tip_height;

	/* Outputs created above the settled height (or by a reported older one) are
	 * replaced by what was reported; spends made above it are undone, then redone. */
	if (exec_int(db, "DELETE FROM utxos WHERE height > ?", h) != 0 ||
	    exec(db, "DELETE FROM utxos WHERE height = 0") != 0 ||
	    (h != 0 && exec(db, "DELETE FROM utxos WHERE txid IN (SELECT txid FROM temp.seen)") != 0) ||
	    exec_int(db, "UPDATE utxos SET spent = 0 WHERE spent > ?", h) != 0)
		return COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO utxos (txid, vout, value, script, chain, idx, height, spent, "
	    "account) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return COFFER_ERR_STORE;
	if (insert_outs(st, u->utxos, u->n_utxos) != 0 || insert_outs(st, u->spent, u->n_spent) != 0)
		goto out;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "UPDATE utxos SET spent = ?3 WHERE txid = ?1 AND vout = ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		return COFFER_ERR_STORE;
	for (i = 0; i < u->n_spends; i++) {
		sqlite3_reset(st);
		if (sqlite3_bind_blob(st, 1, u->spends[i].txid, 32, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, u->spends[i].vout) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, u->spends[i].height) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	/* Spent for good: the spender is settled (the next sync will not look at it again). */
	if (base > STORE_REORG_MARGIN &&
	    exec_int(db, "DELETE FROM utxos WHERE spent > 0 AND spent <= ?", (int64_t)base - STORE_REORG_MARGIN) != 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_sync_apply(struct store *s, const struct store_sync *u, int64_t now)
{
	size_t n;

	return store_sync_apply_events(s, &n, u, now);
}

int
store_sync_apply_events(struct store *s, size_t *n_events, const struct store_sync *u, int64_t now)
{
	struct evc *ev = NULL;
	size_t n_ev = 0, i;
	int64_t synced = 0;
	char hash[65];
	int r;

	*n_events = 0;
	if ((r = check_sync(u)) != 0)
		return r;
	if ((ev = calloc(u->n_txs + 1, sizeof(*ev))) == NULL)
		return COFFER_ERR_NOMEM;
	store_lock(s);
	if ((r = exec(s->db, "BEGIN IMMEDIATE")) != 0)
		goto out;
	hex_encode(hash, sizeof(hash), u->state.tip_hash, 32);
	if ((r = meta_get_int(s->db, &synced, "chain_synced_at", 0)) != 0 ||
	    (r = apply_txs(s->db, u, now, synced == 0, ev, &n_ev)) != 0 || (r = apply_utxos(s->db, u)) != 0)
		goto fail;
	for (i = 0; i < n_ev; i++)
		if ((r = store_chain_event(s, &u->txs[ev[i].i], ev[i].confirmed, u->state.tip_height, u->network,
		    now)) != 0)
			goto fail;
	if ((r = exec(s->db, "DELETE FROM temp.seen")) != 0 ||
	    (r = meta_put_int(s->db, "chain_tip_height", u->state.tip_height)) != 0 ||
	    (r = meta_put_int(s->db, "chain_last_used_0", u->state.last_used[0])) != 0 ||
	    (r = meta_put_int(s->db, "chain_last_used_1", u->state.last_used[1])) != 0 ||
	    (r = meta_put_int(s->db, "chain_synced_at", u->state.synced_at)) != 0 ||
	    (r = meta_put_int(s->db, "chain_incremental", 1)) != 0 ||
	    (r = meta_put_int(s->db, "chain_complete_height", u->state.complete_height)) != 0)
		goto fail;
	{
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('chain_tip_hash', ?)", -1,
		    &st, NULL) != SQLITE_OK || sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			r = COFFER_ERR_STORE;
		sqlite3_finalize(st);
	}
	if (r == 0 && (r = exec(s->db, "COMMIT")) == 0) {
		s->chain_gen++;
		*n_events = n_ev;
		goto out;
	}
fail:
	exec(s->db, "ROLLBACK");
out:
	store_unlock(s);
	free(ev);
	return r;
}

uint64_t
store_chain_generation(struct store *s)
{
	uint64_t g;

	store_lock(s);
	g = s->chain_gen;
	store_unlock(s);
	return g;
}

int
store_tx_settled(struct store *s, const uint8_t txid[32], uint32_t max_height)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM txs WHERE txid = ? AND height > 0 AND height <= ?", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_blob(st, 1, txid, 32, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 2, max_height) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		r = 1;
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_chain_state_get(struct store *s, struct store_chain_state *out)
{
	char hash[80];
	int64_t h = 0, inc = 0, ch = 0;
	int r;

	memset(out, 0, sizeof(*out));
	store_lock(s);
	if ((r = meta_get_int(s->db, &h, "chain_tip_height", 0)) == 0 &&
	    (r = meta_get_int(s->db, &out->last_used[0], "chain_last_used_0", -1)) == 0 &&
	    (r = meta_get_int(s->db, &out->last_used[1], "chain_last_used_1", -1)) == 0 &&
	    (r = meta_get_int(s->db, &inc, "chain_incremental", 0)) == 0 &&
	    (r = meta_get_int(s->db, &ch, "chain_complete_height", 0)) == 0)
		r = meta_get_int(s->db, &out->synced_at, "chain_synced_at", 0);
	out->incremental = inc == 1;
	out->complete_height = ch > 0 && ch <= 0x7fffffff ? (uint32_t)ch : 0;
	store_unlock(s);
	if (r != 0)
		return r;
	if (h < 0 || h > 0x7fffffff)
		h = 0;
	out->tip_height = (uint32_t)h;
	if (store_meta_get(s, hash, sizeof(hash), "chain_tip_hash") == 0)
		(void)hex_decode_exact(out->tip_hash, 32, hash);
	return 0;
}

int
store_tx_raw(struct store *s, struct cbuf *raw, const uint8_t txid[32])
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT raw FROM txs WHERE txid = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, txid, 32, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = COFFER_ERR_NOT_FOUND;
	else if (rc == SQLITE_ROW)
		r = cbuf_put(raw, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
out:
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_tx_list(struct store *s, struct store_tx *out, size_t max, size_t *n, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	store_lock(s);
	/* seq < ?1 with ?1 = the largest integer for the first page: one index range, no OR. */
	if (sqlite3_prepare_v2(s->db, "SELECT txid, height, block_time, received_sat, spent_sat, fee_sat, first_seen, "
	    "seq FROM txs WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, before > 0 ? before : INT64_MAX) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_tx *t = &out[*n];

		memset(t, 0, sizeof(*t));
		if (sqlite3_column_bytes(st, 0) != 32)
			goto out;
		memcpy(t->txid, sqlite3_column_blob(st, 0), 32);
		t->height = (uint32_t)sqlite3_column_int64(st, 1);
		t->block_time = sqlite3_column_int64(st, 2);
		t->received_sat = sqlite3_column_int64(st, 3);
		t->spent_sat = sqlite3_column_int64(st, 4);
		t->fee_sat = sqlite3_column_int64(st, 5);
		t->first_seen = sqlite3_column_int64(st, 6);
		t->seq = sqlite3_column_int64(st, 7);
		(*n)++;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	if (r != 0)
		*n = 0;
	return r;
}

int
store_utxo_list(struct store *s, struct store_utxo *out, size_t max, size_t *n, const uint8_t *after_txid,
    uint32_t after_vout)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	store_lock(s);
	/* One range of the primary key from the cursor (the first page from an empty blob, below every txid);
	 * +spent keeps SQLite on the key (LIMIT stops early) rather than the spent index and a sort. */
	if (sqlite3_prepare_v2(s->db, "SELECT txid, vout, value, script, chain, idx, height, account FROM utxos "
	    "WHERE (txid, vout) > (?1, ?2) AND +spent = 0 ORDER BY txid, vout LIMIT ?3", -1, &st, NULL) != SQLITE_OK ||
	    (after_txid != NULL ? sqlite3_bind_blob(st, 1, after_txid, 32, SQLITE_STATIC) :
	    sqlite3_bind_zeroblob(st, 1, 0)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, after_txid != NULL ? (sqlite3_int64)after_vout : -1) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)max) != SQLITE_OK)
		goto out;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_utxo *o = &out[*n];
		size_t sl = (size_t)sqlite3_column_bytes(st, 3);

		memset(o, 0, sizeof(*o));
		if (sqlite3_column_bytes(st, 0) != 32 || sl == 0 || sl > sizeof(o->script))
			goto out;
		memcpy(o->txid, sqlite3_column_blob(st, 0), 32);
		o->vout = (uint32_t)sqlite3_column_int64(st, 1);
		o->value = sqlite3_column_int64(st, 2);
		memcpy(o->script, sqlite3_column_blob(st, 3), sl);
		o->script_len = sl;
		o->chain = (uint32_t)sqlite3_column_int64(st, 4);
		o->index = (uint32_t)sqlite3_column_int64(st, 5);
		o->height = (uint32_t)sqlite3_column_int64(st, 6);
		o->account = (uint32_t)sqlite3_column_int64(st, 7);
		(*n)++;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	if (r != 0)
		*n = 0;
	return r;
}

int
store_utxo_foreach(struct store *s, int (*fn)(void *arg, const struct store_utxo *u), void *arg)
{
	struct store_utxo o;
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT txid, vout, value, script, chain, idx, height, account FROM utxos "
	    "WHERE +spent = 0 ORDER BY txid, vout", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t sl = (size_t)sqlite3_column_bytes(st, 3);

		memset(&o, 0, sizeof(o));
		if (sqlite3_column_bytes(st, 0) != 32 || sl == 0 || sl > sizeof(o.script))
			goto out;
		memcpy(o.txid, sqlite3_column_blob(st, 0), 32);
		o.vout = (uint32_t)sqlite3_column_int64(st, 1);
		o.value = sqlite3_column_int64(st, 2);
		memcpy(o.script, sqlite3_column_blob(st, 3), sl);
		o.script_len = sl;
		o.chain = (uint32_t)sqlite3_column_int64(st, 4);
		o.index = (uint32_t)sqlite3_column_int64(st, 5);
		o.height = (uint32_t)sqlite3_column_int64(st, 6);
		o.account = (uint32_t)sqlite3_column_int64(st, 7);
		if ((r = fn(arg, &o)) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : COFFER_ERR_STORE;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_balance(struct store *s, int64_t *confirmed, int64_t *unconfirmed, size_t *n_utxos)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	*confirmed = *unconfirmed = 0;
	*n_utxos = 0;
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(sum(CASE WHEN height > 0 THEN value END), 0), "
	    "coalesce(sum(CASE WHEN height = 0 THEN value END), 0), count(*) FROM utxos WHERE spent = 0", -1, &st,
	    NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*confirmed = sqlite3_column_int64(st, 0);
		*unconfirmed = sqlite3_column_int64(st, 1);
		*n_utxos = (size_t)sqlite3_column_int64(st, 2);
		r = 0;
	}
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}
