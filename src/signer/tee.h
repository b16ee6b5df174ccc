/*
 * Attestation evidence: the interface between the signer and a TEE.
 *
 * PROTO_ATTESTATION asks the signer to prove what it runs on. A TEE backend
 * (SEV-SNP, TDX, Nitro, SGX: the attestation issue adds them) produces
 * evidence whose report data binds the verifier's nonce, this signer
 * process's X25519 unlock key and (once unlocked) its identity key, so a
 * verifier who accepts the evidence knows which key to seal the passphrase to. Like seal.h and OpenSSH's
 * sandbox-seccomp vs sandbox-null, a backend is a small table chosen at start
 * (main.c); `none` is always there and says plainly that there is no TEE
 * instead of returning something that looks like evidence.
 *
 * The TEE backends (evidence.h) run in a helper process forked before the
 * sandbox closes the filesystem (evidence_helper.h); evidence_helper_tee()
 * turns that helper into a tee_backend, so the sandbox stays as it is.
 */
#ifndef COFFER_SIGNER_TEE_H
#define COFFER_SIGNER_TEE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/*
 * Report data a backend binds into its evidence: the 64-byte binding of
 * docs/ATTESTATION.md (evidence_binding(): SHA-512 over the identity key once
 * unlocked, the unlock key and the nonce).
 */
#define TEE_REPORT_DATA_LEN 64

struct tee_backend {
	const char *name;	/* "none", "sev-snp", "tdx", "nitro", ... (at most PROTO_MAX_NAME bytes) */
	/* One plain sentence on what the evidence proves (at most PROTO_MAX_STATEMENT bytes). */
	const char *statement;
	/*
	 * Evidence over report_data, in the backend's native format (what
	 * attest_verify in src/attest reads).
	 * Returns 0 (evidence appended; `none` appends nothing);
	 *   COFFER_ERR_UNSUPPORTED (no such TEE here); backend errors.
	 * Out: out: appended, at most PROTO_MAX_EVIDENCE bytes (not secret).
	 * In:  report_data[64].
	 */
	int (*evidence)(void *ctx, struct cbuf *out, const uint8_t report_data[TEE_REPORT_DATA_LEN]);
	void *ctx;		/* backend state, passed back to evidence */
};

/* The backend without a TEE: empty evidence and a statement that says so. */
const struct tee_backend *tee_backend_none(void);

#endif
