/*
 * The per-unlock wallet context of the judge: our fingerprint, the parsed
 * account descriptors, and a small cache of the scripts they derive.
 */
#include <stdio.h>
#include <string.h>

#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/analyze.h"
#include "signer/judge_int.h"

void
judge_wallet_init(struct judge_wallet *w, const uint8_t fingerprint[4], enum btc_network net)
{
	memset(w, 0, sizeof(*w));
	memcpy(w->fingerprint, fingerprint, 4);
	w->net = net;
}

void
judge_wallet_free(struct judge_wallet *w)
{
	uint8_t fp[4];
	enum btc_network net;
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n_accounts; i++)
		desc_free(w->acct[i].desc);
	memcpy(fp, w->fingerprint, 4);
	net = w->net;
	judge_wallet_init(w, fp, net);
}

/* Parse decimal steps "/84h/0h/0h" from s[n] into path (at most max). */
static int
parse_steps(uint32_t *path, size_t *depth, size_t max, const char *s, size_t n)
{
	size_t i = 0, start;
	uint32_t step;

	while (i < n) {
		if (s[i] != '/')
			return COFFER_ERR_JUDGE_ACCOUNT;
		start = ++i;
		while (i < n && s[i] != '/')
			i++;
		if (*depth >= max || bip32_path_parse_step(&step, s + start, i - start) != 0)
			return COFFER_ERR_JUDGE_ACCOUNT;
		path[(*depth)++] = step;
	}
	return 0;
}

/*
 * In canonical descriptor text, find the one key whose origin has our
 * fingerprint and return the path from the master to the step above
 * <0;1> and the wildcard (origin steps, then any steps after the extended key).
 */
static int
find_our_origin(struct judge_account *a, const char *s, size_t n, const uint8_t fingerprint[4])
{
	static const char suffix[] = "/<0;1>/*";
	const size_t slen = sizeof(suffix) - 1;
	char fphex[9];
	size_t i, close, key_end, k, found = 0;
	int r;

	hex_encode(fphex, sizeof(fphex), fingerprint, 4);
	for (i = 0; i < n; i++) {
		if (s[i] != '[')
			continue;
		for (close = i; close < n && s[close] != ']'; close++)
			;
		if (close == n || close - i < 9 || memcmp(s + i + 1, fphex, 8) != 0)
			continue;
		if (found++ > 0)
			return COFFER_ERR_JUDGE_ACCOUNT;	/* two keys of ours: ambiguous */
		a->depth = 0;
		if ((r = parse_steps(a->origin, &a->depth, JUDGE_MAX_ORIGIN_DEPTH, s + i + 9,
		    close - i - 9)) != 0)
			return r;
		for (key_end = close + 1; key_end < n && s[key_end] != ')' && s[key_end] != ',';
		    key_end++)
			;
		if (key_end - (close + 1) < slen || memcmp(s + key_end - slen, suffix, slen) != 0)
			return COFFER_ERR_JUDGE_ACCOUNT;
		/* Steps between the extended key and <0;1>: the key text has no '/'. */
		for (k = close + 1; k < key_end - slen && s[k] != '/'; k++)
			;
		if ((r = parse_steps(a->origin, &a->depth, JUDGE_MAX_ORIGIN_DEPTH, s + k,
		    key_end - slen - k)) != 0)
			return r;
	}
	return found == 1 ? 0 : COFFER_ERR_JUDGE_ACCOUNT;
}

int
judge_wallet_add_descriptor(struct judge_wallet *w, const char *desc, size_t len)
{
	struct judge_account a;
	struct cbuf canon;
	int r;

	memset(&a, 0, sizeof(a));
	if (w->n_accounts >= JUDGE_MAX_ACCOUNTS)
		return COFFER_ERR_TOO_LARGE;
	if ((r = desc_parse(&a.desc, desc, len, w->net)) != 0)
		return r;
	cbuf_init(&canon, DESC_MAX_LEN + 1);
	if (desc_has_private(a.desc) || !desc_is_ranged(a.desc) || desc_path_count(a.desc) != 2) {
		r = COFFER_ERR_JUDGE_ACCOUNT;
		goto out;
	}
	if ((r = desc_to_string(&canon, a.desc, DESC_ALL_PATHS, DESC_STR_NO_CHECKSUM)) != 0 ||
	    (r = find_our_origin(&a, (const char *)canon.p, canon.len, w->fingerprint)) != 0)
		goto out;
	w->acct[w->n_accounts++] = a;
	a.desc = NULL;
out:
	cbuf_free(&canon);
	desc_free(a.desc);
	return r;
}

