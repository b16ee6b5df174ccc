/*
 * The store's schema, as numbered migrations. Append a migration to change
 * the schema; never edit one that has shipped (databases in the field have
 * already run it).
 */
#include "daemon/store_int.h"

#include <stdio.h>
#include <time.h>

#include "common/err.h"

struct store_migration {
	int version;
	const char *sql;
};

static const struct store_migration migrations[] = {
	{ 1,
	  /* Small settings: network binding, wallet identity, sync checkpoints. */
	  "CREATE TABLE meta ("
	  "  key TEXT PRIMARY KEY NOT NULL,"
	  "  value TEXT NOT NULL"
	  ") WITHOUT ROWID;"
	  /* Scoped API tokens: a hash of id and secret, never the secret. */
	  "CREATE TABLE tokens ("
	  "  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),"
	  "  hash BLOB NOT NULL CHECK (length(hash) = 32),"
	  "  scope INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 4),"
	  "  label TEXT NOT NULL,"
	  "  created_at INTEGER NOT NULL,"
	  "  expires_at INTEGER NOT NULL DEFAULT 0"
	  ");"
	  /* Addresses handed out, by derivation position. */
	  "CREATE TABLE addresses ("
	  "  account INTEGER NOT NULL,"
	  "  chain INTEGER NOT NULL CHECK (chain IN (0, 1)),"
	  "  idx INTEGER NOT NULL CHECK (idx >= 0 AND idx < 2147483648),"
	  "  path TEXT NOT NULL,"
	  "  address TEXT NOT NULL UNIQUE,"
	  "  script BLOB NOT NULL,"
	  "  label TEXT NOT NULL DEFAULT '',"
	  "  created_at INTEGER NOT NULL,"
	  "  PRIMARY KEY (account, chain, idx)"
	  ");" },
	{ 2,
	  /* Payments (docs/PAYMENTS.md): one row per payment, its signed tx before broadcast. */
	  "CREATE TABLE payments ("
	  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  "  id TEXT NOT NULL UNIQUE CHECK (length(id) = 20),"
	  "  idem_key TEXT UNIQUE,"
	  "  request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),"
	  "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 5),"
	  "  kind TEXT NOT NULL,"
	  "  parent_id TEXT NOT NULL DEFAULT '',"
	  "  replaced_by TEXT NOT NULL DEFAULT '',"
	  "  txid BLOB,"
	  "  raw_tx BLOB,"
	  "  fee_sat INTEGER NOT NULL,"
	  "  fee_rate INTEGER NOT NULL,"
	  "  vsize INTEGER NOT NULL,"
	  "  change_pos INTEGER NOT NULL,"
	  "  change_account INTEGER NOT NULL,"
	  "  change_index INTEGER NOT NULL,"
	  "  outputs TEXT NOT NULL,"
	  "  failure TEXT NOT NULL DEFAULT '',"
	  "  created_at INTEGER NOT NULL,"
	  "  updated_at INTEGER NOT NULL,"
	  "  confirmed_height INTEGER NOT NULL DEFAULT 0"
	  ");"
	  "CREATE INDEX payments_status ON payments (status, seq);"
	  "CREATE INDEX payments_txid ON payments (txid);"
	  /* The coins each payment spends; a coin is reserved by at most one live payment. */
	  "CREATE TABLE payment_inputs ("
	  "  payment_seq INTEGER NOT NULL REFERENCES payments (seq),"
	  "  txid BLOB NOT NULL CHECK (length(txid) = 32),"
	  "  vout INTEGER NOT NULL,"
	  "  value INTEGER NOT NULL,"
	  "  spk BLOB NOT NULL,"
	  "  account INTEGER NOT NULL,"
	  "  chain INTEGER NOT NULL,"
	  "  idx INTEGER NOT NULL,"
	  "  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
	  "  PRIMARY KEY (payment_seq, txid, vout)"
	  ");"
	  "CREATE UNIQUE INDEX payment_inputs_reserved ON payment_inputs (txid, vout) WHERE active = 1;"
	  /* Events for webhooks and GET /v1/events, written with the change they report. */
	  "CREATE TABLE events ("
	  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  "  type TEXT NOT NULL,"
	  "  payment_id TEXT NOT NULL DEFAULT '',"
	  "  body TEXT NOT NULL,"
	  "  created_at INTEGER NOT NULL"
	  ");"
	  /* Webhook endpoints and their per-event deliveries (the outbox). */
	  "CREATE TABLE webhooks ("
	  "  id TEXT PRIMARY KEY NOT NULL,"
	  "  url TEXT NOT NULL,"
	  "  events TEXT NOT NULL,"
	  "  secret BLOB NOT NULL,"
	  "  created_at INTEGER NOT NULL"
	  ");"
	  "CREATE TABLE webhook_deliveries ("
	  "  webhook_id TEXT NOT NULL,"
	  "  event_seq INTEGER NOT NULL,"
	  "  attempts INTEGER NOT NULL DEFAULT 0,"
	  "  next_at INTEGER NOT NULL,"
	  "  state INTEGER NOT NULL DEFAULT 0,"
	  "  last_status INTEGER NOT NULL DEFAULT 0,"
	  "  PRIMARY KEY (webhook_id, event_seq)"
	  ");"
	  "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);" },
	{ 3,
	  /* The chain as the last sync saw it: the wallet's transactions (raw bytes
	   * checked against their txid by the backend) and its unspent outputs.
	   * seq orders transactions by first sight, for stable cursor paging. */
	  "CREATE TABLE txs ("
	  "  txid BLOB PRIMARY KEY NOT NULL CHECK (length(txid) = 32),"
	  "  raw BLOB NOT NULL,"
	  "  height INTEGER NOT NULL CHECK (height >= 0),"
	  "  block_time INTEGER NOT NULL,"
	  "  received_sat INTEGER NOT NULL CHECK (received_sat >= 0),"
	  "  spent_sat INTEGER NOT NULL CHECK (spent_sat >= 0),"
	  "  fee_sat INTEGER NOT NULL CHECK (fee_sat >= -1),"
	  "  first_seen INTEGER NOT NULL,"
	  "  seq INTEGER NOT NULL UNIQUE"
	  ");"
	  "CREATE TABLE utxos ("
	  "  txid BLOB NOT NULL CHECK (length(txid) = 32),"
	  "  vout INTEGER NOT NULL CHECK (vout >= 0),"
	  "  value INTEGER NOT NULL CHECK (value >= 0),"
	  "  script BLOB NOT NULL,"
	  "  chain INTEGER NOT NULL CHECK (chain IN (0, 1)),"
	  "  idx INTEGER NOT NULL CHECK (idx >= 0),"
	  "  height INTEGER NOT NULL CHECK (height >= 0),"
	  "  PRIMARY KEY (txid, vout)"
	  ") WITHOUT ROWID;" },
	{ 4,
	  /* Incremental sync (docs/STORAGE.md): spent outputs are kept (spent = the
	   * spender's height, 2147483647 unconfirmed) while a reorg could undo the
	   * spend; the unspent set is spent = 0. notified = 1: an incoming payment
	   * announced unconfirmed, its payment.confirmed still due. Indexes for the
	   * window an incremental sync rewrites and for the unspent set. */
	  "ALTER TABLE utxos ADD COLUMN spent INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE txs ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;"
	  "CREATE INDEX txs_height ON txs (height);"
	  "CREATE INDEX utxos_height ON utxos (height);"
	  "CREATE INDEX utxos_spent ON utxos (spent, height);" },
	{ 5,
	  /* Which wallet account a coin belongs to (payments spend from the store's
	   * view): its position in the payments engine's account list, 0 being the
	   * address type's account, the one the syncer follows. */
	  "ALTER TABLE utxos ADD COLUMN account INTEGER NOT NULL DEFAULT 0 CHECK (account >= 0);" },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int
store_schema_latest(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

static int
fail(char *err, size_t errsize, sqlite3 *db, const char *what, int version)
{
	if (err != NULL && errsize > 0)
		snprintf(err, errsize, "%s (migration %d): %s", what, version, sqlite3_errmsg(db));
	return COFFER_ERR_STORE_SCHEMA;
}

static int
current_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_migrate(sqlite3 *db, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int have;

	if (sqlite3_exec(db,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "  version INTEGER PRIMARY KEY NOT NULL,"
	    "  applied_at INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		return fail(err, errsize, db, "cannot create schema_migrations", 0);
	if (current_version(db, &have) != 0)
		return fail(err, errsize, db, "cannot read schema version", 0);
	if (have > store_schema_latest()) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize,
			    "database schema version %d is newer than this cofferd knows (%d); run a newer cofferd",
			    have, store_schema_latest());
		return COFFER_ERR_STORE_SCHEMA;
	}
	for (i = 0; i < N_MIGRATIONS; i++) {
		const struct store_migration *m = &migrations[i];

		if (m->version <= have)
			continue;
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return fail(err, errsize, db, "cannot begin", m->version);
		if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
			int r = fail(err, errsize, db, "migration failed", m->version);

			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", -1,
		    &st, NULL) != SQLITE_OK ||
		    sqlite3_bind_int(st, 1, m->version) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL)) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			int r = fail(err, errsize, db, "cannot record migration", m->version);

			sqlite3_finalize(st);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int r = fail(err, errsize, db, "cannot commit", m->version);

			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
	}
	return 0;
}
