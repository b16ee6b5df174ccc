/*
 * Payments end to end against the regtest chain double (tests/chaind), which
 * accepts a transaction only after @scure/btc-signer (an independent
 * implementation) has checked every input signature and amount, and applies
 * BIP125 replacement rules: pay, batch-pay, idempotent retry, RBF bump,
 * cancel, CPFP, confirmation and re-broadcast reconciliation, through the
 * engine and the chain adapter (payments_chain.c) over the Esplora backend.
 * Signing uses the wallet core's PSBT signer with the fixture seed (the real
 * signer process is covered by its own tests).
 */
#include "harness.h"
#include "chaind_util.h"
#include "paysync_util.h"

#include "daemon/payments.h"
#include "daemon/payments_chain.h"
#include "daemon/store.h"
#include "wallet/wallet_fixture.h"

static struct chaind D;
static struct fixture fx;
static struct chain *ch;
static struct store *st;
static struct payments_chain pc;
static struct payments_backend be;
static struct payments pm;
static char dir[64];
static char ext[30][ADDR_BUFSIZE];
static int64_t clock_s = 1700000000;

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

static int
setup(void)
{
	struct chain_opts o;
	uint8_t key[STORE_KEY_LEN];
	char path[128], txid[65], a[ADDR_BUFSIZE];
	struct wacct_key k;
	uint32_t i;

	if (chaind_start(&D) != 0) {
		chaind_stop(&D);
		return -1;
	}
	fx_init(&fx);
	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = D.url;
	if (chain_esplora_new(&ch, &o) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/coffer-paye2e-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(key, 0x77, sizeof(key));
	if (store_open(&st, NULL, 0, path, key) != 0 ||
	    payments_chain_init(&pc, &be, ch, st, fx.acct, FX_NACCT, fx_sign_fn, NULL) != 0 ||
	    payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST) != 0)
		return -1;
	/* Fund: 8 wpkh and 6 tr receive addresses. */
	for (i = 0; i < 14; i++) {
		size_t acct = i < 8 ? FX_WPKH : FX_TR;

		if (wacct_derive(&k, &fx.acct[acct], 0, i < 8 ? i : i - 8) != 0 ||
		    addr_encode(a, k.spk, k.spk_len, BTC_REGTEST) != 0 ||
		    chaind_faucet(&D, txid, a, 300000 + 10000 * (int64_t)i) != 0)
			return -1;
	}
	for (i = 0; i < 30; i++)
		fx_external(ext[i], i % 3 == 0 ? ADDR_P2TR : ADDR_P2WPKH, 700 + i, BTC_REGTEST);
	if (chaind_mine(&D, 1) != 0)
		return -1;
	/* Payments spend from the store's chain view: sync it (cofferd's syncer does). */
	return paysync(ch, st, fx.acct, FX_NACCT);
}

/* How many of payment id's inputs are still reserved. */
static size_t
reserved_of(const char *id)
{
	struct store_pay_input *mine = NULL, *res = NULL;
	size_t n_mine = 0, nres = 0, i, j, k = 0;

	if (store_payment_inputs(st, &mine, &n_mine, id) != 0 || store_reserved_inputs(st, &res, &nres) != 0)
		abort();
	for (i = 0; i < n_mine; i++)
		for (j = 0; j < nres; j++)
			k += memcmp(mine[i].txid, res[j].txid, 32) == 0 && mine[i].vout == res[j].vout;
	free(mine);
	free(res);
	return k;
}

