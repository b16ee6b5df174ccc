/*
 * Webhooks: payment events fan out into a persistent outbox in the same
 * transaction as the change they report; deliveries are signed, retried with
 * backoff, given up when the receiver is gone, and survive a restart; a real
 * local HTTP receiver (libmicrohttpd, ephemeral loopback port) checks every
 * signature of what the libcurl poster sends.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/payments.h"
#include "daemon/store_payments.h"
#include "daemon/store_webhooks.h"
#include "daemon/webhooks.h"
#include "payments_fake.h"
#include "wallet/outbox.h"
#include "wallet/webhook.h"

#define SECRET_A "whsec_aaaaaaaaaaaaaaaaaaaa"
#define SECRET_B "whsec_bbbbbbbbbbbbbbbbbbbb"

static char dir[64], path[128];
static struct fixture fx;
static struct fake fk;
static struct payments_backend be;
static struct store *st;
static struct payments pm;
static char addr[ADDR_BUFSIZE];

static void
open_all(void)
{
	uint8_t key[STORE_KEY_LEN];

	memset(key, 0x21, sizeof(key));
	CHECK_OK(store_open(&st, NULL, 0, path, key));
	CHECK_OK(payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST));
}

static void
close_all(void)
{
	payments_free(&pm);
	store_close(st);
}

static void
setup(void)
{
	size_t i;

	snprintf(dir, sizeof(dir), "/tmp/coffer-wh-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fx_init(&fx);
	fake_init(&fk, &fx, &be);
	for (i = 0; i < 10; i++)
		fake_add_coin(&fk, FX_WPKH, (uint32_t)i, 300000);
	fx_external(addr, ADDR_P2TR, 77, BTC_REGTEST);
	open_all();
}

static void
teardown(void)
{
	char cmd[128];

	close_all();
	fake_free(&fk);
	fx_free(&fx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
add_hook(const char *id, const char *url, const char *events, const char *secret)
{
	struct store_webhook w;

	memset(&w, 0, sizeof(w));
	snprintf(w.id, sizeof(w.id), "%s", id);
	snprintf(w.url, sizeof(w.url), "%s", url);
	snprintf(w.events, sizeof(w.events), "%s", events);
	w.secret_len = strlen(secret);
	memcpy(w.secret, secret, w.secret_len);
	w.created_at = 1700000000;
	CHECK_OK(store_webhook_insert(st, &w));
}

static void
make_payment_rc(int64_t now, int want)
{
	struct payments_request req;
	struct store_payment p;
	char body[512], msg[256];
	json_t *j;
	int replayed;

	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":100000}]}", addr);
	j = json_loads(body, 0, NULL);
	CHECK_OK(payments_request_parse(&req, msg, sizeof(msg), j, NULL));
	json_decref(j);
	CHECK_RC(payments_create(&pm, &p, &replayed, &req, now), want);
	payments_request_clear(&req);
	store_payment_clear(&p);
}

static void
make_payment(int64_t now)
{
	make_payment_rc(now, 0);
}

/* A fake poster: checks the signature with the endpoint's secret, answers from a script. */
struct poster {
	int script[64];
	size_t n_script, calls, bad_sigs;
	int64_t now_s;
};

static int
fake_post(void *ctx, int *status, const char *url, const char *sig, const char *body, size_t len)
{
	struct poster *p = ctx;
	const char *secret = strstr(url, "/a") != NULL ? SECRET_A : SECRET_B;

	if (webhook_verify(sig, strlen(sig), (const uint8_t *)secret, strlen(secret), (const uint8_t *)body, len,
	    (uint64_t)p->now_s, WEBHOOK_TOLERANCE_S) != 0)
		p->bad_sigs++;
	*status = p->calls < p->n_script ? p->script[p->calls] : 200;
	p->calls++;
	return *status == 0 ? COFFER_ERR_IO : 0;
}

