/*
 * The verifier's policy file (JSON, documented in docs/ATTESTATION.md): one
 * parse_<key>() per key, strict types, the bad key quoted in the error.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "attest/attest.h"
#include "common/encoding.h"
#include "common/err.h"

#define POLICY_MAX_BYTES (64u * 1024)

struct pctx {
	struct attest_policy *p;
	char *why;
	size_t why_len;
};

static int
fail(struct pctx *c, const char *key, const char *what)
{
	if (c->why_len > 0)
		snprintf(c->why, c->why_len, "policy: %s: %s", key, what);
	return COFFER_ERR_ATTEST_POLICY;
}

/* Claim names: lowercase letters, digits and '_' (what backends emit). */
static int
valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= sizeof(((struct attest_allow *)0)->name))
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* Values: printable ASCII that fits a claim value. */
static int
valid_value(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= sizeof(((struct attest_allow *)0)->values[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static int
add_allow(struct pctx *c, const char *key, const char *claim, json_t *list)
{
	struct attest_allow *a = NULL;
	size_t i;
	json_t *v;

	if (!json_is_array(list))
		return fail(c, key, "must be a list of strings");
	if (json_array_size(list) > ATTEST_MAX_POLICY_VALUES)
		return fail(c, key, "more than 16 values");
	if (!valid_name(claim))
		return fail(c, key, "not a claim name (lowercase letters, digits, '_')");
	for (i = 0; i < c->p->nallow; i++)
		if (strcmp(c->p->allow[i].name, claim) == 0)
			a = &c->p->allow[i];	/* "measurements" and "allow":{"measurement"} merge */
	if (a == NULL) {
		if (c->p->nallow >= ATTEST_MAX_ALLOW)
			return fail(c, key, "more than 16 constrained claims");
		a = &c->p->allow[c->p->nallow++];
		snprintf(a->name, sizeof(a->name), "%s", claim);
	}
	json_array_foreach(list, i, v) {
		const char *s;
		size_t n;

		if (!json_is_string(v))
			return fail(c, key, "values must be strings");
		s = json_string_value(v);
		n = json_string_length(v);
		if (strlen(s) != n || !valid_value(s, n))
			return fail(c, key, "value empty, too long or not printable");
		if (a->nvalues >= ATTEST_MAX_POLICY_VALUES)
			return fail(c, key, "more than 16 values");
		memcpy(a->values[a->nvalues], s, n + 1);
		a->nvalues++;
	}
	return 0;
}

static int
parse_allow_debug(struct pctx *c, const char *key, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(c, key, "must be true or false");
	c->p->allow_debug = json_is_true(v);
	return 0;
}

static int
parse_min_tcb(struct pctx *c, const char *key, json_t *v)
{
	static const char *const names[] = { "bootloader", "tee", "snp", "microcode", "fmc" };
	uint8_t *dst[] = { &c->p->min_tcb_bootloader, &c->p->min_tcb_tee, &c->p->min_tcb_snp,
		&c->p->min_tcb_microcode, &c->p->min_tcb_fmc };
	const char *k;
	json_t *e;
	size_t i;

	if (!json_is_object(v))
		return fail(c, key, "must be an object {bootloader, tee, snp, microcode, fmc}");
	json_object_foreach(v, k, e) {
		for (i = 0; i < 5; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (i == 5)
			return fail(c, key, "unknown component (bootloader, tee, snp, microcode, fmc)");
		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255)
			return fail(c, key, "components must be integers 0..255");
		*dst[i] = (uint8_t)json_integer_value(e);
	}
	return 0;
}

static int
parse_measurements(struct pctx *c, const char *key, json_t *v)
{
	return add_allow(c, key, "measurement", v);
}

static int
parse_mrtd(struct pctx *c, const char *key, json_t *v)
{
	return add_allow(c, key, "mrtd", v);
}

static int
parse_pcrs(struct pctx *c, const char *key, json_t *v)
{
	const char *k;
	json_t *e;
	char claim[16];
	int r;

	if (!json_is_object(v))
		return fail(c, key, "must be an object {\"<pcr index>\": [values]}");
	json_object_foreach(v, k, e) {
		size_t n = strlen(k), i;

		if (n == 0 || n > 2 || (n == 2 && k[0] == '0'))
			return fail(c, key, "PCR index must be 0..31");
		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)k[i]))
				return fail(c, key, "PCR index must be 0..31");
		if (n == 2 && (k[0] - '0') * 10 + (k[1] - '0') > 31)
			return fail(c, key, "PCR index must be 0..31");
		snprintf(claim, sizeof(claim), "pcr%s", k);
		if ((r = add_allow(c, key, claim, e)) != 0)
			return r;
	}
	return 0;
}

static int
parse_allow(struct pctx *c, const char *key, json_t *v)
{
	const char *k;
	json_t *e;
	int r;

	if (!json_is_object(v))
		return fail(c, key, "must be an object {\"<claim>\": [values]}");
	json_object_foreach(v, k, e)
		if ((r = add_allow(c, key, k, e)) != 0)
			return r;
	return 0;
}

static int
parse_report_data(struct pctx *c, const char *key, json_t *v)
{
	struct cbuf b;
	size_t n;
	int r = 0;

	if (!json_is_string(v))
		return fail(c, key, "must be a hex string");
	n = json_string_length(v);
	cbuf_init(&b, 64);
	if (n == 0 || n > 128 || hex_decode_buf(&b, json_string_value(v), n) != 0)
		r = fail(c, key, "must be 1..64 bytes of hex");
	else {
		memcpy(c->p->expect_report_data, b.p, b.len);
		c->p->expect_report_data_len = b.len;
	}
	cbuf_free(&b);
	return r;
}

static const struct {
	const char *key;
	int (*fn)(struct pctx *c, const char *key, json_t *v);
} keys[] = {
	{ "allow_debug", parse_allow_debug },
	{ "min_tcb", parse_min_tcb },
	{ "measurements", parse_measurements },
	{ "mrtd", parse_mrtd },
	{ "pcrs", parse_pcrs },
	{ "allow", parse_allow },
	{ "report_data", parse_report_data },
};

int
attest_policy_parse(struct attest_policy *out, char *why, size_t why_len, const char *json, size_t len)
{
	struct pctx c = { out, why, why_len };
	json_error_t jerr;
	json_t *root;
	const char *k;
	json_t *v;
	size_t i;
	int r = 0;

	attest_policy_default(out);
	if (why_len > 0)
		why[0] = '\0';
	if (len > POLICY_MAX_BYTES)
		return fail(&c, "file", "over 64 KiB");
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (why_len > 0)
			snprintf(why, why_len, "policy: not JSON: %s (line %d)", jerr.text, jerr.line);
		return COFFER_ERR_BAD_JSON;
	}
	if (!json_is_object(root))
		r = fail(&c, "file", "must be a JSON object");
	json_object_foreach(root, k, v) {
		if (r != 0)
			break;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i].key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			r = fail(&c, k, "unknown key");
		else
			r = keys[i].fn(&c, k, v);
	}
	json_decref(root);
	if (r != 0)
		attest_policy_default(out);
	return r;
}
