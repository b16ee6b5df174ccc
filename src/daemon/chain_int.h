/*
 * Internals shared by the chain backends: the wallet scan (scripts derived
 * from the descriptors, transactions found, the result built from them), the
 * bounded HTTP client over libcurl, and the response parsers (exported here
 * so tests and fuzz harnesses reach them).
 */
#ifndef COFFER_DAEMON_CHAIN_INT_H
#define COFFER_DAEMON_CHAIN_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "daemon/chain.h"

/* Most scripts a sync derives per descriptor (a server claiming use at every
 * index cannot make us walk the whole 2^31 range). */
#define CHAIN_MAX_SCAN_INDEX 200000u
/* Most raw transaction bytes one sync holds (COFFER_ERR_TOO_LARGE beyond):
 * with the transaction count cap, bounds what a lying server can make us keep. */
#define CHAIN_MAX_SYNC_BYTES ((size_t)512 << 20)
/* Default cap of one response body. */
#define CHAIN_DEFAULT_MAX_RESPONSE ((size_t)32 << 20)
/* Cap of a raw transaction in hex on the wire. */
#define CHAIN_MAX_TX_HEX ((size_t)TX_MAX_SIZE * 2)

/* ---- wallet scan (chain_scan.c) ------------------------------------------ */

struct chain_spk {
	uint8_t *p;
	size_t len;
};

struct chain_scan {
	const struct chain_sync_req *req;
	uint32_t gap;
	size_t ndesc;				/* 1 or 2 */
	int ranged;
	struct chain_spk *spk[CHAIN_NDESC];	/* spk[d][i] for i < derived[d] */
	uint32_t derived[CHAIN_NDESC];
	uint32_t spk_cap[CHAIN_NDESC];
	/* open-addressing table: script -> (desc << 31 | index) + 1, 0 empty */
	uint64_t *map;
	size_t map_cap;				/* power of two */
	size_t map_n;
	struct chain_wtx *txs;
	size_t n_txs, cap_txs;
	uint64_t *txmap;			/* open addressing: tx position + 1 */
	size_t txmap_cap;
	int64_t used[CHAIN_NDESC];
	size_t raw_bytes;			/* sum of the raw transactions held */
	size_t settled_new;			/* incremental: settled transactions the caller did not know */
	uint32_t complete_height;		/* set by the backend before finish: the tip its walk began at */
};

/* Check the request and derive up to last_used + gap. Returns 0,
 * COFFER_ERR_INVALID_ARG, COFFER_ERR_UNSUPPORTED (a descriptor yielding
 * several scripts per index) or a derivation error. */
int chain_scan_init(struct chain_scan *s, const struct chain_sync_req *req);
void chain_scan_free(struct chain_scan *s);
/* Index one past the last that must be looked at for descriptor d now
 * (max(used) + 1 + gap, 1 for a non-ranged descriptor, capped). */
uint32_t chain_scan_end(const struct chain_scan *s, size_t d);
/* Make sure scripts 0 .. end-1 of descriptor d are derived. Returns 0,
 * COFFER_ERR_TOO_LARGE (over CHAIN_MAX_SCAN_INDEX) or a derivation error. */
int chain_scan_derive(struct chain_scan *s, size_t d, uint32_t end);
/* The script at (d, i); i must be < derived[d]. */
const struct chain_spk *chain_scan_script(const struct chain_scan *s, size_t d, uint32_t i);
/* Look a script up: 1 and (d, i) when it is the wallet's, else 0. */
int chain_scan_lookup(const struct chain_scan *s, uint32_t *d, uint32_t *i, const uint8_t *spk, size_t len);
/* Record use of (d, i). */
void chain_scan_mark_used(struct chain_scan *s, size_t d, uint32_t i);
/* Position of txid in s->txs, SIZE_MAX when absent. */
size_t chain_scan_tx_pos(const struct chain_scan *s, const uint8_t txid[32]);
/* 1 when txid is already in the scan. */
int chain_scan_has_tx(const struct chain_scan *s, const uint8_t txid[32]);
/* Incremental sync: 1 when a transaction at this height is settled (at or
 * below the request's settled_height) and the caller already holds it, so a
 * backend skips it (and, paging a script's history, what is older). */
int chain_scan_settled(const struct chain_scan *s, const uint8_t txid[32], uint32_t height);
/*
 * Add a transaction: raw must parse and hash to txid (else
 * COFFER_ERR_CHAIN_PROTOCOL); outputs paying the wallet mark their index used.
 * A txid already present only has its status replaced. Takes ownership of raw
 * (malloc'ed) on every path.
 */
int chain_scan_add_tx(struct chain_scan *s, const uint8_t txid[32], const struct chain_tx_status *st,
    uint8_t *raw, size_t raw_len);
/* Fetch a raw tx through the request's known_tx cache. Returns 0 (raw/len
 * malloc'ed) or COFFER_ERR_NOT_FOUND. */
int chain_scan_known_raw(const struct chain_scan *s, uint8_t **raw, size_t *len, const uint8_t txid[32]);
/* Build the result: amounts, fees, UTXOs (outputs no wallet tx spends),
 * order. Moves the transactions into out. */
