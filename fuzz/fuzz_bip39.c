/*
 * Fuzz BIP39 mnemonic parsing and NFKD seed derivation. A mnemonic that
 * validates must be regenerated exactly from its entropy. Seed derivation
 * (2048 PBKDF2 rounds, slow) runs on a fraction of inputs to cover the UTF-8
 * and NFKD paths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/bip39.h"
#include "common/err.h"
#include "common/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (BIP39_MAX_INPUT + 16)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[MAX_INPUT + 1];
	char m[BIP39_MNEMONIC_BUFSIZE];
	uint8_t ent[32], seed[BIP39_SEED_LEN];
	size_t n;
	int r;

	if (size > MAX_INPUT)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = bip39_mnemonic_to_entropy(ent, sizeof(ent), &n, s);
	if (r == 0) {
		if (bip39_mnemonic_from_entropy(m, sizeof(m), ent, n) != 0 || strcmp(m, s) != 0)
			abort();
		if (bip39_mnemonic_check(s) != 0)
			abort();
	} else if (r != COFFER_ERR_BAD_MNEMONIC && r != COFFER_ERR_MNEMONIC_LENGTH &&
	    r != COFFER_ERR_MNEMONIC_CHECKSUM) {
		abort();
	}
	/* Entropy -> mnemonic -> entropy for entropy-sized inputs. */
	if (size >= 16 && size <= 32 && size % 4 == 0) {
		uint8_t back[32];

		if (bip39_mnemonic_from_entropy(m, sizeof(m), data, size) != 0 ||
		    bip39_mnemonic_to_entropy(back, sizeof(back), &n, m) != 0 || n != size ||
		    memcmp(back, data, size) != 0)
			abort();
		secure_wipe(back, sizeof(back));
	}
	if (size > 0 && data[0] == 0) {	/* 1 in 256 random inputs */
		/* Split at the first NUL-free half: mnemonic and passphrase. */
		size_t half = size / 2;
		char *pass = s + half + (half < size ? 1 : 0);

		s[half] = '\0';
		r = bip39_mnemonic_to_seed(seed, s, pass);
		if (r != 0 && r != COFFER_ERR_BAD_STRING && r != COFFER_ERR_TOO_LARGE)
			abort();
	}
	secure_wipe(m, sizeof(m));
	secure_wipe(ent, sizeof(ent));
	secure_wipe(seed, sizeof(seed));
	secure_wipe(s, sizeof(s));
	return 0;
}
