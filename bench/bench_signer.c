/*
 * bench_signer: signing requests per second through the real coffer-signer
 * process (socketpair, sandboxed, judged, audited, ledger charged durably)
 * against bare libsecp256k1 signing measured in the same run, for a 1-input
 * P2WPKH and a 1-input P2TR (key path) PSBT; and the unlock time with the
 * default Argon2id parameters.
 *
 * Figures (best of ROUNDS interleaved rounds, this machine), each as wall
 * clock (requests per second) and as CPU time per request: this thread's
 * (CLOCK_THREAD_CPUTIME_ID) plus, for the signer, the signer process's
 * (/proc/PID/schedstat), which a busy neighbour does not inflate:
 *   bare      one libsecp256k1 call on a 32-byte digest with a ready key:
 *             secp256k1_ecdsa_sign (RFC6979, no grinding) for wpkh,
 *             secp256k1_schnorrsig_sign32 (keypair made once) for tr
 *   bare+grind  sign_ecdsa: the low-R grinding our signatures get (wpkh)
 *   signer    client_sign_psbt round trips: frame I/O, PSBT parse, judgement,
 *             leaf key from the session's cached parent, sighash, signing,
 *             an fsynced audit append and one fsynced atomic state write
 *             (audit head + 24-hour ledger charge) before the reply
 * The signer runs twice: with its directory on the datadir parent (a real
 * disk: the fsyncs dominate) and on /dev/shm (tmpfs: fsync is free, so this
 * is the CPU cost of protocol, policy and bookkeeping).
 * Usage: bench_signer [requests per round, default 200] [datadir parent, default /tmp].
 * Exits 0 whatever the figures are.
 */
#define _GNU_SOURCE 1	/* nftw */

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/secp.h"
#include "btc/sign.h"
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
#define ROUNDS 5

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

/*
 * A 1-input PSBT spending 100000 sat from m/<purpose>'/1'/0'/0/0 of the
 * seed's wallet (84: P2WPKH, 86: P2TR key path) and paying 99000 to a
 * foreign P2WPKH address (fee 1000).
 */
static void
make_psbt(struct cbuf *out, const uint8_t seed[64], uint32_t purpose)
{
	uint32_t path[5] = { purpose | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, 0 };
	struct bip32_key *m = bip32_key_new(), *k = bip32_key_new();
	struct psbt_origin o;
	struct cbuf spk;
	struct psbt p;
	struct tx tx;
	uint8_t txid[32], h[20], xonly[32];
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
	memset(txid, 0x42, 32);
	memset(h, 0x77, 20);
	tx.version = 2;
	if ((r = script_p2wpkh(&spk, h)) != 0 || (r = tx_add_input(&tx, txid, 0, 0xfffffffd)) != 0 ||
	    (r = tx_add_output(&tx, 99000, spk.p, spk.len)) != 0 || (r = psbt_create(&p, &tx)) != 0)
		die("psbt", r);
	cbuf_reset(&spk);
	if (purpose == 84) {
		hash160(h, k->pub, 33);
		if ((r = script_p2wpkh(&spk, h)) != 0 ||
		    (r = psbt_update_input_witness_utxo(&p, 0, 100000, spk.p, spk.len)) != 0 ||
		    (r = psbt_update_derivation(&p, PSBT_MAP_INPUT, 0, k->pub, 33, &o)) != 0)
			die("psbt wpkh input", r);
	} else {
		if ((r = keys_taproot_output_key(xonly, NULL, k->pub + 1, NULL)) != 0 ||
		    (r = script_p2tr(&spk, xonly)) != 0 ||
		    (r = psbt_update_input_witness_utxo(&p, 0, 100000, spk.p, spk.len)) != 0 ||
		    (r = psbt_map_set(&p, &p.in[0].map, PSBT_MAP_INPUT, PSBT_IN_TAP_INTERNAL_KEY, NULL, 0,
		    k->pub + 1, 32)) != 0 ||
		    (r = psbt_update_tap_derivation(&p, PSBT_MAP_INPUT, 0, k->pub + 1, NULL, 0, &o)) != 0)
			die("psbt tr input", r);
	}
	if ((r = psbt_serialize(out, &p)) != 0)
		die("psbt serialize", r);
	bip32_key_free(m);
	bip32_key_free(k);
	cbuf_free(&spk);
	psbt_free(&p);
	tx_free(&tx);
}