int chain_scan_finish(struct chain_scan *s, struct chain_sync_result *out, const struct chain_tip *tip);

/* ---- HTTP client (chain_http.c) ------------------------------------------ */

struct chain_http {
	char *base;			/* URL without a trailing '/' */
	char *ca_file;
	char *userpwd;			/* "user:password" in secure memory, or NULL */
	size_t userpwd_len;
	long timeout_s;
	long connect_timeout_s;
	size_t max_response;
	pthread_mutex_t lock;		/* guards cached */
	void *cached;			/* a CURL easy handle kept for connection reuse */
};

struct chain_http_resp {
	long status;
	struct cbuf body;		/* capped at max_response */
};

/* Returns 0, COFFER_ERR_INVALID_ARG (URL not http(s)://), COFFER_ERR_NOMEM. */
int chain_http_init(struct chain_http *h, const struct chain_opts *o);
void chain_http_free(struct chain_http *h);
/* Set (or replace) the basic-auth credentials; the string is copied into secure memory. */
int chain_http_set_userpwd(struct chain_http *h, const char *userpwd, size_t len);
/*
 * One request to base + path. Any HTTP status is a success here (the caller
 * judges it). Returns 0, COFFER_ERR_CHAIN_UNREACHABLE (connect, DNS, TLS,
 * timeout, cut connection), COFFER_ERR_CHAIN_PROTOCOL (body over the cap or
 * malformed HTTP), COFFER_ERR_NOMEM.
 * Out: resp (init here; free with chain_http_resp_free). In: method "GET"/"POST";
 * body/len for POST (may be NULL/0); ctype: Content-Type of the body.
 */
int chain_http_request(struct chain_http *h, struct chain_http_resp *resp, const char *method,
    const char *path, const char *ctype, const uint8_t *body, size_t len);
/* The same with its own total timeout (seconds; 0: none), for slow calls such as a rescan. */
int chain_http_request_timeout(struct chain_http *h, struct chain_http_resp *resp, long timeout_s,
    const char *method, const char *path, const char *ctype, const uint8_t *body, size_t len);
void chain_http_resp_free(struct chain_http_resp *r);

/* Copy text into reason as printable ASCII (others become '?'), truncated. */
void chain_reason_copy(char *reason, size_t reasonsize, const uint8_t *p, size_t len);

/* ---- Esplora response parsers (chain_esplora_parse.c) --------------------- */

/* One entry of an address/scripthash history page. */
struct esplora_hist_entry {
	uint8_t txid[32];
	struct chain_tx_status status;
};

struct esplora_hist {
	struct esplora_hist_entry *e;
	size_t n;
	size_t n_confirmed;
	uint8_t last_confirmed[32];	/* txid of the last confirmed entry (paging) */
};

/* Most entries accepted in one history page. */
#define ESPLORA_MAX_PAGE 1000u
/* Esplora's page of confirmed history; a full page means "ask for more". */
#define ESPLORA_CHAIN_PAGE 25u

/* Decimal height, optional trailing newline. Returns 0 or COFFER_ERR_CHAIN_PROTOCOL. */
int esplora_parse_height(uint32_t *out, const uint8_t *p, size_t len);
/* 64 hex digits in display order (optional trailing newline) -> internal order. */
int esplora_parse_hash(uint8_t out[32], const uint8_t *p, size_t len);
/* /block/:hash JSON: its id must equal hash; height in range. */
int esplora_parse_block(uint32_t *height, const uint8_t hash[32], const uint8_t *p, size_t len);
/* /fee-estimates JSON for a target: the estimate of the largest target <= the
 * one asked for (else the smallest available). Returns 0,
 * COFFER_ERR_CHAIN_NO_ESTIMATE (empty), COFFER_ERR_CHAIN_PROTOCOL. Unclamped. */
int esplora_parse_fees(uint64_t *sat_kvb, const uint8_t *p, size_t len, uint32_t target);
/* /tx/:txid/status JSON. */
int esplora_parse_status(struct chain_tx_status *out, const uint8_t *p, size_t len);
/* A history page (JSON array of Esplora tx objects; only txid and status are read). */
int esplora_parse_history(struct esplora_hist *out, const uint8_t *p, size_t len);
void esplora_hist_free(struct esplora_hist *h);
/* /tx/:txid/hex body -> bytes (malloc'ed). */
int esplora_parse_tx_hex(uint8_t **raw, size_t *raw_len, const uint8_t *p, size_t len);
/*
 * Judge a POST /tx answer for a transaction whose txid we computed.
 * Returns 0 (accepted, or already known), COFFER_ERR_CHAIN_REJECTED,
 * COFFER_ERR_CHAIN_CONFLICT or COFFER_ERR_CHAIN_PROTOCOL (200 with another txid).
 */
int esplora_parse_broadcast(char *reason, size_t reasonsize, long status, const uint8_t *p, size_t len,
    const uint8_t txid[32]);

/* Classify a node's rejection text (bitcoind reject reasons, also used by
 * the bitcoind backend): 0 already known, CONFLICT, or REJECTED. */
int chain_classify_reject(const char *msg, int64_t rpc_code);

#endif
