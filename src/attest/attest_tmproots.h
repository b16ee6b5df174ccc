/*
 * TEMPORARY (tdxnitro branch): pinned Intel SGX Root CA and AWS Nitro root
 * plus a chain check at a given time, until attest_roots.{c,h} lands on main;
 * then this file goes and the DCAP/Nitro backends call attest_roots.
 */
#ifndef COFFER_ATTEST_ATTEST_TMPROOTS_H
#define COFFER_ATTEST_ATTEST_TMPROOTS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* Same names and contracts as attest_roots.h (sevsnp branch). */
enum attest_root_id {
	ATTEST_ROOT_AWS_NITRO = 3,
	ATTEST_ROOT_INTEL_SGX = 4,
};

X509 *attest_root(enum attest_root_id id);
int attest_verify_chain(char *why, size_t why_len, X509 *leaf, STACK_OF(X509) *untrusted,
    enum attest_root_id root, int64_t at);

/* attest_int.h additions on the sevsnp branch (stubbed in attest_tmpcore.c). */
struct attest_result;
void attest_claim_add_u64(struct attest_result *out, const char *name, uint64_t v);
void attest_set_report_data(struct attest_result *out, const uint8_t *p, size_t n);
void attest_set_nonce(struct attest_result *out, const uint8_t *p, size_t n);

#endif
