/*
 * Partially Signed Bitcoin Transactions: BIP174 (v0) with the taproot fields of
 * BIP371, the MuSig2 fields of BIP373, and BIP370 (v2).
 *
 * A struct psbt keeps every map as an ordered list of raw key/value pairs, so
 * that unknown and proprietary fields survive and a parsed PSBT serialises back
 * byte for byte. Every pair in a struct psbt has passed the per-type checks
 * (key length, value format, allowed PSBT versions) whether it was parsed or
 * added through this API; new pairs are inserted at their canonical position
 * (Bitcoin Core's write order for known types, then proprietary, then unknown
 * types, each sorted by key bytes).
 *
 * The transaction being built is mirrored in `tx` (v0: the parsed
 * PSBT_GLOBAL_UNSIGNED_TX; v2: assembled from the per-input and per-output
 * fields, with the fallback locktime). It is read-only for callers.
 *
 * Parsing is bounded: at most PSBT_MAX_SIZE bytes, PSBT_MAX_INPUTS inputs,
 * PSBT_MAX_OUTPUTS outputs, PSBT_MAX_MAP_FIELDS pairs per map and
 * PSBT_MAX_FIELDS in all. Memory is the input's bytes once more, plus about
 * 100 bytes per pair and per map, so at most ~35 times a (tiny-pair) input and
 * never more than ~40 MiB in all.
 *
 * Roles live in separate files: psbt_parse.c (this header's parse and field
 * rules), psbt_write.c, psbt_update.c, psbt_sign.c, psbt_finalize.c,
 * psbt_combine.c, psbt_v2.c (locktime, v0<->v2) and psbt_json.c (decode).
 */
#ifndef COFFER_BTC_PSBT_H
#define COFFER_BTC_PSBT_H

#include <stddef.h>
#include <stdint.h>

#include "btc/tx.h"
#include "common/buf.h"

/* Hard caps on untrusted PSBTs. */
#define PSBT_MAX_SIZE        ((size_t)16 << 20)	/* serialised bytes */
#define PSBT_MAX_INPUTS      10000
#define PSBT_MAX_OUTPUTS     10000
#define PSBT_MAX_MAP_FIELDS  4096	/* key/value pairs in one map */
#define PSBT_MAX_FIELDS      200000	/* key/value pairs in the whole PSBT */
#define PSBT_MAX_KEY_SIZE    8192	/* bytes in one key (type included) */
#define PSBT_MAX_PATH_DEPTH  255	/* BIP32 derivation steps in one origin */

/* Global types (BIP174, BIP370). */
#define PSBT_GLOBAL_UNSIGNED_TX        0x00
#define PSBT_GLOBAL_XPUB               0x01
#define PSBT_GLOBAL_TX_VERSION         0x02
#define PSBT_GLOBAL_FALLBACK_LOCKTIME  0x03
#define PSBT_GLOBAL_INPUT_COUNT        0x04
#define PSBT_GLOBAL_OUTPUT_COUNT       0x05
#define PSBT_GLOBAL_TX_MODIFIABLE      0x06
#define PSBT_GLOBAL_VERSION            0xfb
#define PSBT_GLOBAL_PROPRIETARY        0xfc

