/* Transaction parsing, serialisation and hashing; see tx.h. */
#include "btc/tx.h"

#include <stdlib.h>
#include <string.h>

#include "btc/hash.h"
#include "common/encoding.h"
#include "common/err.h"

void
tx_init(struct tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->version = 2;
}

void
tx_witness_clear(struct tx_witness *w)
{
	free(w->data);
	w->data = NULL;
	w->len = 0;
	w->count = 0;
}

void
tx_free(struct tx *tx)
{
	size_t i;

	if (tx == NULL)
		return;
	for (i = 0; i < tx->n_in; i++) {
		free(tx->in[i].script_sig);
		tx_witness_clear(&tx->in[i].witness);
	}
	for (i = 0; i < tx->n_out; i++)
		free(tx->out[i].script_pubkey);
	free(tx->in);
	free(tx->out);
	tx_init(tx);
}

/* malloc'd copy of n bytes; NULL with *ok = 1 when n is 0. */
static uint8_t *
dup_bytes(const uint8_t *p, size_t n, int *ok)
{
	uint8_t *d;

	*ok = 1;
	if (n == 0)
		return NULL;
	if ((d = malloc(n)) == NULL) {
		*ok = 0;
		return NULL;
	}
	memcpy(d, p, n);
	return d;
}

int
tx_copy(struct tx *dst, const struct tx *src)
{
	size_t i;
	int ok;

	tx_init(dst);
	dst->version = src->version;
	dst->locktime = src->locktime;
	if ((src->n_in > 0 && (dst->in = calloc(src->n_in, sizeof(*dst->in))) == NULL) ||
	    (src->n_out > 0 && (dst->out = calloc(src->n_out, sizeof(*dst->out))) == NULL))
		goto nomem;
	for (i = 0; i < src->n_in; i++) {
		const struct tx_in *s = &src->in[i];
		struct tx_in *d = &dst->in[i];

		dst->n_in++;
		d->prevout = s->prevout;
		d->sequence = s->sequence;
		d->script_sig = dup_bytes(s->script_sig, s->script_sig_len, &ok);
		if (!ok)
			goto nomem;
		d->script_sig_len = s->script_sig_len;
		d->witness.data = dup_bytes(s->witness.data, s->witness.len, &ok);
		if (!ok)
			goto nomem;
		d->witness.len = s->witness.len;
		d->witness.count = s->witness.count;
	}
	for (i = 0; i < src->n_out; i++) {
		dst->n_out++;
		dst->out[i].value = src->out[i].value;
		dst->out[i].script_pubkey = dup_bytes(src->out[i].script_pubkey,
		    src->out[i].script_pubkey_len, &ok);
		if (!ok)
			goto nomem;
		dst->out[i].script_pubkey_len = src->out[i].script_pubkey_len;
	}
	return 0;
nomem:
	tx_free(dst);
	return COFFER_ERR_NOMEM;
}

/* ---- parsing ---- */

/* Read a count that must fit `min` bytes per element in what remains. */
static int
get_count(struct creader *r, size_t *out, size_t min, size_t cap)
{
	uint64_t n;
	int ret;

	*out = 0;
	if ((ret = creader_get_compact(r, &n)) != 0)
		return ret;
	if (n > cap)
		return COFFER_ERR_TOO_LARGE;
	if (n > creader_remaining(r) / min)
		return COFFER_ERR_TRUNCATED;
	*out = (size_t)n;
	return 0;
}

/* Walk one input. With in == NULL only validate; else fill (allocating). */
static int
walk_input(struct creader *r, struct tx_in *in)
{
	const uint8_t *txid, *ss;
	size_t sslen;
	uint32_t vout, seq;
	int ret, ok;

	if ((ret = creader_get_ptr(r, &txid, 32)) != 0 || (ret = creader_get_u32le(r, &vout)) != 0 ||
	    (ret = creader_get_varbytes(r, &ss, &sslen, TX_MAX_SIZE)) != 0 ||
	    (ret = creader_get_u32le(r, &seq)) != 0)
		return ret;
	if (in == NULL)
		return 0;
	memcpy(in->prevout.txid, txid, 32);
	in->prevout.vout = vout;
	in->sequence = seq;
	if ((in->script_sig = dup_bytes(ss, sslen, &ok)), !ok)
		return COFFER_ERR_NOMEM;
	in->script_sig_len = sslen;
	return 0;
}

