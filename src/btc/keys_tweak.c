/*
 * Fast P + t*G for public keys and public tweaks (BIP32 CKDpub, BIP341
 * TapTweak), built only from libsecp256k1 public API calls.
 *
 * libsecp256k1's own tweak_add runs a general multi-scalar multiplication
 * (about 256 doublings). For a public tweak a fixed-base comb is faster:
 * with a table T[j][v] = v * 256^j * G (32 byte positions x 255 values),
 * t*G is the sum of at most 32 table points, which secp256k1_ec_pubkey_combine
 * adds (variable time) with a single final inversion. Each table entry is
 * computed on first use (secp256k1_ec_pubkey_create), so a one-shot caller
 * pays for at most 32 entries; the full table is 8160 points (510 KiB).
 *
 * Variable time in the tweak: use it only where the tweak is public to
 * whoever holds the key being tweaked (an xpub's child tweaks, TapTweak).
 */
#include "btc/keys.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/secp.h"
#include "common/err.h"

static secp256k1_pubkey comb[32][255];
static atomic_uchar comb_ready[32][255];
static pthread_mutex_t comb_lock = PTHREAD_MUTEX_INITIALIZER;

/* The table point v * 256^j * G (1 <= v <= 255), computed once. */
static const secp256k1_pubkey *
comb_point(unsigned j, unsigned v)
{
	if (!atomic_load_explicit(&comb_ready[j][v - 1], memory_order_acquire)) {
		pthread_mutex_lock(&comb_lock);
		if (!atomic_load_explicit(&comb_ready[j][v - 1], memory_order_relaxed)) {
			uint8_t k[32] = { 0 };

			/* v * 2^(8j) is in 1..n-1: 255 * 2^248 < n. */
			k[31 - j] = (uint8_t)v;
			if (!secp256k1_ec_pubkey_create(btc_secp(), &comb[j][v - 1], k)) {
				fputs("fatal: comb table point\n", stderr);
				abort();
			}
			atomic_store_explicit(&comb_ready[j][v - 1], 1, memory_order_release);
		}
		pthread_mutex_unlock(&comb_lock);
	}
	return &comb[j][v - 1];
}

int
keys_pubkey_tweak_add_var(secp256k1_pubkey *pk, const uint8_t tweak[32])
{
	const secp256k1_pubkey *pts[33];
	secp256k1_pubkey sum;
	size_t n = 0;
	unsigned j;

	pts[n++] = pk;
	for (j = 0; j < 32; j++)
		if (tweak[31 - j] != 0)
			pts[n++] = comb_point(j, tweak[31 - j]);
	if (n == 1)
		return 0;	/* tweak 0: P itself */
	if (!secp256k1_ec_seckey_verify(btc_secp(), tweak))
		return COFFER_ERR_DERIVATION;	/* tweak >= n */
	if (!secp256k1_ec_pubkey_combine(btc_secp(), &sum, pts, n))
		return COFFER_ERR_DERIVATION;	/* P + t*G is the point at infinity */
	*pk = sum;
	return 0;
}
