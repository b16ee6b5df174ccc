/* The `none` sealing backend: no platform to seal to; see seal.h. */
#include "signer/seal.h"

#include "common/err.h"
#include "common/secmem.h"

static int
none_seal(void *ctx, struct cbuf *blob, const uint8_t *secret, size_t len)
{
	(void)ctx;
	(void)blob;
	(void)secret;
	(void)len;
	return COFFER_ERR_UNSUPPORTED;
}

static int
none_unseal(void *ctx, uint8_t *out, size_t outsize, size_t *outlen, const uint8_t *blob, size_t bloblen)
{
	(void)ctx;
	(void)blob;
	(void)bloblen;
	secure_wipe(out, outsize);
	*outlen = 0;
	return COFFER_ERR_UNSUPPORTED;
}

static const struct seal_backend none = { "none", none_seal, none_unseal, NULL };

const struct seal_backend *
seal_backend_none(void)
{
	return &none;
}
