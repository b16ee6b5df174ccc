/*
 * Descriptor -> scriptPubKeys and addresses at a child index.
 * Script templates come from script.h, taproot hashing from taproot.h; this
 * file only walks the descriptor tree and feeds them derived keys.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "btc/hash.h"
#include "btc/script.h"
#include "btc/taproot.h"
#include "common/err.h"

/* A derived key and its length (33 compressed, 65 uncompressed, 32 x-only). */
struct dkey {
	uint8_t b[65];
	size_t len;
};

static int
derive_key(struct dkey *out, const struct desc_key *k, size_t path, uint32_t index)
{
	return desc_key_derive(out->b, &out->len, k, path, index);
}

/* The x-only form of a derived key (keys under tr() are never 65 bytes: the parser refuses them). */
static const uint8_t *
xonly(const struct dkey *k)
{
	return k->len == 32 ? k->b : k->b + 1;
}

/* Order of keys in sortedmulti(): bytewise (same first byte implies same length). */
static int
cmp_key(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->b, y->b, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static int
cmp_xonly(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int build(struct cbuf *out, const struct desc_node *n, size_t path, uint32_t index);

static int
build_multi(struct cbuf *out, const struct desc_node *n, size_t path, uint32_t index)
{
	struct dkey *keys = NULL;
	const uint8_t **ptrs = NULL;
	size_t *lens = NULL, i;
	int r = 0, tap = n->func == DF_MULTI_A || n->func == DF_SORTEDMULTI_A;
	uint8_t (*xo)[32] = NULL;

	if ((keys = calloc(n->nkeys, sizeof(*keys))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n->nkeys && r == 0; i++)
		r = derive_key(&keys[i], &n->keys[i], path, index);
	if (r != 0)
		goto out;
	if (tap) {
		if ((xo = calloc(n->nkeys, 32)) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < n->nkeys; i++)
			memcpy(xo[i], xonly(&keys[i]), 32);
		if (n->func == DF_SORTEDMULTI_A)
			qsort(xo, n->nkeys, 32, cmp_xonly);
		r = script_multi_a(out, n->k, (const uint8_t (*)[32])xo, n->nkeys);
		goto out;
	}
	if (n->func == DF_SORTEDMULTI)
		qsort(keys, n->nkeys, sizeof(*keys), cmp_key);
	if ((ptrs = calloc(n->nkeys, sizeof(*ptrs))) == NULL ||
	    (lens = calloc(n->nkeys, sizeof(*lens))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n->nkeys; i++) {
		ptrs[i] = keys[i].b;
		lens[i] = keys[i].len;
	}
	r = script_multisig(out, n->k, ptrs, lens, n->nkeys);
 out:
	free(keys);
	free(ptrs);
	free(lens);
	free(xo);
	return r;
}

static int
build_tr(struct cbuf *out, const struct desc_node *n, size_t path, uint32_t index)
{
	struct taproot_leaf *leaves = NULL;
	struct cbuf *scripts = NULL;
	struct dkey ik;
	uint8_t root[32], q[32];
	size_t i;
	int r;

	if ((r = derive_key(&ik, &n->keys[0], path, index)) != 0)
		return r;
	if (n->func == DF_RAWTR)
		return script_p2tr(out, xonly(&ik));
	if (n->nsub == 0) {
		if ((r = taproot_output_key(q, NULL, xonly(&ik), NULL)) != 0)
			return r;
		return script_p2tr(out, q);
	}
	if ((leaves = calloc(n->nsub, sizeof(*leaves))) == NULL ||
	    (scripts = calloc(n->nsub, sizeof(*scripts))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n->nsub; i++)
		cbuf_init(&scripts[i], 0);
	for (i = 0; i < n->nsub; i++) {
		if ((r = build(&scripts[i], &n->sub[i], path, index)) != 0)
			goto out;
		leaves[i].version = TAPROOT_LEAF_TAPSCRIPT;
		leaves[i].depth = n->depths[i];
		leaves[i].script = scripts[i].p;
		leaves[i].script_len = scripts[i].len;
	}
	if ((r = taproot_tree_root(root, NULL, NULL, leaves, n->nsub, 0)) != 0 ||
	    (r = taproot_output_key(q, NULL, xonly(&ik), root)) != 0)
		goto out;
	r = script_p2tr(out, q);
 out:
	if (scripts != NULL)
		for (i = 0; i < n->nsub; i++)
			cbuf_free(&scripts[i]);
	free(scripts);
	free(leaves);
	return r;
}

/* Append the script of node n: a scriptPubKey at the top, a redeem/witness/leaf script below. */
static int
build(struct cbuf *out, const struct desc_node *n, size_t path, uint32_t index)
{
	struct dkey k;
	struct cbuf inner;
	uint8_t h[32];
	int r;

	switch (n->func) {
	case DF_PK:
		if ((r = derive_key(&k, &n->keys[0], path, index)) != 0)
			return r;
		if (n->ctx != DCTX_TAP)
			return script_p2pk(out, k.b, k.len);
		if ((r = script_push_data(out, xonly(&k), 32)) != 0)
			return r;
		return script_push_op(out, OP_CHECKSIG);
	case DF_PKH:
		if ((r = derive_key(&k, &n->keys[0], path, index)) != 0)
			return r;
		/* in a tapscript leaf this is Miniscript pkh(): HASH160 of the x-only key */
		if (n->ctx == DCTX_TAP)
			hash160(h, xonly(&k), 32);
		else
			hash160(h, k.b, k.len);
		return script_p2pkh(out, h);
	case DF_WPKH:
		if ((r = derive_key(&k, &n->keys[0], path, index)) != 0)
			return r;
		hash160(h, k.b, k.len);
		return script_p2wpkh(out, h);
	case DF_SH:
	case DF_WSH:
		cbuf_init(&inner, 0);
		if ((r = build(&inner, &n->sub[0], path, index)) == 0) {
			if (n->func == DF_SH) {
				script_hash160(h, inner.p, inner.len);
				r = script_p2sh(out, h);
			} else {
				script_sha256(h, inner.p, inner.len);
				r = script_p2wsh(out, h);
			}
		}
		cbuf_free(&inner);
		return r;
	case DF_MULTI:
	case DF_SORTEDMULTI:
	case DF_MULTI_A:
	case DF_SORTEDMULTI_A:
		return build_multi(out, n, path, index);
	case DF_TR:
	case DF_RAWTR:
		return build_tr(out, n, path, index);
	case DF_RAW:
	case DF_ADDR:
		return cbuf_put(out, n->data, n->datalen);
	case DF_COMBO:
		break;
	}
	return COFFER_ERR_INTERNAL;	/* combo() is only at the top, handled by desc_derive */
}

/* combo(KEY): P2PK, P2PKH, and for compressed keys P2WPKH and P2SH-P2WPKH. */
static int
build_combo(struct desc_scripts *out, const struct desc_node *n, size_t path, uint32_t index)
{
	struct dkey k;
	struct cbuf w;
	uint8_t h[20], hw[20];
	int r;

	if ((r = derive_key(&k, &n->keys[0], path, index)) != 0)
		return r;
	hash160(h, k.b, k.len);
	if ((r = script_p2pk(&out->spk[0], k.b, k.len)) != 0 ||
	    (r = script_p2pkh(&out->spk[1], h)) != 0)
		return r;
	out->n = 2;
	if (k.len != 33)
		return 0;
	if ((r = script_p2wpkh(&out->spk[2], h)) != 0)
		return r;
	w = out->spk[2];
	script_hash160(hw, w.p, w.len);
	if ((r = script_p2sh(&out->spk[3], hw)) != 0)
		return r;
	out->n = 4;
	return 0;
}

void
desc_scripts_init(struct desc_scripts *s)
{
	size_t i;

	s->n = 0;
	for (i = 0; i < DESC_MAX_SCRIPTS; i++)
		cbuf_init(&s->spk[i], 0);
}

void
desc_scripts_free(struct desc_scripts *s)
{
	size_t i;

	s->n = 0;
	for (i = 0; i < DESC_MAX_SCRIPTS; i++)
		cbuf_free(&s->spk[i]);
}

int
desc_derive(struct desc_scripts *out, const struct descriptor *d, size_t path, uint32_t index)
{
	size_t i;
	int r;

	out->n = 0;
	for (i = 0; i < DESC_MAX_SCRIPTS; i++)
		cbuf_reset(&out->spk[i]);
	if (path >= d->npaths || index >= DESC_HARDENED || (!d->ranged && index != 0))
		return COFFER_ERR_DESC_RANGE;
	if (d->root.func == DF_COMBO)
		r = build_combo(out, &d->root, path, index);
	else if ((r = build(&out->spk[0], &d->root, path, index)) == 0)
		out->n = 1;
	if (r != 0) {
		out->n = 0;
		for (i = 0; i < DESC_MAX_SCRIPTS; i++)
			cbuf_reset(&out->spk[i]);
	}
	return r;
}

int
desc_has_address(const struct descriptor *d)
{
	switch (d->root.func) {
	case DF_PK:
	case DF_MULTI:
	case DF_SORTEDMULTI:
	case DF_COMBO:
		return 0;
	case DF_RAW:
	case DF_ADDR:
		return addr_classify(d->root.data, d->root.datalen) != ADDR_UNKNOWN;
	default:
		return 1;
	}
}

int
desc_derive_address(char *out, size_t outsize, const struct descriptor *d, size_t path,
    uint32_t index)
{
	struct desc_scripts s;
	char a[ADDR_BUFSIZE];
	int r;

	if (out == NULL || outsize == 0)
		return COFFER_ERR_INVALID_ARG;
	out[0] = '\0';
	if (!desc_has_address(d))
		return COFFER_ERR_UNSUPPORTED;
	desc_scripts_init(&s);
	if ((r = desc_derive(&s, d, path, index)) == 0 &&
	    (r = addr_encode(a, s.spk[0].p, s.spk[0].len, d->net)) == 0) {
		if (strlen(a) >= outsize)
			r = COFFER_ERR_TOO_LARGE;
		else
			memcpy(out, a, strlen(a) + 1);
	}
	desc_scripts_free(&s);
	return r;
}

int
desc_addr_decode(uint8_t **spk, size_t *spklen, const char *s, size_t n, enum btc_network net)
{
	char buf[ADDR_BUFSIZE];
	uint8_t tmp[ADDR_MAX_SPK];
	size_t len;
	int r;

	*spk = NULL;
	*spklen = 0;
	if (n == 0 || n >= sizeof(buf))
		return COFFER_ERR_BAD_ADDRESS;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((r = addr_decode(tmp, &len, NULL, buf, net)) != 0)
		return r == COFFER_ERR_WRONG_NETWORK ? r : COFFER_ERR_BAD_ADDRESS;
	if ((*spk = malloc(len)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(*spk, tmp, len);
	*spklen = len;
	return 0;
}
