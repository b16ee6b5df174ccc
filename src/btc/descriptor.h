/*
 * Output script descriptors (BIP380-387, 389; musig() of BIP390).
 *
 * desc_parse() turns a descriptor string into a validated tree: syntax,
 * checksum (optional on input), key expressions, context rules (what may
 * nest inside what, which keys each context allows) and size limits are all
 * checked there, so a parsed descriptor can only fail later to derive a
 * hardened step below an xpub (COFFER_ERR_HARDENED_FROM_PUBLIC) or at an
 * index out of range.
 *
 * Multipath descriptors (BIP389, `<0;1>`) stay one object: every derive or
 * serialise call names the path alternative it wants (0 .. npaths-1).
 *
 * Ranged descriptors are derived cheaply in loops: parsing derives every key
 * down to the step above its wildcard once, for every path alternative, so
 * deriving child i costs one CKDpub per key. A parsed descriptor is read-only
 * afterwards, so it may be shared between threads.
 *
 * Private keys (WIF, xprv) live in guarded secret memory and are wiped by
 * desc_free(). The string a caller passes in is the caller's to wipe.
 */
#ifndef COFFER_BTC_DESCRIPTOR_H
#define COFFER_BTC_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"
#include "common/buf.h"

/* Longest descriptor string accepted (COFFER_ERR_TOO_LARGE beyond). */
#define DESC_MAX_LEN ((size_t)128 * 1024)
/* Most multipath alternatives in one `<...>` group. */
#define DESC_MAX_PATHS 256
/* Most CKD steps parsing may spend precomputing key caches (COFFER_ERR_DESC_LIMIT beyond). */
#define DESC_MAX_PARSE_WORK 8192
/* Most scripts one derivation yields (combo() gives up to four). */
#define DESC_MAX_SCRIPTS 4
/* Length of a BIP380 checksum. */
#define DESC_CHECKSUM_LEN 8

struct descriptor;

/* Serialisation flags for desc_to_string(). */
#define DESC_STR_PUBLIC   0x0	/* private keys replaced by their public form */
#define DESC_STR_PRIVATE  0x1	/* keep private keys (caller must use a secret cbuf) */
#define DESC_STR_NO_CHECKSUM 0x2	/* omit "#checksum" */
/* Path index meaning "all alternatives, written as <a;b>". */
#define DESC_ALL_PATHS ((size_t)-1)

/* Scripts derived at one index; init once, reuse across calls, free at the end. */
struct desc_scripts {
	size_t n;			/* number of scripts (1, or 2..4 for combo) */
	struct cbuf spk[DESC_MAX_SCRIPTS];	/* scriptPubKeys */
};

/*
 * Compute the BIP380 checksum of a descriptor (without any "#...").
 * Returns 0, COFFER_ERR_BAD_STRING for a character outside the descriptor
 * character set, or COFFER_ERR_INVALID_ARG.
 * Out: out: 8 checksum characters and a NUL (cleared to "" on failure).
 * In:  s, len: the descriptor text (need not be NUL-terminated).
 */
int desc_checksum(char out[DESC_CHECKSUM_LEN + 1], const char *s, size_t len);

/*
 * Parse and validate a descriptor for a network.
 * Keys and addresses must belong to that network's encoding (xpub/tpub, WIF
 * prefix, address prefix/hrp; else COFFER_ERR_WRONG_NETWORK). A trailing
 * "#checksum" is verified when present.
 * Returns 0 or a COFFER_ERR_* code naming the first problem: BAD_DESCRIPTOR
 * (syntax), DESC_CHECKSUM, BAD_STRING (character set), DESC_UNKNOWN_FUNC,
 * DESC_CONTEXT, DESC_NOT_SCRIPT, DESC_KEY, DESC_ORIGIN, BAD_PATH,
 * DESC_MULTIPATH, DESC_THRESHOLD, DESC_UNCOMPRESSED, DESC_LIMIT, DESC_MUSIG,
 * BAD_PUBKEY, BAD_HEX, BAD_ADDRESS, key decoding errors, TOO_LARGE, NOMEM.
 * Out: out: a new descriptor to free with desc_free(); NULL on failure.
 * In:  s, len: descriptor text (need not be NUL-terminated; <= DESC_MAX_LEN).
 *      net: the network keys and addresses must belong to.
 */
int desc_parse(struct descriptor **out, const char *s, size_t len, enum btc_network net);

/* Free a descriptor and wipe its private keys; NULL is allowed. */
void desc_free(struct descriptor *d);

/* Number of multipath alternatives (1 for a single-path descriptor). */
size_t desc_path_count(const struct descriptor *d);
/* 1 when the descriptor has a wildcard (derives per index), else 0. */
int desc_is_ranged(const struct descriptor *d);
/* 1 when it holds any private key (WIF or xprv), else 0. */
int desc_has_private(const struct descriptor *d);
/* 1 when desc_derive_address() can work (one script with an address form). */
int desc_has_address(const struct descriptor *d);
/* The network it was parsed for. */
enum btc_network desc_network(const struct descriptor *d);

/*
 * Serialise canonically: lowercase hex, hardened steps written "h", WIF and
 * extended keys re-encoded, followed by "#checksum" unless
 * DESC_STR_NO_CHECKSUM. Public form (default) writes every private key as
 * its public counterpart (WIF -> hex pubkey, xprv -> xpub).
 * Returns 0, COFFER_ERR_DESC_RANGE (path index >= desc_path_count) or a cbuf
 * error. Out: out: text appended (no NUL counted in len, but NUL-terminated).
 * In: d; path: a path alternative, or DESC_ALL_PATHS to keep `<a;b>` groups;
 *     flags: DESC_STR_*.
 */
int desc_to_string(struct cbuf *out, const struct descriptor *d, size_t path, int flags);

/* Prepare / release a struct desc_scripts. */
void desc_scripts_init(struct desc_scripts *s);
void desc_scripts_free(struct desc_scripts *s);

/*
 * Derive the scriptPubKey(s) at a child index.
 * Returns 0; COFFER_ERR_DESC_RANGE when path >= desc_path_count, index >= 2^31,
 * or index != 0 on a descriptor that is not ranged;
 * COFFER_ERR_HARDENED_FROM_PUBLIC for a hardened step below an xpub;
 * COFFER_ERR_DERIVATION (invalid child, p ~ 2^-127); NOMEM.
 * Out: out: scripts replaced (n = 0 on failure).
 * In: d; path: path alternative; index: child number for wildcards.
 */
int desc_derive(struct desc_scripts *out, const struct descriptor *d, size_t path, uint32_t index);

/*
 * Derive the address at a child index (the descriptor's network).
 * Returns as desc_derive(), plus COFFER_ERR_UNSUPPORTED when the script has
 * no address form (bare pk(), multi(), raw() of a non-standard script,
 * combo() which has several) and COFFER_ERR_TOO_LARGE when outsize is short.
 * Out: out: NUL-terminated address ("" on failure).
 * In: outsize (>= 91 always suffices); d; path; index.
 */
int desc_derive_address(char *out, size_t outsize, const struct descriptor *d, size_t path,
    uint32_t index);

#endif
