/*
 * Helpers for the signer process tests: temporary data directories, a PSBT
 * that spends two of the wallet's own coins (BIP84 wpkh and BIP86 tr) and one
 * foreign coin, keys derived independently of the signer, /proc readers.
 */
#ifndef COFFER_TESTS_SIGNER_UTIL_H
#define COFFER_TESTS_SIGNER_UTIL_H

#define _GNU_SOURCE 1

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btc/bip32.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/secmem.h"

/* Small Argon2id for tests (the default is measured in docs/KEYSTORE.md). */
#define TEST_KDF_KIB 8192
#define TEST_KDF_PASSES 1

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a directory tree (test data only). */
static inline void
test_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh private temporary directory; path must hold 64 bytes. */
static inline void
test_tmpdir(char *path)
{
	snprintf(path, 64, "/tmp/coffer-signer-test-XXXXXX");
	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

/* Keys of the test wallet at m/84'/1'/0'/0/i and m/86'/1'/0'/0/i, derived here. */
struct test_wallet_keys {
	uint8_t fp[4];
	uint8_t wpkh_priv[32], wpkh_pub[33];
	uint8_t tr_priv[32], tr_pub[33];
	uint8_t master_priv[32];
	uint8_t account_priv[2][32];	/* m/84'/1'/0', m/86'/1'/0' */
};

static inline int
test_derive_keys(struct test_wallet_keys *k, const uint8_t seed[64], uint32_t index)
{
	uint32_t p84[5] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, index };
	uint32_t p86[5] = { 86 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, index };
	struct bip32_key *m = bip32_key_new(), *c = bip32_key_new();
	int ret;

	if ((ret = bip32_master_from_seed(m, seed, 64, BTC_REGTEST)) != 0)
		goto out;
	bip32_fingerprint(k->fp, m);
	memcpy(k->master_priv, m->priv, 32);
	if ((ret = bip32_derive_path(c, m, p84, 3)) != 0)
		goto out;
	memcpy(k->account_priv[0], c->priv, 32);
	if ((ret = bip32_derive_path(c, m, p86, 3)) != 0)
		goto out;
	memcpy(k->account_priv[1], c->priv, 32);
	if ((ret = bip32_derive_path(c, m, p84, 5)) != 0)
		goto out;
	memcpy(k->wpkh_priv, c->priv, 32);
	memcpy(k->wpkh_pub, c->pub, 33);
	if ((ret = bip32_derive_path(c, m, p86, 5)) != 0)
		goto out;
	memcpy(k->tr_priv, c->priv, 32);
	memcpy(k->tr_pub, c->pub, 33);
out:
	bip32_key_free(m);
	bip32_key_free(c);
	return ret;
}

static inline void
test_origin(struct psbt_origin *o, const uint8_t fp[4], uint32_t purpose, uint32_t index)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->fingerprint, fp, 4);
	o->path[0] = purpose | BIP32_HARDENED;
	o->path[1] = 1 | BIP32_HARDENED;
	o->path[2] = BIP32_HARDENED;
	o->path[3] = 0;
	o->path[4] = index;
	o->depth = 5;
}

/*
 * A v0 PSBT spending 100000 sat from our wpkh key, 50000 from our tr key and
 * 70000 from a foreign wpkh key, paying 200000 to a foreign address (fee
 * 20000). Out: out (binary PSBT appended).
 */
