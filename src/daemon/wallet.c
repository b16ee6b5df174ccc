/* The daemon's side of the signer (wallet.h). */
#include "daemon/wallet.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btc/network.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/log.h"

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

int
wallet_start(struct wallet *w, struct daemon *d, char *err, size_t errsize, const char *signer_path)
{
	struct client_spawn_opts opts;
	struct client_status st;
	int r;

	memset(w, 0, sizeof(*w));
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		abort();
	if (access(signer_path, X_OK) != 0) {
		snprintf(err, errsize, "cannot start the signer %s: %s", signer_path, strerror(errno));
		return COFFER_ERR_SIGNER_SPAWN;
	}
	memset(&opts, 0, sizeof(opts));
	opts.network = btc_network_params(d->cfg->network)->name;
	if ((r = client_spawn_signer(&w->client, signer_path, d->cfg->datadir, &opts)) != 0) {
		snprintf(err, errsize, "cannot start the signer %s: %s", signer_path, coffer_err_msg(r));
		return r;
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
	/* A freshly started signer has no seed in memory: it is never unlocked here. */
	if (state_of(st.state) == WALLET_UNLOCKED || state_of(st.state) == WALLET_NO_SIGNER) {
		snprintf(err, errsize, "the signer reports an unexpected state %u at start", (unsigned int)st.state);
		client_close(&w->client);
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	w->connected = 1;
	snprintf(d->tee, sizeof(d->tee), "%s", st.tee[0] != '\0' ? st.tee : "none");
	daemon_set_wallet_state(d, state_of(st.state));
	log_info("signer %s (protocol %u) started: wallet %s, TEE %s", w->client.software,
	    (unsigned int)w->client.version, daemon_wallet_state_name(state_of(st.state)), d->tee);
	return 0;
}

void
wallet_stop(struct wallet *w)
{
	if (w->connected)
		client_close(&w->client);
	w->connected = 0;
	pthread_mutex_destroy(&w->mu);
}
