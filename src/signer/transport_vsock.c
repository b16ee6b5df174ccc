/*
 * AF_VSOCK transport: the Nitro Enclaves case. The signer runs in the enclave
 * (`coffer-signer --listen-vsock PORT`), the daemon on the parent instance
 * connects to the enclave's CID. There is no filesystem permission on a vsock
 * port: whoever can reach it can talk, which is why every frame is treated as
 * hostile and unlocking takes a passphrase sealed to the signer's key.
 */
#define _GNU_SOURCE 1	/* accept4 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "common/err.h"
#include "signer/transport.h"

static void
vsock_addr(struct sockaddr_vm *sa, uint32_t cid, uint32_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->svm_family = AF_VSOCK;
	sa->svm_cid = cid;
	sa->svm_port = port;
}

static int
vsock_accept(struct transport_listener *l, struct transport *t)
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
vsock_close(struct transport_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int
transport_vsock_listen(struct transport_listener *l, uint32_t port)
{
	struct sockaddr_vm sa;
	int fd;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if ((fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	vsock_addr(&sa, VMADDR_CID_ANY, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return COFFER_ERR_SIGNER_TRANSPORT;
	}
	l->fd = fd;
	l->accept = vsock_accept;
	l->close = vsock_close;
	return 0;
}

int
transport_vsock_connect(struct transport *t, uint32_t cid, uint32_t port)
{
	struct sockaddr_vm sa;
	int fd, ret;

	transport_init(t);
	if ((fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	vsock_addr(&sa, cid, port);
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
