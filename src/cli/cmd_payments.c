/* coffer commands for paying (through cofferd): send (and its preview), payments, bump, payments cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "common/buf.h"
#include "common/err.h"

/* Most outputs one `coffer send` takes (the daemon bounds a request too). */
#define SEND_MAX_OUTPUTS 1000

/* A whole number of satoshis, 1..21e14, digits only; -1 otherwise. */
static long long
parse_sat(const char *s)
{
	long long v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 16)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 2100000000000000LL ? v : -1;
}

/* A fee rate in sat/vB: digits, optionally a fraction ("2", "1.5"); the daemon checks its bounds. */
static json_t *
parse_fee_rate(const char *s)
{
	size_t i, dots = 0, digits = 0;

	if (s == NULL || s[0] == '\0' || strlen(s) > 16)
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return NULL;
	}
	if (dots > 1 || digits == 0 || s[0] == '.' || s[i - 1] == '.')
		return NULL;
	return dots == 0 ? json_integer(atoll(s)) : json_real(strtod(s, NULL));
}

/* Statuses and idempotency keys go into a path or body as given: printable, no quoting needed. */
static int
plain_word(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > max)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.' || s[i] == ':'))
			return 0;
	return 1;
}

/* One line for a payment: id, status, amount paid out, fee, txid. */
static void
print_payment(const json_t *p)
{
	const json_t *outs = json_object_get(p, "outputs");
	char amt[64], fee[64];
	long long total = 0;
	size_t k;

	for (k = 0; k < json_array_size(outs); k++)
		total += dc_num(json_array_get(outs, k), "amount_sat");
	dc_btc(amt, sizeof(amt), total);
	dc_btc(fee, sizeof(fee), dc_num(p, "fee_sat"));
	printf("%s  %-10s %20s  fee %16s  %s\n", dc_str(p, "id"), dc_str(p, "status"), amt, fee, dc_str(p, "txid"));
}

/* What a payment would be: fee, size, inputs, outputs (change flagged); nothing is signed or sent. */
static void
print_preview(const json_t *p, int json)
{
	const json_t *outs = json_object_get(p, "outputs"), *o;
	char amt[64];
	size_t k;

	if (json) {
		dc_print_json(p);
		return;
	}
	printf("Preview (not sent): fee %lld sat at %.3g sat/vB, %lld vB, %zu inputs, change %lld sat\n",
	    dc_num(p, "fee_sat"), json_number_value(json_object_get(p, "fee_rate_sat_vb")), dc_num(p, "vsize"),
	    json_array_size(json_object_get(p, "inputs")), dc_num(p, "change_sat"));
	for (k = 0; k < json_array_size(outs); k++) {
		o = json_array_get(outs, k);
		dc_btc(amt, sizeof(amt), dc_num(o, "amount_sat"));
		printf("  %s  %s%s\n", dc_str(o, "address"), amt, json_is_true(json_object_get(o, "change")) ? "  (change)" :
		    "");
	}
}

/* The request body into wiped memory (it may carry the passphrase). */
static int
dump_body(struct cbuf *body, const json_t *req)
{
	size_t n;

	if ((n = json_dumpb(req, NULL, 0, JSON_COMPACT)) == 0 || cbuf_reserve(body, n + 1) != 0)
		return COFFER_ERR_NOMEM;
	body->len = json_dumpb(req, (char *)body->p, n, JSON_COMPACT);
	body->p[body->len] = '\0';
	return 0;
}

