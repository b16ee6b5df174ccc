/*
 * Descriptor -> canonical text: lowercase hex, "h" for hardened steps,
 * re-encoded keys and addresses, optional "#checksum". The public form writes
 * each private key as its public counterpart.
 */
#include <stdio.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "btc/keys.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

static int
put_steps(struct cbuf *out, const uint32_t *v, size_t n)
{
	char step[16];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		snprintf(step, sizeof(step), "/%u%s", v[i] & ~DESC_HARDENED,
		    (v[i] & DESC_HARDENED) ? "h" : "");
		if ((r = cbuf_put_str(out, step)) != 0)
			return r;
	}
	return 0;
}

/* The derivation suffix: steps, the multipath group (one value or all), the wildcard. */
static int
put_path(struct cbuf *out, const struct desc_key *k, size_t path)
{
	size_t i, j;
	int r = 0;

	for (i = 0; i < k->path.n && r == 0; i++) {
		if (i != k->mp_pos) {
			r = put_steps(out, &k->path.v[i], 1);
		} else if (path != DESC_ALL_PATHS) {
			r = put_steps(out, &k->mp.v[path < k->mp.n ? path : 0], 1);
		} else {
			for (j = 0; j < k->mp.n && r == 0; j++) {
				char step[16];

				snprintf(step, sizeof(step), "%s%u%s", j == 0 ? "/<" : ";",
				    k->mp.v[j] & ~DESC_HARDENED, (k->mp.v[j] & DESC_HARDENED) ? "h" : "");
				r = cbuf_put_str(out, step);
			}
			if (r == 0)
				r = cbuf_put_str(out, ">");
		}
	}
	if (r == 0 && k->wild != DW_NONE)
		r = cbuf_put_str(out, k->wild == DW_HARDENED ? "/*h" : "/*");
	return r;
}

static int
put_origin(struct cbuf *out, const uint8_t fp[4], const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb)
{
	int r;

	if ((r = cbuf_put_str(out, "[")) != 0 || (r = hex_encode_buf(out, fp, 4)) != 0 ||
	    (r = put_steps(out, a, na)) != 0 || (r = put_steps(out, b, nb)) != 0)
		return r;
	return cbuf_put_str(out, "]");
}

/*
 * Public form of "xprv/.../Nh/rest": derive through the last hardened step
 * and write "[origin/.../Nh]xpub/rest", which a watch-only wallet can derive
 * (Core's normalised form). Returns 1 when written, 0 when it does not apply
 * (no hardened step, a multipath group above it, or an over-long origin),
 * or a negative error.
 */
static int
put_xprv_normalised(struct cbuf *out, const struct desc_key *k, size_t path)
{
	struct bip32_key tmp, sub;
	struct desc_key rest;
	char text[BIP32_XKEY_BUFSIZE];
	uint8_t fp[4];
	size_t h = SIZE_MAX, i;
	int r;

	for (i = 0; i < k->path.n; i++)
		if (i != k->mp_pos && (k->path.v[i] & DESC_HARDENED))
			h = i;
	if (h == SIZE_MAX || (k->mp_pos != SIZE_MAX && k->mp_pos < h) ||
	    k->origin.n + h + 1 > BIP32_MAX_DEPTH)
		return 0;
	if ((r = bip32_derive_path(&tmp, k->xk, k->path.v, h + 1)) != 0) {
		bip32_key_wipe(&tmp);
		return r == COFFER_ERR_DERIVATION || r == COFFER_ERR_DEPTH ? 0 : r;
	}
	if (k->has_origin)
		memcpy(fp, k->origin_fp, 4);
	else
		bip32_fingerprint(fp, k->xk);
	if ((r = put_origin(out, fp, k->origin.v, k->has_origin ? k->origin.n : 0, k->path.v,
	    h + 1)) == 0 && (r = bip32_neuter(&sub, &tmp)) == 0 &&
	    (r = bip32_xpub_encode(text, &sub)) == 0 && (r = cbuf_put_str(out, text)) == 0) {
		/* the steps after h, with the multipath group and wildcard */
		rest = *k;
		rest.path.v = k->path.v + h + 1;
		rest.path.n = k->path.n - h - 1;
		rest.mp_pos = k->mp_pos == SIZE_MAX ? SIZE_MAX : k->mp_pos - h - 1;
		r = put_path(out, &rest, path);
	}
	bip32_key_wipe(&tmp);
	bip32_key_wipe(&sub);
	return r == 0 ? 1 : r;
}

int
desc_key_to_string(struct cbuf *out, const struct desc_key *k, size_t path, int priv,
    enum btc_network net)
{
	char text[BIP32_XKEY_BUFSIZE > KEYS_WIF_BUFSIZE ? BIP32_XKEY_BUFSIZE : KEYS_WIF_BUFSIZE];
	size_t i;
	int r = 0;

	if (k->kind == DK_XPRV && !priv && (r = put_xprv_normalised(out, k, path)) != 0)
		return r < 0 ? r : 0;
	if (k->has_origin && (r = put_origin(out, k->origin_fp, k->origin.v, k->origin.n, NULL, 0)) != 0)
		return r;
	switch (k->kind) {
	case DK_PUB:
	case DK_XONLY:
		return hex_encode_buf(out, k->pub, k->publen);
	case DK_WIF:
		if (!priv)
			return hex_encode_buf(out, k->pub, k->publen);
		if ((r = keys_wif_encode(text, k->priv, k->publen == 33, net)) == 0)
			r = cbuf_put_str(out, text);
		break;
	case DK_XPUB:
	case DK_XPRV:
		if (priv && k->xk->has_priv)
			r = bip32_xprv_encode(text, k->xk);
		else
			r = bip32_xpub_encode(text, k->xk);
		if (r == 0)
			r = cbuf_put_str(out, text);
		if (r == 0)
			r = put_path(out, k, path);
		break;
	case DK_MUSIG:
		r = cbuf_put_str(out, "musig(");
		for (i = 0; i < k->nparts && r == 0; i++) {
			if (i > 0)
				r = cbuf_put_str(out, ",");
			if (r == 0)
				r = desc_key_to_string(out, &k->parts[i], path, priv, net);
		}
		if (r == 0)
			r = cbuf_put_str(out, ")");
		if (r == 0)
			r = put_path(out, k, path);
		break;
	}
	secure_wipe(text, sizeof(text));
	return r;
}

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
