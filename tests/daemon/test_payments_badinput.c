/*
 * Bad input to the payment routes through the REST API (issue #5, "Bad
 * input"): the daemon's payments service over its store, the Esplora backend
 * on the regtest chain double, a signer whose policy can say no. Every case
 * asserts the HTTP status, the stable error code, and that nothing changed:
 * the payments list, the events, the reserved coins, the store's balance and
 * UTXO view, the next change index, and (where a key was sent) that the
 * idempotency key is still free. Also the order of errors (docs/API.md): the request's own errors
 * before 423 wallet_locked and 503 wallet_not_synced.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "chaind_util.h"
#include "paysync_util.h"

#include "btc/hash.h"
#include "daemon/accounts.h"
#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/payments_service.h"
#include "wallet/wallet_fixture.h"

#define ADMIN "a0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"
#define MAINNET "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
#define TESTNET "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"

static struct chaind D;
static struct fixture fx;
static struct daemon_config cfg;
static struct daemon d;
static int refuse;	/* the signer's answer: 0 signs, else this refusal */

static int
sign_fn(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct psbt p;
	struct psbt_sign_stats s;
	int r;

	(void)ctx;
	(void)passphrase;
	if (refuse != 0)
		return refuse;
	if ((r = psbt_parse(&p, psbt, len)) != 0)
		return r;
	if ((r = psbt_sign_bip32(&p, &s, fx.master, NULL)) == 0)
		r = psbt_serialize(out, &p);
	psbt_free(&p);
	return r;
}

/* One request through api_begin/api_finish; the status, and the error code into code (or ""). */
static unsigned int
call(char code[64], json_t **out, const char *method, const char *path, const char *body)
{
	struct sockaddr_in peer;
	struct api_request rq;
	struct api_response rs;
	unsigned int status;
	json_t *j;

	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	api_request_init(&rq);
	memset(&rs, 0, sizeof(rs));
	rq.method = method;
	rq.path = path;
	rq.authorization = "Bearer " ADMIN;
	rq.n_authorization = 1;
	rq.content_type = body != NULL ? "application/json" : NULL;
	rq.peer = (const struct sockaddr *)&peer;
	rq.peerlen = sizeof(peer);
	rq.now_ms = daemon_now_ms();
	if (api_begin(&d, &rq, &rs) == 0) {
		rq.body = (const uint8_t *)body;
		rq.body_len = body != NULL ? strlen(body) : 0;
		api_finish(&d, &rq, &rs);
	}
	status = rs.status;
	j = json_loadb(rs.body, rs.body_len, 0, NULL);
	snprintf(code, 64, "%s", json_string_value(json_object_get(json_object_get(j, "error"), "code")) != NULL ?
	    json_string_value(json_object_get(json_object_get(j, "error"), "code")) : "");
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	api_response_free(&rs);
	api_request_free(&rq);
	return status;
}

/* What a refused request must leave as it was. */
struct state {
	size_t payments, events, reserved, utxos;
	int64_t confirmed, unconfirmed;
	uint8_t reserved_hash[32];
	char list[4096];	/* the payments list as the API shows it */
	char next_change[32];	/* the change index the next payment gets */
};

static int
cmp_in(const void *a, const void *b)
{
	const struct store_pay_input *x = a, *y = b;
	int c = memcmp(x->txid, y->txid, 32);

	return c != 0 ? c : (x->vout > y->vout) - (x->vout < y->vout);
}

