/*
 * The real coffer-signer (COFFER_SIGNER_BIN), spawned over a socketpair and
 * driven through the client stubs: states and permissions, create/restore/
 * unlock (plain and sealed), descriptors, storage key, PSBT signing (only our
 * inputs, signatures that verify), per-signature passphrase, session timeout;
 * hostile frames end the connection; and the sandbox as seen from outside
 * (/proc/PID/status, fd, environ, root; not dumpable; seccomp mode 2) while a
 * full create -> unlock -> sign round trip still works under the filter.
 */
#include "signer_util.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <sodium.h>

#include "harness.h"

#include "btc/bip39.h"
#include "signer/client.h"
#include "signer/kdf.h"
#include "signer/proto.h"
#include "signer/transport.h"

static const struct client_spawn_opts spawn_opts = {
	"regtest", NULL, TEST_KDF_KIB, TEST_KDF_PASSES, NULL, NULL, NULL, NULL,
};

static int
spawn(struct signer_client *c, const char *datadir)
{
	return client_spawn_signer(c, COFFER_SIGNER_BIN, datadir, &spawn_opts);
}

/* Spawn with our own environment and an extra inherited descriptor, and no
 * handshake: for the sandbox and hostile-frame tests. */
static pid_t
spawn_raw(struct transport *t, const char *datadir, char *const *envp, int extra_fd)
{
	const char *argv[] = { COFFER_SIGNER_BIN, "--datadir", datadir, "--network", "regtest",
		"--kdf-memory", "8192", "--kdf-passes", "1", NULL };
	int peer;
	pid_t pid;

	if (transport_socketpair(t, &peer) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		if (dup2(peer, CLIENT_SIGNER_FD) < 0)
			_exit(127);
		if (extra_fd >= 0 && fcntl(extra_fd, F_SETFD, 0) != 0)
			_exit(127);
		execve(COFFER_SIGNER_BIN, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	close(peer);
	return pid;
}

static int
wait_exit(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Open a sealed mnemonic with our reply key. */
static int
open_mnemonic(char *out, size_t outsize, const struct cbuf *box, const uint8_t pk[32], const uint8_t sk[32])
{
	if (box->len <= crypto_box_SEALBYTES || box->len - crypto_box_SEALBYTES >= outsize)
		return -1;
	if (crypto_box_seal_open((uint8_t *)out, box->p, box->len, pk, sk) != 0)
		return -1;
	out[box->len - crypto_box_SEALBYTES] = '\0';
	return 0;
}

/* --- states and permissions ---------------------------------------------------- */

static void
test_fresh_status(void)
{
	struct signer_client c;
	struct client_status st;
	struct client_attestation at;
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN], nonce[32], zero[32] = { 0 };
	char dir[64];

	test_tmpdir(dir);
	CHECK_OK(spawn(&c, dir));
	CHECK(c.version == PROTO_VERSION && strncmp(c.software, "coffer-signer ", 14) == 0);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNINITIALIZED && st.network == BTC_REGTEST && st.session_left == 0);
	CHECK_STREQ(st.tee, "none");
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	CHECK(memcmp(pk, st.unlock_pubkey, 32) == 0 && memcmp(pk, zero, 32) != 0);
	memset(nonce, 0x5c, 32);
	CHECK_OK(client_attestation(&c, &at, nonce));
	CHECK_STREQ(at.backend, "none");
	CHECK(strncmp(at.statement, "no TEE", 6) == 0 && at.evidence.len == 0);
	CHECK(memcmp(at.unlock_pubkey, pk, 32) == 0);
	cbuf_free(&at.evidence);
	client_close(&c);
	CHECK(WIFEXITED(c.exit_status) && WEXITSTATUS(c.exit_status) == 0);
	/* each process makes its own unlock key */
	CHECK_OK(spawn(&c, dir));
	CHECK_OK(client_get_unlock_key(&c, nonce, ch));
	CHECK(memcmp(nonce, pk, 32) != 0);
	client_close(&c);
	test_rmtree(dir);
}

/* A message not permitted in the state: an error naming it, then the
 * connection ends and the signer exits with status 1. */
static void
check_not_permitted(const char *dir, int which)
{
	struct signer_client c;
	struct client_descriptors d;
	struct client_sign_result res;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"pw", 2), none = client_secret_none();
	struct cbuf out;
	uint8_t key[32];
	int r = 0;

	cbuf_init(&out, 0);
	if (spawn(&c, dir) != 0) {
		CHECK(0);
		return;
	}
	switch (which) {
	case 0:
		r = client_unlock(&c, &pw, 0);
		break;
	case 1:
		r = client_descriptors(&c, &d, 0);
		break;
	case 2:
		r = client_sign_psbt(&c, &out, &res, &none, (const uint8_t *)"psbt\xff", 5);
		break;
	case 3:
		r = client_storage_key(&c, key);
		break;
	case 4:
		r = client_create(&c, &out, &pw, 12, &none, NULL);
		break;
	}
	CHECK_RC(r, COFFER_ERR_SIGNER_NOT_PERMITTED);
	CHECK_MSG(strstr(c.reason, "not permitted while") != NULL, "reason: %s", c.reason);
	CHECK_RC(client_lock(&c), COFFER_ERR_SIGNER_CLOSED);
	client_close(&c);
	CHECK(WIFEXITED(c.exit_status) && WEXITSTATUS(c.exit_status) == 1);
	cbuf_free(&out);
}

