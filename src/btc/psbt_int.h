/*
 * PSBT internals shared by the psbt_*.c files (not part of the public API).
 */
#ifndef COFFER_BTC_PSBT_INT_H
#define COFFER_BTC_PSBT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "btc/psbt.h"
#include "btc/script.h"
#include "btc/tx.h"
#include "common/buf.h"

struct sighash_cache;

/* Which PSBT versions a field may appear in, and where it is required. */
#define PSBT_FV0      0x01
#define PSBT_FV2      0x02
#define PSBT_FV_BOTH  (PSBT_FV0 | PSBT_FV2)
#define PSBT_REQ_V0   0x04
#define PSBT_REQ_V2   0x08

/* Shapes of key data. */
enum psbt_keyfmt {
	PSBT_KF_NONE = 0,	/* the key is the type alone */
	PSBT_KF_PUBKEY,		/* 33- or 65-byte valid public key */
	PSBT_KF_PUBKEY33,	/* 33-byte valid compressed public key */
	PSBT_KF_XONLY,		/* 32-byte valid x-only key */
	PSBT_KF_XONLY_LEAF,	/* x-only key then a 32-byte leaf hash */
	PSBT_KF_CONTROL,	/* taproot control block */
	PSBT_KF_HASH20,
	PSBT_KF_HASH32,
	PSBT_KF_XPUB,		/* 78-byte serialised extended public key */
	PSBT_KF_MUSIG,		/* participant key, aggregate key [, leaf hash] */
	PSBT_KF_PROPRIETARY,	/* identifier, subtype, key data */
	PSBT_KF_ANY,		/* unknown type: anything */
};

struct psbt_field {
	uint8_t type;
	uint8_t keyfmt;		/* enum psbt_keyfmt */
	uint8_t flags;		/* PSBT_FV* | PSBT_REQ_* */
	const char *name;
	/* Value check: 0, COFFER_ERR_PSBT_BAD_VALUE or COFFER_ERR_NOMEM. NULL: any value. */
	int (*check)(const struct psbt_kv *kv);
};

/* The field definition of a type, or NULL for unknown types. *rank (may be
 * NULL) receives its position in canonical order. */
const struct psbt_field *psbt_field_lookup(enum psbt_map_kind kind, uint64_t type,
    unsigned int *rank);

/* Check one pair for a map of `kind` in a PSBT of `version` (key shape,
 * value, allowed version). Returns 0 or a psbt_parse() error code. */
int psbt_kv_check(enum psbt_map_kind kind, uint32_t version, const struct psbt_kv *kv);

/* Canonical order of two pairs of one map: <0, 0, >0. */
int psbt_kv_cmp(enum psbt_map_kind kind, const struct psbt_kv *a, const struct psbt_kv *b);

/* Build a pair (one allocation). Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int psbt_kv_make(struct psbt_kv *kv, uint64_t type, const uint8_t *keydata, size_t keydata_len,
    const uint8_t *value, size_t value_len);
/* Build a pair from a whole serialised key. Returns 0, COFFER_ERR_PSBT_BAD_KEY
 * (empty key), COFFER_ERR_NONCANONICAL, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int psbt_kv_make_raw(struct psbt_kv *kv, const uint8_t *key, size_t key_len,
    const uint8_t *value, size_t value_len);
void psbt_kv_free(struct psbt_kv *kv);

/* Key data of a pair. */
static inline const uint8_t *
psbt_kv_keydata(const struct psbt_kv *kv)
{
	return kv->key + kv->keydata_off;
}
static inline size_t
psbt_kv_keydata_len(const struct psbt_kv *kv)
{
	return kv->key_len - kv->keydata_off;
}

void psbt_map_free(struct psbt_map *m);
int psbt_map_copy(struct psbt_map *dst, const struct psbt_map *src);
/* Append (parse order) or insert at the canonical position; the map takes
 * ownership of kv on success only. Returns 0, COFFER_ERR_TOO_LARGE or COFFER_ERR_NOMEM. */
