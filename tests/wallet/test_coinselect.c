/* Tests for coin selection (src/wallet/coinselect.c) and weight estimation. */
#include "harness.h"

#include "btc/tx.h"
#include "common/buf.h"
#include "wallet/coinselect.h"
#include "wallet/weight.h"

#define P2WPKH_OUT 124u	/* weight of a P2WPKH output: 4 * (8 + 1 + 22) */

/* A P2WPKH payment of one output at 1 sat/vB, discarding change at 10 sat/vB. */
static struct coinsel_params
params(int64_t target, uint64_t rate)
{
	struct coinsel_params p;

	memset(&p, 0, sizeof(p));
	p.target = target;
	p.fee_rate = rate;
	p.long_term_fee_rate = 10000;
	p.discard_fee_rate = 10000;
	p.base_weight = WEIGHT_TX_FIXED + WEIGHT_SEGWIT_MARKER + P2WPKH_OUT;
	p.n_outputs = 1;
	p.change_output_weight = P2WPKH_OUT;
	p.change_spend_weight = WEIGHT_IN_P2WPKH;
	p.change_dust = 294;
	p.seed = 42;
	return p;
}

static void
coins_wpkh(struct coinsel_coin *c, const int64_t *values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		c[i].value = values[i];
		c[i].input_weight = WEIGHT_IN_P2WPKH;
		c[i].flags = 0;
	}
}

/* The invariants every successful selection must keep. */
static void
check_invariants(const struct coinsel_result *r, const struct coinsel_coin *c, size_t n,
    const struct coinsel_params *p)
{
	uint64_t w = p->base_weight;
	int64_t sum = 0;
	size_t i, nout = p->n_outputs + (r->change > 0 ? 1 : 0);

	CHECK(r->n_selected > 0);
	for (i = 0; i < r->n_selected; i++) {
		CHECK(r->selected[i] < n);
		CHECK((c[r->selected[i]].flags & COINSEL_RESERVED) == 0);
		if (i > 0)
			CHECK(r->selected[i] > r->selected[i - 1]);
		sum += c[r->selected[i]].value;
		w += c[r->selected[i]].input_weight;
	}
	for (i = 0; i < n; i++)
		if (c[i].flags & COINSEL_MUST_USE) {
			size_t j, found = 0;

			for (j = 0; j < r->n_selected; j++)
				found |= r->selected[j] == i;
			CHECK(found);
		}
	w += 4 * (compact_size_len(r->n_selected) + compact_size_len(nout));
	if (r->change > 0)
		w += p->change_output_weight;
	CHECK(r->weight == w);
	CHECK(r->selected_value == sum);
	CHECK(r->fee >= coinsel_fee(p->fee_rate, w));
	if (p->subtract_fee)
		CHECK(sum == p->target + r->change);
	else
		CHECK(sum == p->target + r->fee + r->change);
	CHECK(r->change == 0 || r->change >= p->change_dust);
}

static void
test_fee_and_dust(void)
{
	static const struct {
		const char *spk;
		int64_t dust;
	} cases[] = {
		{ "0014751e76e8199196d454941c45d1b3a323f1433bd6", 294 },
		{ "5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c", 330 },
		{ "76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", 546 },
		{ "a914751e76e8199196d454941c45d1b3a323f1433bd687", 540 },
		{ "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", 330 },
		{ "6a0568656c6c6f", 0 },
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *spk = test_unhex(cases[i].spk, &n);

		CHECK_MSG(coinsel_dust_threshold(spk, n) == cases[i].dust, "case %zu: %lld", i,
		    (long long)coinsel_dust_threshold(spk, n));
		free(spk);
	}
	/* vsize rounds up, then the fee rounds up. */
	CHECK(coinsel_fee(1000, 561) == 141);
	CHECK(coinsel_fee(1000, 560) == 140);
	CHECK(coinsel_fee(1500, 4) == 2);
	CHECK(coinsel_fee(100, 400) == 10);
	CHECK(coinsel_fee(1, 4) == 1);
	CHECK(weight_input(ADDR_P2WPKH) == 272 && weight_input(ADDR_P2TR) == 230);
	CHECK(weight_input(ADDR_P2WSH) == 0);
	CHECK(weight_output(22) == P2WPKH_OUT && weight_output(34) == 172);
}

