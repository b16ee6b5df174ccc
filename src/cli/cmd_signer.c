/*
 * coffer signer status | create | restore | unlock | lock | descriptors |
 *               sign-psbt | sign-message | policy | set-policy | audit | attest
 *
 * Talk to a signer: a standalone one (--socket PATH, or --vsock CID:PORT), or
 * one spawned for this command over a socketpair (--datadir DIR; the binary
 * from --signer-bin, $COFFER_SIGNER_BIN, or coffer-signer beside coffer). A
 * spawned signer lives as long as the command, so commands that need it
 * unlocked unlock it first with --passphrase-file.
 *
 * Passphrases and mnemonics are read from files into secret buffers, never
 * from the command line, and passphrases always travel sealed to the
 * signer's unlock key: the transport (and anything relaying it) never
 * carries them in plain text.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btc/network.h"
#include "cli/cli.h"
#include "cli/cmd_signer.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"
#include "signer/client.h"
#include "signer/proto.h"


/* Connection options shared by every command. Returns 1 when consumed, 0 when
 * not ours, -1 on a bad value (usage error already printed). */
static int
conn_opt(struct signer_conn *c, const char *opt, const char *v)
{
	const char *colon;
	char cid[16];

	if (strcmp(opt, "--socket") == 0)
		c->socket = v;
	else if (strcmp(opt, "--datadir") == 0)
		c->datadir = v;
	else if (strcmp(opt, "--signer-bin") == 0)
		c->signer_bin = v;
	else if (strcmp(opt, "--network") == 0) {
		enum btc_network n;

		if (btc_network_parse(&n, v) != 0) {
			cli_usage_error("unknown network '%s'", v);
			return -1;
		}
		c->network = v;
	} else if (strcmp(opt, "--passphrase-file") == 0)
		c->passfile = v;
	else if (strcmp(opt, "--vsock") == 0) {
		if ((colon = strchr(v, ':')) == NULL || (size_t)(colon - v) >= sizeof(cid)) {
			cli_usage_error("bad --vsock '%s' (CID:PORT)", v);
			return -1;
		}
		snprintf(cid, sizeof(cid), "%.*s", (int)(colon - v), v);
		if (num_parse_u32(&c->vsock_cid, cid, 0, 0xffffffffu) != 0 ||
		    num_parse_u32(&c->vsock_port, colon + 1, 0, 0xffffffffu) != 0) {
			cli_usage_error("bad --vsock '%s' (CID:PORT)", v);
			return -1;
		}
		c->vsock = 1;
	} else
		return 0;
	return 1;
}

/* The signer binary for --datadir: flag, environment, or beside coffer. */
static const char *
signer_bin(const struct signer_conn *c, char *buf, size_t size)
{
	const char *env = getenv("COFFER_SIGNER_BIN");
	ssize_t n;
	char *slash;

	if (c->signer_bin != NULL)
		return c->signer_bin;
	if (env != NULL && env[0] != '\0')
		return env;
	if ((n = readlink("/proc/self/exe", buf, size - 32)) <= 0)
		return "coffer-signer";
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return "coffer-signer";
	strcpy(slash + 1, "coffer-signer");
	return buf;
}

int
signer_connect(struct signer_client *sc, struct signer_conn *c)
{
	struct client_spawn_opts o;
	char path[PATH_MAX];
	int r, modes = (c->socket != NULL) + (c->datadir != NULL) + c->vsock;

	if (modes != 1)
		return cli_usage_error("name the signer with one of --socket, --vsock or --datadir");
	if (c->socket != NULL)
		r = client_connect_unix(sc, c->socket);
	else if (c->vsock)
		r = client_connect_vsock(sc, c->vsock_cid, c->vsock_port);
	else {
		memset(&o, 0, sizeof(o));
		o.network = c->network;
		r = client_spawn_signer(sc, signer_bin(c, path, sizeof(path)), c->datadir, &o);
		c->spawned = r == 0;
	}
	if (r != 0)
		return cli_fail("cannot reach the signer", r);
	return 0;
}

/* Report a signer error with its reason. */
int
signer_fail(const struct signer_client *sc, const char *what, int code)
{
	if (sc->reason[0] != '\0')
		fprintf(stderr, "coffer: %s: %s (%s)\n", what, sc->reason, coffer_err_name(code));
	else
		fprintf(stderr, "coffer: %s: %s (%s)\n", what, coffer_err_msg(code), coffer_err_name(code));
	return 1;
}

/* Read a secret file and seal it to the signer's unlock key (with its
 * one-time challenge). A mnemonic file is trimmed; a passphrase file loses
 * only its final newline. */
