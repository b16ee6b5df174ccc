/*
 * PSBT maps: ordered lists of owned key/value pairs, lookup, canonical
 * insertion and duplicate detection.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/psbt_int.h"
#include "common/buf.h"
#include "common/err.h"

int
psbt_kv_make(struct psbt_kv *kv, uint64_t type, const uint8_t *keydata, size_t keydata_len,
    const uint8_t *value, size_t value_len)
{
	size_t tl = compact_size_len(type), i;
	uint8_t *mem;

	memset(kv, 0, sizeof(*kv));
	if (keydata_len > PSBT_MAX_KEY_SIZE - tl || value_len > PSBT_MAX_SIZE)
		return COFFER_ERR_TOO_LARGE;
	if ((mem = malloc(tl + keydata_len + value_len + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	/* CompactSize of the type, written by hand to avoid a cbuf per pair. */
	if (tl == 1) {
		mem[0] = (uint8_t)type;
	} else {
		mem[0] = tl == 3 ? 0xfd : tl == 5 ? 0xfe : 0xff;
		for (i = 1; i < tl; i++)
			mem[i] = (uint8_t)(type >> (8 * (i - 1)));
	}
	if (keydata_len > 0)
		memcpy(mem + tl, keydata, keydata_len);
	if (value_len > 0)
		memcpy(mem + tl + keydata_len, value, value_len);
	kv->key = mem;
	kv->key_len = tl + keydata_len;
	kv->value = mem + kv->key_len;
	kv->value_len = value_len;
	kv->type = type;
	kv->keydata_off = tl;
	return 0;
}

int
psbt_kv_make_raw(struct psbt_kv *kv, const uint8_t *key, size_t key_len, const uint8_t *value,
    size_t value_len)
{
	struct creader r;
	const uint8_t *kd;
	uint64_t type;
	size_t kd_len;
	int ret;

	memset(kv, 0, sizeof(*kv));
	if (key_len == 0)
		return COFFER_ERR_PSBT_BAD_KEY;
	creader_init(&r, key, key_len);
	if ((ret = creader_get_compact(&r, &type)) != 0)
		return ret;
	kd_len = creader_remaining(&r);
	if ((ret = creader_get_ptr(&r, &kd, kd_len)) != 0)
		return ret;
	return psbt_kv_make(kv, type, kd, kd_len, value, value_len);
}

void
psbt_kv_free(struct psbt_kv *kv)
{
	free(kv->key);
	memset(kv, 0, sizeof(*kv));
}

void
psbt_map_free(struct psbt_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		psbt_kv_free(&m->kv[i]);
	free(m->kv);
	m->kv = NULL;
	m->n = 0;
	m->cap = 0;
}

static int
map_grow(struct psbt_map *m)
{
	struct psbt_kv *nk;
	size_t ncap;

	if (m->n >= PSBT_MAX_MAP_FIELDS)
		return COFFER_ERR_TOO_LARGE;
	if (m->n < m->cap)
		return 0;
	ncap = m->cap == 0 ? 8 : m->cap * 2;
	if (ncap > PSBT_MAX_MAP_FIELDS)
		ncap = PSBT_MAX_MAP_FIELDS;
	if ((nk = realloc(m->kv, ncap * sizeof(*nk))) == NULL)
		return COFFER_ERR_NOMEM;
	m->kv = nk;
	m->cap = ncap;
	return 0;
}

int
psbt_map_append(struct psbt_map *m, struct psbt_kv *kv)
{
	int ret;

	if ((ret = map_grow(m)) != 0)
		return ret;
	m->kv[m->n++] = *kv;
	memset(kv, 0, sizeof(*kv));
	return 0;
}

int
psbt_map_insert_sorted(struct psbt_map *m, enum psbt_map_kind kind, struct psbt_kv *kv)
{
	size_t pos;
	int ret;

	if ((ret = map_grow(m)) != 0)
		return ret;
	/* Before the first pair that sorts after the new one. */
	for (pos = 0; pos < m->n; pos++)
		if (psbt_kv_cmp(kind, &m->kv[pos], kv) > 0)
			break;
	memmove(&m->kv[pos + 1], &m->kv[pos], (m->n - pos) * sizeof(*kv));
	m->kv[pos] = *kv;
	m->n++;
	memset(kv, 0, sizeof(*kv));
	return 0;
}

struct psbt_kv *
psbt_map_find_key(const struct psbt_map *m, const uint8_t *key, size_t key_len)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->kv[i].key_len == key_len && memcmp(m->kv[i].key, key, key_len) == 0)
			return &m->kv[i];
	return NULL;
}

int
psbt_map_put(struct psbt_map *m, enum psbt_map_kind kind, struct psbt_kv *kv)
{
	struct psbt_kv *old = psbt_map_find_key(m, kv->key, kv->key_len);

	if (old != NULL) {
		psbt_kv_free(old);
		*old = *kv;
		memset(kv, 0, sizeof(*kv));
		return 0;
	}
	return psbt_map_insert_sorted(m, kind, kv);
}

int
psbt_map_copy(struct psbt_map *dst, const struct psbt_map *src)
{
	struct psbt_kv kv;
	size_t i;
	int ret;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		const struct psbt_kv *s = &src->kv[i];

		if ((ret = psbt_kv_make(&kv, s->type, psbt_kv_keydata(s), psbt_kv_keydata_len(s),
		    s->value, s->value_len)) != 0 ||
		    (ret = psbt_map_append(dst, &kv)) != 0) {
			psbt_kv_free(&kv);
			psbt_map_free(dst);
			return ret;
		}
	}
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct psbt_kv *x = *(const struct psbt_kv *const *)a;
	const struct psbt_kv *y = *(const struct psbt_kv *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

int
psbt_map_check_dups(const struct psbt_map *m)
{
	const struct psbt_kv **idx;
	size_t i;
	int ret = 0;

	if (m->n < 2)
		return 0;
	/* Sort pointers by key, then compare neighbours: O(n log n) on hostile maps. */
	if ((idx = calloc(m->n, sizeof(*idx))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < m->n; i++)
		idx[i] = &m->kv[i];
	qsort(idx, m->n, sizeof(*idx), key_cmp);
	for (i = 1; i < m->n; i++) {
		if (key_cmp(&idx[i - 1], &idx[i]) == 0) {
			ret = COFFER_ERR_PSBT_DUP_KEY;
			break;
		}
	}
	free(idx);
	return ret;
}

const struct psbt_kv *
psbt_map_find(const struct psbt_map *m, uint64_t type, const uint8_t *keydata, size_t keydata_len)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct psbt_kv *kv = &m->kv[i];

		if (kv->type == type && psbt_kv_keydata_len(kv) == keydata_len &&
		    (keydata_len == 0 || memcmp(psbt_kv_keydata(kv), keydata, keydata_len) == 0))
			return kv;
	}
	return NULL;
}

size_t
psbt_map_count_type(const struct psbt_map *m, uint64_t type)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		if (m->kv[i].type == type)
			n++;
	return n;
}

void
psbt_map_remove(struct psbt_map *m, uint64_t type, const uint8_t *keydata, size_t keydata_len)
{
	size_t i, j = 0;

	for (i = 0; i < m->n; i++) {
		struct psbt_kv *kv = &m->kv[i];
		int match = kv->type == type && (keydata == NULL ||
		    (psbt_kv_keydata_len(kv) == keydata_len &&
		    memcmp(psbt_kv_keydata(kv), keydata, keydata_len) == 0));

		if (match)
			psbt_kv_free(kv);
		else
			m->kv[j++] = *kv;
	}
	m->n = j;
}
