/*
 * The store's side of incremental sync and of incoming-payment events
 * (store_sync_apply with a settled height): a spend of an old coin, a reorg
 * within the margin that takes the spend back, the spend again deeper, its
 * spent coin pruned once settled; payment.received once at first sight and
 * payment.confirmed once when it confirms, written with the sync; the first
 * sync of a store does not announce deep history.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#include "daemon/store.h"
#include "daemon/store_payments.h"

static char dir[64], path[128];
static uint8_t raw[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void
tx_at(struct store_tx *t, uint8_t id, uint32_t height, int64_t received, int64_t spent)
{
	memset(t, 0, sizeof(*t));
	memset(t->txid, id, 32);
	t->height = height;
	t->block_time = height ? 1700000000 + height : 0;
	t->received_sat = received;
	t->spent_sat = spent;
	t->fee_sat = -1;
	t->raw = raw;
	t->raw_len = sizeof(raw);
}

static void
out_at(struct store_utxo *o, uint8_t id, uint32_t vout, int64_t value, uint32_t height, uint32_t spent)
{
	memset(o, 0, sizeof(*o));
	memset(o->txid, id, 32);
	o->vout = vout;
	o->value = value;
	o->script[0] = 0x00;
	o->script[1] = 0x14;
	memset(o->script + 2, id, 20);
	o->script_len = 22;
	o->height = height;
	o->spent_height = spent;
}

static void
sync_at(struct store_sync *u, uint32_t tip, uint32_t settled)
{
	memset(u, 0, sizeof(*u));
	u->state.tip_height = tip;
	u->state.complete_height = tip;
	u->state.last_used[0] = 5;
	u->state.last_used[1] = -1;
	u->state.synced_at = 1700000000 + tip;
	u->settled_height = settled;
	u->network = BTC_REGTEST;
}

static int64_t
total(struct store *s, size_t *n)
{
	int64_t c, u;

	CHECK_OK(store_balance(s, &c, &u, n));
	return c + u;
}

static size_t
history(struct store *s)
{
	struct store_tx list[16];
	size_t n;

	CHECK_OK(store_tx_list(s, list, 16, &n, 0));
	return n;
}

/* How many events of type type mention txid byte id (as hex in the body). */
static size_t
events_of(struct store *s, const char *type, uint8_t id)
{
	struct store_event ev[32];
	char hex[3];
	size_t n = 0, i, k = 0;

	snprintf(hex, sizeof(hex), "%02x", id);
	CHECK_OK(store_events_after(s, ev, 32, &n, 0));
	for (i = 0; i < n; i++) {
		char want[80];

		snprintf(want, sizeof(want), "\"txid\":\"%s%s%s%s", hex, hex, hex, hex);
		k += strcmp(ev[i].type, type) == 0 && strstr(ev[i].body, want) != NULL;
		store_event_clear(&ev[i]);
	}
	return k;
}

