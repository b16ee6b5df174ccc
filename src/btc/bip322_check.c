/*
 * BIP322 input checks: the standard input scripts a wallet produces, checked
 * the way the script interpreter would with BIP322's required rules, without
 * being an interpreter. Anything outside these templates is inconclusive
 * (COFFER_ERR_UNSUPPORTED), never valid.
 */
#include "btc/bip322_impl.h"

#include <string.h>

#include "btc/hash.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "common/buf.h"
#include "common/err.h"

#define INVALID COFFER_ERR_BIP322

/* Most stack items a scriptSig of the accepted templates has: dummy + 20 sigs + redeem script. */
#define MAX_SCRIPTSIG_ITEMS (SCRIPT_MAX_MULTISIG_KEYS + 2)

struct item {
	const uint8_t *p;
	size_t len;
};

struct multisig {
	unsigned int m, n;
	struct item keys[SCRIPT_MAX_MULTISIG_KEYS];
};

/* Is this push the minimal encoding of its data (MINIMALDATA)? */
static int
push_is_minimal(uint8_t op, const uint8_t *data, size_t len)
{
	if (len == 0)
		return op == OP_0;
	if (len == 1 && data[0] >= 1 && data[0] <= 16)
		return 0;	/* should have been OP_1..OP_16 */
	if (len == 1 && data[0] == 0x81)
		return 0;	/* should have been OP_1NEGATE */
	if (len <= 75)
		return op == len;
	if (len <= 255)
		return op == OP_PUSHDATA1;
	if (len <= 65535)
		return op == OP_PUSHDATA2;
	return 0;
}

/*
 * Split a scriptSig into its pushed items. Only minimal data pushes are
 * accepted: the templates here never need OP_1..OP_16 or OP_1NEGATE as stack
 * items, and anything not push-only is invalid for P2SH anyway.
 */
static int
scriptsig_items(struct item *items, size_t *n, const uint8_t *script, size_t len)
{
	struct creader r;
	const uint8_t *data;
	size_t dlen;
	uint8_t op;
	int rc;

	*n = 0;
	creader_init(&r, script, len);
	while ((rc = script_next_op(&r, &op, &data, &dlen)) == 0) {
		if (op > OP_PUSHDATA4 || !push_is_minimal(op, data, dlen) || *n == MAX_SCRIPTSIG_ITEMS)
			return INVALID;
		items[*n].p = data;
		items[*n].len = dlen;
		(*n)++;
	}
	return rc == COFFER_ERR_NOT_FOUND ? 0 : INVALID;
}

static void
witness_items(struct item *items, const struct tx_witness *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)tx_witness_item(w, i, &items[i].p, &items[i].len);
}

/* Match OP_m <key>*n OP_n OP_CHECKMULTISIG exactly (keys 33 or 65 bytes, 1 <= m <= n <= 20). */
static int
parse_multisig(struct multisig *ms, const uint8_t *script, size_t len)
{
	struct creader r;
	const uint8_t *data;
	size_t dlen;
	uint8_t op;

	memset(ms, 0, sizeof(*ms));
	creader_init(&r, script, len);
	if (script_next_op(&r, &op, &data, &dlen) != 0 || op < OP_1 || op > OP_16)
		return 0;
	ms->m = (unsigned int)(op - OP_1 + 1);
	for (;;) {
		if (script_next_op(&r, &op, &data, &dlen) != 0)
			return 0;
		if (op >= OP_1 && op <= OP_16)
			break;
		if ((dlen != 33 && dlen != 65) || op != dlen || ms->n == SCRIPT_MAX_MULTISIG_KEYS)
			return 0;
		ms->keys[ms->n].p = data;
		ms->keys[ms->n].len = dlen;
		ms->n++;
	}
	if ((unsigned int)(op - OP_1 + 1) != ms->n || ms->m > ms->n)
		return 0;
	if (script_next_op(&r, &op, &data, &dlen) != 0 || op != OP_CHECKMULTISIG)
		return 0;
	return creader_remaining(&r) == 0;
}

/* STRICTENC key encoding; segwit v0 also requires it compressed. */
static int
key_ok(const struct item *k, int compressed_only)
{
	if (k->len == 33)
		return k->p[0] == 0x02 || k->p[0] == 0x03;
	if (k->len == 65 && !compressed_only)
		return k->p[0] == 0x04;
	return 0;
}

/*
 * An ECDSA signature with its sighash byte against a key: SIGHASH_ALL only,
 * strict DER, low S. Returns 1 if it verifies.
 */
