/*
 * Descriptor internals shared by descriptor_*.c: the parsed tree and the
 * key-expression representation. Not part of the public API.
 */
#ifndef COFFER_BTC_DESCRIPTOR_INT_H
#define COFFER_BTC_DESCRIPTOR_INT_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/network.h"
#include "common/buf.h"

#define DESC_HARDENED 0x80000000u
/* Most keys in multi()/sortedmulti() and multi_a()/sortedmulti_a(). */
#define DESC_MAX_MULTI_KEYS 20
#define DESC_MAX_MULTI_A_KEYS 999
/* Script size caps: P2SH redeem script, standard P2WSH witness script. */
#define DESC_MAX_P2SH_SCRIPT 520
#define DESC_MAX_P2WSH_SCRIPT 3600
/* Taproot tree depth (BIP341 control block) and parser nesting. */
#define DESC_MAX_TREE_DEPTH 128

enum desc_func {
	DF_PK, DF_PKH, DF_WPKH, DF_SH, DF_WSH, DF_MULTI, DF_SORTEDMULTI, DF_MULTI_A,
	DF_SORTEDMULTI_A, DF_TR, DF_RAWTR, DF_COMBO, DF_RAW, DF_ADDR,
};

/* Where a script expression sits. */
enum desc_ctx {
	DCTX_TOP = 1,
	DCTX_SH = 2,		/* inside sh() */
	DCTX_WSH = 4,		/* inside wsh() (or sh(wsh())) */
	DCTX_TAP = 8,		/* a tapscript leaf of tr() */
};

/* What a key position allows. */
enum desc_kctx {
	DKCTX_LEGACY,		/* top, sh(): uncompressed keys allowed */
	DKCTX_SEGWIT,		/* wpkh(), inside wsh(), musig() participants: compressed only */
	DKCTX_TAP,		/* tr() internal key and leaves: x-only and musig() allowed */
};

enum desc_key_kind {
	DK_PUB,			/* hex public key, 33 or 65 bytes */
	DK_XONLY,		/* 32-byte x-only hex key (taproot only) */
	DK_WIF,			/* WIF private key */
	DK_XPUB,		/* extended public key */
	DK_XPRV,		/* extended private key */
	DK_MUSIG,		/* musig(KEY,...) aggregate */
};

enum desc_wildcard { DW_NONE, DW_NORMAL, DW_HARDENED };

struct desc_steps {
	uint32_t *v;
	size_t n;
};

/*
 * A key derived down to the step above its wildcard (or to the end of its
 * path when it has none), for one path alternative. node is in secmem only
 * when it must keep a private key (a hardened wildcard below an xprv).
 */
struct desc_kcache {
	int err;		/* nonzero: deriving this alternative fails with err */
	struct bip32_key *node;
	int node_secret;	/* node came from bip32_key_new() */
};

struct desc_key {
	enum desc_key_kind kind;
	int has_origin;
	uint8_t origin_fp[4];
	struct desc_steps origin;
	uint8_t pub[65];	/* DK_PUB, DK_XONLY, DK_WIF: the (derived) public key */
	size_t publen;		/* 33, 65 or 32 */
	uint8_t *priv;		/* DK_WIF: 32-byte private key in secmem */
	struct bip32_key *xk;	/* DK_XPUB (plain heap), DK_XPRV (bip32_key_new) */
	struct desc_steps path;	/* steps after the key; the multipath slot holds 0 */
	size_t mp_pos;		/* index of the multipath step in path, or SIZE_MAX */
	struct desc_steps mp;	/* its alternatives */
	enum desc_wildcard wild;
	struct desc_key *parts;	/* DK_MUSIG participants */
	size_t nparts;
	struct desc_kcache *cache;	/* one per path alternative (or one) */
	size_t ncache;
};

struct desc_node {
	enum desc_func func;
	enum desc_ctx ctx;
	uint32_t k;			/* multisig threshold */
	struct desc_key *keys;
	size_t nkeys;
	struct desc_node *sub;		/* sh(), wsh(): one; tr(): the leaves */
	uint8_t *depths;		/* tr(): depth of each leaf, in order */
	size_t nsub;
	uint8_t *data;			/* raw(): script; addr(): scriptPubKey */
	size_t datalen;
};

struct descriptor {
	struct desc_node root;
	enum btc_network net;
	size_t npaths;
	int ranged;
	int has_private;
};

/* descriptor_checksum.c */
/*
 * Check the character set and an optional "#checksum"; *bodylen is the
 * length before '#'. Returns 0, COFFER_ERR_BAD_STRING or COFFER_ERR_DESC_CHECKSUM.
 */
int desc_checksum_strip(size_t *bodylen, const char *s, size_t len);

/* descriptor_key.c */
/* Parse one key expression s[0..n) into k (zeroed by the caller). */
int desc_key_parse(struct desc_key *k, const char *s, size_t n, enum desc_kctx kctx,
    enum btc_network net);
/* Release everything k owns, wiping secrets. */
void desc_key_clear(struct desc_key *k);
/* Number of multipath alternatives in k (1 when none; musig counts its parts). */
size_t desc_key_paths(const struct desc_key *k);
/* 1 when k has a wildcard (itself or a musig participant). */
int desc_key_ranged(const struct desc_key *k);
/* Precompute k's per-path caches; *work counts CKD steps against DESC_MAX_PARSE_WORK. */
int desc_key_prepare(struct desc_key *k, size_t npaths, size_t *work);
/*
 * The public key of k for path alternative `path` at child `index`:
 * 33 bytes (compressed), 65 (uncompressed) or 32 (x-only hex key).
 */
int desc_key_derive(uint8_t out[65], size_t *outlen, const struct desc_key *k, size_t path,
    uint32_t index);
/* Append k's text form (path alternative or DESC_ALL_PATHS; priv: keep private keys). */
int desc_key_to_string(struct cbuf *out, const struct desc_key *k, size_t path, int priv,
    enum btc_network net);

/* descriptor_parse.c */
void desc_node_clear(struct desc_node *n);

/* descriptor_script.c */
/* Decode addr() text for net into a malloc'd scriptPubKey. */
int desc_addr_decode(uint8_t **spk, size_t *spklen, const char *s, size_t n, enum btc_network net);

#endif
