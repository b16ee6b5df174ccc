/*
 * The signer's spending policy and its 24-hour spend ledger (docs/POLICY.md).
 *
 * struct signer_policy holds the rules the signer enforces on itself: kill
 * switch, maximum per payment, rolling 24-hour maximum, destination
 * allowlist, maximum absolute fee and fee rate, and the amount above which
 * each signature needs the passphrase. Limits are integer satoshis; 0 means
 * "no limit" (for the passphrase threshold: "never").
 *
 * A policy comes from JSON (policy_from_json: strict, every unknown key or bad
 * value an error that quotes the key) or from the compact binary form kept in
 * the sealed state file (policy_decode). Both validate every allowlist entry
 * for the policy's network and expand it, once, into a sorted set of
 * scriptPubKey hashes, so judging a destination is a binary search: an
 * address contributes its scriptPubKey; a descriptor contributes every script
 * it derives at indexes 0 .. allowlist_range-1 on each of its paths.
 *
 * struct signer_ledger remembers what was signed: (time, amount) pairs, pruned
 * once older than 24 hours and bounded in count (when full, the two oldest
 * entries merge into one at the later time, which keeps the amount in the
 * window at least as long: conservative, never refusing).
 */
#ifndef COFFER_SIGNER_POLICY_H
#define COFFER_SIGNER_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"
#include "common/buf.h"

#define POLICY_MAX_ALLOWLIST   64		/* entries */
#define POLICY_MAX_ENTRY_LEN   2048		/* characters in one entry */
#define POLICY_MAX_JSON        ((size_t)256 << 10)	/* policy JSON bytes */
#define POLICY_DEFAULT_RANGE   100		/* descriptor indexes allowed by default */
#define POLICY_MAX_RANGE       10000		/* largest allowlist_range */
/* Most scripts all descriptor entries together may expand to (paths x range). */
#define POLICY_MAX_EXPANSION   20000
/* Binary form version byte (policy_encode). */
#define POLICY_ENCODING_V1     1

#define LEDGER_MAX_ENTRIES     1024
#define LEDGER_WINDOW_SECS     86400u		/* 24 hours */
#define LEDGER_ENCODING_V1     1

/* Largest reason string a policy or judge error carries (with NUL). */
#define POLICY_ERRMSG_LEN      256

struct descriptor;

/* One allowlist entry as written by the user, and what it parsed to. */
struct policy_allow {
	char *text;			/* NUL-terminated, as given (heap) */
	int is_descriptor;		/* 0: address, 1: descriptor */
};

struct signer_policy {
	enum btc_network net;		/* addresses and descriptors belong to it */
	int kill_switch;		/* 1: refuse every signature */
	uint64_t max_per_payment_sat;	/* 0: no limit */
	uint64_t max_24h_sat;		/* 0: no limit */
	uint64_t max_fee_sat;		/* 0: no limit */
	uint64_t max_feerate_sat_vb;	/* 0: no limit */
	uint64_t passphrase_threshold_sat; /* 0: never */
	uint32_t allowlist_range;	/* descriptor indexes 0 .. range-1 */
	size_t n_allow;			/* 0: any destination */
	struct policy_allow allow[POLICY_MAX_ALLOWLIST];
	/* Expansion of the allowlist: sorted SHA-256 of allowed scriptPubKeys. */
	uint8_t (*spk_hashes)[32];
	size_t n_spk_hashes;
};

struct ledger_entry {
	uint64_t time;			/* unix seconds */
	uint64_t amount_sat;
};

struct signer_ledger {
	size_t n;			/* entries, oldest first */
	struct ledger_entry e[LEDGER_MAX_ENTRIES];
};

/* --- Policy -------------------------------------------------------------- */

/*
 * The default policy: no limits, no allowlist, kill switch off.
 * Out: p (any previous contents are NOT freed: use on fresh memory).
 * In:  net.
 */
void policy_init(struct signer_policy *p, enum btc_network net);

/* Release what a policy owns and leave it as policy_init(p, p->net) does. */
void policy_free(struct signer_policy *p);

/*
 * Deep copy (expansion included).
 * Returns 0 or COFFER_ERR_NOMEM. Out: dst (initialised here; default on failure). In: src.
 */
int policy_copy(struct signer_policy *dst, const struct signer_policy *src);

