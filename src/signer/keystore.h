/*
 * The signer's keystore: <datadir>/signer/keystore.
 *
 * It holds the wallet's BIP39 entropy and optional BIP39 passphrase,
 * encrypted with XChaCha20-Poly1305 under a key that Argon2id derives from
 * the user's passphrase. The whole header (magic, version, Argon2id
 * parameters, salt, nonce, key check value, header checksum) is the AEAD's
 * associated data. The format is in docs/KEYSTORE.md.
 *
 * Every failure is specific (wrong passphrase, tampered, truncated, foreign
 * file, unsupported version, out-of-bounds parameters) and none of them
 * touches the disk; writes are atomic (fileio.h).
 *
 * The user's passphrase is taken as bytes with a length (1..KS_PASSPHRASE_MAX
 * bytes of UTF-8, no NUL), normalised to Unicode NFKD in locked memory, used,
 * and wiped; it is never stored or logged. The caller wipes its own copy.
 *
 * One process writes a signer directory at a time (fileio_lock).
 */
#ifndef COFFER_SIGNER_KEYSTORE_H
#define COFFER_SIGNER_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

/* File name of the keystore inside the signer directory. */
#define KS_FILE "keystore"

#define KS_PASSPHRASE_MAX 1024	/* user passphrase, bytes of UTF-8 */
#define KS_BIP39_PASS_MAX 256	/* BIP39 passphrase ("25th word"), bytes of UTF-8 */
#define KS_ENTROPY_MAX 32

/* Argon2id cost. Memory is in KiB so that a u32 cannot name more than 4 TiB. */
struct ks_kdf_params {
	uint32_t opslimit;	/* passes over memory */
	uint32_t memlimit_kib;	/* memory in KiB */
};

/*
 * Defaults: 3 passes over 256 MiB (libsodium's "moderate"), 0.48 s of CPU on
 * the reference machine (docs/KEYSTORE.md has the measurement and
 * bench/bench_keystore.c repeats it).
 */
#define KS_KDF_DEFAULT_OPSLIMIT 3u
#define KS_KDF_DEFAULT_MEMLIMIT_KIB (256u * 1024u)
/*
 * Bounds that any keystore, ours or a hostile one, must respect: a crafted
 * header cannot make the signer allocate more than 1 GiB or spend more than
 * about 4 GiB-passes (some seconds) of Argon2id work.
 */
#define KS_KDF_OPSLIMIT_MIN 1u
#define KS_KDF_OPSLIMIT_MAX 32u
#define KS_KDF_MEMLIMIT_KIB_MIN 8u		/* libsodium's minimum, 8 KiB */
#define KS_KDF_MEMLIMIT_KIB_MAX (1024u * 1024u)	/* 1 GiB */
#define KS_KDF_WORK_KIB_MAX (4u * 1024u * 1024u)	/* opslimit * memlimit_kib */

/*
 * An unlocked wallet secret, always in guarded locked memory (ks_secret_new);
 * freed and wiped with ks_secret_free.
 */
struct ks_secret {
	uint8_t entropy[KS_ENTROPY_MAX];	/* BIP39 entropy, entropy_len bytes used */
	size_t entropy_len;			/* 16, 20, 24, 28 or 32 */
	char bip39_pass[KS_BIP39_PASS_MAX + 1];	/* NUL-terminated, "" when none */
	uint8_t seed[64];			/* BIP39 seed of entropy + bip39_pass */
};

/* What ks_status can say without the passphrase. */
struct ks_status {
	int exists;			/* 1 when <dir>/keystore exists */
	uint16_t version;		/* format version (when it parses) */
	struct ks_kdf_params kdf;	/* its Argon2id parameters (when it parses) */
};

/* The default Argon2id parameters. */
void ks_kdf_default(struct ks_kdf_params *out);

/*
 * Check Argon2id parameters against the bounds above.
 * Returns 0 or COFFER_ERR_KS_KDF_PARAMS.
 */
int ks_kdf_check(const struct ks_kdf_params *p);

/*
 * A zeroed ks_secret in guarded locked memory.
 * Returns 0 or COFFER_ERR_NOMEM (*out NULL).
 */
int ks_secret_new(struct ks_secret **out);

/* Wipe and free a ks_secret; NULL is allowed. */
void ks_secret_free(struct ks_secret *s);

/*
 * The English BIP39 mnemonic of a secret's entropy.
 * Returns 0 or the errors of bip39_mnemonic_from_entropy; out wiped to "" on failure.
 * Out:  out[outsize]: NUL-terminated mnemonic (secret; BIP39_MNEMONIC_BUFSIZE suffices).
 * In:   s: an unlocked secret.
 */
int ks_secret_mnemonic(char *out, size_t outsize, const struct ks_secret *s);

/*
 * Does the signer directory hold a keystore, and with which parameters?
 * Reads and parses the header (no passphrase, no Argon2id).
 * Returns 0 (also when there is no keystore: out->exists is 0);
 *   COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO; or the parse errors of
 *   ks_file_parse (out->exists is then 1).
 * Out:  out: cleared on entry.
 * In:   dir: the signer directory (<datadir>/signer).
 */
int ks_status(struct ks_status *out, const char *dir);

