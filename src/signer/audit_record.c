/*
 * Audit records: canonical encoding, strict parsing, the chain walker, and
 * the read-only operations on a log file (verify, read).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "btc/hash.h"
#include "common/encoding.h"
#include "common/err.h"
#include "signer/audit.h"
#include "signer/audit_int.h"

static const char *const kind_names[] = {
	NULL, "sign_psbt", "sign_message", "policy_change", "unlock", "lock", "create", "restore",
	"storage_key", "start",
};
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *
audit_kind_name(enum audit_kind kind)
{
	return (size_t)kind < N_KINDS ? kind_names[kind] : NULL;
}

const char *
audit_fault_name(enum audit_fault f)
{
	switch (f) {
	case AUDIT_FAULT_NONE: return "intact";
	case AUDIT_FAULT_BAD_JSON: return "bad JSON";
	case AUDIT_FAULT_BAD_RECORD: return "bad record";
	case AUDIT_FAULT_SEQ: return "sequence gap";
	case AUDIT_FAULT_PREV: return "prev mismatch";
	case AUDIT_FAULT_HASH: return "hash mismatch";
	case AUDIT_FAULT_TRUNCATED: return "truncated last line";
	case AUDIT_FAULT_TOO_LONG: return "line too long";
	}
	return "unknown";
}

int
audit_char_ok(int c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

static int
str_ok(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= cap || !audit_char_ok((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
put_fmt(struct cbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
put_fmt(struct cbuf *out, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return COFFER_ERR_INTERNAL;
	return cbuf_put(out, (const uint8_t *)tmp, (size_t)n);
}

static int
put_hex32(struct cbuf *out, const char *key, const uint8_t h[32])
{
	char hex[65];

	hex_encode(hex, sizeof(hex), h, 32);
	return put_fmt(out, ",\"%s\":\"%s\"", key, hex);
}

int
audit_record_encode(struct cbuf *out, struct audit_record *rec)
{
	const char *kind = audit_kind_name(rec->kind);
	size_t start = out->len, i;
	int r;

	if (kind == NULL || rec->seq > INT64_MAX || rec->time > INT64_MAX ||
	    rec->spend_sat > INT64_MAX || rec->fee_sat > INT64_MAX ||
	    rec->external_sat > INT64_MAX || rec->more_dest > INT64_MAX ||
	    rec->n_dest > AUDIT_MAX_DEST || !str_ok(rec->code, AUDIT_CODE_LEN) ||
	    !str_ok(rec->reason, AUDIT_REASON_LEN))
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < rec->n_dest; i++)
		if (!str_ok(rec->dest[i], AUDIT_DEST_LEN))
			return COFFER_ERR_INVALID_ARG;
	if ((r = put_fmt(out, "{\"seq\":%" PRIu64 ",\"time\":%" PRIu64 ",\"kind\":\"%s\"",
	    rec->seq, rec->time, kind)) != 0 ||
	    (r = put_hex32(out, "request", rec->request)) != 0 ||
	    (r = put_fmt(out, ",\"verdict\":\"%s\",\"code\":\"", rec->allowed ? "allow" : "refuse")) ||
	    (r = cbuf_put_str(out, rec->code)) != 0 ||
	    (r = cbuf_put_str(out, "\",\"reason\":\"")) != 0 ||
	    (r = cbuf_put_str(out, rec->reason)) != 0 ||
	    (r = put_fmt(out, "\",\"spend_sat\":%" PRIu64 ",\"fee_sat\":%" PRIu64
	    ",\"external_sat\":%" PRIu64 ",\"destinations\":[", rec->spend_sat, rec->fee_sat,
	    rec->external_sat)) != 0)
		return r;
	for (i = 0; i < rec->n_dest; i++)
		if ((r = cbuf_put_str(out, i == 0 ? "\"" : ",\"")) != 0 ||
		    (r = cbuf_put_str(out, rec->dest[i])) != 0 ||
		    (r = cbuf_put_str(out, "\"")) != 0)
			return r;
	if ((r = put_fmt(out, "],\"more_destinations\":%" PRIu64, rec->more_dest)) != 0 ||
	    (r = put_hex32(out, "prev", rec->prev)) != 0)
		return r;
	sha256(rec->hash, out->p + start, out->len - start);
	if ((r = put_hex32(out, "hash", rec->hash)) != 0 || (r = cbuf_put_str(out, "}\n")) != 0)
		return r;
	return 0;
}

/* --- Parsing ---------------------------------------------------------------- */

