/*
 * coffer-signer: the key-holding process.
 *
 *   coffer-signer --datadir DIR [--network NAME]
 *                 [--fd N | --listen-unix PATH | --listen-vsock PORT]
 *                 [--socket-group GROUP] [--user NAME] [--kdf-memory KIB] [--kdf-passes N]
 *                 [--tee auto|none|sev-snp|tdx|azure-cvm|nitro|sgx-gramine] [--tee-root DIR]
 *                 [--seal none|tpm2|sev-snp] [--seal-pcrs LIST] [--tcti CONF]
 *
 * --tee picks the attestation backend (auto: detected, docs/deploy/README.md);
 * its device is left to a helper process forked before the sandbox
 * (evidence_helper.h). --seal makes the signer try unattended unlock at start
 * with <datadir>/signer/autounlock (autounlock.h); when that fails it stays
 * locked and PROTO_STATUS says why. --tee-root prefixes device paths (tests).
 *
 * Started by the daemon over a socketpair (--fd, the default: fd 3), or
 * standalone on a unix socket or AF_VSOCK port. Hardening follows sandbox.h
 * in order; the seccomp filter goes on after every library has done its
 * lazy initialisation, so serving needs nothing the filter forbids.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/descriptor.h"
#include "btc/hash.h"
#include "btc/network.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"
#include "signer/autounlock.h"
#include "signer/client.h"
#include "signer/evidence.h"
#include "signer/evidence_helper.h"
#include "signer/kdf.h"
#include "signer/sandbox.h"
#include "signer/seal_select.h"
#include "signer/tee.h"
#include "signer/signer.h"
#include "signer/transport.h"

/*
 * LeakSanitizer (sanitizer builds) cannot run inside the sandbox: at exit it
 * needs /proc (gone after chroot) and ptrace (denied by seccomp). Once the
 * sandbox is up it is turned off here; the signer's code is leak-checked
 * in-process by tests/signer/test_signer_inproc.c instead. Release builds
 * never call this hook.
 */
static volatile int sandboxed;
int __lsan_is_turned_off(void);
int
__lsan_is_turned_off(void)
{
	return sandboxed;
}

struct config {
	const char *datadir;
	enum btc_network network;
	int fd;				/* socketpair end (default CLIENT_SIGNER_FD) */
	const char *unix_path;
	int vsock;
	uint32_t vsock_port;
	const char *user;
	const char *socket_group;	/* --listen-unix: group allowed to connect (mode 0660) */
	uint32_t kdf_memlimit_kib;
	uint32_t kdf_opslimit;
	const char *tee;		/* NULL or "auto": detect */
	const char *tee_root;		/* device path prefix (tests); NULL: the system */
	const char *seal;		/* NULL or "none": no unattended unlock */
	uint32_t seal_pcrs;		/* tpm2: 0 = default set */
	const char *tcti;		/* TPM TCTI; NULL: the system TPM */
};

static void
usage(void)
{
	fputs("usage: coffer-signer --datadir DIR [--network NAME]\n"
	    "                     [--fd N | --listen-unix PATH | --listen-vsock PORT]\n"
	    "                     [--socket-group GROUP] [--user NAME] [--kdf-memory KIB] [--kdf-passes N]\n"
	    "                     [--tee auto|none|sev-snp|tdx|azure-cvm|nitro|sgx-gramine] [--tee-root DIR]\n"
	    "                     [--seal none|tpm2|sev-snp] [--seal-pcrs LIST] [--tcti CONF]\n",
	    stderr);
}

static void
fail(const char *what, int code)
{
	fprintf(stderr, "coffer-signer: %s: %s (%s)\n", what, coffer_err_msg(code), coffer_err_name(code));
}

/* Strict decimal in [lo, hi] (numparse.h). Returns 0 or -1. */
static int
parse_u32(uint32_t *out, const char *s, uint32_t lo, uint32_t hi)
{
	return num_parse_u32(out, s, lo, hi) == 0 ? 0 : -1;
}

static int
parse_datadir(struct config *c, const char *v)
{
	if (v[0] == '\0' || strlen(v) > PATH_MAX - 16)
		return -1;
	c->datadir = v;
	return 0;
}

static int
parse_network(struct config *c, const char *v)
{
	return btc_network_parse(&c->network, v);
}

