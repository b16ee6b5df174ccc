/*
 * libFuzzer harness for what the signer parses from TEE devices: the NSM
 * CBOR response, the SEV firmware's MSG_REPORT_RSP and MSG_KEY_RSP, and the
 * host's GHCB certificate table (signer side and verifier side). A device
 * answer is hostile input: parse or fail cleanly, never read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "attest/attest_sevsnp.h"
#include "attest/attest_x509.h"
#include "common/buf.h"
#include "signer/evidence_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t report[SNP_REPORT_LEN], key[32];
	STACK_OF(X509) *s;
	struct cbuf doc;

	cbuf_init(&doc, 0);
	if (evidence_nsm_response(&doc, data, size) == 0 && (doc.len == 0 || doc.len > size))
		abort();
	cbuf_free(&doc);
	(void)evidence_sevguest_parse_report(report, data, size);
	(void)evidence_sevguest_parse_key(key, data, size);
	(void)evidence_snp_certs_check(data, size);
	if ((s = sk_X509_new_null()) != NULL) {
		(void)attest_snp_certs_load(s, data, size);
		attest_x509_stack_free(s);
	}
	return 0;
}
