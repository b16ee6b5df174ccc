/*
 * SGX evidence under Gramine through its pseudo-files (Gramine
 * Documentation/attestation.rst, "Low-level /dev/attestation interface"):
 * check attestation_type is "dcap", write the 64 bytes of report data to
 * /dev/attestation/user_report_data, read /dev/attestation/quote (an SGX DCAP
 * quote v3 whose REPORTDATA must be ours).
 */
#include "signer/evidence_int.h"

#include <string.h>

#include "common/err.h"

#define SGX_QUOTE_MAX ((size_t)16 << 10)
#define SGX_QUOTE_REPORT_DATA 368	/* 48-byte header + REPORTDATA at 320 of the report body */

static int
gramine_present(const struct evidence_env *env)
{
	return evidence_exists(env, GRAMINE_DIR "/quote");
}

static int
gramine_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	char path[EVIDENCE_PATH_MAX], type[32];
	struct cbuf quote;
	int ret;

	(void)nonce;
	(void)noncelen;
	cbuf_init(&quote, SGX_QUOTE_MAX);
	if ((ret = evidence_path(path, sizeof(path), env, GRAMINE_DIR "/attestation_type")) != 0 ||
	    (ret = evidence_read_text(type, sizeof(type), path)) != 0)
		goto out;
	if (strcmp(type, "dcap") != 0) {
		ret = COFFER_ERR_TEE_ABSENT;	/* "none": the manifest has no remote attestation */
		goto out;
	}
	if ((ret = evidence_path(path, sizeof(path), env, GRAMINE_DIR "/user_report_data")) != 0 ||
	    (ret = evidence_write_file(path, data, EVIDENCE_BINDING_LEN)) != 0 ||
	    (ret = evidence_path(path, sizeof(path), env, GRAMINE_DIR "/quote")) != 0 ||
	    (ret = evidence_read_file(&quote, path, SGX_QUOTE_MAX)) != 0)
		goto out;
	if (quote.len < SGX_QUOTE_REPORT_DATA + EVIDENCE_BINDING_LEN || quote.p[0] != 3 || quote.p[1] != 0 ||
	    memcmp(quote.p + SGX_QUOTE_REPORT_DATA, data, EVIDENCE_BINDING_LEN) != 0) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	ret = cbuf_put(out, quote.p, quote.len);
out:
	cbuf_free(&quote);
	return ret == COFFER_ERR_TEE_ABSENT && evidence_exists(env, GRAMINE_DIR "/quote") ? COFFER_ERR_TEE_DEVICE
	    : ret;
}

const struct evidence_backend evidence_backend_gramine = {
	"sgx-gramine",
	"Intel SGX (Gramine): Intel's quoting enclave signs this enclave's MRENCLAVE/MRSIGNER and the "
	"binding; the host's operating system cannot read the enclave's memory",
	gramine_present, gramine_get,
};
