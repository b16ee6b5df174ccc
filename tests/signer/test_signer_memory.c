/*
 * Issue #3's memory proof, with a stand-in for the daemon (which does not
 * exist yet): a relay process (this test binary re-executed with --relay, so
 * its image holds no secret) spawns coffer-signer over a socketpair and relays
 * create, unlock and sign requests exactly as the daemon will, never seeing a
 * secret in plain text: the passphrase arrives sealed to the signer's unlock
 * key and the new mnemonic leaves sealed to this test's key.
 *
 * After unlocking and signing through the relay, the test (root in CI) reads
 * the relay's whole memory through /proc/PID/mem and finds none of: the
 * mnemonic, the BIP39 entropy, the seed, the master, account and signing
 * private keys (derived here independently), nor the passphrase. Controls
 * keep the scan honest: it does find the relay's own copy of the signed PSBT,
 * and it does find the seed in the unlocked signer (root can read that
 * process; see docs/THREAT_MODEL.md) but no longer after `lock`, nor after a
 * session timeout expires with no request arriving. Every copy of a secret
 * in the unlocked signer is in guarded memory. The signer's memory cannot be
 * read by its own unprivileged uid (not dumpable).
 */
#include "signer_util.h"

#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include <sodium.h>

#include "harness.h"
#include "memscan.h"

#include "btc/bip39.h"
#include "common/encoding.h"
#include "signer/client.h"

#define LINE_MAX_RELAY ((size_t)64 << 10)

/* --- the relay (daemon stand-in) -------------------------------------------------- */

static int
relay_unhex(struct cbuf *b, const char *hex)
{
	cbuf_reset(b);
	return hex_decode_buf(b, hex, strlen(hex));
}

static void
relay_reply_hex(const char *tag, const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	hex_encode(h, 2 * n + 1, p, n);
	printf("%s %s\n", tag, h);
	fflush(stdout);
	free(h);
}