/* A signer on a fresh directory under parent, with the wallet of mnemonic (restore). */
static void
start_signer(struct signer_client *c, char dir[256], const char *parent, const char *mnemonic)
{
	static const struct client_spawn_opts fast = { "regtest", NULL, 8192, 1, NULL, NULL, NULL, NULL };
	struct proto_secret pw = client_secret_plain((const uint8_t *)"bench passphrase", 16);
	struct proto_secret none = client_secret_none();
	struct proto_secret mn = client_secret_plain((const uint8_t *)mnemonic, strlen(mnemonic));
	int r;

	snprintf(dir, 256, "%s/coffer-bench-XXXXXX", parent);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -1);
	if ((r = client_spawn_signer(c, COFFER_SIGNER_BIN, dir, &fast)) != 0 ||
	    (r = client_restore(c, &pw, &mn, &none)) != 0 || (r = client_unlock(c, &pw, 0)) != 0)
		die("signer start", r);
}

static double
cpu_self(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds a process has run (first field of /proc/PID/schedstat, ns). */
static double
cpu_of(pid_t pid)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (double)ns / 1e9;
}

/* Wall and CPU (ours + the signer's) seconds per request, n sign requests of one PSBT. */
struct fig {
	double wall, cpu;
};

static struct fig
time_signer(struct signer_client *c, const struct cbuf *psbt, int n)
{
	struct proto_secret none = client_secret_none();
	struct client_sign_result res;
	struct fig f;
	struct cbuf out;
	double t0, c0, s0;
	int i, r;

	cbuf_init(&out, 0);
	s0 = cpu_of(c->pid);
	c0 = cpu_self();
	t0 = now();
	for (i = 0; i < n; i++) {
		cbuf_reset(&out);
		if ((r = client_sign_psbt(c, &out, &res, &none, psbt->p, psbt->len)) != 0 || res.signatures != 1)
			die("client_sign_psbt", r);
	}
	f.wall = (now() - t0) / n;
	f.cpu = (cpu_self() - c0 + cpu_of(c->pid) - s0) / n;
	cbuf_free(&out);
	return f;
}

enum { BARE_ECDSA, BARE_GRIND, BARE_SCHNORR };

static struct fig
time_bare(int kind, int n)
{
	struct fig f;
	secp256k1_ecdsa_signature sig;
	secp256k1_keypair kp;
	uint8_t key[32], msg[32], sig64[64];
	double t0, c0;
	int i;

	memset(key, 0x11, 32);
	memset(msg, 0x5c, 32);
	if (!secp256k1_keypair_create(btc_secp(), &kp, key))
		die("keypair", 0);
	c0 = cpu_self();
	t0 = now();
	for (i = 0; i < n; i++) {
		msg[0] = (uint8_t)i;
		msg[1] = (uint8_t)(i >> 8);
		if (kind == BARE_ECDSA && !secp256k1_ecdsa_sign(btc_secp(), &sig, msg, key, NULL, NULL))
			die("secp256k1_ecdsa_sign", 0);
		if (kind == BARE_GRIND && sign_ecdsa(sig64, msg, key) != 0)
			die("sign_ecdsa", 0);
		if (kind == BARE_SCHNORR && !secp256k1_schnorrsig_sign32(btc_secp(), sig64, msg, &kp, NULL))
			die("secp256k1_schnorrsig_sign32", 0);
	}
	f.wall = (now() - t0) / n;
	f.cpu = (cpu_self() - c0) / n;
	return f;
}

static void
keep_min(struct fig *best, struct fig v)
{
	if (best->wall == 0 || v.wall < best->wall)
		best->wall = v.wall;
	if (best->cpu == 0 || v.cpu < best->cpu)
		best->cpu = v.cpu;
}

static void
line(const char *what, struct fig t, const struct fig *bare, const char *note)
{
	printf("  %-36s %8.1f us %8.0f /s %8.1f us", what, t.wall * 1e6, 1 / t.wall, t.cpu * 1e6);
	if (bare != NULL)
		printf("  %+6.0f%% %+6.0f%%", (t.wall / bare->wall - 1) * 100, (t.cpu / bare->cpu - 1) * 100);
	printf("%s\n", note);
}

