/*
 * bench_derive: address derivations per second on one core.
 *
 * The account is the BIP84/BIP86 test wallet ("abandon ... about"); its
 * account xpub is serialised and parsed back, so the loop starts from exactly
 * what a watch-only wallet holds. Each derivation is one receive address:
 * CKDpub of the branch key at index i, then the scriptPubKey (hash160, or
 * the BIP86 TapTweak for tr) and its bech32/bech32m encoding. The first
 * addresses are checked against the BIP84/BIP86 vectors so the loop measures
 * correct work. Time is this thread's CPU time (the figure per core, whatever
 * else the machine runs); wall time is printed too.
 *
 * For scale, the same run times the plain libsecp256k1 calls a direct
 * implementation would make per address (CKDpub's ec_pubkey_tweak_add for
 * both types; for tr also the x-only parse and TapTweak xonly_pubkey_tweak_add),
 * so the figure can be read against this machine's library speed.
 *
 * Usage: bench_derive [seconds per type, default 2]
 * Goal (issue #2): >= 25,000 derivations per second per core for wpkh and tr.
 * Exits 0 whether or not the goal is met (the figures are the result).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/hash.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

#define GOAL 25000.0

static const char MNEMONIC[] =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

struct bench_type {
	const char *name;
	uint32_t purpose;
	enum addr_type type;
	const char *first[2];	/* m/purpose'/0'/0'/0/0 and /0/1 from the BIP's vectors */
};

static const struct bench_type TYPES[] = {
	{ "wpkh", 84, ADDR_P2WPKH,
	    { "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g" } },
	{ "tr", 86, ADDR_P2TR,
	    { "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
	      "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh" } },
};

static double
now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_derive: %s: %s\n", what, coffer_err_name(r));
	exit(1);
}

/* The account xpub string of m/purpose'/0'/0' of the test wallet. */
static void
account_xpub(char out[BIP32_XKEY_BUFSIZE], uint32_t purpose)
{
	uint8_t seed[64];
	uint32_t path[3];
	struct bip32_key *k;
	int r;

	if ((k = bip32_key_new()) == NULL)
		die("bip32_key_new", COFFER_ERR_NOMEM);
	if ((r = pbkdf2_sha512(seed, sizeof(seed), (const uint8_t *)MNEMONIC, strlen(MNEMONIC),
	    (const uint8_t *)"mnemonic", 8, 2048)) != 0 ||
	    (r = bip32_master_from_seed(k, seed, sizeof(seed), BTC_MAINNET)) != 0 ||
	    (r = bip32_account_path(path, purpose, BTC_MAINNET, 0)) != 0 ||
	    (r = bip32_derive_path(k, k, path, 3)) != 0 ||
	    (r = bip32_xpub_encode(out, k)) != 0)
		die("account key", r);
	secure_wipe(seed, sizeof(seed));
	bip32_key_free(k);
}

/* Rate of the plain libsecp256k1 calls a direct implementation makes per address of type t. */
static double
ec_plain(const struct bench_type *t, const struct bip32_key *branch, double seconds)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_pubkey pk;
	secp256k1_xonly_pubkey xo;
	uint8_t tweak[32], pub[33];
	size_t len;
	uint32_t i = 0, n;
	double c0, c1;

	memset(tweak, 0x5a, sizeof(tweak));
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (n = 0; n < 1000; n++, i++) {
			memcpy(tweak, &i, sizeof(i));
			pk = branch->pk;
			len = sizeof(pub);
			if (!secp256k1_ec_pubkey_tweak_add(ctx, &pk, tweak) ||
			    !secp256k1_ec_pubkey_serialize(ctx, pub, &len, &pk, SECP256K1_EC_COMPRESSED))
				die("secp256k1_ec_pubkey_tweak_add", COFFER_ERR_CRYPTO);
			if (t->type == ADDR_P2TR &&
			    (!secp256k1_xonly_pubkey_parse(ctx, &xo, pub + 1) ||
			    !secp256k1_xonly_pubkey_tweak_add(ctx, &pk, &xo, tweak)))
				die("secp256k1_xonly_pubkey_tweak_add", COFFER_ERR_CRYPTO);
		}
		c1 = now(CLOCK_THREAD_CPUTIME_ID);
	} while (c1 - c0 < seconds);
	return (double)i / (c1 - c0);
}

