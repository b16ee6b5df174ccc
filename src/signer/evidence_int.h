/*
 * Inside the evidence backends: the device steps each backend is made of,
 * exported so tests can drive them one by one against fake device trees and
 * recorded responses. Not for use outside src/signer and tests.
 */
#ifndef COFFER_SIGNER_EVIDENCE_INT_H
#define COFFER_SIGNER_EVIDENCE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "signer/evidence.h"

#define EVIDENCE_PATH_MAX 512
#define SNP_REPORT_LEN 1184
#define SNP_REPORT_DATA_OFF 0x50
#define SNP_CERTS_MAX ((size_t)32 << 10)	/* GHCB certificate table: VCEK/VLEK + ASK + ARK fit easily */

/* --- files (evidence_file.c) --- */
/* Read a whole file of at most max bytes. Returns 0, COFFER_ERR_TEE_ABSENT (ENOENT),
 * COFFER_ERR_TEE_DEVICE (other errors), COFFER_ERR_TEE_RESPONSE (over max). */
int evidence_read_file(struct cbuf *out, const char *path, size_t max);
/* Write p[n] to an existing attribute (or a new file in a fake tree) in one write. */
int evidence_write_file(const char *path, const uint8_t *p, size_t n);
/* A small text attribute, trailing newline removed. */
int evidence_read_text(char *out, size_t outsize, const char *path);
/* 1 when path exists under env->root. */
int evidence_exists(const struct evidence_env *env, const char *path);
/* ioctl through env->ioctl_fn when set (tests), else ioctl(2). Returns 0 or -1 (errno). */
int evidence_ioctl(const struct evidence_env *env, int fd, unsigned long req, void *arg);

/* --- configfs-tsm (evidence_tsm.c) --- */
#define TSM_REPORT_DIR "/sys/kernel/config/tsm/report"
/* Make the report entry <root>/sys/kernel/config/tsm/report/<name>. Out: entry path. */
int evidence_tsm_open(char *entry, size_t entrysize, const struct evidence_env *env, const char *name);
/* Write the 64 bytes of report data to <entry>/inblob. */
int evidence_tsm_request(const char *entry, const uint8_t data[EVIDENCE_BINDING_LEN]);
/*
 * Read the answer: <entry>/provider must be `provider` ("sev_guest", "tdx_guest"),
 * <entry>/generation must be 1 (our one inblob write) before and after
 * reading <entry>/outblob; auxblob (if present and aux != NULL) too.
 * Returns 0; COFFER_ERR_TEE_DEVICE; COFFER_ERR_TEE_RESPONSE (wrong provider,
 * empty or oversize blob); COFFER_ERR_TEE_RACE (generation not 1).
 */
int evidence_tsm_collect(struct cbuf *outblob, struct cbuf *aux, const char *entry, const char *provider);
/* Remove the entry (best effort). */
void evidence_tsm_close(const char *entry);
/* The three steps in a row, with a fresh entry name. */
int evidence_tsm_get(struct cbuf *outblob, struct cbuf *aux, const struct evidence_env *env,
    const char *provider, const uint8_t data[EVIDENCE_BINDING_LEN]);
/* 1 when configfs-tsm's report directory exists under env->root. */
int evidence_tsm_present(const struct evidence_env *env);

/* --- /dev/sev-guest (evidence_sevguest.c) --- */
#define SEVGUEST_DEV "/dev/sev-guest"
/*
 * Request a report (SNP_GET_EXT_REPORT, then SNP_GET_REPORT if the host has
 * no certificates for us) and parse the firmware's MSG_REPORT_RSP.
 * Out: report (SNP_REPORT_LEN bytes); certs: the GHCB certificate table or empty.
 */
int evidence_sevguest_report(struct cbuf *report, struct cbuf *certs, const struct evidence_env *env,
    const uint8_t data[EVIDENCE_BINDING_LEN]);
/* Parse MSG_REPORT_RSP (status, report_size, report). Out: report[SNP_REPORT_LEN]. */
int evidence_sevguest_parse_report(uint8_t report[SNP_REPORT_LEN], const uint8_t *resp, size_t n);
/* Parse MSG_KEY_RSP (status, derived key). Out: key[32] (secret). */
int evidence_sevguest_parse_key(uint8_t key[32], const uint8_t *resp, size_t n);
/*
 * SNP_GET_DERIVED_KEY: a 32-byte key from the VCEK root (root_key_select 0)
 * mixed with the guest fields in field_select (bit 0 policy, 1 image id,
 * 2 family id, 3 measurement, 4 guest svn, 5 tcb version), at svn / tcb.
 * Out: key[32] (secret; wiped on failure).
 */
int evidence_sevguest_derived_key(uint8_t key[32], const struct evidence_env *env, uint64_t field_select,
    uint32_t guest_svn, uint64_t tcb_version);
/* Check a GHCB certificate table: entries in bounds, terminated. Returns 0 or COFFER_ERR_TEE_RESPONSE. */
int evidence_snp_certs_check(const uint8_t *p, size_t n);

/* --- /dev/nsm (evidence_nsm.c) --- */
#define NSM_DEV "/dev/nsm"
#define NSM_RESPONSE_MAX ((size_t)0x3000)	/* the NSM driver's largest response */
/* CBOR {"Attestation": {"user_data": bstr, "nonce": bstr (null when noncelen is 0), "public_key": null}}. */
int evidence_nsm_request(struct cbuf *out, const uint8_t *user_data, size_t udlen,
    const uint8_t *nonce, size_t noncelen);
/* Parse {"Attestation": {"document": bstr}} (or {"Error": tstr} -> COFFER_ERR_TEE_DEVICE). */
int evidence_nsm_response(struct cbuf *doc, const uint8_t *p, size_t n);

/* --- /dev/attestation under Gramine (evidence_gramine.c) --- */
#define GRAMINE_DIR "/dev/attestation"

/* --- Azure vTPM (evidence_vtpm.c) --- */
#define VTPM_HCL_NV_INDEX 0x01400001u
#define VTPM_AK_HANDLE 0x81000003u
#define VTPM_HCL_MAX ((size_t)8 << 10)

#endif