static int
walk_output(struct creader *r, struct tx_out *out)
{
	const uint8_t *spk;
	size_t spklen;
	int64_t value;
	int ret, ok;

	if ((ret = creader_get_i64le(r, &value)) != 0 ||
	    (ret = creader_get_varbytes(r, &spk, &spklen, TX_MAX_SIZE)) != 0)
		return ret;
	if (out == NULL)
		return 0;
	out->value = value;
	if ((out->script_pubkey = dup_bytes(spk, spklen, &ok)), !ok)
		return COFFER_ERR_NOMEM;
	out->script_pubkey_len = spklen;
	return 0;
}

static int
walk_witness(struct creader *r, struct tx_witness *w)
{
	const uint8_t *item;
	size_t n, i, start, len;
	int ret, ok;

	if ((ret = get_count(r, &n, 1, TX_MAX_SIZE)) != 0)
		return ret;
	start = r->off;
	for (i = 0; i < n; i++)
		if ((ret = creader_get_varbytes(r, &item, &len, TX_MAX_SIZE)) != 0)
			return ret;
	if (w == NULL)
		return 0;
	w->count = n;
	w->len = r->off - start;
	if ((w->data = dup_bytes(r->p + start, w->len, &ok)), !ok)
		return COFFER_ERR_NOMEM;
	return 0;
}

/* One pass over the serialisation. With fill == 0 only validate and count into
 * tx->n_in/n_out; with fill == 1 the arrays are allocated and get filled. */
static int
walk_tx(struct creader *r, struct tx *tx, unsigned int flags, int fill)
{
	size_t n_in, n_out, i;
	uint8_t wflag = 0;
	int ret, witness_seen = 0;

	if ((ret = creader_get_u32le(r, &tx->version)) != 0 ||
	    (ret = get_count(r, &n_in, TX_MIN_INPUT_SIZE, TX_MAX_INPUTS)) != 0)
		return ret;
	if (n_in == 0 && !(flags & TX_NO_WITNESS)) {
		/* The BIP144 marker reads as an empty input list; the flag follows. */
		if ((ret = creader_get_u8(r, &wflag)) != 0)
			return ret;
		if (wflag != 0 && (ret = get_count(r, &n_in, TX_MIN_INPUT_SIZE, TX_MAX_INPUTS)) != 0)
			return ret;
	}
	if (!fill)
		tx->n_in = n_in;
	for (i = 0; i < n_in; i++)
		if ((ret = walk_input(r, fill ? &tx->in[i] : NULL)) != 0)
			return ret;
	n_out = 0;
	if (n_in != 0 || wflag != 0 || (flags & TX_NO_WITNESS))
		if ((ret = get_count(r, &n_out, TX_MIN_OUTPUT_SIZE, TX_MAX_OUTPUTS)) != 0)
			return ret;
	if (!fill)
		tx->n_out = n_out;
	for (i = 0; i < n_out; i++)
		if ((ret = walk_output(r, fill ? &tx->out[i] : NULL)) != 0)
			return ret;
	if (wflag & 1) {
		for (i = 0; i < n_in; i++) {
			struct creader save = *r;
			uint64_t c;

			if ((ret = creader_get_compact(&save, &c)) == 0 && c != 0)
				witness_seen = 1;
			if ((ret = walk_witness(r, fill ? &tx->in[i].witness : NULL)) != 0)
				return ret;
		}
		/* Core: a witness section whose stacks are all empty is not canonical. */
		if (!witness_seen)
			return COFFER_ERR_BAD_TX;
	}
	if ((wflag & ~1u) != 0)
		return COFFER_ERR_BAD_TX;
	if ((ret = creader_get_u32le(r, &tx->locktime)) != 0)
		return ret;
	return creader_expect_end(r);
}

