/*
 * What spending an input involves, worked out from the PSBT alone: the output
 * it spends, the redeem and witness scripts checked against it, the kind of
 * spend, and the signature hashes. Shared by the signer and the finaliser so
 * that both apply the same checks.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "btc/psbt_int.h"
#include "btc/script.h"
#include "btc/sighash.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"

void
psbt_spend_free(struct psbt_spend *s)
{
	cbuf_free(&s->spk);
	memset(s, 0, sizeof(*s));
	cbuf_init(&s->spk, 0);
}

int
psbt_spend_analyse(struct psbt_spend *s, const struct psbt *p, size_t i)
{
	const struct psbt_map *m = &p->in[i].map;
	const struct psbt_kv *rs, *ws;
	const struct script_info *eff;
	int ret;

	memset(s, 0, sizeof(*s));
	cbuf_init(&s->spk, TX_MAX_SIZE);
	s->kind = PSBT_SPEND_UNKNOWN;
	if ((ret = psbt_input_utxo(&s->amount, &s->spk, &s->source, p, i)) != 0)
		return ret;
	(void)script_classify(&s->spk_info, s->spk.p, s->spk.len);
	rs = psbt_map_find(m, PSBT_IN_REDEEM_SCRIPT, NULL, 0);
	ws = psbt_map_find(m, PSBT_IN_WITNESS_SCRIPT, NULL, 0);
	eff = &s->spk_info;
	if (rs != NULL) {
		uint8_t h[20];

		if (s->spk_info.type != SCRIPT_P2SH)
			return COFFER_ERR_PSBT_SCRIPT_MISMATCH;
		script_hash160(h, rs->value, rs->value_len);
		if (memcmp(h, s->spk_info.program, 20) != 0)
			return COFFER_ERR_PSBT_SCRIPT_MISMATCH;
		s->rs = rs->value;
		s->rs_len = rs->value_len;
		s->nested = 1;
		(void)script_classify(&s->rs_info, rs->value, rs->value_len);
		eff = &s->rs_info;
	} else if (s->spk_info.type == SCRIPT_P2SH) {
		s->missing_script = 1;	/* cannot tell what it wraps */
		return 0;
	}
	if (ws != NULL) {
		uint8_t h[32];

		if (eff->type != SCRIPT_P2WSH)
			return COFFER_ERR_PSBT_SCRIPT_MISMATCH;
		script_sha256(h, ws->value, ws->value_len);
		if (memcmp(h, eff->program, 32) != 0)
			return COFFER_ERR_PSBT_SCRIPT_MISMATCH;
		s->ws = ws->value;
		s->ws_len = ws->value_len;
	}
	/* A witness UTXO alone proves nothing about a legacy spend. */
	if (s->source == PSBT_IN_WITNESS_UTXO && eff->witness_version < 0)
		return COFFER_ERR_PSBT_UTXO_MISMATCH;
	switch (eff->type) {
	case SCRIPT_P2WPKH:
		s->kind = PSBT_SPEND_WPKH;
		break;
	case SCRIPT_P2WSH:
		s->kind = PSBT_SPEND_WSH;
		if (ws == NULL)
			s->missing_script = 1;
		break;
	case SCRIPT_P2TR:
		/* P2SH-wrapped taproot is not a taproot spend. */
		s->kind = s->nested ? PSBT_SPEND_UNKNOWN : PSBT_SPEND_TAPROOT;
		break;
	case SCRIPT_WITNESS_UNKNOWN:
		s->kind = PSBT_SPEND_UNKNOWN;
		break;
	default:
		s->kind = PSBT_SPEND_LEGACY;
		break;
	}
	return 0;
}

const uint8_t *
psbt_spend_script(const struct psbt_spend *s, size_t *len)
{
	if (s->kind == PSBT_SPEND_WSH) {
		*len = s->ws_len;
		return s->ws;
	}
	if (s->nested) {
		*len = s->rs_len;
		return s->rs;
	}
	*len = s->spk.len;
	return s->spk.p;
}

int
psbt_script_has_push(const uint8_t *script, size_t len, const uint8_t *data, size_t n)
{
	struct creader r;
	const uint8_t *d;
	size_t dl;
	uint8_t op;

	creader_init(&r, script, len);
	while (script_next_op(&r, &op, &d, &dl) == 0)
		if (d != NULL && dl == n && memcmp(d, data, n) == 0)
			return 1;
	return 0;
}

