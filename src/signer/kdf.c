/* HKDF-SHA256 and the signer's seed-derived keys; see kdf.h. */
#include "signer/kdf.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <secp256k1.h>

#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

int
kdf_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen,
    const uint8_t *salt, size_t saltlen, const uint8_t *info, size_t infolen)
{
	static const uint8_t empty[1];
	OSSL_PARAM params[5], *p = params;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	int ret = COFFER_ERR_CRYPTO;

	if (out == NULL || outlen == 0 || outlen > KDF_HKDF_MAX_OUT)
		return COFFER_ERR_INVALID_ARG;
	secure_wipe(out, outlen);
	if ((ikm == NULL && ikmlen > 0) || (salt == NULL && saltlen > 0) || (info == NULL && infolen > 0))
		return COFFER_ERR_INVALID_ARG;
	/* OpenSSL wants non-NULL buffers; an empty one stands for "none". */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(ikmlen > 0 ? ikm : empty), ikmlen);
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	if (infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1)
		goto out;
	ret = 0;
 out:
	EVP_KDF_CTX_free(ctx);	/* clears its copy of the key material */
	EVP_KDF_free(kdf);
	if (ret != 0)
		secure_wipe(out, outlen);
	return ret;
}

int
kdf_seed_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN], const char *label)
{
	return kdf_hkdf_sha256(out, KDF_KEY_LEN, seed, KDF_SEED_LEN,
	    (const uint8_t *)KDF_SALT, strlen(KDF_SALT), (const uint8_t *)label, strlen(label));
}

int
kdf_storage_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN])
{
	return kdf_seed_key(out, seed, KDF_INFO_STORAGE);
}

int
kdf_state_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN])
{
	return kdf_seed_key(out, seed, KDF_INFO_STATE);
}

int
kdf_identity_key(uint8_t out[KDF_KEY_LEN], const uint8_t seed[KDF_SEED_LEN])
{
	int ret;

	if ((ret = kdf_seed_key(out, seed, KDF_INFO_IDENTITY)) != 0)
		return ret;
	if (!secp256k1_ec_seckey_verify(btc_secp(), out)) {
		secure_wipe(out, KDF_KEY_LEN);
		return COFFER_ERR_DERIVATION;
	}
	return 0;
}
