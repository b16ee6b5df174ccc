/*
 * Test fixture for the payment tests: a test seed, its standard accounts
 * (BIP84 wpkh, BIP49 sh(wpkh), BIP86 tr) on regtest, wallet coins on their
 * receive branches, and external addresses from another seed.
 */
#ifndef COFFER_TESTS_WALLET_FIXTURE_H
#define COFFER_TESTS_WALLET_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/bip32.h"
#include "btc/hash.h"
#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/err.h"
#include "common/encoding.h"
#include "wallet/account.h"
#include "wallet/build.h"

enum { FX_WPKH = 0, FX_SH_WPKH = 1, FX_TR = 2, FX_NACCT = 3 };

struct fixture {
	struct bip32_key *master;
	struct wacct acct[FX_NACCT];
	char desc[FX_NACCT][512];
};

/* The account descriptor text for a purpose, e.g. wpkh([fp/84h/1h/0h]tpub.../<0;1>/ *). */
static inline int
fx_descriptor(char *out, size_t outsize, const struct bip32_key *master, uint32_t purpose,
    const char *open, const char *close)
{
	struct bip32_key *k = bip32_key_new();
	uint32_t path[3];
	uint8_t fp[4];
	char fphex[9], pathstr[BIP32_PATH_BUFSIZE], xpub[BIP32_XKEY_BUFSIZE];
	int r;

	bip32_fingerprint(fp, master);
	hex_encode(fphex, sizeof(fphex), fp, 4);
	if ((r = bip32_account_path(path, purpose, BTC_REGTEST, 0)) == 0 &&
	    (r = bip32_derive_path(k, master, path, 3)) == 0 &&
	    (r = bip32_xpub_encode(xpub, k)) == 0 &&
	    (r = bip32_path_format(pathstr, sizeof(pathstr), path, 3, 'h')) == 0 &&
	    (size_t)snprintf(out, outsize, "%s[%s%s]%s/<0;1>/*%s", open, fphex, pathstr + 1, xpub, close) >= outsize)
		r = COFFER_ERR_TOO_LARGE;
	bip32_key_free(k);
	return r;
}

static inline struct bip32_key *
fx_master(uint8_t seed_byte)
{
	uint8_t seed[32];
	struct bip32_key *m = bip32_key_new();

	memset(seed, seed_byte, sizeof(seed));
	if (m == NULL || bip32_master_from_seed(m, seed, sizeof(seed), BTC_REGTEST) != 0) {
		fprintf(stderr, "fixture: master key\n");
		exit(1);
	}
	return m;
}

static inline void
fx_init(struct fixture *f)
{
	static const struct {
		uint32_t purpose;
		const char *open, *close;
	} kinds[FX_NACCT] = { { 84, "wpkh(", ")" }, { 49, "sh(wpkh(", "))" }, { 86, "tr(", ")" } };
	size_t i;

	memset(f, 0, sizeof(*f));
	f->master = fx_master(0x11);
	for (i = 0; i < FX_NACCT; i++) {
		if (fx_descriptor(f->desc[i], sizeof(f->desc[i]), f->master, kinds[i].purpose,
		    kinds[i].open, kinds[i].close) != 0 ||
		    wacct_parse(&f->acct[i], f->desc[i], strlen(f->desc[i]), BTC_REGTEST) != 0) {
			fprintf(stderr, "fixture: account %zu\n", i);
			exit(1);
		}
	}
}

static inline void
fx_free(struct fixture *f)
{
	size_t i;

	for (i = 0; i < FX_NACCT; i++)
		wacct_free(&f->acct[i]);
	bip32_key_free(f->master);
}

/* A wallet coin of account `acct` at receive index `index`. */
static inline void
fx_utxo(struct pay_utxo *u, const struct fixture *f, size_t acct, uint32_t index, int64_t value)
{
	struct wacct_key k;
	uint8_t seed[8];

	memset(u, 0, sizeof(*u));
	if (wacct_derive(&k, &f->acct[acct], 0, index) != 0) {
		fprintf(stderr, "fixture: derive\n");
		exit(1);
	}
	memcpy(u->spk, k.spk, k.spk_len);
	u->spk_len = k.spk_len;
	memcpy(seed, &index, 4);
	seed[4] = (uint8_t)acct;
	seed[5] = seed[6] = seed[7] = 0xab;
	sha256(u->txid, seed, sizeof(seed));
	u->vout = index % 3;
	u->value = value;
	u->account = acct;
	u->change = 0;
	u->index = index;
}

/* An external address (another seed) of a type: ADDR_P2WPKH, ADDR_P2TR, ADDR_P2PKH, ADDR_P2SH. */
static inline void
fx_external(char out[ADDR_BUFSIZE], enum addr_type type, uint32_t index, enum btc_network net)
{
	struct bip32_key *m = fx_master(0x22);
	uint8_t pub[33];

	if (bip32_derive_pubkey(pub, m, index) != 0 || addr_from_pubkey(out, type, pub, net) != 0) {
		fprintf(stderr, "fixture: external address\n");
		exit(1);
	}
	bip32_key_free(m);
}

/* Sign a built payment with the fixture's seed, finalise, extract. Returns 0 or an error. */
static inline int
fx_sign(struct tx *tx, const struct pay_built *b, const struct fixture *f)
{
	struct psbt p;
	struct psbt_sign_stats st;
	int r;

	tx_init(tx);
	if ((r = psbt_copy(&p, &b->psbt)) != 0)
		return r;
	if ((r = psbt_sign_bip32(&p, &st, f->master, NULL)) == 0 && st.inputs_signed != p.n_in)
		r = COFFER_ERR_INTERNAL;
	if (r == 0)
		r = psbt_finalize(&p, NULL);
	if (r == 0)
		r = psbt_extract(tx, &p);
	psbt_free(&p);
	return r;
}

#endif
