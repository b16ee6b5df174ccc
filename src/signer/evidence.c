/*
 * Attestation evidence: the binding, backend lookup and detection, and the
 * `none` backend (evidence.h).
 */
#include "signer/evidence.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/secmem.h"

static int
put_field(EVP_MD_CTX *md, const uint8_t *p, size_t n)
{
	uint8_t len[4];

	len[0] = (uint8_t)n;
	len[1] = (uint8_t)(n >> 8);
	len[2] = (uint8_t)(n >> 16);
	len[3] = (uint8_t)(n >> 24);
	return EVP_DigestUpdate(md, len, 4) == 1 && (n == 0 || EVP_DigestUpdate(md, p, n) == 1) ? 0 : -1;
}

int
evidence_binding(uint8_t out[EVIDENCE_BINDING_LEN], const uint8_t *identity,
    const uint8_t unlock[EVIDENCE_UNLOCK_LEN], const uint8_t *nonce, size_t noncelen)
{
	EVP_MD_CTX *md;
	unsigned int len = 0;
	int ret = COFFER_ERR_CRYPTO;

	memset(out, 0, EVIDENCE_BINDING_LEN);
	if (unlock == NULL || nonce == NULL || noncelen == 0 || noncelen > EVIDENCE_NONCE_MAX)
		return COFFER_ERR_INVALID_ARG;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return COFFER_ERR_NOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha512(), NULL) == 1 &&
	    put_field(md, (const uint8_t *)EVIDENCE_DOMAIN, strlen(EVIDENCE_DOMAIN)) == 0 &&
	    put_field(md, identity, identity != NULL ? EVIDENCE_IDENTITY_LEN : 0) == 0 &&
	    put_field(md, unlock, EVIDENCE_UNLOCK_LEN) == 0 &&
	    put_field(md, nonce, noncelen) == 0 &&
	    EVP_DigestFinal_ex(md, out, &len) == 1 && len == EVIDENCE_BINDING_LEN)
		ret = 0;
	EVP_MD_CTX_free(md);
	if (ret != 0)
		memset(out, 0, EVIDENCE_BINDING_LEN);
	return ret;
}

int
evidence_path(char *out, size_t outsize, const struct evidence_env *env, const char *path)
{
	const char *root = env != NULL && env->root != NULL ? env->root : "";
	int n = snprintf(out, outsize, "%s%s", root, path);

	if (n < 0 || (size_t)n >= outsize) {
		if (outsize > 0)
			out[0] = '\0';
		return COFFER_ERR_TOO_LARGE;
	}
	return 0;
}

/* --- none ------------------------------------------------------------------------- */

static int
none_present(const struct evidence_env *env)
{
	(void)env;
	return 1;
}

static int
none_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	(void)env;
	(void)out;
	(void)data;
	(void)nonce;
	(void)noncelen;
	return COFFER_ERR_UNSUPPORTED;
}

const struct evidence_backend evidence_backend_none = {
	"none",
	"no TEE: this signer runs as an ordinary hardened process; no hardware attests its code or "
	"protects its memory from the host's administrator",
	none_present, none_get,
};

/* --- lookup and detection --------------------------------------------------------- */

/* Detection order: the most specific device first (an Azure CVM also has a TPM). */
static const struct evidence_backend *const backends[] = {
	&evidence_backend_nitro, &evidence_backend_gramine, &evidence_backend_sevsnp,
	&evidence_backend_tdx, &evidence_backend_azure, &evidence_backend_none,
};

const struct evidence_backend *
evidence_backend_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct evidence_backend *
evidence_detect(const struct evidence_env *env)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->present(env))
			return backends[i];
	return &evidence_backend_none;
}
