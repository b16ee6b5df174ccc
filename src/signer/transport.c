/*
 * Transport dispatch and the frame codec shared by every stream socket
 * (socketpair, unix, vsock): `u32le length | u8 type | payload`.
 */
#include "signer/transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/err.h"
#include "signer/proto.h"

void
transport_init(struct transport *t)
{
	t->ops = NULL;
	t->fd = -1;
}

int
transport_read_frame(struct transport *t, uint8_t *type, uint8_t *buf, size_t bufsize, size_t *len)
{
	*type = 0;
	*len = 0;
	if (t == NULL || t->ops == NULL)
		return COFFER_ERR_SIGNER_CLOSED;
	return t->ops->read_frame(t, type, buf, bufsize, len);
}

int
transport_write_frame(struct transport *t, uint8_t type, const uint8_t *p, size_t len)
{
	if (t == NULL || t->ops == NULL)
		return COFFER_ERR_SIGNER_CLOSED;
	return t->ops->write_frame(t, type, p, len);
}

void
transport_close(struct transport *t)
{
	if (t != NULL && t->ops != NULL)
		t->ops->close(t);
	if (t != NULL)
		transport_init(t);
}

void
transport_listener_close(struct transport_listener *l)
{
	if (l != NULL && l->fd >= 0 && l->close != NULL)
		l->close(l);
}

/* --- stream sockets ------------------------------------------------------------ */

/*
 * Read exactly n bytes. *got reports how many arrived, so the caller can tell
 * a clean close (nothing of the frame read) from a truncated frame.
 */
static int
read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = recv(fd, p + *got, n - *got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == ECONNRESET ? COFFER_ERR_SIGNER_CLOSED : COFFER_ERR_IO;
		if (r == 0)
			return COFFER_ERR_SIGNER_CLOSED;
		*got += (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *p, size_t n)
{
	ssize_t r;
	size_t done = 0;

	while (done < n) {
		r = send(fd, p + done, n - done, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EPIPE || errno == ECONNRESET ? COFFER_ERR_SIGNER_CLOSED : COFFER_ERR_IO;
		done += (size_t)r;
	}
	return 0;
}

static int
stream_read_frame(struct transport *t, uint8_t *type, uint8_t *buf, size_t bufsize, size_t *len)
{
	uint8_t hdr[PROTO_HEADER_LEN];
	size_t got, n;
	int ret;

	if ((ret = read_full(t->fd, hdr, sizeof(hdr), &got)) != 0)
		return ret == COFFER_ERR_SIGNER_CLOSED && got > 0 ? COFFER_ERR_SIGNER_PROTOCOL : ret;
	/* The cap is checked before a single payload byte is read. */
	if ((ret = proto_header_decode(type, &n, hdr, bufsize)) != 0)
		return ret;
	if ((ret = read_full(t->fd, buf, n, &got)) != 0) {
		*type = 0;
		return ret == COFFER_ERR_SIGNER_CLOSED ? COFFER_ERR_SIGNER_PROTOCOL : ret;
	}
	*len = n;
	return 0;
}

static int
stream_write_frame(struct transport *t, uint8_t type, const uint8_t *p, size_t len)
{
	uint8_t hdr[PROTO_HEADER_LEN];
	int ret;

	struct iovec iov[2];
	struct msghdr mh;
	ssize_t r;
	size_t done;

	if ((ret = proto_header_encode(hdr, type, len)) != 0)
		return ret;
	/* One sendmsg for header and payload in the common case, then finish
	 * whatever a short send left. */
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len > 0 ? 2 : 1;
	do {
		r = sendmsg(t->fd, &mh, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EPIPE || errno == ECONNRESET ? COFFER_ERR_SIGNER_CLOSED : COFFER_ERR_IO;
	done = (size_t)r;
	if (done < sizeof(hdr)) {
		if ((ret = write_full(t->fd, hdr + done, sizeof(hdr) - done)) != 0)
			return ret;
		done = sizeof(hdr);
	}
	done -= sizeof(hdr);
	return done < len ? write_full(t->fd, p + done, len - done) : 0;
}

static void
stream_close(struct transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops stream_ops = {
	"stream", stream_read_frame, stream_write_frame, stream_close,
};

void
transport_stream_init(struct transport *t, int fd)
{
	t->ops = &stream_ops;
	t->fd = fd;
}
