/*
 * Coin selection: branch-and-bound, single-random-draw, largest-first, and
 * the finalisation step that decides change and fee on the exact weight.
 * Algorithms after Bitcoin Core's src/wallet/coinselection.cpp.
 */
#include "wallet/coinselect.h"

#include <stdlib.h>
#include <string.h>

#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

/* One usable coin as the algorithms see it. */
struct cand {
	int64_t amount;		/* selection amount: effective value, or value with subtract_fee */
	int64_t value;
	int64_t fee;		/* fee of its input at fee_rate */
	int64_t ltfee;		/* ... at the long-term rate */
	uint32_t weight;
	size_t idx;		/* index in the caller's array */
};

/* A running selection: enough to finalise in O(1). */
struct sel {
	size_t k;
	int64_t value;
	int64_t amount;
	uint64_t weight;
	int64_t waste_inputs;	/* sum of fee - ltfee */
};

/* Everything derived from the parameters once. */
struct ctx {
	const struct coinsel_params *p;
	uint64_t max_weight;
	int64_t change_fee;
	int64_t cost_of_change;
	int64_t min_viable_change;
	int64_t not_input_fee;
	int64_t sel_target;	/* what the algorithms must reach, preselected coins deducted */
	struct sel pre;		/* the MUST_USE coins */
	uint64_t rng;
};

/* Outcome of finalising one selection. */
struct fin {
	int64_t fee;
	int64_t change;
	int64_t reduction;
	uint64_t weight;
	int64_t waste;
};

int64_t
coinsel_fee(uint64_t fee_rate, uint64_t weight)
{
	uint64_t vsize = (weight + 3) / 4;

	return (int64_t)((fee_rate * vsize + 999) / 1000);
}

/* Fee of a part of a transaction, in fractional vbytes, rounded up. */
static int64_t
part_fee(uint64_t fee_rate, uint64_t weight)
{
	return (int64_t)((fee_rate * weight + 3999) / 4000);
}

int64_t
coinsel_dust_threshold(const uint8_t *spk, size_t spk_len)
{
	uint64_t size = 8 + compact_size_len(spk_len) + spk_len;

	if (spk_len > 0 && spk[0] == 0x6a)
		return 0;	/* OP_RETURN: unspendable, never dust */
	/* Witness program: OP_0..OP_16 then one push of 2..40 bytes. */
	if (spk_len >= 4 && spk_len <= 42 && (spk[0] == 0x00 || (spk[0] >= 0x51 && spk[0] <= 0x60)) &&
	    (size_t)spk[1] + 2 == spk_len)
		size += 32 + 4 + 1 + 107 / 4 + 4;
	else
		size += 32 + 4 + 1 + 107 + 4;
	return (int64_t)(3000 * size / 1000);
}

void
coinsel_result_free(struct coinsel_result *res)
{
	if (res == NULL)
		return;
	free(res->selected);
	memset(res, 0, sizeof(*res));
}

/* splitmix64: privacy shuffling only, never key material. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t
rng_below(uint64_t *s, size_t n)
{
	return (size_t)(rng_next(s) % (uint64_t)n);
}

static void
sel_add(struct sel *s, const struct cand *c)
{
	s->k++;
	s->value += c->value;
	s->amount += c->amount;
	s->weight += c->weight;
	s->waste_inputs += c->fee - c->ltfee;
}

static void
sel_remove(struct sel *s, const struct cand *c)
{
	s->k--;
	s->value -= c->value;
	s->amount -= c->amount;
	s->weight -= c->weight;
	s->waste_inputs -= c->fee - c->ltfee;
}

static int64_t
required_fee(const struct ctx *c, uint64_t weight)
{
	int64_t f = coinsel_fee(c->p->fee_rate, weight), g;

	if (c->p->min_fee > 0 || c->p->min_fee_rate_extra > 0) {
		g = c->p->min_fee + coinsel_fee(c->p->min_fee_rate_extra, weight);
		if (g > f)
			f = g;
	}
	return f;
}

/*
 * Decide change and fee for a selection (the MUST_USE coins added here) on
 * the exact weight. Returns 0, COFFER_ERR_PAY_INSUFFICIENT_FUNDS,
 * COFFER_ERR_PAY_TOO_LARGE, COFFER_ERR_PAY_SUBTRACT_FEE or COFFER_ERR_PAY_DUST_OUTPUT.
 */
