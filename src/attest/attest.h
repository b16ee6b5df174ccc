/*
 * Attestation evidence verification (the `coffer verify` library).
 *
 * One entry point, attest_verify(), takes evidence bytes of any supported
 * format, optional caller-supplied certificates, a verification time and a
 * policy, and fills a struct attest_result with the verdict, the reason for a
 * refusal and the measured values. Each format lives in its own backend file
 * (attest_sevsnp.c, attest_azure.c, attest_tdx.c, attest_sgx.c,
 * attest_nitro.c) behind the small interface in attest_int.h; vendor roots
 * are pinned in attest_roots.c.
 *
 * Verdicts: ATTEST_VALID (signature, certificate chain, binding and policy
 * all hold), ATTEST_REFUSED (the evidence is well-formed enough to judge and
 * fails a check: reason says which), ATTEST_UNUSABLE (the input cannot be
 * parsed at all or arguments are wrong).
 */
#ifndef COFFER_ATTEST_ATTEST_H
#define COFFER_ATTEST_ATTEST_H

#include <stddef.h>
#include <stdint.h>

enum attest_format {
	ATTEST_FMT_AUTO = 0,
	ATTEST_FMT_SEV_SNP,	/* raw 1184-byte SNP report (v2/v3/v5) */
	ATTEST_FMT_AZURE_CVM,	/* Azure HCL report (+ vTPM quote) or an evidence bundle */
	ATTEST_FMT_TDX,		/* Intel TDX DCAP quote v4/v5 */
	ATTEST_FMT_SGX,		/* Intel SGX DCAP quote v3 (Gramine, Occlum) */
	ATTEST_FMT_NITRO,	/* AWS Nitro attestation document (COSE_Sign1) */
};

enum attest_verdict {
	ATTEST_VALID = 0,
	ATTEST_REFUSED = 1,
	ATTEST_UNUSABLE = 2,
};

/* Largest evidence accepted (bytes, after hex/base64 decoding). */
#define ATTEST_MAX_EVIDENCE (1u << 20)
#define ATTEST_MAX_CLAIMS 96	/* SNP fields + Azure's 24 PCRs + runtime data fit with room */
#define ATTEST_MAX_CERTS 16
#define ATTEST_MAX_POLICY_VALUES 16
#define ATTEST_MAX_ALLOW 16	/* allow-lists in one policy */
#define ATTEST_MAX_NONCE 512	/* bytes (Nitro allows nonces up to 512) */
#define ATTEST_BINDING_LEN 64	/* Coffer's key binding: SHA-512 */

/* A measured value reported to the user: name ("measurement", "pcr0", "mrtd", ...) and hex/text value. */
struct attest_claim {
	char name[32];
	char value[200];
};

/* One allow-list: a claim name and the values it may take (empty list: unconstrained). */
struct attest_allow {
	char name[32];
	char values[ATTEST_MAX_POLICY_VALUES][200];
	size_t nvalues;
};

struct attest_policy {
	int allow_debug;		/* 0: debug-mode guests/enclaves are refused */
	/*
	 * Minimum TCB: for SNP the component SPLs of REPORTED_TCB (the TCB the
	 * VCEK/VLEK certifies); 0 means no minimum. When any is set, evidence
	 * without these claims (tcb_bootloader, tcb_tee, tcb_snp, tcb_microcode,
	 * tcb_fmc) is refused.
	 */
	uint8_t min_tcb_bootloader, min_tcb_tee, min_tcb_snp, min_tcb_microcode;
	uint8_t min_tcb_fmc;		/* Turin only */
	/* Each list constrains one claim: it must exist and equal one of the values (hex case-insensitive). */
	struct attest_allow allow[ATTEST_MAX_ALLOW];	/* e.g. {"measurement", {...}}, {"pcr0", {...}} */
	size_t nallow;
	/* Expected report data: when set, the evidence's bound data must start with these bytes. */
	uint8_t expect_report_data[64];
	size_t expect_report_data_len;	/* 0: not checked */
};

struct attest_cert {
	const uint8_t *der;
	size_t len;
};

struct attest_input {
	enum attest_format format;	/* ATTEST_FMT_AUTO: detect */
	const uint8_t *evidence;	/* binary (the caller decodes hex/base64 first) */
	size_t len;
	struct attest_cert certs[ATTEST_MAX_CERTS];	/* caller-supplied DER certificates (VCEK, chains...) */
	size_t ncerts;
	int64_t at;			/* verification time, UNIX seconds (0: now) */
	/*
	 * Expected nonce, or NULL. It must equal the evidence's own nonce field
	 * (result nonce: Nitro nonce, Azure vTPM quote qualifying data) when the
	 * format has one, otherwise the start of the bound report data.
	 */
	const uint8_t *nonce;
	size_t noncelen;		/* <= ATTEST_MAX_NONCE */
	const struct attest_policy *policy;	/* NULL: the default policy */
	/*
	 * Expected Coffer binding (ATTEST_BINDING_LEN bytes: evidence_binding() of
	 * the signer's keys and the caller's nonce, docs/ATTESTATION.md), or NULL.
	 * It must equal the whole report data, or the format's nonce field (the
	 * Azure vTPM quote's qualifying data).
	 */
	const uint8_t *binding;
};

struct attest_result {
	enum attest_verdict verdict;
	enum attest_format format;	/* as detected */
	char reason[256];		/* why refused or unusable; "" when valid */
	int debug;			/* 1 when the guest/enclave runs in debug mode */
	uint8_t report_data[64];	/* data bound by the evidence (SNP REPORT_DATA, TDX REPORTDATA, Nitro user_data prefix...) */
	size_t report_data_len;
	/* The evidence's own nonce field when its format has one (Nitro nonce, Azure vTPM qualifying data). */
	uint8_t nonce[ATTEST_MAX_NONCE];
	size_t nonce_len;
	int has_nonce;
	struct attest_claim claims[ATTEST_MAX_CLAIMS];
	size_t nclaims;
};

/* The default policy: debug refused, no measurement constraints, no TCB minimum. */
void attest_policy_default(struct attest_policy *p);

/*
 * Parse a policy file (JSON, format in docs/ATTESTATION.md):
 *   {"allow_debug": false,
 *    "min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115, "fmc": 0},
 *    "measurements": ["<hex>", ...], "mrtd": ["<hex>", ...],
 *    "pcrs": {"0": ["<hex>", ...], "7": [...]},
 *    "allow": {"<claim name>": ["<value>", ...]},
 *    "report_data": "<hex, 1..64 bytes>"}
 * Every key is optional; unknown keys, wrong types and oversize lists are refused.
 * Returns 0 or COFFER_ERR_ATTEST_POLICY / COFFER_ERR_BAD_JSON (why says which key).
 * Out: out (the default policy on failure); why (why_len bytes, NUL-terminated).
 * In:  json, len: the file's bytes (<= 64 KiB).
 */
int attest_policy_parse(struct attest_policy *out, char *why, size_t why_len, const char *json, size_t len);

/*
 * Verify evidence.
 * Returns the verdict (also in out->verdict). Never crashes on any input.
 * Out: out (always fully written; claims hold what could be read even when refused).
 * In:  in (evidence and certificates are not retained).
 */
enum attest_verdict attest_verify(struct attest_result *out, const struct attest_input *in);

/* Parse a format name (auto|sev-snp|azure-cvm|tdx|sgx|nitro). Returns 0 or -1. */
int attest_format_parse(enum attest_format *out, const char *name);
const char *attest_format_name(enum attest_format f);

#endif
