/*
 * The GHCB certificate table an SEV-SNP guest receives with its report
 * (SNP_GET_EXT_REPORT, configfs-tsm auxblob; GHCB spec 56421 section 4.1.8.1):
 * entries {GUID (RFC 4122 byte order) 16, offset u32 LE, length u32 LE}
 * ending with an all-zero entry; offsets count from the table's start; each
 * certificate is DER. Coffer's SNP evidence is the 1184-byte report followed
 * by this table when the host supplied one, so the evidence carries its own
 * VCEK/VLEK (docs/ATTESTATION.md).
 */
#include "attest/attest_sevsnp.h"

#include <string.h>

#include "attest/attest_x509.h"
#include "common/buf.h"
#include "common/err.h"

#define ENTRY 24
#define TABLE_MAX ((size_t)64 << 10)

/* VCEK 63da758d-e664-4564-adc5-f4b93be8accd, VLEK a8074bc2-a25a-483e-aae6-39c045a0b8a1,
 * ASK 4ab7b379-bbac-4fe4-a02f-05aef327c782, ARK c0b406a4-a803-4952-9743-3fb6014cd0ae. */
static const uint8_t known[4][16] = {
	{ 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd },
	{ 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 },
	{ 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 },
	{ 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae },
};

int
attest_snp_certs_load(STACK_OF(X509) *stack, const uint8_t *p, size_t n)
{
	static const uint8_t zero[ENTRY];
	struct creader r;
	const uint8_t *e;
	uint32_t off, len;
	size_t i, k;
	int ret;

	if (n > TABLE_MAX)
		return COFFER_ERR_TOO_LARGE;
	creader_init(&r, p, n);
	for (i = 0;; i++) {
		if (creader_get_ptr(&r, &e, ENTRY) != 0)
			return COFFER_ERR_TRUNCATED;	/* no terminator */
		if (memcmp(e, zero, ENTRY) == 0)
			return 0;
		off = (uint32_t)e[16] | (uint32_t)e[17] << 8 | (uint32_t)e[18] << 16 | (uint32_t)e[19] << 24;
		len = (uint32_t)e[20] | (uint32_t)e[21] << 8 | (uint32_t)e[22] << 16 | (uint32_t)e[23] << 24;
		if (off > n || len > n - off || len == 0)
			return COFFER_ERR_ATTEST_BAD_CERT;
		for (k = 0; k < 4; k++)
			if (memcmp(e, known[k], 16) == 0)
				break;
		if (k == 4)
			continue;	/* CRLs and vendor entries: not certificates we chain */
		/* A DER certificate, nothing else (attest_x509_load would also take PEM). */
		if (p[off] != 0x30)
			return COFFER_ERR_ATTEST_BAD_CERT;
		if ((ret = attest_x509_load(stack, p + off, len)) != 0)
			return ret;
	}
}
