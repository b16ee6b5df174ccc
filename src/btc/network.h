/* Bitcoin networks and their encoding parameters. */
#ifndef COFFER_BTC_NETWORK_H
#define COFFER_BTC_NETWORK_H

#include <stdint.h>

enum btc_network {
	BTC_MAINNET = 0,
	BTC_TESTNET,
	BTC_TESTNET4,
	BTC_SIGNET,
	BTC_REGTEST,
};
#define BTC_NETWORK_COUNT 5

struct btc_netparams {
	enum btc_network net;
	const char *name;	/* "bitcoin", "testnet", "testnet4", "signet", "regtest" */
	const char *hrp;	/* bech32 human-readable part */
	uint8_t p2pkh;		/* base58 version byte for P2PKH */
	uint8_t p2sh;		/* base58 version byte for P2SH */
	uint8_t wif;		/* WIF private key prefix */
	uint32_t xpub;		/* BIP32 public version bytes */
	uint32_t xprv;		/* BIP32 private version bytes */
	uint32_t coin_type;	/* BIP44 coin type: 0 mainnet, 1 every test network */
};

/* Parameters for a network (never NULL for a valid enum value). */
const struct btc_netparams *btc_network_params(enum btc_network net);
/*
 * Parse a network name: bitcoin|mainnet|main, testnet|test, testnet4, signet,
 * regtest. Returns 0 or COFFER_ERR_INVALID_ARG.
 */
int btc_network_parse(enum btc_network *out, const char *name);
/*
 * Whether two networks share every encoding (test networks and signet do:
 * their addresses and keys cannot be told apart).
 */
int btc_network_same_encoding(enum btc_network a, enum btc_network b);

#endif
