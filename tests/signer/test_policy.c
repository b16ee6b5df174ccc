/*
 * Signer policy: JSON validation, binary forms, the 24-hour ledger across
 * restarts, and every judge rule at its boundary (exactly at the limit
 * allowed, one satoshi over refused) on PSBTs built from the test mnemonic.
 */
#include "harness.h"

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/hash.h"
#include "signer/judge.h"
#include "signer/policy.h"

#include "signer/judge_util.h"

#define NET FX_NET

static char g_addr[ADDR_BUFSIZE];	/* fx_foreign_spk as an address */
static struct fx g_fx;
static int g_ready;

static void
teardown(void)
{
	fx_free(&g_fx);
}

/* The fixture, made on first use (tests may run alone, by name). */
static void
need(void)
{
	if (g_ready)
		return;
	fx_init(&g_fx);
	if (addr_encode(g_addr, fx_foreign_spk, sizeof(fx_foreign_spk), NET) != 0)
		fx_die("addr_encode", 0);
	atexit(teardown);
	g_ready = 1;
}

static int
from_json(struct signer_policy *p, char *err, const char *json)
{
	return policy_from_json(p, err, json, strlen(json), NET);
}

/* --- JSON ------------------------------------------------------------------ */

static void
test_json_defaults(void)
{
	need();
	struct signer_policy p;
	struct cbuf out;
	char err[POLICY_ERRMSG_LEN];

	CHECK_OK(from_json(&p, err, "{}"));
	CHECK(p.kill_switch == 0 && p.max_per_payment_sat == 0 && p.max_24h_sat == 0 &&
	    p.max_fee_sat == 0 && p.max_feerate_sat_vb == 0 && p.passphrase_threshold_sat == 0 &&
	    p.n_allow == 0 && p.allowlist_range == POLICY_DEFAULT_RANGE);
	cbuf_init(&out, 0);
	CHECK_OK(policy_to_json(&out, &p));
	CHECK_STREQ((const char *)out.p, "{\"version\":1,\"kill_switch\":false,\"max_per_payment_sat\":0,"
	    "\"max_24h_sat\":0,\"max_fee_sat\":0,\"max_feerate_sat_vb\":0,"
	    "\"passphrase_threshold_sat\":0,\"allowlist\":[],\"allowlist_range\":100}");
	cbuf_free(&out);
	policy_free(&p);
}

static void
test_json_roundtrip(void)
{
	need();
	struct signer_policy p, q;
	struct cbuf a, b;
	char json[1024], err[POLICY_ERRMSG_LEN];

	snprintf(json, sizeof(json), "{\"kill_switch\":true,\"max_per_payment_sat\":100000,"
	    "\"max_24h_sat\":2100000000000000,\"max_fee_sat\":5000,\"max_feerate_sat_vb\":50,"
	    "\"passphrase_threshold_sat\":70000,\"allowlist\":[\"%s\"],\"allowlist_range\":7}",
	    g_addr);
	CHECK_OK(from_json(&p, err, json));
	CHECK(p.kill_switch == 1 && p.max_per_payment_sat == 100000 &&
	    p.max_24h_sat == 2100000000000000ull && p.max_fee_sat == 5000 &&
	    p.max_feerate_sat_vb == 50 && p.passphrase_threshold_sat == 70000 && p.n_allow == 1 &&
	    p.allow[0].is_descriptor == 0 && p.allowlist_range == 7 && p.n_spk_hashes == 1);
	cbuf_init(&a, 0);
	cbuf_init(&b, 0);
	CHECK_OK(policy_to_json(&a, &p));
	CHECK_OK(policy_from_json(&q, err, (const char *)a.p, a.len, NET));
	CHECK_OK(policy_to_json(&b, &q));
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	CHECK(policy_allows_spk(&q, fx_foreign_spk, sizeof(fx_foreign_spk)) == 1);
	CHECK(policy_allows_spk(&q, fx_foreign_spk, sizeof(fx_foreign_spk) - 1) == 0);
	cbuf_free(&a);
	cbuf_free(&b);
	policy_free(&p);
	policy_free(&q);
}

