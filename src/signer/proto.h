/*
 * The signer protocol: frames and messages (docs/SIGNER_PROTOCOL.md).
 *
 * A frame is `u32le length | u8 type | payload`, where length counts the type
 * byte and the payload (so it is at least 1). Both sides cap what they send
 * and what they accept; the signer's receive cap is much smaller before the
 * handshake and while it is locked.
 *
 * Every message has an encoder and a decoder here, in pairs with the same
 * field order: the client stub encodes a request and decodes its reply, the
 * signer's handler decodes the request and encodes the reply. Decoders read
 * hostile bytes through struct creader and end with creader_expect_end; the
 * structs they fill point INTO the decoded payload (no copies), so a decoded
 * message lives exactly as long as the frame buffer it came from.
 *
 * Field encodings: integers little-endian; `bytes` and `str` are a CompactSize
 * length then that many bytes, with a per-field cap (a `str` has no NUL and is
 * not NUL-terminated in the frame); a `secret` is `u8 kind` (0 none, 1 plain,
 * 2 sealed) then `bytes`. A sealed secret is crypto_box_seal(challenge ||
 * secret) to the signer's X25519 unlock key, where challenge is the 16-byte
 * one-time value PROTO_GET_UNLOCK_KEY returned: the signer accepts each
 * challenge once, so a relayed box cannot be replayed.
 */
#ifndef COFFER_SIGNER_PROTO_H
#define COFFER_SIGNER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Protocol version spoken by this build, and the magic the handshake carries. */
#define PROTO_VERSION        1
#define PROTO_MAGIC          0x47534643u	/* "CFSG" read as u32le */

/* Frame header: u32le length, u8 type. */
#define PROTO_HEADER_LEN     5

/* Frame caps (payload bytes, the type byte excluded). */
#define PROTO_MAX_HELLO      64			/* before the handshake */
#define PROTO_MAX_LOCKED     ((size_t)8 << 10)	/* signer receive cap while not unlocked */
#define PROTO_MAX_PSBT       ((size_t)4 << 20)	/* PSBT in a sign request */
#define PROTO_MAX_PSBT_OUT   ((size_t)6 << 20)	/* signed PSBT in the reply (signatures added) */
#define PROTO_MAX_FRAME      (PROTO_MAX_PSBT_OUT + ((size_t)4 << 10))	/* any frame, any state */

/* Field caps. */
#define PROTO_MAX_PASSPHRASE 1024	/* plain passphrase bytes */
#define PROTO_MAX_BIP39_PASS 256	/* plain BIP39 passphrase bytes */
#define PROTO_MAX_MNEMONIC   1024	/* plain mnemonic bytes */
#define PROTO_SEAL_OVERHEAD  48		/* crypto_box_SEALBYTES */
#define PROTO_CHALLENGE_LEN  16		/* one-time challenge inside a sealed secret */
#define PROTO_MAX_SOFTWARE   64		/* software version string in the handshake */
#define PROTO_MAX_REASON     256	/* reason string in an error reply */
#define PROTO_MAX_NAME       32		/* short names (TEE backend) */
#define PROTO_MAX_DESCRIPTOR 1024	/* one account descriptor */
#define PROTO_MAX_POLICY     ((size_t)256 << 10)	/* policy JSON (POLICY_MAX_JSON) */
#define PROTO_MAX_MESSAGE    ((size_t)64 << 10)	/* message to sign (BIP322) */
#define PROTO_MAX_SIGNATURE  4096	/* BIP322 signature string */
#define PROTO_MAX_ADDRESS    128
#define PROTO_MAX_AUDIT      ((size_t)1 << 20)	/* audit records in one reply */
#define PROTO_MAX_EVIDENCE   ((size_t)1 << 20)	/* attestation evidence blob (ATTEST_MAX_EVIDENCE) */
#define PROTO_MAX_STATEMENT  512	/* attestation statement text */
#define PROTO_MAX_DESCRIPTORS 3		/* account types in one reply */

/* Message types. Requests are 0x01..0x7f; a reply to request T is T | 0x80;
 * PROTO_ERROR answers any request that failed. */
enum proto_type {
	PROTO_HELLO = 0x01,
	PROTO_STATUS = 0x02,
	PROTO_GET_UNLOCK_KEY = 0x03,
	PROTO_CREATE = 0x04,
	PROTO_RESTORE = 0x05,
	PROTO_UNLOCK = 0x06,
	PROTO_LOCK = 0x07,
	PROTO_DESCRIPTORS = 0x08,
	PROTO_SIGN_PSBT = 0x09,
	PROTO_SIGN_MESSAGE = 0x0a,
	PROTO_GET_POLICY = 0x0b,
	PROTO_SET_POLICY = 0x0c,
	PROTO_READ_AUDIT = 0x0d,
	PROTO_ATTESTATION = 0x0e,
	PROTO_GET_STORAGE_KEY = 0x0f,
	PROTO_ERROR = 0xff,
};
#define PROTO_REPLY(t) ((uint8_t)((t) | 0x80))

