/*
 * A known regtest wallet for the daemon tests, derived here with the wallet
 * core (independently of the signer): the BIP39 test mnemonic, its seed, and
 * the keys at m/84'/1'/0'/0/i and m/86'/1'/0'/0/i; a PSBT spending a UTXO of
 * the key at index 0. Also where the signer binary is.
 */
#ifndef COFFER_TESTS_DAEMON_WALLET_UTIL_H
#define COFFER_TESTS_DAEMON_WALLET_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/tx.h"
#include "common/buf.h"

#define TEST_MNEMONIC "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

/* The signer binary: the build's (COFFER_SIGNER_BIN), or $COFFER_SIGNER_BIN; NULL when neither. */
static inline const char *
test_signer_bin(void)
{
	const char *env = getenv("COFFER_SIGNER_BIN");

	if (env != NULL && env[0] != '\0')
		return env;
#ifdef COFFER_SIGNER_BIN
	return COFFER_SIGNER_BIN;
#else
	return NULL;
#endif
}

struct test_keys {
	uint8_t seed[64];
	uint8_t fp[4];
	uint8_t master_priv[32];
	uint8_t account_priv[2][32];	/* m/84'/1'/0', m/86'/1'/0' */
	uint8_t wpkh_priv[32], wpkh_pub[33];	/* m/84'/1'/0'/0/index */
	uint8_t tr_priv[32], tr_pub[33];	/* m/86'/1'/0'/0/index */
	char wpkh_addr[ADDR_BUFSIZE], tr_addr[ADDR_BUFSIZE];
};

static inline int
test_keys_derive(struct test_keys *k, const char *mnemonic, uint32_t index)
{
	uint32_t p84[5] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, index };
	uint32_t p86[5] = { 86 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED, 0, index };
	struct bip32_key *m = bip32_key_new(), *c = bip32_key_new();
	uint8_t xonly[32];
	int r;

	memset(k, 0, sizeof(*k));
	if (m == NULL || c == NULL) {
		r = -1;
		goto out;
	}
	if ((r = bip39_mnemonic_to_seed(k->seed, mnemonic, "")) != 0 ||
	    (r = bip32_master_from_seed(m, k->seed, 64, BTC_REGTEST)) != 0)
		goto out;
	bip32_fingerprint(k->fp, m);
	memcpy(k->master_priv, m->priv, 32);
	if ((r = bip32_derive_path(c, m, p84, 3)) != 0)
		goto out;
	memcpy(k->account_priv[0], c->priv, 32);
	if ((r = bip32_derive_path(c, m, p86, 3)) != 0)
		goto out;
	memcpy(k->account_priv[1], c->priv, 32);
	if ((r = bip32_derive_path(c, m, p84, 5)) != 0)
		goto out;
	memcpy(k->wpkh_priv, c->priv, 32);
	memcpy(k->wpkh_pub, c->pub, 33);
	if ((r = bip32_derive_path(c, m, p86, 5)) != 0)
		goto out;
	memcpy(k->tr_priv, c->priv, 32);
	memcpy(k->tr_pub, c->pub, 33);
	if ((r = addr_from_pubkey(k->wpkh_addr, ADDR_P2WPKH, k->wpkh_pub, BTC_REGTEST)) != 0 ||
	    (r = keys_taproot_output_key(xonly, NULL, k->tr_pub + 1, NULL)) != 0)
		goto out;
	{
		struct cbuf spk;

		cbuf_init(&spk, 64);
		if ((r = script_p2tr(&spk, xonly)) == 0)
			r = addr_encode(k->tr_addr, spk.p, spk.len, BTC_REGTEST);
		cbuf_free(&spk);
	}
out:
	bip32_key_free(m);
	bip32_key_free(c);
	return r;
}

/*
 * A v0 PSBT spending `value` sat from our wpkh key at index 0 (outpoint 11..11:0),
 * paying value - 1000 to a foreign P2WPKH. Out: out (binary PSBT appended).
 */
static inline int
test_make_psbt(struct cbuf *out, const struct test_keys *k, int64_t value)
{
	uint8_t txid[32], h[20], foreign_pub[33], foreign_priv[32];
	struct psbt_origin o;
	struct cbuf spk;
	struct psbt p;
	struct tx tx;
	int r;

	tx_init(&tx);
	psbt_init(&p);
	cbuf_init(&spk, 64);
	memset(foreign_priv, 0x5a, 32);
	if ((r = keys_pubkey_from_privkey(foreign_pub, foreign_priv)) != 0)
		goto out;
	tx.version = 2;
	memset(txid, 0x11, 32);
	hash160(h, foreign_pub, 33);
	if ((r = tx_add_input(&tx, txid, 0, 0xfffffffd)) != 0 || (r = script_p2wpkh(&spk, h)) != 0 ||
	    (r = tx_add_output(&tx, value - 1000, spk.p, spk.len)) != 0 || (r = psbt_create(&p, &tx)) != 0)
		goto out;
	cbuf_reset(&spk);
	hash160(h, k->wpkh_pub, 33);
	memset(&o, 0, sizeof(o));
	memcpy(o.fingerprint, k->fp, 4);
	o.path[0] = 84 | BIP32_HARDENED;
	o.path[1] = 1 | BIP32_HARDENED;
	o.path[2] = BIP32_HARDENED;
	o.path[3] = 0;
	o.path[4] = 0;
	o.depth = 5;
	if ((r = script_p2wpkh(&spk, h)) != 0 ||
	    (r = psbt_update_input_witness_utxo(&p, 0, value, spk.p, spk.len)) != 0 ||
	    (r = psbt_update_derivation(&p, PSBT_MAP_INPUT, 0, k->wpkh_pub, 33, &o)) != 0)
		goto out;
	r = psbt_serialize(out, &p);
out:
	cbuf_free(&spk);
	psbt_free(&p);
	tx_free(&tx);
	return r;
}

#endif
