/*
 * Crash safety of the signer's files. A child process rewrites a file over
 * and over and the parent SIGKILLs it, either at each named step inside
 * fileio_write_atomic (through the test hook) or after random short delays;
 * after every kill the file must hold exactly the old or the new contents,
 * never neither and never a mix, and the next write must clear the debris.
 * Then the same for the keystore (passphrase changes) and the sealed state
 * (whose sequence number must never go backwards).
 *
 * COFFER_CRASH_SEED=<n> repeats a run's random delays; COFFER_CRASH_ROUNDS
 * sets the number of kills per random test (default 100).
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>

#include "common/secmem.h"
#include "signer/fileio.h"
#include "signer/keystore.h"
#include "signer/state.h"
#include "store_util.h"

#define BIG (256u * 1024u)

static const struct ks_kdf_params fast = { 1, 8 };
static enum fileio_step kill_at;
static unsigned rng_state;

static unsigned
rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static void
rng_init(void)
{
	const char *s = getenv("COFFER_CRASH_SEED");

	rng_state = s != NULL ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
	printf("crash test seed: COFFER_CRASH_SEED=%u\n", rng_state);
}

static int
rounds(void)
{
	const char *s = getenv("COFFER_CRASH_ROUNDS");

	return s != NULL ? atoi(s) : 100;
}

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/*
 * Kill delays span about three runs of the child's loop body as timed here,
 * so that on a fast or a loaded machine alike the kills land before, inside
 * and between operations (a fixed range would miss on one or the other).
 */
static unsigned
delay_range(double one_op_us)
{
	double r = 3 * one_op_us;

	return r < 2000 ? 2000u : r > 2e6 ? 2000000u : (unsigned)r;
}

static void
kill_hook(enum fileio_step s)
{
	if (s == kill_at)
		raise(SIGKILL);
}

/* Fork; the child runs fn(arg) (which should never return); the parent gets its pid. */
static pid_t
spawn(void (*fn)(const char *), const char *dir)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		fn(dir);
		_exit(3);
	}
	return pid;
}

