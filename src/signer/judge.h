/*
 * The signer's judgement of a signing request (docs/POLICY.md).
 *
 * judge_psbt() analyses a PSBT against our accounts (analyze.h) and applies
 * every rule of the policy, in this order, the first failing rule deciding:
 *   kill switch; PSBT analysis (UTXO data, unproven inputs, sighash); at least
 *   one input ours; maximum per payment; rolling 24-hour maximum (what the
 *   ledger holds in the window plus this payment); destination allowlist
 *   (every output that is not ours); maximum absolute fee; maximum fee rate;
 *   passphrase required above the threshold.
 * The amount the limits see is the value leaving the wallet: our inputs minus
 * our (proven) outputs, fee included. It never signs and never changes the
 * ledger: the caller audits the decision, then charges the ledger durably
 * (ledger_charge + state_save), then signs only the inputs that are ours.
 */
#ifndef COFFER_SIGNER_JUDGE_H
#define COFFER_SIGNER_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "btc/psbt.h"
#include "signer/analyze.h"
#include "signer/policy.h"

#define JUDGE_REASON_LEN 256

struct judge_decision {
	int allowed;			/* 1: every rule passed */
	int code;			/* 0, or the refusal / error code */
	char reason[JUDGE_REASON_LEN];	/* human reason ("" when allowed) */
	uint8_t request_hash[32];	/* SHA-256 of the PSBT bytes */
	uint64_t spend_sat;		/* value leaving the wallet, fee included */
	uint64_t external_sat;		/* sum of outputs that are not ours */
	uint64_t fee_sat;
	uint64_t vsize;			/* estimated once signed */
	uint64_t window_sat;		/* ledger total in the 24 h window before this payment */
	int needs_passphrase;		/* the policy wants the passphrase for this amount */
	struct psbt_analysis analysis;	/* per input/output findings (destinations) */
};

/* Free what a decision owns (its analysis). NULL allowed. */
void judge_decision_free(struct judge_decision *d);

/* SHA-256 of the request bytes, as audit records name a request. */
void judge_request_hash(uint8_t out[32], const uint8_t *req, size_t len);

/*
 * Judge a PSBT signing request. Never signs; never changes w's accounts,
 * policy or ledger (only w's script cache).
 * Returns 0 when allowed (d->allowed 1), else the code that decided, also in
 *   d->code with d->reason: COFFER_ERR_POLICY_KILL_SWITCH,
 *   COFFER_ERR_POLICY_MAX_PAYMENT, COFFER_ERR_POLICY_DAILY_LIMIT,
 *   COFFER_ERR_POLICY_ALLOWLIST, COFFER_ERR_POLICY_FEE,
 *   COFFER_ERR_POLICY_FEERATE, COFFER_ERR_POLICY_PASSPHRASE_REQUIRED,
 *   COFFER_ERR_JUDGE_NOTHING_OURS, or an analyze_psbt() error
 *   (COFFER_ERR_MISSING_UTXO, COFFER_ERR_PSBT_UTXO_MISMATCH, ...).
 *   Whatever the result, d is filled as far as the analysis got, for the
 *   audit record; free it with judge_decision_free.
 * Out:  d (initialised here).
 * Args: w: the per-unlock wallet context.
 * In:   p: the parsed PSBT; raw/raw_len: its bytes as received (for the
 *       request hash; NULL: p is serialised); policy; ledger; now: unix
 *       seconds; passphrase_supplied: 1 when this request carried the
 *       passphrase and it opened the keystore.
 */
int judge_psbt(struct judge_decision *d, struct judge_wallet *w, const struct psbt *p,
    const uint8_t *raw, size_t raw_len, const struct signer_policy *policy,
    const struct signer_ledger *ledger, uint64_t now, int passphrase_supplied);

#endif