static int
ecdsa_ok(const struct item *sig, const struct item *key, const uint8_t msg32[32])
{
	uint8_t sig64[64];

	if (sig->len < 2 || sig->p[sig->len - 1] != SIGHASH_ALL)
		return 0;
	if (sign_der_decode(sig64, sig->p, sig->len - 1) != 0)
		return 0;
	return sign_ecdsa_verify(sig64, msg32, key->p, key->len) == 0;
}

/*
 * CHECKMULTISIG: stack = dummy, m signatures; each signature must match a
 * later key than the one before it. NULLDUMMY: the dummy is empty.
 */
static int
check_multisig(const struct multisig *ms, const struct item *stack, size_t nstack, const uint8_t msg32[32],
    int compressed_only)
{
	unsigned int isig = 0, ikey = 0;

	if (nstack != (size_t)ms->m + 1 || stack[0].len != 0)
		return INVALID;
	while (isig < ms->m) {
		if (ms->m - isig > ms->n - ikey)
			return INVALID;
		if (!key_ok(&ms->keys[ikey], compressed_only))
			return INVALID;
		if (ecdsa_ok(&stack[1 + isig], &ms->keys[ikey], msg32))
			isig++;
		ikey++;
	}
	return 0;
}

static int
check_p2wpkh(const struct sighash_cache *c, const uint8_t prog[20], const struct tx_witness *w)
{
	struct item it[2];
	uint8_t h[20], code[25], msg[32];

	if (w->count != 2)
		return INVALID;
	witness_items(it, w, 2);
	if (!key_ok(&it[1], 1))
		return INVALID;
	hash160(h, it[1].p, it[1].len);
	if (memcmp(h, prog, 20) != 0)
		return INVALID;
	/* BIP143 scriptCode of P2WPKH: the P2PKH script of the key hash. */
	code[0] = OP_DUP;
	code[1] = OP_HASH160;
	code[2] = 20;
	memcpy(code + 3, prog, 20);
	code[23] = OP_EQUALVERIFY;
	code[24] = OP_CHECKSIG;
	if (sighash_segwit_v0(msg, c, 0, code, sizeof(code), 0, SIGHASH_ALL) != 0)
		return INVALID;
	return ecdsa_ok(&it[0], &it[1], msg) ? 0 : INVALID;
}

static int
check_p2wsh(const struct sighash_cache *c, const uint8_t prog[32], const struct tx_witness *w)
{
	struct item it[SCRIPT_MAX_MULTISIG_KEYS + 2];
	struct multisig ms;
	const uint8_t *script;
	size_t slen;
	uint8_t h[32], msg[32];

	if (w->count == 0 || tx_witness_item(w, w->count - 1, &script, &slen) != 0)
		return INVALID;
	if (slen > SCRIPT_MAX_SIZE)
		return INVALID;
	sha256(h, script, slen);
	if (memcmp(h, prog, 32) != 0)
		return INVALID;	/* the witness does not even carry the address's script */
	if (!parse_multisig(&ms, script, slen))
		return COFFER_ERR_UNSUPPORTED;
	if (w->count - 1 != (size_t)ms.m + 1)
		return INVALID;
	witness_items(it, w, w->count - 1);
	if (sighash_segwit_v0(msg, c, 0, script, slen, 0, SIGHASH_ALL) != 0)
		return INVALID;
	return check_multisig(&ms, it, w->count - 1, msg, 1);
}

static int
check_p2tr(const struct sighash_cache *c, const uint8_t prog[32], const struct tx_witness *w)
{
	struct item sig, annex = { NULL, 0 };
	size_t n = w->count;
	uint8_t msg[32], hash_type = SIGHASH_DEFAULT;

	if (n == 0)
		return INVALID;
	if (n >= 2) {
		(void)tx_witness_item(w, n - 1, &annex.p, &annex.len);
		if (annex.len > 0 && annex.p[0] == 0x50) {
			n--;
		} else {
			annex.p = NULL;
			annex.len = 0;
		}
	}
	if (n != 1)
		return COFFER_ERR_UNSUPPORTED;	/* script path: needs a tapscript interpreter */
	(void)tx_witness_item(w, 0, &sig.p, &sig.len);
	if (sig.len == 65) {
		hash_type = sig.p[64];
		if (hash_type != SIGHASH_ALL)
			return INVALID;	/* 0x00 is never explicit; others break BIP322's rule */
	} else if (sig.len != 64) {
		return INVALID;
	}
	if (sighash_taproot(msg, c, 0, hash_type, annex.p, annex.len, NULL, SIGHASH_NO_CODESEP) != 0)
		return INVALID;
	return sign_schnorr_verify(sig.p, msg, 32, prog) == 0 ? 0 : INVALID;
}

