/*
 * The store's payment tables (docs/PAYMENTS.md): payments with their signed
 * transactions, the coins they reserve, idempotency keys, and the event log
 * that feeds webhooks and GET /v1/events.
 *
 * Durability rules the payment engine relies on:
 *   - a payment, its reserved coins and its idempotency key are written in one
 *     transaction: a coin can be reserved by one live payment only (a partial
 *     UNIQUE index), an idempotency key names one payment only;
 *   - every status change and the event it announces are written in one
 *     transaction, so an event is never lost and never invented;
 *   - the signed transaction is stored (status signed) before it is broadcast.
 * Every call takes the store's lock; each is one SQLite transaction.
 */
#ifndef COFFER_DAEMON_STORE_PAYMENTS_H
#define COFFER_DAEMON_STORE_PAYMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"

#define STORE_PAY_ID_LEN     20		/* "pay_" + 16 lowercase hex */
#define STORE_MAX_IDEM_KEY   128	/* bytes of an idempotency key */
#define STORE_MAX_FAILURE    256	/* bytes of a failure reason */
#define STORE_MAX_OUTPUTS_JSON ((size_t)1 << 20)
#define STORE_MAX_RAW_TX     ((size_t)400000)
#define STORE_MAX_EVENT_BODY ((size_t)64 << 10)
#define STORE_MAX_EVENT_TYPE 32

enum store_pay_status {
	STORE_PAY_CREATED = 0,		/* built and recorded, coins reserved, not signed */
	STORE_PAY_SIGNED = 1,		/* signed transaction stored; not known to the network yet */
	STORE_PAY_BROADCAST = 2,	/* the backend has it */
	STORE_PAY_CONFIRMED = 3,	/* in a block */
	STORE_PAY_FAILED = 4,		/* never reached the network; coins released */
	STORE_PAY_REPLACED = 5,		/* a replacement (bump, cancel) took its place */
};
#define STORE_PAY_NSTATUS 6

/* Name of a status ("broadcast"), and back (-1 when unknown). */
const char *store_pay_status_name(int status);
int store_pay_status_parse(const char *name);

struct store_payment {
	char id[STORE_PAY_ID_LEN + 1];
	int64_t seq;			/* insertion order, the paging cursor */
	char idem_key[STORE_MAX_IDEM_KEY + 1];	/* "" when none */
	uint8_t request_hash[32];	/* SHA-256 of the canonical request */
	int status;			/* enum store_pay_status */
	char kind[16];			/* "payment", "bump", "cancel", "cpfp" */
	char parent_id[STORE_PAY_ID_LEN + 1];	/* bump/cancel/cpfp: the payment it acts on */
	char replaced_by[STORE_PAY_ID_LEN + 1];	/* set when replaced */
	int has_txid;
	uint8_t txid[32];		/* internal byte order */
	uint8_t *raw_tx;		/* malloc'd signed transaction (get/list fill it) */
	size_t raw_tx_len;
	int64_t fee_sat;
	uint64_t fee_rate_sat_kvb;
	uint32_t vsize;
	int change_pos;			/* -1: none */
	uint32_t change_account, change_index;
	char *outputs_json;		/* malloc'd JSON array [{address, amount_sat}...] */
	char failure[STORE_MAX_FAILURE + 1];
	int64_t created_at, updated_at;	/* unix seconds */
	uint32_t confirmed_height;
};

struct store_pay_input {
	uint8_t txid[32];
	uint32_t vout;
	int64_t value;
	uint8_t spk[STORE_MAX_SCRIPT];	/* the coin's script and its key's derivation: */
	size_t spk_len;			/* a bump must rebuild the PSBT after the coin */
	uint32_t account, chain, index;	/* has left the chain's UTXO set */
};

/* An event for the log (type "payment.sent", body a JSON object). */
struct store_event {
	int64_t seq;
	char type[STORE_MAX_EVENT_TYPE + 1];
	char payment_id[STORE_PAY_ID_LEN + 1];
	char *body;			/* malloc'd JSON text */
	int64_t created_at;
};

/* Free what a payment / event holds (NULL allowed) and zero it. */
void store_payment_clear(struct store_payment *p);
void store_event_clear(struct store_event *e);

