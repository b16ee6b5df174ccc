/*
 * attest_verify(): input checks, format detection over the backend table,
 * then the policy (debug, minimum TCB, allow-lists, report data, nonce) on
 * what the backend verified. Also the result helpers backends use.
 */
#include "attest/attest_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/encoding.h"

/*
 * Detection order matters: Azure's "HCLA" magic and JSON bundles are the most
 * specific, then the fixed-size SNP report, then the DCAP quotes (TDX before
 * SGX), then Nitro's COSE array.
 */
static const struct attest_backend *
backend_table(size_t i)
{
	switch (i) {
	case 0: return &attest_backend_azure;
	case 1: return &attest_backend_sevsnp;
	case 2: return &attest_backend_tdx;
	case 3: return &attest_backend_sgx;
	case 4: return &attest_backend_nitro;
	default: return NULL;
	}
}
#define NBACKENDS 5

static const struct {
	enum attest_format f;
	const char *name;
} format_names[] = {
	{ ATTEST_FMT_AUTO, "auto" }, { ATTEST_FMT_SEV_SNP, "sev-snp" }, { ATTEST_FMT_AZURE_CVM, "azure-cvm" },
	{ ATTEST_FMT_TDX, "tdx" }, { ATTEST_FMT_SGX, "sgx" }, { ATTEST_FMT_NITRO, "nitro" },
};
#define NFORMATS (sizeof(format_names) / sizeof(format_names[0]))

int
attest_format_parse(enum attest_format *out, const char *name)
{
	size_t i;

	*out = ATTEST_FMT_AUTO;
	for (i = 0; i < NFORMATS; i++)
		if (strcmp(name, format_names[i].name) == 0) {
			*out = format_names[i].f;
			return 0;
		}
	return -1;
}

const char *
attest_format_name(enum attest_format f)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (format_names[i].f == f)
			return format_names[i].name;
	return "unknown";
}

const struct attest_backend *
attest_backend_for(enum attest_format f)
{
	size_t i;

	for (i = 0; i < NBACKENDS; i++) {
		const struct attest_backend *b = backend_table(i);

		/* A weak reference to a backend that is not linked in is NULL. */
		if (b != NULL && b->format == f)
			return b;
	}
	return NULL;
}

void
attest_policy_default(struct attest_policy *p)
{
	memset(p, 0, sizeof(*p));
}

/* ---- result helpers ---- */