/* SIGKILL pid after delay_us microseconds; 1 when it died of that kill. */
static int
kill_after(pid_t pid, unsigned delay_us)
{
	int status;

	if (delay_us > 0)
		usleep(delay_us);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static void
fill(uint8_t *p, size_t n, uint8_t tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(tag ^ (i * 31u) ^ (i >> 9));
}

static void
test_fileio_basics(void)
{
	uint8_t a[100], b[50];
	struct cbuf out;
	char dir[256], path[400], name[FILEIO_NAME_MAX + 2];
	struct stat st;
	mode_t old;
	int fd, fd2;

	su_mkdtemp(dir, sizeof(dir));
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	cbuf_init(&out, 0);
	CHECK(fileio_exists(dir, "f") == 0);
	CHECK_RC(fileio_read(&out, dir, "f", 1000), COFFER_ERR_NOT_FOUND);
	old = umask(0);	/* the file is 0600 whatever the umask */
	CHECK_OK(fileio_write_atomic(dir, "f", a, sizeof(a)));
	umask(old);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fileio_exists(dir, "f") == 1);
	CHECK_OK(fileio_read(&out, dir, "f", 1000));
	CHECK(out.len == sizeof(a) && memcmp(out.p, a, sizeof(a)) == 0);
	CHECK_RC(fileio_read(&out, dir, "f", 99), COFFER_ERR_TOO_LARGE);
	CHECK(out.len == 0);
	CHECK_OK(fileio_write_atomic(dir, "f", b, sizeof(b)));
	CHECK(su_equals(dir, "f", b, sizeof(b)));
	CHECK_OK(fileio_write_atomic(dir, "empty", NULL, 0));
	CHECK(su_equals(dir, "empty", a, 0));
	/* Create-only never replaces. */
	CHECK_RC(fileio_create_atomic(dir, "f", a, sizeof(a)), COFFER_ERR_FILE_EXISTS);
	CHECK(su_equals(dir, "f", b, sizeof(b)));
	CHECK_OK(fileio_create_atomic(dir, "g", a, sizeof(a)));
	CHECK(su_equals(dir, "g", a, sizeof(a)));
	CHECK(su_count_prefix(dir, ".") == 2);	/* no temporaries left behind */
	/* Names are plain names. */
	memset(name, 'n', sizeof(name));
	name[FILEIO_NAME_MAX + 1] = '\0';
	CHECK_RC(fileio_write_atomic(dir, name, a, 1), COFFER_ERR_INVALID_ARG);
	name[FILEIO_NAME_MAX] = '\0';
	CHECK_OK(fileio_write_atomic(dir, name, a, 1));
	CHECK_RC(fileio_write_atomic(dir, "", a, 1), COFFER_ERR_INVALID_ARG);
	CHECK_RC(fileio_write_atomic(dir, ".hidden", a, 1), COFFER_ERR_INVALID_ARG);
	CHECK_RC(fileio_write_atomic(dir, "../escape", a, 1), COFFER_ERR_INVALID_ARG);
	CHECK_RC(fileio_read(&out, dir, "a/b", 10), COFFER_ERR_INVALID_ARG);
	CHECK_RC(fileio_write_atomic(dir, "f", NULL, 3), COFFER_ERR_INVALID_ARG);
	/* A symlink is not followed. */
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK(symlink("f", path) == 0);
	CHECK_RC(fileio_read(&out, dir, "link", 1000), COFFER_ERR_IO);
	CHECK(fileio_exists(dir, "link") == 1);
	/* Neither is a FIFO (and opening it does not block). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK_RC(fileio_read(&out, dir, "fifo", 1000), COFFER_ERR_IO);
	/* Directory rules. */
	CHECK_OK(fileio_dir_check(dir));
	chmod(dir, 0770);
	CHECK_RC(fileio_dir_check(dir), COFFER_ERR_SIGNER_DIR);
	CHECK_RC(fileio_dir_prepare(dir), COFFER_ERR_SIGNER_DIR);
	chmod(dir, 0700);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK_RC(fileio_dir_check(path), COFFER_ERR_SIGNER_DIR);	/* not a directory */
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK_RC(fileio_dir_check(path), COFFER_ERR_SIGNER_DIR);	/* missing */
	CHECK_OK(fileio_dir_prepare(path));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_OK(fileio_dir_prepare(path));	/* idempotent */
	rmdir(path);
	/* One writer per directory. */
	CHECK_OK(fileio_lock(&fd, dir));
	CHECK_RC(fileio_lock(&fd2, dir), COFFER_ERR_SIGNER_BUSY);
	CHECK(fd2 == -1);
	fileio_unlock(fd);
	CHECK_OK(fileio_lock(&fd2, dir));
	fileio_unlock(fd2);
	cbuf_free(&out);
	su_rmtree(dir);
}

/* Stale temporaries are removed by the next write of that name, and only those. */
static void
test_stale_cleanup(void)
{
	uint8_t a[10] = { 1 };
	unsigned removed;
	char dir[256], path[400];

	su_mkdtemp(dir, sizeof(dir));
	su_write(dir, ".f.tmp-0000000000000001", a, 3);
	su_write(dir, ".f.tmp-0000000000000002", a, 0);
	su_write(dir, ".g.tmp-0000000000000003", a, 3);
	su_write(dir, ".f.tmpx", a, 3);
	snprintf(path, sizeof(path), "%s/.f.tmp-dir", dir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK_OK(fileio_write_atomic(dir, "f", a, sizeof(a)));
	CHECK(su_count_prefix(dir, ".f.tmp-") == 1);	/* only the directory is left */
	CHECK(su_count_prefix(dir, ".g.tmp-") == 1 && su_count_prefix(dir, ".f.tmpx") == 1);
	CHECK_OK(fileio_cleanup_stale(&removed, dir, "g"));
	CHECK(removed == 1 && su_count_prefix(dir, ".g.tmp-") == 0);
	rmdir(path);
	su_rmtree(dir);
}

static const char *step_name[] = { "", "temp created", "half written", "written", "synced",
	"renamed", "dir synced" };

static int child_replace;
static uint8_t *child_new;

static void
child_write_once(const char *dir)
{
	fileio_set_test_hook(kill_hook);
	if (child_replace)
		(void)fileio_write_atomic(dir, "f", child_new, BIG);
	else
		(void)fileio_create_atomic(dir, "f", child_new, BIG);
}

/* Kill a writer at each step: before the rename the old file, after it the new. */
static void
test_crash_each_step(void)
{
	uint8_t *oldc = malloc(BIG), *newc = malloc(BIG);
	char dir[256];
	int s, mode;

	fill(oldc, BIG, 0x11);
	fill(newc, BIG, 0x22);
	child_new = newc;
	for (mode = 0; mode < 2; mode++) {
		child_replace = mode == 0;
		for (s = FILEIO_STEP_TEMP_CREATED; s <= FILEIO_STEP_DONE; s++) {
			int after = s >= FILEIO_STEP_RENAMED;
			pid_t pid;
			int status;

			su_mkdtemp(dir, sizeof(dir));
			if (child_replace)
				CHECK_OK(fileio_write_atomic(dir, "f", oldc, BIG));
			kill_at = (enum fileio_step)s;
			pid = spawn(child_write_once, dir);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "step %s", step_name[s]);
			if (child_replace)
				CHECK_MSG(su_equals(dir, "f", after ? newc : oldc, BIG),
				    "replace, killed at %s: want the %s file", step_name[s], after ? "new" : "old");
			else
				CHECK_MSG(after ? su_equals(dir, "f", newc, BIG) : fileio_exists(dir, "f") == 0,
				    "create, killed at %s", step_name[s]);
			/* A temporary survives a kill before the rename, none after. */
			CHECK_MSG(su_count_prefix(dir, ".f.tmp-") == (after ? 0 : 1), "debris at %s", step_name[s]);
			/* The next write recovers: it removes the debris and lands. */
			CHECK_OK(fileio_write_atomic(dir, "f", oldc, BIG));
			CHECK(su_count_prefix(dir, ".f.tmp-") == 0 && su_equals(dir, "f", oldc, BIG));
			su_rmtree(dir);
		}
	}
	printf("kills at each of %d steps, replace and create: file always old or new\n",
	    FILEIO_STEP_DONE);
	free(oldc);
	free(newc);
}

