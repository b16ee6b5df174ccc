/*
 * vTPM quotes as Azure confidential VMs produce them (TPM2_Quote by the AK
 * at 0x81000003, RSASSA-PKCS1-v1_5 / SHA-256, 24 SHA-256 PCRs), in the two
 * containers seen in the wild: trustee's JSON object {signature, message,
 * pcrs} and the legacy bincode layout (u64le length + signature, u64le length
 * + TPMS_ATTEST, u64le count + count x 32-byte PCRs).
 */
#ifndef COFFER_ATTEST_ATTEST_VTPM_H
#define COFFER_ATTEST_ATTEST_VTPM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "attest/attest.h"

#define VTPM_MAX_SIG 512	/* RSA-4096 */
#define VTPM_MAX_MSG 1024	/* a quote's TPMS_ATTEST is ~150 bytes */
#define VTPM_NPCRS 24

struct vtpm_quote {
	uint8_t sig[VTPM_MAX_SIG];
	size_t siglen;
	uint8_t msg[VTPM_MAX_MSG];	/* TPMS_ATTEST, big-endian TPM encoding */
	size_t msglen;
	uint8_t pcrs[VTPM_NPCRS][32];	/* SHA-256 bank, PCR i at index i */
	size_t npcrs;
};

/*
 * Parse the legacy bincode layout. Returns 0 or COFFER_ERR_TRUNCATED /
 * COFFER_ERR_TOO_LARGE / COFFER_ERR_TRAILING. Out: q (zeroed on failure).
 */
int attest_vtpm_quote_parse_bincode(struct vtpm_quote *q, const uint8_t *p, size_t n);

/*
 * Parse trustee's JSON object {"signature", "message", "pcrs": [...]}; each
 * value a hex string or an array of byte values.
 * Returns 0 or COFFER_ERR_BAD_JSON / COFFER_ERR_TOO_LARGE. Out: q.
 */
int attest_vtpm_quote_parse_json(struct vtpm_quote *q, const json_t *obj);

/*
 * The AK public key from an Azure runtime-data JSON: the RSA JWK with
 * "kid": "HCLAkPub" in "keys". Returns 0 or COFFER_ERR_NOT_FOUND /
 * COFFER_ERR_BAD_PUBKEY / COFFER_ERR_NOMEM. Out: out (EVP_PKEY_free).
 */
int attest_vtpm_ak_from_runtime(EVP_PKEY **out, const json_t *runtime);

/*
 * Verify a quote: RSASSA-PKCS1-v1_5/SHA-256 signature of the TPMS_ATTEST by
 * ak, magic TPM_GENERATED and type ATTEST_QUOTE, PCR selection only in the
 * SHA-256 bank, and pcrDigest == SHA-256 of the selected PCR values in order.
 * Records the qualifying data with attest_set_nonce() (and claim "nonce"),
 * and the selected PCRs as claims pcr0..pcr23.
 * Returns ATTEST_VALID or ATTEST_REFUSED (reason set).
 */
enum attest_verdict attest_vtpm_quote_check(struct attest_result *out, const struct vtpm_quote *q,
    EVP_PKEY *ak);

#endif