static void vreason(struct attest_result *out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
vreason(struct attest_result *out, const char *fmt, va_list ap)
{
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
}

enum attest_verdict
attest_refuse(struct attest_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(out, fmt, ap);
	va_end(ap);
	out->verdict = ATTEST_REFUSED;
	return ATTEST_REFUSED;
}

enum attest_verdict
attest_unusable(struct attest_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(out, fmt, ap);
	va_end(ap);
	out->verdict = ATTEST_UNUSABLE;
	return ATTEST_UNUSABLE;
}

static struct attest_claim *
claim_slot(struct attest_result *out, const char *name)
{
	struct attest_claim *c;
	size_t i;

	for (i = 0; i < out->nclaims; i++)
		if (strcmp(out->claims[i].name, name) == 0)
			return &out->claims[i];	/* a later value replaces an earlier one */
	if (out->nclaims >= ATTEST_MAX_CLAIMS)
		return NULL;
	c = &out->claims[out->nclaims++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

void
attest_claim_add(struct attest_result *out, const char *name, const char *value)
{
	struct attest_claim *c = claim_slot(out, name);

	if (c != NULL)
		snprintf(c->value, sizeof(c->value), "%s", value);
}

void
attest_claim_add_hex(struct attest_result *out, const char *name, const uint8_t *p, size_t n)
{
	struct attest_claim *c = claim_slot(out, name);
	size_t fit = (sizeof(c->value) - 1) / 2;

	if (c == NULL)
		return;
	if (n <= fit) {
		hex_encode(c->value, sizeof(c->value), p, n);
		return;
	}
	/* Too long to show whole: a prefix and "..." (never compared as a full value). */
	fit = (sizeof(c->value) - 4) / 2;
	hex_encode(c->value, sizeof(c->value), p, fit);
	memcpy(c->value + 2 * fit, "...", 4);
}

void
attest_claim_add_u64(struct attest_result *out, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	attest_claim_add(out, name, buf);
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
attest_set_report_data(struct attest_result *out, const uint8_t *p, size_t n)
{
	if (n > sizeof(out->report_data))
		n = sizeof(out->report_data);
	if (n > 0)
		memcpy(out->report_data, p, n);
	out->report_data_len = n;
}

void
attest_set_nonce(struct attest_result *out, const uint8_t *p, size_t n)
{
	out->has_nonce = 1;
	if (n > sizeof(out->nonce)) {
		out->nonce_len = SIZE_MAX;	/* cannot equal any caller nonce */
		return;
	}
	if (n > 0)
		memcpy(out->nonce, p, n);
	out->nonce_len = n;
}

/* ---- policy ---- */

static int
streq_nocase(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static enum attest_verdict
check_tcb(struct attest_result *out, const char *claim, uint8_t min)
{
	const char *v;
	char *end;
	unsigned long n;

	if (min == 0)
		return ATTEST_VALID;
	if ((v = attest_claim_get(out, claim)) == NULL)
		return attest_refuse(out, "policy sets a minimum %s but the evidence reports none", claim);
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0')
		return attest_refuse(out, "claim %s is not a number", claim);
	if (n < min)
		return attest_refuse(out, "%s %lu is below the policy minimum %u", claim, n, (unsigned)min);
	return ATTEST_VALID;
}

static enum attest_verdict
apply_policy(struct attest_result *out, const struct attest_input *in, const struct attest_policy *p)
{
	size_t i, j;

	if (out->debug && !p->allow_debug)
		return attest_refuse(out, "debug-mode guest refused by policy (allow_debug is false)");
	if (check_tcb(out, "tcb_bootloader", p->min_tcb_bootloader) != ATTEST_VALID ||
	    check_tcb(out, "tcb_tee", p->min_tcb_tee) != ATTEST_VALID ||
	    check_tcb(out, "tcb_snp", p->min_tcb_snp) != ATTEST_VALID ||
	    check_tcb(out, "tcb_microcode", p->min_tcb_microcode) != ATTEST_VALID ||
	    check_tcb(out, "tcb_fmc", p->min_tcb_fmc) != ATTEST_VALID)
		return ATTEST_REFUSED;
	for (i = 0; i < p->nallow && i < ATTEST_MAX_ALLOW; i++) {
		const struct attest_allow *a = &p->allow[i];
		const char *v = attest_claim_get(out, a->name);
		int hit = 0;

		if (a->nvalues == 0)
			continue;
		if (v == NULL)
			return attest_refuse(out, "policy constrains %s but the evidence has no such value", a->name);
		for (j = 0; j < a->nvalues && j < ATTEST_MAX_POLICY_VALUES && !hit; j++)
			hit = streq_nocase(v, a->values[j]);
		if (!hit)
			return attest_refuse(out, "%s %s is not in the policy's allowed list", a->name, v);
	}
	if (p->expect_report_data_len > 0 &&
	    (p->expect_report_data_len > out->report_data_len ||
	    memcmp(out->report_data, p->expect_report_data, p->expect_report_data_len) != 0))
		return attest_refuse(out, "report data does not match the policy's expected report_data");
	if (in->nonce != NULL) {
		if (out->has_nonce) {
			if (out->nonce_len != in->noncelen || memcmp(out->nonce, in->nonce, in->noncelen) != 0)
				return attest_refuse(out, "the evidence's nonce does not match the expected nonce");
		} else if (in->noncelen > out->report_data_len ||
		    memcmp(out->report_data, in->nonce, in->noncelen) != 0) {
			return attest_refuse(out, "report data does not start with the expected nonce");
		}
	}
	/* Coffer's key binding: the whole report data, or the format's nonce field (Azure's vTPM quote). */
	if (in->binding != NULL &&
	    !(out->report_data_len == ATTEST_BINDING_LEN &&
	    memcmp(out->report_data, in->binding, ATTEST_BINDING_LEN) == 0) &&
	    !(out->has_nonce && out->nonce_len == ATTEST_BINDING_LEN &&
	    memcmp(out->nonce, in->binding, ATTEST_BINDING_LEN) == 0))
		return attest_refuse(out, "the evidence does not bind the expected keys and nonce");
	return ATTEST_VALID;
}

enum attest_verdict
attest_verify(struct attest_result *out, const struct attest_input *in)
{
	const struct attest_backend *b = NULL;
	struct attest_policy defpol;
	struct attest_input local;
	enum attest_verdict v;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->verdict = ATTEST_UNUSABLE;
	if (in == NULL)
		return attest_unusable(out, "no input");
	out->format = in->format;
	if (in->evidence == NULL || in->len == 0)
		return attest_unusable(out, "no evidence");
	if (in->len > ATTEST_MAX_EVIDENCE)
		return attest_unusable(out, "evidence is %zu bytes, over the %u-byte limit", in->len,
		    ATTEST_MAX_EVIDENCE);
	if (in->ncerts > ATTEST_MAX_CERTS)
		return attest_unusable(out, "more than %d certificates", ATTEST_MAX_CERTS);
	for (i = 0; i < in->ncerts; i++)
		if (in->certs[i].der == NULL || in->certs[i].len == 0)
			return attest_unusable(out, "certificate %zu is empty", i + 1);
	if (in->nonce != NULL && in->noncelen > ATTEST_MAX_NONCE)
		return attest_unusable(out, "nonce is over %d bytes", ATTEST_MAX_NONCE);
	if (in->at < 0)
		return attest_unusable(out, "verification time is negative");

	local = *in;
	if (local.at == 0)
		local.at = (int64_t)time(NULL);
	if (local.policy == NULL) {
		attest_policy_default(&defpol);
		local.policy = &defpol;
	}
	if (local.nonce != NULL && local.noncelen == 0)
		local.nonce = NULL;

	if (in->format == ATTEST_FMT_AUTO) {
		for (i = 0; i < NBACKENDS && b == NULL; i++) {
			const struct attest_backend *c = backend_table(i);

			if (c != NULL && c->detect(in->evidence, in->len))
				b = c;
		}
		if (b == NULL)
			return attest_unusable(out, "unrecognised evidence format (try --format)");
	} else if ((b = attest_backend_for(in->format)) == NULL) {
		return attest_unusable(out, "format %s is not built in", attest_format_name(in->format));
	}
	out->format = b->format;
	v = b->verify(out, &local);
	out->verdict = v;
	if (v != ATTEST_VALID) {
		if (out->reason[0] == '\0')
			snprintf(out->reason, sizeof(out->reason), "%s evidence refused", b->name);
		return v;
	}
	out->reason[0] = '\0';
	v = apply_policy(out, &local, local.policy);
	out->verdict = v;
	return v;
}
