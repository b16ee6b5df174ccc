/*
 * The payment engine on a real encrypted store with a fake chain and signer
 * (payments_fake.h): pay, idempotent retries and conflicts, coin reservation
 * under concurrency, signer and broadcast refusals, durable signed
 * transactions re-sent after a "crash", confirmation, RBF bump, cancel, CPFP,
 * paging and the event log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/payments.h"
#include "daemon/store.h"
#include "daemon/store_payments.h"
#include "payments_fake.h"

static char dir[64], path[128];
static struct fixture fx;
static struct fake fk;
static struct payments_backend be;
static struct store *st;
static struct payments pm;
static char addr[8][ADDR_BUFSIZE];
static int64_t clock_s = 1700000000;

static void
open_store(void)
{
	uint8_t key[STORE_KEY_LEN];

	memset(key, 0x5a, sizeof(key));
	CHECK_OK(store_open(&st, NULL, 0, path, key));
	CHECK_OK(payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST));
}

static void
close_store(void)
{
	payments_free(&pm);
	store_close(st);
	st = NULL;
}

/* A fresh world: store, wallet of `n` coins of 100,000..., fake chain. */
static void
setup(size_t n)
{
	size_t i;

	snprintf(dir, sizeof(dir), "/tmp/coffer-pay-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fx_init(&fx);
	fake_init(&fk, &fx, &be);
	for (i = 0; i < n; i++)
		fake_add_coin(&fk, i % 2 ? FX_TR : FX_WPKH, (uint32_t)i, 100000 + 1000 * (int64_t)i);
	for (i = 0; i < 8; i++)
		fx_external(addr[i], i % 2 ? ADDR_P2TR : ADDR_P2WPKH, (uint32_t)(500 + i), BTC_REGTEST);
	open_store();
}

static void
teardown(void)
{
	char cmd[128];

	close_store();
	fake_free(&fk);
	fx_free(&fx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Parse a JSON body into a request. */
static int
request(struct payments_request *req, const char *body, const char *idem_header)
{
	json_error_t err;
	json_t *j = json_loads(body, 0, &err);
	char msg[256];
	int r;

	if (j == NULL) {
		fprintf(stderr, "bad test JSON: %s\n", err.text);
		abort();
	}
	r = payments_request_parse(req, msg, sizeof(msg), j, idem_header);
	json_decref(j);
	return r;
}

/* Create a payment; out is always filled or zeroed, and the caller clears it. */
static int
pay(struct store_payment *out, int *replayed, const char *body, const char *idem)
{
	struct payments_request req;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = request(&req, body, idem)) != 0)
		return r;
	r = payments_create(&pm, out, replayed, &req, clock_s++);
	payments_request_clear(&req);
	return r;
}

static char *
body_for(const char *address, int64_t amount, const char *extra)
{
	static char b[1024];

	snprintf(b, sizeof(b), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":%lld}]%s%s}", address,
	    (long long)amount, extra ? "," : "", extra ? extra : "");
	return b;
}

static size_t
events_of(const char *type)
{
	struct store_event ev[256];
	size_t n = 0, i, k = 0;

	CHECK_OK(store_events_after(st, ev, 256, &n, 0));
	for (i = 0; i < n; i++) {
		k += strcmp(ev[i].type, type) == 0;
		store_event_clear(&ev[i]);
	}
	return k;
}

static void
test_pay_and_confirm(void)
{
	struct store_payment p, q;
	struct store_pay_input *res = NULL, *ins = NULL;
	size_t nres = 0, nins = 0, changed = 0;
	int replayed;

	setup(10);
	CHECK_OK(pay(&p, &replayed, body_for(addr[0], 150000, "\"fee_rate_sat_vb\":3"), NULL));
	CHECK(!replayed && p.status == STORE_PAY_BROADCAST && p.has_txid && p.raw_tx != NULL);
	CHECK(p.fee_rate_sat_kvb == 3000 && p.fee_sat > 0 && strcmp(p.kind, "payment") == 0);
	CHECK(fake_mempool_size(&fk) == 1 && events_of("payment.sent") == 1);
	/* Its coins are reserved. */
	CHECK_OK(store_payment_inputs(st, &ins, &nins, p.id));
	CHECK_OK(store_reserved_inputs(st, &res, &nres));
	CHECK(nins >= 2 && nres == nins);
	free(res);
	free(ins);
	/* Reconcile before a block: nothing changes. */
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(changed == 0);
	fake_mine(&fk);
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(changed == 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_CONFIRMED && q.confirmed_height == 800001);
	CHECK(events_of("payment.confirmed") == 1);
	CHECK_OK(store_reserved_inputs(st, &res, &nres));
	CHECK(nres == 0);	/* spent on chain: released */
	free(res);
	store_payment_clear(&q);
	store_payment_clear(&p);
	teardown();
}

static void
test_idempotency(void)
{
	struct store_payment a, b;
	int replayed;
	size_t calls;
	char other[1024];

	setup(10);
	snprintf(other, sizeof(other), "%s", body_for(addr[1], 120000, "\"fee_rate_sat_vb\":2"));
	CHECK_OK(pay(&a, &replayed, body_for(addr[0], 150000, "\"idempotency_key\":\"order-17\""), NULL));
	CHECK(!replayed);
	calls = fk.bcast_calls;
	/* Same key, same body (key in the header this time): the original, nothing sent. */
	CHECK_OK(pay(&b, &replayed, body_for(addr[0], 150000, NULL), "order-17"));
	CHECK(replayed && strcmp(a.id, b.id) == 0 && memcmp(a.txid, b.txid, 32) == 0);
	CHECK(fk.bcast_calls == calls && fake_mempool_size(&fk) == 1);
	store_payment_clear(&b);
	/* Same key, another body: 409, no state change. */
	CHECK_RC(pay(&b, &replayed, other, "order-17"), COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT);
	CHECK(fk.bcast_calls == calls && fake_mempool_size(&fk) == 1);
	/* Header and body disagreeing is a bad request. */
	CHECK_RC(pay(&b, &replayed, body_for(addr[0], 150000, "\"idempotency_key\":\"x\""), "y"),
	    COFFER_ERR_BAD_VALUE);
	/* The passphrase is not part of the body's identity. */
	CHECK_OK(pay(&b, &replayed, body_for(addr[0], 150000, "\"idempotency_key\":\"order-17\","
	    "\"passphrase\":\"hunter2\""), NULL));
	CHECK(replayed && strcmp(a.id, b.id) == 0);
	store_payment_clear(&b);
	store_payment_clear(&a);
	teardown();
}

struct worker {
	int id;
	int ok;
	char ids[5][STORE_PAY_ID_LEN + 1];
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct store_payment p;
	char b[1024];
	int i, replayed;

	for (i = 0; i < 5; i++) {
		snprintf(b, sizeof(b), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":%d}],"
		    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"w%d-%d\"}", addr[w->id % 8], 50000 + w->id * 100 + i,
		    w->id, i);
		if (pay(&p, &replayed, b, NULL) == 0 && p.status == STORE_PAY_BROADCAST) {
			w->ok++;
			snprintf(w->ids[i], sizeof(w->ids[i]), "%s", p.id);
		}
		store_payment_clear(&p);
	}
	return NULL;
}

/* Concurrent payments never pick the same coin (the fake lists mempool-spent coins as unspent). */
static void
test_concurrent_reservation(void)
{
	pthread_t t[4];
	struct worker w[4];
	struct store_pay_input *all = NULL;
	size_t nall = 0, i, j, total = 0;

	setup(60);
	for (i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = (int)i;
		CHECK(pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += (size_t)w[i].ok;
	}
	CHECK_MSG(total == 20, "%zu of 20 payments", total);
	CHECK(fk.rejected == 0 && fake_mempool_size(&fk) == 20);
	CHECK_OK(store_reserved_inputs(st, &all, &nall));
	for (i = 0; i < nall; i++)
		for (j = i + 1; j < nall; j++)
			CHECK(memcmp(all[i].txid, all[j].txid, 32) != 0 || all[i].vout != all[j].vout);
	free(all);
	teardown();
}

static void
test_refusals(void)
{
	struct store_payment p, q;
	struct store_pay_input *res = NULL;
	size_t nres = 0;
	int replayed;

	setup(6);
	/* The signer's policy refuses: nothing left behind (no payment, no event, no reservation, key free). */
	fk.sign_refusal = COFFER_ERR_POLICY_MAX_PAYMENT;
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 150000, NULL), "refused-once"), COFFER_ERR_POLICY_MAX_PAYMENT);
	CHECK(p.id[0] == '\0');
	store_payment_clear(&p);
	CHECK_OK(store_reserved_inputs(st, &res, &nres));
	CHECK(nres == 0 && fake_mempool_size(&fk) == 0 && events_of("payment.failed") == 0);
	free(res);
	CHECK_OK(store_payment_list(st, &q, 1, &nres, 0, -1));
	CHECK(nres == 0);
	fk.sign_refusal = 0;
	/* The network refuses: failed, released. */
	fk.bcast_mode = 2;
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 150000, NULL), NULL), COFFER_ERR_PAY_BROADCAST_REJECTED);
	CHECK(p.status == STORE_PAY_FAILED && strstr(p.failure, "bad-txns-test-refusal") != NULL);
	CHECK_OK(store_reserved_inputs(st, &res, &nres));
	CHECK(nres == 0);
	free(res);
	store_payment_clear(&p);
	/* Bad input: nothing recorded at all. */
	fk.bcast_mode = 0;
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 100000000, NULL), NULL), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 100, NULL), NULL), COFFER_ERR_PAY_DUST_OUTPUT);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 0, NULL), NULL), COFFER_ERR_PAY_AMOUNT_ZERO);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], -1, NULL), NULL), COFFER_ERR_PAY_AMOUNT_NEGATIVE);
	CHECK_RC(pay(&p, &replayed, body_for("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 10000, NULL), NULL),
	    COFFER_ERR_WRONG_NETWORK);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 10000, "\"fee_rate_sat_vb\":0.5"), NULL),
	    COFFER_ERR_PAY_FEE_RATE);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 10000, "\"fee_rate_sat_vb\":5000"), NULL),
	    COFFER_ERR_PAY_FEE_RATE);
	CHECK_RC(pay(&p, &replayed, "{\"outputs\":[]}", NULL), COFFER_ERR_PAY_NO_OUTPUTS);
	CHECK_RC(pay(&p, &replayed, body_for(addr[0], 10000, "\"colour\":1"), NULL), COFFER_ERR_UNKNOWN_FIELD);
	CHECK_OK(store_payment_list(st, &q, 1, &nres, 0, STORE_PAY_CREATED));
	CHECK(nres == 0);
	/* The same key once the policy allows it: a new payment, sent. */
	CHECK_OK(pay(&p, &replayed, body_for(addr[0], 150000, NULL), "refused-once"));
	CHECK(!replayed && p.status == STORE_PAY_BROADCAST);
	store_payment_clear(&p);
	teardown();
}

