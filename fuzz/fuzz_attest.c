/*
 * libFuzzer harness for attestation evidence: the first byte picks what the
 * rest feeds — attest_verify with format auto or one forced format (SEV-SNP
 * reports, Azure HCL reports and JSON bundles, TDX/SGX quotes, Nitro
 * documents), the policy file parser, the certificate loader, or the vTPM
 * bincode quote parser. Any input must be judged or refused cleanly, and a
 * result must stay inside its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attest/attest.h"
#include "attest/attest_vtpm.h"
#include "attest/attest_x509.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inside every sample's certificate validity (2025-06-01), so chains are really checked. */
#define FUZZ_AT 1748736000

static void
must(int cond)
{
	if (!cond)
		abort();
}

static void
check_result(const struct attest_result *r, enum attest_verdict v)
{
	size_t i;

	must(v == r->verdict);
	must(v == ATTEST_VALID || v == ATTEST_REFUSED || v == ATTEST_UNUSABLE);
	must(memchr(r->reason, 0, sizeof(r->reason)) != NULL);
	must((v == ATTEST_VALID) == (r->reason[0] == '\0'));
	must(r->nclaims <= ATTEST_MAX_CLAIMS && r->report_data_len <= sizeof(r->report_data));
	must(!r->has_nonce || r->nonce_len <= ATTEST_MAX_NONCE || r->nonce_len == SIZE_MAX);
	for (i = 0; i < r->nclaims; i++) {
		must(memchr(r->claims[i].name, 0, sizeof(r->claims[i].name)) != NULL);
		must(memchr(r->claims[i].value, 0, sizeof(r->claims[i].value)) != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum attest_format fmts[6] = { ATTEST_FMT_AUTO, ATTEST_FMT_SEV_SNP, ATTEST_FMT_AZURE_CVM,
		ATTEST_FMT_TDX, ATTEST_FMT_SGX, ATTEST_FMT_NITRO };
	static struct attest_result res;
	static struct attest_policy pol;
	static struct vtpm_quote q;
	static const uint8_t nonce[9] = "challenge";
	struct attest_input in;
	STACK_OF(X509) *s;
	char why[256];
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0] % 9;
	data++;
	size--;
	if (mode < 6) {
		enum attest_verdict v;

		memset(&in, 0, sizeof(in));
		in.format = fmts[mode];
		in.evidence = data;
		in.len = size;
		in.at = FUZZ_AT;
		in.nonce = nonce;
		in.noncelen = size % 2 ? sizeof(nonce) : 0;
		v = attest_verify(&res, &in);
		check_result(&res, v);
		must(v != ATTEST_VALID || in.format == ATTEST_FMT_AUTO || res.format == in.format);
	} else if (mode == 6) {
		int r = attest_policy_parse(&pol, why, sizeof(why), (const char *)data, size);

		must(r == 0 || r == COFFER_ERR_ATTEST_POLICY || r == COFFER_ERR_BAD_JSON);
		must(pol.nallow <= ATTEST_MAX_ALLOW && pol.expect_report_data_len <= 64);
		must(r == 0 || (pol.nallow == 0 && why[0] != '\0'));
	} else if (mode == 7) {
		if ((s = sk_X509_new_null()) == NULL)
			return 0;
		(void)attest_x509_load(s, data, size);
		must(sk_X509_num(s) <= ATTEST_MAX_CERTS);
		attest_x509_stack_free(s);
	} else {
		if (attest_vtpm_quote_parse_bincode(&q, data, size) == 0)
			must(q.siglen <= VTPM_MAX_SIG && q.msglen <= VTPM_MAX_MSG && q.npcrs <= VTPM_NPCRS);
		else
			must(q.siglen == 0 && q.msglen == 0 && q.npcrs == 0);
	}
	return 0;
}
