/*
 * API access: `Authorization: Bearer TOKEN`.
 *
 * Two kinds of token:
 *  - the admin token, 64 lowercase hex characters, read from
 *    <datadir>/auth_token (datadir.h). Only its SHA-256 is kept in memory.
 *  - scoped tokens, `ct1_<id: 16 hex>_<secret: 64 hex>`, made by
 *    POST /v1/tokens with a scope (read < receive < send < admin), a label and
 *    an optional expiry. The store keeps only
 *    tagged_hash("coffer/v1/token", id || secret) beside the id; the secret is
 *    shown once, at creation. Scoped tokens live in the encrypted store, so
 *    they are usable only while it is open (wallet unlocked); before that
 *    they get COFFER_ERR_WALLET_LOCKED and the admin token still works.
 *
 * Every comparison of a secret-derived value is constant time. Revocation
 * takes effect for the next request. Failed attempts are counted per client
 * address (IPv4 address or IPv6 /64): after AUTH_FREE_FAILURES, the address
 * is refused (COFFER_ERR_RATE_LIMITED, with a retry time) for a period that
 * doubles with each further failure up to AUTH_MAX_LOCKOUT_S; failures are
 * forgotten AUTH_FORGET_S after the last one. Failures are logged with the
 * address and the reason, never with the token.
 */
#ifndef COFFER_DAEMON_AUTH_H
#define COFFER_DAEMON_AUTH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/store.h"

enum auth_scope {
	AUTH_SCOPE_NONE = 0,	/* routes that need no token */
	AUTH_SCOPE_READ = 1,
	AUTH_SCOPE_RECEIVE = 2,
	AUTH_SCOPE_SEND = 3,
	AUTH_SCOPE_ADMIN = 4,
};

#define AUTH_SCOPED_PREFIX "ct1_"
#define AUTH_SCOPED_TOKEN_LEN (4 + STORE_TOKEN_ID_LEN + 1 + 64)	/* 85 */
#define AUTH_ADMIN_TOKEN_LEN 64
#define AUTH_MAX_HEADER 256		/* longest Authorization header we look at */
#define AUTH_FREE_FAILURES 10		/* failures before an address is slowed down */
#define AUTH_MAX_LOCKOUT_S 30		/* longest refusal period */
#define AUTH_FORGET_S 600		/* failures older than this are forgotten */
#define AUTH_IP_SLOTS 512		/* addresses tracked at once */

/* Who made a request. */
struct auth_principal {
	enum auth_scope scope;
	int admin_file;				/* the datadir's admin token */
	char token_id[STORE_TOKEN_ID_LEN + 1];	/* scoped token id, or "" */
};

struct auth_ip_entry {
	uint8_t key[16];	/* IPv4-mapped address or IPv6 /64 */
	uint32_t fails;
	int64_t last_fail_ms;
	int64_t until_ms;	/* refused before this time */
	int used;
};

struct auth_ctx {
	pthread_mutex_t mu;
	uint8_t admin_hash[32];
	struct store *store;				/* NULL while locked */
	struct store_token tokens[STORE_MAX_TOKENS];	/* cache of the store's table */
	size_t ntokens;
	struct auth_ip_entry ips[AUTH_IP_SLOTS];
	uint64_t failures_total;			/* for /metrics */
	uint64_t rate_limited_total;
};

/* Name of a scope ("read"), and its parse: 0 or COFFER_ERR_BAD_VALUE. */
const char *auth_scope_name(enum auth_scope scope);
int auth_scope_parse(enum auth_scope *out, const char *name);

/*
 * Set up with the admin token (64 hex characters; kept only as its hash).
 * Returns 0 or COFFER_ERR_INVALID_ARG (malformed admin token).
 */
int auth_init(struct auth_ctx *a, const char *admin_token);
void auth_free(struct auth_ctx *a);

/*
 * Use the store's token table (after unlock): loads it into memory.
 * Returns 0 or a store error (then nothing is attached).
 */
int auth_attach_store(struct auth_ctx *a, struct store *s);
/* Forget the store and every scoped token (before the store closes). */
void auth_detach_store(struct auth_ctx *a);

/*
 * Authenticate one request.
 * Returns 0 (out filled), COFFER_ERR_UNAUTHORIZED (no, malformed, unknown or
 * revoked token, or more than one Authorization header), COFFER_ERR_TOKEN_EXPIRED,
 * COFFER_ERR_RATE_LIMITED (*retry_after_s set) or COFFER_ERR_WALLET_LOCKED
 * (scoped token while the store is closed).
 * Out: out (scope NONE on failure), retry_after_s (may be NULL).
 * In: header (the Authorization value, NULL when absent); nheaders (how many
 * Authorization headers came); peer/peerlen (client address, may be NULL);
 * now_ms (wall clock, milliseconds).
 */
int auth_check(struct auth_ctx *a, struct auth_principal *out, int64_t *retry_after_s, const char *header,
    unsigned int nheaders, const struct sockaddr *peer, size_t peerlen, int64_t now_ms);

/*
 * Create a scoped token and store its hash.
 * Returns 0, COFFER_ERR_WALLET_LOCKED (no store), COFFER_ERR_BAD_VALUE (scope
 * NONE), COFFER_ERR_TOO_MANY_TOKENS, COFFER_ERR_BAD_STRING/TOO_LARGE (label) or a store error.
 * Out: token[AUTH_SCOPED_TOKEN_LEN + 1] (secret: shown once, caller wipes), rec (the stored record).
 * In: scope; label (<= STORE_MAX_LABEL bytes); expires_at (unix seconds, 0 never); now (unix seconds).
 */
int auth_token_create(struct auth_ctx *a, char token[AUTH_SCOPED_TOKEN_LEN + 1], struct store_token *rec,
    enum auth_scope scope, const char *label, int64_t expires_at, int64_t now);

/* Revoke: gone from the store and from memory before this returns.
 * Returns 0, COFFER_ERR_NOT_FOUND, COFFER_ERR_WALLET_LOCKED or a store error. */
int auth_token_revoke(struct auth_ctx *a, const char *id);

/* Copy the token records (no secrets: hashes are cleared in the copy).
 * Returns 0 or COFFER_ERR_WALLET_LOCKED. Out: out[max], *n. */
int auth_token_list(struct auth_ctx *a, struct store_token *out, size_t max, size_t *n);

/* Counters for /metrics. */
void auth_counters(struct auth_ctx *a, uint64_t *failures, uint64_t *rate_limited);

#endif
