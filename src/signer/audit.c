/*
 * The audit log writer: open (verify, repair a torn tail, check the sealed
 * head), durable append, close (audit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fdio.h"
#include "signer/audit.h"
#include "signer/audit_int.h"
#include "signer/judge.h"

void
audit_event_from_decision(struct audit_event *e, const char *dest_storage[AUDIT_MAX_DEST],
    const struct judge_decision *d, uint64_t now)
{
	const struct psbt_analysis *a = &d->analysis;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->kind = AUDIT_SIGN_PSBT;
	e->time = now;
	e->request = d->request_hash;
	e->allowed = d->allowed;
	e->code = d->code;
	e->reason = d->reason;
	e->spend_sat = d->spend_sat;
	e->fee_sat = d->fee_sat;
	e->external_sat = d->external_sat;
	for (i = 0; i < a->n_out; i++) {
		if (a->out[i].change)
			continue;
		if (e->n_dest < AUDIT_MAX_DEST)
			dest_storage[e->n_dest++] = a->out[i].dest;
		else
			e->more_dest++;
	}
	e->dest = dest_storage;
}

static int
fsync_dir(const char *dir)
{
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return COFFER_ERR_IO;
	if (fsync(fd) != 0)
		r = COFFER_ERR_IO;
	close(fd);
	return r;
}

struct open_ctx {
	const uint8_t *head;
	uint64_t seq;
	int found;
};

static int
open_cb(void *vctx, const struct audit_record *rec, const uint8_t *line, size_t len)
{
	struct open_ctx *c = vctx;

	(void)line;
	(void)len;
	if (c->seq != 0 && rec->seq == c->seq && memcmp(rec->hash, c->head, 32) == 0)
		c->found = 1;
	return 0;
}

int
audit_open(struct audit_log *log, struct audit_report *report, const char *dir,
    const uint8_t *expected_head, uint64_t expected_seq)
{
	struct audit_report rep_local, *rep = report != NULL ? report : &rep_local;
	struct open_ctx ctx = { expected_head, expected_seq, 0 };
	char path[PATH_MAX];
	struct stat st;
	uint64_t good;
	int fd, n, r;

	memset(log, 0, sizeof(*log));
	log->fd = -1;
	memset(rep, 0, sizeof(*rep));
	if (dir == NULL || (expected_seq != 0 && expected_head == NULL))
		return COFFER_ERR_INVALID_ARG;
	n = snprintf(path, sizeof(path), "%s/%s", dir, AUDIT_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return COFFER_ERR_INVALID_ARG;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		/* A new log: make its existence durable before anything relies on it. */
		if (fsync(fd) != 0 || fsync_dir(dir) != 0) {
			close(fd);
			return COFFER_ERR_IO;
		}
	} else if (errno != EEXIST ||
	    (fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		return COFFER_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return COFFER_ERR_IO;
	}
	r = audit_walk(fd, rep, &good, open_cb, &ctx);
	if (r == COFFER_ERR_AUDIT_BROKEN && rep->fault == AUDIT_FAULT_TRUNCATED) {
		/* A torn append was never acknowledged (append syncs before returning). */
		if (ftruncate(fd, (off_t)good) != 0 || fsync(fd) != 0) {
			close(fd);
			return COFFER_ERR_IO;
		}
		log->repaired = 1;
		rep->fault = AUDIT_FAULT_NONE;
		rep->bad_line = 0;
		rep->bad_offset = 0;
		rep->why[0] = '\0';
		r = 0;
	}
	if (r == 0 && expected_seq != 0 && !ctx.found)
		r = COFFER_ERR_AUDIT_HEAD;
	if (r != 0) {
		close(fd);
		return r;
	}
	log->fd = fd;
	log->seq = rep->head_seq;
	memcpy(log->head, rep->head, 32);
	log->size = good;
	return 0;
}

void
audit_close(struct audit_log *log)
{
	if (log == NULL || log->fd < 0)
		return;
	close(log->fd);
	log->fd = -1;
}

/* Copy s into out[cap], every byte a record may not hold replaced by '?'. */
static void
clean_copy(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < cap; i++)
		out[i] = audit_char_ok((unsigned char)s[i]) ? s[i] : '?';
	out[i] = '\0';
}

int
audit_append(struct audit_log *log, struct audit_record *rec_out, const struct audit_event *ev)
{
	struct audit_record rec;
	struct cbuf line;
	size_t i;
	int r;

	if (rec_out != NULL)
		memset(rec_out, 0, sizeof(*rec_out));
	if (log == NULL || log->fd < 0 || log->failed)
		return COFFER_ERR_AUDIT_WRITE;
	memset(&rec, 0, sizeof(rec));
	rec.seq = log->seq + 1;
	rec.time = ev->time;
	rec.kind = ev->kind;
	if (ev->request != NULL)
		memcpy(rec.request, ev->request, 32);
	rec.allowed = ev->allowed ? 1 : 0;
	clean_copy(rec.code, sizeof(rec.code), coffer_err_name(ev->code));
	clean_copy(rec.reason, sizeof(rec.reason), ev->reason);
	rec.spend_sat = ev->spend_sat;
	rec.fee_sat = ev->fee_sat;
	rec.external_sat = ev->external_sat;
	for (i = 0; i < ev->n_dest; i++) {
		if (rec.n_dest < AUDIT_MAX_DEST)
			clean_copy(rec.dest[rec.n_dest++], AUDIT_DEST_LEN, ev->dest[i]);
		else
			rec.more_dest++;
	}
	rec.more_dest += ev->more_dest;
	memcpy(rec.prev, log->head, 32);
	cbuf_init(&line, AUDIT_MAX_LINE);
	if ((r = audit_record_encode(&line, &rec)) != 0) {
		cbuf_free(&line);
		return r == COFFER_ERR_NOMEM ? COFFER_ERR_AUDIT_WRITE : COFFER_ERR_INVALID_ARG;
	}
	/* One write of the whole line, then fsync: only then is the record ours to rely on. */
	if (fdio_write_all(log->fd, line.p, line.len) != 0 || fsync(log->fd) != 0) {
		/* Cut back what may have reached the file; the log is unusable until reopened. */
		if (ftruncate(log->fd, (off_t)log->size) == 0)
			(void)fsync(log->fd);
		log->failed = 1;
		cbuf_free(&line);
		return COFFER_ERR_AUDIT_WRITE;
	}
	log->size += line.len;
	log->seq = rec.seq;
	memcpy(log->head, rec.hash, 32);
	cbuf_free(&line);
	if (rec_out != NULL)
		*rec_out = rec;
	return 0;
}
