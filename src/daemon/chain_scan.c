/*
 * The wallet scan shared by every backend: the scripts the wallet's
 * descriptors derive (with a lookup table from script to index), the
 * transactions a backend found, checked against their txids, and the result
 * built from them: amounts, fees and the UTXO set (outputs paying the wallet
 * that no wallet transaction spends).
 */
#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/chain_int.h"

#define MAP_MIN_CAP 256u

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

/* txids are hashes, but a server could grind them to collide in the low
 * bits; mixing all 32 bytes through FNV keeps probing linear on average. */
static uint64_t
hash_txid(const uint8_t txid[32])
{
	return hash_bytes(txid, 32);
}

static int
map_grow(struct chain_scan *s)
{
	size_t ncap = s->map_cap ? s->map_cap * 2 : MAP_MIN_CAP, i, d;
	uint64_t *nm = calloc(ncap, sizeof(*nm));
	uint32_t k;

	if (nm == NULL)
		return COFFER_ERR_NOMEM;
	free(s->map);
	s->map = nm;
	s->map_cap = ncap;
	s->map_n = 0;
	for (d = 0; d < s->ndesc; d++)
		for (k = 0; k < s->derived[d]; k++) {
			const struct chain_spk *sp = &s->spk[d][k];

			i = (size_t)hash_bytes(sp->p, sp->len) & (ncap - 1);
			while (nm[i] != 0)
				i = (i + 1) & (ncap - 1);
			nm[i] = (((uint64_t)d << 31) | k) + 1;
			s->map_n++;
		}
	return 0;
}

static int
map_insert(struct chain_scan *s, size_t d, uint32_t k)
{
	const struct chain_spk *sp = &s->spk[d][k];
	size_t i;
	int r;

	if ((s->map_n + 1) * 2 > s->map_cap) {
		/* map_grow re-inserts everything derived, this one included */
		return map_grow(s);
	}
	i = (size_t)hash_bytes(sp->p, sp->len) & (s->map_cap - 1);
	while (s->map[i] != 0)
		i = (i + 1) & (s->map_cap - 1);
	s->map[i] = (((uint64_t)d << 31) | k) + 1;
	s->map_n++;
	r = 0;
	return r;
}

int
chain_scan_lookup(const struct chain_scan *s, uint32_t *d, uint32_t *idx, const uint8_t *spk, size_t len)
{
	size_t i;

	*d = 0;
	*idx = 0;
	if (s->map_cap == 0)
		return 0;
	i = (size_t)hash_bytes(spk, len) & (s->map_cap - 1);
	while (s->map[i] != 0) {
		uint64_t v = s->map[i] - 1;
		uint32_t dd = (uint32_t)(v >> 31), k = (uint32_t)(v & 0x7fffffffu);
		const struct chain_spk *sp = &s->spk[dd][k];

		if (sp->len == len && memcmp(sp->p, spk, len) == 0) {
			*d = dd;
			*idx = k;
			return 1;
		}
		i = (i + 1) & (s->map_cap - 1);
	}
	return 0;
}

