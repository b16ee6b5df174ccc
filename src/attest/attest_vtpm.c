/*
 * vTPM quotes (TPM 2.0 Part 2: TPMS_ATTEST / TPMS_QUOTE_INFO, big-endian),
 * their two containers, the AK from Azure's runtime-data JWK, and the checks:
 * signature by the AK, quote type, PCR digest over the supplied PCR values.
 */
#include "attest/attest_vtpm.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "attest/attest_codec.h"
#include "attest/attest_int.h"
#include "btc/hash.h"
#include "common/buf.h"
#include "common/err.h"

#define TPM_GENERATED_VALUE 0xff544347u
#define TPM_ST_ATTEST_QUOTE 0x8018u
#define TPM_ALG_SHA256 0x000bu
#define TPM_MAX_SELECT 4	/* pcrSelect bytes: 24 PCRs need 3; the spec allows up to 4 here */

static int
get_u16be(struct creader *r, uint16_t *out)
{
	uint8_t b[2];
	int e;

	*out = 0;
	if ((e = creader_get_bytes(r, b, 2)) != 0)
		return e;
	*out = (uint16_t)((b[0] << 8) | b[1]);
	return 0;
}

/* TPM2B: u16 size then bytes, size <= max. */
static int
get_tpm2b(struct creader *r, const uint8_t **p, size_t *n, size_t max)
{
	uint16_t len;
	int e;

	*p = NULL;
	*n = 0;
	if ((e = get_u16be(r, &len)) != 0)
		return e;
	if (len > max)
		return COFFER_ERR_TOO_LARGE;
	if ((e = creader_get_ptr(r, p, len)) != 0)
		return e;
	*n = len;
	return 0;
}

int
attest_vtpm_quote_parse_bincode(struct vtpm_quote *q, const uint8_t *p, size_t n)
{
	struct creader r;
	uint64_t len;
	size_t i;
	int e;

	memset(q, 0, sizeof(*q));
	creader_init(&r, p, n);
	if ((e = creader_get_u64le(&r, &len)) != 0)
		goto fail;
	if (len > VTPM_MAX_SIG) {
		e = COFFER_ERR_TOO_LARGE;
		goto fail;
	}
	if ((e = creader_get_bytes(&r, q->sig, (size_t)len)) != 0)
		goto fail;
	q->siglen = (size_t)len;
	if ((e = creader_get_u64le(&r, &len)) != 0)
		goto fail;
	if (len > VTPM_MAX_MSG) {
		e = COFFER_ERR_TOO_LARGE;
		goto fail;
	}
	if ((e = creader_get_bytes(&r, q->msg, (size_t)len)) != 0)
		goto fail;
	q->msglen = (size_t)len;
	if ((e = creader_get_u64le(&r, &len)) != 0)
		goto fail;
	if (len > VTPM_NPCRS) {
		e = COFFER_ERR_TOO_LARGE;
		goto fail;
	}
	for (i = 0; i < len; i++)
		if ((e = creader_get_bytes(&r, q->pcrs[i], 32)) != 0)
			goto fail;
	q->npcrs = (size_t)len;
	if ((e = creader_expect_end(&r)) != 0)
		goto fail;
	return 0;
fail:
	memset(q, 0, sizeof(*q));
	return e;
}

static int
json_field(uint8_t *dst, size_t *dlen, size_t max, const json_t *v)
{
	struct cbuf b;
	int e;

	cbuf_init(&b, max + 1);
	if ((e = attest_json_bytes(&b, v, ATTEST_TEXT_HEX, max)) == 0) {
		if (b.len > 0)
			memcpy(dst, b.p, b.len);
		*dlen = b.len;
	}
	cbuf_free(&b);
	return e;
}

int
attest_vtpm_quote_parse_json(struct vtpm_quote *q, const json_t *obj)
{
	const json_t *pcrs, *v;
	const char *k;
	size_t i, n;
	int e = COFFER_ERR_BAD_JSON;

	memset(q, 0, sizeof(*q));
	if (!json_is_object(obj))
		return COFFER_ERR_BAD_JSON;
	json_object_foreach((json_t *)obj, k, v)
		if (strcmp(k, "signature") != 0 && strcmp(k, "message") != 0 && strcmp(k, "pcrs") != 0)
			goto fail;
	if ((e = json_field(q->sig, &q->siglen, VTPM_MAX_SIG, json_object_get(obj, "signature"))) != 0 ||
	    (e = json_field(q->msg, &q->msglen, VTPM_MAX_MSG, json_object_get(obj, "message"))) != 0)
		goto fail;
	pcrs = json_object_get(obj, "pcrs");
	e = COFFER_ERR_BAD_JSON;
	if (!json_is_array(pcrs))
		goto fail;
	if (json_array_size(pcrs) > VTPM_NPCRS) {
		e = COFFER_ERR_TOO_LARGE;
		goto fail;
	}
	json_array_foreach(pcrs, i, v) {
		if ((e = json_field(q->pcrs[i], &n, 32, v)) != 0)
			goto fail;
		if (n != 32) {
			e = COFFER_ERR_BAD_JSON;
			goto fail;
		}
	}
	q->npcrs = json_array_size(pcrs);
	return 0;
fail:
	memset(q, 0, sizeof(*q));
	return e;
}

