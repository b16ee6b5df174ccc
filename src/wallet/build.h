/*
 * Building a payment: validate the outputs, select coins, and produce the
 * unsigned PSBT (v0) the signer judges and signs (docs/PAYMENTS.md).
 *
 * The transaction: version 2; every input signals replaceability (nSequence
 * 0xfffffffd, BIP125); nLockTime is the chain tip height (anti-fee-sniping,
 * as Bitcoin Core: one time in ten up to 99 blocks earlier, 0 when the tip is
 * not current); inputs and outputs in random order. The PSBT carries for
 * every input its witness UTXO and the BIP32 (wpkh, sh(wpkh): plus the redeem
 * script) or taproot BIP32 derivation and internal key, and the same for the
 * change output, so the signer can prove the inputs and the change are its
 * own. The fee is the exact estimate of the signed transaction (weight.h).
 */
#ifndef COFFER_WALLET_BUILD_H
#define COFFER_WALLET_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "btc/address.h"
#include "btc/network.h"
#include "btc/psbt.h"
#include "wallet/account.h"
#include "wallet/coinselect.h"

#define PAY_MAX_OUTPUTS     2500	/* recipients in one payment */
#define PAY_SEQUENCE_RBF    0xfffffffdu
#define PAY_MIN_FEE_RATE    1000	/* sat/kvB (1 sat/vB) default lower bound */
#define PAY_MAX_FEE_RATE    ((uint64_t)1000 * 1000)	/* 1000 sat/vB default upper bound */

/* A coin of the wallet. */
struct pay_utxo {
	uint8_t txid[32];		/* internal byte order */
	uint32_t vout;
	int64_t value;
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len;
	size_t account;			/* index into the accounts array */
	uint32_t change, index;		/* its key's derivation in that account */
	uint32_t flags;			/* COINSEL_RESERVED, COINSEL_MUST_USE */
	int unconfirmed;		/* 1: created by a transaction not yet in a block */
};

struct pay_recipient {
	const char *address;
	int64_t amount;
};

struct pay_request {
	enum btc_network net;
	const struct pay_recipient *outputs;
	size_t n_outputs;
	uint64_t fee_rate;		/* sat/kvB */
	uint64_t min_fee_rate;		/* 0: PAY_MIN_FEE_RATE */
	uint64_t max_fee_rate;		/* 0: PAY_MAX_FEE_RATE */
	uint64_t long_term_fee_rate;	/* 0: 10 sat/vB */
	uint64_t discard_fee_rate;	/* 0: 10 sat/vB */
	int subtract_fee_from;		/* output index, or -1 */
	const char *drain_to;		/* sweep everything to this address (NULL: none) */
	size_t change_account;		/* change goes to this account's change branch */
	uint32_t change_index;
	uint32_t tip_height;		/* anti-fee-sniping; 0: nLockTime 0 */
	int tip_is_current;		/* the tip is recent (Core: under 8 hours old) */
	uint64_t seed;			/* 0: fresh randomness; else deterministic (tests) */
};

/* An input or output of a planned transaction. */
struct pay_plan_in {
	size_t utxo;			/* index into the utxo array */
};

struct pay_plan_out {
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len;
	int64_t amount;
	int is_change;			/* ours: derivation fields are added */
	size_t account;
	uint32_t change, index;
	int recipient;			/* index in the request's outputs, -1 change, -2 drain */
};

struct pay_built {
	struct psbt psbt;		/* the unsigned PSBT v0 */
	int64_t fee;
	int64_t change;			/* 0: no change output */
	int change_pos;			/* its output index, -1 when none */
	int drain_pos;			/* drain_to output index, -1 when none */
	uint32_t weight;		/* estimated weight once signed */
	uint32_t vsize;
	size_t *utxos;			/* the spent utxos (indices), in input order */
	size_t n_utxos;
	int *recipient_pos;		/* recipient i is output recipient_pos[i] */
	uint32_t locktime;
	enum coinsel_algo algo;
};

/* Release a built payment (NULL allowed); leaves it zeroed. */
void pay_built_free(struct pay_built *b);

/*
 * Build a payment.
 * Returns 0 or:
 *   COFFER_ERR_PAY_NO_OUTPUTS, COFFER_ERR_PAY_TOO_MANY_OUTPUTS,
 *   COFFER_ERR_PAY_AMOUNT_ZERO / _NEGATIVE / _OVERFLOW (one output or their sum),
 *   address errors of addr_decode (COFFER_ERR_WRONG_NETWORK, COFFER_ERR_BAD_ADDRESS, ...),
 *   COFFER_ERR_PAY_DUST_OUTPUT (an output, or the drain remainder, below dust),
 *   COFFER_ERR_PAY_FEE_RATE (outside [min_fee_rate, max_fee_rate]),
 *   COFFER_ERR_PAY_SUBTRACT_FEE (bad index, or the fee does not fit in it),
 *   COFFER_ERR_PAY_INSUFFICIENT_FUNDS, COFFER_ERR_PAY_TOO_LARGE,
 *   COFFER_ERR_PAY_ACCOUNT (a utxo names no account or is not its script),
 *   COFFER_ERR_INVALID_ARG, COFFER_ERR_NOMEM, PSBT errors.
 * Out:  out (zeroed on entry; empty on failure).
 * In:   accts[n_accts]; utxos[n_utxos]; req.
 */
int pay_build(struct pay_built *out, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, size_t n_utxos, const struct pay_request *req);

/*
 * Check a request as far as it does not depend on the wallet's coins: outputs
 * present and not too many, each amount (zero, negative, over 21e6 BTC, the
 * sum), each address for req->net and the dust threshold of its type, drain_to,
 * subtract_fee_from's index, and the fee rate within its bounds when given
 * (req->fee_rate 0: an estimate follows, not checked). pay_build does the same
 * first.
 * Returns 0 or the codes pay_build gives for these. Out: *bad_output: the
 * index of the output at fault, SIZE_MAX when none is. In: req.
 */
int pay_check_request(size_t *bad_output, const struct pay_request *req);

/*
 * The PSBT of a plan: version 2, the inputs (sequence PAY_SEQUENCE_RBF) and
 * outputs in the given order, locktime, then the UTXO, script and derivation
 * fields for every input and every is_change output.
 * Returns 0, COFFER_ERR_PAY_ACCOUNT, COFFER_ERR_NOMEM or PSBT errors.
 * Out:  p (initialised here; empty on failure).
 * In:   accts[n_accts]; utxos (indexed by ins); ins[n_in]; outs[n_out]; locktime.
 */
int pay_plan_psbt(struct psbt *p, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, const struct pay_plan_in *ins, size_t n_in,
    const struct pay_plan_out *outs, size_t n_out, uint32_t locktime);

/*
 * Anti-fee-sniping locktime (Core's DiscourageFeeSniping): the tip height,
 * one time in ten minus a random 0..99; 0 when the tip is not current.
 * Args: rng: splitmix64 state (advanced). In: tip_height; tip_is_current.
 */
uint32_t pay_locktime(uint64_t *rng, uint32_t tip_height, int tip_is_current);

/* splitmix64 step (privacy randomness only) and a fresh seed from the OS. */
uint64_t pay_rng_next(uint64_t *s);
uint64_t pay_rng_seed(void);

#endif
