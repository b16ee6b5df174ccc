/*
 * BIP322 generic signed messages (BIP322 v2.0.0, the 2026 revision).
 *
 * A message is signed by satisfying a virtual transaction: to_spend pays 0 to
 * the address's scriptPubKey from a fake input that commits to the message's
 * tagged hash ("BIP0322-signed-message"), and to_sign spends it to OP_RETURN.
 * Encodings of the signature:
 *   "smp" + base64(witness stack)        simple: what Coffer signs
 *   base64(witness stack), no prefix     simple as encoded before BIP322 1.0.0;
 *                                        verified (BIP322 allows it for
 *                                        backward compatibility), signed only
 *                                        on request (BIP322_SIGN_UNPREFIXED)
 *   "ful" + base64(to_sign transaction)  full: verified
 *   "pof" + base64(PSBT)                 proof of funds: not supported
 *
 * Signing covers P2WPKH (ECDSA, BIP143 sighash, Bitcoin Core's low-R
 * grinding) and P2TR key path (BIP341 sighash, BIP86 tweak: the key must be
 * the untweaked internal key of a key-path-only output).
 *
 * Verification understands the input scripts a wallet produces: P2WPKH, P2TR
 * key path, P2WSH and P2SH-P2WSH m-of-n CHECKMULTISIG, P2SH-P2WPKH, P2PKH and
 * P2SH m-of-n CHECKMULTISIG. There is no script interpreter: any other script
 * (time locks, tapscript paths, unknown witness versions) is "inconclusive" in
 * BIP322's terms and returns COFFER_ERR_UNSUPPORTED, never "valid". Signature
 * hashes must be SIGHASH_ALL (or DEFAULT for taproot), ECDSA signatures strict
 * DER with low S, and segwit v0 keys compressed, as BIP322's required rules say.
 */
#ifndef COFFER_BTC_BIP322_H
#define COFFER_BTC_BIP322_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"
#include "btc/tx.h"
#include "common/buf.h"

#define BIP322_TAG "BIP0322-signed-message"
/* Longest signature string accepted (base64 of ~48 KiB: any sane full signature). */
#define BIP322_MAX_SIG_CHARS 65536
/* Most witness items a simple signature may carry (the tapscript stack limit). */
#define BIP322_MAX_WITNESS_ITEMS 1000

enum bip322_format {
	BIP322_SIMPLE = 1,		/* "smp" prefix */
	BIP322_SIMPLE_UNPREFIXED,	/* pre-1.0.0 simple encoding, no prefix */
	BIP322_FULL,			/* "ful" prefix */
	BIP322_POF,			/* "pof" prefix: proof of funds (unsupported) */
};

/* A decoded signature: a witness stack (simple) or a to_sign transaction (full). */
struct bip322_sig {
	enum bip322_format format;
	struct tx_witness witness;	/* simple only; owned */
	struct tx tx;			/* full only; owned */
};

/* Flags for bip322_sign. */
#define BIP322_SIGN_UNPREFIXED 0x1	/* legacy simple encoding without "smp" */

/* Details of a valid signature ("valid at time T and age S"). */
struct bip322_result {
	enum bip322_format format;
	uint32_t version;	/* of to_sign: 0, or 2 (full signatures with time locks) */
	uint32_t locktime;	/* T */
	uint32_t sequence;	/* S: nSequence of to_sign's input */
};

/*
 * The message hash: tagged hash "BIP0322-signed-message" of the message bytes.
 * Out: out32. In: msg/msglen (msg may be NULL when msglen is 0).
 */
void bip322_message_hash(uint8_t out32[32], const uint8_t *msg, size_t msglen);

/*
 * Build to_spend for a scriptPubKey and message.
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 * Out: out (initialised here; empty on failure; free with tx_free).
 * In:  spk/spklen: the address's scriptPubKey; msg/msglen.
 */
int bip322_to_spend(struct tx *out, const uint8_t *spk, size_t spklen, const uint8_t *msg, size_t msglen);

/*
 * Build the unsigned simple-format to_sign spending to_spend:0 (version 0,
 * locktime 0, sequence 0, one OP_RETURN output of 0, empty witness).
 * Returns 0 or COFFER_ERR_NOMEM.
 * Out: out (initialised here; empty on failure). In: to_spend_txid (internal order).
 */
int bip322_to_sign(struct tx *out, const uint8_t to_spend_txid[32]);

/*
 * Sign a message for a P2WPKH or key-path P2TR scriptPubKey with its private
 * key, producing a simple signature ("smp" + base64, or without the prefix
 * with BIP322_SIGN_UNPREFIXED). ECDSA is deterministic (RFC6979 + low R);
 * Schnorr uses fresh auxiliary randomness.
 * Returns 0; COFFER_ERR_UNSUPPORTED (another script type);
 *   COFFER_ERR_BAD_PRIVKEY; COFFER_ERR_BIP322_WRONG_KEY (the key's address is
 *   not spk); COFFER_ERR_NOMEM; COFFER_ERR_CRYPTO.
 * Out: out: the signature string appended, NUL-terminated (len excludes NUL).
 * In:  seckey32 (secret); spk/spklen; msg/msglen; flags: 0 or BIP322_SIGN_UNPREFIXED.
 */
int bip322_sign(struct cbuf *out, const uint8_t seckey32[32], const uint8_t *spk, size_t spklen,
    const uint8_t *msg, size_t msglen, unsigned int flags);

/*
 * Decode a signature string: prefix, base64, then the witness stack (simple)
 * or transaction (full). Hostile input is fine.
 * Returns 0;
 *   COFFER_ERR_TOO_LARGE: over BIP322_MAX_SIG_CHARS, or too many witness items;
 *   COFFER_ERR_BAD_BASE64: not base64 after the prefix;
 *   COFFER_ERR_TRUNCATED / COFFER_ERR_TRAILING / COFFER_ERR_NONCANONICAL:
 *     malformed witness stack (an empty one is TRUNCATED: "too short");
 *   COFFER_ERR_BAD_TX: a full signature that is not a transaction;
 *   COFFER_ERR_UNSUPPORTED: proof of funds ("pof");
 *   COFFER_ERR_NOMEM.
 * Out: out (initialised here; empty on failure; release with bip322_sig_free).
 * In:  sig: NUL-terminated string.
 */
int bip322_sig_decode(struct bip322_sig *out, const char *sig);

/* Release a decoded signature. NULL is allowed. */
void bip322_sig_free(struct bip322_sig *s);

/*
 * Verify a signature of msg for a scriptPubKey.
 * Returns 0 (valid; *res filled); COFFER_ERR_BIP322 (invalid: a check failed);
 *   COFFER_ERR_UNSUPPORTED (inconclusive: script not understood, or
 *   proof of funds); or a bip322_sig_decode error for a malformed signature.
 * Out: res (may be NULL; zeroed unless valid).
 * In:  sig: NUL-terminated string; spk/spklen; msg/msglen.
 */
int bip322_verify(struct bip322_result *res, const char *sig, const uint8_t *spk, size_t spklen,
    const uint8_t *msg, size_t msglen);

/*
 * bip322_verify for an address string of a network.
 * Returns as bip322_verify, or an addr_decode error for the address.
 */
int bip322_verify_address(struct bip322_result *res, const char *sig, const char *address,
    enum btc_network net, const uint8_t *msg, size_t msglen);

#endif
