/*
 * Coin selection for payments (docs/PAYMENTS.md).
 *
 * Follows Bitcoin Core's wallet (src/wallet/coinselection.cpp): every coin is
 * valued at its effective value (value minus the fee its input costs at the
 * target fee rate); branch-and-bound looks for a changeless input set whose
 * excess over the target stays within the cost of change; single-random-draw
 * is the fallback that always makes change; largest-first is the last resort
 * for wallets too small for either. Among the candidates the one with the
 * lowest waste (the fee paid now above what the same inputs would cost at
 * the long-term fee rate, plus the cost of change or the excess dropped into
 * the fee) wins, ties going to more inputs (consolidation while fees are low).
 *
 * The fee is always computed on the exact weight of the final transaction
 * (CompactSize counts included), never on a sum of rounded per-input fees, so
 * the fee rate of the signed transaction is never below the target.
 *
 * Fee rates are integers in satoshis per 1000 virtual bytes (sat/kvB), as
 * Core's CFeeRate; fees are rounded up.
 */
#ifndef COFFER_WALLET_COINSELECT_H
#define COFFER_WALLET_COINSELECT_H

#include <stddef.h>
#include <stdint.h>

/* Standard transaction weight (Core's MAX_STANDARD_TX_WEIGHT). */
#define COINSEL_MAX_STANDARD_WEIGHT 400000u
/* Branch-and-bound gives up after this many steps (Core's TOTAL_TRIES). */
#define COINSEL_BNB_MAX_TRIES 100000u
/* Single-random-draw aims for at least this much change (Core's CHANGE_LOWER). */
#define COINSEL_CHANGE_LOWER 50000
/* Most coins one selection looks at; more is refused with COFFER_ERR_TOO_LARGE. */
#define COINSEL_MAX_COINS ((size_t)10000000)
/* Highest fee rate any selection accepts: 1,000,000 sat/vB. */
#define COINSEL_MAX_FEE_RATE ((uint64_t)1000000 * 1000)

/* Coin flags. */
#define COINSEL_RESERVED 0x01	/* in use by a pending payment: never selected */
#define COINSEL_MUST_USE 0x02	/* always selected (fee bumping keeps the original inputs) */

struct coinsel_coin {
	int64_t value;		/* satoshis, 1 .. 21e14 */
	uint32_t input_weight;	/* weight units its input adds, witness included (weight.h) */
	uint32_t flags;		/* COINSEL_* */
};

enum coinsel_algo {
	COINSEL_NONE = 0,
	COINSEL_BNB,		/* branch-and-bound: changeless */
	COINSEL_SRD,		/* single random draw */
	COINSEL_LARGEST_FIRST,	/* largest effective values first */
	COINSEL_DRAIN,		/* every usable coin (sweep) */
	COINSEL_MANUAL,		/* only the MUST_USE coins */
};

struct coinsel_params {
	/*
	 * Sum of the fixed outputs (sat): > 0, or 0 for a drain, or 0 with
	 * n_outputs 0 (a CPFP child: the change output is then mandatory).
	 */
	int64_t target;
	uint64_t fee_rate;		/* sat/kvB, 1 .. COINSEL_MAX_FEE_RATE */
	uint64_t long_term_fee_rate;	/* sat/kvB, for the waste metric */
	uint64_t discard_fee_rate;	/* sat/kvB at which change is assumed to be spent later */
	/*
	 * Weight of the transaction without inputs and without change, excluding
	 * the input and output CompactSize counts (computed here): version,
	 * locktime, the segwit marker and flag when inputs have witnesses, and
	 * every fixed output.
	 */
	uint32_t base_weight;
	size_t n_outputs;		/* fixed outputs (the change comes on top) */
	uint32_t change_output_weight;	/* weight of the change output */
	uint32_t change_spend_weight;	/* weight of the input that later spends the change */
	int64_t change_dust;		/* dust threshold of the change output (coinsel_dust_threshold) */
	uint32_t max_weight;		/* 0: COINSEL_MAX_STANDARD_WEIGHT */
	/*
	 * The fixed outputs pay the fee (coins count at face value, the excess
	 * of a changeless selection goes back to them). fee_output_value is the
	 * value of the output the fee comes from and fee_output_dust its dust
	 * threshold: if the fee would leave it below dust, the selection fails.
	 */
	int subtract_fee;
	int64_t fee_output_value;
	int64_t fee_output_dust;
	/* Sweep: every usable coin, and the change output takes the remainder. */
	int drain;
	/*
	 * Fee bumping (BIP125 rule 4): the fee must also be at least
	 * min_fee + fee(min_fee_rate_extra, final weight); 0/0 for a new payment.
	 */
	int64_t min_fee;
	uint64_t min_fee_rate_extra;
	uint64_t bnb_max_tries;		/* 0: COINSEL_BNB_MAX_TRIES */
	uint64_t seed;			/* 0: fresh randomness; else a deterministic run (tests) */
};