/* Signed but not sent (backend down, or the process died): sent after restart, never twice. */
static void
test_restart_resend(void)
{
	struct store_payment p, q;
	size_t changed = 0, mem;
	int replayed;

	setup(8);
	fk.bcast_mode = 1;
	CHECK_OK(pay(&p, &replayed, body_for(addr[0], 150000, NULL), NULL));
	CHECK(p.status == STORE_PAY_SIGNED && p.raw_tx != NULL && fake_mempool_size(&fk) == 0);
	/* "Crash": reopen everything from disk. */
	close_store();
	open_store();
	fk.bcast_mode = 0;
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(changed == 1 && fake_mempool_size(&fk) == 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_BROADCAST && memcmp(q.txid, p.txid, 32) == 0);
	store_payment_clear(&q);
	/* A payment the chain already has (sent just before a crash) is marked, not sent as a new tx. */
	mem = fake_mempool_size(&fk);
	{
		struct store_pay_update u;

		memset(&u, 0, sizeof(u));
		u.from = STORE_PAY_BROADCAST;
		u.to = STORE_PAY_SIGNED;	/* as if the crash came before recording broadcast */
		CHECK_OK(store_payment_update(st, p.id, &u));
	}
	close_store();
	open_store();
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(fake_mempool_size(&fk) == mem);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_BROADCAST);
	store_payment_clear(&q);
	store_payment_clear(&p);
	/* Created but never signed: failed after restart, its coins free again. */
	{
		struct store_payment c;
		struct store_pay_input in;
		struct store_pay_input *res = NULL;
		size_t nres = 0;

		memset(&c, 0, sizeof(c));
		memcpy(c.id, "pay_00000000000000aa", 21);
		c.status = STORE_PAY_CREATED;
		snprintf(c.kind, sizeof(c.kind), "payment");
		c.outputs_json = strdup("[]");
		c.change_pos = -1;
		c.created_at = clock_s;
		size_t k, i, free_coin = SIZE_MAX;

		/* A coin no payment holds. */
		CHECK_OK(store_reserved_inputs(st, &res, &nres));
		for (k = 0; k < fk.n_coins && free_coin == SIZE_MAX; k++) {
			for (i = 0; i < nres; i++)
				if (memcmp(res[i].txid, fk.coins[k].u.txid, 32) == 0 && res[i].vout == fk.coins[k].u.vout)
					break;
			if (i == nres)
				free_coin = k;
		}
		free(res);
		res = NULL;
		CHECK(free_coin != SIZE_MAX);
		memset(&in, 0, sizeof(in));
		memcpy(in.txid, fk.coins[free_coin].u.txid, 32);
		in.vout = fk.coins[free_coin].u.vout;
		in.value = fk.coins[free_coin].u.value;
		memcpy(in.spk, fk.coins[free_coin].u.spk, fk.coins[free_coin].u.spk_len);
		in.spk_len = fk.coins[free_coin].u.spk_len;
		CHECK_OK(store_payment_insert(st, &c, &in, 1));
		CHECK_RC(store_payment_insert(st, &c, &in, 1), COFFER_ERR_INVALID_ARG);
		memcpy(c.id, "pay_00000000000000ab", 21);
		CHECK_RC(store_payment_insert(st, &c, &in, 1), COFFER_ERR_PAY_RESERVED);
		store_payment_clear(&c);
		close_store();
		open_store();
		CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
		CHECK_OK(store_payment_get(st, &q, "pay_00000000000000aa"));
		CHECK(q.status == STORE_PAY_FAILED && strcmp(q.failure, "interrupted before signing") == 0);
		store_payment_clear(&q);
		CHECK_OK(store_reserved_inputs(st, &res, &nres));
		for (i = 0; i < nres; i++)
			CHECK(memcmp(res[i].txid, in.txid, 32) != 0 || res[i].vout != in.vout);
		free(res);
	}
	teardown();
}

