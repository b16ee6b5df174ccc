/* The daemon's shared state (daemon.h). */
#include "daemon/daemon.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "btc/network.h"
#include "common/err.h"
#include "daemon/log.h"

static const char *const wallet_names[] = { "unavailable", "uninitialized", "locked", "unlocked" };

const char *
daemon_wallet_state_name(enum wallet_state s)
{
	unsigned int i = (unsigned int)s;

	return i < sizeof(wallet_names) / sizeof(wallet_names[0]) ? wallet_names[i] : "unknown";
}

int64_t
daemon_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int
daemon_init(struct daemon *d, const struct daemon_config *cfg, const char *admin_token)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->state = WALLET_NO_SIGNER;
	snprintf(d->tee, sizeof(d->tee), "none");
	d->started_ms = daemon_now_ms();
	if (pthread_rwlock_init(&d->state_lock, NULL) != 0)
		abort();
	if ((r = auth_init(&d->auth, admin_token)) != 0) {
		pthread_rwlock_destroy(&d->state_lock);
		return r;
	}
	return 0;
}

void
daemon_free(struct daemon *d)
{
	daemon_close_store(d, WALLET_NO_SIGNER);
	auth_free(&d->auth);
	pthread_rwlock_destroy(&d->state_lock);
}

static void
wrlock(struct daemon *d)
{
	if (pthread_rwlock_wrlock(&d->state_lock) != 0)
		abort();
}

static void
rwunlock(struct daemon *d)
{
	if (pthread_rwlock_unlock(&d->state_lock) != 0)
		abort();
}

int
daemon_open_store(struct daemon *d, char *err, size_t errsize, const uint8_t key[STORE_KEY_LEN])
{
	char path[PATH_MAX];
	struct store *s = NULL;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", d->cfg->datadir, STORE_FILE) >= (int)sizeof(path))
		return COFFER_ERR_TOO_LARGE;
	if ((r = store_open(&s, err, errsize, path, key)) != 0)
		return r;
	if ((r = store_check_network(s, err, errsize, btc_network_params(d->cfg->network)->name)) != 0 ||
	    (r = auth_attach_store(&d->auth, s)) != 0) {
		store_close(s);
		return r;
	}
	wrlock(d);
	if (d->store != NULL)
		abort();	/* unlock while unlocked: the caller's state machine is broken */
	d->store = s;
	d->state = WALLET_UNLOCKED;
	rwunlock(d);
	return 0;
}

void
daemon_close_store(struct daemon *d, enum wallet_state next)
{
	struct store *s;

	auth_detach_store(&d->auth);
	wrlock(d);
	s = d->store;
	d->store = NULL;
	d->state = next;
	rwunlock(d);
	store_close(s);
}

void
daemon_set_wallet_state(struct daemon *d, enum wallet_state s)
{
	wrlock(d);
	d->state = s;
	rwunlock(d);
}

enum wallet_state
daemon_wallet_state(struct daemon *d)
{
	enum wallet_state s;

	if (pthread_rwlock_rdlock(&d->state_lock) != 0)
		abort();
	s = d->state;
	rwunlock(d);
	return s;
}

struct store *
daemon_store_acquire(struct daemon *d)
{
	if (pthread_rwlock_rdlock(&d->state_lock) != 0)
		abort();
	if (d->store == NULL) {
		rwunlock(d);
		return NULL;
	}
	return d->store;
}

void
daemon_store_release(struct daemon *d)
{
	rwunlock(d);
}
