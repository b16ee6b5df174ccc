/*
 * The daemon's side of the signer: cofferd starts coffer-signer as its child
 * over a socketpair (client.h), learns its state, and keeps the daemon's
 * wallet state (daemon.h) in step with it. The signer answers one request at
 * a time, so every call goes through w->mu.
 *
 * A signer that cannot be started is not fatal: cofferd still serves health,
 * info (signer state "unavailable") and metrics, and logs why.
 */
#ifndef COFFER_DAEMON_WALLET_H
#define COFFER_DAEMON_WALLET_H

#include <pthread.h>
#include <stddef.h>

#include "signer/client.h"

struct daemon;

struct wallet {
	pthread_mutex_t mu;
	struct signer_client client;
	int connected;
};

/*
 * The default signer binary: coffer-signer in the directory of the running
 * cofferd (/proc/self/exe). Returns 0 or COFFER_ERR_IO / COFFER_ERR_TOO_LARGE.
 */
int wallet_default_signer_path(char *out, size_t outsize);

/*
 * Start the signer (signer_path, d->cfg->datadir, d->cfg->network), then ask
 * its state and set the daemon's wallet state and TEE name from it.
 * Returns 0, or the spawn/handshake/status error (err says what; the daemon
 * stays WALLET_NO_SIGNER and w is not connected).
 * Call before any thread is started: the child inherits the signal mask.
 */
int wallet_start(struct wallet *w, struct daemon *d, char *err, size_t errsize, const char *signer_path);

/* Close the connection; the signer exits and is reaped. Safe when not connected. */
void wallet_stop(struct wallet *w);

#endif
