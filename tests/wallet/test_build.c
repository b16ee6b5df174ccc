/*
 * Tests for payment building (src/wallet/build*.c, account.c): the unsigned
 * PSBT is signed with the wallet core's signer under the test seed,
 * finalised and extracted, and the fee estimate is compared with the real
 * signed size; the signer's own analysis must prove inputs and change ours.
 */
#include "harness.h"

#include "btc/psbt.h"
#include "btc/tx.h"
#include "signer/analyze.h"
#include "wallet/weight.h"
#include "wallet_fixture.h"

static struct fixture fx;
static int fx_ready;

/* The fixture, made once (tests may run alone by name). */
static void
need_fx(void)
{
	if (!fx_ready)
		fx_init(&fx);
	fx_ready = 1;
}

static struct pay_request
request(const struct pay_recipient *outs, size_t n, uint64_t rate)
{
	struct pay_request q;

	memset(&q, 0, sizeof(q));
	q.net = BTC_REGTEST;
	q.outputs = outs;
	q.n_outputs = n;
	q.fee_rate = rate;
	q.subtract_fee_from = -1;
	q.change_account = FX_WPKH;
	q.change_index = 7;
	q.tip_height = 800000;
	q.tip_is_current = 1;
	q.seed = 99;
	return q;
}

/*
 * Sign, finalise and extract a built payment; check the estimate against the
 * real transaction and the signer's analysis against what we built.
 */
static void
sign_and_compare(const struct pay_built *b, const struct pay_request *q, size_t change_acct)
{
	struct psbt p;
	struct psbt_sign_stats st;
	struct psbt_analysis an;
	struct judge_wallet *w = calloc(1, sizeof(*w));
	struct tx tx;
	uint8_t fp[4];
	int64_t fee;
	size_t i, actual;

	CHECK_OK(psbt_copy(&p, &b->psbt));
	/* The signer's analysis proves every input and the change ours. */
	bip32_fingerprint(fp, fx.master);
	judge_wallet_init(w, fp, BTC_REGTEST);
	for (i = 0; i < FX_NACCT; i++)
		CHECK_OK(judge_wallet_add_descriptor(w, fx.desc[i], strlen(fx.desc[i])));
	CHECK_OK(analyze_psbt(&an, w, &p));
	CHECK(an.n_ours_in == p.n_in);
	CHECK(an.n_change == (b->change_pos >= 0 ? 1u : 0u));
	if (b->change_pos >= 0)
		CHECK(an.out[b->change_pos].change);
	CHECK(an.fee == (uint64_t)b->fee);
	analysis_free(&an);
	judge_wallet_free(w);
	free(w);
	(void)change_acct;

	CHECK_OK(psbt_fee(&fee, &p));
	CHECK(fee == b->fee);
	CHECK_OK(psbt_sign_bip32(&p, &st, fx.master, NULL));
	CHECK(st.inputs_signed == p.n_in);
	CHECK_OK(psbt_finalize(&p, NULL));
	CHECK_OK(psbt_extract(&tx, &p));
	CHECK_OK(tx_check(&tx));
	actual = tx_weight(&tx);
	/* Never under the real size, and over it by at most 2 WU per ECDSA input. */
	CHECK_MSG(actual <= b->weight && b->weight - actual <= 2 * tx.n_in, "estimate %u actual %zu",
	    b->weight, actual);
	CHECK(b->fee >= coinsel_fee(q->fee_rate, actual));
	CHECK(tx.version == 2 && tx.locktime == b->locktime);
	for (i = 0; i < tx.n_in; i++)
		CHECK(tx.in[i].sequence == PAY_SEQUENCE_RBF);
	tx_free(&tx);
	psbt_free(&p);
}