static int
get_u64(uint64_t *out, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
get_str(char *out, size_t cap, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	if (!json_is_string(v) || (n = json_string_length(v)) >= cap)
		return -1;
	s = json_string_value(v);
	if (strlen(s) != n || !str_ok(s, cap))
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

static int
get_hash(uint8_t out[32], json_t *o, const char *key)
{
	char hex[65];

	if (get_str(hex, sizeof(hex), o, key) != 0 || strlen(hex) != 64)
		return -1;
	return hex_decode_exact(out, 32, hex) == 0 ? 0 : -1;
}

static int
fault(char *why, int f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fault(char *why, int f, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(why, 192, fmt, ap);
		va_end(ap);
	}
	return f;
}

#define N_FIELDS 14

static int
record_fields(struct audit_record *rec, json_t *o, const char **bad)
{
	char kind[32], verdict[8];
	json_t *a;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	if (json_object_size(o) != N_FIELDS)
		return (*bad = "(wrong number of fields)"), -1;
	if (get_u64(&rec->seq, o, *bad = "seq") != 0 || get_u64(&rec->time, o, *bad = "time") != 0 ||
	    get_str(kind, sizeof(kind), o, *bad = "kind") != 0 ||
	    get_hash(rec->request, o, *bad = "request") != 0 ||
	    get_str(verdict, sizeof(verdict), o, *bad = "verdict") != 0 ||
	    get_str(rec->code, sizeof(rec->code), o, *bad = "code") != 0 ||
	    get_str(rec->reason, sizeof(rec->reason), o, *bad = "reason") != 0 ||
	    get_u64(&rec->spend_sat, o, *bad = "spend_sat") != 0 ||
	    get_u64(&rec->fee_sat, o, *bad = "fee_sat") != 0 ||
	    get_u64(&rec->external_sat, o, *bad = "external_sat") != 0 ||
	    get_u64(&rec->more_dest, o, *bad = "more_destinations") != 0 ||
	    get_hash(rec->prev, o, *bad = "prev") != 0 || get_hash(rec->hash, o, *bad = "hash") != 0)
		return -1;
	*bad = "kind";
	for (i = 1; i < N_KINDS && strcmp(kind, kind_names[i]) != 0; i++)
		;
	if (i == N_KINDS)
		return -1;
	rec->kind = (enum audit_kind)i;
	*bad = "verdict";
	if (strcmp(verdict, "allow") == 0)
		rec->allowed = 1;
	else if (strcmp(verdict, "refuse") != 0)
		return -1;
	*bad = "destinations";
	a = json_object_get(o, "destinations");
	if (!json_is_array(a) || json_array_size(a) > AUDIT_MAX_DEST)
		return -1;
	for (i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		const char *s;

		if (!json_is_string(e) || json_string_length(e) >= AUDIT_DEST_LEN)
			return -1;
		s = json_string_value(e);
		if (strlen(s) != json_string_length(e) || !str_ok(s, AUDIT_DEST_LEN))
			return -1;
		memcpy(rec->dest[i], s, strlen(s) + 1);
	}
	rec->n_dest = json_array_size(a);
	return 0;
}

int
audit_record_parse(struct audit_record *rec, uint8_t computed[32], char *why, const uint8_t *line,
    size_t len)
{
	json_error_t jerr;
	json_t *o;
	struct cbuf enc;
	uint8_t stated[32];
	char hex[65];
	const char *bad = NULL;
	int r, f = 0;

	memset(rec, 0, sizeof(*rec));
	memset(computed, 0, 32);
	if (len >= AUDIT_MAX_LINE)
		return fault(why, AUDIT_FAULT_TOO_LONG, "line of %zu bytes", len);
	if ((o = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		return fault(why, AUDIT_FAULT_BAD_JSON, "not a JSON object (%s)",
		    o == NULL ? jerr.text : "another JSON value");
	}
	r = record_fields(rec, o, &bad);
	json_decref(o);
	if (r != 0)
		return fault(why, AUDIT_FAULT_BAD_RECORD, "field %s missing or invalid", bad);
	memcpy(stated, rec->hash, 32);
	cbuf_init(&enc, AUDIT_MAX_LINE + 1);
	if ((r = audit_record_encode(&enc, rec)) != 0) {
		cbuf_free(&enc);
		return r == COFFER_ERR_NOMEM ? r : fault(why, AUDIT_FAULT_BAD_RECORD,
		    "record cannot be encoded (%s)", coffer_err_name(r));
	}
	/* Same bytes but for the hash digits, which must be the stated hash in lowercase. */
	hex_encode(hex, sizeof(hex), stated, 32);
	if (enc.len != len + 1 || enc.len < 67 ||
	    memcmp(enc.p, line, enc.len - 67) != 0 || memcmp(line + enc.len - 67, hex, 64) != 0 ||
	    memcmp(enc.p + enc.len - 3, line + len - 2, 2) != 0)
		f = fault(why, AUDIT_FAULT_BAD_RECORD, "record is not in canonical form");
	cbuf_free(&enc);
	memcpy(computed, rec->hash, 32);
	memcpy(rec->hash, stated, 32);
	return f;
}

/* --- The chain walker -------------------------------------------------------- */

int
audit_walk(int fd, struct audit_report *rep, uint64_t *good_off, audit_walk_cb cb, void *ctx)
{
	const size_t cap = 2 * AUDIT_MAX_LINE;
	struct audit_record *rec = NULL;
	uint8_t *buf = NULL, *nl, computed[32];
	size_t start = 0, end = 0, len;
	uint64_t line_no = 0;
	ssize_t got;
	int eof = 0, r = 0, f;

	memset(rep, 0, sizeof(*rep));
	*good_off = 0;
	if ((buf = malloc(cap)) == NULL || (rec = malloc(sizeof(*rec))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		nl = end > start ? memchr(buf + start, '\n', end - start) : NULL;
		if (nl == NULL) {
			if (end - start >= AUDIT_MAX_LINE) {
				line_no++;
				f = fault(rep->why, AUDIT_FAULT_TOO_LONG, "no newline within %d bytes",
				    AUDIT_MAX_LINE);
				goto broken;
			}
			if (eof) {
				if (end == start)
					break;	/* clean end */
				line_no++;
				f = fault(rep->why, AUDIT_FAULT_TRUNCATED,
				    "the last %zu bytes have no newline (torn write?)", end - start);
				goto broken;
			}
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
			/* buf[0..end) holds the file from *good_off on. */
			got = pread(fd, buf + end, cap - end, (off_t)(*good_off + end));
			if (got < 0) {
				if (errno == EINTR)
					continue;
				r = COFFER_ERR_IO;
				goto out;
			}
			if (got == 0)
				eof = 1;
			end += (size_t)got;
			continue;
		}
		line_no++;
		len = (size_t)(nl - (buf + start));
		if ((f = audit_record_parse(rec, computed, rep->why, buf + start, len)) != 0) {
			if (f < 0) {
				r = f;
				goto out;
			}
			goto broken;
		}
		if (rec->seq != rep->head_seq + 1) {
			f = fault(rep->why, AUDIT_FAULT_SEQ, "seq %" PRIu64 " where %" PRIu64
			    " was expected", rec->seq, rep->head_seq + 1);
			goto broken;
		}
		if (memcmp(rec->prev, rep->head, 32) != 0) {
			f = fault(rep->why, AUDIT_FAULT_PREV, "prev is not the hash of record %"
			    PRIu64, rep->head_seq);
			goto broken;
		}
		if (memcmp(rec->hash, computed, 32) != 0) {
			f = fault(rep->why, AUDIT_FAULT_HASH, "stated hash does not match the record");
			goto broken;
		}
		rep->records++;
		rep->head_seq = rec->seq;
		memcpy(rep->head, rec->hash, 32);
		*good_off += len + 1;
		start += len + 1;
		if (cb != NULL && (r = cb(ctx, rec, nl - len, len + 1)) != 0) {
			if (r > 0)
				r = 0;	/* the callback asked to stop */
			goto out;
		}
	}
	r = 0;
	goto out;
broken:
	rep->fault = (enum audit_fault)f;
	rep->bad_line = line_no;
	rep->bad_offset = *good_off;
	r = COFFER_ERR_AUDIT_BROKEN;
out:
	free(rec);
	free(buf);
	return r;
}

static int
open_log_ro(int *fd, const char *path)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? COFFER_ERR_NOT_FOUND : COFFER_ERR_IO;
	return 0;
}

int
audit_verify(struct audit_report *report, const char *path)
{
	uint64_t good;
	int fd, r;

	memset(report, 0, sizeof(*report));
	if ((r = open_log_ro(&fd, path)) != 0)
		return r;
	r = audit_walk(fd, report, &good, NULL, NULL);
	close(fd);
	return r;
}

struct read_ctx {
	struct cbuf *out;
	uint32_t count, max;
	uint64_t from, next;
};

static int
read_cb(void *vctx, const struct audit_record *rec, const uint8_t *line, size_t len)
{
	struct read_ctx *c = vctx;
	int r;

	if (rec->seq < c->from)
		return 0;
	if (c->count >= c->max || len > c->out->max - c->out->len)
		return 1;
	if ((r = cbuf_put(c->out, line, len)) != 0)
		return r;
	c->count++;
	c->next = rec->seq + 1;
	return 0;
}

int
audit_read(struct cbuf *out, uint32_t *count, uint64_t *next, const char *path, uint64_t from,
    uint32_t max)
{
	struct read_ctx c = { out, 0, max, from, from };
	struct audit_report rep;
	uint64_t good;
	int fd, r;

	*count = 0;
	*next = from;
	if ((r = open_log_ro(&fd, path)) != 0)
		return r;
	r = audit_walk(fd, &rep, &good, read_cb, &c);
	close(fd);
	if (r == COFFER_ERR_AUDIT_BROKEN)
		r = 0;	/* the intact prefix was returned */
	if (r != 0)
		return r;
	*count = c.count;
	*next = c.next;
	return 0;
}
