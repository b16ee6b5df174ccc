/*
 * PSBT analysis: which inputs and outputs are provably ours, the amounts, the
 * fee and the size once signed. Nothing the PSBT claims is taken on trust:
 * ownership is re-derived from our account descriptors and compared with the
 * scriptPubKey (analyze.h).
 */
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/tx.h"
#include "common/encoding.h"
#include "common/err.h"
#include "signer/analyze.h"
#include "signer/judge_int.h"

/* Final-size estimates (bytes). ECDSA signatures are taken as 72 with the
 * sighash byte (low-R grinding), Schnorr as 64 (SIGHASH_DEFAULT). */
#define EST_P2PKH_SCRIPTSIG   (1 + 72 + 1 + 33)
#define EST_P2WPKH_WITNESS    (1 + 1 + 72 + 1 + 33)
#define EST_P2TR_KEY_WITNESS  (1 + 1 + 64)

/* Derivations of ours tried per input or output before giving up on a proof. */
#define ANALYZE_MAX_PROOFS    8

void
analysis_init(struct psbt_analysis *a)
{
	memset(a, 0, sizeof(*a));
}

void
analysis_free(struct psbt_analysis *a)
{
	if (a == NULL)
		return;
	free(a->in);
	free(a->out);
	analysis_init(a);
}

/*
 * Is spk provably ours through one of the derivations in m (types bip32_type
 * and tap_type)? *ours is 1 with account/change/index when it is; *names_ours
 * is 1 when some derivation carries our fingerprint at all.
 */
static int
prove_ours(int *ours, int *names_ours, size_t *account, uint32_t *change, uint32_t *index,
    struct judge_wallet *w, const struct psbt_map *m, uint64_t bip32_type, uint64_t tap_type,
    const uint8_t *spk, size_t spk_len)
{
	struct psbt_origin o;
	const uint8_t *leaves;
	size_t i, j, n_leaves, d, tries = 0;
	int r;

	*ours = 0;
	*names_ours = 0;
	for (i = 0; i < m->n; i++) {
		const struct psbt_kv *kv = &m->kv[i];

		if (kv->type == bip32_type) {
			if (psbt_origin_decode(&o, kv->value, kv->value_len) != 0)
				continue;	/* the parser checked it; never here */
		} else if (kv->type == tap_type) {
			if (psbt_tap_origin_decode(&leaves, &n_leaves, &o, kv->value,
			    kv->value_len) != 0)
				continue;
		} else {
			continue;
		}
		if (memcmp(o.fingerprint, w->fingerprint, 4) != 0)
			continue;
		*names_ours = 1;
		/* Our accounts put one key of ours in a script: a map naming many is not
		 * ours, and must not make us derive without bound. */
		if (++tries > ANALYZE_MAX_PROOFS)
			return 0;
		for (j = 0; j < w->n_accounts; j++) {
			d = w->acct[j].depth;
			if (o.depth != d + 2 || memcmp(o.path, w->acct[j].origin, d * sizeof(uint32_t)) != 0 ||
			    o.path[d] > 1 || o.path[d + 1] >= BIP32_HARDENED)
				continue;
			if ((r = judge_account_matches(w, j, o.path[d], o.path[d + 1], spk, spk_len)) < 0)
				return r;
			if (r == 1) {
				*ours = 1;
				*account = j;
				*change = o.path[d];
				*index = o.path[d + 1];
				return 0;
			}
		}
	}
	return 0;
}

static void
describe_dest(char out[ANALYZE_DEST_LEN], const uint8_t *spk, size_t len, enum btc_network net)
{
	char addr[ADDR_BUFSIZE];
	size_t show = len > 40 ? 40 : len;

	if (addr_encode(addr, spk, len, net) == 0) {
		memcpy(out, addr, strlen(addr) + 1);
		return;
	}
	memcpy(out, "script:", 8);
	hex_encode(out + 7, ANALYZE_DEST_LEN - 7, spk, show);
	if (show < len)
		memcpy(out + 7 + 2 * show, "...", 4);
}

