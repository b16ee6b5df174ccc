/* Finishing interrupted payments and following them on the chain (payments.h). */
#include "daemon/payments_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define RECONCILE_BATCH 256

/* Payments in `status`, a batch at a time, each handed to fn. */
static int
each_in(struct payments *pm, int status, size_t *changed, int64_t now,
    int (*fn)(struct payments *, const char *, size_t *, int64_t))
{
	char (*ids)[STORE_PAY_ID_LEN + 1];
	size_t n = 0, i;
	int r;

	if ((ids = calloc(RECONCILE_BATCH, sizeof(*ids))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = store_payment_ids_in(pm->store, ids, RECONCILE_BATCH, &n, status)) == 0)
		for (i = 0; i < n && r == 0; i++)
			r = fn(pm, ids[i], changed, now);
	free(ids);
	return r;
}

/*
 * Created but never signed: the transaction never existed outside this
 * process. Those recorded before this engine started are failed at once
 * (whatever was signing them died with the last process); younger ones only
 * once they are PAYMENTS_STALE_CREATED_S old, as a request may be signing
 * them right now.
 */
static int
finish_created(struct payments *pm, const char *id, size_t *changed, int64_t now)
{
	struct store_payment p;
	int r;

	if ((r = store_payment_get(pm->store, &p, id)) != 0)
		return r;
	/* Before this process started, or abandoned long ago; never one a request may be signing now. */
	r = p.seq > pm->boot_seq && p.created_at > now - PAYMENTS_STALE_CREATED_S;
	store_payment_clear(&p);
	if (r)
		return 0;
	r = payments_fail(pm, id, STORE_PAY_CREATED, "interrupted before signing", now);

	if (r == 0)
		(*changed)++;
	return r == COFFER_ERR_PAY_STATE ? 0 : r;
}

/* Signed: send the stored transaction (again). */
static int
finish_signed(struct payments *pm, const char *id, size_t *changed, int64_t now)
{
	struct store_payment p;
	int r = payments_broadcast(pm, id, now);

	if (r == COFFER_ERR_PAY_BROADCAST_REJECTED || r == COFFER_ERR_PAY_STATE) {
		(*changed) += r == COFFER_ERR_PAY_BROADCAST_REJECTED;
		return 0;
	}
	if (r == 0 && store_payment_get(pm->store, &p, id) == 0) {
		*changed += p.status != STORE_PAY_SIGNED;
		store_payment_clear(&p);
	}
	return r;
}

/* Broadcast (or replaced): confirmed yet? Still known to the backend? */
static int
follow(struct payments *pm, const char *id, size_t *changed, int64_t now)
{
	struct store_payment p;
	struct store_pay_update u;
	uint32_t height = 0;
	int r, st;

	if ((r = store_payment_get(pm->store, &p, id)) != 0)
		return r;
	st = p.has_txid ? pm->be->tx_status(pm->be->ctx, &height, p.txid) : COFFER_ERR_NOT_FOUND;
	if (st == 0 && height > 0) {
		memset(&u, 0, sizeof(u));
		u.from = p.status;
		u.to = STORE_PAY_CONFIRMED;
		u.confirmed_height = height;
		/*
		 * Spent on chain, but the store's view may still list the coins
		 * until the next sync: they stay reserved until it no longer does
		 * (store_payment_release_settled, at the end of each pass).
		 */
		r = payments_update_event(pm, id, &u, "payment.confirmed", now);
		*changed += r == 0;
	} else if (st == COFFER_ERR_NOT_FOUND && p.status == STORE_PAY_BROADCAST) {
		/* The backend lost it (restart, eviction): send it again; a conflict fails it. */
		r = payments_broadcast(pm, id, now);
		if (r == COFFER_ERR_PAY_BROADCAST_REJECTED) {
			(*changed)++;
			r = 0;
		}
	} else {
		r = 0;	/* unconfirmed, or the backend is unreachable: next time */
	}
	store_payment_clear(&p);
	return r == COFFER_ERR_PAY_STATE ? 0 : r;
}

int
payments_reconcile(struct payments *pm, size_t *changed, int64_t now)
{
	size_t dummy = 0, released = 0;
	int r;

	if (changed == NULL)
		changed = &dummy;
	*changed = 0;
	if ((r = each_in(pm, STORE_PAY_CREATED, changed, now, finish_created)) != 0 ||
	    (r = each_in(pm, STORE_PAY_SIGNED, changed, now, finish_signed)) != 0 ||
	    (r = each_in(pm, STORE_PAY_BROADCAST, changed, now, follow)) != 0 ||
	    (r = each_in(pm, STORE_PAY_REPLACED, changed, now, follow)) != 0)
		return r;
	return store_payment_release_settled(pm->store, &released);
}
