/*
 * Parsers of bitcoind JSON-RPC replies. The node is more trusted than a
 * public Esplora, but its replies are still read as hostile bytes: the
 * envelope must be an object with "result" and "error", every field read is
 * type and range checked, and amounts/raw bytes are never taken from JSON
 * when the raw transaction (checked against its txid) can tell.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/err.h"
#include "daemon/chain_bitcoind_int.h"

static int
hash_of(uint8_t out[32], const json_t *v)
{
	char tmp[65];

	memset(out, 0, 32);
	if (!json_is_string(v) || json_string_length(v) != 64)
		return COFFER_ERR_CHAIN_PROTOCOL;
	memcpy(tmp, json_string_value(v), 65);
	return tx_hash_from_hex(out, tmp) == 0 ? 0 : COFFER_ERR_CHAIN_PROTOCOL;
}

static int
int_of(int64_t *out, const json_t *v, int64_t lo, int64_t hi)
{
	*out = 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return COFFER_ERR_CHAIN_PROTOCOL;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int
bitcoind_parse_reply(json_t **result, int64_t *code, char *msg, size_t msgsize, const uint8_t *p, size_t len)
{
	json_error_t je;
	json_t *j, *err, *res;
	int r;

	*result = NULL;
	*code = 0;
	if (msgsize > 0)
		msg[0] = '\0';
	if ((j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return COFFER_ERR_CHAIN_PROTOCOL;
	if (!json_is_object(j)) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	err = json_object_get(j, "error");
	res = json_object_get(j, "result");
	if (err != NULL && !json_is_null(err)) {
		const json_t *m = json_object_get(err, "message");

		if (!json_is_object(err) || int_of(code, json_object_get(err, "code"), -100000, 100000) != 0 ||
		    !json_is_string(m)) {
			r = COFFER_ERR_CHAIN_PROTOCOL;
			goto out;
		}
		chain_reason_copy(msg, msgsize, (const uint8_t *)json_string_value(m), json_string_length(m));
		r = BITCOIND_RPC_ERROR;
		goto out;
	}
	if (res == NULL) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	*result = json_incref(res);
	r = 0;
out:
	json_decref(j);
	return r;
}

int
bitcoind_parse_tip(struct chain_tip *out, const json_t *res)
{
	int64_t h;
	int r;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(res) ||
	    (r = int_of(&h, json_object_get(res, "blocks"), 0, CHAIN_MAX_HEIGHT)) != 0 ||
	    (r = hash_of(out->hash, json_object_get(res, "bestblockhash"))) != 0) {
		memset(out, 0, sizeof(*out));
		return COFFER_ERR_CHAIN_PROTOCOL;
	}
	out->height = (uint32_t)h;
	return 0;
}

int
bitcoind_parse_fee(uint64_t *sat_kvb, const json_t *res)
{
	const json_t *f;
	double x;

	*sat_kvb = 0;
	if (!json_is_object(res))
		return COFFER_ERR_CHAIN_PROTOCOL;
	f = json_object_get(res, "feerate");
	if (f == NULL)
		return COFFER_ERR_CHAIN_NO_ESTIMATE;	/* "errors": ["Insufficient data or no feerate found"] */
	if (!json_is_number(f))
		return COFFER_ERR_CHAIN_PROTOCOL;
	x = json_number_value(f);	/* BTC per kvB */
	if (!isfinite(x) || x < 0)
		return COFFER_ERR_CHAIN_PROTOCOL;
	x = ceil(x * 1e8);
	*sat_kvb = x >= 1e15 ? (uint64_t)1e15 : (uint64_t)x;
	return 0;
}

int
bitcoind_parse_txid(uint8_t txid[32], const json_t *res)
{
	return hash_of(txid, res);
}

/* Status of a wallet or raw transaction object; height from blockheight, or
 * from confirmations against the tip when a node omits it. */
static int
status_of(struct chain_tx_status *st, int *conflicted, const json_t *o, uint32_t tip)
{
	int64_t conf, h, t;
	const json_t *bh;

	memset(st, 0, sizeof(*st));
	*conflicted = 0;
	if (int_of(&conf, json_object_get(o, "confirmations"), -(int64_t)CHAIN_MAX_HEIGHT, CHAIN_MAX_HEIGHT) != 0)
		return COFFER_ERR_CHAIN_PROTOCOL;
	if (conf < 0) {
		*conflicted = 1;	/* conflicts with a confirmed transaction */
		return 0;
	}
	if (conf == 0)
		return 0;
	if (hash_of(st->block_hash, json_object_get(o, "blockhash")) != 0 ||
	    int_of(&t, json_object_get(o, "blocktime"), 0, 0xffffffffLL) != 0)
		goto bad;
	if ((bh = json_object_get(o, "blockheight")) != NULL) {
		if (int_of(&h, bh, 1, CHAIN_MAX_HEIGHT) != 0)
			goto bad;
	} else {
		if (conf > (int64_t)tip + 1 || (h = (int64_t)tip - conf + 1) < 1)
			goto bad;
	}
	st->height = (uint32_t)h;
	st->block_time = t;
	return 0;
bad:
	memset(st, 0, sizeof(*st));
	return COFFER_ERR_CHAIN_PROTOCOL;
}

