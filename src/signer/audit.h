/*
 * The signer's audit log: <datadir>/signer/audit.log (docs/POLICY.md).
 *
 * Append-only, one JSON object per line, hash-chained:
 *   {"seq":N,"time":T,"kind":"sign_psbt","request":"<hex32>","verdict":"refuse",
 *    "code":"policy_max_payment","reason":"...","spend_sat":S,"fee_sat":F,
 *    "external_sat":X,"destinations":["bc1q..."],"more_destinations":0,
 *    "prev":"<hex32>","hash":"<hex32>"}
 * Keys always in this order, compact, strings limited to printable ASCII
 * without '"' and '\' (anything else is written as '?'). The record hash is
 * SHA-256 of the line's bytes up to, not including, `,"hash":` (so it covers
 * every field and prev); prev is the previous record's hash, 32 zero bytes
 * for the first; seq starts at 1 and increases by one. A verifier re-encodes
 * every parsed record and demands the same bytes, so no field can change
 * without changing the hash.
 *
 * Each append is one write(2) of the whole line followed by fsync(2) (the
 * directory is fsynced when the log is created); a record that cannot be
 * made durable is reported as COFFER_ERR_AUDIT_WRITE and the signer must not
 * sign. The chain head (hash, seq) is kept in the sealed state too, so
 * truncating the log or rolling it back is detected at open.
 */
#ifndef COFFER_SIGNER_AUDIT_H
#define COFFER_SIGNER_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define AUDIT_FILE          "audit.log"
#define AUDIT_MAX_LINE      16384	/* bytes in one record line, newline included */
#define AUDIT_MAX_DEST      32		/* destinations listed in one record */
#define AUDIT_DEST_LEN      96		/* bytes per destination, NUL included */
#define AUDIT_REASON_LEN    256		/* bytes of reason, NUL included */
#define AUDIT_CODE_LEN      48		/* bytes of code name, NUL included */

enum audit_kind {
	AUDIT_SIGN_PSBT = 1,
	AUDIT_SIGN_MESSAGE,
	AUDIT_POLICY_CHANGE,
	AUDIT_UNLOCK,
	AUDIT_LOCK,
	AUDIT_CREATE,
	AUDIT_RESTORE,
	AUDIT_STORAGE_KEY,
	AUDIT_START,
};

/* "sign_psbt", ... or NULL for an unknown kind. */
const char *audit_kind_name(enum audit_kind kind);

/* One record, as written and as parsed back. */
struct audit_record {
	uint64_t seq;
	uint64_t time;			/* unix seconds */
	enum audit_kind kind;
	uint8_t request[32];		/* SHA-256 of the request bytes (zero when none) */
	int allowed;			/* verdict */
	char code[AUDIT_CODE_LEN];	/* coffer_err_name() of the decision ("ok") */
	char reason[AUDIT_REASON_LEN];
	uint64_t spend_sat;		/* value leaving the wallet, fee included */
	uint64_t fee_sat;
	uint64_t external_sat;
	size_t n_dest;
	char dest[AUDIT_MAX_DEST][AUDIT_DEST_LEN];
	uint64_t more_dest;		/* destinations beyond AUDIT_MAX_DEST */
	uint8_t prev[32];
	uint8_t hash[32];
};

/* What a caller logs; the log adds seq, prev and hash. */
struct audit_event {
	enum audit_kind kind;
	uint64_t time;
	const uint8_t *request;		/* 32 bytes or NULL */
	int allowed;
	int code;			/* 0 or a COFFER_ERR_* code */
	const char *reason;		/* NULL: "" */
	uint64_t spend_sat, fee_sat, external_sat;
	const char *const *dest;	/* n_dest strings (beyond AUDIT_MAX_DEST only counted) */
	size_t n_dest;
	uint64_t more_dest;		/* destinations not in dest, counted only */
};

struct judge_decision;
/*
 * Fill an event from a PSBT judgement: verdict, code, reason, amounts and the
 * external destinations (pointers into d: keep d alive while e is used).
 * Out: e; dest_storage[AUDIT_MAX_DEST]: backing array for e->dest.
 * In:  d; now.
 */
void audit_event_from_decision(struct audit_event *e, const char *dest_storage[AUDIT_MAX_DEST],
    const struct judge_decision *d, uint64_t now);

/* An open log, ready to append. */
struct audit_log {
	int fd;				/* -1 when closed */
	uint64_t seq;			/* seq of the last record (0: empty) */
	uint8_t head[32];		/* its hash (zeros: empty) */
	uint64_t size;			/* bytes in the file */
	int failed;			/* an append failed: refuse more until reopened */
	int repaired;			/* open removed a torn last line */
};

