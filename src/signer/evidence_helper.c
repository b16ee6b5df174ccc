/* The evidence helper process (evidence_helper.h). */
#include "signer/evidence_helper.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fdio.h"
#include "signer/sandbox.h"
#include "signer/tee.h"

static int
read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void
evidence_helper_serve(int fd, const struct evidence_backend *b, const struct evidence_env *env)
{
	uint8_t req[1 + EVIDENCE_BINDING_LEN + EVIDENCE_NONCE_MAX], hdr[8];
	struct cbuf out;
	int ret;

	cbuf_init(&out, EVIDENCE_MAX);
	for (;;) {
		if (read_full(fd, req, 1) != 0)
			break;
		/* The signer is the only peer; still, a bad length ends the helper. */
		if (req[0] > EVIDENCE_NONCE_MAX ||
		    read_full(fd, req + 1, EVIDENCE_BINDING_LEN + (size_t)req[0]) != 0)
			break;
		cbuf_reset(&out);
		ret = b->get(env, &out, req + 1, req + 1 + EVIDENCE_BINDING_LEN, req[0]);
		if (ret == 0 && out.len > EVIDENCE_MAX)
			ret = COFFER_ERR_TOO_LARGE;
		put_u32(hdr, (uint32_t)ret);
		put_u32(hdr + 4, ret == 0 ? (uint32_t)out.len : 0);
		if (fdio_write_all(fd, hdr, 8) != 0 || (ret == 0 && fdio_write_all(fd, out.p, out.len) != 0))
			break;
	}
	cbuf_free(&out);
}

int
evidence_helper_start(struct evidence_helper *h, const struct evidence_backend *b, const struct evidence_env *env)
{
	int sv[2];

	h->backend = b;
	h->fd = -1;
	h->pid = 0;
	if (b == &evidence_backend_none)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return COFFER_ERR_IO;
	if ((h->pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		h->pid = 0;
		return COFFER_ERR_IO;
	}
	if (h->pid == 0) {
		close(sv[0]);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (sandbox_close_fds(&sv[1], 1) != 0)
			_exit(1);
		evidence_helper_serve(sv[1], b, env);
		_exit(0);
	}
	close(sv[1]);
	h->fd = sv[0];
	return 0;
}

int
evidence_helper_get(struct evidence_helper *h, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	uint8_t req[1 + EVIDENCE_BINDING_LEN + EVIDENCE_NONCE_MAX], hdr[8], chunk[4096];
	uint32_t len;
	size_t n;
	int code, ret;

	if (h->fd < 0)
		return COFFER_ERR_UNSUPPORTED;
	if (noncelen > EVIDENCE_NONCE_MAX || (noncelen > 0 && nonce == NULL))
		return COFFER_ERR_INVALID_ARG;
	req[0] = (uint8_t)noncelen;
	memcpy(req + 1, data, EVIDENCE_BINDING_LEN);
	if (noncelen > 0)
		memcpy(req + 1 + EVIDENCE_BINDING_LEN, nonce, noncelen);
	if (fdio_write_all(h->fd, req, 1 + EVIDENCE_BINDING_LEN + noncelen) != 0 || read_full(h->fd, hdr, 8) != 0)
		return COFFER_ERR_IO;
	code = (int)get_u32(hdr);
	len = get_u32(hdr + 4);
	if (code > 0 || (code != 0 && len != 0) || len > EVIDENCE_MAX)
		return COFFER_ERR_IO;	/* a broken helper: treat as gone */
	while (len > 0) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		if (read_full(h->fd, chunk, n) != 0)
			return COFFER_ERR_IO;
		if ((ret = cbuf_put(out, chunk, n)) != 0)
			return ret;
		len -= (uint32_t)n;
	}
	return code;
}

static int
helper_evidence(void *ctx, struct cbuf *out, const uint8_t report_data[TEE_REPORT_DATA_LEN])
{
	return evidence_helper_get(ctx, out, report_data, NULL, 0);
}

void
evidence_helper_tee(struct tee_backend *out, struct evidence_helper *h)
{
	out->name = h->backend->name;
	out->statement = h->backend->statement;
	out->evidence = helper_evidence;
	out->ctx = h;
}

void
evidence_helper_stop(struct evidence_helper *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (h->pid > 0) {
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	h->pid = 0;
}
