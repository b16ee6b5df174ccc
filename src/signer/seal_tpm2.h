/*
 * TPM 2.0 sealing (seal.h backend "tpm2"): the secret becomes a sealed data
 * object under the TPM's storage root key, with an authorization policy
 * TPM2_PolicyPCR over a chosen set of SHA-256 PCRs (their values when
 * sealing). It opens only on the same TPM (fixedTPM, and the SRK derives from
 * that TPM's owner seed) while those PCRs hold the same values (same firmware,
 * boot chain, Secure Boot state...). The blob holds the object's public and
 * encrypted private parts; it is no secret. Both directions use sessions
 * salted with the SRK, so the secret crosses the bus encrypted.
 */
#ifndef COFFER_SIGNER_SEAL_TPM2_H
#define COFFER_SIGNER_SEAL_TPM2_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "signer/seal.h"

/* PCRs 0 (firmware), 2 (option ROMs), 4 (boot loader), 7 (Secure Boot policy). */
#define SEAL_TPM2_PCRS_DEFAULT ((1u << 0) | (1u << 2) | (1u << 4) | (1u << 7))

struct seal_tpm2 {
	const char *tcti;	/* NULL: "device:/dev/tpmrm0" */
	uint32_t pcrs;		/* bit i = PCR i of the SHA-256 bank (0..23); 0: SEAL_TPM2_PCRS_DEFAULT */
};

/*
 * The tpm2 backend over cfg (which must outlive it).
 * seal returns 0, COFFER_ERR_UNSUPPORTED (no TPM), COFFER_ERR_SEAL_TPM,
 *   COFFER_ERR_INVALID_ARG (secret empty or over 128 bytes).
 * unseal returns 0, COFFER_ERR_UNSUPPORTED, COFFER_ERR_SEAL_FOREIGN (blob
 *   malformed), COFFER_ERR_SEAL_MISMATCH (another TPM, or the PCRs changed),
 *   COFFER_ERR_SEAL_TPM, COFFER_ERR_TOO_LARGE (outsize).
 */
void seal_backend_tpm2(struct seal_backend *out, struct seal_tpm2 *cfg);

/*
 * Parse a PCR list "0,2,4,7" into a mask.
 * Returns 0 or COFFER_ERR_INVALID_ARG (empty, a number over 23, a repeat, junk).
 */
int seal_tpm2_parse_pcrs(uint32_t *mask, const char *list);

/*
 * Parse a tpm2 blob (hostile input: it sits on disk). Only a keyed-hash data
 * object with a SHA-256 policy and no userWithAuth is accepted.
 * Returns 0 or COFFER_ERR_SEAL_FOREIGN. Out: mask, pub, priv.
 */
int seal_tpm2_blob_parse(uint32_t *mask, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, const uint8_t *blob, size_t len);

#endif
