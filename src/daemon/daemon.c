/* The daemon's shared state (daemon.h). */
#include "daemon/daemon.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "btc/network.h"
#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/log.h"
#include "daemon/payments_service.h"
#include "daemon/syncer.h"

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

int64_t
daemon_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* The address type a wallet was created with, kept in the store. */
static int
bind_address_type(struct store *s, char *err, size_t errsize, struct accounts *a)
{
	char v[16];
	uint8_t type;
	int r;

	r = store_meta_get(s, v, sizeof(v), "address_type");
	if (r == COFFER_ERR_NOT_FOUND) {
		/* A new store: its wallet's address type, and when the wallet was born (chain rescans start there). */
		snprintf(v, sizeof(v), "%lld", (long long)a->birth_time);
		if ((r = store_meta_set(s, "birth_time", v)) != 0)
			return r;
		return store_meta_set(s, "address_type", accounts_type_name(a->address_type));
	}
	if (r != 0)
		return r;
	if (accounts_type_parse(&type, v) != 0 || accounts_get(a, type) == NULL) {
		snprintf(err, errsize, "the store names an address type \"%.15s\" the signer does not offer", v);
		return COFFER_ERR_STORE_SCHEMA;
	}
	a->address_type = type;
	return 0;
}

/*
 * With the store open (and the signer unlocked), payments become available
 * when cofferd has a chain backend. A failure leaves the wallet unlocked and
 * the payment routes answering payments_unavailable.
 */
static void
open_payments(struct daemon *d)
{
	int r;

	if (d->paysvc == NULL || d->chain == NULL || d->wallet == NULL)
		return;
	r = payments_service_open(d->paysvc, d, d->chain, payments_chain_sign_signer, d->wallet, webhooks_post_curl, 0);
	if (r != 0)
		log_warn("payments stay unavailable: %s", coffer_err_msg(r));
}

void
daemon_close_payments(struct daemon *d)
{
	if (d->paysvc == NULL)
		return;
	__atomic_store_n(&d->payments_closing, 1, __ATOMIC_RELEASE);
	payments_service_close(d->paysvc, d);
	__atomic_store_n(&d->payments_closing, 0, __ATOMIC_RELEASE);
}

int
daemon_open_store(struct daemon *d, char *err, size_t errsize, const uint8_t key[STORE_KEY_LEN])
{
	return daemon_open_store_with(d, err, errsize, key, NULL);
}

int
daemon_open_store_with(struct daemon *d, char *err, size_t errsize, const uint8_t key[STORE_KEY_LEN],
    struct accounts *a)
{
	char path[PATH_MAX];
	struct store *s = NULL;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", d->cfg->datadir, STORE_FILE) >= (int)sizeof(path)) {
		accounts_free(a);
		return COFFER_ERR_TOO_LARGE;
	}
	if ((r = store_open(&s, err, errsize, path, key)) != 0) {
		accounts_free(a);
		return r;
	}
	if ((r = store_check_network(s, err, errsize, btc_network_params(d->cfg->network)->name)) != 0 ||
	    (a != NULL && (r = bind_address_type(s, err, errsize, a)) != 0) ||
	    (r = auth_attach_store(&d->auth, s)) != 0) {
		store_close(s);
		accounts_free(a);
		return r;
	}
	wrlock(d);
	if (d->store != NULL)
		abort();	/* unlock while unlocked: the caller's state machine is broken */
	d->store = s;
	d->accounts = a;
	d->state = WALLET_UNLOCKED;
	rwunlock(d);
	open_payments(d);
	return 0;
}

void
daemon_close_store(struct daemon *d, enum wallet_state next)
{
	struct accounts *a;
	struct store *s;

	daemon_close_payments(d);	/* its worker and requests end before the store closes */
	auth_detach_store(&d->auth);
	wrlock(d);
	if (d->syncer != NULL)
		syncer_wallet_closed(d->syncer);
	s = d->store;
	a = d->accounts;
	d->store = NULL;
	d->accounts = NULL;
	d->state = next;
	rwunlock(d);
	store_close(s);
	accounts_free(a);
}

void
daemon_watch_address(struct daemon *d, const struct store_address *a)
{
	if (d->syncer != NULL)
		syncer_watch(d->syncer, a);
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

void
daemon_set_payments(struct daemon *d, struct payments *pm)
{
	wrlock(d);
	d->payments = pm;
	rwunlock(d);
}
