/*
 * libFuzzer harness for every signer protocol decoder (one harness for all:
 * the first input byte selects the decoder, the rest is its payload; every
 * decoder in proto.h is reachable, selectors 0..23, plus the frame header).
 * Any input must decode or fail cleanly with the struct cleared; an input
 * that decodes must re-encode to exactly the same bytes (the encoder/decoder
 * pairs agree, and there is one encoding per message).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "signer/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

/* Decoded -> re-encoded must give the input back; failure leaves zeros. */
#define ROUND(type, dec, enc) do { \
	type m_; \
	struct cbuf b_; \
	size_t i_; \
	if (dec(&m_, p, n) == 0) { \
		cbuf_init(&b_, 0); \
		must(enc(&b_, &m_) == 0); \
		must(b_.len == n && (n == 0 || memcmp(b_.p, p, n) == 0)); \
		cbuf_free(&b_); \
	} else { \
		for (i_ = 0; i_ < sizeof(m_); i_++) \
			must(((const uint8_t *)&m_)[i_] == 0); \
	} \
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	uint8_t type, hdr[PROTO_HEADER_LEN];
	size_t n, len;

	if (size == 0)
		return 0;
	p = data + 1;
	n = size - 1;
	switch (data[0] % 24) {
	case 0:
		ROUND(struct proto_hello, proto_hello_decode, proto_hello_encode);
		break;
	case 1:
		ROUND(struct proto_hello_reply, proto_hello_reply_decode, proto_hello_reply_encode);
		break;
	case 2:
		ROUND(struct proto_status_reply, proto_status_reply_decode, proto_status_reply_encode);
		break;
	case 3:
		ROUND(struct proto_unlock_key_reply, proto_unlock_key_reply_decode,
		    proto_unlock_key_reply_encode);
		break;
	case 4:
		ROUND(struct proto_create, proto_create_decode, proto_create_encode);
		break;
	case 5:
		ROUND(struct proto_create_reply, proto_create_reply_decode, proto_create_reply_encode);
		break;
	case 6:
		ROUND(struct proto_restore, proto_restore_decode, proto_restore_encode);
		break;
	case 7:
		ROUND(struct proto_unlock, proto_unlock_decode, proto_unlock_encode);
		break;
	case 8:
		ROUND(struct proto_descriptors, proto_descriptors_decode, proto_descriptors_encode);
		break;
	case 9:
		ROUND(struct proto_descriptors_reply, proto_descriptors_reply_decode,
		    proto_descriptors_reply_encode);
		break;
	case 10:
		ROUND(struct proto_sign_psbt, proto_sign_psbt_decode, proto_sign_psbt_encode);
		break;
	case 11:
		ROUND(struct proto_sign_psbt_reply, proto_sign_psbt_reply_decode, proto_sign_psbt_reply_encode);
		break;
	case 12:
		ROUND(struct proto_sign_message, proto_sign_message_decode, proto_sign_message_encode);
		break;
	case 13:
		ROUND(struct proto_sign_message_reply, proto_sign_message_reply_decode,
		    proto_sign_message_reply_encode);
		break;
	case 14:
		ROUND(struct proto_policy_reply, proto_policy_reply_decode, proto_policy_reply_encode);
		break;
	case 15:
		ROUND(struct proto_set_policy, proto_set_policy_decode, proto_set_policy_encode);
		break;
	case 16:
		ROUND(struct proto_read_audit, proto_read_audit_decode, proto_read_audit_encode);
		break;
	case 17:
		ROUND(struct proto_read_audit_reply, proto_read_audit_reply_decode,
		    proto_read_audit_reply_encode);
		break;
	case 18:
		ROUND(struct proto_attestation, proto_attestation_decode, proto_attestation_encode);
		break;
	case 19:
		ROUND(struct proto_attestation_reply, proto_attestation_reply_decode,
		    proto_attestation_reply_encode);
		break;
	case 20:
		ROUND(struct proto_storage_key_reply, proto_storage_key_reply_decode,
		    proto_storage_key_reply_encode);
		break;
	case 21:
		ROUND(struct proto_error, proto_error_decode, proto_error_encode);
		break;
	case 22:
		must(proto_empty_decode(p, n) == (n == 0 ? 0 : COFFER_ERR_TRAILING));
		break;
	case 23:
		/* frame header: against a cap taken from the input, then re-encoded */
		if (n < PROTO_HEADER_LEN)
			break;
		if (proto_header_decode(&type, &len, p, n - PROTO_HEADER_LEN) == 0) {
			must(len <= n - PROTO_HEADER_LEN && len <= PROTO_MAX_FRAME);
			must(proto_header_encode(hdr, type, len) == 0 && memcmp(hdr, p, PROTO_HEADER_LEN) == 0);
		} else {
			must(type == 0 && len == 0);
		}
		break;
	}
	return 0;
}
