/*
 * Signer transports: how frames move between the daemon (or CLI) and the
 * signer. A transport is three functions (read a frame, write a frame,
 * close); a listener adds accept. The stream transports (socketpair, unix
 * socket, AF_VSOCK) share one frame codec over a connected socket and differ
 * only in how the socket is made (transport_socketpair.c, transport_unix.c,
 * transport_vsock.c). A TLS transport later supplies its own three functions.
 *
 * Frames are bounded both ways: read_frame refuses a header announcing more
 * than the caller's cap before reading any payload, write_frame refuses to send
 * more than PROTO_MAX_FRAME. A peer that closes at a frame boundary gives
 * COFFER_ERR_SIGNER_CLOSED; one that closes mid-frame COFFER_ERR_SIGNER_PROTOCOL.
 */
#ifndef COFFER_SIGNER_TRANSPORT_H
#define COFFER_SIGNER_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

struct transport;

struct transport_ops {
	const char *name;
	/*
	 * Read one frame into buf (payload only, at most bufsize bytes).
	 * Returns 0, COFFER_ERR_SIGNER_CLOSED, COFFER_ERR_SIGNER_FRAME_SIZE,
	 * COFFER_ERR_SIGNER_PROTOCOL or COFFER_ERR_IO. Out: type, len.
	 */
	int (*read_frame)(struct transport *t, uint8_t *type, uint8_t *buf, size_t bufsize, size_t *len);
	/* Write one frame. Returns 0, COFFER_ERR_SIGNER_FRAME_SIZE, COFFER_ERR_SIGNER_CLOSED or COFFER_ERR_IO. */
	int (*write_frame)(struct transport *t, uint8_t type, const uint8_t *p, size_t len);
	/* Release the connection; the struct is left closed (fd -1). */
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;	/* NULL when closed */
	int fd;		/* the connection, for poll(); -1 when closed */
};

struct transport_listener {
	/* Accept one connection. Returns 0 or COFFER_ERR_SIGNER_TRANSPORT. Out: t. */
	int (*accept)(struct transport_listener *l, struct transport *t);
	void (*close)(struct transport_listener *l);
	int fd;		/* the listening socket; -1 when closed */
	char path[108];	/* unix: the socket path, unlinked on close */
};

/* Frame I/O through t->ops (wrappers that check t is open). */
int transport_read_frame(struct transport *t, uint8_t *type, uint8_t *buf, size_t bufsize, size_t *len);
int transport_write_frame(struct transport *t, uint8_t type, const uint8_t *p, size_t len);
/* Close t (NULL and closed transports are fine). */
void transport_close(struct transport *t);
/* Close a listener (NULL and closed listeners are fine). */
void transport_listener_close(struct transport_listener *l);

/* A closed transport (ops NULL, fd -1). */
void transport_init(struct transport *t);

/*
 * Wrap a connected stream socket (socketpair, unix, vsock) as a transport; t
 * owns fd afterwards. Sets SIGPIPE-free sends (MSG_NOSIGNAL).
 * In: fd (>= 0).
 */
void transport_stream_init(struct transport *t, int fd);

/* --- socketpair (transport_socketpair.c) -------------------------------------- */

/*
 * A connected AF_UNIX stream pair: `t` is our end, *peer_fd the other end to
 * hand to a child process (not close-on-exec; the caller closes it after fork).
 * Returns 0 or COFFER_ERR_SIGNER_TRANSPORT. Out: t, peer_fd (-1 on failure).
 */
int transport_socketpair(struct transport *t, int *peer_fd);

/* --- unix socket (transport_unix.c) -------------------------------------------- */

/*
 * Listen on a unix socket path, created with mode 0600 (a stale socket at the
 * path is replaced; any other file there is an error).
 * Returns 0, COFFER_ERR_INVALID_ARG (path too long) or COFFER_ERR_SIGNER_TRANSPORT.
 */
int transport_unix_listen(struct transport_listener *l, const char *path);
/* Connect to a unix socket. Returns 0, COFFER_ERR_INVALID_ARG or COFFER_ERR_SIGNER_TRANSPORT. */
int transport_unix_connect(struct transport *t, const char *path);

/* --- AF_VSOCK (transport_vsock.c) ----------------------------------------------- */

/* Any CID when listening (VMADDR_CID_ANY), and the host's CID (for enclaves). */
#define TRANSPORT_VSOCK_CID_ANY  0xffffffffu
#define TRANSPORT_VSOCK_CID_HOST 2u

/*
 * Listen on AF_VSOCK port (any CID): the Nitro case, the signer in the
 * enclave, the daemon on the parent instance.
 * Returns 0 or COFFER_ERR_SIGNER_TRANSPORT (also when the kernel has no vsock).
 */
int transport_vsock_listen(struct transport_listener *l, uint32_t port);
/* Connect to cid:port. Returns 0 or COFFER_ERR_SIGNER_TRANSPORT. */
int transport_vsock_connect(struct transport *t, uint32_t cid, uint32_t port);

#endif