static BIGNUM *
b64url_bn(const json_t *v, size_t max)
{
	struct cbuf b;
	BIGNUM *bn = NULL;

	if (!json_is_string(v))
		return NULL;
	cbuf_init(&b, max);
	if (attest_b64any_decode(&b, json_string_value(v), json_string_length(v)) == 0 && b.len > 0)
		bn = BN_bin2bn(b.p, (int)b.len, NULL);
	cbuf_free(&b);
	return bn;
}

int
attest_vtpm_ak_from_runtime(EVP_PKEY **out, const json_t *runtime)
{
	const json_t *keys, *k, *jwk = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	size_t i;
	int r = COFFER_ERR_NOT_FOUND;

	*out = NULL;
	keys = json_object_get(runtime, "keys");
	json_array_foreach(keys, i, k) {
		const json_t *kid = json_object_get(k, "kid");

		if (json_is_string(kid) && strcmp(json_string_value(kid), "HCLAkPub") == 0) {
			if (jwk != NULL)
				return COFFER_ERR_BAD_PUBKEY;	/* two AKs: ambiguous */
			jwk = k;
		}
	}
	if (jwk == NULL)
		return COFFER_ERR_NOT_FOUND;
	r = COFFER_ERR_BAD_PUBKEY;
	if (!json_is_string(json_object_get(jwk, "kty")) ||
	    strcmp(json_string_value(json_object_get(jwk, "kty")), "RSA") != 0)
		goto out;
	if ((n = b64url_bn(json_object_get(jwk, "n"), 512)) == NULL ||
	    (e = b64url_bn(json_object_get(jwk, "e"), 8)) == NULL)
		goto out;
	if (BN_num_bits(n) < 2048 || BN_num_bits(n) > 4096 || !BN_is_odd(e) || BN_is_one(e))
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	r = COFFER_ERR_BAD_PUBKEY;
	if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return r;
}

static int
rsa_pkcs1_sha256_ok(EVP_PKEY *ak, const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t msglen)
{
	EVP_MD_CTX *md;
	int ok = 0;

	if (!EVP_PKEY_is_a(ak, "RSA") || EVP_PKEY_get_bits(ak) < 2048 || (size_t)EVP_PKEY_get_size(ak) != siglen)
		return 0;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, ak) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

enum attest_verdict
attest_vtpm_quote_check(struct attest_result *out, const struct vtpm_quote *q, EVP_PKEY *ak)
{
	struct creader r;
	const uint8_t *signer, *extra, *digest, *sel;
	size_t nsigner, nextra, ndigest, i, j;
	uint32_t magic, count;
	uint16_t type, alg;
	uint8_t selsize, got[32];
	struct sha256_ctx h;
	int selected[VTPM_NPCRS + 8] = { 0 };
	char name[8];

	if (!rsa_pkcs1_sha256_ok(ak, q->sig, q->siglen, q->msg, q->msglen))
		return attest_refuse(out, "vTPM quote signature does not verify with the AK (HCLAkPub)");
	/* The signature holds: the message is the TPM's, but still parse it strictly. */
	creader_init(&r, q->msg, q->msglen);
	if (creader_get_u32be(&r, &magic) != 0 || get_u16be(&r, &type) != 0 ||
	    get_tpm2b(&r, &signer, &nsigner, 68) != 0 || get_tpm2b(&r, &extra, &nextra, 64) != 0 ||
	    creader_skip(&r, 17 + 8) != 0 /* clockInfo, firmwareVersion */ ||
	    creader_get_u32be(&r, &count) != 0)
		return attest_refuse(out, "vTPM quote message (TPMS_ATTEST) is truncated");
	if (magic != TPM_GENERATED_VALUE || type != TPM_ST_ATTEST_QUOTE)
		return attest_refuse(out, "vTPM message is not a TPM-generated quote (magic 0x%08x type 0x%04x)", magic,
		    type);
	if (count != 1)
		return attest_refuse(out, "vTPM quote selects %u PCR banks (want the SHA-256 bank only)", count);
	if (get_u16be(&r, &alg) != 0 || creader_get_u8(&r, &selsize) != 0 || selsize > TPM_MAX_SELECT ||
	    creader_get_ptr(&r, &sel, selsize) != 0 || get_tpm2b(&r, &digest, &ndigest, 64) != 0 ||
	    creader_expect_end(&r) != 0)
		return attest_refuse(out, "vTPM quote PCR selection is malformed");
	if (alg != TPM_ALG_SHA256 || ndigest != 32)
		return attest_refuse(out, "vTPM quote is not over the SHA-256 PCR bank");
	for (i = 0; i < selsize; i++)
		for (j = 0; j < 8; j++)
			if (sel[i] & (1u << j)) {
				if (8 * i + j >= q->npcrs)
					return attest_refuse(out, "vTPM quote selects PCR %zu, which the evidence lacks",
					    8 * i + j);
				selected[8 * i + j] = 1;
			}
	sha256_init(&h);
	for (i = 0; i < q->npcrs; i++)
		if (selected[i])
			sha256_update(&h, q->pcrs[i], 32);
	sha256_final(&h, got);
	if (memcmp(got, digest, 32) != 0)
		return attest_refuse(out, "vTPM PCR values do not match the quote's pcrDigest");
	attest_set_nonce(out, extra, nextra);
	attest_claim_add_hex(out, "nonce", extra, nextra);
	for (i = 0; i < q->npcrs; i++)
		if (selected[i]) {
			snprintf(name, sizeof(name), "pcr%zu", i);
			attest_claim_add_hex(out, name, q->pcrs[i], 32);
		}
	return ATTEST_VALID;
}
