/*
 * PSBT analysis on PSBTs built here from the test mnemonic: our inputs and
 * change proven by re-derivation (wpkh, sh-wpkh, tr, pkh), fake change
 * (wrong derivation, foreign key, path of ours over another script) treated
 * as a payment, missing and mismatching UTXO data refused, inputs naming our
 * key without being ours refused, sighash types, fee and fee rate, and the
 * size estimate against the real signed transaction.
 */
#include "harness.h"

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/psbt.h"
#include "btc/tx.h"
#include "signer/analyze.h"

#include "signer/judge_util.h"

static struct fx g_fx;
static int g_ready;

static void
teardown(void)
{
	fx_free(&g_fx);
}

static void
need(void)
{
	if (g_ready)
		return;
	fx_init(&g_fx);
	atexit(teardown);
	g_ready = 1;
}

static int
analyse(struct psbt_analysis *a, const struct psbt *p)
{
	return analyze_psbt(a, g_fx.w, p);
}

static void
test_wallet_accounts(void)
{
	struct judge_wallet w;
	struct bip32_key *k = bip32_key_new();
	char xpub[BIP32_XKEY_BUFSIZE], fphex[9], d[512];
	uint32_t path[3] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, 0 | BIP32_HARDENED };

	need();
	CHECK(g_fx.w->n_accounts == 4);
	CHECK(g_fx.w->acct[2].depth == 3 && g_fx.w->acct[2].origin[0] == (84 | BIP32_HARDENED));
	CHECK_OK(bip32_derive_path(k, g_fx.master, path, 3));
	CHECK_OK(bip32_xpub_encode(xpub, k));
	hex_encode(fphex, sizeof(fphex), g_fx.fp, 4);
	judge_wallet_init(&w, g_fx.fp, FX_NET);
	/* An explicit account descriptor, with extra steps after the key. */
	snprintf(d, sizeof(d), "wpkh([%s/84'/1'/0']%s/<0;1>/*)", fphex, xpub);
	CHECK_OK(judge_wallet_add_descriptor(&w, d, strlen(d)));
	CHECK(w.n_accounts == 1 && w.acct[0].depth == 3);
	snprintf(d, sizeof(d), "wpkh([%s/84'/1'/0']%s/7/<0;1>/*)", fphex, xpub);
	CHECK_OK(judge_wallet_add_descriptor(&w, d, strlen(d)));
	CHECK(w.n_accounts == 2 && w.acct[1].depth == 4 && w.acct[1].origin[3] == 7);
	/* Not usable: no <0;1>, not ranged, another fingerprint, a private key. */
	snprintf(d, sizeof(d), "wpkh([%s/84'/1'/0']%s/0/*)", fphex, xpub);
	CHECK_RC(judge_wallet_add_descriptor(&w, d, strlen(d)), COFFER_ERR_JUDGE_ACCOUNT);
	snprintf(d, sizeof(d), "wpkh([%s/84'/1'/0']%s/<0;1>/3)", fphex, xpub);
	CHECK_RC(judge_wallet_add_descriptor(&w, d, strlen(d)), COFFER_ERR_JUDGE_ACCOUNT);
	snprintf(d, sizeof(d), "wpkh([00000000/84'/1'/0']%s/<0;1>/*)", xpub);
	CHECK_RC(judge_wallet_add_descriptor(&w, d, strlen(d)), COFFER_ERR_JUDGE_ACCOUNT);
	CHECK_OK(bip32_xprv_encode(xpub, k));
	snprintf(d, sizeof(d), "wpkh([%s/84'/1'/0']%s/<0;1>/*)", fphex, xpub);
	CHECK_RC(judge_wallet_add_descriptor(&w, d, strlen(d)), COFFER_ERR_JUDGE_ACCOUNT);
	secure_wipe(xpub, sizeof(xpub));
	secure_wipe(d, sizeof(d));
	CHECK(w.n_accounts == 2);
	judge_wallet_free(&w);
	CHECK(w.n_accounts == 0);
	/* The standard accounts need the master's private key and fingerprint. */
	judge_wallet_init(&w, g_fx.fp, FX_NET);
	CHECK_RC(judge_wallet_add_standard(&w, k, 0), COFFER_ERR_INVALID_ARG);
	judge_wallet_free(&w);
	bip32_key_free(k);
}

