/*
 * A TPM 2.0 connection through tpm2-tss ESAPI, shared by the Azure vTPM
 * evidence backend (evidence_vtpm.c) and TPM sealing (seal_tpm2.c).
 * The TCTI configuration string picks the transport: "device:/dev/tpmrm0"
 * on a machine, "swtpm:host=127.0.0.1,port=N" against swtpm in tests.
 */
#ifndef COFFER_SIGNER_TPM_H
#define COFFER_SIGNER_TPM_H

#include <tss2/tss2_esys.h>

#define TPM_TCTI_DEFAULT "device:/dev/tpmrm0"

struct tpm {
	ESYS_CONTEXT *esys;
	TSS2_TCTI_CONTEXT *tcti;
};

/*
 * Connect. Returns 0, COFFER_ERR_UNSUPPORTED (no TPM reachable through tcti)
 * or COFFER_ERR_SEAL_TPM. Out: t (zeroed on failure). In: tcti (NULL: TPM_TCTI_DEFAULT).
 */
int tpm_open(struct tpm *t, const char *tcti);
/* Disconnect; a zeroed struct is allowed. */
void tpm_close(struct tpm *t);

/*
 * The storage root key: the TCG template ECC P-256 primary under the owner
 * hierarchy (restricted decrypt, AES-128-CFB), the same key on every call on
 * the same TPM since it is derived from the owner seed. Returns 0 or COFFER_ERR_SEAL_TPM.
 */
int tpm_srk(struct tpm *t, ESYS_TR *out);

/* Flush a transient object or session (ESYS_TR_NONE is ignored). */
void tpm_flush(struct tpm *t, ESYS_TR *h);

/* PCR selection of the SHA-256 bank from a bit mask (bit i = PCR i, 0..23). */
void tpm_pcr_select(TPML_PCR_SELECTION *out, uint32_t mask);

#endif
