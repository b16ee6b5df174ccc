/* Internals shared by store.c and store_migrations.c. */
#ifndef COFFER_DAEMON_STORE_INT_H
#define COFFER_DAEMON_STORE_INT_H

#include <pthread.h>
#include <stddef.h>

#include <sqlite3.h>

#include "daemon/store.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t mu;
};

/*
 * Bring the schema to store_schema_latest(): each pending migration in its
 * own transaction with its schema_migrations row.
 * Returns 0 or COFFER_ERR_STORE_SCHEMA (newer schema, or a step failed; err says which).
 */
int store_migrate(sqlite3 *db, char *err, size_t errsize);

#endif
