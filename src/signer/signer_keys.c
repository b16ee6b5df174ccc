/*
 * The session's key source for psbt_sign: BIP32 keys derived from the
 * unlocked master, with the parents of recently used keys (m/84'/1'/0'/0 for
 * a run of receive addresses) kept in a bip32_cache for the whole session,
 * so a signature costs one derivation step instead of five. Keys are used
 * only after the derived public key equals the PSBT's exactly (psbt.h's
 * get_key contract); everything is wiped at lock.
 */
#include <string.h>

#include "btc/bip32.h"
#include "btc/bip32_cache.h"
#include "btc/psbt.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/keystore.h"
#include "signer/signer_int.h"
#include "signer/signer_wallet.h"

struct signer_keyring {
	struct bip32_key *master;
	struct bip32_cache *cache;	/* guarded; borrows master */
};

void
signer_keyring_free(struct signer_keyring *k)
{
	if (k == NULL)
		return;
	bip32_cache_free(k->cache);
	bip32_key_free(k->master);
	secmem_free(k);
}

int
signer_keyring_new(struct signer_keyring **out, const struct ks_secret *sec, enum btc_network net)
{
	struct signer_keyring *k;
	int ret;

	*out = NULL;
	if ((k = secmem_alloc(sizeof(*k))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((ret = signer_master_key(&k->master, sec, net)) != 0 ||
	    (ret = bip32_cache_new(&k->cache, k->master)) != 0) {
		signer_keyring_free(k);
		return ret;
	}
	*out = k;
	return 0;
}

int
signer_keyring_derive(struct signer_keyring *k, struct bip32_key *out, const uint32_t *path, size_t depth)
{
	return bip32_cache_derive(k->cache, out, path, depth);
}

int
signer_keyring_sign(struct signer_keyring *k, struct psbt *p, struct psbt_sign_stats *stats)
{
	struct psbt_signer signer;
	struct psbt_sign_opts opts;

	memset(&opts, 0, sizeof(opts));
	psbt_signer_bip32(&signer, k->cache);
	return psbt_sign(p, stats, &signer, &opts);
}
