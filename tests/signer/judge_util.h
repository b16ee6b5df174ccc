/*
 * Test fixture for the judge: a wallet from the BIP39 test mnemonic on
 * testnet (account 0, BIP44/49/84/86), and a builder of PSBTs spending our
 * coins, made with the psbt/tx APIs.
 */
#ifndef COFFER_TESTS_SIGNER_JUDGE_UTIL_H
#define COFFER_TESTS_SIGNER_JUDGE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/secmem.h"
#include "signer/analyze.h"

#define FX_MNEMONIC "abandon abandon abandon abandon abandon abandon abandon abandon abandon " \
	"abandon abandon about"
#define FX_NET BTC_TESTNET

struct fx {
	struct bip32_key *master;
	uint8_t fp[4];
	struct judge_wallet *w;
};

static void
fx_die(const char *what, int r)
{
	fprintf(stderr, "fixture: %s failed: %d\n", what, r);
	exit(1);
}

static void
fx_init(struct fx *f)
{
	uint8_t seed[64];
	int r;

	secmem_init();
	f->master = bip32_key_new();
	f->w = malloc(sizeof(*f->w));
	if (f->master == NULL || f->w == NULL)
		fx_die("alloc", 0);
	if ((r = bip39_mnemonic_to_seed(seed, FX_MNEMONIC, "")) != 0 ||
	    (r = bip32_master_from_seed(f->master, seed, 64, FX_NET)) != 0)
		fx_die("master", r);
	secure_wipe(seed, sizeof(seed));
	bip32_fingerprint(f->fp, f->master);
	judge_wallet_init(f->w, f->fp, FX_NET);
	if ((r = judge_wallet_add_standard(f->w, f->master, 0)) != 0)
		fx_die("judge_wallet_add_standard", r);
}

static void
fx_free(struct fx *f)
{
	judge_wallet_free(f->w);
	free(f->w);
	bip32_key_free(f->master);
}

static enum addr_type
fx_type(uint32_t purpose)
{
	switch (purpose) {
	case 44: return ADDR_P2PKH;
	case 49: return ADDR_P2SH;
	case 86: return ADDR_P2TR;
	default: return ADDR_P2WPKH;
	}
}

/* Our key at m/purpose'/1'/0'/change/index: pubkey and origin. */
static void
fx_key(struct fx *f, uint8_t pub[33], struct psbt_origin *o, uint32_t purpose, uint32_t change,
    uint32_t index)
{
	struct bip32_key *k = bip32_key_new();
	int r;

	memset(o, 0, sizeof(*o));
	memcpy(o->fingerprint, f->fp, 4);
	o->path[0] = purpose | BIP32_HARDENED;
	o->path[1] = 1 | BIP32_HARDENED;
	o->path[2] = 0 | BIP32_HARDENED;
	o->path[3] = change;
	o->path[4] = index;
	o->depth = 5;
	if ((r = bip32_derive_path(k, f->master, o->path, 5)) != 0)
		fx_die("derive", r);
	memcpy(pub, k->pub, 33);
	bip32_key_free(k);
}

/* Our scriptPubKey at purpose/change/index. */
static size_t
fx_spk(struct fx *f, uint8_t spk[ADDR_MAX_SPK], uint32_t purpose, uint32_t change, uint32_t index)
{
	struct psbt_origin o;
	uint8_t pub[33];
	size_t n;
	int r;

	fx_key(f, pub, &o, purpose, change, index);
	if ((r = addr_spk_from_pubkey(spk, &n, fx_type(purpose), pub)) != 0)
		fx_die("spk", r);
	return n;
}

/* A foreign P2WPKH script (a key nobody here holds). */
static const uint8_t fx_foreign_spk[22] = {
	0x00, 0x14, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
};

/* Input flags. */
#define FXI_FOREIGN      0x01	/* pays fx_foreign_spk, no derivation */
#define FXI_NO_UTXO      0x02	/* no UTXO fields */
#define FXI_WITNESS_ONLY 0x04	/* PSBT_IN_WITNESS_UTXO only */
#define FXI_FAKE_DERIV   0x08	/* foreign script, but a derivation of ours */

struct fx_in {
	int64_t amount;
	uint32_t purpose, change, index;
	unsigned flags;
};

/* An output: a script, and optionally a derivation claimed for it. */
struct fx_out {
	int64_t amount;
	const uint8_t *spk;
	size_t spk_len;
	int deriv;			/* 1: attach a derivation of ours */
	uint32_t purpose, change, index;	/* the claimed derivation */
	int foreign_fp;			/* the derivation carries another fingerprint */
};

/* The previous transaction of input i: one output paying spk. */
static void
fx_prev_tx(struct tx *prev, size_t i, int64_t amount, const uint8_t *spk, size_t spk_len)
{
	uint8_t txid[32];

	memset(txid, 0xa0 + (int)i, 32);
	tx_init(prev);
	if (tx_add_input(prev, txid, (uint32_t)i, TX_SEQUENCE_FINAL) != 0 ||
	    tx_add_output(prev, amount, spk, spk_len) != 0)
		fx_die("prev tx", 0);
}