static size_t
script_value_len(const struct psbt_map *m, uint64_t type, const uint8_t **v)
{
	const struct psbt_kv *kv = psbt_map_find(m, type, NULL, 0);

	*v = kv != NULL ? kv->value : NULL;
	return kv != NULL ? kv->value_len : 0;
}

/* Estimate an input's final scriptSig and witness sizes (lower bounds for
 * scripts we cannot see into: conservative for a maximum fee rate). */
static void
estimate_input(struct analyze_input *ai, const struct psbt_map *m, const uint8_t *spk,
    size_t spk_len)
{
	const uint8_t *rs, *ws, *fv;
	size_t rs_len, ws_len, fs, fw;

	fs = script_value_len(m, PSBT_IN_FINAL_SCRIPTSIG, &fv);
	fw = script_value_len(m, PSBT_IN_FINAL_SCRIPTWITNESS, &fv);
	if (fs > 0 || fw > 0) {
		ai->est_script_sig = fs;
		ai->est_witness = fw;
		return;
	}
	rs_len = script_value_len(m, PSBT_IN_REDEEM_SCRIPT, &rs);
	ws_len = script_value_len(m, PSBT_IN_WITNESS_SCRIPT, &ws);
	switch (addr_classify(spk, spk_len)) {
	case ADDR_P2PKH:
		ai->est_script_sig = EST_P2PKH_SCRIPTSIG;
		break;
	case ADDR_P2WPKH:
		ai->est_witness = EST_P2WPKH_WITNESS;
		break;
	case ADDR_P2WSH:
		ai->est_witness = ws_len > 0 ? 1 + compact_size_len(ws_len) + ws_len : 1;
		break;
	case ADDR_P2TR:
		ai->est_witness = EST_P2TR_KEY_WITNESS;
		break;
	case ADDR_P2SH:
		if (rs_len == 0)
			break;
		ai->est_script_sig = compact_size_len(rs_len) + rs_len;
		if (addr_classify(rs, rs_len) == ADDR_P2WPKH)
			ai->est_witness = EST_P2WPKH_WITNESS;
		else if (addr_classify(rs, rs_len) == ADDR_P2WSH)
			ai->est_witness = ws_len > 0 ? 1 + compact_size_len(ws_len) + ws_len : 1;
		break;
	default:
		break;
	}
}

/* Our input's sighash type must be ALL, or DEFAULT on taproot. */
static int
sighash_ok(const struct psbt_map *m, const uint8_t *spk, size_t spk_len)
{
	const struct psbt_kv *kv = psbt_map_find(m, PSBT_IN_SIGHASH_TYPE, NULL, 0);
	uint32_t t;

	if (kv == NULL)
		return 1;
	if (kv->value_len != 4)
		return 0;
	t = (uint32_t)kv->value[0] | (uint32_t)kv->value[1] << 8 | (uint32_t)kv->value[2] << 16 |
	    (uint32_t)kv->value[3] << 24;
	return t == 1 || (t == 0 && addr_classify(spk, spk_len) == ADDR_P2TR);
}

static int
add_money(uint64_t *sum, int64_t v)
{
	if (v < 0 || v > TX_MAX_MONEY || *sum > (uint64_t)TX_MAX_MONEY - (uint64_t)v)
		return COFFER_ERR_BAD_AMOUNT;
	*sum += (uint64_t)v;
	return 0;
}

static int
analyze_inputs(struct psbt_analysis *a, struct judge_wallet *w, const struct psbt *p)
{
	struct cbuf spk;
	size_t i;
	int names_ours, r = 0;

	cbuf_init(&spk, TX_MAX_SIZE);
	for (i = 0; i < p->n_in; i++) {
		struct analyze_input *ai = &a->in[i];
		const struct psbt_map *m = &p->in[i].map;

		a->bad_index = i;
		cbuf_reset(&spk);
		if ((r = psbt_input_utxo(&ai->amount, &spk, NULL, p, i)) != 0 ||
		    (r = add_money(&a->in_total, ai->amount)) != 0)
			goto out;
		if ((r = prove_ours(&ai->ours, &names_ours, &ai->account, &ai->change, &ai->index, w,
		    m, PSBT_IN_BIP32_DERIVATION, PSBT_IN_TAP_BIP32_DERIVATION, spk.p, spk.len)) != 0)
			goto out;
		if (names_ours && !ai->ours) {
			r = COFFER_ERR_JUDGE_UNPROVEN_INPUT;
			goto out;
		}
		if (ai->ours) {
			if (!sighash_ok(m, spk.p, spk.len)) {
				r = COFFER_ERR_JUDGE_SIGHASH;
				goto out;
			}
			a->n_ours_in++;
			a->ours_in += (uint64_t)ai->amount;	/* <= in_total: in range */
		}
		estimate_input(ai, m, spk.p, spk.len);
	}
out:
	cbuf_free(&spk);
	return r;
}

