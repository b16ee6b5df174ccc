/*
 * File and ioctl helpers shared by the evidence and sealing backends
 * (evidence_int.h). Device answers are hostile input like any other: every
 * read has a cap, and a blob over it is an error, not a truncation.
 */
#include "signer/evidence_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

int
evidence_read_file(struct cbuf *out, const char *path, size_t max)
{
	uint8_t chunk[4096];
	ssize_t got;
	int fd, ret = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? COFFER_ERR_TEE_ABSENT : COFFER_ERR_TEE_DEVICE;
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = COFFER_ERR_TEE_DEVICE;
			break;
		}
		if (got == 0)
			break;
		if ((size_t)got > max - out->len || out->len > max) {
			ret = COFFER_ERR_TEE_RESPONSE;
			break;
		}
		if ((ret = cbuf_put(out, chunk, (size_t)got)) != 0)
			break;
	}
	close(fd);
	return ret;
}

int
evidence_write_file(const char *path, const uint8_t *p, size_t n)
{
	ssize_t put;
	int fd, ret = 0;

	/* O_CREAT only matters in fake trees; configfs attributes already exist. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return errno == ENOENT ? COFFER_ERR_TEE_ABSENT : COFFER_ERR_TEE_DEVICE;
	do {
		put = write(fd, p, n);
	} while (put < 0 && errno == EINTR);
	/* configfs takes a blob in one write: a short write is a failure. */
	if (put < 0 || (size_t)put != n)
		ret = COFFER_ERR_TEE_DEVICE;
	if (close(fd) != 0 && ret == 0)
		ret = COFFER_ERR_TEE_DEVICE;
	return ret;
}

int
evidence_read_text(char *out, size_t outsize, const char *path)
{
	struct cbuf b;
	size_t n;
	int ret;

	out[0] = '\0';
	cbuf_init(&b, outsize);
	if ((ret = evidence_read_file(&b, path, outsize - 1)) == 0) {
		n = b.len;
		while (n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == ' '))
			n--;
		if (memchr(b.p, '\0', n) != NULL)
			ret = COFFER_ERR_TEE_RESPONSE;
		else if (n > 0)
			memcpy(out, b.p, n);
		out[ret == 0 ? n : 0] = '\0';
	}
	cbuf_free(&b);
	return ret;
}

int
evidence_exists(const struct evidence_env *env, const char *path)
{
	char full[EVIDENCE_PATH_MAX];
	struct stat st;

	if (evidence_path(full, sizeof(full), env, path) != 0)
		return 0;
	return stat(full, &st) == 0;
}

int
evidence_ioctl(const struct evidence_env *env, int fd, unsigned long req, void *arg)
{
	int r;

	if (env != NULL && env->ioctl_fn != NULL)
		return env->ioctl_fn(env->ioctl_ctx, fd, req, arg);
	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}
