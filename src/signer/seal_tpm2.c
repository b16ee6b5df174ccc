/*
 * TPM 2.0 sealing through tpm2-tss ESAPI (seal_tpm2.h), following tpm2-tss's
 * test/integration/esys-unseal-password-auth.int.c and tpm2-tools'
 * tpm2_create/tpm2_unseal with a PCR policy.
 *
 * Blob (all integers little endian except the TPM's own big-endian
 * structures):
 *   "COFFTPM2" | u8 version 1 | u32 pcr mask (SHA-256 bank) |
 *   u16 n | TPM2B_PUBLIC (n bytes, TPM marshaling) | u16 m | TPM2B_PRIVATE (m bytes)
 */
#include "signer/seal_tpm2.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/err.h"
#include "common/secmem.h"
#include "signer/tpm.h"

#define MAGIC "COFFTPM2"
#define VERSION 1
#define PART_MAX 1024u
#define SEAL_TPM2_DATA_MAX 128u	/* MAX_SYM_DATA: the most a sealed data object holds */

static const TPMT_SYM_DEF aes128cfb = {
	.algorithm = TPM2_ALG_AES, .keyBits = { .aes = 128 }, .mode = { .aes = TPM2_ALG_CFB },
};

static uint32_t
mask_of(const struct seal_tpm2 *c)
{
	return c->pcrs != 0 ? c->pcrs : SEAL_TPM2_PCRS_DEFAULT;
}

/* A TPM's own refusal (not a TSS or transport failure). */
static int
tpm_layer(TSS2_RC rc)
{
	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER;
}

static int
policy_digest(struct tpm *t, TPM2B_DIGEST **digest, uint32_t mask)
{
	static const TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	ESYS_TR trial = ESYS_TR_NONE;
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST empty;
	int ret = COFFER_ERR_SEAL_TPM;

	*digest = NULL;
	tpm_pcr_select(&sel, mask);
	memset(&empty, 0, sizeof(empty));	/* the TPM takes the PCRs' current values */
	if (Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    NULL, TPM2_SE_TRIAL, &none, TPM2_ALG_SHA256, &trial) != TSS2_RC_SUCCESS) {
		trial = ESYS_TR_NONE;
		return ret;
	}
	if (Esys_PolicyPCR(t->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel) ==
	    TSS2_RC_SUCCESS &&
	    Esys_PolicyGetDigest(t->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, digest) == TSS2_RC_SUCCESS)
		ret = 0;
	tpm_flush(t, &trial);
	return ret;
}

/* A session salted by the SRK that encrypts the first command parameter or the first response one. */
static int
salted_session(struct tpm *t, ESYS_TR *s, ESYS_TR srk, TPM2_SE type, TPMA_SESSION attrs)
{
	if (Esys_StartAuthSession(t->esys, srk, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, type,
	    &aes128cfb, TPM2_ALG_SHA256, s) != TSS2_RC_SUCCESS) {
		*s = ESYS_TR_NONE;
		return COFFER_ERR_SEAL_TPM;
	}
	if (Esys_TRSess_SetAttributes(t->esys, *s, attrs | TPMA_SESSION_CONTINUESESSION, 0xff) != TSS2_RC_SUCCESS)
		return COFFER_ERR_SEAL_TPM;
	return 0;
}

static int
put_part(struct cbuf *blob, const uint8_t *p, size_t n)
{
	int ret;

	if (n > PART_MAX)
		return COFFER_ERR_SEAL_TPM;
	if ((ret = cbuf_put_u16le(blob, (uint16_t)n)) != 0)
		return ret;
	return cbuf_put(blob, p, n);
}