static uint8_t *raw_a, *raw_b;

static void
child_raw_loop(const char *dir)
{
	for (;;) {
		(void)fileio_write_atomic(dir, "f", raw_b, BIG);
		(void)fileio_write_atomic(dir, "f", raw_a, BIG);
	}
}

static void
test_crash_random_raw(void)
{
	char dir[256];
	int i, n = rounds(), olds = 0, news = 0, debris = 0, bad = 0;
	unsigned range;
	double t0;

	raw_a = malloc(BIG);
	raw_b = malloc(BIG);
	fill(raw_a, BIG, 0xa0);
	fill(raw_b, BIG, 0xb0);
	su_mkdtemp(dir, sizeof(dir));
	t0 = now_us();
	CHECK_OK(fileio_write_atomic(dir, "f", raw_a, BIG));
	range = delay_range(now_us() - t0);
	for (i = 0; i < n; i++) {
		pid_t pid = spawn(child_raw_loop, dir);
		int t;

		CHECK(kill_after(pid, rnd(range)));
		if (su_equals(dir, "f", raw_a, BIG))
			olds++;
		else if (su_equals(dir, "f", raw_b, BIG))
			news++;
		else
			bad++;
		t = su_count_prefix(dir, ".f.tmp-");
		CHECK(t == 0 || t == 1);	/* each write clears the last one's debris */
		debris += t;
	}
	CHECK_MSG(bad == 0, "%d of %d kills left neither version", bad, n);
	printf("random kills of a 256 KiB rewriter: %d, file A %d, file B %d, torn 0 (%d), "
	    "killed mid-write %d\n", n, olds, news, bad, debris);
	CHECK_OK(fileio_write_atomic(dir, "f", raw_a, BIG));
	CHECK(su_count_prefix(dir, ".f.tmp-") == 0);
	su_rmtree(dir);
	free(raw_a);
	free(raw_b);
}

static void
child_keystore_loop(const char *dir)
{
	for (;;) {
		if (ks_change_passphrase(dir, (const uint8_t *)"alpha", 5, (const uint8_t *)"beta", 4, NULL) != 0)
			(void)ks_change_passphrase(dir, (const uint8_t *)"beta", 4, (const uint8_t *)"alpha", 5,
			    NULL);
	}
}