static void
test_pay_each_type(void)
{
	char a1[ADDR_BUFSIZE], a2[ADDR_BUFSIZE], a3[ADDR_BUFSIZE];
	struct pay_utxo u[12];
	struct pay_recipient outs[3];
	struct pay_request q;
	struct pay_built b;
	size_t acct, i;
	need_fx();

	fx_external(a1, ADDR_P2WPKH, 1, BTC_REGTEST);
	fx_external(a2, ADDR_P2TR, 2, BTC_REGTEST);
	fx_external(a3, ADDR_P2PKH, 3, BTC_REGTEST);
	outs[0].address = a1, outs[0].amount = 150000;
	outs[1].address = a2, outs[1].amount = 260000;
	outs[2].address = a3, outs[2].amount = 70000;
	for (acct = 0; acct < FX_NACCT; acct++) {
		for (i = 0; i < 12; i++)
			fx_utxo(&u[i], &fx, acct, (uint32_t)i, 40000 + 13000 * (int64_t)i);
		q = request(outs, 3, 3000 + 2000 * acct);
		q.change_account = acct;
		CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 12, &q));
		CHECK(b.n_utxos >= 3);
		CHECK(b.psbt.tx.n_out == 3 + (b.change_pos >= 0));
		for (i = 0; i < 3; i++)
			CHECK(b.psbt.tx.out[b.recipient_pos[i]].value == outs[i].amount);
		CHECK(b.locktime <= 800000 && b.locktime > 800000 - 100);
		sign_and_compare(&b, &q, acct);
		pay_built_free(&b);
	}
	/* Mixed accounts in one transaction. */
	for (i = 0; i < 12; i++)
		fx_utxo(&u[i], &fx, i % FX_NACCT, (uint32_t)(100 + i), 30000 + 7000 * (int64_t)i);
	q = request(outs, 3, 12000);
	q.change_account = FX_TR;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 12, &q));
	sign_and_compare(&b, &q, FX_TR);
	pay_built_free(&b);
}

/* A batch of many outputs, and many inputs (over 252: 3-byte input count). */
static void
test_batch(void)
{
	enum { NOUT = 120, NIN = 300 };
	static char addrs[NOUT][ADDR_BUFSIZE];
	struct pay_recipient *outs = calloc(NOUT, sizeof(*outs));
	struct pay_utxo *u = calloc(NIN, sizeof(*u));
	struct pay_request q;
	struct pay_built b;
	size_t i;
	need_fx();

	for (i = 0; i < NOUT; i++) {
		fx_external(addrs[i], i % 2 ? ADDR_P2TR : ADDR_P2WPKH, (uint32_t)(10 + i), BTC_REGTEST);
		outs[i].address = addrs[i];
		outs[i].amount = 10000 + (int64_t)i;
	}
	for (i = 0; i < NIN; i++)
		fx_utxo(&u[i], &fx, i % 2 ? FX_TR : FX_WPKH, (uint32_t)(200 + i), 5000);
	q = request(outs, NOUT, 2000);
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, NIN, &q));
	CHECK(b.n_utxos > 252);
	sign_and_compare(&b, &q, FX_WPKH);
	pay_built_free(&b);
	free(outs);
	free(u);
}

static void
test_subtract_and_drain(void)
{
	char a1[ADDR_BUFSIZE], a2[ADDR_BUFSIZE];
	struct pay_utxo u[6];
	struct pay_recipient outs[2];
	struct pay_request q;
	struct pay_built b;
	int64_t total = 0;
	size_t i;
	need_fx();

	fx_external(a1, ADDR_P2WPKH, 5, BTC_REGTEST);
	fx_external(a2, ADDR_P2TR, 6, BTC_REGTEST);
	for (i = 0; i < 6; i++) {
		fx_utxo(&u[i], &fx, FX_TR, (uint32_t)(40 + i), 100000);
		total += 100000;
	}
	outs[0].address = a1, outs[0].amount = 300000;
	outs[1].address = a2, outs[1].amount = 50000;
	q = request(outs, 2, 4000);
	q.subtract_fee_from = 0;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 6, &q));
	/* The recipient pays the fee: exactly the 3 coins, no change. */
	CHECK(b.psbt.tx.out[b.recipient_pos[0]].value == 300000 - b.fee + (b.change_pos < 0 ?
	    (int64_t)b.n_utxos * 100000 - 350000 : 0));
	CHECK(b.psbt.tx.out[b.recipient_pos[1]].value == 50000);
	sign_and_compare(&b, &q, FX_WPKH);
	pay_built_free(&b);
	/* Sweep: every coin but the reserved one goes to drain_to. */
	u[2].flags = COINSEL_RESERVED;
	q = request(NULL, 0, 4000);
	q.drain_to = a2;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 6, &q));
	CHECK(b.n_utxos == 5 && b.change_pos == -1 && b.drain_pos == 0);
	for (i = 0; i < b.n_utxos; i++)
		CHECK(b.utxos[i] != 2);
	CHECK(b.psbt.tx.n_out == 1 && b.psbt.tx.out[0].value == total - 100000 - b.fee);
	sign_and_compare(&b, &q, FX_WPKH);
	pay_built_free(&b);
	/* Sweep with a fixed output beside it. */
	q = request(outs + 1, 1, 4000);
	q.drain_to = a1;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 6, &q));
	CHECK(b.psbt.tx.n_out == 2 && b.psbt.tx.out[b.drain_pos].value == total - 150000 - b.fee);
	sign_and_compare(&b, &q, FX_WPKH);
	pay_built_free(&b);
}

