/*
 * PSBT internals shared by the psbt_*.c files (not part of the public API).
 */
#ifndef COFFER_BTC_PSBT_INT_H
#define COFFER_BTC_PSBT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "btc/psbt.h"

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

/* Rebuild p->tx and the v2 per-input locktimes from the maps (v2 only).
 * Returns 0, COFFER_ERR_PSBT_MISSING_FIELD or COFFER_ERR_NOMEM. */
int psbt_v2_load_tx(struct psbt *p);

#endif
