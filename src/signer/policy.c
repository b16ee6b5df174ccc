/*
 * Signer policy: validation, allowlist expansion and the JSON form.
 * The binary forms and the ledger are in policy_codec.c.
 */
#include "signer/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "btc/address.h"
#include "btc/descriptor.h"
#include "btc/hash.h"
#include "btc/tx.h"
#include "common/err.h"
#include "signer/policy_int.h"

void
policy_init(struct signer_policy *p, enum btc_network net)
{
	memset(p, 0, sizeof(*p));
	p->net = net;
	p->allowlist_range = POLICY_DEFAULT_RANGE;
}

void
policy_free(struct signer_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_allow; i++)
		free(p->allow[i].text);
	free(p->spk_hashes);
	policy_init(p, p->net);
}

int
policy_copy(struct signer_policy *dst, const struct signer_policy *src)
{
	size_t i;

	policy_init(dst, src->net);
	dst->kill_switch = src->kill_switch;
	dst->max_per_payment_sat = src->max_per_payment_sat;
	dst->max_24h_sat = src->max_24h_sat;
	dst->max_fee_sat = src->max_fee_sat;
	dst->max_feerate_sat_vb = src->max_feerate_sat_vb;
	dst->passphrase_threshold_sat = src->passphrase_threshold_sat;
	dst->allowlist_range = src->allowlist_range;
	for (i = 0; i < src->n_allow; i++) {
		if ((dst->allow[i].text = strdup(src->allow[i].text)) == NULL)
			goto nomem;
		dst->allow[i].is_descriptor = src->allow[i].is_descriptor;
		dst->n_allow = i + 1;
	}
	if (src->n_spk_hashes > 0) {
		if ((dst->spk_hashes = malloc(src->n_spk_hashes * 32)) == NULL)
			goto nomem;
		memcpy(dst->spk_hashes, src->spk_hashes, src->n_spk_hashes * 32);
		dst->n_spk_hashes = src->n_spk_hashes;
	}
	return 0;
nomem:
	policy_free(dst);
	return COFFER_ERR_NOMEM;
}

void
policy_errf(char *errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(errmsg, POLICY_ERRMSG_LEN, fmt, ap);
	va_end(ap);
}

/* --- Allowlist ------------------------------------------------------------ */

/* Growable array of script hashes, bounded by POLICY_MAX_EXPANSION + entries. */
struct hashset {
	uint8_t (*h)[32];
	size_t n, cap;
};