/* The same addresses through the descriptor module; returns the rate. */
static double
bench_desc(const struct bench_type *t, const char *xpub, double seconds)
{
	char body[512], sum[DESC_CHECKSUM_LEN + 1], text[600], addr[ADDR_BUFSIZE];
	struct descriptor *d = NULL;
	uint64_t sink = 0;
	uint32_t i = 0, n;
	double c0, c1, rate;
	int r;

	snprintf(body, sizeof(body), "%s([73c5da0a/%uh/0h/0h]%s/<0;1>/*)", t->name, t->purpose, xpub);
	if ((r = desc_checksum(sum, body, strlen(body))) != 0)
		die("desc_checksum", r);
	snprintf(text, sizeof(text), "%s#%s", body, sum);
	if ((r = desc_parse(&d, text, strlen(text), BTC_MAINNET)) != 0)
		die("desc_parse", r);
	for (n = 0; n < 2; n++) {
		if ((r = desc_derive_address(addr, sizeof(addr), d, 0, n)) != 0)
			die("desc_derive_address", r);
		if (strcmp(addr, t->first[n]) != 0) {
			fprintf(stderr, "bench_derive: descriptor %s index %u: %s, want %s\n", t->name, n, addr,
			    t->first[n]);
			exit(1);
		}
	}
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (n = 0; n < 1000; n++, i++) {
			if ((r = desc_derive_address(addr, sizeof(addr), d, 0, i)) != 0)
				die("desc_derive_address", r);
			sink += (uint8_t)addr[strlen(addr) - 1];
		}
		c1 = now(CLOCK_THREAD_CPUTIME_ID);
	} while (c1 - c0 < seconds);
	rate = (double)i / (c1 - c0);
	printf("       %-4s  through the descriptor (desc_derive_address): %u addresses in %.3f s CPU: %.0f per"
	    " second per core (goal >= %.0f: %s) [%llu]\n", "", i, c1 - c0, rate, GOAL,
	    rate >= GOAL ? "met" : "NOT met", (unsigned long long)(sink % 10));
	desc_free(d);
	return rate;
}

static double
bench_one(const struct bench_type *t, double seconds)
{
	char xpub[BIP32_XKEY_BUFSIZE], addr[ADDR_BUFSIZE];
	struct bip32_key account, branch;
	uint8_t pub[33];
	uint64_t sink = 0;
	uint32_t i = 0, n;
	double c0, w0, c1, w1, rate, drate, plain;
	int r;

	account_xpub(xpub, t->purpose);
	if ((r = bip32_key_parse(&account, xpub)) != 0 ||
	    (r = bip32_derive_child(&branch, &account, 0)) != 0)
		die("parse account xpub", r);
	for (n = 0; n < 2; n++) {
		if ((r = bip32_derive_pubkey(pub, &branch, n)) != 0 ||
		    (r = addr_from_pubkey(addr, t->type, pub, BTC_MAINNET)) != 0)
			die("derive", r);
		if (strcmp(addr, t->first[n]) != 0) {
			fprintf(stderr, "bench_derive: %s index %u: %s, want %s\n", t->name, n, addr, t->first[n]);
			exit(1);
		}
	}

	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	do {
		for (n = 0; n < 1000; n++, i++) {
			if ((r = bip32_derive_pubkey(pub, &branch, i)) != 0 ||
			    (r = addr_from_pubkey(addr, t->type, pub, BTC_MAINNET)) != 0)
				die("derive", r);
			sink += (uint8_t)addr[strlen(addr) - 1];
		}
		c1 = now(CLOCK_THREAD_CPUTIME_ID);
	} while (c1 - c0 < seconds);
	w1 = now(CLOCK_MONOTONIC);
	rate = (double)i / (c1 - c0);
	printf("derive %-4s: %u addresses in %.3f s CPU (%.3f s wall): %.0f per second per core"
	    " (goal >= %.0f: %s) [%llu]\n", t->name, i, c1 - c0, w1 - w0, rate, GOAL,
	    rate >= GOAL ? "met" : "NOT met", (unsigned long long)(sink % 10));
	drate = bench_desc(t, xpub, seconds);
	plain = ec_plain(t, &branch, seconds / 2);
	printf("       %-4s  plain libsecp256k1 calls alone (%s): %.0f per second; Coffer: %.2fx that\n",
	    "", t->type == ADDR_P2TR ? "tweak_add + x-only parse + x-only tweak_add" : "tweak_add + serialize",
	    plain, rate / plain);
	return rate < drate ? rate : drate;	/* the goal holds if both paths meet it */
}

int
main(int argc, char **argv)
{
	double seconds = 2.0;
	size_t k;
	int met = 1;

	secmem_init();
	if (argc > 1 && (seconds = strtod(argv[1], NULL)) <= 0.0) {
		fprintf(stderr, "usage: bench_derive [seconds per type]\n");
		return 2;
	}
	printf("single thread; account xpub -> CKDpub -> scriptPubKey -> address string\n");
	for (k = 0; k < sizeof(TYPES) / sizeof(TYPES[0]); k++)
		met &= bench_one(&TYPES[k], seconds) >= GOAL;
	printf("goal %s\n", met ? "met for both types" : "NOT met");
	return 0;
}