/* Input types (BIP174, BIP370, BIP371, BIP373). */
#define PSBT_IN_NON_WITNESS_UTXO       0x00
#define PSBT_IN_WITNESS_UTXO           0x01
#define PSBT_IN_PARTIAL_SIG            0x02
#define PSBT_IN_SIGHASH_TYPE           0x03
#define PSBT_IN_REDEEM_SCRIPT          0x04
#define PSBT_IN_WITNESS_SCRIPT         0x05
#define PSBT_IN_BIP32_DERIVATION       0x06
#define PSBT_IN_FINAL_SCRIPTSIG        0x07
#define PSBT_IN_FINAL_SCRIPTWITNESS    0x08
#define PSBT_IN_POR_COMMITMENT         0x09
#define PSBT_IN_RIPEMD160              0x0a
#define PSBT_IN_SHA256                 0x0b
#define PSBT_IN_HASH160                0x0c
#define PSBT_IN_HASH256                0x0d
#define PSBT_IN_PREVIOUS_TXID          0x0e
#define PSBT_IN_OUTPUT_INDEX           0x0f
#define PSBT_IN_SEQUENCE               0x10
#define PSBT_IN_REQUIRED_TIME_LOCKTIME 0x11
#define PSBT_IN_REQUIRED_HEIGHT_LOCKTIME 0x12
#define PSBT_IN_TAP_KEY_SIG            0x13
#define PSBT_IN_TAP_SCRIPT_SIG         0x14
#define PSBT_IN_TAP_LEAF_SCRIPT        0x15
#define PSBT_IN_TAP_BIP32_DERIVATION   0x16
#define PSBT_IN_TAP_INTERNAL_KEY       0x17
#define PSBT_IN_TAP_MERKLE_ROOT        0x18
#define PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS 0x1a
#define PSBT_IN_MUSIG2_PUB_NONCE       0x1b
#define PSBT_IN_MUSIG2_PARTIAL_SIG     0x1c
#define PSBT_IN_PROPRIETARY            0xfc

/* Output types (BIP174, BIP370, BIP371, BIP373). */
#define PSBT_OUT_REDEEM_SCRIPT         0x00
#define PSBT_OUT_WITNESS_SCRIPT        0x01
#define PSBT_OUT_BIP32_DERIVATION      0x02
#define PSBT_OUT_AMOUNT                0x03
#define PSBT_OUT_SCRIPT                0x04
#define PSBT_OUT_TAP_INTERNAL_KEY      0x05
#define PSBT_OUT_TAP_TREE              0x06
#define PSBT_OUT_TAP_BIP32_DERIVATION  0x07
#define PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS 0x08
#define PSBT_OUT_PROPRIETARY           0xfc

/* PSBT_GLOBAL_TX_MODIFIABLE bits (BIP370). */
#define PSBT_TXMOD_INPUTS          0x01
#define PSBT_TXMOD_OUTPUTS         0x02
#define PSBT_TXMOD_SIGHASH_SINGLE  0x04

/* Which map a pair belongs to. */
enum psbt_map_kind {
	PSBT_MAP_GLOBAL = 0,
	PSBT_MAP_INPUT,
	PSBT_MAP_OUTPUT,
};

/* One key/value pair. key holds the whole key (CompactSize type, then key
 * data); key and value share one allocation owned by the map. */
struct psbt_kv {
	uint8_t *key;
	size_t key_len;
	uint8_t *value;
	size_t value_len;
	uint64_t type;
	size_t keydata_off;	/* key data is key[keydata_off .. key_len) */
};

struct psbt_map {
	struct psbt_kv *kv;
	size_t n;
	size_t cap;
};

struct psbt_input {
	struct psbt_map map;
	/* v2 only (0 when absent): PSBT_IN_REQUIRED_{TIME,HEIGHT}_LOCKTIME. */
	uint32_t time_locktime;
	uint32_t height_locktime;
};

struct psbt_output {
	struct psbt_map map;
};

struct psbt {
	uint32_t version;		/* 0 or 2 */
	struct tx tx;			/* the unsigned transaction (see above) */
	int has_fallback_locktime;	/* v2: PSBT_GLOBAL_FALLBACK_LOCKTIME present */
	uint8_t tx_modifiable;		/* v2: PSBT_GLOBAL_TX_MODIFIABLE (0 when absent) */
	struct psbt_map global;
	struct psbt_input *in;		/* n_in maps (n_in == tx.n_in) */
	size_t n_in;
	struct psbt_output *out;	/* n_out maps (n_out == tx.n_out) */
	size_t n_out;
};

/* An empty PSBT (version 0, empty transaction, no maps). */
void psbt_init(struct psbt *p);

/* Release everything a PSBT owns and leave it as psbt_init() does. NULL is allowed. */
void psbt_free(struct psbt *p);

/*
 * Deep copy.
 * Returns 0 or COFFER_ERR_NOMEM.
 * Out:  dst (initialised here; empty on failure).
 * In:   src.
 */
int psbt_copy(struct psbt *dst, const struct psbt *src);