/* An exact changeless match exists: branch-and-bound finds it. */
static void
test_bnb_exact(void)
{
	/* Effective values at 1 sat/vB (68 sat per input): 60000, 40043, 199932, 4932, 6932. */
	static const int64_t v[] = { 60068, 40111, 200000, 5000, 7000 };
	struct coinsel_coin c[5];
	struct coinsel_params p = params(100000, 1000);
	struct coinsel_result r;

	coins_wpkh(c, v, 5);
	/*
	 * With the long-term rate above the current one, more inputs lower the
	 * waste (consolidation) and a single random draw of 3+ coins beats the
	 * exact match; at equal rates the exact match wins.
	 */
	p.long_term_fee_rate = 1000;
	/* not-input fee: ceil((158 + 3 + 8) / 4) = 43, so the target is 100043 effective. */
	CHECK_OK(coinsel_select(&r, c, 5, &p));
	CHECK(r.algo == COINSEL_BNB);
	CHECK(r.change == 0);
	CHECK(r.n_selected == 2 && r.selected[0] == 0 && r.selected[1] == 1);
	CHECK(r.fee == 179);	/* 710 WU = 178 vB, the 1 sat of excess goes to the fee */
	CHECK(r.bnb_tries > 0 && r.bnb_tries <= COINSEL_BNB_MAX_TRIES);
	check_invariants(&r, c, 5, &p);
	coinsel_result_free(&r);
}

/* No changeless solution: single random draw makes change. */
static void
test_srd_change(void)
{
	static const int64_t v[] = { 1000000, 2000000, 3000000, 4000000, 5000000 };
	struct coinsel_coin c[5];
	struct coinsel_params p = params(2500000, 5000);
	struct coinsel_result r;
	int seen_two = 0;
	uint64_t seed;

	coins_wpkh(c, v, 5);
	for (seed = 1; seed <= 20; seed++) {
		p.seed = seed;
		CHECK_OK(coinsel_select(&r, c, 5, &p));
		CHECK(r.algo == COINSEL_SRD);
		CHECK(r.change >= COINSEL_CHANGE_LOWER);
		seen_two |= r.n_selected >= 2;
		check_invariants(&r, c, 5, &p);
		coinsel_result_free(&r);
	}
	CHECK(seen_two);	/* the draw is random: some seeds need two coins */
}

/* Change below the dust / cost of change goes to the fee instead. */
static void
test_dust_change_dropped(void)
{
	struct coinsel_coin c[1];
	struct coinsel_params p = params(100000, 1000);
	struct coinsel_result r;
	int64_t v = 100000 + 110 + 250;	/* fee0 at 1 sat/vB: 158+272+8 = 438 WU = 110 sat */

	coins_wpkh(c, &v, 1);
	CHECK_OK(coinsel_select(&r, c, 1, &p));
	CHECK(r.change == 0);
	CHECK(r.fee == 360);
	check_invariants(&r, c, 1, &p);
	coinsel_result_free(&r);
	/* Enough for real change (above 680 + 1 sat spend cost): change is made. */
	v = 100000 + 141 + 5000;
	coins_wpkh(c, &v, 1);
	CHECK_OK(coinsel_select(&r, c, 1, &p));
	CHECK(r.change == 5000);
	CHECK(r.fee == 141);	/* 562 WU = 141 vB */
	check_invariants(&r, c, 1, &p);
	coinsel_result_free(&r);
}

