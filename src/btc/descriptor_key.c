/*
 * Descriptor key expressions (BIP380, BIP389 multipath, BIP390 musig()): parsing.
 *
 *   KEY    = [ "[" fingerprint *( "/" step ) "]" ] material *( "/" elem )
 *   step   = NUM [ "h" | "'" ]          (NUM < 2^31; "H" is refused)
 *   elem   = step | "<" step *( ";" step ) ">" | "*" [ "h" | "'" ]   ("*" last)
 *   material = hex pubkey (66/130 chars; 64 x-only in tr) | WIF | xpub/xprv | musig(KEY,...)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/descriptor_int.h"
#include "btc/keys.h"
#include "btc/musig.h"
#include "btc/secp.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"

/* Longest key material we try to decode (an xkey is 111 characters). */
#define KEY_MATERIAL_MAX 160

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static size_t
count_char(const char *s, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* One step "NUM", "NUMh" or "NUM'" (strict: no 'H', no sign, NUM < 2^31). */
static int
parse_step(uint32_t *out, const char *s, size_t n)
{
	uint32_t v;
	int hard = 0;

	*out = 0;
	if (n > 0 && (s[n - 1] == 'h' || s[n - 1] == '\'')) {
		hard = 1;
		n--;
	}
	if (num_parse_u32n(&v, s, n, 0, UINT32_MAX) != 0 || v >= DESC_HARDENED)
		return COFFER_ERR_BAD_PATH;
	*out = hard ? (v | DESC_HARDENED) : v;
	return 0;
}

/* "<a;b;...>" (the brackets included in s[0..n)). */
static int
parse_multipath(struct desc_key *k, const char *s, size_t n)
{
	size_t i, j, start, cnt;

	if (n < 2 || s[0] != '<' || s[n - 1] != '>')
		return COFFER_ERR_DESC_MULTIPATH;
	s++;
	n -= 2;
	if (memchr(s, '<', n) != NULL || memchr(s, '>', n) != NULL)
		return COFFER_ERR_DESC_MULTIPATH;
	cnt = count_char(s, n, ';') + 1;
	if (cnt < 2 || cnt > DESC_MAX_PATHS)
		return COFFER_ERR_DESC_MULTIPATH;
	if ((k->mp.v = calloc(cnt, sizeof(uint32_t))) == NULL)
		return COFFER_ERR_NOMEM;
	for (start = 0, i = 0; i <= n; i++) {
		if (i < n && s[i] != ';')
			continue;
		if (parse_step(&k->mp.v[k->mp.n], s + start, i - start) != 0)
			return COFFER_ERR_DESC_MULTIPATH;
		for (j = 0; j < k->mp.n; j++)
			if (k->mp.v[j] == k->mp.v[k->mp.n])
				return COFFER_ERR_DESC_MULTIPATH;	/* duplicate */
		k->mp.n++;
		start = i + 1;
	}
	return 0;
}

/*
 * The derivation suffix after the key material: s[0..n) starts with '/' (or
 * is empty). Fills k->path, k->mp_pos/k->mp and k->wild.
 */
static int
parse_path(struct desc_key *k, const char *s, size_t n)
{
	size_t i, start, cnt;
	int r;

	k->mp_pos = SIZE_MAX;
	if (n == 0)
		return 0;
	if (s[0] != '/')
		return COFFER_ERR_DESC_KEY;	/* "musig(...)x": junk after the key */
	cnt = count_char(s, n, '/');
	if (cnt > BIP32_MAX_DEPTH)
		return COFFER_ERR_DEPTH;
	if ((k->path.v = calloc(cnt, sizeof(uint32_t))) == NULL)
		return COFFER_ERR_NOMEM;
	for (start = 1, i = 1; i <= n; i++) {
		const char *e = s + start;
		size_t len;

		if (i < n && s[i] != '/')
			continue;
		len = i - start;
		start = i + 1;
		if (k->wild != DW_NONE)
			return COFFER_ERR_BAD_PATH;	/* '*' must be the last step */
		if (len >= 1 && e[0] == '*') {
			if (len == 1)
				k->wild = DW_NORMAL;
			else if (len == 2 && (e[1] == 'h' || e[1] == '\''))
				k->wild = DW_HARDENED;
			else
				return COFFER_ERR_BAD_PATH;
			continue;
		}
		if (memchr(e, '<', len) != NULL || memchr(e, '>', len) != NULL ||
		    memchr(e, ';', len) != NULL) {
			if (k->mp_pos != SIZE_MAX)
				return COFFER_ERR_DESC_MULTIPATH;	/* one group per key */
			if ((r = parse_multipath(k, e, len)) != 0)
				return r;
			k->mp_pos = k->path.n;
			k->path.v[k->path.n++] = 0;
			continue;
		}
		if ((r = parse_step(&k->path.v[k->path.n], e, len)) != 0)
			return r;
		k->path.n++;
	}
	return 0;
}

/* "[fingerprint/steps]" contents (brackets stripped). */
static int
parse_origin(struct desc_key *k, const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	size_t fplen = slash != NULL ? (size_t)(slash - s) : n, i, start, cnt;
	char fp[9];
	int r;

	if (fplen != 8 || !is_hex(s, 8))
		return COFFER_ERR_DESC_ORIGIN;
	memcpy(fp, s, 8);
	fp[8] = '\0';
	if (hex_decode_exact(k->origin_fp, 4, fp) != 0)
		return COFFER_ERR_DESC_ORIGIN;
	k->has_origin = 1;
	if (slash == NULL)
		return 0;
	if (memchr(s, '<', n) != NULL || memchr(s, ';', n) != NULL || memchr(s, '>', n) != NULL)
		return COFFER_ERR_DESC_MULTIPATH;	/* multipath is not allowed in an origin */
	cnt = count_char(s, n, '/');
	if (cnt > BIP32_MAX_DEPTH)
		return COFFER_ERR_DEPTH;
	if ((k->origin.v = calloc(cnt, sizeof(uint32_t))) == NULL)
		return COFFER_ERR_NOMEM;
	for (start = fplen + 1, i = fplen + 1; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if ((r = parse_step(&k->origin.v[k->origin.n], s + start, i - start)) != 0)
			return r;
		k->origin.n++;
		start = i + 1;
	}
	return 0;
}

static int
parse_hex_pubkey(struct desc_key *k, const char *s, size_t n, enum desc_kctx kctx)
{
	char buf[131];
	secp256k1_xonly_pubkey xo;

	memcpy(buf, s, n);
	buf[n] = '\0';
	k->publen = n / 2;
	if (hex_decode_exact(k->pub, k->publen, buf) != 0)
		return COFFER_ERR_BAD_HEX;
	if (n == 64) {
		if (kctx != DKCTX_TAP)
			return COFFER_ERR_DESC_KEY;	/* x-only keys only in tr() */
		if (!secp256k1_xonly_pubkey_parse(btc_secp(), &xo, k->pub))
			return COFFER_ERR_BAD_PUBKEY;
		k->kind = DK_XONLY;
		return 0;
	}
	k->kind = DK_PUB;
	if ((n == 66 && k->pub[0] != 2 && k->pub[0] != 3) || (n == 130 && k->pub[0] != 4))
		return COFFER_ERR_BAD_PUBKEY;	/* hybrid keys and other prefixes */
	if (keys_pubkey_parse(NULL, k->pub, k->publen) != 0)
		return COFFER_ERR_BAD_PUBKEY;
	if (n == 130 && kctx != DKCTX_LEGACY)
		return COFFER_ERR_DESC_UNCOMPRESSED;
	return 0;
}

static int
parse_wif(struct desc_key *k, const char *buf, enum desc_kctx kctx, enum btc_network net)
{
	int compressed, r;

	if ((k->priv = secmem_alloc(32)) == NULL)
		return COFFER_ERR_NOMEM;
	k->kind = DK_WIF;
	if ((r = keys_wif_decode(k->priv, &compressed, buf, net)) != 0)
		return r;
	if ((r = keys_pubkey_from_privkey(k->pub, k->priv)) != 0)
		return r;
	k->publen = 33;
	if (!compressed) {
		uint8_t c33[33];

		memcpy(c33, k->pub, 33);
		if ((r = keys_pubkey_uncompress(k->pub, c33, 33)) != 0)
			return r;
		k->publen = 65;
		if (kctx != DKCTX_LEGACY)
			return COFFER_ERR_DESC_UNCOMPRESSED;
	}
	return 0;
}

static int
parse_xkey(struct desc_key *k, const char *buf, enum btc_network net)
{
	struct bip32_key tmp;
	int r;

	if ((r = bip32_key_parse(&tmp, buf)) != 0)
		goto out;
	if ((r = bip32_key_check_network(&tmp, net)) != 0)
		goto out;
	k->kind = tmp.has_priv ? DK_XPRV : DK_XPUB;
	k->xk = tmp.has_priv ? bip32_key_new() : calloc(1, sizeof(*k->xk));
	if (k->xk == NULL) {
		k->kind = DK_XPUB;	/* nothing to free specially */
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	*k->xk = tmp;
 out:
	bip32_key_wipe(&tmp);
	return r;
}

static int parse_musig(struct desc_key *k, const char *s, size_t n, enum btc_network net);
static int musig_paths_check(const struct desc_key *k);

int
desc_key_parse(struct desc_key *k, const char *s, size_t n, enum desc_kctx kctx,
    enum btc_network net)
{
	const char *close, *slash;
	char buf[KEY_MATERIAL_MAX + 1];
	size_t mlen;
	int r;

	k->mp_pos = SIZE_MAX;
	if (n > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', n)) == NULL)
			return COFFER_ERR_DESC_ORIGIN;
		if ((r = parse_origin(k, s + 1, (size_t)(close - s) - 1)) != 0)
			return r;
		n -= (size_t)(close - s) + 1;
		s = close + 1;
	}
	if (memchr(s, '[', n) != NULL || memchr(s, ']', n) != NULL)
		return COFFER_ERR_DESC_ORIGIN;	/* a second origin, or ']' without '[' */
	if (n >= 6 && memcmp(s, "musig(", 6) == 0) {
		if (kctx != DKCTX_TAP)
			return COFFER_ERR_DESC_CONTEXT;	/* musig() only inside tr()/rawtr() */
		return parse_musig(k, s, n, net);
	}
	slash = memchr(s, '/', n);
	mlen = slash != NULL ? (size_t)(slash - s) : n;
	if (mlen == 0 || mlen > KEY_MATERIAL_MAX)
		return COFFER_ERR_DESC_KEY;
	if (is_hex(s, mlen) && (mlen == 64 || mlen == 66 || mlen == 130)) {
		if (slash != NULL)
			return COFFER_ERR_DESC_KEY;	/* derivation needs an extended key */
		return parse_hex_pubkey(k, s, mlen, kctx);
	}
	memcpy(buf, s, mlen);
	buf[mlen] = '\0';
	if (mlen == BIP32_XKEY_BUFSIZE - 1) {
		if ((r = parse_xkey(k, buf, net)) == 0)
			r = parse_path(k, s + mlen, n - mlen);
		if (r == 0 && k->xk->depth + k->path.n + (k->wild != DW_NONE) > BIP32_MAX_DEPTH)
			r = COFFER_ERR_DEPTH;
	} else if (mlen == 51 || mlen == 52) {
		r = slash != NULL ? COFFER_ERR_DESC_KEY : parse_wif(k, buf, kctx, net);
	} else {
		r = COFFER_ERR_DESC_KEY;
	}
	secure_wipe(buf, sizeof(buf));
	return r;
}

/* musig(KEY,KEY,...)[/path]: participants are compressed keys, no nesting. */
static int
parse_musig(struct desc_key *k, const char *s, size_t n, enum btc_network net)
{
	const char *close = memchr(s, ')', n), *p;
	size_t inner, i, start, cnt;
	int r;

	k->kind = DK_MUSIG;
	if (close == NULL)
		return COFFER_ERR_BAD_DESCRIPTOR;
	p = s + 6;
	inner = (size_t)(close - p);
	if (memchr(p, '(', inner) != NULL)
		return COFFER_ERR_DESC_MUSIG;	/* nested musig() */
	cnt = count_char(p, inner, ',') + 1;
	if (cnt > MUSIG_MAX_KEYS)
		return COFFER_ERR_DESC_MUSIG;
	if ((k->parts = calloc(cnt, sizeof(*k->parts))) == NULL)
		return COFFER_ERR_NOMEM;
	for (start = 0, i = 0; i <= inner; i++) {
		if (i < inner && p[i] != ',')
			continue;
		if ((r = desc_key_parse(&k->parts[k->nparts++], p + start, i - start, DKCTX_SEGWIT,
		    net)) != 0)
			return r;
		start = i + 1;
	}
	if ((r = parse_path(k, close + 1, n - (size_t)(close + 1 - s))) != 0)
		return r;
	if (k->path.n == 0 && k->wild == DW_NONE)
		return musig_paths_check(k);
	/* BIP390: a derived aggregate needs xpub participants without ranges of their own. */
	for (i = 0; i < k->nparts; i++) {
		const struct desc_key *q = &k->parts[i];

		if (q->kind != DK_XPUB && q->kind != DK_XPRV)
			return COFFER_ERR_DESC_MUSIG;
		if (q->wild != DW_NONE || q->mp_pos != SIZE_MAX)
			return COFFER_ERR_DESC_MUSIG;
	}
	for (i = 0; i < k->path.n; i++)
		if (k->path.v[i] & DESC_HARDENED)
			return COFFER_ERR_DESC_MUSIG;
	for (i = 0; i < k->mp.n; i++)
		if (k->mp.v[i] & DESC_HARDENED)
			return COFFER_ERR_DESC_MUSIG;
	if (k->wild == DW_HARDENED)
		return COFFER_ERR_DESC_MUSIG;
	return 0;
}

static void
cache_clear(struct desc_kcache *c)
{
	if (c->node_secret)
		bip32_key_free(c->node);
	else
		free(c->node);
	c->node = NULL;
}

void
desc_key_clear(struct desc_key *k)
{
	size_t i;

	if (k == NULL)
		return;
	free(k->origin.v);
	free(k->path.v);
	free(k->mp.v);
	secmem_free(k->priv);
	if (k->kind == DK_XPRV)
		bip32_key_free(k->xk);
	else
		free(k->xk);
	for (i = 0; i < k->nparts; i++)
		desc_key_clear(&k->parts[i]);
	free(k->parts);
	for (i = 0; i < k->ncache; i++)
		cache_clear(&k->cache[i]);
	free(k->cache);
	secure_wipe(k, sizeof(*k));
}

size_t
desc_key_paths(const struct desc_key *k)
{
	size_t i, np = k->mp_pos != SIZE_MAX ? k->mp.n : 1;

	for (i = 0; i < k->nparts; i++)
		if (desc_key_paths(&k->parts[i]) > np)
			np = desc_key_paths(&k->parts[i]);
	return np;
}

/* Multipath participants must agree with each other and with the musig() itself. */
static int
musig_paths_check(const struct desc_key *k)
{
	size_t i, np = 0;

	for (i = 0; i < k->nparts; i++) {
		size_t q = desc_key_paths(&k->parts[i]);

		if (q > 1) {
			if (k->mp_pos != SIZE_MAX)
				return COFFER_ERR_DESC_MUSIG;
			if (np > 1 && np != q)
				return COFFER_ERR_DESC_MULTIPATH;
			np = q;
		}
	}
	return 0;
}

int
desc_key_ranged(const struct desc_key *k)
{
	size_t i;

	if (k->wild != DW_NONE)
		return 1;
	for (i = 0; i < k->nparts; i++)
		if (desc_key_ranged(&k->parts[i]))
			return 1;
	return 0;
}

