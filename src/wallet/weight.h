/*
 * Transaction weight estimation for the inputs and outputs a wallet builds,
 * exact for what Coffer's signer produces and never below it: ECDSA
 * signatures are counted at 72 bytes with the sighash byte (the signer
 * grinds low-R, so real ones are 71, sometimes shorter), Schnorr key-path
 * signatures at 64 (SIGHASH_DEFAULT, no sighash byte).
 *
 *   P2WPKH       41 bytes + witness 108 WU  = 272 WU (68 vB)
 *   P2TR key     41 bytes + witness 66 WU   = 230 WU (57.5 vB)
 *   P2SH-P2WPKH  64 bytes + witness 108 WU  = 364 WU (91 vB)
 *   P2PKH        148 bytes (+1 WU: its empty witness in a segwit tx) = 593 WU
 */
#ifndef COFFER_WALLET_WEIGHT_H
#define COFFER_WALLET_WEIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "btc/address.h"

#define WEIGHT_IN_P2WPKH      272u
#define WEIGHT_IN_P2TR        230u
#define WEIGHT_IN_P2SH_P2WPKH 364u
#define WEIGHT_IN_P2PKH       593u
/* version + locktime (the in/out counts are added by coinsel). */
#define WEIGHT_TX_FIXED       32u
/* segwit marker and flag */
#define WEIGHT_SEGWIT_MARKER  2u

/*
 * Weight an input spending a single-key output of this type adds to a
 * segwit transaction, signature and key included (ADDR_P2SH means
 * P2SH-P2WPKH, the only P2SH a wallet account produces).
 * Returns the weight, or 0 for a type the wallet cannot spend.
 */
uint32_t weight_input(enum addr_type type);

/* Weight of an output with this scriptPubKey length: 4 * (8 + CompactSize + len). */
uint32_t weight_output(size_t spk_len);

#endif
