/*
 * bench_payment: building and signing a payment from a wallet of 100,000
 * UTXOs (issue #5: goal < 50 ms median for building and signing a payment).
 *
 * The wallet: 100,000 coins over a BIP84 wpkh and a BIP86 tr account (half
 * each, 2,000 distinct keys per account; values 1,000..2,048,000 sat,
 * a random octave then uniform in it), regtest. Each round uses a fresh seed and measures:
 *   select:      coinsel_select alone over all 100,000 coins (effective
 *                values, sort, branch-and-bound up to 100,000 tries, single
 *                random draw);
 *   build:       pay_build: output checks, selection, the unsigned PSBT with
 *                witness UTXOs and derivations for inputs and change;
 *   build+sign:  pay_build, then psbt_sign_bip32 with the master key,
 *                psbt_finalize and psbt_extract (what POST /v1/payments
 *                costs in CPU before storage and broadcast; the signer's
 *                judgement and the IPC hop are not in it).
 * for two payments: one output, and a batch of 50 outputs. Figures are the
 * median and 90th percentile of wall time over the rounds (one thread; the
 * machine is shared, see docs/PERFORMANCE.md); the number of inputs chosen
 * and which algorithm won are printed too.
 *
 * Usage: bench_payment [rounds, default 21]. Exits 0 whatever the figures are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/bip32.h"
#include "btc/hash.h"
#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/encoding.h"
#include "common/err.h"
#include "wallet/account.h"
#include "wallet/build.h"
#include "wallet/coinselect.h"
#include "wallet/weight.h"

#define N_UTXO 100000
#define N_KEYS 2000
#define GOAL_MS 50.0

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_payment: %s: %s\n", what, coffer_err_name(r));
	exit(1);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	printf("  %-34s median %7.2f ms   p90 %7.2f ms   min %7.2f ms\n", what, v[n / 2],
	    v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], v[0]);
}

static void
account(struct wacct *a, const struct bip32_key *master, uint32_t purpose, const char *open)
{
	struct bip32_key *k = bip32_key_new();
	uint32_t path[3];
	uint8_t fp[4];
	char fphex[9], pathstr[BIP32_PATH_BUFSIZE], xpub[BIP32_XKEY_BUFSIZE], text[512];
	int r, n;

	bip32_fingerprint(fp, master);
	hex_encode(fphex, sizeof(fphex), fp, 4);
	if ((r = bip32_account_path(path, purpose, BTC_REGTEST, 0)) != 0 ||
	    (r = bip32_derive_path(k, master, path, 3)) != 0 || (r = bip32_xpub_encode(xpub, k)) != 0 ||
	    (r = bip32_path_format(pathstr, sizeof(pathstr), path, 3, 'h')) != 0)
		die("account key", r);
	n = snprintf(text, sizeof(text), "%s[%s%s]%s/<0;1>/*)", open, fphex, pathstr + 1, xpub);
	if ((r = wacct_parse(a, text, (size_t)n, BTC_REGTEST)) != 0)
		die("wacct_parse", r);
	bip32_key_free(k);
}

int
main(int argc, char **argv)
{
	size_t rounds = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 21, i, k, batch;
	static const size_t batches[2] = { 1, 50 };
	struct bip32_key *master = bip32_key_new();
	struct wacct acct[2];
	struct pay_utxo *u = calloc(N_UTXO, sizeof(*u));
	struct coinsel_coin *coins = calloc(N_UTXO, sizeof(*coins));
	struct pay_recipient outs[50];
	char addr[50][ADDR_BUFSIZE];
	double *t_sel = calloc(rounds, sizeof(double)), *t_build = calloc(rounds, sizeof(double));
	double *t_sign = calloc(rounds, sizeof(double));
	uint8_t seed[32];
	uint64_t s = 0x5eed;
	int r;

	if (rounds < 3 || master == NULL || u == NULL || coins == NULL || t_sel == NULL ||
	    t_build == NULL || t_sign == NULL)
		die("setup", COFFER_ERR_INVALID_ARG);
	memset(seed, 0x42, sizeof(seed));
	if ((r = bip32_master_from_seed(master, seed, sizeof(seed), BTC_REGTEST)) != 0)
		die("master", r);
	account(&acct[0], master, 84, "wpkh(");
	account(&acct[1], master, 86, "tr(");
	/* Keys first (2 x 2,000 derivations), then 100,000 coins over them. */
	{
		struct wacct_key *keys = calloc(2 * N_KEYS, sizeof(*keys));

		for (i = 0; i < 2 * N_KEYS; i++)
			if ((r = wacct_derive(&keys[i], &acct[i % 2], 0, (uint32_t)(i / 2))) != 0)
				die("derive", r);
		for (i = 0; i < N_UTXO; i++) {
			const struct wacct_key *kk = &keys[i % (2 * N_KEYS)];
			uint8_t pre[8];

			s = s * 6364136223846793005ull + 1442695040888963407ull;
			memcpy(pre, &i, sizeof(pre));
			sha256(u[i].txid, pre, sizeof(pre));
			u[i].vout = (uint32_t)(s >> 60);
			/* roughly log-uniform 1,000 .. 1,024,000 sat: a random octave, uniform in it */
			u[i].value = ((int64_t)1000 << ((s >> 11) % 10)) +
			    (int64_t)((s >> 20) % ((uint64_t)1000 << ((s >> 11) % 10)));
			memcpy(u[i].spk, kk->spk, kk->spk_len);
			u[i].spk_len = kk->spk_len;
			u[i].account = i % 2;
			u[i].index = (uint32_t)((i % (2 * N_KEYS)) / 2);
			coins[i].value = u[i].value;
			coins[i].input_weight = i % 2 ? WEIGHT_IN_P2TR : WEIGHT_IN_P2WPKH;
		}
		free(keys);
	}
	for (i = 0; i < 50; i++) {
		uint8_t pub[33];

		if ((r = bip32_derive_pubkey(pub, &acct[i % 2].branch[0], 100000 + (uint32_t)i)) != 0 ||
		    (r = addr_from_pubkey(addr[i], i % 2 ? ADDR_P2TR : ADDR_P2WPKH, pub, BTC_REGTEST)) != 0)
			die("recipient", r);
		outs[i].address = addr[i];
		outs[i].amount = 150000 + 1000 * (int64_t)i;
	}
	printf("wallet: %d UTXOs (wpkh + tr), %zu rounds per figure, goal: build+sign median < %.0f ms\n",
	    N_UTXO, rounds, GOAL_MS);
	for (batch = 0; batch < 2; batch++) {
		size_t n_out = batches[batch], ins_sum = 0, algo_bnb = 0;

		for (k = 0; k < rounds; k++) {
			struct pay_request q;
			struct coinsel_params cp;
			struct coinsel_result res;
			struct pay_built b;
			struct psbt p;
			struct psbt_sign_stats st;
			struct tx tx;
			double t0;

			memset(&q, 0, sizeof(q));
			q.net = BTC_REGTEST;
			q.outputs = outs;
			q.n_outputs = n_out;
			q.fee_rate = 2000 + 1000 * (uint64_t)k;
			q.subtract_fee_from = -1;
			q.change_index = (uint32_t)k;
			q.tip_height = 850000;
			q.tip_is_current = 1;
			q.seed = 1000 + k;
			/* select alone */
			memset(&cp, 0, sizeof(cp));
			cp.fee_rate = q.fee_rate;
			cp.long_term_fee_rate = 10000;
			cp.discard_fee_rate = 10000;
			cp.base_weight = WEIGHT_TX_FIXED + WEIGHT_SEGWIT_MARKER;
			for (i = 0; i < n_out; i++) {
				cp.target += outs[i].amount;
				cp.base_weight += weight_output(i % 2 ? 34 : 22);
			}
			cp.n_outputs = n_out;
			cp.change_output_weight = weight_output(22);
			cp.change_spend_weight = WEIGHT_IN_P2WPKH;
			cp.change_dust = 294;
			cp.seed = q.seed;
			t0 = wall_now();
			if ((r = coinsel_select(&res, coins, N_UTXO, &cp)) != 0)
				die("coinsel_select", r);
			t_sel[k] = wall_now() - t0;
			algo_bnb += res.algo == COINSEL_BNB;
			coinsel_result_free(&res);
			/* build */
			t0 = wall_now();
			if ((r = pay_build(&b, acct, 2, u, N_UTXO, &q)) != 0)
				die("pay_build", r);
			t_build[k] = wall_now() - t0;
			ins_sum += b.n_utxos;
			pay_built_free(&b);
			/* build + sign + finalize + extract */
			t0 = wall_now();
			if ((r = pay_build(&b, acct, 2, u, N_UTXO, &q)) != 0 || (r = psbt_copy(&p, &b.psbt)) != 0 ||
			    (r = psbt_sign_bip32(&p, &st, master, NULL)) != 0 ||
			    (r = psbt_finalize(&p, NULL)) != 0 || (r = psbt_extract(&tx, &p)) != 0)
				die("build+sign", r);
			t_sign[k] = wall_now() - t0;
			if (st.inputs_signed != p.n_in || tx_weight(&tx) > b.weight)
				die("signed transaction does not match its estimate", COFFER_ERR_INTERNAL);
			tx_free(&tx);
			psbt_free(&p);
			pay_built_free(&b);
		}
		printf("payment with %zu output%s (fee rates 2..%zu sat/vB; %.1f inputs on average; "
		    "branch-and-bound won %zu of %zu selections):\n", n_out, n_out > 1 ? "s" : "",
		    1 + rounds, (double)ins_sum / (double)rounds, algo_bnb, rounds);
		report("coinsel_select (100k coins)", t_sel, rounds);
		report("pay_build (selection + PSBT)", t_build, rounds);
		report("pay_build + sign + finalize + extract", t_sign, rounds);
		printf("  goal build+sign median < %.0f ms: %s\n", GOAL_MS,
		    t_sign[rounds / 2] < GOAL_MS ? "met" : "NOT met");
	}
	wacct_free(&acct[0]);
	wacct_free(&acct[1]);
	bip32_key_free(master);
	free(u);
	free(coins);
	free(t_sel);
	free(t_build);
	free(t_sign);
	return 0;
}
