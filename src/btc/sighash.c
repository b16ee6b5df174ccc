/* Signature hashes: legacy, BIP143 and BIP341/342; see sighash.h. */
#include "btc/sighash.h"

#include <string.h>

#include "btc/hash.h"
#include "btc/script.h"
#include "common/err.h"

/*
 * A hash writer: bytes collect in a stack buffer and are hashed in one call
 * when small (no allocation, the common case: every BIP143/BIP341 message), or
 * streamed through a SHA-256 context once they outgrow it. With `out` set the
 * bytes are appended there instead (for the preimage helpers).
 */
struct hw {
	uint8_t buf[1024];
	size_t n;
	int streaming;
	struct sha256_ctx h;
	struct cbuf *out;
	int err;
};

static void
hw_init(struct hw *w, struct cbuf *out)
{
	w->n = 0;
	w->streaming = 0;
	w->out = out;
	w->err = 0;
}

static void
hw_put(struct hw *w, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (w->out != NULL) {
		if (w->err == 0)
			w->err = cbuf_put(w->out, p, n);
		return;
	}
	if (n > sizeof(w->buf) - w->n) {
		if (!w->streaming) {
			sha256_init(&w->h);
			w->streaming = 1;
		}
		sha256_update(&w->h, w->buf, w->n);
		w->n = 0;
		if (n > sizeof(w->buf)) {
			sha256_update(&w->h, p, n);
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

static void
hw_u8(struct hw *w, uint8_t v)
{
	hw_put(w, &v, 1);
}

static void
hw_u32(struct hw *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	hw_put(w, b, 4);
}

static void
hw_u64(struct hw *w, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	hw_put(w, b, 8);
}

static void
hw_compact(struct hw *w, uint64_t v)
{
	if (v < 0xfd)
		hw_u8(w, (uint8_t)v);
	else if (v <= 0xffff) {
		hw_u8(w, 0xfd);
		hw_u8(w, (uint8_t)v);
		hw_u8(w, (uint8_t)(v >> 8));
	} else if (v <= 0xffffffffu) {
		hw_u8(w, 0xfe);
		hw_u32(w, (uint32_t)v);
	} else {
		hw_u8(w, 0xff);
		hw_u64(w, v);
	}
}

/* SHA256 of what was written (nothing for a cbuf writer). */
static void
hw_sha256(struct hw *w, uint8_t out[32])
{
	if (w->streaming) {
		sha256_update(&w->h, w->buf, w->n);
		sha256_final(&w->h, out);
		w->streaming = 0;
	} else {
		sha256(out, w->buf, w->n);
	}
	w->n = 0;
}

static void
hw_sha256d(struct hw *w, uint8_t out[32])
{
	uint8_t once[32];

	hw_sha256(w, once);
	sha256(out, once, 32);
}

static void
hw_output(struct hw *w, const struct tx_out *o)
{
	hw_u64(w, (uint64_t)o->value);
	hw_compact(w, o->script_pubkey_len);
	hw_put(w, o->script_pubkey, o->script_pubkey_len);
}

int
sighash_cache_init(struct sighash_cache *c, const struct tx *tx, const struct tx_out *spent,
    size_t n_spent)
{
	struct hw w;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->tx = tx;
	sha256(c->tag_tapsighash, (const uint8_t *)"TapSighash", 10);
	if (spent != NULL && n_spent != tx->n_in)
		return COFFER_ERR_MISSING_UTXO;
	if (spent != NULL)
		for (i = 0; i < n_spent; i++)
			if (spent[i].value < 0 || spent[i].value > TX_MAX_MONEY)
				return COFFER_ERR_BAD_AMOUNT;
	hw_init(&w, NULL);
	for (i = 0; i < tx->n_in; i++) {
		hw_put(&w, tx->in[i].prevout.txid, 32);
		hw_u32(&w, tx->in[i].prevout.vout);
	}
	hw_sha256(&w, c->sha_prevouts);
	for (i = 0; i < tx->n_in; i++)
		hw_u32(&w, tx->in[i].sequence);
	hw_sha256(&w, c->sha_sequences);
	for (i = 0; i < tx->n_out; i++)
		hw_output(&w, &tx->out[i]);
	hw_sha256(&w, c->sha_outputs);
	/* BIP143's double hashes are one more SHA256 of BIP341's single ones. */
	sha256(c->hash_prevouts, c->sha_prevouts, 32);
	sha256(c->hash_sequence, c->sha_sequences, 32);
	sha256(c->hash_outputs, c->sha_outputs, 32);
	if (spent != NULL) {
		for (i = 0; i < n_spent; i++)
			hw_u64(&w, (uint64_t)spent[i].value);
		hw_sha256(&w, c->sha_amounts);
		for (i = 0; i < n_spent; i++) {
			hw_compact(&w, spent[i].script_pubkey_len);
			hw_put(&w, spent[i].script_pubkey, spent[i].script_pubkey_len);
		}
		hw_sha256(&w, c->sha_scriptpubkeys);
		c->spent = spent;
		c->have_spent = 1;
	}
	return 0;
}

/* ---- legacy ---- */

/* Core's SerializeScriptCode: the script without its OP_CODESEPARATORs (in the
 * well-formed prefix; a malformed tail is kept as is). */
static void
hw_script_code_legacy(struct hw *w, const uint8_t *s, size_t len)
{
	struct creader r;
	const uint8_t *d;
	size_t dl, nsep = 0, from = 0;
	uint8_t op;

	if (len == 0) {
		hw_u8(w, 0);
		return;
	}
	creader_init(&r, s, len);
	while (script_next_op(&r, &op, &d, &dl) == 0)
		if (op == OP_CODESEPARATOR)
			nsep++;
	hw_compact(w, len - nsep);
	creader_init(&r, s, len);
	while (script_next_op(&r, &op, &d, &dl) == 0)
		if (op == OP_CODESEPARATOR) {
			hw_put(w, s + from, r.off - 1 - from);
			from = r.off;
		}
	hw_put(w, s + from, len - from);
}

int
sighash_legacy(uint8_t out[32], const struct tx *tx, size_t in_idx, const uint8_t *script_code,
    size_t script_code_len, uint32_t hash_type)
{
	struct hw w;
	uint32_t base = hash_type & 0x1f;
	int acp = (hash_type & SIGHASH_ANYONECANPAY) != 0;
	int single = base == SIGHASH_SINGLE, none = base == SIGHASH_NONE;
	size_t i, n_in, n_out;

	memset(out, 0, 32);
	if (in_idx >= tx->n_in)
		return COFFER_ERR_INPUT_INDEX;
	if (script_code_len > TX_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if (single && in_idx >= tx->n_out) {
		out[0] = 1;	/* Core's historical SIGHASH_SINGLE bug: uint256(1) */
		return 0;
	}
	hw_init(&w, NULL);
	hw_u32(&w, tx->version);
	n_in = acp ? 1 : tx->n_in;
	hw_compact(&w, n_in);
	for (i = 0; i < n_in; i++) {
		size_t k = acp ? in_idx : i;
		const struct tx_in *in = &tx->in[k];

		hw_put(&w, in->prevout.txid, 32);
		hw_u32(&w, in->prevout.vout);
		if (k != in_idx)
			hw_u8(&w, 0);
		else
			hw_script_code_legacy(&w, script_code, script_code_len);
		hw_u32(&w, (k != in_idx && (single || none)) ? 0 : in->sequence);
	}
	n_out = none ? 0 : single ? in_idx + 1 : tx->n_out;
	hw_compact(&w, n_out);
	for (i = 0; i < n_out; i++) {
		if (single && i != in_idx) {
			/* CTxOut(): value -1, empty script. */
			hw_u64(&w, UINT64_MAX);
			hw_u8(&w, 0);
		} else {
			hw_output(&w, &tx->out[i]);
		}
	}
	hw_u32(&w, tx->locktime);
	hw_u32(&w, hash_type);
	hw_sha256d(&w, out);
	return 0;
}

/* ---- BIP143 ---- */

static int
segwit_v0(struct hw *w, const struct sighash_cache *c, size_t in_idx, const uint8_t *script_code,
    size_t script_code_len, int64_t amount, uint32_t hash_type)
{
	static const uint8_t zero[32];
	const struct tx *tx = c->tx;
	uint32_t base = hash_type & 0x1f;
	int acp = (hash_type & SIGHASH_ANYONECANPAY) != 0;
	uint8_t single_out[32];
	const uint8_t *outs = zero;

	if (in_idx >= tx->n_in)
		return COFFER_ERR_INPUT_INDEX;
	if (amount < 0 || amount > TX_MAX_MONEY)
		return COFFER_ERR_BAD_AMOUNT;
	if (script_code_len > TX_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if (base != SIGHASH_SINGLE && base != SIGHASH_NONE)
		outs = c->hash_outputs;
	else if (base == SIGHASH_SINGLE && in_idx < tx->n_out) {
		struct hw o;

		hw_init(&o, NULL);
		hw_output(&o, &tx->out[in_idx]);
		hw_sha256d(&o, single_out);
		outs = single_out;
	}
	hw_u32(w, tx->version);
	hw_put(w, acp ? zero : c->hash_prevouts, 32);
	hw_put(w, (!acp && base != SIGHASH_SINGLE && base != SIGHASH_NONE) ? c->hash_sequence : zero, 32);
	hw_put(w, tx->in[in_idx].prevout.txid, 32);
	hw_u32(w, tx->in[in_idx].prevout.vout);
	hw_compact(w, script_code_len);
	hw_put(w, script_code, script_code_len);
	hw_u64(w, (uint64_t)amount);
	hw_u32(w, tx->in[in_idx].sequence);
	hw_put(w, outs, 32);
	hw_u32(w, tx->locktime);
	hw_u32(w, hash_type);
	return 0;
}

int
sighash_segwit_v0(uint8_t out[32], const struct sighash_cache *c, size_t in_idx,
    const uint8_t *script_code, size_t script_code_len, int64_t amount, uint32_t hash_type)
{
	struct hw w;
	int ret;

	memset(out, 0, 32);
	hw_init(&w, NULL);
	if ((ret = segwit_v0(&w, c, in_idx, script_code, script_code_len, amount, hash_type)) != 0) {
		if (w.streaming)
			sha256_abort(&w.h);
		return ret;
	}
	hw_sha256d(&w, out);
	return 0;
}

int
sighash_segwit_v0_preimage(struct cbuf *out, const struct sighash_cache *c, size_t in_idx,
    const uint8_t *script_code, size_t script_code_len, int64_t amount, uint32_t hash_type)
{
	struct hw w;
	size_t start = out->len;
	int ret;

	hw_init(&w, out);
	if ((ret = segwit_v0(&w, c, in_idx, script_code, script_code_len, amount, hash_type)) == 0)
		ret = w.err;
	if (ret != 0)
		out->len = start;
	return ret;
}

/* ---- BIP341 / BIP342 ---- */

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put64le(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Write 0x00 || SigMsg || ext into msg (room for SIGHASH_TAPROOT_MSG_MAX). */
static int
taproot_msg(uint8_t *msg, size_t *msg_len, const struct sighash_cache *c, size_t in_idx,
    uint8_t hash_type, const uint8_t *annex, size_t annex_len, const uint8_t *leaf_hash,
    uint32_t codesep_pos)
{
	const struct tx *tx = c->tx;
	uint8_t base = hash_type & 3, *p = msg;
	int acp = (hash_type & SIGHASH_ANYONECANPAY) != 0;
	const struct tx_out *prev;
	struct hw w;

	*msg_len = 0;
	if (in_idx >= tx->n_in)
		return COFFER_ERR_INPUT_INDEX;
	if (!c->have_spent)
		return COFFER_ERR_MISSING_UTXO;
	if (!(hash_type <= 0x03 || (hash_type >= 0x81 && hash_type <= 0x83)) ||
	    (base == SIGHASH_SINGLE && in_idx >= tx->n_out))
		return COFFER_ERR_BAD_SIGHASH_TYPE;
	if (annex != NULL && (annex_len == 0 || annex[0] != 0x50))
		return COFFER_ERR_BAD_TX;
	prev = &c->spent[in_idx];
	/* A taproot input spends a v1 32-byte program, which keeps SigMsg bounded. */
	if (prev->script_pubkey_len != 34 || prev->script_pubkey[0] != OP_1 ||
	    prev->script_pubkey[1] != 32)
		return COFFER_ERR_BAD_SCRIPT;

	*p++ = 0x00;	/* epoch */
	*p++ = hash_type;
	put32le(p, tx->version);
	put32le(p + 4, tx->locktime);
	p += 8;
	if (!acp) {
		memcpy(p, c->sha_prevouts, 32);
		memcpy(p + 32, c->sha_amounts, 32);
		memcpy(p + 64, c->sha_scriptpubkeys, 32);
		memcpy(p + 96, c->sha_sequences, 32);
		p += 128;
	}
	if (base != SIGHASH_NONE && base != SIGHASH_SINGLE) {
		memcpy(p, c->sha_outputs, 32);
		p += 32;
	}
	*p++ = (uint8_t)((leaf_hash != NULL ? 2 : 0) | (annex != NULL ? 1 : 0));
	if (acp) {
		const struct tx_in *in = &tx->in[in_idx];

		memcpy(p, in->prevout.txid, 32);
		put32le(p + 32, in->prevout.vout);
		put64le(p + 36, (uint64_t)prev->value);
		p[44] = 34;
		memcpy(p + 45, prev->script_pubkey, 34);
		put32le(p + 79, in->sequence);
		p += 83;
	} else {
		put32le(p, (uint32_t)in_idx);
		p += 4;
	}
	if (annex != NULL) {
		hw_init(&w, NULL);
		hw_compact(&w, annex_len);
		hw_put(&w, annex, annex_len);
		hw_sha256(&w, p);
		p += 32;
	}
	if (base == SIGHASH_SINGLE) {
		hw_init(&w, NULL);
		hw_output(&w, &tx->out[in_idx]);
		hw_sha256(&w, p);
		p += 32;
	}
	if (leaf_hash != NULL) {
		memcpy(p, leaf_hash, 32);
		p[32] = 0x00;	/* key_version */
		put32le(p + 33, codesep_pos);
		p += 37;
	}
	*msg_len = (size_t)(p - msg);
	return 0;
}

int
sighash_taproot_msg(uint8_t msg[SIGHASH_TAPROOT_MSG_MAX], size_t *msg_len,
    const struct sighash_cache *c, size_t in_idx, uint8_t hash_type, const uint8_t *annex,
    size_t annex_len, const uint8_t *leaf_hash, uint32_t codesep_pos)
{
	return taproot_msg(msg, msg_len, c, in_idx, hash_type, annex, annex_len, leaf_hash,
	    codesep_pos);
}

int
sighash_taproot(uint8_t out[32], const struct sighash_cache *c, size_t in_idx, uint8_t hash_type,
    const uint8_t *annex, size_t annex_len, const uint8_t *leaf_hash, uint32_t codesep_pos)
{
	/* Tagged hash in a single SHA-256 call: the two tag hashes (one 64-byte
	 * block) then the message, all on the stack. */
	uint8_t buf[64 + SIGHASH_TAPROOT_MSG_MAX];
	size_t len;
	int ret;

	memset(out, 0, 32);
	if ((ret = taproot_msg(buf + 64, &len, c, in_idx, hash_type, annex, annex_len, leaf_hash,
	    codesep_pos)) != 0)
		return ret;
	memcpy(buf, c->tag_tapsighash, 32);
	memcpy(buf + 32, c->tag_tapsighash, 32);
	sha256(out, buf, 64 + len);
	return 0;
}
