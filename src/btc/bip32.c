/* BIP32 extended keys; see bip32.h. (Work in progress: stubs until implemented.) */
#include "btc/bip32.h"

#include <string.h>

#include "common/err.h"
#include "common/secmem.h"

struct bip32_key *
bip32_key_new(void)
{
	return NULL;
}

void
bip32_key_free(struct bip32_key *k)
{
	(void)k;
}

void
bip32_key_wipe(struct bip32_key *k)
{
	(void)k;
}

int
bip32_master_from_seed(struct bip32_key *out, const uint8_t *seed, size_t seedlen, enum btc_network net)
{
	(void)out;
	(void)seed;
	(void)seedlen;
	(void)net;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_derive_child(struct bip32_key *out, const struct bip32_key *parent, uint32_t index)
{
	(void)out;
	(void)parent;
	(void)index;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_derive_path(struct bip32_key *out, const struct bip32_key *parent, const uint32_t *path, size_t n)
{
	(void)out;
	(void)parent;
	(void)path;
	(void)n;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_derive_pubkey(uint8_t pub[33], const struct bip32_key *parent, uint32_t index)
{
	(void)pub;
	(void)parent;
	(void)index;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_neuter(struct bip32_key *out, const struct bip32_key *in)
{
	(void)out;
	(void)in;
	return COFFER_ERR_UNSUPPORTED;
}

void
bip32_fingerprint(uint8_t fp[4], const struct bip32_key *k)
{
	(void)fp;
	(void)k;
}

int
bip32_key_parse(struct bip32_key *out, const char *s)
{
	(void)out;
	(void)s;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_key_decode(struct bip32_key *out, const uint8_t *p, size_t n)
{
	(void)out;
	(void)p;
	(void)n;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_key_check_network(const struct bip32_key *k, enum btc_network net)
{
	(void)k;
	(void)net;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_xpub_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k)
{
	(void)out;
	(void)k;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_xprv_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k)
{
	(void)out;
	(void)k;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_key_encode(uint8_t out[BIP32_SERIALIZED_LEN], const struct bip32_key *k, int want_priv)
{
	(void)out;
	(void)k;
	(void)want_priv;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_path_parse(uint32_t *path, size_t pathmax, size_t *n, const char *s)
{
	(void)path;
	(void)pathmax;
	(void)n;
	(void)s;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_path_parse_step(uint32_t *out, const char *s, size_t len)
{
	(void)out;
	(void)s;
	(void)len;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_path_format(char *out, size_t outsize, const uint32_t *path, size_t n, char hmark)
{
	(void)out;
	(void)outsize;
	(void)path;
	(void)n;
	(void)hmark;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip32_account_path(uint32_t path[3], uint32_t purpose, enum btc_network net, uint32_t account)
{
	(void)path;
	(void)purpose;
	(void)net;
	(void)account;
	return COFFER_ERR_UNSUPPORTED;
}
