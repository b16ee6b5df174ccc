/*
 * The Esplora backend against the regtest chain double (tests/chaind): sync
 * finds funds and confirmations, respects the gap limit, broadcasts what the
 * wallet core signs and reports refusals precisely; and the double's scripted
 * hostile answers (wrong types, huge, cut or silent bodies) only ever produce
 * an error code.
 */
#include "harness.h"
#include "chaind_util.h"

#include "common/err.h"
#include "common/secmem.h"

static struct chaind D;
static int D_up;

static struct chain *
backend(unsigned timeout_s, size_t max_response)
{
	struct chain_opts o;
	struct chain *c = NULL;

	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = D.url;
	o.timeout_s = timeout_s;
	o.max_response = max_response;
	if (chain_esplora_new(&c, &o) != 0)
		return NULL;
	return c;
}

static int
up(void)
{
	if (!D_up) {
		if (chaind_start(&D) != 0) {
			chaind_stop(&D);
			return 0;
		}
		D_up = 1;
	}
	return 1;
}

static void
req_for(struct chain_sync_req *q, const struct twallet *w)
{
	memset(q, 0, sizeof(*q));
	q->desc[0] = w->desc[0];
	q->desc[1] = w->desc[1];
	q->last_used[0] = q->last_used[1] = -1;
}

static const struct chain_utxo *
find_utxo(const struct chain_sync_result *r, uint32_t d, uint32_t i)
{
	size_t k;

	for (k = 0; k < r->n_utxos; k++)
		if (r->utxos[k].desc == d && r->utxos[k].index == i)
			return &r->utxos[k];
	return NULL;
}

static void
test_faucet_sync_mine(void)
{
	struct twallet w;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct chain_tip tip;
	struct chain *c;
	char addr[100], txid0[65], txid3[65], hex[65];
	const struct chain_utxo *u;

	CHECK(up());
	if (!D_up)
		return;
	CHECK_OK(twallet_init(&w, 1, 0));
	CHECK((c = backend(0, 0)) != NULL);
	CHECK_STREQ(chain_name(c), "esplora");
	CHECK_OK(twallet_address(addr, &w, 0, 0));
	CHECK(chaind_faucet(&D, txid0, addr, 50000) == 0);
	CHECK_OK(twallet_address(addr, &w, 0, 3));
	CHECK(chaind_faucet(&D, txid3, addr, 30000) == 0);

	req_for(&q, &w);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.n_txs == 2);
	CHECK(r.n_utxos == 2);
	CHECK(r.last_used[0] == 3);
	CHECK(r.last_used[1] == -1);
	CHECK((u = find_utxo(&r, 0, 0)) != NULL);
	if (u != NULL) {
		tx_hash_hex(hex, u->outpoint.txid);
		CHECK_STREQ(hex, txid0);
		CHECK(u->value == 50000);
		CHECK(u->height == 0);
		CHECK(u->spk_len == 22 && u->spk[0] == 0x00);
	}
	CHECK((u = find_utxo(&r, 0, 3)) != NULL && u->value == 30000);
	CHECK(r.txs[0].status.height == 0 && r.txs[0].received_sat > 0 && r.txs[0].fee_sat == -1);
	chain_sync_result_free(&r);

	/* Mined: confirmed at the new tip. */
	CHECK(chaind_mine(&D, 1) == 0);
	CHECK_OK(chain_tip(c, &tip));
	q.last_used[0] = 3;
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.tip.height == tip.height && memcmp(r.tip.hash, tip.hash, 32) == 0);
	CHECK(r.n_utxos == 2);
	CHECK((u = find_utxo(&r, 0, 0)) != NULL && u->height == tip.height);
	CHECK(r.n_txs == 2 && r.txs[0].status.height == tip.height && r.txs[0].status.block_time > 0);
	chain_sync_result_free(&r);
	CHECK(chaind_mine(&D, 5) == 0);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.tip.height == tip.height + 5);
	/* confirmations = tip - height + 1 */
	CHECK((u = find_utxo(&r, 0, 3)) != NULL && r.tip.height - u->height + 1 == 6);
	chain_sync_result_free(&r);
	chain_free(c);
	twallet_free(&w);
}

/* Cache of raw transactions for the incremental sync test. */
struct cache {
	int hits;
	const struct chain_sync_result *prev;
};

