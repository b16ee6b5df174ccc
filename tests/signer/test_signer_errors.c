/*
 * Keystore and sealed-state errors through the real coffer-signer: a wrong
 * passphrase, a truncated, foreign, tampered (ciphertext or header) or
 * future-version keystore, and a missing or tampered state file each give
 * their own error code on unlock; the signer starts and stays locked, create
 * is not permitted, and nothing on disk changes. Putting the good files back
 * unlocks again.
 */
#include "signer_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"

#include "btc/hash.h"
#include "signer/client.h"
#include "signer/keystore.h"
#include "signer/state.h"

static const struct client_spawn_opts spawn_opts = {
	"regtest", NULL, TEST_KDF_KIB, TEST_KDF_PASSES, NULL, NULL, NULL, NULL,
};

static const struct proto_secret pw = { PROTO_SECRET_PLAIN, (const uint8_t *)"pw", 2 };

/* Read a whole small file. Returns its length, or -1. */
static long
slurp(uint8_t *buf, size_t size, const char *path)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* Replace a file's contents (as root: the signer's user owns it). */
static int
spew(const char *path, const uint8_t *p, size_t n)
{
	int fd, ok;

	if ((fd = open(path, O_WRONLY | O_TRUNC)) < 0)
		return -1;
	ok = write(fd, p, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * One broken file: the signer starts locked, unlock gives `want`, create is
 * not permitted (that ends the connection), and the file is unchanged.
 */
static void
check_unlock_fails(const char *dir, const char *path, const struct proto_secret *pass, int want,
    const char *what)
{
	struct signer_client c;
	struct client_status st;
	struct proto_secret none = client_secret_none();
	uint8_t before[STATE_FILE_MAX > 4096 ? 4096 : STATE_FILE_MAX], after[sizeof(before)];
	long nb, na;
	struct cbuf mn;
	int r;

	cbuf_init_secret(&mn, 0);
	nb = slurp(before, sizeof(before), path);
	if ((r = client_spawn_signer(&c, COFFER_SIGNER_BIN, dir, &spawn_opts)) != 0) {
		CHECK_MSG(0, "%s: the signer does not start (%d)", what, r);
		return;
	}
	CHECK_OK(client_status(&c, &st));
	CHECK_MSG(st.state == PROTO_STATE_LOCKED, "%s: state %u", what, st.state);
	r = client_unlock(&c, pass, 0);
	CHECK_MSG(r == want, "%s: unlock gave %d (%s), want %d (%s); reason '%s'", what, r, coffer_err_name(r),
	    want, coffer_err_name(want), c.reason);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	CHECK_RC(client_create(&c, &mn, pass, 12, &none, NULL), COFFER_ERR_SIGNER_NOT_PERMITTED);
	client_close(&c);
	na = slurp(after, sizeof(after), path);
	CHECK_MSG(na == nb && (nb < 0 || memcmp(before, after, (size_t)nb) == 0), "%s: the file changed", what);
	cbuf_free(&mn);
}

static void
test_keystore_and_state_errors(void)
{
	struct signer_client c;
	struct proto_secret none = client_secret_none();
	struct proto_secret wrong = { PROTO_SECRET_PLAIN, (const uint8_t *)"pW", 2 };
	uint8_t ks[KS_FILE_LEN + 64], bad[sizeof(ks)], stf[4096], h[32];
	char dir[64], kspath[128], stpath[128], moved[160];
	struct cbuf mn;
	long kslen, stlen;

	test_tmpdir(dir);
	cbuf_init_secret(&mn, 0);
	CHECK_OK(client_spawn_signer(&c, COFFER_SIGNER_BIN, dir, &spawn_opts));
	CHECK_OK(client_create(&c, &mn, &pw, 12, &none, NULL));
	client_close(&c);
	snprintf(kspath, sizeof(kspath), "%s/signer/%s", dir, KS_FILE);
	snprintf(stpath, sizeof(stpath), "%s/signer/%s", dir, STATE_FILE);
	kslen = slurp(ks, sizeof(ks), kspath);
	stlen = slurp(stf, sizeof(stf), stpath);
	CHECK(kslen == KS_FILE_LEN && stlen > STATE_HEADER_LEN);
	if (kslen != KS_FILE_LEN || stlen <= STATE_HEADER_LEN)
		goto out;

	check_unlock_fails(dir, kspath, &wrong, COFFER_ERR_KS_WRONG_PASSPHRASE, "wrong passphrase");
	/* truncated: one byte short, and a proper prefix of the magic */
	CHECK_OK(spew(kspath, ks, KS_FILE_LEN - 1));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_TRUNCATED, "truncated keystore");
	CHECK_OK(spew(kspath, ks, 4));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_TRUNCATED, "keystore cut inside the magic");
	/* foreign: another magic */
	memcpy(bad, ks, KS_FILE_LEN);
	memcpy(bad, "NOTMINE!", KS_MAGIC_LEN);
	CHECK_OK(spew(kspath, bad, KS_FILE_LEN));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_FOREIGN, "foreign file");
	/* tampered: a ciphertext byte, then a header byte (salt) */
	memcpy(bad, ks, KS_FILE_LEN);
	bad[KS_FILE_LEN - 20] ^= 0x01;
	CHECK_OK(spew(kspath, bad, KS_FILE_LEN));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_TAMPERED, "tampered ciphertext");
	memcpy(bad, ks, KS_FILE_LEN);
	bad[30] ^= 0x01;
	CHECK_OK(spew(kspath, bad, KS_FILE_LEN));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_TAMPERED, "tampered header");
	/* a future version, with a header checksum that matches */
	memcpy(bad, ks, KS_FILE_LEN);
	bad[8] = KS_VERSION + 1;
	sha256(h, bad, KS_HEADER_LEN - KS_CHECK_LEN);
	memcpy(bad + KS_HEADER_LEN - KS_CHECK_LEN, h, KS_CHECK_LEN);
	CHECK_OK(spew(kspath, bad, KS_FILE_LEN));
	check_unlock_fails(dir, kspath, &pw, COFFER_ERR_KS_VERSION, "future keystore version");
	CHECK_OK(spew(kspath, ks, KS_FILE_LEN));

	/* the sealed state: tampered, then missing (unlock never recreates it:
	 * that would reset the policy and the 24-hour ledger) */
	memcpy(bad, stf, (size_t)stlen);
	bad[stlen - 1] ^= 0x01;
	CHECK_OK(spew(stpath, bad, (size_t)stlen));
	check_unlock_fails(dir, stpath, &pw, COFFER_ERR_STATE_TAMPERED, "tampered state");
	CHECK_OK(spew(stpath, stf, (size_t)stlen));
	snprintf(moved, sizeof(moved), "%s.away", stpath);
	CHECK(rename(stpath, moved) == 0);
	check_unlock_fails(dir, stpath, &pw, COFFER_ERR_STATE_MISSING, "missing state");
	CHECK(rename(moved, stpath) == 0);

	/* everything back: unlocks */
	CHECK_OK(client_spawn_signer(&c, COFFER_SIGNER_BIN, dir, &spawn_opts));
	CHECK_OK(client_unlock(&c, &pw, 0));
	client_close(&c);
out:
	cbuf_free(&mn);
	test_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "keystore_and_state_errors", test_keystore_and_state_errors },
};

TEST_MAIN(tests)
