/*
 * Chain backends: where cofferd learns about the blockchain and where it
 * broadcasts.
 *
 * A backend is a plug-in behind a small vtable (struct chain_ops), chosen at
 * start-up: Esplora over HTTP(S) (chain_esplora.c) or bitcoind JSON-RPC with a
 * watch-only descriptor wallet in the node (chain_bitcoind.c). Callers use the
 * chain_*() wrappers below, never the vtable directly: the wrappers clear
 * outputs, check arguments and apply the bounds that hold for every backend.
 *
 * Everything a backend says is hostile input. Raw transactions are only
 * accepted when they hash to the txid asked for, so the amounts and scripts
 * in a sync result come from bytes we checked; what cannot be checked without
 * headers (heights, block hashes, times, fee estimates, "unspent") is range
 * checked and bounded. A lying server can hide or delay funds, it cannot make
 * us crash, over-read, or believe an amount that a txid does not commit to.
 *
 * Error kinds are kept apart so the daemon can react: the backend could not be
 * reached (COFFER_ERR_CHAIN_UNREACHABLE: retry with backoff), it answered
 * nonsense (COFFER_ERR_CHAIN_PROTOCOL), it refused a transaction
 * (COFFER_ERR_CHAIN_REJECTED, or COFFER_ERR_CHAIN_CONFLICT when an input is
 * already spent or unknown), or the node refused our credentials
 * (COFFER_ERR_CHAIN_AUTH).
 *
 * Threads: every chain_*() call may run concurrently with the others on the
 * same struct chain (backends serialise what they share internally).
 */
#ifndef COFFER_DAEMON_CHAIN_H
#define COFFER_DAEMON_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "btc/descriptor.h"
#include "btc/network.h"
#include "btc/tx.h"

/* Wallet descriptor roles: external (receive) and internal (change). */
#define CHAIN_RECEIVE 0
#define CHAIN_CHANGE 1
#define CHAIN_NDESC 2

#define CHAIN_DEFAULT_GAP_LIMIT 20u
#define CHAIN_MAX_GAP_LIMIT 1000u
/* Highest derivation index a sync will look at (BIP32 non-hardened range). */
#define CHAIN_MAX_INDEX 0x7fffffffu
/* Most transactions one sync returns (COFFER_ERR_TOO_LARGE beyond). */
#define CHAIN_MAX_WALLET_TXS 2000000u
/* Blocks below the tip an incremental sync looks again (a reorg within this
 * depth is followed; a deeper one needs a full sync). */
#define CHAIN_REORG_MARGIN 6u
/* spent_height of an output that an unconfirmed transaction spends. */
#define CHAIN_SPENT_MEMPOOL 0x7fffffffu
/* Most transactions a single address may have in a sync (Esplora paging stops there). */
#define CHAIN_MAX_ADDRESS_TXS 20000u
/* Fee-rate bounds applied to every estimate, in sat per 1000 vbytes. */
#define CHAIN_FEE_MIN_SAT_KVB 1000u		/* 1 sat/vB */
#define CHAIN_FEE_MAX_SAT_KVB 10000000u		/* 10,000 sat/vB */
/* Most conf target accepted (Bitcoin Core's estimatesmartfee limit). */
#define CHAIN_MAX_CONF_TARGET 1008u
/* Room for a backend's rejection reason, NUL included. */
#define CHAIN_REASON_LEN 256
/* Room for an error line about the backend, NUL included. */
#define CHAIN_ERR_LEN 256
/* Highest block height believed (anything above is a protocol error). */
#define CHAIN_MAX_HEIGHT 100000000u

struct chain;

/* The best block. */
struct chain_tip {
	uint32_t height;
	uint8_t hash[32];		/* internal byte order (tx_hash_hex shows it) */
};

/* Where a transaction stands. height 0 means unconfirmed (in the mempool). */
struct chain_tx_status {
	uint32_t height;		/* 0: unconfirmed */
	uint8_t block_hash[32];		/* zero when unconfirmed */
	int64_t block_time;		/* unix seconds; 0 when unconfirmed */
};

/* One transaction fetched by txid. raw hashes to txid (checked). */
struct chain_tx {
	uint8_t txid[32];
	struct chain_tx_status status;
	uint8_t *raw;			/* malloc'ed serialisation (with witness) */
	size_t raw_len;
};

/* One wallet transaction in a sync result. */
struct chain_wtx {
	uint8_t txid[32];
	struct chain_tx_status status;
	uint8_t *raw;			/* malloc'ed; hashes to txid */
	size_t raw_len;
	int64_t received_sat;		/* sum of its outputs paying the wallet */
	int64_t spent_sat;		/* sum of wallet outputs its inputs spend (as far as known) */
	int64_t fee_sat;		/* fee when every input is the wallet's, else -1 */
};

