/*
 * libFuzzer harness for the CBOR decoder and the Nitro attestation document
 * parser (COSE_Sign1, payload map, evervault certificate form), then the full
 * Nitro verification: any input must parse or fail cleanly, never read out
 * of bounds, and a parsed document must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "attest/attest_cbor.h"
#include "attest/attest_nitro.h"
#include "common/buf.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

/* b lies inside data[0..size). */
static int
inside(const struct nitro_bytes *b, const uint8_t *data, size_t size)
{
	if (b->len == 0)
		return 1;
	return b->p >= data && b->len <= size && (size_t)(b->p - data) <= size - b->len;
}

static void
check_doc(const uint8_t *data, size_t size)
{
	struct nitro_doc d;
	size_t i;

	if (nitro_doc_parse(&d, data, size) != 0) {
		must(d.npcrs == 0 && d.ncabundle == 0 && d.payload.p == NULL);
		return;
	}
	must(inside(&d.protected_hdr, data, size) && inside(&d.payload, data, size) &&
	    inside(&d.signature, data, size) && inside(&d.certificate, data, size) &&
	    inside(&d.module_id, data, size) && inside(&d.user_data, data, size) &&
	    inside(&d.nonce, data, size) && inside(&d.public_key, data, size));
	must(d.npcrs >= 1 && d.npcrs <= NITRO_MAX_PCRS && d.ncabundle >= 1 && d.ncabundle <= NITRO_MAX_CABUNDLE);
	for (i = 0; i < d.npcrs; i++)
		must(d.pcrs[i].index < NITRO_MAX_PCRS && inside(&d.pcrs[i].value, data, size));
	for (i = 0; i < d.ncabundle; i++)
		must(inside(&d.cabundle[i], data, size));
	must(d.user_data.len <= NITRO_MAX_USER_DATA && d.nonce.len <= NITRO_MAX_NONCE &&
	    d.public_key.len <= NITRO_MAX_PUBLIC_KEY);
	/* A well-formed document is one well-formed CBOR item. */
	must(cbor_check_item(data, size) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attest_result res;
	struct attest_input in;
	struct cbuf doc, spki;
	struct creader r;
	int rc;

	/* The raw decoder: a skip never moves past the end, and fails without moving. */
	creader_init(&r, data, size);
	rc = cbor_skip(&r, 0);
	must(rc == 0 ? r.off <= size : r.off == 0);
	check_doc(data, size);
	cbuf_init(&doc, NITRO_MAX_DOC);
	cbuf_init(&spki, 4096);
	if (nitro_cert_doc(&doc, &spki, data, size) == 0)
		check_doc(doc.p, doc.len);
	cbuf_free(&doc);
	cbuf_free(&spki);
	/* The whole backend, at a date inside the samples' certificates. */
	memset(&in, 0, sizeof(in));
	in.format = ATTEST_FMT_NITRO;
	in.evidence = data;
	in.len = size;
	in.at = 1665651482;
	if (size > 0) {
		attest_verify(&res, &in);
		must(res.verdict == ATTEST_VALID || res.reason[0] != '\0');
	}
	return 0;
}
