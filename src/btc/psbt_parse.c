/*
 * PSBT parsing: maps, per-field checks, duplicate keys, version rules (BIP174
 * v0, BIP370 v2), and the life cycle of a struct psbt.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/psbt_int.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

static const uint8_t psbt_magic[5] = { 'p', 's', 'b', 't', 0xff };

void
psbt_init(struct psbt *p)
{
	memset(p, 0, sizeof(*p));
	tx_init(&p->tx);
}

void
psbt_free(struct psbt *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_in; i++)
		psbt_map_free(&p->in[i].map);
	for (i = 0; i < p->n_out; i++)
		psbt_map_free(&p->out[i].map);
	free(p->in);
	free(p->out);
	psbt_map_free(&p->global);
	tx_free(&p->tx);
	psbt_init(p);
}

int
psbt_copy(struct psbt *dst, const struct psbt *src)
{
	size_t i;
	int ret;

	psbt_init(dst);
	dst->version = src->version;
	dst->has_fallback_locktime = src->has_fallback_locktime;
	dst->tx_modifiable = src->tx_modifiable;
	if ((ret = tx_copy(&dst->tx, &src->tx)) != 0)
		goto fail;
	if ((dst->in = calloc(src->n_in + 1, sizeof(*dst->in))) == NULL ||
	    (dst->out = calloc(src->n_out + 1, sizeof(*dst->out))) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto fail;
	}
	dst->n_in = src->n_in;
	dst->n_out = src->n_out;
	if ((ret = psbt_map_copy(&dst->global, &src->global)) != 0)
		goto fail;
	for (i = 0; i < src->n_in; i++) {
		dst->in[i].time_locktime = src->in[i].time_locktime;
		dst->in[i].height_locktime = src->in[i].height_locktime;
		if ((ret = psbt_map_copy(&dst->in[i].map, &src->in[i].map)) != 0)
			goto fail;
	}
	for (i = 0; i < src->n_out; i++)
		if ((ret = psbt_map_copy(&dst->out[i].map, &src->out[i].map)) != 0)
			goto fail;
	return 0;
fail:
	psbt_free(dst);
	return ret;
}

/* Read one map up to its 0x00 separator, in file order; *total counts pairs
 * across the whole PSBT. */
static int
read_map(struct psbt_map *m, struct creader *r, size_t *total)
{
	const uint8_t *key, *value;
	size_t key_len, value_len;
	struct psbt_kv kv;
	int ret;

	for (;;) {
		if ((ret = creader_get_varbytes(r, &key, &key_len, PSBT_MAX_KEY_SIZE)) != 0)
			return ret;
		if (key_len == 0)
			break;	/* separator */
		if (++*total > PSBT_MAX_FIELDS)
			return COFFER_ERR_TOO_LARGE;
		if ((ret = creader_get_varbytes(r, &value, &value_len, PSBT_MAX_SIZE)) != 0)
			return ret;
		if ((ret = psbt_kv_make_raw(&kv, key, key_len, value, value_len)) != 0)
			return ret;
		if ((ret = psbt_map_append(m, &kv)) != 0) {
			psbt_kv_free(&kv);
			return ret;
		}
	}
	return psbt_map_check_dups(m);
}

static int
check_map(const struct psbt_map *m, enum psbt_map_kind kind, uint32_t version)
{
	size_t i;
	int ret;

	for (i = 0; i < m->n; i++)
		if ((ret = psbt_kv_check(kind, version, &m->kv[i])) != 0)
			return ret;
	return 0;
}

static const struct psbt_kv *
find_keyless(const struct psbt_map *m, uint8_t type)
{
	return psbt_map_find(m, type, NULL, 0);
}

/* Required fields of a map for a version (table flags PSBT_REQ_*). */
static int
check_required(const struct psbt_map *m, enum psbt_map_kind kind, uint32_t version)
{
	static const uint8_t global_v2[] = { PSBT_GLOBAL_TX_VERSION, PSBT_GLOBAL_INPUT_COUNT,
		PSBT_GLOBAL_OUTPUT_COUNT };
	static const uint8_t input_v2[] = { PSBT_IN_PREVIOUS_TXID, PSBT_IN_OUTPUT_INDEX };
	static const uint8_t output_v2[] = { PSBT_OUT_AMOUNT, PSBT_OUT_SCRIPT };
	const uint8_t *req;
	size_t n, i;

	if (version == 0) {
		if (kind == PSBT_MAP_GLOBAL && find_keyless(m, PSBT_GLOBAL_UNSIGNED_TX) == NULL)
			return COFFER_ERR_PSBT_MISSING_FIELD;
		return 0;
	}
	if (kind == PSBT_MAP_GLOBAL) {
		req = global_v2;
		n = sizeof(global_v2);
	} else if (kind == PSBT_MAP_INPUT) {
		req = input_v2;
		n = sizeof(input_v2);
	} else {
		req = output_v2;
		n = sizeof(output_v2);
	}
	for (i = 0; i < n; i++)
		if (find_keyless(m, req[i]) == NULL)
			return COFFER_ERR_PSBT_MISSING_FIELD;
	return 0;
}