/* A bad policy: the code and the key quoted in the message. */
static void
bad(const char *json, int want, const char *quote)
{
	struct signer_policy p;
	char err[POLICY_ERRMSG_LEN] = "";

	CHECK_RC(from_json(&p, err, json), want);
	CHECK_MSG(strstr(err, quote) != NULL, "%s: message \"%s\" lacks \"%s\"", json, err, quote);
	CHECK(p.n_allow == 0 && p.spk_hashes == NULL);
}

static void
test_json_errors(void)
{
	need();
	char json[600];

	bad("", COFFER_ERR_BAD_JSON, "bad JSON");
	bad("[]", COFFER_ERR_BAD_JSON, "object");
	bad("{\"max_fee_sat\":1,\"max_fee_sat\":2}", COFFER_ERR_BAD_JSON, "bad JSON");
	bad("{\"max_fees_sat\":1}", COFFER_ERR_POLICY_UNKNOWN_KEY, "max_fees_sat");
	bad("{\"max_fee_sat\":\"1000\"}", COFFER_ERR_POLICY_BAD_VALUE, "max_fee_sat");
	bad("{\"max_fee_sat\":1000.0}", COFFER_ERR_POLICY_BAD_VALUE, "max_fee_sat");
	bad("{\"max_per_payment_sat\":-1}", COFFER_ERR_POLICY_BAD_VALUE, "max_per_payment_sat");
	bad("{\"max_24h_sat\":2100000000000001}", COFFER_ERR_POLICY_BAD_VALUE, "max_24h_sat");
	bad("{\"max_feerate_sat_vb\":true}", COFFER_ERR_POLICY_BAD_VALUE, "max_feerate_sat_vb");
	bad("{\"passphrase_threshold_sat\":null}", COFFER_ERR_POLICY_BAD_VALUE,
	    "passphrase_threshold_sat");
	bad("{\"kill_switch\":1}", COFFER_ERR_POLICY_BAD_VALUE, "kill_switch");
	bad("{\"version\":2}", COFFER_ERR_POLICY_BAD_VALUE, "version");
	bad("{\"allowlist_range\":0}", COFFER_ERR_POLICY_BAD_VALUE, "allowlist_range");
	bad("{\"allowlist_range\":10001}", COFFER_ERR_POLICY_BAD_VALUE, "allowlist_range");
	bad("{\"allowlist\":\"tb1q\"}", COFFER_ERR_POLICY_BAD_VALUE, "allowlist");
	bad("{\"allowlist\":[1]}", COFFER_ERR_POLICY_BAD_VALUE, "allowlist[0]");
	bad("{\"allowlist\":[\"\"]}", COFFER_ERR_POLICY_BAD_ENTRY, "allowlist[0]");
	bad("{\"allowlist\":[\"tb1qnotanaddress\"]}", COFFER_ERR_POLICY_BAD_ENTRY, "allowlist[0]");
	/* A mainnet address on testnet. */
	bad("{\"allowlist\":[\"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\"]}",
	    COFFER_ERR_POLICY_BAD_ENTRY, "another network");
	snprintf(json, sizeof(json), "{\"allowlist\":[\"%s\",\"%s\"]}", g_addr, g_addr);
	bad(json, COFFER_ERR_POLICY_BAD_ENTRY, "allowlist[1]: repeats allowlist[0]");
	snprintf(json, sizeof(json), "{\"allowlist\":[\"%s\",\"wpkh(nonsense)\"]}", g_addr);
	bad(json, COFFER_ERR_POLICY_BAD_ENTRY, "allowlist[1]");
	/* A descriptor holding a private key (WIF) is refused: policies are not secret. */
	bad("{\"allowlist\":[\"wpkh(cVt4o7BGAig1UXywgGSmARhxMdzP5qvQsxKkSsc1XEkw3tDTQFpy)\"]}",
	    COFFER_ERR_POLICY_BAD_ENTRY, "private key");
	bad("{\"kill_switch\":false,\"bogus\":{}}", COFFER_ERR_POLICY_UNKNOWN_KEY, "bogus");
}

