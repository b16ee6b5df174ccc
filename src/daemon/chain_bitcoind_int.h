/*
 * bitcoind backend internals: the JSON-RPC reply parsers (exported for the
 * recorded-reply tests and the fuzz harness).
 */
#ifndef COFFER_DAEMON_CHAIN_BITCOIND_INT_H
#define COFFER_DAEMON_CHAIN_BITCOIND_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/chain_int.h"

/* bitcoind_parse_reply: the node answered with an RPC error (code, msg set). */
#define BITCOIND_RPC_ERROR 1
/* listtransactions page size we ask for, and the most entries accepted. */
#define BITCOIND_LIST_PAGE 1000
#define BITCOIND_LIST_PAGE_MAX 1000u
/* Room for "user:password" from a cookie file. */
#define BITCOIND_COOKIE_MAX 512

struct bitcoind_entry {
	uint8_t txid[32];
	struct chain_tx_status status;
};

/* A listtransactions page: n usable entries (conflicted ones dropped) out of n_entries. */
struct bitcoind_list {
	struct bitcoind_entry *e;
	size_t n;
	size_t n_entries;
};

/*
 * The JSON-RPC envelope. Returns 0 with *result (a new reference, json_decref
 * it), BITCOIND_RPC_ERROR with code/msg (printable ASCII), or
 * COFFER_ERR_CHAIN_PROTOCOL.
 */
int bitcoind_parse_reply(json_t **result, int64_t *code, char *msg, size_t msgsize, const uint8_t *p, size_t len);
/* getblockchaininfo -> tip. */
int bitcoind_parse_tip(struct chain_tip *out, const json_t *res);
/* estimatesmartfee -> sat/kvB (unclamped); COFFER_ERR_CHAIN_NO_ESTIMATE without "feerate". */
int bitcoind_parse_fee(uint64_t *sat_kvb, const json_t *res);
/* sendrawtransaction -> txid. */
int bitcoind_parse_txid(uint8_t txid[32], const json_t *res);
/* listtransactions page (tip: for nodes that omit blockheight). */
int bitcoind_parse_list(struct bitcoind_list *out, const json_t *res, uint32_t tip);
void bitcoind_list_free(struct bitcoind_list *l);
/* listsinceblock -> its "transactions" (at most CHAIN_MAX_WALLET_TXS entries). */
int bitcoind_parse_since(struct bitcoind_list *out, const json_t *res, uint32_t tip);
/* gettransaction / getrawtransaction verbose -> raw bytes (malloc'ed) and status. */
int bitcoind_parse_tx(uint8_t **raw, size_t *raw_len, struct chain_tx_status *st, int *conflicted,
    const json_t *res, uint32_t tip);
/* importdescriptors result for n requests: 0, or COFFER_ERR_CHAIN_WALLET with the node's message. */
int bitcoind_parse_import(char *msg, size_t msgsize, const json_t *res, size_t n);
/* getaddressinfo -> ismine. */
int bitcoind_parse_ismine(int *ismine, const json_t *res);
/* A cookie file's "user:password" line. Returns 0 or COFFER_ERR_CHAIN_AUTH. */
int bitcoind_parse_cookie(char *out, size_t outsize, const uint8_t *p, size_t len);

#endif
