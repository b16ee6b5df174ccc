/*
 * Tests for fee bumping (src/wallet/bump.c): RBF replacements and
 * cancellations obey BIP125 rules 3 and 4 on their real signed size, CPFP
 * children lift the package to the target rate.
 */
#include "harness.h"

#include "btc/psbt.h"
#include "btc/tx.h"
#include "wallet/bump.h"
#include "wallet/weight.h"
#include "wallet_fixture.h"

static struct fixture fx;
static int fx_ready;

static void
need_fx(void)
{
	if (!fx_ready)
		fx_init(&fx);
	fx_ready = 1;
}

/* An original payment, signed: its tx, real weight, and the bump description. */
struct orig {
	struct pay_built b;
	struct tx tx;
	struct bump_original o;
};

static void
make_original(struct orig *g, const struct pay_utxo *u, size_t n, const struct pay_recipient *outs,
    size_t n_outs, uint64_t rate)
{
	struct pay_request q;

	memset(&q, 0, sizeof(q));
	q.net = BTC_REGTEST;
	q.outputs = outs;
	q.n_outputs = n_outs;
	q.fee_rate = rate;
	q.subtract_fee_from = -1;
	q.change_account = FX_TR;
	q.change_index = 3;
	q.tip_height = 1000;
	q.tip_is_current = 1;
	q.seed = 5;
	CHECK_OK(pay_build(&g->b, fx.acct, FX_NACCT, u, n, &q));
	CHECK_OK(fx_sign(&g->tx, &g->b, &fx));
	memset(&g->o, 0, sizeof(g->o));
	g->o.tx = &g->tx;
	g->o.input_utxo = g->b.utxos;
	g->o.fee = g->b.fee;
	g->o.weight = (uint32_t)tx_weight(&g->tx);
	g->o.change_pos = g->b.change_pos;
	g->o.change_account = FX_TR;
	g->o.change_index = 3;
}

static void
free_original(struct orig *g)
{
	pay_built_free(&g->b);
	tx_free(&g->tx);
}

static struct bump_request
bump_req(uint64_t rate)
{
	struct bump_request r;

	memset(&r, 0, sizeof(r));
	r.fee_rate = rate;
	r.change_account = FX_WPKH;
	r.change_index = 11;
	r.tip_height = 1001;
	r.tip_is_current = 1;
	r.seed = 17;
	return r;
}

/* Sign the replacement and check BIP125 rules 3/4 and the fee rate on its real size. */
static void
check_replacement(const struct pay_built *nb, const struct orig *g, uint64_t rate)
{
	struct tx tx;
	size_t w, i;

	CHECK_OK(fx_sign(&tx, nb, &fx));
	w = tx_weight(&tx);
	CHECK(w <= nb->weight);
	CHECK(bump_rules_ok(nb->fee, (uint32_t)w, g->o.fee, BUMP_DEFAULT_INCREMENTAL_RELAY_FEE));
	CHECK(nb->fee >= coinsel_fee(rate, w));
	/* Every original input is spent again (a conflict, so a replacement). */
	for (i = 0; i < g->tx.n_in; i++)
		CHECK(memcmp(&tx.in[i].prevout, &g->tx.in[i].prevout, sizeof(tx.in[i].prevout)) == 0);
	for (i = 0; i < tx.n_in; i++)
		CHECK(tx.in[i].sequence == PAY_SEQUENCE_RBF);
	tx_free(&tx);
}

