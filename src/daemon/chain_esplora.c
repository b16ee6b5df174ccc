/*
 * The Esplora backend: HTTP(S) to an Esplora server (Blockstream's electrs,
 * mempool.space, or the regtest chain double in tests/chaind).
 *
 * Sync walks each descriptor's scripts from index 0, asking for the history of
 * each script's hash (/scripthash/:hash/txs, then /txs/chain/:last_seen pages)
 * until gap_limit consecutive scripts past the highest used index have none.
 * Transactions are fetched as raw hex (or taken from the caller's cache) and
 * kept only if they hash to their txid; only txid and status are read from
 * the JSON history. Response parsing lives in chain_esplora_parse.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "common/encoding.h"
#include "common/err.h"
#include "daemon/chain_int.h"

struct esplora {
	struct chain base;		/* first: struct chain * casts to it */
	struct chain_http http;
};

static struct esplora *
E(struct chain *c)
{
	return (struct esplora *)c;
}

/* GET path; 200 required (404 -> COFFER_ERR_NOT_FOUND, others protocol). */
static int
get_ok(struct esplora *e, struct chain_http_resp *resp, const char *path)
{
	int r;

	if ((r = chain_http_request(&e->http, resp, "GET", path, NULL, NULL, 0)) != 0)
		return r;
	if (resp->status == 200)
		return 0;
	r = resp->status == 404 ? COFFER_ERR_NOT_FOUND :
	    resp->status >= 500 ? COFFER_ERR_CHAIN_UNREACHABLE : COFFER_ERR_CHAIN_PROTOCOL;
	chain_http_resp_free(resp);
	return r;
}

static int
esplora_tip(struct chain *c, struct chain_tip *out)
{
	struct esplora *e = E(c);
	struct chain_http_resp resp;
	char path[128], hex[65];
	int r;

	if ((r = get_ok(e, &resp, "/blocks/tip/hash")) != 0)
		return r == COFFER_ERR_NOT_FOUND ? COFFER_ERR_CHAIN_PROTOCOL : r;
	r = esplora_parse_hash(out->hash, resp.body.p, resp.body.len);
	chain_http_resp_free(&resp);
	if (r != 0)
		return r;
	/* Height from the block itself, so hash and height belong together. */
	tx_hash_hex(hex, out->hash);
	snprintf(path, sizeof(path), "/block/%s", hex);
	if ((r = get_ok(e, &resp, path)) != 0)
		return r == COFFER_ERR_NOT_FOUND ? COFFER_ERR_CHAIN_PROTOCOL : r;
	r = esplora_parse_block(&out->height, out->hash, resp.body.p, resp.body.len);
	chain_http_resp_free(&resp);
	return r;
}

static int
esplora_fee(struct chain *c, uint64_t *sat_kvb, uint32_t target)
{
	struct chain_http_resp resp;
	int r;

	if ((r = get_ok(E(c), &resp, "/fee-estimates")) != 0)
		return r == COFFER_ERR_NOT_FOUND ? COFFER_ERR_CHAIN_NO_ESTIMATE : r;
	r = esplora_parse_fees(sat_kvb, resp.body.p, resp.body.len, target);
	chain_http_resp_free(&resp);
	return r;
}

static int
esplora_broadcast(struct chain *c, char *reason, size_t reasonsize, const uint8_t *raw, size_t raw_len)
{
	struct chain_http_resp resp;
	struct cbuf hex;
	struct tx tx;
	uint8_t txid[32];
	int r;

	/* chain_broadcast checked that raw parses. */
	tx_init(&tx);
	if ((r = tx_parse(&tx, raw, raw_len, 0)) != 0 || (r = tx_txid(txid, &tx)) != 0) {
		tx_free(&tx);
		return r;
	}
	tx_free(&tx);
	cbuf_init(&hex, raw_len * 2 + 1);
	if ((r = hex_encode_buf(&hex, raw, raw_len)) != 0) {
		cbuf_free(&hex);
		return r;
	}
	r = chain_http_request(&E(c)->http, &resp, "POST", "/tx", "text/plain", hex.p, hex.len);
	cbuf_free(&hex);
	if (r != 0)
		return r;
	r = esplora_parse_broadcast(reason, reasonsize, resp.status, resp.body.p, resp.body.len, txid);
	chain_http_resp_free(&resp);
	return r;
}

/* Raw bytes of a transaction: the caller's cache, else /tx/:txid/hex. */
static int
fetch_raw(struct esplora *e, const struct chain_scan *s, uint8_t **raw, size_t *len, const uint8_t txid[32])
{
	struct chain_http_resp resp;
	char path[128], hex[65];
	int r;

	if (s != NULL && chain_scan_known_raw(s, raw, len, txid) == 0)
		return 0;
	tx_hash_hex(hex, txid);
	snprintf(path, sizeof(path), "/tx/%s/hex", hex);
	if ((r = get_ok(e, &resp, path)) != 0)
		return r;
	r = esplora_parse_tx_hex(raw, len, resp.body.p, resp.body.len);
	chain_http_resp_free(&resp);
	return r;
}

static int
esplora_get_tx(struct chain *c, struct chain_tx *out, const uint8_t txid[32])
{
	struct esplora *e = E(c);
	struct chain_http_resp resp;
	char path[128], hex[65];
	int r;

	tx_hash_hex(hex, txid);
	snprintf(path, sizeof(path), "/tx/%s/status", hex);
	if ((r = get_ok(e, &resp, path)) != 0)
		return r;
	r = esplora_parse_status(&out->status, resp.body.p, resp.body.len);
	chain_http_resp_free(&resp);
	if (r != 0)
		return r;
	/* A tx that vanished between the two requests reads as not found. */
	return fetch_raw(e, NULL, &out->raw, &out->raw_len, txid);
}

