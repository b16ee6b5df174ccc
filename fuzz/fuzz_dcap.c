/*
 * libFuzzer harness for Intel DCAP quotes (v3/v4/v5): the quote parser, the
 * strict PEM chain reader, and the full TDX and SGX verification. Any input
 * must parse or fail cleanly, and a parsed quote must account for every byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "attest/attest_dcap.h"
#include "attest/attest_evcrypto.h"
#include "common/err.h"

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
	static const enum attest_format fmts[2] = { ATTEST_FMT_TDX, ATTEST_FMT_SGX };
	STACK_OF(X509) *certs = NULL;
	struct attest_result res;
	struct attest_input in;
	struct dcap_quote q;
	size_t i;

	if (dcap_quote_parse(&q, data, size) == 0) {
		must(q.quote_len + q.trailing_len == size);
		must(q.signed_len <= q.quote_len && q.signed_data == data);
		must(q.body_len == DCAP_SGX_BODY_LEN || q.body_len == DCAP_TDX10_BODY_LEN ||
		    q.body_len == DCAP_TDX15_BODY_LEN);
		must(q.pck_chain >= data && q.pck_chain_len <= DCAP_MAX_CERT_DATA &&
		    (size_t)(q.pck_chain - data) + q.pck_chain_len <= q.quote_len);
		must(q.qe_auth_len <= DCAP_MAX_QE_AUTH);
	} else {
		must(q.body == NULL && q.pck_chain == NULL && q.quote_len == 0);
	}
	if (attest_pem_certs(&certs, data, size, ATTEST_PEM_MAX_CERTS) == 0) {
		must(sk_X509_num(certs) >= 1 && sk_X509_num(certs) <= ATTEST_PEM_MAX_CERTS);
		sk_X509_pop_free(certs, X509_free);
	} else {
		must(certs == NULL);
	}
	memset(&in, 0, sizeof(in));
	in.evidence = data;
	in.len = size;
	in.at = 1688169600;	/* 2023-07-01: inside most samples' PCK validity */
	for (i = 0; i < 2 && size > 0; i++) {
		in.format = fmts[i];
		attest_verify(&res, &in);
		must(res.verdict == ATTEST_VALID || res.reason[0] != '\0');
	}
	return 0;
}
