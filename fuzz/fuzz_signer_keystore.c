/*
 * libFuzzer harness for the keystore file parser (ks_file_parse): any bytes
 * must parse or fail with a keystore error, never crash or read out of
 * bounds. A file that parses carries in-bounds Argon2id parameters and a
 * header that re-encodes to the same bytes. Argon2id itself never runs here:
 * a fuzzer-chosen cost is exactly what the parser exists to refuse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "signer/keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_header h;
	const uint8_t *ct = NULL;
	uint8_t hdr[KS_HEADER_LEN];
	int ret;

	ret = ks_file_parse(&h, &ct, data, size);
	if (ret != 0) {
		must(ret == COFFER_ERR_KS_TRUNCATED || ret == COFFER_ERR_KS_FOREIGN ||
		    ret == COFFER_ERR_KS_VERSION || ret == COFFER_ERR_KS_TAMPERED ||
		    ret == COFFER_ERR_KS_MALFORMED || ret == COFFER_ERR_KS_KDF_PARAMS);
		must(ct == NULL && h.version == 0 && h.kdf.opslimit == 0);
		return 0;
	}
	must(size == KS_FILE_LEN && ct == data + KS_HEADER_LEN);
	must(ks_kdf_check(&h.kdf) == 0);
	must(h.kdf.memlimit_kib <= KS_KDF_MEMLIMIT_KIB_MAX && h.kdf.opslimit <= KS_KDF_OPSLIMIT_MAX);
	must(ks_header_encode(hdr, &h) == 0);
	must(memcmp(hdr, data, KS_HEADER_LEN) == 0);
	return 0;
}