static int
analyze_outputs(struct psbt_analysis *a, struct judge_wallet *w, const struct psbt *p)
{
	size_t i, acct;
	uint32_t change, index;
	int names_ours, r;

	for (i = 0; i < p->n_out; i++) {
		struct analyze_output *ao = &a->out[i];
		const struct tx_out *o = &p->tx.out[i];

		a->bad_index = i;
		ao->amount = o->value;
		if ((r = add_money(&a->out_total, o->value)) != 0)
			return r;
		if ((r = prove_ours(&ao->change, &names_ours, &acct, &change, &index, w,
		    &p->out[i].map, PSBT_OUT_BIP32_DERIVATION, PSBT_OUT_TAP_BIP32_DERIVATION,
		    o->script_pubkey, o->script_pubkey_len)) != 0)
			return r;
		describe_dest(ao->dest, o->script_pubkey, o->script_pubkey_len, w->net);
		if (ao->change) {
			a->n_change++;
			a->change_total += (uint64_t)o->value;
		} else {
			a->n_external++;
			a->external_total += (uint64_t)o->value;
		}
	}
	return 0;
}

/* Virtual size once every input carries its estimated scriptSig and witness. */
static uint64_t
estimate_vsize(const struct psbt_analysis *a, const struct psbt *p)
{
	size_t base = 0, i;
	uint64_t weight, wit = 0;
	int any_wit = 0;

	tx_sizes(&p->tx, &base, NULL);	/* unsigned: empty scriptSigs, no witness */
	weight = (uint64_t)base * 4;
	for (i = 0; i < a->n_in; i++) {
		const struct analyze_input *ai = &a->in[i];
		size_t ss = ai->est_script_sig;

		/* The unsigned tx counted a 1-byte empty scriptSig length. */
		weight += (uint64_t)(ss + compact_size_len(ss) - 1) * 4;
		if (ai->est_witness > 0) {
			any_wit = 1;
			wit += ai->est_witness;
		} else {
			wit += 1;	/* empty stack: one zero count byte */
		}
	}
	if (any_wit)
		weight += 2 + wit;	/* marker, flag, stacks */
	return (weight + 3) / 4;
}

int
analyze_psbt(struct psbt_analysis *a, struct judge_wallet *w, const struct psbt *p)
{
	int r;

	analysis_init(a);
	if (p->n_in != p->tx.n_in || p->n_out != p->tx.n_out)
		return COFFER_ERR_BAD_PSBT;
	if ((p->n_in > 0 && (a->in = calloc(p->n_in, sizeof(*a->in))) == NULL) ||
	    (p->n_out > 0 && (a->out = calloc(p->n_out, sizeof(*a->out))) == NULL))
		return COFFER_ERR_NOMEM;
	a->n_in = p->n_in;
	a->n_out = p->n_out;
	if ((r = analyze_inputs(a, w, p)) != 0 || (r = analyze_outputs(a, w, p)) != 0)
		return r;
	if (a->out_total > a->in_total) {
		a->bad_index = 0;
		return COFFER_ERR_BAD_AMOUNT;
	}
	a->fee = a->in_total - a->out_total;
	a->spend = a->ours_in > a->change_total ? a->ours_in - a->change_total : 0;
	a->vsize = estimate_vsize(a, p);
	a->feerate_milli = a->vsize > 0 ? a->fee * 1000 / a->vsize : 0;
	return 0;
}