static int
finalize(struct fin *f, const struct ctx *c, const struct sel *s0)
{
	const struct coinsel_params *p = c->p;
	struct sel s = *s0;
	uint64_t w0, w1;
	int64_t fee0, fee1, avail;

	memset(f, 0, sizeof(*f));
	s.k += c->pre.k;
	s.value += c->pre.value;
	s.weight += c->pre.weight;
	s.waste_inputs += c->pre.waste_inputs;
	if (s.k == 0)
		return COFFER_ERR_PAY_INSUFFICIENT_FUNDS;
	w0 = p->base_weight + s.weight + 4 * (compact_size_len(s.k) + compact_size_len(p->n_outputs));
	w1 = p->base_weight + s.weight + 4 * (compact_size_len(s.k) + compact_size_len(p->n_outputs + 1)) +
	    p->change_output_weight;
	fee0 = required_fee(c, w0);
	fee1 = required_fee(c, w1);
	avail = s.value - p->target;
	if (avail < 0)
		return COFFER_ERR_PAY_INSUFFICIENT_FUNDS;
	if (p->drain) {
		if (w1 > c->max_weight)
			return COFFER_ERR_PAY_TOO_LARGE;
		if (avail - fee1 <= 0)
			return COFFER_ERR_PAY_INSUFFICIENT_FUNDS;
		if (avail - fee1 < p->change_dust)
			return COFFER_ERR_PAY_DUST_OUTPUT;
		f->change = avail - fee1;
		f->fee = fee1;
		f->weight = w1;
	} else if (p->subtract_fee) {
		if (avail >= c->min_viable_change) {
			f->change = avail;
			f->fee = fee1;
			f->reduction = fee1;
			f->weight = w1;
		} else {
			f->fee = fee0;
			f->reduction = fee0 - avail;
			f->weight = w0;
		}
		if (f->weight > c->max_weight)
			return COFFER_ERR_PAY_TOO_LARGE;
		if (p->fee_output_value - f->reduction < p->fee_output_dust)
			return COFFER_ERR_PAY_SUBTRACT_FEE;
	} else if (avail - fee1 >= c->min_viable_change) {
		f->change = avail - fee1;
		f->fee = fee1;
		f->weight = w1;
	} else if (avail >= fee0 && p->n_outputs > 0) {
		f->fee = avail;	/* the excess, below the cost of change, goes to the fee */
		f->weight = w0;
	} else {
		return COFFER_ERR_PAY_INSUFFICIENT_FUNDS;
	}
	if (f->weight > c->max_weight)
		return COFFER_ERR_PAY_TOO_LARGE;
	f->waste = s.waste_inputs + (f->change > 0 ? c->cost_of_change :
	    p->subtract_fee ? avail : avail - fee0);
	return 0;
}

/* A candidate result: the chosen cand indices (into cands) and its finalisation. */
struct cresult {
	size_t *pick;
	size_t n;
	struct fin fin;
	enum coinsel_algo algo;
	int have;
};

/* Keep `next` if it beats `best` (lower waste, then more inputs). Takes ownership of pick. */
static void
consider(struct cresult *best, size_t *pick, size_t n, const struct fin *fin, enum coinsel_algo algo)
{
	if (best->have && (fin->waste > best->fin.waste ||
	    (fin->waste == best->fin.waste && n <= best->n))) {
		free(pick);
		return;
	}
	free(best->pick);
	best->pick = pick;
	best->n = n;
	best->fin = *fin;
	best->algo = algo;
	best->have = 1;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_amount_desc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->amount != y->amount)
		return x->amount > y->amount ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct sortkey {
	uint64_t key;		/* TX_MAX_MONEY - amount: ascending = amount descending */
	size_t pos;
};

