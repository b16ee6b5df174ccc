/*
 * Intel TDX: DCAP quote v4 (TDX 1.0 body) and v5 (body type 2 TDX 1.0 or 3
 * TDX 1.5). The quote machinery is attest_dcap.c; this file reads the TD
 * report body into claims, decides debug mode (TDATTRIBUTES bit 0) and checks
 * that the TDX module is Intel's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "attest/attest_dcap.h"
#include "attest/attest_int.h"
#include "common/buf.h"
#include "common/err.h"

/* The TD quote body, TDX 1.0 fields then the TDX 1.5 additions. */
struct tdx_body {
	uint8_t tee_tcb_svn[16];
	uint8_t mrseam[48];
	uint8_t mrsignerseam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];	/* little-endian; bit 0 DEBUG */
	uint8_t xfam[8];
	uint8_t mrtd[48];
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	int v15;			/* the two fields below are present */
	uint8_t tee_tcb_svn2[16];
	uint8_t mrservicetd[48];
};

#define TD_ATTR_DEBUG 0x01	/* TDATTRIBUTES bit 0 (TUD.DEBUG), in byte 0 */

static int
tdx_body_parse(struct tdx_body *b, const struct dcap_quote *q)
{
	struct creader r;
	size_t i;
	int ret;

	memset(b, 0, sizeof(*b));
	creader_init(&r, q->body, q->body_len);
	if ((ret = creader_get_bytes(&r, b->tee_tcb_svn, 16)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrseam, 48)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrsignerseam, 48)) != 0 ||
	    (ret = creader_get_bytes(&r, b->seam_attributes, 8)) != 0 ||
	    (ret = creader_get_bytes(&r, b->td_attributes, 8)) != 0 ||
	    (ret = creader_get_bytes(&r, b->xfam, 8)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrtd, 48)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrconfigid, 48)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrowner, 48)) != 0 ||
	    (ret = creader_get_bytes(&r, b->mrownerconfig, 48)) != 0)
		return ret;
	for (i = 0; i < 4; i++)
		if ((ret = creader_get_bytes(&r, b->rtmr[i], 48)) != 0)
			return ret;
	if ((ret = creader_get_bytes(&r, b->report_data, 64)) != 0)
		return ret;
	if (q->body_type == DCAP_BODY_TDX15) {
		b->v15 = 1;
		if ((ret = creader_get_bytes(&r, b->tee_tcb_svn2, 16)) != 0 ||
		    (ret = creader_get_bytes(&r, b->mrservicetd, 48)) != 0)
			return ret;
	}
	return creader_expect_end(&r);
}

static void
tdx_claims(struct attest_result *out, const struct dcap_quote *q, const struct tdx_body *b)
{
	static const char *rtmr_names[4] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	char num[64];
	size_t i;

	snprintf(num, sizeof(num), "%u", q->version);
	attest_claim_add(out, "quote_version", num);
	attest_claim_add(out, "tdx_module", b->v15 ? "TDX 1.5" : "TDX 1.0");
	attest_claim_add_hex(out, "mrtd", b->mrtd, 48);
	for (i = 0; i < 4; i++)
		attest_claim_add_hex(out, rtmr_names[i], b->rtmr[i], 48);
	attest_claim_add_hex(out, "mrconfigid", b->mrconfigid, 48);
	attest_claim_add_hex(out, "mrowner", b->mrowner, 48);
	attest_claim_add_hex(out, "mrownerconfig", b->mrownerconfig, 48);
	attest_claim_add_hex(out, "report_data", b->report_data, 64);
	attest_claim_add_hex(out, "td_attributes", b->td_attributes, 8);
	attest_claim_add_hex(out, "tee_tcb_svn", b->tee_tcb_svn, 16);
	attest_claim_add_hex(out, "xfam", b->xfam, 8);
	attest_claim_add_hex(out, "mrseam", b->mrseam, 48);
	attest_claim_add_hex(out, "mrsignerseam", b->mrsignerseam, 48);
	attest_claim_add_hex(out, "seam_attributes", b->seam_attributes, 8);
	if (b->v15) {
		attest_claim_add_hex(out, "tee_tcb_svn2", b->tee_tcb_svn2, 16);
		attest_claim_add_hex(out, "mrservicetd", b->mrservicetd, 48);
	}
	if (q->trailing != DCAP_TRAILING_NONE) {
		snprintf(num, sizeof(num), "%zu bytes of %s (unsigned, ignored)", q->trailing_len,
		    q->trailing == DCAP_TRAILING_ZEROS ? "zero padding" : "test suffix");
		attest_claim_add(out, "quote_trailing", num);
	}
}

static int
tdx_detect(const uint8_t *p, size_t n)
{
	struct creader r;
	uint16_t version, key;
	uint32_t tee;

	creader_init(&r, p, n);
	if (creader_get_u16le(&r, &version) != 0 || creader_get_u16le(&r, &key) != 0 ||
	    creader_get_u32le(&r, &tee) != 0)
		return 0;
	return (version == 4 || version == 5) && key == 2 && tee == DCAP_TEE_TDX;
}

static enum attest_verdict
tdx_verify(struct attest_result *out, const struct attest_input *in)
{
	static const uint8_t zero48[48];
	struct dcap_quote q;
	struct tdx_body b;
	enum attest_verdict v;
	int64_t at = in->at != 0 ? in->at : (int64_t)time(NULL);
	int ret;

	if ((ret = dcap_quote_parse(&q, in->evidence, in->len)) != 0)
		return attest_unusable(out, "TDX quote does not parse (%s)", coffer_err_name(ret));
	if (q.tee_type != DCAP_TEE_TDX || q.body_type == DCAP_BODY_SGX)
		return attest_unusable(out, "not a TDX quote (an SGX quote: use --format sgx)");
	if ((ret = tdx_body_parse(&b, &q)) != 0)
		return attest_unusable(out, "TD report body does not parse (%s)", coffer_err_name(ret));
	tdx_claims(out, &q, &b);
	memcpy(out->report_data, b.report_data, 64);
	out->report_data_len = 64;
	out->debug = (b.td_attributes[0] & TD_ATTR_DEBUG) != 0;
	if ((v = dcap_quote_verify(out, &q, at)) != ATTEST_VALID)
		return v;
	/*
	 * The TDX module's identity, as every TCB info Intel's PCS publishes
	 * states it ("tdxModule": mrsigner 48 zero bytes, attributes 0 under an
	 * all-ones mask): a module not signed by Intel is refused.
	 */
	if (memcmp(b.mrsignerseam, zero48, sizeof(zero48)) != 0 || memcmp(b.seam_attributes, zero48, 8) != 0)
		return attest_refuse(out, "TDX module identity: MRSIGNERSEAM/SEAM_ATTRIBUTES are not Intel's");
	return ATTEST_VALID;
}

const struct attest_backend attest_backend_tdx = {
	ATTEST_FMT_TDX,
	"tdx",
	tdx_detect,
	tdx_verify,
};