static void
state_get(struct state *s)
{
	struct store_pay_input *res = NULL;
	struct sha256_ctx h;
	char code[64], *dump;
	json_t *j = NULL;
	size_t i;

	memset(s, 0, sizeof(*s));
	CHECK(call(code, &j, "GET", "/v1/payments", NULL) == 200);
	s->payments = json_array_size(json_object_get(j, "payments"));
	if ((dump = json_dumps(json_object_get(j, "payments"), JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		snprintf(s->list, sizeof(s->list), "%s", dump);
	free(dump);
	json_decref(j);
	CHECK(call(code, &j, "GET", "/v1/events", NULL) == 200);
	s->events = json_array_size(json_object_get(j, "events"));
	json_decref(j);
	CHECK_OK(store_reserved_inputs(d.store, &res, &s->reserved));
	if (s->reserved > 1)
		qsort(res, s->reserved, sizeof(*res), cmp_in);
	sha256_init(&h);
	for (i = 0; i < s->reserved; i++) {
		sha256_update(&h, res[i].txid, 32);
		sha256_update(&h, (const uint8_t *)&res[i].vout, 4);
	}
	sha256_final(&h, s->reserved_hash);
	free(res);
	CHECK_OK(store_balance(d.store, &s->confirmed, &s->unconfirmed, &s->utxos));
	if (store_meta_get(d.store, s->next_change, sizeof(s->next_change), "payments.next_change") != 0)
		s->next_change[0] = '\0';
}

static int
state_same(const struct state *a, const struct state *b)
{
	return a->payments == b->payments && a->events == b->events && a->reserved == b->reserved &&
	    memcmp(a->reserved_hash, b->reserved_hash, 32) == 0 && a->utxos == b->utxos &&
	    a->confirmed == b->confirmed && a->unconfirmed == b->unconfirmed && strcmp(a->list, b->list) == 0 &&
	    strcmp(a->next_change, b->next_change) == 0;
}

/* A request refused with (status, code), and nothing changed. */
static void
refused(const char *what, const char *method, const char *path, const char *body, unsigned int want_status,
    const char *want_code)
{
	struct state before, after;
	char code[64];
	unsigned int st;

	state_get(&before);
	st = call(code, NULL, method, path, body);
	CHECK_MSG(st == want_status && strcmp(code, want_code) == 0, "%s: got %u %s, want %u %s", what, st, code,
	    want_status, want_code);
	state_get(&after);
	CHECK_MSG(state_same(&before, &after), "%s: the state changed", what);
}

static char to[ADDR_BUFSIZE];

static const char *
pay_body(char *buf, size_t size, const char *address, const char *amount, const char *extra)
{
	snprintf(buf, size, "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":%s}]%s%s}", address, amount,
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	return buf;
}

static void
test_bad_input(void)
{
	struct client_descriptors cd;
	struct accounts *acc = NULL;
	struct payments_service ps;
	struct chain_opts o;
	struct chain *ch = NULL;
	struct wacct_key k;
	uint8_t key[STORE_KEY_LEN];
	char dir[64], err[256], a[ADDR_BUFSIZE], txid[65], b[1024], path[96], cmd[128], code[64], id[32];
	const char *s;
	json_t *j = NULL;
	uint32_t i;

	if (chaind_start(&D) != 0) {
		printf("SKIP: the chain double did not start (node/npm missing?)\n");
		chaind_stop(&D);
		return;
	}
	fx_init(&fx);
	snprintf(dir, sizeof(dir), "/tmp/coffer-paybad-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	cfg.network = BTC_REGTEST;
	if (config_finish(&cfg) != 0 || daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	log_set_level(LOG_LEVEL_ERROR);
	fx_external(to, ADDR_P2WPKH, 41, BTC_REGTEST);
	/* Locked (no store yet): the request's own errors first, then 423. */
	CHECK(call(code, NULL, "POST", "/v1/payments", pay_body(b, sizeof(b), MAINNET, "10000", NULL)) == 400 &&
	    strcmp(code, "wrong_network") == 0);
	CHECK(call(code, NULL, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "100", NULL)) == 400 &&
	    strcmp(code, "dust_output") == 0);
	CHECK(call(code, NULL, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000",
	    "\"fee_rate_sat_vb\":5000")) == 400 && strcmp(code, "fee_rate_out_of_bounds") == 0);
	CHECK(call(code, NULL, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000", NULL)) == 423 &&
	    strcmp(code, "wallet_locked") == 0);
	/* Unlocked with the fixture's descriptors; tr is the address type. */
	memset(&cd, 0, sizeof(cd));
	bip32_fingerprint(cd.fingerprint, fx.master);
	cd.n = 2;
	cd.d[0].type = PROTO_ACCOUNT_TR;
	snprintf(cd.d[0].descriptor, sizeof(cd.d[0].descriptor), "%s", fx.desc[FX_TR]);
	cd.d[1].type = PROTO_ACCOUNT_WPKH;
	snprintf(cd.d[1].descriptor, sizeof(cd.d[1].descriptor), "%s", fx.desc[FX_WPKH]);
	CHECK_OK(accounts_load(&acc, &cd, BTC_REGTEST, PROTO_ACCOUNT_TR));
	memset(key, 0x3d, sizeof(key));
	CHECK_OK(daemon_open_store_with(&d, err, sizeof(err), key, acc));
	for (i = 0; i < 3; i++) {
		CHECK_OK(wacct_derive(&k, &fx.acct[FX_TR], 0, i));
		CHECK_OK(addr_encode(a, k.spk, k.spk_len, BTC_REGTEST));
		CHECK(chaind_faucet(&D, txid, a, 100000) == 0);
	}
	CHECK(chaind_mine(&D, 1) == 0);
	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = D.url;
	CHECK_OK(chain_esplora_new(&ch, &o));
	CHECK_OK(payments_service_open(&ps, &d, ch, sign_fn, NULL, NULL, 3600000));
	/* Not synced yet: bad input still 400 first, a good request 503, nothing recorded. */
	refused("wrong network before a sync", "POST", "/v1/payments", pay_body(b, sizeof(b), MAINNET, "10000", NULL),
	    400, "wrong_network");
	refused("not synced", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000", "\"fee_rate_sat_vb\":2"),
	    503, "wallet_not_synced");
	refused("preview not synced", "POST", "/v1/payments/preview", pay_body(b, sizeof(b), to, "10000",
	    "\"fee_rate_sat_vb\":2"), 503, "wallet_not_synced");
	CHECK_OK(paysync(ch, d.store, ps.accts, ps.n_accts));
	/* One payment, so that there is something to leave unchanged (a reservation, events, a key). */
	CHECK(call(code, &j, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "30000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-1\"")) == 201);
	snprintf(id, sizeof(id), "%s", (s = json_string_value(json_object_get(j, "id"))) != NULL ? s : "");
	json_decref(j);
	CHECK(strncmp(id, "pay_", 4) == 0);
	/* Amounts. */
	refused("insufficient funds", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "1000000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-funds\""), 400, "insufficient_funds");
	refused("dust p2wpkh", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "293", NULL), 400, "dust_output");
	refused("zero", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "0", NULL), 400, "amount_zero");
	refused("negative", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "-5000", NULL), 400, "amount_negative");
	refused("over 21e6 BTC", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "2100000000000001", NULL), 400,
	    "amount_overflow");
	snprintf(b, sizeof(b), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":2000000000000000},"
	    "{\"address\":\"%s\",\"amount_sat\":2000000000000000}]}", to, to);
	refused("sum over 21e6 BTC", "POST", "/v1/payments", b, 400, "amount_overflow");
	refused("no outputs", "POST", "/v1/payments", "{\"outputs\":[]}", 400, "no_outputs");
	/* Addresses. */
	refused("mainnet address", "POST", "/v1/payments", pay_body(b, sizeof(b), MAINNET, "10000", NULL), 400,
	    "wrong_network");
	refused("testnet address", "POST", "/v1/payments", pay_body(b, sizeof(b), TESTNET, "10000", NULL), 400,
	    "wrong_network");
	refused("drain_to mainnet", "POST", "/v1/payments", "{\"drain_to\":\"" MAINNET "\"}", 400, "wrong_network");
	refused("preview mainnet", "POST", "/v1/payments/preview", pay_body(b, sizeof(b), MAINNET, "10000", NULL), 400,
	    "wrong_network");
	/* Fee rates: below 1 sat/vB, above 1000 sat/vB, for payments and bumps. */
	refused("fee rate 0.5", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000", "\"fee_rate_sat_vb\":0.5"),
	    400, "fee_rate_out_of_bounds");
	refused("fee rate 0", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000", "\"fee_rate_sat_vb\":0"),
	    400, "fee_rate_out_of_bounds");
	refused("fee rate 1001", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000",
	    "\"fee_rate_sat_vb\":1001"), 400, "fee_rate_out_of_bounds");
	refused("fee rate -3", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "10000", "\"fee_rate_sat_vb\":-3"),
	    400, "fee_rate_out_of_bounds");
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	refused("bump at 0.5", "POST", path, "{\"fee_rate_sat_vb\":0.5}", 400, "fee_rate_out_of_bounds");
	refused("bump at 5000", "POST", path, "{\"fee_rate_sat_vb\":5000}", 400, "fee_rate_out_of_bounds");
	snprintf(path, sizeof(path), "/v1/payments/%s/cancel", id);
	refused("cancel at 2000", "POST", path, "{\"fee_rate_sat_vb\":2000}", 400, "fee_rate_out_of_bounds");
	/* The signer's policy says no: 403 with its code, nothing recorded, the key still free. */
	refuse = COFFER_ERR_POLICY_MAX_PAYMENT;
	refused("policy refusal", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "20000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-policy\""), 403, "policy_max_payment");
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	refused("bump refused by the policy", "POST", path, "{\"fee_rate_sat_vb\":20}", 403, "policy_max_payment");
	snprintf(path, sizeof(path), "/v1/payments/%s/cancel", id);
	refused("cancel refused by the policy", "POST", path, "{}", 403, "policy_max_payment");
	refuse = 0;
	/* Idempotency: the same key with another body is 409; with the same body, the original (200). */
	refused("key reused, other amount", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "30001",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-1\""), 409, "idempotency_conflict");
	refused("key reused, other rate", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "30000",
	    "\"fee_rate_sat_vb\":3,\"idempotency_key\":\"k-1\""), 409, "idempotency_conflict");
	refused("empty passphrase", "POST", "/v1/payments", pay_body(b, sizeof(b), to, "30000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-1\",\"passphrase\":\"\""), 400, "bad_value");
	/* Unknown and malformed payment ids. */
	refused("bump unknown", "POST", "/v1/payments/pay_00000000000000ff/bump", "{\"fee_rate_sat_vb\":20}", 404,
	    "not_found");
	refused("cancel unknown", "POST", "/v1/payments/pay_00000000000000ff/cancel", "{}", 404, "not_found");
	refused("get unknown", "GET", "/v1/payments/pay_00000000000000ff", NULL, 404, "not_found");
	refused("bump malformed id", "POST", "/v1/payments/pay_XYZ/bump", "{\"fee_rate_sat_vb\":20}", 404,
	    "not_found");
	refused("cancel malformed id", "POST", "/v1/payments/0123456789abcdef/cancel", "{}", 404, "not_found");
	/* Refused requests left their keys free: both work now (and change the state, as they should). */
	CHECK(call(code, &j, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "20000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-policy\"")) == 201);
	json_decref(j);
	CHECK(call(code, &j, "POST", "/v1/payments", pay_body(b, sizeof(b), to, "25000",
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"k-funds\"")) == 201);
	json_decref(j);
	/* A confirmed payment cannot be bumped or cancelled: 409 payment_state. */
	CHECK(chaind_mine(&D, 1) == 0);
	{
		uint64_t r0 = ps.worker.rounds;

		payments_worker_kick(&ps.worker);
		payments_worker_wait_rounds(&ps.worker, r0 + 1);
	}
	snprintf(path, sizeof(path), "/v1/payments/%s/bump", id);
	refused("bump confirmed", "POST", path, "{\"fee_rate_sat_vb\":20}", 409, "payment_state");
	snprintf(path, sizeof(path), "/v1/payments/%s/cancel", id);
	refused("cancel confirmed", "POST", path, "{}", 409, "payment_state");
	payments_service_close(&ps, &d);
	chain_free(ch);
	daemon_free(&d);
	fx_free(&fx);
	chaind_stop(&D);
	log_set_level(LOG_LEVEL_INFO);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static const struct test_case tests[] = {
	{ "bad_input", test_bad_input },
};

TEST_MAIN(tests)
