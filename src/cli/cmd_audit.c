/*
 * coffer audit verify: walk the signer's hash-chained audit log and report
 * the first broken link (docs/POLICY.md, "Audit log").
 *
 * The log is not secret; it needs no keys to check. Exit 0 with
 * "chain intact, N records, head H" on stdout; exit 1 with one line naming
 * the first broken record (line number, byte offset, what is wrong) on
 * stderr; exit 2 for bad usage.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/encoding.h"
#include "common/err.h"
#include "signer/audit.h"

int
cmd_audit_verify(int argc, char **argv)
{
	const char *file = NULL, *datadir = NULL;
	char path[PATH_MAX], head[65];
	struct audit_report rep;
	int i, r, n;

	/* --online (or a daemon's --url/--token): the daemon's log, through its API (cmd_admin.c). */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--online") == 0 || strncmp(argv[i], "--url", 5) == 0 ||
		    strncmp(argv[i], "--token", 7) == 0)
			return cmd_audit_verify_online(argc, argv);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--file") == 0 && i + 1 < argc && file == NULL)
			file = argv[++i];
		else if (strcmp(argv[i], "--datadir") == 0 && i + 1 < argc && datadir == NULL)
			datadir = argv[++i];
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return cli_usage_error("audit verify: unexpected argument \"%.64s\"", argv[i]);
	}
	if ((file == NULL) == (datadir == NULL))
		return cli_usage_error("audit verify: give exactly one of --file F or --datadir D");
	if (datadir != NULL) {
		n = snprintf(path, sizeof(path), "%s/signer/%s", datadir, AUDIT_FILE);
		if (n < 0 || (size_t)n >= sizeof(path))
			return cli_usage_error("audit verify: --datadir path too long");
		file = path;
	}
	r = audit_verify(&rep, file);
	if (r == COFFER_ERR_AUDIT_BROKEN) {
		fprintf(stderr, "coffer: %s: chain broken at record %" PRIu64 " (byte offset %" PRIu64
		    "): %s: %s; %" PRIu64 " intact records before it\n", file, rep.bad_line,
		    rep.bad_offset, audit_fault_name(rep.fault), rep.why, rep.records);
		return 1;
	}
	if (r != 0)
		return cli_fail(file, r);
	hex_encode(head, sizeof(head), rep.head, 32);
	printf("chain intact, %" PRIu64 " records, head %s\n", rep.records, head);
	return 0;
}