static inline int
test_make_psbt(struct cbuf *out, const struct test_wallet_keys *k)
{
	static const uint8_t foreign_fp[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t txid[32], h[20], xonly_out[32], foreign_priv[32], foreign_pub[33];
	struct psbt_origin o;
	struct cbuf spk;
	struct psbt p;
	struct tx tx;
	int ret;

	tx_init(&tx);
	psbt_init(&p);
	cbuf_init(&spk, 64);
	memset(foreign_priv, 0x5a, 32);
	if ((ret = keys_pubkey_from_privkey(foreign_pub, foreign_priv)) != 0)
		goto out;
	tx.version = 2;
	memset(txid, 0x11, 32);
	if ((ret = tx_add_input(&tx, txid, 0, 0xfffffffd)) != 0)
		goto out;
	memset(txid, 0x22, 32);
	if ((ret = tx_add_input(&tx, txid, 1, 0xfffffffd)) != 0)
		goto out;
	memset(txid, 0x33, 32);
	if ((ret = tx_add_input(&tx, txid, 2, 0xfffffffd)) != 0)
		goto out;
	hash160(h, foreign_pub, 33);
	if ((ret = script_p2wpkh(&spk, h)) != 0 || (ret = tx_add_output(&tx, 200000, spk.p, spk.len)) != 0)
		goto out;
	if ((ret = psbt_create(&p, &tx)) != 0)
		goto out;
	/* input 0: ours, BIP84 */
	cbuf_reset(&spk);
	hash160(h, k->wpkh_pub, 33);
	test_origin(&o, k->fp, 84, 0);
	if ((ret = script_p2wpkh(&spk, h)) != 0 ||
	    (ret = psbt_update_input_witness_utxo(&p, 0, 100000, spk.p, spk.len)) != 0 ||
	    (ret = psbt_update_derivation(&p, PSBT_MAP_INPUT, 0, k->wpkh_pub, 33, &o)) != 0)
		goto out;
	/* input 1: ours, BIP86 key path */
	cbuf_reset(&spk);
	test_origin(&o, k->fp, 86, 0);
	if ((ret = keys_taproot_output_key(xonly_out, NULL, k->tr_pub + 1, NULL)) != 0 ||
	    (ret = script_p2tr(&spk, xonly_out)) != 0 ||
	    (ret = psbt_update_input_witness_utxo(&p, 1, 50000, spk.p, spk.len)) != 0 ||
	    (ret = psbt_map_set(&p, &p.in[1].map, PSBT_MAP_INPUT, PSBT_IN_TAP_INTERNAL_KEY, NULL, 0,
	    k->tr_pub + 1, 32)) != 0 ||
	    (ret = psbt_update_tap_derivation(&p, PSBT_MAP_INPUT, 1, k->tr_pub + 1, NULL, 0, &o)) != 0)
		goto out;
	/* input 2: somebody else's */
	cbuf_reset(&spk);
	hash160(h, foreign_pub, 33);
	test_origin(&o, foreign_fp, 84, 0);
	if ((ret = script_p2wpkh(&spk, h)) != 0 ||
	    (ret = psbt_update_input_witness_utxo(&p, 2, 70000, spk.p, spk.len)) != 0 ||
	    (ret = psbt_update_derivation(&p, PSBT_MAP_INPUT, 2, foreign_pub, 33, &o)) != 0)
		goto out;
	ret = psbt_serialize(out, &p);
out:
	secure_wipe(foreign_priv, sizeof(foreign_priv));
	cbuf_free(&spk);
	psbt_free(&p);
	tx_free(&tx);
	return ret;
}

/*
 * The signer's dedicated user (coffer-signer), which a signer started as
 * root drops to; the CTest fixture signer_user (scripts/signer-user) makes
 * it. Returns its passwd entry, or NULL.
 */
static inline struct passwd *
test_signer_user(void)
{
	return getpwnam("coffer-signer");
}

/* Read a small /proc file into buf (NUL-terminated). Returns bytes read or -1. */
static inline ssize_t
test_read_proc(char *buf, size_t size, pid_t pid, const char *what)
{
	char path[64];
	ssize_t n, total = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = (ssize_t)fread(buf + total, 1, size - 1 - (size_t)total, f)) > 0)
		total += n;
	fclose(f);
	buf[total] = '\0';
	return total;
}

/* The value of "Key:\t..." in /proc/PID/status, or "" when absent. */
static inline void
test_status_field(char *out, size_t outsize, pid_t pid, const char *key)
{
	char buf[8192], *p, *e;
	size_t kl = strlen(key);

	out[0] = '\0';
	if (test_read_proc(buf, sizeof(buf), pid, "status") < 0)
		return;
	for (p = buf; p != NULL && *p != '\0'; p = e != NULL ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			snprintf(out, outsize, "%.*s", e != NULL ? (int)(e - p) : (int)strlen(p), p);
			return;
		}
	}
}

#endif