static int
hashset_add(struct hashset *s, const uint8_t *spk, size_t spk_len)
{
	uint8_t (*nh)[32];
	size_t ncap;

	if (s->n == s->cap) {
		ncap = s->cap == 0 ? 64 : s->cap * 2;
		if (ncap > POLICY_MAX_EXPANSION * DESC_MAX_SCRIPTS + POLICY_MAX_ALLOWLIST)
			ncap = POLICY_MAX_EXPANSION * DESC_MAX_SCRIPTS + POLICY_MAX_ALLOWLIST;
		if (ncap <= s->n)
			return COFFER_ERR_TOO_LARGE;
		if ((nh = realloc(s->h, ncap * 32)) == NULL)
			return COFFER_ERR_NOMEM;
		s->h = nh;
		s->cap = ncap;
	}
	sha256(s->h[s->n], spk, spk_len);
	s->n++;
	return 0;
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Is the text plausibly a descriptor (so that its error, not the address's, is reported)? */
static int
looks_like_descriptor(const char *s)
{
	return strchr(s, '(') != NULL;
}

/*
 * Check one entry and add its scripts to set. *is_desc receives its kind;
 * *work is the descriptor expansion spent so far (bounded).
 */
static int
allow_entry_expand(struct hashset *set, int *is_desc, size_t *work, char *errmsg, size_t idx,
    const char *text, enum btc_network net, uint32_t range)
{
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len, len = strlen(text), npaths, path, k, count;
	struct descriptor *d = NULL;
	struct desc_scripts ds;
	uint32_t i;
	int r, ra;

	*is_desc = 0;
	if (len == 0 || len > POLICY_MAX_ENTRY_LEN) {
		policy_errf(errmsg, "allowlist[%zu]: entry empty or over %u characters", idx,
		    (unsigned)POLICY_MAX_ENTRY_LEN);
		return len == 0 ? COFFER_ERR_POLICY_BAD_ENTRY : COFFER_ERR_TOO_LARGE;
	}
	if ((ra = addr_decode(spk, &spk_len, NULL, text, net)) == 0)
		return hashset_add(set, spk, spk_len);
	if ((r = desc_parse(&d, text, len, net)) != 0) {
		if (r == COFFER_ERR_NOMEM)
			return r;
		policy_errf(errmsg, "allowlist[%zu]: not a %s address or descriptor (%s)", idx,
		    btc_network_params(net)->name,
		    coffer_err_msg(looks_like_descriptor(text) ? r : ra));
		return COFFER_ERR_POLICY_BAD_ENTRY;
	}
	*is_desc = 1;
	if (desc_has_private(d)) {
		desc_free(d);
		policy_errf(errmsg, "allowlist[%zu]: descriptor holds a private key", idx);
		return COFFER_ERR_POLICY_BAD_ENTRY;
	}
	npaths = desc_path_count(d);
	count = desc_is_ranged(d) ? range : 1;
	if (npaths > POLICY_MAX_EXPANSION || count * npaths > POLICY_MAX_EXPANSION - *work) {
		desc_free(d);
		policy_errf(errmsg, "allowlist[%zu]: descriptors expand to over %u scripts "
		    "(lower allowlist_range)", idx, (unsigned)POLICY_MAX_EXPANSION);
		return COFFER_ERR_TOO_LARGE;
	}
	*work += count * npaths;
	desc_scripts_init(&ds);
	r = 0;
	for (path = 0; path < npaths && r == 0; path++) {
		for (i = 0; i < count && r == 0; i++) {
			if ((r = desc_derive(&ds, d, path, i)) != 0)
				break;
			for (k = 0; k < ds.n && r == 0; k++)
				r = hashset_add(set, ds.spk[k].p, ds.spk[k].len);
		}
	}
	desc_scripts_free(&ds);
	desc_free(d);
	if (r != 0 && r != COFFER_ERR_NOMEM && r != COFFER_ERR_TOO_LARGE) {
		policy_errf(errmsg, "allowlist[%zu]: descriptor does not derive (%s)", idx,
		    coffer_err_msg(r));
		r = COFFER_ERR_POLICY_BAD_ENTRY;
	}
	return r;
}

int
policy_expand(struct signer_policy *p, char *errmsg)
{
	struct hashset set = { NULL, 0, 0 };
	size_t i, j, work = 0, out;
	int is_desc, r;

	free(p->spk_hashes);
	p->spk_hashes = NULL;
	p->n_spk_hashes = 0;
	if (p->allowlist_range == 0 || p->allowlist_range > POLICY_MAX_RANGE) {
		policy_errf(errmsg, "allowlist_range: must be an integer from 1 to %u",
		    (unsigned)POLICY_MAX_RANGE);
		return COFFER_ERR_POLICY_BAD_VALUE;
	}
	for (i = 0; i < p->n_allow; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(p->allow[i].text, p->allow[j].text) == 0) {
				policy_errf(errmsg, "allowlist[%zu]: repeats allowlist[%zu]", i, j);
				r = COFFER_ERR_POLICY_BAD_ENTRY;
				goto out;
			}
		}
		if ((r = allow_entry_expand(&set, &is_desc, &work, errmsg, i, p->allow[i].text,
		    p->net, p->allowlist_range)) != 0)
			goto out;
		p->allow[i].is_descriptor = is_desc;
	}
	if (set.n > 0) {
		qsort(set.h, set.n, 32, hash_cmp);
		for (i = 1, out = 1; i < set.n; i++)
			if (memcmp(set.h[i], set.h[out - 1], 32) != 0)
				memcpy(set.h[out++], set.h[i], 32);
		set.n = out;
	}
	p->spk_hashes = set.h;
	p->n_spk_hashes = set.n;
	set.h = NULL;
	r = 0;
out:
	free(set.h);
	return r;
}