/*
 * Record a new payment (status CREATED, or SIGNED when raw_tx is set) with
 * its reserved inputs; when p->kind is "bump" or "cancel" (a replacement),
 * the reservations of p->parent_id pass to this one.
 * Returns 0; COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT (the key is taken: look it
 *   up); COFFER_ERR_PAY_RESERVED (an input is reserved by another live
 *   payment); COFFER_ERR_INVALID_ARG (malformed fields, id taken);
 *   COFFER_ERR_BAD_STRING; COFFER_ERR_STORE.
 * Out: p->seq is set on success. In: ins[n].
 */
int store_payment_insert(struct store *s, struct store_payment *p, const struct store_pay_input *ins, size_t n);

/* Look up by id / by idempotency key. Returns 0, COFFER_ERR_NOT_FOUND or COFFER_ERR_STORE.
 * Out: out (clear it with store_payment_clear). */
int store_payment_get(struct store *s, struct store_payment *out, const char *id);
int store_payment_get_by_key(struct store *s, struct store_payment *out, const char *idem_key);

/* The inputs of a payment. Out: *ins (malloc'd), *n. Returns 0 or COFFER_ERR_STORE / NOMEM. */
int store_payment_inputs(struct store *s, struct store_pay_input **ins, size_t *n, const char *id);

/*
 * A page of payments, newest first: seq < before (0: from the newest), status
 * filter (-1: any), at most max. Out: out[max] (clear each), *n.
 * Returns 0 or COFFER_ERR_STORE / NOMEM.
 */
int store_payment_list(struct store *s, struct store_payment *out, size_t max, size_t *n, int64_t before,
    int status);

/* Payments in a status (for the restart reconciliation), oldest first, at most max ids. */
int store_payment_ids_in(struct store *s, char (*ids)[STORE_PAY_ID_LEN + 1], size_t max, size_t *n, int status);

/* A status change and what comes with it. */
struct store_pay_update {
	int from;			/* expected current status (-1: any); else COFFER_ERR_PAY_STATE */
	int to;
	const uint8_t *txid;		/* set txid and raw_tx (NULL: unchanged) */
	const uint8_t *raw_tx;
	size_t raw_tx_len;
	const char *failure;		/* NULL: unchanged */
	const char *replaced_by;	/* NULL: unchanged */
	uint32_t confirmed_height;	/* 0: unchanged */
	int release;			/* 1: give the reserved coins back */
	int reclaim;			/* 1: take the coins back from a replacement that failed */
	const struct store_event *event;	/* appended in the same transaction (NULL: none) */
};

/* Apply an update. Returns 0, COFFER_ERR_NOT_FOUND, COFFER_ERR_PAY_STATE, COFFER_ERR_PAY_RESERVED
 * (reclaim: a coin went to yet another payment), COFFER_ERR_INVALID_ARG or COFFER_ERR_STORE. */
int store_payment_update(struct store *s, const char *id, const struct store_pay_update *u);

/*
 * Remove a payment that was never signed (status created) as if it had never
 * been recorded: its row, its coins and its idempotency key, in one
 * transaction; a replacement's parent gets its reservations back. For a
 * signing that produced nothing (a refusal by the signer): nothing was sent.
 * Returns 0, COFFER_ERR_NOT_FOUND, COFFER_ERR_PAY_STATE (not created),
 * COFFER_ERR_PAY_RESERVED (a parent's coin went elsewhere) or COFFER_ERR_STORE.
 */
int store_payment_discard(struct store *s, const char *id);

/* How many coins created by transaction txid a live payment reserves (its descendants). */
int store_payment_spenders(struct store *s, size_t *n, const uint8_t txid[32]);

/*
 * Release the coins of confirmed payments once the store's chain view
 * (store_chain.c's utxos) no longer lists them: until then a stale view would
 * offer them again, so they stay reserved. Out: *n coins released.
 * Returns 0 or COFFER_ERR_STORE.
 */
int store_payment_release_settled(struct store *s, size_t *n);

/* Every outpoint a live payment reserves. Out: *ins (malloc'd), *n. */
int store_reserved_inputs(struct store *s, struct store_pay_input **ins, size_t *n);

/* Append an event on its own. Out: e->seq. Returns 0, COFFER_ERR_INVALID_ARG or COFFER_ERR_STORE. */
int store_event_append(struct store *s, struct store_event *e);

/* Events with seq > after, oldest first, at most max. Out: out[max] (clear each), *n. */
int store_events_after(struct store *s, struct store_event *out, size_t max, size_t *n, int64_t after);

#endif