static void
test_reserved_and_insufficient(void)
{
	static const int64_t v[] = { 5000000, 100000, 200000 };
	struct coinsel_coin c[3];
	struct coinsel_params p = params(250000, 2000);
	struct coinsel_result r;

	coins_wpkh(c, v, 3);
	c[0].flags = COINSEL_RESERVED;
	CHECK_OK(coinsel_select(&r, c, 3, &p));
	CHECK(r.n_selected == 2 && r.selected[0] == 1 && r.selected[1] == 2);
	check_invariants(&r, c, 3, &p);
	coinsel_result_free(&r);
	p.target = 400000;	/* only the reserved coin could pay this */
	CHECK_RC(coinsel_select(&r, c, 3, &p), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
	CHECK(r.selected == NULL && r.n_selected == 0);
	c[0].flags = 0;
	CHECK_OK(coinsel_select(&r, c, 3, &p));
	check_invariants(&r, c, 3, &p);
	coinsel_result_free(&r);
	/* Exactly the target but nothing for the fee. */
	p.target = 5300000;
	CHECK_RC(coinsel_select(&r, c, 3, &p), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
	CHECK_RC(coinsel_select(&r, c, 0, &p), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
}

/* At a high fee rate, coins worth less than their input are never picked. */
static void
test_uneconomic(void)
{
	static const int64_t v[] = { 1000, 1000, 1000, 1000, 600000 };
	struct coinsel_coin c[5];
	struct coinsel_params p = params(500000, 20000);	/* 20 sat/vB: an input costs 1360 */
	struct coinsel_result r;
	size_t i;

	coins_wpkh(c, v, 5);
	CHECK_OK(coinsel_select(&r, c, 5, &p));
	for (i = 0; i < r.n_selected; i++)
		CHECK(r.selected[i] == 4);
	check_invariants(&r, c, 5, &p);
	coinsel_result_free(&r);
	p.target = 599000;
	CHECK_RC(coinsel_select(&r, c, 5, &p), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
}

static void
test_subtract_fee(void)
{
	int64_t v = 100000;
	struct coinsel_coin c[1];
	struct coinsel_params p = params(100000, 2000);
	struct coinsel_result r;

	coins_wpkh(c, &v, 1);
	p.subtract_fee = 1;
	p.fee_output_value = 100000;
	p.fee_output_dust = 294;
	CHECK_OK(coinsel_select(&r, c, 1, &p));
	CHECK(r.change == 0);
	CHECK(r.fee == coinsel_fee(2000, r.weight));
	CHECK(r.fee_output_reduction == r.fee);
	check_invariants(&r, c, 1, &p);
	coinsel_result_free(&r);
	/* A little excess below the change threshold goes to the recipient. */
	v = 100300;
	coins_wpkh(c, &v, 1);
	CHECK_OK(coinsel_select(&r, c, 1, &p));
	CHECK(r.change == 0 && r.fee_output_reduction == r.fee - 300);
	coinsel_result_free(&r);
	/* The fee would leave the output below dust. */
	v = 500;	/* fee 220: leaves 280, below 294 */
	coins_wpkh(c, &v, 1);
	p.target = 500;
	p.fee_output_value = 500;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_PAY_SUBTRACT_FEE);
}

static void
test_drain(void)
{
	static const int64_t v[] = { 10000, 20000, 30000, 900000, 50 };
	struct coinsel_coin c[5];
	struct coinsel_params p = params(0, 1000);
	struct coinsel_result r;

	coins_wpkh(c, v, 5);
	c[3].flags = COINSEL_RESERVED;
	p.drain = 1;
	p.n_outputs = 0;
	p.base_weight = WEIGHT_TX_FIXED + WEIGHT_SEGWIT_MARKER;
	CHECK_OK(coinsel_select(&r, c, 5, &p));
	CHECK(r.algo == COINSEL_DRAIN);
	/* The 50-sat coin costs more than it is worth: left out. */
	CHECK(r.n_selected == 3 && r.selected[2] == 2);
	CHECK(r.change == 60000 - r.fee);
	CHECK(r.fee == coinsel_fee(1000, r.weight));
	check_invariants(&r, c, 5, &p);
	coinsel_result_free(&r);
	/* A remainder below dust is refused. */
	p.target = 59700;
	p.n_outputs = 1;
	p.base_weight += P2WPKH_OUT;
	CHECK_RC(coinsel_select(&r, c, 5, &p), COFFER_ERR_PAY_DUST_OUTPUT);
	p.subtract_fee = 1;
	CHECK_RC(coinsel_select(&r, c, 5, &p), COFFER_ERR_INVALID_ARG);
}

static void
test_must_use(void)
{
	static const int64_t v[] = { 30000, 80000, 1000000, 60000 };
	struct coinsel_coin c[4];
	struct coinsel_params p = params(50000, 3000);
	struct coinsel_result r;

	coins_wpkh(c, v, 4);
	c[0].flags = COINSEL_MUST_USE;
	c[1].flags = COINSEL_MUST_USE;
	CHECK_OK(coinsel_select(&r, c, 4, &p));
	CHECK(r.n_selected == 2);	/* the preset inputs already pay */
	check_invariants(&r, c, 4, &p);
	coinsel_result_free(&r);
	p.target = 200000;
	CHECK_OK(coinsel_select(&r, c, 4, &p));
	CHECK(r.n_selected >= 3);
	check_invariants(&r, c, 4, &p);
	coinsel_result_free(&r);
	/* BIP125 rule 4: at least min_fee + 1 sat/vB of the new size. */
	p.target = 50000;
	p.min_fee = 20000;
	p.min_fee_rate_extra = 1000;
	CHECK_OK(coinsel_select(&r, c, 4, &p));
	CHECK(r.fee >= 20000 + coinsel_fee(1000, r.weight));
	check_invariants(&r, c, 4, &p);
	coinsel_result_free(&r);
	c[2].flags = COINSEL_MUST_USE | COINSEL_RESERVED;
	CHECK_RC(coinsel_select(&r, c, 4, &p), COFFER_ERR_INVALID_ARG);
}

static void
test_weight_limit(void)
{
	struct coinsel_coin *c = calloc(3000, sizeof(*c));
	struct coinsel_params p = params(1500000, 1000);
	struct coinsel_result r;
	size_t i;

	for (i = 0; i < 3000; i++) {
		c[i].value = 1000;
		c[i].input_weight = WEIGHT_IN_P2WPKH;
	}
	p.max_weight = 100000;	/* about 360 inputs */
	CHECK_RC(coinsel_select(&r, c, 3000, &p), COFFER_ERR_PAY_TOO_LARGE);
	p.target = 200000;	/* 215 inputs: over 252 is not needed */
	CHECK_OK(coinsel_select(&r, c, 3000, &p));
	CHECK(r.weight <= 100000);
	check_invariants(&r, c, 3000, &p);
	coinsel_result_free(&r);
	/* More than 252 inputs: the 3-byte input count is in the weight. */
	p.max_weight = 0;
	p.target = 400000;
	CHECK_OK(coinsel_select(&r, c, 3000, &p));
	CHECK(r.n_selected > 252);
	check_invariants(&r, c, 3000, &p);
	coinsel_result_free(&r);
	free(c);
}

static void
test_bad_params(void)
{
	int64_t v = 100000;
	struct coinsel_coin c[1];
	struct coinsel_params p = params(50000, 1000);
	struct coinsel_result r;

	coins_wpkh(c, &v, 1);
	p.fee_rate = 0;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_PAY_FEE_RATE);
	p.fee_rate = COINSEL_MAX_FEE_RATE + 1;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_PAY_FEE_RATE);
	p.fee_rate = 1000;
	p.target = -1;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_PAY_AMOUNT_NEGATIVE);
	p.target = TX_MAX_MONEY + 1;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_PAY_AMOUNT_OVERFLOW);
	p.target = 0;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_INVALID_ARG);
	p.target = 50000;
	c[0].value = 0;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_INVALID_ARG);
	c[0].value = TX_MAX_MONEY + 1;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_INVALID_ARG);
	c[0].value = 100000;
	c[0].input_weight = 0;
	CHECK_RC(coinsel_select(&r, c, 1, &p), COFFER_ERR_INVALID_ARG);
}

