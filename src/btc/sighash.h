/*
 * Signature hashes: legacy (Bitcoin Core's SignatureHash, SIGVERSION_BASE),
 * BIP143 (segwit v0) and BIP341/342 (taproot key path and tapscript).
 *
 * The per-transaction parts (BIP143 hashPrevouts/hashSequence/hashOutputs,
 * BIP341 sha_prevouts/sha_amounts/sha_scriptpubkeys/sha_sequences/sha_outputs)
 * are computed once by sighash_cache_init(); every per-input call then hashes
 * a small fixed-size message, with no allocation. BIP143's double hashes are
 * SHA256 of the BIP341 single hashes, so each list is walked once.
 *
 * These functions compute what a signer signs; they never sign. Callers that
 * sign (the PSBT signer) must compute the sighash themselves from the
 * transaction and UTXO data they checked, never accept one from outside.
 */
#ifndef COFFER_BTC_SIGHASH_H
#define COFFER_BTC_SIGHASH_H

#include <stddef.h>
#include <stdint.h>

#include "btc/tx.h"
#include "common/buf.h"

#define SIGHASH_DEFAULT      0x00  /* taproot only: ALL, 64-byte signature */
#define SIGHASH_ALL          0x01
#define SIGHASH_NONE         0x02
#define SIGHASH_SINGLE       0x03
#define SIGHASH_ANYONECANPAY 0x80

/* Upper bound on the taproot signature message: epoch (1) + SigMsg (<= 206)
 * + tapscript extension (37). */
#define SIGHASH_TAPROOT_MSG_MAX 244

/* Taproot leaf version of BIP342 tapscript. */
#define SIGHASH_TAPSCRIPT_LEAF 0xc0
/* codesep_pos when no OP_CODESEPARATOR was executed. */
#define SIGHASH_NO_CODESEP 0xffffffffu

struct sighash_cache {
	const struct tx *tx;		/* borrowed: must outlive the cache */
	const struct tx_out *spent;	/* borrowed, tx->n_in entries, or NULL */
	/* BIP143 (SHA256d). */
	uint8_t hash_prevouts[32];
	uint8_t hash_sequence[32];
	uint8_t hash_outputs[32];
	/* BIP341 (single SHA256); the amounts/scriptpubkeys ones need spent. */
	uint8_t sha_prevouts[32];
	uint8_t sha_sequences[32];
	uint8_t sha_outputs[32];
	uint8_t sha_amounts[32];
	uint8_t sha_scriptpubkeys[32];
	int have_spent;			/* sha_amounts/sha_scriptpubkeys are valid */
	uint8_t tag_tapsighash[32];	/* SHA256("TapSighash") */
};

/* Precompute the per-transaction hashes.
 * Returns 0; COFFER_ERR_MISSING_UTXO when spent is given but n_spent != tx->n_in;
 * COFFER_ERR_BAD_AMOUNT when a spent amount is outside 0..TX_MAX_MONEY.
 * Out: c (filled; it borrows tx and spent). In: tx; spent/n_spent: the outputs
 * each input spends, in input order (NULL/0 when unknown: then only legacy and
 * BIP143 hashes can be computed). */
int sighash_cache_init(struct sighash_cache *c, const struct tx *tx, const struct tx_out *spent,
    size_t n_spent);

/* Legacy signature hash, exactly as Bitcoin Core's SignatureHash for
 * SIGVERSION_BASE: OP_CODESEPARATORs are removed from script_code; with
 * ANYONECANPAY only this input is serialised; NONE/SINGLE blank the other
 * inputs' sequences; SINGLE with in_idx >= n_out yields the "SIGHASH_SINGLE bug"
 * value 1 (01 00 .. 00), which is returned with 0 — a signer should refuse it.
 * The signature itself is not removed from script_code (Core's FindAndDelete
 * happens in the interpreter; see script_find_and_delete) since a signer never
 * has it there. hash_type is written as a 32-bit little-endian value.
 * Returns 0; COFFER_ERR_INPUT_INDEX (in_idx >= tx->n_in); COFFER_ERR_TOO_LARGE
 * (script_code over TX_MAX_SIZE).
 * Out: out (zeroed on failure). In: tx; in_idx; script_code/len (the scriptPubKey
 * or redeem script); hash_type. */
int sighash_legacy(uint8_t out[32], const struct tx *tx, size_t in_idx, const uint8_t *script_code,
    size_t script_code_len, uint32_t hash_type);

/* BIP143 segwit v0 signature hash. script_code is used as given (for P2WPKH the
 * caller passes OP_DUP OP_HASH160 <h> OP_EQUALVERIFY OP_CHECKSIG; for P2WSH the
 * witness script from the last executed OP_CODESEPARATOR).
 * Returns 0; COFFER_ERR_INPUT_INDEX; COFFER_ERR_BAD_AMOUNT; COFFER_ERR_TOO_LARGE.
 * Out: out (zeroed on failure). In: c (from sighash_cache_init); in_idx;
 * script_code/len; amount: the value of the spent output; hash_type. */
int sighash_segwit_v0(uint8_t out[32], const struct sighash_cache *c, size_t in_idx,
    const uint8_t *script_code, size_t script_code_len, int64_t amount, uint32_t hash_type);

/* The BIP143 preimage itself (appended to out), for tests and debugging.
 * Same Returns as sighash_segwit_v0, plus COFFER_ERR_NOMEM. */
int sighash_segwit_v0_preimage(struct cbuf *out, const struct sighash_cache *c, size_t in_idx,
    const uint8_t *script_code, size_t script_code_len, int64_t amount, uint32_t hash_type);

/* BIP341 / BIP342 signature hash: TaggedHash("TapSighash", 0x00 || SigMsg || ext).
 * Key path: leaf_hash NULL (codesep_pos ignored). Script path: leaf_hash is the
 * TapLeaf hash of the executed script, codesep_pos the opcode position of the last
 * executed OP_CODESEPARATOR or SIGHASH_NO_CODESEP.
 * annex: the annex including its 0x50 prefix, or NULL (annex_len 0).
 * Returns 0; COFFER_ERR_INPUT_INDEX; COFFER_ERR_MISSING_UTXO (cache has no spent
 * outputs); COFFER_ERR_BAD_SIGHASH_TYPE (not 0x00-0x03 or 0x81-0x83, or SINGLE
 * without a matching output); COFFER_ERR_BAD_TX (annex not starting with 0x50);
 * COFFER_ERR_BAD_SCRIPT (the spent output is not a v1 32-byte witness program).
 * Out: out (zeroed on failure). In: c; in_idx; hash_type; annex/annex_len;
 * leaf_hash (32 bytes or NULL); codesep_pos. */
int sighash_taproot(uint8_t out[32], const struct sighash_cache *c, size_t in_idx, uint8_t hash_type,
    const uint8_t *annex, size_t annex_len, const uint8_t *leaf_hash, uint32_t codesep_pos);

/* The message sighash_taproot hashes (epoch byte 0x00, SigMsg, extension), for tests.
 * Same arguments and Returns as sighash_taproot.
 * Out: msg (SIGHASH_TAPROOT_MSG_MAX bytes of room), msg_len (0 on failure). */
int sighash_taproot_msg(uint8_t msg[SIGHASH_TAPROOT_MSG_MAX], size_t *msg_len,
    const struct sighash_cache *c, size_t in_idx, uint8_t hash_type, const uint8_t *annex,
    size_t annex_len, const uint8_t *leaf_hash, uint32_t codesep_pos);

#endif