/* v0: the unsigned transaction: legacy serialisation, empty scriptSigs. */
static int
load_unsigned_tx(struct psbt *p)
{
	const struct psbt_kv *kv = find_keyless(&p->global, PSBT_GLOBAL_UNSIGNED_TX);
	struct tx probe;
	size_t i;
	int ret;

	if ((ret = tx_parse(&p->tx, kv->value, kv->value_len, TX_NO_WITNESS)) != 0) {
		if (ret == COFFER_ERR_NOMEM)
			return ret;
		/* Say why when it is a transaction in BIP144 form: marker, flag,
		 * at least one input (the witness parser refuses all-empty
		 * witnesses with BAD_TX). */
		ret = tx_parse(&probe, kv->value, kv->value_len, 0);
		tx_free(&probe);
		if (ret == COFFER_ERR_NOMEM)
			return ret;
		if ((ret == 0 || ret == COFFER_ERR_BAD_TX) && kv->value_len > 6 &&
		    kv->value[4] == 0x00 && kv->value[5] == 0x01 && kv->value[6] != 0x00)
			return COFFER_ERR_PSBT_UNSIGNED_TX;
		return COFFER_ERR_PSBT_BAD_VALUE;
	}
	for (i = 0; i < p->tx.n_in; i++)
		if (p->tx.in[i].script_sig_len != 0)
			return COFFER_ERR_PSBT_UNSIGNED_TX;
	if (p->tx.n_in > PSBT_MAX_INPUTS || p->tx.n_out > PSBT_MAX_OUTPUTS)
		return COFFER_ERR_TOO_LARGE;
	return 0;
}

static int
read_count(uint64_t *out, const struct psbt_map *m, uint8_t type)
{
	const struct psbt_kv *kv = find_keyless(m, type);
	struct creader r;

	creader_init(&r, kv->value, kv->value_len);
	return creader_get_compact(&r, out);	/* checked by chk_compact */
}

static int
parse_maps(struct psbt *p, struct creader *r)
{
	const struct psbt_kv *kv;
	uint64_t n_in = 0, n_out = 0, i;
	size_t total = 0;
	int ret;

	if ((ret = read_map(&p->global, r, &total)) != 0)
		return ret;
	if ((kv = find_keyless(&p->global, PSBT_GLOBAL_VERSION)) != NULL) {
		if (kv->value_len != 4)
			return COFFER_ERR_PSBT_BAD_VALUE;
		p->version = psbt_le32(kv->value);
		if (p->version != 0 && p->version != 2)
			return COFFER_ERR_PSBT_VERSION;
	}
	if ((ret = check_map(&p->global, PSBT_MAP_GLOBAL, p->version)) != 0 ||
	    (ret = check_required(&p->global, PSBT_MAP_GLOBAL, p->version)) != 0)
		return ret;
	if (p->version == 0) {
		if ((ret = load_unsigned_tx(p)) != 0)
			return ret;
		n_in = p->tx.n_in;
		n_out = p->tx.n_out;
	} else {
		if ((ret = read_count(&n_in, &p->global, PSBT_GLOBAL_INPUT_COUNT)) != 0 ||
		    (ret = read_count(&n_out, &p->global, PSBT_GLOBAL_OUTPUT_COUNT)) != 0)
			return ret;
		if (n_in > PSBT_MAX_INPUTS || n_out > PSBT_MAX_OUTPUTS)
			return COFFER_ERR_TOO_LARGE;
		/* Every map ends with a separator byte: more maps than bytes cannot be. */
		if (n_in + n_out > creader_remaining(r))
			return COFFER_ERR_TRUNCATED;
	}
	/* The arrays are bounded by the bytes left (v2) or by the tx (v0). */
	if ((p->in = calloc((size_t)n_in + 1, sizeof(*p->in))) == NULL ||
	    (p->out = calloc((size_t)n_out + 1, sizeof(*p->out))) == NULL)
		return COFFER_ERR_NOMEM;
	p->n_in = (size_t)n_in;
	p->n_out = (size_t)n_out;
	for (i = 0; i < n_in; i++) {
		if ((ret = read_map(&p->in[i].map, r, &total)) != 0 ||
		    (ret = check_map(&p->in[i].map, PSBT_MAP_INPUT, p->version)) != 0 ||
		    (ret = check_required(&p->in[i].map, PSBT_MAP_INPUT, p->version)) != 0)
			return ret;
	}
	for (i = 0; i < n_out; i++) {
		if ((ret = read_map(&p->out[i].map, r, &total)) != 0 ||
		    (ret = check_map(&p->out[i].map, PSBT_MAP_OUTPUT, p->version)) != 0 ||
		    (ret = check_required(&p->out[i].map, PSBT_MAP_OUTPUT, p->version)) != 0)
			return ret;
	}
	if (p->version == 2 && (ret = psbt_v2_load_tx(p)) != 0)
		return ret;
	return creader_expect_end(r);
}

