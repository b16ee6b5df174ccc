/*
 * The wallet's view of the chain, from the store (what the last sync saw):
 * GET /v1/wallet/balance, GET /v1/wallet/utxos, GET /v1/wallet/transactions,
 * and POST /v1/wallet/sync to sync now (syncer.h does the work).
 */
#include "daemon/routes.h"

#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/tx.h"
#include "common/encoding.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/syncer.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000
#define SYNC_WAIT_MS 10000

/* The view with the balance of the open store (read lock held by the caller). */
static int
view_with_balance(struct daemon *d, struct syncer_view *v)
{
	struct store_chain_state cs;

	if (d->syncer != NULL)
		return syncer_load_balance(d->syncer, v);
	/* No background thread (tests): straight from the store. */
	syncer_get_view(NULL, v);
	if (store_balance(d->store, &v->confirmed_sat, &v->unconfirmed_sat, &v->n_utxos) != 0 ||
	    store_chain_state_get(d->store, &cs) != 0)
		return COFFER_ERR_STORE;
	v->loaded = 1;
	v->tip_height = cs.tip_height;
	v->last_sync = cs.synced_at;
	return 0;
}

static json_t *
int_or_null(int64_t v)
{
	return v != 0 ? json_integer((json_int_t)v) : json_null();
}

static uint32_t
confirmations(uint32_t height, uint32_t tip)
{
	return height == 0 || tip < height ? 0 : tip - height + 1;
}

int
route_balance(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct syncer_view v;
	int r;

	(void)rq;
	if (daemon_store_acquire(d) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	r = view_with_balance(d, &v);
	daemon_store_release(d);
	if (r != 0)
		return r;
	return api_reply_json(rs, 200, json_pack("{s:I,s:I,s:I,s:I,s:o,s:o,s:b}",
	    "confirmed_sat", (json_int_t)v.confirmed_sat,
	    "unconfirmed_sat", (json_int_t)v.unconfirmed_sat,
	    "total_sat", (json_int_t)(v.confirmed_sat + v.unconfirmed_sat),
	    "utxo_count", (json_int_t)v.n_utxos,
	    "tip_height", int_or_null(v.tip_height),
	    "synced_at", int_or_null(v.last_sync),
	    "connected", v.connected));
}

/* "txid:vout" of a cursor. Returns 0 or COFFER_ERR_BAD_VALUE. */
static int
parse_outpoint(uint8_t txid[32], uint32_t *vout, const char *s)
{
	char hex[65];
	uint8_t display[32];
	unsigned long long v = 0;
	size_t i;

	if (strlen(s) < 66 || strlen(s) > 75 || s[64] != ':')
		return COFFER_ERR_BAD_VALUE;
	memcpy(hex, s, 64);
	hex[64] = '\0';
	for (i = 65; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || (i == 66 && s[65] == '0'))
			return COFFER_ERR_BAD_VALUE;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v > 0xffffffffULL || hex_decode_exact(display, 32, hex) != 0)
		return COFFER_ERR_BAD_VALUE;
	/* Shown reversed (as block explorers do), kept in internal order. */
	for (i = 0; i < 32; i++)
		txid[i] = display[31 - i];
	*vout = (uint32_t)v;
	return 0;
}

int
route_utxos(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "cursor", "limit" };
	struct store_utxo *list = NULL;
	struct syncer_view v;
	uint8_t after[32];
	uint32_t after_vout = 0;
	const char *cursor;
	uint64_t limit;
	json_t *arr = NULL, *one;
	char txid[65], addr[ADDR_BUFSIZE], next[80];
	size_t i, n = 0;
	int r;

	if ((r = api_query_check(rq, rs, params, 2)) != 0 ||
	    (r = api_query_u64(&limit, rq, rs, "limit", PAGE_DEFAULT, 1, PAGE_MAX)) != 0)
		return r;
	if ((cursor = api_query_get(rq, "cursor")) != NULL && parse_outpoint(after, &after_vout, cursor) != 0) {
		api_message(rs, "query parameter \"cursor\" must be TXID:VOUT (next_cursor of the previous page)");
		return COFFER_ERR_BAD_VALUE;
	}
	if ((list = calloc((size_t)limit + 1, sizeof(*list))) == NULL)
		return COFFER_ERR_NOMEM;
	if (daemon_store_acquire(d) == NULL) {
		free(list);
		return COFFER_ERR_WALLET_LOCKED;
	}
	if ((r = view_with_balance(d, &v)) == 0)
		r = store_utxo_list(d->store, list, (size_t)limit + 1, &n, cursor != NULL ? after : NULL, after_vout);
	daemon_store_release(d);
	if (r != 0)
		goto out;
	if ((arr = json_array()) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n && i < limit; i++) {
		const struct store_utxo *o = &list[i];

		tx_hash_hex(txid, o->txid);
		if (addr_encode(addr, o->script, o->script_len, d->cfg->network) != 0)
			addr[0] = '\0';
		one = json_pack("{s:s,s:I,s:I,s:s,s:s,s:I,s:o,s:I}", "txid", txid, "vout", (json_int_t)o->vout,
		    "value_sat", (json_int_t)o->value, "address", addr, "chain", o->chain == 0 ? "receive" : "change",
		    "index", (json_int_t)o->index, "height", int_or_null(o->height), "confirmations",
		    (json_int_t)confirmations(o->height, v.tip_height));
		if (one == NULL || json_array_append_new(arr, one) != 0) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
	}
	if (n > limit) {
		tx_hash_hex(txid, list[limit - 1].txid);
		snprintf(next, sizeof(next), "%s:%u", txid, list[limit - 1].vout);
	}
	r = api_reply_json(rs, 200, json_pack("{s:O,s:o}", "utxos", arr, "next_cursor",
	    n > limit ? json_string(next) : json_null()));