static int
relay_main(int argc, char **argv)
{
	static const struct client_spawn_opts o = { "regtest", NULL, TEST_KDF_KIB, TEST_KDF_PASSES, NULL, NULL, NULL, NULL };
	struct proto_secret sec, none = client_secret_none();
	struct client_sign_result res;
	struct client_status st;
	struct signer_client c;
	struct cbuf arg, arg2, out, kept;
	uint8_t pk[32 + PROTO_CHALLENGE_LEN];
	char *line = NULL, *sp;
	size_t cap = 0;
	ssize_t n;
	int r;

	if (argc != 4)
		return 2;
	cbuf_init(&arg, 0);
	cbuf_init(&arg2, 0);
	cbuf_init(&out, 0);
	cbuf_init(&kept, 0);
	if ((r = client_spawn_signer(&c, argv[2], argv[3], &o)) != 0) {
		printf("err %d\n", r);
		return 1;
	}
	while ((n = getline(&line, &cap, stdin)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		sp = strchr(line, ' ');
		if (sp != NULL)
			*sp++ = '\0';
		cbuf_reset(&out);
		r = 0;
		if (strcmp(line, "key") == 0) {
			if ((r = client_get_unlock_key(&c, pk, pk + 32)) == 0)
				relay_reply_hex("ok", pk, sizeof(pk));
		} else if (strcmp(line, "pid") == 0) {
			printf("ok %d\n", (int)c.pid);
			fflush(stdout);
		} else if (strcmp(line, "create") == 0 && sp != NULL && strchr(sp, ' ') != NULL) {
			*strchr(sp, ' ') = '\0';
			if ((r = relay_unhex(&arg, sp)) == 0 && (r = relay_unhex(&arg2, sp + strlen(sp) + 1)) == 0) {
				sec = client_secret_sealed(arg.p, arg.len);
				if (arg2.len != 32)
					r = COFFER_ERR_INVALID_ARG;
				else if ((r = client_create(&c, &out, &sec, 24, &none, arg2.p)) == 0)
					relay_reply_hex("ok", out.p, out.len);
			}
		} else if ((strcmp(line, "unlock") == 0 || strcmp(line, "unlock-4s") == 0) && sp != NULL) {
			if ((r = relay_unhex(&arg, sp)) == 0) {
				sec = client_secret_sealed(arg.p, arg.len);
				if ((r = client_unlock(&c, &sec, line[6] == '-' ? 4 : 0)) == 0)
					printf("ok\n");
			}
		} else if (strcmp(line, "state") == 0) {
			if ((r = client_status(&c, &st)) == 0)
				printf("ok %u\n", (unsigned int)st.state);
		} else if (strcmp(line, "sign") == 0 && sp != NULL) {
			if ((r = relay_unhex(&arg, sp)) == 0 &&
			    (r = client_sign_psbt(&c, &out, &res, &none, arg.p, arg.len)) == 0) {
				/* keep our copy, as a daemon would until it broadcasts */
				cbuf_reset(&kept);
				cbuf_put(&kept, out.p, out.len);
				relay_reply_hex("ok", out.p, out.len);
			}
		} else if (strcmp(line, "lock") == 0) {
			if ((r = client_lock(&c)) == 0)
				printf("ok\n");
		} else if (strcmp(line, "quit") == 0) {
			break;
		} else {
			r = COFFER_ERR_INVALID_ARG;
		}
		if (r != 0)
			printf("err %d\n", r);
		fflush(stdout);
	}
	client_close(&c);
	free(line);
	cbuf_free(&arg);
	cbuf_free(&arg2);
	cbuf_free(&out);
	cbuf_free(&kept);
	return 0;
}

/* --- talking to the relay ------------------------------------------------------------ */

struct relay {
	pid_t pid;
	FILE *to, *from;
	char *line;
	size_t cap;
};

static int
relay_start(struct relay *r, const char *dir)
{
	int in[2], out[2];

	memset(r, 0, sizeof(*r));
	if (pipe(in) != 0 || pipe(out) != 0)
		return -1;
	if ((r->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/proc/self/exe", "test_signer_memory", "--relay", COFFER_SIGNER_BIN, dir, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->to = fdopen(in[1], "w");
	r->from = fdopen(out[0], "r");
	return 0;
}

/* Send a command; the answer's payload after "ok " (or "") in r->line. */
static int
relay_cmd(struct relay *r, const char **payload, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int
relay_cmd(struct relay *r, const char **payload, const char *fmt, ...)
{
	va_list ap;

	*payload = "";
	va_start(ap, fmt);
	vfprintf(r->to, fmt, ap);
	va_end(ap);
	fputc('\n', r->to);
	fflush(r->to);
	if (getline(&r->line, &r->cap, r->from) <= 0)
		return -1;
	r->line[strcspn(r->line, "\n")] = '\0';
	if (strncmp(r->line, "ok", 2) != 0) {
		fprintf(stderr, "relay: %s\n", r->line);
		return -1;
	}
	*payload = r->line[2] == ' ' ? r->line + 3 : "";
	return 0;
}

static void
relay_stop(struct relay *r)
{
	const char *p;
	int st;

	(void)relay_cmd(r, &p, "quit");
	fclose(r->to);
	fclose(r->from);
	waitpid(r->pid, &st, 0);
	free(r->line);
}

static char *
hexdup(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	hex_encode(h, 2 * n + 1, p, n);
	return h;
}

/* As the signer's own unprivileged uid: can /proc/PID/mem be opened? */
static int
mem_open_as(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64];
	pid_t c;
	int st;

	if ((c = fork()) == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(3);
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		_exit(open(path, O_RDONLY) >= 0 ? 1 : 0);
	}
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
}

static void
test_memory(void)
{
	struct test_wallet_keys k;
	struct relay r;
	struct cbuf box, mnbox, psbt, signed_psbt;
	struct memscan_needle nd[9], ctl[1];
	struct passwd *pw;
	struct psbt p;
	const struct psbt_kv *kv;
	uint8_t pk[32 + PROTO_CHALLENGE_LEN], rpk[32], rsk[32], seed[64], entropy[32], rnd[24];
	char dir[64], pass[64], mn[BIP39_MNEMONIC_BUFSIZE], *h;
	const char *pl;
	size_t entlen = 0, i, j, nfin;
	int held;
	long scanned;
	pid_t signer;

	if (geteuid() != 0) {
		printf("skipped: reading another process's memory needs root\n");
		return;
	}
	test_tmpdir(dir);
	cbuf_init(&box, 0);
	cbuf_init_secret(&mnbox, 0);
	cbuf_init(&psbt, 0);
	cbuf_init(&signed_psbt, 0);
	/* secrets made at run time: nothing to find in the relay's executable image */
	secure_random(rnd, sizeof(rnd));
	hex_encode(pass, sizeof(pass), rnd, sizeof(rnd));
	crypto_box_keypair(rpk, rsk);
	CHECK(relay_start(&r, dir) == 0);

	CHECK(relay_cmd(&r, &pl, "key") == 0 && strlen(pl) == 2 * sizeof(pk));
	CHECK_OK(hex_decode_exact(pk, sizeof(pk), pl));
	CHECK_OK(client_seal(&box, pk, pk + 32, (const uint8_t *)pass, strlen(pass)));
	h = hexdup(box.p, box.len);
	{
		char *rh = hexdup(rpk, 32);

		CHECK(relay_cmd(&r, &pl, "create %s %s", h, rh) == 0);
		free(rh);
	}
	free(h);
	CHECK_OK(hex_decode_buf(&mnbox, pl, strlen(pl)));
	CHECK(mnbox.len > crypto_box_SEALBYTES &&
	    crypto_box_seal_open((uint8_t *)mn, mnbox.p, mnbox.len, rpk, rsk) == 0);
	mn[mnbox.len > crypto_box_SEALBYTES ? mnbox.len - crypto_box_SEALBYTES : 0] = '\0';
	CHECK_OK(bip39_mnemonic_check(mn));
	CHECK_OK(bip39_mnemonic_to_entropy(entropy, sizeof(entropy), &entlen, mn));
	CHECK_OK(bip39_mnemonic_to_seed(seed, mn, ""));
	CHECK_OK(test_derive_keys(&k, seed, 0));

	/* unlock (sealed again, to the next one-time challenge) and sign */
	CHECK(relay_cmd(&r, &pl, "key") == 0 && strlen(pl) == 2 * sizeof(pk));
	CHECK_OK(hex_decode_exact(pk, sizeof(pk), pl));
	cbuf_reset(&box);
	CHECK_OK(client_seal(&box, pk, pk + 32, (const uint8_t *)pass, strlen(pass)));
	h = hexdup(box.p, box.len);
	CHECK(relay_cmd(&r, &pl, "unlock %s", h) == 0);
	free(h);
	CHECK_OK(test_make_psbt(&psbt, &k));
	h = hexdup(psbt.p, psbt.len);
	CHECK(relay_cmd(&r, &pl, "sign %s", h) == 0);
	free(h);
	CHECK_OK(hex_decode_buf(&signed_psbt, pl, strlen(pl)));
	CHECK_OK(psbt_parse(&p, signed_psbt.p, signed_psbt.len));
	CHECK_RC(psbt_finalize(&p, &nfin), COFFER_ERR_PSBT_CANNOT_FINALIZE);
	CHECK(nfin == 2);
	psbt_free(&p);
	CHECK_OK(psbt_parse(&p, signed_psbt.p, signed_psbt.len));
	kv = psbt_map_find(&p.in[0].map, PSBT_IN_PARTIAL_SIG, k.wpkh_pub, 33);
	CHECK(kv != NULL);

	nd[0] = (struct memscan_needle){ "mnemonic", (const uint8_t *)mn, strlen(mn), 0, 0 };
	nd[1] = (struct memscan_needle){ "entropy", entropy, entlen, 0, 0 };
	nd[2] = (struct memscan_needle){ "seed", seed, 64, 0, 0 };
	nd[3] = (struct memscan_needle){ "master private key", k.master_priv, 32, 0, 0 };
	nd[4] = (struct memscan_needle){ "BIP84 account private key", k.account_priv[0], 32, 0, 0 };
	nd[5] = (struct memscan_needle){ "BIP86 account private key", k.account_priv[1], 32, 0, 0 };
	nd[6] = (struct memscan_needle){ "wpkh signing key", k.wpkh_priv, 32, 0, 0 };
	nd[7] = (struct memscan_needle){ "tr signing key", k.tr_priv, 32, 0, 0 };
	nd[8] = (struct memscan_needle){ "passphrase", (const uint8_t *)pass, strlen(pass), 0, 0 };
	ctl[0] = (struct memscan_needle){ "the relay's signed PSBT signature", kv != NULL ? kv->value : NULL,
		kv != NULL ? kv->value_len : 0, 0, 0 };

	/* the relay: nothing secret, but the scan does see its data */
	scanned = memscan_process(r.pid, nd, 9, 0);
	CHECK(scanned > 0);
	(void)memscan_process(r.pid, ctl, 1, 0);
	printf("relay: scanned %ld bytes\n", scanned);
	for (i = 0; i < 9; i++)
		CHECK_MSG(nd[i].hits == 0, "relay (daemon stand-in) memory holds the %s (%d times)",
		    nd[i].name, nd[i].hits);
	CHECK_MSG(ctl[0].hits > 0, "control: the scan did not find %s", ctl[0].name);

	/* the signer: unreadable by its own uid; root can read it, and finds the
	 * seed while unlocked; after lock it is gone */
	CHECK(relay_cmd(&r, &pl, "pid") == 0);
	signer = (pid_t)atoi(pl);
	pw = test_signer_user();
	CHECK(pw != NULL && mem_open_as(signer, pw->pw_uid, pw->pw_gid) == 0);
	CHECK(memscan_process(signer, nd, 9, MEMSCAN_CAN_LOCK) > 0);
	CHECK_MSG(nd[2].hits > 0, "control: root did not find the seed in the unlocked signer");
	printf("note: root can read the unlocked signer's memory (seed found %d times): "
	    "see docs/THREAT_MODEL.md\n", nd[2].hits);
	/* every secret the unlocked signer holds is in guarded memory: locked,
	 * never dumped, fenced by guard pages (libsodium's sodium_malloc) */
	if (!MEMSCAN_CAN_LOCK)
		printf("skipped: the mlock part of the guarded-memory check (AddressSanitizer ignores mlock); "
		    "guard pages and MADV_DONTDUMP checked\n");
	for (i = 0; i < 9; i++)
		CHECK_MSG(nd[i].unguarded == 0, "unlocked signer holds the %s outside guarded memory "
		    "(%d of %d copies)", nd[i].name, nd[i].unguarded, nd[i].hits);
	CHECK(relay_cmd(&r, &pl, "lock") == 0);
	CHECK(memscan_process(signer, nd, 8, 0) > 0);
	for (i = 0; i < 8; i++)
		CHECK_MSG(nd[i].hits == 0, "locked signer still holds the %s (%d times)", nd[i].name, nd[i].hits);

	/* a session timeout wipes as lock does, with no request arriving: unlock
	 * for 4 s, sign (filling the parent-key cache), then only watch */
	CHECK(relay_cmd(&r, &pl, "key") == 0 && strlen(pl) == 2 * sizeof(pk));
	CHECK_OK(hex_decode_exact(pk, sizeof(pk), pl));
	cbuf_reset(&box);
	CHECK_OK(client_seal(&box, pk, pk + 32, (const uint8_t *)pass, strlen(pass)));
	h = hexdup(box.p, box.len);
	CHECK(relay_cmd(&r, &pl, "unlock-4s %s", h) == 0);
	free(h);
	h = hexdup(psbt.p, psbt.len);
	CHECK(relay_cmd(&r, &pl, "sign %s", h) == 0);
	free(h);
	for (i = 0, held = 1; i < 30 && held; i++) {
		sleep(1);
		CHECK(memscan_process(signer, nd, 8, 0) > 0);
		for (held = 0, j = 0; j < 8; j++)
			held += nd[j].hits;
	}
	for (j = 0; j < 8; j++)
		CHECK_MSG(nd[j].hits == 0, "timed-out signer still holds the %s (%d times)", nd[j].name, nd[j].hits);
	CHECK(relay_cmd(&r, &pl, "state") == 0);
	CHECK_STREQ(pl, "1");	/* locked, and it was the timeout: no request came in between */

	relay_stop(&r);
	psbt_free(&p);
	secure_wipe(seed, sizeof(seed));
	secure_wipe(mn, sizeof(mn));
	secure_wipe(pass, sizeof(pass));
	secure_wipe(&k, sizeof(k));
	cbuf_free(&box);
	cbuf_free(&mnbox);
	cbuf_free(&psbt);
	cbuf_free(&signed_psbt);
	test_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "memory", test_memory },
};

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--relay") == 0)
		return relay_main(argc, argv);
	return test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
