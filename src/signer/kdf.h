/*
 * Key derivations of the signer (SIGNER.md, "Key derivations").
 *
 * HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF "HKDF". Every key the
 * signer derives from the wallet's 64-byte BIP39 seed uses salt "coffer" and
 * its own purpose label as HKDF info, so no two uses share a key:
 *   storage key   info "coffer/v1/storage-key"  32 bytes (daemon database key)
 *   state key     info "coffer/v1/state"        32 bytes (sealed state file)
 *   identity key  info "coffer/v1/identity"     32 bytes (secp256k1 secret key)
 * The labels are part of the on-disk and wire contract: never change them.
 */
#ifndef COFFER_SIGNER_KDF_H
#define COFFER_SIGNER_KDF_H

#include <stddef.h>
#include <stdint.h>

#define KDF_KEY_LEN 32
#define KDF_SEED_LEN 64
/* HKDF-SHA256 can expand to at most 255 blocks of 32 bytes. */
#define KDF_HKDF_MAX_OUT (255 * 32)

#define KDF_SALT "coffer"
#define KDF_INFO_STORAGE "coffer/v1/storage-key"
#define KDF_INFO_STATE "coffer/v1/state"
#define KDF_INFO_IDENTITY "coffer/v1/identity"

/*
 * HKDF-SHA256 extract-and-expand (RFC 5869).
 * Returns 0; COFFER_ERR_INVALID_ARG (outlen 0 or over KDF_HKDF_MAX_OUT, or a
 *   NULL pointer with a nonzero length); COFFER_ERR_CRYPTO. On failure out is wiped.
 * Out:  out[outlen] (secret).
 * In:   ikm[ikmlen] (secret); salt[saltlen] (may be empty: RFC 5869 then uses
 *       32 zero bytes); info[infolen] (may be empty).
 */
int kdf_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const uint8_t *salt, size_t saltlen, const uint8_t *info, size_t infolen);

/*
 * HKDF-SHA256 of the seed with salt KDF_SALT and a purpose label as info.
 * Returns 0 or the errors of kdf_hkdf_sha256. On failure out is wiped.
 * Out:  out[32] (secret).
 * In:   seed[64]: the BIP39 seed (secret); label: NUL-terminated purpose label.
 */
int kdf_seed_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN], const char *label);

/* The daemon's storage (database) key: kdf_seed_key with KDF_INFO_STORAGE. */
int kdf_storage_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN]);

/* The sealed state file's key: kdf_seed_key with KDF_INFO_STATE. */
int kdf_state_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN]);

/*
 * The signer's identity secret key: kdf_seed_key with KDF_INFO_IDENTITY,
 * checked to be a valid secp256k1 secret key.
 * Returns 0; COFFER_ERR_DERIVATION (the output is zero or >= the group order,
 *   probability about 2^-128); errors of kdf_hkdf_sha256. On failure out is wiped.
 * Out:  out[32] (secret).
 * In:   seed[64] (secret).
 */
int kdf_identity_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN]);

#endif