static void
test_uninitialized_permissions(void)
{
	char dir[64];
	int i;

	test_tmpdir(dir);
	for (i = 0; i < 4; i++)
		check_not_permitted(dir, i);
	test_rmtree(dir);
}

/* --- the main round trip -------------------------------------------------------------- */

static void
check_sandboxed(pid_t pid)
{
	char v[256], path[64];
	struct stat st;

	test_status_field(v, sizeof(v), pid, "Seccomp");
	CHECK_STREQ(v, "2");
	test_status_field(v, sizeof(v), pid, "NoNewPrivs");
	CHECK_STREQ(v, "1");
	/* not dumpable: the kernel then gives its /proc files to root, not to
	 * the process's own uid (proc(5), PR_SET_DUMPABLE) */
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	test_status_field(v, sizeof(v), pid, "Uid");
	CHECK(stat(path, &st) == 0 && st.st_uid == 0);
	CHECK_MSG(geteuid() != 0 || atoi(v) != 0, "the signer kept uid 0");
}

static void
test_lifecycle(void)
{
	struct signer_client c;
	struct client_status st;
	struct client_descriptors d;
	struct client_sign_result res;
	struct test_wallet_keys k;
	struct proto_secret pw, sealed, bad_sealed, none = client_secret_none();
	struct cbuf box, sbox, wbox, psbt, signed_psbt, other;
	struct psbt p;
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN], ch2[PROTO_CHALLENGE_LEN], mypk[32], mysk[32], otherpk[32],
	    othersk[32], seed[64], key[32], want[32];
	struct cbuf replay;
	char dir[64], mn[BIP39_MNEMONIC_BUFSIZE], xpub[BIP32_XKEY_BUFSIZE];
	struct bip32_key *m, *a;
	uint32_t path[3] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, BIP32_HARDENED };
	size_t words, i, n_final;

	test_tmpdir(dir);
	cbuf_init_secret(&box, 0);
	cbuf_init(&sbox, 0);
	cbuf_init(&wbox, 0);
	cbuf_init(&psbt, 0);
	cbuf_init(&signed_psbt, 0);
	cbuf_init(&other, 0);
	crypto_box_keypair(mypk, mysk);
	crypto_box_keypair(otherpk, othersk);
	pw = client_secret_plain((const uint8_t *)"correct horse", 13);

	cbuf_init(&replay, 0);
	CHECK_OK(spawn(&c, dir));
	check_sandboxed(c.pid);
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	/* create: the passphrase sealed to the signer, the mnemonic sealed to us */
	CHECK_OK(client_seal(&sbox, pk, ch, (const uint8_t *)"correct horse", 13));
	sealed = client_secret_sealed(sbox.p, sbox.len);
	CHECK_RC(client_create(&c, &box, &sealed, 15, &none, mypk), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_OK(client_create(&c, &box, &sealed, 24, &none, mypk));
	/* the challenge was spent: the same box again is refused as a replay */
	CHECK_OK(client_get_unlock_key(&c, pk, ch2));
	CHECK(memcmp(ch, ch2, sizeof(ch)) != 0);
	CHECK(open_mnemonic(mn, sizeof(mn), &box, mypk, mysk) == 0);
	CHECK_OK(bip39_mnemonic_check(mn));
	for (words = 1, i = 0; mn[i] != '\0'; i++)
		words += mn[i] == ' ';
	CHECK(words == 24);
	CHECK_OK(bip39_mnemonic_to_seed(seed, mn, ""));
	CHECK_OK(test_derive_keys(&k, seed, 0));
	/* created, and locked until unlocked */
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	client_close(&c);

	/* a new process: the keystore persists; create again is not permitted,
	 * and while locked neither is the storage key, signing or descriptors */
	check_not_permitted(dir, 4);
	check_not_permitted(dir, 3);
	check_not_permitted(dir, 2);
	check_not_permitted(dir, 1);
	CHECK_OK(spawn(&c, dir));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	/* wrong passphrase and a box sealed to the wrong key: refused, connection kept */
	CHECK_RC(client_unlock(&c, &(struct proto_secret){ PROTO_SECRET_PLAIN, (const uint8_t *)"wrong", 5 }, 0),
	    COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	CHECK_OK(client_seal(&wbox, otherpk, ch, (const uint8_t *)"correct horse", 13));
	bad_sealed = client_secret_sealed(wbox.p, wbox.len);
	CHECK_RC(client_unlock(&c, &bad_sealed, 0), COFFER_ERR_SIGNER_SEALED);
	/* the old process's sealed box does not open here either (fresh unlock key) */
	CHECK_RC(client_unlock(&c, &sealed, 0), COFFER_ERR_SIGNER_SEALED);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	cbuf_reset(&sbox);
	CHECK_OK(client_seal(&sbox, pk, ch, (const uint8_t *)"correct horse", 13));
	sealed = client_secret_sealed(sbox.p, sbox.len);
	CHECK_OK(client_unlock(&c, &sealed, 0));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED && st.session_left == 0);
	/* a relay that kept the box cannot use it again: one challenge, one use */
	CHECK_OK(client_lock(&c));
	CHECK_RC(client_unlock(&c, &sealed, 0), COFFER_ERR_SIGNER_SEALED);
	CHECK(strstr(c.reason, "challenge") != NULL);
	/* a box for a challenge the signer never gave is refused too */
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	ch[0] ^= 1;
	CHECK_OK(client_seal(&replay, pk, ch, (const uint8_t *)"correct horse", 13));
	CHECK_RC(client_unlock(&c, &(struct proto_secret){ PROTO_SECRET_SEALED, replay.p, replay.len }, 0),
	    COFFER_ERR_SIGNER_SEALED);
	ch[0] ^= 1;
	cbuf_reset(&sbox);
	CHECK_OK(client_seal(&sbox, pk, ch, (const uint8_t *)"correct horse", 13));
	sealed = client_secret_sealed(sbox.p, sbox.len);
	CHECK_OK(client_unlock(&c, &sealed, 0));

	/* descriptors match what we derive from the mnemonic ourselves */
	CHECK_OK(client_descriptors(&c, &d, 0));
	CHECK(d.n == 3 && memcmp(d.fingerprint, k.fp, 4) == 0);
	m = bip32_key_new();
	a = bip32_key_new();
	CHECK_OK(bip32_master_from_seed(m, seed, 64, BTC_REGTEST));
	CHECK_OK(bip32_derive_path(a, m, path, 3));
	CHECK_OK(bip32_xpub_encode(xpub, a));
	CHECK(d.d[0].type == PROTO_ACCOUNT_WPKH);
	CHECK_STREQ(d.d[0].xpub, xpub);
	CHECK(strncmp(d.d[0].descriptor, "wpkh([", 6) == 0 && strstr(d.d[0].descriptor, xpub) != NULL &&
	    strstr(d.d[0].descriptor, "/84h/1h/0h]") != NULL && strstr(d.d[0].descriptor, "/<0;1>/*)#") != NULL);
	CHECK(strncmp(d.d[1].descriptor, "tr([", 4) == 0 && strncmp(d.d[2].descriptor, "sh(wpkh([", 9) == 0);
	bip32_key_free(m);
	bip32_key_free(a);
	CHECK_RC(client_descriptors(&c, &d, BIP32_HARDENED), COFFER_ERR_INVALID_ARG);

	/* the storage key is HKDF(seed, "coffer/v1/storage-key") */
	CHECK_OK(client_storage_key(&c, key));
	CHECK_OK(kdf_storage_key(want, seed));
	CHECK(memcmp(key, want, 32) == 0);

	/* sign: our two inputs get signatures that verify; the foreign one none */
	CHECK_OK(test_make_psbt(&psbt, &k));
	CHECK_OK(client_sign_psbt(&c, &signed_psbt, &res, &none, psbt.p, psbt.len));
	CHECK(res.inputs_signed == 2 && res.signatures == 2 && res.fee == 20000);
	CHECK_OK(psbt_parse(&p, signed_psbt.p, signed_psbt.len));
	CHECK(psbt_map_count_type(&p.in[0].map, PSBT_IN_PARTIAL_SIG) == 1);
	CHECK(psbt_map_find(&p.in[1].map, PSBT_IN_TAP_KEY_SIG, NULL, 0) != NULL);
	CHECK(psbt_map_count_type(&p.in[2].map, PSBT_IN_PARTIAL_SIG) == 0);
	/* the finaliser uses only signatures that verify against the sighash */
	CHECK_RC(psbt_finalize(&p, &n_final), COFFER_ERR_PSBT_CANNOT_FINALIZE);
	CHECK(n_final == 2 && psbt_input_is_final(&p, 0) && psbt_input_is_final(&p, 1));
	psbt_free(&p);
	/* a malformed PSBT is refused with a reason, the session goes on */
	CHECK_RC(client_sign_psbt(&c, &other, &res, &none, (const uint8_t *)"psbt\xff\x01", 6),
	    COFFER_ERR_TRUNCATED);
	CHECK(strstr(c.reason, "PSBT") != NULL);

	/* per-signature passphrase: wrong one refuses, right one signs */
	cbuf_reset(&other);
	CHECK_RC(client_sign_psbt(&c, &other, &res,
	    &(struct proto_secret){ PROTO_SECRET_PLAIN, (const uint8_t *)"nope", 4 }, psbt.p, psbt.len),
	    COFFER_ERR_KS_WRONG_PASSPHRASE);
	cbuf_reset(&sbox);
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	CHECK_OK(client_seal(&sbox, pk, ch, (const uint8_t *)"correct horse", 13));
	sealed = client_secret_sealed(sbox.p, sbox.len);
	CHECK_OK(client_sign_psbt(&c, &other, &res, &sealed, psbt.p, psbt.len));
	CHECK(res.inputs_signed == 2);
	/* ... and a per-signature passphrase cannot be replayed for another signature */
	CHECK_RC(client_sign_psbt(&c, &other, &res, &sealed, psbt.p, psbt.len), COFFER_ERR_SIGNER_SEALED);

	/* lock: signing is no longer permitted */
	CHECK_OK(client_lock(&c));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	CHECK_RC(client_sign_psbt(&c, &other, &res, &none, psbt.p, psbt.len), COFFER_ERR_SIGNER_NOT_PERMITTED);
	client_close(&c);

	/* a session timeout locks by itself, even with no request arriving */
	CHECK_OK(spawn(&c, dir));
	CHECK_OK(client_unlock(&c, &pw, 100));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED && st.session_left >= 99 && st.session_left <= 100);
	CHECK_OK(client_unlock(&c, &pw, 1));
	sleep(2);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED && st.session_left == 0);
	client_close(&c);

	secure_wipe(seed, sizeof(seed));
	secure_wipe(mn, sizeof(mn));
	cbuf_free(&box);
	cbuf_free(&sbox);
	cbuf_free(&wbox);
	cbuf_free(&replay);
	cbuf_free(&psbt);
	cbuf_free(&signed_psbt);
	cbuf_free(&other);
	test_rmtree(dir);
}

