/*
 * AMD SEV-SNP attestation report verification, shared by the sev-snp backend
 * and the Azure backend (whose HCL report embeds an SNP report).
 */
#ifndef COFFER_ATTEST_ATTEST_SEVSNP_H
#define COFFER_ATTEST_ATTEST_SEVSNP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "attest/attest.h"

#define SNP_REPORT_SIZE 0x4A0u		/* 1184 bytes for v2, v3 and v5 */
#define SNP_SIGNED_SIZE 0x2A0u		/* the signature covers bytes 0 .. 0x29F */
#define SNP_POLICY_DEBUG (1ull << 19)

/*
 * Verify one SNP report: layout and reserved fields, KEY_INFO, the VCEK or
 * VLEK found among certs (chained through the pinned ASK/ASVK to the pinned
 * ARK of the report's product at time at), VCEK HWID == CHIP_ID, the
 * certificate's SPL extensions == REPORTED_TCB, and the ECDSA P-384 signature.
 * Adds the report's claims to out (also when refused, for what was parsed),
 * sets out->debug and out->report_data.
 * Returns ATTEST_VALID, ATTEST_REFUSED or ATTEST_UNUSABLE (not 1184 bytes).
 * In: report, len; certs: candidate leaves and intermediates (may be NULL or empty).
 */
enum attest_verdict attest_sevsnp_check(struct attest_result *out, const uint8_t *report, size_t len,
    STACK_OF(X509) *certs, int64_t at);

/*
 * The HWID extension of a VCEK (= the chip's CHIP_ID), stored raw (64 bytes;
 * Turin 8) or wrapped in a DER OCTET STRING; both are accepted.
 * Returns 0, COFFER_ERR_NOT_FOUND or COFFER_ERR_ATTEST_BAD_CERT.
 * Out: out (zero-padded), n: 64 or 8.
 */
int attest_sevsnp_vcek_hwid(uint8_t out[64], size_t *n, const X509 *vcek);

/* 1 if p looks like an SNP report (size, version 2..5, signature algorithm 1). */
int attest_sevsnp_looks_like(const uint8_t *p, size_t n);

/*
 * Append the DER certificates (VCEK, VLEK, ASK, ARK entries) of a GHCB
 * certificate table to stack; other entries are skipped.
 * Returns 0, COFFER_ERR_TRUNCATED (no terminating entry), COFFER_ERR_TOO_LARGE,
 * COFFER_ERR_ATTEST_BAD_CERT (an entry out of bounds or not DER), COFFER_ERR_NOMEM.
 */
int attest_snp_certs_load(STACK_OF(X509) *stack, const uint8_t *p, size_t n);

#endif
