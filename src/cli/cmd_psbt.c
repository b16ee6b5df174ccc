/*
 * coffer psbt decode | sign | finalize | combine
 *
 * PSBTs travel as base64 text: on stdin (decode, sign, finalize; combine also
 * takes them as arguments, one per line on stdin otherwise), and on stdout.
 * `sign` derives the wallet from a mnemonic file (and optional passphrase
 * file) and signs every input whose derivation names the mnemonic's master
 * fingerprint; mnemonic, passphrase, seed and keys live in secure memory and
 * are wiped on every path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/network.h"
#include "btc/psbt.h"
#include "btc/tx.h"
#include "cli/cli.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

/* base64 text of a PSBT_MAX_SIZE PSBT, plus room for whitespace. */
#define PSBT_TEXT_MAX (PSBT_MAX_SIZE / 3 * 4 + 4096)
#define COMBINE_MAX 64

static int
read_psbt_stdin(struct psbt *p)
{
	struct cbuf in;
	int r;

	psbt_init(p);
	cbuf_init(&in, PSBT_TEXT_MAX + 1);
	if ((r = cli_read_stdin(&in, PSBT_TEXT_MAX)) == 0)
		r = psbt_parse_base64(p, (const char *)in.p, in.len);
	cbuf_free(&in);
	return r;
}

static int
print_psbt(const struct psbt *p)
{
	struct cbuf out;
	int r;

	cbuf_init(&out, PSBT_TEXT_MAX + 1);
	if ((r = psbt_serialize_base64(&out, p)) == 0)
		printf("%s\n", (const char *)out.p);
	cbuf_free(&out);
	return r;
}

