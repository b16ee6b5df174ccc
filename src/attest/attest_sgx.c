/*
 * Intel SGX: DCAP quote v3 (Gramine's /dev/attestation/quote, Occlum). The
 * quote machinery is attest_dcap.c; this file reads the enclave's report body
 * into claims and decides debug mode (ATTRIBUTES.DEBUG, flags bit 1).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "attest/attest_dcap.h"
#include "attest/attest_int.h"
#include "common/err.h"

#define SGX_ATTR_DEBUG 0x02	/* ATTRIBUTES.FLAGS bit 1, in byte 0 */

static void
sgx_claims(struct attest_result *out, const struct dcap_quote *q, const struct dcap_sgx_report *rep)
{
	char num[64];

	snprintf(num, sizeof(num), "%u", q->version);
	attest_claim_add(out, "quote_version", num);
	attest_claim_add_hex(out, "mrenclave", rep->mrenclave, 32);
	attest_claim_add_hex(out, "mrsigner", rep->mrsigner, 32);
	snprintf(num, sizeof(num), "%u", rep->isvprodid);
	attest_claim_add(out, "isv_prod_id", num);
	snprintf(num, sizeof(num), "%u", rep->isvsvn);
	attest_claim_add(out, "isv_svn", num);
	attest_claim_add_hex(out, "attributes", rep->attributes, 16);
	attest_claim_add_hex(out, "report_data", rep->report_data, 64);
	attest_claim_add_hex(out, "cpusvn", rep->cpusvn, 16);
	snprintf(num, sizeof(num), "%08x", rep->miscselect);
	attest_claim_add(out, "miscselect", num);
	attest_claim_add_hex(out, "isv_ext_prod_id", rep->isvextprodid, 16);
	attest_claim_add_hex(out, "isv_family_id", rep->isvfamilyid, 16);
	attest_claim_add_hex(out, "config_id", rep->configid, 64);
	snprintf(num, sizeof(num), "%u", rep->configsvn);
	attest_claim_add(out, "config_svn", num);
	if (q->trailing != DCAP_TRAILING_NONE) {
		snprintf(num, sizeof(num), "%zu bytes of %s (unsigned, ignored)", q->trailing_len,
		    q->trailing == DCAP_TRAILING_ZEROS ? "zero padding" : "test suffix");
		attest_claim_add(out, "quote_trailing", num);
	}
}

static int
sgx_detect(const uint8_t *p, size_t n)
{
	/* version 3, attestation key type 2 (ECDSA P-256), TEE type 0 (SGX) */
	static const uint8_t magic[8] = { 3, 0, 2, 0, 0, 0, 0, 0 };

	return n >= sizeof(magic) && memcmp(p, magic, sizeof(magic)) == 0;
}

static enum attest_verdict
sgx_verify(struct attest_result *out, const struct attest_input *in)
{
	struct dcap_quote q;
	struct dcap_sgx_report rep;
	int64_t at = in->at != 0 ? in->at : (int64_t)time(NULL);
	int ret;

	if ((ret = dcap_quote_parse(&q, in->evidence, in->len)) != 0)
		return attest_unusable(out, "SGX quote does not parse (%s)", coffer_err_name(ret));
	if (q.version != 3 || q.tee_type != DCAP_TEE_SGX)
		return attest_unusable(out, "not an SGX quote v3 (a TDX quote: use --format tdx)");
	if ((ret = dcap_sgx_report_parse(&rep, q.body, q.body_len)) != 0)
		return attest_unusable(out, "SGX report body does not parse (%s)", coffer_err_name(ret));
	sgx_claims(out, &q, &rep);
	memcpy(out->report_data, rep.report_data, 64);
	out->report_data_len = 64;
	out->debug = (rep.attributes[0] & SGX_ATTR_DEBUG) != 0;
	return dcap_quote_verify(out, &q, at);
}

const struct attest_backend attest_backend_sgx = {
	ATTEST_FMT_SGX,
	"sgx",
	sgx_detect,
	sgx_verify,
};
