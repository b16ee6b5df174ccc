/*
 * AMD SEV-SNP: the 1184-byte ATTESTATION_REPORT (v2, v3, v5; SNP ABI spec
 * 56860 table 22, layout in ../shared/reference/tee.md 1.1) signed with ECDSA
 * P-384 by a VCEK (per chip and TCB) or VLEK (per cloud provider), whose
 * certificate chains through the ASK/ASVK to the product's ARK.
 */
#include "attest/attest_sevsnp.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "attest/attest_int.h"
#include "attest/attest_roots.h"
#include "attest/attest_x509.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

#define KEY_INFO_AUTHOR_KEY_EN 0x1u
#define KEY_INFO_MASK_CHIP_KEY 0x2u
#define KEY_INFO_SIGNING_KEY(k) (((k) >> 2) & 0x7u)
#define KEY_INFO_MBZ 0xFFFFFFE0u
#define SIGNING_KEY_VCEK 0
#define SIGNING_KEY_VLEK 1

#define AMD_OID "1.3.6.1.4.1.3704.1."

struct snp_report {
	uint32_t version, guest_svn;
	uint64_t policy;
	uint8_t family_id[16], image_id[16];
	uint32_t vmpl, sig_algo;
	uint64_t current_tcb, platform_info;
	uint32_t key_info, rsv_04c;
	uint8_t report_data[64], measurement[48], host_data[32], id_key_digest[48], author_key_digest[48];
	uint8_t report_id[32], report_id_ma[32];
	uint64_t reported_tcb;
	uint8_t cpuid_fam, cpuid_mod, cpuid_step, rsv_18b[21];
	uint8_t chip_id[64];
	uint64_t committed_tcb;
	uint8_t current_build, current_minor, current_major, rsv_1eb;
	uint8_t committed_build, committed_minor, committed_major, rsv_1ef;
	uint64_t launch_tcb, launch_mit_vector, current_mit_vector;
	uint8_t rsv_208[0x98];
	uint8_t sig_r[72], sig_s[72], rsv_330[0x170];
};

/* TCB_VERSION components; the byte layout depends on the product line. */
struct snp_tcb {
	unsigned fmc, bl, tee, snp, ucode;
};

static void
tcb_split(struct snp_tcb *t, uint64_t v, enum attest_amd_product p)
{
	memset(t, 0, sizeof(*t));
	if (p == ATTEST_AMD_TURIN) {
		t->fmc = (unsigned)(v & 0xff);
		t->bl = (unsigned)((v >> 8) & 0xff);
		t->tee = (unsigned)((v >> 16) & 0xff);
		t->snp = (unsigned)((v >> 24) & 0xff);
	} else {
		t->bl = (unsigned)(v & 0xff);
		t->tee = (unsigned)((v >> 8) & 0xff);
		t->snp = (unsigned)((v >> 48) & 0xff);
	}
	t->ucode = (unsigned)((v >> 56) & 0xff);
}

