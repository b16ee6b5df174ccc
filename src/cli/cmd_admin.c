/*
 * coffer commands for the wallet's owner, through cofferd: policy show|set,
 * token create|list|revoke, and audit verify of the log the daemon relays.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"
#include "signer/audit.h"

int
cmd_policy_show(int argc, char **argv)
{
	json_t *ans = NULL;
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("policy show takes no arguments");
	}
	if ((r = dc_expect(&c, &ans, 200, "GET", "/v1/policy", NULL)) == 0)
		dc_print_json(ans);
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_policy_set(int argc, char **argv)
{
	const char *file = NULL, *pfile = NULL, *v;
	struct cbuf pass, text, body;
	json_t *policy = NULL, *ans = NULL, *req = NULL;
	json_error_t jerr;
	struct dc c;
	size_t n;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--file")) != NULL)
			file = v;
		else if ((v = dc_opt(argc, argv, &i, "--passphrase-file")) != NULL)
			pfile = v;
		else {
			dc_close(&c);
			return cli_usage_error("policy set: unknown argument '%s'", argv[i]);
		}
	}
	if (file == NULL) {
		dc_close(&c);
		return cli_usage_error("policy set --file POLICY.json [--passphrase-file F]");
	}
	cbuf_init(&text, (size_t)256 << 10);
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&body, (size_t)512 << 10);
	r = 1;
	if ((r = cli_read_file(&text, file, (size_t)256 << 10)) != 0) {
		r = cli_fail(file, r);
		goto out;
	}
	if ((policy = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(policy)) {
		fprintf(stderr, "coffer: %s: not a JSON object (%s)\n", file, policy == NULL ? jerr.text : "");
		r = 1;
		goto out;
	}
	if ((r = dc_read_passphrase(&pass, pfile, "Wallet passphrase (to change the policy): ")) != 0)
		goto out;
	/* The request lives in wiped memory: it carries the passphrase. */
	if ((req = json_pack("{s:O,s:s%}", "policy", policy, "passphrase", (const char *)pass.p, pass.len)) == NULL ||
	    (n = json_dumpb(req, NULL, 0, JSON_COMPACT)) == 0 || cbuf_reserve(&body, n + 1) != 0) {
		r = cli_fail("policy set", COFFER_ERR_NOMEM);
		goto out;
	}
	body.len = json_dumpb(req, (char *)body.p, n, JSON_COMPACT);
	body.p[body.len] = '\0';
	if ((r = dc_expect(&c, &ans, 200, "PUT", "/v1/policy", (const char *)body.p)) == 0) {
		if (c.json)
			dc_print_json(ans);
		else
			printf("Policy replaced (the signer has recorded the change in its audit log).\n");
	}
out:
	json_decref(policy);
	json_decref(req);
	json_decref(ans);
	cbuf_free(&text);
	cbuf_free(&pass);
	cbuf_free(&body);
	dc_close(&c);
	return r;
}

int
cmd_token_create(int argc, char **argv)
{
	const char *scope = NULL, *label = NULL, *expires = NULL, *v;
	json_t *req = NULL, *ans = NULL;
	char *body = NULL;
	struct dc c;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--scope")) != NULL)
			scope = v;
		else if ((v = dc_opt(argc, argv, &i, "--label")) != NULL)
			label = v;
		else if ((v = dc_opt(argc, argv, &i, "--expires")) != NULL)
			expires = v;
		else {
			dc_close(&c);
			return cli_usage_error("token create: unknown argument '%s'", argv[i]);
		}
	}
	if (scope == NULL || label == NULL) {
		dc_close(&c);
		return cli_usage_error("token create --scope read|receive|send|admin --label TEXT [--expires SECONDS]");
	}
	req = json_pack("{s:s,s:s}", "scope", scope, "label", label);
	if (req != NULL && expires != NULL)
		json_object_set_new(req, "expires_s", json_integer((json_int_t)strtoll(expires, NULL, 10)));
	if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = cli_fail("token create", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = dc_expect(&c, &ans, 201, "POST", "/v1/tokens", body)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
	} else {
		printf("%s\n", dc_str(ans, "token"));
		fprintf(stderr, "token %s (%s, \"%s\"): shown this once; the daemon keeps only its hash\n", dc_str(ans, "id"),
		    dc_str(ans, "scope"), dc_str(ans, "label"));
	}
