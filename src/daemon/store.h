/*
 * The daemon's store: one SQLite database, <datadir>/coffer.db, encrypted as
 * a whole (every page, the WAL included) with SQLCipher under the 32-byte
 * storage key the signer releases after unlock. The key is used raw (no
 * passphrase KDF on each open); cipher settings are set explicitly on every
 * open (docs/STORAGE.md says which and why). WAL mode with synchronous=FULL:
 * a committed write survives kill -9 and power loss. The schema is built by
 * numbered migrations recorded in the schema_migrations table
 * (store_migrations.c).
 *
 * A store is safe to use from several threads: every call takes its lock.
 * Strings handed in are bounded (STORE_MAX_*) and must be NUL-terminated
 * UTF-8 without control characters (the HTTP layer checks; the store refuses
 * what slips through with COFFER_ERR_BAD_STRING).
 */
#ifndef COFFER_DAEMON_STORE_H
#define COFFER_DAEMON_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_FILE "coffer.db"
#define STORE_KEY_LEN 32
#define STORE_MAX_LABEL 128		/* bytes of a label, without the NUL */
#define STORE_MAX_META 1024		/* bytes of a meta value, without the NUL */
#define STORE_MAX_TOKENS 256		/* scoped tokens at once */
#define STORE_TOKEN_ID_LEN 16		/* hex characters of a token id */
#define STORE_MAX_ADDRESS 90		/* characters of an address */
#define STORE_MAX_SCRIPT 64		/* bytes of an output script we derive */

struct store;

/*
 * Open (creating it if absent, mode 0600) the database at path with key,
 * apply the cipher settings, check that the key opens it, switch to WAL and
 * run the migrations.
 * Returns 0, COFFER_ERR_STORE_KEY (wrong key, or not a Coffer database),
 * COFFER_ERR_STORE_SCHEMA (written by a newer cofferd, or a migration failed),
 * COFFER_ERR_IO / COFFER_ERR_STORE (err says what SQLite said) or NOMEM.
 * Out: *out (NULL on failure), err[errsize] (may be NULL). In: path, key[32].
 */
int store_open(struct store **out, char *err, size_t errsize, const char *path, const uint8_t key[STORE_KEY_LEN]);

/* Close; NULL is fine. Checkpoints the WAL into the encrypted main file. */
void store_close(struct store *s);

/* The highest applied migration. Returns 0 or COFFER_ERR_STORE. */
int store_schema_version(struct store *s, int *version);
/* The newest migration this build knows. */
int store_schema_latest(void);
/* The SQLCipher version string ("3.4.1"), for /v1/info and logs. Out: buf. */
int store_cipher_version(struct store *s, char *buf, size_t bufsize);

/* --- meta: small key/value settings ------------------------------------------------ */

/* Returns 0, COFFER_ERR_NOT_FOUND, COFFER_ERR_TOO_LARGE (out too small) or COFFER_ERR_STORE. */
int store_meta_get(struct store *s, char *out, size_t outsize, const char *key);
/* Insert or replace. Returns 0, COFFER_ERR_TOO_LARGE, COFFER_ERR_BAD_STRING or COFFER_ERR_STORE. */
int store_meta_set(struct store *s, const char *key, const char *value);
/*
 * Bind the database to a network on first use; later opens must match.
 * Returns 0, COFFER_ERR_STORE_NETWORK (err names both) or COFFER_ERR_STORE.
 */
int store_check_network(struct store *s, char *err, size_t errsize, const char *network);

/* --- tokens: scoped API tokens, only their hashes ------------------------------------ */

struct store_token {
	char id[STORE_TOKEN_ID_LEN + 1];	/* 16 lowercase hex, public */
	uint8_t hash[32];			/* auth.c's tagged SHA-256 of id and secret */
	int scope;				/* enum auth_scope */
	char label[STORE_MAX_LABEL + 1];
	int64_t created_at;			/* unix seconds */
	int64_t expires_at;			/* unix seconds, 0 = never */
};

/* Returns 0, COFFER_ERR_TOO_MANY_TOKENS, COFFER_ERR_INVALID_ARG (id taken or malformed),
 * COFFER_ERR_BAD_STRING or COFFER_ERR_STORE. */
int store_token_insert(struct store *s, const struct store_token *t);
/* Returns 0, COFFER_ERR_NOT_FOUND or COFFER_ERR_STORE. */
int store_token_delete(struct store *s, const char *id);
/* All tokens, oldest first. Out: out[max], *n. Returns 0, COFFER_ERR_TOO_LARGE (more than max) or STORE. */
int store_token_list(struct store *s, struct store_token *out, size_t max, size_t *n);

/* --- addresses: what we handed out ------------------------------------------------------ */

struct store_address {
	uint32_t account;
	uint32_t chain;			/* 0 receive, 1 change */
	uint32_t index;
	char path[64];			/* "m/86h/1h/0h/0/5" */
	char address[STORE_MAX_ADDRESS + 1];
	uint8_t script[STORE_MAX_SCRIPT];
	size_t script_len;
	char label[STORE_MAX_LABEL + 1];
	int64_t created_at;
};

/* Returns 0, COFFER_ERR_INVALID_ARG (index or address already stored), COFFER_ERR_BAD_STRING,
 * COFFER_ERR_TOO_LARGE or COFFER_ERR_STORE. */
int store_address_insert(struct store *s, const struct store_address *a);
/* Look up by address string. Returns 0, COFFER_ERR_NOT_FOUND or COFFER_ERR_STORE. */
int store_address_get(struct store *s, struct store_address *out, const char *address);
/* One past the highest index stored for account/chain (0 when none). */
int store_address_next_index(struct store *s, uint32_t *out, uint32_t account, uint32_t chain);
/*
 * Addresses of account/chain with index >= from_index, lowest first, at most max.
 * Returns 0 or COFFER_ERR_STORE. Out: out[max], *n.
 */
int store_address_list(struct store *s, struct store_address *out, size_t max, size_t *n, uint32_t account,
    uint32_t chain, uint32_t from_index);
/* Replace an address's label. Returns 0, COFFER_ERR_NOT_FOUND, BAD_STRING, TOO_LARGE or STORE. */
int store_address_set_label(struct store *s, const char *address, const char *label);

#endif
