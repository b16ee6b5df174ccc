/*
 * BIP322 generic signed messages; see bip322.h. Input checks live in
 * bip322_check.c.
 */
#include "btc/bip322.h"

#include <string.h>

#include "btc/address.h"
#include "btc/bip322_impl.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "common/encoding.h"
#include "common/err.h"

static const uint8_t op_return[1] = { OP_RETURN };

void
bip322_message_hash(uint8_t out32[32], const uint8_t *msg, size_t msglen)
{
	tagged_hash(out32, BIP322_TAG, msg, msglen);
}

int
bip322_to_spend(struct tx *out, const uint8_t *spk, size_t spklen, const uint8_t *msg, size_t msglen)
{
	static const uint8_t null_txid[32];
	uint8_t script_sig[34];
	int r;

	tx_init(out);
	out->version = 0;
	out->locktime = 0;
	/* scriptSig: OP_0 PUSH32[message_hash] */
	script_sig[0] = OP_0;
	script_sig[1] = 32;
	bip322_message_hash(script_sig + 2, msg, msglen);
	if ((r = tx_add_input(out, null_txid, 0xffffffffu, 0)) != 0 ||
	    (r = tx_in_set_script_sig(&out->in[0], script_sig, sizeof(script_sig))) != 0 ||
	    (r = tx_add_output(out, 0, spk, spklen)) != 0) {
		tx_free(out);
		return r;
	}
	return 0;
}

int
bip322_to_sign(struct tx *out, const uint8_t to_spend_txid[32])
{
	int r;

	tx_init(out);
	out->version = 0;
	out->locktime = 0;
	if ((r = tx_add_input(out, to_spend_txid, 0, 0)) != 0 ||
	    (r = tx_add_output(out, 0, op_return, sizeof(op_return))) != 0) {
		tx_free(out);
		return r;
	}
	return 0;
}

/* Both virtual transactions for a simple signature, and the sighash cache over to_sign. */
static int
build_pair(struct tx *to_spend, struct tx *to_sign, const uint8_t *spk, size_t spklen, const uint8_t *msg,
    size_t msglen)
{
	uint8_t txid[32];
	int r;

	tx_init(to_sign);
	if ((r = bip322_to_spend(to_spend, spk, spklen, msg, msglen)) != 0)
		return r;
	if ((r = tx_txid(txid, to_spend)) != 0 || (r = bip322_to_sign(to_sign, txid)) != 0) {
		tx_free(to_spend);
		return r;
	}
	return 0;
}

/* Append count + items of a witness stack (the simple signature's bytes). */
static int
witness_serialize(struct cbuf *out, const struct tx_witness *w)
{
	const uint8_t *item;
	size_t i, len;
	int r;

	if ((r = cbuf_put_compact(out, w->count)) != 0)
		return r;
	for (i = 0; i < w->count; i++) {
		if ((r = tx_witness_item(w, i, &item, &len)) != 0 || (r = cbuf_put_varbytes(out, item, len)) != 0)
			return r;
	}
	return 0;
}

/* Produce the witness for input 0 of to_sign. */
static int
sign_input(struct tx *to_sign, const struct tx_out *spent, const struct script_info *info,
    const uint8_t seckey32[32], const uint8_t pub[33])
{
	struct sighash_cache c;
	uint8_t sighash[32], sig[SIGN_DER_MAX + 1], code[25];
	size_t siglen;
	int r;

	if ((r = sighash_cache_init(&c, to_sign, spent, 1)) != 0)
		return r;
	if (info->type == SCRIPT_P2WPKH) {
		code[0] = OP_DUP;
		code[1] = OP_HASH160;
		code[2] = 20;
		memcpy(code + 3, info->program, 20);
		code[23] = OP_EQUALVERIFY;
		code[24] = OP_CHECKSIG;
		if ((r = sighash_segwit_v0(sighash, &c, 0, code, sizeof(code), 0, SIGHASH_ALL)) != 0 ||
		    (r = sign_ecdsa_der(sig, &siglen, sighash, seckey32)) != 0)
			return r;
		sig[siglen++] = SIGHASH_ALL;
		if ((r = tx_witness_push(&to_sign->in[0].witness, sig, siglen)) != 0 ||
		    (r = tx_witness_push(&to_sign->in[0].witness, pub, 33)) != 0)
			return r;
		return 0;
	}
	/* P2TR key path, SIGHASH_DEFAULT: a 64-byte signature. */
	if ((r = sighash_taproot(sighash, &c, 0, SIGHASH_DEFAULT, NULL, 0, NULL, SIGHASH_NO_CODESEP)) != 0 ||
	    (r = sign_schnorr_keypath(sig, sighash, seckey32, NULL, NULL)) != 0)
		return r;
	return tx_witness_push(&to_sign->in[0].witness, sig, 64);
}