static int
check_p2pkh(const struct tx *tx, const uint8_t *spk, size_t spklen, const uint8_t prog[20])
{
	const struct tx_in *in = &tx->in[0];
	struct item it[MAX_SCRIPTSIG_ITEMS];
	uint8_t h[20], msg[32];
	size_t n;

	if (in->witness.count != 0)
		return INVALID;	/* witness on a non-witness output */
	if (scriptsig_items(it, &n, in->script_sig, in->script_sig_len) != 0 || n != 2)
		return INVALID;
	if (!key_ok(&it[1], 0))
		return INVALID;
	hash160(h, it[1].p, it[1].len);
	if (memcmp(h, prog, 20) != 0)
		return INVALID;
	if (sighash_legacy(msg, tx, 0, spk, spklen, SIGHASH_ALL) != 0)
		return INVALID;
	return ecdsa_ok(&it[0], &it[1], msg) ? 0 : INVALID;
}

/* P2SH: the redeem script is the last push; nested segwit or legacy multisig. */
static int
check_p2sh(const struct tx *tx, const struct sighash_cache *c, const uint8_t prog[20])
{
	const struct tx_in *in = &tx->in[0];
	struct item it[MAX_SCRIPTSIG_ITEMS];
	struct script_info info;
	struct multisig ms;
	const struct item *redeem;
	uint8_t h[20], msg[32];
	size_t n;

	if (scriptsig_items(it, &n, in->script_sig, in->script_sig_len) != 0 || n == 0)
		return INVALID;
	redeem = &it[n - 1];
	hash160(h, redeem->p, redeem->len);
	if (memcmp(h, prog, 20) != 0)
		return INVALID;
	if (script_classify(&info, redeem->p, redeem->len) != 0)
		return INVALID;
	if (info.type == SCRIPT_P2WPKH || info.type == SCRIPT_P2WSH) {
		if (n != 1)
			return INVALID;	/* nested segwit: the scriptSig is the redeem push only */
		return info.type == SCRIPT_P2WPKH ? check_p2wpkh(c, info.program, &in->witness) :
		    check_p2wsh(c, info.program, &in->witness);
	}
	if (info.witness_version >= 0)
		return COFFER_ERR_UNSUPPORTED;
	if (!parse_multisig(&ms, redeem->p, redeem->len))
		return COFFER_ERR_UNSUPPORTED;
	if (in->witness.count != 0)
		return INVALID;
	if (sighash_legacy(msg, tx, 0, redeem->p, redeem->len, SIGHASH_ALL) != 0)
		return INVALID;
	return check_multisig(&ms, it, n - 1, msg, 0);
}

int
bip322_check_input(const struct tx *tx, const uint8_t *spk, size_t spklen)
{
	struct sighash_cache c;
	struct script_info info;
	struct tx_out spent;
	const struct tx_in *in;

	if (tx->n_in != 1)
		return INVALID;
	in = &tx->in[0];
	memset(&spent, 0, sizeof(spent));
	spent.value = 0;
	spent.script_pubkey = (uint8_t *)(uintptr_t)spk;	/* read only: the cache borrows it */
	spent.script_pubkey_len = spklen;
	if (sighash_cache_init(&c, tx, &spent, 1) != 0)
		return INVALID;
	if (script_classify(&info, spk, spklen) != 0)
		return COFFER_ERR_UNSUPPORTED;
	switch (info.type) {
	case SCRIPT_P2WPKH:
	case SCRIPT_P2WSH:
	case SCRIPT_P2TR:
		if (in->script_sig_len != 0)
			return INVALID;	/* native segwit spends carry no scriptSig */
		if (info.type == SCRIPT_P2WPKH)
			return check_p2wpkh(&c, info.program, &in->witness);
		if (info.type == SCRIPT_P2WSH)
			return check_p2wsh(&c, info.program, &in->witness);
		return check_p2tr(&c, info.program, &in->witness);
	case SCRIPT_P2PKH:
		return check_p2pkh(tx, spk, spklen, info.program);
	case SCRIPT_P2SH:
		return check_p2sh(tx, &c, info.program);
	default:
		/* Bare scripts, unknown witness versions (an upgradeable rule), OP_RETURN. */
		return COFFER_ERR_UNSUPPORTED;
	}
}
