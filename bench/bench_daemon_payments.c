/*
 * bench_daemon_payments: payments per second through the daemon's payment
 * engine (src/daemon/payments.c) on a real encrypted store: per payment the
 * idempotency lookup, coin loading minus reservations, selection over the
 * wallet, the PSBT, the record (payment + reserved coins), signing with the
 * wallet core's PSBT signer (the signer process's IPC hop is not included),
 * the signed record, the broadcast to an in-process fake chain, and the event.
 * One thread, sequential payments; the figure is wall time. Also prints the
 * process's peak resident memory.
 *
 * Usage: bench_daemon_payments [payments, default 300] [wallet coins, default 100000].
 * Exits 0 whatever the figures are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "harness_bench.h"

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

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 300;
	size_t coins = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
	static struct fixture fx;
	static struct fake fk;
	struct payments_backend be;
	struct payments pm;
	struct store *st = NULL;
	struct rusage ru;
	char dir[64], path[128], addr[ADDR_BUFSIZE], cmd[128];
	uint8_t key[STORE_KEY_LEN];
	double *lat, t0, total;
	size_t i, ok = 0;

	if (n == 0 || coins == 0 || coins > FAKE_MAX_COINS || n > FAKE_MAX_TXS)
		return fprintf(stderr, "usage: bench_daemon_payments [1..%d payments] [1..%d coins]\n", FAKE_MAX_TXS,
		    FAKE_MAX_COINS), 1;
	lat = calloc(n, sizeof(*lat));
	snprintf(dir, sizeof(dir), "/tmp/coffer-benchpay-XXXXXX");
	if (lat == NULL || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fx_init(&fx);
	fake_init(&fk, &fx, &be);
	for (i = 0; i < coins; i++)
		fake_add_coin(&fk, i % 2 ? FX_TR : FX_WPKH, (uint32_t)(i % 2000), 50000 + 37 * (int64_t)i);
	/* coins beyond 2000 keys reuse scripts; outpoints differ by their own txid */
	for (i = 0; i < coins; i++) {
		fk.coins[i].u.txid[29] = (uint8_t)(i >> 16);
		fk.coins[i].u.txid[30] = (uint8_t)(i >> 8);
		fk.coins[i].u.txid[31] = (uint8_t)i;
	}
	fx_external(addr, ADDR_P2WPKH, 4242, BTC_REGTEST);
	memset(key, 0x5b, sizeof(key));
	if (store_open(&st, NULL, 0, path, key) != 0 || payments_init(&pm, st, &be, fx.acct, FX_NACCT, BTC_REGTEST) != 0)
		return fprintf(stderr, "bench_daemon_payments: setup failed\n"), 1;
	total = wall_ms();
	for (i = 0; i < n; i++) {
		struct payments_request req;
		struct store_payment p;
		struct pay_recipient out;
		int replayed;

		memset(&req, 0, sizeof(req));
		out.address = addr;
		out.amount = 30000 + (int64_t)i;
		req.outputs = &out;
		req.n_outputs = 1;
		req.fee_rate = 2000;
		req.subtract_fee_from = -1;
		snprintf(req.idem_key, sizeof(req.idem_key), "bench-%zu", i);
		t0 = wall_ms();
		if (payments_create(&pm, &p, &replayed, &req, 1700000000 + (int64_t)i) == 0 &&
		    p.status == STORE_PAY_BROADCAST)
			ok++;
		lat[i] = wall_ms() - t0;
		store_payment_clear(&p);
	}
	total = wall_ms() - total;
	qsort(lat, n, sizeof(*lat), cmp_d);
	getrusage(RUSAGE_SELF, &ru);
	printf("wallet %zu coins; %zu payments (%zu broadcast), one thread, encrypted store (WAL, synchronous=FULL)\n",
	    coins, n, ok);
	printf("  %.1f payments/s   latency median %.2f ms  p90 %.2f ms  max %.2f ms   peak RSS %ld MB\n",
	    (double)n * 1000.0 / total, lat[n / 2], lat[(n * 9) / 10], lat[n - 1], ru.ru_maxrss / 1024);
	payments_free(&pm);
	store_close(st);
	fake_free(&fk);
	fx_free(&fx);
	free(lat);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	return 0;
}
