/* A cache of BIP32 parent keys for signing runs; see bip32_cache.h. */
#include "btc/bip32_cache.h"

#include <string.h>

#include "btc/bip32.h"
#include "common/err.h"
#include "common/secmem.h"

/* One secmem allocation: every key below is a secret. */
struct bip32_cache {
	const struct bip32_key *master;
	uint8_t fp[4];
	struct bip32_key parent[BIP32_CACHE_SLOTS];
	uint32_t path[BIP32_CACHE_SLOTS][BIP32_CACHE_MAX_DEPTH];
	size_t depth[BIP32_CACHE_SLOTS];
	int used[BIP32_CACHE_SLOTS];
	size_t next;
	struct bip32_key child;		/* bip32_cache_seckey's work key */
	struct bip32_key scratch;	/* an uncached deep parent */
};

int
bip32_cache_new(struct bip32_cache **out, const struct bip32_key *master)
{
	struct bip32_cache *c;

	*out = NULL;
	if (!master->has_priv)
		return COFFER_ERR_INVALID_ARG;
	if ((c = secmem_alloc(sizeof(*c))) == NULL)
		return COFFER_ERR_NOMEM;
	c->master = master;
	bip32_fingerprint(c->fp, master);
	*out = c;
	return 0;
}

void
bip32_cache_free(struct bip32_cache *c)
{
	secmem_free(c);
}

const uint8_t *
bip32_cache_fingerprint(const struct bip32_cache *c)
{
	return c->fp;
}

/* The key at master/path[0..depth): the master, a cached parent, or scratch. */
static int
parent_of(const struct bip32_key **out, struct bip32_cache *c, const uint32_t *path, size_t depth)
{
	size_t j;
	int ret;

	*out = NULL;
	if (depth == 0) {
		*out = c->master;
		return 0;
	}
	if (depth > BIP32_CACHE_MAX_DEPTH) {
		if ((ret = bip32_derive_path(&c->scratch, c->master, path, depth)) != 0)
			return ret;
		*out = &c->scratch;
		return 0;
	}
	for (j = 0; j < BIP32_CACHE_SLOTS; j++) {
		if (c->used[j] && c->depth[j] == depth && memcmp(c->path[j], path, depth * sizeof(*path)) == 0) {
			*out = &c->parent[j];
			return 0;
		}
	}
	j = c->next;
	c->next = (c->next + 1) % BIP32_CACHE_SLOTS;
	c->used[j] = 0;
	if ((ret = bip32_derive_path(&c->parent[j], c->master, path, depth)) != 0)
		return ret;
	memcpy(c->path[j], path, depth * sizeof(*path));
	c->depth[j] = depth;
	c->used[j] = 1;
	*out = &c->parent[j];
	return 0;
}

int
bip32_cache_derive(struct bip32_cache *c, struct bip32_key *out, const uint32_t *path, size_t depth)
{
	const struct bip32_key *parent;
	int ret;

	if (depth == 0) {
		bip32_key_wipe(out);
		return COFFER_ERR_INVALID_ARG;
	}
	if ((ret = parent_of(&parent, c, path, depth - 1)) == 0)
		ret = bip32_derive_child(out, parent, path[depth - 1]);
	else
		bip32_key_wipe(out);
	bip32_key_wipe(&c->scratch);
	return ret;
}

int
bip32_cache_seckey(struct bip32_cache *c, uint8_t seckey[32], uint8_t pub[33], const uint32_t *path,
    size_t depth)
{
	int ret;

	secure_wipe(seckey, 32);
	memset(pub, 0, 33);
	if (depth == 0) {
		memcpy(seckey, c->master->priv, 32);
		memcpy(pub, c->master->pub, 33);
		return 0;
	}
	if ((ret = bip32_cache_derive(c, &c->child, path, depth)) == 0) {
		memcpy(seckey, c->child.priv, 32);
		memcpy(pub, c->child.pub, 33);
	}
	bip32_key_wipe(&c->child);
	return ret;
}
