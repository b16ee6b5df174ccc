/*
 * The payment engine (docs/PAYMENTS.md): from a request to a broadcast
 * transaction, so that a payment is never paid twice and never lost.
 *
 *   1. idempotency: a key already recorded with the same request hash returns
 *      that payment; with another hash, COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT;
 *   2. build (coffer_wallet) from the wallet's coins minus the coins every
 *      live payment reserves;
 *   3. record the payment, its outputs and its reserved coins (status created)
 *      in one transaction; the database refuses a coin reserved twice, and
 *      the engine then builds again from what is left;
 *   4. sign through the backend (the signer judges it); extract the network
 *      transaction and check it is the one built;
 *   5. record the signed transaction (status signed) before anything is sent;
 *   6. broadcast: broadcast (event payment.sent); definitively refused:
 *      failed, coins released (event payment.failed); backend unreachable:
 *      stays signed, payments_reconcile() sends it again.
 * After a crash payments_reconcile() finishes what was interrupted: created
 * (never signed, so never sent) becomes failed; signed is broadcast again
 * (a backend that already has it answers success); broadcast is checked
 * against the chain (confirmed, or re-sent when the backend lost it).
 *
 * The chain, the signer and the wallet's coins sit behind struct
 * payments_backend, so tests drive the engine with fakes and cofferd with its
 * chain backend and signer.
 */
#ifndef COFFER_DAEMON_PAYMENTS_H
#define COFFER_DAEMON_PAYMENTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "btc/network.h"
#include "common/buf.h"
#include "daemon/store_payments.h"
#include "wallet/account.h"
#include "wallet/build.h"

#define PAYMENTS_REASON_LEN 256
#define PAYMENTS_DEFAULT_CONF_TARGET 6
#define PAYMENTS_BUILD_RETRIES 4	/* rebuilds after losing a coin to a concurrent payment */
#define PAYMENTS_STALE_CREATED_S 600	/* unsigned payments of this process this old are abandoned */

struct payments_backend {
	/*
	 * The wallet's spendable coins (account: index into the engine's
	 * accounts; change/index: the key's derivation). Out: *out (malloc'd), *n.
	 */
	int (*utxos)(void *ctx, struct pay_utxo **out, size_t *n);
	/* Sign an unsigned PSBT (binary); append the signed PSBT to out. passphrase may be NULL. */
	int (*sign)(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase);
	/*
	 * Broadcast a signed transaction. Returns 0 when the backend has it (also
	 * when it already had it); otherwise *rejected is 1 for a definitive
	 * refusal (invalid, conflicting) and 0 for a transient failure.
	 */
	int (*broadcast)(void *ctx, int *rejected, char *reason, size_t reasonsize, const uint8_t *raw, size_t len);
	/* Where a transaction stands: 0 with *height (0: mempool), or COFFER_ERR_NOT_FOUND. */
	int (*tx_status)(void *ctx, uint32_t *height, const uint8_t txid[32]);
	/* The tip and whether it is recent (anti-fee-sniping). */
	int (*tip)(void *ctx, uint32_t *height, int *current);
	/* Fee rate (sat/kvB) for confirmation within conf_target blocks. */
	int (*fee_estimate)(void *ctx, uint64_t *sat_kvb, uint32_t conf_target);
	/* A fresh change address: the account and index on its change branch (marked used). */
	int (*next_change)(void *ctx, size_t *account, uint32_t *index);
	/*
	 * An index next_change handed out that no transaction uses after all (a
	 * refused request, a changeless payment): hand it out again when it was
	 * the last one handed out. NULL: indices are never given back.
	 */
	void (*unused_change)(void *ctx, size_t account, uint32_t index);
	void *ctx;
};

struct payments {
	struct store *store;
	const struct payments_backend *be;
	const struct wacct *accts;	/* the wallet's accounts (public descriptors) */
	size_t n_accts;
	enum btc_network net;
	uint64_t min_fee_rate;		/* sat/kvB; 0: PAY_MIN_FEE_RATE */
	uint64_t max_fee_rate;		/* sat/kvB; 0: PAY_MAX_FEE_RATE */
	pthread_mutex_t mu;		/* one build-and-reserve at a time */
	uint64_t seed;			/* 0: fresh randomness (tests set it) */
	int64_t boot_seq;		/* the newest payment when payments_init ran */
};