/*
 * Parse a binary PSBT (v0 or v2), checking every field.
 * Returns 0 or:
 *   COFFER_ERR_TOO_LARGE          over a PSBT_MAX_* cap;
 *   COFFER_ERR_PSBT_MAGIC         no "psbt\xff" prefix;
 *   COFFER_ERR_TRUNCATED          a length, map or separator missing at the end;
 *   COFFER_ERR_NONCANONICAL       non-minimal CompactSize;
 *   COFFER_ERR_PSBT_DUP_KEY       a key repeated in one map;
 *   COFFER_ERR_PSBT_BAD_KEY       key data of the wrong size or content for its type;
 *   COFFER_ERR_PSBT_BAD_VALUE     value malformed for its type;
 *   COFFER_ERR_PSBT_VERSION       PSBT_GLOBAL_VERSION other than 0 or 2;
 *   COFFER_ERR_PSBT_FIELD_VERSION a field not allowed in this version;
 *   COFFER_ERR_PSBT_MISSING_FIELD a required field absent;
 *   COFFER_ERR_PSBT_UNSIGNED_TX   v0 unsigned tx with scriptSigs or in witness form;
 *   COFFER_ERR_TRAILING           bytes after the last output map;
 *   COFFER_ERR_NOMEM.
 * Out:  p (initialised here; empty on failure).
 * In:   buf/len.
 */
int psbt_parse(struct psbt *p, const uint8_t *buf, size_t len);

/* Same, from padded standard base64 (surrounding ASCII whitespace ignored).
 * Also returns COFFER_ERR_BAD_BASE64. */
int psbt_parse_base64(struct psbt *p, const char *s, size_t len);

/*
 * Serialise: magic, then the maps with their pairs in list order.
 * Returns 0, COFFER_ERR_TOO_LARGE (out's cap) or COFFER_ERR_NOMEM.
 * Out:  out (appended).
 * In:   p.
 */
int psbt_serialize(struct cbuf *out, const struct psbt *p);

/* Same, appended as NUL-terminated base64 (out->len excludes the NUL). */
int psbt_serialize_base64(struct cbuf *out, const struct psbt *p);

/*
 * Creator: a v0 PSBT for an unsigned transaction (empty scriptSigs and
 * witnesses), with empty input and output maps.
 * Returns 0, COFFER_ERR_PSBT_UNSIGNED_TX, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 * Out:  p (initialised here; empty on failure).
 * In:   tx.
 */
int psbt_create(struct psbt *p, const struct tx *tx);

/* --- Maps ------------------------------------------------------------------ */

/*
 * Find the pair with this type and key data (keydata NULL iff keydata_len 0).
 * Returns the pair (owned by the map) or NULL.
 */
const struct psbt_kv *psbt_map_find(const struct psbt_map *m, uint64_t type,
    const uint8_t *keydata, size_t keydata_len);

/* Number of pairs of a type in a map. */
size_t psbt_map_count_type(const struct psbt_map *m, uint64_t type);

/*
 * Add or replace a pair after the same checks as the parser applies to a map of
 * `kind` in a PSBT of p's version (so v2 transaction fields cannot be changed
 * this way: they are refused with COFFER_ERR_INVALID_ARG). A new key goes to its
 * canonical position; a replaced one keeps its place.
 * Returns 0, a parse error code of psbt_parse() for the pair, COFFER_ERR_TOO_LARGE
 * (map full) or COFFER_ERR_NOMEM; the map is unchanged on failure.
 * Args: p: the PSBT (for its version); m: one of p's maps, of kind `kind`.
 * In:   type; keydata/keydata_len; value/value_len (NULL iff length 0).
 */
int psbt_map_set(struct psbt *p, struct psbt_map *m, enum psbt_map_kind kind, uint64_t type,
    const uint8_t *keydata, size_t keydata_len, const uint8_t *value, size_t value_len);

/* Remove every pair of a type (keydata NULL) or the one pair with that key. */
void psbt_map_remove(struct psbt_map *m, uint64_t type, const uint8_t *keydata, size_t keydata_len);

/* Name of a known field type ("PSBT_IN_PARTIAL_SIG") or NULL. */
const char *psbt_field_name(enum psbt_map_kind kind, uint64_t type);

/* --- Typed readers ------------------------------------------------------------ */