/*
 * Parse and validate a policy from JSON:
 *   {"kill_switch": false, "max_per_payment_sat": 0, "max_24h_sat": 0,
 *    "max_fee_sat": 0, "max_feerate_sat_vb": 0, "passphrase_threshold_sat": 0,
 *    "allowlist": ["bc1q...", "wpkh([...]xpub.../0/" "*)"], "allowlist_range": 100}
 * Every key is optional (defaults as policy_init); "version": 1 is accepted.
 * Amounts are JSON integers in satoshis (0 .. 21e14); strings, reals,
 * negatives are refused.
 * Returns 0;
 *   COFFER_ERR_BAD_JSON (does not parse / not an object / duplicate key);
 *   COFFER_ERR_TOO_LARGE (over POLICY_MAX_JSON, too many entries, an entry
 *     too long, or the descriptors expand to over POLICY_MAX_EXPANSION scripts);
 *   COFFER_ERR_POLICY_UNKNOWN_KEY; COFFER_ERR_POLICY_BAD_VALUE;
 *   COFFER_ERR_POLICY_BAD_ENTRY (an entry is neither an address nor a
 *     descriptor of this network, or it repeats another); COFFER_ERR_NOMEM.
 * Out:  p (initialised here; default on failure);
 *       errmsg[POLICY_ERRMSG_LEN] (may be NULL): on failure, what and which
 *       key, e.g. `max_fee_sat: must be an integer number of satoshis`.
 * In:   json/len (need not be NUL-terminated); net: the wallet's network.
 */
int policy_from_json(struct signer_policy *p, char *errmsg, const char *json, size_t len,
    enum btc_network net);

/*
 * Write a policy as canonical JSON (keys in the order above, compact, all
 * keys present), NUL-terminated (out->len excludes the NUL).
 * Returns 0 or a cbuf error. Out: out (appended). In: p.
 */
int policy_to_json(struct cbuf *out, const struct signer_policy *p);

/*
 * Compact binary form (for the sealed state): u8 version (1), u8 network,
 * u8 flags (bit 0 kill switch), u64le x5 limits (per payment, 24 h, fee,
 * fee rate, passphrase threshold), u32le allowlist_range, u8 n_allow, then
 * per entry u8 kind (0 address, 1 descriptor) and CompactSize-prefixed text.
 * Returns 0 or a cbuf error. Out: out (appended). In: p.
 */
int policy_encode(struct cbuf *out, const struct signer_policy *p);

/*
 * Decode and validate the binary form (hostile bytes: the same checks as
 * policy_from_json, plus the version and the network byte).
 * Returns 0; COFFER_ERR_POLICY_ENCODING (version, network, flags, kind or
 *   truncation); the entry errors of policy_from_json; COFFER_ERR_TRAILING;
 *   COFFER_ERR_NOMEM.
 * Out:  p (initialised here; default on failure).
 * In:   r: reader positioned at the policy (advanced past it on success);
 *       net: the network the policy must belong to.
 */
int policy_decode(struct signer_policy *p, struct creader *r, enum btc_network net);

/*
 * Whether a scriptPubKey is allowed by the allowlist: 1 when the allowlist
 * is empty or the script is one of its expansion, else 0.
 */
int policy_allows_spk(const struct signer_policy *p, const uint8_t *spk, size_t spk_len);

/* --- Ledger -------------------------------------------------------------- */

/* An empty ledger. */
void ledger_init(struct signer_ledger *l);

/*
 * Sum of the amounts charged within the 24 hours before now: entries with
 * now - LEDGER_WINDOW_SECS < time (entries "from the future", after a clock
 * step back, count too). Saturates at UINT64_MAX.
 */
uint64_t ledger_window_total(const struct signer_ledger *l, uint64_t now);

/*
 * Record a spend at now: drop entries that left the window, then append
 * (merging the two oldest when full). A time earlier than the newest entry
 * is recorded at the newest entry's time (the ledger stays ordered).
 * Returns 0 or COFFER_ERR_INVALID_ARG (amount 0 is a no-op returning 0).
 * Args: l. In: now; amount_sat.
 */
int ledger_charge(struct signer_ledger *l, uint64_t now, uint64_t amount_sat);

/* Drop entries that left the window at now. */
void ledger_prune(struct signer_ledger *l, uint64_t now);

/*
 * Binary form: u8 version (1), u16le n, then n x (u64le time, u64le amount),
 * times non-decreasing.
 * Returns 0 or a cbuf error. Out: out (appended). In: l.
 */
int ledger_encode(struct cbuf *out, const struct signer_ledger *l);

/*
 * Decode (hostile bytes). Returns 0 or COFFER_ERR_POLICY_ENCODING (version,
 * count over LEDGER_MAX_ENTRIES, times out of order, truncation).
 * Out: l (cleared on entry). In: r (advanced past the ledger on success).
 */
int ledger_decode(struct signer_ledger *l, struct creader *r);

/* --- The sealed-state blob ------------------------------------------------ */

/*
 * The blob state.h stores: u8 blob version (1), policy_encode, ledger_encode.
 * Returns 0 or a cbuf error. Out: out (appended; a secret cbuf is wise). In: p, l.
 */
int policy_state_encode(struct cbuf *out, const struct signer_policy *p,
    const struct signer_ledger *l);

/*
 * Decode a blob from policy_state_encode; must consume every byte.
 * Returns 0, COFFER_ERR_POLICY_ENCODING, COFFER_ERR_TRAILING, or the errors
 * of policy_decode / ledger_decode.
 * Out: p (initialised here), l (cleared). In: blob[len]; net.
 */
int policy_state_decode(struct signer_policy *p, struct signer_ledger *l, const uint8_t *blob,
    size_t len, enum btc_network net);

#endif
