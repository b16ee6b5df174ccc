/*
 * Unix socket transport: a standalone signer listens on a path
 * (`coffer-signer --listen-unix PATH`), the daemon or CLI connects. The socket
 * is created 0600 so only its owner (and root) can connect.
 */
#define _GNU_SOURCE 1	/* accept4 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/err.h"
#include "signer/transport.h"

static int
unix_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa->sun_path))
		return COFFER_ERR_INVALID_ARG;
	memcpy(sa->sun_path, path, n);
	return 0;
}

static int
unix_accept(struct transport_listener *l, struct transport *t)
{
	int fd;

	transport_init(t);
	do {
		fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (fd < 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	transport_stream_init(t, fd);
	return 0;
}

static void
unix_close(struct transport_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	/* Best effort: after a privilege drop the directory may not be ours. */
	if (l->path[0] != '\0')
		(void)unlink(l->path);
	l->path[0] = '\0';
}

int
transport_unix_listen(struct transport_listener *l, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, ret;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if ((ret = unix_addr(&sa, path)) != 0)
		return ret;
	/* Replace a stale socket, never any other kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || unlink(path) != 0)
			return COFFER_ERR_SIGNER_TRANSPORT;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	old = umask(0177);	/* the socket file is born 0600 */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret != 0 || listen(fd, 4) != 0) {
		close(fd);
		return COFFER_ERR_SIGNER_TRANSPORT;
	}
	l->fd = fd;
	l->accept = unix_accept;
	l->close = unix_close;
	memcpy(l->path, sa.sun_path, sizeof(l->path));
	return 0;
}

int
transport_unix_connect(struct transport *t, const char *path)
{
	struct sockaddr_un sa;
	int fd, ret;

	transport_init(t);
	if ((ret = unix_addr(&sa, path)) != 0)
		return ret;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	do {
		ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} while (ret != 0 && errno == EINTR);
	if (ret != 0) {
		close(fd);
		return COFFER_ERR_SIGNER_TRANSPORT;
	}
	transport_stream_init(t, fd);
	return 0;
}