/* A BIP32 key origin: master fingerprint and path (at most PSBT_MAX_PATH_DEPTH steps). */
struct psbt_origin {
	uint8_t fingerprint[4];
	uint32_t path[PSBT_MAX_PATH_DEPTH];
	size_t depth;
};

/*
 * Decode a key-origin value (fingerprint || u32le path...).
 * Returns 0 or COFFER_ERR_PSBT_BAD_VALUE. Out: o (cleared on entry). In: v/n.
 */
int psbt_origin_decode(struct psbt_origin *o, const uint8_t *v, size_t n);

/*
 * Decode a PSBT_{IN,OUT}_TAP_BIP32_DERIVATION value: leaf hashes then origin.
 * Returns 0 or COFFER_ERR_PSBT_BAD_VALUE.
 * Out:  leaf_hashes: points into v (n_leaves * 32 bytes; NULL when none);
 *       n_leaves; o (cleared on entry).
 * In:   v/n.
 */
int psbt_tap_origin_decode(const uint8_t **leaf_hashes, size_t *n_leaves, struct psbt_origin *o,
    const uint8_t *v, size_t n);

/*
 * The output an input spends, from its UTXO fields, after the checks the
 * signer relies on: a non-witness UTXO must hash to the prevout txid and have
 * the output; when both UTXO fields are present they must agree.
 * Returns 0 or COFFER_ERR_MISSING_UTXO (neither present),
 *   COFFER_ERR_PSBT_UTXO_MISMATCH, COFFER_ERR_INPUT_INDEX, COFFER_ERR_NOMEM.
 * Out:  amount (0 on failure); spk: the scriptPubKey is appended;
 *       source (may be NULL): PSBT_IN_NON_WITNESS_UTXO or PSBT_IN_WITNESS_UTXO,
 *       whichever was used (the non-witness one when both are present).
 * In:   p, index.
 */
int psbt_input_utxo(int64_t *amount, struct cbuf *spk, int *source, const struct psbt *p,
    size_t index);

/* Whether an input carries PSBT_IN_FINAL_SCRIPTSIG or PSBT_IN_FINAL_SCRIPTWITNESS. */
int psbt_input_is_final(const struct psbt *p, size_t index);

/*
 * The fee: sum of input amounts minus sum of output amounts.
 * Returns 0; COFFER_ERR_MISSING_UTXO (an input's amount unknown);
 *   COFFER_ERR_PSBT_UTXO_MISMATCH; COFFER_ERR_BAD_AMOUNT (outputs exceed
 *   inputs or a sum over the money range).
 * Out:  fee (0 on failure). In: p.
 */
int psbt_fee(int64_t *fee, const struct psbt *p);

/* --- v2 (psbt_v2.c) ---------------------------------------------------------- */

/*
 * The transaction locktime (BIP370 rules for v2: the largest required
 * locktime of the kind every input supporting one agrees on, height preferred,
 * else the fallback locktime or 0; v0: the unsigned tx's).
 * Returns 0 or COFFER_ERR_PSBT_LOCKTIME (inputs need both a height and a time
 * locktime). Out: locktime (0 on failure). In: p.
 */
int psbt_locktime(uint32_t *locktime, const struct psbt *p);

/*
 * The unsigned transaction with its final locktime.
 * Returns 0, COFFER_ERR_PSBT_LOCKTIME or COFFER_ERR_NOMEM.
 * Out: tx (initialised here; empty on failure). In: p.
 */
int psbt_unsigned_tx(struct tx *tx, const struct psbt *p);

/*
 * Convert between versions. To v0: the unsigned tx (locktime as above) becomes
 * PSBT_GLOBAL_UNSIGNED_TX and the v2-only fields are dropped. To v2: the
 * transaction is spread over the v2 fields (the locktime becomes the fallback
 * locktime) and PSBT_GLOBAL_VERSION is set to 2. Other pairs are kept.
 * Converting to the current version copies.
 * Returns 0, COFFER_ERR_INVALID_ARG (version not 0 or 2), COFFER_ERR_PSBT_LOCKTIME,
 *   COFFER_ERR_NOMEM.
 * Out:  dst (initialised here; empty on failure).
 * In:   src; version: 0 or 2.
 */
