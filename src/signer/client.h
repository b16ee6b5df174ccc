/*
 * Client side of the signer protocol, used by the daemon and the CLI: start
 * or reach a signer, then one stub per message. Each stub encodes its request
 * with the same encoder the signer's handler decodes with, and decodes the
 * reply the handler encoded (proto.h), so the two sides cannot disagree on
 * field order.
 *
 * A stub returns 0, the error code the signer replied with (its reason text
 * in c->reason), or a transport/protocol error after which the connection is
 * closed (COFFER_ERR_SIGNER_CLOSED for every later call).
 *
 * Secrets the client sends (plain passphrases for local use) and receives (a
 * plain mnemonic from create, the storage key) pass through guarded buffers
 * that are wiped after each call. To keep them out of the client entirely,
 * seal passphrases to the signer's unlock key (client_seal; the caller is the
 * user's own device) and ask create to seal the mnemonic to a key of yours.
 */
#ifndef COFFER_SIGNER_CLIENT_H
#define COFFER_SIGNER_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "btc/network.h"
#include "common/buf.h"
#include "signer/proto.h"
#include "signer/transport.h"

/* The descriptor a spawned signer finds its end of the socketpair on. */
#define CLIENT_SIGNER_FD 3

struct signer_client {
	struct transport t;
	pid_t pid;			/* spawned signer, or -1 */
	int exit_status;		/* waitpid status after client_close (spawned only) */
	uint16_t version;		/* negotiated protocol version */
	char software[PROTO_MAX_SOFTWARE + 1];
	char reason[PROTO_MAX_REASON + 1];	/* reason of the last error reply */
	uint8_t *rx;			/* guarded reply buffer (PROTO_MAX_FRAME) */
	size_t rx_len;			/* bytes of the last reply (wiped after each call) */
	struct cbuf tx;			/* request being built (secret: wiped) */
};

/* Options for client_spawn_signer; NULL means all defaults. */
struct client_spawn_opts {
	const char *network;		/* --network NAME (NULL: the signer's default) */
	const char *user;		/* --user NAME when the signer starts as root */
	uint32_t kdf_memlimit_kib;	/* --kdf-memory for new keystores (0: default) */
	uint32_t kdf_opslimit;		/* --kdf-passes (0: default) */
	const char *tee;		/* --tee NAME (NULL: the signer's default, auto) */
	const char *seal;		/* --seal NAME (NULL: none) */
	const char *seal_pcrs;		/* --seal-pcrs LIST (NULL: default set) */
	const char *tcti;		/* --tcti CONF (NULL: the system TPM) */
};

/*
 * Start coffer-signer as a child over a socketpair (the default deployment):
 * fork, the child's end on CLIENT_SIGNER_FD, exec with an empty environment
 * and `--datadir DATADIR --fd 3`, then the version handshake.
 * Returns 0, COFFER_ERR_SIGNER_SPAWN, COFFER_ERR_SIGNER_TRANSPORT,
 *   COFFER_ERR_NOMEM or a handshake error (the child is then reaped).
 * Out: c (initialised here). In: signer_path; datadir (the signer uses
 *   DATADIR/signer); o (may be NULL).
 */
int client_spawn_signer(struct signer_client *c, const char *signer_path, const char *datadir,
    const struct client_spawn_opts *o);

/* Connect to a standalone signer on a unix socket / AF_VSOCK, then handshake.
 * Returns as client_spawn_signer (no child). */
int client_connect_unix(struct signer_client *c, const char *path);
int client_connect_vsock(struct signer_client *c, uint32_t cid, uint32_t port);

/* Take over a connected transport (tests, other transports) and handshake. */
int client_attach(struct signer_client *c, struct transport *t);

/*
 * Close the connection; a spawned signer then exits and is reaped (killed
 * after a few seconds if it does not), its status left in c->exit_status.
 * Safe on a closed or never-opened client.
 */
void client_close(struct signer_client *c);

/*
 * Seal a secret to the signer's X25519 unlock key (crypto_box_seal of
 * challenge || secret): what the user's device does so that whatever relays
 * it never sees the plain text, nor can replay it (the signer accepts each
 * challenge from client_get_unlock_key once).
 * Returns 0, COFFER_ERR_TOO_LARGE (over PROTO_MAX_PASSPHRASE), COFFER_ERR_CRYPTO, NOMEM.
 * Out: out (appended: the box). In: pk, challenge: from client_get_unlock_key; p/n.
 */
int client_seal(struct cbuf *out, const uint8_t pk[32], const uint8_t challenge[PROTO_CHALLENGE_LEN],
    const uint8_t *p, size_t n);

