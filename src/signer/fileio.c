/* Crash-safe whole-file replacement in the signer directory; see fileio.h. */
#include "signer/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/err.h"
#include "common/fdio.h"
#include "common/secmem.h"

#define TMP_TAG ".tmp-"
/* "." name TMP_TAG 16-hex NUL */
#define TMP_NAME_MAX (1 + FILEIO_NAME_MAX + sizeof(TMP_TAG) - 1 + 16 + 1)

static void (*test_hook)(enum fileio_step);

void
fileio_set_test_hook(void (*hook)(enum fileio_step step))
{
	test_hook = hook;
}

static void
step(enum fileio_step s)
{
	if (test_hook != NULL)
		test_hook(s);
}

static int
name_ok(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	n = strnlen(name, FILEIO_NAME_MAX + 1);
	return n <= FILEIO_NAME_MAX && memchr(name, '/', n) == NULL;
}

static int
open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int
dir_check_fd(int dfd)
{
	struct stat st;

	if (fstat(dfd, &st) != 0)
		return COFFER_ERR_IO;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return COFFER_ERR_SIGNER_DIR;
	return 0;
}

int
fileio_dir_check(const char *dir)
{
	int dfd, ret;

	if (dir == NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		    COFFER_ERR_SIGNER_DIR : COFFER_ERR_IO;
	ret = dir_check_fd(dfd);
	close(dfd);
	return ret;
}

int
fileio_dir_prepare(const char *dir)
{
	if (dir == NULL)
		return COFFER_ERR_INVALID_ARG;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return COFFER_ERR_IO;
	return fileio_dir_check(dir);
}

int
fileio_read(struct cbuf *out, const char *dir, const char *name, size_t max)
{
	struct stat st;
	uint8_t chunk[4096];
	size_t start = out->len, total = 0;
	ssize_t got;
	int dfd = -1, fd = -1, ret;

	if (dir == NULL || !name_ok(name))
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0) {
		ret = errno == ENOENT ? COFFER_ERR_NOT_FOUND : COFFER_ERR_IO;
		goto out;
	}
	/* O_NONBLOCK: a FIFO planted under the name must not hang the reader. */
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		ret = errno == ENOENT ? COFFER_ERR_NOT_FOUND : COFFER_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ret = COFFER_ERR_IO;
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > max) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	/* Read to EOF, not to st_size: the cap holds even if the file grows. */
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = COFFER_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		if ((size_t)got > max - total) {
			ret = COFFER_ERR_TOO_LARGE;
			goto out;
		}
		if ((ret = cbuf_put(out, chunk, (size_t)got)) != 0)
			goto out;
		total += (size_t)got;
	}
	ret = 0;
 out:
	secure_wipe(chunk, sizeof(chunk));
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (ret != 0) {
		if (out->p != NULL && out->secret)
			secure_wipe(out->p + start, out->len - start);
		out->len = 0;
	}
	return ret;
}

int
fileio_exists(const char *dir, const char *name)
{
	struct stat st;
	int dfd, ret;

	if (dir == NULL || !name_ok(name))
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		ret = 1;
	else
		ret = errno == ENOENT ? 0 : COFFER_ERR_IO;
	close(dfd);
	return ret;
}

static int
cleanup_fd(unsigned *removed, int dfd, const char *name)
{
	char prefix[TMP_NAME_MAX];
	struct dirent *e;
	size_t plen;
	DIR *d;
	int fd2, ret = 0;

	plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s" TMP_TAG, name);
	if ((fd2 = dup(dfd)) < 0)
		return COFFER_ERR_IO;
	if ((d = fdopendir(fd2)) == NULL) {
		close(fd2);
		return COFFER_ERR_IO;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dfd, e->d_name, 0) != 0 && errno != ENOENT) {
			ret = COFFER_ERR_IO;
			continue;
		}
		if (removed != NULL)
			(*removed)++;
	}
	closedir(d);
	return ret;
}

int
fileio_cleanup_stale(unsigned *removed, const char *dir, const char *name)
{
	int dfd, ret;

	if (removed != NULL)
		*removed = 0;
	if (dir == NULL || !name_ok(name))
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0)
		return COFFER_ERR_IO;
	ret = cleanup_fd(removed, dfd, name);
	close(dfd);
	return ret;
}

/* fsync a directory; file systems that cannot (EINVAL) have nothing to flush. */
static int
sync_dir(int dfd)
{
	return fsync(dfd) == 0 || errno == EINVAL ? 0 : COFFER_ERR_IO;
}

static int
write_file(const char *dir, const char *name, const uint8_t *p, size_t n, int replace)
{
	char tmp[TMP_NAME_MAX], hex[33];
	uint8_t rnd[8];
	size_t half = n / 2;
	int dfd = -1, fd = -1, have_tmp = 0, ret;

	if (dir == NULL || !name_ok(name) || (p == NULL && n > 0))
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0)
		return COFFER_ERR_IO;
	if ((ret = cleanup_fd(NULL, dfd, name)) != 0)
		goto out;
	secure_random(rnd, sizeof(rnd));
	hex_encode(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), ".%s" TMP_TAG "%s", name, hex);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		ret = COFFER_ERR_IO;
		goto out;
	}
	have_tmp = 1;
	ret = COFFER_ERR_IO;
	if (fchmod(fd, 0600) != 0)
		goto out;
	step(FILEIO_STEP_TEMP_CREATED);
	if (n > 0 && fdio_write_all(fd, p, half) != 0)
		goto out;
	step(FILEIO_STEP_HALF_WRITTEN);
	if (n > 0 && fdio_write_all(fd, p + half, n - half) != 0)
		goto out;
	step(FILEIO_STEP_WRITTEN);
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	step(FILEIO_STEP_SYNCED);
	if (replace) {
		if (renameat(dfd, tmp, dfd, name) != 0)
			goto out;
	} else {
		if (linkat(dfd, tmp, dfd, name, 0) != 0) {
			if (errno == EEXIST)
				ret = COFFER_ERR_FILE_EXISTS;
			goto out;
		}
		/*
		 * The file is in place. If this unlink fails, or a crash comes
		 * first, the temporary is a stale second name for it, removed by
		 * the next write.
		 */
		(void)unlinkat(dfd, tmp, 0);
	}
	have_tmp = 0;
	step(FILEIO_STEP_RENAMED);
	if (sync_dir(dfd) != 0)
		goto out;
	step(FILEIO_STEP_DONE);
	ret = 0;
 out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		(void)unlinkat(dfd, tmp, 0);
	close(dfd);
	return ret;
}

int
fileio_write_atomic(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	return write_file(dir, name, p, n, 1);
}

int
fileio_create_atomic(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	return write_file(dir, name, p, n, 0);
}

int
fileio_lock(int *fd, const char *dir)
{
	int dfd, lfd;

	*fd = -1;
	if (dir == NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((dfd = open_dir(dir)) < 0)
		return COFFER_ERR_IO;
	lfd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (lfd < 0)
		return COFFER_ERR_IO;
	if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;

		close(lfd);
		return busy ? COFFER_ERR_SIGNER_BUSY : COFFER_ERR_IO;
	}
	*fd = lfd;
	return 0;
}

void
fileio_unlock(int fd)
{
	if (fd >= 0) {
		(void)flock(fd, LOCK_UN);
		close(fd);
	}
}