out:
	free(body);
	json_decref(req);
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_token_list(int argc, char **argv)
{
	json_t *ans = NULL, *list;
	struct dc c;
	size_t k;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("token list takes no arguments");
	}
	if ((r = dc_expect(&c, &ans, 200, "GET", "/v1/tokens", NULL)) == 0) {
		if (c.json) {
			dc_print_json(ans);
		} else {
			list = json_object_get(ans, "tokens");
			if (json_array_size(list) == 0)
				printf("no scoped tokens (the admin token is in the datadir's auth_token)\n");
			for (k = 0; k < json_array_size(list); k++) {
				const json_t *t = json_array_get(list, k);

				printf("%s  %-7s  %s%s\n", dc_str(t, "id"), dc_str(t, "scope"), dc_str(t, "label"),
				    json_is_true(json_object_get(t, "expired")) ? "  (expired)" : "");
			}
		}
	}
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_token_revoke(int argc, char **argv)
{
	json_t *ans = NULL;
	char path[128];
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 2 || strlen(argv[1]) > 64) {
		dc_close(&c);
		return cli_usage_error("token revoke ID");
	}
	snprintf(path, sizeof(path), "/v1/tokens/%s", argv[1]);
	if ((r = dc_expect(&c, &ans, 200, "DELETE", path, NULL)) == 0) {
		if (c.json)
			dc_print_json(ans);
		else
			printf("revoked %s\n", argv[1]);
	}
	json_decref(ans);
	dc_close(&c);
	return r;
}

/*
 * audit verify, online: fetch every record from the daemon, write them as the
 * log's own lines (a record re-serialised compactly in its field order is its
 * line: that is how the log is written), and walk the chain.
 */
int
cmd_audit_verify_online(int argc, char **argv)
{
	char tmpl[] = "/tmp/coffer-audit-XXXXXX", path[128], head[65];
	struct audit_report rep;
	json_t *ans = NULL, *recs;
	uint64_t from = 1, total = 0;
	struct dc c;
	FILE *f = NULL;
	size_t k;
	int fd, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc > 1 && strcmp(argv[1], "--online") == 0) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("audit verify --online [--url U] [--token T | --datadir D]: no other arguments");
	}
	if ((fd = mkstemp(tmpl)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		dc_close(&c);
		return cli_fail("temporary file", COFFER_ERR_IO);
	}
	for (;;) {
		snprintf(path, sizeof(path), "/v1/audit?from=%" PRIu64 "&limit=1000", from);
		if ((r = dc_expect(&c, &ans, 200, "GET", path, NULL)) != 0)
			goto out;
		recs = json_object_get(ans, "records");
		for (k = 0; k < json_array_size(recs); k++) {
			if (json_dumpf(json_array_get(recs, k), f, JSON_COMPACT) != 0 || fputc('\n', f) == EOF) {
				r = cli_fail("temporary file", COFFER_ERR_IO);
				goto out;
			}
			total++;
		}
		if (!json_is_integer(json_object_get(ans, "next")))
			break;
		from = (uint64_t)json_integer_value(json_object_get(ans, "next"));
		json_decref(ans);
		ans = NULL;
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = cli_fail("temporary file", COFFER_ERR_IO);
		goto out;
	}
	f = NULL;
	r = audit_verify(&rep, tmpl);
	if (r == COFFER_ERR_AUDIT_BROKEN) {
		fprintf(stderr, "coffer: the daemon's audit log: chain broken at record %" PRIu64 ": %s: %s; %" PRIu64
		    " intact records before it\n", rep.bad_line, audit_fault_name(rep.fault), rep.why, rep.records);
		r = 1;
		goto out;
	}
	if (r != 0) {
		r = cli_fail("audit verify", r);
		goto out;
	}
	hex_encode(head, sizeof(head), rep.head, 32);
	printf("chain intact, %" PRIu64 " records, head %s\n", rep.records, head);
	r = rep.records == total ? 0 : 1;
out:
	if (f != NULL)
		fclose(f);
	unlink(tmpl);
	json_decref(ans);
	dc_close(&c);
	return r;
}
