/*
 * Signing and verification with libsecp256k1: ECDSA (RFC6979 nonces, low-S,
 * Bitcoin Core's low-R grinding), strict DER, public-key recovery, and BIP340
 * Schnorr (fresh auxiliary randomness, or explicit aux for tests), including
 * taproot key-path signing with the BIP341/BIP86 tweak.
 *
 * Secret keys are passed as 32 big-endian bytes the caller owns (ideally in
 * secmem); every internal copy (keypairs, tweaked keys, grind counters) is
 * wiped before return on every path. Message hashes are computed by the caller
 * (sighash.h); these functions never decide what is signed.
 */
#ifndef COFFER_BTC_SIGN_H
#define COFFER_BTC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_DER_MAX 72		/* longest strict DER ECDSA signature */

/* Check that seckey is a valid secret key (0 < k < n).
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY. In: seckey (32 bytes). */
int sign_seckey_check(const uint8_t seckey[32]);

/* Public key of seckey, 33 bytes compressed or 65 uncompressed.
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY.
 * Out: out (33 or 65 bytes of room; zeroed on failure), out_len.
 * In: seckey; compressed: 1 or 0. */
int sign_pubkey(uint8_t *out, size_t *out_len, const uint8_t seckey[32], int compressed);

/* BIP340 x-only public key of seckey and the parity of its full point's Y.
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY. Out: out (zeroed on failure),
 * parity (may be NULL). In: seckey. */
int sign_xonly_pubkey(uint8_t out[32], int *parity, const uint8_t seckey[32]);

/* Bitcoin Core's CKey::Sign: RFC6979 with low-S, regrinding with extra entropy
 * (a 32-byte little-endian counter 1, 2, ...) until R's encoding is at most 32
 * bytes ("low R"), so the DER signature is at most 71 bytes.
 * Returns 0, COFFER_ERR_BAD_PRIVKEY or COFFER_ERR_CRYPTO.
 * Out: sig64 (r || s big-endian; zeroed on failure). In: msg32, seckey. */
int sign_ecdsa(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32]);

/* Plain RFC6979 (no grinding), low-S, with optional 32-byte extra entropy
 * (libsecp256k1's ndata, NULL for none). Same Returns/Out as sign_ecdsa. */
int sign_ecdsa_ndata(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32],
    const uint8_t *ndata32);

/* sign_ecdsa, DER-encoded (without sighash byte).
 * Returns as sign_ecdsa. Out: der (SIGN_DER_MAX bytes of room), der_len (0 on failure). */
int sign_ecdsa_der(uint8_t der[SIGN_DER_MAX], size_t *der_len, const uint8_t msg32[32],
    const uint8_t seckey[32]);

/* Recoverable ECDSA (RFC6979, low-S, optional ndata, no grinding), as Core's SignCompact.
 * Returns as sign_ecdsa. Out: sig64, recid (0..3). In: msg32, seckey, ndata32 (or NULL). */
int sign_ecdsa_recoverable(uint8_t sig64[64], int *recid, const uint8_t msg32[32],
    const uint8_t seckey[32], const uint8_t *ndata32);

/* Recover the public key from a recoverable signature.
 * Returns 0 or COFFER_ERR_BAD_SIGNATURE (r or s out of range, recid > 3, or no point).
 * Out: out (33 or 65 bytes of room), out_len. In: sig64, recid, msg32, compressed. */
int sign_ecdsa_recover(uint8_t *out, size_t *out_len, const uint8_t sig64[64], int recid,
    const uint8_t msg32[32], int compressed);

/* Verify an ECDSA signature. High-S signatures are rejected (as libsecp256k1
 * and Core's policy do). Returns 0; COFFER_ERR_BAD_PUBKEY (pubkey does not
 * parse); COFFER_ERR_BAD_SIGNATURE (r or s zero or >= n, high S, or invalid).
 * In: sig64, msg32, pubkey/pubkey_len (33 or 65 bytes). */
int sign_ecdsa_verify(const uint8_t sig64[64], const uint8_t msg32[32], const uint8_t *pubkey,
    size_t pubkey_len);

/* Strict DER (BIP66) encoding of r || s. Returns 0 or COFFER_ERR_BAD_SIGNATURE
 * (r or s >= n). Out: der (SIGN_DER_MAX bytes of room), der_len. In: sig64. */
int sign_der_encode(uint8_t der[SIGN_DER_MAX], size_t *der_len, const uint8_t sig64[64]);

/* Strict DER (BIP66 IsValidSignatureEncoding, without the sighash byte) decoding.
 * Returns 0, or COFFER_ERR_BAD_SIGNATURE for any non-strict encoding or r/s out
 * of range. Out: sig64 (zeroed on failure). In: der/der_len. */
int sign_der_decode(uint8_t sig64[64], const uint8_t *der, size_t der_len);

/* BIP340 Schnorr signature over a message of any length with 32 bytes of fresh
 * auxiliary randomness from secure_random.
 * Returns 0, COFFER_ERR_BAD_PRIVKEY or COFFER_ERR_CRYPTO.
 * Out: sig64 (zeroed on failure). In: msg/msg_len (msg NULL iff msg_len 0), seckey. */
int sign_schnorr(uint8_t sig64[64], const uint8_t *msg, size_t msg_len, const uint8_t seckey[32]);

/* Same with the auxiliary randomness given (32 bytes; NULL signs as with 32 zero
 * bytes, as libsecp256k1 does). For tests and reproducible vectors only. */
int sign_schnorr_aux(uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
    const uint8_t seckey[32], const uint8_t *aux32);

/* Verify a BIP340 signature. Returns 0, COFFER_ERR_BAD_PUBKEY (not an x-only
 * key on the curve) or COFFER_ERR_BAD_SIGNATURE.
 * In: sig64, msg/msg_len, xonly32. */
int sign_schnorr_verify(const uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
    const uint8_t xonly32[32]);

/* Taproot key-path signature: tweak seckey by TapTweak(P || merkle_root)
 * (BIP341; with merkle_root NULL the BIP86 tweak TapTweak(P)), then BIP340-sign
 * msg32 with fresh aux randomness (aux32 NULL) or the aux32 given (tests).
 * The tweaked key is wiped. Returns 0, COFFER_ERR_BAD_PRIVKEY (also when the
 * tweak makes the key invalid, p ~ 2^-128) or COFFER_ERR_CRYPTO.
 * Out: sig64 (zeroed on failure). In: msg32, seckey, merkle_root (32 or NULL), aux32. */
int sign_schnorr_keypath(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32],
    const uint8_t *merkle_root, const uint8_t *aux32);

#endif