/*
 * Create a keystore around fresh entropy from the OS CSPRNG.
 * The caller shows the mnemonic (ks_secret_mnemonic) to the user exactly
 * once and then frees the secret. The directory is created (0700) if needed.
 * Returns 0; COFFER_ERR_KS_EXISTS (nothing written); COFFER_ERR_KS_BAD_PASSPHRASE;
 *   COFFER_ERR_MNEMONIC_LENGTH (words); COFFER_ERR_TOO_LARGE or
 *   COFFER_ERR_BAD_STRING (bip39_pass over KS_BIP39_PASS_MAX bytes or not
 *   UTF-8); COFFER_ERR_KS_KDF_PARAMS; COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO;
 *   COFFER_ERR_NOMEM; COFFER_ERR_CRYPTO. On failure *out is NULL.
 * Out:  out: the new secret (entropy, bip39 passphrase, seed).
 * In:   dir: the signer directory; pass[passlen]: the user's passphrase;
 *       words: 12, 15, 18, 21 or 24; bip39_pass: NUL-terminated or NULL for
 *       none; kdf: Argon2id parameters or NULL for the defaults.
 */
int ks_create(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen,
    unsigned words, const char *bip39_pass, const struct ks_kdf_params *kdf);

/*
 * Create a keystore from an existing English mnemonic (validated: words and
 * checksum). Same as ks_create otherwise.
 * Returns 0; COFFER_ERR_BAD_MNEMONIC, COFFER_ERR_MNEMONIC_CHECKSUM,
 *   COFFER_ERR_MNEMONIC_LENGTH; and the errors of ks_create.
 * Out:  out: the secret.
 * In:   dir; pass[passlen]; mnemonic: NUL-terminated, words separated by
 *       single spaces, lower case; bip39_pass (or NULL); kdf (or NULL).
 */
int ks_restore(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen,
    const char *mnemonic, const char *bip39_pass, const struct ks_kdf_params *kdf);

/*
 * Decrypt the keystore with the user's passphrase. Never writes.
 * Per-signature unlock is the same call: unlock, use, ks_secret_free.
 * Returns 0; COFFER_ERR_KS_MISSING; COFFER_ERR_KS_WRONG_PASSPHRASE;
 *   COFFER_ERR_KS_BAD_PASSPHRASE; COFFER_ERR_KS_TAMPERED; COFFER_ERR_KS_MALFORMED;
 *   the parse errors of ks_file_parse; COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO;
 *   COFFER_ERR_NOMEM; COFFER_ERR_CRYPTO. On failure *out is NULL.
 * Out:  out: the secret, seed computed.
 * In:   dir; pass[passlen].
 */
int ks_unlock(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen);

/*
 * Re-encrypt the keystore under a new passphrase (new salt and nonce), atomically.
 * Returns 0; the errors of ks_unlock for the old passphrase (nothing written);
 *   COFFER_ERR_KS_BAD_PASSPHRASE for the new one; COFFER_ERR_KS_KDF_PARAMS.
 * In:   dir; oldpass[oldlen]; newpass[newlen]; kdf: new parameters, or NULL
 *       to keep the file's.
 */
int ks_change_passphrase(const char *dir, const uint8_t *oldpass, size_t oldlen,
    const uint8_t *newpass, size_t newlen, const struct ks_kdf_params *kdf);

/*
 * The on-disk format (keystore_format.c). Version 1, all integers little endian:
 *   off   size  field
 *     0     8   magic "COFFERKS"
 *     8     2   version (1)
 *    10     2   flags (0)
 *    12     1   kdf algorithm (1 = Argon2id v1.3)
 *    13     3   reserved (0)
 *    16     4   Argon2id opslimit
 *    20     4   Argon2id memlimit in KiB
 *    24    16   Argon2id salt
 *    40    24   XChaCha20-Poly1305 nonce
 *    64    32   key check value
 *    96    16   header checksum: SHA-256(bytes 0..95), first 16 bytes
 *   112   307   ciphertext of the 291-byte payload + 16-byte tag; AD = bytes 0..111
 */
#define KS_MAGIC "COFFERKS"
#define KS_MAGIC_LEN 8
#define KS_VERSION 1
#define KS_KDF_ARGON2ID13 1
#define KS_SALT_LEN 16
#define KS_NONCE_LEN 24
#define KS_KCV_LEN 32
#define KS_CHECK_LEN 16
#define KS_HEADER_LEN 112
#define KS_PAYLOAD_LEN (1 + KS_ENTROPY_MAX + 2 + KS_BIP39_PASS_MAX)
#define KS_TAG_LEN 16
#define KS_FILE_LEN (KS_HEADER_LEN + KS_PAYLOAD_LEN + KS_TAG_LEN)

struct ks_header {
	uint16_t version;
	struct ks_kdf_params kdf;
	uint8_t salt[KS_SALT_LEN];
	uint8_t nonce[KS_NONCE_LEN];
	uint8_t kcv[KS_KCV_LEN];
};

/*
 * Parse a keystore file's bytes (hostile input): header fields, checksum,
 * bounds and length. No cryptography beyond the checksum.
 * Returns 0; COFFER_ERR_KS_TRUNCATED (shorter than the format, including any
 *   proper prefix of the magic); COFFER_ERR_KS_FOREIGN (bad magic);
 *   COFFER_ERR_KS_VERSION; COFFER_ERR_KS_TAMPERED (header checksum);
 *   COFFER_ERR_KS_MALFORMED (flags or reserved bytes set, trailing bytes);
 *   COFFER_ERR_KS_KDF_PARAMS (unknown algorithm or parameters out of bounds).
 *   On failure *out is zeroed and *ct NULL.
 * Out:  out: the header; ct: points into file at the ciphertext
 *       (KS_PAYLOAD_LEN + KS_TAG_LEN bytes).
 * In:   file[len].
 */
int ks_file_parse(struct ks_header *out, const uint8_t **ct, const uint8_t *file, size_t len);

/*
 * Write a header's KS_HEADER_LEN bytes (with its checksum) into out.
 * Returns 0 or COFFER_ERR_KS_KDF_PARAMS (the parameters are checked).
 */
int ks_header_encode(uint8_t out[KS_HEADER_LEN], const struct ks_header *h);

#endif