static int
parse_report(struct snp_report *r, const uint8_t *p, size_t n)
{
	struct creader cr;
	int e = 0;

	memset(r, 0, sizeof(*r));
	creader_init(&cr, p, n);
	e |= creader_get_u32le(&cr, &r->version);
	e |= creader_get_u32le(&cr, &r->guest_svn);
	e |= creader_get_u64le(&cr, &r->policy);
	e |= creader_get_bytes(&cr, r->family_id, 16);
	e |= creader_get_bytes(&cr, r->image_id, 16);
	e |= creader_get_u32le(&cr, &r->vmpl);
	e |= creader_get_u32le(&cr, &r->sig_algo);
	e |= creader_get_u64le(&cr, &r->current_tcb);
	e |= creader_get_u64le(&cr, &r->platform_info);
	e |= creader_get_u32le(&cr, &r->key_info);
	e |= creader_get_u32le(&cr, &r->rsv_04c);
	e |= creader_get_bytes(&cr, r->report_data, 64);
	e |= creader_get_bytes(&cr, r->measurement, 48);
	e |= creader_get_bytes(&cr, r->host_data, 32);
	e |= creader_get_bytes(&cr, r->id_key_digest, 48);
	e |= creader_get_bytes(&cr, r->author_key_digest, 48);
	e |= creader_get_bytes(&cr, r->report_id, 32);
	e |= creader_get_bytes(&cr, r->report_id_ma, 32);
	e |= creader_get_u64le(&cr, &r->reported_tcb);
	e |= creader_get_u8(&cr, &r->cpuid_fam);
	e |= creader_get_u8(&cr, &r->cpuid_mod);
	e |= creader_get_u8(&cr, &r->cpuid_step);
	e |= creader_get_bytes(&cr, r->rsv_18b, sizeof(r->rsv_18b));
	e |= creader_get_bytes(&cr, r->chip_id, 64);
	e |= creader_get_u64le(&cr, &r->committed_tcb);
	e |= creader_get_u8(&cr, &r->current_build);
	e |= creader_get_u8(&cr, &r->current_minor);
	e |= creader_get_u8(&cr, &r->current_major);
	e |= creader_get_u8(&cr, &r->rsv_1eb);
	e |= creader_get_u8(&cr, &r->committed_build);
	e |= creader_get_u8(&cr, &r->committed_minor);
	e |= creader_get_u8(&cr, &r->committed_major);
	e |= creader_get_u8(&cr, &r->rsv_1ef);
	e |= creader_get_u64le(&cr, &r->launch_tcb);
	e |= creader_get_u64le(&cr, &r->launch_mit_vector);
	e |= creader_get_u64le(&cr, &r->current_mit_vector);
	e |= creader_get_bytes(&cr, r->rsv_208, sizeof(r->rsv_208));
	e |= creader_get_bytes(&cr, r->sig_r, 72);
	e |= creader_get_bytes(&cr, r->sig_s, 72);
	e |= creader_get_bytes(&cr, r->rsv_330, sizeof(r->rsv_330));
	/* creader getters return 0 or a negative code: OR-ing keeps "nonzero means failed". */
	if (e != 0 || creader_expect_end(&cr) != 0)
		return COFFER_ERR_TRUNCATED;
	return 0;
}

int
attest_sevsnp_looks_like(const uint8_t *p, size_t n)
{
	struct creader cr;
	uint32_t version = 0, algo = 0;

	/* The report alone, or followed by a GHCB certificate table (at least its terminator). */
	if (n != SNP_REPORT_SIZE && (n < SNP_REPORT_SIZE + 24 || n > SNP_REPORT_SIZE + ((size_t)64 << 10)))
		return 0;
	creader_init(&cr, p, SNP_REPORT_SIZE);
	if (creader_get_u32le(&cr, &version) != 0 || creader_skip(&cr, 0x30) != 0 ||
	    creader_get_u32le(&cr, &algo) != 0)
		return 0;
	return version >= 2 && version <= 5 && algo == 1;
}

/* Reserved fields must be zero; so must the unsigned padding of R and S and the tail. */
static const char *
check_reserved(const struct snp_report *r)
{
	if (r->rsv_04c != 0)
		return "reserved bytes 0x4c..0x4f";
	if (r->version < 3 && (r->cpuid_fam | r->cpuid_mod | r->cpuid_step) != 0)
		return "reserved bytes 0x188..0x18a (v2)";
	if (!secure_is_zero(r->rsv_18b, sizeof(r->rsv_18b)))
		return "reserved bytes 0x18b..0x19f";
	if (r->rsv_1eb != 0 || r->rsv_1ef != 0)
		return "reserved version bytes 0x1eb/0x1ef";
	if (r->version < 5 && (r->launch_mit_vector | r->current_mit_vector) != 0)
		return "reserved bytes 0x1f8..0x207 (before v5)";
	if (!secure_is_zero(r->rsv_208, sizeof(r->rsv_208)))
		return "reserved bytes 0x208..0x29f";
	if (!secure_is_zero(r->sig_r + 48, 24) || !secure_is_zero(r->sig_s + 48, 24))
		return "signature R/S padding";
	if (!secure_is_zero(r->rsv_330, sizeof(r->rsv_330)))
		return "reserved signature bytes 0x330..0x49f";
	return NULL;
}

/*
 * Which product lines the report can come from (bit per product). v3+ names
 * the CPU; v2 does not, but a CHIP_ID using only 8 bytes is Turin's.
 */
static unsigned
product_candidates(const struct snp_report *r, int vlek)
{
	if (r->version >= 3) {
		if (r->cpuid_fam == 0x19 && r->cpuid_mod <= 0x0f)
			return 1u << ATTEST_AMD_MILAN;
		if (r->cpuid_fam == 0x19 && ((r->cpuid_mod >= 0x10 && r->cpuid_mod <= 0x1f) ||
		    (r->cpuid_mod >= 0xa0 && r->cpuid_mod <= 0xaf)))
			return 1u << ATTEST_AMD_GENOA;
		if (r->cpuid_fam == 0x1a && r->cpuid_mod <= 0x11)
			return 1u << ATTEST_AMD_TURIN;
		return 0;
	}
	if (vlek || secure_is_zero(r->chip_id, 64))
		return 7u;	/* no CHIP_ID to go by: the certificate chain decides */
	if (secure_is_zero(r->chip_id + 8, 56))
		return 1u << ATTEST_AMD_TURIN;
	return (1u << ATTEST_AMD_MILAN) | (1u << ATTEST_AMD_GENOA);
}