/*
 * Every page of one script's history into the scan. Returns 1 in *used when
 * it has any. Incremental (settled_height set) and not a new script (full 0):
 * history is newest first, so paging stops at the first page holding a
 * settled transaction the caller already has; settled ones are skipped.
 */
static int
scan_script(struct esplora *e, struct chain_scan *s, int *used, const struct chain_spk *spk, int full)
{
	struct chain_http_resp resp;
	struct esplora_hist h;
	uint8_t sh[32], last[32];
	char shhex[65], lasthex[65], path[256];
	size_t total = 0, i;
	int r, first = 1, progress;

	*used = 0;
	sha256(sh, spk->p, spk->len);
	tx_hash_hex(shhex, sh);	/* Esplora's scripthash: sha256, byte-reversed hex */
	for (;;) {
		int settled_seen = 0;

		if (first)
			snprintf(path, sizeof(path), "/scripthash/%s/txs", shhex);
		else {
			tx_hash_hex(lasthex, last);
			snprintf(path, sizeof(path), "/scripthash/%s/txs/chain/%s", shhex, lasthex);
		}
		if ((r = get_ok(e, &resp, path)) != 0)
			return r == COFFER_ERR_NOT_FOUND ? COFFER_ERR_CHAIN_PROTOCOL : r;
		r = esplora_parse_history(&h, resp.body.p, resp.body.len);
		chain_http_resp_free(&resp);
		if (r != 0)
			return r;
		if (h.n > 0)
			*used = 1;
		for (i = 0; i < h.n && r == 0; i++) {
			uint8_t *raw = NULL;
			size_t len = 0;

			if (chain_scan_has_tx(s, h.e[i].txid)) {
				r = chain_scan_add_tx(s, h.e[i].txid, &h.e[i].status, NULL, 0);
				continue;
			}
			if (chain_scan_settled(s, h.e[i].txid, h.e[i].status.height)) {
				settled_seen = 1;
				/* The rest of the page is older still: known too (a new script is walked whole). */
				if (!full)
					break;
				continue;
			}
			if ((r = fetch_raw(e, s, &raw, &len, h.e[i].txid)) != 0) {
				/* Listed but gone (replaced, reorged out) by the time we asked. */
				if (r == COFFER_ERR_NOT_FOUND && h.e[i].status.height == 0) {
					r = 0;
					continue;
				}
				break;
			}
			r = chain_scan_add_tx(s, h.e[i].txid, &h.e[i].status, raw, len);
		}
		total += h.n;
		/* A full page of confirmed history means there may be more; a page
		 * that does not move on (a server repeating itself) ends the walk.
		 * (Transactions already found on another script still count as
		 * progress: this script's older ones may be its own.) */
		progress = first || memcmp(last, h.last_confirmed, 32) != 0;
		memcpy(last, h.last_confirmed, 32);
		first = h.n_confirmed >= ESPLORA_CHAIN_PAGE && progress && (full || !settled_seen);
		esplora_hist_free(&h);
		if (r != 0)
			return r;
		if (!first)
			return 0;
		first = 0;
		if (total > CHAIN_MAX_ADDRESS_TXS)
			return COFFER_ERR_TOO_LARGE;
	}
}

static int
esplora_sync(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req)
{
	struct esplora *e = E(c);
	struct chain_scan s;
	struct chain_tip tip, tip2;
	size_t d;
	uint32_t i;
	int r, used;

	if ((r = chain_scan_init(&s, req)) != 0)
		goto out;
	if ((r = esplora_tip(c, &tip)) != 0)
		goto out;
	for (d = 0; d < s.ndesc; d++) {
		for (i = 0; i < chain_scan_end(&s, d); i++) {
			if ((r = chain_scan_derive(&s, d, i + 1)) != 0)
				goto out;
			/* A script past the last one known used may hold an old history: walk it all. */
			if ((r = scan_script(e, &s, &used, chain_scan_script(&s, d, i),
			    (int64_t)i > req->last_used[d])) != 0)
				goto out;
			if (used)
				chain_scan_mark_used(&s, d, i);
		}
	}
	/* A block found during the walk: report the newer tip (statuses read
	 * before it are at worst one block stale, fixed by the next sync). */
	s.complete_height = tip.height;
	if (esplora_tip(c, &tip2) == 0 && tip2.height >= tip.height)
		tip = tip2;
	r = chain_scan_finish(&s, out, &tip);
out:
	chain_scan_free(&s);
	return r;
}

static void
esplora_free(struct chain *c)
{
	struct esplora *e = E(c);

	chain_http_free(&e->http);
	free(e);
}

static const struct chain_ops esplora_ops = {
	.name = "esplora",
	.tip = esplora_tip,
	.fee_estimate = esplora_fee,
	.broadcast = esplora_broadcast,
	.get_tx = esplora_get_tx,
	.sync = esplora_sync,
	.free = esplora_free,
};

int
chain_esplora_new(struct chain **out, const struct chain_opts *o)
{
	struct esplora *e;
	int r;

	*out = NULL;
	if (o == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return o == NULL ? COFFER_ERR_INVALID_ARG : COFFER_ERR_NOMEM;
	e->base.ops = &esplora_ops;
	e->base.network = o->network;
	if ((r = chain_http_init(&e->http, o)) != 0) {
		chain_http_free(&e->http);
		free(e);
		return r;
	}
	*out = &e->base;
	return 0;
}
