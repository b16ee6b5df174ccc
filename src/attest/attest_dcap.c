/* Intel DCAP ECDSA quotes (v3/v4/v5): parsing and verification; see attest_dcap.h. */
#include "attest/attest_dcap.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/attest_evcrypto.h"
#include "attest/attest_int.h"
#include "attest/attest_roots.h"
#include "attest/attest_x509.h"
#include "btc/hash.h"
#include "common/buf.h"
#include "common/err.h"

#define DCAP_ATT_KEY_ECDSA_P256 2
#define DCAP_CERT_TYPE_PCK_CHAIN 5
#define DCAP_CERT_TYPE_QE_REPORT 6

/* Intel's QE vendor id (every Intel quoting enclave). */
static const uint8_t intel_qe_vendor_id[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

/* go-tdx-guest testing/testdata/tdx_prod_quote_SPR_E4.dat ends with this (see dcap_quote_parse). */
static const char test_suffix[] = "\nextra bytes(only for testing purpose)\n";

/*
 * The quoting enclaves' identities as Intel's PCS publishes them
 * (sgx/certification/v4/qe/identity, tdx/certification/v4/qe/identity):
 * MRSIGNER, ISVPRODID, ATTRIBUTES/MISCSELECT under their masks. The PCK key
 * signs the report of any enclave that holds the provisioning key, which a
 * platform owner with flexible launch control can grant to an enclave of its
 * own; only Intel's QE makes the attestation key Intel's.
 */
struct qe_identity {
	const char *name;
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	uint8_t attributes[16], attributes_mask[16];
	uint32_t miscselect, miscselect_mask;
};

static const struct qe_identity qe_sgx = {
	"SGX QE",
	{ 0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f, 0x77, 0xc6, 0x8a, 0x82, 0x9a,
	  0x00, 0x56, 0xac, 0x8d, 0xed, 0x70, 0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff },
	1,
	{ 0x11 }, { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	0, 0xffffffffu,
};

static const struct qe_identity qe_tdx = {
	"TD QE",
	{ 0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
	  0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 },
	2,
	{ 0x11 }, { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	0, 0xffffffffu,
};

int
dcap_sgx_report_parse(struct dcap_sgx_report *rep, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	memset(rep, 0, sizeof(*rep));
	creader_init(&r, p, n);
	if ((ret = creader_get_bytes(&r, rep->cpusvn, 16)) != 0 ||
	    (ret = creader_get_u32le(&r, &rep->miscselect)) != 0 ||
	    (ret = creader_skip(&r, 12)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->isvextprodid, 16)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->attributes, 16)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->mrenclave, 32)) != 0 ||
	    (ret = creader_skip(&r, 32)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->mrsigner, 32)) != 0 ||
	    (ret = creader_skip(&r, 32)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->configid, 64)) != 0 ||
	    (ret = creader_get_u16le(&r, &rep->isvprodid)) != 0 ||
	    (ret = creader_get_u16le(&r, &rep->isvsvn)) != 0 ||
	    (ret = creader_get_u16le(&r, &rep->configsvn)) != 0 ||
	    (ret = creader_skip(&r, 42)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->isvfamilyid, 16)) != 0 ||
	    (ret = creader_get_bytes(&r, rep->report_data, 64)) != 0 ||
	    (ret = creader_expect_end(&r)) != 0) {
		memset(rep, 0, sizeof(*rep));
		return ret;
	}
	return 0;
}

