/*
 * Parsers of Esplora responses. Every body is hostile: sizes are capped by
 * the HTTP client, text bodies must be exactly what the endpoint returns
 * (digits, 64 hex digits, even-length hex), JSON goes through jansson with
 * duplicate keys refused, and every field read is type and range checked.
 * Fields we do not need are ignored, never trusted.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/err.h"
#include "daemon/chain_int.h"

/* Largest block time believed (year ~2106: uint32 header time). */
#define MAX_BLOCK_TIME 0xffffffffLL

/* Length without one trailing "\n" (or "\r\n"). */
static size_t
trim_newline(const uint8_t *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

int
esplora_parse_height(uint32_t *out, const uint8_t *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	len = trim_newline(p, len);
	if (len == 0 || len > 10 || (len > 1 && p[0] == '0'))
		return COFFER_ERR_CHAIN_PROTOCOL;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return COFFER_ERR_CHAIN_PROTOCOL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > CHAIN_MAX_HEIGHT)
		return COFFER_ERR_CHAIN_PROTOCOL;
	*out = (uint32_t)v;
	return 0;
}

/* 64 hex digits (display order) at p -> internal order. */
static int
hash_from(uint8_t out[32], const char *p, size_t len)
{
	char tmp[65];

	memset(out, 0, 32);
	if (len != 64)
		return COFFER_ERR_CHAIN_PROTOCOL;
	memcpy(tmp, p, 64);
	tmp[64] = '\0';
	return tx_hash_from_hex(out, tmp) == 0 ? 0 : COFFER_ERR_CHAIN_PROTOCOL;
}

int
esplora_parse_hash(uint8_t out[32], const uint8_t *p, size_t len)
{
	return hash_from(out, (const char *)p, trim_newline(p, len));
}

static json_t *
load(const uint8_t *p, size_t len)
{
	json_error_t e;

	return json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &e);
}

/* A JSON integer in [lo, hi]. */
static int
get_int(int64_t *out, const json_t *obj, const char *key, int64_t lo, int64_t hi)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t x;

	*out = 0;
	if (!json_is_integer(v))
		return COFFER_ERR_CHAIN_PROTOCOL;
	x = json_integer_value(v);
	if (x < lo || x > hi)
		return COFFER_ERR_CHAIN_PROTOCOL;
	*out = (int64_t)x;
	return 0;
}

static int
get_hash(uint8_t out[32], const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	memset(out, 0, 32);
	if (!json_is_string(v))
		return COFFER_ERR_CHAIN_PROTOCOL;
	return hash_from(out, json_string_value(v), json_string_length(v));
}

int
esplora_parse_block(uint32_t *height, const uint8_t hash[32], const uint8_t *p, size_t len)
{
	json_t *j = load(p, len);
	uint8_t id[32];
	int64_t h;
	int r;

	*height = 0;
	if (!json_is_object(j))
		r = COFFER_ERR_CHAIN_PROTOCOL;
	else if ((r = get_hash(id, j, "id")) == 0 && (r = get_int(&h, j, "height", 0, CHAIN_MAX_HEIGHT)) == 0) {
		if (memcmp(id, hash, 32) != 0)
			r = COFFER_ERR_CHAIN_PROTOCOL;
		else
			*height = (uint32_t)h;
	}
	json_decref(j);
	return r;
}