static void
test_crash_random_keystore(void)
{
	struct ks_secret *s = NULL, *u = NULL;
	char dir[256];
	int i, n = rounds(), alpha = 0, beta = 0, bad = 0;
	unsigned range;
	double t0;

	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(ks_create(&s, dir, (const uint8_t *)"alpha", 5, 12, NULL, &fast));
	t0 = now_us();
	CHECK_OK(ks_change_passphrase(dir, (const uint8_t *)"alpha", 5, (const uint8_t *)"alpha", 5, NULL));
	range = delay_range(now_us() - t0);
	for (i = 0; i < n && s != NULL; i++) {
		pid_t pid = spawn(child_keystore_loop, dir);

		CHECK(kill_after(pid, rnd(range)));
		if (ks_unlock(&u, dir, (const uint8_t *)"alpha", 5) == 0)
			alpha++;
		else if (ks_unlock(&u, dir, (const uint8_t *)"beta", 4) == 0)
			beta++;
		else
			bad++;
		CHECK(u == NULL || memcmp(u->seed, s->seed, 64) == 0);
		ks_secret_free(u);
		u = NULL;
	}
	CHECK_MSG(bad == 0, "%d of %d kills left no usable keystore", bad, n);
	printf("random kills of a passphrase changer: %d, opens with old/new passphrase %d/%d, broken %d\n",
	    n, alpha, beta, bad);
	ks_secret_free(s);
	su_rmtree(dir);
}

static const uint8_t state_key[32] = { 5, 4, 3, 2, 1 };

static void
child_state_loop(const char *dir)
{
	static uint8_t blob[8 + 4096];
	uint8_t head[32];
	uint64_t seq;
	size_t len, k;
	struct cbuf cur;

	cbuf_init(&cur, 0);
	if (state_load(&cur, head, &seq, dir, state_key) != 0)
		_exit(4);
	for (;;) {
		seq++;
		/* The two alternating versions differ in length as well as bytes. */
		len = 8 + (seq % 2 ? 4096u : 100u);
		for (k = 0; k < 8; k++)
			blob[k] = (uint8_t)(seq >> (8 * k));
		memset(blob + 8, (int)(seq & 0xff), len - 8);
		memset(head, (int)(seq & 0xff), sizeof(head));
		if (state_save(dir, state_key, blob, len, head, seq) != 0)
			_exit(6);
	}
}

static void
test_crash_random_state(void)
{
	uint8_t head[32], h0[32] = { 0 };
	uint64_t seq, last = 0, bseq;
	struct cbuf blob;
	char dir[256];
	int i, n = rounds(), bad = 0, back = 0;
	unsigned range;
	double t0;

	su_mkdtemp(dir, sizeof(dir));
	t0 = now_us();
	CHECK_OK(state_save(dir, state_key, (const uint8_t *)"\0\0\0\0\0\0\0\0", 8, h0, 0));
	range = delay_range(now_us() - t0);
	cbuf_init(&blob, 0);
	for (i = 0; i < n; i++) {
		pid_t pid = spawn(child_state_loop, dir);
		size_t k;
		int ok;

		CHECK(kill_after(pid, rnd(range)));
		cbuf_reset(&blob);
		if (state_load(&blob, head, &seq, dir, state_key) != 0 || blob.len < 8) {
			bad++;
			continue;
		}
		bseq = 0;
		for (k = 0; k < 8; k++)
			bseq |= (uint64_t)blob.p[k] << (8 * k);
		ok = bseq == seq && (seq == 0 || blob.len == (seq % 2 ? 4096u : 100u) + 8u);
		for (k = 0; k < 32; k++)
			ok &= seq == 0 || head[k] == (uint8_t)(seq & 0xff);
		bad += !ok;
		back += seq < last;	/* a saved state never un-happens */
		last = seq;
	}
	CHECK_MSG(bad == 0, "%d of %d kills left a broken state", bad, n);
	CHECK_MSG(back == 0, "%d kills lost a saved state", back);
	printf("random kills of a state writer: %d, %llu saves survived in order, broken %d\n", n,
	    (unsigned long long)last, bad);
	cbuf_free(&blob);
	su_rmtree(dir);
}

static void
test_setup(void)
{
	rng_init();
	secmem_init();
}

static const struct test_case tests[] = {
	{ "fileio_setup", test_setup },
	{ "fileio_basics", test_fileio_basics },
	{ "fileio_stale_cleanup", test_stale_cleanup },
	{ "fileio_crash_each_step", test_crash_each_step },
	{ "fileio_crash_random_raw", test_crash_random_raw },
	{ "fileio_crash_random_keystore", test_crash_random_keystore },
	{ "fileio_crash_random_state", test_crash_random_state },
};

TEST_MAIN(tests)
