/*
 * coffer descriptor from-mnemonic | derive
 *
 * from-mnemonic prints an account's public multipath descriptor (BIP84 wpkh,
 * BIP86 tr, BIP49 sh-wpkh) with its checksum; derive prints addresses of a
 * descriptor, one per line. The mnemonic and passphrase are read from files
 * into secret buffers and wiped on every path; neither is ever echoed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/descriptor.h"
#include "btc/network.h"
#include "cli/cli.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"

/* Mnemonic and passphrase files are small; refuse anything larger. */

static const struct {
	const char *name;
	uint32_t purpose;
	const char *pre, *post;		/* text around the key expression */
} account_types[] = {
	{ "wpkh", 84, "wpkh(", ")" },
	{ "tr", 86, "tr(", ")" },
	{ "sh-wpkh", 49, "sh(wpkh(", "))" },
};

int
cmd_descriptor_from_mnemonic(int argc, char **argv)
{
	const char *mfile = NULL, *pfile = NULL, *type = NULL;
	struct cbuf mn, pass, text, out;
	struct bip32_key *master = NULL, *acct = NULL;
	struct descriptor *d = NULL;
	enum btc_network net = BTC_SIGNET;
	uint8_t *seed = NULL, fp[4];
	uint32_t account = 0, path[3];
	char xpub[BIP32_XKEY_BUFSIZE], head[64], fphex[9];
	size_t t;
	int i, r, ret = 1;

	for (i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return cli_usage_error("%s needs a value", argv[i]);
		if (strcmp(argv[i], "--mnemonic-file") == 0)
			mfile = v;
		else if (strcmp(argv[i], "--passphrase-file") == 0)
			pfile = v;
		else if (strcmp(argv[i], "--type") == 0)
			type = v;
		else if (strcmp(argv[i], "--account") == 0) {
			if (num_parse_u32(&account, v, 0, 0x7fffffffu) != 0)
				return cli_usage_error("bad --account '%s' (0 .. 2147483647)", v);
		} else if (strcmp(argv[i], "--network") == 0) {
			if (btc_network_parse(&net, v) != 0)
				return cli_usage_error("unknown network '%s'", v);
		} else
			return cli_usage_error("unknown option '%s'", argv[i]);
	}
	if (mfile == NULL || type == NULL)
		return cli_usage_error("descriptor from-mnemonic needs --mnemonic-file and --type");
	for (t = 0; t < sizeof(account_types) / sizeof(account_types[0]); t++)
		if (strcmp(type, account_types[t].name) == 0)
			break;
	if (t == sizeof(account_types) / sizeof(account_types[0]))
		return cli_usage_error("unknown --type '%s' (wpkh, tr or sh-wpkh)", type);

	cbuf_init_secret(&mn, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	cbuf_init(&text, 4096);
	cbuf_init(&out, 4096);
	if ((r = cli_read_secret_file(&mn, mfile, CLI_SECRET_WORDS)) != 0) {
		ret = cli_fail("cannot read the mnemonic file", r);
		goto out;
	}
	if (pfile != NULL && (r = cli_read_secret_file(&pass, pfile, CLI_SECRET_PASSPHRASE)) != 0) {
		ret = cli_fail("cannot read the passphrase file", r);
		goto out;
	}
	if ((r = bip39_mnemonic_check((const char *)mn.p)) != 0) {
		ret = cli_fail("mnemonic", r);
		goto out;
	}
	if ((seed = secmem_alloc(BIP39_SEED_LEN)) == NULL || (master = bip32_key_new()) == NULL ||
	    (acct = bip32_key_new()) == NULL) {
		ret = cli_fail("descriptor", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = bip39_mnemonic_to_seed(seed, (const char *)mn.p,
	    pfile != NULL ? (const char *)pass.p : NULL)) != 0 ||
	    (r = bip32_master_from_seed(master, seed, BIP39_SEED_LEN, net)) != 0 ||
	    (r = bip32_account_path(path, account_types[t].purpose, net, account)) != 0 ||
	    (r = bip32_derive_path(acct, master, path, 3)) != 0 ||
	    (r = bip32_xpub_encode(xpub, acct)) != 0) {
		ret = cli_fail("cannot derive the account key", r);
		goto out;
	}
	bip32_fingerprint(fp, master);
	hex_encode(fphex, sizeof(fphex), fp, 4);
	snprintf(head, sizeof(head), "[%s/%uh/%uh/%uh]", fphex, path[0] & ~BIP32_HARDENED,
	    path[1] & ~BIP32_HARDENED, path[2] & ~BIP32_HARDENED);
	if ((r = cbuf_put_str(&text, account_types[t].pre)) != 0 || (r = cbuf_put_str(&text, head)) != 0 ||
	    (r = cbuf_put_str(&text, xpub)) != 0 || (r = cbuf_put_str(&text, "/<0;1>/*")) != 0 ||
	    (r = cbuf_put_str(&text, account_types[t].post)) != 0) {
		ret = cli_fail("descriptor", r);
		goto out;
	}
	/* parse what we built: validation, canonical form and checksum in one place */
	if ((r = desc_parse(&d, (const char *)text.p, text.len, net)) != 0 ||
	    (r = desc_to_string(&out, d, DESC_ALL_PATHS, DESC_STR_PUBLIC)) != 0) {
		ret = cli_fail("descriptor", r);
		goto out;
	}
	printf("%s\n", (const char *)out.p);
	ret = 0;
 out:
	desc_free(d);
	bip32_key_free(master);
	bip32_key_free(acct);
	secmem_free(seed);
	cbuf_free(&mn);
	cbuf_free(&pass);
	cbuf_free(&text);
	cbuf_free(&out);
	return ret;
}

int
cmd_descriptor_derive(int argc, char **argv)
{
	const char *text = NULL, *range = NULL;
	struct descriptor *d = NULL;
	enum btc_network net = BTC_SIGNET;
	uint32_t a = 0, b = 0, i;
	char addr[128], lo[16], *colon;
	int k, r;

	k = 1;
	while (k < argc) {
		const char *opt = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (strcmp(opt, "--network") == 0 || strcmp(opt, "--range") == 0) {
			if (v == NULL)
				return cli_usage_error("%s needs a value", opt);
			if (opt[2] == 'n' && btc_network_parse(&net, v) != 0)
				return cli_usage_error("unknown network '%s'", v);
			if (opt[2] == 'r')
				range = v;
			k += 2;
			continue;
		}
		if (opt[0] == '-' && opt[1] == '-')
			return cli_usage_error("unknown option '%s'", opt);
		if (text != NULL)
			return cli_usage_error("descriptor derive takes one descriptor");
		text = opt;
		k++;
	}
	if (text == NULL)
		return cli_usage_error("descriptor derive needs a DESCRIPTOR");
	if (range != NULL) {
		if ((colon = strchr(range, ':')) == NULL || (size_t)(colon - range) >= sizeof(lo))
			return cli_usage_error("bad --range '%s' (A:B, inclusive)", range);
		memcpy(lo, range, (size_t)(colon - range));
		lo[colon - range] = '\0';
		if (num_parse_u32(&a, lo, 0, 0x7fffffffu) != 0 ||
		    num_parse_u32(&b, colon + 1, 0, 0x7fffffffu) != 0 || a > b)
			return cli_usage_error("bad --range '%s' (A:B, inclusive, A <= B < 2^31)", range);
	}
	if ((r = desc_parse(&d, text, strlen(text), net)) != 0)
		return cli_fail("descriptor", r);
	if (!desc_has_address(d)) {
		desc_free(d);
		return cli_fail("descriptor has no address form", COFFER_ERR_UNSUPPORTED);
	}
	if (!desc_is_ranged(d) && b > 0) {
		desc_free(d);
		return cli_fail("descriptor is not ranged: only index 0 exists", COFFER_ERR_DESC_RANGE);
	}
	/* multipath: the first path (BIP389 convention: receive) */
	for (i = a;; i++) {
		if ((r = desc_derive_address(addr, sizeof(addr), d, 0, i)) != 0) {
			desc_free(d);
			return cli_fail("descriptor", r);
		}
		printf("%s\n", addr);
		if (i == b)
			break;
	}
	desc_free(d);
	return fflush(stdout) == 0 ? 0 : cli_fail("descriptor", COFFER_ERR_IO);
}