struct coinsel_result {
	size_t *selected;		/* indices into the coin array, ascending */
	size_t n_selected;
	int64_t selected_value;		/* sum of the selected coins' values */
	int64_t fee;			/* fee of the final transaction */
	int64_t change;			/* change output value; 0: no change output */
	int64_t fee_output_reduction;	/* subtract_fee: what the fee output gives up (< 0: gains) */
	uint32_t weight;		/* final transaction weight, change included */
	int64_t waste;			/* Core's waste metric of this selection */
	enum coinsel_algo algo;
	uint64_t bnb_tries;		/* steps branch-and-bound used */
};

/* Release a result (NULL allowed) and leave it zeroed. */
void coinsel_result_free(struct coinsel_result *res);

/*
 * Fee at a rate for a weight: ceil(rate * ceil(weight / 4) / 1000).
 * Returns the fee in satoshis (rate and weight are bounded by the caller;
 * COINSEL_MAX_FEE_RATE * 4e6 WU fits easily).
 */
int64_t coinsel_fee(uint64_t fee_rate, uint64_t weight);

/*
 * Bitcoin Core's dust threshold of an output at the default dust relay fee
 * (3000 sat/kvB): the cost of the output plus the input that would spend it
 * (witness programs: 67 vB of input; others 148). OP_RETURN outputs: 0.
 * Returns the threshold in satoshis; an output below it is not relayed.
 * In:  spk/spk_len.
 */
int64_t coinsel_dust_threshold(const uint8_t *spk, size_t spk_len);

/*
 * Select coins.
 * Returns 0 or:
 *   COFFER_ERR_PAY_INSUFFICIENT_FUNDS  usable coins (not reserved, positive
 *                                      effective value) do not cover target + fee;
 *   COFFER_ERR_PAY_TOO_LARGE           a covering set would exceed max_weight;
 *   COFFER_ERR_PAY_SUBTRACT_FEE        subtract_fee: the fee leaves the output below dust;
 *   COFFER_ERR_PAY_DUST_OUTPUT         drain: the remainder is below the change dust;
 *   COFFER_ERR_PAY_FEE_RATE            fee_rate 0 or over COINSEL_MAX_FEE_RATE;
 *   COFFER_ERR_PAY_AMOUNT_NEGATIVE / COFFER_ERR_PAY_AMOUNT_OVERFLOW  target out of range;
 *   COFFER_ERR_INVALID_ARG             a coin value out of range, or params inconsistent;
 *   COFFER_ERR_TOO_LARGE               n over COINSEL_MAX_COINS;
 *   COFFER_ERR_NOMEM.
 * Out:  res (zeroed on entry; empty on failure; coinsel_result_free it).
 * In:   coins[n]; p.
 */
int coinsel_select(struct coinsel_result *res, const struct coinsel_coin *coins, size_t n,
    const struct coinsel_params *p);

#endif