/* The QE report, its PCK signature, the QE auth data and the PCK chain (type 5). */
static int
parse_qe_part(struct dcap_quote *q, struct creader *r)
{
	uint16_t auth_len, type;
	uint32_t size;
	int ret;

	if ((ret = creader_get_ptr(r, &q->qe_report, DCAP_QE_REPORT_LEN)) != 0 ||
	    (ret = creader_get_ptr(r, &q->qe_report_sig, 64)) != 0 ||
	    (ret = creader_get_u16le(r, &auth_len)) != 0)
		return ret;
	if (auth_len > DCAP_MAX_QE_AUTH)
		return COFFER_ERR_TOO_LARGE;
	if ((ret = creader_get_ptr(r, &q->qe_auth, auth_len)) != 0 ||
	    (ret = creader_get_u16le(r, &type)) != 0 ||
	    (ret = creader_get_u32le(r, &size)) != 0)
		return ret;
	q->qe_auth_len = auth_len;
	if (type != DCAP_CERT_TYPE_PCK_CHAIN)
		return COFFER_ERR_UNSUPPORTED;
	if (size == 0 || size > DCAP_MAX_CERT_DATA)
		return COFFER_ERR_TOO_LARGE;
	if ((ret = creader_get_ptr(r, &q->pck_chain, size)) != 0)
		return ret;
	q->pck_chain_len = size;
	return creader_expect_end(r);
}

static int
parse_sig_data(struct dcap_quote *q, struct creader *r)
{
	struct creader inner;
	const uint8_t *p;
	uint16_t type;
	uint32_t size;
	int ret;

	if ((ret = creader_get_ptr(r, &q->sig, 64)) != 0 ||
	    (ret = creader_get_ptr(r, &q->att_key, 64)) != 0)
		return ret;
	if (q->version == 3)
		return parse_qe_part(q, r);
	/* v4/v5: certification data type 6 wraps the QE part. */
	if ((ret = creader_get_u16le(r, &type)) != 0 || (ret = creader_get_u32le(r, &size)) != 0)
		return ret;
	if (type != DCAP_CERT_TYPE_QE_REPORT)
		return COFFER_ERR_UNSUPPORTED;
	if ((ret = creader_get_ptr(r, &p, size)) != 0)
		return ret;
	creader_init(&inner, p, size);
	if ((ret = parse_qe_part(q, &inner)) != 0)
		return ret;
	return creader_expect_end(r);
}