static void
test_json_allowlist_caps(void)
{
	need();
	struct cbuf j;
	struct signer_policy p;
	char err[POLICY_ERRMSG_LEN], entry[64];
	int i;

	/* 65 entries: too many (each valid, distinct scripts). */
	cbuf_init(&j, 0);
	cbuf_put_str(&j, "{\"allowlist\":[");
	for (i = 0; i < POLICY_MAX_ALLOWLIST + 1; i++) {
		uint8_t spk[22];
		char a[ADDR_BUFSIZE];

		memset(spk, i + 1, sizeof(spk));
		spk[0] = 0x00;
		spk[1] = 0x14;
		addr_encode(a, spk, sizeof(spk), NET);
		CHECK((size_t)snprintf(entry, sizeof(entry), "%s\"%s\"", i ? "," : "", a) < sizeof(entry));
		cbuf_put_str(&j, entry);
	}
	cbuf_put_str(&j, "]}");
	CHECK_RC(policy_from_json(&p, err, (const char *)j.p, j.len, NET), COFFER_ERR_TOO_LARGE);
	CHECK(strstr(err, "allowlist") != NULL);
	cbuf_free(&j);
}

/* --- Binary forms ------------------------------------------------------------ */

static void
test_binary_roundtrip(void)
{
	need();
	struct signer_policy p, q;
	struct signer_ledger l, l2;
	struct cbuf b, b2;
	struct creader r;
	char json[600], err[POLICY_ERRMSG_LEN];
	size_t cut;

	snprintf(json, sizeof(json), "{\"max_per_payment_sat\":5,\"max_fee_sat\":6,"
	    "\"kill_switch\":true,\"allowlist\":[\"%s\"]}", g_addr);
	CHECK_OK(from_json(&p, err, json));
	ledger_init(&l);
	CHECK_OK(ledger_charge(&l, 1000, 7));
	CHECK_OK(ledger_charge(&l, 2000, 8));
	cbuf_init(&b, 0);
	cbuf_init(&b2, 0);
	CHECK_OK(policy_state_encode(&b, &p, &l));
	CHECK_OK(policy_state_decode(&q, &l2, b.p, b.len, NET));
	CHECK(q.kill_switch == 1 && q.max_per_payment_sat == 5 && q.max_fee_sat == 6 &&
	    q.n_allow == 1 && strcmp(q.allow[0].text, g_addr) == 0 && q.n_spk_hashes == 1);
	CHECK(l2.n == 2 && l2.e[1].time == 2000 && l2.e[1].amount_sat == 8);
	CHECK_OK(policy_state_encode(&b2, &q, &l2));
	CHECK(b.len == b2.len && memcmp(b.p, b2.p, b.len) == 0);
	policy_free(&q);

	/* Wrong network, every truncation, trailing bytes. */
	CHECK_RC(policy_state_decode(&q, &l2, b.p, b.len, BTC_MAINNET), COFFER_ERR_POLICY_ENCODING);
	for (cut = 0; cut < b.len; cut++) {
		int rc = policy_state_decode(&q, &l2, b.p, cut, NET);

		CHECK_MSG(rc == COFFER_ERR_POLICY_ENCODING, "cut %zu: %d", cut, rc);
		CHECK(q.n_allow == 0 && l2.n == 0);
	}
	cbuf_put_u8(&b, 0);
	CHECK_RC(policy_state_decode(&q, &l2, b.p, b.len, NET), COFFER_ERR_TRAILING);
	b.len--;
	/* Flags with an unknown bit; entry kind that does not match its text. */
	b.p[3] |= 0x80;
	CHECK_RC(policy_state_decode(&q, &l2, b.p, b.len, NET), COFFER_ERR_POLICY_ENCODING);
	b.p[3] &= 0x7f;
	b.p[1 + 3 + 40 + 4 + 1] = 1;	/* blob v, (v, net, flags), 5 limits, range, n: entry kind */
	CHECK_RC(policy_state_decode(&q, &l2, b.p, b.len, NET), COFFER_ERR_POLICY_ENCODING);
	b.p[1 + 3 + 40 + 4 + 1] = 0;
	CHECK_OK(policy_state_decode(&q, &l2, b.p, b.len, NET));
	policy_free(&q);

	/* A ledger out of time order is refused. */
	cbuf_reset(&b2);
	CHECK_OK(ledger_encode(&b2, &l));
	b2.p[3] = 0xff;	/* first entry's time: now later than the second's */
	b2.p[4] = 0xff;
	creader_init(&r, b2.p, b2.len);
	CHECK_RC(ledger_decode(&l2, &r), COFFER_ERR_POLICY_ENCODING);
	cbuf_free(&b);
	cbuf_free(&b2);
	policy_free(&p);
}

