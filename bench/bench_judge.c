/*
 * bench_judge: the cost of the signer's own judgement of a 1-input PSBT
 * (analysis + every policy rule + request hash), next to what signing it
 * costs, and to one bare libsecp256k1 ECDSA signature (issue #3: protocol and
 * policy overhead <= 25% of signing for a 1-input PSBT; the protocol part is
 * measured by PROC's socket benchmark, this is the policy part).
 *
 * The PSBT: one BIP84 input of ours (PSBT_IN_NON_WITNESS_UTXO +
 * PSBT_IN_WITNESS_UTXO + derivation), a payment and a change output with its
 * derivation; the policy has every limit set and a one-address allowlist.
 * Timed per request, best of the rounds, this thread's CPU time:
 *   judge (warm): judge_psbt with the wallet context built once per unlock
 *                 (the derived-script cache holds the input and change);
 *   judge (cold): the same with the cache emptied before each request (one
 *                 CKDpub per proof on the cached account descriptors);
 *   parse:        psbt_parse of the bytes (the handler needs it anyway);
 *   sign:         psbt_copy + psbt_sign_bip32 (what the signer does next);
 *   bare:         one secp256k1_ecdsa_sign.
 * Usage: bench_judge [rounds, default 5]. Exits 0 whatever the figures are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <secp256k1.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/psbt.h"
#include "btc/secp.h"
#include "btc/tx.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/judge.h"

#define ITERS 400
#define GOAL 0.25

static const char MNEMONIC[] =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_judge: %s: %s\n", what, coffer_err_name(r));
	exit(1);
}

/* Our key at m/84'/1'/0'/change/index: its P2WPKH script, pubkey and origin. */
static void
our_key(uint8_t spk[ADDR_MAX_SPK], size_t *spk_len, uint8_t pub[33], struct psbt_origin *o,
    const struct bip32_key *master, uint32_t change, uint32_t index)
{
	struct bip32_key *k = bip32_key_new();
	int r;

	memset(o, 0, sizeof(*o));
	bip32_fingerprint(o->fingerprint, master);
	o->path[0] = 84 | BIP32_HARDENED;
	o->path[1] = 1 | BIP32_HARDENED;
	o->path[2] = BIP32_HARDENED;
	o->path[3] = change;
	o->path[4] = index;
	o->depth = 5;
	if ((r = bip32_derive_path(k, master, o->path, 5)) != 0 ||
	    (r = addr_spk_from_pubkey(spk, spk_len, ADDR_P2WPKH, k->pub)) != 0)
		die("derive", r);
	memcpy(pub, k->pub, 33);
	bip32_key_free(k);
}