int
tx_parse(struct tx *tx, const uint8_t *p, size_t len, unsigned int flags)
{
	struct creader r;
	struct tx shape;
	int ret;

	tx_init(tx);
	if (len > TX_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	/* Pass 1: validate everything and learn the counts, allocating nothing. */
	tx_init(&shape);
	creader_init(&r, p, len);
	if ((ret = walk_tx(&r, &shape, flags, 0)) != 0)
		return ret;
	/* Pass 2: allocate what pass 1 saw and copy. Only NOMEM can fail now. */
	if ((shape.n_in > 0 && (tx->in = calloc(shape.n_in, sizeof(*tx->in))) == NULL) ||
	    (shape.n_out > 0 && (tx->out = calloc(shape.n_out, sizeof(*tx->out))) == NULL)) {
		free(tx->in);
		tx_init(tx);
		return COFFER_ERR_NOMEM;
	}
	tx->n_in = shape.n_in;
	tx->n_out = shape.n_out;
	creader_init(&r, p, len);
	if ((ret = walk_tx(&r, tx, flags, 1)) != 0) {
		tx_free(tx);
		return ret == COFFER_ERR_NOMEM ? ret : COFFER_ERR_INTERNAL;
	}
	return 0;
}

/* ---- serialisation ---- */

int
tx_has_witness(const struct tx *tx)
{
	size_t i;

	for (i = 0; i < tx->n_in; i++)
		if (tx->in[i].witness.count != 0)
			return 1;
	return 0;
}

void
tx_sizes(const struct tx *tx, size_t *base, size_t *total)
{
	size_t b = 4 + 4 + compact_size_len(tx->n_in) + compact_size_len(tx->n_out), w = 0, i;

	for (i = 0; i < tx->n_in; i++)
		b += 36 + compact_size_len(tx->in[i].script_sig_len) + tx->in[i].script_sig_len + 4;
	for (i = 0; i < tx->n_out; i++)
		b += 8 + compact_size_len(tx->out[i].script_pubkey_len) + tx->out[i].script_pubkey_len;
	if (tx_has_witness(tx)) {
		w = 2;	/* marker and flag */
		for (i = 0; i < tx->n_in; i++)
			w += compact_size_len(tx->in[i].witness.count) + tx->in[i].witness.len;
	}
	if (base != NULL)
		*base = b;
	if (total != NULL)
		*total = b + w;
}

size_t
tx_weight(const struct tx *tx)
{
	size_t b, t;

	tx_sizes(tx, &b, &t);
	return b * 3 + t;
}

size_t
tx_vsize(const struct tx *tx)
{
	return (tx_weight(tx) + 3) / 4;
}

/* Serialisation goes either into a buffer or straight into a hash. */
struct sink {
	struct cbuf *b;
	struct sha256_ctx *h;
};

static int
sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	if (s->h != NULL) {
		sha256_update(s->h, p, n);
		return 0;
	}
	return cbuf_put(s->b, p, n);
}

static int
sink_u32(struct sink *s, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	return sink_put(s, b, 4);
}

static int
sink_u64(struct sink *s, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return sink_put(s, b, 8);
}

static int
sink_compact(struct sink *s, uint64_t v)
{
	uint8_t b[9];
	size_t n;

	if (v < 0xfd) {
		b[0] = (uint8_t)v;
		n = 1;
	} else if (v <= 0xffff) {
		b[0] = 0xfd;
		b[1] = (uint8_t)v;
		b[2] = (uint8_t)(v >> 8);
		n = 3;
	} else if (v <= 0xffffffffu) {
		b[0] = 0xfe;
		for (n = 0; n < 4; n++)
			b[1 + n] = (uint8_t)(v >> (8 * n));
		n = 5;
	} else {
		b[0] = 0xff;
		for (n = 0; n < 8; n++)
			b[1 + n] = (uint8_t)(v >> (8 * n));
		n = 9;
	}
	return sink_put(s, b, n);
}