/* A secret argument: plain, sealed (out of client_seal) or absent. */
struct proto_secret client_secret_plain(const uint8_t *p, size_t n);
struct proto_secret client_secret_sealed(const uint8_t *box, size_t n);
struct proto_secret client_secret_none(void);

/* --- stubs, in protocol order ----------------------------------------------------- */

struct client_status {
	uint8_t state;			/* enum proto_state */
	enum btc_network network;
	uint8_t unlock_pubkey[32];
	uint32_t session_left;
	char tee[PROTO_MAX_NAME + 1];
	char note[PROTO_MAX_REASON + 1];	/* why still locked after an unattended-unlock attempt, or "" */
};
int client_status(struct signer_client *c, struct client_status *out);

/* The unlock key and the current one-time challenge to seal secrets with. */
int client_get_unlock_key(struct signer_client *c, uint8_t pubkey[32], uint8_t challenge[PROTO_CHALLENGE_LEN]);

/*
 * Create a wallet. The mnemonic comes back once: plain (reply_pubkey NULL)
 * into `mnemonic` as NUL-terminated words, or sealed to reply_pubkey (open
 * with crypto_box_seal_open on the user's side).
 * Out: mnemonic (secret cbuf; appended: words + NUL, or the sealed box).
 * In: passphrase; words 12|24; bip39_pass (client_secret_none() for none); reply_pubkey or NULL.
 */
int client_create(struct signer_client *c, struct cbuf *mnemonic, const struct proto_secret *passphrase,
    unsigned int words, const struct proto_secret *bip39_pass, const uint8_t *reply_pubkey);

int client_restore(struct signer_client *c, const struct proto_secret *passphrase,
    const struct proto_secret *mnemonic, const struct proto_secret *bip39_pass);

/* Unlock for a session; timeout seconds (0: until locked). */
int client_unlock(struct signer_client *c, const struct proto_secret *passphrase, uint32_t timeout);

int client_lock(struct signer_client *c);

struct client_descriptors {
	uint8_t fingerprint[4];
	size_t n;
	struct {
		uint8_t type;		/* enum proto_account_type */
		char descriptor[PROTO_MAX_DESCRIPTOR + 1];
		char xpub[PROTO_MAX_DESCRIPTOR + 1];
	} d[PROTO_MAX_DESCRIPTORS];
};
int client_descriptors(struct signer_client *c, struct client_descriptors *out, uint32_t account);

struct client_sign_result {
	uint32_t inputs_signed;
	uint32_t signatures;
	uint64_t amount_out;
	uint64_t fee;
};
/*
 * Sign a PSBT. passphrase: client_secret_none() in a session, or the
 * passphrase when the policy demands it for this amount.
 * Out: psbt_out (appended: the PSBT with our signatures); res.
 * In: psbt/len (binary PSBT).
 */
int client_sign_psbt(struct signer_client *c, struct cbuf *psbt_out, struct client_sign_result *res,
    const struct proto_secret *passphrase, const uint8_t *psbt, size_t len);

/* BIP322 simple signature with the key at type/account/change/index.
 * Out: address[PROTO_MAX_ADDRESS + 1]; signature (appended, NUL-terminated). */
int client_sign_message(struct signer_client *c, char *address, struct cbuf *signature,
    const struct proto_secret *passphrase, uint8_t type, uint32_t account, uint32_t change,
    uint32_t index, const uint8_t *msg, size_t msglen);

/* Policy as JSON (appended, NUL-terminated). */
int client_get_policy(struct signer_client *c, struct cbuf *json);
int client_set_policy(struct signer_client *c, const struct proto_secret *passphrase,
    const char *json, size_t len);

/* Audit records from sequence `from` (at most max). Out: records (appended), next, count. */
int client_read_audit(struct signer_client *c, struct cbuf *records, uint64_t *next, uint32_t *count,
    uint64_t from, uint32_t max);

struct client_attestation {
	char backend[PROTO_MAX_NAME + 1];
	char statement[PROTO_MAX_STATEMENT + 1];
	uint8_t unlock_pubkey[32];
	struct cbuf evidence;		/* initialised and filled by the stub; caller frees */
	int has_identity;		/* 1 when the signer was unlocked: identity_pubkey is bound too */
	uint8_t identity_pubkey[33];
};
int client_attestation(struct signer_client *c, struct client_attestation *out, const uint8_t nonce[32]);

/* The daemon's database key (only while unlocked). Out: key (secret). */
int client_storage_key(struct signer_client *c, uint8_t key[32]);

#endif