static void
test_change_recognised(void)
{
	struct psbt p;
	struct psbt_analysis a;
	char addr[ADDR_BUFSIZE];

	need();
	psbt_init(&p);
	fx_simple(&g_fx, &p, 100000, 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 39000);
	CHECK_OK(analyse(&a, &p));
	CHECK(a.n_in == 1 && a.n_out == 2 && a.n_ours_in == 1 && a.n_change == 1 && a.n_external == 1);
	CHECK(a.in[0].ours && a.in[0].account == 2 && a.in[0].change == 0 && a.in[0].index == 0);
	CHECK(a.out[1].change == 1 && a.out[0].change == 0);
	CHECK(a.in_total == 100000 && a.out_total == 99000 && a.ours_in == 100000);
	CHECK(a.change_total == 39000 && a.external_total == 60000);
	CHECK(a.fee == 1000 && a.spend == 61000);
	/* 1 P2WPKH input, 2 P2WPKH outputs: 113 base bytes, 110 witness bytes: 141 vB. */
	CHECK(a.vsize == 141 && a.feerate_milli == 1000 * 1000 / 141);
	addr_encode(addr, fx_foreign_spk, sizeof(fx_foreign_spk), FX_NET);
	CHECK_STREQ(a.out[0].dest, addr);
	analysis_free(&a);
	/* The cache now holds the proof: a second analysis gives the same answer. */
	CHECK_OK(analyse(&a, &p));
	CHECK(a.n_change == 1 && a.n_ours_in == 1 && a.spend == 61000);
	analysis_free(&a);
	psbt_free(&p);
}

/* A version 2 PSBT (BIP370) of the same transaction is judged the same. */
static void
test_psbt_v2(void)
{
	struct psbt p, p2;
	struct psbt_analysis a;

	need();
	psbt_init(&p);
	fx_simple(&g_fx, &p, 100000, 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 39000);
	CHECK_OK(psbt_convert(&p2, &p, 2));
	CHECK(p2.version == 2);
	CHECK_OK(analyse(&a, &p2));
	CHECK(a.n_ours_in == 1 && a.n_change == 1 && a.fee == 1000 && a.spend == 61000 &&
	    a.vsize == 141);
	analysis_free(&a);
	psbt_free(&p2);
	psbt_free(&p);
}