static void
test_rbf_reduces_change(void)
{
	char a1[ADDR_BUFSIZE], a2[ADDR_BUFSIZE];
	struct pay_utxo u[4];
	struct pay_recipient outs[2];
	struct pay_built nb;
	struct bump_request br;
	struct orig g;
	size_t i;

	need_fx();
	fx_external(a1, ADDR_P2WPKH, 1, BTC_REGTEST);
	fx_external(a2, ADDR_P2TR, 2, BTC_REGTEST);
	for (i = 0; i < 4; i++)
		fx_utxo(&u[i], &fx, FX_WPKH, (uint32_t)i, 500000);
	outs[0].address = a1, outs[0].amount = 200000;
	outs[1].address = a2, outs[1].amount = 100000;
	make_original(&g, u, 4, outs, 2, 2000);
	CHECK(g.b.change_pos >= 0);
	/* Too little: the rate must beat the original's by the incremental relay fee. */
	br = bump_req(2500);
	CHECK_RC(bump_rbf(&nb, fx.acct, FX_NACCT, u, 4, &g.o, &br), COFFER_ERR_PAY_BUMP_FEE);
	br = bump_req(25000);
	CHECK_OK(bump_rbf(&nb, fx.acct, FX_NACCT, u, 4, &g.o, &br));
	/* Same inputs, same recipients in the same places, change smaller by the fee difference. */
	CHECK(nb.n_utxos == g.b.n_utxos);
	CHECK(nb.psbt.tx.n_out == g.tx.n_out && nb.change_pos == g.b.change_pos);
	for (i = 0; i < g.tx.n_out; i++) {
		if ((int)i == g.b.change_pos)
			continue;
		CHECK(nb.psbt.tx.out[i].value == g.tx.out[i].value);
		CHECK(nb.psbt.tx.out[i].script_pubkey_len == g.tx.out[i].script_pubkey_len);
	}
	CHECK(nb.psbt.tx.out[nb.change_pos].value == g.b.change - (nb.fee - g.b.fee));
	CHECK(nb.locktime == g.tx.locktime);
	check_replacement(&nb, &g, 25000);
	pay_built_free(&nb);
	/* Rule 4 decides when the new size is large and the rate increase tiny. */
	br = bump_req(3000);
	CHECK_OK(bump_rbf(&nb, fx.acct, FX_NACCT, u, 4, &g.o, &br));
	check_replacement(&nb, &g, 3000);
	pay_built_free(&nb);
	free_original(&g);
}

/* Change too small for the new fee: coins are added (a superset of inputs). */
static void
test_rbf_adds_inputs(void)
{
	char a1[ADDR_BUFSIZE];
	struct pay_utxo u[3];
	struct pay_recipient outs[1];
	struct pay_built nb;
	struct bump_request br;
	struct orig g;

	need_fx();
	fx_external(a1, ADDR_P2WPKH, 4, BTC_REGTEST);
	fx_utxo(&u[0], &fx, FX_WPKH, 20, 100000);
	fx_utxo(&u[1], &fx, FX_TR, 21, 300000);
	fx_utxo(&u[2], &fx, FX_WPKH, 22, 300000);
	outs[0].address = a1, outs[0].amount = 99500;	/* one coin, no change */
	/* Only coin 0 available for the original. */
	u[1].flags = u[2].flags = COINSEL_RESERVED;
	make_original(&g, u, 3, outs, 1, 1000);
	CHECK(g.b.n_utxos == 1 && g.b.utxos[0] == 0 && g.b.change_pos == -1);
	u[1].flags = u[2].flags = 0;
	u[0].flags = COINSEL_RESERVED;	/* reserved by the payment itself: still spent again */
	br = bump_req(20000);
	/* BIP125 rule 2: an unconfirmed coin is never added to a replacement. */
	u[1].unconfirmed = 1;
	CHECK_OK(bump_rbf(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br));
	CHECK(nb.n_utxos == 2 && nb.utxos[0] == 0 && nb.utxos[1] == 2);
	check_replacement(&nb, &g, 20000);
	pay_built_free(&nb);
	u[1].unconfirmed = 0;
	CHECK_OK(bump_rbf(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br));
	CHECK(nb.n_utxos >= 2 && nb.utxos[0] == 0);
	CHECK(nb.change_pos >= 0 && nb.psbt.tx.n_out == 2);
	check_replacement(&nb, &g, 20000);
	pay_built_free(&nb);
	/* Nothing else to add: insufficient. */
	u[1].flags = u[2].flags = COINSEL_RESERVED;
	CHECK_RC(bump_rbf(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br), COFFER_ERR_PAY_INSUFFICIENT_FUNDS);
	/* A wrong description of the original is refused. */
	u[1].flags = u[2].flags = 0;
	g.b.utxos[0] = 1;
	CHECK_RC(bump_rbf(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br), COFFER_ERR_INVALID_ARG);
	g.b.utxos[0] = 0;
	free_original(&g);
}

