/*
 * The checks that end the real-cofferd crash test (test_payments_crashd.c):
 * every request's one outcome, through cofferd's API and the chain double's
 * own view. Include after harness.h (it uses CHECK).
 */
#ifndef COFFER_TESTS_DAEMON_CRASHD_VERIFY_H
#define COFFER_TESTS_DAEMON_CRASHD_VERIFY_H

#include "crashd_util.h"

#define CRASHD_MAX_OUTS 3

/* One payment request of the crash test, and what its client got. */
struct crashd_request {
	char key[32];
	size_t n_out;
	char addr[CRASHD_MAX_OUTS][100];
	int64_t amount[CRASHD_MAX_OUTS];
	int fee_tenths;			/* fee rate in 0.1 sat/vB */
	int mine_after;			/* mine a block once it is answered */
	long kill_ms;			/* then kill cofferd this long after (-1: no) */
	int kill_signer;		/* its signer rather than cofferd */
	char id[64];			/* the payment the answer named ("" when none came) */
	char answer[16];		/* its status in that answer */
	int attempts;
	char error[160];		/* why the client gave up on it ("" when it did not) */
};

/*
 * The crash test's checks of the outcome, against cofferd's API (port,
 * token) and the chain double c (see test_payments_crashd.c's top comment):
 * reqs[n] as the clients sent and saw them; fund[nfund] the wallet's funded
 * addresses, funded their sum. Include after harness.h.
 */