static int
tpm2_seal(void *ctx, struct cbuf *blob, const uint8_t *secret, size_t len)
{
	struct seal_tpm2 *c = ctx;
	struct tpm t;
	ESYS_TR srk = ESYS_TR_NONE, hmac = ESYS_TR_NONE;
	TPM2B_DIGEST *policy = NULL;
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION nopcr;
	uint8_t pubbuf[PART_MAX], privbuf[PART_MAX];
	size_t publen = 0, privlen = 0;
	uint32_t mask = mask_of(c);
	int ret;

	if (len == 0 || len > SEAL_TPM2_DATA_MAX || len > sizeof(sens.sensitive.data.buffer))
		return COFFER_ERR_INVALID_ARG;
	if ((ret = tpm_open(&t, c->tcti)) != 0)
		return ret;
	memset(&sens, 0, sizeof(sens));
	memset(&tmpl, 0, sizeof(tmpl));
	memset(&outside, 0, sizeof(outside));
	memset(&nopcr, 0, sizeof(nopcr));
	if ((ret = tpm_srk(&t, &srk)) != 0 || (ret = policy_digest(&t, &policy, mask)) != 0 ||
	    (ret = salted_session(&t, &hmac, srk, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT)) != 0)
		goto out;
	sens.sensitive.data.size = (uint16_t)len;
	memcpy(sens.sensitive.data.buffer, secret, len);
	tmpl.publicArea.type = TPM2_ALG_KEYEDHASH;
	tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
	/* No userWithAuth: only the PCR policy opens it; fixedTPM: it never leaves this TPM. */
	tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
	tmpl.publicArea.authPolicy = *policy;
	tmpl.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
	if (Esys_Create(t.esys, srk, hmac, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside, &nopcr, &priv, &pub,
	    NULL, NULL, NULL) != TSS2_RC_SUCCESS) {
		ret = COFFER_ERR_SEAL_TPM;
		goto out;
	}
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, pubbuf, sizeof(pubbuf), &publen) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, privbuf, sizeof(privbuf), &privlen) != TSS2_RC_SUCCESS) {
		ret = COFFER_ERR_SEAL_TPM;
		goto out;
	}
	if ((ret = cbuf_put(blob, (const uint8_t *)MAGIC, 8)) != 0 || (ret = cbuf_put_u8(blob, VERSION)) != 0 ||
	    (ret = cbuf_put_u32le(blob, mask)) != 0 || (ret = put_part(blob, pubbuf, publen)) != 0 ||
	    (ret = put_part(blob, privbuf, privlen)) != 0)
		goto out;
out:
	secure_wipe(&sens, sizeof(sens));
	Esys_Free(policy);
	Esys_Free(pub);
	Esys_Free(priv);
	tpm_flush(&t, &hmac);
	tpm_flush(&t, &srk);
	tpm_close(&t);
	return ret;
}

int
seal_tpm2_blob_parse(uint32_t *mask, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv, const uint8_t *blob, size_t len)
{
	struct creader r;
	const uint8_t *magic, *p;
	uint8_t version;
	uint16_t n;
	size_t off;

	memset(pub, 0, sizeof(*pub));
	memset(priv, 0, sizeof(*priv));
	creader_init(&r, blob, len);
	if (len > SEAL_BLOB_MAX || creader_get_ptr(&r, &magic, 8) != 0 || memcmp(magic, MAGIC, 8) != 0 ||
	    creader_get_u8(&r, &version) != 0 || version != VERSION || creader_get_u32le(&r, mask) != 0 ||
	    *mask == 0 || *mask >= (1u << 24))
		return COFFER_ERR_SEAL_FOREIGN;
	if (creader_get_u16le(&r, &n) != 0 || n > PART_MAX || creader_get_ptr(&r, &p, n) != 0 ||
	    Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, (off = 0, &off), pub) != TSS2_RC_SUCCESS || off != n)
		return COFFER_ERR_SEAL_FOREIGN;
	if (creader_get_u16le(&r, &n) != 0 || n > PART_MAX || creader_get_ptr(&r, &p, n) != 0 ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(p, n, (off = 0, &off), priv) != TSS2_RC_SUCCESS || off != n ||
	    creader_expect_end(&r) != 0)
		return COFFER_ERR_SEAL_FOREIGN;
	/* Only what we make: a keyed-hash data object that only a policy opens. */
	if (pub->publicArea.type != TPM2_ALG_KEYEDHASH || pub->publicArea.nameAlg != TPM2_ALG_SHA256 ||
	    (pub->publicArea.objectAttributes & TPMA_OBJECT_USERWITHAUTH) != 0 ||
	    pub->publicArea.authPolicy.size != 32)
		return COFFER_ERR_SEAL_FOREIGN;
	return 0;
}