/* Classify what follows the quote: see the contract in attest_dcap.h. */
static int
parse_trailing(struct dcap_quote *q, struct creader *r)
{
	const uint8_t *t;
	size_t n = creader_remaining(r), i;
	int ret;

	if ((ret = creader_get_ptr(r, &t, n)) != 0)
		return ret;
	q->trailing_len = n;
	if (n == 0) {
		q->trailing = DCAP_TRAILING_NONE;
		return 0;
	}
	if (n == sizeof(test_suffix) - 1 && memcmp(t, test_suffix, n) == 0) {
		q->trailing = DCAP_TRAILING_TEST_SUFFIX;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (t[i] != 0)
			return COFFER_ERR_TRAILING;
	q->trailing = DCAP_TRAILING_ZEROS;
	return 0;
}

int
dcap_quote_parse(struct dcap_quote *q, const uint8_t *p, size_t n)
{
	struct creader r, whole, sigr;
	const uint8_t *sigdata;
	uint16_t body_type;
	uint32_t body_size, sig_len;
	size_t desc = 0;
	int ret;

	memset(q, 0, sizeof(*q));
	if (n > ATTEST_MAX_EVIDENCE)
		return COFFER_ERR_TOO_LARGE;
	creader_init(&r, p, n);
	if ((ret = creader_get_u16le(&r, &q->version)) != 0 ||
	    (ret = creader_get_u16le(&r, &q->att_key_type)) != 0 ||
	    (ret = creader_get_u32le(&r, &q->tee_type)) != 0 ||
	    (ret = creader_get_u16le(&r, &q->qe_svn)) != 0 ||
	    (ret = creader_get_u16le(&r, &q->pce_svn)) != 0 ||
	    (ret = creader_get_ptr(&r, &q->qe_vendor_id, 16)) != 0 ||
	    (ret = creader_get_ptr(&r, &q->user_data, 20)) != 0)
		goto fail;
	ret = COFFER_ERR_UNSUPPORTED;
	if (q->att_key_type != DCAP_ATT_KEY_ECDSA_P256)
		goto fail;
	if (q->tee_type != DCAP_TEE_SGX && q->tee_type != DCAP_TEE_TDX)
		goto fail;
	switch (q->version) {
	case 3:
		if (q->tee_type != DCAP_TEE_SGX)
			goto fail;
		q->body_type = DCAP_BODY_SGX;
		q->body_len = DCAP_SGX_BODY_LEN;
		break;
	case 4:
		if (q->tee_type != DCAP_TEE_TDX)
			goto fail;
		q->body_type = DCAP_BODY_TDX10;
		q->body_len = DCAP_TDX10_BODY_LEN;
		break;
	case 5:
		if ((ret = creader_get_u16le(&r, &body_type)) != 0 ||
		    (ret = creader_get_u32le(&r, &body_size)) != 0)
			goto fail;
		ret = COFFER_ERR_UNSUPPORTED;
		desc = 6;
		if (body_type == DCAP_BODY_SGX && q->tee_type == DCAP_TEE_SGX)
			q->body_len = DCAP_SGX_BODY_LEN;
		else if (body_type == DCAP_BODY_TDX10 && q->tee_type == DCAP_TEE_TDX)
			q->body_len = DCAP_TDX10_BODY_LEN;
		else if (body_type == DCAP_BODY_TDX15 && q->tee_type == DCAP_TEE_TDX)
			q->body_len = DCAP_TDX15_BODY_LEN;
		else
			goto fail;
		if (body_size != q->body_len)
			goto fail;
		q->body_type = (enum dcap_body)body_type;
		break;
	default:
		goto fail;
	}
	if ((ret = creader_get_ptr(&r, &q->body, q->body_len)) != 0)
		goto fail;
	/* The attestation key signs header, body descriptor (v5) and body. */
	q->signed_len = DCAP_HEADER_LEN + desc + q->body_len;
	creader_init(&whole, p, n);
	if ((ret = creader_get_ptr(&whole, &q->signed_data, q->signed_len)) != 0)
		goto fail;
	if ((ret = creader_get_u32le(&r, &sig_len)) != 0 ||
	    (ret = creader_get_ptr(&r, &sigdata, sig_len)) != 0)
		goto fail;
	creader_init(&sigr, sigdata, sig_len);
	if ((ret = parse_sig_data(q, &sigr)) != 0)
		goto fail;
	q->quote_len = q->signed_len + 4 + sig_len;
	if ((ret = parse_trailing(q, &r)) != 0)
		goto fail;
	return 0;
fail:
	memset(q, 0, sizeof(*q));
	return ret;
}

static enum attest_verdict
check_qe_identity(struct attest_result *out, const struct dcap_quote *q, const struct dcap_sgx_report *rep)
{
	const struct qe_identity *id = q->tee_type == DCAP_TEE_TDX ? &qe_tdx : &qe_sgx;
	size_t i;

	if (memcmp(rep->mrsigner, id->mrsigner, 32) != 0)
		return attest_refuse(out, "QE identity: MRSIGNER is not Intel's %s signer", id->name);
	if (rep->isvprodid != id->isvprodid)
		return attest_refuse(out, "QE identity: ISVPRODID %u is not the %s's (%u)",
		    rep->isvprodid, id->name, id->isvprodid);
	if ((rep->miscselect & id->miscselect_mask) != id->miscselect)
		return attest_refuse(out, "QE identity: MISCSELECT does not match the %s's", id->name);
	for (i = 0; i < 16; i++)
		if ((rep->attributes[i] & id->attributes_mask[i]) != id->attributes[i])
			return attest_refuse(out, "QE identity: ATTRIBUTES do not match the %s's (debug QE?)",
			    id->name);
	return ATTEST_VALID;
}

/*
 * The PCK chain in the quote up to the pinned root; the leaf on success.
 * The quote's chain must be exactly leaf, CA(s), root in that order, each
 * signed by the next, and its root must be the pinned Intel SGX Root CA byte
 * for byte: so every certificate it carries is checked, none merely ignored.
 */
static enum attest_verdict
check_pck_chain(struct attest_result *out, const struct dcap_quote *q, int64_t at, X509 **leafp)
{
	STACK_OF(X509) *certs = NULL, *untrusted = NULL;
	X509 *root = NULL, *leaf;
	enum attest_verdict v;
	char why[160];
	int i, n, ret;

	*leafp = NULL;
	if ((ret = attest_pem_certs(&certs, q->pck_chain, q->pck_chain_len, 4)) != 0) {
		v = attest_refuse(out, "PCK certificate chain: does not parse (%s)", coffer_err_name(ret));
		goto out;
	}
	if ((root = attest_root(ATTEST_ROOT_INTEL_SGX)) == NULL || (untrusted = sk_X509_new_null()) == NULL) {
		v = attest_refuse(out, "PCK certificate chain: internal error");
		goto out;
	}
	n = sk_X509_num(certs);
	leaf = sk_X509_value(certs, 0);
	if (n < 2 || X509_cmp(sk_X509_value(certs, n - 1), root) != 0) {
		v = attest_refuse(out, "PCK certificate chain: its last certificate is not the pinned Intel SGX Root CA");
		goto out;
	}
	for (i = 1; i < n - 1; i++) {
		if (!sk_X509_push(untrusted, sk_X509_value(certs, i))) {
			v = attest_refuse(out, "PCK certificate chain: internal error");
			goto out;
		}
	}
	if (attest_verify_chain(why, sizeof(why), leaf, untrusted, ATTEST_ROOT_INTEL_SGX, at) != 0) {
		v = attest_refuse(out, "PCK certificate chain to the Intel SGX Root CA: %s", why);
		goto out;
	}
	for (i = 0; i < n - 1; i++) {
		if (X509_verify(sk_X509_value(certs, i), X509_get0_pubkey(sk_X509_value(certs, i + 1))) != 1) {
			ERR_clear_error();
			v = attest_refuse(out, "PCK certificate chain: certificate %d is not signed by the next", i);
			goto out;
		}
	}
	if (!X509_up_ref(leaf)) {
		v = attest_refuse(out, "PCK certificate chain: internal error");
		goto out;
	}
	*leafp = leaf;
	v = ATTEST_VALID;
out:
	sk_X509_free(untrusted);
	sk_X509_pop_free(certs, X509_free);
	X509_free(root);
	return v;
}

/* Read one DER TLV with the given tag (definite short or long length up to 4 bytes). */
static int
der_get(struct creader *r, uint8_t tag, const uint8_t **p, size_t *len)
{
	struct creader t = *r;
	uint8_t b, nb, i;
	size_t n = 0;
	int ret;

	*p = NULL;
	*len = 0;
	if ((ret = creader_get_u8(&t, &b)) != 0 || (ret = creader_get_u8(&t, &nb)) != 0)
		return ret;
	if (b != tag)
		return COFFER_ERR_UNSUPPORTED;
	if (nb < 0x80)
		n = nb;
	else {
		if (nb == 0x80 || nb > 0x84)
			return COFFER_ERR_UNSUPPORTED;
		for (i = 0; i < (nb & 0x7f); i++) {
			if ((ret = creader_get_u8(&t, &b)) != 0)
				return ret;
			n = (n << 8) | b;
		}
	}
	if ((ret = creader_get_ptr(&t, p, n)) != 0)
		return ret;
	*len = n;
	*r = t;
	return 0;
}

/*
 * The FMSPC and PCE-ID from the PCK leaf's SGX extensions (OID
 * 1.2.840.113741.1.13.1: SEQUENCE OF SEQUENCE {OID, value}), as claims: what
 * an operator needs to fetch Intel's TCB info for this platform. Read only
 * from a certificate whose chain verified; absent values add no claim.
 */
static void
pck_claims(struct attest_result *out, X509 *leaf)
{
	static const uint8_t oid_fmspc[10] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x04 };
	static const uint8_t oid_pceid[10] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x03 };
	struct creader r, seq, item;
	const uint8_t *ext, *p, *oid, *val;
	size_t extlen, n, oidlen, vallen;

	if (attest_x509_ext(&ext, &extlen, leaf, "1.2.840.113741.1.13.1") != 0)
		return;
	creader_init(&r, ext, extlen);
	if (der_get(&r, 0x30, &p, &n) != 0)
		return;
	creader_init(&seq, p, n);
	while (creader_remaining(&seq) > 0) {
		if (der_get(&seq, 0x30, &p, &n) != 0)
			return;
		creader_init(&item, p, n);
		if (der_get(&item, 0x06, &oid, &oidlen) != 0 || der_get(&item, 0x04, &val, &vallen) != 0)
			continue;	/* the TCB entry holds a SEQUENCE, not an OCTET STRING */
		if (oidlen == sizeof(oid_fmspc) && memcmp(oid, oid_fmspc, oidlen) == 0 && vallen == 6)
			attest_claim_add_hex(out, "fmspc", val, vallen);
		else if (oidlen == sizeof(oid_pceid) && memcmp(oid, oid_pceid, oidlen) == 0 && vallen == 2)
			attest_claim_add_hex(out, "pce_id", val, vallen);
	}
}

