/*
 * TEMPORARY (tdxnitro branch): the smallest attest.c that lets the TDX, SGX
 * and Nitro backends be tested before the real attest.c (sevsnp branch)
 * lands on main. Deleted at that merge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "attest/attest_int.h"
#include "attest/attest_tmproots.h"
#include "common/encoding.h"

enum attest_verdict
attest_refuse(struct attest_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return out->verdict = ATTEST_REFUSED;
}

enum attest_verdict
attest_unusable(struct attest_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return out->verdict = ATTEST_UNUSABLE;
}

void
attest_claim_add(struct attest_result *out, const char *name, const char *value)
{
	if (out->nclaims >= ATTEST_MAX_CLAIMS)
		return;
	snprintf(out->claims[out->nclaims].name, sizeof(out->claims[0].name), "%s", name);
	snprintf(out->claims[out->nclaims].value, sizeof(out->claims[0].value), "%s", value);
	out->nclaims++;
}

void
attest_claim_add_hex(struct attest_result *out, const char *name, const uint8_t *p, size_t n)
{
	char h[sizeof(out->claims[0].value)];

	if (2 * n + 1 > sizeof(h))
		return;
	hex_encode(h, sizeof(h), p, n);
	attest_claim_add(out, name, h);
}

const char *
attest_claim_get(const struct attest_result *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->nclaims; i++)
		if (strcmp(out->claims[i].name, name) == 0)
			return out->claims[i].value;
	return NULL;
}

void
attest_claim_add_u64(struct attest_result *out, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	attest_claim_add(out, name, b);
}

void
attest_set_report_data(struct attest_result *out, const uint8_t *p, size_t n)
{
	if (n > 64)
		n = 64;
	memcpy(out->report_data, p, n);
	out->report_data_len = n;
}

void
attest_set_nonce(struct attest_result *out, const uint8_t *p, size_t n)
{
	(void)out;
	(void)p;
	(void)n;
}

void
attest_policy_default(struct attest_policy *p)
{
	memset(p, 0, sizeof(*p));
}

enum attest_verdict
attest_verify(struct attest_result *out, const struct attest_input *in)
{
	const struct attest_backend *b = NULL;
	struct attest_input cp = *in;

	memset(out, 0, sizeof(*out));
	if (in->format == ATTEST_FMT_TDX)
		b = &attest_backend_tdx;
	else if (in->format == ATTEST_FMT_SGX)
		b = &attest_backend_sgx;
	else if (in->format == ATTEST_FMT_NITRO)
		b = &attest_backend_nitro;
	else if (in->format == ATTEST_FMT_AUTO) {
		if (attest_backend_tdx.detect(in->evidence, in->len))
			b = &attest_backend_tdx;
		else if (attest_backend_sgx.detect(in->evidence, in->len))
			b = &attest_backend_sgx;
		else if (attest_backend_nitro.detect(in->evidence, in->len))
			b = &attest_backend_nitro;
	}
	if (b == NULL)
		return attest_unusable(out, "format not built in");
	out->format = b->format;
	if (cp.at == 0)
		cp.at = (int64_t)time(NULL);
	if (b->verify(out, &cp) != ATTEST_VALID)
		return out->verdict;
	if (out->debug && (in->policy == NULL || !in->policy->allow_debug))
		return attest_refuse(out, "debug mode refused by policy");
	return out->verdict = ATTEST_VALID;
}