int
bip322_sign(struct cbuf *out, const uint8_t seckey32[32], const uint8_t *spk, size_t spklen,
    const uint8_t *msg, size_t msglen, unsigned int flags)
{
	struct script_info info;
	struct tx to_spend, to_sign;
	struct cbuf wit;
	uint8_t pub[33], h[20], outkey[32];
	size_t start = out->len;
	int r;

	tx_init(&to_spend);
	tx_init(&to_sign);
	cbuf_init(&wit, 0);
	if (script_classify(&info, spk, spklen) != 0 ||
	    (info.type != SCRIPT_P2WPKH && info.type != SCRIPT_P2TR)) {
		r = COFFER_ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = keys_pubkey_from_privkey(pub, seckey32)) != 0)
		goto out;
	/* Refuse to sign for an address the key does not control. */
	if (info.type == SCRIPT_P2WPKH) {
		hash160(h, pub, sizeof(pub));
		if (memcmp(h, info.program, 20) != 0)
			r = COFFER_ERR_BIP322_WRONG_KEY;
	} else {
		if ((r = keys_taproot_output_key(outkey, NULL, pub + 1, NULL)) != 0)
			goto out;
		if (memcmp(outkey, info.program, 32) != 0)
			r = COFFER_ERR_BIP322_WRONG_KEY;
	}
	if (r != 0)
		goto out;
	if ((r = build_pair(&to_spend, &to_sign, spk, spklen, msg, msglen)) != 0 ||
	    (r = sign_input(&to_sign, &to_spend.out[0], &info, seckey32, pub)) != 0 ||
	    (r = witness_serialize(&wit, &to_sign.in[0].witness)) != 0)
		goto out;
	if ((flags & BIP322_SIGN_UNPREFIXED) == 0 && (r = cbuf_put_str(out, "smp")) != 0)
		goto out;
	if ((r = base64_encode_buf(out, wit.p, wit.len)) != 0)
		goto out;
	/* A signature that does not verify must never leave (fault or bug). */
	if (bip322_verify(NULL, (const char *)out->p + start, spk, spklen, msg, msglen) != 0)
		r = COFFER_ERR_CRYPTO;
out:
	if (r != 0) {
		out->len = start;
		if (out->p != NULL)
			out->p[start] = '\0';
	}
	cbuf_free(&wit);
	tx_free(&to_spend);
	tx_free(&to_sign);
	return r;
}

/* Parse a consensus-encoded witness stack that must fill the whole buffer. */
static int
witness_parse(struct tx_witness *w, const uint8_t *p, size_t len)
{
	struct creader r;
	const uint8_t *item;
	uint64_t count, i;
	size_t ilen;
	int rc;

	creader_init(&r, p, len);
	if ((rc = creader_get_compact(&r, &count)) != 0)
		return rc;
	if (count > BIP322_MAX_WITNESS_ITEMS)
		return COFFER_ERR_TOO_LARGE;
	if (count > creader_remaining(&r))
		return COFFER_ERR_TRUNCATED;	/* every item needs its length byte */
	for (i = 0; i < count; i++) {
		if ((rc = creader_get_varbytes(&r, &item, &ilen, len)) != 0 ||
		    (rc = tx_witness_push(w, item, ilen)) != 0)
			return rc;
	}
	return creader_expect_end(&r);
}

