/*
 * The audit log: append and verify; tampering with each field of a middle
 * record, truncation, deletion and reordering, each found at the first broken
 * record; torn-tail repair; the sealed head check; durable-write failure;
 * reading records back.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signer/audit.h"

static char g_dir[256];
static char g_path[300];

static void
fresh_dir(void)
{
	char cmd[400];

	snprintf(g_dir, sizeof(g_dir), "/tmp/coffer-audit-test-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0 || mkdir(g_dir, 0700) != 0) {
		perror("mkdir");
		exit(1);
	}
	snprintf(g_path, sizeof(g_path), "%s/%s", g_dir, AUDIT_FILE);
}

static void
cleanup(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Write n records of varied kinds; returns the head. */
static void
write_log(int n, uint8_t head[32])
{
	static const char *const dests[] = { "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "script:6a04" };
	struct audit_log log;
	struct audit_event ev;
	struct audit_record rec;
	uint8_t req[32];
	int i;

	fresh_dir();
	CHECK_OK(audit_open(&log, NULL, g_dir, NULL, 0));
	for (i = 1; i <= n; i++) {
		memset(&ev, 0, sizeof(ev));
		memset(req, i, sizeof(req));
		ev.kind = i % 3 == 0 ? AUDIT_POLICY_CHANGE : AUDIT_SIGN_PSBT;
		ev.time = 1700000000u + (uint64_t)i;
		ev.request = req;
		ev.allowed = i % 2;
		ev.code = i % 2 ? 0 : COFFER_ERR_POLICY_MAX_PAYMENT;
		ev.reason = i % 2 ? "" : "payment of 61000 sat is over the maximum";
		ev.spend_sat = 61000u * (uint64_t)i;
		ev.fee_sat = 1000;
		ev.external_sat = 60000;
		ev.dest = dests;
		ev.n_dest = 2;
		CHECK_OK(audit_append(&log, &rec, &ev));
		CHECK(rec.seq == (uint64_t)i);
	}
	memcpy(head, log.head, 32);
	CHECK(log.seq == (uint64_t)n);
	audit_close(&log);
}

/* The file's lines (at most 16), as one malloc'd string each. */
struct lines {
	char *l[16];
	int n;
};

static void
read_lines(struct lines *ls)
{
	FILE *f = fopen(g_path, "r");
	char buf[AUDIT_MAX_LINE];

	ls->n = 0;
	while (f != NULL && ls->n < 16 && fgets(buf, sizeof(buf), f) != NULL)
		ls->l[ls->n++] = strdup(buf);
	if (f != NULL)
		fclose(f);
}

static void
write_lines(const struct lines *ls)
{
	FILE *f = fopen(g_path, "w");
	int i;

	for (i = 0; i < ls->n; i++)
		fputs(ls->l[i], f);
	fclose(f);
}

static void
free_lines(struct lines *ls)
{
	int i;

	for (i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

/* Replace the first occurrence of `from` in line i by `to`. */
static void
edit_line(struct lines *ls, int i, const char *from, const char *to)
{
	char *p = strstr(ls->l[i], from), *n;
	size_t a, b, c;

	if (p == NULL) {
		fprintf(stderr, "edit: \"%s\" not in line %d\n", from, i);
		exit(1);
	}
	a = (size_t)(p - ls->l[i]);
	b = strlen(to);
	c = strlen(p + strlen(from));
	n = malloc(a + b + c + 1);
	memcpy(n, ls->l[i], a);
	memcpy(n + a, to, b);
	memcpy(n + a + b, p + strlen(from), c + 1);
	free(ls->l[i]);
	ls->l[i] = n;
}

static void
expect_break(uint64_t line, enum audit_fault f, const char *what)
{
	struct audit_report rep;

	CHECK_RC(audit_verify(&rep, g_path), COFFER_ERR_AUDIT_BROKEN);
	CHECK_MSG(rep.bad_line == line && rep.fault == f, "%s: line %llu fault %s (%s), want line %llu %s",
	    what, (unsigned long long)rep.bad_line, audit_fault_name(rep.fault), rep.why,
	    (unsigned long long)line, audit_fault_name(f));
	CHECK(rep.records == line - 1);
}

static void
test_append_verify(void)
{
	struct audit_report rep;
	struct audit_log log;
	uint8_t head[32];
	struct lines ls;
	struct stat st;

	write_log(5, head);
	CHECK_OK(audit_verify(&rep, g_path));
	CHECK(rep.records == 5 && rep.head_seq == 5 && rep.fault == AUDIT_FAULT_NONE);
	CHECK(memcmp(rep.head, head, 32) == 0);
	CHECK(stat(g_path, &st) == 0 && (st.st_mode & 0777) == 0600);
	read_lines(&ls);
	CHECK(ls.n == 5);
	CHECK(strncmp(ls.l[0], "{\"seq\":1,\"time\":1700000001,\"kind\":\"sign_psbt\",\"request\":\"0101", 60) == 0);
	CHECK(strstr(ls.l[1], "\"verdict\":\"refuse\",\"code\":\"policy_max_payment\"") != NULL);
	CHECK(strstr(ls.l[0], "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\"") != NULL);
	CHECK(strstr(ls.l[2], "\"kind\":\"policy_change\"") != NULL);
	free_lines(&ls);
	/* Reopen and continue the chain. */
	CHECK_OK(audit_open(&log, NULL, g_dir, head, 5));
	CHECK(log.seq == 5 && memcmp(log.head, head, 32) == 0 && log.repaired == 0);
	audit_close(&log);
	CHECK_RC(audit_verify(&rep, "/nonexistent/audit.log"), COFFER_ERR_NOT_FOUND);
	cleanup();
}

static void
test_tamper_fields(void)
{
	static const struct {
		const char *from, *to;
		enum audit_fault f;
	} edits[] = {
		{ "\"seq\":3", "\"seq\":4", AUDIT_FAULT_SEQ },
		{ "\"time\":1700000003", "\"time\":1700000004", AUDIT_FAULT_HASH },
		{ "\"kind\":\"policy_change\"", "\"kind\":\"sign_psbt\"", AUDIT_FAULT_HASH },
		{ "\"request\":\"03", "\"request\":\"04", AUDIT_FAULT_HASH },
		{ "\"verdict\":\"allow\"", "\"verdict\":\"refuse\"", AUDIT_FAULT_HASH },
		{ "\"code\":\"ok\"", "\"code\":\"policy_fee\"", AUDIT_FAULT_HASH },
		{ "\"reason\":\"\"", "\"reason\":\"x\"", AUDIT_FAULT_HASH },
		{ "\"spend_sat\":183000", "\"spend_sat\":183001", AUDIT_FAULT_HASH },
		{ "\"fee_sat\":1000", "\"fee_sat\":100", AUDIT_FAULT_HASH },
		{ "\"external_sat\":60000", "\"external_sat\":6000", AUDIT_FAULT_HASH },
		{ "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsy", AUDIT_FAULT_HASH },
		{ "\"more_destinations\":0", "\"more_destinations\":1", AUDIT_FAULT_HASH },
		{ "\"prev\":\"", "\"prev\":\"0", AUDIT_FAULT_BAD_RECORD },	/* 65 hex digits */
		{ "\"hash\":\"", "\"hash\":\"f", AUDIT_FAULT_BAD_RECORD },
		{ "\"seq\":3,", "\"seq\":3, ", AUDIT_FAULT_BAD_RECORD },	/* not canonical */
		{ "\"seq\":3,", "\"seq\":3,\"seq\":3,", AUDIT_FAULT_BAD_JSON },	/* duplicate key */
		{ "{", "[", AUDIT_FAULT_BAD_JSON },
		{ "\"fee_sat\":1000,", "", AUDIT_FAULT_BAD_RECORD },	/* missing field */
		{ "\"fee_sat\":1000,", "\"fee_sat\":1000,\"x\":1,", AUDIT_FAULT_BAD_RECORD },
	};
	uint8_t head[32];
	struct lines ls;
	size_t i;
	char prevhex[65], *p;

	write_log(5, head);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		read_lines(&ls);
		edit_line(&ls, 2, edits[i].from, edits[i].to);
		write_lines(&ls);
		expect_break(3, edits[i].f, edits[i].from);
		free_lines(&ls);
		write_log(5, head);
	}
	/* prev replaced by another valid hash (record 1's): a prev mismatch. */
	read_lines(&ls);
	p = strstr(ls.l[1], "\"hash\":\"");
	memcpy(prevhex, p + 8, 64);
	prevhex[64] = '\0';
	p = strstr(ls.l[2], "\"prev\":\"");
	memcpy(p + 8, strstr(ls.l[0], "\"hash\":\"") + 8, 64);
	write_lines(&ls);
	expect_break(3, AUDIT_FAULT_PREV, "prev");
	free_lines(&ls);
	/* The hash field replaced by another well-formed hash. */
	write_log(5, head);
	read_lines(&ls);
	p = strstr(ls.l[2], "\"hash\":\"");
	memcpy(p + 8, prevhex, 64);
	write_lines(&ls);
	expect_break(3, AUDIT_FAULT_HASH, "hash");
	free_lines(&ls);
	cleanup();
}

static void
test_truncate_delete_reorder(void)
{
	struct audit_log log;
	struct audit_report rep;
	struct audit_event ev;
	uint8_t head[32], head4[32];
	struct lines ls;
	char *tmp;
	int fd;
	struct stat st;

	/* Deletion of a middle record. */
	write_log(5, head);
	read_lines(&ls);
	free(ls.l[2]);
	memmove(&ls.l[2], &ls.l[3], 2 * sizeof(char *));
	ls.n = 4;
	write_lines(&ls);
	expect_break(3, AUDIT_FAULT_SEQ, "deleted record 3");
	free_lines(&ls);

	/* Reorder records 3 and 4. */
	write_log(5, head);
	read_lines(&ls);
	tmp = ls.l[2];
	ls.l[2] = ls.l[3];
	ls.l[3] = tmp;
	write_lines(&ls);
	expect_break(3, AUDIT_FAULT_SEQ, "swapped 3 and 4");
	free_lines(&ls);

	/* A line of garbage appended after the chain. */
	write_log(3, head);
	read_lines(&ls);
	ls.l[ls.n++] = strdup("not json\n");
	write_lines(&ls);
	expect_break(4, AUDIT_FAULT_BAD_JSON, "garbage");
	free_lines(&ls);

	/* Truncation in the middle of the last record: a torn write. */
	write_log(5, head);
	CHECK(stat(g_path, &st) == 0);
	CHECK(truncate(g_path, st.st_size - 40) == 0);
	expect_break(5, AUDIT_FAULT_TRUNCATED, "torn last line");
	/* Open repairs it (never acknowledged), and the chain continues from record 4. */
	CHECK_OK(audit_open(&log, &rep, g_dir, NULL, 0));
	CHECK(log.repaired == 1 && log.seq == 4);
	memcpy(head4, log.head, 32);
	memset(&ev, 0, sizeof(ev));
	ev.kind = AUDIT_UNLOCK;
	ev.time = 1;
	CHECK_OK(audit_append(&log, NULL, &ev));
	audit_close(&log);
	CHECK_OK(audit_verify(&rep, g_path));
	CHECK(rep.records == 5);

	/* The sealed head must be in the log: cut the last record and the head (seq 5) is missing. */
	memcpy(head, rep.head, 32);
	read_lines(&ls);
	free(ls.l[4]);
	ls.n = 4;
	write_lines(&ls);
	free_lines(&ls);
	CHECK_RC(audit_open(&log, NULL, g_dir, head, 5), COFFER_ERR_AUDIT_HEAD);
	CHECK(log.fd == -1);
	/* The state may lag the log by a record (crash between append and state save). */
	CHECK_OK(audit_open(&log, NULL, g_dir, head4, 4));
	audit_close(&log);
	CHECK_RC(audit_open(&log, NULL, g_dir, head, 4), COFFER_ERR_AUDIT_HEAD);

	/* A broken middle is not repaired: open refuses. */
	write_log(5, head);
	read_lines(&ls);
	edit_line(&ls, 1, "\"fee_sat\":1000", "\"fee_sat\":1");
	write_lines(&ls);
	free_lines(&ls);
	CHECK_RC(audit_open(&log, &rep, g_dir, NULL, 0), COFFER_ERR_AUDIT_BROKEN);
	CHECK(rep.bad_line == 2 && rep.fault == AUDIT_FAULT_HASH);
	/* A line over the cap. */
	fd = open(g_path, O_WRONLY | O_TRUNC);
	tmp = malloc(AUDIT_MAX_LINE + 10);
	memset(tmp, 'x', AUDIT_MAX_LINE + 10);
	CHECK(write(fd, tmp, AUDIT_MAX_LINE + 10) == AUDIT_MAX_LINE + 10);
	close(fd);
	free(tmp);
	expect_break(1, AUDIT_FAULT_TOO_LONG, "long line");
	cleanup();
}

static void
test_write_failure(void)
{
	struct audit_log log;
	struct audit_event ev;
	struct audit_report rep;
	uint8_t head[32];
	int fd;

	write_log(2, head);
	CHECK_OK(audit_open(&log, NULL, g_dir, head, 2));
	memset(&ev, 0, sizeof(ev));
	ev.kind = AUDIT_SIGN_PSBT;
	/* A full disk: write(2) fails with ENOSPC. */
	fd = log.fd;
	log.fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	CHECK(log.fd >= 0);
	CHECK_RC(audit_append(&log, NULL, &ev), COFFER_ERR_AUDIT_WRITE);
	CHECK(log.failed == 1 && log.seq == 2);
	/* Once failed, nothing more is appended until reopened. */
	close(log.fd);
	log.fd = fd;
	CHECK_RC(audit_append(&log, NULL, &ev), COFFER_ERR_AUDIT_WRITE);
	audit_close(&log);
	CHECK_OK(audit_verify(&rep, g_path));
	CHECK(rep.records == 2);
	/* A closed log refuses too; an unknown kind is a programming error. */
	CHECK_RC(audit_append(&log, NULL, &ev), COFFER_ERR_AUDIT_WRITE);
	CHECK_OK(audit_open(&log, NULL, g_dir, NULL, 0));
	ev.kind = (enum audit_kind)99;
	CHECK_RC(audit_append(&log, NULL, &ev), COFFER_ERR_INVALID_ARG);
	audit_close(&log);
	/* A directory we cannot write: the log cannot be created. */
	if (geteuid() != 0) {
		CHECK(chmod(g_dir, 0500) == 0);
		CHECK(unlink(g_path) != 0 || 1);
		CHECK_RC(audit_open(&log, NULL, g_dir, NULL, 0), COFFER_ERR_IO);
		CHECK(chmod(g_dir, 0700) == 0);
	}
	cleanup();
}

static void
test_sanitise_and_caps(void)
{
	const char *many[40];
	struct audit_log log;
	struct audit_event ev;
	struct audit_record rec;
	struct audit_report rep;
	int i;

	fresh_dir();
	for (i = 0; i < 40; i++)
		many[i] = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx";
	CHECK_OK(audit_open(&log, NULL, g_dir, NULL, 0));
	memset(&ev, 0, sizeof(ev));
	ev.kind = AUDIT_SIGN_PSBT;
	ev.reason = "quote \" backslash \\ newline \n tab \t high \xc3\xa9";
	ev.dest = many;
	ev.n_dest = 40;
	ev.more_dest = 2;
	CHECK_OK(audit_append(&log, &rec, &ev));
	CHECK_STREQ(rec.reason, "quote ? backslash ? newline ? tab ? high ??");
	CHECK(rec.n_dest == AUDIT_MAX_DEST && rec.more_dest == 10);
	audit_close(&log);
	CHECK_OK(audit_verify(&rep, g_path));
	cleanup();
}

static void
test_read(void)
{
	struct cbuf out;
	uint32_t count;
	uint64_t next;
	uint8_t head[32];
	struct lines ls;

	write_log(6, head);
	cbuf_init(&out, 0);
	CHECK_OK(audit_read(&out, &count, &next, g_path, 2, 3));
	CHECK(count == 3 && next == 5);
	read_lines(&ls);
	CHECK(out.len == strlen(ls.l[1]) + strlen(ls.l[2]) + strlen(ls.l[3]));
	CHECK(memcmp(out.p, ls.l[1], strlen(ls.l[1])) == 0);
	cbuf_reset(&out);
	CHECK_OK(audit_read(&out, &count, &next, g_path, next, 100));
	CHECK(count == 2 && next == 7);
	cbuf_reset(&out);
	CHECK_OK(audit_read(&out, &count, &next, g_path, 7, 100));
	CHECK(count == 0 && next == 7 && out.len == 0);
	/* The cap of the output buffer limits the reply to whole lines. */
	cbuf_free(&out);
	cbuf_init(&out, strlen(ls.l[0]) + 10);
	CHECK_OK(audit_read(&out, &count, &next, g_path, 1, 100));
	CHECK(count == 1 && next == 2);
	cbuf_free(&out);
	/* Only the intact prefix is served. */
	edit_line(&ls, 3, "\"fee_sat\":1000", "\"fee_sat\":1");
	write_lines(&ls);
	free_lines(&ls);
	cbuf_init(&out, 0);
	CHECK_OK(audit_read(&out, &count, &next, g_path, 1, 100));
	CHECK(count == 3 && next == 4);
	cbuf_free(&out);
	CHECK_RC(audit_read(&out, &count, &next, "/nonexistent/x", 1, 1), COFFER_ERR_NOT_FOUND);
	cleanup();
}

static const struct test_case tests[] = {
	{ "append_verify", test_append_verify },
	{ "tamper_fields", test_tamper_fields },
	{ "truncate_delete_reorder", test_truncate_delete_reorder },
	{ "write_failure", test_write_failure },
	{ "sanitise_and_caps", test_sanitise_and_caps },
	{ "read", test_read },
};

TEST_MAIN(tests)
