/* Taproot output construction and key tweaks; see taproot.h. */
#include "btc/taproot.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "btc/hash.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

void
taproot_leaf_hash(uint8_t out[32], uint8_t version, const uint8_t *script, size_t len)
{
	struct sha256_ctx c;
	uint8_t hdr[10];
	size_t n = 0;

	hdr[n++] = version;
	/* CompactSize of the script length. */
	if (len < 0xfd)
		hdr[n++] = (uint8_t)len;
	else if (len <= 0xffff) {
		hdr[n++] = 0xfd;
		hdr[n++] = (uint8_t)len;
		hdr[n++] = (uint8_t)(len >> 8);
	} else {
		hdr[n++] = 0xfe;
		hdr[n++] = (uint8_t)len;
		hdr[n++] = (uint8_t)(len >> 8);
		hdr[n++] = (uint8_t)(len >> 16);
		hdr[n++] = (uint8_t)(len >> 24);
	}
	sha256_init_tagged(&c, "TapLeaf");
	sha256_update(&c, hdr, n);
	sha256_update(&c, script, len);
	sha256_final(&c, out);
}

void
taproot_branch_hash(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	uint8_t buf[64];

	if (memcmp(a, b, 32) <= 0) {
		memcpy(buf, a, 32);
		memcpy(buf + 32, b, 32);
	} else {
		memcpy(buf, b, 32);
		memcpy(buf + 32, a, 32);
	}
	tagged_hash(out, "TapBranch", buf, sizeof(buf));
}

struct tree_node {
	uint8_t hash[32];
	unsigned int depth;
	int has_target;		/* the node's subtree holds the leaf whose path we want */
};

int
taproot_tree_root(uint8_t root[32], uint8_t *path, size_t *path_len,
    const struct taproot_leaf *leaves, size_t n, size_t path_leaf)
{
	/* Depth-first leaves: push each, merging the top two while their depths
	 * match, as Bitcoin Core's TaprootBuilder does. Depths along the stack are
	 * strictly increasing, so it never holds more than TAPROOT_MAX_DEPTH + 1. */
	struct tree_node st[TAPROOT_MAX_DEPTH + 1];
	size_t sp = 0, i, plen = 0;

	memset(root, 0, 32);
	if (path_len != NULL)
		*path_len = 0;
	if (n == 0 || (path != NULL && (path_len == NULL || path_leaf >= n)))
		return COFFER_ERR_BAD_TAPROOT_TREE;
	for (i = 0; i < n; i++) {
		struct tree_node cur;

		if (leaves[i].depth > TAPROOT_MAX_DEPTH || (leaves[i].version & 1) != 0)
			return COFFER_ERR_BAD_TAPROOT_TREE;
		/* A new leaf may not be shallower than an unfinished left sibling, and
		 * nothing may follow a finished tree. */
		if (sp > 0 && leaves[i].depth < st[sp - 1].depth)
			return COFFER_ERR_BAD_TAPROOT_TREE;
		if (sp > 0 && st[sp - 1].depth == 0)
			return COFFER_ERR_BAD_TAPROOT_TREE;
		taproot_leaf_hash(cur.hash, leaves[i].version, leaves[i].script, leaves[i].script_len);
		cur.depth = leaves[i].depth;
		cur.has_target = path != NULL && i == path_leaf;
		while (sp > 0 && st[sp - 1].depth == cur.depth) {
			struct tree_node *left = &st[--sp];

			if (cur.depth == 0)
				return COFFER_ERR_BAD_TAPROOT_TREE;
			if (cur.has_target) {
				memcpy(path + plen, left->hash, 32);
				plen += 32;
			} else if (left->has_target) {
				memcpy(path + plen, cur.hash, 32);
				plen += 32;
			}
			taproot_branch_hash(cur.hash, left->hash, cur.hash);
			cur.has_target |= left->has_target;
			cur.depth--;
		}
		st[sp++] = cur;
	}
	if (sp != 1 || st[0].depth != 0)
		return COFFER_ERR_BAD_TAPROOT_TREE;
	memcpy(root, st[0].hash, 32);
	if (path_len != NULL)
		*path_len = plen;
	return 0;
}

void
taproot_tweak_hash(uint8_t out[32], const uint8_t internal[32], const uint8_t *merkle_root)
{
	uint8_t buf[64];

	memcpy(buf, internal, 32);
	if (merkle_root != NULL)
		memcpy(buf + 32, merkle_root, 32);
	tagged_hash(out, "TapTweak", buf, merkle_root != NULL ? 64 : 32);
}

