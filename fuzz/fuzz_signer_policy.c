/*
 * libFuzzer harness for the signer's policy decoders and the audit record
 * parser. The first byte picks the decoder:
 *   0: policy JSON (any network by the second byte) — what parses must
 *      serialise to JSON that parses to the same JSON;
 *   1: the sealed-state blob (policy + ledger) — what decodes must encode to
 *      exactly the input bytes (the binary form is canonical);
 *   2: a ledger alone — the same round trip, and its window sums never drop
 *      when a charge is added;
 *   3: one audit record line — a parsed record re-encodes to the same bytes
 *      but for the hash digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/audit.h"
#include "signer/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_json(const uint8_t *d, size_t n)
{
	struct signer_policy p, q;
	struct cbuf a, b;
	char err[POLICY_ERRMSG_LEN];
	enum btc_network net;

	if (n < 1)
		return;
	net = (enum btc_network)(d[0] % BTC_NETWORK_COUNT);
	if (policy_from_json(&p, err, (const char *)d + 1, n - 1, net) != 0) {
		if (p.n_allow != 0 || p.spk_hashes != NULL || memchr(err, 0, sizeof(err)) == NULL)
			abort();	/* failure leaves nothing behind, and a terminated message */
		return;
	}
	cbuf_init(&a, 0);
	cbuf_init(&b, 0);
	if (policy_to_json(&a, &p) != 0 ||
	    policy_from_json(&q, err, (const char *)a.p, a.len, net) != 0 ||
	    policy_to_json(&b, &q) != 0 || a.len != b.len || memcmp(a.p, b.p, a.len) != 0 ||
	    q.n_spk_hashes != p.n_spk_hashes)
		abort();
	policy_free(&q);
	cbuf_free(&a);
	cbuf_free(&b);
	policy_free(&p);
}

static void
fuzz_blob(const uint8_t *d, size_t n)
{
	static struct signer_ledger l;
	struct signer_policy p;
	struct cbuf b;

	if (policy_state_decode(&p, &l, d, n, BTC_TESTNET) != 0)
		return;
	cbuf_init(&b, 0);
	if (policy_state_encode(&b, &p, &l) != 0 || b.len != n || memcmp(b.p, d, n) != 0)
		abort();
	cbuf_free(&b);
	policy_free(&p);
}

static void
fuzz_ledger(const uint8_t *d, size_t n)
{
	static struct signer_ledger l;
	struct creader r;
	struct cbuf b;
	uint64_t now, before;

	creader_init(&r, d, n);
	if (ledger_decode(&l, &r) != 0)
		return;
	cbuf_init(&b, 0);
	if (ledger_encode(&b, &l) != 0 || b.len != n - creader_remaining(&r) ||
	    memcmp(b.p, d, b.len) != 0)
		abort();
	cbuf_free(&b);
	now = l.n > 0 ? l.e[l.n - 1].time : 0;
	before = ledger_window_total(&l, now);
	if (ledger_charge(&l, now, 1) != 0 || ledger_window_total(&l, now) < before)
		abort();
}

static void
fuzz_record(const uint8_t *d, size_t n)
{
	struct audit_record rec;
	uint8_t computed[32];
	char why[192];
	struct cbuf b;
	int r;

	r = audit_record_parse(&rec, computed, why, d, n);
	if (r < 0 && r != COFFER_ERR_NOMEM)
		abort();
	if (r != 0)
		return;
	cbuf_init(&b, 0);
	if (audit_record_encode(&b, &rec) != 0 || b.len != n + 1 ||
	    memcmp(b.p, d, n - 67) != 0 || memcmp(rec.hash, computed, 32) != 0)
		abort();
	cbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > POLICY_MAX_JSON)
		return 0;
	secmem_init();
	switch (data[0] & 3) {
	case 0: fuzz_json(data + 1, size - 1); break;
	case 1: fuzz_blob(data + 1, size - 1); break;
	case 2: fuzz_ledger(data + 1, size - 1); break;
	default: fuzz_record(data + 1, size - 1); break;
	}
	return 0;
}