int psbt_map_append(struct psbt_map *m, struct psbt_kv *kv);
int psbt_map_insert_sorted(struct psbt_map *m, enum psbt_map_kind kind, struct psbt_kv *kv);
/* Find a pair with the same whole key. */
struct psbt_kv *psbt_map_find_key(const struct psbt_map *m, const uint8_t *key, size_t key_len);
/* COFFER_ERR_PSBT_DUP_KEY if two pairs share a key, else 0 (or COFFER_ERR_NOMEM). */
int psbt_map_check_dups(const struct psbt_map *m);
/* Insert or replace without checks (caller validated). Takes ownership on success. */
int psbt_map_put(struct psbt_map *m, enum psbt_map_kind kind, struct psbt_kv *kv);

/* Little-endian readers for fixed-size values that were already checked. */
uint32_t psbt_le32(const uint8_t *p);
uint64_t psbt_le64(const uint8_t *p);

/* Strict DER ECDSA signature plus a defined sighash byte (BIP66 + STRICTENC). */
int psbt_is_der_sig(const uint8_t *sig, size_t len);

/* --- Spend analysis (psbt_spend.c) --- */

enum psbt_spend_kind {
	PSBT_SPEND_UNKNOWN = 0,	/* unknown witness version, P2SH without its script, ... */
	PSBT_SPEND_LEGACY,	/* P2PKH, P2PK, bare multisig, P2SH of those */
	PSBT_SPEND_WPKH,	/* P2WPKH, P2SH-P2WPKH */
	PSBT_SPEND_WSH,		/* P2WSH, P2SH-P2WSH */
	PSBT_SPEND_TAPROOT,	/* P2TR */
};

struct psbt_spend {
	int64_t amount;
	struct cbuf spk;		/* the spent scriptPubKey (owned) */
	int source;			/* PSBT_IN_NON_WITNESS_UTXO or PSBT_IN_WITNESS_UTXO */
	struct script_info spk_info;
	int nested;			/* spk is P2SH and rs its checked redeem script */
	const uint8_t *rs;		/* into the PSBT */
	size_t rs_len;
	struct script_info rs_info;
	const uint8_t *ws;		/* into the PSBT; checked against the program */
	size_t ws_len;
	int missing_script;		/* a redeem or witness script is needed but absent */
	enum psbt_spend_kind kind;
};

/* Work out input i's spend, with the checks every signer must make: UTXO data
 * consistent (psbt_input_utxo), redeem/witness scripts hashing to what they
 * must, a witness UTXO only for witness spends. s is valid (free it) whatever
 * the result. Returns 0, COFFER_ERR_MISSING_UTXO, COFFER_ERR_PSBT_UTXO_MISMATCH,
 * COFFER_ERR_PSBT_SCRIPT_MISMATCH, COFFER_ERR_NOMEM. */
int psbt_spend_analyse(struct psbt_spend *s, const struct psbt *p, size_t i);
void psbt_spend_free(struct psbt_spend *s);
/* The script that holds the keys: witness script, redeem script or spk. */
const uint8_t *psbt_spend_script(const struct psbt_spend *s, size_t *len);
/* Whether the spend commits to this ECDSA key (by hash or as a push). */
int psbt_spend_uses_key(const struct psbt_spend *s, const uint8_t *pub, size_t pub_len);
/* Whether a script pushes exactly these bytes somewhere. */
int psbt_script_has_push(const uint8_t *script, size_t len, const uint8_t *data, size_t n);
/* ECDSA sighash of a LEGACY/WPKH/WSH spend. */
int psbt_spend_sighash_ecdsa(uint8_t msg[32], const struct psbt_spend *s, const struct tx *tx,
    const struct sighash_cache *c, size_t i, uint32_t hash_type);
/* The outputs every input spends (all must be known), for BIP341. */
int psbt_spent_outputs(struct tx_out **out, const struct psbt *p);
void psbt_spent_free(struct tx_out *spent, size_t n);
/* PSBT_IN_SIGHASH_TYPE or the default; COFFER_ERR_BAD_SIGHASH_TYPE if undefined. */
int psbt_sighash_type(uint32_t *out, const struct psbt_map *m, int taproot);

/* Rebuild p->tx and the v2 per-input locktimes from the maps (v2 only).
 * Returns 0, COFFER_ERR_PSBT_MISSING_FIELD or COFFER_ERR_NOMEM. */
int psbt_v2_load_tx(struct psbt *p);

#endif