static int
tpm2_unseal(void *ctx, uint8_t *out, size_t outsize, size_t *outlen, const uint8_t *blob, size_t bloblen)
{
	struct seal_tpm2 *c = ctx;
	struct tpm t;
	ESYS_TR srk = ESYS_TR_NONE, obj = ESYS_TR_NONE, pol = ESYS_TR_NONE;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	TPM2B_DIGEST empty;
	TPML_PCR_SELECTION sel;
	TPM2B_SENSITIVE_DATA *data = NULL;
	uint32_t mask;
	TSS2_RC rc;
	int ret;

	secure_wipe(out, outsize);
	*outlen = 0;
	memset(&t, 0, sizeof(t));
	if ((ret = seal_tpm2_blob_parse(&mask, &pub, &priv, blob, bloblen)) != 0)
		return ret;
	if ((ret = tpm_open(&t, c->tcti)) != 0)
		return ret;
	if ((ret = tpm_srk(&t, &srk)) != 0)
		goto out;
	/* Another TPM's blob fails the integrity check under this TPM's SRK. */
	if ((rc = Esys_Load(t.esys, srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &obj)) !=
	    TSS2_RC_SUCCESS) {
		obj = ESYS_TR_NONE;
		ret = tpm_layer(rc) ? COFFER_ERR_SEAL_MISMATCH : COFFER_ERR_SEAL_TPM;
		goto out;
	}
	if ((ret = salted_session(&t, &pol, srk, TPM2_SE_POLICY, TPMA_SESSION_ENCRYPT)) != 0)
		goto out;
	tpm_pcr_select(&sel, mask);
	memset(&empty, 0, sizeof(empty));
	if (Esys_PolicyPCR(t.esys, pol, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel) != TSS2_RC_SUCCESS) {
		ret = COFFER_ERR_SEAL_TPM;
		goto out;
	}
	/* Changed PCRs make the session's digest differ from the object's policy: TPM_RC_POLICY_FAIL. */
	if ((rc = Esys_Unseal(t.esys, obj, pol, ESYS_TR_NONE, ESYS_TR_NONE, &data)) != TSS2_RC_SUCCESS) {
		data = NULL;
		ret = tpm_layer(rc) ? COFFER_ERR_SEAL_MISMATCH : COFFER_ERR_SEAL_TPM;
		goto out;
	}
	if (data->size > outsize) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, data->buffer, data->size);
	*outlen = data->size;
	ret = 0;
out:
	if (data != NULL) {
		secure_wipe(data, sizeof(*data));
		Esys_Free(data);
	}
	tpm_flush(&t, &pol);
	tpm_flush(&t, &obj);
	tpm_flush(&t, &srk);
	tpm_close(&t);
	return ret;
}

void
seal_backend_tpm2(struct seal_backend *out, struct seal_tpm2 *cfg)
{
	out->name = "tpm2";
	out->seal = tpm2_seal;
	out->unseal = tpm2_unseal;
	out->ctx = cfg;
}

int
seal_tpm2_parse_pcrs(uint32_t *mask, const char *list)
{
	const char *p = list;
	uint32_t m = 0, v;

	*mask = 0;
	if (list == NULL || *list == '\0')
		return COFFER_ERR_INVALID_ARG;
	for (;;) {
		if (*p < '0' || *p > '9')
			return COFFER_ERR_INVALID_ARG;
		v = (uint32_t)(*p++ - '0');
		if (*p >= '0' && *p <= '9' && v != 0)
			v = v * 10 + (uint32_t)(*p++ - '0');
		if (v > 23 || (m & (1u << v)) != 0)
			return COFFER_ERR_INVALID_ARG;
		m |= 1u << v;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return COFFER_ERR_INVALID_ARG;
	}
	*mask = m;
	return 0;
}
