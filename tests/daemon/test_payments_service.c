/*
 * cofferd's payments end to end through the REST API: a daemon unlocked with
 * the signer's account descriptors (the fixture seed's), the payments service
 * opened over its store with the Esplora backend on the regtest chain double,
 * POST /v1/payments answered 201 and accepted by the double's independent
 * validator, the background worker confirming it after a block, and the
 * service closing cleanly (routes answer 503 again).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "chaind_util.h"
#include "paysync_util.h"

#include "daemon/accounts.h"
#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/payments_service.h"
#include "wallet/wallet_fixture.h"

#define ADMIN "a0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"

static struct chaind D;
static struct fixture fx;
static struct daemon_config cfg;
static struct daemon d;

static int
fx_sign_fn(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct psbt p;
	struct psbt_sign_stats s;
	int r;

	(void)ctx;
	(void)passphrase;
	if ((r = psbt_parse(&p, psbt, len)) != 0)
		return r;
	if ((r = psbt_sign_bip32(&p, &s, fx.master, NULL)) == 0)
		r = psbt_serialize(out, &p);
	psbt_free(&p);
	return r;
}

static unsigned int
call(json_t **out, const char *method, const char *path, const char *body)
{
	struct sockaddr_in peer;
	struct api_request rq;
	struct api_response rs;
	unsigned int status;

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
	*out = json_loadb(rs.body, rs.body_len, 0, NULL);
	api_response_free(&rs);
	api_request_free(&rq);
	return status;
}

static void
test_service(void)
{
	struct client_descriptors cd;
	struct accounts *acc = NULL;
	struct payments_service ps;
	struct chain_opts o;
	struct chain *ch = NULL;
	struct wacct_key k;
	uint8_t key[STORE_KEY_LEN];
	char dir[64], err[256], a[ADDR_BUFSIZE], txid[65], body[512], path[96], cmd[128], to[ADDR_BUFSIZE];
	const char *id, *status;
	json_t *j = NULL;
	uint64_t r0;
	uint32_t i;

	if (chaind_start(&D) != 0) {
		printf("SKIP: the chain double did not start (node/npm missing?)\n");
		chaind_stop(&D);
		return;
	}
	fx_init(&fx);
	snprintf(dir, sizeof(dir), "/tmp/coffer-psvc-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	cfg.network = BTC_REGTEST;
	if (config_finish(&cfg) != 0 || daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	log_set_level(LOG_LEVEL_ERROR);
	/* The signer's descriptors, as client_descriptors hands them over. */
	memset(&cd, 0, sizeof(cd));
	bip32_fingerprint(cd.fingerprint, fx.master);
	cd.n = 3;
	cd.d[0].type = PROTO_ACCOUNT_TR;
	snprintf(cd.d[0].descriptor, sizeof(cd.d[0].descriptor), "%s", fx.desc[FX_TR]);
	cd.d[1].type = PROTO_ACCOUNT_WPKH;
	snprintf(cd.d[1].descriptor, sizeof(cd.d[1].descriptor), "%s", fx.desc[FX_WPKH]);
	cd.d[2].type = PROTO_ACCOUNT_SH_WPKH;
	snprintf(cd.d[2].descriptor, sizeof(cd.d[2].descriptor), "%s", fx.desc[FX_SH_WPKH]);
	CHECK_OK(accounts_load(&acc, &cd, BTC_REGTEST, PROTO_ACCOUNT_TR));
	memset(key, 0x3c, sizeof(key));
	CHECK_OK(daemon_open_store_with(&d, err, sizeof(err), key, acc));
	/* Without the service: 503. */
	fx_external(to, ADDR_P2WPKH, 31, BTC_REGTEST);
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":70000}],\"fee_rate_sat_vb\":3}", to);
	CHECK(call(&j, "POST", "/v1/payments", body) == 503);
	json_decref(j);
	/* Funds on the tr and wpkh accounts. */
	for (i = 0; i < 4; i++) {
		CHECK_OK(wacct_derive(&k, &fx.acct[i % 2 ? FX_WPKH : FX_TR], 0, i));
		CHECK_OK(addr_encode(a, k.spk, k.spk_len, BTC_REGTEST));
		CHECK(chaind_faucet(&D, txid, a, 90000) == 0);
	}
	CHECK(chaind_mine(&D, 1) == 0);
	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = D.url;
	CHECK_OK(chain_esplora_new(&ch, &o));
	CHECK_OK(payments_service_open(&ps, &d, ch, fx_sign_fn, NULL, NULL, 3600000));
	/* No sync of the chain view since unlock: 503 wallet_not_synced, nothing recorded. */
	CHECK(call(&j, "POST", "/v1/payments", body) == 503);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "wallet_not_synced");
	json_decref(j);
	CHECK(call(&j, "GET", "/v1/payments", NULL) == 200);
	CHECK(json_array_size(json_object_get(j, "payments")) == 0);
	json_decref(j);
	/* The syncer's part (cofferd kicks one at unlock and after each broadcast). */
	CHECK_OK(paysync(ch, d.store, ps.accts, ps.n_accts));
	CHECK(call(&j, "POST", "/v1/payments", body) == 201);
	id = json_string_value(json_object_get(j, "id"));
	status = json_string_value(json_object_get(j, "status"));
	CHECK(id != NULL && status != NULL && strcmp(status, "broadcast") == 0);
	snprintf(path, sizeof(path), "/v1/payments/%s", id != NULL ? id : "x");
	json_decref(j);
	/* A block, a kick: the worker marks it confirmed. */
	CHECK(chaind_mine(&D, 1) == 0);
	r0 = ps.worker.rounds;
	payments_worker_kick(&ps.worker);
	payments_worker_wait_rounds(&ps.worker, r0 + 1);
	CHECK(call(&j, "GET", path, NULL) == 200);
	CHECK_STREQ(json_string_value(json_object_get(j, "status")), "confirmed");
	json_decref(j);
	CHECK(call(&j, "GET", "/v1/events", NULL) == 200);
	{
		/* payment.sent, payment.confirmed (besides the sync's payment.received of the funding) */
		size_t e, mine = 0;

		for (e = 0; e < json_array_size(json_object_get(j, "events")); e++) {
			const char *t = json_string_value(json_object_get(json_array_get(json_object_get(j, "events"), e),
			    "type"));

			mine += t != NULL && (strcmp(t, "payment.sent") == 0 || strcmp(t, "payment.confirmed") == 0);
		}
		CHECK(mine == 2);
	}
	json_decref(j);
	payments_service_close(&ps, &d);
	payments_service_close(&ps, &d);
	CHECK(call(&j, "POST", "/v1/payments", body) == 503);
	json_decref(j);
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
	{ "service", test_service },
};

TEST_MAIN(tests)
