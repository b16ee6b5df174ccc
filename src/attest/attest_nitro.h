/*
 * AWS Nitro Enclaves attestation documents: the structural parser behind the
 * Nitro backend (attest_nitro.c), exposed for its tests and fuzz harness.
 *
 * A document is COSE_Sign1 (RFC 9052), optionally tagged 18:
 *   [protected: bstr {1: -35 (ES384)}, unprotected: map, payload: bstr, signature: bstr(96)]
 * and the payload a CBOR map (aws-nitro-enclaves-nsm-api AttestationDoc):
 *   module_id tstr, digest "SHA384", timestamp uint (ms), pcrs {uint 0..31 => bstr},
 *   certificate bstr (DER leaf), cabundle [bstr (DER), ...] (root first),
 *   public_key / user_data / nonce: bstr or null (optional).
 */
#ifndef COFFER_ATTEST_ATTEST_NITRO_H
#define COFFER_ATTEST_ATTEST_NITRO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define NITRO_MAX_DOC 16384		/* the NSM returns at most 0x3000 bytes */
#define NITRO_MAX_PCRS 32
#define NITRO_MAX_CABUNDLE 8		/* samples: root + 3 intermediates */
#define NITRO_MAX_CERT 4096		/* a DER certificate (samples: 533..793) */
#define NITRO_MAX_USER_DATA 512		/* NSM limits (nsm-api validation) */
#define NITRO_MAX_NONCE 512
#define NITRO_MAX_PUBLIC_KEY 1024
#define NITRO_MAX_MODULE_ID 256

struct nitro_bytes {
	const uint8_t *p;
	size_t len;
};

/* A parsed document; every pointer points into the caller's buffer. */
struct nitro_doc {
	int tagged;			/* COSE tag 18 was present */
	struct nitro_bytes protected_hdr;	/* the bstr's content, as signed */
	struct nitro_bytes payload;
	struct nitro_bytes signature;
	/* payload */
	struct nitro_bytes module_id;
	struct nitro_bytes digest;
	uint64_t timestamp;		/* milliseconds since the epoch */
	struct {
		uint64_t index;
		struct nitro_bytes value;
	} pcrs[NITRO_MAX_PCRS];
	size_t npcrs;
	struct nitro_bytes certificate;
	struct nitro_bytes cabundle[NITRO_MAX_CABUNDLE];
	size_t ncabundle;
	struct nitro_bytes public_key, user_data, nonce;
	int has_public_key, has_user_data, has_nonce;	/* present and not null */
};

/*
 * Parse a COSE_Sign1 Nitro document and its payload (no cryptography).
 * Strict CBOR (attest_cbor.h); the payload's keys are text, each known key
 * at most once, unknown keys skipped; module_id, digest, timestamp, pcrs,
 * certificate and cabundle are required; nothing may follow the document or
 * the payload map.
 * Returns 0 or a COFFER_ERR_* code (COFFER_ERR_UNSUPPORTED for a wrong type,
 * a duplicate or missing key).
 * Out: d (zeroed on failure).
 * In:  p[n] (must outlive d).
 */
int nitro_doc_parse(struct nitro_doc *d, const uint8_t *p, size_t n);

/*
 * Find the Nitro document embedded in a certificate, evervault's scheme: a
 * SubjectAltName dNSName whose left-most label is the hex of a COSE_Sign1
 * document. p[n] is one DER certificate or a PEM text of 1..4 certificates;
 * exactly one label among them must carry a document.
 * Returns 0, COFFER_ERR_NOT_FOUND (no such label), COFFER_ERR_UNSUPPORTED
 * (more than one), or a certificate parse error.
 * Out: doc (the decoded document appended); spki (the embedding
 *      certificate's SubjectPublicKeyInfo DER appended).
 */
int nitro_cert_doc(struct cbuf *doc, struct cbuf *spki, const uint8_t *p, size_t n);

#endif
