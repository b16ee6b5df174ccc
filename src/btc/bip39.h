/*
 * BIP39 mnemonic sentences (English wordlist) and mnemonic -> seed.
 *
 * Entropy of 16, 20, 24, 28 or 32 bytes maps to 12, 15, 18, 21 or 24 words.
 * Mnemonics, entropy, passphrases and seeds are secrets: pass buffers from
 * secmem_alloc (or wipe them); every internal copy is wiped before return.
 * Seed derivation normalises mnemonic and passphrase to Unicode NFKD (via
 * libunistring) and works for any language's mnemonic; word and checksum
 * validation (bip39_mnemonic_check, bip39_mnemonic_to_entropy) knows the
 * English list only.
 */
#ifndef COFFER_BTC_BIP39_H
#define COFFER_BTC_BIP39_H

#include <stddef.h>
#include <stdint.h>

/* Longest English mnemonic: 24 words of at most 8 letters, 23 spaces, NUL. */
#define BIP39_MNEMONIC_BUFSIZE (24 * 9)
/* Longest mnemonic or passphrase accepted for seed derivation (bytes of UTF-8). */
#define BIP39_MAX_INPUT 1024
#define BIP39_SEED_LEN 64
#define BIP39_WORDS 2048

/*
 * Mnemonic for the given entropy (words separated by one ASCII space).
 * Returns 0; COFFER_ERR_BAD_ENTROPY (n not 16..32 in steps of 4);
 *   COFFER_ERR_TOO_LARGE (outsize too small; BIP39_MNEMONIC_BUFSIZE always
 *   suffices). On failure out is wiped to "".
 * Out:  out[outsize]: NUL-terminated mnemonic (secret).
 * In:   entropy[n] (secret).
 */
int bip39_mnemonic_from_entropy(char *out, size_t outsize, const uint8_t *entropy, size_t n);

/*
 * Fresh mnemonic from the OS CSPRNG (secure_random).
 * Returns 0; COFFER_ERR_MNEMONIC_LENGTH (words not 12, 15, 18, 21 or 24);
 *   COFFER_ERR_TOO_LARGE (outsize). On failure out is wiped to "".
 * Out:  out[outsize]: NUL-terminated mnemonic (secret).
 * In:   words: number of words.
 */
int bip39_mnemonic_generate(char *out, size_t outsize, unsigned words);

/*
 * Recover the entropy of an English mnemonic, checking every word and the checksum.
 * Words are separated by single ASCII spaces, all lower case, no leading or
 * trailing space (what bip39_mnemonic_from_entropy produces).
 * Returns 0; COFFER_ERR_MNEMONIC_LENGTH (word count not 12..24 step 3);
 *   COFFER_ERR_BAD_MNEMONIC (a word not in the list, or bad separators / over-long input);
 *   COFFER_ERR_MNEMONIC_CHECKSUM; COFFER_ERR_TOO_LARGE (outsize < entropy
 *   length; 32 always suffices). On failure out is wiped and *outlen is 0.
 * Out:  out[outsize] (secret), *outlen: 16..32.
 * In:   mnemonic: NUL-terminated.
 */
int bip39_mnemonic_to_entropy(uint8_t *out, size_t outsize, size_t *outlen, const char *mnemonic);

/*
 * Validate an English mnemonic (bip39_mnemonic_to_entropy without the output).
 * Returns 0 or the errors of bip39_mnemonic_to_entropy.
 */
int bip39_mnemonic_check(const char *mnemonic);

/*
 * BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" || NFKD(passphrase), 2048).
 * The mnemonic is NOT validated (BIP39 defines the seed for any sentence; call
 * bip39_mnemonic_check first when the words must be English and checksummed).
 * Returns 0; COFFER_ERR_BAD_STRING (not valid UTF-8); COFFER_ERR_TOO_LARGE
 *   (either input over BIP39_MAX_INPUT bytes); COFFER_ERR_NOMEM;
 *   COFFER_ERR_CRYPTO. On failure seed is wiped.
 * Out:  seed[64] (secret).
 * In:   mnemonic: NUL-terminated UTF-8; passphrase: NUL-terminated UTF-8 or NULL for "".
 */
int bip39_mnemonic_to_seed(uint8_t seed[BIP39_SEED_LEN], const char *mnemonic, const char *passphrase);

/*
 * The i-th English word (0 <= i < 2048), or NULL when i is out of range.
 */
const char *bip39_word(unsigned i);

/*
 * Index of an English word given as len bytes (no NUL needed).
 * Returns 0..2047, or -1 when it is not in the list. Variable time in the
 * word (binary search): fine for user-entered words, not for hiding which.
 */
int bip39_word_index_var(const char *word, size_t len);

#endif
