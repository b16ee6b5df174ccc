/* The daemon's side of the signer (wallet.h). */
#include "daemon/wallet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "btc/network.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/accounts.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

/* A signer that cannot be started is tried again at most this often. */
#define WALLET_RESPAWN_MS 1000

int
wallet_default_signer_path(char *out, size_t outsize)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int len;

	if (outsize > 0)
		out[0] = '\0';
	if (n <= 0)
		return COFFER_ERR_IO;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return COFFER_ERR_IO;
	*slash = '\0';
	len = snprintf(out, outsize, "%s/coffer-signer", exe);
	if (len < 0 || (size_t)len >= outsize) {
		if (outsize > 0)
			out[0] = '\0';
		return COFFER_ERR_TOO_LARGE;
	}
	return 0;
}

static enum wallet_state
state_of(uint8_t proto_state)
{
	switch (proto_state) {
	case PROTO_STATE_UNINITIALIZED:
		return WALLET_UNINITIALIZED;
	case PROTO_STATE_LOCKED:
		return WALLET_LOCKED;
	case PROTO_STATE_UNLOCKED:
		return WALLET_UNLOCKED;
	default:
		break;
	}
	return WALLET_NO_SIGNER;
}

static void
set_end(struct wallet *w, int64_t end_ms)
{
	__atomic_store_n(&w->session_end_ms, end_ms, __ATOMIC_RELEASE);
}

static int64_t
get_end(struct wallet *w)
{
	return __atomic_load_n(&w->session_end_ms, __ATOMIC_ACQUIRE);
}

static void
mu_lock(struct wallet *w)
{
	if (pthread_mutex_lock(&w->mu) != 0)
		abort();
}

static void
mu_unlock(struct wallet *w)
{
	if (pthread_mutex_unlock(&w->mu) != 0)
		abort();
}

static int open_unlocked(struct wallet *w, char *err, size_t errsize, uint8_t address_type, int64_t birth_time);

