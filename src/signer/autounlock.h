/*
 * Unattended unlock: the keystore passphrase, kept in <dir>/autounlock so
 * that only this platform can read it back (seal.h backends: tpm2, sev-snp).
 *
 * The passphrase is encrypted (XChaCha20-Poly1305) under a random 32-byte key
 * K, and K is sealed by the backend; so any passphrase length works with
 * backends that seal at most SEAL_SECRET_MAX bytes. At start the signer opens
 * the file: K unseals only on the same platform state (same TPM and PCRs; same
 * SNP measurement and policy), then the passphrase unlocks the keystore as a
 * typed one would (Argon2id included). When anything fails the signer stays
 * locked, waits for a typed passphrase, and reports why (autounlock_open's why).
 *
 * File: "COFFAUTO" | u8 version 1 | u8 n | backend name (n bytes) |
 *   u32 m | sealed blob (m bytes) | u8[24] nonce | u32 c | ciphertext (c bytes),
 *   integers little endian; AD of the ciphertext: every byte before it.
 */
#ifndef COFFER_SIGNER_AUTOUNLOCK_H
#define COFFER_SIGNER_AUTOUNLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "signer/seal.h"

#define AUTOUNLOCK_FILE "autounlock"
#define AUTOUNLOCK_PASS_MAX 1024	/* = KS_PASSPHRASE_MAX */

/*
 * Seal pass[passlen] with backend b into dir/autounlock (atomic, replaces any).
 * Returns 0, COFFER_ERR_INVALID_ARG (passlen 0 or over AUTOUNLOCK_PASS_MAX),
 *   the backend's seal errors, fileio's errors.
 */
int autounlock_enroll(const char *dir, const struct seal_backend *b, const uint8_t *pass, size_t passlen);

/*
 * Read the passphrase back.
 * Returns 0; COFFER_ERR_NOT_FOUND (no file: auto-unlock not enrolled);
 *   COFFER_ERR_SEAL_FOREIGN (malformed, or sealed by another backend);
 *   COFFER_ERR_SEAL_MISMATCH (this platform state does not open it, or tampered);
 *   COFFER_ERR_UNSUPPORTED (the backend's device is absent); backend errors.
 * Out: pass[passsize] (secret; wiped on failure), *passlen; why[whylen]: a
 *   sentence for the operator on failure ("" on success).
 */
int autounlock_open(uint8_t *pass, size_t passsize, size_t *passlen, char *why, size_t whylen, const char *dir,
    const struct seal_backend *b);

/* The same, over the file's bytes (hostile input; for the fuzzer and tests). */
int autounlock_open_bytes(uint8_t *pass, size_t passsize, size_t *passlen, char *why, size_t whylen,
    const uint8_t *file, size_t filelen, const struct seal_backend *b);

#endif