static void
test_restore(void)
{
	static const char vector[] = "abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon about";
	static const char typed[] = "  Abandon abandon ABANDON abandon abandon abandon\tabandon abandon "
	    "abandon abandon abandon  about\n";
	struct signer_client c;
	struct client_descriptors d;
	struct client_status st;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"pw", 2), none = client_secret_none();
	struct proto_secret mn;
	char dir[64], path[128];

	(void)vector;
	test_tmpdir(dir);
	/* a state file that cannot be written: the restore is undone, not half-done */
	snprintf(path, sizeof(path), "%s/signer", dir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/signer/state", dir);
	CHECK(mkdir(path, 0755) == 0);
	mn = client_secret_plain((const uint8_t *)typed, sizeof(typed) - 1);
	CHECK_OK(spawn(&c, dir));
	CHECK(client_restore(&c, &pw, &mn, &none) != 0);
	CHECK_MSG(strstr(c.reason, "nothing was created") != NULL, "reason: %s", c.reason);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNINITIALIZED);
	client_close(&c);
	snprintf(path, sizeof(path), "%s/signer/keystore", dir);
	CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/signer/state", dir);
	CHECK(rmdir(path) == 0);
	mn = client_secret_plain((const uint8_t *)"abandon abandon", 15);
	CHECK_OK(spawn(&c, dir));
	CHECK_RC(client_restore(&c, &pw, &mn, &none), COFFER_ERR_MNEMONIC_LENGTH);
	mn = client_secret_plain((const uint8_t *)typed, sizeof(typed) - 1);
	CHECK_OK(client_restore(&c, &pw, &mn, &none));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	CHECK_OK(client_unlock(&c, &pw, 0));
	CHECK_OK(client_descriptors(&c, &d, 0));
	/* BIP84's test mnemonic: master fingerprint 73c5da0a */
	CHECK_HEX(d.fingerprint, 4, "73c5da0a");
	CHECK(strstr(d.d[0].descriptor, "[73c5da0a/84h/1h/0h]tpub") != NULL);
	client_close(&c);
	test_rmtree(dir);
}