static int
parse_fd(struct config *c, const char *v)
{
	uint32_t fd;

	if (parse_u32(&fd, v, 3, 1023) != 0)
		return -1;
	c->fd = (int)fd;
	return 0;
}

static int
parse_listen_unix(struct config *c, const char *v)
{
	if (v[0] == '\0' || strlen(v) >= 108)
		return -1;
	c->unix_path = v;
	return 0;
}

static int
parse_listen_vsock(struct config *c, const char *v)
{
	c->vsock = 1;
	return parse_u32(&c->vsock_port, v, 1, 0xfffffffeu);
}

static int
parse_user(struct config *c, const char *v)
{
	if (v[0] == '\0' || strlen(v) > 64)
		return -1;
	c->user = v;
	return 0;
}

static int
parse_socket_group(struct config *c, const char *v)
{
	if (v[0] == '\0' || strlen(v) > 64)
		return -1;
	c->socket_group = v;
	return 0;
}

static int
parse_kdf_memory(struct config *c, const char *v)
{
	return parse_u32(&c->kdf_memlimit_kib, v, 8, 1024u * 1024u);
}

static int
parse_kdf_passes(struct config *c, const char *v)
{
	return parse_u32(&c->kdf_opslimit, v, 1, 32);
}

static int
parse_tee(struct config *c, const char *v)
{
	if (strcmp(v, "auto") != 0 && evidence_backend_find(v) == NULL)
		return -1;
	c->tee = v;
	return 0;
}

static int
parse_tee_root(struct config *c, const char *v)
{
	if (v[0] != '/' || strlen(v) > 256)
		return -1;
	c->tee_root = v;
	return 0;
}

static int
parse_seal(struct config *c, const char *v)
{
	struct seal_choice probe;

	if (seal_choose(&probe, v, NULL, 0, NULL) != 0)
		return -1;
	c->seal = v;
	return 0;
}

static int
parse_seal_pcrs(struct config *c, const char *v)
{
	return seal_tpm2_parse_pcrs(&c->seal_pcrs, v) == 0 ? 0 : -1;
}

static int
parse_tcti(struct config *c, const char *v)
{
	if (v[0] == '\0' || strlen(v) > 256)
		return -1;
	c->tcti = v;
	return 0;
}

static const struct {
	const char *flag;
	int (*parse)(struct config *c, const char *v);
} options[] = {
	{ "--datadir", parse_datadir },
	{ "--network", parse_network },
	{ "--fd", parse_fd },
	{ "--listen-unix", parse_listen_unix },
	{ "--listen-vsock", parse_listen_vsock },
	{ "--user", parse_user },
	{ "--socket-group", parse_socket_group },
	{ "--kdf-memory", parse_kdf_memory },
	{ "--kdf-passes", parse_kdf_passes },
	{ "--tee", parse_tee },
	{ "--tee-root", parse_tee_root },
	{ "--seal", parse_seal },
	{ "--seal-pcrs", parse_seal_pcrs },
	{ "--tcti", parse_tcti },
};

static int
parse_args(struct config *c, int argc, char **argv)
{
	int i, modes;
	size_t k;

	memset(c, 0, sizeof(*c));
	c->network = BTC_MAINNET;
	c->fd = -1;
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < sizeof(options) / sizeof(options[0]); k++)
			if (strcmp(argv[i], options[k].flag) == 0)
				break;
		if (k == sizeof(options) / sizeof(options[0])) {
			fprintf(stderr, "coffer-signer: unknown option '%s'\n", argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "coffer-signer: %s needs a value\n", argv[i]);
			return -1;
		}
		if (options[k].parse(c, argv[i + 1]) != 0) {
			fprintf(stderr, "coffer-signer: bad value for %s: '%s'\n", argv[i], argv[i + 1]);
			return -1;
		}
	}
	/* Cross-field checks. */
	if (c->datadir == NULL) {
		fputs("coffer-signer: --datadir is required\n", stderr);
		return -1;
	}
	modes = (c->fd >= 0) + (c->unix_path != NULL) + c->vsock;
	if (modes > 1) {
		fputs("coffer-signer: choose one of --fd, --listen-unix, --listen-vsock\n", stderr);
		return -1;
	}
	if (modes == 0)
		c->fd = CLIENT_SIGNER_FD;
	if (c->socket_group != NULL && c->unix_path == NULL) {
		fputs("coffer-signer: --socket-group needs --listen-unix\n", stderr);
		return -1;
	}
	return 0;
}

