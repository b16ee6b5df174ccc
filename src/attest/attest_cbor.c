/* Bounded, strict CBOR decoding for attestation documents; see attest_cbor.h. */
#include "attest/attest_cbor.h"

#include <string.h>

#include "common/err.h"

/* Read the big-endian argument of n bytes (1, 2, 4 or 8). */
static int
get_be(struct creader *r, size_t n, uint64_t *out)
{
	uint8_t b[8];
	size_t i;
	int ret;

	*out = 0;
	if ((ret = creader_get_bytes(r, b, n)) != 0)
		return ret;
	for (i = 0; i < n; i++)
		*out = (*out << 8) | b[i];
	return 0;
}

int
cbor_get_head(struct creader *r, struct cbor_head *h)
{
	struct creader t = *r;
	uint8_t ib;
	uint64_t arg = 0;
	size_t width;
	int ret;

	memset(h, 0, sizeof(*h));
	if ((ret = creader_get_u8(&t, &ib)) != 0)
		return ret;
	h->major = (enum cbor_major)(ib >> 5);
	h->ai = ib & 0x1f;
	if (h->ai < 24) {
		arg = h->ai;
	} else if (h->ai <= 27) {
		width = (size_t)1 << (h->ai - 24);
		if ((ret = get_be(&t, width, &arg)) != 0)
			goto fail;
		if (h->major == CBOR_SIMPLE) {
			/* ai 24: a simple value, which must be >= 32 (RFC 8949 3.3);
			 * 25..27 are half/single/double floats, kept as raw bits. */
			if (h->ai == 24 && arg < 32) {
				ret = COFFER_ERR_NONCANONICAL;
				goto fail;
			}
		} else if ((width == 1 && arg < 24) || (width == 2 && arg <= 0xff) ||
		    (width == 4 && arg <= 0xffff) || (width == 8 && arg <= 0xffffffffu)) {
			ret = COFFER_ERR_NONCANONICAL;
			goto fail;
		}
	} else {
		/* 28..30 reserved; 31 indefinite length or break. */
		ret = COFFER_ERR_UNSUPPORTED;
		goto fail;
	}
	h->arg = arg;
	switch (h->major) {
	case CBOR_BYTES:
	case CBOR_TEXT:
		if (arg > creader_remaining(&t)) {
			ret = COFFER_ERR_TRUNCATED;
			goto fail;
		}
		if ((ret = creader_get_ptr(&t, &h->p, (size_t)arg)) != 0)
			goto fail;
		break;
	case CBOR_ARRAY:
		/* Every element takes at least one byte. */
		if (arg > creader_remaining(&t)) {
			ret = COFFER_ERR_TRUNCATED;
			goto fail;
		}
		break;
	case CBOR_MAP:
		if (arg > creader_remaining(&t) / 2) {
			ret = COFFER_ERR_TRUNCATED;
			goto fail;
		}
		break;
	default:
		break;
	}
	*r = t;
	return 0;
fail:
	memset(h, 0, sizeof(*h));
	return ret;
}

static int
skip_depth(struct creader *r, unsigned int depth)
{
	struct cbor_head h;
	uint64_t i, n;
	int ret;

	if (depth > CBOR_MAX_DEPTH)
		return COFFER_ERR_TOO_LARGE;
	if ((ret = cbor_get_head(r, &h)) != 0)
		return ret;
	switch (h.major) {
	case CBOR_ARRAY:
	case CBOR_MAP:
		n = h.major == CBOR_MAP ? h.arg * 2 : h.arg;	/* bounded by the input size */
		for (i = 0; i < n; i++)
			if ((ret = skip_depth(r, depth + 1)) != 0)
				return ret;
		return 0;
	case CBOR_TAG:
		return skip_depth(r, depth + 1);
	default:
		return 0;
	}
}

int
cbor_skip(struct creader *r, unsigned int depth)
{
	struct creader t = *r;
	int ret;

	if ((ret = skip_depth(&t, depth)) != 0)
		return ret;
	*r = t;
	return 0;
}

int
cbor_check_item(const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	creader_init(&r, p, n);
	if ((ret = cbor_skip(&r, 0)) != 0)
		return ret;
	return creader_expect_end(&r);
}