/* Signer states (PROTO_STATUS). */
enum proto_state {
	PROTO_STATE_UNINITIALIZED = 0,	/* no keystore */
	PROTO_STATE_LOCKED = 1,		/* keystore, seed not in memory */
	PROTO_STATE_UNLOCKED = 2,	/* seed in (guarded) memory */
};

/* Kinds of a secret field. */
enum proto_secret_kind {
	PROTO_SECRET_NONE = 0,
	PROTO_SECRET_PLAIN = 1,
	PROTO_SECRET_SEALED = 2,	/* crypto_box_seal to the unlock key */
};

/* Account script types (PROTO_DESCRIPTORS, PROTO_SIGN_MESSAGE). */
enum proto_account_type {
	PROTO_ACCOUNT_WPKH = 1,		/* BIP84 */
	PROTO_ACCOUNT_TR = 2,		/* BIP86 */
	PROTO_ACCOUNT_SH_WPKH = 3,	/* BIP49 */
};

/* A secret field; p points into the frame (plain text or a sealed box). */
struct proto_secret {
	uint8_t kind;			/* enum proto_secret_kind */
	const uint8_t *p;
	size_t len;
};

/* A length-delimited field; p points into the frame (not NUL-terminated). */
struct proto_bytes {
	const uint8_t *p;
	size_t len;
};

/* PROTO_HELLO: u32 magic, u16 min_version, u16 max_version. */
struct proto_hello {
	uint32_t magic;
	uint16_t min_version;
	uint16_t max_version;
};
/* Reply: u32 magic, u16 version (chosen), str software. */
struct proto_hello_reply {
	uint32_t magic;
	uint16_t version;
	struct proto_bytes software;
};

/* PROTO_STATUS reply: u8 state, u8 network, u8[32] unlock_pubkey,
 * u32 session_left (seconds until auto-lock; 0: no timeout, or locked),
 * str tee (attestation backend name, "none" without a TEE),
 * str note (why a signer that tried to unlock itself at start is still
 * locked, or how it was unlocked; "" when there is nothing to say). */
struct proto_status_reply {
	uint8_t state;			/* enum proto_state */
	uint8_t network;		/* enum btc_network */
	uint8_t unlock_pubkey[32];
	uint32_t session_left;		/* seconds until auto-lock; 0: none */
	struct proto_bytes tee;		/* "none" */
	struct proto_bytes note;	/* <= PROTO_MAX_REASON */
};

/* PROTO_GET_UNLOCK_KEY reply: u8[32] X25519 public key, u8[16] challenge
 * (the next sealed secret must start with it; it changes once used). */
struct proto_unlock_key_reply {
	uint8_t pubkey[32];
	uint8_t challenge[PROTO_CHALLENGE_LEN];
};

/* PROTO_CREATE: secret passphrase, u8 words (12|24), secret bip39_pass,
 * u8 seal_reply (0|1), u8[32] reply_pubkey (zeros when seal_reply is 0). */
struct proto_create {
	struct proto_secret passphrase;
	uint8_t words;
	struct proto_secret bip39_pass;
	uint8_t seal_reply;
	uint8_t reply_pubkey[32];
};
/* Reply: u8 sealed, bytes mnemonic (plain words, or sealed to reply_pubkey). */
struct proto_create_reply {
	uint8_t sealed;
	struct proto_bytes mnemonic;
};

/* PROTO_RESTORE: secret passphrase, secret mnemonic, secret bip39_pass. Reply: empty. */
struct proto_restore {
	struct proto_secret passphrase;
	struct proto_secret mnemonic;
	struct proto_secret bip39_pass;
};

/* PROTO_UNLOCK: secret passphrase, u32 timeout_seconds (0: until locked). Reply: empty. */
struct proto_unlock {
	struct proto_secret passphrase;
	uint32_t timeout;
};

/* PROTO_DESCRIPTORS: u32 account. */
struct proto_descriptors {
	uint32_t account;
};
/* Reply: u8[4] master fingerprint, u8 n, n times { u8 type, str descriptor, str xpub }. */
struct proto_descriptor_entry {
	uint8_t type;			/* enum proto_account_type */
	struct proto_bytes descriptor;	/* public multipath descriptor with checksum */
	struct proto_bytes xpub;	/* the account's extended public key */
};
struct proto_descriptors_reply {
	uint8_t fingerprint[4];
	uint8_t n;
	struct proto_descriptor_entry d[PROTO_MAX_DESCRIPTORS];
};