static void
claim_u64x(struct attest_result *out, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	attest_claim_add(out, name, buf);
}

static void
add_claims(struct attest_result *out, const struct snp_report *r)
{
	char buf[32];

	attest_claim_add_u64(out, "version", r->version);
	attest_claim_add_hex(out, "measurement", r->measurement, 48);
	attest_claim_add_hex(out, "report_data", r->report_data, 64);
	claim_u64x(out, "policy", r->policy);
	attest_claim_add(out, "debug", (r->policy & SNP_POLICY_DEBUG) ? "true" : "false");
	attest_claim_add_u64(out, "vmpl", r->vmpl);
	attest_claim_add_u64(out, "guest_svn", r->guest_svn);
	attest_claim_add_hex(out, "family_id", r->family_id, 16);
	attest_claim_add_hex(out, "image_id", r->image_id, 16);
	attest_claim_add_hex(out, "host_data", r->host_data, 32);
	attest_claim_add_hex(out, "id_key_digest", r->id_key_digest, 48);
	attest_claim_add_hex(out, "author_key_digest", r->author_key_digest, 48);
	attest_claim_add_hex(out, "report_id", r->report_id, 32);
	attest_claim_add_hex(out, "report_id_ma", r->report_id_ma, 32);
	attest_claim_add_hex(out, "chip_id", r->chip_id, 64);
	claim_u64x(out, "reported_tcb", r->reported_tcb);
	claim_u64x(out, "current_tcb", r->current_tcb);
	claim_u64x(out, "committed_tcb", r->committed_tcb);
	claim_u64x(out, "launch_tcb", r->launch_tcb);
	claim_u64x(out, "platform_info", r->platform_info);
	attest_claim_add(out, "signing_key", KEY_INFO_SIGNING_KEY(r->key_info) == SIGNING_KEY_VCEK ? "vcek" :
	    KEY_INFO_SIGNING_KEY(r->key_info) == SIGNING_KEY_VLEK ? "vlek" : "none");
	snprintf(buf, sizeof(buf), "%u.%u.%u", r->current_major, r->current_minor, r->current_build);
	attest_claim_add(out, "firmware", buf);
	snprintf(buf, sizeof(buf), "%u.%u.%u", r->committed_major, r->committed_minor, r->committed_build);
	attest_claim_add(out, "committed_firmware", buf);
	if (r->version >= 3) {
		snprintf(buf, sizeof(buf), "%02x/%02x/%02x", r->cpuid_fam, r->cpuid_mod, r->cpuid_step);
		attest_claim_add(out, "cpuid", buf);
	}
	if (r->version >= 5) {
		claim_u64x(out, "launch_mit_vector", r->launch_mit_vector);
		claim_u64x(out, "current_mit_vector", r->current_mit_vector);
	}
}

static void
add_tcb_claims(struct attest_result *out, uint64_t tcb, enum attest_amd_product p)
{
	struct snp_tcb t;

	tcb_split(&t, tcb, p);
	if (p == ATTEST_AMD_TURIN)
		attest_claim_add_u64(out, "tcb_fmc", t.fmc);
	attest_claim_add_u64(out, "tcb_bootloader", t.bl);
	attest_claim_add_u64(out, "tcb_tee", t.tee);
	attest_claim_add_u64(out, "tcb_snp", t.snp);
	attest_claim_add_u64(out, "tcb_microcode", t.ucode);
}