int
judge_wallet_add_standard(struct judge_wallet *w, const struct bip32_key *master,
    uint32_t account)
{
	static const struct {
		uint32_t purpose;
		const char *open, *close;
	} kinds[] = {
		{ 44, "pkh(", ")" },
		{ 49, "sh(wpkh(", "))" },
		{ 84, "wpkh(", ")" },
		{ 86, "tr(", ")" },
	};
	struct bip32_key *k = NULL;
	uint32_t path[3];
	uint8_t fp[4];
	char pathstr[BIP32_PATH_BUFSIZE], fphex[9], xpub[BIP32_XKEY_BUFSIZE], text[512];
	size_t i;
	int r = 0, n;

	if (master == NULL || !master->has_priv || master->depth != 0)
		return COFFER_ERR_INVALID_ARG;
	bip32_fingerprint(fp, master);
	if (memcmp(fp, w->fingerprint, 4) != 0)
		return COFFER_ERR_INVALID_ARG;
	if (w->n_accounts + 4 > JUDGE_MAX_ACCOUNTS)
		return COFFER_ERR_TOO_LARGE;
	if ((k = bip32_key_new()) == NULL)
		return COFFER_ERR_NOMEM;
	hex_encode(fphex, sizeof(fphex), fp, 4);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((r = bip32_account_path(path, kinds[i].purpose, w->net, account)) != 0 ||
		    (r = bip32_derive_path(k, master, path, 3)) != 0 ||
		    (r = bip32_xpub_encode(xpub, k)) != 0 ||
		    (r = bip32_path_format(pathstr, sizeof(pathstr), path, 3, 'h')) != 0)
			break;
		/* pathstr is "m/84h/0h/0h": drop the "m". */
		n = snprintf(text, sizeof(text), "%s[%s%s]%s/<0;1>/*%s", kinds[i].open, fphex,
		    pathstr + 1, xpub, kinds[i].close);
		if (n < 0 || (size_t)n >= sizeof(text)) {
			r = COFFER_ERR_INTERNAL;
			break;
		}
		if ((r = judge_wallet_add_descriptor(w, text, (size_t)n)) != 0)
			break;
	}
	bip32_key_free(k);
	return r;
}

/* --- Derived-script cache ------------------------------------------------- */

static size_t
cache_slot(size_t account, uint32_t change, uint32_t index)
{
	uint32_t h = (uint32_t)account * 0x9e3779b1u ^ change * 0x85ebca6bu ^ index * 0xc2b2ae35u;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h % JUDGE_CACHE_SLOTS;
}

int
judge_account_matches(struct judge_wallet *w, size_t account, uint32_t change, uint32_t index,
    const uint8_t *spk, size_t spk_len)
{
	struct judge_cache_slot *c = &w->cache[cache_slot(account, change, index)];
	struct desc_scripts ds;
	size_t k;
	int r, match = 0;

	if (c->account_plus1 == account + 1 && c->change == change && c->index == index)
		return c->spk_len == spk_len && memcmp(c->spk, spk, spk_len) == 0;
	desc_scripts_init(&ds);
	if ((r = desc_derive(&ds, w->acct[account].desc, change, index)) != 0) {
		desc_scripts_free(&ds);
		/* An index no key can take (p ~ 2^-127) is simply not ours. */
		return r == COFFER_ERR_NOMEM ? r : 0;
	}
	for (k = 0; k < ds.n; k++)
		if (ds.spk[k].len == spk_len && memcmp(ds.spk[k].p, spk, spk_len) == 0)
			match = 1;
	if (ds.n == 1 && ds.spk[0].len <= JUDGE_CACHE_SPK_MAX) {
		c->account_plus1 = (uint32_t)account + 1;
		c->change = change;
		c->index = index;
		c->spk_len = (uint8_t)ds.spk[0].len;
		memcpy(c->spk, ds.spk[0].p, ds.spk[0].len);
	}
	desc_scripts_free(&ds);
	return match;
}
