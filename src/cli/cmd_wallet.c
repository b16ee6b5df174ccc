/* coffer commands for receiving: address, balance, transactions (through cofferd). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"

/* JSON-quote a label into out (labels are short; control characters are refused by the daemon anyway). */
static int
quote(char *out, size_t outsize, const char *s)
{
	json_t *j = json_string(s);
	size_t n;
	int r = -1;

	if (j != NULL && (n = json_dumpb(j, out, outsize - 1, JSON_ENCODE_ANY)) > 0 && n < outsize) {
		out[n] = '\0';
		r = 0;
	}
	json_decref(j);
	return r;
}

int
cmd_address(int argc, char **argv)
{
	const char *label = NULL, *limit = NULL, *v;
	char body[600], q[540], path[64];
	json_t *ans = NULL, *list;
	int i, r, listing = 0;
	struct dc c;
	size_t k;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--label")) != NULL)
			label = v;
		else if ((v = dc_opt(argc, argv, &i, "--limit")) != NULL)
			limit = v;
		else if (strcmp(argv[i], "--list") == 0)
			listing = 1;
		else {
			dc_close(&c);
			return cli_usage_error("address: unknown argument '%s'", argv[i]);
		}
	}
	if (listing) {
		snprintf(path, sizeof(path), "/v1/wallet/addresses%s%s", limit != NULL ? "?limit=" : "",
		    limit != NULL ? limit : "");
		if ((r = dc_expect(&c, &ans, 200, "GET", path, NULL)) != 0)
			goto out;
		if (c.json) {
			dc_print_json(ans);
			goto out;
		}
		list = json_object_get(ans, "addresses");
		for (k = 0; k < json_array_size(list); k++) {
			const json_t *a = json_array_get(list, k);

			printf("%5lld  %-64s  %s\n", dc_num(a, "index"), dc_str(a, "address"), dc_str(a, "label"));
		}
		goto out;
	}
	if (label != NULL && quote(q, sizeof(q), label) != 0) {
		dc_close(&c);
		return cli_usage_error("address: --label is too long");
	}
	snprintf(body, sizeof(body), "{\"label\":%s}", label != NULL ? q : "\"\"");
	if ((r = dc_expect(&c, &ans, 201, "POST", "/v1/wallet/addresses", body)) != 0)
		goto out;
	if (c.json)
		dc_print_json(ans);
	else
		printf("%s\n", dc_str(ans, "address"));
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_balance(int argc, char **argv)
{
	json_t *ans = NULL;
	char a[64], b[64], t[64];
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("balance takes no arguments");
	}
	if ((r = dc_expect(&c, &ans, 200, "GET", "/v1/wallet/balance", NULL)) == 0) {
		if (c.json) {
			dc_print_json(ans);
		} else {
			dc_btc(a, sizeof(a), dc_num(ans, "confirmed_sat"));
			dc_btc(b, sizeof(b), dc_num(ans, "unconfirmed_sat"));
			dc_btc(t, sizeof(t), dc_num(ans, "total_sat"));
			printf("confirmed    %20s  %16lld sat\nunconfirmed  %20s  %16lld sat\ntotal        %20s  %16lld sat\n", a,
			    dc_num(ans, "confirmed_sat"), b, dc_num(ans, "unconfirmed_sat"), t, dc_num(ans, "total_sat"));
			if (!json_is_integer(json_object_get(ans, "synced_at")))
				printf("(not synced with the chain yet: `coffer sync`)\n");
		}
	}
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_transactions(int argc, char **argv)
{
	const char *limit = "20", *cursor = NULL, *v;
	json_t *ans = NULL, *list;
	char path[128], when[32], amt[64];
	struct dc c;
	size_t k;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--limit")) != NULL)
			limit = v;
		else if ((v = dc_opt(argc, argv, &i, "--cursor")) != NULL)
			cursor = v;
		else {
			dc_close(&c);
			return cli_usage_error("transactions: unknown argument '%s'", argv[i]);
		}
	}
	snprintf(path, sizeof(path), "/v1/wallet/transactions?limit=%.12s%s%.24s", limit, cursor != NULL ? "&cursor=" : "",
	    cursor != NULL ? cursor : "");
	if ((r = dc_expect(&c, &ans, 200, "GET", path, NULL)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
		goto out;
	}
	list = json_object_get(ans, "transactions");
	if (json_array_size(list) == 0)
		printf("no transactions\n");
	for (k = 0; k < json_array_size(list); k++) {
		const json_t *t = json_array_get(list, k);
		time_t at = (time_t)(json_is_integer(json_object_get(t, "block_time")) ? dc_num(t, "block_time") :
		    dc_num(t, "first_seen"));
		struct tm tm;

		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		dc_btc(amt, sizeof(amt), dc_num(t, "amount_sat"));
		printf("%s  %-4s %20s  %6lld conf  %s\n", when, dc_str(t, "direction"), amt, dc_num(t, "confirmations"),
		    dc_str(t, "txid"));
	}
	if (json_is_string(json_object_get(ans, "next_cursor")))
		printf("more: coffer transactions --cursor %s\n", dc_str(ans, "next_cursor"));
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}