static int
cache_lookup(void *arg, struct cbuf *raw, const uint8_t txid[32])
{
	struct cache *k = arg;
	size_t i;

	for (i = 0; i < k->prev->n_txs; i++)
		if (memcmp(k->prev->txs[i].txid, txid, 32) == 0) {
			k->hits++;
			return cbuf_put(raw, k->prev->txs[i].raw, k->prev->txs[i].raw_len);
		}
	return COFFER_ERR_NOT_FOUND;
}

static void
test_gap_limit(void)
{
	struct twallet w;
	struct chain_sync_req q;
	struct chain_sync_result r, r2;
	struct chain *c;
	struct cache k;
	char addr[100], txid[65];

	if (!up())
		return;
	CHECK_OK(twallet_init(&w, 2, 1));
	CHECK((c = backend(0, 0)) != NULL);
	/* Index 19 is inside the first window (0..19); 45 is not, yet. */
	CHECK_OK(twallet_address(addr, &w, 0, 19));
	CHECK(chaind_faucet(&D, txid, addr, 10000) == 0);
	CHECK_OK(twallet_address(addr, &w, 0, 45));
	CHECK(chaind_faucet(&D, txid, addr, 20000) == 0);
	CHECK_OK(twallet_address(addr, &w, 1, 2));
	CHECK(chaind_faucet(&D, txid, addr, 5000) == 0);
	req_for(&q, &w);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.last_used[0] == 19);
	CHECK(r.last_used[1] == 2);
	CHECK(r.n_utxos == 2);
	CHECK(find_utxo(&r, 0, 45) == NULL);
	CHECK(find_utxo(&r, 1, 2) != NULL && find_utxo(&r, 1, 2)->value == 5000);
	chain_sync_result_free(&r);
	/* Use at 39 bridges the gap: 45 is found (and with it the window moves on). */
	CHECK_OK(twallet_address(addr, &w, 0, 39));
	CHECK(chaind_faucet(&D, txid, addr, 7000) == 0);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.last_used[0] == 45);
	CHECK(r.n_utxos == 4);
	CHECK(find_utxo(&r, 0, 45) != NULL && find_utxo(&r, 0, 45)->spk[0] == 0x51);	/* P2TR */
	/* A smaller gap limit sees less: with 5, index 19 is out of reach. */
	q.gap_limit = 5;
	CHECK_OK(chain_sync(c, &r2, &q));
	CHECK(r2.n_txs == 1 && r2.last_used[0] == -1 && r2.last_used[1] == 2);
	chain_sync_result_free(&r2);
	/* Known last_used carries the scan; the cache saves the raw fetches. */
	q.gap_limit = 0;
	q.last_used[0] = 45;
	k.hits = 0;
	k.prev = &r;
	q.known_tx = cache_lookup;
	q.known_arg = &k;
	CHECK_OK(chain_sync(c, &r2, &q));
	CHECK(r2.n_txs == 4 && r2.n_utxos == 4 && k.hits == 4);
	chain_sync_result_free(&r2);
	q.gap_limit = CHAIN_MAX_GAP_LIMIT + 1;
	CHECK_RC(chain_sync(c, &r2, &q), COFFER_ERR_INVALID_ARG);
	chain_sync_result_free(&r);
	chain_free(c);
	twallet_free(&w);
}

/* Build a spend of every UTXO in r to dest (amount) with change to change index 0. */
static int
build_spend(struct tx *tx, struct tx_out *spent, uint32_t (*who)[2], const struct chain_sync_result *r,
    const struct twallet *w, const uint8_t *dest_spk, size_t dest_len, int64_t amount, int64_t fee)
{
	struct desc_scripts ds;
	int64_t total = 0;
	size_t k;
	int rc;

	tx_init(tx);
	tx->locktime = 0;
	for (k = 0; k < r->n_utxos; k++) {
		const struct chain_utxo *u = &r->utxos[k];

		if ((rc = tx_add_input(tx, u->outpoint.txid, u->outpoint.vout, 0xfffffffd)) != 0)
			return rc;
		spent[k].value = u->value;
		spent[k].script_pubkey = u->spk;
		spent[k].script_pubkey_len = u->spk_len;
		who[k][0] = u->desc;
		who[k][1] = u->index;
		total += u->value;
	}
	if ((rc = tx_add_output(tx, amount, dest_spk, dest_len)) != 0)
		return rc;
	desc_scripts_init(&ds);
	if ((rc = desc_derive(&ds, w->desc[1], 0, 0)) == 0)
		rc = tx_add_output(tx, total - amount - fee, ds.spk[0].p, ds.spk[0].len);
	desc_scripts_free(&ds);
	if (rc != 0)
		return rc;
	return twallet_sign(tx, w, spent, (const uint32_t (*)[2])who);
}

