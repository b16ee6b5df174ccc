/*
 * Incoming payments announced by a sync (store_int.h, store_chain_event):
 * written inside the transaction that applies the sync, so each is recorded
 * exactly once, survives restarts, and reaches webhooks and GET /v1/events
 * through the same outbox as the payment events (docs/PAYMENTS.md).
 */
#include "daemon/store_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/tx.h"
#include "common/err.h"
#include "daemon/store_payments.h"

/* The addresses of the wallet outputs t created (as the sync just stored them), oldest vout first. */
static int
addresses(struct store *s, json_t *arr, const uint8_t txid[32], enum btc_network net)
{
	sqlite3_stmt *st = NULL;
	char addr[ADDR_BUFSIZE];
	int rc, r = COFFER_ERR_STORE;

	if (sqlite3_prepare_v2(s->db, "SELECT script FROM utxos WHERE txid = ? ORDER BY vout", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_bind_blob(st, 1, txid, 32, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (addr_encode(addr, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), net) != 0)
			continue;	/* a script without an address form */
		if (json_array_append_new(arr, json_string(addr)) != 0) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
	}
	r = rc == SQLITE_DONE ? 0 : COFFER_ERR_STORE;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_chain_event(struct store *s, const struct store_tx *t, int confirmed_event, uint32_t tip,
    enum btc_network net, int64_t now)
{
	struct store_event e;
	json_t *arr = NULL, *rx = NULL, *j = NULL;
	char txid[65];
	uint32_t conf = t->height == 0 || tip < t->height ? 0 : tip - t->height + 1;
	int r = COFFER_ERR_NOMEM;

	memset(&e, 0, sizeof(e));
	if ((arr = json_array()) == NULL)
		goto out;
	if ((r = addresses(s, arr, t->txid, net)) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	tx_hash_hex(txid, t->txid);
	rx = json_pack("{s:s,s:I,s:O,s:b,s:o,s:I,s:o}", "txid", txid, "amount_sat", (json_int_t)t->received_sat,
	    "addresses", arr, "confirmed", t->height != 0, "height",
	    t->height != 0 ? json_integer((json_int_t)t->height) : json_null(), "confirmations", (json_int_t)conf,
	    "block_time", t->block_time != 0 ? json_integer((json_int_t)t->block_time) : json_null());
	snprintf(e.type, sizeof(e.type), "%s", confirmed_event ? "payment.confirmed" : "payment.received");
	if (rx == NULL ||
	    (j = json_pack("{s:s,s:O,s:I}", "type", e.type, "received", rx, "created_at", (json_int_t)now)) == NULL ||
	    (e.body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	e.created_at = now;
	r = store_event_insert_locked(s, &e);
out:
	free(e.body);
	json_decref(j);
	json_decref(rx);
	json_decref(arr);
	return r;
}