/* Read a head of the given major type; the reader moves only on success. */
static int
get_typed(struct creader *r, enum cbor_major major, struct cbor_head *h)
{
	struct creader t = *r;
	int ret;

	if ((ret = cbor_get_head(&t, h)) != 0)
		return ret;
	if (h->major != major) {
		memset(h, 0, sizeof(*h));
		return COFFER_ERR_UNSUPPORTED;
	}
	*r = t;
	return 0;
}

int
cbor_get_uint(struct creader *r, uint64_t *out)
{
	struct cbor_head h;
	int ret;

	*out = 0;
	if ((ret = get_typed(r, CBOR_UINT, &h)) != 0)
		return ret;
	*out = h.arg;
	return 0;
}

int
cbor_get_int(struct creader *r, int64_t *out)
{
	struct creader t = *r;
	struct cbor_head h;
	int ret;

	*out = 0;
	if ((ret = cbor_get_head(&t, &h)) != 0)
		return ret;
	if (h.major != CBOR_UINT && h.major != CBOR_NEGINT)
		return COFFER_ERR_UNSUPPORTED;
	if (h.arg > (uint64_t)INT64_MAX)
		return COFFER_ERR_TOO_LARGE;
	*out = h.major == CBOR_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
	*r = t;
	return 0;
}

static int
get_string(struct creader *r, enum cbor_major major, const uint8_t **p, size_t *len, size_t max)
{
	struct creader t = *r;
	struct cbor_head h;
	int ret;

	*p = NULL;
	*len = 0;
	if ((ret = get_typed(&t, major, &h)) != 0)
		return ret;
	if (h.arg > max)
		return COFFER_ERR_TOO_LARGE;
	*p = h.p;
	*len = (size_t)h.arg;
	*r = t;
	return 0;
}

int
cbor_get_bytes(struct creader *r, const uint8_t **p, size_t *len, size_t max)
{
	return get_string(r, CBOR_BYTES, p, len, max);
}

int
cbor_get_text(struct creader *r, const uint8_t **p, size_t *len, size_t max)
{
	return get_string(r, CBOR_TEXT, p, len, max);
}

static int
get_container(struct creader *r, enum cbor_major major, size_t *count, size_t max)
{
	struct creader t = *r;
	struct cbor_head h;
	int ret;

	*count = 0;
	if ((ret = get_typed(&t, major, &h)) != 0)
		return ret;
	if (h.arg > max)
		return COFFER_ERR_TOO_LARGE;
	*count = (size_t)h.arg;
	*r = t;
	return 0;
}

int
cbor_get_array(struct creader *r, size_t *count, size_t max)
{
	return get_container(r, CBOR_ARRAY, count, max);
}

int
cbor_get_map(struct creader *r, size_t *count, size_t max)
{
	return get_container(r, CBOR_MAP, count, max);
}

int
cbor_take_null(struct creader *r)
{
	struct creader t = *r;
	struct cbor_head h;

	if (cbor_get_head(&t, &h) != 0 || h.major != CBOR_SIMPLE || h.ai != CBOR_SIMPLE_NULL)
		return 0;
	*r = t;
	return 1;
}

int
cbor_take_tag(struct creader *r, uint64_t tag)
{
	struct creader t = *r;
	struct cbor_head h;

	if (cbor_get_head(&t, &h) != 0 || h.major != CBOR_TAG || h.arg != tag)
		return 0;
	*r = t;
	return 1;
}

int
cbor_put_head(struct cbuf *b, enum cbor_major major, uint64_t arg)
{
	uint8_t out[9];
	size_t n, i;
	uint8_t mt = (uint8_t)((unsigned int)major << 5);

	if (arg < 24) {
		out[0] = (uint8_t)(mt | arg);
		n = 1;
	} else {
		if (arg <= 0xff)
			n = 1, out[0] = mt | 24;
		else if (arg <= 0xffff)
			n = 2, out[0] = mt | 25;
		else if (arg <= 0xffffffffu)
			n = 4, out[0] = mt | 26;
		else
			n = 8, out[0] = mt | 27;
		for (i = 0; i < n; i++)
			out[1 + i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
		n++;
	}
	return cbuf_put(b, out, n);
}
