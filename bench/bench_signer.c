/*
 * bench_signer: signing requests per second through the real coffer-signer
 * process (socketpair, sandboxed, judged, audited, ledger charged durably)
 * against bare libsecp256k1 signing measured in the same run, for a 1-input
 * P2WPKH PSBT; and the unlock time with the default Argon2id parameters.
 *
 * Figures (wall clock, this machine):
 *   bare      secp256k1_ecdsa_sign of one 32-byte digest (RFC6979, no grinding)
 *   psbt      psbt_parse + psbt_sign_bip32 + psbt_serialize in this process
 *             (key derivation along the path, sighash, low-R grinding)
 *   signer    client_sign_psbt round trips: frame I/O, PSBT parse, judgement,
 *             an fsynced audit append, an fsynced atomic state write (the
 *             24-hour ledger charge), signing, reply
 * The signer's overhead is dominated by the two fsyncs it must do before it
 * may release a signature; the figures say how much, on this disk.
 * Usage: bench_signer [requests, default 200] [datadir parent, default /tmp].
 * Exits 0 whatever the figures are.
 */
#define _GNU_SOURCE 1	/* nftw */

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <secp256k1.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/hash.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/secp.h"
#include "btc/tx.h"
#include "common/secmem.h"
#include "signer/client.h"

#ifndef COFFER_SIGNER_BIN
int
main(void)
{
	puts("bench_signer: skipped: built without coffer-signer");
	return 0;
}
#else
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_signer: %s failed (%d)\n", what, r);
	exit(1);
}

/* A 1-input P2WPKH PSBT spending m/84'/1'/0'/0/0 of the seed's wallet. */
static void
make_psbt(struct cbuf *out, const uint8_t seed[64])
{
	uint32_t path[5] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, 0 };
	struct bip32_key *m = bip32_key_new(), *k = bip32_key_new();
	struct psbt_origin o;
	struct cbuf spk;
	struct psbt p;
	struct tx tx;
	uint8_t txid[32], h[20];
	int r;

	tx_init(&tx);
	psbt_init(&p);
	cbuf_init(&spk, 64);
	if ((r = bip32_master_from_seed(m, seed, 64, BTC_REGTEST)) != 0 || (r = bip32_derive_path(k, m, path, 5)) != 0)
		die("derive", r);
	memset(&o, 0, sizeof(o));
	bip32_fingerprint(o.fingerprint, m);
	memcpy(o.path, path, sizeof(path));
	o.depth = 5;
	hash160(h, k->pub, 33);
	memset(txid, 0x42, 32);
	if ((r = script_p2wpkh(&spk, h)) != 0 || (r = tx_add_input(&tx, txid, 0, 0xfffffffd)) != 0 ||
	    (r = tx_add_output(&tx, 99000, spk.p, spk.len)) != 0 || (r = psbt_create(&p, &tx)) != 0 ||
	    (r = psbt_update_input_witness_utxo(&p, 0, 100000, spk.p, spk.len)) != 0 ||
	    (r = psbt_update_derivation(&p, PSBT_MAP_INPUT, 0, k->pub, 33, &o)) != 0 ||
	    (r = psbt_serialize(out, &p)) != 0)
		die("psbt", r);
	bip32_key_free(m);
	bip32_key_free(k);
	cbuf_free(&spk);
	psbt_free(&p);
	tx_free(&tx);
}

