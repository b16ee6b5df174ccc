/*
 * A cache of BIP32 parent keys for signing runs.
 *
 * Wallet keys share long parents (m/84'/0'/0'/0 for a run of receive
 * addresses); deriving each key from the master costs five steps, from a
 * cached parent one. The cache borrows a private master key and keeps the
 * last few parents it derived, all in one guarded, locked allocation
 * (secmem) that is wiped when the cache is freed. Used by psbt_sign_bip32
 * (one signing call) and by the signer (one unlocked session).
 */
#ifndef COFFER_BTC_BIP32_CACHE_H
#define COFFER_BTC_BIP32_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct bip32_key;
struct bip32_cache;

#define BIP32_CACHE_SLOTS     8	/* parents kept (replaced round-robin) */
#define BIP32_CACHE_MAX_DEPTH 8	/* deeper parents are derived each time, not kept */

/*
 * Make a cache over a private master key.
 * Returns: 0; COFFER_ERR_INVALID_ARG (master has no private key);
 *          COFFER_ERR_NOMEM.
 * Out:  out: the cache (NULL on failure); free it with bip32_cache_free.
 * In:   master: borrowed, not copied: it must outlive the cache.
 */
int bip32_cache_new(struct bip32_cache **out, const struct bip32_key *master);

/* Wipe and free a cache (the master is not freed); NULL is allowed. */
void bip32_cache_free(struct bip32_cache *c);

/* The master key's 4-byte fingerprint (computed once, at bip32_cache_new). */
const uint8_t *bip32_cache_fingerprint(const struct bip32_cache *c);

/*
 * Derive master/path[0]/.../path[depth-1], through a cached parent.
 * Returns: 0; COFFER_ERR_INVALID_ARG (depth 0); or as bip32_derive_child.
 *          On failure out is wiped.
 * Args: c: the cache (its parents may be replaced).
 * Out:  out: the derived key (put it in bip32_key_new memory).
 * In:   path: depth child numbers (hardened ones with BIP32_HARDENED).
 */
int bip32_cache_derive(struct bip32_cache *c, struct bip32_key *out, const uint32_t *path, size_t depth);

/*
 * The private and compressed public key at master/path (depth 0: the master
 * itself), derived in the cache's own guarded memory and wiped there.
 * Returns: 0; or as bip32_derive_child. On failure seckey and pub are zero.
 * Args: c: the cache.
 * Out:  seckey: 32-byte secret (the caller wipes it); pub: 33 bytes.
 * In:   path: depth child numbers.
 */
int bip32_cache_seckey(struct bip32_cache *c, uint8_t seckey[32], uint8_t pub[33], const uint32_t *path,
    size_t depth);

#endif