/*
 * Sort by descending amount, ties by ascending index (the order qsort with
 * cmp_amount_desc gives). Large wallets use an LSD radix sort on the 51-bit
 * amount: qsort of 100,000 coins alone took ~20 ms here, this ~2 ms.
 */
static int
sort_cands(struct cand *c, size_t n)
{
	struct sortkey *a = NULL, *b = NULL, *t;
	struct cand *tmp = NULL;
	size_t count[256], i, shift;
	int r = COFFER_ERR_NOMEM;

	if (n < 2048) {
		qsort(c, n, sizeof(*c), cmp_amount_desc);
		return 0;
	}
	if ((a = malloc(n * sizeof(*a))) == NULL || (b = malloc(n * sizeof(*b))) == NULL ||
	    (tmp = malloc(n * sizeof(*tmp))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		a[i].key = (uint64_t)(TX_MAX_MONEY - c[i].amount);	/* amounts are in 1..TX_MAX_MONEY */
		a[i].pos = i;
	}
	/* c is in ascending idx order already, and every pass is stable. */
	for (shift = 0; shift < 56; shift += 8) {
		size_t sum = 0, v;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(a[i].key >> shift) & 0xff]++;
		if (count[(a[0].key >> shift) & 0xff] == n)
			continue;	/* every key has this byte */
		for (i = 0; i < 256; i++) {
			v = count[i];
			count[i] = sum;
			sum += v;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].key >> shift) & 0xff]++] = a[i];
		t = a, a = b, b = t;
	}
	for (i = 0; i < n; i++)
		tmp[i] = c[a[i].pos];
	memcpy(c, tmp, n * sizeof(*c));
	r = 0;
out:
	free(a);
	free(b);
	free(tmp);
	return r;
}

/*
 * Branch-and-bound (Core's SelectCoinsBnB): depth-first over coins sorted by
 * descending amount, inclusion branch first, looking for a set whose amount
 * lies in [target, target + cost_of_change]; prunes branches that cannot
 * reach the target, overshoot the window, exceed the weight, or (when fees
 * are high) are already more wasteful than the best. cands sorted.
 */
