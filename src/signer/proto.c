/* Signer protocol: frame headers, type names and field helpers (see proto.h). */
#include "signer/proto.h"

#include <string.h>

#include "common/err.h"
#include "signer/proto_int.h"

int
proto_header_encode(uint8_t hdr[PROTO_HEADER_LEN], uint8_t type, size_t len)
{
	uint32_t n;

	memset(hdr, 0, PROTO_HEADER_LEN);
	if (len > PROTO_MAX_FRAME)
		return COFFER_ERR_SIGNER_FRAME_SIZE;
	n = (uint32_t)len + 1;	/* the type byte counts */
	hdr[0] = (uint8_t)n;
	hdr[1] = (uint8_t)(n >> 8);
	hdr[2] = (uint8_t)(n >> 16);
	hdr[3] = (uint8_t)(n >> 24);
	hdr[4] = type;
	return 0;
}

int
proto_header_decode(uint8_t *type, size_t *len, const uint8_t hdr[PROTO_HEADER_LEN], size_t max)
{
	uint32_t n;

	*type = 0;
	*len = 0;
	n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (n == 0)
		return COFFER_ERR_SIGNER_PROTOCOL;
	/* n - 1 cannot underflow now; compare as subtraction against the cap. */
	if ((size_t)(n - 1) > max || (size_t)(n - 1) > PROTO_MAX_FRAME)
		return COFFER_ERR_SIGNER_FRAME_SIZE;
	*type = hdr[4];
	*len = (size_t)(n - 1);
	return 0;
}

static const struct {
	uint8_t type;
	const char *name;
} type_names[] = {
	{ PROTO_HELLO, "hello" },
	{ PROTO_STATUS, "status" },
	{ PROTO_GET_UNLOCK_KEY, "get_unlock_key" },
	{ PROTO_CREATE, "create" },
	{ PROTO_RESTORE, "restore" },
	{ PROTO_UNLOCK, "unlock" },
	{ PROTO_LOCK, "lock" },
	{ PROTO_DESCRIPTORS, "descriptors" },
	{ PROTO_SIGN_PSBT, "sign_psbt" },
	{ PROTO_SIGN_MESSAGE, "sign_message" },
	{ PROTO_GET_POLICY, "get_policy" },
	{ PROTO_SET_POLICY, "set_policy" },
	{ PROTO_READ_AUDIT, "read_audit" },
	{ PROTO_ATTESTATION, "attestation" },
	{ PROTO_GET_STORAGE_KEY, "get_storage_key" },
	{ PROTO_ERROR, "error" },
};

const char *
proto_type_name(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

/* --- Field helpers ------------------------------------------------------------ */

int
proto_put_bytes(struct cbuf *out, const struct proto_bytes *b, size_t max)
{
	if (b->len > max || (b->p == NULL && b->len != 0))
		return COFFER_ERR_INVALID_ARG;
	return cbuf_put_varbytes(out, b->p, b->len);
}

int
proto_get_bytes(struct creader *r, struct proto_bytes *b, size_t max)
{
	int ret;

	b->p = NULL;
	b->len = 0;
	if ((ret = creader_get_varbytes(r, &b->p, &b->len, max)) != 0) {
		b->p = NULL;
		b->len = 0;
	}
	return ret;
}

int
proto_put_str(struct cbuf *out, const struct proto_bytes *b, size_t max)
{
	if (b->len > 0 && b->p != NULL && memchr(b->p, 0, b->len) != NULL)
		return COFFER_ERR_INVALID_ARG;
	return proto_put_bytes(out, b, max);
}

int
proto_get_str(struct creader *r, struct proto_bytes *b, size_t max)
{
	int ret;

	if ((ret = proto_get_bytes(r, b, max)) != 0)
		return ret;
	if (b->len > 0 && memchr(b->p, 0, b->len) != NULL) {
		b->p = NULL;
		b->len = 0;
		return COFFER_ERR_BAD_STRING;
	}
	return 0;
}

static size_t
secret_cap(uint8_t kind, size_t plain_max)
{
	switch (kind) {
	case PROTO_SECRET_NONE:
		return 0;
	case PROTO_SECRET_PLAIN:
		return plain_max;
	case PROTO_SECRET_SEALED:
		return PROTO_SECRET_SEALED_MAX(plain_max);
	default:
		return 0;
	}
}

int
proto_put_secret(struct cbuf *out, const struct proto_secret *s, size_t plain_max)
{
	struct proto_bytes b = { s->p, s->len };
	int ret;

	if (s->kind > PROTO_SECRET_SEALED || s->len > secret_cap(s->kind, plain_max))
		return COFFER_ERR_INVALID_ARG;
	if (s->kind == PROTO_SECRET_SEALED && s->len <= PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = cbuf_put_u8(out, s->kind)) != 0)
		return ret;
	return proto_put_bytes(out, &b, secret_cap(s->kind, plain_max));
}

int
proto_get_secret(struct creader *r, struct proto_secret *s, size_t plain_max)
{
	struct proto_bytes b;
	int ret;

	memset(s, 0, sizeof(*s));
	if ((ret = creader_get_u8(r, &s->kind)) != 0)
		return ret;
	if (s->kind > PROTO_SECRET_SEALED) {
		s->kind = 0;
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	if ((ret = proto_get_bytes(r, &b, secret_cap(s->kind, plain_max))) != 0) {
		s->kind = 0;
		return ret;
	}
	/* A sealed box must hold the challenge and at least one byte. */
	if (s->kind == PROTO_SECRET_SEALED && b.len <= PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN) {
		s->kind = 0;
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	s->p = b.p;
	s->len = b.len;
	return 0;
}

int
proto_get_bool(struct creader *r, uint8_t *v)
{
	int ret;

	if ((ret = creader_get_u8(r, v)) != 0)
		return ret;
	if (*v > 1) {
		*v = 0;
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	return 0;
}