/*
 * Run every lazy initialisation before the sandbox closes the doors: the
 * secp256k1 context, libsodium, OpenSSL's digests and HKDF (provider and
 * config loading), BIP32/BIP39 and descriptor code paths.
 */
static int
warm_up(enum btc_network net)
{
	static const char xpub[] =
	    "wpkh(xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/<0;1>/*)";
	struct descriptor *d = NULL;
	struct desc_scripts sc;
	uint8_t seed[64], key[32], h[32];
	struct bip32_key *k;
	int ret;

	secmem_init();
	(void)btc_secp();
	memset(seed, 0x42, sizeof(seed));
	sha256(h, seed, sizeof(seed));
	if ((ret = kdf_storage_key(key, seed)) != 0)
		return ret;
	secure_wipe(key, sizeof(key));
	if ((k = bip32_key_new()) == NULL)
		return COFFER_ERR_NOMEM;
	ret = bip32_master_from_seed(k, seed, sizeof(seed), net);
	bip32_key_free(k);
	if (ret != 0)
		return ret;
	desc_scripts_init(&sc);
	if ((ret = desc_parse(&d, xpub, sizeof(xpub) - 1, BTC_MAINNET)) == 0)
		ret = desc_derive(&sc, d, 0, 0);
	desc_scripts_free(&sc);
	desc_free(d);
	return ret;
}

/*
 * Before the sandbox: the attestation backend (its helper keeps the device),
 * then, with the helper already forked so it never sees it, the sealed
 * passphrase for unattended unlock. Out: h; pass/passlen (0 when none);
 * note: what the status should say.
 */
static int
tee_start(struct evidence_helper *h, struct seal_choice *sch, uint8_t *pass, size_t *passlen, char *note,
    size_t notelen, const struct config *c, const struct evidence_env *env, const char *dir)
{
	const struct evidence_backend *b;
	char why[PROTO_MAX_REASON];
	int ret;

	*passlen = 0;
	note[0] = '\0';
	b = c->tee == NULL || strcmp(c->tee, "auto") == 0 ? evidence_detect(env) : evidence_backend_find(c->tee);
	if (b == NULL)
		b = &evidence_backend_none;
	if ((ret = evidence_helper_start(h, b, env)) != 0) {
		fail("cannot start the evidence helper", ret);
		return ret;
	}
	if (b != &evidence_backend_none)
		fprintf(stderr, "coffer-signer: attestation backend %s\n", b->name);
	if (c->seal == NULL || strcmp(c->seal, "none") == 0)
		return 0;
	if ((ret = seal_choose(sch, c->seal, c->tcti, c->seal_pcrs, env)) != 0)
		return ret;
	if (autounlock_open(pass, AUTOUNLOCK_PASS_MAX, passlen, why, sizeof(why), dir, &sch->backend) != 0) {
		/* A long reason is cut: the note stays a status line. */
		if (snprintf(note, notelen, "waiting for a passphrase: unattended unlock failed: %s", why) < 0)
			note[0] = '\0';
		fprintf(stderr, "coffer-signer: %s\n", note);
	}
	return 0;
}

static void __attribute__((noreturn))
serve_listener(struct signer *s, struct transport_listener *l)
{
	struct transport t;
	int ret;

	for (;;) {
		if ((ret = l->accept(l, &t)) != 0) {
			fail("accept", ret);
			continue;
		}
		/* One connection at a time; the session survives reconnects. */
		if ((ret = signer_serve(s, &t)) != 0)
			fail("connection ended", ret);
		transport_close(&t);
	}
}

