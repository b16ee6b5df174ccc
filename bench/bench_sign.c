/*
 * bench_sign: the transaction layer's share of signing a 100-input
 * transaction, as a ratio to 100 bare libsecp256k1 signatures timed in the
 * same run.
 *
 * wpkh: sighash_cache_init once, then per input the BIP143 sighash (script
 * codes prepared beforehand, as the PSBT signer has them from its keys) and
 * sign_ecdsa_der (RFC6979 + Core's low-R grind: on average two nonce
 * attempts). The "bare" figure is secp256k1_ecdsa_sign once per input
 * (no grinding), and "bare+grind" the same with Core's grinding loop.
 * tr: per input the BIP341 sighash and sign_schnorr_keypath (BIP86 tweak
 * of the secret key, then BIP340 with fresh aux); "bare" is keypair_create +
 * schnorrsig_sign32 per input.
 *
 * This times sighash + signing only; PSBT parsing, key derivation and the
 * policy checks belong to the PSBT benchmark. Time is this thread's CPU time.
 * Usage: bench_sign [rounds, default 20]. Exits 0 whatever the figures are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "btc/hash.h"
#include "btc/script.h"
#include "btc/secp.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "btc/tx.h"
#include "common/secmem.h"

#define N_IN 100

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_sign: %s failed\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	const secp256k1_context *ctx = btc_secp();
	int rounds = argc > 1 ? atoi(argv[1]) : 20, r;
	uint8_t (*keys)[32] = secmem_alloc(N_IN * 32);
	struct tx_out spent[N_IN];
	uint8_t spks[N_IN][34], pub[33], x[32], q[32], h160[20], msg[32], sig[64];
	uint8_t der[SIGN_DER_MAX];
	struct sighash_cache c;
	struct cbuf code;
	struct tx tx;
	static uint8_t codes[N_IN][25];
	double t0, t_wpkh = 0, t_bare = 0, t_grind = 0, t_tr = 0, t_bare_tr = 0, t_hash = 0;
	size_t i, pl, dl;

	if (keys == NULL || rounds <= 0)
		die("setup");
	tx_init(&tx);
	cbuf_init(&code, 64);
	for (i = 0; i < N_IN; i++) {
		struct cbuf b;
		uint8_t txid[32];

		secure_random(keys[i], 32);
		secure_random(txid, sizeof(txid));
		if (tx_add_input(&tx, txid, (uint32_t)i, 0xfffffffd) != 0)
			die("tx_add_input");
		if (sign_xonly_pubkey(x, NULL, keys[i]) != 0 || taproot_output_key(q, NULL, x, NULL) != 0)
			die("keys");
		cbuf_init(&b, 0);
		if (script_p2tr(&b, q) != 0)
			die("script");
		memcpy(spks[i], b.p, 34);
		cbuf_free(&b);
		/* P2WPKH script codes (the PSBT signer derives them with the pubkeys). */
		if (sign_pubkey(pub, &pl, keys[i], 1) != 0)
			die("pubkey");
		hash160(h160, pub, 33);
		cbuf_reset(&code);
		if (script_p2pkh(&code, h160) != 0 || code.len != 25)
			die("p2pkh");
		memcpy(codes[i], code.p, 25);
		spent[i].value = 100000 + (int64_t)i;
		spent[i].script_pubkey = spks[i];
		spent[i].script_pubkey_len = 34;
	}
	if (tx_add_output(&tx, 9000000, spks[0], 34) != 0 || tx_add_output(&tx, 1000, spks[1], 34) != 0)
		die("tx_add_output");

	for (r = 0; r < rounds; r++) {
		/* wpkh through Coffer. */
		t0 = cpu_now();
		if (sighash_cache_init(&c, &tx, spent, N_IN) != 0)
			die("cache");
		for (i = 0; i < N_IN; i++) {
			if (sighash_segwit_v0(msg, &c, i, codes[i], 25, spent[i].value, SIGHASH_ALL) != 0 ||
			    sign_ecdsa_der(der, &dl, msg, keys[i]) != 0)
				die("wpkh sign");
		}
		t_wpkh += cpu_now() - t0;

		/* Bare ECDSA: same keys and messages, nothing else. */
		t0 = cpu_now();
		for (i = 0; i < N_IN; i++) {
			secp256k1_ecdsa_signature s;

			msg[0] = (uint8_t)i;
			if (!secp256k1_ecdsa_sign(ctx, &s, msg, keys[i], NULL, NULL))
				die("bare ecdsa");
		}
		t_bare += cpu_now() - t0;

		/* Bare ECDSA with Core's low-R grind. */
		t0 = cpu_now();
		for (i = 0; i < N_IN; i++) {
			msg[0] = (uint8_t)i;
			if (sign_ecdsa(sig, msg, keys[i]) != 0)
				die("grind");
		}
		t_grind += cpu_now() - t0;

		/* tr key path through Coffer. */
		t0 = cpu_now();
		if (sighash_cache_init(&c, &tx, spent, N_IN) != 0)
			die("cache");
		for (i = 0; i < N_IN; i++)
			if (sighash_taproot(msg, &c, i, SIGHASH_DEFAULT, NULL, 0, NULL, 0) != 0 ||
			    sign_schnorr_keypath(sig, msg, keys[i], NULL, NULL) != 0)
				die("tr sign");
		t_tr += cpu_now() - t0;

		/* The sighashes alone (both kinds, cache included). */
		t0 = cpu_now();
		if (sighash_cache_init(&c, &tx, spent, N_IN) != 0)
			die("cache");
		for (i = 0; i < N_IN; i++)
			if (sighash_segwit_v0(msg, &c, i, codes[i], 25, spent[i].value, SIGHASH_ALL) != 0 ||
			    sighash_taproot(msg, &c, i, SIGHASH_DEFAULT, NULL, 0, NULL, 0) != 0)
				die("sighash");
		t_hash += cpu_now() - t0;

		/* Bare BIP340: keypair + sign32, fresh aux. */
		t0 = cpu_now();
		for (i = 0; i < N_IN; i++) {
			secp256k1_keypair kp;
			uint8_t aux[32];

			secure_random(aux, sizeof(aux));
			msg[0] = (uint8_t)i;
			if (!secp256k1_keypair_create(ctx, &kp, keys[i]) ||
			    !secp256k1_schnorrsig_sign32(ctx, sig, msg, &kp, aux))
				die("bare schnorr");
			secure_wipe(&kp, sizeof(kp));
		}
		t_bare_tr += cpu_now() - t0;
	}
	printf("100-input sighash+sign, %d rounds, CPU ms per 100 inputs\n", rounds);
	printf("  wpkh: coffer %.2f  bare ecdsa %.2f  bare+grind %.2f  ratio %.2fx (vs bare+grind %.2fx)\n",
	    1e3 * t_wpkh / rounds, 1e3 * t_bare / rounds, 1e3 * t_grind / rounds, t_wpkh / t_bare,
	    t_wpkh / t_grind);
	printf("  tr:   coffer %.2f  bare schnorr %.2f  ratio %.2fx\n", 1e3 * t_tr / rounds,
	    1e3 * t_bare_tr / rounds, t_tr / t_bare_tr);
	printf("  sighash only (cache + 100 BIP143 + 100 BIP341): %.3f ms\n", 1e3 * t_hash / rounds);
	tx_free(&tx);
	cbuf_free(&code);
	secmem_free(keys);
	return 0;
}