static void
test_bump_cancel_cpfp(void)
{
	struct store_payment p, b, c, q, x;
	struct store_pay_input *res = NULL;
	size_t nres = 0;
	int replayed;

	setup(12);
	CHECK_OK(pay(&p, &replayed, body_for(addr[0], 150000, "\"fee_rate_sat_vb\":1"), NULL));
	CHECK(p.status == STORE_PAY_BROADCAST);
	/* RBF: a replacement at 10 sat/vB; the original links to it. */
	CHECK_RC(payments_bump(&pm, &b, p.id, 1500, 0, clock_s++), COFFER_ERR_PAY_BUMP_FEE);
	CHECK_OK(payments_bump(&pm, &b, p.id, 10000, 0, clock_s++));
	CHECK(b.status == STORE_PAY_BROADCAST && strcmp(b.kind, "bump") == 0 && strcmp(b.parent_id, p.id) == 0);
	CHECK(b.fee_sat > p.fee_sat && fake_mempool_size(&fk) == 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_REPLACED && strcmp(q.replaced_by, b.id) == 0);
	store_payment_clear(&q);
	/* A payment whose change a later payment spends is not replaced (that would evict the later one). */
	{
		struct store_payment kid;
		struct store_pay_input in;

		memset(&kid, 0, sizeof(kid));
		memcpy(kid.id, "pay_00000000000000c1", 21);
		kid.status = STORE_PAY_SIGNED;
		snprintf(kid.kind, sizeof(kid.kind), "payment");
		kid.outputs_json = strdup("[]");
		kid.change_pos = -1;
		kid.created_at = clock_s;
		memset(&in, 0, sizeof(in));
		memcpy(in.txid, b.txid, 32);
		in.vout = (uint32_t)(b.change_pos >= 0 ? b.change_pos : 0);
		in.value = 1000;
		in.spk_len = 22;
		CHECK_OK(store_payment_insert(st, &kid, &in, 1));
		CHECK_RC(payments_bump(&pm, &x, b.id, 20000, 0, clock_s++), COFFER_ERR_PAY_HAS_DESCENDANT);
		CHECK_RC(payments_cancel(&pm, &x, b.id, 0, clock_s++), COFFER_ERR_PAY_HAS_DESCENDANT);
		memset(&x, 0, sizeof(x));
		{
			struct store_pay_update u;

			memset(&u, 0, sizeof(u));
			u.from = STORE_PAY_SIGNED;
			u.to = STORE_PAY_FAILED;
			u.release = 1;
			CHECK_OK(store_payment_update(st, kid.id, &u));
		}
		store_payment_clear(&kid);
	}
	/* A replaced payment cannot be bumped again; its replacement can. */
	CHECK_RC(payments_bump(&pm, &x, p.id, 20000, 0, clock_s++), COFFER_ERR_PAY_STATE);
	/* Cancel the replacement: everything back to the wallet. */
	CHECK_OK(payments_cancel(&pm, &c, b.id, 0, clock_s++));
	CHECK(strcmp(c.kind, "cancel") == 0 && c.status == STORE_PAY_BROADCAST && fake_mempool_size(&fk) == 1);
	CHECK(c.change_pos == 0);
	CHECK_OK(store_payment_get(st, &q, b.id));
	CHECK(q.status == STORE_PAY_REPLACED);
	store_payment_clear(&q);
	/* The reservations moved with the replacements: still one holder per coin. */
	CHECK_OK(store_reserved_inputs(st, &res, &nres));
	CHECK(nres >= 1);
	free(res);
	fake_mine(&fk);
	store_payment_clear(&c);
	store_payment_clear(&b);
	store_payment_clear(&p);
	/* CPFP: a child of a payment's change. */
	CHECK_OK(pay(&p, &replayed, body_for(addr[2], 100000, "\"fee_rate_sat_vb\":1"), NULL));
	CHECK(p.change_pos >= 0);
	CHECK_OK(payments_bump(&pm, &c, p.id, 20000, 1, clock_s++));
	CHECK(strcmp(c.kind, "cpfp") == 0 && c.status == STORE_PAY_BROADCAST && fake_mempool_size(&fk) == 2);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_BROADCAST);	/* a parent stays: the child needs it */
	store_payment_clear(&q);
	/* Confirmed payments cannot be bumped. */
	fake_mine(&fk);
	CHECK_RC(payments_bump(&pm, &b, p.id, 30000, 0, clock_s++), COFFER_ERR_PAY_STATE);
	store_payment_clear(&c);
	store_payment_clear(&p);
	teardown();
}