/* Each kind of fake change is an external payment. */
static void
test_fake_change(void)
{
	struct psbt p;
	struct psbt_analysis a;
	struct fx_in in = { 100000, 84, 0, 0, 0 };
	struct fx_out o[2];
	uint8_t chg[ADDR_MAX_SPK], pkh[ADDR_MAX_SPK], tr[ADDR_MAX_SPK];
	size_t chg_len, pkh_len, tr_len;
	int k;

	need();
	chg_len = fx_spk(&g_fx, chg, 84, 1, 0);
	pkh_len = fx_spk(&g_fx, pkh, 44, 1, 0);
	tr_len = fx_spk(&g_fx, tr, 86, 1, 0);
	for (k = 0; k < 6; k++) {
		memset(o, 0, sizeof(o));
		o[0] = (struct fx_out){ 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
		o[1] = (struct fx_out){ 39000, chg, chg_len, 1, 84, 1, 0, 0 };
		switch (k) {
		case 0:	/* derivation of ours (84/1/0) on a foreign script */
			o[1].spk = fx_foreign_spk;
			o[1].spk_len = sizeof(fx_foreign_spk);
			break;
		case 1:	/* our script, but the derivation names another index */
			o[1].index = 1;
			break;
		case 2:	/* our script, but the derivation carries a foreign fingerprint */
			o[1].foreign_fp = 1;
			break;
		case 3:	/* our key's path, but a P2PKH script (another account's type) */
			o[1].spk = pkh;
			o[1].spk_len = pkh_len;
			break;
		case 4:	/* a taproot script of ours claimed through the wpkh path */
			o[1].spk = tr;
			o[1].spk_len = tr_len;
			break;
		case 5:	/* no derivation at all */
			o[1].deriv = 0;
			break;
		}
		psbt_init(&p);
		fx_psbt(&g_fx, &p, &in, 1, o, 2);
		CHECK_OK(analyse(&a, &p));
		CHECK_MSG(a.n_change == 0 && a.out[1].change == 0, "fake change case %d", k);
		CHECK(a.external_total == 99000 && a.spend == 100000 && a.fee == 1000);
		analysis_free(&a);
		psbt_free(&p);
	}
	/* Change to our receive chain (0/5) is ours too: it never leaves the wallet. */
	o[1] = (struct fx_out){ 39000, chg, fx_spk(&g_fx, chg, 84, 0, 5), 1, 84, 0, 5, 0 };
	psbt_init(&p);
	fx_psbt(&g_fx, &p, &in, 1, o, 2);
	CHECK_OK(analyse(&a, &p));
	CHECK(a.n_change == 1 && a.spend == 61000);
	analysis_free(&a);
	psbt_free(&p);
}

/*
 * At most 8 derivations of ours are tried per output: with n wrong ones sorting
 * before the right one (maps are in key order), the change is proven for
 * n = 7 and not for n = 8.
 */
static void
test_proof_cap(void)
{
	struct fx_in in = { 100000, 84, 0, 0, 0 };
	struct fx_out o[2];
	struct psbt p;
	struct psbt_analysis a;
	struct psbt_origin org;
	uint8_t chg[ADDR_MAX_SPK], right[33], pub[33];
	uint32_t idx, before[8];
	size_t n = 0, k;
	int wrong;

	need();
	fx_key(&g_fx, right, &org, 84, 1, 0);
	for (idx = 100; n < 8 && idx < 1000; idx++) {
		fx_key(&g_fx, pub, &org, 84, 1, idx);
		if (memcmp(pub, right, 33) < 0)
			before[n++] = idx;
	}
	CHECK(n == 8);
	for (wrong = 7; wrong <= 8; wrong++) {
		memset(o, 0, sizeof(o));
		o[0] = (struct fx_out){ 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
		o[1] = (struct fx_out){ 39000, chg, fx_spk(&g_fx, chg, 84, 1, 0), 1, 84, 1, 0, 0 };
		psbt_init(&p);
		fx_psbt(&g_fx, &p, &in, 1, o, 2);
		for (k = 0; k < (size_t)wrong; k++)
			fx_attach_deriv(&g_fx, &p, PSBT_MAP_OUTPUT, 1, 84, 1, before[k], 0);
		CHECK(psbt_map_count_type(&p.out[1].map, PSBT_OUT_BIP32_DERIVATION) == (size_t)wrong + 1);
		CHECK_OK(analyse(&a, &p));
		CHECK_MSG(a.out[1].change == (wrong == 7), "%d wrong derivations first", wrong);
		analysis_free(&a);
		psbt_free(&p);
	}
}

/* Inputs and change of every standard account type. */
static void
test_account_types(void)
{
	static const uint32_t purposes[] = { 44, 49, 84, 86 };
	struct psbt p;
	struct psbt_analysis a;
	struct fx_in in[4];
	struct fx_out o[2];
	uint8_t chg[ADDR_MAX_SPK];
	size_t i;

	need();
	for (i = 0; i < 4; i++)
		in[i] = (struct fx_in){ 10000 * (int64_t)(i + 1), purposes[i], (uint32_t)(i & 1),
		    (uint32_t)i + 3, 0 };
	memset(o, 0, sizeof(o));
	o[0] = (struct fx_out){ 50000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
	o[1] = (struct fx_out){ 49000, chg, fx_spk(&g_fx, chg, 86, 1, 9), 1, 86, 1, 9, 0 };
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 4, o, 2);
	CHECK_OK(analyse(&a, &p));
	CHECK(a.n_ours_in == 4 && a.n_change == 1);
	for (i = 0; i < 4; i++)
		CHECK(a.in[i].ours && a.in[i].index == i + 3 && a.in[i].change == (i & 1));
	CHECK(a.in_total == 100000 && a.fee == 1000 && a.spend == 51000);
	/* Size estimate: pkh 107-byte scriptSig, sh-wpkh 23 + witness, wpkh witness, tr 66. */
	CHECK(a.in[0].est_script_sig == 107 && a.in[0].est_witness == 0);
	CHECK(a.in[1].est_script_sig == 23 && a.in[1].est_witness == 108);
	CHECK(a.in[2].est_script_sig == 0 && a.in[2].est_witness == 108);
	CHECK(a.in[3].est_script_sig == 0 && a.in[3].est_witness == 66);
	analysis_free(&a);
	psbt_free(&p);
}

static void
test_utxo_checks(void)
{
	struct psbt p;
	struct psbt_analysis a;
	struct fx_in in[2] = { { 50000, 84, 0, 0, 0 }, { 50000, 84, 0, 1, FXI_NO_UTXO } };
	struct fx_out o = { 90000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
	struct tx other;
	struct cbuf ser;
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len;

	need();
	/* Missing UTXO on input 1. */
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, &o, 1);
	CHECK_RC(analyse(&a, &p), COFFER_ERR_MISSING_UTXO);
	CHECK(a.bad_index == 1);
	analysis_free(&a);
	psbt_free(&p);

	/* A non-witness UTXO that is not the transaction the input spends. */
	in[1].flags = 0;
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, &o, 1);
	CHECK_OK(analyse(&a, &p));
	analysis_free(&a);
	spk_len = fx_spk(&g_fx, spk, 84, 0, 1);
	fx_prev_tx(&other, 7, 50000, spk, spk_len);
	cbuf_init(&ser, 0);
	CHECK_OK(tx_serialize(&ser, &other, 0));
	CHECK_OK(psbt_map_set(&p, &p.in[1].map, PSBT_MAP_INPUT, PSBT_IN_NON_WITNESS_UTXO, NULL, 0,
	    ser.p, ser.len));
	CHECK_RC(analyse(&a, &p), COFFER_ERR_PSBT_UTXO_MISMATCH);
	CHECK(a.bad_index == 1);
	analysis_free(&a);
	tx_free(&other);
	psbt_free(&p);

	/* A witness UTXO that disagrees with the non-witness one (amount inflated). */
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, &o, 1);
	CHECK_OK(psbt_update_input_witness_utxo(&p, 0, 50001, spk, spk_len));
	CHECK_RC(analyse(&a, &p), COFFER_ERR_PSBT_UTXO_MISMATCH);
	CHECK(a.bad_index == 0);
	analysis_free(&a);
	psbt_free(&p);

	/* Witness UTXO alone is accepted (its amount is committed by BIP143/341 signatures). */
	in[0].flags = FXI_WITNESS_ONLY;
	in[1].flags = FXI_WITNESS_ONLY;
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, &o, 1);
	CHECK_OK(analyse(&a, &p));
	CHECK(a.fee == 10000 && a.n_ours_in == 2);
	analysis_free(&a);
	psbt_free(&p);

	/* Outputs above inputs. */
	o.amount = 100001;
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, &o, 1);
	CHECK_RC(analyse(&a, &p), COFFER_ERR_BAD_AMOUNT);
	analysis_free(&a);
	psbt_free(&p);
	cbuf_free(&ser);
}

