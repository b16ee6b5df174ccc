/*
 * A small test harness shared by every tests/<component>/test_*.c.
 *
 * Each file lists its tests in a table and ends with TEST_MAIN(table): the
 * executable runs them all, or only those named on its command line. Vector
 * files are read from ../shared/vectors at run time; vectors_count() reports
 * how many cases of each file ran (printed, and appended to
 * $COFFER_VECTOR_LOG when set, so `make check` can list them all).
 */
#ifndef COFFER_TESTS_HARNESS_H
#define COFFER_TESTS_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/encoding.h"
#include "common/err.h"

static int t_pass, t_fail;

#define CHECK(cond) do { \
	if (cond) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (cond) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

/* expr must return want (an int error code). */
#define CHECK_RC(expr, want) do { \
	int rc_ = (expr), want_ = (want); \
	if (rc_ == want_) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__, __LINE__, #expr, \
		    rc_, coffer_err_name(rc_), want_, coffer_err_name(want_)); } \
} while (0)

#define CHECK_OK(expr) CHECK_RC(expr, 0)

#define CHECK_STREQ(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ != NULL && b_ != NULL && strcmp(a_, b_) == 0) { t_pass++; } else { t_fail++; \
		fprintf(stderr, "%s:%d: %s != %s\n  got  %s\n  want %s\n", __FILE__, __LINE__, #a, #b, \
		    a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } \
} while (0)

/* Compare n bytes at got against a hex string. */
#define CHECK_HEX(got, n, hexwant) do { \
	char h_[4096]; \
	hex_encode(h_, sizeof(h_), (got), (n)); \
	CHECK_STREQ(h_, (hexwant)); \
} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* Load ../shared/vectors/<rel> as JSON; a missing file is a failure, never a skip. */
static inline json_t *
vectors_load(const char *rel)
{
	char path[1024];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", COFFER_VECTORS_DIR, rel);
	if ((j = json_load_file(path, JSON_DECODE_ANY, &err)) == NULL) {
		fprintf(stderr, "cannot load vectors %s: %s (line %d)\n", path, err.text, err.line);
		exit(1);
	}
	return j;
}

/* Path of a vector file, for non-JSON formats. */
static inline const char *
vectors_path(const char *rel)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", COFFER_VECTORS_DIR, rel);
	return path;
}

/* Report that `n` cases of `what` from vector file `rel` ran. */
static inline void
vectors_count(const char *rel, const char *what, int n)
{
	const char *log = getenv("COFFER_VECTOR_LOG");
	FILE *f;

	printf("vectors: %s: %d %s\n", rel, n, what);
	if (log != NULL && (f = fopen(log, "a")) != NULL) {
		fprintf(f, "%s: %d %s\n", rel, n, what);
		fclose(f);
	}
}

/* Decode a hex string from JSON into a malloc'd buffer (caller frees); exits on bad hex. */
static inline uint8_t *
test_unhex(const char *hex, size_t *outlen)
{
	struct cbuf b;

	cbuf_init(&b, 0);
	if (hex_decode_buf(&b, hex, strlen(hex)) != 0) {
		fprintf(stderr, "bad hex in test data: %.60s\n", hex);
		exit(1);
	}
	*outlen = b.len;
	if (b.p == NULL)
		b.p = malloc(1);
	return b.p;
}

static inline int
test_run(const char *file, const struct test_case *tests, size_t n, int argc, char **argv)
{
	size_t i;
	int j, ran = 0;

	for (i = 0; i < n; i++) {
		int want = argc < 2;

		for (j = 1; j < argc; j++)
			if (strcmp(argv[j], tests[i].name) == 0)
				want = 1;
		if (!want)
			continue;
		{
			int before = t_fail;

			tests[i].fn();
			printf("%-40s %s\n", tests[i].name, t_fail == before ? "ok" : "FAILED");
			ran++;
		}
	}
	if (ran == 0) {
		fprintf(stderr, "%s: no test matched\n", file);
		return 1;
	}
	printf("%s: %d passed, %d failed\n", file, t_pass, t_fail);
	return t_fail == 0 ? 0 : 1;
}

#define TEST_MAIN(table) \
	int main(int argc, char **argv) \
	{ return test_run(__FILE__, table, sizeof(table) / sizeof(table[0]), argc, argv); }

#endif
