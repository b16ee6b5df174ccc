/*
 * Bitcoin transactions: a deep-owned struct, bounded parsing and
 * serialisation with and without witness (BIP144), txid/wtxid, weight/vsize,
 * and CheckTransaction-like context-free checks.
 *
 * A struct tx owns every byte it points to; tx_free releases it all. Parsing
 * is two-pass: the first pass walks the bytes through a creader and checks
 * every count against the bytes that remain, the second allocates exactly
 * what was seen, so a parse never allocates more than a small constant
 * multiple of its input (at most two blocks per input, one per output, and
 * the two arrays). Hashes (txid, wtxid, prevout txids) are in internal byte
 * order, i.e. as SHA256d produced them; tx_hash_hex() prints the usual
 * reversed display form.
 */
#ifndef COFFER_BTC_TX_H
#define COFFER_BTC_TX_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define TX_MAX_SIZE        4000000u  /* serialised bytes (max block weight / 1) */
#define TX_MIN_INPUT_SIZE  41u       /* outpoint 36 + script len 1 + sequence 4 */
#define TX_MIN_OUTPUT_SIZE 9u        /* value 8 + script len 1 */
#define TX_MAX_INPUTS      (TX_MAX_SIZE / TX_MIN_INPUT_SIZE)
#define TX_MAX_OUTPUTS     (TX_MAX_SIZE / TX_MIN_OUTPUT_SIZE)
#define TX_MAX_MONEY       ((int64_t)21000000 * 100000000)
#define TX_SEQUENCE_FINAL  0xffffffffu

/* Flags for tx_parse and tx_serialize. */
#define TX_NO_WITNESS 0x1  /* parse/serialise the legacy (pre-BIP144) form only */

struct tx_outpoint {
	uint8_t txid[32];	/* internal byte order */
	uint32_t vout;
};

/* A witness stack stored as its serialisation without the leading item count:
 * for each item a CompactSize length then the bytes. Read items with
 * tx_witness_item(); build with tx_witness_push(). */
struct tx_witness {
	uint8_t *data;
	size_t len;
	size_t count;
};

struct tx_in {
	struct tx_outpoint prevout;
	uint8_t *script_sig;	/* NULL iff script_sig_len == 0 */
	size_t script_sig_len;
	uint32_t sequence;
	struct tx_witness witness;
};

struct tx_out {
	int64_t value;		/* satoshis; tx_check rejects < 0 or > TX_MAX_MONEY */
	uint8_t *script_pubkey;	/* NULL iff script_pubkey_len == 0 */
	size_t script_pubkey_len;
};

struct tx {
	uint32_t version;
	uint32_t locktime;
	struct tx_in *in;
	size_t n_in;
	struct tx_out *out;
	size_t n_out;
};

/* An empty transaction (version 2, locktime 0, no inputs or outputs). */
void tx_init(struct tx *tx);

/* Release everything a tx owns and leave it as tx_init() does. NULL is allowed. */
void tx_free(struct tx *tx);

/* Deep copy. Returns 0 or COFFER_ERR_NOMEM. Out: dst (initialised here; on
 * failure left empty). In: src. */
int tx_copy(struct tx *dst, const struct tx *src);

/* Parse a serialised transaction.
 * Returns 0 or: COFFER_ERR_TOO_LARGE (len > TX_MAX_SIZE, or a count no input of
 * that size could hold), COFFER_ERR_TRUNCATED (a count or length runs past the
 * end), COFFER_ERR_NONCANONICAL (non-minimal CompactSize), COFFER_ERR_BAD_TX
 * (witness flag other than 1, or a witness section whose stacks are all empty),
 * COFFER_ERR_TRAILING (bytes after the locktime), COFFER_ERR_NOMEM.
 * With TX_NO_WITNESS a 0x00 after the version is read as an input count of 0
 * (as PSBT unsigned transactions need); without it, as the BIP144 marker
 * (Bitcoin Core's rule).
 * Out: tx (initialised here; empty on failure). In: p/len: the bytes; flags: 0 or TX_NO_WITNESS. */
int tx_parse(struct tx *tx, const uint8_t *p, size_t len, unsigned int flags);