/* --- Ledger ------------------------------------------------------------------ */

static void
test_ledger_window(void)
{
	need();
	struct signer_ledger l;
	uint64_t t0 = 1700000000;
	size_t i;

	ledger_init(&l);
	CHECK(ledger_window_total(&l, t0) == 0);
	CHECK_OK(ledger_charge(&l, t0, 100));
	CHECK_OK(ledger_charge(&l, t0 + 3600, 50));
	CHECK_OK(ledger_charge(&l, t0 + 10, 0));	/* no-op */
	CHECK(l.n == 2);
	CHECK(ledger_window_total(&l, t0 + 3600) == 150);
	/* Exactly 24 h after the first spend it still counts; one second later it is gone. */
	CHECK(ledger_window_total(&l, t0 + LEDGER_WINDOW_SECS) == 150);
	CHECK(ledger_window_total(&l, t0 + LEDGER_WINDOW_SECS + 1) == 50);
	CHECK(ledger_window_total(&l, t0 + 3600 + LEDGER_WINDOW_SECS + 1) == 0);
	/* A clock stepped back: the entries from the "future" still count. */
	CHECK(ledger_window_total(&l, t0 - 100000) == 150);
	CHECK_OK(ledger_charge(&l, t0 - 100000, 1));
	CHECK(l.n == 3 && l.e[2].time == t0 + 3600);
	/* Charging prunes what left the window. */
	CHECK_OK(ledger_charge(&l, t0 + 3600 + LEDGER_WINDOW_SECS + 1, 9));
	CHECK(l.n == 1 && l.e[0].amount_sat == 9);

	/* Full: the two oldest merge at the later time; the total never drops. */
	ledger_init(&l);
	for (i = 0; i < LEDGER_MAX_ENTRIES; i++)
		CHECK_OK(ledger_charge(&l, t0 + i, 1));
	CHECK(l.n == LEDGER_MAX_ENTRIES);
	CHECK_OK(ledger_charge(&l, t0 + LEDGER_MAX_ENTRIES, 1));
	CHECK(l.n == LEDGER_MAX_ENTRIES && l.e[0].amount_sat == 2 && l.e[0].time == t0 + 1);
	CHECK(ledger_window_total(&l, t0 + LEDGER_MAX_ENTRIES) == LEDGER_MAX_ENTRIES + 1);
	/* At t0 + 24h + 1 s the first spend (t0) has left, but it was merged into t0+1: still counted. */
	CHECK(ledger_window_total(&l, t0 + LEDGER_WINDOW_SECS + 1) == LEDGER_MAX_ENTRIES + 1);
	/* Saturation. */
	ledger_init(&l);
	CHECK_OK(ledger_charge(&l, t0, UINT64_MAX - 1));
	CHECK_OK(ledger_charge(&l, t0, 5));
	CHECK(ledger_window_total(&l, t0) == UINT64_MAX);
}

/* --- Judge rules ---------------------------------------------------------------- */


struct jcase {
	struct psbt p;
	struct signer_policy pol;
	struct signer_ledger led;
};

/* One wpkh input of 100000, pay 60000 to the foreign address, change 39000: spend 61000, fee 1000. */
static void
jcase_init(struct jcase *c)
{
	psbt_init(&c->p);
	fx_simple(&g_fx, &c->p, 100000, 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 39000);
	policy_init(&c->pol, NET);
	ledger_init(&c->led);
}

