/* A TPM 2.0 connection through tpm2-tss ESAPI (tpm.h). */
#include "signer/tpm.h"

#include <string.h>

#include <tss2/tss2_tctildr.h>

#include "common/err.h"

int
tpm_open(struct tpm *t, const char *tcti)
{
	TSS2_RC rc;

	memset(t, 0, sizeof(*t));
	if (Tss2_TctiLdr_Initialize(tcti != NULL ? tcti : TPM_TCTI_DEFAULT, &t->tcti) != TSS2_RC_SUCCESS) {
		t->tcti = NULL;
		return COFFER_ERR_UNSUPPORTED;
	}
	if ((rc = Esys_Initialize(&t->esys, t->tcti, NULL)) != TSS2_RC_SUCCESS) {
		t->esys = NULL;
		tpm_close(t);
		return COFFER_ERR_UNSUPPORTED;
	}
	return 0;
}

void
tpm_close(struct tpm *t)
{
	if (t->esys != NULL)
		Esys_Finalize(&t->esys);
	if (t->tcti != NULL)
		Tss2_TctiLdr_Finalize(&t->tcti);
	memset(t, 0, sizeof(*t));
}

void
tpm_flush(struct tpm *t, ESYS_TR *h)
{
	if (*h != ESYS_TR_NONE)
		(void)Esys_FlushContext(t->esys, *h);
	*h = ESYS_TR_NONE;
}

void
tpm_pcr_select(TPML_PCR_SELECTION *out, uint32_t mask)
{
	memset(out, 0, sizeof(*out));
	out->count = 1;
	out->pcrSelections[0].hash = TPM2_ALG_SHA256;
	out->pcrSelections[0].sizeofSelect = 3;
	out->pcrSelections[0].pcrSelect[0] = (uint8_t)mask;
	out->pcrSelections[0].pcrSelect[1] = (uint8_t)(mask >> 8);
	out->pcrSelections[0].pcrSelect[2] = (uint8_t)(mask >> 16);
}

int
tpm_srk(struct tpm *t, ESYS_TR *out)
{
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC pub;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION none;

	*out = ESYS_TR_NONE;
	memset(&sens, 0, sizeof(sens));
	memset(&pub, 0, sizeof(pub));
	memset(&outside, 0, sizeof(outside));
	memset(&none, 0, sizeof(none));
	/* TCG "EK Credential Profile"-style storage key template (as tpm2-tools' default primary). */
	pub.publicArea.type = TPM2_ALG_ECC;
	pub.publicArea.nameAlg = TPM2_ALG_SHA256;
	pub.publicArea.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
	    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
	    TPMA_OBJECT_NODA;
	pub.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	pub.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
	pub.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	pub.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	pub.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	pub.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	if (Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
	    &pub, &outside, &none, out, NULL, NULL, NULL, NULL) != TSS2_RC_SUCCESS) {
		*out = ESYS_TR_NONE;
		return COFFER_ERR_SEAL_TPM;
	}
	return 0;
}
