/*
 * Fuzz extended-key and derivation-path parsing. A key that parses must
 * serialise to the same string (and the same 78 bytes); a path that parses
 * must format and re-parse to the same steps. Anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/bip32.h"
#include "common/err.h"
#include "common/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 4096

static void
check_xkey_string(const char *s)
{
	struct bip32_key k, c;
	char out[BIP32_XKEY_BUFSIZE];
	uint8_t raw[BIP32_SERIALIZED_LEN];
	int r;

	if (bip32_key_parse(&k, s) != 0)
		return;
	r = k.has_priv ? bip32_xprv_encode(out, &k) : bip32_xpub_encode(out, &k);
	if (r != 0 || strcmp(out, s) != 0)
		abort();
	/* A valid key derives (or fails only for the documented reasons). */
	r = bip32_derive_child(&c, &k, k.has_priv ? BIP32_HARDENED : 7);
	if (r != 0 && r != COFFER_ERR_DEPTH && r != COFFER_ERR_DERIVATION)
		abort();
	if (bip32_key_encode(raw, &k, k.has_priv) != 0 || bip32_key_decode(&c, raw, sizeof(raw)) != 0 ||
	    memcmp(c.pub, k.pub, 33) != 0)
		abort();
	secure_wipe(out, sizeof(out));
	bip32_key_wipe(&k);
	bip32_key_wipe(&c);
}

static void
check_xkey_bytes(const uint8_t *p, size_t n)
{
	struct bip32_key k;
	uint8_t raw[BIP32_SERIALIZED_LEN];

	if (bip32_key_decode(&k, p, n) != 0)
		return;
	if (bip32_key_encode(raw, &k, k.has_priv) != 0)
		abort();
	/* Equal except the version bytes, which name the network we normalise to. */
	if (memcmp(raw + 4, p + 4, sizeof(raw) - 4) != 0)
		abort();
	bip32_key_wipe(&k);
}

static void
check_path(const char *s)
{
	uint32_t path[BIP32_MAX_DEPTH], again[BIP32_MAX_DEPTH];
	char out[BIP32_PATH_BUFSIZE];
	size_t n, n2;

	if (bip32_path_parse(path, BIP32_MAX_DEPTH, &n, s) != 0)
		return;
	if (bip32_path_format(out, sizeof(out), path, n, 'h') != 0)
		abort();
	if (bip32_path_parse(again, BIP32_MAX_DEPTH, &n2, out) != 0 || n2 != n ||
	    memcmp(path, again, n * sizeof(path[0])) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[MAX_INPUT + 1];

	if (size > MAX_INPUT)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_xkey_string(s);
	check_xkey_bytes(data, size);
	check_path(s);
	return 0;
}
