/*
 * judge_psbt: analysis plus every policy rule, first failing rule decides
 * (judge.h, docs/POLICY.md).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btc/hash.h"
#include "common/buf.h"
#include "common/err.h"
#include "signer/judge.h"

void
judge_decision_free(struct judge_decision *d)
{
	if (d == NULL)
		return;
	analysis_free(&d->analysis);
	memset(d, 0, sizeof(*d));
}

void
judge_request_hash(uint8_t out[32], const uint8_t *req, size_t len)
{
	sha256(out, req, len);
}

static int
refuse(struct judge_decision *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
refuse(struct judge_decision *d, int code, const char *fmt, ...)
{
	va_list ap;

	d->allowed = 0;
	d->code = code;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	return code;
}

static int
analysis_refusal(struct judge_decision *d, int r)
{
	size_t i = d->analysis.bad_index;

	switch (r) {
	case COFFER_ERR_MISSING_UTXO:
		return refuse(d, r, "input %zu: UTXO data missing (every input amount is needed)", i);
	case COFFER_ERR_PSBT_UTXO_MISMATCH:
		return refuse(d, r, "input %zu: UTXO data does not match the input", i);
	case COFFER_ERR_JUDGE_UNPROVEN_INPUT:
		return refuse(d, r, "input %zu: names our key but its script is not one of our "
		    "accounts'", i);
	case COFFER_ERR_JUDGE_SIGHASH:
		return refuse(d, r, "input %zu: sighash type other than ALL/DEFAULT", i);
	case COFFER_ERR_BAD_AMOUNT:
		return refuse(d, r, "amounts out of range or outputs exceed inputs");
	default:
		return refuse(d, r, "PSBT analysis failed: %s", coffer_err_msg(r));
	}
}

/* Is every external output allowed? Sets *bad to the first that is not. */
static int
allowlist_ok(size_t *bad, const struct signer_policy *pol, const struct psbt *p,
    const struct psbt_analysis *a)
{
	size_t i;

	for (i = 0; i < a->n_out; i++) {
		if (a->out[i].change)
			continue;
		if (!policy_allows_spk(pol, p->tx.out[i].script_pubkey,
		    p->tx.out[i].script_pubkey_len)) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

int
judge_psbt(struct judge_decision *d, struct judge_wallet *w, const struct psbt *p,
    const uint8_t *raw, size_t raw_len, const struct signer_policy *pol,
    const struct signer_ledger *ledger, uint64_t now, int passphrase_supplied)
{
	struct psbt_analysis *a = &d->analysis;
	struct cbuf ser;
	uint64_t spend, window;
	size_t bad;
	int r;

	memset(d, 0, sizeof(*d));
	analysis_init(a);
	if (raw != NULL) {
		judge_request_hash(d->request_hash, raw, raw_len);
	} else {
		cbuf_init(&ser, PSBT_MAX_SIZE);
		if ((r = psbt_serialize(&ser, p)) != 0) {
			cbuf_free(&ser);
			return refuse(d, r, "cannot serialise the PSBT: %s", coffer_err_msg(r));
		}
		judge_request_hash(d->request_hash, ser.p, ser.len);
		cbuf_free(&ser);
	}

	/* Analyse even under the kill switch, so the audit record shows the request. */
	r = analyze_psbt(a, w, p);
	d->spend_sat = a->spend;
	d->external_sat = a->external_total;
	d->fee_sat = a->fee;
	d->vsize = a->vsize;
	d->window_sat = window = ledger_window_total(ledger, now);
	if (pol->kill_switch)
		return refuse(d, COFFER_ERR_POLICY_KILL_SWITCH, "the kill switch is on");
	if (r == COFFER_ERR_NOMEM)
		return refuse(d, r, "out of memory");
	if (r != 0)
		return analysis_refusal(d, r);
	if (a->n_ours_in == 0)
		return refuse(d, COFFER_ERR_JUDGE_NOTHING_OURS, "no input belongs to this wallet");

	spend = a->spend;
	d->needs_passphrase = pol->passphrase_threshold_sat != 0 &&
	    spend > pol->passphrase_threshold_sat;
	if (pol->max_per_payment_sat != 0 && spend > pol->max_per_payment_sat)
		return refuse(d, COFFER_ERR_POLICY_MAX_PAYMENT,
		    "payment of %" PRIu64 " sat (fee included) is over the maximum per payment of %"
		    PRIu64 " sat", spend, pol->max_per_payment_sat);
	if (pol->max_24h_sat != 0 &&
	    (window > pol->max_24h_sat || spend > pol->max_24h_sat - window))
		return refuse(d, COFFER_ERR_POLICY_DAILY_LIMIT,
		    "payment of %" PRIu64 " sat plus %" PRIu64 " sat spent in the last 24 hours is "
		    "over the 24-hour maximum of %" PRIu64 " sat", spend, window, pol->max_24h_sat);
	if (!allowlist_ok(&bad, pol, p, a))
		return refuse(d, COFFER_ERR_POLICY_ALLOWLIST,
		    "output %zu pays %s, which is not on the allowlist", bad, a->out[bad].dest);
	if (pol->max_fee_sat != 0 && a->fee > pol->max_fee_sat)
		return refuse(d, COFFER_ERR_POLICY_FEE,
		    "fee of %" PRIu64 " sat is over the maximum of %" PRIu64 " sat", a->fee,
		    pol->max_fee_sat);
	/* fee / vsize > max  <=>  fee > max * vsize (exact in integers). */
	if (pol->max_feerate_sat_vb != 0 && a->vsize > 0 &&
	    (pol->max_feerate_sat_vb > UINT64_MAX / a->vsize ? 0 :
	    a->fee > pol->max_feerate_sat_vb * a->vsize))
		return refuse(d, COFFER_ERR_POLICY_FEERATE,
		    "fee rate of %" PRIu64 ".%03" PRIu64 " sat/vB (%" PRIu64 " sat over an estimated %"
		    PRIu64 " vB) is over the maximum of %" PRIu64 " sat/vB",
		    a->feerate_milli / 1000, a->feerate_milli % 1000, a->fee, a->vsize,
		    pol->max_feerate_sat_vb);
	if (d->needs_passphrase && !passphrase_supplied)
		return refuse(d, COFFER_ERR_POLICY_PASSPHRASE_REQUIRED,
		    "payment of %" PRIu64 " sat is over %" PRIu64 " sat: the passphrase is required",
		    spend, pol->passphrase_threshold_sat);
	d->allowed = 1;
	d->code = 0;
	d->reason[0] = '\0';
	return 0;
}