static void
jcase_free(struct jcase *c)
{
	psbt_free(&c->p);
	policy_free(&c->pol);
}

static int
judge(struct jcase *c, uint64_t now, int pp, char *reason)
{
	struct judge_decision d;
	int r;

	r = judge_psbt(&d, g_fx.w, &c->p, NULL, 0, &c->pol, &c->led, now, pp);
	if (reason != NULL)
		memcpy(reason, d.reason, JUDGE_REASON_LEN);
	if ((r == 0) != (d.allowed == 1) || d.code != r)
		r = -9999;	/* decision and return value must agree */
	judge_decision_free(&d);
	return r;
}

static void
test_rule_kill_switch(void)
{
	need();
	struct jcase c;
	char reason[JUDGE_REASON_LEN];

	jcase_init(&c);
	CHECK_OK(judge(&c, 1000, 0, NULL));
	c.pol.kill_switch = 1;
	CHECK_RC(judge(&c, 1000, 1, reason), COFFER_ERR_POLICY_KILL_SWITCH);
	CHECK(strstr(reason, "kill switch") != NULL);
	jcase_free(&c);
}

static void
test_rule_max_payment(void)
{
	need();
	struct jcase c;
	char reason[JUDGE_REASON_LEN];

	jcase_init(&c);
	c.pol.max_per_payment_sat = 61000;
	CHECK_OK(judge(&c, 1000, 0, NULL));
	c.pol.max_per_payment_sat = 60999;
	CHECK_RC(judge(&c, 1000, 0, reason), COFFER_ERR_POLICY_MAX_PAYMENT);
	CHECK(strstr(reason, "61000") != NULL && strstr(reason, "60999") != NULL);
	jcase_free(&c);
}

static void
test_rule_daily_limit(void)
{
	need();
	struct jcase c;
	struct cbuf b;
	struct signer_policy pol2;
	uint64_t t0 = 1700000000;

	jcase_init(&c);
	c.pol.max_24h_sat = 100000;
	CHECK_OK(ledger_charge(&c.led, t0, 39000));
	/* 39000 + 61000 == 100000: exactly at the limit. */
	CHECK_OK(judge(&c, t0 + 60, 0, NULL));
	CHECK_OK(ledger_charge(&c.led, t0 + 60, 1));
	CHECK_RC(judge(&c, t0 + 120, 0, NULL), COFFER_ERR_POLICY_DAILY_LIMIT);

	/* A restart: the ledger goes through the sealed-state blob and back. */
	cbuf_init(&b, 0);
	CHECK_OK(policy_state_encode(&b, &c.pol, &c.led));
	ledger_init(&c.led);
	CHECK_OK(policy_state_decode(&pol2, &c.led, b.p, b.len, NET));
	CHECK(pol2.max_24h_sat == 100000 && c.led.n == 2);
	CHECK_RC(judge(&c, t0 + 120, 0, NULL), COFFER_ERR_POLICY_DAILY_LIMIT);
	/* 24 h after the first charge it still counts; 1 s later the window frees it. */
	CHECK_RC(judge(&c, t0 + LEDGER_WINDOW_SECS, 0, NULL), COFFER_ERR_POLICY_DAILY_LIMIT);
	CHECK_OK(judge(&c, t0 + LEDGER_WINDOW_SECS + 1, 0, NULL));
	/* Charge this payment, restart again: the window holds 1 (at t0+60) + 61000. */
	CHECK_OK(ledger_charge(&c.led, t0 + LEDGER_WINDOW_SECS + 1, 61000));
	cbuf_reset(&b);
	CHECK_OK(policy_state_encode(&b, &c.pol, &c.led));
	policy_free(&pol2);
	CHECK_OK(policy_state_decode(&pol2, &c.led, b.p, b.len, NET));
	CHECK(ledger_window_total(&c.led, t0 + LEDGER_WINDOW_SECS + 2) == 61001);
	CHECK(ledger_window_total(&c.led, t0 + 60 + LEDGER_WINDOW_SECS + 1) == 61000);
	CHECK_RC(judge(&c, t0 + LEDGER_WINDOW_SECS + 2, 0, NULL), COFFER_ERR_POLICY_DAILY_LIMIT);
	policy_free(&pol2);
	cbuf_free(&b);
	jcase_free(&c);
}