static void
test_broadcast(void)
{
	struct twallet w, other;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct chain *c;
	struct tx tx, tx2;
	struct tx_out spent[8];
	uint32_t who[8][2];
	struct desc_scripts dest;
	struct cbuf raw;
	struct chain_tx got;
	uint8_t txid[32], want[32], ghost[32];
	char addr[100], t[65], reason[CHAIN_REASON_LEN];
	int wallet_type;

	if (!up())
		return;
	for (wallet_type = 0; wallet_type < 2; wallet_type++) {
		CHECK_OK(twallet_init(&w, (uint8_t)(3 + wallet_type), wallet_type));
		CHECK_OK(twallet_init(&other, 9, 0));
		CHECK((c = backend(0, 0)) != NULL);
		CHECK_OK(twallet_address(addr, &w, 0, 0));
		CHECK(chaind_faucet(&D, t, addr, 100000) == 0);
		CHECK_OK(twallet_address(addr, &w, 0, 1));
		CHECK(chaind_faucet(&D, t, addr, 60000) == 0);
		CHECK(chaind_mine(&D, 1) == 0);
		req_for(&q, &w);
		CHECK_OK(chain_sync(c, &r, &q));
		CHECK(r.n_utxos == 2);
		desc_scripts_init(&dest);
		CHECK_OK(desc_derive(&dest, other.desc[0], 0, 7));

		/* A good spend, signed by the wallet core: accepted, txid ours. */
		CHECK_OK(build_spend(&tx, spent, who, &r, &w, dest.spk[0].p, dest.spk[0].len, 120000, 2000));
		cbuf_init(&raw, 0);
		CHECK_OK(tx_serialize(&raw, &tx, 0));
		CHECK_OK(tx_txid(want, &tx));
		CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));
		CHECK(memcmp(txid, want, 32) == 0);
		/* Again: already known is success (safe re-broadcast after a crash). */
		CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));
		/* Fetch it back. */
		CHECK_OK(chain_get_tx(c, &got, want));
		CHECK(got.raw_len == raw.len && memcmp(got.raw, raw.p, raw.len) == 0 && got.status.height == 0);
		chain_tx_free(&got);
		memset(ghost, 0x5a, 32);
		CHECK_RC(chain_get_tx(c, &got, ghost), COFFER_ERR_NOT_FOUND);
		cbuf_free(&raw);
		chain_sync_result_free(&r);

		/* The wallet sees its spend: one change UTXO, fee known. */
		q.last_used[0] = 1;
		CHECK_OK(chain_sync(c, &r, &q));
		CHECK(r.n_txs == 3);
		CHECK(r.n_utxos == 1 && r.utxos[0].desc == 1 && r.utxos[0].index == 0 &&
		    r.utxos[0].value == 160000 - 120000 - 2000);
		CHECK(r.txs[0].status.height == 0 && memcmp(r.txs[0].txid, want, 32) == 0);
		CHECK(r.txs[0].spent_sat == 160000 && r.txs[0].received_sat == 38000 && r.txs[0].fee_sat == 2000);
		CHECK(r.last_used[1] == 0);
		chain_sync_result_free(&r);

		/* A bad signature: rejected, with the double's reason. */
		q.last_used[0] = -1;
		CHECK_OK(twallet_address(addr, &w, 0, 2));
		CHECK(chaind_faucet(&D, t, addr, 80000) == 0);
		CHECK(chaind_mine(&D, 1) == 0);
		q.last_used[0] = 2;
		CHECK_OK(chain_sync(c, &r, &q));
		{
			/* Spend only the new coin (index 2). */
			struct chain_sync_result one = r;
			const struct chain_utxo *u = find_utxo(&r, 0, 2);

			CHECK(u != NULL);
			if (u == NULL)
				break;
			one.utxos = (struct chain_utxo *)u;
			one.n_utxos = 1;
			CHECK_OK(build_spend(&tx2, spent, who, &one, &w, dest.spk[0].p, dest.spk[0].len, 70000, 1000));
		}
		cbuf_init(&raw, 0);
		{
			const uint8_t *item;
			size_t ilen;

			CHECK_OK(tx_witness_item(&tx2.in[0].witness, 0, &item, &ilen));
			((uint8_t *)item)[10] ^= 0x01;	/* inside r (ECDSA) or R (Schnorr) */
		}
		CHECK_OK(tx_serialize(&raw, &tx2, 0));
		CHECK_RC(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len), COFFER_ERR_CHAIN_REJECTED);
		CHECK(strstr(reason, "mandatory-script-verify-flag-failed") != NULL);
		CHECK(memcmp(txid, (uint8_t[32]){ 0 }, 32) == 0);
		cbuf_free(&raw);
		/* Once mined, re-broadcast is still success. */
		CHECK(chaind_mine(&D, 1) == 0);
		cbuf_init(&raw, 0);
		CHECK_OK(tx_serialize(&raw, &tx, 0));
		CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));	/* in chain: known */
		cbuf_free(&raw);
		tx_free(&tx);
		/* Garbage never reaches the server. */
		CHECK_RC(chain_broadcast(c, txid, reason, sizeof(reason), (const uint8_t *)"\x02\x00", 2),
		    COFFER_ERR_BAD_TX);
		tx_free(&tx2);
		desc_scripts_free(&dest);
		chain_sync_result_free(&r);
		chain_free(c);
		twallet_free(&w);
		twallet_free(&other);
	}
}

