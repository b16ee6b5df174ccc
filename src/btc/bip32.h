/*
 * BIP32 hierarchical deterministic keys.
 *
 * struct bip32_key holds one extended key, public or private. Private keys
 * are secrets: allocate them with bip32_key_new() (guarded, locked memory)
 * and release them with bip32_key_free(), or, for short-lived stack copies,
 * call bip32_key_wipe() on every path. Public-only keys may live anywhere.
 *
 * Serialisation accepts and produces only the BIP32 version bytes
 * xpub/xprv (mainnet) and tpub/tprv (every test network and regtest).
 * SLIP-132 variants (ypub/zpub/upub/uprv/zprv...) are refused with
 * COFFER_ERR_BAD_XKEY_VERSION, as Bitcoin Core does; tests that need them
 * rewrite the 4 version bytes themselves.
 *
 * Derivation paths are arrays of uint32_t child numbers; a hardened child has
 * BIP32_HARDENED set. Text form: "m/84'/0'/0'/0/5" ('/h/H mark hardened).
 */
#ifndef COFFER_BTC_BIP32_H
#define COFFER_BTC_BIP32_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "btc/network.h"

#define BIP32_HARDENED 0x80000000u
/* Serialised extended key: 4 version, 1 depth, 4 parent fp, 4 child, 32 chain code, 33 key. */
#define BIP32_SERIALIZED_LEN 78
/* Buffer for the base58check string (always 111 characters) plus NUL. */
#define BIP32_XKEY_BUFSIZE 112
/* Longest path (depth is a byte). */
#define BIP32_MAX_DEPTH 255
/* Buffer for a formatted path of BIP32_MAX_DEPTH steps: "m" + 255 * "/4294967295'" + NUL. */
#define BIP32_PATH_BUFSIZE (2 + BIP32_MAX_DEPTH * 12)

struct bip32_key {
	enum btc_network net;		/* BTC_MAINNET or BTC_TESTNET after parsing */
	uint8_t depth;
	uint8_t parent_fp[4];		/* first 4 bytes of HASH160 of the parent pubkey */
	uint32_t child;			/* child number this key was derived with */
	uint8_t chaincode[32];
	uint8_t pub[33];		/* compressed public key, always set */
	secp256k1_pubkey pk;		/* pub, parsed (saves re-parsing in loops) */
	int has_priv;			/* 1 when priv is set */
	uint8_t priv[32];		/* secret; zero when has_priv is 0 */
};

/* A zeroed key in secmem (guarded, locked) memory; NULL when out of memory. */
struct bip32_key *bip32_key_new(void);
/* Wipe and free a key from bip32_key_new; NULL is allowed. */
void bip32_key_free(struct bip32_key *k);
/* Wipe a key in place (any memory). */
void bip32_key_wipe(struct bip32_key *k);

/*
 * Master key from a seed (HMAC-SHA512 keyed "Bitcoin seed").
 * Returns 0; COFFER_ERR_INVALID_ARG (seedlen not 16..64);
 *   COFFER_ERR_DERIVATION (I_L is 0 or >= n). On failure out is wiped.
 * Out:  out: private master key (put it in bip32_key_new memory).
 * In:   seed[seedlen] (secret); net: selects xprv or tprv serialisation.
 */
int bip32_master_from_seed(struct bip32_key *out, const uint8_t *seed, size_t seedlen,
    enum btc_network net);

/*
 * Derive one child (CKDpriv for a private parent, CKDpub for a public one).
 * out may be the same object as parent.
 * Returns 0; COFFER_ERR_HARDENED_FROM_PUBLIC; COFFER_ERR_DEPTH (parent depth
 *   255); COFFER_ERR_DERIVATION (invalid child, p ~ 2^-127: the caller moves
 *   on to the next index). On failure out is wiped.
 * Out:  out: child, private iff the parent is.
 * In:   parent; index: child number (>= BIP32_HARDENED for hardened).
 */
int bip32_derive_child(struct bip32_key *out, const struct bip32_key *parent, uint32_t index);

/*
 * Derive along a path (n steps; n == 0 copies parent). out may alias parent.
 * Returns 0 or as bip32_derive_child. On failure out is wiped.
 */
int bip32_derive_path(struct bip32_key *out, const struct bip32_key *parent, const uint32_t *path,
    size_t n);

/*
 * Fast path for address loops: the compressed pubkey of non-hardened child
 * `index` of an already derived key (public or private), without building a
 * whole child key (one HMAC-SHA512 and one libsecp256k1 tweak_add; see
 * docs/PERFORMANCE.md for addresses per second).
 * Returns 0; COFFER_ERR_HARDENED_FROM_PUBLIC (index >= BIP32_HARDENED);
 *   COFFER_ERR_DERIVATION. On failure pub is zeroed.
 * Out:  pub[33].
 * In:   parent; index < BIP32_HARDENED.
 */
int bip32_derive_pubkey(uint8_t pub[33], const struct bip32_key *parent, uint32_t index);

/*
 * Public version of a key (drops the private key). out may alias in.
 * Returns 0.
 */