static void
test_unproven_and_foreign_inputs(void)
{
	struct psbt p;
	struct psbt_analysis a;
	struct fx_in in[2] = { { 50000, 84, 0, 0, 0 }, { 70000, 84, 0, 1, FXI_FAKE_DERIV } };
	struct fx_out o[2];
	uint8_t chg[ADDR_MAX_SPK];
	uint8_t none[4] = { 2, 0, 0, 0 };

	need();
	memset(o, 0, sizeof(o));
	o[0] = (struct fx_out){ 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
	o[1] = (struct fx_out){ 59000, chg, fx_spk(&g_fx, chg, 84, 1, 2), 1, 84, 1, 2, 0 };
	/* Input 1 names our key (84/0/1) over a script that is not ours. */
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, o, 2);
	CHECK_RC(analyse(&a, &p), COFFER_ERR_JUDGE_UNPROVEN_INPUT);
	CHECK(a.bad_index == 1);
	analysis_free(&a);
	psbt_free(&p);

	/* A foreign input without any derivation of ours (a payjoin): only ours count. */
	in[1].flags = FXI_FOREIGN;
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, o, 2);
	CHECK_OK(analyse(&a, &p));
	CHECK(a.n_ours_in == 1 && !a.in[1].ours && a.ours_in == 50000 && a.in_total == 120000);
	CHECK(a.fee == 1000 && a.change_total == 59000 && a.spend == 0);
	analysis_free(&a);
	psbt_free(&p);

	/* Our input asking for SIGHASH_NONE: refused; ALL: fine. */
	in[1].flags = 0;
	psbt_init(&p);
	fx_psbt(&g_fx, &p, in, 2, o, 2);
	CHECK_OK(psbt_map_set(&p, &p.in[1].map, PSBT_MAP_INPUT, PSBT_IN_SIGHASH_TYPE, NULL, 0, none, 4));
	CHECK_RC(analyse(&a, &p), COFFER_ERR_JUDGE_SIGHASH);
	analysis_free(&a);
	none[0] = 1;
	CHECK_OK(psbt_map_set(&p, &p.in[1].map, PSBT_MAP_INPUT, PSBT_IN_SIGHASH_TYPE, NULL, 0, none, 4));
	CHECK_OK(analyse(&a, &p));
	analysis_free(&a);
	/* SIGHASH_DEFAULT (0) is taproot only. */
	none[0] = 0;
	CHECK_OK(psbt_map_set(&p, &p.in[1].map, PSBT_MAP_INPUT, PSBT_IN_SIGHASH_TYPE, NULL, 0, none, 4));
	CHECK_RC(analyse(&a, &p), COFFER_ERR_JUDGE_SIGHASH);
	analysis_free(&a);
	psbt_free(&p);
}