static int
parse_entries(struct bitcoind_list *out, const json_t *res, uint32_t tip, size_t max)
{
	size_t i, n;
	const json_t *v;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(res) || (n = json_array_size(res)) > max)
		return COFFER_ERR_CHAIN_PROTOCOL;
	out->n_entries = n;
	if (n > 0 && (out->e = calloc(n, sizeof(*out->e))) == NULL)
		return COFFER_ERR_NOMEM;
	json_array_foreach(res, i, v) {
		struct bitcoind_entry *e = &out->e[out->n];
		int conflicted;

		if (!json_is_object(v) || hash_of(e->txid, json_object_get(v, "txid")) != 0 ||
		    status_of(&e->status, &conflicted, v, tip) != 0) {
			bitcoind_list_free(out);
			return COFFER_ERR_CHAIN_PROTOCOL;
		}
		if (!conflicted)
			out->n++;
	}
	return 0;
}

int
bitcoind_parse_list(struct bitcoind_list *out, const json_t *res, uint32_t tip)
{
	return parse_entries(out, res, tip, BITCOIND_LIST_PAGE_MAX);
}

int
bitcoind_parse_since(struct bitcoind_list *out, const json_t *res, uint32_t tip)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(res))
		return COFFER_ERR_CHAIN_PROTOCOL;
	return parse_entries(out, json_object_get(res, "transactions"), tip, CHAIN_MAX_WALLET_TXS);
}

void
bitcoind_list_free(struct bitcoind_list *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

int
bitcoind_parse_tx(uint8_t **raw, size_t *raw_len, struct chain_tx_status *st, int *conflicted, const json_t *res,
    uint32_t tip)
{
	const json_t *h;
	struct cbuf b;
	size_t n;
	int r;

	*raw = NULL;
	*raw_len = 0;
	if (!json_is_object(res) || (r = status_of(st, conflicted, res, tip)) != 0)
		return COFFER_ERR_CHAIN_PROTOCOL;
	h = json_object_get(res, "hex");
	if (!json_is_string(h) || (n = json_string_length(h)) == 0 || n % 2 != 0 || n > CHAIN_MAX_TX_HEX)
		return COFFER_ERR_CHAIN_PROTOCOL;
	cbuf_init(&b, n / 2);
	if (hex_decode_buf(&b, json_string_value(h), n) != 0) {
		cbuf_free(&b);
		return COFFER_ERR_CHAIN_PROTOCOL;
	}
	*raw = b.p;
	*raw_len = b.len;
	return 0;
}

int
bitcoind_parse_import(char *msg, size_t msgsize, const json_t *res, size_t n)
{
	size_t i;
	const json_t *v;

	if (msgsize > 0)
		msg[0] = '\0';
	if (!json_is_array(res) || json_array_size(res) != n)
		return COFFER_ERR_CHAIN_PROTOCOL;
	json_array_foreach(res, i, v) {
		const json_t *ok = json_object_get(v, "success"), *m;

		if (!json_is_boolean(ok))
			return COFFER_ERR_CHAIN_PROTOCOL;
		if (!json_is_true(ok)) {
			m = json_object_get(json_object_get(v, "error"), "message");
			if (json_is_string(m))
				chain_reason_copy(msg, msgsize, (const uint8_t *)json_string_value(m),
				    json_string_length(m));
			return COFFER_ERR_CHAIN_WALLET;
		}
	}
	return 0;
}

int
bitcoind_parse_ismine(int *ismine, const json_t *res)
{
	const json_t *m;

	*ismine = 0;
	if (!json_is_object(res))
		return COFFER_ERR_CHAIN_PROTOCOL;
	m = json_object_get(res, "ismine");
	if (!json_is_boolean(m))
		return COFFER_ERR_CHAIN_PROTOCOL;
	*ismine = json_is_true(m);
	return 0;
}

int
bitcoind_parse_cookie(char *out, size_t outsize, const uint8_t *p, size_t len)
{
	size_t i, n = len;

	if (outsize > 0)
		out[0] = '\0';
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n == 0 || n + 1 > outsize || memchr(p, ':', n) == NULL)
		return COFFER_ERR_CHAIN_AUTH;
	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return COFFER_ERR_CHAIN_AUTH;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}