/* A payment request, validated (payments_json.c parses one from JSON). */
struct payments_request {
	struct pay_recipient *outputs;
	size_t n_outputs;
	uint64_t fee_rate;		/* sat/kvB; 0: estimate for conf_target */
	uint32_t conf_target;		/* 0: PAYMENTS_DEFAULT_CONF_TARGET */
	char idem_key[STORE_MAX_IDEM_KEY + 1];	/* "" when none */
	const char *passphrase;		/* NULL when none */
	int subtract_fee_from;		/* -1: none */
	const char *drain_to;		/* NULL: none */
	uint8_t request_hash[32];	/* SHA-256 of the canonical body, passphrase excluded */
	json_t *body;			/* the parsed body the strings point into (a reference) */
};

/* Set up / tear down (the engine borrows store, be and accts). */
int payments_init(struct payments *pm, struct store *store, const struct payments_backend *be,
    const struct wacct *accts, size_t n_accts, enum btc_network net);
void payments_free(struct payments *pm);

/*
 * Create (and send) a payment.
 * Returns 0 with the payment in out (status broadcast, or signed when the
 *   backend could not be reached; *replayed 1 when an idempotent retry
 *   returned the original); or an error with no payment recorded (build,
 *   funds, fee rate), or with a failed payment recorded (a signer refusal,
 *   a broadcast refusal: out then holds it and the code says why).
 * Out:  out (store_payment_clear it); replayed.
 * In:   req; now: unix seconds.
 */
int payments_create(struct payments *pm, struct store_payment *out, int *replayed,
    const struct payments_request *req, int64_t now);

/*
 * Build without signing or recording: fee, inputs, outputs.
 * Returns as pay_build. Out: b (pay_built_free it). In: req.
 */
int payments_preview(struct payments *pm, struct pay_built *b, const struct payments_request *req);

/*
 * Bump a payment: RBF at fee_rate, or CPFP from its change when the
 * replacement is not possible (cpfp: 1 forces CPFP). Records and sends the
 * new transaction like payments_create; the original links to its
 * replacement (replaced_by) once the replacement is broadcast.
 * Returns 0 (out: the new payment), COFFER_ERR_NOT_FOUND, COFFER_ERR_PAY_STATE
 *   (confirmed, failed or replaced), bump errors, or as payments_create.
 */
int payments_bump(struct payments *pm, struct store_payment *out, const char *id, uint64_t fee_rate, int cpfp,
    int64_t now);

/* Cancel: replace with a transaction paying everything back to the wallet. As payments_bump. */
int payments_cancel(struct payments *pm, struct store_payment *out, const char *id, uint64_t fee_rate,
    int64_t now);

/*
 * Finish interrupted work and follow the chain (see above); safe to call at
 * any time: unsigned payments recorded before payments_init are abandoned at
 * once, younger ones only when older than PAYMENTS_STALE_CREATED_S.
 * Out: *changed: payments whose status changed (may be NULL).
 * Returns 0 or a store error.
 */
int payments_reconcile(struct payments *pm, size_t *changed, int64_t now);

/* --- JSON (payments_json.c) ------------------------------------------------ */

/*
 * Parse and check a POST /v1/payments body. idem_header: the Idempotency-Key
 * header or NULL (must equal a body idempotency_key when both are given).
 * fee_rate_sat_vb may be fractional (2.5 sat/vB = 2500 sat/kvB).
 * Returns 0; COFFER_ERR_UNKNOWN_FIELD, COFFER_ERR_MISSING_FIELD,
 *   COFFER_ERR_WRONG_TYPE, COFFER_ERR_BAD_VALUE (msg says which field),
 *   COFFER_ERR_PAY_TOO_MANY_OUTPUTS, COFFER_ERR_NOMEM.
 * Out:  req (cleared on failure; else clear it with payments_request_clear:
 *       it keeps a reference to body).
 * In:   body (an object); idem_header.
 */
int payments_request_parse(struct payments_request *req, char *msg, size_t msgsize, json_t *body,
    const char *idem_header);

/*
 * Check a parsed request as far as it does not depend on the wallet (the
 * routes do it before they look at the wallet's state): addresses for net,
 * dust, the sum of amounts, drain_to, and the fee rate within [min, max]
 * (0: the defaults) when one was given. The engine checks again.
 * Returns 0 or pay_check_request's codes (msg names the field).
 */
int payments_request_check(const struct payments_request *req, char *msg, size_t msgsize, enum btc_network net,
    uint64_t min_fee_rate, uint64_t max_fee_rate);

/* Free what a request owns. */
void payments_request_clear(struct payments_request *req);

/* A payment as the API shows it (and events carry it). NULL when out of memory. */
json_t *payments_to_json(const struct store_payment *p, enum btc_network net);

#endif
