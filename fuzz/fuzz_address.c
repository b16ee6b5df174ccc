/*
 * Fuzz address, bech32, base58 and WIF parsing. Whatever parses must
 * serialise back to the same string (lower-cased for bech32) and re-parse to
 * the same bytes; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/base58.h"
#include "btc/bech32.h"
#include "btc/keys.h"
#include "common/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 400

static void
check_address(const char *s, enum btc_network net)
{
	uint8_t spk[ADDR_MAX_SPK], spk2[ADDR_MAX_SPK];
	char out[ADDR_BUFSIZE];
	enum addr_type t;
	size_t n, n2, i;

	if (addr_decode(spk, &n, &t, s, net) != 0) {
		if (n != 0 || t != ADDR_UNKNOWN)
			abort();	/* outputs must be cleared on failure */
		return;
	}
	if (t == ADDR_UNKNOWN || addr_classify(spk, n) != t)
		abort();
	if (addr_encode(out, spk, n, net) != 0)
		abort();
	/* Same string up to case (bech32 may come in upper case). */
	if (strlen(out) != strlen(s))
		abort();
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (t != ADDR_P2PKH && t != ADDR_P2SH && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != out[i])
			abort();
	}
	if (addr_decode(spk2, &n2, NULL, out, net) != 0 || n2 != n || memcmp(spk, spk2, n) != 0)
		abort();
}

static void
check_bech32(const char *s)
{
	char hrp[BECH32_MAX_HRP + 1], out[BECH32_MAX_LEN + 1];
	uint8_t d[BECH32_MAX_DATA];
	enum bech32_encoding enc;
	size_t n, i;

	if (bech32_decode(hrp, sizeof(hrp), d, sizeof(d), &n, &enc, s) != 0)
		return;
	if (bech32_encode(out, sizeof(out), hrp, d, n, enc) != 0)
		abort();
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];

		if (c != out[i])
			abort();
	}
	if (out[i] != '\0')
		abort();
}

static void
check_base58(const char *s)
{
	uint8_t raw[B58_MAX_DECODED], key[32];
	char out[B58_MAX_STRING + 1], wif[KEYS_WIF_BUFSIZE];
	size_t n;
	int comp, net;

	if (b58_decode(raw, sizeof(raw), &n, s) == 0) {
		if (b58_encode(out, sizeof(out), raw, n) != 0 || strcmp(out, s) != 0)
			abort();
	}
	if (b58check_decode(raw, sizeof(raw), &n, s) == 0) {
		if (b58check_encode(out, sizeof(out), raw, n) != 0 || strcmp(out, s) != 0)
			abort();
	}
	for (net = 0; net < BTC_NETWORK_COUNT; net++) {
		if (keys_wif_decode(key, &comp, s, (enum btc_network)net) != 0)
			continue;
		if (keys_wif_encode(wif, key, comp, (enum btc_network)net) != 0 || strcmp(wif, s) != 0)
			abort();
	}
	secure_wipe(key, sizeof(key));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[MAX_INPUT + 1];
	int net;

	if (size > MAX_INPUT)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';	/* an embedded NUL just ends the string early */
	for (net = 0; net < BTC_NETWORK_COUNT; net++)
		check_address(s, (enum btc_network)net);
	check_bech32(s);
	check_base58(s);
	return 0;
}
