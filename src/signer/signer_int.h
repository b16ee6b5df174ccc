/*
 * Inside the signer: the struct, the handler type, and helpers shared by the
 * handler files (signer.c: lifecycle, dispatch, status; signer_wallet.c:
 * keystore operations; signer_sign.c: signing; signer_policy.c: policy and
 * audit). Not for use outside src/signer.
 */
#ifndef COFFER_SIGNER_SIGNER_INT_H
#define COFFER_SIGNER_SIGNER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "signer/analyze.h"
#include "signer/audit.h"
#include "signer/policy.h"
#include "signer/proto.h"
#include "signer/signer.h"

struct ks_secret;
struct psbt;
struct psbt_sign_stats;
struct signer_keyring;

/* What an unlocked signer keeps besides the seed (signer_session.c). */
struct signer_session {
	struct signer_policy policy;
	struct signer_ledger ledger;	/* spends in the last 24 hours */
	struct judge_wallet wallet;	/* our accounts, for the judge */
	struct audit_log audit;		/* open for appending */
	struct signer_keyring *keys;	/* guarded: master and cached parents (signer_keys.c) */
	uint8_t *state_key;		/* guarded: seals the state file */
};

/* Receive buffer: the largest request (a sign_psbt frame). */
#define SIGNER_RX_MAX (PROTO_MAX_PSBT + ((size_t)4 << 10))
/* Guarded reply buffer for replies that may carry secrets (mnemonic, keys). */
#define SIGNER_TX_SECRET ((size_t)8 << 10)
/* Opened secrets: slots of a plain secret's largest size, the challenge
 * (while a sealed one is opened) and a NUL. */
#define SIGNER_SLOT_SIZE (PROTO_MAX_PASSPHRASE + PROTO_CHALLENGE_LEN + 1)
#define SIGNER_SLOTS 3

struct signer {
	struct signer_config cfg;
	int has_keystore;
	struct ks_secret *secret;	/* NULL while locked */
	struct signer_session *sess;	/* non-NULL exactly when secret is */
	uint64_t expiry;		/* CLOCK_BOOTTIME second the session ends; 0: none */
	uint8_t unlock_pk[32];		/* X25519, fresh per process */
	uint8_t *unlock_sk;		/* guarded */
	uint8_t challenge[PROTO_CHALLENGE_LEN];	/* the next sealed secret's; one use */
	int challenge_used;		/* a sealed secret opened: new challenge after the request */
	uint8_t *rx;			/* guarded, SIGNER_RX_MAX */
	uint8_t *txmem;			/* guarded, SIGNER_TX_SECRET */
	struct cbuf tx_secret;		/* fixed over txmem */
	struct cbuf tx_large;		/* heap: signed PSBTs, audit records (not secret) */
	uint8_t *slots;			/* guarded, SIGNER_SLOTS * SIGNER_SLOT_SIZE */
	char reason[PROTO_MAX_REASON + 1];	/* for the error reply; "" for none */
	char note[PROTO_MAX_REASON + 1];	/* for PROTO_STATUS (signer_set_note) */
	int close;			/* a handler saw a protocol violation */
};

/*
 * A message handler: decode the request (hostile) from p[n], act, append the
 * reply payload to out. Returns 0 or an error code sent back in PROTO_ERROR.
 */
typedef int (*signer_handler_fn)(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);

/* Handlers (in pairs with the client stubs in client.c). */
int signer_h_create(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_restore(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_unlock(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_descriptors(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_storage_key(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_sign_psbt(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_sign_message(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_get_policy(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_set_policy(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
int signer_h_read_audit(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);

/*
 * PROTO_ATTESTATION's reply (signer_tee.c): the binding over the identity key
 * (when unlocked), the unlock key and nonce, and the evidence from the helper.
 * Out: m (pointing into s and evidence), evidence (appended). In: nonce[32].
 */
int signer_attest(struct signer *s, struct proto_attestation_reply *m, struct cbuf *evidence,
    const uint8_t nonce[32]);

/* A request that does not decode: remember to end the connection, pass the code on. */
int signer_bad_request(struct signer *s, int code);

/* Set the reason text of the coming error reply (printf-style, truncated). */
void signer_reason(struct signer *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Open a secret field into slot `slot` (0 .. SIGNER_SLOTS-1): a plain one is
 * copied, a sealed one opened with the unlock key and its challenge checked
 * and stripped (the challenge is then spent); either way NUL-terminated
 * in guarded memory, wiped after the request. With as_string, a NUL inside
 * is refused.
 * Returns 0, COFFER_ERR_SIGNER_NO_PASSPHRASE (kind none), COFFER_ERR_SIGNER_SEALED,
 *   COFFER_ERR_TOO_LARGE, COFFER_ERR_BAD_STRING.
 * Out: out, outlen (NULL/0 on failure).
 */
int signer_secret_open(struct signer *s, const uint8_t **out, size_t *outlen,
    const struct proto_secret *in, unsigned int slot, int as_string);

/* Wipe and free the unlocked secret and whatever was derived from it (lock). */
void signer_lock(struct signer *s);

/* Seconds since boot (CLOCK_BOOTTIME), for session timeouts. */
uint64_t signer_now_boot(void);
/* Unix time, for the ledger and audit records. */
uint64_t signer_now_wall(void);

/* --- session (signer_session.c) --- */
/* A new wallet's sealed state (default policy, empty ledger) and its first
 * audit record (kind AUDIT_CREATE or AUDIT_RESTORE). */
int signer_session_create(struct signer *s, const struct ks_secret *sec, enum audit_kind kind);
/* Load the sealed state, verify the audit log against its head, set up the
 * judge's accounts: s->sess on success (the caller records AUDIT_UNLOCK). */
int signer_session_open(struct signer *s, const struct ks_secret *sec);
/* Record AUDIT_LOCK (best effort), seal, close and free s->sess. */
void signer_session_close(struct signer *s);
/* Append a record durably, then seal its head (and the ledger, policy) into the state. */
int signer_session_record(struct signer *s, const struct audit_event *ev);
/* A record without amounts: verdict from code (0 = allowed). */
int signer_session_note(struct signer *s, enum audit_kind kind, const uint8_t *request, int code,
    const char *reason);
/* Seal the current policy, ledger and audit head. */
int signer_session_save(struct signer *s);

/* --- keys (signer_keys.c) --- */
int signer_keyring_new(struct signer_keyring **out, const struct ks_secret *sec, enum btc_network net);
void signer_keyring_free(struct signer_keyring *k);
/* The key at path (depth >= 1) from the master, through the parent cache. Out: out (guarded). */
int signer_keyring_derive(struct signer_keyring *k, struct bip32_key *out, const uint32_t *path, size_t depth);
/* psbt_sign with the session's keys: only inputs whose derivations lead to exactly the PSBT's key. */
int signer_keyring_sign(struct signer_keyring *k, struct psbt *p, struct psbt_sign_stats *stats);

#endif