/* ECDSA P-384/SHA-384 over bytes 0..0x29F; R and S are little-endian in 72-byte fields. */
static int
check_signature(const uint8_t *report, const struct snp_report *r, X509 *leaf)
{
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	uint8_t be[48];
	char group[32];
	size_t i, glen = 0;
	int dlen, ok = 0;

	if (pk == NULL || !EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) != 1 || strcmp(group, "secp384r1") != 0)
		goto out;
	for (i = 0; i < 48; i++)
		be[i] = r->sig_r[47 - i];
	br = BN_bin2bn(be, 48, NULL);
	for (i = 0; i < 48; i++)
		be[i] = r->sig_s[47 - i];
	bs = BN_bin2bn(be, 48, NULL);
	if (br == NULL || bs == NULL || (sig = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(sig, br, bs) != 1)
		goto out;
	br = bs = NULL;	/* owned by sig */
	if ((dlen = i2d_ECDSA_SIG(sig, &der)) <= 0 || (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pk) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)dlen, report, SNP_SIGNED_SIZE) == 1;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	BN_free(br);
	BN_free(bs);
	return ok;
}

int
attest_sevsnp_vcek_hwid(uint8_t out[64], size_t *n, const X509 *vcek)
{
	const uint8_t *v;
	size_t len;
	struct creader cr;
	uint8_t tag = 0, inner = 0;

	memset(out, 0, 64);
	*n = 0;
	if (attest_x509_ext(&v, &len, vcek, AMD_OID "4") != 0)
		return COFFER_ERR_NOT_FOUND;
	/* DER-wrapped: 04 40 <64 bytes> or 04 08 <8 bytes> (raw Turin IDs are 8 bytes, never 10). */
	if (len == 66 || len == 10) {
		creader_init(&cr, v, len);
		if (creader_get_u8(&cr, &tag) != 0 || creader_get_u8(&cr, &inner) != 0 || tag != 0x04 ||
		    inner != len - 2 || creader_get_ptr(&cr, &v, inner) != 0 || creader_expect_end(&cr) != 0)
			return COFFER_ERR_ATTEST_BAD_CERT;
		len = inner;
	}
	if (len != 64 && len != 8)
		return COFFER_ERR_ATTEST_BAD_CERT;
	memcpy(out, v, len);
	*n = len;
	return 0;
}

/* VCEK HWID extension == CHIP_ID (64 bytes; Turin: 8 bytes and the rest of CHIP_ID zero). */
static int
check_hwid(const struct snp_report *r, X509 *leaf, enum attest_amd_product p)
{
	uint8_t hwid[64];
	size_t n, want = p == ATTEST_AMD_TURIN ? 8 : 64;

	if (attest_sevsnp_vcek_hwid(hwid, &n, leaf) != 0 || n != want)
		return 0;
	if (want == 8 && !secure_is_zero(r->chip_id + 8, 56))
		return 0;
	return memcmp(hwid, r->chip_id, want) == 0;
}

/* The certificate's SPL extensions must equal REPORTED_TCB. Returns NULL or what differs. */
static const char *
check_tcb(const struct snp_report *r, X509 *leaf, enum attest_amd_product p)
{
	static const struct {
		const char *oid, *name;
		size_t off;
	} spl[] = {
		{ AMD_OID "3.1", "blSPL", offsetof(struct snp_tcb, bl) },
		{ AMD_OID "3.2", "teeSPL", offsetof(struct snp_tcb, tee) },
		{ AMD_OID "3.3", "snpSPL", offsetof(struct snp_tcb, snp) },
		{ AMD_OID "3.8", "ucodeSPL", offsetof(struct snp_tcb, ucode) },
		{ AMD_OID "3.9", "fmcSPL", offsetof(struct snp_tcb, fmc) },
	};
	struct snp_tcb t;
	size_t i, n = p == ATTEST_AMD_TURIN ? 5 : 4;
	uint64_t v;

	tcb_split(&t, r->reported_tcb, p);
	for (i = 0; i < n; i++) {
		unsigned want;

		memcpy(&want, (const uint8_t *)&t + spl[i].off, sizeof(want));
		if (attest_x509_ext_uint(&v, leaf, spl[i].oid) != 0 || v != want)
			return spl[i].name;
	}
	return NULL;
}

/* The product extension ("Milan-B0", "Genoa", "Turin", VLEK "Milan") must name the chain's product. */
static int
check_product_ext(X509 *leaf, enum attest_amd_product p)
{
	const char *name = attest_amd_product_name(p);
	const uint8_t *v, *s;
	size_t n, sl, nl = strlen(name);
	struct creader cr;
	uint8_t tag = 0, len = 0;

	if (attest_x509_ext(&v, &n, leaf, AMD_OID "2") != 0)
		return 0;
	creader_init(&cr, v, n);
	if (creader_get_u8(&cr, &tag) != 0 || creader_get_u8(&cr, &len) != 0 || tag != 0x16 /* IA5String */ ||
	    len >= 0x80 || creader_get_ptr(&cr, &s, len) != 0 || creader_expect_end(&cr) != 0)
		return 0;
	sl = len;
	return sl >= nl && memcmp(s, name, nl) == 0 && (sl == nl || s[nl] == '-');
}

