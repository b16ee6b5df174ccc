/*
 * Platform-sealed automatic unlock: the interface.
 *
 * A sealing backend binds a secret to this machine or enclave (TPM 2.0 PCR
 * policy, SEV-SNP derived key, Nitro KMS with attestation), so the signer can
 * unlock at boot without a passphrase on exactly this platform. The keystore
 * would seal its 32-byte Argon2id master key with it; the backends come with
 * the attestation issue. Like sandbox-seccomp vs sandbox-null in OpenSSH, a
 * backend is a small table of functions chosen at start; `none` is always
 * there and refuses.
 */
#ifndef COFFER_SIGNER_SEAL_H
#define COFFER_SIGNER_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Largest sealed blob any backend may produce (TPM2B blobs are ~ 1 KiB). */
#define SEAL_BLOB_MAX (16u * 1024u)
/* Largest secret a backend must seal. */
#define SEAL_SECRET_MAX 64u

struct seal_backend {
	const char *name;	/* "none", "tpm2", "sev-snp", ... */
	/*
	 * Seal secret[len] to this platform.
	 * Returns 0; COFFER_ERR_UNSUPPORTED (no such platform here); backend errors.
	 * Out: blob: appended, at most SEAL_BLOB_MAX bytes (not secret).
	 */
	int (*seal)(void *ctx, struct cbuf *blob, const uint8_t *secret, size_t len);
	/*
	 * Unseal a blob made by seal on this same platform (hostile input otherwise).
	 * Returns 0; COFFER_ERR_UNSUPPORTED; backend errors. On failure out is wiped.
	 * Out: out[outsize] (secret), *outlen.
	 */
	int (*unseal)(void *ctx, uint8_t *out, size_t outsize, size_t *outlen,
	    const uint8_t *blob, size_t bloblen);
	void *ctx;		/* backend state, passed back to seal/unseal */
};

/* The backend that seals nothing: both operations return COFFER_ERR_UNSUPPORTED. */
const struct seal_backend *seal_backend_none(void);

#endif