static void
test_rule_allowlist(void)
{
	need();
	struct jcase c;
	struct bip32_key *acct = bip32_key_new();
	uint32_t path[3] = { 84 | BIP32_HARDENED, 1 | BIP32_HARDENED, 7 | BIP32_HARDENED };
	char json[1024], err[POLICY_ERRMSG_LEN], reason[JUDGE_REASON_LEN], xpub[BIP32_XKEY_BUFSIZE];
	uint8_t pub[33], spk[ADDR_MAX_SPK];
	size_t spk_len;

	jcase_init(&c);
	/* An allowlist without the destination. */
	CHECK_OK(from_json(&c.pol, err, "{\"allowlist\":[\"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx\"]}"));
	CHECK_RC(judge(&c, 1000, 0, reason), COFFER_ERR_POLICY_ALLOWLIST);
	CHECK(strstr(reason, g_addr) != NULL && strstr(reason, "output 0") != NULL);
	policy_free(&c.pol);
	/* With it: allowed (the change output needs no allowlisting). */
	snprintf(json, sizeof(json), "{\"allowlist\":[\"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx\","
	    "\"%s\"]}", g_addr);
	CHECK_OK(from_json(&c.pol, err, json));
	CHECK_OK(judge(&c, 1000, 0, NULL));
	policy_free(&c.pol);
	jcase_free(&c);

	/* A descriptor: index 4 is inside a range of 5, index 5 is not. */
	CHECK_OK(bip32_derive_path(acct, g_fx.master, path, 3));
	CHECK_OK(bip32_xpub_encode(xpub, acct));
	snprintf(json, sizeof(json), "{\"allowlist\":[\"wpkh(%s/0/*)\"],\"allowlist_range\":5}", xpub);
	for (int idx = 4; idx <= 5; idx++) {
		struct bip32_key *k = bip32_key_new();
		uint32_t sub[2] = { 0, (uint32_t)idx };

		CHECK_OK(bip32_derive_path(k, acct, sub, 2));
		memcpy(pub, k->pub, 33);
		bip32_key_free(k);
		CHECK_OK(addr_spk_from_pubkey(spk, &spk_len, ADDR_P2WPKH, pub));
		psbt_init(&c.p);
		fx_simple(&g_fx, &c.p, 100000, 60000, spk, spk_len, 39000);
		ledger_init(&c.led);
		CHECK_OK(from_json(&c.pol, err, json));
		CHECK(c.pol.allow[0].is_descriptor == 1 && c.pol.n_spk_hashes == 5);
		CHECK_RC(judge(&c, 1000, 0, NULL), idx == 4 ? 0 : COFFER_ERR_POLICY_ALLOWLIST);
		jcase_free(&c);
	}
	bip32_key_free(acct);
}

static void
test_rule_fee(void)
{
	need();
	struct jcase c;

	jcase_init(&c);
	c.pol.max_fee_sat = 1000;
	CHECK_OK(judge(&c, 1000, 0, NULL));
	c.pol.max_fee_sat = 999;
	CHECK_RC(judge(&c, 1000, 0, NULL), COFFER_ERR_POLICY_FEE);
	jcase_free(&c);
}