static void
teardown(void)
{
	char cmd[128];

	payments_free(&pm);
	payments_chain_free(&pc);
	store_close(st);
	chain_free(ch);
	fx_free(&fx);
	chaind_stop(&D);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int
pay_json(struct store_payment *out, int *replayed, const char *body, const char *idem)
{
	struct payments_request req;
	json_error_t err;
	json_t *j = json_loads(body, 0, &err);
	char msg[256];
	int r;

	memset(out, 0, sizeof(*out));
	if (j == NULL)
		abort();
	r = payments_request_parse(&req, msg, sizeof(msg), j, idem);
	json_decref(j);
	if (r != 0)
		return r;
	r = payments_create(&pm, out, replayed, &req, clock_s++);
	payments_request_clear(&req);
	return r;
}

static uint32_t
height_of(const struct store_payment *p)
{
	uint32_t h = 0;

	return be.tx_status(be.ctx, &h, p->txid) == 0 ? h : UINT32_MAX;
}

static void
test_end_to_end(void)
{
	struct store_payment p1, p2, b1, c2, again, child, q;
	char body[8192];
	size_t off, i, changed = 0;
	int replayed;

	if (setup() != 0) {
		printf("SKIP: the chain double did not start (node/npm missing?)\n");
		teardown();
		return;
	}
	/* One output. */
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":250000}],"
	    "\"fee_rate_sat_vb\":2,\"idempotency_key\":\"e2e-1\"}", ext[0]);
	CHECK_OK(pay_json(&p1, &replayed, body, NULL));
	CHECK(p1.status == STORE_PAY_BROADCAST && height_of(&p1) == 0);
	/* Idempotent retry: the same payment, no new transaction. */
	CHECK_OK(pay_json(&again, &replayed, body, NULL));
	CHECK(replayed && strcmp(again.id, p1.id) == 0);
	store_payment_clear(&again);
	/* RBF (before anything spends its change): the double applies BIP125 and evicts the original. */
	{
		int rb = payments_bump(&pm, &b1, p1.id, 8000, 0, clock_s++);

		CHECK_MSG(rb == 0, "bump: %s (%s)", coffer_err_name(rb), b1.failure);
	}
	CHECK(b1.status == STORE_PAY_BROADCAST && height_of(&b1) == 0 && height_of(&p1) == UINT32_MAX);
	/* A batch of 25 outputs in one transaction. */
	off = (size_t)snprintf(body, sizeof(body), "{\"outputs\":[");
	for (i = 0; i < 25; i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off, "%s{\"address\":\"%s\",\"amount_sat\":%zu}",
		    i ? "," : "", ext[i + 1], 20000 + i);
	snprintf(body + off, sizeof(body) - off, "],\"fee_rate_sat_vb\":1.5}");
	CHECK_OK(pay_json(&p2, &replayed, body, NULL));
	CHECK(p2.status == STORE_PAY_BROADCAST && height_of(&p2) == 0);
	/* Cancel the batch: everything back to us. */
	CHECK_OK(payments_cancel(&pm, &c2, p2.id, 0, clock_s++));
	CHECK(c2.status == STORE_PAY_BROADCAST && height_of(&c2) == 0 && height_of(&p2) == UINT32_MAX);
	CHECK(chaind_mine(&D, 1) == 0);
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(changed >= 2);
	CHECK_OK(store_payment_get(st, &q, b1.id));
	CHECK(q.status == STORE_PAY_CONFIRMED && q.confirmed_height > 0);
	store_payment_clear(&q);
	CHECK_OK(store_payment_get(st, &q, p1.id));
	CHECK(q.status == STORE_PAY_REPLACED && strcmp(q.replaced_by, b1.id) == 0);
	store_payment_clear(&q);
	/* Confirmed, but the view still lists its coins: they stay reserved until a sync drops them. */
	CHECK(reserved_of(b1.id) > 0);
	CHECK_OK(paysync(ch, st, fx.acct, FX_NACCT));
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(reserved_of(b1.id) == 0);
	/* CPFP: a child of an unconfirmed payment's change. */
	store_payment_clear(&p1);
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":120000}],"
	    "\"fee_rate_sat_vb\":1}", ext[27]);
	CHECK_OK(pay_json(&p1, &replayed, body, NULL));
	CHECK(p1.change_pos >= 0);
	CHECK_OK(payments_bump(&pm, &child, p1.id, 15000, 1, clock_s++));
	CHECK(strcmp(child.kind, "cpfp") == 0 && child.status == STORE_PAY_BROADCAST && height_of(&child) == 0);
	/* A payment the chain already has is marked broadcast after a "crash", not sent anew. */
	{
		struct store_pay_update u;

		memset(&u, 0, sizeof(u));
		u.from = STORE_PAY_BROADCAST;
		u.to = STORE_PAY_SIGNED;
		CHECK_OK(store_payment_update(st, child.id, &u));
		CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
		CHECK_OK(store_payment_get(st, &q, child.id));
		CHECK(q.status == STORE_PAY_BROADCAST);
		store_payment_clear(&q);
	}
	CHECK(chaind_mine(&D, 1) == 0);
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK_OK(store_payment_get(st, &q, child.id));
	CHECK(q.status == STORE_PAY_CONFIRMED);
	store_payment_clear(&q);
	CHECK_OK(store_payment_get(st, &q, p1.id));
	CHECK(q.status == STORE_PAY_CONFIRMED);
	store_payment_clear(&q);
	store_payment_clear(&child);
	store_payment_clear(&c2);
	store_payment_clear(&b1);
	store_payment_clear(&p2);
	store_payment_clear(&p1);
	teardown();
}

