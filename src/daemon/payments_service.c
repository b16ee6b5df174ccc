/* cofferd's payments service (payments_service.h). */
#include "daemon/payments_service.h"

#include <string.h>

#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/daemon.h"
#include "daemon/syncer.h"

/* A broadcast, or the service opening: the syncer brings the store's view up to date. */
static void
kick_syncer(void *ctx)
{
	struct daemon *d = ctx;
	struct syncer *s = __atomic_load_n(&d->syncer, __ATOMIC_ACQUIRE);

	if (s != NULL)
		(void)syncer_kick(s);
}

int
payments_service_open(struct payments_service *ps, struct daemon *d, struct chain *chain,
    payments_sign_fn sign, void *sign_ctx, webhooks_post_fn post, int64_t interval_ms)
{
	const struct accounts *acc;
	struct store *st;
	size_t i;
	int r = 0;

	memset(ps, 0, sizeof(*ps));
	if ((st = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	if ((acc = d->accounts) == NULL || acc->n == 0) {
		daemon_store_release(d);
		return COFFER_ERR_WALLET_LOCKED;
	}
	/* The account new addresses use first: change goes there. */
	for (i = 0; i < acc->n && r == 0 && ps->n_accts < PAYMENTS_CHAIN_MAX_ACCTS; i++) {
		if (acc->a[i].type != acc->address_type)
			continue;
		r = wacct_parse(&ps->accts[ps->n_accts++], acc->a[i].text, strlen(acc->a[i].text), acc->network);
	}
	for (i = 0; i < acc->n && r == 0 && ps->n_accts < PAYMENTS_CHAIN_MAX_ACCTS; i++) {
		if (acc->a[i].type == acc->address_type)
			continue;
		r = wacct_parse(&ps->accts[ps->n_accts++], acc->a[i].text, strlen(acc->a[i].text), acc->network);
	}
	if (r == 0 && (r = payments_chain_init(&ps->pc, &ps->be, chain, st, ps->accts, ps->n_accts, sign,
	    sign_ctx)) == 0) {
		ps->pc.kick = kick_syncer;
		ps->pc.kick_ctx = d;
	}
	if (r == 0 && (r = payments_init(&ps->pm, st, &ps->be, ps->accts, ps->n_accts, acc->network)) != 0)
		payments_chain_free(&ps->pc);
	daemon_store_release(d);
	if (r == 0 && (r = payments_worker_start(&ps->worker, &ps->pm, post, NULL, interval_ms)) != 0) {
		payments_free(&ps->pm);
		payments_chain_free(&ps->pc);
	}
	if (r != 0) {
		for (i = 0; i < ps->n_accts; i++)
			wacct_free(&ps->accts[i]);
		memset(ps, 0, sizeof(*ps));
		return r;
	}
	ps->open = 1;
	daemon_set_payments(d, &ps->pm);
	/* Payments answer wallet_not_synced until a sync since unlock is in the store: ask for one now. */
	kick_syncer(d);
	return 0;
}

void
payments_service_close(struct payments_service *ps, struct daemon *d)
{
	size_t i;

	if (!ps->open)
		return;
	daemon_set_payments(d, NULL);	/* waits for requests using it (the state lock) */
	payments_worker_stop(&ps->worker);
	payments_free(&ps->pm);
	payments_chain_free(&ps->pc);
	for (i = 0; i < ps->n_accts; i++)
		wacct_free(&ps->accts[i]);
	memset(ps, 0, sizeof(*ps));
}
