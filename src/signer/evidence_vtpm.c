/*
 * Azure confidential VM evidence through the vTPM that Azure's paravisor
 * (HCL) provides: the HCL report in NV index 0x01400001 (an SNP or TDX
 * report whose report data hashes the runtime JSON holding the vTPM's
 * attestation key, AK), and a TPM2_Quote by that AK (persistent handle
 * 0x81000003) over the SHA-256 PCRs 0..23 with the binding as qualifying
 * data. Output: a JSON evidence bundle version 1, the layout `coffer verify`
 * and trustee read: {"version": 1, "hcl_report": base64, "tpm_quote":
 * {"signature": hex, "message": hex TPMS_ATTEST, "pcrs": [24 x hex]}}.
 */
#include "signer/evidence_int.h"

#include <string.h>

#include <jansson.h>

#include "common/encoding.h"
#include "common/err.h"
#include "signer/tpm.h"

#define NV_CHUNK 512u		/* below every TPM's TPM2_PT_NV_BUFFER_MAX */
#define NPCRS 24

static int
read_hcl(struct tpm *t, struct cbuf *out)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_MAX_NV_BUFFER *chunk = NULL;
	uint16_t size, off, n;
	int ret = COFFER_ERR_TEE_DEVICE;

	if (Esys_TR_FromTPMPublic(t->esys, VTPM_HCL_NV_INDEX, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    &nv) != TSS2_RC_SUCCESS)
		return COFFER_ERR_TEE_ABSENT;	/* no HCL report: not an Azure CVM */
	if (Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL) !=
	    TSS2_RC_SUCCESS)
		goto out;
	size = pub->nvPublic.dataSize;
	if (size == 0 || size > VTPM_HCL_MAX) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	for (off = 0; off < size; off = (uint16_t)(off + n)) {
		n = (uint16_t)(size - off);
		if (n > NV_CHUNK)
			n = NV_CHUNK;
		/* Azure's index is owner-readable (tpm2_nvread -C o 0x01400001). */
		if (Esys_NV_Read(t->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
		    off, &chunk) != TSS2_RC_SUCCESS)
			goto out;
		if (chunk->size != n) {
			ret = COFFER_ERR_TEE_RESPONSE;
			goto out;
		}
		if ((ret = cbuf_put(out, chunk->buffer, n)) != 0)
			goto out;
		Esys_Free(chunk);
		chunk = NULL;
		ret = COFFER_ERR_TEE_DEVICE;
	}
	ret = 0;
out:
	Esys_Free(chunk);
	Esys_Free(pub);
	(void)Esys_TR_Close(t->esys, &nv);
	return ret;
}

/* SHA-256 PCRs 0..23 in order, as hex strings appended to arr. */
static int
read_pcrs(struct tpm *t, json_t *arr)
{
	TPML_PCR_SELECTION sel, *got_sel = NULL;
	TPML_DIGEST *vals = NULL;
	struct cbuf hex;
	uint32_t want = (1u << NPCRS) - 1, got;
	uint32_t i, k;
	int ret = 0;

	cbuf_init(&hex, 256);
	/* A TPM returns at most 8 digests per PCR_Read: ask again for the rest. */
	while (want != 0 && ret == 0) {
		tpm_pcr_select(&sel, want);
		if (Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL, &got_sel, &vals) !=
		    TSS2_RC_SUCCESS) {
			ret = COFFER_ERR_TEE_DEVICE;
			break;
		}
		got = got_sel->count == 1 ? (uint32_t)got_sel->pcrSelections[0].pcrSelect[0] |
		    (uint32_t)got_sel->pcrSelections[0].pcrSelect[1] << 8 |
		    (uint32_t)got_sel->pcrSelections[0].pcrSelect[2] << 16 : 0;
		/* Digests come in PCR order, and must be the first ones still wanted. */
		if (got == 0 || (got & ~want) != 0 || vals->count > 8) {
			ret = COFFER_ERR_TEE_RESPONSE;
		} else {
			for (i = 0, k = 0; i < NPCRS && ret == 0; i++) {
				if (!(got & (1u << i)))
					continue;
				if (k >= vals->count || vals->digests[k].size != 32 ||
				    (size_t)json_array_size(arr) != i) {
					ret = COFFER_ERR_TEE_RESPONSE;
					break;
				}
				cbuf_reset(&hex);
				if ((ret = hex_encode_buf(&hex, vals->digests[k].buffer, 32)) == 0 &&
				    json_array_append_new(arr, json_stringn((const char *)hex.p, hex.len)) != 0)
					ret = COFFER_ERR_NOMEM;
				k++;
			}
			want &= ~got;
		}
		Esys_Free(got_sel);
		Esys_Free(vals);
		got_sel = NULL;
		vals = NULL;
	}
	cbuf_free(&hex);
	return ret;
}