/* Try one leaf certificate: chain, product, HWID, TCB, signature. Returns 0 or writes why. */
static int
try_leaf(enum attest_amd_product *prod, char *why, size_t why_len, const uint8_t *report,
    const struct snp_report *r, X509 *leaf, STACK_OF(X509) *certs, unsigned cands, int vlek, int64_t at)
{
	const char *kind = vlek ? "VLEK" : "VCEK", *bad;
	char cwhy[200] = "";
	int p, r2;

	*prod = ATTEST_AMD_NPRODUCTS;
	for (p = 0; p < ATTEST_AMD_NPRODUCTS; p++) {
		STACK_OF(X509) *untrusted;
		X509 *inter;

		if (!(cands & (1u << p)))
			continue;
		if ((untrusted = certs != NULL ? sk_X509_dup(certs) : sk_X509_new_null()) == NULL)
			return COFFER_ERR_NOMEM;
		if ((inter = attest_amd_intermediate((enum attest_amd_product)p, vlek)) == NULL ||
		    sk_X509_push(untrusted, inter) <= 0) {
			X509_free(inter);
			sk_X509_free(untrusted);
			return COFFER_ERR_NOMEM;
		}
		r2 = attest_verify_chain(cwhy[0] == '\0' ? cwhy : NULL, cwhy[0] == '\0' ? sizeof(cwhy) : 0, leaf,
		    untrusted, (enum attest_root_id)p, at);
		X509_free(inter);
		sk_X509_free(untrusted);
		if (r2 == 0) {
			*prod = (enum attest_amd_product)p;
			break;
		}
		if (r2 != COFFER_ERR_ATTEST_CHAIN)
			return r2;
	}
	if (*prod == ATTEST_AMD_NPRODUCTS) {
		snprintf(why, why_len, "%s does not chain to the pinned AMD root of the report's product line: %s",
		    kind, cwhy);
		return COFFER_ERR_ATTEST_CHAIN;
	}
	if (!check_product_ext(leaf, *prod)) {
		snprintf(why, why_len, "%s product extension does not name %s", kind, attest_amd_product_name(*prod));
		return COFFER_ERR_ATTEST_CHAIN;
	}
	if (!vlek && !check_hwid(r, leaf, *prod)) {
		snprintf(why, why_len, "VCEK hwID does not match the report's CHIP_ID (another chip's certificate)");
		return COFFER_ERR_ATTEST_CHAIN;
	}
	if ((bad = check_tcb(r, leaf, *prod)) != NULL) {
		snprintf(why, why_len, "%s %s extension does not match the report's REPORTED_TCB", kind, bad);
		return COFFER_ERR_ATTEST_CHAIN;
	}
	if (!check_signature(report, r, leaf)) {
		snprintf(why, why_len, "report signature does not verify with the %s", kind);
		return COFFER_ERR_BAD_SIGNATURE;
	}
	return 0;
}