out:
	json_decref(arr);
	free(list);
	return r;
}

static const char *
direction(const struct store_tx *t)
{
	if (t->spent_sat == 0)
		return "in";
	if (t->received_sat == 0)
		return "out";
	/* Both: a payment with change, or to ourselves. */
	return t->received_sat >= t->spent_sat - (t->fee_sat > 0 ? t->fee_sat : 0) ? "self" : "out";
}

int
route_transactions(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "cursor", "limit" };
	struct store_tx *list = NULL;
	struct syncer_view v;
	uint64_t cursor, limit;
	json_t *arr = NULL, *one;
	char txid[65];
	size_t i, n = 0;
	int r;

	if ((r = api_query_check(rq, rs, params, 2)) != 0 ||
	    (r = api_query_u64(&cursor, rq, rs, "cursor", 0, 1, INT64_MAX)) != 0 ||
	    (r = api_query_u64(&limit, rq, rs, "limit", PAGE_DEFAULT, 1, PAGE_MAX)) != 0)
		return r;
	if ((list = calloc((size_t)limit + 1, sizeof(*list))) == NULL)
		return COFFER_ERR_NOMEM;
	if (daemon_store_acquire(d) == NULL) {
		free(list);
		return COFFER_ERR_WALLET_LOCKED;
	}
	if ((r = view_with_balance(d, &v)) == 0)
		r = store_tx_list(d->store, list, (size_t)limit + 1, &n, (int64_t)cursor);
	daemon_store_release(d);
	if (r != 0)
		goto out;
	if ((arr = json_array()) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n && i < limit; i++) {
		const struct store_tx *t = &list[i];

		tx_hash_hex(txid, t->txid);
		one = json_pack("{s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:I,s:o,s:I}", "txid", txid, "direction", direction(t),
		    "amount_sat", (json_int_t)(t->received_sat - t->spent_sat), "received_sat",
		    (json_int_t)t->received_sat, "sent_sat", (json_int_t)t->spent_sat, "fee_sat",
		    t->fee_sat >= 0 ? json_integer((json_int_t)t->fee_sat) : json_null(), "height",
		    int_or_null(t->height), "confirmations", (json_int_t)confirmations(t->height, v.tip_height),
		    "block_time", int_or_null(t->block_time), "first_seen", (json_int_t)t->first_seen);
		if (one == NULL || json_array_append_new(arr, one) != 0) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
	}
	r = api_reply_json(rs, 200, json_pack("{s:O,s:o}", "transactions", arr, "next_cursor",
	    n > limit ? json_sprintf("%lld", (long long)list[limit - 1].seq) : json_null()));
out:
	json_decref(arr);
	free(list);
	return r;
}

int
route_sync(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct syncer_view v;
	uint64_t which;
	int r;

	(void)rq;
	if (d->syncer == NULL || strcmp(d->syncer->view.backend, "none") == 0) {
		api_message(rs, "no chain backend is configured (esplora or bitcoind-rpc)");
		return COFFER_ERR_UNSUPPORTED;
	}
	which = syncer_kick(d->syncer);
	/* A short wait: most syncs end well within it; a slow one goes on in the background. */
	r = syncer_wait(d->syncer, &v, which, SYNC_WAIT_MS);
	if (r == 1)
		return api_reply_json(rs, 202, json_pack("{s:b,s:b}", "synced", 0, "in_progress", 1));
	if (r != 0)
		return r;
	if (v.last_code != 0) {
		api_message(rs, "%s", v.last_error);
		return v.last_code;
	}
	return api_reply_json(rs, 200, json_pack("{s:b,s:o,s:o}", "synced", 1, "tip_height", int_or_null(v.tip_height),
	    "synced_at", int_or_null(v.last_sync)));
}