/* One unspent wallet output. */
struct chain_utxo {
	struct tx_outpoint outpoint;
	int64_t value;			/* satoshis, 0 .. TX_MAX_MONEY */
	uint8_t *spk;			/* malloc'ed scriptPubKey */
	size_t spk_len;
	uint32_t desc;			/* CHAIN_RECEIVE or CHAIN_CHANGE */
	uint32_t index;			/* derivation index within that descriptor */
	uint32_t height;		/* 0: unconfirmed */
	uint32_t spent_height;		/* in spent[]: the spender's height (CHAIN_SPENT_MEMPOOL unconfirmed) */
};

/* A wallet output created before the sync's window that a reported transaction spends. */
struct chain_spend {
	struct tx_outpoint outpoint;
	uint32_t height;		/* the spender's height, CHAIN_SPENT_MEMPOOL when unconfirmed */
};

/*
 * Optional cache of raw transactions the caller already holds (its store).
 * Return 0 and append the serialisation to raw when known, COFFER_ERR_NOT_FOUND
 * otherwise. Anything returned is checked against the txid like a server's
 * answer, so a stale cache cannot poison the result.
 */
typedef int (*chain_known_tx_fn)(void *arg, struct cbuf *raw, const uint8_t txid[32]);
/* Incremental sync: 1 when the caller holds txid confirmed at a height <= the
 * request's settled_height (so it and everything older on that script is known). */
typedef int (*chain_settled_fn)(void *arg, const uint8_t txid[32]);

/* What to sync. */
struct chain_sync_req {
	/* Public descriptors: [CHAIN_RECEIVE] required; [CHAIN_CHANGE] may be NULL.
	 * Both ranged (wildcard) or both not. */
	const struct descriptor *desc[CHAIN_NDESC];
	/* Path alternative of each (0 for a single-path descriptor): one
	 * multipath "<0;1>" descriptor serves as both, with path 0 and 1. */
	size_t path[CHAIN_NDESC];
	/* Highest index known used or handed out per descriptor, -1 for none.
	 * The scan covers 0 .. max(last_used, found) + gap_limit. */
	int64_t last_used[CHAIN_NDESC];
	uint32_t gap_limit;		/* 0: CHAIN_DEFAULT_GAP_LIMIT; <= CHAIN_MAX_GAP_LIMIT */
	/* Earliest time the wallet can have been used (unix seconds), for a
	 * backend that must rescan (bitcoind import); 0 = unknown: from genesis. */
	int64_t birth_time;
	chain_known_tx_fn known_tx;	/* NULL: fetch every transaction */
	void *known_arg;
	/*
	 * Incremental sync (0: a full sync). The caller holds every wallet
	 * transaction confirmed at a height <= settled_height, and the effect of
	 * those on its UTXO set; the result then holds the transactions above it
	 * (and unconfirmed ones), plus any older one the caller did not have
	 * (counted in settled_new). known_tx must be set (it gives the funding
	 * transactions of the coins the new ones spend); settled may be NULL
	 * (then known_tx tells what is known, and every stored one counts as settled).
	 */
	uint32_t settled_height;
	chain_settled_fn settled;
};

/*
 * What a sync found: the wallet's whole history and UTXO set at tip (a full
 * sync), or the transactions above settled_height and their effect (incremental).
 */
struct chain_sync_result {
	struct chain_tip tip;
	uint32_t settled_height;	/* the request's; 0 for a full sync */
	/* Every wallet transaction confirmed at or below this height is in the result
	 * (the tip when the walk began: blocks found during a long walk may be missed
	 * on scripts walked earlier). The next incremental sync starts below it. */
	uint32_t complete_height;
	struct chain_wtx *txs;		/* unconfirmed first, then by height descending */
	size_t n_txs;
	/* Wallet outputs of the reported transactions that none of them spends. */
	struct chain_utxo *utxos;
	size_t n_utxos;
	/* Wallet outputs of the reported transactions that another reported one
	 * spends, when that spender is within CHAIN_REORG_MARGIN of the tip or
	 * unconfirmed (a caller keeping a UTXO set needs them to undo a reorg). */
	struct chain_utxo *spent;
	size_t n_spent;
	/* Incremental: older wallet outputs (not in txs) the reported transactions spend. */
	struct chain_spend *spends;
	size_t n_spends;
	/* Incremental: transactions at or below settled_height the caller did not
	 * know (found on a new address, say); a caller keeping a UTXO set should
	 * sync in full then. */
	size_t settled_new;
	/* New highest used index per descriptor (-1: none), >= the request's
	 * last_used values the backend saw used; the caller persists these. */
	int64_t last_used[CHAIN_NDESC];
};

/* The backend vtable. Implementations get cleared outputs and checked inputs. */
struct chain_ops {
	const char *name;		/* "esplora", "bitcoind" */
	int (*tip)(struct chain *c, struct chain_tip *out);
	int (*fee_estimate)(struct chain *c, uint64_t *sat_kvb, uint32_t conf_target);
	int (*broadcast)(struct chain *c, char *reason, size_t reasonsize, const uint8_t *raw,
	    size_t raw_len);
	int (*get_tx)(struct chain *c, struct chain_tx *out, const uint8_t txid[32]);
	int (*sync)(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req);
	void (*free)(struct chain *c);
};