int
chain_scan_derive(struct chain_scan *s, size_t d, uint32_t end)
{
	struct desc_scripts ds;
	int r = 0;

	if (d >= s->ndesc)
		return COFFER_ERR_INVALID_ARG;
	if (end > CHAIN_MAX_SCAN_INDEX)
		return COFFER_ERR_TOO_LARGE;
	if (!s->ranged && end > 1)
		end = 1;
	if (end > s->spk_cap[d]) {
		uint32_t ncap = s->spk_cap[d] ? s->spk_cap[d] : 64;
		struct chain_spk *n;

		while (ncap < end)
			ncap *= 2;
		if ((n = realloc(s->spk[d], (size_t)ncap * sizeof(*n))) == NULL)
			return COFFER_ERR_NOMEM;
		s->spk[d] = n;
		s->spk_cap[d] = ncap;
	}
	desc_scripts_init(&ds);
	while (s->derived[d] < end) {
		uint32_t k = s->derived[d];
		struct chain_spk *sp = &s->spk[d][k];

		if ((r = desc_derive(&ds, s->req->desc[d], s->req->path[d], k)) != 0)
			goto out;
		if (ds.n != 1) {
			r = COFFER_ERR_UNSUPPORTED;
			goto out;
		}
		if ((sp->p = malloc(ds.spk[0].len ? ds.spk[0].len : 1)) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		memcpy(sp->p, ds.spk[0].p, ds.spk[0].len);
		sp->len = ds.spk[0].len;
		s->derived[d] = k + 1;
		if ((r = map_insert(s, d, k)) != 0)
			goto out;
	}
out:
	desc_scripts_free(&ds);
	return r;
}

const struct chain_spk *
chain_scan_script(const struct chain_scan *s, size_t d, uint32_t i)
{
	if (d >= s->ndesc || i >= s->derived[d])
		abort();	/* misuse of our own API */
	return &s->spk[d][i];
}

uint32_t
chain_scan_end(const struct chain_scan *s, size_t d)
{
	int64_t e;

	if (!s->ranged)
		return 1;
	e = s->used[d] + 1 + (int64_t)s->gap;
	if (e > (int64_t)CHAIN_MAX_SCAN_INDEX)
		e = CHAIN_MAX_SCAN_INDEX;
	return (uint32_t)e;
}

void
chain_scan_mark_used(struct chain_scan *s, size_t d, uint32_t i)
{
	if (d < s->ndesc && (int64_t)i > s->used[d])
		s->used[d] = i;
}

int
chain_scan_init(struct chain_scan *s, const struct chain_sync_req *req)
{
	size_t d;
	int r;

	memset(s, 0, sizeof(*s));
	s->req = req;
	if (req == NULL || req->desc[CHAIN_RECEIVE] == NULL)
		return COFFER_ERR_INVALID_ARG;
	s->gap = req->gap_limit ? req->gap_limit : CHAIN_DEFAULT_GAP_LIMIT;
	if (s->gap > CHAIN_MAX_GAP_LIMIT)
		return COFFER_ERR_INVALID_ARG;
	s->ndesc = req->desc[CHAIN_CHANGE] != NULL ? 2 : 1;
	s->ranged = desc_is_ranged(req->desc[CHAIN_RECEIVE]);
	for (d = 0; d < s->ndesc; d++) {
		const struct descriptor *de = req->desc[d];

		if (desc_is_ranged(de) != s->ranged || req->path[d] >= desc_path_count(de) || desc_has_private(de))
			return COFFER_ERR_INVALID_ARG;
		if (req->last_used[d] < -1 || req->last_used[d] >= (int64_t)CHAIN_MAX_SCAN_INDEX)
			return COFFER_ERR_INVALID_ARG;
		s->used[d] = req->last_used[d];
	}
	for (d = s->ndesc; d < CHAIN_NDESC; d++)
		s->used[d] = -1;
	for (d = 0; d < s->ndesc; d++)
		if ((r = chain_scan_derive(s, d, chain_scan_end(s, d))) != 0)
			return r;
	return 0;
}

static void
wtx_free(struct chain_wtx *w)
{
	free(w->raw);
	memset(w, 0, sizeof(*w));
}

void
chain_scan_free(struct chain_scan *s)
{
	size_t d, i;

	for (d = 0; d < CHAIN_NDESC; d++) {
		for (i = 0; i < s->derived[d]; i++)
			free(s->spk[d][i].p);
		free(s->spk[d]);
	}
	for (i = 0; i < s->n_txs; i++)
		wtx_free(&s->txs[i]);
	free(s->txs);
	free(s->map);
	free(s->txmap);
	memset(s, 0, sizeof(*s));
}

static size_t
txmap_find(const struct chain_scan *s, const uint8_t txid[32])
{
	size_t i;

	if (s->txmap_cap == 0)
		return SIZE_MAX;
	i = (size_t)hash_txid(txid) & (s->txmap_cap - 1);
	while (s->txmap[i] != 0) {
		size_t pos = (size_t)(s->txmap[i] - 1);

		if (memcmp(s->txs[pos].txid, txid, 32) == 0)
			return pos;
		i = (i + 1) & (s->txmap_cap - 1);
	}
	return SIZE_MAX;
}

static void
txmap_put(struct chain_scan *s, size_t pos)
{
	size_t i = (size_t)hash_txid(s->txs[pos].txid) & (s->txmap_cap - 1);

	while (s->txmap[i] != 0)
		i = (i + 1) & (s->txmap_cap - 1);
	s->txmap[i] = (uint64_t)pos + 1;
}

static int
txs_reserve(struct chain_scan *s)
{
	if (s->n_txs >= CHAIN_MAX_WALLET_TXS)
		return COFFER_ERR_TOO_LARGE;
	if (s->n_txs == s->cap_txs) {
		size_t ncap = s->cap_txs ? s->cap_txs * 2 : 64;
		struct chain_wtx *n = realloc(s->txs, ncap * sizeof(*n));

		if (n == NULL)
			return COFFER_ERR_NOMEM;
		s->txs = n;
		s->cap_txs = ncap;
	}
	if ((s->n_txs + 1) * 2 > s->txmap_cap) {
		size_t ncap = s->txmap_cap ? s->txmap_cap * 2 : MAP_MIN_CAP, i;
		uint64_t *nm = calloc(ncap, sizeof(*nm));

		if (nm == NULL)
			return COFFER_ERR_NOMEM;
		free(s->txmap);
		s->txmap = nm;
		s->txmap_cap = ncap;
		for (i = 0; i < s->n_txs; i++)
			txmap_put(s, i);
	}
	return 0;
}

size_t
chain_scan_tx_pos(const struct chain_scan *s, const uint8_t txid[32])
{
	return txmap_find(s, txid);
}

int
chain_scan_has_tx(const struct chain_scan *s, const uint8_t txid[32])
{
	return txmap_find(s, txid) != SIZE_MAX;
}

int
chain_scan_settled(const struct chain_scan *s, const uint8_t txid[32], uint32_t height)
{
	struct cbuf b;
	int r;

	if (s->req->settled_height == 0 || height == 0 || height > s->req->settled_height)
		return 0;
	if (s->req->settled != NULL)
		return s->req->settled(s->req->known_arg, txid) == 1;
	if (s->req->known_tx == NULL)
		return 0;
	cbuf_init(&b, TX_MAX_SIZE);
	r = s->req->known_tx(s->req->known_arg, &b, txid);
	cbuf_free(&b);
	return r == 0;
}

int
chain_scan_add_tx(struct chain_scan *s, const uint8_t txid[32], const struct chain_tx_status *st,
    uint8_t *raw, size_t raw_len)
{
	struct tx tx;
	uint8_t id[32];
	size_t pos, o;
	int r;

	tx_init(&tx);
	if ((pos = txmap_find(s, txid)) != SIZE_MAX) {
		s->txs[pos].status = *st;
		free(raw);
		return 0;
	}
	if (st->height > CHAIN_MAX_HEIGHT) {
		r = COFFER_ERR_CHAIN_PROTOCOL;
		goto out;
	}
	if (tx_parse(&tx, raw, raw_len, 0) != 0 || tx_txid(id, &tx) != 0 || memcmp(id, txid, 32) != 0 ||
	    tx_check(&tx) != 0) {
		r = COFFER_ERR_CHAIN_PROTOCOL;	/* bytes that are not the tx asked for */
		goto out;
	}
	if (raw_len > CHAIN_MAX_SYNC_BYTES - s->raw_bytes) {
		r = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = txs_reserve(s)) != 0)
		goto out;
	if (s->req->settled_height != 0 && st->height != 0 && st->height <= s->req->settled_height)
		s->settled_new++;
	s->raw_bytes += raw_len;
	for (o = 0; o < tx.n_out; o++) {
		uint32_t d, k;

		if (chain_scan_lookup(s, &d, &k, tx.out[o].script_pubkey, tx.out[o].script_pubkey_len))
			chain_scan_mark_used(s, d, k);
	}
	pos = s->n_txs++;
	memset(&s->txs[pos], 0, sizeof(s->txs[pos]));
	memcpy(s->txs[pos].txid, txid, 32);
	s->txs[pos].status = *st;
	s->txs[pos].raw = raw;
	s->txs[pos].raw_len = raw_len;
	raw = NULL;
	txmap_put(s, pos);
out:
	free(raw);
	tx_free(&tx);
	return r;
}

int
chain_scan_known_raw(const struct chain_scan *s, uint8_t **raw, size_t *len, const uint8_t txid[32])
{
	struct cbuf b;
	int r;

	*raw = NULL;
	*len = 0;
	if (s->req->known_tx == NULL)
		return COFFER_ERR_NOT_FOUND;
	cbuf_init(&b, TX_MAX_SIZE);
	if ((r = s->req->known_tx(s->req->known_arg, &b, txid)) != 0 || b.len == 0) {
		cbuf_free(&b);
		return COFFER_ERR_NOT_FOUND;
	}
	*raw = b.p;	/* the cbuf's allocation is plain malloc */
	*len = b.len;
	return 0;
}