static inline void
crashd_verify(struct chaind *c, int port, const char *token, const struct crashd_request *reqs, size_t n_req,
    char (*fund)[100], size_t nfund, int64_t funded)
{
	json_t *all = crashd_payments(port, token), *p, *seen_in = json_object(), *wallet_addrs = json_object();
	json_t *stats, *j = NULL;
	int64_t paid = 0, fees = 0, held = 0;
	size_t i, k, o, v, failed = 0, *seen = calloc(n_req, sizeof(*seen));
	const char *a;
	char path[200];

	CHECK(all != NULL);
	CHECK_MSG(json_array_size(all) == n_req, "%zu payments recorded for %zu requests", json_array_size(all), n_req);
	for (i = 0; i < nfund; i++)
		json_object_set_new(wallet_addrs, fund[i], json_true());
	json_array_foreach(all, i, p) {
		const char *key = crashd_jstr(p, "idempotency_key"), *status = crashd_jstr(p, "status");
		json_t *outs = json_object_get(p, "outputs"), *tx, *vin, *vo;
		const struct crashd_request *r;
		char *end;

		k = strncmp(key, "crashd-", 7) == 0 ? (size_t)strtoul(key + 7, &end, 10) : n_req;
		if (k >= n_req) {
			CHECK_MSG(0, "payment %s has key \"%s\", not one of the requests", crashd_jstr(p, "id"), key);
			continue;
		}
		r = &reqs[k];
		seen[k]++;
		CHECK_STREQ(crashd_jstr(p, "kind"), "payment");
		CHECK_MSG(strcmp(status, "confirmed") == 0 || strcmp(status, "failed") == 0, "%s: %s", key, status);
		CHECK_MSG(r->id[0] == '\0' || strcmp(r->id, crashd_jstr(p, "id")) == 0, "%s answered %s, recorded %s", key,
		    r->id, crashd_jstr(p, "id"));
		CHECK_MSG(strcmp(status, "failed") != 0 || (strcmp(r->answer, "broadcast") != 0 &&
		    strcmp(r->answer, "confirmed") != 0), "%s was answered %s, then failed", key, r->answer);
		CHECK_MSG(json_array_size(outs) == r->n_out, "%s: %zu outputs", key, json_array_size(outs));
		for (o = 0; o < r->n_out && o < json_array_size(outs); o++) {
			CHECK_STREQ(crashd_jstr(json_array_get(outs, o), "address"), r->addr[o]);
			CHECK(crashd_jint(json_array_get(outs, o), "amount_sat") == r->amount[o]);
		}
		snprintf(path, sizeof(path), "/tx/%s", crashd_jstr(p, "txid"));
		tx = json_is_string(json_object_get(p, "txid")) ? chaind_get(c, path) : NULL;
		if (strcmp(status, "failed") == 0) {
			failed++;
			CHECK_MSG(strcmp(crashd_jstr(p, "failure"), "interrupted before signing") == 0, "%s failed: %s", key,
			    crashd_jstr(p, "failure"));
			CHECK_MSG(tx == NULL, "failed %s has its transaction on the chain", key);
			json_decref(tx);
			continue;
		}
		if (tx == NULL) {
			CHECK_MSG(0, "%s (%s): transaction %s not on the chain", key, status, crashd_jstr(p, "txid"));
			continue;
		}
		CHECK_MSG(json_is_true(json_object_get(json_object_get(tx, "status"), "confirmed")), "%s unconfirmed", key);
		CHECK_MSG(crashd_jint(tx, "fee") == crashd_jint(p, "fee_sat"), "%s: fee %lld on chain, %lld recorded", key,
		    (long long)crashd_jint(tx, "fee"), (long long)crashd_jint(p, "fee_sat"));
		fees += crashd_jint(tx, "fee");
		for (o = 0; o < r->n_out; o++)
			paid += r->amount[o];
		/* Each input once over every payment; outputs that are no recipient's are change. */
		json_array_foreach(json_object_get(tx, "vin"), v, vin) {
			char op[80];

			snprintf(op, sizeof(op), "%s:%lld", crashd_jstr(vin, "txid"), (long long)crashd_jint(vin, "vout"));
			CHECK_MSG(json_object_get(seen_in, op) == NULL, "coin %s spent by %s and %s", op, key,
			    crashd_jstr(json_object_get(seen_in, op), "k"));
			json_object_set_new(seen_in, op, json_pack("{s:s}", "k", key));
		}
		json_array_foreach(json_object_get(tx, "vout"), v, vo) {
			int recipient = 0;

			for (o = 0; o < r->n_out; o++)
				recipient |= strcmp(crashd_jstr(vo, "scriptpubkey_address"), r->addr[o]) == 0;
			if (!recipient)
				json_object_set_new(wallet_addrs, crashd_jstr(vo, "scriptpubkey_address"), json_true());
		}
		json_decref(tx);
	}
	/* Per request: one payment; on the chain one output per requested output, or none when it failed. */
	for (k = 0; k < n_req; k++) {
		int is_failed = 0;

		CHECK_MSG(seen[k] == 1, "request %zu has %zu payments", k, seen[k]);
		json_array_foreach(all, i, p)
			if (strcmp(crashd_jstr(p, "idempotency_key"), reqs[k].key) == 0)
				is_failed = strcmp(crashd_jstr(p, "status"), "failed") == 0;
		for (o = 0; o < reqs[k].n_out; o++) {
			size_t n_want, n_all;

			crashd_outputs_to(c, &n_want, &n_all, reqs[k].addr[o], reqs[k].amount[o]);
			CHECK_MSG(n_want == (is_failed ? 0u : 1u) && n_all == n_want, "request %zu output %zu paid %zu times",
			    k, o, n_all);
		}
	}
	/* The double never replaced (a double spend it accepted) nor refused anything. */
	stats = chaind_get(c, "/stats");
	CHECK_MSG(crashd_jint(stats, "replaced") == 0 && crashd_jint(stats, "rejected") == 0, "the double replaced %lld, refused %lld",
	    (long long)crashd_jint(stats, "replaced"), (long long)crashd_jint(stats, "rejected"));
	json_decref(stats);
	/* The balance: the double's view of the wallet's addresses, cofferd's, and the arithmetic. */
	json_object_foreach(wallet_addrs, a, p) {
		json_t *u, *one;

		snprintf(path, sizeof(path), "/address/%s/utxo", a);
		u = chaind_get(c, path);
		json_array_foreach(u, i, one)
			held += crashd_jint(one, "value");
		json_decref(u);
	}
	CHECK_MSG(held == funded - paid - fees, "the chain holds %lld; funded %lld - paid %lld - fees %lld = %lld",
	    (long long)held, (long long)funded, (long long)paid, (long long)fees, (long long)(funded - paid - fees));
	CHECK(crashd_http(&j, port, token, "GET", "/v1/wallet/balance", NULL, NULL) == 200);
	CHECK_MSG(crashd_jint(j, "total_sat") == held && crashd_jint(j, "unconfirmed_sat") == 0, "cofferd: balance %lld (%lld "
	    "unconfirmed), the chain %lld", (long long)crashd_jint(j, "total_sat"), (long long)crashd_jint(j, "unconfirmed_sat"),
	    (long long)held);
	json_decref(j);
	printf("crashd: %zu payments: %zu paid, %zu failed (interrupted), fees %lld sat, %zu coins spent\n", n_req,
	    n_req - failed, failed, (long long)fees, json_object_size(seen_in));
	free(seen);
	json_decref(seen_in);
	json_decref(wallet_addrs);
	json_decref(all);
}

#endif