/* PROTO_SIGN_PSBT: secret passphrase (per-signature mode), bytes psbt. */
struct proto_sign_psbt {
	struct proto_secret passphrase;
	struct proto_bytes psbt;
};
/* Reply: bytes psbt (with our signatures), u32 inputs_signed, u32 signatures,
 * u64 amount_out (value leaving the wallet, fee included), u64 fee. */
struct proto_sign_psbt_reply {
	struct proto_bytes psbt;
	uint32_t inputs_signed;
	uint32_t signatures;
	uint64_t amount_out;
	uint64_t fee;
};

/* PROTO_SIGN_MESSAGE: secret passphrase, u8 type, u32 account, u32 change
 * (0|1), u32 index, bytes message. */
struct proto_sign_message {
	struct proto_secret passphrase;
	uint8_t type;			/* PROTO_ACCOUNT_WPKH or PROTO_ACCOUNT_TR */
	uint32_t account;
	uint32_t change;
	uint32_t index;
	struct proto_bytes message;
};
/* Reply: str address, str signature (BIP322 simple, "smp..."). */
struct proto_sign_message_reply {
	struct proto_bytes address;
	struct proto_bytes signature;
};

/* PROTO_GET_POLICY reply: str policy JSON. */
struct proto_policy_reply {
	struct proto_bytes json;
};

/* PROTO_SET_POLICY: secret passphrase (required), str policy JSON. Reply: empty. */
struct proto_set_policy {
	struct proto_secret passphrase;
	struct proto_bytes json;
};

/* PROTO_READ_AUDIT: u64 from_seq, u32 max_records. */
struct proto_read_audit {
	uint64_t from;
	uint32_t max;
};
/* Reply: u64 next_seq, u32 count, bytes records (the log's own bytes). */
struct proto_read_audit_reply {
	uint64_t next;
	uint32_t count;
	struct proto_bytes records;
};

/* PROTO_ATTESTATION: u8[32] nonce. */
struct proto_attestation {
	uint8_t nonce[32];
};
/* Reply: str backend, str statement, u8[32] unlock_pubkey, bytes evidence,
 * u8 has_identity, u8[33] identity_pubkey (zeros while locked). The evidence's
 * report data is the binding of docs/ATTESTATION.md over identity (when
 * has_identity), unlock key and nonce. */
struct proto_attestation_reply {
	struct proto_bytes backend;
	struct proto_bytes statement;
	uint8_t unlock_pubkey[32];
	struct proto_bytes evidence;
	uint8_t has_identity;
	uint8_t identity_pubkey[33];	/* compressed secp256k1 */
};

/* PROTO_GET_STORAGE_KEY reply: u8[32] key. */
struct proto_storage_key_reply {
	uint8_t key[32];
};

/* PROTO_ERROR: u32 code (a negative COFFER_ERR_* as two's complement),
 * u8 fatal (1: the signer ends the connection after this frame), str reason. */
struct proto_error {
	int32_t code;
	uint8_t fatal;
	struct proto_bytes reason;
};

/* --- Frames ------------------------------------------------------------------ */

/*
 * Encode a frame header for a payload of len bytes.
 * Returns 0 or COFFER_ERR_SIGNER_FRAME_SIZE (len over PROTO_MAX_FRAME).
 * Out: hdr. In: type; len.
 */
int proto_header_encode(uint8_t hdr[PROTO_HEADER_LEN], uint8_t type, size_t len);

/*
 * Decode a frame header against a payload cap.
 * Returns 0; COFFER_ERR_SIGNER_PROTOCOL (length 0: no type byte);
 * COFFER_ERR_SIGNER_FRAME_SIZE (payload over max).
 * Out: type, len (payload bytes; both 0 on failure). In: hdr; max.
 */
int proto_header_decode(uint8_t *type, size_t *len, const uint8_t hdr[PROTO_HEADER_LEN], size_t max);

/* Name of a message type ("sign_psbt") or NULL. */
const char *proto_type_name(uint8_t type);

/* --- Messages: encode (append to out) / decode (hostile bytes) pairs ----------
 * Encoders return 0 or a cbuf error (COFFER_ERR_TOO_LARGE, COFFER_ERR_NOMEM),
 * and COFFER_ERR_INVALID_ARG for a field over its cap.
 * Decoders return 0 or COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING,
 * COFFER_ERR_NONCANONICAL, COFFER_ERR_TOO_LARGE (field over its cap),
 * COFFER_ERR_BAD_STRING (NUL in a str) or COFFER_ERR_SIGNER_PROTOCOL (a field
 * value out of its domain); their output is cleared on entry and on failure. */

