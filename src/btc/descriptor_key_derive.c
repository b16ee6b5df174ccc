/*
 * Descriptor keys at an index: the per-path caches built at parse time
 * (each key derived down to the step above its wildcard) and the per-index
 * derivation that uses them; musig() aggregation (BIP390 with BIP328).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>

#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "btc/musig.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

/* MuSig2 KeyAgg of n compressed keys after KeySort; out: the 33-byte plain aggregate. */
static int
musig_aggregate(uint8_t out[33], uint8_t (*pubs)[33], size_t n)
{
	struct musig_keyagg ka;
	int r;

	if ((r = musig_key_sort(NULL, pubs, n)) != 0 || (r = musig_key_agg(&ka, NULL,
	    (const uint8_t (*)[33])pubs, n)) != 0)
		return r == COFFER_ERR_BAD_PUBKEY ? r : COFFER_ERR_DESC_MUSIG;
	musig_keyagg_pubkey(out, &ka);
	return 0;
}

/* The aggregate of k's participants at path alternative a and child index. */
static int
musig_key_at(uint8_t out[33], const struct desc_key *k, size_t a, uint32_t index)
{
	uint8_t (*pubs)[33], tmp[65];
	size_t i, len;
	int r = 0;

	if ((pubs = calloc(k->nparts, 33)) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < k->nparts && r == 0; i++) {
		/* participants are compressed keys (parsed in the segwit key context) */
		if ((r = desc_key_derive(tmp, &len, &k->parts[i], a, index)) == 0)
			memcpy(pubs[i], tmp, 33);
	}
	if (r == 0)
		r = musig_aggregate(out, pubs, k->nparts);
	free(pubs);
	return r;
}

/* k's path for alternative a, with the multipath slot filled in. */
static void
steps_for(uint32_t *out, const struct desc_key *k, size_t a)
{
	size_t i;

	for (i = 0; i < k->path.n; i++)
		out[i] = i == k->mp_pos ? k->mp.v[a < k->mp.n ? a : 0] : k->path.v[i];
}

static int
prepare_one(struct desc_kcache *c, const struct desc_key *k, const struct bip32_key *base,
    size_t a)
{
	struct bip32_key tmp;
	uint32_t steps[BIP32_MAX_DEPTH];
	int keep_priv = k->wild == DW_HARDENED && base->has_priv, r;

	steps_for(steps, k, a);
	r = bip32_derive_path(&tmp, base, steps, k->path.n);
	if (r == COFFER_ERR_HARDENED_FROM_PUBLIC || r == COFFER_ERR_DERIVATION || r == COFFER_ERR_DEPTH) {
		c->err = r;	/* reported when someone derives this path */
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (k->wild == DW_HARDENED && !tmp.has_priv)
		c->err = COFFER_ERR_HARDENED_FROM_PUBLIC;
	c->node_secret = keep_priv;
	if ((c->node = keep_priv ? bip32_key_new() : calloc(1, sizeof(*c->node))) == NULL) {
		c->node_secret = 0;
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if (keep_priv)
		*c->node = tmp;
	else
		r = bip32_neuter(c->node, &tmp);
 out:
	bip32_key_wipe(&tmp);
	return r;
}

int
desc_key_prepare(struct desc_key *k, size_t npaths, size_t *work)
{
	struct bip32_key synth;
	size_t a, i, nc;
	int r = 0, multi = k->mp_pos != SIZE_MAX;

	if (k->kind != DK_XPUB && k->kind != DK_XPRV && k->kind != DK_MUSIG)
		return 0;
	if (k->kind == DK_MUSIG) {
		for (i = 0; i < k->nparts; i++) {
			if ((r = desc_key_prepare(&k->parts[i], npaths, work)) != 0)
				return r;
			if (k->parts[i].wild != DW_NONE)
				return 0;	/* aggregated per index at derive time */
			multi |= k->parts[i].mp_pos != SIZE_MAX;
		}
	}
	nc = multi ? npaths : 1;
	if ((k->cache = calloc(nc, sizeof(*k->cache))) == NULL)
		return COFFER_ERR_NOMEM;
	k->ncache = nc;
	for (a = 0; a < nc && r == 0; a++) {
		*work += k->path.n + (k->kind == DK_MUSIG ? k->nparts : 0);
		if (*work > DESC_MAX_PARSE_WORK)
			return COFFER_ERR_DESC_LIMIT;
		if (k->kind != DK_MUSIG) {
			r = prepare_one(&k->cache[a], k, k->xk, a);
			continue;
		}
		/* BIP328: the aggregate as a depth-0 xpub with a fixed chain code. */
		memset(&synth, 0, sizeof(synth));
		synth.net = BTC_MAINNET;
		memcpy(synth.chaincode, MUSIG_BIP328_CHAINCODE, 32);
		if ((r = musig_key_at(synth.pub, k, a, 0)) != 0)
			return r;
		if (!secp256k1_ec_pubkey_parse(btc_secp(), &synth.pk, synth.pub, 33))
			return COFFER_ERR_MUSIG;
		r = prepare_one(&k->cache[a], k, &synth, a);
	}
	return r;
}

int
desc_key_derive(uint8_t out[65], size_t *outlen, const struct desc_key *k, size_t path,
    uint32_t index)
{
	const struct desc_kcache *c;
	struct bip32_key tmp;
	int r;

	*outlen = 0;
	switch (k->kind) {
	case DK_PUB:
	case DK_XONLY:
	case DK_WIF:
		memcpy(out, k->pub, k->publen);
		*outlen = k->publen;
		return 0;
	case DK_MUSIG:
		if (k->ncache == 0) {
			if ((r = musig_key_at(out, k, path, index)) == 0)
				*outlen = 33;
			return r;
		}
		break;
	case DK_XPUB:
	case DK_XPRV:
		break;
	}
	c = &k->cache[k->ncache > 1 ? path : 0];
	if (c->err != 0)
		return c->err;
	switch (k->wild) {
	case DW_NONE:
		memcpy(out, c->node->pub, 33);
		break;
	case DW_NORMAL:
		if ((r = bip32_derive_pubkey(out, c->node, index)) != 0)
			return r;
		break;
	case DW_HARDENED:
		r = bip32_derive_child(&tmp, c->node, index | DESC_HARDENED);
		if (r == 0)
			memcpy(out, tmp.pub, 33);
		bip32_key_wipe(&tmp);
		if (r != 0)
			return r;
		break;
	}
	*outlen = 33;
	return 0;
}