/* --- hostile frames --------------------------------------------------------------------- */

static int
read_error(struct transport *t, int32_t *code)
{
	uint8_t buf[512], type;
	struct proto_error e;
	size_t n;
	int r;

	*code = 0;
	if ((r = transport_read_frame(t, &type, buf, sizeof(buf), &n)) != 0)
		return r;
	if (type != PROTO_ERROR || proto_error_decode(&e, buf, n) != 0)
		return -1;
	*code = e.code;
	return 0;
}

static void
hello(struct transport *t)
{
	uint8_t buf[128], type;
	size_t n;

	CHECK_OK(transport_write_frame(t, PROTO_HELLO, (const uint8_t *)"CFSG\x01\x00\x01\x00", 8));
	CHECK_OK(transport_read_frame(t, &type, buf, sizeof(buf), &n));
	CHECK(type == PROTO_REPLY(PROTO_HELLO));
}

static void
hostile_case(const char *dir, int which)
{
	static char *const envp[] = { NULL };
	uint8_t buf[16], type, hdr[5];
	struct transport t;
	int32_t code = 0;
	size_t n;
	pid_t pid;
	int st;

	pid = spawn_raw(&t, dir, envp, -1);
	switch (which) {
	case 0:	/* something else before the handshake */
		CHECK_OK(transport_write_frame(&t, PROTO_STATUS, NULL, 0));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_PROTOCOL);
		break;
	case 1:	/* no common version */
		CHECK_OK(transport_write_frame(&t, PROTO_HELLO, (const uint8_t *)"CFSG\x02\x00\x09\x00", 8));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_VERSION);
		break;
	case 2:	/* a 1 MiB frame announced while locked: refused from the header */
		hello(&t);
		CHECK_OK(proto_header_encode(hdr, PROTO_STATUS, (size_t)1 << 20));
		CHECK(send(t.fd, hdr, 5, MSG_NOSIGNAL) == 5);
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_FRAME_SIZE);
		break;
	case 3:	/* unknown message type */
		hello(&t);
		CHECK_OK(transport_write_frame(&t, 0x42, NULL, 0));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_UNKNOWN_MSG);
		break;
	case 4:	/* a body where none belongs (over the message's own cap) */
		hello(&t);
		CHECK_OK(transport_write_frame(&t, PROTO_GET_UNLOCK_KEY, (const uint8_t *)"xx", 2));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_FRAME_SIZE);
		break;
	case 5:	/* a malformed body (attestation wants a 32-byte nonce) */
		hello(&t);
		CHECK_OK(transport_write_frame(&t, PROTO_ATTESTATION, (const uint8_t *)"\x01\x05pw", 4));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_TRUNCATED);
		break;
	case 6:	/* a second hello */
		hello(&t);
		CHECK_OK(transport_write_frame(&t, PROTO_HELLO, (const uint8_t *)"CFSG\x01\x00\x01\x00", 8));
		CHECK_OK(read_error(&t, &code));
		CHECK(code == COFFER_ERR_SIGNER_UNKNOWN_MSG);
		break;
	}
	/* ... and the connection is over: end of stream, the signer exits 1 */
	CHECK_RC(transport_read_frame(&t, &type, buf, sizeof(buf), &n), COFFER_ERR_SIGNER_CLOSED);
	transport_close(&t);
	st = wait_exit(pid);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "case %d: status %#x", which, st);
}

