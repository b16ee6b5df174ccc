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

#include "btc/network.h"
#include "common/buf.h"

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

/* --- chain: what the last sync saw (store_chain.c) ------------------------------------- */

#define STORE_MAX_TX_RAW ((size_t)4 << 20)	/* bytes of one raw transaction */

struct store_tx {
	uint8_t txid[32];		/* internal byte order */
	uint32_t height;		/* 0: unconfirmed */
	int64_t block_time;		/* unix seconds, 0 when unconfirmed */
	int64_t received_sat;		/* its outputs that pay the wallet */
	int64_t spent_sat;		/* the wallet's outputs its inputs spend */
	int64_t fee_sat;		/* -1: unknown (an input is not the wallet's) */
	int64_t first_seen;		/* unix seconds cofferd first saw it */
	int64_t seq;			/* first-sight order: the paging cursor */
	const uint8_t *raw;		/* store_sync_apply: the serialisation */
	size_t raw_len;
};

struct store_utxo {
	uint8_t txid[32];
	uint32_t vout;
	int64_t value;
	uint8_t script[STORE_MAX_SCRIPT];
	size_t script_len;
	uint32_t chain;			/* 0 receive, 1 change */
	uint32_t index;
	uint32_t height;		/* 0: unconfirmed */
	uint32_t account;		/* the payments engine's account index (0: the address type's) */
	uint32_t spent_height;		/* store_sync.spent: its spender's height (STORE_SPENT_MEMPOOL unconfirmed) */
};

/* spent_height of an output an unconfirmed transaction spends (= CHAIN_SPENT_MEMPOOL). */
#define STORE_SPENT_MEMPOOL 0x7fffffffu
/* Blocks below the tip a spent output is kept for (= CHAIN_REORG_MARGIN). */
#define STORE_REORG_MARGIN 6u

/* An older unspent output a sync's transactions spend. */
struct store_spend {
	uint8_t txid[32];
	uint32_t vout;
	uint32_t height;		/* the spender's, STORE_SPENT_MEMPOOL when unconfirmed */
};

/* Where the chain stood at the last sync. */
struct store_chain_state {
	uint32_t tip_height;		/* 0 before the first sync */
	uint8_t tip_hash[32];
	int64_t last_used[2];		/* highest used index per chain, -1 none */
	int64_t synced_at;		/* unix seconds, 0 never */
	int incremental;		/* the store's UTXO set can take an incremental sync */
	uint32_t complete_height;	/* the last sync saw every transaction up to here (<= tip_height) */
};

/*
 * One sync's result, applied at once: a full sync (settled_height 0: every
 * transaction and the whole UTXO set), or an incremental one (the
 * transactions above settled_height, unconfirmed ones, and their effect).
 */
struct store_sync {
	struct store_chain_state state;
	uint32_t settled_height;	/* 0: full; else what the request trusted the store with */
	enum btc_network network;	/* addresses in payment.received events */
	const struct store_tx *txs;	/* raw set */
	size_t n_txs;
	const struct store_utxo *utxos;	/* unspent outputs the transactions create */
	size_t n_utxos;
	const struct store_utxo *spent;	/* outputs they create and spend (spent_height set) */
	size_t n_spent;
	const struct store_spend *spends;	/* older outputs they spend (incremental) */
	size_t n_spends;
};

/*
 * Apply a sync result in one transaction (all or nothing; durable when it
 * returns). Transactions above settled_height (all of them for a full sync)
 * and unconfirmed ones that are no longer reported are dropped, with the
 * outputs they created and the spends they made; reported ones keep their
 * first_seen and seq, new ones get first_seen = now and the next seq. The
 * UTXO set below settled_height is kept, minus what the new transactions
 * spend. Spent outputs are kept while their spender is within
 * STORE_REORG_MARGIN blocks of the tip (so a reorg can give them back).
 * Incoming payments are announced in the same transaction (events
 * payment.received, then payment.confirmed; docs/PAYMENTS.md).
 * Returns 0, COFFER_ERR_INVALID_ARG (a field out of range) or COFFER_ERR_STORE.
 */
int store_sync_apply(struct store *s, const struct store_sync *u, int64_t now);
/* The same; Out: n_events (events written, 0 on failure). */
int store_sync_apply_events(struct store *s, size_t *n_events, const struct store_sync *u, int64_t now);

/*
 * How many chain views store_sync_apply has written since this store was
 * opened (0: none yet, whatever an earlier session left). Any change of the
 * UTXO set changes it, so a reader may cache the set under this number.
 */
uint64_t store_chain_generation(struct store *s);

/* 1 when txid is stored confirmed at a height <= max_height (an incremental sync's settled part), else 0. */
int store_tx_settled(struct store *s, const uint8_t txid[32], uint32_t max_height);

/* The chain state (zeros and last_used -1 before the first sync). Returns 0 or COFFER_ERR_STORE. */
int store_chain_state_get(struct store *s, struct store_chain_state *out);

/* The raw transaction txid (appended to raw). Returns 0, COFFER_ERR_NOT_FOUND, TOO_LARGE or STORE. */
int store_tx_raw(struct store *s, struct cbuf *raw, const uint8_t txid[32]);

/*
 * Transactions newest first (by seq), those with seq < before (0: from the
 * newest), at most max. raw is not filled. Returns 0 or COFFER_ERR_STORE.
 */
int store_tx_list(struct store *s, struct store_tx *out, size_t max, size_t *n, int64_t before);

/*
 * Unspent outputs ordered by (txid, vout), those after (after_txid, after_vout)
 * when after_txid is not NULL, at most max. Returns 0 or COFFER_ERR_STORE.
 */
int store_utxo_list(struct store *s, struct store_utxo *out, size_t max, size_t *n, const uint8_t *after_txid,
    uint32_t after_vout);

/*
 * Every unspent output, ordered by (txid, vout), handed to fn in one read (the
 * store's lock held: fn must not call the store). A non-zero return from fn
 * stops and is returned. Returns 0, fn's code or COFFER_ERR_STORE.
 */
int store_utxo_foreach(struct store *s, int (*fn)(void *arg, const struct store_utxo *u), void *arg);

/* Sums of the unspent outputs, confirmed and not. Returns 0 or COFFER_ERR_STORE. */
int store_balance(struct store *s, int64_t *confirmed, int64_t *unconfirmed, size_t *n_utxos);

#endif