static void
test_incremental(void)
{
	uint8_t key[STORE_KEY_LEN];
	struct store_tx txs[4];
	struct store_utxo outs[4], spent[2];
	struct store_spend sp[2];
	struct store_chain_state cs;
	struct store_sync u;
	struct store *s = NULL;
	char err[256];
	size_t n;

	snprintf(dir, sizeof(dir), "/tmp/coffer-store-sync-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(key, 7, sizeof(key));
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_chain_state_get(s, &cs));
	CHECK(!cs.incremental);

	/* Full sync at tip 20: A (height 10) and B (height 19) pay the wallet. The
	 * first sync of a store announces B (within 6 blocks), not A. */
	sync_at(&u, 20, 0);
	tx_at(&txs[0], 0xbb, 19, 500, 0);
	tx_at(&txs[1], 0xaa, 10, 1000, 0);
	out_at(&outs[0], 0xaa, 0, 1000, 10, 0);
	out_at(&outs[1], 0xbb, 0, 500, 19, 0);
	u.txs = txs;
	u.n_txs = 2;
	u.utxos = outs;
	u.n_utxos = 2;
	CHECK_OK(store_sync_apply(s, &u, 1000));
	CHECK(total(s, &n) == 1500 && n == 2);
	CHECK(events_of(s, "payment.received", 0xaa) == 0);
	CHECK(events_of(s, "payment.received", 0xbb) == 1);
	CHECK_OK(store_chain_state_get(s, &cs));
	CHECK(cs.incremental);
	CHECK(store_tx_settled(s, txs[1].txid, 14) == 1 && store_tx_settled(s, txs[0].txid, 14) == 0);

	/* Incremental from 14 at tip 21: C (height 21) spends A's coin (outside the window) into 300. */
	sync_at(&u, 21, 14);
	tx_at(&txs[0], 0xcc, 21, 300, 1000);
	tx_at(&txs[1], 0xbb, 19, 500, 0);
	out_at(&outs[0], 0xcc, 0, 300, 21, 0);
	out_at(&outs[1], 0xbb, 0, 500, 19, 0);
	memset(sp[0].txid, 0xaa, 32);
	sp[0].vout = 0;
	sp[0].height = 21;
	u.txs = txs;
	u.n_txs = 2;
	u.utxos = outs;
	u.n_utxos = 2;
	u.spends = sp;
	u.n_spends = 1;
	CHECK_OK(store_sync_apply(s, &u, 1001));
	CHECK(total(s, &n) == 800 && n == 2);
	CHECK(history(s) == 3);
	CHECK(events_of(s, "payment.received", 0xcc) == 0);	/* it spends a wallet coin: not received */

	/* A reorg within the margin took C away: from 15, nothing above is reported. */
	sync_at(&u, 21, 15);
	tx_at(&txs[0], 0xbb, 19, 500, 0);
	out_at(&outs[0], 0xbb, 0, 500, 19, 0);
	u.txs = txs;
	u.n_txs = 1;
	u.utxos = outs;
	u.n_utxos = 1;
	CHECK_OK(store_sync_apply(s, &u, 1002));
	CHECK(total(s, &n) == 1500 && n == 2);
	CHECK(history(s) == 2);

	/* D arrives unconfirmed (announced, unconfirmed), C is mined again at 22 with a second,
	 * spent output (E, unconfirmed, spends it). */
	sync_at(&u, 22, 15);
	tx_at(&txs[0], 0xdd, 0, 700, 0);
	tx_at(&txs[1], 0xee, 0, 0, 50);
	tx_at(&txs[2], 0xcc, 22, 350, 1000);
	tx_at(&txs[3], 0xbb, 19, 500, 0);
	out_at(&outs[0], 0xdd, 0, 700, 0, 0);
	out_at(&outs[1], 0xcc, 0, 300, 22, 0);
	out_at(&outs[2], 0xbb, 0, 500, 19, 0);
	out_at(&spent[0], 0xcc, 1, 50, 22, STORE_SPENT_MEMPOOL);
	sp[0].height = 22;
	u.txs = txs;
	u.n_txs = 4;
	u.utxos = outs;
	u.n_utxos = 3;
	u.spent = spent;
	u.n_spent = 1;
	u.spends = sp;
	u.n_spends = 1;
	CHECK_OK(store_sync_apply(s, &u, 1003));
	CHECK(total(s, &n) == 1500 && n == 3);
	CHECK(events_of(s, "payment.received", 0xdd) == 1);
	CHECK(events_of(s, "payment.confirmed", 0xdd) == 0);
	CHECK(events_of(s, "payment.received", 0xee) == 0);

	/* E is evicted (its spent coin comes back), D confirms at 23: payment.confirmed, once. */
	sync_at(&u, 23, 16);
	tx_at(&txs[0], 0xdd, 23, 700, 0);
	tx_at(&txs[1], 0xcc, 22, 350, 1000);
	tx_at(&txs[2], 0xbb, 19, 500, 0);
	out_at(&outs[0], 0xdd, 0, 700, 23, 0);
	out_at(&outs[1], 0xcc, 0, 300, 22, 0);
	out_at(&outs[2], 0xcc, 1, 50, 22, 0);
	out_at(&outs[3], 0xbb, 0, 500, 19, 0);
	u.txs = txs;
	u.n_txs = 3;
	u.utxos = outs;
	u.n_utxos = 4;
	u.spends = sp;
	u.n_spends = 1;
	CHECK_OK(store_sync_apply(s, &u, 1004));
	CHECK(total(s, &n) == 1550 && n == 4);
	CHECK(history(s) == 4);
	CHECK(events_of(s, "payment.confirmed", 0xdd) == 1);
	CHECK_OK(store_sync_apply(s, &u, 1005));
	CHECK(events_of(s, "payment.confirmed", 0xdd) == 1);
	CHECK(events_of(s, "payment.received", 0xdd) == 1);

	/* Deeper: at tip 40 from 17 nothing is new; C's spend of A is settled, and stays. */
	sync_at(&u, 40, 17);
	u.txs = txs;
	u.n_txs = 3;
	u.utxos = outs;
	u.n_utxos = 4;
	u.spends = sp;
	u.n_spends = 1;
	CHECK_OK(store_sync_apply(s, &u, 1006));
	sync_at(&u, 41, 34);
	CHECK_OK(store_sync_apply(s, &u, 1007));
	CHECK(total(s, &n) == 1550 && n == 4);
	CHECK(history(s) == 4);

	/* Out of range: a spent output without its spender's height. */
	sync_at(&u, 41, 35);
	out_at(&spent[0], 0xcc, 1, 50, 22, 0);
	u.spent = spent;
	u.n_spent = 1;
	CHECK_RC(store_sync_apply(s, &u, 1008), COFFER_ERR_INVALID_ARG);
	store_close(s);
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

static const struct test_case tests[] = {
	{ "incremental", test_incremental },
};

TEST_MAIN(tests)