static void
test_cancel(void)
{
	char a1[ADDR_BUFSIZE];
	struct pay_utxo u[3];
	struct pay_recipient outs[1];
	struct pay_built nb;
	struct bump_request br;
	struct orig g;
	int64_t in_total = 0;
	size_t i;

	need_fx();
	fx_external(a1, ADDR_P2TR, 7, BTC_REGTEST);
	for (i = 0; i < 3; i++)
		fx_utxo(&u[i], &fx, FX_TR, (uint32_t)(30 + i), 80000);
	outs[0].address = a1, outs[0].amount = 150000;
	make_original(&g, u, 3, outs, 1, 3000);
	for (i = 0; i < g.b.n_utxos; i++)
		in_total += u[g.b.utxos[i]].value;
	br = bump_req(1000);	/* below the original: raised to original + incremental */
	CHECK_OK(bump_cancel(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br));
	CHECK(nb.n_utxos == g.b.n_utxos && nb.psbt.tx.n_out == 1 && nb.change_pos == 0);
	CHECK(nb.psbt.tx.out[0].value == in_total - nb.fee);
	check_replacement(&nb, &g, 3000);
	pay_built_free(&nb);
	/* The signer sees the only output as ours: nothing leaves the wallet. */
	br.fee_rate = PAY_MAX_FEE_RATE + 1;
	CHECK_RC(bump_cancel(&nb, fx.acct, FX_NACCT, u, 3, &g.o, &br), COFFER_ERR_PAY_FEE_RATE);
	free_original(&g);
}

static void
test_cpfp(void)
{
	char a1[ADDR_BUFSIZE];
	struct pay_utxo u[3];
	struct pay_recipient outs[1];
	struct pay_built child;
	struct bump_request br;
	struct orig g;
	struct tx ctx;
	uint64_t pv, cv;
	size_t i;

	need_fx();
	fx_external(a1, ADDR_P2WPKH, 8, BTC_REGTEST);
	for (i = 0; i < 3; i++)
		fx_utxo(&u[i], &fx, FX_WPKH, (uint32_t)(50 + i), 200000);
	outs[0].address = a1, outs[0].amount = 120000;
	make_original(&g, u, 3, outs, 1, 1000);
	CHECK(g.b.change_pos >= 0);
	br = bump_req(30000);
	CHECK_OK(bump_cpfp(&child, fx.acct, FX_NACCT, u, 3, &g.o, &br));
	CHECK(child.n_utxos >= 1 && child.utxos[0] == SIZE_MAX);
	CHECK(child.psbt.tx.n_out == 1 && child.change_pos == 0);
	CHECK_OK(fx_sign(&ctx, &child, &fx));
	CHECK(tx_weight(&ctx) <= child.weight);
	{
		uint8_t ptxid[32];

		CHECK_OK(tx_txid(ptxid, &g.tx));
		CHECK(memcmp(ctx.in[0].prevout.txid, ptxid, 32) == 0);
		CHECK(ctx.in[0].prevout.vout == (uint32_t)g.b.change_pos);
	}
	/* The package pays the target rate on the real sizes. */
	pv = (g.o.weight + 3) / 4;
	cv = (tx_weight(&ctx) + 3) / 4;
	CHECK_MSG((uint64_t)(g.b.fee + child.fee) * 1000 >= 30000 * (pv + cv), "package %lld over %llu vB",
	    (long long)(g.b.fee + child.fee), (unsigned long long)(pv + cv));
	tx_free(&ctx);
	pay_built_free(&child);
	/* The parent alone already pays this rate. */
	br = bump_req(1000);
	CHECK_RC(bump_cpfp(&child, fx.acct, FX_NACCT, u, 3, &g.o, &br), COFFER_ERR_PAY_BUMP_FEE);
	/* Without change there is nothing to spend. */
	g.o.change_pos = -1;
	br = bump_req(30000);
	CHECK_RC(bump_cpfp(&child, fx.acct, FX_NACCT, u, 3, &g.o, &br), COFFER_ERR_PAY_NO_CHANGE);
	free_original(&g);
}

static void
test_teardown(void)
{
	if (fx_ready)
		fx_free(&fx);
	fx_ready = 0;
}

static const struct test_case tests[] = {
	{ "rbf_reduces_change", test_rbf_reduces_change },
	{ "rbf_adds_inputs", test_rbf_adds_inputs },
	{ "cancel", test_cancel },
	{ "cpfp", test_cpfp },
	{ "teardown", test_teardown },
};

TEST_MAIN(tests)