/* Random wallets and targets: every success keeps the invariants, every
 * insufficient-funds answer is true. */
static void
test_random_wallets(void)
{
	uint64_t s = 0x1234567;
	int round, ok = 0, insufficient = 0, bnb = 0;

	for (round = 0; round < 300; round++) {
		struct coinsel_coin c[60];
		struct coinsel_params p;
		struct coinsel_result r;
		size_t n, i, k = 0;
		int64_t total_value = 0, rc;
		uint64_t w;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		n = 1 + (size_t)((s >> 33) % 60);
		for (i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			c[i].value = 500 + (int64_t)((s >> 20) % 3000000);
			c[i].input_weight = (s >> 7) & 1 ? WEIGHT_IN_P2WPKH : WEIGHT_IN_P2TR;
			c[i].flags = (s >> 9) % 10 == 0 ? COINSEL_RESERVED : 0;
		}
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		p = params(1000 + (int64_t)((s >> 24) % 20000000), 1000 + (s >> 40) % 50000);
		p.seed = s | 1;
		rc = coinsel_select(&r, c, n, &p);
		if (rc == 0) {
			ok++;
			bnb += r.algo == COINSEL_BNB;
			check_invariants(&r, c, n, &p);
			coinsel_result_free(&r);
			continue;
		}
		CHECK_RC((int)rc, COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
		insufficient++;
		/* Spending every economic coin must indeed fall short. */
		w = p.base_weight;
		for (i = 0; i < n; i++) {
			int64_t in_fee = (int64_t)((p.fee_rate * c[i].input_weight + 3999) / 4000);

			if (c[i].flags & COINSEL_RESERVED || c[i].value <= in_fee)
				continue;
			total_value += c[i].value;
			w += c[i].input_weight;
			k++;
		}
		w += 4 * (compact_size_len(k) + 1);
		CHECK(k == 0 || total_value - p.target < coinsel_fee(p.fee_rate, w));
	}
	CHECK(ok > 100 && insufficient > 10);
	printf("random wallets: %d selected (%d changeless by BnB), %d insufficient\n", ok, bnb,
	    insufficient);
}

/* A large wallet (radix-sorted): the exact pair is still found, at equal rates. */
static void
test_large_wallet(void)
{
	enum { N = 20000 };
	struct coinsel_coin *c = calloc(N, sizeof(*c));
	struct coinsel_params p = params(1000000, 1000);
	struct coinsel_result r;
	uint64_t s = 77;
	size_t i;

	for (i = 0; i < N; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		c[i].value = 1000 + (int64_t)((s >> 33) % 400000);	/* all below the target */
		c[i].input_weight = WEIGHT_IN_P2WPKH;
	}
	/* Effective 600000 + 400043 = the target 1000043 exactly. */
	c[1234].value = 600068;
	c[17000].value = 400111;
	p.long_term_fee_rate = 1000;
	CHECK_OK(coinsel_select(&r, c, N, &p));
	CHECK(r.algo == COINSEL_BNB && r.change == 0);
	CHECK(r.n_selected == 2 && r.selected[0] == 1234 && r.selected[1] == 17000);
	check_invariants(&r, c, N, &p);
	coinsel_result_free(&r);
	free(c);
}

static const struct test_case tests[] = {
	{ "fee_and_dust", test_fee_and_dust },
	{ "bnb_exact", test_bnb_exact },
	{ "srd_change", test_srd_change },
	{ "dust_change_dropped", test_dust_change_dropped },
	{ "reserved_and_insufficient", test_reserved_and_insufficient },
	{ "uneconomic", test_uneconomic },
	{ "subtract_fee", test_subtract_fee },
	{ "drain", test_drain },
	{ "must_use", test_must_use },
	{ "weight_limit", test_weight_limit },
	{ "bad_params", test_bad_params },
	{ "random_wallets", test_random_wallets },
	{ "large_wallet", test_large_wallet },
};

TEST_MAIN(tests)
