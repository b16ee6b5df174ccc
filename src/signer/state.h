/*
 * The signer's sealed state file: <datadir>/signer/state.
 *
 * It keeps what the signer must remember between runs and must not let the
 * host change: the policy and the 24-hour spend ledger (as one opaque blob)
 * and the head of the audit chain (hash and sequence number). It is sealed
 * with XChaCha20-Poly1305 under the state key (kdf_state_key: HKDF of the
 * seed), so the signer can rewrite it whenever it holds the seed, without the
 * passphrase. Writes are atomic and durable (fileio.h): state_save returns
 * only once the new state is on disk, so the ledger is charged before a
 * signature is released.
 *
 * Why a blob: the policy and ledger structures and their binary encoders
 * belong to policy.h (JUDGE). state.c stores their encoding as opaque bytes,
 * so either side can change without the other; the blob should begin with
 * its own version byte so its decoder can refuse what it does not know.
 *
 * Not covered: rolling the whole file back to an older copy (same key, valid
 * tag). The audit head helps detect that against audit.log; a monotonic
 * counter (TPM NV, TEE) would close it and belongs to the sealing backends.
 */
#ifndef COFFER_SIGNER_STATE_H
#define COFFER_SIGNER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define STATE_FILE "state"
#define STATE_KEY_LEN 32
#define STATE_AUDIT_HEAD_LEN 32
/* Largest policy+ledger blob (the ledger is at most 1024 x 16 bytes). */
#define STATE_BLOB_MAX (256u * 1024u)

/*
 * Format, version 1, little endian:
 *   off  size  field
 *     0    8   magic "COFFERST"
 *     8    2   version (1)
 *    10    2   flags (0)
 *    12    4   ciphertext length (plaintext + 16)
 *    16   16   key id: HKDF-SHA256(state key, "coffer", "coffer/v1/state/key-id"), 16 bytes
 *    32   24   XChaCha20-Poly1305 nonce
 *    56   16   header checksum: SHA-256(bytes 0..55), first 16 bytes
 *    72    n   ciphertext, AD = bytes 0..71, key HKDF-SHA256(state key, "coffer",
 *              "coffer/v1/state/aead"); plaintext:
 *              audit_head[32] | u64 audit_seq | u32 blob_len | blob[blob_len]
 */
#define STATE_MAGIC "COFFERST"
#define STATE_MAGIC_LEN 8
#define STATE_VERSION 1
#define STATE_KEYID_LEN 16
#define STATE_NONCE_LEN 24
#define STATE_CHECK_LEN 16
#define STATE_HEADER_LEN 72
#define STATE_TAG_LEN 16
#define STATE_PLAIN_FIXED (STATE_AUDIT_HEAD_LEN + 8 + 4)
#define STATE_FILE_MAX (STATE_HEADER_LEN + STATE_PLAIN_FIXED + STATE_BLOB_MAX + STATE_TAG_LEN)

/*
 * Seal and atomically write the state.
 * Returns 0; COFFER_ERR_TOO_LARGE (blob over STATE_BLOB_MAX); COFFER_ERR_INVALID_ARG;
 *   COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO (the old state is still in place);
 *   COFFER_ERR_NOMEM; COFFER_ERR_CRYPTO.
 * In:   dir: the signer directory; key[32]: the state key (kdf_state_key);
 *       blob[bloblen]: policy+ledger encoding (blob may be NULL when bloblen is 0);
 *       audit_head[32]: hash of the last audit record; audit_seq: its sequence number.
 */
int state_save(const char *dir, const uint8_t key[STATE_KEY_LEN], const uint8_t *blob, size_t bloblen,
    const uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t audit_seq);

/*
 * Read and open the state. Never writes.
 * Returns 0; COFFER_ERR_STATE_MISSING; COFFER_ERR_STATE_WRONG_KEY (sealed under
 *   another wallet's key); COFFER_ERR_STATE_TAMPERED; COFFER_ERR_STATE_TRUNCATED;
 *   COFFER_ERR_STATE_FOREIGN; COFFER_ERR_STATE_VERSION; COFFER_ERR_STATE_MALFORMED;
 *   COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO; COFFER_ERR_NOMEM.
 *   On failure blob is empty, audit_head zeroed and *audit_seq 0.
 * Out:  blob: the policy+ledger bytes, appended to a buffer the caller
 *       initialised (cbuf_init_secret is wise); audit_head[32]; audit_seq.
 * In:   dir; key[32]: the state key.
 */
int state_load(struct cbuf *blob, uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t *audit_seq,
    const char *dir, const uint8_t key[STATE_KEY_LEN]);

/*
 * Does dir hold a state file?
 * Returns 1, 0, or COFFER_ERR_IO.
 */
int state_exists(const char *dir);

/*
 * Open a state file's bytes (hostile input) in memory; what state_load does
 * after reading the file.
 * Returns and Out as state_load (blob appended).
 * In:   file[len]; key[32].
 */
int state_open(struct cbuf *blob, uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t *audit_seq,
    const uint8_t *file, size_t len, const uint8_t key[STATE_KEY_LEN]);

/*
 * Seal a state into file bytes in memory; what state_save writes.
 * Returns as state_save, without the file errors.
 * Out:  file: the sealed bytes, appended (initialised by the caller).
 * In:   as state_save.
 */
int state_seal(struct cbuf *file, const uint8_t key[STATE_KEY_LEN], const uint8_t *blob, size_t bloblen,
    const uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t audit_seq);

#endif
