/*
 * Intel DCAP (ECDSA) quote machinery shared by the TDX and SGX backends (and
 * by any evidence that carries a TD quote, such as an Azure TDX bundle).
 *
 * A quote is header(48) [v5: u16 body type, u32 body size] body, then u32
 * signature-data length and the signature data: the quote's ECDSA-P256
 * signature (r||s) over header..body by the attestation key (x||y), the
 * quoting enclave's (QE) SGX report signed by the platform's PCK key, the QE
 * authentication data, and certification data type 5: the PEM chain PCK leaf,
 * PCK Platform/Processor CA, Intel SGX Root CA. v3 (SGX) stores the QE report
 * fields directly; v4/v5 wrap them in certification data type 6.
 *
 * dcap_quote_verify() checks, in this order, so that a refusal names the
 * part that is wrong: the PCK chain to the pinned Intel SGX Root CA at the
 * verification time; the QE report signature by the PCK leaf key; the QE's
 * identity (Intel's QE MRSIGNER, ISVPRODID, masked ATTRIBUTES/MISCSELECT);
 * the QE report data binding SHA-256(attestation key || QE auth data) ||
 * 32 zero bytes; the quote signature by the attestation key.
 *
 * Not checked (needs Intel PCS collateral): the TCB status of the platform
 * (TCB info by FMSPC), the QE's TCB level (ISVSVN against the QE identity's
 * TCB levels) and the PCK/root CRLs.
 */
#ifndef COFFER_ATTEST_ATTEST_DCAP_H
#define COFFER_ATTEST_ATTEST_DCAP_H

#include <stddef.h>
#include <stdint.h>

#include "attest/attest.h"

#define DCAP_HEADER_LEN 48
#define DCAP_SGX_BODY_LEN 384		/* an SGX REPORT body */
#define DCAP_TDX10_BODY_LEN 584
#define DCAP_TDX15_BODY_LEN 648
#define DCAP_QE_REPORT_LEN 384
#define DCAP_TEE_SGX 0x00000000u
#define DCAP_TEE_TDX 0x00000081u
#define DCAP_MAX_QE_AUTH 1024		/* QE auth data (32 bytes in every sample) */
#define DCAP_MAX_CERT_DATA 16384	/* the PEM chain (about 3.7 KB in samples) */

/* Body types (v5 descriptor; implied by the version for v3/v4). */
enum dcap_body {
	DCAP_BODY_SGX = 1,
	DCAP_BODY_TDX10 = 2,
	DCAP_BODY_TDX15 = 3,
};

/* What follows the quote's declared end (see dcap_quote_parse). */
enum dcap_trailing {
	DCAP_TRAILING_NONE = 0,
	DCAP_TRAILING_ZEROS,		/* zero padding (fixed-size buffers) */
	DCAP_TRAILING_TEST_SUFFIX,	/* go-tdx-guest's literal test suffix */
};

/* A parsed quote; every pointer points into the caller's buffer. */
struct dcap_quote {
	uint16_t version;		/* 3, 4 or 5 */
	uint16_t att_key_type;		/* 2: ECDSA-256-with-P-256 */
	uint32_t tee_type;		/* DCAP_TEE_SGX or DCAP_TEE_TDX */
	uint16_t qe_svn, pce_svn;
	const uint8_t *qe_vendor_id;	/* 16 */
	const uint8_t *user_data;	/* 20 (header user data: QE-specific) */
	enum dcap_body body_type;
	const uint8_t *body;		/* the SGX report body or the TD report body */
	size_t body_len;
	const uint8_t *signed_data;	/* header .. end of body: what the attestation key signs */
	size_t signed_len;
	const uint8_t *sig;		/* 64: r || s, big-endian */
	const uint8_t *att_key;		/* 64: x || y, big-endian */
	const uint8_t *qe_report;	/* 384: SGX report body of the QE */
	const uint8_t *qe_report_sig;	/* 64: r || s by the PCK key */
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_chain;	/* certification data type 5: PEM */
	size_t pck_chain_len;
	size_t quote_len;		/* bytes up to the end of the signature data */
	enum dcap_trailing trailing;
	size_t trailing_len;
};

/* An SGX REPORT body (384 bytes): the QE report, and an SGX quote's body. */
struct dcap_sgx_report {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t isvextprodid[16];
	uint8_t attributes[16];		/* flags (LE u64: bit 1 DEBUG) then XFRM */
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint8_t configid[64];
	uint16_t isvprodid, isvsvn, configsvn;
	uint8_t isvfamilyid[16];
	uint8_t report_data[64];
};

/* Split a 384-byte SGX REPORT body into its fields. Returns 0 or COFFER_ERR_TRUNCATED/_TRAILING. */
int dcap_sgx_report_parse(struct dcap_sgx_report *rep, const uint8_t *p, size_t n);

/*
 * Parse a DCAP quote (v3, v4 or v5) by its declared lengths.
 * After the signature data only these trailing bytes are accepted, because
 * the public samples carry them and they are outside every signature: any
 * number of zero bytes (a quote returned in a fixed-size buffer: GCP's 8000-
 * byte buffer, trustee's and Azure's 70 bytes) or exactly the 39 bytes
 * "\nextra bytes(only for testing purpose)\n" (go-tdx-guest's SPR E4 sample).
 * Anything else after the quote is refused (COFFER_ERR_TRAILING).
 * Returns 0; COFFER_ERR_TRUNCATED, COFFER_ERR_TOO_LARGE, COFFER_ERR_TRAILING
 * or COFFER_ERR_UNSUPPORTED (unknown version, key type, TEE or body type,
 * certification data type other than 5/6).
 * Out: q (zeroed on failure).
 * In:  p[n] (the buffer must outlive q).
 */
int dcap_quote_parse(struct dcap_quote *q, const uint8_t *p, size_t n);

/*
 * Verify a parsed quote's signatures and chain (see the file comment) at
 * UNIX time `at`, and add the QE claims (qe_svn, pce_svn, qe_isvsvn).
 * Returns ATTEST_VALID, or ATTEST_REFUSED with out->reason set.
 */
enum attest_verdict dcap_quote_verify(struct attest_result *out, const struct dcap_quote *q, int64_t at);

#endif