static void
test_conflict(void)
{
	struct twallet w, other;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct chain *c;
	struct tx a, b;
	struct tx_out spent[4];
	uint32_t who[4][2];
	struct desc_scripts dest;
	struct cbuf raw;
	uint8_t txid[32];
	char addr[100], t[65], reason[CHAIN_REASON_LEN];

	if (!up())
		return;
	CHECK_OK(twallet_init(&w, 5, 0));
	CHECK_OK(twallet_init(&other, 9, 1));
	CHECK((c = backend(0, 0)) != NULL);
	CHECK_OK(twallet_address(addr, &w, 0, 0));
	CHECK(chaind_faucet(&D, t, addr, 100000) == 0);
	CHECK(chaind_mine(&D, 1) == 0);
	req_for(&q, &w);
	CHECK_OK(chain_sync(c, &r, &q));
	desc_scripts_init(&dest);
	CHECK_OK(desc_derive(&dest, other.desc[0], 0, 0));
	CHECK_OK(build_spend(&a, spent, who, &r, &w, dest.spk[0].p, dest.spk[0].len, 50000, 1000));
	CHECK_OK(build_spend(&b, spent, who, &r, &w, dest.spk[0].p, dest.spk[0].len, 50000, 1000 + 500));
	cbuf_init(&raw, 0);
	CHECK_OK(tx_serialize(&raw, &a, 0));
	CHECK_OK(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len));
	cbuf_free(&raw);
	CHECK(chaind_mine(&D, 1) == 0);
	/* b double-spends a, which is now confirmed: a conflict, not a generic refusal. */
	cbuf_init(&raw, 0);
	CHECK_OK(tx_serialize(&raw, &b, 0));
	CHECK_RC(chain_broadcast(c, txid, reason, sizeof(reason), raw.p, raw.len), COFFER_ERR_CHAIN_CONFLICT);
	CHECK(strstr(reason, "missingorspent") != NULL);
	cbuf_free(&raw);
	tx_free(&a);
	tx_free(&b);
	desc_scripts_free(&dest);
	chain_sync_result_free(&r);
	chain_free(c);
	twallet_free(&w);
	twallet_free(&other);
}