int
policy_allows_spk(const struct signer_policy *p, const uint8_t *spk, size_t spk_len)
{
	uint8_t h[32];

	if (p->n_allow == 0)
		return 1;
	if (p->n_spk_hashes == 0)
		return 0;
	sha256(h, spk, spk_len);
	return bsearch(h, p->spk_hashes, p->n_spk_hashes, 32, hash_cmp) != NULL;
}

/* --- JSON ----------------------------------------------------------------- */

static int
parse_bool(int *out, const char *key, json_t *v, char *errmsg)
{
	if (!json_is_boolean(v)) {
		policy_errf(errmsg, "%s: must be true or false", key);
		return COFFER_ERR_POLICY_BAD_VALUE;
	}
	*out = json_is_true(v) ? 1 : 0;
	return 0;
}

static int
parse_uint(uint64_t *out, const char *key, json_t *v, uint64_t lo, uint64_t hi, const char *what,
    char *errmsg)
{
	json_int_t x;

	if (!json_is_integer(v) || (x = json_integer_value(v)) < 0 || (uint64_t)x < lo ||
	    (uint64_t)x > hi) {
		policy_errf(errmsg, "%s: must be an integer %s from %llu to %llu", key, what,
		    (unsigned long long)lo, (unsigned long long)hi);
		return COFFER_ERR_POLICY_BAD_VALUE;
	}
	*out = (uint64_t)x;
	return 0;
}

static int
parse_sat(uint64_t *out, const char *key, json_t *v, char *errmsg)
{
	return parse_uint(out, key, v, 0, (uint64_t)TX_MAX_MONEY, "number of satoshis", errmsg);
}

static int
parse_allowlist(struct signer_policy *p, json_t *v, char *errmsg)
{
	size_t i, n;
	json_t *e;
	const char *s;

	if (!json_is_array(v)) {
		policy_errf(errmsg, "allowlist: must be an array of addresses and descriptors");
		return COFFER_ERR_POLICY_BAD_VALUE;
	}
	if ((n = json_array_size(v)) > POLICY_MAX_ALLOWLIST) {
		policy_errf(errmsg, "allowlist: more than %d entries", POLICY_MAX_ALLOWLIST);
		return COFFER_ERR_TOO_LARGE;
	}
	for (i = 0; i < n; i++) {
		e = json_array_get(v, i);
		if (!json_is_string(e)) {
			policy_errf(errmsg, "allowlist[%zu]: must be a string", i);
			return COFFER_ERR_POLICY_BAD_VALUE;
		}
		s = json_string_value(e);
		if (strlen(s) != json_string_length(e)) {
			policy_errf(errmsg, "allowlist[%zu]: contains a NUL character", i);
			return COFFER_ERR_POLICY_BAD_ENTRY;
		}
		if (strlen(s) > POLICY_MAX_ENTRY_LEN) {
			policy_errf(errmsg, "allowlist[%zu]: over %u characters", i,
			    (unsigned)POLICY_MAX_ENTRY_LEN);
			return COFFER_ERR_TOO_LARGE;
		}
		if ((p->allow[i].text = strdup(s)) == NULL)
			return COFFER_ERR_NOMEM;
		p->n_allow = i + 1;
	}
	return 0;
}

