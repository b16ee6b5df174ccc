/*
 * MuSig2 (BIP327) multi-signatures for BIP340, a thin and safe layer over
 * libsecp256k1's musig module.
 *
 * Flow for one signer (every other participant does the same):
 *
 *   musig_key_sort()      optional: order the participants' keys canonically
 *   musig_key_agg()       aggregate public key + keyagg state (struct musig_keyagg)
 *   musig_keyagg_tweak()  optional: BIP32 (plain) or BIP341 (x-only) tweaks
 *   musig_nonce_gen()     secret nonce (opaque, in guarded memory) + public nonce
 *   musig_nonce_agg()     combine everyone's public nonces (anyone may do this)
 *   musig_nonce_process() bind aggregate nonce, message and keys into a session
 *   musig_partial_sign()  consumes the secret nonce: a second call is refused
 *   musig_partial_sig_verify() / musig_partial_sig_agg() -> BIP340 signature
 *
 * Everything that crosses the wire is plain bytes in BIP327 encodings: 33-byte
 * compressed keys, 66-byte public nonces, 32-byte partial signatures. Any of
 * them may be hostile; a bad contribution is reported with a specific error
 * code and, where BIP327 asks for blame, the index of the culprit.
 *
 * Messages are 32 bytes: libsecp256k1 signs 32-byte messages only (BIP327
 * allows any length; Bitcoin sighashes are always 32 bytes).
 *
 * Secret nonces never leave the opaque struct musig_secnonce; it cannot be
 * copied through this API, is zeroed by the first signing attempt, and a
 * zeroed nonce is refused (COFFER_ERR_MUSIG_NONCE_REUSE). Reusing a nonce for
 * two different sessions would reveal the secret key.
 */
#ifndef COFFER_BTC_MUSIG_H
#define COFFER_BTC_MUSIG_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1_musig.h>

/* Most participants one aggregation accepts (keeps the state a fixed size). */
#define MUSIG_MAX_KEYS 64

/* BIP328: the fixed chain code of the synthetic xpub of an aggregate key. */
extern const uint8_t MUSIG_BIP328_CHAINCODE[32];

/*
 * Key aggregation state: the aggregate (and possibly tweaked) key, libsecp256k1's
 * keyagg cache and the participants' keys in aggregation order. Public data;
 * may be copied freely.
 */
struct musig_keyagg {
	secp256k1_musig_keyagg_cache cache;
	size_t n;
	uint8_t pubkeys[MUSIG_MAX_KEYS][33];
};

/* A signing session (aggregate nonce + message + keys). Public data. */
struct musig_session {
	secp256k1_musig_session s;
};

/* A signer's secret nonce: opaque, in guarded memory, single use. */
struct musig_secnonce;

/*
 * Sort compressed public keys in place into BIP327 KeySort order
 * (lexicographic on the 33-byte encoding).
 *
 * Returns: 0, COFFER_ERR_INVALID_ARG (n == 0 or n > MUSIG_MAX_KEYS) or
 *          COFFER_ERR_BAD_PUBKEY (then *bad_index names the key; the array is
 *          left unchanged).
 * Out:     bad_index: index of an invalid key (may be NULL).
 * In/Out:  pubkeys: n compressed keys.
 */
int musig_key_sort(size_t *bad_index, uint8_t (*pubkeys)[33], size_t n);

/*
 * Aggregate public keys in the given order (BIP327 KeyAgg).
 *
 * Returns: 0, COFFER_ERR_INVALID_ARG (n == 0 or n > MUSIG_MAX_KEYS) or
 *          COFFER_ERR_BAD_PUBKEY (then *bad_index is the first invalid key).
 * Out:     ka: the aggregation state (zeroed on failure).
 *          bad_index: culprit on COFFER_ERR_BAD_PUBKEY (may be NULL).
 * In:      pubkeys: n 33-byte compressed keys (hostile input is fine).
 */
int musig_key_agg(struct musig_keyagg *ka, size_t *bad_index, const uint8_t (*pubkeys)[33], size_t n);

/*
 * Apply a tweak to the aggregate key, keeping the state needed to sign for
 * the tweaked key. xonly = 0 is a plain (BIP32-style) tweak; xonly = 1 an
 * x-only (BIP341 TapTweak-style) tweak. Tweaks accumulate in order.
 *
 * Returns: 0, COFFER_ERR_MUSIG_TWEAK_RANGE (tweak >= group order) or
 *          COFFER_ERR_MUSIG_TWEAK_INFINITY (the tweaked key is the point at
 *          infinity). On failure ka is unchanged.
 * In/Out:  ka: state from musig_key_agg.
 * In:      tweak: 32 bytes, big-endian.
 */
int musig_keyagg_tweak(struct musig_keyagg *ka, const uint8_t tweak[32], int xonly);

/*
 * The current aggregate key (tweaked if tweaks were applied).
 * Out: out33: compressed key (musig_keyagg_pubkey) or
 *      out32: x-only key, the one a BIP340 signature verifies under.
 */
void musig_keyagg_pubkey(uint8_t out33[33], const struct musig_keyagg *ka);
void musig_keyagg_xonly(uint8_t out32[32], const struct musig_keyagg *ka);

