/* BIP39 mnemonics; see bip39.h. (Work in progress: stubs until implemented.) */
#include "btc/bip39.h"

#include <string.h>

#include "common/err.h"
#include "common/secmem.h"

int
bip39_mnemonic_from_entropy(char *out, size_t outsize, const uint8_t *entropy, size_t n)
{
	(void)entropy;
	(void)n;
	if (outsize > 0)
		out[0] = '\0';
	return COFFER_ERR_UNSUPPORTED;
}

int
bip39_mnemonic_generate(char *out, size_t outsize, unsigned words)
{
	(void)words;
	if (outsize > 0)
		out[0] = '\0';
	return COFFER_ERR_UNSUPPORTED;
}

int
bip39_mnemonic_to_entropy(uint8_t *out, size_t outsize, size_t *outlen, const char *mnemonic)
{
	(void)mnemonic;
	if (outsize > 0)
		secure_wipe(out, outsize);
	*outlen = 0;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip39_mnemonic_check(const char *mnemonic)
{
	(void)mnemonic;
	return COFFER_ERR_UNSUPPORTED;
}

int
bip39_mnemonic_to_seed(uint8_t seed[BIP39_SEED_LEN], const char *mnemonic, const char *passphrase)
{
	(void)mnemonic;
	(void)passphrase;
	secure_wipe(seed, BIP39_SEED_LEN);
	return COFFER_ERR_UNSUPPORTED;
}

const char *
bip39_word(unsigned i)
{
	(void)i;
	return NULL;
}

int
bip39_word_index_var(const char *word, size_t len)
{
	(void)word;
	(void)len;
	return -1;
}