/* Start a signer and learn its state (w->mu held, or before threads). */
static int
spawn(struct wallet *w, char *err, size_t errsize)
{
	struct daemon *d = w->d;
	struct client_spawn_opts opts;
	struct client_status st;
	int r;

	w->last_spawn_ms = daemon_mono_ms();
	if (d->cfg->signer_connect_kind != CONFIG_SIGNER_SPAWN) {
		/* A standalone signer (unix socket, or vsock into an enclave). */
		r = d->cfg->signer_connect_kind == CONFIG_SIGNER_UNIX ?
		    client_connect_unix(&w->client, d->cfg->signer_connect_path) :
		    client_connect_vsock(&w->client, d->cfg->signer_connect_cid, d->cfg->signer_connect_port);
		if (r != 0) {
			snprintf(err, errsize, "cannot connect to the signer at %s: %s", d->cfg->signer_connect,
			    coffer_err_msg(r));
			return r;
		}
	} else {
		if (access(w->signer_path, X_OK) != 0) {
			snprintf(err, errsize, "cannot start the signer %s: %s", w->signer_path, strerror(errno));
			return COFFER_ERR_SIGNER_SPAWN;
		}
		memset(&opts, 0, sizeof(opts));
		opts.network = btc_network_params(d->cfg->network)->name;
		opts.kdf_memlimit_kib = d->cfg->signer_kdf_memory_kib;
		opts.kdf_opslimit = d->cfg->signer_kdf_passes;
		opts.tee = d->cfg->signer_tee[0] != '\0' ? d->cfg->signer_tee : NULL;
		opts.seal = d->cfg->signer_seal[0] != '\0' ? d->cfg->signer_seal : NULL;
		opts.seal_pcrs = d->cfg->signer_seal_pcrs[0] != '\0' ? d->cfg->signer_seal_pcrs : NULL;
		opts.tcti = d->cfg->signer_tcti[0] != '\0' ? d->cfg->signer_tcti : NULL;
		if ((r = client_spawn_signer(&w->client, w->signer_path, d->cfg->datadir, &opts)) != 0) {
			snprintf(err, errsize, "cannot start the signer %s: %s", w->signer_path, coffer_err_msg(r));
			return r;
		}
	}
	if ((r = client_status(&w->client, &st)) != 0) {
		snprintf(err, errsize, "the signer does not answer its status: %s%s%s", coffer_err_msg(r),
		    w->client.reason[0] != '\0' ? ": " : "", w->client.reason);
		client_close(&w->client);
		return r;
	}
	if (st.network != d->cfg->network) {
		snprintf(err, errsize, "the signer runs on %s, cofferd on %s", btc_network_params(st.network)->name,
		    btc_network_params(d->cfg->network)->name);
		client_close(&w->client);
		return COFFER_ERR_WRONG_NETWORK;
	}
	/* A freshly started signer has no seed in memory, unless it unlocked itself from its seal;
	 * a standalone signer may have been unlocked over an earlier connection. */
	if ((state_of(st.state) == WALLET_UNLOCKED && d->cfg->signer_connect[0] == '\0' &&
	    (d->cfg->signer_seal[0] == '\0' || strcmp(d->cfg->signer_seal, "none") == 0)) ||
	    state_of(st.state) == WALLET_NO_SIGNER) {
		snprintf(err, errsize, "the signer reports an unexpected state %u at start", (unsigned int)st.state);
		client_close(&w->client);
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	w->connected = 1;
	__atomic_store_n(&w->sign_lost, 0, __ATOMIC_RELEASE);
	set_end(w, 0);
	if (snprintf(d->tee, sizeof(d->tee), "%s", st.tee[0] != '\0' ? st.tee : "none") < 0)
		d->tee[0] = '\0';
	/* Unlocked counts only once the store is open (below). */
	daemon_set_wallet_state(d, state_of(st.state) == WALLET_UNLOCKED ? WALLET_LOCKED : state_of(st.state));
	log_info("signer %s (protocol %u) started: wallet %s, TEE %s", w->client.software,
	    (unsigned int)w->client.version, daemon_wallet_state_name(state_of(st.state)), d->tee);
	/* Unlocked already (its seal, or a standalone signer's session): open the store with its key. */
	if (state_of(st.state) == WALLET_UNLOCKED && open_unlocked(w, err, errsize, PROTO_ACCOUNT_TR, 0) != 0)
		log_warn("the signer started unlocked but its store does not open (%s): locked it", err);
	return 0;
}

int
wallet_start(struct wallet *w, struct daemon *d, char *err, size_t errsize, const char *signer_path)
{
	memset(w, 0, sizeof(*w));
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		abort();
	w->d = d;
	w->client.pid = -1;
	if (snprintf(w->signer_path, sizeof(w->signer_path), "%s", signer_path) >= (int)sizeof(w->signer_path)) {
		snprintf(err, errsize, "signer path too long");
		return COFFER_ERR_TOO_LARGE;
	}
	return spawn(w, err, errsize);
}

void
wallet_stop(struct wallet *w)
{
	if (w->connected)
		client_close(&w->client);
	w->connected = 0;
	pthread_mutex_destroy(&w->mu);
}

/* The connection is gone (w->mu held): forget it, close the store, start a new signer. */
static void
lost(struct wallet *w)
{
	char err[512];

	log_warn("the signer ended the connection%s%s; the wallet is locked, starting a new signer",
	    w->client.reason[0] != '\0' ? ": " : "", w->client.reason);
	client_close(&w->client);
	w->connected = 0;
	set_end(w, 0);
	w->restarts++;
	daemon_close_store(w->d, WALLET_NO_SIGNER);
	if (spawn(w, err, sizeof(err)) != 0)
		log_warn("%s", err);
}

/* The session has run out (or is about to): lock now, so nothing reaches a signer that locked itself. */
static void
expire(struct wallet *w)
{
	int r = client_lock(&w->client);

	set_end(w, 0);
	if (w->client.t.fd < 0) {
		lost(w);
		return;
	}
	if (r != 0)
		log_warn("locking the signer at the end of its session: %s", coffer_err_name(r));
	daemon_close_store(w->d, WALLET_LOCKED);
	log_info("the unlock session ended: wallet locked");
}

static int
state_permits(enum wallet_state st, enum wallet_need need)
{
	switch (need) {
	case WALLET_NEED_ANY:
		return 1;
	case WALLET_NEED_KEYSTORE:
		return st == WALLET_LOCKED || st == WALLET_UNLOCKED;
	case WALLET_NEED_UNINITIALIZED:
		return st == WALLET_UNINITIALIZED;
	case WALLET_NEED_UNLOCKED:
		return st == WALLET_UNLOCKED;
	}
	return 0;
}

int
wallet_enter(struct wallet *w, struct signer_client **c, enum wallet_need need)
{
	char err[512];

	*c = NULL;
	if (w == NULL)
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	mu_lock(w);
	if (!w->connected) {
		if (daemon_mono_ms() - w->last_spawn_ms < WALLET_RESPAWN_MS || spawn(w, err, sizeof(err)) != 0) {
			mu_unlock(w);
			return COFFER_ERR_SIGNER_UNAVAILABLE;
		}
	}
	if (get_end(w) != 0 && daemon_mono_ms() >= get_end(w) - WALLET_SESSION_MARGIN_MS)
		expire(w);
	if (!w->connected) {
		mu_unlock(w);
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	}
	if (!state_permits(daemon_wallet_state(w->d), need)) {
		mu_unlock(w);
		return COFFER_ERR_WALLET_LOCKED;
	}
	*c = &w->client;
	return 0;
}

/* wallet_leave without releasing w->mu. */
static int
settle(struct wallet *w, int r)
{
	if (w->client.t.fd < 0) {
		lost(w);
		/* The signer refused a message for its state: our view of it was stale. */
		if (r == COFFER_ERR_SIGNER_NOT_PERMITTED || r == COFFER_ERR_SIGNER_LOCKED)
			return COFFER_ERR_WALLET_LOCKED;
		return r == 0 ? 0 : COFFER_ERR_SIGNER_UNAVAILABLE;
	}
	if (r == COFFER_ERR_SIGNER_LOCKED) {
		set_end(w, 0);
		daemon_close_store(w->d, WALLET_LOCKED);
		return COFFER_ERR_WALLET_LOCKED;
	}
	if (r == COFFER_ERR_SIGNER_UNINITIALIZED) {
		daemon_close_store(w->d, WALLET_UNINITIALIZED);
		return COFFER_ERR_WALLET_LOCKED;
	}
	return r;
}

int
wallet_leave(struct wallet *w, int r)
{
	r = settle(w, r);
	mu_unlock(w);
	return r;
}

int
wallet_leave_reason(struct wallet *w, int r, char *reason, size_t size)
{
	if (size > 0)
		reason[0] = '\0';
	if (r != 0 && size > 0)
		snprintf(reason, size, "%s", w->client.reason);
	r = settle(w, r);
	if (size > 0 && (r == COFFER_ERR_WALLET_LOCKED || r == COFFER_ERR_SIGNER_UNAVAILABLE))
		reason[0] = '\0';	/* the generic message says it better */
	mu_unlock(w);
	return r;
}

void
wallet_session_check(struct wallet *w)
{
	struct signer_client *c;
	int64_t end;

	if (w == NULL)
		return;
	/* A signer that died under a payment's signing: lock, start another (wallet_leave finds it gone). */
	if (__atomic_load_n(&w->sign_lost, __ATOMIC_ACQUIRE)) {
		if (wallet_enter(w, &c, WALLET_NEED_ANY) == 0)
			(void)wallet_leave(w, 0);
		return;
	}
	if ((end = get_end(w)) == 0 || daemon_mono_ms() < end - WALLET_SESSION_MARGIN_MS)
		return;
	/* wallet_enter ends a session that is over. */
	if (wallet_enter(w, &c, WALLET_NEED_ANY) == 0)
		(void)wallet_leave(w, 0);
}

int
wallet_refresh(struct wallet *w)
{
	struct signer_client *c;
	struct client_status st;
	enum wallet_state now;
	int r;

	if ((r = wallet_enter(w, &c, WALLET_NEED_ANY)) != 0)
		return r;
	if ((r = settle(w, client_status(c, &st))) == 0) {
		now = state_of(st.state);
		if (now != WALLET_UNLOCKED && daemon_wallet_state(w->d) == WALLET_UNLOCKED) {
			set_end(w, 0);
			daemon_close_store(w->d, now);
			log_info("the signer is %s: store closed", daemon_wallet_state_name(now));
		} else if (now == WALLET_UNLOCKED && daemon_wallet_state(w->d) != WALLET_UNLOCKED) {
			/* Unlocked behind our back (cannot happen over a private socketpair): lock it. */
			(void)settle(w, client_lock(c));
		} else if (now != WALLET_UNLOCKED) {
			daemon_set_wallet_state(w->d, now);
		}
	}
	mu_unlock(w);
	return r == 0 ? 0 : COFFER_ERR_SIGNER_UNAVAILABLE;
}

/*
 * The signer has just unlocked (w->mu held): its storage key opens the store,
 * its descriptors give the addresses. On failure the signer is locked again.
 */
static int
open_unlocked(struct wallet *w, char *err, size_t errsize, uint8_t address_type, int64_t birth_time)
{
	struct client_descriptors *desc = NULL;
	struct accounts *acc = NULL;
	uint8_t *key = NULL;
	int r;

	if ((key = secmem_alloc(STORE_KEY_LEN)) == NULL || (desc = calloc(1, sizeof(*desc))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = settle(w, client_descriptors(&w->client, desc, 0))) != 0) {
		snprintf(err, errsize, "the signer gives no account descriptors: %s", coffer_err_msg(r));
		goto out;
	}
	if ((r = accounts_load(&acc, desc, w->d->cfg->network, address_type)) != 0) {
		snprintf(err, errsize, "the signer's account descriptors are unusable: %s", coffer_err_msg(r));
		goto out;
	}
	acc->birth_time = birth_time;
	if ((r = settle(w, client_storage_key(&w->client, key))) != 0) {
		snprintf(err, errsize, "the signer gives no storage key: %s", coffer_err_msg(r));
		goto out;
	}
	r = daemon_open_store_with(w->d, err, errsize, key, acc);
	acc = NULL;	/* owned by the daemon now, or freed */
out:
	secmem_free(key);
	free(desc);
	accounts_free(acc);
	if (r != 0 && w->connected) {
		log_warn("unlock undone: %s", err);
		(void)settle(w, client_lock(&w->client));
		set_end(w, 0);
		if (w->connected)
			daemon_set_wallet_state(w->d, WALLET_LOCKED);
	}
	return r;
}

int
wallet_unlock(struct wallet *w, char *err, size_t errsize, const struct proto_secret *passphrase,
    uint32_t timeout_s)
{
	struct signer_client *c;
	int64_t t0;
	int r, was_unlocked;

	err[0] = '\0';
	if ((r = wallet_enter(w, &c, WALLET_NEED_KEYSTORE)) != 0)
		return r;
	was_unlocked = daemon_wallet_state(w->d) == WALLET_UNLOCKED;
	t0 = daemon_mono_ms();
	if ((r = settle(w, client_unlock(c, passphrase, timeout_s))) != 0) {
		if (w->client.reason[0] != '\0')
			snprintf(err, errsize, "%s", w->client.reason);
		goto out;
	}
	/* Our clock starts before the signer's: cofferd always stops first. */
	set_end(w, timeout_s != 0 ? t0 + (int64_t)timeout_s * 1000 : 0);
	if (!was_unlocked)
		r = open_unlocked(w, err, errsize, PROTO_ACCOUNT_TR, 0);
	if (r == 0)
		log_info("wallet unlocked%s", timeout_s != 0 ? " for a session" : "");
out:
	mu_unlock(w);
	return r;
}

/* A database no keystore can open any more: keep it, out of the way. */
static int
set_orphan_aside(struct wallet *w, char *err, size_t errsize)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char from[PATH_MAX], to[PATH_MAX];
	long long now = (long long)time(NULL);
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s%s", w->d->cfg->datadir, STORE_FILE, suffix[i]);
		snprintf(to, sizeof(to), "%s/%s.orphan-%lld%s", w->d->cfg->datadir, STORE_FILE, now, suffix[i]);
		if (access(from, F_OK) != 0)
			continue;
		if (rename(from, to) != 0) {
			snprintf(err, errsize, "cannot move the old database %s aside: %s", from, strerror(errno));
			return COFFER_ERR_IO;
		}
		if (i == 0)
			log_warn("%s belonged to an earlier wallet: kept as %s", from, to);
	}
	return 0;
}