static int
quote(struct tpm *t, json_t *q, const uint8_t data[EVIDENCE_BINDING_LEN])
{
	ESYS_TR ak = ESYS_TR_NONE;
	TPM2B_DATA qual;
	TPMT_SIG_SCHEME scheme;
	TPML_PCR_SELECTION sel;
	TPM2B_ATTEST *att = NULL;
	TPMT_SIGNATURE *sig = NULL;
	struct cbuf hex;
	int ret = COFFER_ERR_TEE_DEVICE;

	cbuf_init(&hex, 8192);
	if (Esys_TR_FromTPMPublic(t->esys, VTPM_AK_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak) !=
	    TSS2_RC_SUCCESS)
		return COFFER_ERR_TEE_ABSENT;
	memset(&qual, 0, sizeof(qual));
	qual.size = EVIDENCE_BINDING_LEN;
	memcpy(qual.buffer, data, EVIDENCE_BINDING_LEN);
	memset(&scheme, 0, sizeof(scheme));
	scheme.scheme = TPM2_ALG_NULL;	/* the AK's own scheme: RSASSA-PKCS1-v1_5 SHA-256 on Azure */
	tpm_pcr_select(&sel, (1u << NPCRS) - 1);
	if (Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qual, &scheme, &sel, &att,
	    &sig) != TSS2_RC_SUCCESS)
		goto out;
	/* `coffer verify` checks RSASSA signatures (Azure's AK); say so here rather than emit what it cannot read. */
	if (sig->sigAlg != TPM2_ALG_RSASSA || sig->signature.rsassa.sig.size == 0) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	if ((ret = hex_encode_buf(&hex, sig->signature.rsassa.sig.buffer, sig->signature.rsassa.sig.size)) != 0 ||
	    json_object_set_new(q, "signature", json_stringn((const char *)hex.p, hex.len)) != 0)
		goto nomem;
	cbuf_reset(&hex);
	if ((ret = hex_encode_buf(&hex, att->attestationData, att->size)) != 0 ||
	    json_object_set_new(q, "message", json_stringn((const char *)hex.p, hex.len)) != 0)
		goto nomem;
	ret = 0;
	goto out;
nomem:
	if (ret == 0)
		ret = COFFER_ERR_NOMEM;
out:
	Esys_Free(att);
	Esys_Free(sig);
	(void)Esys_TR_Close(t->esys, &ak);
	cbuf_free(&hex);
	return ret;
}

static int
vtpm_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	struct tpm t;
	struct cbuf hcl, b64;
	json_t *root = NULL, *q = NULL, *pcrs = NULL;
	char *text = NULL;
	int ret;

	(void)nonce;
	(void)noncelen;
	cbuf_init(&hcl, VTPM_HCL_MAX);
	cbuf_init(&b64, 2 * VTPM_HCL_MAX);
	if ((ret = tpm_open(&t, env != NULL ? env->tcti : NULL)) != 0) {
		ret = COFFER_ERR_TEE_ABSENT;
		goto out;
	}
	if ((root = json_object()) == NULL || (q = json_object()) == NULL || (pcrs = json_array()) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = read_hcl(&t, &hcl)) != 0 || (ret = quote(&t, q, data)) != 0 || (ret = read_pcrs(&t, pcrs)) != 0)
		goto out;
	if ((ret = base64_encode_buf(&b64, hcl.p, hcl.len)) != 0)
		goto out;
	if (json_object_set_new(q, "pcrs", pcrs) != 0) {
		pcrs = NULL;
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	pcrs = NULL;
	if (json_object_set_new(root, "version", json_integer(1)) != 0 ||
	    json_object_set_new(root, "hcl_report", json_stringn((const char *)b64.p, b64.len)) != 0 ||
	    json_object_set(root, "tpm_quote", q) != 0 ||
	    (text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if (strlen(text) > EVIDENCE_MAX)
		ret = COFFER_ERR_TOO_LARGE;
	else
		ret = cbuf_put(out, (const uint8_t *)text, strlen(text));
out:
	free(text);
	json_decref(pcrs);
	json_decref(q);
	json_decref(root);
	cbuf_free(&hcl);
	cbuf_free(&b64);
	tpm_close(&t);
	return ret;
}

static int
vtpm_present(const struct evidence_env *env)
{
	struct tpm t;
	ESYS_TR nv = ESYS_TR_NONE;
	int found = 0;

	/* A TPM alone is not an Azure CVM: the HCL report's NV index must be there too. */
	if (env != NULL && env->tcti == NULL && !evidence_exists(env, "/dev/tpmrm0"))
		return 0;
	if (env != NULL && env->root != NULL && env->root[0] != '\0' && env->tcti == NULL)
		return 0;	/* a fake tree has no TPM behind its /dev/tpmrm0 */
	if (tpm_open(&t, env != NULL ? env->tcti : NULL) != 0)
		return 0;
	if (Esys_TR_FromTPMPublic(t.esys, VTPM_HCL_NV_INDEX, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv) ==
	    TSS2_RC_SUCCESS) {
		found = 1;
		(void)Esys_TR_Close(t.esys, &nv);
	}
	tpm_close(&t);
	return found;
}

const struct evidence_backend evidence_backend_azure = {
	"azure-cvm",
	"Azure confidential VM: AMD SEV-SNP (or Intel TDX) signs the paravisor's measurement and its vTPM "
	"key, and the vTPM quotes the boot PCRs and the binding; the measurement is Microsoft's "
	"paravisor, not this image (docs/deploy/azure.md)",
	vtpm_present, vtpm_get,
};
