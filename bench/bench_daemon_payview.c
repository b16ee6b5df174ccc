/*
 * bench_daemon_payview: payments from the store's view of the chain, as
 * cofferd makes them (payments_chain.c over the encrypted store the syncer
 * fills). The wallet: N coins (default 100,000) of a BIP84 account in the
 * store's UTXO set (one store_sync_apply, as one sync writes it), 2,000
 * distinct keys, values 50,000 + 37 i sat. The chain backend is an in-process
 * stand-in (tip, fee estimate, broadcast accepted) so only Coffer's own work
 * is timed. Per payment:
 *   preview:  POST /v1/payments/preview's work: the view's coins minus the
 *             reserved ones, selection, the unsigned PSBT;
 *   create:   POST /v1/payments' work: the idempotency lookup, coins,
 *             selection, the PSBT, the record with its reserved coins,
 *             signing (wallet core signer in process: no signer IPC hop), the
 *             signed record, the broadcast and its event — three durable
 *             SQLite transactions (WAL, synchronous=FULL).
 * The first payment after a sync loads the view into memory (printed apart:
 * "cold"); later ones reuse it until the next sync. Median and 90th
 * percentile of wall time, one thread; peak resident memory at the end.
 *
 * Usage: bench_daemon_payview [payments, default 100] [coins, default 100000].
 * Exits 0 whatever the figures are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "btc/psbt.h"
#include "common/err.h"
#include "daemon/chain.h"
#include "daemon/payments.h"
#include "daemon/payments_chain.h"
#include "daemon/store.h"
#include "wallet/wallet_fixture.h"

static struct fixture fx;

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --- an in-process chain backend: only what payments ask of it ------------------------- */

static int
fc_tip(struct chain *c, struct chain_tip *out)
{
	(void)c;
	memset(out, 0, sizeof(*out));
	out->height = 200;
	return 0;
}

static int
fc_fee(struct chain *c, uint64_t *sat_kvb, uint32_t conf_target)
{
	(void)c;
	(void)conf_target;
	*sat_kvb = 2000;
	return 0;
}

static int
fc_broadcast(struct chain *c, char *reason, size_t reasonsize, const uint8_t *raw, size_t raw_len)
{
	(void)c;
	(void)reason;
	(void)reasonsize;
	(void)raw;
	(void)raw_len;
	return 0;
}

static int
fc_get_tx(struct chain *c, struct chain_tx *out, const uint8_t txid[32])
{
	(void)c;
	(void)txid;
	memset(out, 0, sizeof(*out));
	return COFFER_ERR_NOT_FOUND;
}

static int
fc_sync(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req)
{
	(void)c;
	(void)req;
	memset(out, 0, sizeof(*out));
	return COFFER_ERR_UNSUPPORTED;
}

static void
fc_free(struct chain *c)
{
	(void)c;
}

static const struct chain_ops fc_ops = { "bench", fc_tip, fc_fee, fc_broadcast, fc_get_tx, fc_sync, fc_free };

