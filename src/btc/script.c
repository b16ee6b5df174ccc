/* Script building and classification; see script.h. */
#include "btc/script.h"

#include <string.h>

#include "btc/hash.h"
#include "common/err.h"

int
script_push_op(struct cbuf *out, uint8_t op)
{
	return cbuf_put_u8(out, op);
}

int
script_push_data(struct cbuf *out, const uint8_t *data, size_t len)
{
	int r;

	if (len > SCRIPT_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	/* Minimal push (BIP62): small numbers use their opcodes. */
	if (len == 0)
		return cbuf_put_u8(out, OP_0);
	if (len == 1 && data[0] >= 1 && data[0] <= 16)
		return cbuf_put_u8(out, (uint8_t)(OP_1 + data[0] - 1));
	if (len == 1 && data[0] == 0x81)
		return cbuf_put_u8(out, OP_1NEGATE);
	if ((r = cbuf_reserve(out, len + 3)) != 0)
		return r;
	if (len < OP_PUSHDATA1)
		r = cbuf_put_u8(out, (uint8_t)len);
	else if (len <= 0xff) {
		if ((r = cbuf_put_u8(out, OP_PUSHDATA1)) == 0)
			r = cbuf_put_u8(out, (uint8_t)len);
	} else {
		if ((r = cbuf_put_u8(out, OP_PUSHDATA2)) == 0)
			r = cbuf_put_u16le(out, (uint16_t)len);
	}
	if (r != 0)
		return r;
	return cbuf_put(out, data, len);
}

int
script_push_int(struct cbuf *out, int64_t v)
{
	uint8_t num[9];
	uint64_t mag;
	size_t n = 0;
	int r;

	if (v == 0)
		return cbuf_put_u8(out, OP_0);
	if (v == -1)
		return cbuf_put_u8(out, OP_1NEGATE);
	if (v >= 1 && v <= 16)
		return cbuf_put_u8(out, (uint8_t)(OP_1 + v - 1));
	/* CScriptNum: little-endian magnitude, sign in the top bit of the last byte. */
	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	while (mag != 0) {
		num[n++] = (uint8_t)(mag & 0xff);
		mag >>= 8;
	}
	if (num[n - 1] & 0x80)
		num[n++] = (uint8_t)(v < 0 ? 0x80 : 0x00);
	else if (v < 0)
		num[n - 1] |= 0x80;
	/* Pushed as-is: the small values that have opcodes were handled above. */
	if ((r = cbuf_reserve(out, n + 1)) != 0)
		return r;
	(void)cbuf_put_u8(out, (uint8_t)n);
	return cbuf_put(out, num, n);
}

static int
put_hash_script(struct cbuf *out, const uint8_t *pre, size_t prelen, const uint8_t *h, size_t hlen,
    const uint8_t *post, size_t postlen)
{
	int r;

	if ((r = cbuf_reserve(out, prelen + 1 + hlen + postlen)) != 0)
		return r;
	if ((r = cbuf_put(out, pre, prelen)) != 0 || (r = cbuf_put_u8(out, (uint8_t)hlen)) != 0 ||
	    (r = cbuf_put(out, h, hlen)) != 0 || (r = cbuf_put(out, post, postlen)) != 0)
		return r;
	return 0;
}

int
script_p2pk(struct cbuf *out, const uint8_t *pubkey, size_t pubkey_len)
{
	static const uint8_t post[] = { OP_CHECKSIG };

	if (pubkey_len != 33 && pubkey_len != 65)
		return COFFER_ERR_BAD_PUBKEY;
	return put_hash_script(out, NULL, 0, pubkey, pubkey_len, post, sizeof(post));
}

int
script_p2pkh(struct cbuf *out, const uint8_t hash160[20])
{
	static const uint8_t pre[] = { OP_DUP, OP_HASH160 }, post[] = { OP_EQUALVERIFY, OP_CHECKSIG };

	return put_hash_script(out, pre, sizeof(pre), hash160, 20, post, sizeof(post));
}

int
script_p2sh(struct cbuf *out, const uint8_t hash160[20])
{
	static const uint8_t pre[] = { OP_HASH160 }, post[] = { OP_EQUAL };

	return put_hash_script(out, pre, sizeof(pre), hash160, 20, post, sizeof(post));
}

int
script_p2wpkh(struct cbuf *out, const uint8_t hash160[20])
{
	return script_witness_program(out, 0, hash160, 20);
}

int
script_p2wsh(struct cbuf *out, const uint8_t sha[32])
{
	return script_witness_program(out, 0, sha, 32);
}

int
script_p2tr(struct cbuf *out, const uint8_t xonly[32])
{
	return script_witness_program(out, 1, xonly, 32);
}

int
script_witness_program(struct cbuf *out, unsigned int version, const uint8_t *program,
    size_t program_len)
{
	uint8_t op;

	if (version > 16 || program_len < 2 || program_len > 40 ||
	    (version == 0 && program_len != 20 && program_len != 32))
		return COFFER_ERR_BAD_WITNESS_VERSION;
	op = version == 0 ? OP_0 : (uint8_t)(OP_1 + version - 1);
	return put_hash_script(out, &op, 1, program, program_len, NULL, 0);
}

void
script_hash160(uint8_t out[20], const uint8_t *script, size_t len)
{
	hash160(out, script, len);
}

void
script_sha256(uint8_t out[32], const uint8_t *script, size_t len)
{
	sha256(out, script, len);
}

int
script_multisig(struct cbuf *out, unsigned int m, const uint8_t *const *keys,
    const size_t *key_lens, size_t n)
{
	size_t i, start = out->len;
	int r;

	if (m < 1 || n < m || n > SCRIPT_MAX_MULTISIG_KEYS)
		return COFFER_ERR_DESC_THRESHOLD;
	for (i = 0; i < n; i++)
		if (key_lens[i] != 33 && key_lens[i] != 65)
			return COFFER_ERR_BAD_PUBKEY;
	if ((r = script_push_int(out, m)) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if ((r = script_push_data(out, keys[i], key_lens[i])) != 0)
			goto fail;
	if ((r = script_push_int(out, (int64_t)n)) != 0 || (r = cbuf_put_u8(out, OP_CHECKMULTISIG)) != 0)
		goto fail;
	return 0;
fail:
	out->len = start;
	return r;
}

int
script_multi_a(struct cbuf *out, unsigned int m, const uint8_t (*xonly)[32], size_t n)
{
	size_t i, start = out->len;
	int r;

	if (m < 1 || n < m || n > SCRIPT_MAX_MULTI_A_KEYS)
		return COFFER_ERR_DESC_THRESHOLD;
	if ((r = cbuf_reserve(out, n * 34 + 4)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = script_push_data(out, xonly[i], 32)) != 0 ||
		    (r = cbuf_put_u8(out, i == 0 ? OP_CHECKSIG : OP_CHECKSIGADD)) != 0)
			goto fail;
	if ((r = script_push_int(out, m)) != 0 || (r = cbuf_put_u8(out, OP_NUMEQUAL)) != 0)
		goto fail;
	return 0;
fail:
	out->len = start;
	return r;
}

int
script_next_op(struct creader *r, uint8_t *op, const uint8_t **data, size_t *data_len)
{
	size_t save = r->off;
	uint8_t o, b8;
	uint16_t b16;
	uint32_t b32, n;
	int ret;

	*op = 0;
	*data = NULL;
	*data_len = 0;
	if (creader_remaining(r) == 0)
		return COFFER_ERR_NOT_FOUND;
	(void)creader_get_u8(r, &o);
	if (o > OP_PUSHDATA4) {
		*op = o;
		return 0;
	}
	if (o < OP_PUSHDATA1)
		n = o;
	else if (o == OP_PUSHDATA1) {
		if ((ret = creader_get_u8(r, &b8)) != 0)
			goto bad;
		n = b8;
	} else if (o == OP_PUSHDATA2) {
		if ((ret = creader_get_u16le(r, &b16)) != 0)
			goto bad;
		n = b16;
	} else {
		if ((ret = creader_get_u32le(r, &b32)) != 0)
			goto bad;
		n = b32;
	}
	if ((ret = creader_get_ptr(r, data, n)) != 0)
		goto bad;
	*op = o;
	*data_len = n;
	return 0;
bad:
	r->off = save;
	*data = NULL;
	return COFFER_ERR_BAD_SCRIPT;
}

int
script_is_push_only(const uint8_t *script, size_t len)
{
	struct creader r;
	const uint8_t *d;
	size_t dl;
	uint8_t op;
	int ret;

	creader_init(&r, script, len);
	while ((ret = script_next_op(&r, &op, &d, &dl)) == 0)
		if (op > OP_16)
			return 0;
	return ret == COFFER_ERR_NOT_FOUND;
}

int
script_find_and_delete(struct cbuf *out, size_t *removed, const uint8_t *script, size_t len,
    const uint8_t *pattern, size_t pattern_len)
{
	struct creader r;
	const uint8_t *d;
	size_t dl, start = out->len, copied = 0, op_start, nfound = 0;
	uint8_t op;
	int ret;

	if (removed != NULL)
		*removed = 0;
	if (pattern_len == 0 || len == 0)
		return cbuf_put(out, script, len);
	/* Core: at each op boundary, skip every back-to-back copy of the pattern,
	 * then step over one op; on a malformed op stop and keep the tail. */
	creader_init(&r, script, len);
	for (;;) {
		op_start = r.off;
		while (len - op_start >= pattern_len &&
		    memcmp(script + op_start, pattern, pattern_len) == 0) {
			if ((ret = cbuf_put(out, script + copied, op_start - copied)) != 0)
				goto fail;
			op_start += pattern_len;
			copied = op_start;
			nfound++;
		}
		r.off = op_start;
		if (script_next_op(&r, &op, &d, &dl) != 0)
			break;
	}
	if ((ret = cbuf_put(out, script + copied, len - copied)) != 0)
		goto fail;
	if (removed != NULL)
		*removed = nfound;
	return 0;
fail:
	out->len = start;
	return ret;
}

int
script_classify(struct script_info *info, const uint8_t *spk, size_t len)
{
	memset(info, 0, sizeof(*info));
	info->type = SCRIPT_NONSTANDARD;
	info->witness_version = -1;
	if (len > SCRIPT_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if (len == 25 && spk[0] == OP_DUP && spk[1] == OP_HASH160 && spk[2] == 20 &&
	    spk[23] == OP_EQUALVERIFY && spk[24] == OP_CHECKSIG) {
		info->type = SCRIPT_P2PKH;
		memcpy(info->program, spk + 3, 20);
		info->program_len = 20;
		return 0;
	}
	if (len == 23 && spk[0] == OP_HASH160 && spk[1] == 20 && spk[22] == OP_EQUAL) {
		info->type = SCRIPT_P2SH;
		memcpy(info->program, spk + 2, 20);
		info->program_len = 20;
		return 0;
	}
	/* Witness program: version opcode, then one direct push of 2..40 bytes. */
	if (len >= 4 && len <= 42 && (spk[0] == OP_0 || (spk[0] >= OP_1 && spk[0] <= OP_16)) &&
	    (size_t)spk[1] + 2 == len) {
		int v = spk[0] == OP_0 ? 0 : spk[0] - OP_1 + 1;
		size_t pl = len - 2;

		if (v == 0 && pl != 20 && pl != 32)
			return 0;
		info->witness_version = v;
		memcpy(info->program, spk + 2, pl);
		info->program_len = pl;
		if (v == 0)
			info->type = pl == 20 ? SCRIPT_P2WPKH : SCRIPT_P2WSH;
		else if (v == 1 && pl == 32)
			info->type = SCRIPT_P2TR;
		else
			info->type = SCRIPT_WITNESS_UNKNOWN;
		return 0;
	}
	if ((len == 35 && spk[0] == 33 && (spk[1] == 2 || spk[1] == 3) && spk[34] == OP_CHECKSIG) ||
	    (len == 67 && spk[0] == 65 && spk[1] == 4 && spk[66] == OP_CHECKSIG)) {
		info->type = SCRIPT_P2PK;
		info->program_len = len - 2;
		memcpy(info->program, spk + 1, info->program_len);
		return 0;
	}
	if (len >= 1 && spk[0] == OP_RETURN && script_is_push_only(spk + 1, len - 1)) {
		info->type = SCRIPT_NULLDATA;
		return 0;
	}
	/* Bare multisig: OP_m <33|65-byte keys> OP_n OP_CHECKMULTISIG, n <= 16. */
	if (len >= 3 && spk[len - 1] == OP_CHECKMULTISIG && spk[0] >= OP_1 && spk[0] <= OP_16 &&
	    spk[len - 2] >= OP_1 && spk[len - 2] <= OP_16) {
		unsigned int m = (unsigned int)(spk[0] - OP_1 + 1), n = (unsigned int)(spk[len - 2] - OP_1 + 1);
		unsigned int k = 0;
		struct creader r;
		const uint8_t *d;
		size_t dl;
		uint8_t op;

		creader_init(&r, spk + 1, len - 3);
		while (script_next_op(&r, &op, &d, &dl) == 0) {
			if ((dl != 33 && dl != 65) || op != dl)
				return 0;
			k++;
		}
		if (creader_remaining(&r) != 0 || k != n || m > n)
			return 0;
		info->type = SCRIPT_MULTISIG;
		info->m = m;
		info->n = n;
	}
	return 0;
}
