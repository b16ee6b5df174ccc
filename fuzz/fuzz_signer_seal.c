/*
 * libFuzzer harness for the sealed blobs that sit on disk: the auto-unlock
 * file (with a stand-in backend whose unseal succeeds on blobs starting 'K',
 * so the AEAD path runs too), the tpm2 blob (TPM2B_PUBLIC/PRIVATE through
 * tpm2-tss's unmarshalling) and the sev-snp blob header. Any input must
 * parse or fail cleanly; nothing may be left in the output on failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "signer/autounlock.h"
#include "signer/seal.h"
#include "signer/seal_snp.h"
#include "signer/seal_tpm2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fake_unseal(void *ctx, uint8_t *out, size_t outsize, size_t *outlen, const uint8_t *blob, size_t bloblen)
{
	(void)ctx;
	*outlen = 0;
	if (bloblen < 1 || blob[0] != 'K' || outsize < 32)
		return COFFER_ERR_SEAL_MISMATCH;
	memset(out, 0x4b, 32);
	*outlen = 32;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pass[AUTOUNLOCK_PASS_MAX];
	static const struct evidence_env nodev = { "/nonexistent-coffer-fuzz", NULL, NULL, NULL, NULL, NULL };
	struct seal_backend fake = { "tpm2", NULL, fake_unseal, NULL }, snp;
	struct seal_snp cfg;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	uint8_t out[64];
	size_t len = 0;
	uint32_t mask;
	char why[128];
	int r;

	fake.seal = seal_backend_none()->seal;	/* never called: opening only */
	r = autounlock_open_bytes(pass, sizeof(pass), &len, why, sizeof(why), data, size, &fake);
	if ((r == 0) != (len > 0) || len > sizeof(pass) || memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	if (seal_tpm2_blob_parse(&mask, &pub, &priv, data, size) == 0 && (mask == 0 || mask >= (1u << 24)))
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.env = &nodev;
	seal_backend_snp(&snp, &cfg);
	r = snp.unseal(snp.ctx, out, sizeof(out), &len, data, size);
	if (r == 0 || len != 0)
		abort();	/* no device: nothing can open */
	return 0;
}
