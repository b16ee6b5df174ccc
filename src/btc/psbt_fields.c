/*
 * PSBT field types: one table per map kind (in canonical write order), the key
 * shape of each type, the PSBT versions it may appear in, and a value check.
 * Every pair that enters a struct psbt passes psbt_kv_check().
 */
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "btc/hash.h"
#include "btc/psbt_int.h"
#include "btc/secp.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

#define TAPROOT_CONTROL_BASE     33
#define TAPROOT_CONTROL_NODE     32
#define TAPROOT_CONTROL_MAX_NODES 128
#define TAPROOT_LEAF_MASK        0xfe
#define LOCKTIME_THRESHOLD       500000000u

uint32_t
psbt_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t
psbt_le64(const uint8_t *p)
{
	return (uint64_t)psbt_le32(p) | (uint64_t)psbt_le32(p + 4) << 32;
}

static int
valid_pubkey(const uint8_t *p, size_t n)
{
	secp256k1_pubkey pk;

	if (n != 33 && n != 65)
		return 0;
	return secp256k1_ec_pubkey_parse(btc_secp(), &pk, p, n);
}

static int
valid_xonly(const uint8_t *p)
{
	secp256k1_xonly_pubkey xk;

	return secp256k1_xonly_pubkey_parse(btc_secp(), &xk, p);
}

int
psbt_is_der_sig(const uint8_t *sig, size_t len)
{
	size_t lr, ls;
	uint8_t ht;

	/* BIP66 IsValidSignatureEncoding; the last byte is the sighash type. */
	if (len < 9 || len > 73 || sig[0] != 0x30 || sig[1] != len - 3)
		return 0;
	lr = sig[3];
	if (5 + lr >= len)
		return 0;
	ls = sig[5 + lr];
	if (lr + ls + 7 != len)
		return 0;
	if (sig[2] != 0x02 || lr == 0 || (sig[4] & 0x80) != 0)
		return 0;
	if (lr > 1 && sig[4] == 0 && (sig[5] & 0x80) == 0)
		return 0;
	if (sig[lr + 4] != 0x02 || ls == 0 || (sig[lr + 6] & 0x80) != 0)
		return 0;
	if (ls > 1 && sig[lr + 6] == 0 && (sig[lr + 7] & 0x80) == 0)
		return 0;
	ht = (uint8_t)(sig[len - 1] & ~0x80);
	return ht >= 1 && ht <= 3;	/* STRICTENC: a defined sighash type */
}

/* --- value checks ---------------------------------------------------------- */