static void
test_bad_requests(void)
{
	char ok[ADDR_BUFSIZE], main_addr[ADDR_BUFSIZE], test_addr[ADDR_BUFSIZE];
	struct pay_utxo u[3];
	struct pay_recipient outs[2];
	struct pay_request q;
	struct pay_built b;
	size_t i;
	need_fx();

	fx_external(ok, ADDR_P2WPKH, 1, BTC_REGTEST);
	fx_external(main_addr, ADDR_P2WPKH, 1, BTC_MAINNET);
	fx_external(test_addr, ADDR_P2TR, 1, BTC_TESTNET);
	for (i = 0; i < 3; i++)
		fx_utxo(&u[i], &fx, FX_WPKH, (uint32_t)i, 100000);
	outs[0].address = ok, outs[0].amount = 1000;
	outs[1].address = ok, outs[1].amount = 1000;
	q = request(outs, 2, 1000);
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 3, &q));
	pay_built_free(&b);
#define EXPECT(code) do { CHECK_RC(pay_build(&b, fx.acct, FX_NACCT, u, 3, &q), code); \
	CHECK(b.psbt.n_in == 0 && b.utxos == NULL); } while (0)
	outs[1].address = main_addr;
	EXPECT(COFFER_ERR_WRONG_NETWORK);
	outs[1].address = test_addr;
	EXPECT(COFFER_ERR_WRONG_NETWORK);
	outs[1].address = "bcrt1qnotanaddress";
	EXPECT(COFFER_ERR_BAD_BECH32);
	outs[1].address = ok;
	outs[1].amount = 0;
	EXPECT(COFFER_ERR_PAY_AMOUNT_ZERO);
	outs[1].amount = -5;
	EXPECT(COFFER_ERR_PAY_AMOUNT_NEGATIVE);
	outs[1].amount = TX_MAX_MONEY + 1;
	EXPECT(COFFER_ERR_PAY_AMOUNT_OVERFLOW);
	outs[0].amount = TX_MAX_MONEY;
	outs[1].amount = TX_MAX_MONEY;
	EXPECT(COFFER_ERR_PAY_AMOUNT_OVERFLOW);
	outs[0].amount = 1000;
	outs[1].amount = 293;	/* P2WPKH dust is 294 */
	EXPECT(COFFER_ERR_PAY_DUST_OUTPUT);
	outs[1].amount = 294;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 3, &q));
	pay_built_free(&b);
	outs[1].amount = 300000;
	EXPECT(COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
	outs[1].amount = 1000;
	q.fee_rate = 999;
	EXPECT(COFFER_ERR_PAY_FEE_RATE);
	q.fee_rate = PAY_MAX_FEE_RATE + 1;
	EXPECT(COFFER_ERR_PAY_FEE_RATE);
	q.fee_rate = 1000;
	q.n_outputs = 0;
	EXPECT(COFFER_ERR_PAY_NO_OUTPUTS);
	q.n_outputs = PAY_MAX_OUTPUTS + 1;
	EXPECT(COFFER_ERR_PAY_TOO_MANY_OUTPUTS);
	q.n_outputs = 2;
	q.subtract_fee_from = 2;
	EXPECT(COFFER_ERR_PAY_SUBTRACT_FEE);
	q.subtract_fee_from = -1;
	q.change_account = FX_NACCT;
	EXPECT(COFFER_ERR_PAY_ACCOUNT);
	q.change_account = FX_WPKH;
	/* A coin whose script is not its account's at that index. */
	for (i = 0; i < 3; i++)
		u[i].index += 10;
	EXPECT(COFFER_ERR_PAY_ACCOUNT);
	for (i = 0; i < 3; i++)
		u[i].index -= 10;
	u[0].account = 7;
	EXPECT(COFFER_ERR_PAY_ACCOUNT);
	u[0].account = FX_WPKH;
#undef EXPECT
}

