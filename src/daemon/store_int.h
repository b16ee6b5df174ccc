/* Internals shared by store.c and store_migrations.c. */
#ifndef COFFER_DAEMON_STORE_INT_H
#define COFFER_DAEMON_STORE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "daemon/store.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;
	uint64_t chain_gen;	/* under mu: chain views written since open (store_chain_generation) */
};

/* The store's mutex (every public call holds it). */
void store_lock(struct store *s);
void store_unlock(struct store *s);
/* A string for the store: at most max bytes, no control characters.
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_BAD_STRING. */
int store_check_text(const char *v, size_t max);
/* Copy a TEXT column into dst (NUL-terminated). Returns 0 or COFFER_ERR_STORE (NULL or too long). */
int store_copy_text(char *dst, size_t dstsize, sqlite3_stmt *st, int col);

struct store_event;
/* Append an event and its webhook deliveries; the caller holds the lock inside a write transaction
 * (store_payments.c). Out: e->seq. Returns 0, COFFER_ERR_INVALID_ARG or COFFER_ERR_STORE. */
int store_event_insert_locked(struct store *s, struct store_event *e);
/* The events of an applied sync for transaction t (store_chain_events.c): payment.received (confirmed
 * says whether it is already in a block), or payment.confirmed for one announced unconfirmed before.
 * Caller holds the lock inside the sync's transaction. Returns 0, COFFER_ERR_NOMEM or COFFER_ERR_STORE. */
int store_chain_event(struct store *s, const struct store_tx *t, int confirmed_event, uint32_t tip,
    enum btc_network net, int64_t now);

/*
 * Bring the schema to store_schema_latest(): each pending migration in its
 * own transaction with its schema_migrations row.
 * Returns 0 or COFFER_ERR_STORE_SCHEMA (newer schema, or a step failed; err says which).
 */
int store_migrate(sqlite3 *db, char *err, size_t errsize);

#endif