/* The estimate against the real thing: sign, finalise, extract, measure. */
static void
test_vsize_estimate(void)
{
	static const uint32_t purposes[] = { 44, 49, 84, 86 };
	struct psbt p;
	struct psbt_analysis a;
	struct psbt_sign_stats st;
	struct fx_in in[2];
	struct fx_out o[2];
	uint8_t chg[ADDR_MAX_SPK];
	struct tx final;
	size_t i, n_final;

	need();
	for (i = 0; i < 4; i++) {
		in[0] = (struct fx_in){ 60000, purposes[i], 0, (uint32_t)i, 0 };
		in[1] = (struct fx_in){ 40000, purposes[(i + 1) % 4], 1, (uint32_t)i, 0 };
		o[0] = (struct fx_out){ 70000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };
		o[1] = (struct fx_out){ 28000, chg, fx_spk(&g_fx, chg, 84, 1, 1), 1, 84, 1, 1, 0 };
		psbt_init(&p);
		fx_psbt(&g_fx, &p, in, 2, o, 2);
		CHECK_OK(analyse(&a, &p));
		CHECK_OK(psbt_sign_bip32(&p, &st, g_fx.master, NULL));
		CHECK(st.inputs_signed == 2);
		CHECK_OK(psbt_finalize(&p, &n_final));
		CHECK_OK(psbt_extract(&final, &p));
		/* ECDSA signatures are 71 or 72 bytes with the sighash byte: the estimate
		 * (72) is never below the real size and at most a byte per input above. */
		CHECK_MSG(a.vsize >= tx_vsize(&final) && a.vsize <= tx_vsize(&final) + 2,
		    "types %u+%u: estimate %llu, real %zu", purposes[i], purposes[(i + 1) % 4],
		    (unsigned long long)a.vsize, tx_vsize(&final));
		tx_free(&final);
		analysis_free(&a);
		psbt_free(&p);
	}
}

static const struct test_case tests[] = {
	{ "wallet_accounts", test_wallet_accounts },
	{ "change_recognised", test_change_recognised },
	{ "psbt_v2", test_psbt_v2 },
	{ "fake_change", test_fake_change },
	{ "proof_cap", test_proof_cap },
	{ "account_types", test_account_types },
	{ "utxo_checks", test_utxo_checks },
	{ "unproven_and_foreign_inputs", test_unproven_and_foreign_inputs },
	{ "vsize_estimate", test_vsize_estimate },
};

TEST_MAIN(tests)
