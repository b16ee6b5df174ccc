/*
 * Helpers for the TDX/SGX/Nitro sample tests (on top of attest_util.h's
 * sample_read): verify through attest_verify() at a given time and policy,
 * compare claims against PROVENANCE.md's abbreviated values
 * ("6363b804…5cbb"), and mutate copies.
 */
#ifndef COFFER_TESTS_ATTEST_SAMPLE_UTIL_H
#define COFFER_TESTS_ATTEST_SAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "attest/attest_int.h"
#include "attest_util.h"
#include "harness.h"

/* Verify p[n] as format at time `at`; allow_debug selects a policy that admits debug mode. */
static inline enum attest_verdict
sample_verify(struct attest_result *res, enum attest_format fmt, const uint8_t *p, size_t n, int64_t at,
    int allow_debug)
{
	struct attest_policy pol;
	struct attest_input in;

	memset(&in, 0, sizeof(in));
	attest_policy_default(&pol);
	pol.allow_debug = allow_debug;
	in.format = fmt;
	in.evidence = p;
	in.len = n;
	in.at = at;
	in.policy = &pol;
	return attest_verify(res, &in);
}

/* Verify with an explicit policy and expected nonce (NULL for none). */
static inline enum attest_verdict
sample_verify_policy(struct attest_result *res, enum attest_format fmt, const uint8_t *p, size_t n, int64_t at,
    const struct attest_policy *pol, const uint8_t *nonce, size_t noncelen)
{
	struct attest_input in;

	memset(&in, 0, sizeof(in));
	in.format = fmt;
	in.evidence = p;
	in.len = n;
	in.at = at;
	in.policy = pol;
	in.nonce = nonce;
	in.noncelen = noncelen;
	return attest_verify(res, &in);
}

/* Add an allow-list {name: [value]} to a policy. */
static inline void
policy_allow(struct attest_policy *pol, const char *name, const char *value)
{
	struct attest_allow *a = &pol->allow[pol->nallow++];

	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->values[0], sizeof(a->values[0]), "%s", value);
	a->nvalues = 1;
}

/*
 * 1 when value matches want: either equal, or want is "prefix…suffix" (the
 * UTF-8 ellipsis of PROVENANCE.md) and value starts and ends with those.
 */
static inline int
claim_matches(const char *value, const char *want)
{
	const char *dots = strstr(want, "\xe2\x80\xa6");
	size_t pre, suf, vl;

	if (value == NULL)
		return 0;
	if (dots == NULL)
		return strcmp(value, want) == 0;
	pre = (size_t)(dots - want);
	suf = strlen(dots + 3);
	vl = strlen(value);
	return vl >= pre + suf && strncmp(value, want, pre) == 0 && strcmp(value + vl - suf, dots + 3) == 0;
}

#define CHECK_CLAIM(res, name, want) do { \
	const char *v_ = attest_claim_get((res), (name)); \
	CHECK_MSG(claim_matches(v_, (want)), "claim %s = %s, want %s", (name), v_ ? v_ : "(none)", (want)); \
} while (0)

/* The verdict must be `want` and, when want is not VALID, the reason must contain `why`. */
#define CHECK_VERDICT(res, got, want, why, ctx) do { \
	enum attest_verdict g_ = (got); \
	CHECK_MSG(g_ == (want) && ((want) == ATTEST_VALID || strstr((res)->reason, (why)) != NULL), \
	    "%s: verdict %d (%s), want %d with \"%s\"", (ctx), (int)g_, (res)->reason, (int)(want), (why)); \
} while (0)

/* A copy of p[n] with byte i xor'ed with x (caller frees). */
static inline uint8_t *
mutate_xor(const uint8_t *p, size_t n, size_t i, uint8_t x)
{
	uint8_t *m = malloc(n ? n : 1);

	if (m == NULL)
		exit(1);
	memcpy(m, p, n);
	if (i < n)
		m[i] ^= x;
	return m;
}

#endif