int
wallet_create(struct wallet *w, char *err, size_t errsize, struct cbuf *mnemonic_out,
    const uint8_t *passphrase, size_t passlen, unsigned int words, const uint8_t *mnemonic_in,
    size_t mnemonic_len, uint8_t address_type)
{
	struct signer_client *c;
	struct proto_secret pass = client_secret_plain(passphrase, passlen);
	struct proto_secret none = client_secret_none();
	int r;

	err[0] = '\0';
	if ((r = wallet_enter(w, &c, WALLET_NEED_UNINITIALIZED)) != 0)
		return r;
	if ((r = set_orphan_aside(w, err, errsize)) != 0)
		goto out;
	if (mnemonic_in != NULL) {
		struct proto_secret mn = client_secret_plain(mnemonic_in, mnemonic_len);

		r = client_restore(c, &pass, &mn, &none);
	} else {
		r = client_create(c, mnemonic_out, &pass, words, &none, NULL);
	}
	if ((r = settle(w, r)) != 0) {
		if (w->client.reason[0] != '\0')
			snprintf(err, errsize, "%s", w->client.reason);
		goto out;
	}
	daemon_set_wallet_state(w->d, WALLET_LOCKED);
	log_notice("wallet %s", mnemonic_in != NULL ? "restored" : "created");
	/* Created: unlock at once with the same passphrase for the descriptors and the store. */
	if ((r = settle(w, client_unlock(c, &pass, 0))) != 0) {
		snprintf(err, errsize, "the wallet was created but does not unlock: %s", w->client.reason);
		goto out;
	}
	set_end(w, 0);
	/* A new mnemonic cannot have been used before now (two hours of clock slack); a restored one can. */
	r = open_unlocked(w, err, errsize, address_type, mnemonic_in != NULL ? 0 : (int64_t)time(NULL) - 7200);
out:
	mu_unlock(w);
	return r;
}

int
wallet_lock(struct wallet *w)
{
	struct signer_client *c;
	int r;

	if ((r = wallet_enter(w, &c, WALLET_NEED_KEYSTORE)) != 0)
		return r;
	if ((r = settle(w, client_lock(c))) == 0) {
		set_end(w, 0);
		daemon_close_store(w->d, WALLET_LOCKED);
		log_info("wallet locked");
	}
	mu_unlock(w);
	return r;
}