/* Append the serialisation to out. The BIP144 form is written when some input
 * has a non-empty witness and TX_NO_WITNESS is not given.
 * Returns 0, COFFER_ERR_TOO_LARGE (out's cap) or COFFER_ERR_NOMEM. */
int tx_serialize(struct cbuf *out, const struct tx *tx, unsigned int flags);

/* 1 if some input has a non-empty witness, else 0. */
int tx_has_witness(const struct tx *tx);

/* Serialised size without witness (base) and with it (total, equal to base
 * when the tx has no witness). Either out-parameter may be NULL. */
void tx_sizes(const struct tx *tx, size_t *base, size_t *total);
/* BIP141 weight: base * 3 + total. */
size_t tx_weight(const struct tx *tx);
/* Virtual size: ceil(weight / 4). */
size_t tx_vsize(const struct tx *tx);

/* txid: SHA256d of the no-witness serialisation; wtxid: of the full one
 * (equal to the txid for a tx without witness). Internal byte order.
 * Returns 0 or COFFER_ERR_NOMEM. */
int tx_txid(uint8_t out[32], const struct tx *tx);
int tx_wtxid(uint8_t out[32], const struct tx *tx);

/* Hex of a 32-byte hash in display (reversed) order: 64 chars and a NUL. */
void tx_hash_hex(char out[65], const uint8_t hash[32]);
/* Parse display-order hex into internal order. Returns 0 or COFFER_ERR_BAD_HEX. */
int tx_hash_from_hex(uint8_t out[32], const char *hex);

/* Context-free checks as Bitcoin Core's CheckTransaction.
 * Returns 0 or: COFFER_ERR_TX_NO_INPUTS, COFFER_ERR_TX_NO_OUTPUTS,
 * COFFER_ERR_TOO_LARGE (no-witness size * 4 > 4,000,000), COFFER_ERR_BAD_AMOUNT
 * (an output negative or > TX_MAX_MONEY, or their sum > TX_MAX_MONEY),
 * COFFER_ERR_TX_DUPLICATE_INPUT, COFFER_ERR_TX_BAD_COINBASE (coinbase scriptSig
 * outside 2..100 bytes), COFFER_ERR_TX_NULL_PREVOUT (null prevout in a
 * non-coinbase), COFFER_ERR_NOMEM. */
int tx_check(const struct tx *tx);

/* 1 if the tx is a coinbase (one input spending the null outpoint). */
int tx_is_coinbase(const struct tx *tx);

/* Append an input / output. The new element is zeroed except for the given
 * fields; script bytes are copied. Returns 0, COFFER_ERR_TOO_LARGE (over
 * TX_MAX_INPUTS/TX_MAX_OUTPUTS, or a script over TX_MAX_SIZE) or COFFER_ERR_NOMEM.
 * On failure the tx is unchanged. */
int tx_add_input(struct tx *tx, const uint8_t prev_txid[32], uint32_t prev_vout, uint32_t sequence);
int tx_add_output(struct tx *tx, int64_t value, const uint8_t *spk, size_t spk_len);

/* Replace an input's scriptSig with a copy of script/len (NULL/0 clears it).
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM (input unchanged then). */
int tx_in_set_script_sig(struct tx_in *in, const uint8_t *script, size_t len);

/* Witness stacks. tx_witness_push appends a copy of one item; tx_witness_clear
 * frees and empties; tx_witness_item points *item and *item_len at item i inside
 * the witness (Returns 0, or COFFER_ERR_NOT_FOUND when i >= count).
 * tx_witness_set replaces the whole stack with n items (items[i] of lens[i] bytes).
 * Returns 0, COFFER_ERR_TOO_LARGE (stack over TX_MAX_SIZE) or COFFER_ERR_NOMEM;
 * on failure the witness is unchanged. */
int tx_witness_push(struct tx_witness *w, const uint8_t *item, size_t item_len);
int tx_witness_set(struct tx_witness *w, const uint8_t *const *items, const size_t *lens, size_t n);
void tx_witness_clear(struct tx_witness *w);
int tx_witness_item(const struct tx_witness *w, size_t i, const uint8_t **item, size_t *item_len);

#endif