/* Why a chain is broken. */
enum audit_fault {
	AUDIT_FAULT_NONE = 0,
	AUDIT_FAULT_BAD_JSON,		/* the line is not a JSON object */
	AUDIT_FAULT_BAD_RECORD,		/* fields missing, unknown, mistyped, or not canonical */
	AUDIT_FAULT_SEQ,		/* seq is not the previous seq + 1 */
	AUDIT_FAULT_PREV,		/* prev is not the previous record's hash */
	AUDIT_FAULT_HASH,		/* hash does not match the record */
	AUDIT_FAULT_TRUNCATED,		/* the last line has no newline (torn write) */
	AUDIT_FAULT_TOO_LONG,		/* a line over AUDIT_MAX_LINE */
};

struct audit_report {
	uint64_t records;		/* intact records before the break (all when intact) */
	uint64_t head_seq;		/* seq of the last intact record */
	uint8_t head[32];		/* its hash (zeros when none) */
	enum audit_fault fault;		/* AUDIT_FAULT_NONE when intact */
	uint64_t bad_line;		/* 1-based line of the first broken record */
	uint64_t bad_offset;		/* its byte offset */
	char why[192];			/* human explanation of the break */
};

/* Short name of a fault ("hash mismatch"). */
const char *audit_fault_name(enum audit_fault f);

/*
 * Open (creating when absent, mode 0600, then fsyncing file and directory)
 * dir/audit.log for appending, after verifying the whole chain. A torn last
 * line (crash during an append that was never acknowledged) is cut off and
 * the cut fsynced; log->repaired says so. When expected_seq > 0 the record of
 * that seq must exist and have hash expected_head (the head sealed in the
 * state file; the log may have more records after it: a crash between the
 * append and the state save).
 * Returns 0; COFFER_ERR_AUDIT_BROKEN (report says where and why);
 *   COFFER_ERR_AUDIT_HEAD (the sealed head is not in the log: truncated,
 *   rolled back or replaced); COFFER_ERR_IO; COFFER_ERR_NOMEM;
 *   COFFER_ERR_INVALID_ARG.
 * Out:  log (fd -1 on failure); report (may be NULL).
 * In:   dir: the signer directory; expected_head (NULL when expected_seq is 0).
 */
int audit_open(struct audit_log *log, struct audit_report *report, const char *dir,
    const uint8_t *expected_head, uint64_t expected_seq);

/* Close (fd -1 afterwards). NULL or closed is allowed. */
void audit_close(struct audit_log *log);

/*
 * Append one record durably: a single write of the line, then fsync.
 * Returns 0, or COFFER_ERR_AUDIT_WRITE when it could not be written and
 *   synced (the file is cut back to its previous size when possible, and the
 *   log refuses further appends: the caller must not sign), or
 *   COFFER_ERR_INVALID_ARG (unknown kind, a number over INT64_MAX).
 * Args: log: seq/head advance on success.
 * Out:  rec (may be NULL): the record written, hash included.
 * In:   ev.
 */
int audit_append(struct audit_log *log, struct audit_record *rec, const struct audit_event *ev);

/*
 * Walk the chain of the log file at path and report the first broken link.
 * Returns 0 when intact; COFFER_ERR_AUDIT_BROKEN (report says where and why);
 *   COFFER_ERR_NOT_FOUND; COFFER_ERR_IO; COFFER_ERR_NOMEM.
 * Out: report (filled in every case).
 * In:  path.
 */
int audit_verify(struct audit_report *report, const char *path);

/*
 * Records with seq >= from, at most max of them and as many whole lines as
 * fit in out's cap, as the log's own bytes (one line each). Only records of
 * the intact prefix of the chain are returned.
 * Returns 0 (also when there are none); COFFER_ERR_NOT_FOUND (no log);
 *   COFFER_ERR_IO; COFFER_ERR_NOMEM.
 * Out: out (appended); count; next: seq to ask for next.
 * In:  path; from; max.
 */
int audit_read(struct cbuf *out, uint32_t *count, uint64_t *next, const char *path, uint64_t from,
    uint32_t max);

/*
 * Encode a record as its line (newline included); rec->hash is ignored and
 * set to the computed hash.
 * Returns 0, COFFER_ERR_INVALID_ARG or a cbuf error.
 * Out: out (appended); rec->hash. In: rec (seq, prev and fields set).
 */
int audit_record_encode(struct cbuf *out, struct audit_record *rec);

/*
 * Parse one line (without its newline) into a record and check that it is
 * canonical (re-encoding gives the same bytes). Chain links (seq, prev) and
 * the hash are the caller's to compare: computed receives the hash the
 * record's bytes give, rec->hash the one it states.
 * Returns 0, or an enum audit_fault value (positive) with why filled;
 *   COFFER_ERR_NOMEM.
 * Out: rec; computed[32]; why[192] (may be NULL). In: line[len].
 */
int audit_record_parse(struct audit_record *rec, uint8_t computed[32], char *why,
    const uint8_t *line, size_t len);

#endif