/* The outpoints a sweep would spend now: exactly the coins payments may select. */
static size_t
sweepable(uint8_t (*txids)[32], uint32_t *vouts, size_t max)
{
	struct payments_request req;
	struct pay_built b;
	char body[256], msg[128];
	json_t *j;
	size_t i, n = 0;

	snprintf(body, sizeof(body), "{\"drain_to\":\"%s\",\"fee_rate_sat_vb\":1}", ext[29]);
	if ((j = json_loads(body, 0, NULL)) == NULL || payments_request_parse(&req, msg, sizeof(msg), j, NULL) != 0)
		abort();
	json_decref(j);
	if (payments_preview(&pm, &b, &req) == 0) {
		for (i = 0; i < b.psbt.tx.n_in && n < max; i++, n++) {
			memcpy(txids[n], b.psbt.tx.in[i].prevout.txid, 32);
			vouts[n] = b.psbt.tx.in[i].prevout.vout;
		}
		pay_built_free(&b);
	}
	payments_request_clear(&req);
	return n;
}

static int
among(uint8_t (*txids)[32], const uint32_t *vouts, size_t n, const uint8_t txid[32], uint32_t vout)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(txids[i], txid, 32) == 0 && vouts[i] == vout)
			return 1;
	return 0;
}

/* Close and reopen the store and the engine, as a restart of cofferd does. */
static void
restart(void)
{
	uint8_t key[STORE_KEY_LEN];
	char path[128];

	payments_free(&pm);
	payments_chain_free(&pc);
	store_close(st);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(key, 0x77, sizeof(key));
	if (store_open(&st, NULL, 0, path, key) != 0 ||
	    payments_chain_init(&pc, &be, ch, st, fx.acct, FX_NACCT, fx_sign_fn, NULL) != 0 ||
	    payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST) != 0)
		abort();
}

/*
 * A view that lags behind the chain (a sync not yet run, a slow backend)
 * still lists the coins our broadcast payment spent: they are never offered
 * again — not before confirmation, not after a restart, not after
 * confirmation until the view has caught up — while its change is offered at
 * once. A store opened afresh answers wallet_not_synced until a sync.
 */
