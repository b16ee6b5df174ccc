/* The daemon's background thread: sessions and chain sync (syncer.h). */
#include "daemon/syncer.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/descriptor.h"
#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/chain.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/payments_service.h"
#include "daemon/wallet.h"

static void
mu_lock(struct syncer *s)
{
	if (pthread_mutex_lock(&s->mu) != 0)
		abort();
}

static void
mu_unlock(struct syncer *s)
{
	if (pthread_mutex_unlock(&s->mu) != 0)
		abort();
}

/* --- what to sync ---------------------------------------------------------------------- */

/* Everything a sync needs from the store, copied so the network call holds no lock. */
struct sync_job {
	char text[PROTO_MAX_DESCRIPTOR + 1];	/* the address type's multipath descriptor */
	int64_t last_used[2];
	int64_t birth_time;
	uint32_t settled_height;		/* incremental sync from here (0: full) */
	struct descriptor *desc[2];		/* single-path: receive, change */
};

static void
job_free(struct sync_job *j)
{
	desc_free(j->desc[0]);
	desc_free(j->desc[1]);
	j->desc[0] = j->desc[1] = NULL;
}

static int
job_load(struct sync_job *j, struct daemon *d)
{
	struct store_chain_state st;
	const struct account *ac;
	struct store *s;
	uint32_t next, base;
	char v[32];
	int r;

	memset(j, 0, sizeof(*j));
	if ((s = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	if (d->accounts == NULL || (ac = accounts_get(d->accounts, d->accounts->address_type)) == NULL) {
		daemon_store_release(d);
		return COFFER_ERR_WALLET_LOCKED;
	}
	snprintf(j->text, sizeof(j->text), "%s", ac->text);
	if ((r = store_chain_state_get(s, &st)) == 0 && (r = store_address_next_index(s, &next, 0, 0)) == 0) {
		/* Every address handed out is watched, used or not. */
		j->last_used[0] = st.last_used[0] > (int64_t)next - 1 ? st.last_used[0] : (int64_t)next - 1;
		j->last_used[1] = st.last_used[1];
		j->birth_time = store_meta_get(s, v, sizeof(v), "birth_time") == 0 ? strtoll(v, NULL, 10) : 0;
		/* Incremental: what the store holds confirmed deeper than the reorg margin is trusted. */
		base = st.complete_height < st.tip_height ? st.complete_height : st.tip_height;
		if (st.incremental && base > CHAIN_REORG_MARGIN)
			j->settled_height = base - CHAIN_REORG_MARGIN;
	}
	daemon_store_release(d);
	if (r != 0)
		return r;
	return accounts_split(j->desc, j->text, d->cfg->network);
}

/* chain_known_tx_fn: raw transactions the store already holds are not fetched again. */
static int
known_tx(void *arg, struct cbuf *raw, const uint8_t txid[32])
{
	struct daemon *d = arg;
	struct store *s;
	int r;

	if ((s = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_NOT_FOUND;
	r = store_tx_raw(s, raw, txid);
	daemon_store_release(d);
	return r == 0 ? 0 : COFFER_ERR_NOT_FOUND;
}

/* chain_settled_fn: stored confirmed at or below the job's settled height. */
struct settled_arg {
	struct daemon *d;
	uint32_t height;
};

static int
settled_tx(void *arg, const uint8_t txid[32])
{
	struct settled_arg *a = arg;
	struct store *s;
	int r;

	if ((s = daemon_store_acquire(a->d)) == NULL)
		return 0;
	r = store_tx_settled(s, txid, a->height);
	daemon_store_release(a->d);
	return r;
}

static int
known_tx_arg(void *arg, struct cbuf *raw, const uint8_t txid[32])
{
	return known_tx(((struct settled_arg *)arg)->d, raw, txid);
}

/* --- outcomes --------------------------------------------------------------------------- */

static void
failed(struct syncer *s, int r, const char *what)
{
	int64_t backoff;

	mu_lock(s);
	s->view.connected = 0;
	s->view.failures++;
	s->view.last_code = r;
	snprintf(s->view.last_error, sizeof(s->view.last_error), "%s: %s", what, coffer_err_msg(r));
	backoff = s->view.failures >= 9 ? SYNCER_MAX_BACKOFF_S : (int64_t)1 << (s->view.failures - 1);
	if (backoff > SYNCER_MAX_BACKOFF_S)
		backoff = SYNCER_MAX_BACKOFF_S;
	s->next_due_ms = daemon_mono_ms() + backoff * 1000;
	mu_unlock(s);
	if (s->view.failures == 1 || s->view.failures % 10 == 0)
		log_warn("chain backend %s: %s (%s); retrying in %lld s", chain_name(s->chain), what,
		    coffer_err_name(r), (long long)backoff);
}

static void
succeeded(struct syncer *s, uint32_t tip)
{
	unsigned int was = s->view.failures;

	mu_lock(s);
	if (s->view.failures > 0)
		log_info("chain backend %s is back after %u failures", chain_name(s->chain), was);
	s->view.connected = 1;
	s->view.failures = 0;
	s->view.last_code = 0;
	s->view.last_error[0] = '\0';
	s->view.tip_height = tip;
	s->next_due_ms = daemon_mono_ms() + (int64_t)s->d->cfg->sync_interval_s * 1000;
	mu_unlock(s);
}

/* --- one round --------------------------------------------------------------------------- */

static void
follow_tip(struct syncer *s)
{
	struct chain_tip tip;
	int r;

	if ((r = chain_tip(s->chain, &tip)) != 0)
		failed(s, r, "tip");
	else
		succeeded(s, tip.height);
}

/* Outputs as store rows. */
static int
outs_to_store(struct store_utxo **out, const struct chain_utxo *v, size_t n)
{
	size_t i;

	if ((*out = calloc(n + 1, sizeof(**out))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const struct chain_utxo *c = &v[i];
		struct store_utxo *o = &(*out)[i];

		if (c->spk_len == 0 || c->spk_len > STORE_MAX_SCRIPT)
			return COFFER_ERR_CHAIN_PROTOCOL;
		memcpy(o->txid, c->outpoint.txid, 32);
		o->vout = c->outpoint.vout;
		o->value = c->value;
		memcpy(o->script, c->spk, c->spk_len);
		o->script_len = c->spk_len;
		o->chain = c->desc;
		o->index = c->index;
		o->height = c->height;
		o->spent_height = c->spent_height;
	}
	return 0;
}

/* The backend's result as store rows (pointing into res). */
struct store_rows {
	struct store_tx *txs;
	struct store_utxo *utxos, *spent;
	struct store_spend *spends;
};

static void
rows_free(struct store_rows *w)
{
	free(w->txs);
	free(w->utxos);
	free(w->spent);
	free(w->spends);
	memset(w, 0, sizeof(*w));
}

static int
to_store(struct store_sync *u, struct store_rows *w, const struct chain_sync_result *res, enum btc_network net)
{
	size_t i;
	int r;

	memset(w, 0, sizeof(*w));
	if ((w->txs = calloc(res->n_txs + 1, sizeof(*w->txs))) == NULL ||
	    (w->spends = calloc(res->n_spends + 1, sizeof(*w->spends))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = outs_to_store(&w->utxos, res->utxos, res->n_utxos)) != 0 ||
	    (r = outs_to_store(&w->spent, res->spent, res->n_spent)) != 0)
		return r;
	for (i = 0; i < res->n_txs; i++) {
		const struct chain_wtx *c = &res->txs[i];
		struct store_tx *t = &w->txs[i];

		memcpy(t->txid, c->txid, 32);
		t->height = c->status.height;
		t->block_time = c->status.block_time;
		t->received_sat = c->received_sat;
		t->spent_sat = c->spent_sat;
		t->fee_sat = c->fee_sat;
		t->raw = c->raw;
		t->raw_len = c->raw_len;
	}
	for (i = 0; i < res->n_spends; i++) {
		memcpy(w->spends[i].txid, res->spends[i].outpoint.txid, 32);
		w->spends[i].vout = res->spends[i].outpoint.vout;
		w->spends[i].height = res->spends[i].height;
	}
	memset(u, 0, sizeof(*u));
	u->state.tip_height = res->tip.height;
	u->state.complete_height = res->complete_height;
	memcpy(u->state.tip_hash, res->tip.hash, 32);
	u->state.last_used[0] = res->last_used[0];
	u->state.last_used[1] = res->last_used[1];
	u->state.synced_at = daemon_now_ms() / 1000;
	u->settled_height = res->settled_height;
	u->network = net;
	u->txs = w->txs;
	u->n_txs = res->n_txs;
	u->utxos = w->utxos;
	u->n_utxos = res->n_utxos;
	u->spent = w->spent;
	u->n_spent = res->n_spent;
	u->spends = w->spends;
	u->n_spends = res->n_spends;
	return 0;
}

static void
sync_wallet(struct syncer *s, struct sync_job *job)
{
	struct chain_sync_result res;
	struct chain_sync_req req;
	struct settled_arg sa = { s->d, job->settled_height };
	struct store_rows rows;
	struct store_sync u;
	struct store *st;
	size_t n_events = 0;
	int res_big = 0;
	int64_t t0 = daemon_mono_ms(), t1 = t0;
	int r, attempt;

	memset(&rows, 0, sizeof(rows));
	memset(&res, 0, sizeof(res));
	for (attempt = 0; attempt < 2; attempt++) {
		memset(&req, 0, sizeof(req));
		req.desc[CHAIN_RECEIVE] = job->desc[0];
		req.desc[CHAIN_CHANGE] = job->desc[1];
		req.last_used[CHAIN_RECEIVE] = job->last_used[0];
		req.last_used[CHAIN_CHANGE] = job->last_used[1];
		req.birth_time = job->birth_time;
		req.known_tx = known_tx_arg;
		req.known_arg = &sa;
		req.settled_height = sa.height;
		req.settled = settled_tx;
		if ((r = chain_sync(s->chain, &res, &req)) != 0) {
			failed(s, r, "sync");
			return;
		}
		t1 = daemon_mono_ms();
		/* Older transactions the store did not have (a new address with an old
		 * history): their coins may be spent by what the store holds, so the
		 * UTXO set is rebuilt by a full sync. */
		if (res.settled_new == 0 || sa.height == 0)
			break;
		log_info("sync found %zu older transactions the store did not have: full sync", res.settled_new);
		chain_sync_result_free(&res);
		sa.height = 0;
	}
	res_big = res.n_txs > 10000;
	if ((r = to_store(&u, &rows, &res, s->d->cfg->network)) != 0) {
		failed(s, r, "sync result");
		goto out;
	}
	/* Written and counted under the store's read lock: a lock waits for both. */
	if ((st = daemon_store_acquire(s->d)) == NULL)
		goto out;	/* locked meanwhile: the next unlock syncs again */
	if ((r = store_sync_apply_events(st, &n_events, &u, daemon_now_ms() / 1000)) != 0) {
		daemon_store_release(s->d);
		log_warn("cannot write the sync result to the store: %s", coffer_err_name(r));
		failed(s, r, "store");
		goto out;
	}
	mu_lock(s);
	s->view.loaded = store_balance(st, &s->view.confirmed_sat, &s->view.unconfirmed_sat, &s->view.n_utxos) == 0;
	s->view.last_sync = u.state.synced_at;
	mu_unlock(s);
	/* Events of incoming payments wait in the outbox: deliver them now, not at the next interval.
	 * (Only then: a reconcile round woken by every sync would race payments being sent.) */
	if (n_events > 0 && s->d->payments != NULL && s->d->paysvc != NULL && s->d->paysvc->open)
		payments_worker_kick(&s->d->paysvc->worker);
	daemon_store_release(s->d);
	succeeded(s, res.tip.height);
	log_info("synced (%s from height %u) in %lld ms (backend %lld ms, store %lld ms): tip %u, %zu transactions, "
	    "%zu unspent outputs", sa.height ? "incremental" : "full", sa.height, (long long)(daemon_mono_ms() - t0),
	    (long long)(t1 - t0), (long long)(daemon_mono_ms() - t1), res.tip.height, res.n_txs, res.n_utxos);
out:
	rows_free(&rows);
	chain_sync_result_free(&res);
	/* A big sync's buffers are free now: give the pages back rather than keep the peak resident. */
	if (res_big)
		malloc_trim(0);
}

static void
round_once(struct syncer *s)
{
	struct sync_job job;
	int r;

	r = job_load(&job, s->d);
	if (r == COFFER_ERR_WALLET_LOCKED) {
		follow_tip(s);
		return;
	}
	mu_lock(s);
	s->view.syncs_started++;
	mu_unlock(s);
	if (r != 0)
		failed(s, r, "descriptors");
	else
		sync_wallet(s, &job);
	job_free(&job);
	mu_lock(s);
	s->view.syncs_finished++;
	pthread_cond_broadcast(&s->done);
	mu_unlock(s);
}

static void *
run(void *arg)
{
	struct syncer *s = arg;
	struct timespec until;
	int due;

	for (;;) {
		mu_lock(s);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		while (!s->stop && !s->kicked) {
			if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
				break;
		}
		if (s->stop) {
			mu_unlock(s);
			break;
		}
		due = s->chain != NULL && (s->kicked || daemon_mono_ms() >= s->next_due_ms);
		s->kicked = 0;
		mu_unlock(s);
		wallet_session_check(s->d->wallet);
		if (due)
			round_once(s);
	}
	return NULL;
}

/* --- the interface ---------------------------------------------------------------------- */

int
syncer_start(struct syncer *s, struct daemon *d, struct chain *chain)
{
	pthread_condattr_t ca;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->chain = chain;
	s->view.backend = chain != NULL ? chain_name(chain) : "none";
	if (pthread_mutex_init(&s->mu, NULL) != 0 || pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&s->cv, &ca) != 0 ||
	    pthread_cond_init(&s->done, &ca) != 0)
		abort();
	pthread_condattr_destroy(&ca);
	d->syncer = s;
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		d->syncer = NULL;
		return COFFER_ERR_INTERNAL;
	}
	s->started = 1;
	return 0;
}

void
syncer_stop(struct syncer *s)
{
	if (!s->started)
		return;
	mu_lock(s);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	mu_unlock(s);
	pthread_join(s->thread, NULL);
	s->started = 0;
	s->d->syncer = NULL;
	chain_free(s->chain);
	s->chain = NULL;
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->mu);
}

uint64_t
syncer_kick(struct syncer *s)
{
	uint64_t which;

	mu_lock(s);
	s->kicked = 1;
	/* A sync already under way may have read the store before the caller's change: wait for the next. */
	which = s->view.syncs_started + 1;
	pthread_cond_signal(&s->cv);
	mu_unlock(s);
	return which;
}

void
syncer_watch(struct syncer *s, const struct store_address *a)
{
	(void)a;
	if (s->chain != NULL)
		(void)syncer_kick(s);
}

int
syncer_wait(struct syncer *s, struct syncer_view *out, uint64_t which, int64_t timeout_ms)
{
	struct timespec until;
	int r = 0;

	if (s->chain == NULL) {
		syncer_get_view(s, out);
		return COFFER_ERR_UNSUPPORTED;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	mu_lock(s);
	while (s->view.syncs_finished < which) {
		if (pthread_cond_timedwait(&s->done, &s->mu, &until) == ETIMEDOUT) {
			r = s->view.syncs_finished < which;
			break;
		}
	}
	*out = s->view;
	mu_unlock(s);
	return r;
}

void
syncer_get_view(struct syncer *s, struct syncer_view *out)
{
	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		out->backend = "none";
		return;
	}
	mu_lock(s);
	*out = s->view;
	if (s->view.failures > 0)
		out->retry_in_ms = s->next_due_ms > daemon_mono_ms() ? s->next_due_ms - daemon_mono_ms() : 0;
	mu_unlock(s);
}

void
syncer_wallet_closed(struct syncer *s)
{
	mu_lock(s);
	s->view.loaded = 0;
	s->view.confirmed_sat = s->view.unconfirmed_sat = 0;
	s->view.n_utxos = 0;
	s->view.last_sync = 0;
	mu_unlock(s);
}

int
syncer_load_balance(struct syncer *s, struct syncer_view *out)
{
	struct store_chain_state cs;
	int64_t c = 0, u = 0;
	size_t n = 0;
	int r = 0;

	syncer_get_view(s, out);
	if (out->loaded)
		return 0;
	if (s->d->store == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	if ((r = store_balance(s->d->store, &c, &u, &n)) != 0 || (r = store_chain_state_get(s->d->store, &cs)) != 0)
		return r;
	mu_lock(s);
	/* A sync that finished meanwhile wrote newer numbers: keep those. */
	if (!s->view.loaded) {
		s->view.loaded = 1;
		s->view.confirmed_sat = c;
		s->view.unconfirmed_sat = u;
		s->view.n_utxos = n;
		if (s->view.last_sync == 0)
			s->view.last_sync = cs.synced_at;
		if (s->view.tip_height == 0)
			s->view.tip_height = cs.tip_height;
	}
	*out = s->view;
	mu_unlock(s);
	return 0;
}
