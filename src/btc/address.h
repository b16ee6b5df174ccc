/*
 * Bitcoin addresses <-> scriptPubKeys, per network.
 *
 * Network rules follow Bitcoin Core: testnet, testnet4 and signet share every
 * encoding (base58 versions 0x6f/0xc4, HRP "tb") and cannot be told apart;
 * regtest shares the base58 versions with them but has its own HRP "bcrt".
 * An address that is valid for some other network is refused with
 * COFFER_ERR_WRONG_NETWORK, anything else malformed with a specific decoding
 * error (see addr_decode).
 */
#ifndef COFFER_BTC_ADDRESS_H
#define COFFER_BTC_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"

/* Buffer size for any address string plus NUL (bech32 is at most 90 characters). */
#define ADDR_BUFSIZE 91
/* Largest scriptPubKey that has an address: OP_n <40-byte push>. */
#define ADDR_MAX_SPK 42

enum addr_type {
	ADDR_UNKNOWN = 0,	/* no address form */
	ADDR_P2PKH,		/* OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG */
	ADDR_P2SH,		/* OP_HASH160 <20> OP_EQUAL */
	ADDR_P2WPKH,		/* OP_0 <20> */
	ADDR_P2WSH,		/* OP_0 <32> */
	ADDR_P2TR,		/* OP_1 <32> */
	ADDR_WITNESS_UNKNOWN,	/* OP_1 with another length, or OP_2..OP_16 <2..40> */
};

/*
 * Classify a scriptPubKey by address type.
 * Returns the type; ADDR_UNKNOWN for scripts without an address (bare
 *   multisig, OP_RETURN, OP_0 with a program other than 20/32 bytes, ...).
 * In:   spk[spklen] (spk may be NULL when spklen is 0).
 */
enum addr_type addr_classify(const uint8_t *spk, size_t spklen);

/*
 * Decode an address for a network into its scriptPubKey.
 * Base58 (P2PKH, P2SH) and segwit (v0 20/32 bytes, v1 32 bytes = P2TR,
 * v1 other lengths and v2..16 with 2..40 bytes per BIP350) are accepted.
 * Returns 0;
 *   COFFER_ERR_WRONG_NETWORK: valid for another network (version byte or HRP);
 *   COFFER_ERR_BAD_CHECKSUM: base58check or bech32 checksum mismatch;
 *   COFFER_ERR_MIXED_CASE: bech32 with mixed case;
 *   COFFER_ERR_BAD_WITNESS_VERSION: bad segwit version/program/checksum kind;
 *   COFFER_ERR_BAD_BASE58 / COFFER_ERR_BAD_BECH32: undecodable;
 *   COFFER_ERR_BAD_ADDRESS: anything else (unknown version byte or HRP,
 *     wrong payload length, empty string, over-long input).
 *   On failure *spklen is 0 and *type ADDR_UNKNOWN.
 * Out:  spk[ADDR_MAX_SPK], *spklen; type: may be NULL.
 * In:   addr: NUL-terminated string; net: the network it must belong to.
 */
int addr_decode(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, enum addr_type *type, const char *addr,
    enum btc_network net);

/*
 * Encode a scriptPubKey as an address for a network (bech32 output is lower case).
 * Returns 0 or COFFER_ERR_BAD_ADDRESS when the script has no address form
 *   (out is then "").
 * Out:  out[ADDR_BUFSIZE].
 * In:   spk[spklen]; net.
 */
int addr_encode(char out[ADDR_BUFSIZE], const uint8_t *spk, size_t spklen, enum btc_network net);

/*
 * Build the scriptPubKey of a single-key address type from a compressed pubkey:
 * ADDR_P2PKH (pkh), ADDR_P2SH (P2SH-P2WPKH, BIP49), ADDR_P2WPKH (BIP84) or
 * ADDR_P2TR (BIP86: key-path-only output key = internal key tweaked with
 * TapTweak and no script tree).
 * Returns 0; COFFER_ERR_INVALID_ARG for another type; COFFER_ERR_BAD_PUBKEY
 *   for a pubkey that does not parse (P2TR only; other types hash the bytes
 *   as given and expect a valid key from the caller).
 * Out:  spk[ADDR_MAX_SPK], *spklen.
 * In:   type; pub33: 33-byte compressed public key.
 */
int addr_spk_from_pubkey(uint8_t spk[ADDR_MAX_SPK], size_t *spklen, enum addr_type type,
    const uint8_t pub33[33]);

/*
 * addr_spk_from_pubkey then addr_encode: the fast path of address derivation loops.
 * Returns 0 or as those two functions.
 * Out:  out[ADDR_BUFSIZE].
 * In:   type (as addr_spk_from_pubkey); pub33; net.
 */
int addr_from_pubkey(char out[ADDR_BUFSIZE], enum addr_type type, const uint8_t pub33[33],
    enum btc_network net);

#endif
