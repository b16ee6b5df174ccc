/*
 * Taproot (BIP341) construction: TapLeaf/TapBranch hashes, the Merkle root and
 * Merkle paths of a script tree, the tweaked output key and its parity, control
 * blocks, and the private-key tweak for key-path spending (BIP86 when there is
 * no script tree).
 *
 * A script tree is given as its leaves in depth-first order, each with its
 * depth (1 for a child of the root; 0 for a single-leaf tree), as descriptors
 * write them and as PSBT_OUT_TAP_TREE (BIP371) stores them. Building needs no
 * allocation: a stack of at most TAPROOT_MAX_DEPTH + 1 hashes.
 */
#ifndef COFFER_BTC_TAPROOT_H
#define COFFER_BTC_TAPROOT_H

#include <stddef.h>
#include <stdint.h>

#define TAPROOT_LEAF_TAPSCRIPT   0xc0
#define TAPROOT_LEAF_MASK        0xfe
#define TAPROOT_MAX_DEPTH        128	/* TAPROOT_CONTROL_MAX_NODE_COUNT */
#define TAPROOT_CONTROL_BASE     33
#define TAPROOT_CONTROL_MAX      (TAPROOT_CONTROL_BASE + 32 * TAPROOT_MAX_DEPTH)

struct taproot_leaf {
	uint8_t version;	/* leaf version, even (e.g. TAPROOT_LEAF_TAPSCRIPT) */
	uint8_t depth;		/* 0..TAPROOT_MAX_DEPTH */
	const uint8_t *script;	/* borrowed; NULL iff script_len 0 */
	size_t script_len;
};

/* TapLeaf hash: TaggedHash("TapLeaf", version || CompactSize(len) || script).
 * Out: out. In: version, script/len. */
void taproot_leaf_hash(uint8_t out[32], uint8_t version, const uint8_t *script, size_t len);

/* TapBranch hash of two children, sorted lexicographically first.
 * Out: out. In: a, b (32 bytes each). */
void taproot_branch_hash(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);

/* Merkle root of a tree and, optionally, the Merkle path of one leaf.
 * Returns 0; COFFER_ERR_BAD_TAPROOT_TREE if the depths do not describe a full
 * binary tree in depth-first order (or n is 0, a depth is over
 * TAPROOT_MAX_DEPTH, or a leaf version is odd).
 * Out: root (zeroed on failure); path: when not NULL, the sibling hashes of
 * leaf `path_leaf` from the leaf up (32 * depth bytes of room: at most
 * 32 * TAPROOT_MAX_DEPTH), path_len its length in bytes (may be NULL iff path is).
 * In: leaves/n; path_leaf (< n when path is used). */
int taproot_tree_root(uint8_t root[32], uint8_t *path, size_t *path_len,
    const struct taproot_leaf *leaves, size_t n, size_t path_leaf);

/* TapTweak hash: TaggedHash("TapTweak", internal || merkle_root), or of the
 * internal key alone when merkle_root is NULL (BIP86).
 * Out: out. In: internal (x-only, 32 bytes), merkle_root (32 bytes or NULL). */
void taproot_tweak_hash(uint8_t out[32], const uint8_t internal[32], const uint8_t *merkle_root);

/* Output key Q = P + t*G (t the TapTweak hash) as x-only, with Q's Y parity.
 * Returns 0; COFFER_ERR_BAD_PUBKEY (internal is not an x-only key on the curve,
 * or the tweak overflows, p ~ 2^-128).
 * Out: out (zeroed on failure), parity (0 or 1; may be NULL).
 * In: internal, merkle_root (or NULL: BIP86, key path only). */
int taproot_output_key(uint8_t out[32], int *parity, const uint8_t internal[32],
    const uint8_t *merkle_root);

/* Control block for a script-path spend: (leaf_version | parity) || internal || path.
 * Returns 0; COFFER_ERR_BAD_CONTROL_BLOCK (path_len not a multiple of 32 or over
 * 32 * TAPROOT_MAX_DEPTH, or odd leaf version).
 * Out: out (TAPROOT_CONTROL_BASE + path_len bytes of room), out_len.
 * In: leaf_version, parity (of the output key), internal, path/path_len. */
int taproot_control_block(uint8_t *out, size_t *out_len, uint8_t leaf_version, int parity,
    const uint8_t internal[32], const uint8_t *path, size_t path_len);

/* Check that a control block proves `script` is committed in output key
 * output_key (BIP341 script-path validation, without executing the script).
 * Returns 0; COFFER_ERR_BAD_CONTROL_BLOCK (bad length, or the commitment does not
 * match); COFFER_ERR_BAD_PUBKEY (internal key not on the curve).
 * Out: leaf_hash (may be NULL): the TapLeaf hash of script under the block's
 * leaf version. In: output_key (32), cb/cb_len, script/script_len. */
int taproot_control_block_check(uint8_t *leaf_hash, const uint8_t output_key[32], const uint8_t *cb,
    size_t cb_len, const uint8_t *script, size_t script_len);

/* Tweaked secret key for key-path signing: negate seckey if its point has odd Y,
 * then add the TapTweak hash of its x-only key (and merkle_root, if given).
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY (invalid key, or an invalid result).
 * Out: out (a secret: wipe it; zeroed on failure). In: seckey, merkle_root (or NULL). */
int taproot_tweak_seckey(uint8_t out[32], const uint8_t seckey[32], const uint8_t *merkle_root);

#endif
