/*
 * Bitcoin scripts: building and classifying.
 *
 * Builders append to a struct cbuf (so scripts compose) and always use
 * minimal pushes (BIP62 rule 3/4), as Bitcoin Core's CScript << does.
 * script_classify() recognises the standard output templates and returns
 * the program (hash, key or witness program) they commit to.
 *
 * There is no script interpreter in Coffer: scripts are built, classified and
 * hashed, never executed.
 */
#ifndef COFFER_BTC_SCRIPT_H
#define COFFER_BTC_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Consensus limits used by the builders and parsers. */
#define SCRIPT_MAX_SIZE            10000  /* MAX_SCRIPT_SIZE */
#define SCRIPT_MAX_ELEMENT_SIZE    520    /* MAX_SCRIPT_ELEMENT_SIZE */
#define SCRIPT_MAX_MULTISIG_KEYS   20     /* MAX_PUBKEYS_PER_MULTISIG */
#define SCRIPT_MAX_MULTI_A_KEYS    999    /* what Core's descriptors accept */

/* Opcodes the builders use. */
#define OP_0                   0x00
#define OP_PUSHDATA1           0x4c
#define OP_PUSHDATA2           0x4d
#define OP_PUSHDATA4           0x4e
#define OP_1NEGATE             0x4f
#define OP_1                   0x51
#define OP_16                  0x60
#define OP_RETURN              0x6a
#define OP_DUP                 0x76
#define OP_EQUAL               0x87
#define OP_EQUALVERIFY         0x88
#define OP_NUMEQUAL            0x9c
#define OP_HASH160             0xa9
#define OP_CODESEPARATOR       0xab
#define OP_CHECKSIG            0xac
#define OP_CHECKSIGVERIFY      0xad
#define OP_CHECKMULTISIG       0xae
#define OP_CHECKMULTISIGVERIFY 0xaf
#define OP_CHECKSIGADD         0xba

enum script_type {
	SCRIPT_NONSTANDARD = 0,
	SCRIPT_P2PK,            /* <33|65-byte key> OP_CHECKSIG; program = key */
	SCRIPT_P2PKH,           /* program = 20-byte key hash */
	SCRIPT_P2SH,            /* program = 20-byte script hash */
	SCRIPT_MULTISIG,        /* bare m-of-n OP_CHECKMULTISIG; m, n set, no program */
	SCRIPT_NULLDATA,        /* OP_RETURN followed by pushes only */
	SCRIPT_P2WPKH,          /* v0, program = 20-byte key hash */
	SCRIPT_P2WSH,           /* v0, program = 32-byte script hash */
	SCRIPT_P2TR,            /* v1, program = 32-byte x-only output key */
	SCRIPT_WITNESS_UNKNOWN  /* v1..v16 other than P2TR; program 2..40 bytes */
};

struct script_info {
	enum script_type type;
	int witness_version;	/* 0..16 for witness programs, -1 otherwise */
	uint8_t program[65];	/* see enum script_type */
	size_t program_len;
	unsigned int m, n;	/* SCRIPT_MULTISIG only */
};

/* Append a minimal push of len bytes of data (OP_0, OP_1..OP_16, OP_1NEGATE
 * for the one-byte values they encode, else direct push or OP_PUSHDATA1/2/4).
 * Returns 0, COFFER_ERR_TOO_LARGE (len > SCRIPT_MAX_SIZE or out's cap) or
 * COFFER_ERR_NOMEM. Args: out: buffer to append to. In: data (NULL iff len 0). */
int script_push_data(struct cbuf *out, const uint8_t *data, size_t len);