int
taproot_output_key(uint8_t out[32], int *parity, const uint8_t internal[32],
    const uint8_t *merkle_root)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_xonly_pubkey xp;
	secp256k1_pubkey q;
	uint8_t tweak[32];
	int par = 0;

	memset(out, 0, 32);
	if (parity != NULL)
		*parity = 0;
	if (!secp256k1_xonly_pubkey_parse(ctx, &xp, internal))
		return COFFER_ERR_BAD_PUBKEY;
	taproot_tweak_hash(tweak, internal, merkle_root);
	if (!secp256k1_xonly_pubkey_tweak_add(ctx, &q, &xp, tweak) ||
	    !secp256k1_xonly_pubkey_from_pubkey(ctx, &xp, &par, &q) ||
	    !secp256k1_xonly_pubkey_serialize(ctx, out, &xp)) {
		memset(out, 0, 32);
		return COFFER_ERR_BAD_PUBKEY;
	}
	if (parity != NULL)
		*parity = par;
	return 0;
}

int
taproot_control_block(uint8_t *out, size_t *out_len, uint8_t leaf_version, int parity,
    const uint8_t internal[32], const uint8_t *path, size_t path_len)
{
	*out_len = 0;
	if (path_len % 32 != 0 || path_len > 32 * TAPROOT_MAX_DEPTH || (leaf_version & 1) != 0)
		return COFFER_ERR_BAD_CONTROL_BLOCK;
	out[0] = (uint8_t)(leaf_version | (parity ? 1 : 0));
	memcpy(out + 1, internal, 32);
	if (path_len > 0)
		memcpy(out + TAPROOT_CONTROL_BASE, path, path_len);
	*out_len = TAPROOT_CONTROL_BASE + path_len;
	return 0;
}

int
taproot_control_block_check(uint8_t *leaf_hash, const uint8_t output_key[32], const uint8_t *cb,
    size_t cb_len, const uint8_t *script, size_t script_len)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_xonly_pubkey xp, xq;
	uint8_t k[32], tweak[32];
	size_t i;

	if (leaf_hash != NULL)
		memset(leaf_hash, 0, 32);
	if (cb_len < TAPROOT_CONTROL_BASE || cb_len > TAPROOT_CONTROL_MAX ||
	    (cb_len - TAPROOT_CONTROL_BASE) % 32 != 0)
		return COFFER_ERR_BAD_CONTROL_BLOCK;
	if (!secp256k1_xonly_pubkey_parse(ctx, &xp, cb + 1) ||
	    !secp256k1_xonly_pubkey_parse(ctx, &xq, output_key))
		return COFFER_ERR_BAD_PUBKEY;
	taproot_leaf_hash(k, cb[0] & TAPROOT_LEAF_MASK, script, script_len);
	if (leaf_hash != NULL)
		memcpy(leaf_hash, k, 32);
	for (i = TAPROOT_CONTROL_BASE; i < cb_len; i += 32)
		taproot_branch_hash(k, k, cb + i);
	taproot_tweak_hash(tweak, cb + 1, k);
	if (!secp256k1_xonly_pubkey_tweak_add_check(ctx, output_key, cb[0] & 1, &xp, tweak)) {
		if (leaf_hash != NULL)
			memset(leaf_hash, 0, 32);
		return COFFER_ERR_BAD_CONTROL_BLOCK;
	}
	return 0;
}

int
taproot_tweak_seckey(uint8_t out[32], const uint8_t seckey[32], const uint8_t *merkle_root)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_pubkey pk;
	secp256k1_xonly_pubkey xp;
	uint8_t x[32], tweak[32];
	int parity = 0;

	/* Scalar arithmetic rather than keypair_xonly_tweak_add: that would also
	 * tweak the public point (a full ecmult) which the signer recomputes anyway. */
	memcpy(out, seckey, 32);
	if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey) ||
	    !secp256k1_xonly_pubkey_from_pubkey(ctx, &xp, &parity, &pk) ||
	    !secp256k1_xonly_pubkey_serialize(ctx, x, &xp))
		goto fail;
	taproot_tweak_hash(tweak, x, merkle_root);
	if (parity && !secp256k1_ec_seckey_negate(ctx, out))
		goto fail;
	if (!secp256k1_ec_seckey_tweak_add(ctx, out, tweak))
		goto fail;
	return 0;
fail:
	secure_wipe(out, 32);
	return COFFER_ERR_BAD_PRIVKEY;
}