static int
fixed_len(const struct psbt_kv *kv, size_t n)
{
	return kv->value_len == n ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_u8(const struct psbt_kv *kv)
{
	return fixed_len(kv, 1);
}

static int
chk_u32(const struct psbt_kv *kv)
{
	return fixed_len(kv, 4);
}

static int
chk_hash32(const struct psbt_kv *kv)
{
	return fixed_len(kv, 32);
}

static int
chk_xonly(const struct psbt_kv *kv)
{
	if (kv->value_len != 32 || !valid_xonly(kv->value))
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_compact(const struct psbt_kv *kv)
{
	struct creader r;
	uint64_t v;

	creader_init(&r, kv->value, kv->value_len);
	if (creader_get_compact(&r, &v) != 0 || creader_expect_end(&r) != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_origin(const struct psbt_kv *kv)
{
	struct psbt_origin o;

	return psbt_origin_decode(&o, kv->value, kv->value_len);
}

static int
chk_tap_origin(const struct psbt_kv *kv)
{
	const uint8_t *leaves;
	size_t n;
	struct psbt_origin o;

	return psbt_tap_origin_decode(&leaves, &n, &o, kv->value, kv->value_len);
}

static int
chk_non_witness_utxo(const struct psbt_kv *kv)
{
	struct tx t;
	int ret;

	ret = tx_parse(&t, kv->value, kv->value_len, 0);
	tx_free(&t);
	if (ret == COFFER_ERR_NOMEM)
		return ret;
	return ret == 0 ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_txout(const struct psbt_kv *kv)
{
	struct creader r;
	const uint8_t *spk;
	size_t spk_len;
	int64_t amount;

	creader_init(&r, kv->value, kv->value_len);
	if (creader_get_i64le(&r, &amount) != 0 ||
	    creader_get_varbytes(&r, &spk, &spk_len, kv->value_len) != 0 ||
	    creader_expect_end(&r) != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	if (amount < 0 || amount > TX_MAX_MONEY)
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_amount(const struct psbt_kv *kv)
{
	int64_t a;

	if (kv->value_len != 8)
		return COFFER_ERR_PSBT_BAD_VALUE;
	a = (int64_t)psbt_le64(kv->value);
	return a >= 0 && a <= TX_MAX_MONEY ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_ecdsa_sig(const struct psbt_kv *kv)
{
	return psbt_is_der_sig(kv->value, kv->value_len) ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_schnorr_sig(const struct psbt_kv *kv)
{
	/* 64 bytes, or 65 with an explicit sighash type that is not 0x00 (BIP341). */
	if (kv->value_len == 64)
		return 0;
	if (kv->value_len == 65 && kv->value[64] != 0x00)
		return 0;
	return COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_witness(const struct psbt_kv *kv)
{
	struct creader r;
	uint64_t n, i;
	const uint8_t *item;
	size_t item_len;

	creader_init(&r, kv->value, kv->value_len);
	if (creader_get_compact(&r, &n) != 0 || n > creader_remaining(&r))
		return COFFER_ERR_PSBT_BAD_VALUE;
	for (i = 0; i < n; i++)
		if (creader_get_varbytes(&r, &item, &item_len, kv->value_len) != 0)
			return COFFER_ERR_PSBT_BAD_VALUE;
	return creader_expect_end(&r) == 0 ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_preimage(const struct psbt_kv *kv)
{
	uint8_t h[32];
	size_t hl = kv->type == PSBT_IN_RIPEMD160 || kv->type == PSBT_IN_HASH160 ? 20 : 32;

	switch (kv->type) {
	case PSBT_IN_RIPEMD160:
		ripemd160(h, kv->value, kv->value_len);
		break;
	case PSBT_IN_SHA256:
		sha256(h, kv->value, kv->value_len);
		break;
	case PSBT_IN_HASH160:
		hash160(h, kv->value, kv->value_len);
		break;
	default:
		sha256d(h, kv->value, kv->value_len);
		break;
	}
	return memcmp(h, psbt_kv_keydata(kv), hl) == 0 ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_time_locktime(const struct psbt_kv *kv)
{
	if (kv->value_len != 4 || psbt_le32(kv->value) < LOCKTIME_THRESHOLD)
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_height_locktime(const struct psbt_kv *kv)
{
	uint32_t v;

	if (kv->value_len != 4)
		return COFFER_ERR_PSBT_BAD_VALUE;
	v = psbt_le32(kv->value);
	return v > 0 && v < LOCKTIME_THRESHOLD ? 0 : COFFER_ERR_PSBT_BAD_VALUE;
}

static int
chk_leaf_script(const struct psbt_kv *kv)
{
	uint8_t leaf_ver;

	/* script || leaf version; the version must be the control block's. */
	if (kv->value_len < 1)
		return COFFER_ERR_PSBT_BAD_VALUE;
	leaf_ver = kv->value[kv->value_len - 1];
	if ((leaf_ver & TAPROOT_LEAF_MASK) != leaf_ver ||
	    leaf_ver != (psbt_kv_keydata(kv)[0] & TAPROOT_LEAF_MASK))
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_tap_tree(const struct psbt_kv *kv)
{
	/* Bitcoin Core's TaprootBuilder: the (depth, leaf) list must be the
	 * depth-first walk of a complete binary tree. have[d] is set while a
	 * subtree at depth d waits for its sibling. */
	uint8_t have[TAPROOT_CONTROL_MAX_NODES + 1];
	size_t size = 0;	/* entries of have[] in use */
	struct creader r;
	const uint8_t *script;
	size_t script_len;
	uint8_t depth8, leaf_ver;

	if (kv->value_len == 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	memset(have, 0, sizeof(have));
	creader_init(&r, kv->value, kv->value_len);
	while (creader_remaining(&r) > 0) {
		size_t depth;

		if (creader_get_u8(&r, &depth8) != 0 || creader_get_u8(&r, &leaf_ver) != 0 ||
		    creader_get_varbytes(&r, &script, &script_len, kv->value_len) != 0)
			return COFFER_ERR_PSBT_BAD_VALUE;
		depth = depth8;
		if (depth > TAPROOT_CONTROL_MAX_NODES || (leaf_ver & TAPROOT_LEAF_MASK) != leaf_ver)
			return COFFER_ERR_PSBT_BAD_VALUE;
		if (depth + 1 < size)
			return COFFER_ERR_PSBT_BAD_VALUE;	/* not a depth-first order */
		while (size > depth && have[depth]) {
			have[depth] = 0;
			size--;
			if (depth == 0)
				return COFFER_ERR_PSBT_BAD_VALUE;	/* above the root */
			depth--;
		}
		if (size <= depth)
			size = depth + 1;
		have[depth] = 1;
	}
	if (!(size == 1 && have[0]))
		return COFFER_ERR_PSBT_BAD_VALUE;	/* incomplete tree */
	return 0;
}

static int
chk_musig_participants(const struct psbt_kv *kv)
{
	size_t i;

	if (kv->value_len == 0 || kv->value_len % 33 != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	for (i = 0; i < kv->value_len; i += 33)
		if (!valid_pubkey(kv->value + i, 33))
			return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_musig_pubnonce(const struct psbt_kv *kv)
{
	if (kv->value_len != 66 || !valid_pubkey(kv->value, 33) || !valid_pubkey(kv->value + 33, 33))
		return COFFER_ERR_PSBT_BAD_VALUE;
	return 0;
}

static int
chk_musig_psig(const struct psbt_kv *kv)
{
	return fixed_len(kv, 32);
}

/* --- tables (canonical order: Bitcoin Core's write order) ------------------- */

#define F(t, k, f, n, c) { t, k, f, n, c }
static const struct psbt_field global_fields[] = {
	F(PSBT_GLOBAL_UNSIGNED_TX, PSBT_KF_NONE, PSBT_FV0 | PSBT_REQ_V0, "PSBT_GLOBAL_UNSIGNED_TX", NULL),
	F(PSBT_GLOBAL_XPUB, PSBT_KF_XPUB, PSBT_FV_BOTH, "PSBT_GLOBAL_XPUB", chk_origin),
	F(PSBT_GLOBAL_TX_VERSION, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_GLOBAL_TX_VERSION", chk_u32),
	F(PSBT_GLOBAL_FALLBACK_LOCKTIME, PSBT_KF_NONE, PSBT_FV2, "PSBT_GLOBAL_FALLBACK_LOCKTIME", chk_u32),
	F(PSBT_GLOBAL_INPUT_COUNT, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_GLOBAL_INPUT_COUNT",
	    chk_compact),
	F(PSBT_GLOBAL_OUTPUT_COUNT, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_GLOBAL_OUTPUT_COUNT",
	    chk_compact),
	F(PSBT_GLOBAL_TX_MODIFIABLE, PSBT_KF_NONE, PSBT_FV2, "PSBT_GLOBAL_TX_MODIFIABLE", chk_u8),
	F(PSBT_GLOBAL_VERSION, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_GLOBAL_VERSION", chk_u32),
	F(PSBT_GLOBAL_PROPRIETARY, PSBT_KF_PROPRIETARY, PSBT_FV_BOTH, "PSBT_GLOBAL_PROPRIETARY", NULL),
};

static const struct psbt_field input_fields[] = {
	F(PSBT_IN_NON_WITNESS_UTXO, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_NON_WITNESS_UTXO",
	    chk_non_witness_utxo),
	F(PSBT_IN_WITNESS_UTXO, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_WITNESS_UTXO", chk_txout),
	F(PSBT_IN_PARTIAL_SIG, PSBT_KF_PUBKEY, PSBT_FV_BOTH, "PSBT_IN_PARTIAL_SIG", chk_ecdsa_sig),
	F(PSBT_IN_SIGHASH_TYPE, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_SIGHASH_TYPE", chk_u32),
	F(PSBT_IN_REDEEM_SCRIPT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_REDEEM_SCRIPT", NULL),
	F(PSBT_IN_WITNESS_SCRIPT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_WITNESS_SCRIPT", NULL),
	F(PSBT_IN_BIP32_DERIVATION, PSBT_KF_PUBKEY, PSBT_FV_BOTH, "PSBT_IN_BIP32_DERIVATION",
	    chk_origin),
	F(PSBT_IN_RIPEMD160, PSBT_KF_HASH20, PSBT_FV_BOTH, "PSBT_IN_RIPEMD160", chk_preimage),
	F(PSBT_IN_SHA256, PSBT_KF_HASH32, PSBT_FV_BOTH, "PSBT_IN_SHA256", chk_preimage),
	F(PSBT_IN_HASH160, PSBT_KF_HASH20, PSBT_FV_BOTH, "PSBT_IN_HASH160", chk_preimage),
	F(PSBT_IN_HASH256, PSBT_KF_HASH32, PSBT_FV_BOTH, "PSBT_IN_HASH256", chk_preimage),
	F(PSBT_IN_PREVIOUS_TXID, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_IN_PREVIOUS_TXID",
	    chk_hash32),
	F(PSBT_IN_OUTPUT_INDEX, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_IN_OUTPUT_INDEX", chk_u32),
	F(PSBT_IN_SEQUENCE, PSBT_KF_NONE, PSBT_FV2, "PSBT_IN_SEQUENCE", chk_u32),
	F(PSBT_IN_REQUIRED_TIME_LOCKTIME, PSBT_KF_NONE, PSBT_FV2, "PSBT_IN_REQUIRED_TIME_LOCKTIME",
	    chk_time_locktime),
	F(PSBT_IN_REQUIRED_HEIGHT_LOCKTIME, PSBT_KF_NONE, PSBT_FV2, "PSBT_IN_REQUIRED_HEIGHT_LOCKTIME",
	    chk_height_locktime),
	F(PSBT_IN_TAP_KEY_SIG, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_TAP_KEY_SIG", chk_schnorr_sig),
	F(PSBT_IN_TAP_SCRIPT_SIG, PSBT_KF_XONLY_LEAF, PSBT_FV_BOTH, "PSBT_IN_TAP_SCRIPT_SIG",
	    chk_schnorr_sig),
	F(PSBT_IN_TAP_LEAF_SCRIPT, PSBT_KF_CONTROL, PSBT_FV_BOTH, "PSBT_IN_TAP_LEAF_SCRIPT",
	    chk_leaf_script),
	F(PSBT_IN_TAP_BIP32_DERIVATION, PSBT_KF_XONLY, PSBT_FV_BOTH, "PSBT_IN_TAP_BIP32_DERIVATION",
	    chk_tap_origin),
	F(PSBT_IN_TAP_INTERNAL_KEY, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_TAP_INTERNAL_KEY", chk_xonly),
	F(PSBT_IN_TAP_MERKLE_ROOT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_TAP_MERKLE_ROOT", chk_hash32),
	F(PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS, PSBT_KF_PUBKEY33, PSBT_FV_BOTH,
	    "PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS", chk_musig_participants),
	F(PSBT_IN_MUSIG2_PUB_NONCE, PSBT_KF_MUSIG, PSBT_FV_BOTH, "PSBT_IN_MUSIG2_PUB_NONCE",
	    chk_musig_pubnonce),
	F(PSBT_IN_MUSIG2_PARTIAL_SIG, PSBT_KF_MUSIG, PSBT_FV_BOTH, "PSBT_IN_MUSIG2_PARTIAL_SIG",
	    chk_musig_psig),
	/* Core writes the final fields after everything else it knows. */
	F(PSBT_IN_FINAL_SCRIPTSIG, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_FINAL_SCRIPTSIG", NULL),
	F(PSBT_IN_FINAL_SCRIPTWITNESS, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_FINAL_SCRIPTWITNESS",
	    chk_witness),
	F(PSBT_IN_POR_COMMITMENT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_IN_POR_COMMITMENT", NULL),
	F(PSBT_IN_PROPRIETARY, PSBT_KF_PROPRIETARY, PSBT_FV_BOTH, "PSBT_IN_PROPRIETARY", NULL),
};

static const struct psbt_field output_fields[] = {
	F(PSBT_OUT_REDEEM_SCRIPT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_OUT_REDEEM_SCRIPT", NULL),
	F(PSBT_OUT_WITNESS_SCRIPT, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_OUT_WITNESS_SCRIPT", NULL),
	F(PSBT_OUT_BIP32_DERIVATION, PSBT_KF_PUBKEY, PSBT_FV_BOTH, "PSBT_OUT_BIP32_DERIVATION",
	    chk_origin),
	F(PSBT_OUT_AMOUNT, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_OUT_AMOUNT", chk_amount),
	F(PSBT_OUT_SCRIPT, PSBT_KF_NONE, PSBT_FV2 | PSBT_REQ_V2, "PSBT_OUT_SCRIPT", NULL),
	F(PSBT_OUT_TAP_INTERNAL_KEY, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_OUT_TAP_INTERNAL_KEY", chk_xonly),
	F(PSBT_OUT_TAP_TREE, PSBT_KF_NONE, PSBT_FV_BOTH, "PSBT_OUT_TAP_TREE", chk_tap_tree),
	F(PSBT_OUT_TAP_BIP32_DERIVATION, PSBT_KF_XONLY, PSBT_FV_BOTH, "PSBT_OUT_TAP_BIP32_DERIVATION",
	    chk_tap_origin),
	F(PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS, PSBT_KF_PUBKEY33, PSBT_FV_BOTH,
	    "PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS", chk_musig_participants),
	F(PSBT_OUT_PROPRIETARY, PSBT_KF_PROPRIETARY, PSBT_FV_BOTH, "PSBT_OUT_PROPRIETARY", NULL),
};
#undef F

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct psbt_field *
psbt_field_lookup(enum psbt_map_kind kind, uint64_t type, unsigned int *rank)
{
	const struct psbt_field *t;
	size_t i, n;

	switch (kind) {
	case PSBT_MAP_GLOBAL:
		t = global_fields;
		n = NELEM(global_fields);
		break;
	case PSBT_MAP_INPUT:
		t = input_fields;
		n = NELEM(input_fields);
		break;
	default:
		t = output_fields;
		n = NELEM(output_fields);
		break;
	}
	for (i = 0; i < n; i++) {
		if (t[i].type == type) {
			if (rank != NULL)
				*rank = (unsigned int)i;
			return &t[i];
		}
	}
	if (rank != NULL)
		*rank = (unsigned int)n;	/* unknown types sort last */
	return NULL;
}

const char *
psbt_field_name(enum psbt_map_kind kind, uint64_t type)
{
	const struct psbt_field *f = psbt_field_lookup(kind, type, NULL);

	return f != NULL ? f->name : NULL;
}

static int
check_proprietary(const uint8_t *kd, size_t n)
{
	struct creader r;
	const uint8_t *ident;
	size_t ident_len;
	uint64_t subtype;

	creader_init(&r, kd, n);
	if (creader_get_varbytes(&r, &ident, &ident_len, n) != 0 ||
	    creader_get_compact(&r, &subtype) != 0)
		return COFFER_ERR_PSBT_BAD_KEY;
	return 0;
}

static int
check_key(const struct psbt_field *f, const struct psbt_kv *kv)
{
	const uint8_t *kd = psbt_kv_keydata(kv);
	size_t n = psbt_kv_keydata_len(kv);
	int ok;

	switch (f->keyfmt) {
	case PSBT_KF_NONE:
		ok = n == 0;
		break;
	case PSBT_KF_PUBKEY:
		ok = valid_pubkey(kd, n);
		break;
	case PSBT_KF_PUBKEY33:
		ok = n == 33 && valid_pubkey(kd, n);
		break;
	case PSBT_KF_XONLY:
		ok = n == 32 && valid_xonly(kd);
		break;
	case PSBT_KF_XONLY_LEAF:
		ok = n == 64 && valid_xonly(kd);
		break;
	case PSBT_KF_CONTROL:
		ok = n >= TAPROOT_CONTROL_BASE &&
		    n <= TAPROOT_CONTROL_BASE + TAPROOT_CONTROL_NODE * TAPROOT_CONTROL_MAX_NODES &&
		    (n - TAPROOT_CONTROL_BASE) % TAPROOT_CONTROL_NODE == 0 && valid_xonly(kd + 1);
		break;
	case PSBT_KF_HASH20:
		ok = n == 20;
		break;
	case PSBT_KF_HASH32:
		ok = n == 32;
		break;
	case PSBT_KF_XPUB:
		ok = n == 78 && valid_pubkey(kd + 45, 33);
		break;
	case PSBT_KF_MUSIG:
		ok = (n == 66 || n == 98) && valid_pubkey(kd, 33) && valid_pubkey(kd + 33, 33);
		break;
	case PSBT_KF_PROPRIETARY:
		return check_proprietary(kd, n);
	default:
		ok = 1;
		break;
	}
	return ok ? 0 : COFFER_ERR_PSBT_BAD_KEY;
}

int
psbt_kv_check(enum psbt_map_kind kind, uint32_t version, const struct psbt_kv *kv)
{
	const struct psbt_field *f = psbt_field_lookup(kind, kv->type, NULL);
	uint8_t vbit = version == 2 ? PSBT_FV2 : PSBT_FV0;
	int ret;

	if (f == NULL)
		return 0;	/* unknown: kept as is */
	if ((ret = check_key(f, kv)) != 0)
		return ret;
	if ((f->flags & vbit) == 0)
		return COFFER_ERR_PSBT_FIELD_VERSION;
	return f->check != NULL ? f->check(kv) : 0;
}

static int
bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* Bitcoin Core's map orders, where they are not the key bytes: partial
 * signatures by HASH160 of the key (CKeyID), leaf scripts by script size, then
 * script, then leaf version (prevector compares sizes first), then control
 * block, global xpubs by key origin. */
static int
type_cmp(enum psbt_map_kind kind, const struct psbt_kv *a, const struct psbt_kv *b)
{
	if (kind == PSBT_MAP_INPUT && a->type == PSBT_IN_PARTIAL_SIG) {
		uint8_t ha[20], hb[20];

		hash160(ha, psbt_kv_keydata(a), psbt_kv_keydata_len(a));
		hash160(hb, psbt_kv_keydata(b), psbt_kv_keydata_len(b));
		return memcmp(ha, hb, 20);
	}
	if (kind == PSBT_MAP_INPUT && a->type == PSBT_IN_TAP_LEAF_SCRIPT) {
		int c;

		if (a->value_len != b->value_len)
			return a->value_len < b->value_len ? -1 : 1;
		if ((c = memcmp(a->value, b->value, a->value_len)) != 0)
			return c;
	}
	if (kind == PSBT_MAP_GLOBAL && a->type == PSBT_GLOBAL_XPUB) {
		int c = memcmp(a->value, b->value, 4);
		size_t i;

		if (c != 0)
			return c;
		for (i = 4; i + 4 <= a->value_len && i + 4 <= b->value_len; i += 4)
			if (psbt_le32(a->value + i) != psbt_le32(b->value + i))
				return psbt_le32(a->value + i) < psbt_le32(b->value + i) ? -1 : 1;
		if (a->value_len != b->value_len)
			return a->value_len < b->value_len ? -1 : 1;
	}
	return bytes_cmp(a->key, a->key_len, b->key, b->key_len);
}

int
psbt_kv_cmp(enum psbt_map_kind kind, const struct psbt_kv *a, const struct psbt_kv *b)
{
	unsigned int ra, rb;

	(void)psbt_field_lookup(kind, a->type, &ra);
	(void)psbt_field_lookup(kind, b->type, &rb);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->type != b->type)	/* two unknown types: by key bytes */
		return bytes_cmp(a->key, a->key_len, b->key, b->key_len);
	return type_cmp(kind, a, b);
}

int
psbt_origin_decode(struct psbt_origin *o, const uint8_t *v, size_t n)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	if (n < 4 || n % 4 != 0 || (n - 4) / 4 > PSBT_MAX_PATH_DEPTH)
		return COFFER_ERR_PSBT_BAD_VALUE;
	memcpy(o->fingerprint, v, 4);
	o->depth = (n - 4) / 4;
	for (i = 0; i < o->depth; i++)
		o->path[i] = psbt_le32(v + 4 + 4 * i);
	return 0;
}

int
psbt_tap_origin_decode(const uint8_t **leaf_hashes, size_t *n_leaves, struct psbt_origin *o,
    const uint8_t *v, size_t n)
{
	struct creader r;
	uint64_t count;
	const uint8_t *p, *rest;
	size_t rest_len;
	int ret;

	*leaf_hashes = NULL;
	*n_leaves = 0;
	memset(o, 0, sizeof(*o));
	creader_init(&r, v, n);
	if (creader_get_compact(&r, &count) != 0 || count > creader_remaining(&r) / 32 ||
	    creader_get_ptr(&r, &p, (size_t)count * 32) != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	rest_len = creader_remaining(&r);
	if (creader_get_ptr(&r, &rest, rest_len) != 0)
		return COFFER_ERR_PSBT_BAD_VALUE;
	if ((ret = psbt_origin_decode(o, rest, rest_len)) != 0)
		return ret;
	*leaf_hashes = count > 0 ? p : NULL;
	*n_leaves = (size_t)count;
	return 0;
}
