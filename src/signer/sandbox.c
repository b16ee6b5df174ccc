/*
 * Hardening of the signer process (see sandbox.h). The seccomp allowlist is
 * in sandbox_seccomp.c.
 */
#define _GNU_SOURCE 1	/* close_range, setresuid, setresgid */

#include "signer/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secmem.h"

extern char **environ;

/* Locked-memory budget asked for when root, for libsodium's guarded pages
 * (the 4 MiB receive buffer plus keys); without it mlock silently fails. */
#define SANDBOX_MEMLOCK ((rlim_t)64 << 20)

int
sandbox_no_dump(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setrlimit(RLIMIT_CORE, &rl) != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	return 0;
}

int
sandbox_scrub_env(void)
{
	char **e;

	/* The strings still sit where exec put them (what /proc/PID/environ
	 * shows), so wipe them before forgetting the array. */
	for (e = environ; e != NULL && *e != NULL; e++)
		secure_wipe(*e, strlen(*e));
	if (clearenv() != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int
sandbox_close_fds(const int *keep, size_t n)
{
	int k[8], fd;
	unsigned int lo = 3;
	size_t i;

	if (n > 8)
		return COFFER_ERR_INVALID_ARG;
	memcpy(k, keep, n * sizeof(int));
	qsort(k, n, sizeof(int), int_cmp);
	for (i = 0; i < n; i++) {
		if (k[i] < 3)
			return COFFER_ERR_INVALID_ARG;
		if ((unsigned int)k[i] > lo && close_range(lo, (unsigned int)k[i] - 1, 0) != 0)
			return COFFER_ERR_SIGNER_SANDBOX;
		lo = (unsigned int)k[i] + 1;
	}
	if (close_range(lo, ~0U, 0) != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		close(fd);
		return COFFER_ERR_SIGNER_SANDBOX;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/* Give the directory and the regular files directly in it to uid:gid.
 * Symbolic links and other kinds are neither followed nor changed. */
static int
chown_dir(int dfd, uid_t uid, gid_t gid)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, ret = 0;

	if (fchown(dfd, uid, gid) != 0 || fchmod(dfd, 0700) != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	if ((fd = dup(dfd)) < 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return COFFER_ERR_SIGNER_SANDBOX;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
			ret = COFFER_ERR_SIGNER_SANDBOX;
	}
	closedir(d);
	return ret;
}

static int
lookup_user(uid_t *uid, gid_t *gid, const char *user)
{
	struct passwd *pw;

	/* No fallback to a shared account such as nobody: whoever else runs as
	 * it could signal or trace the signer as its owner. */
	pw = getpwnam(user != NULL ? user : SANDBOX_USER_DEFAULT);
	if (pw == NULL || pw->pw_uid == 0 || pw->pw_gid == 0)
		return COFFER_ERR_SIGNER_USER;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
drop_to(uid_t uid, gid_t gid)
{
	struct rlimit rl = { SANDBOX_MEMLOCK, SANDBOX_MEMLOCK };

	(void)setrlimit(RLIMIT_MEMLOCK, &rl);	/* best effort: a bigger budget only helps */
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	/* Check the drop is for good. */
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return COFFER_ERR_SIGNER_SANDBOX;
	if (setuid(0) == 0 || seteuid(0) == 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	return 0;
}

int
sandbox_enter_dir(const char *dir, const char *user)
{
	struct passwd *pw;
	struct stat st;
	uid_t uid = 0;
	gid_t gid = 0;
	int dfd, ret;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return COFFER_ERR_SIGNER_SANDBOX;
	if (geteuid() != 0) {
		/* Nothing to drop; a named user must be ourselves. */
		if (user != NULL && ((pw = getpwnam(user)) == NULL || pw->pw_uid != geteuid()))
			return COFFER_ERR_SIGNER_USER;
		return chdir(dir) == 0 ? 0 : COFFER_ERR_SIGNER_SANDBOX;
	}
	if ((ret = lookup_user(&uid, &gid, user)) != 0)
		return ret;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return COFFER_ERR_SIGNER_SANDBOX;
	ret = COFFER_ERR_SIGNER_SANDBOX;
	if (fstat(dfd, &st) != 0 || !S_ISDIR(st.st_mode))
		goto out;
	if ((ret = chown_dir(dfd, uid, gid)) != 0)
		goto out;
	ret = COFFER_ERR_SIGNER_SANDBOX;
	/* The signer sees nothing of the filesystem but its own directory. */
	if (fchdir(dfd) != 0 || chroot(".") != 0 || chdir("/") != 0)
		goto out;
	ret = drop_to(uid, gid);
out:
	close(dfd);
	return ret;
}
