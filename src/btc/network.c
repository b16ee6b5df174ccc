/* Network parameter table; see network.h. */
#include "btc/network.h"

#include <string.h>

#include "common/err.h"

static const struct btc_netparams netparams[BTC_NETWORK_COUNT] = {
	{ BTC_MAINNET, "bitcoin", "bc", 0x00, 0x05, 0x80, 0x0488B21E, 0x0488ADE4, 0 },
	{ BTC_TESTNET, "testnet", "tb", 0x6f, 0xc4, 0xef, 0x043587CF, 0x04358394, 1 },
	{ BTC_TESTNET4, "testnet4", "tb", 0x6f, 0xc4, 0xef, 0x043587CF, 0x04358394, 1 },
	{ BTC_SIGNET, "signet", "tb", 0x6f, 0xc4, 0xef, 0x043587CF, 0x04358394, 1 },
	{ BTC_REGTEST, "regtest", "bcrt", 0x6f, 0xc4, 0xef, 0x043587CF, 0x04358394, 1 },
};

const struct btc_netparams *
btc_network_params(enum btc_network net)
{
	if ((unsigned)net >= BTC_NETWORK_COUNT)
		return &netparams[BTC_SIGNET];
	return &netparams[net];
}

int
btc_network_parse(enum btc_network *out, const char *name)
{
	static const struct {
		const char *name;
		enum btc_network net;
	} names[] = {
		{ "bitcoin", BTC_MAINNET }, { "mainnet", BTC_MAINNET }, { "main", BTC_MAINNET },
		{ "testnet", BTC_TESTNET }, { "test", BTC_TESTNET }, { "testnet3", BTC_TESTNET },
		{ "testnet4", BTC_TESTNET4 }, { "signet", BTC_SIGNET }, { "regtest", BTC_REGTEST },
	};
	size_t i;

	*out = BTC_SIGNET;
	if (name == NULL)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].net;
			return 0;
		}
	}
	return COFFER_ERR_INVALID_ARG;
}

int
btc_network_same_encoding(enum btc_network a, enum btc_network b)
{
	const struct btc_netparams *pa = btc_network_params(a), *pb = btc_network_params(b);

	return strcmp(pa->hrp, pb->hrp) == 0 && pa->p2pkh == pb->p2pkh;
}
