/*
 * The session's key source for psbt_sign: BIP32 keys derived from the
 * unlocked master, with the parents of recently used keys (m/84'/1'/0'/0 for
 * a run of receive addresses) kept in guarded memory for the whole session,
 * so a signature costs one derivation step instead of five. Keys are used
 * only after the derived public key equals the PSBT's exactly (psbt.h's
 * get_key contract); everything is wiped at lock.
 */
#include <string.h>

#include "btc/bip32.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/keystore.h"
#include "signer/signer_int.h"
#include "signer/signer_wallet.h"

#define KEYRING_SLOTS 8
#define KEYRING_MAX_DEPTH 8	/* deeper parents are derived each time, not cached */

struct signer_keyring {
	struct bip32_key *master;
	uint8_t fp[4];
	struct bip32_key *parent[KEYRING_SLOTS];
	uint32_t path[KEYRING_SLOTS][KEYRING_MAX_DEPTH];
	size_t depth[KEYRING_SLOTS];
	int used[KEYRING_SLOTS];
	size_t next;
	struct bip32_key *child;
	struct bip32_key *scratch;	/* an uncached deep parent */
};

void
signer_keyring_free(struct signer_keyring *k)
{
	size_t i;

	if (k == NULL)
		return;
	bip32_key_free(k->master);
	for (i = 0; i < KEYRING_SLOTS; i++)
		bip32_key_free(k->parent[i]);
	bip32_key_free(k->child);
	bip32_key_free(k->scratch);
	secmem_free(k);
}

int
signer_keyring_new(struct signer_keyring **out, const struct ks_secret *sec, enum btc_network net)
{
	struct signer_keyring *k;
	size_t i;
	int ret;

	*out = NULL;
	if ((k = secmem_alloc(sizeof(*k))) == NULL)
		return COFFER_ERR_NOMEM;
	ret = COFFER_ERR_NOMEM;
	if ((k->child = bip32_key_new()) == NULL || (k->scratch = bip32_key_new()) == NULL)
		goto fail;
	for (i = 0; i < KEYRING_SLOTS; i++)
		if ((k->parent[i] = bip32_key_new()) == NULL)
			goto fail;
	if ((ret = signer_master_key(&k->master, sec, net)) != 0)
		goto fail;
	bip32_fingerprint(k->fp, k->master);
	*out = k;
	return 0;
fail:
	signer_keyring_free(k);
	return ret;
}

/* Does our compressed key equal the PSBT's key (33, 65 or x-only 32 bytes)? */
static int
same_key(const uint8_t ours[33], const uint8_t *pub, size_t pub_len)
{
	uint8_t full[65];

	if (pub_len == 33)
		return memcmp(ours, pub, 33) == 0;
	if (pub_len == 32)
		return memcmp(ours + 1, pub, 32) == 0;
	if (pub_len == 65 && keys_pubkey_uncompress(full, ours, 33) == 0)
		return memcmp(full, pub, 65) == 0;
	return 0;
}

static int
parent_of(const struct bip32_key **out, struct signer_keyring *k, const uint32_t *path, size_t depth)
{
	size_t j;
	int ret;

	*out = NULL;
	if (depth == 0) {
		*out = k->master;
		return 0;
	}
	if (depth > KEYRING_MAX_DEPTH) {
		if ((ret = bip32_derive_path(k->scratch, k->master, path, depth)) != 0)
			return ret;
		*out = k->scratch;
		return 0;
	}
	for (j = 0; j < KEYRING_SLOTS; j++) {
		if (k->used[j] && k->depth[j] == depth && memcmp(k->path[j], path, depth * sizeof(*path)) == 0) {
			*out = k->parent[j];
			return 0;
		}
	}
	j = k->next;
	k->next = (k->next + 1) % KEYRING_SLOTS;
	k->used[j] = 0;
	if ((ret = bip32_derive_path(k->parent[j], k->master, path, depth)) != 0)
		return ret;
	memcpy(k->path[j], path, depth * sizeof(*path));
	k->depth[j] = depth;
	k->used[j] = 1;
	*out = k->parent[j];
	return 0;
}

static int
keyring_get_key(void *ctx, uint8_t seckey[32], const uint8_t *pub, size_t pub_len,
    const struct psbt_origin *o)
{
	struct signer_keyring *k = ctx;
	const struct bip32_key *parent;
	int ret;

	if (memcmp(o->fingerprint, k->fp, 4) != 0)
		return COFFER_ERR_NOT_FOUND;
	if (o->depth == 0) {
		if (!same_key(k->master->pub, pub, pub_len))
			return COFFER_ERR_PSBT_KEY_MISMATCH;
		memcpy(seckey, k->master->priv, 32);
		return 0;
	}
	if ((ret = parent_of(&parent, k, o->path, o->depth - 1)) != 0 ||
	    (ret = bip32_derive_child(k->child, parent, o->path[o->depth - 1])) != 0) {
		bip32_key_wipe(k->scratch);
		return ret == COFFER_ERR_DERIVATION ? COFFER_ERR_PSBT_KEY_MISMATCH : ret;
	}
	if (!same_key(k->child->pub, pub, pub_len))
		ret = COFFER_ERR_PSBT_KEY_MISMATCH;
	else
		memcpy(seckey, k->child->priv, 32);
	bip32_key_wipe(k->child);
	bip32_key_wipe(k->scratch);
	return ret;
}

int
signer_keyring_derive(struct signer_keyring *k, struct bip32_key *out, const uint32_t *path, size_t depth)
{
	const struct bip32_key *parent;
	int ret;

	if (depth == 0)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = parent_of(&parent, k, path, depth - 1)) == 0)
		ret = bip32_derive_child(out, parent, path[depth - 1]);
	bip32_key_wipe(k->scratch);
	return ret;
}

int
signer_keyring_sign(struct signer_keyring *k, struct psbt *p, struct psbt_sign_stats *stats)
{
	struct psbt_signer signer;
	struct psbt_sign_opts opts;

	memset(&opts, 0, sizeof(opts));
	signer.get_key = keyring_get_key;
	signer.ctx = k;
	return psbt_sign(p, stats, &signer, &opts);
}
