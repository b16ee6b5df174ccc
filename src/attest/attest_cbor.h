/*
 * A small, bounded CBOR (RFC 8949) decoder over struct creader, for the AWS
 * Nitro attestation document (COSE_Sign1), plus the one encoder primitive
 * the COSE Sig_structure needs.
 *
 * Strict by design, because everything it reads is hostile: definite lengths
 * only (indefinite lengths and break codes are refused), minimal-length heads
 * only (a non-minimal argument is COFFER_ERR_NONCANONICAL), reserved
 * additional-information values refused, a nesting cap (CBOR_MAX_DEPTH), and
 * array/map counts that cannot exceed the bytes left (every item is at least
 * one byte), so no count can make a caller loop or allocate beyond the input.
 *
 * Errors: COFFER_ERR_TRUNCATED (input ends inside an item),
 * COFFER_ERR_NONCANONICAL (non-minimal head), COFFER_ERR_UNSUPPORTED
 * (indefinite length, reserved value, wrong major type for a typed getter),
 * COFFER_ERR_TOO_LARGE (a cap: depth, count, string length, integer range),
 * COFFER_ERR_TRAILING (bytes after the item, cbor_check_item only).
 * A failed getter leaves the reader where it was and clears its outputs.
 */
#ifndef COFFER_ATTEST_ATTEST_CBOR_H
#define COFFER_ATTEST_ATTEST_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Deepest nesting cbor_skip() follows (arrays, maps and tags each count one). */
#define CBOR_MAX_DEPTH 16

enum cbor_major {
	CBOR_UINT = 0,
	CBOR_NEGINT = 1,	/* value is -1 - arg */
	CBOR_BYTES = 2,
	CBOR_TEXT = 3,
	CBOR_ARRAY = 4,
	CBOR_MAP = 5,
	CBOR_TAG = 6,
	CBOR_SIMPLE = 7,	/* simple values and floats */
};

#define CBOR_SIMPLE_FALSE 20
#define CBOR_SIMPLE_TRUE 21
#define CBOR_SIMPLE_NULL 22
#define CBOR_SIMPLE_UNDEFINED 23

/* One decoded item head. */
struct cbor_head {
	enum cbor_major major;
	uint8_t ai;		/* the low five bits of the initial byte */
	uint64_t arg;		/* integer value; string length; array/map count; tag; simple value or float bits */
	const uint8_t *p;	/* CBOR_BYTES/CBOR_TEXT: the content (inside the reader), else NULL */
};

/*
 * Read one item head. For byte and text strings the content is consumed too
 * and h->p points at it (length h->arg); arrays, maps and tags leave their
 * contents to the caller.
 * Returns 0 or an error (see above). On failure the reader has not moved.
 * Out: h (zeroed on failure).
 */
int cbor_get_head(struct creader *r, struct cbor_head *h);

/*
 * Skip one complete item (with everything nested in it).
 * Returns 0 or an error; COFFER_ERR_TOO_LARGE past CBOR_MAX_DEPTH levels.
 * In: depth, the nesting level of the item (0 at top level).
 */
int cbor_skip(struct creader *r, unsigned int depth);

/*
 * Check that p[0..n) is exactly one well-formed item (nothing after it).
 * Returns 0 or an error (COFFER_ERR_TRAILING when bytes follow the item).
 */
int cbor_check_item(const uint8_t *p, size_t n);

/* Read an unsigned integer (major 0). */
int cbor_get_uint(struct creader *r, uint64_t *out);
/* Read an integer (major 0 or 1) that fits in int64_t (else COFFER_ERR_TOO_LARGE). */
int cbor_get_int(struct creader *r, int64_t *out);
/* Read a byte string of at most max bytes; *p points into the reader. */
int cbor_get_bytes(struct creader *r, const uint8_t **p, size_t *len, size_t max);
/* Read a text string of at most max bytes (not NUL-terminated, not UTF-8 checked). */
int cbor_get_text(struct creader *r, const uint8_t **p, size_t *len, size_t max);
/* Read an array head whose count is at most max. */
int cbor_get_array(struct creader *r, size_t *count, size_t max);
/* Read a map head whose pair count is at most max. */
int cbor_get_map(struct creader *r, size_t *count, size_t max);
/*
 * If the next item is the simple value null, consume it and return 1; return
 * 0 (reader unmoved) for anything else, including end of input.
 */
int cbor_take_null(struct creader *r);
/* If the next item is tag `tag`, consume its head and return 1; else return 0 (unmoved). */
int cbor_take_tag(struct creader *r, uint64_t tag);

/*
 * Append the minimal head for (major, arg) to b (for strings, the caller then
 * appends the content).
 * Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM.
 */
int cbor_put_head(struct cbuf *b, enum cbor_major major, uint64_t arg);

#endif