static void
test_randomisation(void)
{
	char a1[ADDR_BUFSIZE];
	struct pay_utxo u[8];
	struct pay_recipient outs[1];
	struct pay_request q;
	struct pay_built b;
	uint64_t seed;
	int change_first = 0, change_last = 0, at_tip = 0, below_tip = 0;
	size_t i;
	need_fx();

	fx_external(a1, ADDR_P2WPKH, 9, BTC_REGTEST);
	for (i = 0; i < 8; i++)
		fx_utxo(&u[i], &fx, FX_WPKH, (uint32_t)(60 + i), 100000);
	outs[0].address = a1, outs[0].amount = 120000;
	for (seed = 1; seed <= 120; seed++) {
		q = request(outs, 1, 2000);
		q.seed = seed;
		CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 8, &q));
		change_first += b.change_pos == 0;
		change_last += b.change_pos == 1;
		at_tip += b.locktime == 800000;
		below_tip += b.locktime < 800000;
		CHECK(b.locktime + 99 >= 800000 && b.locktime <= 800000);
		pay_built_free(&b);
	}
	CHECK(change_first > 20 && change_last > 20);
	CHECK(at_tip > 80 && below_tip > 0);
	/* No current tip: locktime 0. */
	q.tip_is_current = 0;
	CHECK_OK(pay_build(&b, fx.acct, FX_NACCT, u, 8, &q));
	CHECK(b.locktime == 0);
	pay_built_free(&b);
}

static void
test_accounts(void)
{
	static const char *bad[] = {
		/* not ranged over <0;1>, multisig, no origin */
		"wpkh([d34db33f/84h/1h/0h]tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/0/*)",
		"wsh(multi(1,[d34db33f/84h/1h/0h]tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/<0;1>/*))",
		"wpkh(tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/<0;1>/*)",
		"pkh([d34db33f/44h/1h/0h]tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/<0;1>/*)",
	};
	struct wacct a;
	struct wacct_key k;
	size_t i;
	char with_steps[600];
	need_fx();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = wacct_parse(&a, bad[i], strlen(bad[i]), BTC_REGTEST);

		CHECK_MSG(r == COFFER_ERR_PAY_ACCOUNT, "case %zu: %s", i, coffer_err_name(r));
		wacct_free(&a);
	}
	/* A descriptor for another network is refused by desc_parse. */
	CHECK_RC(wacct_parse(&a, fx.desc[0], strlen(fx.desc[0]), BTC_MAINNET), COFFER_ERR_WRONG_NETWORK);
	wacct_free(&a);
	/* Derivation origins: <origin>/<change>/<index>. */
	CHECK_OK(wacct_derive(&k, &fx.acct[FX_TR], 1, 5));
	CHECK(k.origin.depth == 5 && k.origin.path[0] == (86 | BIP32_HARDENED) &&
	    k.origin.path[3] == 1 && k.origin.path[4] == 5);
	CHECK_RC(wacct_derive(&k, &fx.acct[FX_TR], 2, 5), COFFER_ERR_INVALID_ARG);
	CHECK_RC(wacct_derive(&k, &fx.acct[FX_TR], 0, BIP32_HARDENED), COFFER_ERR_INVALID_ARG);
	/* Unhardened steps between the key and <0;1> join the origin. */
	{
		const char *d = fx.desc[FX_WPKH];
		const char *mp = strstr(d, "/<0;1>");

		snprintf(with_steps, sizeof(with_steps), "%.*s/7/<0;1>/*)", (int)(mp - d), d);
		CHECK_OK(wacct_parse(&a, with_steps, strlen(with_steps), BTC_REGTEST));
		CHECK(a.depth == 4 && a.origin[3] == 7);
		wacct_free(&a);
	}
}

static void
test_teardown(void)
{
	if (fx_ready)
		fx_free(&fx);
	fx_ready = 0;
}

static const struct test_case tests[] = {
	{ "pay_each_type", test_pay_each_type },
	{ "batch", test_batch },
	{ "subtract_and_drain", test_subtract_and_drain },
	{ "bad_requests", test_bad_requests },
	{ "randomisation", test_randomisation },
	{ "accounts", test_accounts },
	{ "teardown", test_teardown },
};

TEST_MAIN(tests)