/* Parse a target key: decimal 1..CHAIN_MAX_CONF_TARGET without leading zeros. */
static int
target_key(uint32_t *t, const char *k)
{
	size_t n = strlen(k), i;
	uint32_t v = 0;

	if (n == 0 || n > 4 || k[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (k[i] < '0' || k[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(k[i] - '0');
	}
	if (v == 0 || v > CHAIN_MAX_CONF_TARGET)
		return -1;
	*t = v;
	return 0;
}

int
esplora_parse_fees(uint64_t *sat_kvb, const uint8_t *p, size_t len, uint32_t target)
{
	json_t *j = load(p, len), *v;
	const char *k;
	uint32_t best_le = 0, best_min = UINT32_MAX, t;
	double rate_le = 0, rate_min = 0, x;
	int r = 0;

	*sat_kvb = 0;
	if (!json_is_object(j)) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	json_object_foreach(j, k, v) {
		if (target_key(&t, k) != 0 || !json_is_number(v)) {
			r = COFFER_ERR_CHAIN_PROTOCOL;
			goto out;
		}
		x = json_number_value(v);
		if (!isfinite(x) || x < 0) {
			r = COFFER_ERR_CHAIN_PROTOCOL;
			goto out;
		}
		if (t <= target && t > best_le) {
			best_le = t;
			rate_le = x;
		}
		if (t < best_min) {
			best_min = t;
			rate_min = x;
		}
	}
	if (best_min == UINT32_MAX) {
		r = COFFER_ERR_CHAIN_NO_ESTIMATE;
		goto out;
	}
	x = best_le ? rate_le : rate_min;
	/* sat/vB -> sat/kvB, rounded up; absurd values saturate (the caller clamps). */
	x = ceil(x * 1000.0);
	*sat_kvb = x >= 1e15 ? (uint64_t)1e15 : (uint64_t)x;
out:
	json_decref(j);
	return r;
}

static int
status_from(struct chain_tx_status *out, const json_t *st)
{
	const json_t *c = json_object_get(st, "confirmed");
	int64_t h, t;
	int r;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(st) || !json_is_boolean(c))
		return COFFER_ERR_CHAIN_PROTOCOL;
	if (!json_is_true(c))
		return 0;
	if ((r = get_int(&h, st, "block_height", 0, CHAIN_MAX_HEIGHT)) != 0 ||
	    (r = get_hash(out->block_hash, st, "block_hash")) != 0 ||
	    (r = get_int(&t, st, "block_time", 0, MAX_BLOCK_TIME)) != 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	/* Height 0 is the genesis block, whose coinbase no wallet can spend:
	 * "confirmed at 0" would read as unconfirmed, so refuse it. */
	if (h == 0) {
		memset(out, 0, sizeof(*out));
		return COFFER_ERR_CHAIN_PROTOCOL;
	}
	out->height = (uint32_t)h;
	out->block_time = t;
	return 0;
}

int
esplora_parse_status(struct chain_tx_status *out, const uint8_t *p, size_t len)
{
	json_t *j = load(p, len);
	int r = status_from(out, j);

	json_decref(j);
	return r;
}

void
esplora_hist_free(struct esplora_hist *h)
{
	free(h->e);
	memset(h, 0, sizeof(*h));
}

int
esplora_parse_history(struct esplora_hist *out, const uint8_t *p, size_t len)
{
	json_t *j = load(p, len), *v;
	size_t i, n;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(j)) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	n = json_array_size(j);
	if (n > ESPLORA_MAX_PAGE) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	if (n > 0 && (out->e = calloc(n, sizeof(*out->e))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(j, i, v) {
		struct esplora_hist_entry *e = &out->e[i];

		if (!json_is_object(v) || (r = get_hash(e->txid, v, "txid")) != 0 ||
		    (r = status_from(&e->status, json_object_get(v, "status"))) != 0) {
			r = COFFER_ERR_CHAIN_PROTOCOL;
			goto out;
		}
		out->n = i + 1;
		if (e->status.height != 0) {
			out->n_confirmed++;
			memcpy(out->last_confirmed, e->txid, 32);
		}
	}
out:
	json_decref(j);
	if (r != 0)
		esplora_hist_free(out);
	return r;
}

int
esplora_parse_tx_hex(uint8_t **raw, size_t *raw_len, const uint8_t *p, size_t len)
{
	struct cbuf b;

	*raw = NULL;
	*raw_len = 0;
	len = trim_newline(p, len);
	if (len == 0 || len > CHAIN_MAX_TX_HEX || len % 2 != 0)
		return COFFER_ERR_CHAIN_PROTOCOL;
	cbuf_init(&b, len / 2);
	if (hex_decode_buf(&b, (const char *)p, len) != 0 || b.len != len / 2) {
		cbuf_free(&b);
		return COFFER_ERR_CHAIN_PROTOCOL;
	}
	*raw = b.p;
	*raw_len = b.len;
	return 0;
}

int
esplora_parse_broadcast(char *reason, size_t reasonsize, long status, const uint8_t *p, size_t len,
    const uint8_t txid[32])
{
	char msg[1024];
	uint8_t got[32];
	const char *rpc;
	int64_t code = 0;

	if (reasonsize > 0)
		reason[0] = '\0';
	if (status == 200) {
		if (esplora_parse_hash(got, p, len) != 0 || memcmp(got, txid, 32) != 0)
			return COFFER_ERR_CHAIN_PROTOCOL;
		return 0;
	}
	if (status < 400 || status >= 500)
		return status >= 500 ? COFFER_ERR_CHAIN_UNREACHABLE : COFFER_ERR_CHAIN_PROTOCOL;
	chain_reason_copy(msg, sizeof(msg), p, len);
	chain_reason_copy(reason, reasonsize, p, len);
	/* "sendrawtransaction RPC error: {"code":-26,"message":"..."}" */
	if ((rpc = strstr(msg, "\"code\":")) != NULL) {
		char *end;
		long v = strtol(rpc + 7, &end, 10);

		if (end != rpc + 7 && v > -1000 && v < 0)
			code = v;
	}
	return chain_classify_reject(msg, code);
}
