/*
 * SEV-SNP sealing (seal.h backend "sev-snp"): the firmware derives a 32-byte
 * key from the chip's VCEK root mixed with fields of this guest chosen by
 * field_select (SNP_GET_DERIVED_KEY through /dev/sev-guest), by default the
 * guest policy and the launch MEASUREMENT; the secret is encrypted under it
 * (XChaCha20-Poly1305). A guest with another measurement, policy or chip gets
 * another key and cannot open the blob. The blob records the derivation
 * parameters (not secret).
 */
#ifndef COFFER_SIGNER_SEAL_SNP_H
#define COFFER_SIGNER_SEAL_SNP_H

#include <stdint.h>

#include "signer/evidence.h"
#include "signer/seal.h"

/* GUEST_FIELD_SELECT bits (SEV-SNP ABI, MSG_KEY_REQ). */
#define SEAL_SNP_FIELD_POLICY (1u << 0)
#define SEAL_SNP_FIELD_IMAGE_ID (1u << 1)
#define SEAL_SNP_FIELD_FAMILY_ID (1u << 2)
#define SEAL_SNP_FIELD_MEASUREMENT (1u << 3)
#define SEAL_SNP_FIELD_GUEST_SVN (1u << 4)
#define SEAL_SNP_FIELD_TCB_VERSION (1u << 5)
#define SEAL_SNP_FIELDS_DEFAULT (SEAL_SNP_FIELD_POLICY | SEAL_SNP_FIELD_MEASUREMENT)

struct seal_snp {
	const struct evidence_env *env;	/* where /dev/sev-guest is (tests: a fake); NULL: the system */
	uint64_t field_select;		/* 0: SEAL_SNP_FIELDS_DEFAULT */
	uint32_t guest_svn;		/* mixed in when FIELD_GUEST_SVN is selected */
	uint64_t tcb_version;		/* mixed in when FIELD_TCB_VERSION is selected */
};

/*
 * The sev-snp backend over cfg (which must outlive it).
 * seal: 0, COFFER_ERR_UNSUPPORTED (no /dev/sev-guest), COFFER_ERR_TEE_DEVICE,
 *   COFFER_ERR_INVALID_ARG (secret empty or over SEAL_SECRET_MAX).
 * unseal: 0, COFFER_ERR_UNSUPPORTED, COFFER_ERR_SEAL_FOREIGN (malformed),
 *   COFFER_ERR_SEAL_MISMATCH (another measurement, policy or chip; or tampered),
 *   COFFER_ERR_TEE_DEVICE, COFFER_ERR_TOO_LARGE (outsize).
 */
void seal_backend_snp(struct seal_backend *out, struct seal_snp *cfg);

#endif