int psbt_convert(struct psbt *dst, const struct psbt *src, uint32_t version);

/* --- Updater (psbt_update.c) ------------------------------------------------- */

/* A public key the updater may attach to inputs and outputs, with its origin. */
struct psbt_pool_key {
	uint8_t pubkey[65];		/* 33-byte compressed or 65-byte uncompressed */
	size_t pubkey_len;
	struct psbt_origin origin;
};

/* What the updater knows: previous transactions, redeem/witness scripts and keys. */
struct psbt_update_pool {
	const struct tx *prev_txs;
	size_t n_prev_txs;
	const uint8_t *const *scripts;	/* redeem and witness scripts, any order */
	const size_t *script_lens;
	size_t n_scripts;
	const struct psbt_pool_key *keys;
	size_t n_keys;
};

/* Updater flags. */
#define PSBT_UPDATE_FULL_UTXO_ALWAYS 0x01	/* add the non-witness UTXO to segwit inputs too */

/*
 * Updater: for every input whose previous transaction is in the pool, add the
 * UTXO (segwit spends: PSBT_IN_WITNESS_UTXO, plus the whole previous tx with
 * PSBT_UPDATE_FULL_UTXO_ALWAYS; others: PSBT_IN_NON_WITNESS_UTXO), the redeem
 * and witness scripts that hash to what the output commits to, and a BIP32
 * derivation for each pool key that appears in those scripts; for taproot
 * key-path outputs (BIP86) whose output key a pool key tweaks to, the internal
 * key and its PSBT_IN_TAP_BIP32_DERIVATION. Outputs get scripts and derivations
 * the same way. A field already present with the same key is replaced.
 * Returns 0, COFFER_ERR_NOMEM or COFFER_ERR_TOO_LARGE.
 * Args: p. In: pool; flags: PSBT_UPDATE_*.
 */
int psbt_update(struct psbt *p, const struct psbt_update_pool *pool, unsigned int flags);

/*
 * Set one input's UTXO from its previous transaction: PSBT_IN_NON_WITNESS_UTXO
 * and, when with_witness_utxo is 1, PSBT_IN_WITNESS_UTXO too.
 * Returns 0, COFFER_ERR_INPUT_INDEX, COFFER_ERR_PSBT_UTXO_MISMATCH (prev is not
 * the transaction the input spends), COFFER_ERR_NOMEM.
 */
int psbt_update_input_utxo(struct psbt *p, size_t index, const struct tx *prev,
    int with_witness_utxo);

/*
 * Set PSBT_IN_WITNESS_UTXO.
 * Returns 0, COFFER_ERR_INPUT_INDEX, COFFER_ERR_BAD_AMOUNT, COFFER_ERR_NOMEM.
 */
int psbt_update_input_witness_utxo(struct psbt *p, size_t index, int64_t amount,
    const uint8_t *spk, size_t spk_len);

/* Set PSBT_IN_SIGHASH_TYPE. Returns 0, COFFER_ERR_INPUT_INDEX or COFFER_ERR_NOMEM. */
int psbt_update_input_sighash(struct psbt *p, size_t index, uint32_t sighash_type);

/*
 * Add a BIP32 derivation (PSBT_{IN,OUT}_BIP32_DERIVATION) to input or output
 * `index` (kind PSBT_MAP_INPUT or PSBT_MAP_OUTPUT).
 * Returns 0, COFFER_ERR_INPUT_INDEX, COFFER_ERR_PSBT_BAD_KEY (pubkey invalid),
 *   COFFER_ERR_NOMEM.
 */
int psbt_update_derivation(struct psbt *p, enum psbt_map_kind kind, size_t index,
    const uint8_t *pubkey, size_t pubkey_len, const struct psbt_origin *origin);

/*
 * Add a taproot derivation (PSBT_{IN,OUT}_TAP_BIP32_DERIVATION): x-only key,
 * the leaf hashes it signs in (NULL/0 for the key path) and its origin.
 * Same Returns as psbt_update_derivation.
 */
int psbt_update_tap_derivation(struct psbt *p, enum psbt_map_kind kind, size_t index,
    const uint8_t xonly[32], const uint8_t *leaf_hashes, size_t n_leaves,
    const struct psbt_origin *origin);