int
cmd_send(int argc, char **argv)
{
	const char *fee = NULL, *key = NULL, *pfile = NULL, *v;
	json_t *req = NULL, *outs = NULL, *ans = NULL, *rate = NULL;
	struct cbuf pass, body;
	long long sat;
	long st;
	int i, r, n = 0, preview = 0;
	struct dc c;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&body, (size_t)1 << 20);
	if ((req = json_object()) == NULL || (outs = json_array()) == NULL) {
		r = cli_fail("send", COFFER_ERR_NOMEM);
		goto out;
	}
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--fee-rate")) != NULL) {
			fee = v;
		} else if ((v = dc_opt(argc, argv, &i, "--idempotency-key")) != NULL) {
			key = v;
		} else if ((v = dc_opt(argc, argv, &i, "--passphrase-file")) != NULL) {
			pfile = v;
		} else if (strcmp(argv[i], "--preview") == 0) {
			preview = 1;
		} else if (argv[i][0] == '-' || i + 1 >= argc) {
			r = cli_usage_error("send: unknown or incomplete argument '%s'", argv[i]);
			goto out;
		} else {
			if ((sat = parse_sat(argv[i + 1])) < 0) {
				r = cli_usage_error("send: '%s' is not an amount in satoshis", argv[i + 1]);
				goto out;
			}
			if (++n > SEND_MAX_OUTPUTS) {
				r = cli_usage_error("send: at most %d outputs", SEND_MAX_OUTPUTS);
				goto out;
			}
			if (json_array_append_new(outs, json_pack("{s:s,s:I}", "address", argv[i], "amount_sat",
			    (json_int_t)sat)) != 0) {
				r = cli_fail("send", COFFER_ERR_NOMEM);
				goto out;
			}
			i++;
		}
	}
	if (n == 0) {
		r = cli_usage_error("send ADDRESS AMOUNT_SAT [ADDRESS AMOUNT_SAT ...] [--fee-rate N] "
		    "[--idempotency-key K] [--preview]");
		goto out;
	}
	if (fee != NULL && (rate = parse_fee_rate(fee)) == NULL) {
		r = cli_usage_error("send: --fee-rate '%s' is not a number of sat/vB", fee);
		goto out;
	}
	if (key != NULL && !plain_word(key, 128)) {
		r = cli_usage_error("send: --idempotency-key takes 1-128 of [A-Za-z0-9_.:-]");
		goto out;
	}
	if (json_object_set(req, "outputs", outs) != 0 ||
	    (rate != NULL && json_object_set(req, "fee_rate_sat_vb", rate) != 0) ||
	    (key != NULL && json_object_set_new(req, "idempotency_key", json_string(key)) != 0)) {
		r = cli_fail("send", COFFER_ERR_NOMEM);
		goto out;
	}
	if (pfile != NULL && !preview) {	/* a preview signs nothing */
		if ((r = dc_read_passphrase(&pass, pfile, "Wallet passphrase: ")) != 0)
			goto out;
		if (json_object_set_new(req, "passphrase", json_stringn((const char *)pass.p, pass.len)) != 0) {
			r = cli_fail("send", COFFER_ERR_NOMEM);
			goto out;
		}
	}
	if ((r = dump_body(&body, req)) != 0) {
		r = cli_fail("send", r);
		goto out;
	}
	if (preview) {
		if ((r = dc_expect(&c, &ans, 200, "POST", "/v1/payments/preview", (const char *)body.p)) == 0)
			print_preview(ans, c.json);
		goto out;
	}
	/* 201: paid now; 200: the payment this idempotency key already made. */
	if ((r = dc_expect_either(&c, &ans, &st, 201, 200, "POST", "/v1/payments", (const char *)body.p)) != 0)
		goto out;
	if (c.json)
		dc_print_json(ans);
	else
		printf("%s %s: txid %s, fee %lld sat at %g sat/vB\n", st == 201 ? "Sent" : "Already sent as",
		    dc_str(ans, "id"), dc_str(ans, "txid"), dc_num(ans, "fee_sat"),
		    json_number_value(json_object_get(ans, "fee_rate_sat_vb")));
out:
	json_decref(req);
	json_decref(outs);
	json_decref(rate);
	json_decref(ans);
	cbuf_free(&pass);
	cbuf_free(&body);
	dc_close(&c);
	return r;
}