static int
run_bnb(struct cresult *best, uint64_t *tries_out, const struct ctx *c, const struct cand *cands,
    size_t n)
{
	const int64_t target = c->sel_target, upper = c->sel_target + c->cost_of_change;
	uint64_t max_tries = c->p->bnb_max_tries ? c->p->bnb_max_tries : COINSEL_BNB_MAX_TRIES;
	uint64_t weight_budget, tries;
	size_t *cur = NULL, *bestpick = NULL, ncur = 0, nbest = 0, i;
	int64_t avail = 0, waste = 0, best_waste = INT64_MAX;
	struct sel s;
	struct fin fin;
	int feerate_high = c->p->fee_rate > c->p->long_term_fee_rate, found = 0, r = 0;

	*tries_out = 0;
	if (n == 0 || target <= 0)
		return 0;
	for (i = 0; i < n; i++)
		avail += cands[i].amount;
	if (avail < target)
		return 0;
	weight_budget = c->max_weight > c->p->base_weight + c->pre.weight ?
	    c->max_weight - c->p->base_weight - c->pre.weight : 0;
	if ((cur = malloc(n * sizeof(*cur))) == NULL || (bestpick = malloc(n * sizeof(*bestpick))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	memset(&s, 0, sizeof(s));
	i = 0;
	for (tries = 0; tries < max_tries; tries++, i++) {
		int backtrack = 0;

		if (s.amount + avail < target || s.amount > upper ||
		    (waste > best_waste && feerate_high)) {
			backtrack = 1;
		} else if (s.weight > weight_budget) {
			backtrack = 1;
		} else if (s.amount >= target) {
			waste += s.amount - target;
			if (waste <= best_waste) {
				memcpy(bestpick, cur, ncur * sizeof(*cur));
				nbest = ncur;
				best_waste = waste;
				found = 1;
			}
			waste -= s.amount - target;
			backtrack = 1;
		}
		if (backtrack) {
			if (ncur == 0)
				break;
			/* Give the skipped coins back to the lookahead, then exclude the last included one. */
			for (--i; i > cur[ncur - 1]; --i)
				avail += cands[i].amount;
			sel_remove(&s, &cands[i]);
			waste -= cands[i].fee - cands[i].ltfee;
			ncur--;
		} else {
			if (i >= n) {
				/* Cannot happen: at the end avail is 0 and one of the rules above backtracked. */
				abort();
			}
			avail -= cands[i].amount;
			/* Skip a coin equal to an excluded predecessor: same subtree. */
			if (ncur == 0 || i - 1 == cur[ncur - 1] || cands[i].amount != cands[i - 1].amount ||
			    cands[i].fee != cands[i - 1].fee) {
				cur[ncur++] = i;
				sel_add(&s, &cands[i]);
				waste += cands[i].fee - cands[i].ltfee;
			}
		}
	}
	*tries_out = tries;
	if (found) {
		memset(&s, 0, sizeof(s));
		for (i = 0; i < nbest; i++)
			sel_add(&s, &cands[bestpick[i]]);
		if (finalize(&fin, c, &s) == 0) {
			consider(best, bestpick, nbest, &fin, COINSEL_BNB);
			bestpick = NULL;
		}
	}
out:
	free(cur);
	free(bestpick);
	return r;
}

/* Min-heap of cand indices by amount (SRD drops the smallest when over weight). */
static void
heap_push(size_t *h, size_t *n, size_t v, const struct cand *cands)
{
	size_t i = (*n)++, parent;

	h[i] = v;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (cands[h[parent]].amount <= cands[h[i]].amount)
			break;
		v = h[parent], h[parent] = h[i], h[i] = v;
		i = parent;
	}
}

static size_t
heap_pop(size_t *h, size_t *n, const struct cand *cands)
{
	size_t top = h[0], i = 0, l, r, m, t;

	h[0] = h[--(*n)];
	for (;;) {
		l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && cands[h[l]].amount < cands[h[m]].amount)
			m = l;
		if (r < *n && cands[h[r]].amount < cands[h[m]].amount)
			m = r;
		if (m == i)
			break;
		t = h[m], h[m] = h[i], h[i] = t;
		i = m;
	}
	return top;
}

/*
 * Single random draw (Core's SelectCoinsSRD): coins in random order until
 * the amount covers the target, the change fee and CHANGE_LOWER of change;
 * over the weight limit, the smallest selected coin is dropped.
 */
