/*
 * The chain_*() wrappers: argument checks, cleared outputs and the bounds
 * that hold whatever the backend (chain.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/chain_int.h"

const char *
chain_name(const struct chain *c)
{
	return c != NULL ? c->ops->name : "none";
}

int
chain_tip(struct chain *c, struct chain_tip *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((r = c->ops->tip(c, out)) != 0)
		memset(out, 0, sizeof(*out));
	else if (out->height > CHAIN_MAX_HEIGHT) {
		memset(out, 0, sizeof(*out));
		r = COFFER_ERR_CHAIN_PROTOCOL;
	}
	return r;
}

int
chain_fee_estimate(struct chain *c, uint64_t *sat_kvb, uint32_t conf_target)
{
	int r;

	*sat_kvb = 0;
	if (c == NULL || conf_target == 0 || conf_target > CHAIN_MAX_CONF_TARGET)
		return COFFER_ERR_INVALID_ARG;
	if ((r = c->ops->fee_estimate(c, sat_kvb, conf_target)) != 0) {
		*sat_kvb = 0;
		return r;
	}
	if (*sat_kvb < CHAIN_FEE_MIN_SAT_KVB)
		*sat_kvb = CHAIN_FEE_MIN_SAT_KVB;
	if (*sat_kvb > CHAIN_FEE_MAX_SAT_KVB)
		*sat_kvb = CHAIN_FEE_MAX_SAT_KVB;
	return 0;
}

int
chain_broadcast(struct chain *c, uint8_t txid[32], char *reason, size_t reasonsize, const uint8_t *raw,
    size_t raw_len)
{
	struct tx tx;
	int r;

	memset(txid, 0, 32);
	if (reasonsize > 0)
		reason[0] = '\0';
	if (c == NULL || raw == NULL || raw_len == 0)
		return COFFER_ERR_INVALID_ARG;
	tx_init(&tx);
	if (tx_parse(&tx, raw, raw_len, 0) != 0 || tx_check(&tx) != 0) {
		tx_free(&tx);
		return COFFER_ERR_BAD_TX;
	}
	r = tx_txid(txid, &tx);
	tx_free(&tx);
	if (r != 0)
		return r;
	if ((r = c->ops->broadcast(c, reason, reasonsize, raw, raw_len)) != 0)
		memset(txid, 0, 32);
	return r;
}

void
chain_tx_free(struct chain_tx *t)
{
	if (t == NULL)
		return;
	free(t->raw);
	memset(t, 0, sizeof(*t));
}

int
chain_get_tx(struct chain *c, struct chain_tx *out, const uint8_t txid[32])
{
	struct tx tx;
	uint8_t id[32];
	int r;

	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((r = c->ops->get_tx(c, out, txid)) != 0) {
		chain_tx_free(out);
		return r;
	}
	/* Whatever the backend: the bytes must be the transaction asked for. */
	tx_init(&tx);
	if (out->raw == NULL || tx_parse(&tx, out->raw, out->raw_len, 0) != 0 || tx_txid(id, &tx) != 0 ||
	    memcmp(id, txid, 32) != 0 || out->status.height > CHAIN_MAX_HEIGHT)
		r = COFFER_ERR_CHAIN_PROTOCOL;
	tx_free(&tx);
	if (r != 0)
		chain_tx_free(out);
	else
		memcpy(out->txid, txid, 32);
	return r;
}

void
chain_sync_result_free(struct chain_sync_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_txs; i++)
		free(r->txs[i].raw);
	free(r->txs);
	for (i = 0; i < r->n_utxos; i++)
		free(r->utxos[i].spk);
	free(r->utxos);
	for (i = 0; i < r->n_spent; i++)
		free(r->spent[i].spk);
	free(r->spent);
	free(r->spends);
	memset(r, 0, sizeof(*r));
	r->last_used[0] = r->last_used[1] = -1;
}

int
chain_sync(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->last_used[0] = out->last_used[1] = -1;
	if (c == NULL || req == NULL || req->desc[CHAIN_RECEIVE] == NULL ||
	    req->gap_limit > CHAIN_MAX_GAP_LIMIT || (req->settled_height != 0 && req->known_tx == NULL) ||
	    req->settled_height > CHAIN_MAX_HEIGHT)
		return COFFER_ERR_INVALID_ARG;
	if ((r = c->ops->sync(c, out, req)) != 0)
		chain_sync_result_free(out);
	return r;
}

void
chain_free(struct chain *c)
{
	if (c != NULL)
		c->ops->free(c);
}

void
chain_reason_copy(char *reason, size_t reasonsize, const uint8_t *p, size_t len)
{
	size_t i, n;

	if (reasonsize == 0)
		return;
	n = len < reasonsize - 1 ? len : reasonsize - 1;
	for (i = 0; i < n; i++)
		reason[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	reason[n] = '\0';
}

/* Substring search in a NUL-terminated message. */
static int
has(const char *msg, const char *needle)
{
	return strstr(msg, needle) != NULL;
}

int
chain_classify_reject(const char *msg, int64_t rpc_code)
{
	/* RPC_VERIFY_ALREADY_IN_CHAIN (-27) and mempool duplicates: success. */
	if (rpc_code == -27 || has(msg, "txn-already-in-mempool") || has(msg, "txn-already-known") ||
	    has(msg, "already in block chain") || has(msg, "already in utxo set"))
		return 0;
	/* An input spent by another transaction, or unknown (RPC_VERIFY_ERROR -25). */
	if (has(msg, "missingorspent") || has(msg, "txn-mempool-conflict") || has(msg, "missing-inputs") ||
	    has(msg, "bad-txns-spends-conflicting-tx"))
		return COFFER_ERR_CHAIN_CONFLICT;
	return COFFER_ERR_CHAIN_REJECTED;
}
