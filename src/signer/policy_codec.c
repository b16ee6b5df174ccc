/*
 * Binary forms of the policy and the ledger (the sealed-state blob), and the
 * ledger's rolling 24-hour window. Every decoder reads hostile bytes through
 * struct creader.
 */
#include <stdlib.h>
#include <endian.h>
#include <string.h>

#include "btc/tx.h"
#include "common/err.h"
#include "signer/policy.h"
#include "signer/policy_int.h"

#define POLICY_FLAG_KILL 0x01
#define STATE_BLOB_V1    1

/* --- Policy ---------------------------------------------------------------- */

int
policy_encode(struct cbuf *out, const struct signer_policy *p)
{
	size_t i;
	int r;

	if ((r = cbuf_put_u8(out, POLICY_ENCODING_V1)) != 0 ||
	    (r = cbuf_put_u8(out, (uint8_t)p->net)) != 0 ||
	    (r = cbuf_put_u8(out, p->kill_switch ? POLICY_FLAG_KILL : 0)) != 0 ||
	    (r = cbuf_put_u64le(out, p->max_per_payment_sat)) != 0 ||
	    (r = cbuf_put_u64le(out, p->max_24h_sat)) != 0 ||
	    (r = cbuf_put_u64le(out, p->max_fee_sat)) != 0 ||
	    (r = cbuf_put_u64le(out, p->max_feerate_sat_vb)) != 0 ||
	    (r = cbuf_put_u64le(out, p->passphrase_threshold_sat)) != 0 ||
	    (r = cbuf_put_u32le(out, p->allowlist_range)) != 0 ||
	    (r = cbuf_put_u8(out, (uint8_t)p->n_allow)) != 0)
		return r;
	for (i = 0; i < p->n_allow; i++) {
		if ((r = cbuf_put_u8(out, p->allow[i].is_descriptor ? 1 : 0)) != 0 ||
		    (r = cbuf_put_varbytes(out, (const uint8_t *)p->allow[i].text,
		    strlen(p->allow[i].text))) != 0)
			return r;
	}
	return 0;
}

static int
limit_ok(uint64_t v)
{
	return v <= (uint64_t)TX_MAX_MONEY;
}

int
policy_decode(struct signer_policy *p, struct creader *r, enum btc_network net)
{
	struct creader save = *r;
	const uint8_t *s;
	size_t slen, i;
	uint8_t version, netb, flags, n, kind[POLICY_MAX_ALLOWLIST];
	int ret = COFFER_ERR_POLICY_ENCODING;

	policy_init(p, net);
	if (creader_get_u8(r, &version) != 0 || version != POLICY_ENCODING_V1 ||
	    creader_get_u8(r, &netb) != 0 || netb != (uint8_t)net ||
	    creader_get_u8(r, &flags) != 0 || (flags & ~POLICY_FLAG_KILL) != 0 ||
	    creader_get_u64le(r, &p->max_per_payment_sat) != 0 ||
	    creader_get_u64le(r, &p->max_24h_sat) != 0 ||
	    creader_get_u64le(r, &p->max_fee_sat) != 0 ||
	    creader_get_u64le(r, &p->max_feerate_sat_vb) != 0 ||
	    creader_get_u64le(r, &p->passphrase_threshold_sat) != 0 ||
	    creader_get_u32le(r, &p->allowlist_range) != 0 ||
	    creader_get_u8(r, &n) != 0 || n > POLICY_MAX_ALLOWLIST)
		goto fail;
	if (!limit_ok(p->max_per_payment_sat) || !limit_ok(p->max_24h_sat) ||
	    !limit_ok(p->max_fee_sat) || !limit_ok(p->max_feerate_sat_vb) ||
	    !limit_ok(p->passphrase_threshold_sat))
		goto fail;
	p->kill_switch = (flags & POLICY_FLAG_KILL) != 0;
	for (i = 0; i < n; i++) {
		if (creader_get_u8(r, &kind[i]) != 0 || kind[i] > 1 ||
		    creader_get_varbytes(r, &s, &slen, POLICY_MAX_ENTRY_LEN) != 0 ||
		    slen == 0 || memchr(s, 0, slen) != NULL)
			goto fail;
		if ((p->allow[i].text = malloc(slen + 1)) == NULL) {
			ret = COFFER_ERR_NOMEM;
			goto fail;
		}
		memcpy(p->allow[i].text, s, slen);
		p->allow[i].text[slen] = '\0';
		p->n_allow = i + 1;
	}
	if ((ret = policy_expand(p, NULL)) != 0)
		goto fail;
	/* The kind recorded must be the kind the text validates as. */
	for (i = 0; i < n; i++) {
		if (p->allow[i].is_descriptor != kind[i]) {
			ret = COFFER_ERR_POLICY_ENCODING;
			goto fail;
		}
	}
	return 0;
fail:
	policy_free(p);
	*r = save;
	return ret;
}

/* --- Ledger ---------------------------------------------------------------- */