static int
run_srd(struct cresult *best, struct ctx *c, const struct cand *cands, size_t n)
{
	int64_t want = c->sel_target + c->change_fee + COINSEL_CHANGE_LOWER;
	uint64_t weight_budget;
	size_t *order = NULL, *heap = NULL, nh = 0, i, j, t;
	struct sel s;
	struct fin fin;
	int r = 0;

	if (n == 0)
		return 0;
	weight_budget = c->max_weight > c->p->base_weight + c->pre.weight ?
	    c->max_weight - c->p->base_weight - c->pre.weight : 0;
	if ((order = malloc(n * sizeof(*order))) == NULL || (heap = malloc(n * sizeof(*heap))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		/* Lazy Fisher-Yates: draw the next coin from the rest. */
		j = i + rng_below(&c->rng, n - i);
		t = order[i], order[i] = order[j], order[j] = t;
		heap_push(heap, &nh, order[i], cands);
		sel_add(&s, &cands[order[i]]);
		while (s.weight > weight_budget && nh > 0)
			sel_remove(&s, &cands[heap_pop(heap, &nh, cands)]);
		if (s.amount >= want && finalize(&fin, c, &s) == 0) {
			consider(best, heap, nh, &fin, COINSEL_SRD);
			heap = NULL;
			break;
		}
	}
out:
	free(order);
	free(heap);
	return r;
}

/* Largest-first (cands sorted): the fewest inputs that finalise, for small wallets. */
static int
run_largest_first(struct cresult *best, int *why, const struct ctx *c, const struct cand *cands,
    size_t n)
{
	size_t *pick = NULL, i;
	struct sel s;
	struct fin fin;
	int r = 0;

	*why = COFFER_ERR_PAY_INSUFFICIENT_FUNDS;
	if (c->sel_target <= 0 && c->pre.k > 0) {
		memset(&s, 0, sizeof(s));
		if ((*why = finalize(&fin, c, &s)) == 0)
			consider(best, NULL, 0, &fin, COINSEL_MANUAL);
		if (*why != COFFER_ERR_PAY_INSUFFICIENT_FUNDS)
			return 0;
	}
	if ((pick = malloc((n ? n : 1) * sizeof(*pick))) == NULL)
		return COFFER_ERR_NOMEM;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		pick[i] = i;
		sel_add(&s, &cands[i]);
		if (s.amount < c->sel_target)
			continue;
		if ((*why = finalize(&fin, c, &s)) == 0) {
			consider(best, pick, i + 1, &fin, COINSEL_LARGEST_FIRST);
			return 0;
		}
		if (*why == COFFER_ERR_PAY_TOO_LARGE)
			break;
	}
	free(pick);
	return r;
}

/* Sweep: every usable coin. */
static int
run_drain(struct cresult *best, int *why, const struct ctx *c, const struct cand *cands, size_t n)
{
	size_t *pick = NULL, i;
	struct sel s;
	struct fin fin;

	if ((pick = malloc((n ? n : 1) * sizeof(*pick))) == NULL)
		return COFFER_ERR_NOMEM;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		pick[i] = i;
		sel_add(&s, &cands[i]);
	}
	if ((*why = finalize(&fin, c, &s)) == 0) {
		consider(best, pick, n, &fin, COINSEL_DRAIN);
		return 0;
	}
	free(pick);
	return 0;
}

static int
check_params(const struct coinsel_params *p, size_t n)
{
	if (n > COINSEL_MAX_COINS)
		return COFFER_ERR_TOO_LARGE;
	if (p->fee_rate == 0 || p->fee_rate > COINSEL_MAX_FEE_RATE ||
	    p->long_term_fee_rate > COINSEL_MAX_FEE_RATE || p->discard_fee_rate > COINSEL_MAX_FEE_RATE ||
	    p->min_fee_rate_extra > COINSEL_MAX_FEE_RATE)
		return COFFER_ERR_PAY_FEE_RATE;
	if (p->target < 0)
		return COFFER_ERR_PAY_AMOUNT_NEGATIVE;
	if (p->target > TX_MAX_MONEY)
		return COFFER_ERR_PAY_AMOUNT_OVERFLOW;
	if ((p->target == 0 && !p->drain && p->n_outputs > 0) || (p->drain && p->subtract_fee) || p->min_fee < 0 ||
	    p->min_fee > TX_MAX_MONEY || p->change_dust < 0 || p->fee_output_dust < 0 ||
	    p->fee_output_value < 0 || p->fee_output_value > TX_MAX_MONEY ||
	    p->base_weight > TX_MAX_SIZE * 4 || p->change_output_weight > TX_MAX_SIZE * 4 ||
	    p->change_spend_weight > TX_MAX_SIZE * 4 || p->n_outputs > TX_MAX_OUTPUTS)
		return COFFER_ERR_INVALID_ARG;
	return 0;
}