static void
test_paging_and_events(void)
{
	struct store_payment page[3];
	struct store_event ev[8];
	struct store_payment p;
	size_t n = 0, i, seen = 0;
	int64_t before = 0, last = 0;
	int replayed;

	setup(20);
	for (i = 0; i < 7; i++) {
		CHECK_OK(pay(&p, &replayed, body_for(addr[i], 20000 + (int64_t)i, NULL), NULL));
		store_payment_clear(&p);
	}
	do {
		CHECK_OK(store_payment_list(st, page, 3, &n, before, -1));
		for (i = 0; i < n; i++) {
			CHECK(last == 0 || page[i].seq < last);
			last = page[i].seq;
			before = page[i].seq;
			store_payment_clear(&page[i]);
		}
		seen += n;
	} while (n == 3);
	CHECK(seen == 7);
	CHECK_OK(store_payment_list(st, page, 3, &n, 0, STORE_PAY_FAILED));
	CHECK(n == 0);
	/* Events after a cursor, in order. */
	CHECK_OK(store_events_after(st, ev, 8, &n, 0));
	CHECK(n == 7);
	for (i = 0; i < n; i++) {
		json_error_t err;
		json_t *j = json_loads(ev[i].body, 0, &err);

		CHECK(j != NULL && strcmp(json_string_value(json_object_get(j, "type")), "payment.sent") == 0);
		CHECK(json_is_object(json_object_get(j, "payment")));
		json_decref(j);
		if (i > 0)
			CHECK(ev[i].seq > ev[i - 1].seq);
	}
	last = ev[3].seq;
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	CHECK_OK(store_events_after(st, ev, 8, &n, last));
	CHECK(n == 3);
	for (i = 0; i < n; i++)
		store_event_clear(&ev[i]);
	teardown();
}

static const struct test_case tests[] = {
	{ "pay_and_confirm", test_pay_and_confirm },
	{ "idempotency", test_idempotency },
	{ "concurrent_reservation", test_concurrent_reservation },
	{ "refusals", test_refusals },
	{ "restart_resend", test_restart_resend },
	{ "bump_cancel_cpfp", test_bump_cancel_cpfp },
	{ "paging_and_events", test_paging_and_events },
};

TEST_MAIN(tests)