int
psbt_spend_uses_key(const struct psbt_spend *s, const uint8_t *pub, size_t pub_len)
{
	const uint8_t *script;
	size_t len;
	uint8_t h[20];

	if (s->kind == PSBT_SPEND_WPKH || (s->kind == PSBT_SPEND_LEGACY &&
	    (s->nested ? s->rs_info.type : s->spk_info.type) == SCRIPT_P2PKH)) {
		const uint8_t *prog = s->nested ? s->rs_info.program : s->spk_info.program;

		if (s->kind == PSBT_SPEND_WPKH && pub_len != 33)
			return 0;	/* segwit needs compressed keys */
		hash160(h, pub, pub_len);
		return memcmp(h, prog, 20) == 0;
	}
	if (s->kind == PSBT_SPEND_WSH && pub_len != 33)
		return 0;
	script = psbt_spend_script(s, &len);
	return psbt_script_has_push(script, len, pub, pub_len);
}

int
psbt_spend_sighash_ecdsa(uint8_t msg[32], const struct psbt_spend *s, const struct tx *tx,
    const struct sighash_cache *c, size_t i, uint32_t hash_type)
{
	const uint8_t *script;
	size_t len;
	struct cbuf code;
	int ret;

	memset(msg, 0, 32);
	/* SIGHASH_SINGLE without a matching output signs the constant 1: refuse. */
	if ((hash_type & 0x1f) == SIGHASH_SINGLE && i >= tx->n_out)
		return COFFER_ERR_BAD_SIGHASH_TYPE;
	switch (s->kind) {
	case PSBT_SPEND_LEGACY:
		script = psbt_spend_script(s, &len);
		return sighash_legacy(msg, tx, i, script, len, hash_type);
	case PSBT_SPEND_WPKH:
		cbuf_init(&code, 32);
		if ((ret = script_p2pkh(&code, s->nested ? s->rs_info.program :
		    s->spk_info.program)) == 0)
			ret = sighash_segwit_v0(msg, c, i, code.p, code.len, s->amount, hash_type);
		cbuf_free(&code);
		return ret;
	case PSBT_SPEND_WSH:
		return sighash_segwit_v0(msg, c, i, s->ws, s->ws_len, s->amount, hash_type);
	default:
		return COFFER_ERR_UNSUPPORTED;
	}
}

void
psbt_spent_free(struct tx_out *spent, size_t n)
{
	size_t i;

	if (spent == NULL)
		return;
	for (i = 0; i < n; i++)
		free(spent[i].script_pubkey);
	free(spent);
}

int
psbt_spent_outputs(struct tx_out **out, const struct psbt *p)
{
	struct tx_out *spent;
	struct cbuf spk;
	size_t i;
	int ret = 0;

	*out = NULL;
	if ((spent = calloc(p->n_in + 1, sizeof(*spent))) == NULL)
		return COFFER_ERR_NOMEM;
	cbuf_init(&spk, TX_MAX_SIZE);
	for (i = 0; i < p->n_in; i++) {
		cbuf_reset(&spk);
		if ((ret = psbt_input_utxo(&spent[i].value, &spk, NULL, p, i)) != 0)
			break;
		if (spk.len > 0) {
			if ((spent[i].script_pubkey = malloc(spk.len)) == NULL) {
				ret = COFFER_ERR_NOMEM;
				break;
			}
			memcpy(spent[i].script_pubkey, spk.p, spk.len);
		}
		spent[i].script_pubkey_len = spk.len;
	}
	cbuf_free(&spk);
	if (ret != 0) {
		psbt_spent_free(spent, p->n_in);
		return ret;
	}
	*out = spent;
	return 0;
}

int
psbt_sighash_type(uint32_t *out, const struct psbt_map *m, int taproot)
{
	const struct psbt_kv *kv = psbt_map_find(m, PSBT_IN_SIGHASH_TYPE, NULL, 0);
	uint32_t t, base;

	*out = taproot ? SIGHASH_DEFAULT : SIGHASH_ALL;
	if (kv == NULL)
		return 0;
	t = psbt_le32(kv->value);
	base = t & ~(uint32_t)SIGHASH_ANYONECANPAY;
	if (taproot ? (t != SIGHASH_DEFAULT && (base < 1 || base > 3)) : (base < 1 || base > 3))
		return COFFER_ERR_BAD_SIGHASH_TYPE;
	*out = t;
	return 0;
}