/* --- Signer (psbt_sign.c) ------------------------------------------------------ */

/*
 * A source of private keys. get_key is asked for each key an input's
 * derivations name: pub is 33/65 bytes (ECDSA) or 32 (x-only, taproot) and
 * origin its key origin. It returns 0 with the secret key in seckey only after
 * checking that the key's public key is exactly pub; COFFER_ERR_NOT_FOUND when
 * the key is not ours; COFFER_ERR_PSBT_KEY_MISMATCH when the origin looks like
 * ours (fingerprint) but the derived key differs (the key is then skipped and
 * counted); any other code aborts signing.
 */
struct psbt_signer {
	int (*get_key)(void *ctx, uint8_t seckey[32], const uint8_t *pub, size_t pub_len,
	    const struct psbt_origin *origin);
	void *ctx;
};

/* Signer flags. */
#define PSBT_SIGN_NO_GRIND       0x01	/* ECDSA: plain RFC6979 without low-R grinding
					 * (reproduces the BIP174 vectors) */
#define PSBT_SIGN_REQUIRE_FULL_UTXO 0x02 /* segwit v0 inputs need PSBT_IN_NON_WITNESS_UTXO */
#define PSBT_SIGN_ANY_SIGHASH    0x04	/* allow NONE, SINGLE and ANYONECANPAY */

struct psbt_sign_opts {
	unsigned int flags;		/* PSBT_SIGN_* */
	const uint8_t *aux32;		/* BIP340 auxiliary randomness, tests only; NULL: fresh */
};

struct psbt_sign_stats {
	size_t inputs_signed;		/* inputs that received at least one signature */
	size_t signatures;		/* signatures added */
	size_t key_mismatch;		/* keys whose fingerprint matched but derived key did not */
};

/*
 * Signer. First every input's UTXO data is checked (a non-witness UTXO must
 * hash to the prevout txid; a witness UTXO needs a witness (or P2SH) output;
 * redeem and witness scripts must hash to what the output commits to); any
 * inconsistency refuses the whole PSBT. Then each non-final input whose
 * derivations name keys the signer holds is signed, the sighash computed here
 * from the PSBT's own data:
 *   P2PKH, P2SH (legacy), P2PK, bare multisig: legacy sighash; the full
 *     previous transaction is required;
 *   P2WPKH, P2WSH, and both nested in P2SH: BIP143; PSBT_IN_WITNESS_UTXO
 *     suffices unless PSBT_SIGN_REQUIRE_FULL_UTXO (policy: the amount is
 *     committed by the signature, the fee-attack of CVE-2020-14199 needs two
 *     signing rounds on different amounts; set the flag to rule it out);
 *   P2TR: BIP341 key path when the key is the internal key (the output key
 *     must match it and PSBT_IN_TAP_MERKLE_ROOT), BIP342 script path for each
 *     leaf hash of the key's derivation whose leaf script is in the PSBT, has
 *     a control block committing to the output key, is tapscript, has no
 *     OP_CODESEPARATOR and contains the key. Every input's amount and script
 *     must be known.
 * A key is used only where the script commits to it (hash or push).
 * Sighash type: PSBT_IN_SIGHASH_TYPE, or ALL (ECDSA) / DEFAULT (taproot);
 * other than ALL/DEFAULT is refused without PSBT_SIGN_ANY_SIGHASH.
 * Returns 0 (also when nothing was ours: see stats) or COFFER_ERR_PSBT_UTXO_MISMATCH,
 *   COFFER_ERR_PSBT_SCRIPT_MISMATCH, COFFER_ERR_MISSING_UTXO,
 *   COFFER_ERR_PSBT_MISSING_FIELD (our key, but a script it needs is absent),
 *   COFFER_ERR_PSBT_SIGHASH, COFFER_ERR_BAD_SIGHASH_TYPE, COFFER_ERR_PSBT_LOCKTIME,
 *   COFFER_ERR_NOMEM, or an error of get_key. On failure p may hold signatures
 *   added before the failing input: callers discard it.
 * Args: p. Out: stats (may be NULL; cleared on entry).
 * In:   signer; opts (NULL: defaults).
 */