int
cmd_payments(int argc, char **argv)
{
	const char *status = NULL, *limit = "20", *cursor = NULL, *v;
	json_t *ans = NULL, *list;
	char path[256];
	struct dc c;
	size_t k;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--status")) != NULL)
			status = v;
		else if ((v = dc_opt(argc, argv, &i, "--limit")) != NULL)
			limit = v;
		else if ((v = dc_opt(argc, argv, &i, "--cursor")) != NULL)
			cursor = v;
		else {
			dc_close(&c);
			return cli_usage_error("payments: unknown argument '%s'", argv[i]);
		}
	}
	if ((status != NULL && !plain_word(status, 16)) || !plain_word(limit, 6) ||
	    (cursor != NULL && !plain_word(cursor, 64))) {
		dc_close(&c);
		return cli_usage_error("payments: --status, --limit and --cursor take plain words");
	}
	snprintf(path, sizeof(path), "/v1/payments?limit=%s%s%s%s%s", limit, status != NULL ? "&status=" : "",
	    status != NULL ? status : "", cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
	if ((r = dc_expect(&c, &ans, 200, "GET", path, NULL)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
		goto out;
	}
	list = json_object_get(ans, "payments");
	if (json_array_size(list) == 0)
		printf("no payments\n");
	for (k = 0; k < json_array_size(list); k++)
		print_payment(json_array_get(list, k));
	if (json_is_string(json_object_get(ans, "next_cursor")))
		printf("more: coffer payments --cursor %s%s%s\n", dc_str(ans, "next_cursor"), status != NULL ? " --status " : "",
		    status != NULL ? status : "");
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_bump(int argc, char **argv)
{
	const char *id = NULL, *fee = NULL, *v;
	json_t *req = NULL, *rate = NULL, *ans = NULL;
	char path[96], *body = NULL;
	struct dc c;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--fee-rate")) != NULL)
			fee = v;
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			dc_close(&c);
			return cli_usage_error("bump: unknown argument '%s'", argv[i]);
		}
	}
	if (id == NULL || fee == NULL || !plain_word(id, 64)) {
		dc_close(&c);
		return cli_usage_error("bump PAYMENT_ID --fee-rate N");
	}
	if ((rate = parse_fee_rate(fee)) == NULL) {
		dc_close(&c);
		return cli_usage_error("bump: --fee-rate '%s' is not a number of sat/vB", fee);
	}
	if ((req = json_pack("{s:O}", "fee_rate_sat_vb", rate)) == NULL ||
	    (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = cli_fail("bump", COFFER_ERR_NOMEM);
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	if ((r = dc_expect(&c, &ans, 201, "POST", path, body)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
	} else {
		printf("%s replaces %s: txid %s, fee %lld sat at %g sat/vB\n", dc_str(ans, "id"), id, dc_str(ans, "txid"),
		    dc_num(ans, "fee_sat"), json_number_value(json_object_get(ans, "fee_rate_sat_vb")));
	}
out:
	free(body);
	json_decref(req);
	json_decref(rate);
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_payments_cancel(int argc, char **argv)
{
	const char *id = NULL, *fee = NULL, *v;
	json_t *req = NULL, *rate = NULL, *ans = NULL;
	char path[96], *body = NULL;
	struct dc c;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--fee-rate")) != NULL)
			fee = v;
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			dc_close(&c);
			return cli_usage_error("payments cancel: unknown argument '%s'", argv[i]);
		}
	}
	if (id == NULL || !plain_word(id, 64)) {
		dc_close(&c);
		return cli_usage_error("payments cancel PAYMENT_ID [--fee-rate N]");
	}
	if (fee != NULL && (rate = parse_fee_rate(fee)) == NULL) {
		dc_close(&c);
		return cli_usage_error("payments cancel: --fee-rate '%s' is not a number of sat/vB", fee);
	}
	/* Without a rate the daemon takes the original's plus the incremental relay fee. */
	if ((req = rate != NULL ? json_pack("{s:O}", "fee_rate_sat_vb", rate) : json_object()) == NULL ||
	    (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		r = cli_fail("payments cancel", COFFER_ERR_NOMEM);
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/payments/%s/cancel", id);
	if ((r = dc_expect(&c, &ans, 201, "POST", path, body)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
	} else {
		printf("%s cancels %s (everything back to the wallet): txid %s, fee %lld sat at %g sat/vB\n",
		    dc_str(ans, "id"), id, dc_str(ans, "txid"), dc_num(ans, "fee_sat"),
		    json_number_value(json_object_get(ans, "fee_rate_sat_vb")));
	}
out:
	free(body);
	json_decref(req);
	json_decref(rate);
	json_decref(ans);
	dc_close(&c);
	return r;
}
