/*
 * Attestation evidence from the signer's TEE: the interface.
 *
 * A backend asks its platform's device for evidence (a signed report or quote)
 * whose report data is the 64-byte binding of evidence_binding(): the signer's
 * identity key, its X25519 unlock key and the caller's nonce. A verifier that
 * recomputes the binding from the keys it expects and its own nonce knows
 * which process it is talking to (docs/ATTESTATION.md, "Binding").
 *
 * Backends (one file each, like sandbox-seccomp vs sandbox-null in OpenSSH):
 *   sev-snp      configfs-tsm (evidence_tsm.c), /dev/sev-guest as fallback (evidence_sevguest.c)
 *   tdx          configfs-tsm
 *   azure-cvm    the vTPM: HCL report from NV 0x01400001 and a quote with the AK (evidence_vtpm.c)
 *   nitro        /dev/nsm (evidence_nsm.c)
 *   sgx-gramine  /dev/attestation (evidence_gramine.c)
 *   none         no evidence; says plainly that there is no TEE
 * Every device path is below env->root ("" for the real system), so tests run
 * the same request building and response parsing against fake directories.
 */
#ifndef COFFER_SIGNER_EVIDENCE_H
#define COFFER_SIGNER_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define EVIDENCE_BINDING_LEN 64		/* SHA-512: fills SNP/TDX/SGX report data */
#define EVIDENCE_IDENTITY_LEN 33	/* compressed secp256k1 public key */
#define EVIDENCE_UNLOCK_LEN 32		/* X25519 public key */
#define EVIDENCE_NONCE_MAX 64		/* caller's nonce, 1..64 bytes */
#define EVIDENCE_MAX ((size_t)64 << 10)	/* largest evidence blob a backend returns */
#define EVIDENCE_DOMAIN "coffer/v1/attestation"

/* Where the devices are: tests point root at a fake tree. */
struct evidence_env {
	const char *root;	/* prefix of every device path; "" (or NULL) for the real system */
	const char *tcti;	/* TPM TCTI configuration (azure-cvm); NULL: "device:/dev/tpmrm0" */
	/* ioctl stand-in for /dev/sev-guest and /dev/nsm (tests); NULL: the real ioctl(2). */
	int (*ioctl_fn)(void *ctx, int fd, unsigned long req, void *arg);
	void *ioctl_ctx;
	/* Test stand-in for the kernel's configfs-tsm side: called after inblob is written. */
	int (*tsm_written)(void *ctx, const char *entry);
	void *tsm_ctx;
};

struct evidence_backend {
	const char *name;	/* as in --tee: "sev-snp", "tdx", "azure-cvm", "nitro", "sgx-gramine", "none" */
	/* What a verified report from this backend proves, in one sentence. */
	const char *statement;
	/* 1 when this platform's device is present under env->root. */
	int (*present)(const struct evidence_env *env);
	/*
	 * Get evidence binding data[64].
	 * Returns 0; COFFER_ERR_TEE_ABSENT; COFFER_ERR_TEE_DEVICE; COFFER_ERR_TEE_RESPONSE;
	 *   COFFER_ERR_TEE_RACE; COFFER_ERR_UNSUPPORTED (none); COFFER_ERR_TOO_LARGE.
	 * Out: out: the evidence appended (format in docs/ATTESTATION.md; `coffer verify` reads it).
	 * In:  env; data: the binding; nonce[noncelen]: the caller's nonce (Nitro also carries it in
	 *      the document's own nonce field; other backends only through the binding).
	 */
	int (*get)(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
	    const uint8_t *nonce, size_t noncelen);
};

/*
 * The binding: SHA-512 over the length-prefixed fields (u32 little-endian
 * length, then the bytes) domain "coffer/v1/attestation", identity key,
 * unlock key, nonce.
 * Returns 0 or COFFER_ERR_INVALID_ARG (a length out of range).
 * Out: out[64].
 * In:  identity: 33-byte compressed secp256k1 key, or NULL while the signer is
 *      locked (then the field is empty: length 0); unlock[32]: X25519 key;
 *      nonce[noncelen]: 1..EVIDENCE_NONCE_MAX bytes.
 */
int evidence_binding(uint8_t out[EVIDENCE_BINDING_LEN], const uint8_t *identity,
    const uint8_t unlock[EVIDENCE_UNLOCK_LEN], const uint8_t *nonce, size_t noncelen);

/* The backend named name (--tee), or NULL. */
const struct evidence_backend *evidence_backend_find(const char *name);

/*
 * The backend whose device is present under env->root, probing nitro,
 * sgx-gramine, sev-snp, tdx, azure-cvm in that order; the none backend when
 * none is. Never NULL.
 */
const struct evidence_backend *evidence_detect(const struct evidence_env *env);

/* Join env->root and an absolute path. Returns 0 or COFFER_ERR_TOO_LARGE. (Shared by the backends.) */
int evidence_path(char *out, size_t outsize, const struct evidence_env *env, const char *path);

/* The backends (tables; evidence_backend_find returns these). */
extern const struct evidence_backend evidence_backend_none;
extern const struct evidence_backend evidence_backend_sevsnp;
extern const struct evidence_backend evidence_backend_tdx;
extern const struct evidence_backend evidence_backend_azure;
extern const struct evidence_backend evidence_backend_nitro;
extern const struct evidence_backend evidence_backend_gramine;

#endif