void
ledger_init(struct signer_ledger *l)
{
	memset(l, 0, sizeof(*l));
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* An entry at time t counts while now <= t + 24 h (conservative at the boundary). */
static int
in_window(uint64_t t, uint64_t now)
{
	return t >= now || now - t <= LEDGER_WINDOW_SECS;
}

uint64_t
ledger_window_total(const struct signer_ledger *l, uint64_t now)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (in_window(l->e[i].time, now))
			sum = sat_add(sum, l->e[i].amount_sat);
	return sum;
}

void
ledger_prune(struct signer_ledger *l, uint64_t now)
{
	size_t i = 0;

	/* Entries are in time order: the expired ones are a prefix. */
	while (i < l->n && !in_window(l->e[i].time, now))
		i++;
	if (i > 0) {
		memmove(&l->e[0], &l->e[i], (l->n - i) * sizeof(l->e[0]));
		l->n -= i;
	}
}

int
ledger_charge(struct signer_ledger *l, uint64_t now, uint64_t amount_sat)
{
	if (l->n > LEDGER_MAX_ENTRIES)
		return COFFER_ERR_INVALID_ARG;
	if (amount_sat == 0)
		return 0;
	ledger_prune(l, now);
	if (l->n > 0 && now < l->e[l->n - 1].time)
		now = l->e[l->n - 1].time;
	if (l->n == LEDGER_MAX_ENTRIES) {
		/* Merge the two oldest at the later time: the sum stays counted at least as long. */
		l->e[1].amount_sat = sat_add(l->e[0].amount_sat, l->e[1].amount_sat);
		memmove(&l->e[0], &l->e[1], (l->n - 1) * sizeof(l->e[0]));
		l->n--;
	}
	l->e[l->n].time = now;
	l->e[l->n].amount_sat = amount_sat;
	l->n++;
	return 0;
}

int
ledger_encode(struct cbuf *out, const struct signer_ledger *l)
{
	uint64_t le;
	uint8_t *p;
	size_t i;
	int r;

	if (l->n > LEDGER_MAX_ENTRIES)
		return COFFER_ERR_INVALID_ARG;
	/* Written in place after one reservation: a full ledger (16 KiB) is
	 * re-encoded with every signature, so this is on the signing path. */
	if ((r = cbuf_put_u8(out, LEDGER_ENCODING_V1)) != 0 ||
	    (r = cbuf_put_u16le(out, (uint16_t)l->n)) != 0 ||
	    (r = cbuf_reserve(out, 16 * l->n)) != 0)
		return r;
	p = out->p + out->len;
	for (i = 0; i < l->n; i++, p += 16) {
		le = htole64(l->e[i].time);
		memcpy(p, &le, 8);
		le = htole64(l->e[i].amount_sat);
		memcpy(p + 8, &le, 8);
	}
	out->len += 16 * l->n;
	return 0;
}

int
ledger_decode(struct signer_ledger *l, struct creader *r)
{
	struct creader save = *r;
	uint16_t n;
	uint8_t version;
	size_t i;

	ledger_init(l);
	if (creader_get_u8(r, &version) != 0 || version != LEDGER_ENCODING_V1 ||
	    creader_get_u16le(r, &n) != 0 || n > LEDGER_MAX_ENTRIES ||
	    creader_remaining(r) / 16 < n)
		goto fail;
	for (i = 0; i < n; i++) {
		if (creader_get_u64le(r, &l->e[i].time) != 0 ||
		    creader_get_u64le(r, &l->e[i].amount_sat) != 0 ||
		    (i > 0 && l->e[i].time < l->e[i - 1].time))
			goto fail;
	}
	l->n = n;
	return 0;
fail:
	ledger_init(l);
	*r = save;
	return COFFER_ERR_POLICY_ENCODING;
}

/* --- The sealed-state blob -------------------------------------------------- */

int
policy_state_encode(struct cbuf *out, const struct signer_policy *p, const struct signer_ledger *l)
{
	int r;

	if ((r = cbuf_put_u8(out, STATE_BLOB_V1)) != 0 ||
	    (r = policy_encode(out, p)) != 0 ||
	    (r = ledger_encode(out, l)) != 0)
		return r;
	return 0;
}

int
policy_state_decode(struct signer_policy *p, struct signer_ledger *l, const uint8_t *blob,
    size_t len, enum btc_network net)
{
	struct creader r;
	uint8_t version;
	int ret;

	ledger_init(l);
	creader_init(&r, blob, len);
	if (creader_get_u8(&r, &version) != 0 || version != STATE_BLOB_V1) {
		policy_init(p, net);
		return COFFER_ERR_POLICY_ENCODING;
	}
	if ((ret = policy_decode(p, &r, net)) != 0)
		return ret;
	if ((ret = ledger_decode(l, &r)) != 0 || (ret = creader_expect_end(&r)) != 0) {
		policy_free(p);
		ledger_init(l);
		return ret;
	}
	return 0;
}