int
main(int argc, char **argv)
{
	static const struct client_spawn_opts fast = { "regtest", NULL, 8192, 1 };
	static const struct client_spawn_opts dflt = { "regtest", NULL, 0, 0 };
	int n = argc > 1 ? atoi(argv[1]) : 200, i, r;
	const char *parent = argc > 2 ? argv[2] : "/tmp";
	struct proto_secret pw = client_secret_plain((const uint8_t *)"bench passphrase", 16);
	struct proto_secret none = client_secret_none();
	struct client_sign_result res;
	struct signer_client c;
	struct bip32_key *master;
	struct cbuf mn, psbt, out;
	struct psbt p;
	secp256k1_ecdsa_signature sig;
	uint8_t seed[64], msg[32], key[32];
	char dir[256];
	double t0, bare, inproc, signer, unlock[3];

	if (n <= 0 || n > 900)
		n = 200;	/* the ledger holds 1024 spends in 24 hours */
	secmem_init();
	cbuf_init_secret(&mn, 0);
	cbuf_init(&psbt, 0);
	cbuf_init(&out, 0);

	/* Unlock time with the default Argon2id parameters (median of 3). */
	snprintf(dir, sizeof(dir), "%s/coffer-bench-XXXXXX", parent);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -1);
	if ((r = client_spawn_signer(&c, COFFER_SIGNER_BIN, dir, &dflt)) != 0 ||
	    (r = client_create(&c, &mn, &pw, 24, &none, NULL)) != 0)
		die("create (default parameters)", r);
	for (i = 0; i < 3; i++) {
		t0 = now();
		if ((r = client_unlock(&c, &pw, 0)) != 0)
			die("unlock", r);
		unlock[i] = now() - t0;
		client_lock(&c);
	}
	client_close(&c);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (unlock[0] > unlock[1]) { double t = unlock[0]; unlock[0] = unlock[1]; unlock[1] = t; }
	if (unlock[1] > unlock[2]) { double t = unlock[1]; unlock[1] = unlock[2]; unlock[2] = t; }
	if (unlock[0] > unlock[1]) { double t = unlock[0]; unlock[0] = unlock[1]; unlock[1] = t; }

	/* A second wallet with cheap Argon2id for the signing figures. */
	snprintf(dir, sizeof(dir), "%s/coffer-bench-XXXXXX", parent);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -1);
	cbuf_reset(&mn);
	if ((r = client_spawn_signer(&c, COFFER_SIGNER_BIN, dir, &fast)) != 0 ||
	    (r = client_create(&c, &mn, &pw, 24, &none, NULL)) != 0 || (r = client_unlock(&c, &pw, 0)) != 0)
		die("signer", r);
	if ((r = bip39_mnemonic_to_seed(seed, (const char *)mn.p, "")) != 0)
		die("seed", r);
	make_psbt(&psbt, seed);

	/* bare libsecp256k1 */
	memset(key, 0x11, 32);
	t0 = now();
	for (i = 0; i < n * 10; i++) {
		msg[0] = (uint8_t)i;
		msg[1] = (uint8_t)(i >> 8);
		if (!secp256k1_ecdsa_sign(btc_secp(), &sig, msg, key, NULL, NULL))
			die("secp256k1_ecdsa_sign", 0);
	}
	bare = (now() - t0) / (n * 10);

	/* the PSBT engine in this process */
	master = bip32_key_new();
	if ((r = bip32_master_from_seed(master, seed, 64, BTC_REGTEST)) != 0)
		die("master", r);
	t0 = now();
	for (i = 0; i < n; i++) {
		cbuf_reset(&out);
		if ((r = psbt_parse(&p, psbt.p, psbt.len)) != 0 || (r = psbt_sign_bip32(&p, NULL, master, NULL)) != 0 ||
		    (r = psbt_serialize(&out, &p)) != 0)
			die("psbt_sign_bip32", r);
		psbt_free(&p);
	}
	inproc = (now() - t0) / n;
	bip32_key_free(master);

	/* through the signer */
	t0 = now();
	for (i = 0; i < n; i++) {
		cbuf_reset(&out);
		if ((r = client_sign_psbt(&c, &out, &res, &none, psbt.p, psbt.len)) != 0)
			die("client_sign_psbt", r);
	}
	signer = (now() - t0) / n;
	client_close(&c);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	printf("unlock, default Argon2id (median of 3):  %8.3f s\n", unlock[1]);
	printf("bare secp256k1_ecdsa_sign:               %8.1f us  %9.0f /s\n", bare * 1e6, 1 / bare);
	printf("PSBT sign in-process (1 input):          %8.1f us  %9.0f /s  (%.1fx bare)\n", inproc * 1e6,
	    1 / inproc, inproc / bare);
	printf("PSBT sign through coffer-signer:         %8.1f us  %9.0f /s  (%.1fx bare, %.1fx in-process)\n",
	    signer * 1e6, 1 / signer, signer / bare, signer / inproc);
	printf("protocol + policy + durability overhead: %+.0f%% over bare signing (goal: <= 25%%; %d requests,"
	    " datadir on %s)\n", (signer / bare - 1) * 100, n, parent);
	secure_wipe(seed, sizeof(seed));
	cbuf_free(&mn);
	cbuf_free(&psbt);
	cbuf_free(&out);
	return 0;
}
#endif