static int
ser_tx(struct sink *s, const struct tx *tx, int witness)
{
	size_t i;
	int ret;

	if ((ret = sink_u32(s, tx->version)) != 0)
		return ret;
	if (witness && (ret = sink_put(s, (const uint8_t *)"\x00\x01", 2)) != 0)
		return ret;
	if ((ret = sink_compact(s, tx->n_in)) != 0)
		return ret;
	for (i = 0; i < tx->n_in; i++) {
		const struct tx_in *in = &tx->in[i];

		if ((ret = sink_put(s, in->prevout.txid, 32)) != 0 ||
		    (ret = sink_u32(s, in->prevout.vout)) != 0 ||
		    (ret = sink_compact(s, in->script_sig_len)) != 0 ||
		    (ret = sink_put(s, in->script_sig, in->script_sig_len)) != 0 ||
		    (ret = sink_u32(s, in->sequence)) != 0)
			return ret;
	}
	if ((ret = sink_compact(s, tx->n_out)) != 0)
		return ret;
	for (i = 0; i < tx->n_out; i++) {
		const struct tx_out *o = &tx->out[i];

		if ((ret = sink_u64(s, (uint64_t)o->value)) != 0 ||
		    (ret = sink_compact(s, o->script_pubkey_len)) != 0 ||
		    (ret = sink_put(s, o->script_pubkey, o->script_pubkey_len)) != 0)
			return ret;
	}
	if (witness)
		for (i = 0; i < tx->n_in; i++)
			if ((ret = sink_compact(s, tx->in[i].witness.count)) != 0 ||
			    (ret = sink_put(s, tx->in[i].witness.data, tx->in[i].witness.len)) != 0)
				return ret;
	return sink_u32(s, tx->locktime);
}

int
tx_serialize(struct cbuf *out, const struct tx *tx, unsigned int flags)
{
	struct sink s = { out, NULL };
	size_t start = out->len, base, total;
	int witness = !(flags & TX_NO_WITNESS) && tx_has_witness(tx), ret;

	tx_sizes(tx, &base, &total);
	if ((ret = cbuf_reserve(out, witness ? total : base)) != 0)
		return ret;
	if ((ret = ser_tx(&s, tx, witness)) != 0)
		out->len = start;
	return ret;
}

static void
hash_tx(uint8_t out[32], const struct tx *tx, int witness)
{
	struct sha256_ctx h;
	struct sink s = { NULL, &h };
	uint8_t once[32];

	sha256_init(&h);
	(void)ser_tx(&s, tx, witness);	/* hashing cannot fail */
	sha256_final(&h, once);
	sha256(out, once, 32);
}

int
tx_txid(uint8_t out[32], const struct tx *tx)
{
	hash_tx(out, tx, 0);
	return 0;
}

int
tx_wtxid(uint8_t out[32], const struct tx *tx)
{
	hash_tx(out, tx, tx_has_witness(tx));
	return 0;
}

void
tx_hash_hex(char out[65], const uint8_t hash[32])
{
	uint8_t rev[32];
	size_t i;

	for (i = 0; i < 32; i++)
		rev[i] = hash[31 - i];
	hex_encode(out, 65, rev, 32);
}

int
tx_hash_from_hex(uint8_t out[32], const char *hex)
{
	uint8_t tmp[32];
	size_t i;
	int ret;

	memset(out, 0, 32);
	if (strlen(hex) != 64 || (ret = hex_decode_exact(tmp, 32, hex)) != 0)
		return COFFER_ERR_BAD_HEX;
	for (i = 0; i < 32; i++)
		out[i] = tmp[31 - i];
	return 0;
}