static void
build(struct cbuf *out, const struct bip32_key *master)
{
	static const uint8_t dest[22] = { 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	    15, 16, 17, 18, 19, 20 };
	uint8_t spk[ADDR_MAX_SPK], chg[ADDR_MAX_SPK], pub[33], cpub[33], txid[32];
	struct psbt_origin o, co;
	size_t spk_len, chg_len;
	struct tx prev, tx;
	struct psbt p;
	int r;

	our_key(spk, &spk_len, pub, &o, master, 0, 3);
	our_key(chg, &chg_len, cpub, &co, master, 1, 2);
	tx_init(&prev);
	memset(txid, 0x42, 32);
	tx_init(&tx);
	if ((r = tx_add_input(&prev, txid, 0, TX_SEQUENCE_FINAL)) != 0 ||
	    (r = tx_add_output(&prev, 100000, spk, spk_len)) != 0 ||
	    (r = tx_txid(txid, &prev)) != 0 ||
	    (r = tx_add_input(&tx, txid, 0, 0xfffffffd)) != 0 ||
	    (r = tx_add_output(&tx, 60000, dest, sizeof(dest))) != 0 ||
	    (r = tx_add_output(&tx, 38590, chg, chg_len)) != 0 ||
	    (r = psbt_create(&p, &tx)) != 0 ||
	    (r = psbt_update_input_utxo(&p, 0, &prev, 1)) != 0 ||
	    (r = psbt_update_derivation(&p, PSBT_MAP_INPUT, 0, pub, 33, &o)) != 0 ||
	    (r = psbt_update_derivation(&p, PSBT_MAP_OUTPUT, 1, cpub, 33, &co)) != 0 ||
	    (r = psbt_serialize(out, &p)) != 0)
		die("build", r);
	psbt_free(&p);
	tx_free(&tx);
	tx_free(&prev);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double best[5] = { 1e9, 1e9, 1e9, 1e9, 1e9 }, t;
	struct bip32_key *master;
	struct judge_wallet *w;
	struct signer_policy pol;
	struct signer_ledger *led;
	struct judge_decision d;
	struct psbt p, q;
	struct cbuf raw;
	uint8_t seed[64], fp[4], msg[32], sk[32];
	secp256k1_ecdsa_signature sig;
	char err[POLICY_ERRMSG_LEN], json[512], addr[ADDR_BUFSIZE];
	static const uint8_t dest[22] = { 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	    15, 16, 17, 18, 19, 20 };
	int i, k, r;

	secmem_init();
	if (rounds < 1)
		rounds = 1;
	master = bip32_key_new();
	w = malloc(sizeof(*w));
	led = malloc(sizeof(*led));
	if (master == NULL || w == NULL || led == NULL)
		die("alloc", COFFER_ERR_NOMEM);
	if ((r = bip39_mnemonic_to_seed(seed, MNEMONIC, "")) != 0 ||
	    (r = bip32_master_from_seed(master, seed, 64, BTC_TESTNET)) != 0)
		die("master", r);
	secure_wipe(seed, sizeof(seed));
	bip32_fingerprint(fp, master);
	/* Once per unlock. */
	t = cpu_now();
	judge_wallet_init(w, fp, BTC_TESTNET);
	if ((r = judge_wallet_add_standard(w, master, 0)) != 0)
		die("wallet", r);
	printf("wallet context (4 accounts, once per unlock): %.1f us\n", (cpu_now() - t) * 1e6);

	addr_encode(addr, dest, sizeof(dest), BTC_TESTNET);
	snprintf(json, sizeof(json), "{\"max_per_payment_sat\":1000000,\"max_24h_sat\":5000000,"
	    "\"max_fee_sat\":50000,\"max_feerate_sat_vb\":200,\"passphrase_threshold_sat\":500000,"
	    "\"allowlist\":[\"%s\"]}", addr);
	if ((r = policy_from_json(&pol, err, json, strlen(json), BTC_TESTNET)) != 0)
		die(err, r);
	ledger_init(led);
	for (i = 0; i < 100; i++)
		ledger_charge(led, 1700000000u + (uint64_t)i * 60, 1000);
	cbuf_init(&raw, 0);
	build(&raw, master);
	if ((r = psbt_parse(&p, raw.p, raw.len)) != 0)
		die("parse", r);
	if ((r = judge_psbt(&d, w, &p, raw.p, raw.len, &pol, led, 1700010000, 0)) != 0)
		die(d.reason, r);
	judge_decision_free(&d);
	memset(sk, 0x11, 32);

	for (k = 0; k < rounds; k++) {
		t = cpu_now();
		for (i = 0; i < ITERS; i++) {
			r = judge_psbt(&d, w, &p, raw.p, raw.len, &pol, led, 1700010000, 0);
			judge_decision_free(&d);
		}
		if (r != 0)
			die("judge", r);
		best[0] = (cpu_now() - t) / ITERS < best[0] ? (cpu_now() - t) / ITERS : best[0];
		t = cpu_now();
		for (i = 0; i < ITERS; i++) {
			memset(w->cache, 0, sizeof(w->cache));
			r = judge_psbt(&d, w, &p, raw.p, raw.len, &pol, led, 1700010000, 0);
			judge_decision_free(&d);
		}
		best[1] = (cpu_now() - t) / ITERS < best[1] ? (cpu_now() - t) / ITERS : best[1];
		t = cpu_now();
		for (i = 0; i < ITERS; i++) {
			r = psbt_parse(&q, raw.p, raw.len);
			psbt_free(&q);
		}
		best[2] = (cpu_now() - t) / ITERS < best[2] ? (cpu_now() - t) / ITERS : best[2];
		t = cpu_now();
		for (i = 0; i < ITERS; i++) {
			if ((r = psbt_copy(&q, &p)) != 0 ||
			    (r = psbt_sign_bip32(&q, NULL, master, NULL)) != 0)
				die("sign", r);
			psbt_free(&q);
		}
		best[3] = (cpu_now() - t) / ITERS < best[3] ? (cpu_now() - t) / ITERS : best[3];
		t = cpu_now();
		for (i = 0; i < ITERS; i++) {
			msg[0] = (uint8_t)i;
			msg[1] = (uint8_t)k;
			if (!secp256k1_ecdsa_sign(btc_secp(), &sig, msg, sk, NULL, NULL))
				die("ecdsa", COFFER_ERR_CRYPTO);
		}
		best[4] = (cpu_now() - t) / ITERS < best[4] ? (cpu_now() - t) / ITERS : best[4];
	}
	printf("1-input PSBT (%zu bytes), best of %d rounds x %d:\n", raw.len, rounds, ITERS);
	printf("  judge, warm cache   %8.1f us\n", best[0] * 1e6);
	printf("  judge, cold cache   %8.1f us\n", best[1] * 1e6);
	printf("  psbt_parse          %8.1f us\n", best[2] * 1e6);
	printf("  psbt_sign_bip32     %8.1f us\n", best[3] * 1e6);
	printf("  bare ecdsa_sign     %8.1f us\n", best[4] * 1e6);
	printf("judge (warm) / PSBT signing: %.2f; judge (warm) / bare signature: %.2f (goal for all "
	    "protocol + policy overhead: <= %.2f)\n", best[0] / best[3], best[0] / best[4], GOAL);
	secure_wipe(sk, sizeof(sk));
	cbuf_free(&raw);
	psbt_free(&p);
	policy_free(&pol);
	judge_wallet_free(w);
	free(w);
	free(led);
	bip32_key_free(master);
	return 0;
}
