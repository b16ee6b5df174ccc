/* Private to bip322*.c: the check of one signed input against the script it spends. */
#ifndef COFFER_BTC_BIP322_IMPL_H
#define COFFER_BTC_BIP322_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "btc/tx.h"

/*
 * Check that input 0 of tx validly spends an output of value 0 with
 * scriptPubKey spk, for the script types bip322.h lists, under BIP322's
 * required rules (SIGHASH_ALL/DEFAULT, strict DER, low S, NULLDUMMY,
 * minimal pushes, compressed keys in segwit v0).
 * Returns 0 (valid), COFFER_ERR_BIP322 (invalid), COFFER_ERR_UNSUPPORTED
 * (script not understood: inconclusive) or COFFER_ERR_NOMEM.
 */
int bip322_check_input(const struct tx *tx, const uint8_t *spk, size_t spklen);

#endif
