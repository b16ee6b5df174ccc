/*
 * The default transport: the daemon (or CLI) makes a socketpair, keeps one end
 * and hands the other to the coffer-signer it forks (client_spawn_signer).
 */
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "signer/transport.h"

int
transport_socketpair(struct transport *t, int *peer_fd)
{
	int sv[2];

	transport_init(t);
	*peer_fd = -1;
	/* Our end is close-on-exec; the child's end is made inheritable by the
	 * spawner after fork (dup2 onto the fixed fd clears the flag). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return COFFER_ERR_SIGNER_TRANSPORT;
	transport_stream_init(t, sv[0]);
	*peer_fd = sv[1];
	return 0;
}
