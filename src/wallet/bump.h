/*
 * Fee bumping a payment that is stuck unconfirmed (docs/PAYMENTS.md).
 *
 * Replace-by-fee (BIP125, Bitcoin Core's mempool rules): the replacement
 * spends every input of the original (plus wallet coins if the change cannot
 * pay), keeps every recipient output and its amount and the output order,
 * and pays (rule 2: the coins it adds are confirmed ones)
 *   rule 3: an absolute fee at least the original's, and
 *   rule 4: on top of it, the incremental relay fee for its own size,
 * at a fee rate at least the original's plus the incremental relay fee.
 * The change output shrinks (or disappears into the fee when it would be
 * dust); without change, coins and a change output are added.
 *
 * Cancel: a replacement of the same inputs only, paying everything back to
 * one change output of the wallet, under the same rules 3 and 4.
 *
 * Child-pays-for-parent: a child spending the payment's change output back
 * to the wallet, whose fee lifts the package (parent + child) to the target
 * fee rate: child fee >= rate * (parent vsize + child vsize) - parent fee.
 */
#ifndef COFFER_WALLET_BUMP_H
#define COFFER_WALLET_BUMP_H

#include <stddef.h>
#include <stdint.h>

#include "btc/tx.h"
#include "wallet/build.h"

#define BUMP_DEFAULT_INCREMENTAL_RELAY_FEE 1000	/* sat/kvB, Core's -incrementalrelayfee */

/* The payment being bumped. */
struct bump_original {
	const struct tx *tx;		/* the original transaction (signed or not) */
	const size_t *input_utxo;	/* tx->n_in entries: each input's index in the utxo array */
	int64_t fee;			/* its absolute fee */
	uint32_t weight;		/* its weight once signed (the real one when known) */
	int change_pos;			/* its change output, or -1 */
	size_t change_account;		/* the change output's derivation (when change_pos >= 0) */
	uint32_t change_index;
};

struct bump_request {
	uint64_t fee_rate;		/* new fee rate (RBF, cancel) or package rate (CPFP), sat/kvB */
	uint64_t max_fee_rate;		/* 0: PAY_MAX_FEE_RATE */
	uint64_t incremental_relay_fee;	/* 0: BUMP_DEFAULT_INCREMENTAL_RELAY_FEE */
	size_t change_account;		/* change for a new change output (RBF without change, cancel, CPFP) */
	uint32_t change_index;
	uint32_t tip_height;		/* CPFP child locktime (replacements keep the original's) */
	int tip_is_current;
	uint64_t seed;			/* 0: fresh randomness */
};

/*
 * Build an RBF replacement.
 * Returns 0 or: COFFER_ERR_PAY_BUMP_FEE (fee rate not above the original's
 *   by the incremental relay fee); COFFER_ERR_PAY_FEE_RATE (over max);
 *   COFFER_ERR_PAY_INSUFFICIENT_FUNDS; COFFER_ERR_PAY_TOO_LARGE;
 *   COFFER_ERR_PAY_ACCOUNT; COFFER_ERR_INVALID_ARG (an input_utxo out of range,
 *   or not the outpoint the original spends); COFFER_ERR_NOMEM; PSBT errors.
 * Out:  out (zeroed on entry; empty on failure). recipient_pos is unused (NULL).
 * In:   accts[n_accts]; utxos[n_utxos]: the original's inputs and the
 *       wallet's other coins (coins created by the original are skipped);
 *       orig; req.
 */
int bump_rbf(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req);

/*
 * Build a cancellation: the original's inputs, one output to the wallet's
 * change address (req->change_account/index), fee rate
 * max(req->fee_rate, original rate + incremental relay fee).
 * Returns as bump_rbf (COFFER_ERR_PAY_INSUFFICIENT_FUNDS / DUST_OUTPUT when
 * the inputs cannot pay the replacement fee).
 */
int bump_cancel(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req);

/*
 * Build a CPFP child of the original spending its change output (and, when
 * that is too small, more wallet coins) back to the wallet.
 * Returns 0 or: COFFER_ERR_PAY_NO_CHANGE (orig->change_pos < 0);
 *   COFFER_ERR_PAY_BUMP_FEE (the parent alone already pays the rate);
 *   others as bump_rbf.
 * Out:  out; out->change_pos is the child's single output.
 * In:   accts; utxos[n_utxos]: other wallet coins that may be added (may be
 *       NULL/0); orig; req.
 */
int bump_cpfp(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct bump_original *orig,
    const struct bump_request *req);

/*
 * BIP125 rules 3 and 4 for a replacement of weight new_weight paying
 * new_fee over an original paying orig_fee: 1 when both hold.
 */
int bump_rules_ok(int64_t new_fee, uint32_t new_weight, int64_t orig_fee,
    uint64_t incremental_relay_fee);

#endif
