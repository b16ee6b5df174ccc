/*
 * Azure confidential VM pieces the tests reach directly (the backend itself is
 * attest_backend_azure): the HCL report's runtime-data binding, and the match
 * of an HCL TDREPORT with the TD quote made from it.
 */
#ifndef COFFER_ATTEST_ATTEST_AZURE_H
#define COFFER_ATTEST_ATTEST_AZURE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Whether an HCL report's runtime JSON is bound by its hardware report
 * (hash in SNP REPORT_DATA or TDREPORT REPORTDATA, rest zero). Checks layout
 * and binding only, no signature. Returns 1 bound, 0 not bound, -1 malformed.
 */
int attest_azure_hcl_runtime_bound(const uint8_t *p, size_t n);

/*
 * Whether a TDREPORT's REPORTDATA and TDINFO (attributes, XFAM, MRTD,
 * MRCONFIGID, MRs of the owner, RTMR0..3) equal the body of a TD quote v4/v5
 * (which the TDX backend verifies). Returns 0 if they do, -1 otherwise.
 */
int attest_azure_tdreport_matches_quote(const uint8_t *tdreport, size_t tdlen, const uint8_t *quote, size_t qlen);

#endif