enum attest_verdict
attest_sevsnp_check(struct attest_result *out, const uint8_t *report, size_t len, STACK_OF(X509) *certs,
    int64_t at)
{
	struct snp_report r;
	enum attest_amd_product prod = ATTEST_AMD_NPRODUCTS;
	X509 *good = NULL;
	const char *bad, *want_cn;
	char why[320] = "", cn[32];
	unsigned cands;
	int i, vlek, tried = 0, rc = COFFER_ERR_ATTEST_CHAIN;

	if (len != SNP_REPORT_SIZE || parse_report(&r, report, len) != 0)
		return attest_unusable(out, "SNP report must be exactly %u bytes (got %zu)", SNP_REPORT_SIZE, len);
	add_claims(out, &r);
	out->debug = (r.policy & SNP_POLICY_DEBUG) != 0;
	attest_set_report_data(out, r.report_data, 64);
	if (r.version < 2 || r.version > 5)
		return attest_refuse(out, "unsupported SNP report version %u", r.version);
	if (r.sig_algo != 1)
		return attest_refuse(out, "unsupported signature algorithm %u (want 1, ECDSA P-384)", r.sig_algo);
	if ((bad = check_reserved(&r)) != NULL)
		return attest_refuse(out, "SNP report %s must be zero", bad);
	if ((r.key_info & KEY_INFO_MBZ) != 0)
		return attest_refuse(out, "KEY_INFO reserved bits set (0x%08x)", r.key_info);
	if ((r.key_info & KEY_INFO_MASK_CHIP_KEY) != 0)
		return attest_refuse(out, "MASK_CHIP_KEY is set: the report carries no chip signature");
	switch (KEY_INFO_SIGNING_KEY(r.key_info)) {
	case SIGNING_KEY_VCEK: vlek = 0; want_cn = "SEV-VCEK"; break;
	case SIGNING_KEY_VLEK: vlek = 1; want_cn = "SEV-VLEK"; break;
	default:
		return attest_refuse(out, "report is not signed (SIGNING_KEY %u)", KEY_INFO_SIGNING_KEY(r.key_info));
	}
	if ((cands = product_candidates(&r, vlek)) == 0)
		return attest_refuse(out, "unknown CPU family/model %02x/%02x: not a Milan, Genoa or Turin report",
		    r.cpuid_fam, r.cpuid_mod);

	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
		X509 *leaf = sk_X509_value(certs, i);
		char w[320];
		int r2;

		attest_x509_subject_cn(cn, sizeof(cn), leaf);
		if (strcmp(cn, want_cn) != 0)
			continue;
		r2 = try_leaf(&prod, w, sizeof(w), report, &r, leaf, certs, cands, vlek, at);
		if (r2 == 0) {
			rc = 0;
			good = leaf;
			break;
		}
		if (r2 == COFFER_ERR_NOMEM || r2 == COFFER_ERR_CRYPTO)
			return attest_refuse(out, "verification failed internally (%s)", coffer_err_name(r2));
		if (tried++ == 0)
			memcpy(why, w, sizeof(w));
	}
	if (rc != 0) {
		if (tried == 0)
			return attest_refuse(out, "no %s certificate supplied (give it with --cert)", want_cn);
		return attest_refuse(out, "%s", why);
	}
	attest_claim_add(out, "product", attest_amd_product_name(prod));
	add_tcb_claims(out, r.reported_tcb, prod);
	if (vlek) {
		const uint8_t *v;
		size_t n;

		/* CSP identity (IA5String after its 2-byte header), shown for the operator. */
		if (attest_x509_ext(&v, &n, good, AMD_OID "5") == 0 && n > 2 && n < 120) {
			char csp[120];
			size_t k;

			for (k = 2; k < n; k++)
				csp[k - 2] = v[k] >= 0x20 && v[k] < 0x7f ? (char)v[k] : '?';
			csp[n - 2] = '\0';
			attest_claim_add(out, "vlek_csp", csp);
		}
	}
	return ATTEST_VALID;
}

static int
sevsnp_detect(const uint8_t *p, size_t n)
{
	return attest_sevsnp_looks_like(p, n);
}

static enum attest_verdict
sevsnp_verify(struct attest_result *out, const struct attest_input *in)
{
	STACK_OF(X509) *certs = NULL;
	enum attest_verdict v;
	size_t bad;
	int r;

	/* Longer evidence is Coffer's report + certificate table, and must look like it. */
	if (in->len < SNP_REPORT_SIZE || (in->len > SNP_REPORT_SIZE && !attest_sevsnp_looks_like(in->evidence, in->len)))
		return attest_unusable(out, "SNP report must be exactly %u bytes, or followed by a certificate "
		    "table (got %zu)", SNP_REPORT_SIZE, in->len);
	if ((r = attest_x509_input_certs(&certs, &bad, in)) != 0)
		return r == COFFER_ERR_ATTEST_BAD_CERT ? attest_unusable(out, "certificate %zu does not parse", bad + 1)
		    : attest_refuse(out, "cannot load certificates (%s)", coffer_err_name(r));
	/* Coffer's evidence: the report, then the host's certificate table (after the caller's certificates). */
	if (in->len > SNP_REPORT_SIZE &&
	    (r = attest_snp_certs_load(certs, in->evidence + SNP_REPORT_SIZE, in->len - SNP_REPORT_SIZE)) != 0) {
		attest_x509_stack_free(certs);
		return attest_unusable(out, "the certificate table after the SNP report is malformed (%s)",
		    coffer_err_name(r));
	}
	v = attest_sevsnp_check(out, in->evidence, SNP_REPORT_SIZE, certs, in->at);
	attest_x509_stack_free(certs);
	return v;
}

const struct attest_backend attest_backend_sevsnp = {
	ATTEST_FMT_SEV_SNP, "sev-snp", sevsnp_detect, sevsnp_verify,
};