int
main(int argc, char **argv)
{
	static const struct client_spawn_opts dflt = { "regtest", NULL, 0, 0, NULL, NULL, NULL, NULL };
	int n = argc > 1 ? atoi(argv[1]) : 200, i, r, have_shm;
	const char *parent = argc > 2 ? argv[2] : "/tmp";
	struct proto_secret pw = client_secret_plain((const uint8_t *)"bench passphrase", 16);
	struct proto_secret none = client_secret_none();
	struct signer_client disk, shm;
	struct cbuf mn, wpkh, tr;
	struct stat sb;
	uint8_t seed[64];
	char dir_disk[256], dir_shm[256], dir[256];
	double t0, unlock[3];
	struct fig bare_e = { 0, 0 }, bare_g = { 0, 0 }, bare_s = { 0, 0 };
	struct fig sd_w = { 0, 0 }, sd_t = { 0, 0 }, sm_w = { 0, 0 }, sm_t = { 0, 0 };
	char note[320];

	if (n <= 0 || n > 100000)
		n = 200;
	secmem_init();
	cbuf_init_secret(&mn, 0);
	cbuf_init(&wpkh, 0);
	cbuf_init(&tr, 0);
	have_shm = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode);

	/* Unlock time with the default Argon2id parameters (median of 3). */
	snprintf(dir, sizeof(dir), "%s/coffer-bench-XXXXXX", parent);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -1);
	if ((r = client_spawn_signer(&disk, COFFER_SIGNER_BIN, dir, &dflt)) != 0 ||
	    (r = client_create(&disk, &mn, &pw, 24, &none, NULL)) != 0)
		die("create (default parameters)", r);
	for (i = 0; i < 3; i++) {
		t0 = now();
		if ((r = client_unlock(&disk, &pw, 0)) != 0)
			die("unlock", r);
		unlock[i] = now() - t0;
		client_lock(&disk);
	}
	client_close(&disk);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (unlock[0] > unlock[1]) { t0 = unlock[0]; unlock[0] = unlock[1]; unlock[1] = t0; }
	if (unlock[1] > unlock[2]) { t0 = unlock[1]; unlock[1] = unlock[2]; unlock[2] = t0; }
	if (unlock[0] > unlock[1]) { t0 = unlock[0]; unlock[0] = unlock[1]; unlock[1] = t0; }

	/* The same wallet (cheap Argon2id) in two signers: datadir parent and tmpfs. */
	if ((r = bip39_mnemonic_to_seed(seed, (const char *)mn.p, "")) != 0)
		die("seed", r);
	make_psbt(&wpkh, seed, 84);
	make_psbt(&tr, seed, 86);
	start_signer(&disk, dir_disk, parent, (const char *)mn.p);
	if (have_shm)
		start_signer(&shm, dir_shm, "/dev/shm", (const char *)mn.p);
	/* warm up: first requests fill the parent-key cache and the judge's */
	(void)time_signer(&disk, &wpkh, 2);
	(void)time_signer(&disk, &tr, 2);
	if (have_shm) {
		(void)time_signer(&shm, &wpkh, 2);
		(void)time_signer(&shm, &tr, 2);
	}
	/* Interleaved rounds, so a busy neighbour slows every figure alike; best round each. */
	for (i = 0; i < ROUNDS; i++) {
		keep_min(&bare_e, time_bare(BARE_ECDSA, n * 4));
		keep_min(&bare_g, time_bare(BARE_GRIND, n * 4));
		keep_min(&bare_s, time_bare(BARE_SCHNORR, n * 4));
		if (have_shm) {
			keep_min(&sm_w, time_signer(&shm, &wpkh, n));
			keep_min(&sm_t, time_signer(&shm, &tr, n));
		}
		keep_min(&sd_w, time_signer(&disk, &wpkh, n / 10 > 0 ? n / 10 : 1));
		keep_min(&sd_t, time_signer(&disk, &tr, n / 10 > 0 ? n / 10 : 1));
	}
	client_close(&disk);
	nftw(dir_disk, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (have_shm) {
		client_close(&shm);
		nftw(dir_shm, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}

	printf("unlock, default Argon2id (median of 3):  %.3f s\n", unlock[1]);
	printf("best of %d interleaved rounds; %d requests per round on tmpfs, %d on disk\n", ROUNDS, n,
	    n / 10 > 0 ? n / 10 : 1);
	printf("  %-36s %11s %11s %11s  %s\n", "", "wall", "", "CPU", "over bare (wall, CPU)");
	printf("1-input P2WPKH PSBT:\n");
	line("bare secp256k1_ecdsa_sign", bare_e, NULL, "");
	line("bare + low-R grinding (sign_ecdsa)", bare_g, &bare_e, "");
	if (have_shm)
		line("through coffer-signer, /dev/shm", sm_w, &bare_e, "");
	snprintf(note, sizeof(note), "  (datadir on %s)", parent);
	line("through coffer-signer, disk", sd_w, &bare_e, note);
	printf("1-input P2TR key-path PSBT:\n");
	line("bare secp256k1_schnorrsig_sign32", bare_s, NULL, "");
	if (have_shm)
		line("through coffer-signer, /dev/shm", sm_t, &bare_s, "");
	line("through coffer-signer, disk", sd_t, &bare_s, note);
	printf("goal: protocol + policy overhead <= 25%% over bare signing\n");
	secure_wipe(seed, sizeof(seed));
	cbuf_free(&mn);
	cbuf_free(&wpkh);
	cbuf_free(&tr);
	return 0;
}
#endif