int
main(int argc, char **argv)
{
	struct transport_listener l;
	struct signer_config sc;
	struct signer *s = NULL;
	struct transport t;
	struct config c;
	struct evidence_helper helper;
	struct tee_backend tee;
	struct seal_choice sch;
	struct evidence_env env;
	char dir[PATH_MAX], note[PROTO_MAX_REASON];
	uint8_t *pass;
	size_t passlen = 0;
	int keep[2], ret;

	/* Before anything else can hold a secret. */
	if ((ret = sandbox_no_dump()) != 0) {
		fail("cannot make the process non-dumpable", ret);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(&c, argc, argv) != 0) {
		usage();
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/signer", c.datadir);
	if ((ret = sandbox_scrub_env()) != 0) {
		fail("cannot scrub the environment", ret);
		return 1;
	}
	memset(&l, 0, sizeof(l));
	l.fd = -1;
	if (c.unix_path != NULL && (ret = transport_unix_listen(&l, c.unix_path)) != 0) {
		fail("cannot listen on the unix socket", ret);
		return 1;
	}
	/* The socket is 0600 for whoever started us; a group lets another
	 * user (the daemon's) connect, and nobody else. */
	if (c.socket_group != NULL) {
		struct group *g = getgrnam(c.socket_group);

		if (g == NULL || chown(c.unix_path, (uid_t)-1, g->gr_gid) != 0 || chmod(c.unix_path, 0660) != 0) {
			fail("cannot give the socket to its group", COFFER_ERR_SIGNER_TRANSPORT);
			return 1;
		}
	}
	if (c.vsock && (ret = transport_vsock_listen(&l, c.vsock_port)) != 0) {
		fail("cannot listen on the vsock port", ret);
		return 1;
	}
	memset(&env, 0, sizeof(env));
	memset(&sch, 0, sizeof(sch));
	env.root = c.tee_root;
	env.tcti = c.tcti;
	if ((pass = secmem_alloc(AUTOUNLOCK_PASS_MAX)) == NULL ||
	    tee_start(&helper, &sch, pass, &passlen, note, sizeof(note), &c, &env, dir) != 0)
		return 1;
	keep[0] = l.fd >= 0 ? l.fd : c.fd;
	keep[1] = helper.fd;
	if ((ret = sandbox_close_fds(keep, helper.fd >= 0 ? 2 : 1)) != 0) {
		fail("cannot close inherited descriptors", ret);
		return 1;
	}
	if ((ret = warm_up(c.network)) != 0) {
		fail("initialisation", ret);
		return 1;
	}
	sandboxed = 1;
	if ((ret = sandbox_enter_dir(dir, c.user)) != 0) {
		if (ret == COFFER_ERR_SIGNER_USER)
			fprintf(stderr, "coffer-signer: the user '%s' to drop to is missing or privileged "
			    "(scripts/signer-user creates %s; --user names another)\n",
			    c.user != NULL ? c.user : SANDBOX_USER_DEFAULT, SANDBOX_USER_DEFAULT);
		fail("cannot enter the signer directory", ret);
		return 1;
	}
	if ((ret = sandbox_landlock()) == COFFER_ERR_UNSUPPORTED) {
		fputs("coffer-signer: note: no Landlock in this kernel; chroot (as root) and seccomp only\n", stderr);
	} else if (ret != 0) {
		fail("cannot restrict the filesystem (Landlock)", ret);
		return 1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.dir = ".";
	sc.network = c.network;
	sc.kdf_memlimit_kib = c.kdf_memlimit_kib;
	sc.kdf_opslimit = c.kdf_opslimit;
	evidence_helper_tee(&tee, &helper);
	sc.tee = helper.fd >= 0 ? &tee : NULL;
	sc.seal = c.seal != NULL && strcmp(c.seal, "none") != 0 ? &sch.backend : NULL;
	if ((ret = signer_new(&s, &sc)) != 0) {
		fail("cannot start", ret);
		return 1;
	}
	if ((ret = sandbox_seccomp()) != 0) {
		fail("cannot install the seccomp filter", ret);
		signer_free(s);
		return 1;
	}
	/* Unattended unlock, as a typed passphrase would (Argon2id, state, audit record). */
	if (passlen > 0) {
		if ((ret = signer_unlock_passphrase(s, pass, passlen)) == 0)
			snprintf(note, sizeof(note), "unlocked at start by the passphrase sealed with %s", c.seal);
		else
			snprintf(note, sizeof(note), "waiting for a passphrase: the sealed passphrase does not unlock the "
			    "keystore (%s)", coffer_err_msg(ret));
		fprintf(stderr, "coffer-signer: %s\n", note);
	}
	secmem_free(pass);
	signer_set_note(s, note);
	if (l.fd >= 0)
		serve_listener(s, &l);
	transport_stream_init(&t, c.fd);
	ret = signer_serve(s, &t);
	transport_close(&t);
	signer_free(s);
	if (ret != 0) {
		fail("connection ended", ret);
		return 1;
	}
	return 0;
}