int proto_hello_encode(struct cbuf *out, const struct proto_hello *m);
int proto_hello_decode(struct proto_hello *m, const uint8_t *p, size_t n);
int proto_hello_reply_encode(struct cbuf *out, const struct proto_hello_reply *m);
int proto_hello_reply_decode(struct proto_hello_reply *m, const uint8_t *p, size_t n);

/* Requests without a body (status, get_unlock_key, lock, get_policy,
 * get_storage_key) and replies without a body (restore, unlock, lock,
 * set_policy): decode checks the payload is empty. */
int proto_empty_decode(const uint8_t *p, size_t n);

int proto_status_reply_encode(struct cbuf *out, const struct proto_status_reply *m);
int proto_status_reply_decode(struct proto_status_reply *m, const uint8_t *p, size_t n);

int proto_unlock_key_reply_encode(struct cbuf *out, const struct proto_unlock_key_reply *m);
int proto_unlock_key_reply_decode(struct proto_unlock_key_reply *m, const uint8_t *p, size_t n);

int proto_create_encode(struct cbuf *out, const struct proto_create *m);
int proto_create_decode(struct proto_create *m, const uint8_t *p, size_t n);
int proto_create_reply_encode(struct cbuf *out, const struct proto_create_reply *m);
int proto_create_reply_decode(struct proto_create_reply *m, const uint8_t *p, size_t n);

int proto_restore_encode(struct cbuf *out, const struct proto_restore *m);
int proto_restore_decode(struct proto_restore *m, const uint8_t *p, size_t n);

int proto_unlock_encode(struct cbuf *out, const struct proto_unlock *m);
int proto_unlock_decode(struct proto_unlock *m, const uint8_t *p, size_t n);

int proto_descriptors_encode(struct cbuf *out, const struct proto_descriptors *m);
int proto_descriptors_decode(struct proto_descriptors *m, const uint8_t *p, size_t n);
int proto_descriptors_reply_encode(struct cbuf *out, const struct proto_descriptors_reply *m);
int proto_descriptors_reply_decode(struct proto_descriptors_reply *m, const uint8_t *p, size_t n);

int proto_sign_psbt_encode(struct cbuf *out, const struct proto_sign_psbt *m);
int proto_sign_psbt_decode(struct proto_sign_psbt *m, const uint8_t *p, size_t n);
int proto_sign_psbt_reply_encode(struct cbuf *out, const struct proto_sign_psbt_reply *m);
int proto_sign_psbt_reply_decode(struct proto_sign_psbt_reply *m, const uint8_t *p, size_t n);

int proto_sign_message_encode(struct cbuf *out, const struct proto_sign_message *m);
int proto_sign_message_decode(struct proto_sign_message *m, const uint8_t *p, size_t n);
int proto_sign_message_reply_encode(struct cbuf *out, const struct proto_sign_message_reply *m);
int proto_sign_message_reply_decode(struct proto_sign_message_reply *m, const uint8_t *p, size_t n);

int proto_policy_reply_encode(struct cbuf *out, const struct proto_policy_reply *m);
int proto_policy_reply_decode(struct proto_policy_reply *m, const uint8_t *p, size_t n);

int proto_set_policy_encode(struct cbuf *out, const struct proto_set_policy *m);
int proto_set_policy_decode(struct proto_set_policy *m, const uint8_t *p, size_t n);

int proto_read_audit_encode(struct cbuf *out, const struct proto_read_audit *m);
int proto_read_audit_decode(struct proto_read_audit *m, const uint8_t *p, size_t n);
int proto_read_audit_reply_encode(struct cbuf *out, const struct proto_read_audit_reply *m);
int proto_read_audit_reply_decode(struct proto_read_audit_reply *m, const uint8_t *p, size_t n);

int proto_attestation_encode(struct cbuf *out, const struct proto_attestation *m);
int proto_attestation_decode(struct proto_attestation *m, const uint8_t *p, size_t n);
int proto_attestation_reply_encode(struct cbuf *out, const struct proto_attestation_reply *m);
int proto_attestation_reply_decode(struct proto_attestation_reply *m, const uint8_t *p, size_t n);

int proto_storage_key_reply_encode(struct cbuf *out, const struct proto_storage_key_reply *m);
int proto_storage_key_reply_decode(struct proto_storage_key_reply *m, const uint8_t *p, size_t n);

int proto_error_encode(struct cbuf *out, const struct proto_error *m);
int proto_error_decode(struct proto_error *m, const uint8_t *p, size_t n);

/* A sealed box of at most `plain` bytes. */
#define PROTO_SEALED_MAX(plain) ((plain) + PROTO_SEAL_OVERHEAD)
/* A sealed secret field: the box also holds the challenge. */
#define PROTO_SECRET_SEALED_MAX(plain) ((plain) + PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN)

#endif