int
psbt_parse(struct psbt *p, const uint8_t *buf, size_t len)
{
	struct creader r;
	uint8_t magic[5];
	int ret;

	psbt_init(p);
	if (len > PSBT_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	creader_init(&r, buf, len);
	if (creader_get_bytes(&r, magic, sizeof(magic)) != 0 ||
	    memcmp(magic, psbt_magic, sizeof(magic)) != 0)
		return COFFER_ERR_PSBT_MAGIC;
	if ((ret = parse_maps(p, &r)) != 0)
		psbt_free(p);
	return ret;
}

int
psbt_parse_base64(struct psbt *p, const char *s, size_t len)
{
	struct cbuf raw;
	int ret;

	psbt_init(p);
	while (len > 0 && strchr(" \t\r\n", s[0]) != NULL) {
		s++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	if (len / 4 * 3 > PSBT_MAX_SIZE + 3)
		return COFFER_ERR_TOO_LARGE;
	cbuf_init(&raw, PSBT_MAX_SIZE + 3);
	if ((ret = base64_decode_buf(&raw, s, len)) == 0)
		ret = psbt_parse(p, raw.p, raw.len);
	cbuf_free(&raw);
	return ret;
}

int
psbt_create(struct psbt *p, const struct tx *tx)
{
	struct cbuf b;
	struct psbt_kv kv;
	size_t i;
	int ret;

	psbt_init(p);
	for (i = 0; i < tx->n_in; i++)
		if (tx->in[i].script_sig_len != 0 || tx->in[i].witness.count != 0)
			return COFFER_ERR_PSBT_UNSIGNED_TX;
	if (tx->n_in > PSBT_MAX_INPUTS || tx->n_out > PSBT_MAX_OUTPUTS)
		return COFFER_ERR_TOO_LARGE;
	cbuf_init(&b, PSBT_MAX_SIZE);
	if ((ret = tx_serialize(&b, tx, TX_NO_WITNESS)) != 0 ||
	    (ret = psbt_kv_make(&kv, PSBT_GLOBAL_UNSIGNED_TX, NULL, 0, b.p, b.len)) != 0)
		goto out;
	if ((ret = psbt_map_append(&p->global, &kv)) != 0) {
		psbt_kv_free(&kv);
		goto out;
	}
	if ((ret = tx_copy(&p->tx, tx)) != 0)
		goto out;
	if ((p->in = calloc(tx->n_in + 1, sizeof(*p->in))) == NULL ||
	    (p->out = calloc(tx->n_out + 1, sizeof(*p->out))) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	p->n_in = tx->n_in;
	p->n_out = tx->n_out;
out:
	cbuf_free(&b);
	if (ret != 0)
		psbt_free(p);
	return ret;
}

/* Fields mirrored in p->tx (or the PSBT's version): not settable one by one. */
static int
is_tx_field(enum psbt_map_kind kind, uint64_t type)
{
	switch (kind) {
	case PSBT_MAP_GLOBAL:
		return type <= PSBT_GLOBAL_TX_MODIFIABLE && type != PSBT_GLOBAL_XPUB ? 1 :
		    type == PSBT_GLOBAL_VERSION;
	case PSBT_MAP_INPUT:
		return type >= PSBT_IN_PREVIOUS_TXID && type <= PSBT_IN_REQUIRED_HEIGHT_LOCKTIME;
	default:
		return type == PSBT_OUT_AMOUNT || type == PSBT_OUT_SCRIPT;
	}
}

int
psbt_map_set(struct psbt *p, struct psbt_map *m, enum psbt_map_kind kind, uint64_t type,
    const uint8_t *keydata, size_t keydata_len, const uint8_t *value, size_t value_len)
{
	struct psbt_kv kv;
	int ret;

	if (is_tx_field(kind, type))
		return COFFER_ERR_INVALID_ARG;
	if ((ret = psbt_kv_make(&kv, type, keydata, keydata_len, value, value_len)) != 0)
		return ret;
	if ((ret = psbt_kv_check(kind, p->version, &kv)) != 0 ||
	    (ret = psbt_map_put(m, kind, &kv)) != 0)
		psbt_kv_free(&kv);
	return ret;
}
