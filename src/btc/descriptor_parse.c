/*
 * Descriptor parser: a recursive descent over the text (through a creader),
 * building the tree of descriptor_int.h and enforcing the context rules of
 * BIP380-387 as it goes (what may nest in what, which keys each place takes,
 * thresholds and script sizes).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"

struct dparse {
	struct creader r;
	enum btc_network net;
};

static const struct {
	const char *name;
	enum desc_func func;
	int ctx;		/* contexts it may appear in (DCTX_* mask) */
} funcs[] = {
	{ "pk", DF_PK, DCTX_TOP | DCTX_SH | DCTX_WSH | DCTX_TAP },
	{ "pkh", DF_PKH, DCTX_TOP | DCTX_SH | DCTX_WSH | DCTX_TAP },
	{ "wpkh", DF_WPKH, DCTX_TOP | DCTX_SH },
	{ "sh", DF_SH, DCTX_TOP },
	{ "wsh", DF_WSH, DCTX_TOP | DCTX_SH },
	{ "multi", DF_MULTI, DCTX_TOP | DCTX_SH | DCTX_WSH },
	{ "sortedmulti", DF_SORTEDMULTI, DCTX_TOP | DCTX_SH | DCTX_WSH },
	{ "multi_a", DF_MULTI_A, DCTX_TAP },
	{ "sortedmulti_a", DF_SORTEDMULTI_A, DCTX_TAP },
	{ "tr", DF_TR, DCTX_TOP },
	{ "rawtr", DF_RAWTR, DCTX_TOP },
	{ "combo", DF_COMBO, DCTX_TOP },
	{ "raw", DF_RAW, DCTX_TOP },
	{ "addr", DF_ADDR, DCTX_TOP },
};

/* Miniscript fragments (BIP379) we recognise only to refuse them by name. */
static const char *const miniscript_names[] = {
	"pk_k", "pk_h", "older", "after", "sha256", "hash256", "ripemd160", "hash160", "andor",
	"and_v", "and_b", "and_n", "or_b", "or_c", "or_d", "or_i", "thresh", "expr_raw_pkh",
};

static int parse_script(struct dparse *p, struct desc_node *n, enum desc_ctx ctx);

/* The character i places ahead without consuming anything, or -1 past the end. */
static int
peek_at(const struct dparse *p, size_t i)
{
	const uint8_t *c;
	struct creader tmp = p->r;

	if (creader_skip(&tmp, i) != 0 || creader_get_ptr(&tmp, &c, 1) != 0)
		return -1;
	return *c;
}

static int
peek(const struct dparse *p)
{
	return peek_at(p, 0);
}

/* Whether the next n characters are exactly word (nothing consumed). */
static int
next_is(const struct dparse *p, size_t n, const char *word)
{
	const uint8_t *c;
	struct creader tmp = p->r;

	return strlen(word) == n && creader_get_ptr(&tmp, &c, n) == 0 && memcmp(c, word, n) == 0;
}

static int
expect(struct dparse *p, char want)
{
	uint8_t c;

	if (creader_get_u8(&p->r, &c) != 0 || c != (uint8_t)want)
		return COFFER_ERR_BAD_DESCRIPTOR;
	return 0;
}

/* Length of the run of characters before the first one in `stops` (or the end). */
static size_t
span_until(const struct dparse *p, const char *stops)
{
	struct creader tmp = p->r;
	const uint8_t *c;
	size_t n = 0;

	while (creader_get_ptr(&tmp, &c, 1) == 0 && strchr(stops, *c) == NULL)
		n++;
	return n;
}

static int
take(struct dparse *p, const char **s, size_t n)
{
	const uint8_t *c;
	int r;

	if ((r = creader_get_ptr(&p->r, &c, n)) != 0)
		return r;
	*s = (const char *)c;
	return 0;
}

/*
 * A key expression: everything up to ',' ')' or '}', except that musig(...)
 * carries its own parentheses. A '(' anywhere else means a script expression
 * sits where a key must be.
 */
static int
parse_key(struct dparse *p, struct desc_key *k, enum desc_kctx kctx)
{
	const char *s;
	size_t n = span_until(p, ",)}({");

	if (peek_at(p, n) == '(') {
		struct dparse q = *p;
		size_t inner, suffix;

		if (!next_is(p, n, "musig"))
			return COFFER_ERR_DESC_KEY;
		/* musig( participants ) then an optional derivation suffix */
		(void)creader_skip(&q.r, n + 1);
		inner = span_until(&q, ")");
		if (peek_at(&q, inner) != ')')
			return COFFER_ERR_BAD_DESCRIPTOR;
		(void)creader_skip(&q.r, inner + 1);
		suffix = span_until(&q, ",)}({");
		if (peek_at(&q, suffix) == '(' || peek_at(&q, suffix) == '{')
			return COFFER_ERR_BAD_DESCRIPTOR;
		n += 1 + inner + 1 + suffix;
	}
	if (take(p, &s, n) != 0)
		return COFFER_ERR_BAD_DESCRIPTOR;
	return desc_key_parse(k, s, n, kctx, p->net);
}

