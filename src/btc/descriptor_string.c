/*
 * Descriptor -> canonical text: lowercase hex, "h" for hardened steps,
 * re-encoded keys and addresses, optional "#checksum". The public form writes
 * each private key as its public counterpart.
 */
#include <stdio.h>
#include <string.h>

#include "btc/address.h"
#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "common/encoding.h"
#include "common/err.h"

static const char *const func_names[] = {
	[DF_PK] = "pk", [DF_PKH] = "pkh", [DF_WPKH] = "wpkh", [DF_SH] = "sh", [DF_WSH] = "wsh",
	[DF_MULTI] = "multi", [DF_SORTEDMULTI] = "sortedmulti", [DF_MULTI_A] = "multi_a",
	[DF_SORTEDMULTI_A] = "sortedmulti_a", [DF_TR] = "tr", [DF_RAWTR] = "rawtr",
	[DF_COMBO] = "combo", [DF_RAW] = "raw", [DF_ADDR] = "addr",
};

struct dstr {
	struct cbuf *out;
	size_t path;
	int priv;
	enum btc_network net;
};

static int put_node(const struct dstr *s, const struct desc_node *n);

/* Rebuild the {A,B} nesting of a tr() tree from its leaf depths (depth-first order). */
static int
put_tree(const struct dstr *s, const struct desc_node *n)
{
	uint8_t seen[DESC_MAX_TREE_DEPTH + 2];	/* per open level: left branch done */
	size_t depth = 0, i;
	int r;

	for (i = 0; i < n->nsub; i++) {
		if (i > 0 && (r = cbuf_put_str(s->out, ",")) != 0)
			return r;
		while (depth <= n->depths[i]) {
			if (depth > 0 && (r = cbuf_put_str(s->out, "{")) != 0)
				return r;
			seen[depth++] = 0;
		}
		if ((r = put_node(s, &n->sub[i])) != 0)
			return r;
		while (depth > 0 && seen[depth - 1]) {
			if (depth > 1 && (r = cbuf_put_str(s->out, "}")) != 0)
				return r;
			depth--;
		}
		if (depth > 0)
			seen[depth - 1] = 1;
	}
	return 0;
}

static int
put_node(const struct dstr *s, const struct desc_node *n)
{
	char num[16], addr[ADDR_BUFSIZE];
	size_t i;
	int r;

	if ((r = cbuf_put_str(s->out, func_names[n->func])) != 0 ||
	    (r = cbuf_put_str(s->out, "(")) != 0)
		return r;
	switch (n->func) {
	case DF_PK:
	case DF_PKH:
	case DF_WPKH:
	case DF_COMBO:
	case DF_RAWTR:
		r = desc_key_to_string(s->out, &n->keys[0], s->path, s->priv, s->net);
		break;
	case DF_TR:
		r = desc_key_to_string(s->out, &n->keys[0], s->path, s->priv, s->net);
		if (r == 0 && n->nsub > 0 && (r = cbuf_put_str(s->out, ",")) == 0)
			r = put_tree(s, n);
		break;
	case DF_SH:
	case DF_WSH:
		r = put_node(s, &n->sub[0]);
		break;
	case DF_MULTI:
	case DF_SORTEDMULTI:
	case DF_MULTI_A:
	case DF_SORTEDMULTI_A:
		snprintf(num, sizeof(num), "%u", n->k);
		r = cbuf_put_str(s->out, num);
		for (i = 0; i < n->nkeys && r == 0; i++)
			if ((r = cbuf_put_str(s->out, ",")) == 0)
				r = desc_key_to_string(s->out, &n->keys[i], s->path, s->priv, s->net);
		break;
	case DF_RAW:
		r = hex_encode_buf(s->out, n->data, n->datalen);
		break;
	case DF_ADDR:
		if ((r = addr_encode(addr, n->data, n->datalen, s->net)) == 0)
			r = cbuf_put_str(s->out, addr);
		break;
	}
	if (r != 0)
		return r;
	return cbuf_put_str(s->out, ")");
}

int
desc_to_string(struct cbuf *out, const struct descriptor *d, size_t path, int flags)
{
	struct dstr s;
	char sum[DESC_CHECKSUM_LEN + 1];
	size_t start;
	int r;

	if (out == NULL || d == NULL)
		return COFFER_ERR_INVALID_ARG;
	if (path != DESC_ALL_PATHS && path >= d->npaths)
		return COFFER_ERR_DESC_RANGE;
	s.out = out;
	s.path = path;
	s.priv = (flags & DESC_STR_PRIVATE) != 0;
	s.net = d->net;
	start = out->len;
	if ((r = put_node(&s, &d->root)) != 0)
		goto fail;
	if ((flags & DESC_STR_NO_CHECKSUM) == 0) {
		if ((r = desc_checksum(sum, (const char *)out->p + start, out->len - start)) != 0 ||
		    (r = cbuf_put_str(out, "#")) != 0 || (r = cbuf_put_str(out, sum)) != 0)
			goto fail;
	}
	if ((r = cbuf_put_u8(out, 0)) != 0)
		goto fail;
	out->len--;	/* NUL-terminated, not counted */
	return 0;
 fail:
	out->len = start;
	return r;
}
