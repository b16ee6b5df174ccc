/* Internals shared by payments.c, payments_bump.c and payments_reconcile.c. */
#ifndef COFFER_DAEMON_PAYMENTS_INT_H
#define COFFER_DAEMON_PAYMENTS_INT_H

#include "daemon/payments.h"

/* A fresh payment id "pay_" + 16 hex. */
void payments_new_id(char out[STORE_PAY_ID_LEN + 1]);

/* The wallet's coins with every reserved one flagged COINSEL_RESERVED. Out: *u (malloc'd), *n. */
int payments_load_coins(struct payments *pm, struct pay_utxo **u, size_t *n);

/*
 * The store inputs of a built transaction: each spent utxo's outpoint, value,
 * script and derivation. extra describes b->utxos[i] == SIZE_MAX (a CPFP
 * parent's change) and may be NULL otherwise. Out: *ins (malloc'd).
 */
int payments_inputs_of(struct store_pay_input **ins, const struct pay_built *b, const struct pay_utxo *u,
    const struct pay_utxo *extra);

/*
 * Sign a recorded (status created) payment's PSBT, store the signed
 * transaction (status signed), then broadcast it (payments_broadcast).
 * A signer refusal (or any signing that produced no transaction) discards
 * the record (store_payment_discard) and returns the refusal's code.
 */
int payments_sign_and_send(struct payments *pm, const char *id, const struct psbt *psbt, const char *passphrase,
    int64_t now);

/*
 * Broadcast a signed payment and record the outcome (see payments.h). A
 * replacement that is broadcast marks its parent replaced.
 * Returns 0 (broadcast, or left signed after a transient failure) or
 * COFFER_ERR_PAY_BROADCAST_REJECTED (failed, coins released).
 */
int payments_broadcast(struct payments *pm, const char *id, int64_t now);

/*
 * Fail a payment that never reached the network: status failed with a
 * reason, its coins released, a replacement's parent given its coins back,
 * event payment.failed. from: the expected status.
 */
int payments_fail(struct payments *pm, const char *id, int from, const char *reason, int64_t now);

/* Update with an event of `type` carrying the payment as it is after the change. */
int payments_update_event(struct payments *pm, const char *id, struct store_pay_update *u, const char *type,
    int64_t now);

/* Give a change index back to the backend (be->unused_change, when it has one). */
void payments_unused_change(struct payments *pm, size_t account, uint32_t index);

/* The fee rate for a request: req->fee_rate or the backend's estimate, within bounds. */
int payments_fee_rate(struct payments *pm, uint64_t *rate, uint64_t requested, uint32_t conf_target);

#endif
