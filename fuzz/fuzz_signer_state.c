/*
 * libFuzzer harness for the sealed state file (state_open). Mode 0 feeds the
 * bytes as a state file under a fixed key: header parsing, bounds and the
 * AEAD must refuse cleanly. Mode 1 seals the bytes as a policy blob, checks
 * that they open back unchanged, then flips one input-chosen bit of the
 * sealed file and checks that it no longer opens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "signer/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[STATE_KEY_LEN] = { 0x42, 0x13, 0x37 };

static void
must(int cond)
{
	if (!cond)
		abort();
}

static int
state_error(int ret)
{
	return ret == COFFER_ERR_STATE_TRUNCATED || ret == COFFER_ERR_STATE_FOREIGN ||
	    ret == COFFER_ERR_STATE_VERSION || ret == COFFER_ERR_STATE_TAMPERED ||
	    ret == COFFER_ERR_STATE_MALFORMED || ret == COFFER_ERR_STATE_WRONG_KEY;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[STATE_AUDIT_HEAD_LEN], got[STATE_AUDIT_HEAD_LEN];
	uint64_t seq;
	struct cbuf blob, file;
	int ret;

	if (size == 0)
		return 0;
	cbuf_init(&blob, 0);
	if (data[0] % 2 == 0) {
		ret = state_open(&blob, got, &seq, data + 1, size - 1, key);
		must(ret == 0 || state_error(ret));
		if (ret != 0)
			must(blob.len == 0 && seq == 0);
		cbuf_free(&blob);
		return 0;
	}
	memset(head, data[0], sizeof(head));
	cbuf_init(&file, 0);
	ret = state_seal(&file, key, data + 1, size - 1, head, size);
	if (size - 1 > STATE_BLOB_MAX) {
		must(ret == COFFER_ERR_TOO_LARGE);
		goto out;
	}
	must(ret == 0);
	must(state_open(&blob, got, &seq, file.p, file.len, key) == 0);
	must(blob.len == size - 1 && (size == 1 || memcmp(blob.p, data + 1, size - 1) == 0));
	must(memcmp(got, head, sizeof(head)) == 0 && seq == size);
	cbuf_reset(&blob);
	file.p[(size * 7919u) % file.len] ^= (uint8_t)(1u << (data[0] >> 5));
	ret = state_open(&blob, got, &seq, file.p, file.len, key);
	must(state_error(ret) && blob.len == 0);
 out:
	cbuf_free(&file);
	cbuf_free(&blob);
	return 0;
}