/* Append one zeroed key slot to n->keys (growing geometrically). */
static int
add_key(struct desc_node *n, size_t *cap, struct desc_key **out)
{
	struct desc_key *nk;

	if (n->nkeys == *cap) {
		size_t ncap = *cap == 0 ? 4 : *cap * 2;

		if ((nk = realloc(n->keys, ncap * sizeof(*nk))) == NULL)
			return COFFER_ERR_NOMEM;
		n->keys = nk;
		*cap = ncap;
	}
	*out = &n->keys[n->nkeys++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static enum desc_kctx
key_ctx(enum desc_ctx ctx)
{
	switch (ctx) {
	case DCTX_TOP:
	case DCTX_SH:
		return DKCTX_LEGACY;
	case DCTX_WSH:
		return DKCTX_SEGWIT;
	case DCTX_TAP:
		return DKCTX_TAP;
	}
	abort();
}

/* Serialised length of a key as a script push payload. */
static size_t
key_script_len(const struct desc_key *k)
{
	switch (k->kind) {
	case DK_PUB:
	case DK_WIF:
	case DK_XONLY:
		return k->publen;
	default:
		return 33;
	}
}

/* Size of a push of a small number (OP_0..OP_16, else 1-byte/2-byte pushes). */
static size_t
num_push_len(size_t v)
{
	if (v <= 16)
		return 1;
	if (v <= 0x7f)
		return 2;
	return 3;	/* v <= 0x7fff: all our key counts fit */
}

/* Exact size of a multi()/sortedmulti() script. */
static size_t
multi_script_size(const struct desc_node *n)
{
	size_t i, sz = num_push_len(n->k) + num_push_len(n->nkeys) + 1;

	for (i = 0; i < n->nkeys; i++)
		sz += 1 + key_script_len(&n->keys[i]);
	return sz;
}

/* Number of ','-separated arguments left before the ')' closing this call. */
static size_t
count_args(const struct dparse *p)
{
	struct creader tmp = p->r;
	const uint8_t *c;
	size_t depth = 0, n = 0;

	while (creader_get_ptr(&tmp, &c, 1) == 0) {
		if (*c == '(')
			depth++;
		else if (*c == ')' && depth-- == 0)
			break;
		else if (*c == ',' && depth == 0)
			n++;
	}
	return n;
}

static int
parse_multi(struct dparse *p, struct desc_node *n, enum desc_ctx ctx)
{
	const char *s;
	size_t len = span_until(p, ",)"), cap = 0, maxkeys;
	struct desc_key *k;
	int r;

	maxkeys = (n->func == DF_MULTI_A || n->func == DF_SORTEDMULTI_A) ?
	    DESC_MAX_MULTI_A_KEYS : DESC_MAX_MULTI_KEYS;
	if ((r = take(p, &s, len)) != 0)
		return COFFER_ERR_BAD_DESCRIPTOR;
	if (num_parse_u32n(&n->k, s, len, 0, UINT32_MAX) != 0)
		return COFFER_ERR_DESC_THRESHOLD;
	/* the threshold against the key count first, then the keys themselves */
	len = count_args(p);
	if (len == 0 || len > maxkeys || n->k == 0 || n->k > len)
		return COFFER_ERR_DESC_THRESHOLD;
	while (peek(p) == ',') {
		(void)expect(p, ',');
		if (n->nkeys == maxkeys)
			return COFFER_ERR_DESC_THRESHOLD;
		if ((r = add_key(n, &cap, &k)) != 0 || (r = parse_key(p, k, key_ctx(ctx))) != 0)
			return r;
	}
	if (n->nkeys == 0 || n->k == 0 || n->k > n->nkeys)
		return COFFER_ERR_DESC_THRESHOLD;
	if (n->func == DF_MULTI || n->func == DF_SORTEDMULTI) {
		if (ctx == DCTX_SH && multi_script_size(n) > DESC_MAX_P2SH_SCRIPT)
			return COFFER_ERR_DESC_LIMIT;
		if (ctx == DCTX_WSH && multi_script_size(n) > DESC_MAX_P2WSH_SCRIPT)
			return COFFER_ERR_DESC_LIMIT;
	}
	return 0;
}

/* One leaf or {A,B} branch of a tr() tree. */
static int
parse_tree(struct dparse *p, struct desc_node *tr, size_t *cap, size_t depth)
{
	struct desc_node *leaf;
	int r;

	if (peek(p) == '{') {
		if (depth >= DESC_MAX_TREE_DEPTH)
			return COFFER_ERR_DESC_LIMIT;
		(void)expect(p, '{');
		if ((r = parse_tree(p, tr, cap, depth + 1)) != 0 || (r = expect(p, ',')) != 0 ||
		    (r = parse_tree(p, tr, cap, depth + 1)) != 0 || (r = expect(p, '}')) != 0)
			return r;
		return 0;
	}
	if (tr->nsub == *cap) {
		size_t ncap = *cap == 0 ? 2 : *cap * 2;
		struct desc_node *ns;
		uint8_t *nd;

		if ((ns = realloc(tr->sub, ncap * sizeof(*ns))) == NULL)
			return COFFER_ERR_NOMEM;
		tr->sub = ns;
		if ((nd = realloc(tr->depths, ncap)) == NULL)
			return COFFER_ERR_NOMEM;
		tr->depths = nd;
		*cap = ncap;
	}
	leaf = &tr->sub[tr->nsub];
	memset(leaf, 0, sizeof(*leaf));
	tr->depths[tr->nsub++] = (uint8_t)depth;
	return parse_script(p, leaf, DCTX_TAP);
}

static int
parse_sub(struct dparse *p, struct desc_node *n, enum desc_ctx subctx)
{
	if ((n->sub = calloc(1, sizeof(*n->sub))) == NULL)
		return COFFER_ERR_NOMEM;
	n->nsub = 1;
	return parse_script(p, n->sub, subctx);
}

/* Why a name followed by '(' is not a script function we take. */
static int
unknown_func(const struct dparse *p, size_t len)
{
	const uint8_t *c;
	struct creader tmp = p->r;
	size_t i;

	if (next_is(p, len, "musig"))
		return COFFER_ERR_DESC_NOT_SCRIPT;	/* a key expression where a script goes */
	for (i = 0; i < sizeof(miniscript_names) / sizeof(miniscript_names[0]); i++)
		if (next_is(p, len, miniscript_names[i]))
			return COFFER_ERR_DESC_MINISCRIPT;
	/* wrapped fragments: "v:pk(...)", "and_v(v:pk(...),...)" */
	if (creader_get_ptr(&tmp, &c, len) == 0 && memchr(c, ':', len) != NULL)
		return COFFER_ERR_DESC_MINISCRIPT;
	return COFFER_ERR_DESC_UNKNOWN_FUNC;
}

static int
parse_script(struct dparse *p, struct desc_node *n, enum desc_ctx ctx)
{
	const char *s;
	size_t len = span_until(p, "(),{}"), i, cap = 0;
	struct desc_key *k;
	struct cbuf b;
	int r;

	if (len == 0)
		return COFFER_ERR_BAD_DESCRIPTOR;
	if (peek_at(p, len) != '(')
		return COFFER_ERR_DESC_NOT_SCRIPT;	/* a key (or junk) where a script goes */
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (next_is(p, len, funcs[i].name))
			break;
	if (i == sizeof(funcs) / sizeof(funcs[0]))
		return unknown_func(p, len);
	n->func = funcs[i].func;
	n->ctx = ctx;
	if ((funcs[i].ctx & (int)ctx) == 0)
		return COFFER_ERR_DESC_CONTEXT;
	(void)creader_skip(&p->r, len + 1);

	switch (n->func) {
	case DF_PK:
	case DF_PKH:
	case DF_COMBO:
		if ((r = add_key(n, &cap, &k)) != 0 || (r = parse_key(p, k, key_ctx(ctx))) != 0)
			return r;
		break;
	case DF_WPKH:
		if ((r = add_key(n, &cap, &k)) != 0 || (r = parse_key(p, k, DKCTX_SEGWIT)) != 0)
			return r;
		break;
	case DF_SH:
		if ((r = parse_sub(p, n, DCTX_SH)) != 0)
			return r;
		break;
	case DF_WSH:
		if ((r = parse_sub(p, n, DCTX_WSH)) != 0)
			return r;
		break;
	case DF_MULTI:
	case DF_SORTEDMULTI:
	case DF_MULTI_A:
	case DF_SORTEDMULTI_A:
		if ((r = parse_multi(p, n, ctx)) != 0)
			return r;
		break;
	case DF_TR:
		if ((r = add_key(n, &cap, &k)) != 0 || (r = parse_key(p, k, DKCTX_TAP)) != 0)
			return r;
		if (peek(p) == ',') {
			size_t lcap = 0;

			(void)expect(p, ',');
			if ((r = parse_tree(p, n, &lcap, 0)) != 0)
				return r;
		}
		break;
	case DF_RAWTR:
		if ((r = add_key(n, &cap, &k)) != 0 || (r = parse_key(p, k, DKCTX_TAP)) != 0)
			return r;
		break;
	case DF_RAW:
		len = span_until(p, ")");
		if ((r = take(p, &s, len)) != 0)
			return COFFER_ERR_BAD_DESCRIPTOR;
		cbuf_init(&b, len / 2 + 1);
		if ((r = hex_decode_buf(&b, s, len)) != 0) {
			cbuf_free(&b);
			return r;
		}
		n->data = b.p;
		n->datalen = b.len;
		break;
	case DF_ADDR:
		len = span_until(p, ")");
		if ((r = take(p, &s, len)) != 0)
			return COFFER_ERR_BAD_DESCRIPTOR;
		if ((r = desc_addr_decode(&n->data, &n->datalen, s, len, p->net)) != 0)
			return r;
		break;
	}
	return expect(p, ')');
}

void
desc_node_clear(struct desc_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkeys; i++)
		desc_key_clear(&n->keys[i]);
	free(n->keys);
	for (i = 0; i < n->nsub; i++)
		desc_node_clear(&n->sub[i]);
	free(n->sub);
	free(n->depths);
	free(n->data);
	memset(n, 0, sizeof(*n));
}

/* Visit every key of the tree (musig participants are the key's own business). */
static int
walk_keys(struct desc_node *n, int (*fn)(struct desc_key *, void *), void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < n->nkeys; i++)
		if ((r = fn(&n->keys[i], arg)) != 0)
			return r;
	for (i = 0; i < n->nsub; i++)
		if ((r = walk_keys(&n->sub[i], fn, arg)) != 0)
			return r;
	return 0;
}