static void
fx_attach_deriv(struct fx *f, struct psbt *p, enum psbt_map_kind kind, size_t i, uint32_t purpose,
    uint32_t change, uint32_t index, int foreign_fp)
{
	struct psbt_origin o;
	uint8_t pub[33];
	int r;

	fx_key(f, pub, &o, purpose, change, index);
	if (foreign_fp)
		memset(o.fingerprint, 0x5a, 4);
	if (purpose == 86) {
		r = psbt_update_tap_derivation(p, kind, i, pub + 1, NULL, 0, &o);
		if (r == 0)
			r = psbt_map_set(p, kind == PSBT_MAP_INPUT ? &p->in[i].map : &p->out[i].map,
			    kind, kind == PSBT_MAP_INPUT ? PSBT_IN_TAP_INTERNAL_KEY :
			    PSBT_OUT_TAP_INTERNAL_KEY, NULL, 0, pub + 1, 32);
	} else
		r = psbt_update_derivation(p, kind, i, pub, 33, &o);
	if (r != 0)
		fx_die("derivation", r);
	if (purpose == 49) {
		/* P2SH-P2WPKH needs its redeem script. */
		uint8_t rs[ADDR_MAX_SPK];
		size_t rs_len;

		if (addr_spk_from_pubkey(rs, &rs_len, ADDR_P2WPKH, pub) != 0 ||
		    psbt_map_set(p, kind == PSBT_MAP_INPUT ? &p->in[i].map : &p->out[i].map, kind,
		    kind == PSBT_MAP_INPUT ? PSBT_IN_REDEEM_SCRIPT : PSBT_OUT_REDEEM_SCRIPT, NULL, 0,
		    rs, rs_len) != 0)
			fx_die("redeem script", 0);
	}
}

/* Build a v0 PSBT. */
static void
fx_psbt(struct fx *f, struct psbt *p, const struct fx_in *ins, size_t nin, const struct fx_out *outs,
    size_t nout)
{
	struct tx tx, prev;
	uint8_t spk[ADDR_MAX_SPK], prev_txid[32];
	size_t i, spk_len;
	int r;

	tx_init(&tx);
	for (i = 0; i < nin; i++) {
		if (ins[i].flags & (FXI_FOREIGN | FXI_FAKE_DERIV)) {
			memcpy(spk, fx_foreign_spk, sizeof(fx_foreign_spk));
			spk_len = sizeof(fx_foreign_spk);
		} else {
			spk_len = fx_spk(f, spk, ins[i].purpose, ins[i].change, ins[i].index);
		}
		fx_prev_tx(&prev, i, ins[i].amount, spk, spk_len);
		if ((r = tx_txid(prev_txid, &prev)) != 0 ||
		    (r = tx_add_input(&tx, prev_txid, 0, 0xfffffffd)) != 0)
			fx_die("input", r);
		tx_free(&prev);
	}
	for (i = 0; i < nout; i++)
		if ((r = tx_add_output(&tx, outs[i].amount, outs[i].spk, outs[i].spk_len)) != 0)
			fx_die("output", r);
	if ((r = psbt_create(p, &tx)) != 0)
		fx_die("psbt_create", r);
	tx_free(&tx);
	for (i = 0; i < nin; i++) {
		if (ins[i].flags & (FXI_FOREIGN | FXI_FAKE_DERIV)) {
			memcpy(spk, fx_foreign_spk, sizeof(fx_foreign_spk));
			spk_len = sizeof(fx_foreign_spk);
		} else {
			spk_len = fx_spk(f, spk, ins[i].purpose, ins[i].change, ins[i].index);
		}
		if (!(ins[i].flags & FXI_NO_UTXO)) {
			if (ins[i].flags & FXI_WITNESS_ONLY) {
				r = psbt_update_input_witness_utxo(p, i, ins[i].amount, spk, spk_len);
			} else {
				fx_prev_tx(&prev, i, ins[i].amount, spk, spk_len);
				r = psbt_update_input_utxo(p, i, &prev, ins[i].purpose != 44);
				tx_free(&prev);
			}
			if (r != 0)
				fx_die("utxo", r);
		}
		if (!(ins[i].flags & FXI_FOREIGN))
			fx_attach_deriv(f, p, PSBT_MAP_INPUT, i, ins[i].purpose, ins[i].change,
			    ins[i].index, 0);
	}
	for (i = 0; i < nout; i++)
		if (outs[i].deriv)
			fx_attach_deriv(f, p, PSBT_MAP_OUTPUT, i, outs[i].purpose, outs[i].change,
			    outs[i].index, outs[i].foreign_fp);
}

/* The common case: one wpkh input of ours, a payment and (when change > 0) change. */
static void
fx_simple(struct fx *f, struct psbt *p, int64_t in, int64_t pay, const uint8_t *dest, size_t dest_len,
    int64_t change)
{
	static uint8_t chg[ADDR_MAX_SPK];
	struct fx_in i0 = { in, 84, 0, 0, 0 };
	struct fx_out o[2];
	size_t n = 1;

	memset(o, 0, sizeof(o));
	o[0].amount = pay;
	o[0].spk = dest;
	o[0].spk_len = dest_len;
	if (change > 0) {
		o[1].amount = change;
		o[1].spk = chg;
		o[1].spk_len = fx_spk(f, chg, 84, 1, 0);
		o[1].deriv = 1;
		o[1].purpose = 84;
		o[1].change = 1;
		o[1].index = 0;
		n = 2;
	}
	fx_psbt(f, p, &i0, 1, o, n);
}

#endif
