/*
 * coffer message sign|verify: BIP322 "simple" message signatures.
 *
 * The signing key comes from a file, never from the command line: either a
 * WIF key (--wif-file) or a BIP39 mnemonic (--mnemonic-file, optional
 * --passphrase-file) with the derivation path of the address (--path). The
 * address is always given, and signing is refused unless the key controls it.
 * The message is the argument's bytes exactly, or a file's (--message-file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/bip322.h"
#include "btc/bip39.h"
#include "btc/keys.h"
#include "btc/network.h"
#include "cli/cli.h"
#include "common/err.h"
#include "common/secmem.h"

#define MSG_MAX_FILE   (1u << 20)	/* --message-file cap */

struct msg_opts {
	enum btc_network net;
	const char *address;
	const char *wif_file;
	const char *mnemonic_file;
	const char *passphrase_file;
	const char *path;
	const char *message_file;
	int unprefixed;
	char **args;		/* positional arguments */
	int nargs;
};

/* Parse options (any order before or between positionals); returns 0 or a usage exit code. */
static int
parse_opts(struct msg_opts *o, int argc, char **argv, int signing)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->net = BTC_SIGNET;
	if ((o->args = calloc((size_t)argc + 1, sizeof(*o->args))) == NULL)
		return cli_usage_error("out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "--network") == 0) {
			if (i + 1 >= argc || btc_network_parse(&o->net, argv[i + 1]) != 0)
				return cli_usage_error("--network needs one of bitcoin, testnet, testnet4, signet, regtest");
			i++;
			continue;
		}
		if (signing && strcmp(a, "--unprefixed") == 0) {
			o->unprefixed = 1;
			continue;
		}
		if (signing && strcmp(a, "--address") == 0)
			slot = &o->address;
		else if (signing && strcmp(a, "--wif-file") == 0)
			slot = &o->wif_file;
		else if (signing && strcmp(a, "--mnemonic-file") == 0)
			slot = &o->mnemonic_file;
		else if (signing && strcmp(a, "--passphrase-file") == 0)
			slot = &o->passphrase_file;
		else if (signing && strcmp(a, "--path") == 0)
			slot = &o->path;
		else if (strcmp(a, "--message-file") == 0)
			slot = &o->message_file;
		if (slot != NULL) {
			if (i + 1 >= argc)
				return cli_usage_error("%s needs a value", a);
			*slot = argv[++i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				o->args[o->nargs++] = argv[i];
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			return cli_usage_error("unknown option '%s'", a);
		o->args[o->nargs++] = argv[i];
	}
	return 0;
}

/* The message: the one remaining positional, or --message-file's bytes. */
static int
get_message(struct cbuf *msg, const struct msg_opts *o, int first_pos)
{
	int want = o->message_file != NULL ? first_pos : first_pos + 1;
	int r;

	if (o->nargs != want)
		return cli_usage_error("expected %d argument%s (see usage)", want, want == 1 ? "" : "s");
	if (o->message_file != NULL) {
		if ((r = cli_read_file(msg, o->message_file, MSG_MAX_FILE)) != 0)
			return cli_fail(o->message_file, r);
		return 0;
	}
	return cbuf_put_str(msg, o->args[first_pos]) == 0 ? 0 : cli_fail("message", COFFER_ERR_NOMEM);
}