static void
test_reorg(void)
{
	struct twallet w;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct chain *c;
	char addr[100], t[65];
	json_t *j;

	if (!up())
		return;
	CHECK_OK(twallet_init(&w, 8, 1));
	CHECK((c = backend(0, 0)) != NULL);
	CHECK_OK(twallet_address(addr, &w, 0, 0));
	CHECK(chaind_faucet(&D, t, addr, 42000) == 0);
	CHECK(chaind_mine(&D, 1) == 0);
	req_for(&q, &w);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.n_utxos == 1 && r.utxos[0].height == r.tip.height);
	chain_sync_result_free(&r);
	/* The block goes away: the payment is unconfirmed again. */
	CHECK((j = chaind_post(&D, "/reorg", "{\"depth\":1}")) != NULL);
	json_decref(j);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.n_utxos == 1 && r.utxos[0].height == 0 && r.n_txs == 1 && r.txs[0].status.height == 0);
	chain_sync_result_free(&r);
	/* Mined again, then reorged out for good: the result no longer has it
	 * (a sync result is the whole truth: replace, do not merge). */
	CHECK(chaind_mine(&D, 1) == 0);
	CHECK((j = chaind_post(&D, "/reorg", "{\"depth\":1,\"drop\":true}")) != NULL);
	json_decref(j);
	CHECK_OK(chain_sync(c, &r, &q));
	CHECK(r.n_utxos == 0 && r.n_txs == 0 && r.last_used[0] == -1);
	chain_sync_result_free(&r);
	chain_free(c);
	twallet_free(&w);
}

/* One multipath descriptor serves as receive (path 0) and change (path 1). */
static void
test_multipath(void)
{
	struct twallet w;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct descriptor *m = NULL;
	struct cbuf str;
	struct chain *c;
	char addr[100], t[65], *slash;
	const struct chain_utxo *u;

	if (!up())
		return;
	CHECK_OK(twallet_init(&w, 12, 0));
	CHECK((c = backend(0, 0)) != NULL);
	/* wpkh(tpub.../0/<star>) becomes wpkh(tpub.../<0;1>/<star>) */
	cbuf_init(&str, 0);
	CHECK_OK(desc_to_string(&str, w.desc[0], 0, DESC_STR_NO_CHECKSUM));
	CHECK_OK(cbuf_put_u8(&str, 0));
	slash = strstr((char *)str.p, "/0/*");
	CHECK(slash != NULL);
	if (slash != NULL) {
		char buf[300];

		snprintf(buf, sizeof(buf), "%.*s/<0;1>/*)", (int)(slash - (char *)str.p), (char *)str.p);
		CHECK_OK(desc_parse(&m, buf, strlen(buf), BTC_REGTEST));
	}
	cbuf_free(&str);
	CHECK_OK(twallet_address(addr, &w, 1, 1));
	CHECK(chaind_faucet(&D, t, addr, 31000) == 0);
	memset(&q, 0, sizeof(q));
	q.desc[0] = q.desc[1] = m;
	q.path[0] = 0;
	q.path[1] = 1;
	q.last_used[0] = q.last_used[1] = -1;
	if (m != NULL) {
		CHECK_OK(chain_sync(c, &r, &q));
		CHECK(r.n_utxos == 1 && (u = find_utxo(&r, 1, 1)) != NULL && u->value == 31000);
		CHECK(r.last_used[0] == -1 && r.last_used[1] == 1);
		chain_sync_result_free(&r);
		q.path[1] = 2;	/* no such alternative */
		CHECK_RC(chain_sync(c, &r, &q), COFFER_ERR_INVALID_ARG);
	}
	desc_free(m);
	chain_free(c);
	twallet_free(&w);
}

static void
test_fee_estimates(void)
{
	struct chain *c;
	uint64_t f;
	json_t *j;

	if (!up())
		return;
	CHECK((c = backend(0, 0)) != NULL);
	CHECK((j = chaind_post(&D, "/fee-estimates", "{\"1\":20.5,\"3\":10.2,\"6\":5.3,\"144\":1.1}")) != NULL);
	json_decref(j);
	CHECK_OK(chain_fee_estimate(c, &f, 1));
	CHECK(f == 20500);
	CHECK_OK(chain_fee_estimate(c, &f, 5));	/* the largest target <= 5 is 3 */
	CHECK(f == 10200);
	CHECK_OK(chain_fee_estimate(c, &f, 1008));
	CHECK(f == 1100);
	CHECK_RC(chain_fee_estimate(c, &f, 0), COFFER_ERR_INVALID_ARG);
	CHECK_RC(chain_fee_estimate(c, &f, 1009), COFFER_ERR_INVALID_ARG);
	/* Bounds: below 1 sat/vB and absurd values are clamped. */
	j = chaind_post(&D, "/fee-estimates", "{\"2\":0.25}");
	json_decref(j);
	CHECK_OK(chain_fee_estimate(c, &f, 1));	/* only target 2: the smallest available */
	CHECK(f == CHAIN_FEE_MIN_SAT_KVB);
	j = chaind_post(&D, "/fee-estimates", "{\"1\":1e300}");
	json_decref(j);
	CHECK_OK(chain_fee_estimate(c, &f, 6));
	CHECK(f == CHAIN_FEE_MAX_SAT_KVB);
	j = chaind_post(&D, "/fee-estimates", "{}");
	json_decref(j);
	CHECK_RC(chain_fee_estimate(c, &f, 6), COFFER_ERR_CHAIN_NO_ESTIMATE);
	CHECK(f == 0);
	j = chaind_post(&D, "/fee-estimates", "{\"1\":20.5,\"6\":5.3}");
	json_decref(j);
	chain_free(c);
}

