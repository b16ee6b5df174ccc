/*
 * The payments background worker: re-sends what the backend could not take,
 * follows confirmations and delivers webhooks on its own, wakes on a kick,
 * and stops cleanly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/payments_worker.h"
#include "daemon/store_webhooks.h"
#include "payments_fake.h"

static int posted;

static int
count_post(void *ctx, int *status, const char *url, const char *sig, const char *body, size_t len)
{
	(void)ctx;
	(void)url;
	(void)sig;
	(void)body;
	(void)len;
	posted++;
	*status = 204;
	return 0;
}

static void
test_worker(void)
{
	static struct fixture fx;
	static struct fake fk;
	struct payments_backend be;
	struct payments pm;
	struct payments_worker w;
	struct store *st = NULL;
	struct store_payment p, q;
	struct store_webhook hook;
	struct payments_request req;
	struct pay_recipient out;
	char dir[64], path[128], addr[ADDR_BUFSIZE], cmd[128];
	uint8_t key[STORE_KEY_LEN];
	uint64_t r0;
	size_t i;
	int replayed;

	snprintf(dir, sizeof(dir), "/tmp/coffer-pw-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fx_init(&fx);
	fake_init(&fk, &fx, &be);
	for (i = 0; i < 4; i++)
		fake_add_coin(&fk, FX_WPKH, (uint32_t)i, 200000);
	fx_external(addr, ADDR_P2WPKH, 11, BTC_REGTEST);
	memset(key, 0x61, sizeof(key));
	CHECK_OK(store_open(&st, NULL, 0, path, key));
	CHECK_OK(payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST));
	memset(&hook, 0, sizeof(hook));
	snprintf(hook.id, sizeof(hook.id), "wh_0000000000000001");
	snprintf(hook.url, sizeof(hook.url), "http://127.0.0.1:9/");
	snprintf(hook.events, sizeof(hook.events), "payment.sent,payment.confirmed");
	hook.secret_len = 20;
	memset(hook.secret, 's', 20);
	CHECK_OK(store_webhook_insert(st, &hook));
	/* The backend is down: the payment stays signed. */
	fk.bcast_mode = 1;
	memset(&req, 0, sizeof(req));
	out.address = addr;
	out.amount = 50000;
	req.outputs = &out;
	req.n_outputs = 1;
	req.fee_rate = 2000;
	req.subtract_fee_from = -1;
	CHECK_OK(payments_create(&pm, &p, &replayed, &req, 1700000000));
	CHECK(p.status == STORE_PAY_SIGNED);
	CHECK_OK(payments_worker_start(&w, &pm, count_post, NULL, 60000));
	payments_worker_wait_rounds(&w, 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_SIGNED);	/* still down */
	store_payment_clear(&q);
	/* Back up: a kick (not the 60 s interval) sends it. */
	fk.bcast_mode = 0;
	r0 = w.rounds;
	payments_worker_kick(&w);
	payments_worker_wait_rounds(&w, r0 + 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_BROADCAST);
	store_payment_clear(&q);
	CHECK(posted == 1);	/* payment.sent delivered */
	fake_mine(&fk);
	r0 = w.rounds;
	payments_worker_kick(&w);
	payments_worker_wait_rounds(&w, r0 + 1);
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_CONFIRMED);
	store_payment_clear(&q);
	CHECK(posted == 2 && w.last_error == 0);
	payments_worker_stop(&w);
	payments_worker_stop(&w);	/* twice is harmless */
	store_payment_clear(&p);
	payments_free(&pm);
	store_close(st);
	fake_free(&fk);
	fx_free(&fx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static const struct test_case tests[] = {
	{ "worker", test_worker },
};

TEST_MAIN(tests)
