/*
 * Private to musig.c (and to tests/btc/test_musig.c, which checks known-answer
 * secret nonces): the layout of struct musig_secnonce. Nothing else may include
 * this file; callers only ever hold a pointer to the opaque type.
 */
#ifndef COFFER_BTC_MUSIG_IMPL_H
#define COFFER_BTC_MUSIG_IMPL_H

#include <stdint.h>

#include <secp256k1_musig.h>

/* "MSN2" while the nonce is usable; the whole struct is zero after use. */
#define MUSIG_SECNONCE_MAGIC 0x4d534e32u

struct musig_secnonce {
	uint32_t magic;
	uint8_t pubkey33[33];	/* the only key this nonce may sign for */
	uint8_t pubnonce66[66];	/* its public half, to verify our own partial signature */
	secp256k1_musig_secnonce sn;
};

#endif
