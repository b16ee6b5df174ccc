/*
 * Bounds-checked byte buffers for untrusted input and for building output.
 *
 * struct creader reads hostile bytes: every getter checks what remains before
 * it consumes, and callers never do pointer arithmetic. A failed get consumes
 * nothing and clears its output.
 *
 * struct cbuf builds output: it grows up to a hard maximum (cbuf_init's max),
 * and a buffer flagged secret is wiped whenever it is freed or reallocated.
 */
#ifndef COFFER_COMMON_BUF_H
#define COFFER_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct creader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* Start reading len bytes at p (p may be NULL only when len is 0). */
void creader_init(struct creader *r, const uint8_t *p, size_t len);
/* Bytes not yet consumed. */
size_t creader_remaining(const struct creader *r);
/* Returns COFFER_ERR_TRAILING when bytes remain, 0 otherwise. */
int creader_expect_end(const struct creader *r);

int creader_get_u8(struct creader *r, uint8_t *out);
int creader_get_u16le(struct creader *r, uint16_t *out);
int creader_get_u32le(struct creader *r, uint32_t *out);
int creader_get_u32be(struct creader *r, uint32_t *out);
int creader_get_u64le(struct creader *r, uint64_t *out);
int creader_get_i64le(struct creader *r, int64_t *out);
/* Bitcoin CompactSize; rejects non-minimal encodings (COFFER_ERR_NONCANONICAL). */
int creader_get_compact(struct creader *r, uint64_t *out);
/* Copy n bytes into out. */
int creader_get_bytes(struct creader *r, uint8_t *out, size_t n);
/* Point *out at the next n bytes inside the reader, and consume them. */
int creader_get_ptr(struct creader *r, const uint8_t **out, size_t n);
/* CompactSize length then bytes; the length must be <= max (else COFFER_ERR_TOO_LARGE). */
int creader_get_varbytes(struct creader *r, const uint8_t **out, size_t *outlen, size_t max);
/* Skip n bytes. */
int creader_skip(struct creader *r, size_t n);

struct cbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	int secret;
};

/* Default ceiling for a buffer whose caller names none (16 MiB). */
#define CBUF_DEFAULT_MAX ((size_t)16 << 20)

/* An empty buffer that may grow to max bytes (0 means CBUF_DEFAULT_MAX). */
void cbuf_init(struct cbuf *b, size_t max);
/* Same, but its contents are wiped on every free or reallocation. */
void cbuf_init_secret(struct cbuf *b, size_t max);
/* Wipe (when secret) and free; the buffer is left empty and reusable. */
void cbuf_free(struct cbuf *b);
/* Forget the contents but keep the allocation (wiped when secret). */
void cbuf_reset(struct cbuf *b);
/* Make room for n more bytes. Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int cbuf_reserve(struct cbuf *b, size_t n);

int cbuf_put_u8(struct cbuf *b, uint8_t v);
int cbuf_put_u16le(struct cbuf *b, uint16_t v);
int cbuf_put_u32le(struct cbuf *b, uint32_t v);
int cbuf_put_u32be(struct cbuf *b, uint32_t v);
int cbuf_put_u64le(struct cbuf *b, uint64_t v);
int cbuf_put_compact(struct cbuf *b, uint64_t v);
int cbuf_put(struct cbuf *b, const uint8_t *p, size_t n);
/* CompactSize length then bytes. */
int cbuf_put_varbytes(struct cbuf *b, const uint8_t *p, size_t n);
/* Append a NUL-free C string without its terminator. */
int cbuf_put_str(struct cbuf *b, const char *s);

/* Encoded size of a CompactSize. */
size_t compact_size_len(uint64_t v);

#endif