int bip32_neuter(struct bip32_key *out, const struct bip32_key *in);

/*
 * Key fingerprint: first 4 bytes of HASH160(pub). For the master key this is
 * the PSBT/descriptor "master fingerprint".
 */
void bip32_fingerprint(uint8_t fp[4], const struct bip32_key *k);

/*
 * Parse a 111-character xpub/xprv/tpub/tprv string with every BIP32 check
 * (test vector 5). out->net is BTC_MAINNET for x-versions and BTC_TESTNET for
 * t-versions (use bip32_key_check_network for another test network).
 * Returns 0 or:
 *   COFFER_ERR_BAD_BASE58 / COFFER_ERR_BAD_CHECKSUM: string level;
 *   COFFER_ERR_BAD_XKEY: payload is not 78 bytes (or string over-long);
 *   COFFER_ERR_BAD_XKEY_VERSION: version bytes not xpub/xprv/tpub/tprv;
 *   COFFER_ERR_XKEY_KEY_TYPE: public version with a 0x00 private-key prefix,
 *     or private version with a 0x02/0x03 public-key prefix;
 *   COFFER_ERR_XKEY_KEY_PREFIX: key prefix byte not 0x00/0x02/0x03;
 *   COFFER_ERR_BAD_PUBKEY: 0x02/0x03 x-coordinate not on the curve;
 *   COFFER_ERR_BAD_PRIVKEY: private key 0 or >= n;
 *   COFFER_ERR_XKEY_ROOT_PARENT: depth 0 with a nonzero parent fingerprint;
 *   COFFER_ERR_XKEY_ROOT_INDEX: depth 0 with a nonzero child number.
 *   On failure out is wiped.
 * Out:  out (put it in bip32_key_new memory when s may be an xprv).
 * In:   s: NUL-terminated string.
 */
int bip32_key_parse(struct bip32_key *out, const char *s);

/*
 * The same checks on the 78-byte binary form (PSBT_GLOBAL_XPUB values).
 * Returns 0 or as bip32_key_parse (COFFER_ERR_BAD_XKEY for n != 78).
 * In:   p[n].
 */
int bip32_key_decode(struct bip32_key *out, const uint8_t *p, size_t n);

/*
 * Check that a parsed key may be used on net (x-keys only on mainnet, t-keys
 * on every other network). Returns 0 or COFFER_ERR_WRONG_NETWORK.
 */
int bip32_key_check_network(const struct bip32_key *k, enum btc_network net);

/*
 * Serialise the public half of a key (works for private keys too) as
 * xpub/tpub according to k->net.
 * Returns 0.
 * Out:  out[BIP32_XKEY_BUFSIZE].
 */
int bip32_xpub_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k);

/*
 * Serialise a private key as xprv/tprv (a secret: wipe out after use).
 * Returns 0 or COFFER_ERR_INVALID_ARG when k has no private key (out is "").
 * Out:  out[BIP32_XKEY_BUFSIZE].
 */
int bip32_xprv_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k);

/*
 * 78-byte binary serialisation, public (want_priv 0) or private (want_priv 1).
 * Returns 0 or COFFER_ERR_INVALID_ARG (want_priv without a private key; out zeroed).
 * Out:  out[78].
 */
int bip32_key_encode(uint8_t out[BIP32_SERIALIZED_LEN], const struct bip32_key *k, int want_priv);

/*
 * Parse a derivation path: optional leading "m" or "m/", then steps separated
 * by '/', each a decimal number < 2^31 optionally followed by ', h or H.
 * "m" and "" are the empty path. No empty steps, signs, spaces or trailing '/'.
 * Returns 0; COFFER_ERR_BAD_PATH (syntax, number >= 2^31);
 *   COFFER_ERR_DEPTH (more than pathmax or 255 steps). On failure *n is 0.
 * Out:  path[pathmax], *n.
 * In:   s: NUL-terminated.
 */
int bip32_path_parse(uint32_t *path, size_t pathmax, size_t *n, const char *s);

/*
 * Parse one path step from s[len] ("5", "84'", "0h"), as bip32_path_parse
 * does; for callers with their own path grammar (descriptors).
 * Returns 0 or COFFER_ERR_BAD_PATH (*out is then 0).
 */
int bip32_path_parse_step(uint32_t *out, const char *s, size_t len);

/*
 * Format a path as "m/84'/0'/0'" (hardened marker: hmark, ' or h).
 * Returns 0 or COFFER_ERR_TOO_LARGE (out is then "").
 * Out:  out[outsize] (BIP32_PATH_BUFSIZE always suffices).
 * In:   path[n]; hmark.
 */
int bip32_path_format(char *out, size_t outsize, const uint32_t *path, size_t n, char hmark);

/*
 * BIP44/49/84/86 account path m/purpose'/coin_type'/account' (coin type 0 on
 * mainnet, 1 on every test network and regtest).
 * Returns 0 or COFFER_ERR_INVALID_ARG (purpose not 44/49/84/86, account >= 2^31).
 * Out:  path[3].
 */
int bip32_account_path(uint32_t path[3], uint32_t purpose, enum btc_network net, uint32_t account);

#endif