/* Append a minimal push of the integer v (OP_0, OP_1NEGATE, OP_1..OP_16, else
 * a CScriptNum push: little-endian sign-magnitude, minimal).
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int script_push_int(struct cbuf *out, int64_t v);

/* Append one opcode byte. Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int script_push_op(struct cbuf *out, uint8_t op);

/* Append a standard scriptPubKey. Each returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 * script_p2pk: key is 33 (compressed) or 65 (uncompressed) bytes, else COFFER_ERR_BAD_PUBKEY. */
int script_p2pk(struct cbuf *out, const uint8_t *pubkey, size_t pubkey_len);
int script_p2pkh(struct cbuf *out, const uint8_t hash160[20]);
int script_p2sh(struct cbuf *out, const uint8_t hash160[20]);
int script_p2wpkh(struct cbuf *out, const uint8_t hash160[20]);
int script_p2wsh(struct cbuf *out, const uint8_t sha256[32]);
int script_p2tr(struct cbuf *out, const uint8_t xonly[32]);

/* Append a witness program scriptPubKey: OP_n <program>.
 * Returns 0; COFFER_ERR_BAD_WITNESS_VERSION if version > 16, program_len is
 * outside 2..40, or version 0 with a program that is not 20 or 32 bytes;
 * COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int script_witness_program(struct cbuf *out, unsigned int version, const uint8_t *program,
    size_t program_len);

/* Hash a redeem or witness script for its P2SH (HASH160) or P2WSH (SHA256)
 * scriptPubKey. Out: out. In: script/len (script NULL iff len 0). */
void script_hash160(uint8_t out[20], const uint8_t *script, size_t len);
void script_sha256(uint8_t out[32], const uint8_t *script, size_t len);

/* Append OP_m <key1> .. <keyn> OP_n OP_CHECKMULTISIG (keys in the given order;
 * sort them first for sortedmulti). keys[i] is key_lens[i] bytes (33 or 65).
 * Returns 0; COFFER_ERR_DESC_THRESHOLD unless 1 <= m <= n <= 20;
 * COFFER_ERR_BAD_PUBKEY for a key of another length; COFFER_ERR_TOO_LARGE; COFFER_ERR_NOMEM. */
int script_multisig(struct cbuf *out, unsigned int m, const uint8_t *const *keys,
    const size_t *key_lens, size_t n);

/* Append the BIP387 multi_a leaf script:
 * <x1> OP_CHECKSIG <x2> OP_CHECKSIGADD .. <xn> OP_CHECKSIGADD <m> OP_NUMEQUAL.
 * xonly holds n 32-byte x-only keys, in order.
 * Returns 0; COFFER_ERR_DESC_THRESHOLD unless 1 <= m <= n <= 999;
 * COFFER_ERR_TOO_LARGE; COFFER_ERR_NOMEM. */
int script_multi_a(struct cbuf *out, unsigned int m, const uint8_t (*xonly)[32], size_t n);

/* Classify a scriptPubKey. Never fails on hostile bytes: anything unrecognised is
 * SCRIPT_NONSTANDARD. Returns 0, or COFFER_ERR_TOO_LARGE if len > SCRIPT_MAX_SIZE
 * (then info->type is SCRIPT_NONSTANDARD).
 * Out: info (cleared on entry). In: spk/len (spk NULL iff len 0). */
int script_classify(struct script_info *info, const uint8_t *spk, size_t len);

/* Read the next operation of a script. On success *op is the opcode and, for a
 * push (opcodes 0x00..0x4e), *data and *data_len point at the pushed bytes inside
 * the script (NULL and 0 otherwise).
 * Returns 0; COFFER_ERR_NOT_FOUND at the end of the script; COFFER_ERR_BAD_SCRIPT
 * for a push running past the end (the reader is then left unchanged). */
int script_next_op(struct creader *r, uint8_t *op, const uint8_t **data, size_t *data_len);

/* Is this a valid encoding of a push-only script (every op <= OP_16)? 1 or 0. */
int script_is_push_only(const uint8_t *script, size_t len);

/* Bitcoin Core's FindAndDelete: append to out the script with every occurrence of
 * the serialised push `pattern` removed, matching only at op boundaries. A
 * malformed tail (truncated push) is copied unchanged, as Core does.
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 * Out: out (appended), removed (number of matches deleted; may be NULL).
 * In: script/len, pattern/pattern_len (empty pattern deletes nothing). */
int script_find_and_delete(struct cbuf *out, size_t *removed, const uint8_t *script, size_t len,
    const uint8_t *pattern, size_t pattern_len);

#endif