/*
 * Generate a nonce pair with fresh randomness from secure_random() (BIP327
 * NonceGen). The optional inputs only add misuse resistance; pass what is
 * known.
 *
 * Returns: 0, COFFER_ERR_BAD_PUBKEY, COFFER_ERR_BAD_PRIVKEY (seckey invalid or
 *          not the key of pubkey33), COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO.
 * Out:     secnonce: newly allocated secret nonce (NULL on failure); free it
 *          with musig_secnonce_free.
 *          pubnonce66: the public nonce to send to the other signers.
 * In:      seckey32: the signing key if known (may be NULL).
 *          pubkey33: the signer's compressed public key (required).
 *          msg32: the message if known (may be NULL).
 *          ka: the key aggregation if known (may be NULL).
 *          extra32: any extra input, e.g. a counter or time (may be NULL).
 */
int musig_nonce_gen(struct musig_secnonce **secnonce, uint8_t pubnonce66[66], const uint8_t *seckey32,
    const uint8_t pubkey33[33], const uint8_t *msg32, const struct musig_keyagg *ka, const uint8_t *extra32);

/*
 * As musig_nonce_gen, with the caller's session randomness instead of
 * secure_random(). Only for known-answer tests and callers with their own
 * CSPRNG: secrand32 must be uniformly random and never used twice. It is
 * wiped on success. An all-zero secrand32 is refused (COFFER_ERR_RANDOM).
 */
int musig_nonce_gen_with_secrand(struct musig_secnonce **secnonce, uint8_t pubnonce66[66], uint8_t secrand32[32],
    const uint8_t *seckey32, const uint8_t pubkey33[33], const uint8_t *msg32, const struct musig_keyagg *ka,
    const uint8_t *extra32);

/* Wipe and free a secret nonce (used or not). NULL is allowed. */
void musig_secnonce_free(struct musig_secnonce *secnonce);

/*
 * Aggregate public nonces (BIP327 NonceAgg).
 *
 * Returns: 0, COFFER_ERR_INVALID_ARG (n == 0 or n > MUSIG_MAX_KEYS) or
 *          COFFER_ERR_MUSIG_BAD_PUBNONCE (then *bad_index names the signer).
 * Out:     aggnonce66: the aggregate nonce (zeroed on failure).
 *          bad_index: culprit (may be NULL).
 * In:      pubnonces: n 66-byte public nonces.
 */
int musig_nonce_agg(uint8_t aggnonce66[66], size_t *bad_index, const uint8_t (*pubnonces)[66], size_t n);

/*
 * Start a signing session for a 32-byte message.
 *
 * Returns: 0 or COFFER_ERR_MUSIG_BAD_AGGNONCE.
 * Out:     session (zeroed on failure).
 * In:      aggnonce66: from musig_nonce_agg; msg32; ka: the (tweaked) aggregation.
 */
int musig_nonce_process(struct musig_session *session, const uint8_t aggnonce66[66], const uint8_t msg32[32],
    const struct musig_keyagg *ka);

/*
 * Produce this signer's partial signature. The secret nonce is consumed (zeroed)
 * by every call, successful or not: a retry needs a fresh nonce. The result is
 * verified before it is returned (BIP327 Sign does the same).
 *
 * Returns: 0, COFFER_ERR_MUSIG_NONCE_REUSE (secnonce already used or invalid),
 *          COFFER_ERR_BAD_PRIVKEY, COFFER_ERR_MUSIG_KEY_MISMATCH (secnonce was
 *          made for another key), COFFER_ERR_MUSIG_NOT_SIGNER (the key is not
 *          one of the aggregated keys) or COFFER_ERR_CRYPTO.
 * Out:     psig32: the partial signature (zeroed on failure).
 * In/Out:  secnonce: from musig_nonce_gen; zeroed by this call.
 * In:      seckey32: the signer's secret key; ka; session.
 */
int musig_partial_sign(uint8_t psig32[32], struct musig_secnonce *secnonce, const uint8_t seckey32[32],
    const struct musig_keyagg *ka, const struct musig_session *session);

/*
 * Verify one signer's partial signature (BIP327 PartialSigVerify).
 *
 * Returns: 0 if it verifies, COFFER_ERR_MUSIG_BAD_PSIG (not below the group
 *          order), COFFER_ERR_MUSIG_BAD_PUBNONCE, COFFER_ERR_BAD_PUBKEY,
 *          COFFER_ERR_MUSIG_NOT_SIGNER or COFFER_ERR_MUSIG_PSIG_INVALID.
 * In:      psig32, pubnonce66 and pubkey33 of the signer; ka; session.
 */
int musig_partial_sig_verify(const uint8_t psig32[32], const uint8_t pubnonce66[66], const uint8_t pubkey33[33],
    const struct musig_keyagg *ka, const struct musig_session *session);

/*
 * Sum partial signatures into a BIP340 signature (BIP327 PartialSigAgg). The
 * result verifies under musig_keyagg_xonly() only if every partial signature
 * was valid.
 *
 * Returns: 0, COFFER_ERR_INVALID_ARG (n == 0 or n > MUSIG_MAX_KEYS) or
 *          COFFER_ERR_MUSIG_BAD_PSIG (then *bad_index names the signer).
 * Out:     sig64 (zeroed on failure); bad_index (may be NULL).
 * In:      session; psigs: n 32-byte partial signatures.
 */
int musig_partial_sig_agg(uint8_t sig64[64], size_t *bad_index, const struct musig_session *session,
    const uint8_t (*psigs)[32], size_t n);

/*
 * BIP328: the aggregate key as an extended public key (depth 0, parent
 * fingerprint 0, child number 0, chain code MUSIG_BIP328_CHAINCODE) in the
 * 78-byte BIP32 serialisation with the given version bytes (base58check it to
 * get the xpub string). Uses the current, possibly tweaked, aggregate key.
 */
void musig_bip328_xpub(uint8_t out78[78], const struct musig_keyagg *ka, uint32_t version);

#endif
