/* The datadir: created 0700, refused when shared, single-instance lock, admin token file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/datadir.h"

static char base[64];

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/coffer-datadir-XXXXXX");
	if (mkdtemp(base) == NULL)
		abort();
}

static void
teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		abort();
}

static void
test_prepare(void)
{
	char dir[128], abs[4096], err[512], rel[160];
	struct stat st;

	setup();
	snprintf(dir, sizeof(dir), "%s/new", base);
	CHECK_OK(datadir_prepare(abs, sizeof(abs), err, sizeof(err), dir));
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	CHECK(abs[0] == '/' && strstr(abs, "/new") != NULL);
	/* Existing and private: fine again. */
	CHECK_OK(datadir_prepare(NULL, 0, err, sizeof(err), dir));
	/* Group- or world-accessible: refused with the fix in the message. */
	CHECK(chmod(dir, 0750) == 0);
	CHECK_RC(datadir_prepare(abs, sizeof(abs), err, sizeof(err), dir), COFFER_ERR_DATADIR_PERMS);
	CHECK_MSG(strstr(err, "chmod 700") != NULL && strstr(err, "0750") != NULL, "%s", err);
	CHECK(chmod(dir, 0701) == 0);
	CHECK_RC(datadir_prepare(abs, sizeof(abs), err, sizeof(err), dir), COFFER_ERR_DATADIR_PERMS);
	CHECK(chmod(dir, 0700) == 0);
	/* Missing parent: an I/O error naming the path. */
	snprintf(dir, sizeof(dir), "%s/no/such/parent", base);
	CHECK_RC(datadir_prepare(abs, sizeof(abs), err, sizeof(err), dir), COFFER_ERR_IO);
	CHECK(strstr(err, "no/such/parent") != NULL);
	/* A regular file where the directory should be. */
	snprintf(dir, sizeof(dir), "%s/file", base);
	close(open(dir, O_WRONLY | O_CREAT, 0600));
	CHECK_RC(datadir_prepare(abs, sizeof(abs), err, sizeof(err), dir), COFFER_ERR_IO);
	/* A relative path becomes absolute. */
	CHECK(chdir(base) == 0);
	CHECK_OK(datadir_prepare(abs, sizeof(abs), err, sizeof(err), "rel"));
	snprintf(rel, sizeof(rel), "%s/rel", base);
	CHECK(strstr(abs, "/rel") != NULL && abs[0] == '/');
	CHECK(chdir("/") == 0);
	teardown();
}

static void
test_lock(void)
{
	char err[512], pidtext[32];
	int fd1 = -1, fd2 = -1, f;
	ssize_t n;

	setup();
	CHECK_OK(datadir_lock(&fd1, err, sizeof(err), base));
	CHECK(fd1 >= 0);
	/* A second holder (flock is per open file, so this process can play the other cofferd). */
	CHECK_RC(datadir_lock(&fd2, err, sizeof(err), base), COFFER_ERR_DATADIR_LOCKED);
	CHECK(fd2 == -1);
	snprintf(pidtext, sizeof(pidtext), "pid %ld", (long)getpid());
	CHECK_MSG(strstr(err, pidtext) != NULL, "%s", err);
	/* The lock file names the holder. */
	{
		char path[160], buf[32];

		snprintf(path, sizeof(path), "%s/%s", base, DATADIR_LOCK_FILE);
		f = open(path, O_RDONLY);
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		buf[n > 0 ? n : 0] = '\0';
		CHECK(atol(buf) == (long)getpid());
	}
	/* Released with the descriptor (or the process): no stale lock. */
	close(fd1);
	CHECK_OK(datadir_lock(&fd2, err, sizeof(err), base));
	close(fd2);
	teardown();
}

static void
test_auth_token(void)
{
	char tok[DATADIR_TOKEN_LEN + 1], tok2[DATADIR_TOKEN_LEN + 1], err[512], path[160], tmp[160];
	struct stat st;
	int created = -1, f;
	size_t i;

	setup();
	CHECK_OK(datadir_auth_token(tok, &created, err, sizeof(err), base));
	CHECK(created == 1);
	CHECK(strlen(tok) == DATADIR_TOKEN_LEN);
	for (i = 0; i < DATADIR_TOKEN_LEN; i++)
		CHECK_MSG((tok[i] >= '0' && tok[i] <= '9') || (tok[i] >= 'a' && tok[i] <= 'f'), "char %zu", i);
	snprintf(path, sizeof(path), "%s/%s", base, DATADIR_TOKEN_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == DATADIR_TOKEN_LEN + 1);
	CHECK((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) < sizeof(tmp));
	CHECK(access(tmp, F_OK) != 0);
	/* Second start: the same token. */
	CHECK_OK(datadir_auth_token(tok2, &created, err, sizeof(err), base));
	CHECK(created == 0);
	CHECK_STREQ(tok2, tok);
	/* Readable by others: refused. */
	CHECK(chmod(path, 0640) == 0);
	CHECK_RC(datadir_auth_token(tok2, &created, err, sizeof(err), base), COFFER_ERR_DATADIR_PERMS);
	CHECK(tok2[0] == '\0');
	CHECK(chmod(path, 0600) == 0);
	/* Malformed contents: refused, never "fixed" silently. */
	f = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(f, "not-a-token\n", 12) == 12);
	close(f);
	CHECK_RC(datadir_auth_token(tok2, &created, err, sizeof(err), base), COFFER_ERR_BAD_HEX);
	CHECK(strstr(err, "delete it") != NULL);
	/* A token without the trailing newline is fine (an operator may write one by hand). */
	f = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(f, tok, DATADIR_TOKEN_LEN) == DATADIR_TOKEN_LEN);
	close(f);
	CHECK_OK(datadir_auth_token(tok2, &created, err, sizeof(err), base));
	CHECK_STREQ(tok2, tok);
	/* A symlink in its place is not followed. */
	CHECK(unlink(path) == 0);
	CHECK(symlink("/etc/hostname", path) == 0);
	CHECK_RC(datadir_auth_token(tok2, &created, err, sizeof(err), base), COFFER_ERR_DATADIR_PERMS);
	CHECK(unlink(path) == 0);
	/* Two fresh datadirs get different tokens. */
	CHECK_OK(datadir_auth_token(tok2, &created, err, sizeof(err), base));
	CHECK(created == 1 && strcmp(tok, tok2) != 0);
	teardown();
}

static const struct test_case tests[] = {
	{ "prepare", test_prepare },
	{ "lock", test_lock },
	{ "auth_token", test_auth_token },
};

TEST_MAIN(tests)
