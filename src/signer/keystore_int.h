/* Internal to the keystore: the encrypted payload's layout (keystore_format.c). */
#ifndef COFFER_SIGNER_KEYSTORE_INT_H
#define COFFER_SIGNER_KEYSTORE_INT_H

#include "signer/keystore.h"

/*
 * Payload (KS_PAYLOAD_LEN bytes, fixed so every keystore has the same size
 * whatever its entropy or BIP39 passphrase length):
 *   u8 entropy_len | entropy[32] (zero padded) | u16le pass_len | pass[256] (zero padded)
 */
void ks_payload_encode(uint8_t out[KS_PAYLOAD_LEN], const struct ks_secret *s);

/*
 * Decode a payload into s (entropy, entropy_len, bip39_pass; not the seed).
 * Returns 0 or COFFER_ERR_KS_MALFORMED (bad entropy length, pass length,
 *   NUL in the pass, nonzero padding); s's fields are wiped on failure.
 */
int ks_payload_decode(struct ks_secret *s, const uint8_t in[KS_PAYLOAD_LEN]);

#endif
