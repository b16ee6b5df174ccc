/* Wallet accounts for the payment builder: descriptor -> keys and origins (account.h). */
#include "wallet/account.h"

#include <string.h>

#include "btc/descriptor.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

/* Parse "/a/bh/c" (n bytes) onto the origin. */
static int
parse_steps(struct wacct *a, const char *s, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		if (s[i] != '/')
			return COFFER_ERR_PAY_ACCOUNT;
		start = ++i;
		while (i < n && s[i] != '/')
			i++;
		if (a->depth >= WACCT_MAX_ORIGIN ||
		    bip32_path_parse_step(&a->origin[a->depth], s + start, i - start) != 0)
			return COFFER_ERR_PAY_ACCOUNT;
		a->depth++;
	}
	return 0;
}

/*
 * KEY is "[fp/origin]xkey[/steps]/<0;1>/ *" (no space): fill the origin, and
 * the two branch keys from the extended key.
 */
static int
parse_key(struct wacct *a, const char *s, size_t n)
{
	static const char suffix[] = "/<0;1>/*";
	const size_t slen = sizeof(suffix) - 1;
	char xkey[BIP32_XKEY_BUFSIZE];
	struct bip32_key k;
	size_t close, kend, i;
	char fphex[9];
	int r;

	if (n < 10 + slen || s[0] != '[' || memcmp(s + n - slen, suffix, slen) != 0)
		return COFFER_ERR_PAY_ACCOUNT;
	n -= slen;
	for (close = 1; close < n && s[close] != ']'; close++)
		;
	if (close == n || close < 9 || (s[9] != '/' && s[9] != ']'))
		return COFFER_ERR_PAY_ACCOUNT;
	memcpy(fphex, s + 1, 8);
	fphex[8] = '\0';
	if (hex_decode_exact(a->fingerprint, 4, fphex) != 0)
		return COFFER_ERR_PAY_ACCOUNT;
	if ((r = parse_steps(a, s + 9, close - 9)) != 0)
		return r;
	for (kend = close + 1; kend < n && s[kend] != '/'; kend++)
		;
	if (kend - (close + 1) >= sizeof(xkey) || kend == close + 1)
		return COFFER_ERR_PAY_ACCOUNT;
	memcpy(xkey, s + close + 1, kend - (close + 1));
	xkey[kend - (close + 1)] = '\0';
	memset(&k, 0, sizeof(k));
	if ((r = bip32_key_parse(&k, xkey)) != 0 || k.has_priv) {
		bip32_key_wipe(&k);
		return COFFER_ERR_PAY_ACCOUNT;
	}
	/* Steps after the extended key belong to the origin too. */
	for (i = kend; i < n; i++) {
		uint32_t step;
		size_t start = i + 1;

		for (i = start; i < n && s[i] != '/'; i++)
			;
		if (bip32_path_parse_step(&step, s + start, i - start) != 0 || a->depth >= WACCT_MAX_ORIGIN ||
		    (r = bip32_derive_child(&k, &k, step)) != 0) {
			bip32_key_wipe(&k);
			return COFFER_ERR_PAY_ACCOUNT;
		}
		a->origin[a->depth++] = step;
		i--;	/* the loop's i++ lands on the next '/' */
	}
	r = 0;
	if (bip32_derive_child(&a->branch[0], &k, 0) != 0 || bip32_derive_child(&a->branch[1], &k, 1) != 0)
		r = COFFER_ERR_PAY_ACCOUNT;
	bip32_key_wipe(&k);
	return r;
}

void
wacct_free(struct wacct *a)
{
	if (a == NULL)
		return;
	desc_free(a->desc);
	memset(a, 0, sizeof(*a));
}

int
wacct_derive(struct wacct_key *k, const struct wacct *a, uint32_t change, uint32_t index)
{
	int r;

	memset(k, 0, sizeof(*k));
	if (change > 1 || (index & BIP32_HARDENED) || a->depth + 2 > PSBT_MAX_PATH_DEPTH)
		return COFFER_ERR_INVALID_ARG;
	if ((r = bip32_derive_pubkey(k->pub, &a->branch[change], index)) != 0 ||
	    (r = addr_spk_from_pubkey(k->spk, &k->spk_len, a->type, k->pub)) != 0) {
		memset(k, 0, sizeof(*k));
		return r;
	}
	memcpy(k->origin.fingerprint, a->fingerprint, 4);
	memcpy(k->origin.path, a->origin, a->depth * sizeof(uint32_t));
	k->origin.path[a->depth] = change;
	k->origin.path[a->depth + 1] = index;
	k->origin.depth = a->depth + 2;
	return 0;
}

int
wacct_parse(struct wacct *a, const char *desc, size_t len, enum btc_network net)
{
	static const struct {
		const char *open, *close;
		enum addr_type type;
	} forms[] = {
		{ "wpkh(", ")", ADDR_P2WPKH },
		{ "sh(wpkh(", "))", ADDR_P2SH },
		{ "tr(", ")", ADDR_P2TR },
	};
	struct desc_scripts ds;
	struct wacct_key k;
	struct cbuf canon;
	const char *s;
	size_t n, i, ol, cl;
	uint32_t change;
	int r;

	memset(a, 0, sizeof(*a));
	a->net = net;
	desc_scripts_init(&ds);
	cbuf_init(&canon, DESC_MAX_LEN + 1);
	if ((r = desc_parse(&a->desc, desc, len, net)) != 0)
		goto out;
	if (desc_has_private(a->desc) || !desc_is_ranged(a->desc) || desc_path_count(a->desc) != 2) {
		r = COFFER_ERR_PAY_ACCOUNT;
		goto out;
	}
	if ((r = desc_to_string(&canon, a->desc, DESC_ALL_PATHS, DESC_STR_NO_CHECKSUM)) != 0)
		goto out;
	s = (const char *)canon.p;
	n = canon.len;
	r = COFFER_ERR_PAY_ACCOUNT;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ol = strlen(forms[i].open);
		cl = strlen(forms[i].close);
		if (n > ol + cl && memcmp(s, forms[i].open, ol) == 0 &&
		    memcmp(s + n - cl, forms[i].close, cl) == 0 &&
		    memchr(s + ol, ',', n - ol - cl) == NULL && memchr(s + ol, '(', n - ol - cl) == NULL) {
			a->type = forms[i].type;
			r = parse_key(a, s + ol, n - ol - cl);
			break;
		}
	}
	if (r != 0)
		goto out;
	/* Our derivation must be the descriptor's. */
	for (change = 0; change < 2; change++) {
		if ((r = desc_derive(&ds, a->desc, change, 0)) != 0 ||
		    (r = wacct_derive(&k, a, change, 0)) != 0)
			goto out;
		if (ds.n != 1 || ds.spk[0].len != k.spk_len || memcmp(ds.spk[0].p, k.spk, k.spk_len) != 0) {
			r = COFFER_ERR_PAY_ACCOUNT;
			goto out;
		}
	}
out:
	desc_scripts_free(&ds);
	cbuf_free(&canon);
	return r;
}