static void
test_hostile_frames(void)
{
	char dir[64];
	int i;

	test_tmpdir(dir);
	for (i = 0; i <= 6; i++)
		hostile_case(dir, i);
	test_rmtree(dir);
}

/* --- the sandbox, from outside ---------------------------------------------------------- */

/* In a child running as `uid`: can it open /proc/pid/mem, or attach with ptrace? */
static int
can_peek_as(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64];
	pid_t c;
	int st, fd;

	if ((c = fork()) == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(3);
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd >= 0)
			_exit(1);
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0)
			_exit(2);
		_exit(errno == EPERM || errno == EACCES ? 0 : 4);
	}
	st = wait_exit(c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 5;
}

static void
test_sandbox(void)
{
	char *envp[] = { "COFFER_SECRET_CANARY=do-not-leak-7f3a", "PATH=/usr/bin", NULL };
	struct signer_client c;
	struct transport t;
	struct passwd *pw;
	struct dirent *de;
	char dir[64], path[128], v[256], buf[4096], root[PATH_MAX], want_root[PATH_MAX];
	int extra, fds, others, st;
	ssize_t n, i;
	pid_t pid, sleeper;
	DIR *d;

	test_tmpdir(dir);
	/* an inherited descriptor that must not survive into the signer */
	snprintf(path, sizeof(path), "%s/inherited", dir);
	extra = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(extra >= 0);
	pid = spawn_raw(&t, dir, envp, extra);
	close(extra);
	CHECK(client_attach(&c, &t) == 0);
	c.pid = pid;

	check_sandboxed(pid);
	test_status_field(v, sizeof(v), pid, "CapEff");
	if (geteuid() == 0) {
		CHECK_STREQ(v, "0000000000000000");
		test_status_field(v, sizeof(v), pid, "Uid");
		/* dropped to its dedicated user, which nothing else runs as */
		pw = test_signer_user();
		CHECK(pw != NULL && (unsigned)atoi(v) == pw->pw_uid && atoi(v) != 0);
		test_status_field(v, sizeof(v), pid, "Gid");
		CHECK(pw != NULL && (unsigned)atoi(v) == pw->pw_gid && atoi(v) != 0);
		test_status_field(v, sizeof(v), pid, "Groups");
		CHECK_STREQ(v, "");
		/* chrooted into its directory */
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		n = readlink(path, root, sizeof(root) - 1);
		CHECK(n > 0);
		root[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "%s/signer", dir);
		CHECK(realpath(path, want_root) != NULL);
		CHECK_STREQ(root, want_root);
		/* not dumpable: the same unprivileged user cannot read its memory or
		 * trace it, while it can for an ordinary process of that user */
		CHECK_MSG(can_peek_as(pid, pw->pw_uid, pw->pw_gid) == 0, "signer memory readable by its own uid");
		if ((sleeper = fork()) == 0) {
			/* exec makes it dumpable again after the uid change */
			if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
				_exit(3);
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
			_exit(3);
		}
		usleep(100 * 1000);
		CHECK_MSG(can_peek_as(sleeper, pw->pw_uid, pw->pw_gid) == 1, "control: dumpable process not readable");
		kill(sleeper, SIGKILL);
		wait_exit(sleeper);
	} else {
		printf("skipped: privilege drop, chroot and same-uid memory checks need root\n");
	}
	/* no core files */
	CHECK(test_read_proc(buf, sizeof(buf), pid, "limits") > 0);
	CHECK(strstr(buf, "Max core file size        0                    0") != NULL);
	/* descriptors: stdin, stdout, stderr and the transport, nothing else */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fds = others = 0;
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			fds++;
			if (atoi(de->d_name) > CLIENT_SIGNER_FD)
				others++;
		}
		closedir(d);
	}
	CHECK_MSG(fds == 4 && others == 0, "signer has %d descriptors, %d unexpected", fds, others);
	/* the environment it was given is wiped */
	n = test_read_proc(buf, sizeof(buf), pid, "environ");
	CHECK(n >= 0);
	for (i = 0, st = 0; i < n; i++)
		st |= buf[i] != '\0';
	CHECK_MSG(st == 0, "/proc/PID/environ is not empty");
	CHECK(memmem(buf, (size_t)(n > 0 ? n : 0), "do-not-leak", 11) == NULL);
	client_close(&c);
	CHECK(WIFEXITED(c.exit_status) && WEXITSTATUS(c.exit_status) == 0);
	test_rmtree(dir);
}

