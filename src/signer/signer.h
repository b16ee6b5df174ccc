/*
 * The signer: a state machine (uninitialized -> locked <-> unlocked) behind a
 * dispatch table of messages, each with the states it is permitted in and its
 * own size cap (docs/SIGNER_PROTOCOL.md). Everything it receives is hostile:
 * an unknown type, a type not permitted in the current state, an oversize or
 * malformed frame each end the connection (after an error reply saying why).
 *
 * Secrets (the seed, the unlock key, passphrases, the receive buffer and
 * secret replies) live only in libsodium guarded memory and are wiped after
 * each request. coffer-signer (main.c) runs one struct signer per process.
 */
#ifndef COFFER_SIGNER_SIGNER_H
#define COFFER_SIGNER_SIGNER_H

#include <stdint.h>

#include "btc/network.h"
#include "signer/proto.h"
#include "signer/transport.h"

struct signer;
struct seal_backend;
struct tee_backend;

struct signer_config {
	const char *dir;		/* the signer directory (keystore, state, audit.log) */
	enum btc_network network;	/* of the descriptors, addresses and PSBTs */
	uint32_t kdf_opslimit;		/* Argon2id for new keystores; 0: the default */
	uint32_t kdf_memlimit_kib;	/* 0: the default */
	const struct tee_backend *tee;	/* attestation evidence (tee.h); NULL: `none` */
	const struct seal_backend *seal;	/* platform sealing (seal.h); NULL: `none` */
};

/*
 * Make a signer: buffers in guarded memory, a fresh X25519 unlock key pair,
 * the keystore's presence checked (nothing is decrypted).
 * Returns 0, COFFER_ERR_NOMEM, COFFER_ERR_INVALID_ARG (kdf parameters out of
 *   bounds) or a keystore error (ks_status) for an unreadable directory. A
 *   keystore file that does not parse leaves the signer locked (unlock then
 *   returns the parse error).
 * Out: out (NULL on failure). In: cfg (copied; cfg->dir must outlive the signer).
 */
int signer_new(struct signer **out, const struct signer_config *cfg);

/* Wipe every secret and free. NULL is allowed. */
void signer_free(struct signer *s);

/* The current state (enum proto_state). */
enum proto_state signer_state(const struct signer *s);

/*
 * Unlock with a passphrase the signer obtained itself (unattended unlock,
 * autounlock.h), exactly as PROTO_UNLOCK does with a typed one: keystore,
 * sealed state, audit record; no session timeout.
 * Returns 0 or the errors of the unlock message (ks_unlock, session, audit).
 * In: pass[passlen] (not kept).
 */
int signer_unlock_passphrase(struct signer *s, const uint8_t *pass, size_t passlen);

/* The note PROTO_STATUS carries (e.g. why unattended unlock failed); truncated; "" clears it. */
void signer_set_note(struct signer *s, const char *note);

/*
 * Serve one connection until the peer closes it or breaks the protocol: a
 * version handshake first, then requests through the dispatch table. An
 * unlocked session with a timeout is locked when it expires, even while idle.
 * Returns 0 when the peer closed cleanly between frames, else the error that
 * ended the connection (COFFER_ERR_SIGNER_PROTOCOL, _FRAME_SIZE, _UNKNOWN_MSG,
 * _NOT_PERMITTED, _VERSION, COFFER_ERR_IO, ...). The caller closes t.
 */
int signer_serve(struct signer *s, struct transport *t);

#endif
