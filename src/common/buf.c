/* Bounds-checked reader and bounded growable writer; see buf.h. */
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"

void
creader_init(struct creader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
}

size_t
creader_remaining(const struct creader *r)
{
	return r->len - r->off;
}

int
creader_expect_end(const struct creader *r)
{
	return creader_remaining(r) == 0 ? 0 : COFFER_ERR_TRAILING;
}

int
creader_get_ptr(struct creader *r, const uint8_t **out, size_t n)
{
	*out = NULL;
	if (n > creader_remaining(r))
		return COFFER_ERR_TRUNCATED;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
creader_get_bytes(struct creader *r, uint8_t *out, size_t n)
{
	const uint8_t *p;
	int ret;

	if ((ret = creader_get_ptr(r, &p, n)) != 0) {
		if (n > 0)
			memset(out, 0, n);
		return ret;
	}
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
creader_skip(struct creader *r, size_t n)
{
	const uint8_t *p;

	return creader_get_ptr(r, &p, n);
}

int
creader_get_u8(struct creader *r, uint8_t *out)
{
	*out = 0;
	if (creader_remaining(r) < 1)
		return COFFER_ERR_TRUNCATED;
	*out = r->p[r->off++];
	return 0;
}

static uint64_t
le_load(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

int
creader_get_u16le(struct creader *r, uint16_t *out)
{
	const uint8_t *p;
	int ret;

	*out = 0;
	if ((ret = creader_get_ptr(r, &p, 2)) != 0)
		return ret;
	*out = (uint16_t)le_load(p, 2);
	return 0;
}

int
creader_get_u32le(struct creader *r, uint32_t *out)
{
	const uint8_t *p;
	int ret;

	*out = 0;
	if ((ret = creader_get_ptr(r, &p, 4)) != 0)
		return ret;
	*out = (uint32_t)le_load(p, 4);
	return 0;
}

int
creader_get_u32be(struct creader *r, uint32_t *out)
{
	const uint8_t *p;
	int ret;

	*out = 0;
	if ((ret = creader_get_ptr(r, &p, 4)) != 0)
		return ret;
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
creader_get_u64le(struct creader *r, uint64_t *out)
{
	const uint8_t *p;
	int ret;

	*out = 0;
	if ((ret = creader_get_ptr(r, &p, 8)) != 0)
		return ret;
	*out = le_load(p, 8);
	return 0;
}

int
creader_get_i64le(struct creader *r, int64_t *out)
{
	uint64_t v;
	int ret;

	*out = 0;
	if ((ret = creader_get_u64le(r, &v)) != 0)
		return ret;
	memcpy(out, &v, sizeof(v));
	return 0;
}

int
creader_get_compact(struct creader *r, uint64_t *out)
{
	size_t save = r->off;
	uint8_t tag;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	int ret;

	*out = 0;
	if ((ret = creader_get_u8(r, &tag)) != 0)
		return ret;
	if (tag < 0xfd) {
		*out = tag;
		return 0;
	}
	if (tag == 0xfd) {
		if ((ret = creader_get_u16le(r, &v16)) != 0)
			goto fail;
		if (v16 < 0xfd) {
			ret = COFFER_ERR_NONCANONICAL;
			goto fail;
		}
		*out = v16;
		return 0;
	}
	if (tag == 0xfe) {
		if ((ret = creader_get_u32le(r, &v32)) != 0)
			goto fail;
		if (v32 <= 0xffff) {
			ret = COFFER_ERR_NONCANONICAL;
			goto fail;
		}
		*out = v32;
		return 0;
	}
	if ((ret = creader_get_u64le(r, &v64)) != 0)
		goto fail;
	if (v64 <= 0xffffffffu) {
		ret = COFFER_ERR_NONCANONICAL;
		goto fail;
	}
	*out = v64;
	return 0;
fail:
	r->off = save;
	*out = 0;
	return ret;
}

int
creader_get_varbytes(struct creader *r, const uint8_t **out, size_t *outlen, size_t max)
{
	size_t save = r->off;
	uint64_t n;
	int ret;

	*out = NULL;
	*outlen = 0;
	if ((ret = creader_get_compact(r, &n)) != 0)
		return ret;
	if (n > max) {
		r->off = save;
		return COFFER_ERR_TOO_LARGE;
	}
	if ((ret = creader_get_ptr(r, out, (size_t)n)) != 0) {
		r->off = save;
		return ret;
	}
	*outlen = (size_t)n;
	return 0;
}

void
cbuf_init(struct cbuf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max != 0 ? max : CBUF_DEFAULT_MAX;
	b->secret = 0;
}

void
cbuf_init_secret(struct cbuf *b, size_t max)
{
	cbuf_init(b, max);
	b->secret = 1;
}

void
cbuf_free(struct cbuf *b)
{
	if (b->p != NULL && b->secret)
		secure_wipe(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
cbuf_reset(struct cbuf *b)
{
	if (b->p != NULL && b->secret)
		secure_wipe(b->p, b->cap);
	b->len = 0;
}

int
cbuf_reserve(struct cbuf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *np;

	if (n > b->max || b->len > b->max - n)
		return COFFER_ERR_TOO_LARGE;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (b->secret) {
		/* Never leave a secret copy behind in freed memory. */
		if ((np = malloc(ncap)) == NULL)
			return COFFER_ERR_NOMEM;
		if (b->len > 0)
			memcpy(np, b->p, b->len);
		if (b->p != NULL)
			secure_wipe(b->p, b->cap);
		free(b->p);
	} else if ((np = realloc(b->p, ncap)) == NULL) {
		return COFFER_ERR_NOMEM;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
cbuf_put(struct cbuf *b, const uint8_t *p, size_t n)
{
	int ret;

	if (n == 0)
		return 0;
	if ((ret = cbuf_reserve(b, n)) != 0)
		return ret;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
cbuf_put_u8(struct cbuf *b, uint8_t v)
{
	return cbuf_put(b, &v, 1);
}

static int
put_le(struct cbuf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	return cbuf_put(b, tmp, n);
}

int
cbuf_put_u16le(struct cbuf *b, uint16_t v)
{
	return put_le(b, v, 2);
}

int
cbuf_put_u32le(struct cbuf *b, uint32_t v)
{
	return put_le(b, v, 4);
}

int
cbuf_put_u32be(struct cbuf *b, uint32_t v)
{
	uint8_t tmp[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return cbuf_put(b, tmp, 4);
}

int
cbuf_put_u64le(struct cbuf *b, uint64_t v)
{
	return put_le(b, v, 8);
}

size_t
compact_size_len(uint64_t v)
{
	if (v < 0xfd)
		return 1;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffu)
		return 5;
	return 9;
}

int
cbuf_put_compact(struct cbuf *b, uint64_t v)
{
	int ret;

	if (v < 0xfd)
		return cbuf_put_u8(b, (uint8_t)v);
	if (v <= 0xffff) {
		if ((ret = cbuf_put_u8(b, 0xfd)) != 0)
			return ret;
		return put_le(b, v, 2);
	}
	if (v <= 0xffffffffu) {
		if ((ret = cbuf_put_u8(b, 0xfe)) != 0)
			return ret;
		return put_le(b, v, 4);
	}
	if ((ret = cbuf_put_u8(b, 0xff)) != 0)
		return ret;
	return put_le(b, v, 8);
}

int
cbuf_put_varbytes(struct cbuf *b, const uint8_t *p, size_t n)
{
	int ret;

	if ((ret = cbuf_reserve(b, compact_size_len(n) + n)) != 0)
		return ret;
	if ((ret = cbuf_put_compact(b, n)) != 0)
		return ret;
	return cbuf_put(b, p, n);
}

int
cbuf_put_str(struct cbuf *b, const char *s)
{
	return cbuf_put(b, (const uint8_t *)s, strlen(s));
}
