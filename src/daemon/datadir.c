/* The daemon's data directory: permissions, single-instance lock, admin token (datadir.h). */
#include "daemon/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

static int
fail(char *err, size_t errsize, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errsize, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int
join(char *out, size_t outsize, const char *dir, const char *name)
{
	int n = snprintf(out, outsize, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= outsize ? COFFER_ERR_TOO_LARGE : 0;
}

int
datadir_prepare(char *abs, size_t abssize, char *err, size_t errsize, const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, r = 0;

	if (abs != NULL && abssize > 0)
		abs[0] = '\0';
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return fail(err, errsize, COFFER_ERR_IO, "cannot create datadir %s: %s", path, strerror(errno));
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(err, errsize, COFFER_ERR_IO, "cannot open datadir %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = fail(err, errsize, COFFER_ERR_IO, "cannot stat datadir %s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		r = fail(err, errsize, COFFER_ERR_DATADIR_PERMS,
		    "datadir %s belongs to uid %u, not to this user (uid %u)", path, (unsigned int)st.st_uid,
		    (unsigned int)geteuid());
		goto out;
	}
	/* Keys, tokens and the database live here: other users get nothing, not even a listing. */
	if ((st.st_mode & 077) != 0) {
		r = fail(err, errsize, COFFER_ERR_DATADIR_PERMS,
		    "datadir %s is accessible to group or others (mode %04o); run: chmod 700 %s", path,
		    (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	if (abs != NULL) {
		if (realpath(path, real) == NULL) {
			r = fail(err, errsize, COFFER_ERR_IO, "cannot resolve datadir %s: %s", path, strerror(errno));
			goto out;
		}
		if (strlen(real) >= abssize) {
			r = fail(err, errsize, COFFER_ERR_TOO_LARGE, "datadir path %s is too long", real);
			goto out;
		}
		memcpy(abs, real, strlen(real) + 1);
	}
out:
	close(fd);
	return r;
}

int
datadir_lock(int *fd, char *err, size_t errsize, const char *datadir)
{
	char path[PATH_MAX], pidbuf[32];
	ssize_t n;
	int f, len;

	*fd = -1;
	if (join(path, sizeof(path), datadir, DATADIR_LOCK_FILE) != 0)
		return fail(err, errsize, COFFER_ERR_TOO_LARGE, "datadir path too long");
	if ((f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return fail(err, errsize, COFFER_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			n = pread(f, pidbuf, sizeof(pidbuf) - 1, 0);
			pidbuf[n > 0 ? n : 0] = '\0';
			pidbuf[strcspn(pidbuf, "\n")] = '\0';
			close(f);
			return fail(err, errsize, COFFER_ERR_DATADIR_LOCKED,
			    "another cofferd (pid %s) is using %s", pidbuf[0] != '\0' ? pidbuf : "unknown", datadir);
		}
		close(f);
		return fail(err, errsize, COFFER_ERR_IO, "cannot lock %s: %s", path, strerror(e));
	}
	len = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, pidbuf, (size_t)len, 0) != (ssize_t)len) {
		close(f);
		return fail(err, errsize, COFFER_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	}
	*fd = f;
	return 0;
}

static int
token_valid(const char *s, size_t n)
{
	size_t i;

	if (n == DATADIR_TOKEN_LEN + 1 && s[DATADIR_TOKEN_LEN] == '\n')
		n--;
	if (n != DATADIR_TOKEN_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
read_token(char token[DATADIR_TOKEN_LEN + 1], char *err, size_t errsize, const char *path, int f)
{
	char buf[DATADIR_TOKEN_LEN + 2];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int r = 0;

	if (fstat(f, &st) != 0)
		return fail(err, errsize, COFFER_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return fail(err, errsize, COFFER_ERR_DATADIR_PERMS,
		    "%s must be a regular file owned by this user with mode 0600 (mode %04o); run: chmod 600 %s",
		    path, (unsigned int)(st.st_mode & 07777), path);
	while (len < sizeof(buf)) {
		n = read(f, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(err, errsize, COFFER_ERR_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!token_valid(buf, len)) {
		r = fail(err, errsize, COFFER_ERR_BAD_HEX,
		    "%s does not hold a token (64 lowercase hex characters); delete it to generate a new one", path);
		goto out;
	}
	memcpy(token, buf, DATADIR_TOKEN_LEN);
	token[DATADIR_TOKEN_LEN] = '\0';
out:
	secure_wipe(buf, sizeof(buf));
	return r;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
create_token(char token[DATADIR_TOKEN_LEN + 1], char *err, size_t errsize, const char *datadir,
    const char *path)
{
	uint8_t raw[DATADIR_TOKEN_BYTES];
	char tmp[PATH_MAX], text[DATADIR_TOKEN_LEN + 2];
	int f, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fail(err, errsize, COFFER_ERR_TOO_LARGE, "datadir path too long");
	secure_random(raw, sizeof(raw));
	hex_encode(text, sizeof(text), raw, sizeof(raw));
	secure_wipe(raw, sizeof(raw));
	text[DATADIR_TOKEN_LEN] = '\n';
	text[DATADIR_TOKEN_LEN + 1] = '\0';
	/* A leftover temporary file from a crash is ours (we hold the lock): replace it. */
	(void)unlink(tmp);
	if ((f = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		r = fail(err, errsize, COFFER_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(f, text, DATADIR_TOKEN_LEN + 1) != DATADIR_TOKEN_LEN + 1 || fsync(f) != 0) {
		r = fail(err, errsize, COFFER_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		close(f);
		(void)unlink(tmp);
		goto out;
	}
	close(f);
	if (rename(tmp, path) != 0) {
		r = fail(err, errsize, COFFER_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	if (fsync_dir(datadir) != 0) {
		r = fail(err, errsize, COFFER_ERR_IO, "cannot sync %s: %s", datadir, strerror(errno));
		goto out;
	}
	memcpy(token, text, DATADIR_TOKEN_LEN);
	token[DATADIR_TOKEN_LEN] = '\0';
out:
	secure_wipe(text, sizeof(text));
	return r;
}

int
datadir_auth_token(char token[DATADIR_TOKEN_LEN + 1], int *created, char *err, size_t errsize,
    const char *datadir)
{
	char path[PATH_MAX];
	int f, r;

	memset(token, 0, DATADIR_TOKEN_LEN + 1);
	if (created != NULL)
		*created = 0;
	if (join(path, sizeof(path), datadir, DATADIR_TOKEN_FILE) != 0)
		return fail(err, errsize, COFFER_ERR_TOO_LARGE, "datadir path too long");
	if ((f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		r = read_token(token, err, errsize, path, f);
		close(f);
		return r;
	}
	if (errno != ENOENT)
		return fail(err, errsize, errno == ELOOP ? COFFER_ERR_DATADIR_PERMS : COFFER_ERR_IO,
		    "cannot open %s: %s", path, strerror(errno));
	if ((r = create_token(token, err, errsize, datadir, path)) != 0)
		return r;
	if (created != NULL)
		*created = 1;
	return 0;
}
