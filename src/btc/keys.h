/*
 * Single keys: WIF private keys, compressed public keys via libsecp256k1,
 * x-only keys and the BIP86/BIP341 taproot output-key tweak.
 *
 * Private keys are 32-byte big-endian scalars in caller-owned memory; callers
 * keep them in secmem_alloc memory or wipe them with secure_wipe. No function
 * here logs or prints key material.
 */
#ifndef COFFER_BTC_KEYS_H
#define COFFER_BTC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "btc/network.h"

/* Buffer for a WIF string plus NUL (compressed keys are 52 characters, uncompressed 51). */
#define KEYS_WIF_BUFSIZE 53

/*
 * Check that a 32-byte scalar is a valid private key (1 <= k < n).
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY.
 * In:   key[32].
 */
int keys_privkey_check(const uint8_t key[32]);

/*
 * Serialise a private key as WIF for a network.
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY (out is then "").
 * Out:  out[KEYS_WIF_BUFSIZE]: a secret; the caller wipes it after use.
 * In:   key[32]; compressed: 1 for the 0x01 suffix (compressed pubkey), 0 otherwise; net.
 */
int keys_wif_encode(char out[KEYS_WIF_BUFSIZE], const uint8_t key[32], int compressed,
    enum btc_network net);

/*
 * Parse a WIF private key that must belong to net (test networks, signet and
 * regtest share the 0xef prefix).
 * Returns 0; COFFER_ERR_WRONG_NETWORK (valid WIF of another network);
 *   COFFER_ERR_BAD_CHECKSUM; COFFER_ERR_BAD_BASE58; COFFER_ERR_BAD_PRIVKEY
 *   (scalar 0 or >= n); COFFER_ERR_BAD_WIF (any other malformation: length,
 *   unknown prefix, suffix byte other than 0x01). On failure key is wiped and
 *   *compressed is 0.
 * Out:  key[32] (secret); compressed: may be NULL.
 * In:   wif: NUL-terminated; net.
 */
int keys_wif_decode(uint8_t key[32], int *compressed, const char *wif, enum btc_network net);

/*
 * Compute the compressed public key of a private key.
 * Returns 0 or COFFER_ERR_BAD_PRIVKEY (pub is then zeroed).
 * Out:  pub[33].
 * In:   key[32].
 */
int keys_pubkey_from_privkey(uint8_t pub[33], const uint8_t key[32]);

/*
 * Parse a public key (33-byte compressed or 65-byte uncompressed) and check
 * it is on the curve; optionally re-serialise it compressed.
 * Returns 0 or COFFER_ERR_BAD_PUBKEY.
 * Out:  pub33[33]: compressed form (may be NULL).
 * In:   p[n].
 */
int keys_pubkey_parse(uint8_t pub33[33], const uint8_t *p, size_t n);

/*
 * Uncompressed (65-byte, 0x04-prefixed) form of a valid public key.
 * Returns 0 or COFFER_ERR_BAD_PUBKEY.
 * Out:  pub65[65].
 * In:   p[n]: 33 or 65 bytes.
 */
int keys_pubkey_uncompress(uint8_t pub65[65], const uint8_t *p, size_t n);

/*
 * BIP341 taproot output key: Q = P + int(TapTweak(P || merkle_root)) * G for
 * the x-only internal key P; with merkle_root NULL the tweak hashes P alone
 * (BIP86 key-path-only outputs).
 * Returns 0; COFFER_ERR_BAD_PUBKEY (internal key not on the curve);
 *   COFFER_ERR_DERIVATION (tweak >= n or Q at infinity, p ~ 2^-128).
 * Out:  out[32]: x-only output key; parity: may be NULL, receives Q's y parity (0/1).
 * In:   internal[32]: x-only internal key; merkle_root: 32 bytes or NULL.
 */
int keys_taproot_output_key(uint8_t out[32], int *parity, const uint8_t internal[32],
    const uint8_t *merkle_root);

/*
 * pk = pk + tweak*G through secp256k1_ec_pubkey_tweak_add (BIP32 CKDpub,
 * BIP341 TapTweak), with Coffer's error convention.
 * Returns 0; COFFER_ERR_DERIVATION (tweak >= n, or the sum is the point at
 *   infinity); pk is unchanged on failure.
 * In/Out: pk.
 * In:   tweak[32]: big-endian scalar (0 is allowed and changes nothing).
 */
int keys_pubkey_tweak_add(secp256k1_pubkey *pk, const uint8_t tweak[32]);

#endif