int psbt_sign(struct psbt *p, struct psbt_sign_stats *stats, const struct psbt_signer *signer,
    const struct psbt_sign_opts *opts);

/*
 * Sign with an HD master key: keys whose origin fingerprint is the master's are
 * derived along their path and used only if the derived public key equals the
 * PSBT's. Derived keys live in secure memory and are wiped.
 * Returns as psbt_sign, plus COFFER_ERR_INVALID_ARG (master has no private key).
 */
struct bip32_key;
int psbt_sign_bip32(struct psbt *p, struct psbt_sign_stats *stats, const struct bip32_key *master,
    const struct psbt_sign_opts *opts);

/*
 * Fill a psbt_signer whose keys come from a BIP32 parent cache (bip32_cache.h):
 * the keys psbt_sign_bip32 would use, for callers that keep the cache across
 * many signing calls (the signer keeps one per unlocked session).
 * Out: out. In: cache (borrowed: must outlive every psbt_sign call with out).
 */
struct bip32_cache;
void psbt_signer_bip32(struct psbt_signer *out, struct bip32_cache *cache);

/*
 * Sign with a list of private keys (e.g. from WIF), matched by public key.
 * Returns as psbt_sign.
 */
int psbt_sign_keys(struct psbt *p, struct psbt_sign_stats *stats, const uint8_t (*seckeys)[32],
    size_t n, const struct psbt_sign_opts *opts);

/* --- Combiner, finaliser, extractor -------------------------------------------- */

/*
 * Combiner: the union of the pairs of n PSBTs for the same transaction (for
 * a key present in several, the first PSBT's value wins). New pairs go to
 * their canonical place.
 * Returns 0, COFFER_ERR_INVALID_ARG (n == 0), COFFER_ERR_PSBT_COMBINE
 *   (different versions or transactions), COFFER_ERR_TOO_LARGE, COFFER_ERR_NOMEM.
 * Out:  dst (initialised here; empty on failure).
 * In:   srcs[n].
 */
int psbt_combine(struct psbt *dst, const struct psbt *const *srcs, size_t n);

/*
 * Finaliser: build PSBT_IN_FINAL_SCRIPTSIG / PSBT_IN_FINAL_SCRIPTWITNESS for
 * every input it can: P2PKH, P2WPKH, P2SH-P2WPKH, P2PK, multisig (bare, P2SH,
 * P2WSH, P2SH-P2WSH; multi or sortedmulti: the script fixes the order), P2TR
 * key path, and P2TR script path with pk() or multi_a/sortedmulti_a leaves
 * (the smallest satisfiable leaf). Only signatures that verify against the
 * sighash recomputed here are used. A finalised input keeps its UTXO, final,
 * v2 transaction, proprietary and unknown fields; the rest is removed.
 * Returns 0 when every input is final afterwards, else
 *   COFFER_ERR_PSBT_CANNOT_FINALIZE (the others are still finalised), or
 *   COFFER_ERR_PSBT_LOCKTIME, COFFER_ERR_NOMEM.
 * Args: p. Out: n_final (may be NULL): inputs final afterwards.
 */
int psbt_finalize(struct psbt *p, size_t *n_final);

/*
 * Extractor: the network transaction of a fully finalised PSBT.
 * Returns 0, COFFER_ERR_PSBT_NOT_FINAL, COFFER_ERR_PSBT_LOCKTIME, COFFER_ERR_NOMEM.
 * Out:  tx (initialised here; empty on failure). In: p.
 */
int psbt_extract(struct tx *tx, const struct psbt *p);

/* --- JSON (psbt_json.c) -------------------------------------------------------- */

/*
 * Decode for people and tools: version, unsigned tx (txid, version, locktime,
 * inputs, outputs), per input its UTXO (amount, script, and whether the
 * non-witness UTXO matches), sighash, scripts, derivations, signatures, taproot
 * and MuSig2 fields, final scripts; per output its amount, script and key
 * data; unknown pairs as hex; the fee when every input amount is known.
 * Returns a new jansson object (caller json_decref()s) or NULL when out of memory.
 */
struct json_t;
struct json_t *psbt_to_json(const struct psbt *p);

#endif