/* The private key from --wif-file, or --mnemonic-file + --path. */
static int
load_key(uint8_t key[32], const struct msg_opts *o)
{
	struct cbuf mn, pw;
	struct bip32_key *root = NULL, *child = NULL;
	uint8_t seed[64];
	uint32_t path[BIP32_MAX_DEPTH];
	size_t depth;
	int compressed = 0, r;

	cbuf_init_secret(&mn, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&pw, CLI_SECRET_FILE_MAX + 1);
	if (o->wif_file != NULL) {
		if ((r = cli_read_secret_file(&mn, o->wif_file, CLI_SECRET_WORDS)) != 0)
			return cli_fail(o->wif_file, r);
		r = keys_wif_decode(key, &compressed, (const char *)mn.p, o->net);
		cbuf_free(&mn);
		if (r != 0)
			return cli_fail("--wif-file", r);
		if (!compressed) {
			secure_wipe(key, 32);
			fprintf(stderr, "coffer: --wif-file: uncompressed keys cannot sign for segwit addresses\n");
			return 1;
		}
		return 0;
	}
	if ((r = bip32_path_parse(path, BIP32_MAX_DEPTH, &depth, o->path)) != 0)
		return cli_fail("--path", r);
	if ((r = cli_read_secret_file(&mn, o->mnemonic_file, CLI_SECRET_WORDS)) != 0) {
		r = cli_fail(o->mnemonic_file, r);
		goto out;
	}
	if (o->passphrase_file != NULL &&
	    (r = cli_read_secret_file(&pw, o->passphrase_file, CLI_SECRET_PASSPHRASE)) != 0) {
		r = cli_fail(o->passphrase_file, r);
		goto out;
	}
	if ((r = bip39_mnemonic_check((const char *)mn.p)) != 0 ||
	    (r = bip39_mnemonic_to_seed(seed, (const char *)mn.p, pw.p != NULL ? (const char *)pw.p : NULL)) != 0) {
		r = cli_fail("mnemonic", r);
		goto out;
	}
	if ((root = bip32_key_new()) == NULL || (child = bip32_key_new()) == NULL) {
		r = cli_fail("key", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = bip32_master_from_seed(root, seed, sizeof(seed), o->net)) != 0 ||
	    (r = bip32_derive_path(child, root, path, depth)) != 0) {
		r = cli_fail("derivation", r);
		goto out;
	}
	memcpy(key, child->priv, 32);
	r = 0;
out:
	secure_wipe(seed, sizeof(seed));
	bip32_key_free(root);
	bip32_key_free(child);
	cbuf_free(&mn);
	cbuf_free(&pw);
	return r;
}

int
cmd_message_sign(int argc, char **argv)
{
	struct msg_opts o;
	struct cbuf msg, sig;
	uint8_t spk[ADDR_MAX_SPK], *key = NULL;
	size_t spklen;
	int r;

	cbuf_init(&msg, MSG_MAX_FILE + 1);
	cbuf_init(&sig, 0);
	if ((r = parse_opts(&o, argc, argv, 1)) != 0)
		goto out;
	if (o.address == NULL) {
		r = cli_usage_error("message sign needs --address");
		goto out;
	}
	if ((o.wif_file != NULL) == (o.mnemonic_file != NULL)) {
		r = cli_usage_error("message sign needs exactly one of --wif-file or --mnemonic-file");
		goto out;
	}
	if ((o.mnemonic_file != NULL) != (o.path != NULL) || (o.passphrase_file != NULL && o.mnemonic_file == NULL)) {
		r = cli_usage_error("--mnemonic-file needs --path (and --passphrase-file goes with it)");
		goto out;
	}
	if ((r = get_message(&msg, &o, 0)) != 0)
		goto out;
	if ((r = addr_decode(spk, &spklen, NULL, o.address, o.net)) != 0) {
		r = cli_fail(o.address, r);
		goto out;
	}
	if ((key = secmem_alloc(32)) == NULL) {
		r = cli_fail("key", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = load_key(key, &o)) != 0)
		goto out;
	if ((r = bip322_sign(&sig, key, spk, spklen, msg.p, msg.len, o.unprefixed ? BIP322_SIGN_UNPREFIXED : 0)) != 0) {
		r = cli_fail("message sign", r);
		goto out;
	}
	printf("%s\n", (const char *)sig.p);
	r = 0;
out:
	secmem_free(key);
	cbuf_free(&msg);
	cbuf_free(&sig);
	free(o.args);
	return r;
}

int
cmd_message_verify(int argc, char **argv)
{
	struct msg_opts o;
	struct bip322_result res;
	struct cbuf msg;
	int r;

	cbuf_init(&msg, MSG_MAX_FILE + 1);
	if ((r = parse_opts(&o, argc, argv, 0)) != 0 || (r = get_message(&msg, &o, 2)) != 0)
		goto out;
	r = bip322_verify_address(&res, o.args[1], o.args[0], o.net, msg.p, msg.len);
	switch (r) {
	case 0:
		if (res.locktime != 0 || res.sequence != 0)
			printf("valid (at time %u and age %u)\n", res.locktime, res.sequence);
		else
			printf("valid\n");
		break;
	case COFFER_ERR_UNSUPPORTED:
		fprintf(stderr, "inconclusive: this script type or signature format cannot be checked (%s)\n",
		    coffer_err_name(r));
		r = 1;
		break;
	default:
		fprintf(stderr, "invalid: %s (%s)\n", coffer_err_msg(r), coffer_err_name(r));
		r = 1;
		break;
	}
out:
	cbuf_free(&msg);
	free(o.args);
	return r;
}
