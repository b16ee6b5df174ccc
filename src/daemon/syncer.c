/* The daemon's background thread (syncer.h). */
#include "daemon/syncer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
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

static void *
run(void *arg)
{
	struct syncer *s = arg;
	struct timespec until;

	for (;;) {
		mu_lock(s);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		while (!s->stop && !s->kicked) {
			int rc = pthread_cond_timedwait(&s->cv, &s->mu, &until);

			if (rc == ETIMEDOUT)
				break;
		}
		if (s->stop) {
			mu_unlock(s);
			break;
		}
		s->kicked = 0;
		mu_unlock(s);
		wallet_session_check(s->d->wallet);
	}
	return NULL;
}

int
syncer_start(struct syncer *s, struct daemon *d)
{
	pthread_condattr_t ca;

	memset(s, 0, sizeof(*s));
	s->d = d;
	if (pthread_mutex_init(&s->mu, NULL) != 0 || pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&s->cv, &ca) != 0)
		abort();
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, run, s) != 0)
		return COFFER_ERR_INTERNAL;
	s->started = 1;
	d->syncer = s;
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
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

void
syncer_kick(struct syncer *s)
{
	mu_lock(s);
	s->kicked = 1;
	s->kicks++;
	pthread_cond_signal(&s->cv);
	mu_unlock(s);
}

void
syncer_watch(struct syncer *s, const struct store_address *a)
{
	(void)a;
	syncer_kick(s);
}
