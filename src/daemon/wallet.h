/*
 * The daemon's side of the signer: cofferd starts coffer-signer as its child
 * over a socketpair (client.h), learns its state, and keeps the daemon's
 * wallet state (daemon.h) in step with it. The signer answers one request at
 * a time, so every call goes through w->mu.
 *
 * Handlers reach the signer with a pair of calls around any client_* stub:
 *
 *	struct signer_client *c;
 *	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) != 0)
 *		return r;
 *	r = client_sign_psbt(c, ...);
 *	r = wallet_leave(d->wallet, r);
 *
 * wallet_enter refuses (COFFER_ERR_WALLET_LOCKED) a request the signer would
 * not permit in its state, so a session that timed out never costs the
 * connection (the signer ends it on a message not permitted in its state);
 * wallet_leave notices a connection the signer ended, closes the store, and
 * starts a fresh signer (locked) for the next request.
 *
 * A signer that cannot be started is not fatal: cofferd still serves health,
 * info (signer state "unavailable") and metrics, and logs why.
 */
#ifndef COFFER_DAEMON_WALLET_H
#define COFFER_DAEMON_WALLET_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "signer/client.h"

struct daemon;

struct wallet {
	pthread_mutex_t mu;
	struct signer_client client;
	int connected;
	struct daemon *d;
	char signer_path[PATH_MAX];
	int64_t session_end_ms;		/* monotonic ms when the signer locks itself; 0: no timeout
					 * (written under mu, read atomically by wallet_session_check) */
	int64_t last_spawn_ms;		/* monotonic ms of the last start attempt */
	unsigned int restarts;		/* signers started after the first (for /metrics) */
	int sign_lost;			/* the connection died under payments_chain_sign_signer, which runs inside
					 * the store and cannot close it: wallet_session_check does (atomic) */
};

/* What a call needs from the signer's state. */
enum wallet_need {
	WALLET_NEED_ANY = 0,		/* status, unlock key, attestation */
	WALLET_NEED_KEYSTORE = 1,	/* unlock, lock: locked or unlocked */
	WALLET_NEED_UNINITIALIZED = 2,	/* create, restore */
	WALLET_NEED_UNLOCKED = 3,	/* everything that uses the seed */
};

/* Seconds before a session's end at which cofferd stops using it (the clocks differ a little). */
#define WALLET_SESSION_MARGIN_MS 1500

/*
 * The default signer binary: coffer-signer in the directory of the running
 * cofferd (/proc/self/exe). Returns 0 or COFFER_ERR_IO / COFFER_ERR_TOO_LARGE.
 */
int wallet_default_signer_path(char *out, size_t outsize);

/*
 * Start the signer (signer_path, d->cfg->datadir, d->cfg->network), then ask
 * its state and set the daemon's wallet state and TEE name from it.
 * Returns 0, or the spawn/handshake/status error (err says what; the daemon
 * stays WALLET_NO_SIGNER and w is not connected, but w is usable: a later
 * wallet_enter tries to start the signer again).
 * Call before any thread is started: the child inherits the signal mask.
 */
int wallet_start(struct wallet *w, struct daemon *d, char *err, size_t errsize, const char *signer_path);

/* Close the connection; the signer exits and is reaped. Safe when not connected. */
void wallet_stop(struct wallet *w);

/*
 * Take the signer for one call (holds w->mu until wallet_leave).
 * Returns 0 (*c usable), COFFER_ERR_SIGNER_UNAVAILABLE (no signer, and one
 * could not be started), or COFFER_ERR_WALLET_LOCKED (the signer's state does
 * not permit what `need` says; the lock is then not held).
 */
int wallet_enter(struct wallet *w, struct signer_client **c, enum wallet_need need);

/*
 * Release the signer after a call that returned r. A connection the signer
 * ended closes the store and restarts the signer; a signer answering
 * "locked" closes the store. Returns r, mapped to COFFER_ERR_WALLET_LOCKED
 * (the signer is locked or uninitialized) or COFFER_ERR_SIGNER_UNAVAILABLE
 * (the connection broke).
 */
int wallet_leave(struct wallet *w, int r);
/* wallet_leave, copying the signer's reason for a refusal into reason[size] ("" when none). */
int wallet_leave_reason(struct wallet *w, int r, char *reason, size_t size);

/*
 * End an unlock session that is over (cheap when none is: one atomic read
 * and no lock). Every request and the background thread call it, so a
 * session's end closes the store on time. NULL is fine.
 */
void wallet_session_check(struct wallet *w);

/*
 * Ask the signer its state and bring the daemon's in line (a session that
 * ended closes the store). For the periodic check and /v1/info.
 * Returns 0 or COFFER_ERR_SIGNER_UNAVAILABLE.
 */
int wallet_refresh(struct wallet *w);

/*
 * Unlock: the passphrase (plain or sealed) to the signer for a session of
 * timeout_s seconds (0: until locked), then the storage key opens the store
 * and the public account descriptors are loaded.
 * Returns 0, a signer error (wrong passphrase, sealed box refused), or a
 * store error (err says what; the signer is locked again).
 */
int wallet_unlock(struct wallet *w, char *err, size_t errsize, const struct proto_secret *passphrase,
    uint32_t timeout_s);

/*
 * Create (mnemonic_in NULL: a new mnemonic of `words` words, appended to
 * mnemonic_out) or restore (mnemonic_in: the words) a wallet, then unlock it
 * with the same passphrase (no timeout) and remember the address type
 * (PROTO_ACCOUNT_TR or PROTO_ACCOUNT_WPKH) for new addresses. A database
 * left by an earlier wallet is renamed aside (coffer.db.orphan-TIME).
 * Returns 0 or as wallet_unlock, plus COFFER_ERR_KS_EXISTS.
 * Out: mnemonic_out (secret cbuf; words and a NUL; untouched on restore).
 */
int wallet_create(struct wallet *w, char *err, size_t errsize, struct cbuf *mnemonic_out,
    const uint8_t *passphrase, size_t passlen, unsigned int words, const uint8_t *mnemonic_in,
    size_t mnemonic_len, uint8_t address_type);

/* Lock: the signer forgets the seed, the store closes. Returns 0 or a signer error. */
int wallet_lock(struct wallet *w);

#endif