static void
test_stale_view(void)
{
	static struct store_utxo snap[256];
	static uint8_t sw_txid[256][32];
	static uint32_t sw_vout[256];
	struct store_chain_state cs;
	struct store_sync old;
	struct store_pay_input *ins = NULL;
	struct store_payment p, q;
	char body[512];
	size_t n_snap = 0, n_ins = 0, n_sw, i, changed = 0, hit;
	int replayed;

	if (setup() != 0) {
		printf("SKIP: the chain double did not start (node/npm missing?)\n");
		teardown();
		return;
	}
	/* The view before the payment, to apply again as a lagging sync would. */
	CHECK_OK(store_utxo_list(st, snap, 256, &n_snap, NULL, 0));
	CHECK_OK(store_chain_state_get(st, &cs));
	memset(&old, 0, sizeof(old));
	old.state = cs;
	old.utxos = snap;
	old.n_utxos = n_snap;
	CHECK(n_snap == 14);
	snprintf(body, sizeof(body), "{\"outputs\":[{\"address\":\"%s\",\"amount_sat\":500000}],"
	    "\"fee_rate_sat_vb\":2}", ext[3]);
	CHECK_OK(pay_json(&p, &replayed, body, NULL));
	CHECK(p.status == STORE_PAY_BROADCAST && p.change_pos >= 0);
	CHECK_OK(store_payment_inputs(st, &ins, &n_ins, p.id));
	CHECK(n_ins >= 2);
	CHECK_OK(store_sync_apply(st, &old, clock_s));
	/* Its inputs are not offered; its change is, before any sync has seen it. */
	n_sw = sweepable(sw_txid, sw_vout, 256);
	CHECK(n_sw == n_snap - n_ins + 1);
	for (i = 0, hit = 0; i < n_ins; i++)
		hit += (size_t)among(sw_txid, sw_vout, n_sw, ins[i].txid, ins[i].vout);
	CHECK(hit == 0);
	CHECK(among(sw_txid, sw_vout, n_sw, p.txid, (uint32_t)p.change_pos));
	/* A restart: nothing served until a sync is in the store, then the stale view again. */
	restart();
	CHECK_RC(pay_json(&q, &replayed, body, NULL), COFFER_ERR_PAY_NOT_SYNCED);
	CHECK_RC(payments_preview(&pm, &(struct pay_built){ 0 }, &(struct payments_request){ .fee_rate = 2000,
	    .subtract_fee_from = -1 }),
	    COFFER_ERR_PAY_NOT_SYNCED);
	CHECK_OK(store_sync_apply(st, &old, clock_s));
	n_sw = sweepable(sw_txid, sw_vout, 256);
	CHECK(n_sw == n_snap - n_ins + 1);
	for (i = 0, hit = 0; i < n_ins; i++)
		hit += (size_t)among(sw_txid, sw_vout, n_sw, ins[i].txid, ins[i].vout);
	CHECK(hit == 0);
	/* Confirmed: still reserved while the view lists the coins. */
	CHECK(chaind_mine(&D, 1) == 0);
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK_OK(store_payment_get(st, &q, p.id));
	CHECK(q.status == STORE_PAY_CONFIRMED);
	store_payment_clear(&q);
	CHECK(reserved_of(p.id) == n_ins);
	n_sw = sweepable(sw_txid, sw_vout, 256);
	CHECK(n_sw == n_snap - n_ins);	/* the change of a confirmed payment waits for the view */
	for (i = 0, hit = 0; i < n_ins; i++)
		hit += (size_t)among(sw_txid, sw_vout, n_sw, ins[i].txid, ins[i].vout);
	CHECK(hit == 0);
	/* The view catches up: the coins are released, gone from it; the change is in it. */
	CHECK_OK(paysync(ch, st, fx.acct, FX_NACCT));
	CHECK_OK(payments_reconcile(&pm, &changed, clock_s));
	CHECK(reserved_of(p.id) == 0);
	n_sw = sweepable(sw_txid, sw_vout, 256);
	CHECK(n_sw == n_snap - n_ins + 1);
	for (i = 0, hit = 0; i < n_ins; i++)
		hit += (size_t)among(sw_txid, sw_vout, n_sw, ins[i].txid, ins[i].vout);
	CHECK(hit == 0);
	CHECK(among(sw_txid, sw_vout, n_sw, p.txid, (uint32_t)p.change_pos));
	free(ins);
	store_payment_clear(&p);
	teardown();
}

static const struct test_case tests[] = {
	{ "end_to_end", test_end_to_end },
	{ "stale_view", test_stale_view },
};

TEST_MAIN(tests)