static int
key_paths(struct desc_key *k, void *arg)
{
	struct descriptor *d = arg;
	size_t np = desc_key_paths(k);

	if (np > 1) {
		if (d->npaths > 1 && d->npaths != np)
			return COFFER_ERR_DESC_MULTIPATH;
		d->npaths = np;
	}
	if (desc_key_ranged(k))
		d->ranged = 1;
	if (k->kind == DK_WIF || k->kind == DK_XPRV)
		d->has_private = 1;
	return 0;
}

struct prep_arg {
	size_t npaths;
	size_t work;
};

static int
key_prepare(struct desc_key *k, void *arg)
{
	struct prep_arg *a = arg;

	return desc_key_prepare(k, a->npaths, &a->work);
}

int
desc_parse(struct descriptor **out, const char *s, size_t len, enum btc_network net)
{
	struct descriptor *d = NULL;
	struct dparse p;
	struct prep_arg pa;
	size_t body;
	int r;

	if (out == NULL)
		return COFFER_ERR_INVALID_ARG;
	*out = NULL;
	if (s == NULL || (unsigned)net >= BTC_NETWORK_COUNT)
		return COFFER_ERR_INVALID_ARG;
	if (len > DESC_MAX_LEN)
		return COFFER_ERR_TOO_LARGE;
	if ((r = desc_checksum_strip(&body, s, len)) != 0)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return COFFER_ERR_NOMEM;
	d->net = net;
	d->npaths = 1;
	creader_init(&p.r, (const uint8_t *)s, body);
	p.net = net;
	if ((r = parse_script(&p, &d->root, DCTX_TOP)) != 0)
		goto out;
	if (creader_expect_end(&p.r) != 0) {
		r = COFFER_ERR_TRAILING;
		goto out;
	}
	if ((r = walk_keys(&d->root, key_paths, d)) != 0)
		goto out;
	pa.npaths = d->npaths;
	pa.work = 0;
	if ((r = walk_keys(&d->root, key_prepare, &pa)) != 0)
		goto out;
	*out = d;
	d = NULL;
 out:
	desc_free(d);
	return r;
}

void
desc_free(struct descriptor *d)
{
	if (d == NULL)
		return;
	desc_node_clear(&d->root);
	free(d);
}

size_t
desc_path_count(const struct descriptor *d)
{
	return d->npaths;
}

int
desc_is_ranged(const struct descriptor *d)
{
	return d->ranged;
}

int
desc_has_private(const struct descriptor *d)
{
	return d->has_private;
}

enum btc_network
desc_network(const struct descriptor *d)
{
	return d->net;
}