int
policy_from_json(struct signer_policy *p, char *errmsg, const char *json, size_t len,
    enum btc_network net)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	uint64_t range = POLICY_DEFAULT_RANGE, version;
	int r = 0;

	policy_init(p, net);
	if (errmsg != NULL)
		errmsg[0] = '\0';
	if (len > POLICY_MAX_JSON) {
		policy_errf(errmsg, "policy: over %zu bytes", POLICY_MAX_JSON);
		return COFFER_ERR_TOO_LARGE;
	}
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		policy_errf(errmsg, "policy: bad JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return COFFER_ERR_BAD_JSON;
	}
	if (!json_is_object(root)) {
		policy_errf(errmsg, "policy: must be a JSON object");
		r = COFFER_ERR_BAD_JSON;
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") == 0) {
			if ((r = parse_uint(&version, key, v, 1, 1, "(policy format)", errmsg)) != 0)
				goto out;
		} else if (strcmp(key, "kill_switch") == 0) {
			r = parse_bool(&p->kill_switch, key, v, errmsg);
		} else if (strcmp(key, "max_per_payment_sat") == 0) {
			r = parse_sat(&p->max_per_payment_sat, key, v, errmsg);
		} else if (strcmp(key, "max_24h_sat") == 0) {
			r = parse_sat(&p->max_24h_sat, key, v, errmsg);
		} else if (strcmp(key, "max_fee_sat") == 0) {
			r = parse_sat(&p->max_fee_sat, key, v, errmsg);
		} else if (strcmp(key, "max_feerate_sat_vb") == 0) {
			r = parse_sat(&p->max_feerate_sat_vb, key, v, errmsg);
		} else if (strcmp(key, "passphrase_threshold_sat") == 0) {
			r = parse_sat(&p->passphrase_threshold_sat, key, v, errmsg);
		} else if (strcmp(key, "allowlist_range") == 0) {
			r = parse_uint(&range, key, v, 1, POLICY_MAX_RANGE, "number of indexes",
			    errmsg);
		} else if (strcmp(key, "allowlist") == 0) {
			r = parse_allowlist(p, v, errmsg);
		} else {
			/* Quote at most 64 bytes of a hostile key. */
			policy_errf(errmsg, "%.64s: unknown policy key", key);
			r = COFFER_ERR_POLICY_UNKNOWN_KEY;
		}
		if (r != 0)
			goto out;
	}
	p->allowlist_range = (uint32_t)range;
	r = policy_expand(p, errmsg);
out:
	json_decref(root);
	if (r != 0)
		policy_free(p);
	return r;
}

static int
set_u64(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

int
policy_to_json(struct cbuf *out, const struct signer_policy *p)
{
	json_t *o = NULL, *a = NULL;
	char *s = NULL;
	size_t i;
	int r = COFFER_ERR_NOMEM;

	if ((o = json_object()) == NULL || (a = json_array()) == NULL)
		goto out;
	for (i = 0; i < p->n_allow; i++)
		if (json_array_append_new(a, json_string(p->allow[i].text)) != 0)
			goto out;
	if (json_object_set_new(o, "version", json_integer(1)) != 0 ||
	    json_object_set_new(o, "kill_switch", json_boolean(p->kill_switch)) != 0 ||
	    set_u64(o, "max_per_payment_sat", p->max_per_payment_sat) != 0 ||
	    set_u64(o, "max_24h_sat", p->max_24h_sat) != 0 ||
	    set_u64(o, "max_fee_sat", p->max_fee_sat) != 0 ||
	    set_u64(o, "max_feerate_sat_vb", p->max_feerate_sat_vb) != 0 ||
	    set_u64(o, "passphrase_threshold_sat", p->passphrase_threshold_sat) != 0 ||
	    json_object_set(o, "allowlist", a) != 0 ||
	    set_u64(o, "allowlist_range", p->allowlist_range) != 0)
		goto out;
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	if ((r = cbuf_put(out, (const uint8_t *)s, strlen(s))) == 0 &&
	    (r = cbuf_put_u8(out, 0)) == 0)
		out->len--;
out:
	free(s);
	json_decref(a);
	json_decref(o);
	return r;
}