/* Common head of every backend object (backends embed it first). */
struct chain {
	const struct chain_ops *ops;
	enum btc_network network;
};

/* Options for the backend constructors. Strings are copied. */
struct chain_opts {
	enum btc_network network;
	const char *url;		/* Esplora base URL ("https://host/api") or bitcoind RPC URL */
	const char *rpc_cookie_file;	/* bitcoind: cookie file, or NULL */
	const char *rpc_user;		/* bitcoind: user/password, or NULL */
	const char *rpc_password;	/* secret: copied into guarded memory */
	const char *ca_file;		/* extra CA bundle for TLS, or NULL for the system's */
	const char *wallet_name;	/* bitcoind: node wallet name; NULL derives one */
	unsigned int timeout_s;		/* per request; 0: 30 s */
	unsigned int connect_timeout_s;	/* 0: 10 s */
	size_t max_response;		/* bytes per response; 0: the backend's default */
};

/* Name of the backend ("esplora"). */
const char *chain_name(const struct chain *c);

/*
 * The best block.
 * Returns 0, COFFER_ERR_CHAIN_UNREACHABLE, COFFER_ERR_CHAIN_PROTOCOL or
 * COFFER_ERR_CHAIN_AUTH. Out: out (zero on failure). In: c.
 */
int chain_tip(struct chain *c, struct chain_tip *out);

/*
 * Fee rate for confirmation within conf_target blocks, clamped to
 * [CHAIN_FEE_MIN_SAT_KVB, CHAIN_FEE_MAX_SAT_KVB].
 * Returns 0, COFFER_ERR_INVALID_ARG (target 0 or > CHAIN_MAX_CONF_TARGET),
 * COFFER_ERR_CHAIN_NO_ESTIMATE (the backend has none, as on a fresh regtest),
 * or a transport error. Out: sat_kvb (0 on failure). In: c, conf_target.
 */
int chain_fee_estimate(struct chain *c, uint64_t *sat_kvb, uint32_t conf_target);

/*
 * Broadcast a signed transaction. A transaction the backend already has (in
 * its mempool or chain) counts as success, so re-broadcast after a crash is
 * safe. The txid is computed here from the bytes, never taken from the server.
 * Returns 0, COFFER_ERR_BAD_TX (does not parse), COFFER_ERR_CHAIN_REJECTED
 * (reason says why), COFFER_ERR_CHAIN_CONFLICT (an input is spent or
 * unknown), COFFER_ERR_CHAIN_UNREACHABLE, COFFER_ERR_CHAIN_PROTOCOL,
 * COFFER_ERR_CHAIN_AUTH.
 * Out: txid (internal order; zero on failure); reason: the backend's words,
 *      printable ASCII, "" when none (may be NULL with reasonsize 0).
 * In: c; raw/raw_len: the transaction.
 */
int chain_broadcast(struct chain *c, uint8_t txid[32], char *reason, size_t reasonsize,
    const uint8_t *raw, size_t raw_len);

/*
 * Fetch one transaction and its status.
 * Returns 0, COFFER_ERR_NOT_FOUND, COFFER_ERR_CHAIN_PROTOCOL (e.g. the bytes
 * do not hash to txid) or a transport error.
 * Out: out (free with chain_tx_free; empty on failure). In: c, txid (internal order).
 */
int chain_get_tx(struct chain *c, struct chain_tx *out, const uint8_t txid[32]);
void chain_tx_free(struct chain_tx *t);

/*
 * Find the wallet's transactions and unspent outputs.
 * Returns 0, COFFER_ERR_INVALID_ARG (bad request), COFFER_ERR_TOO_LARGE
 * (over CHAIN_MAX_WALLET_TXS), a descriptor derivation error, or a backend
 * error. Out: out (free with chain_sync_result_free; empty on failure).
 * In: c, req.
 */
int chain_sync(struct chain *c, struct chain_sync_result *out, const struct chain_sync_req *req);
void chain_sync_result_free(struct chain_sync_result *r);

/* Release a backend (NULL allowed); wipes its credentials. */
void chain_free(struct chain *c);

/*
 * Backend constructors. No network traffic happens here: an unreachable
 * backend is reported by the first call, so the daemon can start anyway.
 * Returns 0, COFFER_ERR_INVALID_ARG (URL missing or not http(s), both or
 * neither of cookie and user/password for bitcoind), COFFER_ERR_NOMEM.
 * Out: out (NULL on failure). In: o.
 */
int chain_esplora_new(struct chain **out, const struct chain_opts *o);
int chain_bitcoind_new(struct chain **out, const struct chain_opts *o);

#endif