int
coinsel_select(struct coinsel_result *res, const struct coinsel_coin *coins, size_t n,
    const struct coinsel_params *p)
{
	struct cand *cands = NULL;
	struct cresult best;
	struct ctx c;
	size_t nc = 0, i;
	uint64_t tries = 0;
	int r, why = COFFER_ERR_PAY_INSUFFICIENT_FUNDS;

	memset(res, 0, sizeof(*res));
	memset(&best, 0, sizeof(best));
	if ((r = check_params(p, n)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.max_weight = p->max_weight ? p->max_weight : COINSEL_MAX_STANDARD_WEIGHT;
	c.change_fee = part_fee(p->fee_rate, p->change_output_weight);
	c.cost_of_change = part_fee(p->discard_fee_rate, p->change_spend_weight) + c.change_fee;
	c.min_viable_change = part_fee(p->discard_fee_rate, p->change_spend_weight) + 1;
	if (c.min_viable_change < p->change_dust)
		c.min_viable_change = p->change_dust;
	/* +3 WU covers rounding the whole weight up to a vbyte. */
	c.not_input_fee = part_fee(p->fee_rate, (uint64_t)p->base_weight + 3 +
	    4 * (1 + compact_size_len(p->n_outputs)));
	if (p->seed != 0)
		c.rng = p->seed;
	else
		secure_random(&c.rng, sizeof(c.rng));
	if (n > 0 && (cands = calloc(n, sizeof(*cands))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct cand k;

		if (coins[i].value <= 0 || coins[i].value > TX_MAX_MONEY ||
		    coins[i].input_weight == 0 || coins[i].input_weight > TX_MAX_SIZE * 4 ||
		    ((coins[i].flags & COINSEL_RESERVED) && (coins[i].flags & COINSEL_MUST_USE))) {
			r = COFFER_ERR_INVALID_ARG;
			goto out;
		}
		if (coins[i].flags & COINSEL_RESERVED)
			continue;
		k.value = coins[i].value;
		k.weight = coins[i].input_weight;
		k.fee = part_fee(p->fee_rate, k.weight);
		k.ltfee = part_fee(p->long_term_fee_rate, k.weight);
		k.amount = p->subtract_fee ? k.value : k.value - k.fee;
		k.idx = i;
		if (coins[i].flags & COINSEL_MUST_USE) {
			c.pre.k++;
			c.pre.value += k.value;
			c.pre.amount += k.amount;
			c.pre.weight += k.weight;
			c.pre.waste_inputs += k.fee - k.ltfee;
			continue;
		}
		if (k.amount <= 0)
			continue;	/* uneconomic at this fee rate */
		cands[nc++] = k;
	}
	c.sel_target = p->target + (p->subtract_fee ? 0 : c.not_input_fee) - c.pre.amount;
	if (nc > 1 && (r = sort_cands(cands, nc)) != 0)
		goto out;
	if (p->drain) {
		r = run_drain(&best, &why, &c, cands, nc);
	} else {
		if (!p->subtract_fee && c.sel_target > 0 && (r = run_bnb(&best, &tries, &c, cands, nc)) != 0)
			goto out;
		if (c.sel_target > 0 && (r = run_srd(&best, &c, cands, nc)) != 0)
			goto out;
		/* The last resort runs only when nothing else worked. */
		if (!best.have)
			r = run_largest_first(&best, &why, &c, cands, nc);
	}
	if (r != 0)
		goto out;
	if (!best.have) {
		r = why;
		goto out;
	}
	if ((res->selected = malloc((best.n + c.pre.k + 1) * sizeof(size_t))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < best.n; i++)
		res->selected[res->n_selected++] = cands[best.pick[i]].idx;
	for (i = 0; i < n; i++)
		if (coins[i].flags & COINSEL_MUST_USE)
			res->selected[res->n_selected++] = i;
	qsort(res->selected, res->n_selected, sizeof(size_t), cmp_size);
	for (i = 0; i < res->n_selected; i++)
		res->selected_value += coins[res->selected[i]].value;
	res->fee = best.fin.fee;
	res->change = best.fin.change;
	res->fee_output_reduction = best.fin.reduction;
	res->weight = (uint32_t)best.fin.weight;
	res->waste = best.fin.waste;
	res->algo = best.algo;
	res->bnb_tries = tries;
out:
	free(best.pick);
	free(cands);
	if (r != 0)
		coinsel_result_free(res);
	return r;
}