/* Standalone on a unix socket: the session survives reconnects. */
static void
test_unix_listener(void)
{
	struct signer_client c;
	struct client_status st;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"pw", 2), none = client_secret_none();
	struct cbuf mn;
	char dir[64], sock[128];
	struct stat sb;
	pid_t pid;
	int i, r;

	test_tmpdir(dir);
	snprintf(sock, sizeof(sock), "%s/signer.sock", dir);
	if ((pid = fork()) == 0) {
		static char *const envp[] = { NULL };
		const char *argv[] = { COFFER_SIGNER_BIN, "--datadir", dir, "--network", "regtest",
			"--listen-unix", sock, "--kdf-memory", "8192", "--kdf-passes", "1",
			"--socket-group", "nogroup", NULL };

		execve(COFFER_SIGNER_BIN, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	for (i = 0; i < 500 && stat(sock, &sb) != 0; i++)
		usleep(10 * 1000);
	cbuf_init_secret(&mn, 0);
	/* the socket file exists from bind(); listen() follows */
	for (i = 0; i < 100 && (r = client_connect_unix(&c, sock)) != 0; i++)
		usleep(20 * 1000);
	CHECK_OK(r);
	/* mode 0660, group nogroup: the daemon's group may connect, nobody else */
	CHECK(stat(sock, &sb) == 0 && (sb.st_mode & 0777) == 0660 && getgrnam("nogroup") != NULL &&
	    sb.st_gid == getgrnam("nogroup")->gr_gid);
	if (r == 0) {
		CHECK_OK(client_create(&c, &mn, &pw, 12, &none, NULL));
		CHECK_OK(bip39_mnemonic_check((const char *)mn.p));
		CHECK_OK(client_unlock(&c, &pw, 0));
		client_close(&c);
		CHECK_OK(client_connect_unix(&c, sock));
		CHECK_OK(client_status(&c, &st));
		CHECK(st.state == PROTO_STATE_UNLOCKED);
		check_sandboxed(pid);
		client_close(&c);
	}
	kill(pid, SIGKILL);
	wait_exit(pid);
	cbuf_free(&mn);
	test_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "fresh_status", test_fresh_status },
	{ "uninitialized_permissions", test_uninitialized_permissions },
	{ "lifecycle", test_lifecycle },
	{ "restore", test_restore },
	{ "hostile_frames", test_hostile_frames },
	{ "sandbox", test_sandbox },
	{ "unix_listener", test_unix_listener },
};

TEST_MAIN(tests)