int
signer_sealed_from_file(struct signer_client *sc, struct cbuf *box, const char *path, const char *what)
{
	enum cli_secret_kind kind = strcmp(what, "mnemonic") == 0 ? CLI_SECRET_WORDS : CLI_SECRET_PASSPHRASE;
	uint8_t pk[32], challenge[PROTO_CHALLENGE_LEN];
	struct cbuf plain;
	int r;

	cbuf_init_secret(&plain, CLI_SECRET_FILE_MAX + 1);
	if ((r = cli_read_secret_file(&plain, path, kind)) != 0) {
		cbuf_free(&plain);
		fprintf(stderr, "coffer: cannot read the %s file: %s (%s)\n", what, coffer_err_msg(r),
		    coffer_err_name(r));
		return 1;
	}
	if ((r = client_get_unlock_key(sc, pk, challenge)) != 0 ||
	    (r = client_seal(box, pk, challenge, plain.p, plain.len)) != 0) {
		cbuf_free(&plain);
		return signer_fail(sc, what, r);
	}
	cbuf_free(&plain);
	return 0;
}

/* A spawned signer starts locked: unlock it with --passphrase-file. */
int
signer_unlock_spawned(struct signer_client *sc, const struct signer_conn *c)
{
	struct proto_secret s;
	struct cbuf box;
	int r, ret;

	if (!c->spawned)
		return 0;
	if (c->passfile == NULL) {
		fputs("coffer: a signer started with --datadir is locked: give --passphrase-file\n", stderr);
		return 2;
	}
	cbuf_init(&box, 0);
	if ((ret = signer_sealed_from_file(sc, &box, c->passfile, "passphrase")) == 0) {
		s = client_secret_sealed(box.p, box.len);
		if ((r = client_unlock(sc, &s, 0)) != 0)
			ret = signer_fail(sc, "unlock", r);
	}
	cbuf_free(&box);
	return ret;
}

int
signer_parse_args(struct signer_conn *c, int argc, char **argv, signer_opt_fn extra, void *ctx)
{
	int i, r;

	memset(c, 0, sizeof(*c));
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cli_usage_error("%s needs a value", argv[i]);
		if ((r = conn_opt(c, argv[i], argv[i + 1])) < 0)
			return 2;
		if (r == 1)
			continue;
		if (extra == NULL || (r = extra(ctx, argv[i], argv[i + 1])) == 0)
			return cli_usage_error("unknown option '%s'", argv[i]);
		if (r < 0)
			return 2;
	}
	return 0;
}

static const char *
state_name(uint8_t st)
{
	return st == PROTO_STATE_UNINITIALIZED ? "uninitialized" :
	    st == PROTO_STATE_LOCKED ? "locked" : "unlocked";
}

int
cmd_signer_status(int argc, char **argv)
{
	struct signer_client sc;
	struct client_status st;
	struct signer_conn c;
	char pk[65];
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, NULL, NULL)) != 0 || (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	if ((r = client_status(&sc, &st)) != 0) {
		ret = signer_fail(&sc, "status", r);
	} else {
		hex_encode(pk, sizeof(pk), st.unlock_pubkey, 32);
		printf("state: %s\nnetwork: %s\ntee: %s\nunlock-key: %s\nsession-left: %u\nsigner: %s\n",
		    state_name(st.state), btc_network_params(st.network)->name, st.tee, pk, st.session_left,
		    sc.software);
		if (st.note[0] != '\0')
			printf("note: %s\n", st.note);
	}
	client_close(&sc);
	return ret;
}

struct create_opts {
	uint32_t words;
	const char *bip39file;
	const char *mnemonicfile;
	uint32_t timeout;
	uint32_t account;
	const char *type;
};

static int
create_opt(void *ctx, const char *opt, const char *v)
{
	struct create_opts *o = ctx;

	if (strcmp(opt, "--words") == 0) {
		if (num_parse_u32(&o->words, v, 0, 24) != 0 || (o->words != 12 && o->words != 24)) {
			cli_usage_error("bad --words '%s' (12 or 24)", v);
			return -1;
		}
	} else if (strcmp(opt, "--bip39-passphrase-file") == 0)
		o->bip39file = v;
	else if (strcmp(opt, "--mnemonic-file") == 0)
		o->mnemonicfile = v;
	else if (strcmp(opt, "--timeout") == 0) {
		if (num_parse_u32(&o->timeout, v, 0, 0xffffffffu) != 0) {
			cli_usage_error("bad --timeout '%s' (seconds)", v);
			return -1;
		}
	} else if (strcmp(opt, "--account") == 0) {
		if (num_parse_u32(&o->account, v, 0, 0x7fffffffu) != 0) {
			cli_usage_error("bad --account '%s' (0 .. 2147483647)", v);
			return -1;
		}
	} else if (strcmp(opt, "--type") == 0) {
		if (strcmp(v, "wpkh") != 0 && strcmp(v, "tr") != 0 && strcmp(v, "sh-wpkh") != 0) {
			cli_usage_error("unknown --type '%s' (wpkh, tr or sh-wpkh)", v);
			return -1;
		}
		o->type = v;
	} else
		return 0;
	return 1;
}

