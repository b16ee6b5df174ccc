/*
 * libFuzzer harness for the signer's connection loop and handlers: the input
 * is a stream of frames (any bytes) sent to a fresh signer in an empty
 * directory, so the handshake, the dispatch table's state and size checks,
 * and the handlers reachable from there (status, unlock key, attestation,
 * create, restore, then unlock and the unlocked messages when the input
 * carries the passphrase it created with) all see hostile bytes. Argon2id is
 * set to its minimum to keep executions fast. Replies are read and checked
 * to be well-formed frames; the signer must end cleanly or with an error
 * code, never crash or leak.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "signer/proto.h"
#include "signer/signer.h"
#include "signer/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Read the signer's replies while it serves (a full socket buffer would
 * block it); every reply must be a well-formed frame. */
static void *
drain(void *arg)
{
	int fd = *(int *)arg;
	uint8_t hdr[PROTO_HEADER_LEN], type, *reply = malloc(PROTO_MAX_FRAME);
	size_t len;
	ssize_t n;

	for (;;) {
		n = recv(fd, hdr, sizeof(hdr), MSG_WAITALL);
		/* end, or the signer closed with our unread input queued (a protocol error) */
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n != (ssize_t)sizeof(hdr) || proto_header_decode(&type, &len, hdr, PROTO_MAX_FRAME) != 0)
			abort();
		if (len > 0 && (n = recv(fd, reply, len, MSG_WAITALL)) != (ssize_t)len) {
			if (n < 0 && errno == ECONNRESET)
				break;
			abort();
		}
		if (type != PROTO_ERROR && (type & 0x80) == 0)
			abort();
	}
	free(reply);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signer_config cfg;
	struct transport t;
	struct signer *s;
	char dir[64], sdir[80];
	pthread_t th;
	int sv[2];

	/* tmpfs when there is one: the keystore's fsyncs cost nothing there */
	snprintf(dir, sizeof(dir), "%s/coffer-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (size > 65536 || mkdtemp(dir) == NULL)
		return 0;
	snprintf(sdir, sizeof(sdir), "%s/signer", dir);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	if (pthread_create(&th, NULL, drain, &sv[0]) != 0)
		abort();
	/* the whole input, then end of stream (the signer stops reading at the
	 * first protocol error, so what it does not read is simply dropped) */
	if (size > 0)
		(void)send(sv[0], data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(sv[0], SHUT_WR);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = sdir;
	cfg.network = BTC_REGTEST;
	cfg.kdf_memlimit_kib = 8;
	cfg.kdf_opslimit = 1;
	if (signer_new(&s, &cfg) != 0)
		abort();
	transport_stream_init(&t, sv[1]);
	(void)signer_serve(s, &t);
	transport_close(&t);
	signer_free(s);
	pthread_join(th, NULL);
	close(sv[0]);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
