/*
 * SEV-SNP sealing with the firmware's derived key (seal_snp.h).
 *
 * Blob: "COFFSNPK" | u8 version 1 | u64 field_select | u32 guest_svn |
 *   u64 tcb_version | u8[24] nonce | XChaCha20-Poly1305 ciphertext of the
 *   secret (+16-byte tag), with everything before it as associated data.
 */
#include "signer/seal_snp.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/secmem.h"
#include "signer/evidence_int.h"

#define MAGIC "COFFSNPK"
#define VERSION 1
#define HDR_LEN (8 + 1 + 8 + 4 + 8 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define FIELDS_KNOWN 0x3fu

static uint64_t
fields_of(const struct seal_snp *c)
{
	return c->field_select != 0 ? c->field_select : SEAL_SNP_FIELDS_DEFAULT;
}

static int
derive(uint8_t key[32], const struct seal_snp *c, uint64_t fields, uint32_t svn, uint64_t tcb)
{
	int ret = evidence_sevguest_derived_key(key, c->env, fields, svn, tcb);

	return ret == COFFER_ERR_TEE_ABSENT ? COFFER_ERR_UNSUPPORTED : ret;
}

static int
snp_seal(void *ctx, struct cbuf *blob, const uint8_t *secret, size_t len)
{
	struct seal_snp *c = ctx;
	uint8_t key[32], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[SEAL_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned long long ctlen = 0;
	uint64_t fields = fields_of(c);
	size_t start = blob->len;
	int ret;

	if (len == 0 || len > SEAL_SECRET_MAX || (fields & ~(uint64_t)FIELDS_KNOWN) != 0)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = derive(key, c, fields, c->guest_svn, c->tcb_version)) != 0)
		return ret;
	secure_random(nonce, sizeof(nonce));
	if ((ret = cbuf_put(blob, (const uint8_t *)MAGIC, 8)) != 0 || (ret = cbuf_put_u8(blob, VERSION)) != 0 ||
	    (ret = cbuf_put_u64le(blob, fields)) != 0 || (ret = cbuf_put_u32le(blob, c->guest_svn)) != 0 ||
	    (ret = cbuf_put_u64le(blob, c->tcb_version)) != 0 || (ret = cbuf_put(blob, nonce, sizeof(nonce))) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, secret, len, blob->p + start, HDR_LEN, NULL,
	    nonce, key) != 0) {
		ret = COFFER_ERR_CRYPTO;
		goto out;
	}
	ret = cbuf_put(blob, ct, (size_t)ctlen);
out:
	secure_wipe(key, sizeof(key));
	return ret;
}

static int
snp_unseal(void *ctx, uint8_t *out, size_t outsize, size_t *outlen, const uint8_t *blob, size_t bloblen)
{
	struct seal_snp *c = ctx;
	struct creader r;
	const uint8_t *magic, *nonce, *ct;
	uint8_t key[32], version;
	uint64_t fields, tcb;
	uint32_t svn;
	unsigned long long ptlen = 0;
	size_t ctlen;
	int ret;

	secure_wipe(out, outsize);
	*outlen = 0;
	creader_init(&r, blob, bloblen);
	if (creader_get_ptr(&r, &magic, 8) != 0 || memcmp(magic, MAGIC, 8) != 0 ||
	    creader_get_u8(&r, &version) != 0 || version != VERSION || creader_get_u64le(&r, &fields) != 0 ||
	    fields == 0 || (fields & ~(uint64_t)FIELDS_KNOWN) != 0 || creader_get_u32le(&r, &svn) != 0 ||
	    creader_get_u64le(&r, &tcb) != 0 ||
	    creader_get_ptr(&r, &nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) != 0)
		return COFFER_ERR_SEAL_FOREIGN;
	ctlen = creader_remaining(&r);
	if (ctlen <= crypto_aead_xchacha20poly1305_ietf_ABYTES ||
	    ctlen > SEAL_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES || creader_get_ptr(&r, &ct, ctlen) != 0)
		return COFFER_ERR_SEAL_FOREIGN;
	if (ctlen - crypto_aead_xchacha20poly1305_ietf_ABYTES > outsize)
		return COFFER_ERR_TOO_LARGE;
	/* The blob says what to derive with: the firmware mixes in this guest's own values for those fields. */
	if ((ret = derive(key, c, fields, svn, tcb)) != 0)
		return ret;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &ptlen, NULL, ct, ctlen, blob, HDR_LEN, nonce, key) != 0) {
		secure_wipe(out, outsize);
		ret = COFFER_ERR_SEAL_MISMATCH;
	} else {
		*outlen = (size_t)ptlen;
	}
	secure_wipe(key, sizeof(key));
	return ret;
}

void
seal_backend_snp(struct seal_backend *out, struct seal_snp *cfg)
{
	out->name = "sev-snp";
	out->seal = snp_seal;
	out->unseal = snp_unseal;
	out->ctx = cfg;
}