/* create and restore share their inputs: passphrase, optional BIP39 passphrase. */
static int
create_or_restore(int argc, char **argv, int restore)
{
	struct create_opts o = { 24, NULL, NULL, 0, 0, NULL };
	struct proto_secret pass, mn, bip = client_secret_none();
	struct signer_client sc;
	struct cbuf pbox, bbox, mbox, out;
	struct signer_conn c;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, create_opt, &o)) != 0)
		return ret;
	if (c.passfile == NULL || (restore && o.mnemonicfile == NULL))
		return cli_usage_error("signer %s needs --passphrase-file%s", restore ? "restore" : "create",
		    restore ? " and --mnemonic-file" : "");
	if ((ret = signer_connect(&sc, &c)) != 0)
		return ret;
	cbuf_init(&pbox, 0);
	cbuf_init(&bbox, 0);
	cbuf_init(&mbox, 0);
	cbuf_init_secret(&out, 0);
	if ((ret = signer_sealed_from_file(&sc, &pbox, c.passfile, "passphrase")) != 0 ||
	    (o.bip39file != NULL && (ret = signer_sealed_from_file(&sc, &bbox, o.bip39file, "BIP39 passphrase")) != 0) ||
	    (restore && (ret = signer_sealed_from_file(&sc, &mbox, o.mnemonicfile, "mnemonic")) != 0))
		goto out;
	pass = client_secret_sealed(pbox.p, pbox.len);
	if (o.bip39file != NULL)
		bip = client_secret_sealed(bbox.p, bbox.len);
	if (restore) {
		mn = client_secret_sealed(mbox.p, mbox.len);
		if ((r = client_restore(&sc, &pass, &mn, &bip)) != 0)
			ret = signer_fail(&sc, "restore", r);
		else
			fputs("coffer: wallet restored; the signer is locked\n", stderr);
	} else {
		if ((r = client_create(&sc, &out, &pass, o.words, &bip, NULL)) != 0) {
			ret = signer_fail(&sc, "create", r);
		} else {
			fputs("coffer: write these words down now: the signer shows them only this once\n", stderr);
			printf("%s\n", (const char *)out.p);
			fflush(stdout);
		}
	}
out:
	cbuf_free(&pbox);
	cbuf_free(&bbox);
	cbuf_free(&mbox);
	cbuf_free(&out);
	client_close(&sc);
	return ret;
}

int
cmd_signer_create(int argc, char **argv)
{
	return create_or_restore(argc, argv, 0);
}

int
cmd_signer_restore(int argc, char **argv)
{
	return create_or_restore(argc, argv, 1);
}

int
cmd_signer_unlock(int argc, char **argv)
{
	struct create_opts o = { 24, NULL, NULL, 0, 0, NULL };
	struct signer_client sc;
	struct proto_secret s;
	struct cbuf box;
	struct signer_conn c;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, create_opt, &o)) != 0)
		return ret;
	if (c.passfile == NULL)
		return cli_usage_error("signer unlock needs --passphrase-file");
	if ((ret = signer_connect(&sc, &c)) != 0)
		return ret;
	cbuf_init(&box, 0);
	if ((ret = signer_sealed_from_file(&sc, &box, c.passfile, "passphrase")) == 0) {
		s = client_secret_sealed(box.p, box.len);
		if ((r = client_unlock(&sc, &s, o.timeout)) != 0)
			ret = signer_fail(&sc, "unlock", r);
	}
	cbuf_free(&box);
	client_close(&sc);
	return ret;
}

int
cmd_signer_lock(int argc, char **argv)
{
	struct signer_client sc;
	struct signer_conn c;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, NULL, NULL)) != 0 || (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	if ((r = client_lock(&sc)) != 0)
		ret = signer_fail(&sc, "lock", r);
	client_close(&sc);
	return ret;
}

static const char *
account_type_name(uint8_t t)
{
	return t == PROTO_ACCOUNT_WPKH ? "wpkh" : t == PROTO_ACCOUNT_TR ? "tr" : "sh-wpkh";
}

int
cmd_signer_descriptors(int argc, char **argv)
{
	struct create_opts o = { 24, NULL, NULL, 0, 0, NULL };
	struct client_descriptors d;
	struct signer_client sc;
	struct signer_conn c;
	size_t i;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, create_opt, &o)) != 0 || (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	if ((ret = signer_unlock_spawned(&sc, &c)) == 0) {
		if ((r = client_descriptors(&sc, &d, o.account)) != 0)
			ret = signer_fail(&sc, "descriptors", r);
		for (i = 0; r == 0 && i < d.n; i++) {
			if (o.type == NULL)
				printf("%s %s\n", account_type_name(d.d[i].type), d.d[i].descriptor);
			else if (strcmp(o.type, account_type_name(d.d[i].type)) == 0)
				printf("%s\n", d.d[i].descriptor);
		}
	}
	client_close(&sc);
	return ret;
}
