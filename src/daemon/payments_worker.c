/* The payments background worker (payments_worker.h). */
#include "daemon/payments_worker.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "daemon/log.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
run(void *arg)
{
	struct payments_worker *w = arg;
	struct timespec until;
	int64_t t;
	int r;

	if (pthread_mutex_lock(&w->mu) != 0)
		return NULL;
	while (!w->stop) {
		pthread_mutex_unlock(&w->mu);
		t = now_ms();
		if ((r = payments_reconcile(w->pm, NULL, t / 1000)) != 0)
			log_info("payments: reconcile: %s", coffer_err_name(r));
		if (r == 0 && w->post != NULL &&
		    (r = webhooks_deliver_due(w->pm->store, w->post, w->post_ctx, now_ms(), NULL, NULL, NULL)) != 0)
			log_info("payments: webhooks: %s", coffer_err_name(r));
		pthread_mutex_lock(&w->mu);
		w->last_error = r;
		w->rounds++;
		pthread_cond_broadcast(&w->cv);
		if (w->stop)
			break;
		t = now_ms() + w->interval_ms;
		until.tv_sec = t / 1000;
		until.tv_nsec = (long)(t % 1000) * 1000000L;
		while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT) {
			if (w->stop || w->kicked)
				break;
		}
		w->kicked = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
payments_worker_start(struct payments_worker *w, struct payments *pm, webhooks_post_fn post, void *post_ctx,
    int64_t interval_ms)
{
	memset(w, 0, sizeof(*w));
	w->pm = pm;
	w->post = post;
	w->post_ctx = post_ctx;
	w->interval_ms = interval_ms > 0 ? interval_ms : PAYMENTS_WORKER_INTERVAL_MS;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return COFFER_ERR_INTERNAL;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return COFFER_ERR_INTERNAL;
	}
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return COFFER_ERR_INTERNAL;
	}
	w->running = 1;
	return 0;
}

void
payments_worker_kick(struct payments_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->kicked = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
payments_worker_wait_rounds(struct payments_worker *w, uint64_t rounds)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->rounds < rounds)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
payments_worker_stop(struct payments_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = 0;
}