enum attest_verdict
dcap_quote_verify(struct attest_result *out, const struct dcap_quote *q, int64_t at)
{
	static const uint8_t zero32[32];
	struct dcap_sgx_report qe;
	struct sha256_ctx c;
	X509 *leaf = NULL;
	EVP_PKEY *pck, *att = NULL;
	enum attest_verdict v;
	uint8_t h[32];
	char num[16];

	if (dcap_sgx_report_parse(&qe, q->qe_report, DCAP_QE_REPORT_LEN) != 0)
		return attest_refuse(out, "QE report: internal error");
	snprintf(num, sizeof(num), "%u", q->qe_svn);
	attest_claim_add(out, "qe_svn", num);
	snprintf(num, sizeof(num), "%u", q->pce_svn);
	attest_claim_add(out, "pce_svn", num);
	snprintf(num, sizeof(num), "%u", qe.isvsvn);
	attest_claim_add(out, "qe_isvsvn", num);

	if (memcmp(q->qe_vendor_id, intel_qe_vendor_id, sizeof(intel_qe_vendor_id)) != 0)
		return attest_refuse(out, "QE vendor id is not Intel's");
	if ((v = check_pck_chain(out, q, at, &leaf)) != ATTEST_VALID)
		goto out;
	pck_claims(out, leaf);
	pck = X509_get0_pubkey(leaf);
	if (!attest_ec_key_is(pck, "prime256v1")) {
		v = attest_refuse(out, "PCK certificate key is not an EC P-256 key");
		goto out;
	}
	if (!attest_ecdsa_verify_rs(pck, EVP_sha256(), q->qe_report, DCAP_QE_REPORT_LEN, q->qe_report_sig, 32)) {
		v = attest_refuse(out, "QE report signature (PCK key) is invalid");
		goto out;
	}
	if ((v = check_qe_identity(out, q, &qe)) != ATTEST_VALID)
		goto out;
	sha256_init(&c);
	sha256_update(&c, q->att_key, 64);
	sha256_update(&c, q->qe_auth, q->qe_auth_len);
	sha256_final(&c, h);
	if (memcmp(qe.report_data, h, 32) != 0 || memcmp(qe.report_data + 32, zero32, 32) != 0) {
		v = attest_refuse(out, "QE report data does not bind the attestation key (SHA-256(key || auth data))");
		goto out;
	}
	if ((att = attest_p256_from_xy(q->att_key)) == NULL) {
		v = attest_refuse(out, "attestation key is not a P-256 point");
		goto out;
	}
	if (!attest_ecdsa_verify_rs(att, EVP_sha256(), q->signed_data, q->signed_len, q->sig, 32)) {
		v = attest_refuse(out, "quote signature (attestation key) is invalid");
		goto out;
	}
	v = ATTEST_VALID;
out:
	EVP_PKEY_free(att);
	X509_free(leaf);
	return v;
}
