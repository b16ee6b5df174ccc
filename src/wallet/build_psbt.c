/* From a planned transaction to the unsigned PSBT, and the locktime (build.h). */
#include "wallet/build.h"

#include <string.h>

#include "btc/hash.h"
#include "btc/tx.h"
#include "common/err.h"
#include "common/secmem.h"

uint64_t
pay_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
pay_rng_seed(void)
{
	uint64_t s = 0;

	secure_random(&s, sizeof(s));
	return s;
}

uint32_t
pay_locktime(uint64_t *rng, uint32_t tip_height, int tip_is_current)
{
	uint32_t lt, back;

	if (!tip_is_current || tip_height == 0 || tip_height >= 500000000u)
		return 0;
	lt = tip_height;
	/* Sometimes earlier, so transactions that were delayed do not stand out. */
	if (pay_rng_next(rng) % 10 == 0) {
		back = (uint32_t)(pay_rng_next(rng) % 100);
		lt = back < lt ? lt - back : 0;
	}
	return lt;
}

/* The derivation fields of one of our keys on input or output `index`. */
static int
add_key_fields(struct psbt *p, enum psbt_map_kind kind, size_t index, const struct wacct *a,
    const struct wacct_key *k)
{
	struct psbt_map *m = kind == PSBT_MAP_INPUT ? &p->in[index].map : &p->out[index].map;
	uint8_t redeem[22];
	int r;

	switch (a->type) {
	case ADDR_P2SH:
		redeem[0] = 0x00;
		redeem[1] = 0x14;
		hash160(redeem + 2, k->pub, 33);
		if ((r = psbt_map_set(p, m, kind, kind == PSBT_MAP_INPUT ? PSBT_IN_REDEEM_SCRIPT :
		    PSBT_OUT_REDEEM_SCRIPT, NULL, 0, redeem, sizeof(redeem))) != 0)
			return r;
		/* FALLTHROUGH */
	case ADDR_P2WPKH:
		return psbt_update_derivation(p, kind, index, k->pub, 33, &k->origin);
	case ADDR_P2TR:
		if ((r = psbt_map_set(p, m, kind, kind == PSBT_MAP_INPUT ? PSBT_IN_TAP_INTERNAL_KEY :
		    PSBT_OUT_TAP_INTERNAL_KEY, NULL, 0, k->pub + 1, 32)) != 0)
			return r;
		return psbt_update_tap_derivation(p, kind, index, k->pub + 1, NULL, 0, &k->origin);
	default:
		return COFFER_ERR_PAY_ACCOUNT;
	}
}

/* Derive an account key and check it is the script we were told. */
static int
our_key(struct wacct_key *k, const struct wacct *accts, size_t n_accts, size_t account,
    uint32_t change, uint32_t index, const uint8_t *spk, size_t spk_len)
{
	if (account >= n_accts || wacct_derive(k, &accts[account], change, index) != 0)
		return COFFER_ERR_PAY_ACCOUNT;
	if (k->spk_len != spk_len || memcmp(k->spk, spk, spk_len) != 0)
		return COFFER_ERR_PAY_ACCOUNT;
	return 0;
}

int
pay_plan_psbt(struct psbt *p, const struct wacct *accts, size_t n_accts,
    const struct pay_utxo *utxos, const struct pay_plan_in *ins, size_t n_in,
    const struct pay_plan_out *outs, size_t n_out, uint32_t locktime)
{
	struct wacct_key k;
	struct tx tx;
	size_t i;
	int r;

	psbt_init(p);
	tx_init(&tx);
	tx.version = 2;
	tx.locktime = locktime;
	for (i = 0; i < n_in; i++)
		if ((r = tx_add_input(&tx, utxos[ins[i].utxo].txid, utxos[ins[i].utxo].vout,
		    PAY_SEQUENCE_RBF)) != 0)
			goto out;
	for (i = 0; i < n_out; i++)
		if ((r = tx_add_output(&tx, outs[i].amount, outs[i].spk, outs[i].spk_len)) != 0)
			goto out;
	if ((r = psbt_create(p, &tx)) != 0)
		goto out;
	for (i = 0; i < n_in; i++) {
		const struct pay_utxo *u = &utxos[ins[i].utxo];

		if ((r = our_key(&k, accts, n_accts, u->account, u->change, u->index, u->spk,
		    u->spk_len)) != 0 ||
		    (r = psbt_update_input_witness_utxo(p, i, u->value, u->spk, u->spk_len)) != 0 ||
		    (r = add_key_fields(p, PSBT_MAP_INPUT, i, &accts[u->account], &k)) != 0)
			goto out;
	}
	for (i = 0; i < n_out; i++) {
		if (!outs[i].is_change)
			continue;
		if ((r = our_key(&k, accts, n_accts, outs[i].account, outs[i].change, outs[i].index,
		    outs[i].spk, outs[i].spk_len)) != 0 ||
		    (r = add_key_fields(p, PSBT_MAP_OUTPUT, i, &accts[outs[i].account], &k)) != 0)
			goto out;
	}
out:
	tx_free(&tx);
	if (r != 0)
		psbt_free(p);
	return r;
}
