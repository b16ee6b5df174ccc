/*
 * PSBT serialisation. Pairs are written in list order: a parsed PSBT comes out
 * byte for byte as it came in, and pairs added through the API already sit at
 * their canonical place (psbt_map_insert_sorted).
 */
#include "btc/psbt_int.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"

static int
write_map(struct cbuf *out, const struct psbt_map *m)
{
	size_t i;
	int ret;

	for (i = 0; i < m->n; i++) {
		if ((ret = cbuf_put_varbytes(out, m->kv[i].key, m->kv[i].key_len)) != 0 ||
		    (ret = cbuf_put_varbytes(out, m->kv[i].value, m->kv[i].value_len)) != 0)
			return ret;
	}
	return cbuf_put_u8(out, 0x00);
}

int
psbt_serialize(struct cbuf *out, const struct psbt *p)
{
	static const uint8_t magic[5] = { 'p', 's', 'b', 't', 0xff };
	size_t i;
	int ret;

	if ((ret = cbuf_put(out, magic, sizeof(magic))) != 0 ||
	    (ret = write_map(out, &p->global)) != 0)
		return ret;
	for (i = 0; i < p->n_in; i++)
		if ((ret = write_map(out, &p->in[i].map)) != 0)
			return ret;
	for (i = 0; i < p->n_out; i++)
		if ((ret = write_map(out, &p->out[i].map)) != 0)
			return ret;
	return 0;
}

int
psbt_serialize_base64(struct cbuf *out, const struct psbt *p)
{
	struct cbuf raw;
	int ret;

	cbuf_init(&raw, out->max);
	if ((ret = psbt_serialize(&raw, p)) == 0)
		ret = base64_encode_buf(out, raw.p, raw.len);
	cbuf_free(&raw);
	return ret;
}