static int
sign_fn(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
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

static void
request(struct payments_request *req, struct pay_recipient *out, const char *addr, size_t i)
{
	memset(req, 0, sizeof(*req));
	out->address = addr;
	out->amount = 30000 + (int64_t)i;
	req->outputs = out;
	req->n_outputs = 1;
	req->fee_rate = 2000;
	req->subtract_fee_from = -1;
	snprintf(req->idem_key, sizeof(req->idem_key), "bench-%zu", i);
	memcpy(req->request_hash, &i, sizeof(i));
}

static void
report(const char *what, double *lat, size_t n)
{
	qsort(lat, n, sizeof(*lat), cmp_d);
	printf("  %-8s median %7.2f ms   p90 %7.2f ms   max %7.2f ms   (%zu)\n", what, lat[n / 2], lat[(n * 9) / 10],
	    lat[n - 1], n);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
	size_t coins = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
	struct chain fc = { &fc_ops, BTC_REGTEST };
	struct payments_chain pc;
	struct payments_backend be;
	struct payments pm;
	struct store *st = NULL;
	struct store_utxo *u;
	struct store_sync sy;
	struct wacct_key keys[2000];
	struct rusage ru;
	char dir[64], path[128], addr[ADDR_BUFSIZE], cmd[128];
	uint8_t key[STORE_KEY_LEN];
	double *lat_p, *lat_c, t0, cold_p, cold_c, t_apply;
	size_t i, ok = 0;

	if (n < 2 || coins == 0 || coins > 1000000)
		return fprintf(stderr, "usage: bench_daemon_payview [2.. payments] [1..1000000 coins]\n"), 1;
	lat_p = calloc(n, sizeof(*lat_p));
	lat_c = calloc(n, sizeof(*lat_c));
	u = calloc(coins, sizeof(*u));
	snprintf(dir, sizeof(dir), "/tmp/coffer-benchview-XXXXXX");
	if (lat_p == NULL || lat_c == NULL || u == NULL || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fx_init(&fx);
	for (i = 0; i < 2000; i++)
		if (wacct_derive(&keys[i], &fx.acct[FX_WPKH], 0, (uint32_t)i) != 0)
			return 1;
	for (i = 0; i < coins; i++) {
		const struct wacct_key *k = &keys[i % 2000];

		u[i].txid[0] = 0xb0;
		u[i].txid[29] = (uint8_t)(i >> 16);
		u[i].txid[30] = (uint8_t)(i >> 8);
		u[i].txid[31] = (uint8_t)i;
		u[i].vout = (uint32_t)(i % 3);
		u[i].value = 50000 + 37 * (int64_t)i;
		memcpy(u[i].script, k->spk, k->spk_len);
		u[i].script_len = k->spk_len;
		u[i].index = (uint32_t)(i % 2000);
		u[i].height = 100;
	}
	memset(&sy, 0, sizeof(sy));
	sy.state.tip_height = 200;
	sy.state.last_used[0] = 1999;
	sy.state.last_used[1] = -1;
	sy.state.synced_at = 1700000000;
	sy.utxos = u;
	sy.n_utxos = coins;
	fx_external(addr, ADDR_P2WPKH, 4242, BTC_REGTEST);
	memset(key, 0x5c, sizeof(key));
	if (store_open(&st, NULL, 0, path, key) != 0)
		return fprintf(stderr, "bench_daemon_payview: store\n"), 1;
	t_apply = wall_ms();
	if (store_sync_apply(st, &sy, 1700000000) != 0)
		return fprintf(stderr, "bench_daemon_payview: sync apply\n"), 1;
	t_apply = wall_ms() - t_apply;
	if (payments_chain_init(&pc, &be, &fc, st, fx.acct, 1, sign_fn, NULL) != 0 ||
	    payments_init(&pm, st, &be, fx.acct, 1, BTC_REGTEST) != 0)
		return fprintf(stderr, "bench_daemon_payview: setup failed\n"), 1;
	for (i = 0; i < n; i++) {
		struct payments_request req;
		struct pay_recipient out;
		struct store_payment p;
		struct pay_built b;
		int replayed;

		request(&req, &out, addr, i);
		t0 = wall_ms();
		if (payments_preview(&pm, &b, &req) != 0)
			return fprintf(stderr, "bench_daemon_payview: preview failed\n"), 1;
		lat_p[i] = wall_ms() - t0;
		pay_built_free(&b);
		t0 = wall_ms();
		if (payments_create(&pm, &p, &replayed, &req, 1700000000 + (int64_t)i) == 0 &&
		    p.status == STORE_PAY_BROADCAST)
			ok++;
		lat_c[i] = wall_ms() - t0;
		store_payment_clear(&p);
	}
	getrusage(RUSAGE_SELF, &ru);
	cold_p = lat_p[0];
	cold_c = lat_c[0];
	printf("wallet of %zu coins in the store's view (written in %.0f ms); %zu payments (%zu broadcast), one "
	    "thread, encrypted store (WAL, synchronous=FULL)\n", coins, t_apply, n, ok);
	printf("  cold (first after a sync): preview %.2f ms\n", cold_p);
	report("preview", lat_p + 1, n - 1);
	report("create", lat_c + 1, n - 1);
	printf("  (create of the first payment: %.2f ms)   peak RSS %ld MB\n", cold_c, ru.ru_maxrss / 1024);
	payments_free(&pm);
	payments_chain_free(&pc);
	store_close(st);
	fx_free(&fx);
	free(u);
	free(lat_p);
	free(lat_c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	return 0;
}