static void
test_rule_feerate(void)
{
	need();
	struct jcase c;
	char reason[JUDGE_REASON_LEN];

	/* 1-in (wpkh) 2-out (wpkh): 141 vB once signed. Fee 1410 is exactly 10 sat/vB. */
	psbt_init(&c.p);
	fx_simple(&g_fx, &c.p, 100000, 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 38590);
	policy_init(&c.pol, NET);
	ledger_init(&c.led);
	c.pol.max_feerate_sat_vb = 10;
	CHECK_OK(judge(&c, 1000, 0, NULL));
	jcase_free(&c);
	psbt_init(&c.p);
	fx_simple(&g_fx, &c.p, 100000, 60000, fx_foreign_spk, sizeof(fx_foreign_spk), 38589);
	policy_init(&c.pol, NET);
	c.pol.max_feerate_sat_vb = 10;
	CHECK_RC(judge(&c, 1000, 0, reason), COFFER_ERR_POLICY_FEERATE);
	CHECK(strstr(reason, "1411 sat") != NULL && strstr(reason, "141 vB") != NULL);
	jcase_free(&c);
}

static void
test_rule_passphrase(void)
{
	need();
	struct jcase c;

	jcase_init(&c);
	c.pol.passphrase_threshold_sat = 61000;	/* "above": 61000 itself needs none */
	CHECK_OK(judge(&c, 1000, 0, NULL));
	c.pol.passphrase_threshold_sat = 60999;
	CHECK_RC(judge(&c, 1000, 0, NULL), COFFER_ERR_POLICY_PASSPHRASE_REQUIRED);
	CHECK_OK(judge(&c, 1000, 1, NULL));
	jcase_free(&c);
}

static void
test_rule_nothing_ours(void)
{
	need();
	struct jcase c;
	struct fx_in in = { 50000, 84, 0, 0, FXI_FOREIGN };
	struct fx_out out = { 40000, fx_foreign_spk, sizeof(fx_foreign_spk), 0, 0, 0, 0, 0 };

	psbt_init(&c.p);
	fx_psbt(&g_fx, &c.p, &in, 1, &out, 1);
	policy_init(&c.pol, NET);
	ledger_init(&c.led);
	CHECK_RC(judge(&c, 1000, 0, NULL), COFFER_ERR_JUDGE_NOTHING_OURS);
	jcase_free(&c);
}

/* The decision carries what the audit record needs. */
static void
test_decision_fields(void)
{
	need();
	struct jcase c;
	struct judge_decision d;
	struct cbuf ser;
	uint8_t h[32];

	jcase_init(&c);
	cbuf_init(&ser, 0);
	CHECK_OK(psbt_serialize(&ser, &c.p));
	sha256(h, ser.p, ser.len);
	CHECK_OK(judge_psbt(&d, g_fx.w, &c.p, ser.p, ser.len, &c.pol, &c.led, 5, 0));
	CHECK(memcmp(d.request_hash, h, 32) == 0);
	CHECK(d.spend_sat == 61000 && d.fee_sat == 1000 && d.external_sat == 60000 && d.vsize == 141);
	CHECK(d.analysis.n_out == 2 && strcmp(d.analysis.out[0].dest, g_addr) == 0);
	judge_decision_free(&d);
	/* Without the raw bytes the PSBT is serialised: the same hash. */
	CHECK_OK(judge_psbt(&d, g_fx.w, &c.p, NULL, 0, &c.pol, &c.led, 5, 0));
	CHECK(memcmp(d.request_hash, h, 32) == 0);
	judge_decision_free(&d);
	cbuf_free(&ser);
	jcase_free(&c);
}


static const struct test_case tests[] = {
	{ "json_defaults", test_json_defaults },
	{ "json_roundtrip", test_json_roundtrip },
	{ "json_errors", test_json_errors },
	{ "json_allowlist_caps", test_json_allowlist_caps },
	{ "binary_roundtrip", test_binary_roundtrip },
	{ "ledger_window", test_ledger_window },
	{ "rule_kill_switch", test_rule_kill_switch },
	{ "rule_max_payment", test_rule_max_payment },
	{ "rule_daily_limit", test_rule_daily_limit },
	{ "rule_allowlist", test_rule_allowlist },
	{ "rule_fee", test_rule_fee },
	{ "rule_feerate", test_rule_feerate },
	{ "rule_passphrase", test_rule_passphrase },
	{ "rule_nothing_ours", test_rule_nothing_ours },
	{ "decision_fields", test_decision_fields },
};

TEST_MAIN(tests)