/* Script the next answer on path, then check what the backend makes of it. */
static void
hostile(const char *json)
{
	json_t *j = chaind_post(&D, "/hostile", json);

	CHECK(j != NULL);
	json_decref(j);
}

static void
test_hostile(void)
{
	struct chain *c, *small, *slow, *dead;
	struct chain_tip tip;
	struct chain_opts o;
	struct chain_sync_req q;
	struct chain_sync_result r;
	struct chain_tx got;
	struct twallet w;
	uint64_t f;
	uint8_t txid[32];
	char addr[100], t[65], path[200], body[400], hexid[65];

	if (!up())
		return;
	CHECK((c = backend(0, 0)) != NULL);
	CHECK((small = backend(0, 4096)) != NULL);
	CHECK((slow = backend(1, 0)) != NULL);
	hostile("{\"path\":\"/blocks/tip/hash\",\"body\":\"not a hash\"}");
	CHECK_RC(chain_tip(c, &tip), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/blocks/tip/hash\",\"body\":\"" "zz" "00000000000000000000000000000000000000000000000000000000000000\"}");
	CHECK_RC(chain_tip(c, &tip), COFFER_ERR_CHAIN_PROTOCOL);
	/* The block of the tip says another height type / another id. */
	CHECK_OK(chain_tip(c, &tip));
	tx_hash_hex(hexid, tip.hash);
	snprintf(body, sizeof(body), "{\"path\":\"/block/%s\",\"body\":\"{\\\"id\\\":\\\"%s\\\",\\\"height\\\":\\\"7\\\"}\"}",
	    hexid, hexid);
	hostile(body);
	CHECK_RC(chain_tip(c, &tip), COFFER_ERR_CHAIN_PROTOCOL);
	snprintf(body, sizeof(body), "{\"path\":\"/block/%s\",\"body\":\"{\\\"id\\\":\\\"%s\\\",\\\"height\\\":-1}\"}",
	    hexid, hexid);
	hostile(body);
	CHECK_RC(chain_tip(c, &tip), COFFER_ERR_CHAIN_PROTOCOL);
	/* Huge body: over the response cap. */
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",\"repeat\":1000}");
	CHECK_RC(chain_fee_estimate(small, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	/* Deep nesting within the cap: jansson's depth limit, an error. */
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",\"repeat\":100}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	/* Truncated JSON (complete HTTP), and a connection cut mid-body. */
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"1\\\": 2\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"1\\\": 2\",\"truncate\":true}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_UNREACHABLE);
	/* Wrong types and values. */
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"1\\\":\\\"2\\\"}\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"1\\\":-2}\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"01\\\":2}\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"{\\\"1\\\":2,\\\"1\\\":3}\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	hostile("{\"path\":\"/fee-estimates\",\"body\":\"[1,2]\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_PROTOCOL);
	/* Server errors and silence: unreachable (retry later). */
	hostile("{\"path\":\"/fee-estimates\",\"status\":503,\"body\":\"busy\"}");
	CHECK_RC(chain_fee_estimate(c, &f, 1), COFFER_ERR_CHAIN_UNREACHABLE);
	hostile("{\"path\":\"/fee-estimates\",\"hang\":true}");
	CHECK_RC(chain_fee_estimate(slow, &f, 1), COFFER_ERR_CHAIN_UNREACHABLE);
	CHECK_OK(chain_fee_estimate(c, &f, 1));	/* and back to normal */

	/* History lies: a txid whose hex is another transaction's. */
	CHECK_OK(twallet_init(&w, 7, 0));
	CHECK_OK(twallet_address(addr, &w, 0, 0));
	CHECK(chaind_faucet(&D, t, addr, 10000) == 0);
	{
		char t2[65];

		CHECK(chaind_faucet(&D, t2, addr, 20000) == 0);
		snprintf(path, sizeof(path), "/tx/%s/hex", t2);
		/* serve t's bytes for t2 */
		{
			struct chain_http_resp resp;
			char p1[100];

			snprintf(p1, sizeof(p1), "/tx/%s/hex", t);
			CHECK_OK(chain_http_request(&D.ctl, &resp, "GET", p1, NULL, NULL, 0));
			snprintf(body, sizeof(body), "{\"path\":\"%s\",\"content_type\":\"text/plain\",\"body\":\"%.*s\"}",
			    path, (int)resp.body.len, (const char *)resp.body.p);
			chain_http_resp_free(&resp);
		}
		hostile(body);
		req_for(&q, &w);
		CHECK_RC(chain_sync(c, &r, &q), COFFER_ERR_CHAIN_PROTOCOL);
		CHECK(r.n_txs == 0 && r.txs == NULL);
		hostile(body);
		CHECK_OK(tx_hash_from_hex(txid, t2));
		CHECK_RC(chain_get_tx(c, &got, txid), COFFER_ERR_CHAIN_PROTOCOL);
		CHECK(got.raw == NULL);
		CHECK_OK(chain_sync(c, &r, &q));	/* honest again */
		CHECK(r.n_utxos == 2);
		chain_sync_result_free(&r);
	}
	/* A history page of the wrong shape. */
	{
		struct desc_scripts ds;
		uint8_t sh[32];
		char shx[65];

		desc_scripts_init(&ds);
		CHECK_OK(desc_derive(&ds, w.desc[0], 0, 0));
		sha256(sh, ds.spk[0].p, ds.spk[0].len);
		tx_hash_hex(shx, sh);
		desc_scripts_free(&ds);
		snprintf(body, sizeof(body), "{\"path\":\"/scripthash/%s/txs\",\"body\":\"[{\\\"txid\\\":5}]\"}", shx);
		hostile(body);
		CHECK_RC(chain_sync(c, &r, &q), COFFER_ERR_CHAIN_PROTOCOL);
		snprintf(body, sizeof(body),
		    "{\"path\":\"/scripthash/%s/txs\",\"body\":\"[{\\\"txid\\\":\\\"%s\\\",\\\"status\\\":{\\\"confirmed\\\":true,\\\"block_height\\\":1e30}}]\"}",
		    shx, t);
		hostile(body);
		CHECK_RC(chain_sync(c, &r, &q), COFFER_ERR_CHAIN_PROTOCOL);
	}
	twallet_free(&w);

	/* Nobody listening: unreachable. */
	memset(&o, 0, sizeof(o));
	o.url = "http://127.0.0.1:1";
	CHECK_OK(chain_esplora_new(&dead, &o));
	CHECK_RC(chain_tip(dead, &tip), COFFER_ERR_CHAIN_UNREACHABLE);
	chain_free(dead);
	/* Constructors refuse what is not http(s). */
	o.url = "file:///etc/passwd";
	CHECK_RC(chain_esplora_new(&dead, &o), COFFER_ERR_INVALID_ARG);
	CHECK(dead == NULL);
	o.url = NULL;
	CHECK_RC(chain_esplora_new(&dead, &o), COFFER_ERR_INVALID_ARG);
	chain_free(c);
	chain_free(small);
	chain_free(slow);
}

static void
test_stop(void)
{
	if (D_up)
		chaind_stop(&D);
	D_up = 0;
}

static const struct test_case tests[] = {
	{ "faucet_sync_mine", test_faucet_sync_mine },
	{ "gap_limit", test_gap_limit },
	{ "broadcast", test_broadcast },
	{ "conflict", test_conflict },
	{ "reorg", test_reorg },
	{ "multipath", test_multipath },
	{ "fee_estimates", test_fee_estimates },
	{ "hostile", test_hostile },
	{ "stop", test_stop },
};

TEST_MAIN(tests)