int
bip322_sig_decode(struct bip322_sig *out, const char *sig)
{
	struct cbuf raw;
	const char *body = sig;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	tx_init(&out->tx);
	cbuf_init(&raw, BIP322_MAX_SIG_CHARS);
	if ((len = strnlen(sig, BIP322_MAX_SIG_CHARS + 1)) > BIP322_MAX_SIG_CHARS)
		return COFFER_ERR_TOO_LARGE;
	out->format = BIP322_SIMPLE_UNPREFIXED;
	if (len >= 3 && memcmp(sig, "smp", 3) == 0)
		out->format = BIP322_SIMPLE;
	else if (len >= 3 && memcmp(sig, "ful", 3) == 0)
		out->format = BIP322_FULL;
	else if (len >= 3 && memcmp(sig, "pof", 3) == 0)
		out->format = BIP322_POF;
	if (out->format != BIP322_SIMPLE_UNPREFIXED) {
		body += 3;
		len -= 3;
	}
	if ((r = base64_decode_buf(&raw, body, len)) != 0)
		goto out;
	switch (out->format) {
	case BIP322_POF:
		r = COFFER_ERR_UNSUPPORTED;	/* needs PSBT proof-of-funds support */
		break;
	case BIP322_FULL:
		if ((r = tx_parse(&out->tx, raw.p, raw.len, 0)) != 0 && r != COFFER_ERR_NOMEM)
			r = COFFER_ERR_BAD_TX;
		break;
	default:
		r = witness_parse(&out->witness, raw.p, raw.len);
		break;
	}
out:
	cbuf_free(&raw);
	if (r != 0)
		bip322_sig_free(out);
	return r;
}

void
bip322_sig_free(struct bip322_sig *s)
{
	if (s == NULL)
		return;
	tx_witness_clear(&s->witness);
	tx_free(&s->tx);
}

/* A full signature's to_sign must have exactly the shape BIP322 specifies. */
static int
check_full_shape(const struct tx *tx, const uint8_t to_spend_txid[32])
{
	if (tx->n_in != 1 || tx->n_out != 1)
		return COFFER_ERR_BIP322;	/* extra inputs belong in a proof of funds */
	if (memcmp(tx->in[0].prevout.txid, to_spend_txid, 32) != 0 || tx->in[0].prevout.vout != 0)
		return COFFER_ERR_BIP322;
	if (tx->out[0].value != 0 || tx->out[0].script_pubkey_len != 1 || tx->out[0].script_pubkey[0] != OP_RETURN)
		return COFFER_ERR_BIP322;
	return 0;
}

int
bip322_verify(struct bip322_result *res, const char *sig, const uint8_t *spk, size_t spklen,
    const uint8_t *msg, size_t msglen)
{
	struct bip322_sig s;
	struct tx to_spend, to_sign;
	const struct tx *signed_tx;
	int r;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	tx_init(&to_spend);
	tx_init(&to_sign);
	if ((r = bip322_sig_decode(&s, sig)) != 0)
		return r;
	if ((r = build_pair(&to_spend, &to_sign, spk, spklen, msg, msglen)) != 0)
		goto out;
	if (s.format == BIP322_FULL) {
		if ((r = check_full_shape(&s.tx, to_sign.in[0].prevout.txid)) != 0)
			goto out;
		signed_tx = &s.tx;
	} else {
		/* Hand the stack over to to_sign's input (both are tx_witness-owned). */
		to_sign.in[0].witness = s.witness;
		memset(&s.witness, 0, sizeof(s.witness));
		signed_tx = &to_sign;
	}
	if ((r = bip322_check_input(signed_tx, spk, spklen)) != 0)
		goto out;
	/* Upgradeable rule, checked after the required ones: inconclusive, not invalid. */
	if (signed_tx->version != 0 && signed_tx->version != 2) {
		r = COFFER_ERR_UNSUPPORTED;
		goto out;
	}
	if (res != NULL) {
		res->format = s.format;
		res->version = signed_tx->version;
		res->locktime = signed_tx->locktime;
		res->sequence = signed_tx->in[0].sequence;
	}
out:
	bip322_sig_free(&s);
	tx_free(&to_spend);
	tx_free(&to_sign);
	return r;
}

int
bip322_verify_address(struct bip322_result *res, const char *sig, const char *address,
    enum btc_network net, const uint8_t *msg, size_t msglen)
{
	uint8_t spk[ADDR_MAX_SPK];
	size_t spklen;
	int r;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if ((r = addr_decode(spk, &spklen, NULL, address, net)) != 0)
		return r;
	return bip322_verify(res, sig, spk, spklen, msg, msglen);
}