int
cmd_psbt_decode(int argc, char **argv)
{
	struct psbt p;
	json_t *j;
	char *s;
	int r;

	(void)argv;
	if (argc > 1)
		return cli_usage_error("psbt decode takes no arguments (base64 PSBT on stdin)");
	if ((r = read_psbt_stdin(&p)) != 0)
		return cli_fail("cannot decode the PSBT", r);
	j = psbt_to_json(&p);
	psbt_free(&p);
	if (j == NULL || (s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(j);
		return cli_fail("psbt decode", COFFER_ERR_NOMEM);
	}
	printf("%s\n", s);
	free(s);
	json_decref(j);
	return 0;
}

int
cmd_psbt_sign(int argc, char **argv)
{
	const char *mfile = NULL, *pfile = NULL;
	enum btc_network net = BTC_SIGNET;
	struct cbuf mn, pass;
	struct bip32_key *master = NULL;
	struct psbt_sign_stats st;
	struct psbt p;
	uint8_t *seed = NULL;
	int i, r, ret = 1;

	for (i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return cli_usage_error("%s needs a value", argv[i]);
		if (strcmp(argv[i], "--mnemonic-file") == 0)
			mfile = v;
		else if (strcmp(argv[i], "--passphrase-file") == 0)
			pfile = v;
		else if (strcmp(argv[i], "--network") == 0) {
			if (btc_network_parse(&net, v) != 0)
				return cli_usage_error("unknown network '%s'", v);
		} else
			return cli_usage_error("unknown option '%s'", argv[i]);
	}
	if (mfile == NULL)
		return cli_usage_error("psbt sign needs --mnemonic-file");

	psbt_init(&p);
	cbuf_init_secret(&mn, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
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
	if ((r = read_psbt_stdin(&p)) != 0) {
		ret = cli_fail("cannot decode the PSBT", r);
		goto out;
	}
	if ((seed = secmem_alloc(BIP39_SEED_LEN)) == NULL || (master = bip32_key_new()) == NULL) {
		ret = cli_fail("psbt sign", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = bip39_mnemonic_to_seed(seed, (const char *)mn.p,
	    pfile != NULL ? (const char *)pass.p : NULL)) != 0 ||
	    (r = bip32_master_from_seed(master, seed, BIP39_SEED_LEN, net)) != 0) {
		ret = cli_fail("cannot derive the master key", r);
		goto out;
	}
	secmem_free(seed);
	seed = NULL;
	cbuf_free(&mn);
	cbuf_free(&pass);
	if ((r = psbt_sign_bip32(&p, &st, master, NULL)) != 0) {
		ret = cli_fail("refusing to sign", r);
		goto out;
	}
	if (st.key_mismatch > 0)
		fprintf(stderr, "coffer: warning: %zu key(s) carry this wallet's fingerprint but "
		    "are not its keys; not signed\n", st.key_mismatch);
	if (st.inputs_signed == 0)
		fprintf(stderr, "coffer: warning: no input was signed (no derivation matches this "
		    "wallet)\n");
	if ((r = print_psbt(&p)) != 0) {
		ret = cli_fail("psbt sign", r);
		goto out;
	}
	ret = 0;
out:
	psbt_free(&p);
	bip32_key_free(master);
	secmem_free(seed);
	cbuf_free(&mn);
	cbuf_free(&pass);
	return ret;
}

int
cmd_psbt_finalize(int argc, char **argv)
{
	struct psbt p;
	struct tx tx;
	struct cbuf raw, hex;
	size_t n;
	int i, extract = 0, r, ret = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--extract") == 0)
			extract = 1;
		else
			return cli_usage_error("unknown option '%s'", argv[i]);
	}
	if ((r = read_psbt_stdin(&p)) != 0)
		return cli_fail("cannot decode the PSBT", r);
	tx_init(&tx);
	cbuf_init(&raw, PSBT_MAX_SIZE);
	cbuf_init(&hex, 2 * PSBT_MAX_SIZE + 1);
	if ((r = psbt_finalize(&p, &n)) != 0) {
		ret = cli_fail("cannot finalize every input", r);
		goto out;
	}
	if (!extract) {
		if ((r = print_psbt(&p)) != 0)
			ret = cli_fail("psbt finalize", r);
		else
			ret = 0;
		goto out;
	}
	if ((r = psbt_extract(&tx, &p)) != 0 || (r = tx_serialize(&raw, &tx, 0)) != 0 ||
	    (r = hex_encode_buf(&hex, raw.p, raw.len)) != 0 || (r = cbuf_put_u8(&hex, 0)) != 0) {
		ret = cli_fail("cannot extract the transaction", r);
		goto out;
	}
	printf("%s\n", (const char *)hex.p);
	ret = 0;
out:
	psbt_free(&p);
	tx_free(&tx);
	cbuf_free(&raw);
	cbuf_free(&hex);
	return ret;
}

int
cmd_psbt_combine(int argc, char **argv)
{
	struct psbt ps[COMBINE_MAX], out;
	const struct psbt *ptrs[COMBINE_MAX];
	struct cbuf in;
	size_t n = 0, k;
	int i, r, ret = 1;

	cbuf_init(&in, PSBT_TEXT_MAX + 1);
	psbt_init(&out);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || n == COMBINE_MAX) {
			ret = argv[i][0] == '-' ? cli_usage_error("unknown option '%s'", argv[i]) :
			    cli_usage_error("at most %d PSBTs", COMBINE_MAX);
			goto out;
		}
		if ((r = psbt_parse_base64(&ps[n], argv[i], strlen(argv[i]))) != 0) {
			ret = cli_fail("cannot decode a PSBT", r);
			goto out;
		}
		n++;
	}
	if (argc <= 1) {
		const char *s, *end;

		if ((r = cli_read_stdin(&in, PSBT_TEXT_MAX)) != 0) {
			ret = cli_fail("cannot read stdin", r);
			goto out;
		}
		for (s = (const char *)in.p; in.p != NULL && s < (const char *)in.p + in.len; s = end + 1) {
			end = memchr(s, '\n', (size_t)((const char *)in.p + in.len - s));
			if (end == NULL)
				end = (const char *)in.p + in.len;
			if (strspn(s, " \t\r") >= (size_t)(end - s))
				continue;	/* blank line */
			if (n == COMBINE_MAX) {
				ret = cli_usage_error("at most %d PSBTs", COMBINE_MAX);
				goto out;
			}
			if ((r = psbt_parse_base64(&ps[n], s, (size_t)(end - s))) != 0) {
				ret = cli_fail("cannot decode a PSBT", r);
				goto out;
			}
			n++;
		}
	}
	if (n == 0) {
		ret = cli_usage_error("psbt combine needs PSBTs (arguments, or one per line on stdin)");
		goto out;
	}
	for (k = 0; k < n; k++)
		ptrs[k] = &ps[k];
	if ((r = psbt_combine(&out, ptrs, n)) != 0 || (r = print_psbt(&out)) != 0) {
		ret = cli_fail("cannot combine", r);
		goto out;
	}
	ret = 0;
out:
	for (k = 0; k < n; k++)
		psbt_free(&ps[k]);
	psbt_free(&out);
	cbuf_free(&in);
	return ret;
}