static void
test_outbox(void)
{
	struct poster po;
	size_t n, ok, retry, gone;
	int64_t now_ms = (int64_t)1700001000 * 1000;
	uint32_t i;

	setup();
	add_hook("wh_aaaaaaaaaaaaaaaa", "http://127.0.0.1:1/a", "payment.sent,payment.confirmed", SECRET_A);
	add_hook("wh_bbbbbbbbbbbbbbbb", "http://127.0.0.1:1/b", "payment.failed", SECRET_B);
	make_payment(now_ms / 1000);
	/* One event (payment.sent) for endpoint a only. */
	CHECK_OK(store_outbox_count(st, STORE_DELIVERY_PENDING, &n));
	CHECK(n == 1);
	/* First attempt: 503, retried later, not due before its backoff. */
	memset(&po, 0, sizeof(po));
	po.script[0] = 503;
	po.n_script = 1;
	po.now_s = now_ms / 1000;
	CHECK_OK(webhooks_deliver_due(st, fake_post, &po, now_ms, &ok, &retry, &gone));
	CHECK(ok == 0 && retry == 1 && gone == 0 && po.calls == 1 && po.bad_sigs == 0);
	CHECK_OK(webhooks_deliver_due(st, fake_post, &po, now_ms + 1000, &ok, &retry, &gone));
	CHECK(po.calls == 1);	/* the first backoff is at least 2.5 s */
	/* The outbox survives a restart. */
	close_all();
	open_all();
	po.now_s = now_ms / 1000 + 6;
	CHECK_OK(webhooks_deliver_due(st, fake_post, &po, now_ms + 6000, &ok, &retry, &gone));
	CHECK(ok == 1 && po.calls == 2 && po.bad_sigs == 0);
	CHECK_OK(store_outbox_count(st, STORE_DELIVERY_DONE, &n));
	CHECK(n == 1);
	/* Confirmation: a second event, delivered at once. */
	fake_mine(&fk);
	CHECK_OK(payments_reconcile(&pm, NULL, now_ms / 1000 + 10));
	CHECK_OK(webhooks_deliver_due(st, fake_post, &po, now_ms + 10000, &ok, &retry, &gone));
	CHECK(ok == 1 && po.calls == 3);
	/* A receiver that is gone (410) stops at once; one that never answers is given up after the limit. */
	/* payment.failed from a network refusal (a signer refusal leaves no payment and no event) */
	fk.bcast_mode = 2;
	memset(&po, 0, sizeof(po));
	po.now_s = now_ms / 1000 + 20;
	po.script[0] = 410;
	po.n_script = 1;
	make_payment_rc(now_ms / 1000 + 20, COFFER_ERR_PAY_BROADCAST_REJECTED);	/* payment.failed -> endpoint b */
	CHECK_OK(webhooks_deliver_due(st, fake_post, &po, now_ms + 20000, &ok, &retry, &gone));
	CHECK(gone == 1 && po.calls == 1);
	memset(&po, 0, sizeof(po));
	po.n_script = 64;	/* every answer 0: no answer */
	make_payment_rc(now_ms / 1000 + 30, COFFER_ERR_PAY_BROADCAST_REJECTED);
	for (i = 0; i < 2 * OUTBOX_MAX_ATTEMPTS; i++) {
		po.now_s = now_ms / 1000 + 30 + (int64_t)i * 100000;
		CHECK_OK(webhooks_deliver_due(st, fake_post, &po, (now_ms / 1000 + 30 + (int64_t)i * 100000) * 1000, &ok,
		    &retry, &gone));
	}
	CHECK(po.calls == OUTBOX_MAX_ATTEMPTS);
	CHECK_OK(store_outbox_count(st, STORE_DELIVERY_GAVE_UP, &n));
	CHECK(n == 2);
	/* Deleting an endpoint drops its deliveries. */
	CHECK_OK(store_webhook_delete(st, "wh_bbbbbbbbbbbbbbbb"));
	CHECK_RC(store_webhook_delete(st, "wh_bbbbbbbbbbbbbbbb"), COFFER_ERR_NOT_FOUND);
	teardown();
}

/* ---- a real receiver ------------------------------------------------------------ */

struct receiver {
	struct MHD_Daemon *mhd;
	unsigned short port;
	size_t good, bad;
};

struct upload {
	char buf[65536];
	size_t len;
};

static enum MHD_Result
on_hook(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
    const char *data, size_t *data_size, void **con_cls)
{
	struct receiver *rc = cls;
	struct upload *u = *con_cls;
	struct MHD_Response *resp;
	const char *sig;
	enum MHD_Result ret;
	int ok;

	(void)url;
	(void)version;
	(void)method;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (*data_size > sizeof(u->buf) - u->len)
			return MHD_NO;
		memcpy(u->buf + u->len, data, *data_size);
		u->len += *data_size;
		*data_size = 0;
		return MHD_YES;
	}
	sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, WEBHOOK_SIG_HEADER);
	ok = sig != NULL && webhook_verify(sig, strlen(sig), (const uint8_t *)SECRET_A, strlen(SECRET_A),
	    (const uint8_t *)u->buf, u->len, (uint64_t)time(NULL), 3600) == 0;
	if (ok)
		rc->good++;
	else
		rc->bad++;
	resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, ok ? 200 : 401, resp);
	MHD_destroy_response(resp);
	free(u);
	*con_cls = NULL;
	return ret;
}

static void
test_real_receiver(void)
{
	struct receiver rc;
	const union MHD_DaemonInfo *info;
	char url[64];
	size_t n = 0, ok = 0, retry = 0, gone = 0, k;
	int64_t now_s = (int64_t)time(NULL);

	setup();
	memset(&rc, 0, sizeof(rc));
	rc.mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_hook, &rc,
	    MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	CHECK(rc.mhd != NULL);
	if (rc.mhd == NULL) {
		teardown();
		return;
	}
	info = MHD_get_daemon_info(rc.mhd, MHD_DAEMON_INFO_BIND_PORT);
	rc.port = info != NULL ? info->port : 0;
	CHECK(rc.port != 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/a", (unsigned)rc.port);
	add_hook("wh_cccccccccccccccc", url, "payment.sent,payment.failed,payment.confirmed", SECRET_A);
	for (k = 0; k < 3; k++)
		make_payment(now_s);
	fake_mine(&fk);
	CHECK_OK(payments_reconcile(&pm, NULL, now_s));
	CHECK_OK(webhooks_deliver_due(st, webhooks_post_curl, NULL, now_s * 1000, &ok, &retry, &gone));
	CHECK_MSG(ok == 6 && retry == 0 && gone == 0, "ok %zu retry %zu gone %zu", ok, retry, gone);
	CHECK(rc.good == 6 && rc.bad == 0);
	CHECK_OK(store_outbox_count(st, STORE_DELIVERY_PENDING, &n));
	CHECK(n == 0);
	MHD_stop_daemon(rc.mhd);
	/* The receiver gone: connection refused is a retry, not a loss. */
	make_payment(now_s);
	CHECK_OK(webhooks_deliver_due(st, webhooks_post_curl, NULL, now_s * 1000, &ok, &retry, &gone));
	CHECK(ok == 0 && retry == 1);
	teardown();
}

static const struct test_case tests[] = {
	{ "outbox", test_outbox },
	{ "real_receiver", test_real_receiver },
};

TEST_MAIN(tests)
