/*
 * The signer's lifecycle, connection loop and dispatch table (see signer.h),
 * and the handlers that need no keystore: status, unlock key, lock,
 * attestation. The table is the single place that says which message may be
 * sent in which state and how large it may be (openssh-portable's monitor.c
 * mon_dispatch is the model).
 */
#include "signer/signer.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/err.h"
#include "common/secmem.h"
#include "signer/keystore.h"
#include "signer/seal.h"
#include "signer/signer_int.h"
#include "signer/tee.h"

/* State bits for the dispatch table. */
#define ST_UNINIT   (1u << PROTO_STATE_UNINITIALIZED)
#define ST_LOCKED   (1u << PROTO_STATE_LOCKED)
#define ST_UNLOCKED (1u << PROTO_STATE_UNLOCKED)
#define ST_ANY      (ST_UNINIT | ST_LOCKED | ST_UNLOCKED)

/* Reply buffer kinds. */
#define TX_SECRET 0	/* guarded buffer (SIGNER_TX_SECRET bytes) */
#define TX_LARGE  1	/* heap, for large non-secret replies */

/* Largest encoded secret field for a plain cap: kind, CompactSize, sealed box. */
#define SECRET_FIELD(plain) (1 + 3 + PROTO_SECRET_SEALED_MAX(plain))

static int h_status(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
static int h_unlock_key(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
static int h_lock(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);
static int h_attestation(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n);

static const struct signer_dispatch {
	uint8_t type;
	const char *name;
	signer_handler_fn fn;
	unsigned int states;	/* ST_* in which the message is permitted */
	size_t max_len;		/* request payload cap */
	int tx;			/* TX_SECRET or TX_LARGE */
} dispatch[] = {
	{ PROTO_STATUS, "status", h_status, ST_ANY, 0, TX_SECRET },
	{ PROTO_GET_UNLOCK_KEY, "get_unlock_key", h_unlock_key, ST_ANY, 0, TX_SECRET },
	/* Attestation binds the unlock key, so it is needed before unlocking. */
	{ PROTO_ATTESTATION, "attestation", h_attestation, ST_ANY, 32, TX_LARGE },
	{ PROTO_CREATE, "create", signer_h_create, ST_UNINIT,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + 1 + SECRET_FIELD(PROTO_MAX_BIP39_PASS) + 33, TX_SECRET },
	{ PROTO_RESTORE, "restore", signer_h_restore, ST_UNINIT,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + SECRET_FIELD(PROTO_MAX_MNEMONIC) +
	    SECRET_FIELD(PROTO_MAX_BIP39_PASS), TX_SECRET },
	{ PROTO_UNLOCK, "unlock", signer_h_unlock, ST_LOCKED | ST_UNLOCKED,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + 4, TX_SECRET },
	{ PROTO_LOCK, "lock", h_lock, ST_LOCKED | ST_UNLOCKED, 0, TX_SECRET },
	{ PROTO_DESCRIPTORS, "descriptors", signer_h_descriptors, ST_UNLOCKED, 4, TX_LARGE },
	{ PROTO_SIGN_PSBT, "sign_psbt", signer_h_sign_psbt, ST_UNLOCKED,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + 9 + PROTO_MAX_PSBT, TX_LARGE },
	{ PROTO_SIGN_MESSAGE, "sign_message", signer_h_sign_message, ST_UNLOCKED,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + 13 + 9 + PROTO_MAX_MESSAGE, TX_LARGE },
	{ PROTO_GET_POLICY, "get_policy", signer_h_get_policy, ST_UNLOCKED, 0, TX_LARGE },
	{ PROTO_SET_POLICY, "set_policy", signer_h_set_policy, ST_UNLOCKED,
	    SECRET_FIELD(PROTO_MAX_PASSPHRASE) + 9 + PROTO_MAX_POLICY, TX_LARGE },
	{ PROTO_READ_AUDIT, "read_audit", signer_h_read_audit, ST_UNLOCKED, 12, TX_LARGE },
	{ PROTO_GET_STORAGE_KEY, "get_storage_key", signer_h_storage_key, ST_UNLOCKED, 0, TX_SECRET },
};

static const struct signer_dispatch *
dispatch_find(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
		if (dispatch[i].type == type)
			return &dispatch[i];
	return NULL;
}

static const char *
state_name(enum proto_state st)
{
	switch (st) {
	case PROTO_STATE_UNINITIALIZED:
		return "uninitialized";
	case PROTO_STATE_LOCKED:
		return "locked";
	case PROTO_STATE_UNLOCKED:
		return "unlocked";
	}
	return "?";
}

/* --- lifecycle ------------------------------------------------------------------ */

uint64_t
signer_now_boot(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

/* A cbuf over fixed guarded memory: it never reallocates (cap == max), so its
 * bytes never leave the guarded pages; wiped by hand, never cbuf_free()d. */
static void
fixed_cbuf(struct cbuf *b, uint8_t *mem, size_t size)
{
	b->p = mem;
	b->len = 0;
	b->cap = size;
	b->max = size;
	b->secret = 1;
}

/* The errors of a keystore file that exists and does not parse. */
static int
keystore_unparsable(int code)
{
	switch (code) {
	case COFFER_ERR_KS_TRUNCATED:
	case COFFER_ERR_KS_FOREIGN:
	case COFFER_ERR_KS_VERSION:
	case COFFER_ERR_KS_TAMPERED:
	case COFFER_ERR_KS_MALFORMED:
	case COFFER_ERR_KS_KDF_PARAMS:
	case COFFER_ERR_TOO_LARGE:
		return 1;
	}
	return 0;
}

int
signer_new(struct signer **out, const struct signer_config *cfg)
{
	struct ks_kdf_params kdf;
	struct ks_status st;
	struct signer *s;
	int ret;

	*out = NULL;
	secmem_init();
	if (cfg->dir == NULL)
		return COFFER_ERR_INVALID_ARG;
	ks_kdf_default(&kdf);
	if (cfg->kdf_opslimit != 0)
		kdf.opslimit = cfg->kdf_opslimit;
	if (cfg->kdf_memlimit_kib != 0)
		kdf.memlimit_kib = cfg->kdf_memlimit_kib;
	if (ks_kdf_check(&kdf) != 0)
		return COFFER_ERR_INVALID_ARG;
	if ((s = secmem_alloc(sizeof(*s))) == NULL)
		return COFFER_ERR_NOMEM;
	s->cfg = *cfg;
	if (s->cfg.tee == NULL)
		s->cfg.tee = tee_backend_none();
	if (s->cfg.seal == NULL)
		s->cfg.seal = seal_backend_none();
	s->unlock_sk = secmem_alloc(crypto_box_SECRETKEYBYTES);
	s->rx = secmem_alloc(SIGNER_RX_MAX);
	s->txmem = secmem_alloc(SIGNER_TX_SECRET);
	s->slots = secmem_alloc(SIGNER_SLOTS * SIGNER_SLOT_SIZE);
	cbuf_init(&s->tx_large, PROTO_MAX_FRAME);
	if (s->unlock_sk == NULL || s->rx == NULL || s->txmem == NULL || s->slots == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto fail;
	}
	fixed_cbuf(&s->tx_secret, s->txmem, SIGNER_TX_SECRET);
	/* The unlock key is random per process: a sealed passphrase is good for
	 * this signer process only. */
	if (crypto_box_keypair(s->unlock_pk, s->unlock_sk) != 0) {
		ret = COFFER_ERR_CRYPTO;
		goto fail;
	}
	randombytes_buf(s->challenge, sizeof(s->challenge));
	/* A keystore that does not parse (truncated, foreign, tampered header,
	 * unknown version) still makes the signer "locked": it starts, and
	 * unlock names the problem (ks_unlock parses the same file) instead of
	 * the daemon seeing only a signer that would not start. Nothing can
	 * overwrite it: create and restore are refused while locked. */
	if ((ret = ks_status(&st, cfg->dir)) != 0 && !keystore_unparsable(ret))
		goto fail;
	s->has_keystore = st.exists;
	*out = s;
	return 0;
fail:
	signer_free(s);
	return ret;
}

void
signer_lock(struct signer *s)
{
	signer_session_close(s);
	ks_secret_free(s->secret);
	s->secret = NULL;
	s->expiry = 0;
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	signer_lock(s);
	secmem_free(s->unlock_sk);
	secmem_free(s->rx);
	secmem_free(s->txmem);
	secmem_free(s->slots);
	cbuf_free(&s->tx_large);
	secmem_free(s);
}

enum proto_state
signer_state(const struct signer *s)
{
	if (s->secret != NULL)
		return PROTO_STATE_UNLOCKED;
	return s->has_keystore ? PROTO_STATE_LOCKED : PROTO_STATE_UNINITIALIZED;
}

/* --- helpers for handlers ---------------------------------------------------------- */

int
signer_bad_request(struct signer *s, int code)
{
	s->close = 1;
	signer_reason(s, "malformed request");
	return code;
}

void
signer_reason(struct signer *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

int
signer_secret_open(struct signer *s, const uint8_t **out, size_t *outlen,
    const struct proto_secret *in, unsigned int slot, int as_string)
{
	uint8_t *dst;
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (slot >= SIGNER_SLOTS)
		return COFFER_ERR_INVALID_ARG;
	dst = s->slots + slot * SIGNER_SLOT_SIZE;
	switch (in->kind) {
	case PROTO_SECRET_PLAIN:
		if (in->len >= SIGNER_SLOT_SIZE)
			return COFFER_ERR_TOO_LARGE;
		if (in->len > 0)
			memcpy(dst, in->p, in->len);
		n = in->len;
		break;
	case PROTO_SECRET_SEALED:
		/* the slot holds challenge || secret while the box is opened */
		if (in->len <= crypto_box_SEALBYTES + PROTO_CHALLENGE_LEN ||
		    in->len - crypto_box_SEALBYTES >= SIGNER_SLOT_SIZE)
			return COFFER_ERR_TOO_LARGE;
		n = in->len - crypto_box_SEALBYTES;
		if (crypto_box_seal_open(dst, in->p, in->len, s->unlock_pk, s->unlock_sk) != 0) {
			secure_wipe(dst, n);
			signer_reason(s, "the sealed secret does not open with this signer's unlock key");
			return COFFER_ERR_SIGNER_SEALED;
		}
		if (!secure_equal(dst, s->challenge, PROTO_CHALLENGE_LEN)) {
			secure_wipe(dst, n);
			signer_reason(s, "the sealed secret was made for another challenge (replayed or stale)");
			return COFFER_ERR_SIGNER_SEALED;
		}
		s->challenge_used = 1;
		n -= PROTO_CHALLENGE_LEN;
		memmove(dst, dst + PROTO_CHALLENGE_LEN, n);
		secure_wipe(dst + n, PROTO_CHALLENGE_LEN);
		break;
	default:
		return COFFER_ERR_SIGNER_NO_PASSPHRASE;
	}
	dst[n] = '\0';
	if (as_string && memchr(dst, 0, n) != NULL) {
		secure_wipe(dst, n);
		return COFFER_ERR_BAD_STRING;
	}
	*out = dst;
	*outlen = n;
	return 0;
}

/* --- handlers without a keystore ------------------------------------------------------ */

static int
h_status(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_status_reply m;
	uint64_t now;
	int ret;

	if ((ret = proto_empty_decode(p, n)) != 0)
		return signer_bad_request(s, ret);
	memset(&m, 0, sizeof(m));
	m.state = (uint8_t)signer_state(s);
	m.network = (uint8_t)s->cfg.network;
	memcpy(m.unlock_pubkey, s->unlock_pk, 32);
	if (s->secret != NULL && s->expiry != 0) {
		now = signer_now_boot();
		m.session_left = s->expiry > now ? (uint32_t)(s->expiry - now) : 0;
	}
	m.tee.p = (const uint8_t *)s->cfg.tee->name;
	m.tee.len = strlen(s->cfg.tee->name);
	m.note.p = (const uint8_t *)s->note;
	m.note.len = strlen(s->note);
	return proto_status_reply_encode(out, &m);
}

static int
h_unlock_key(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_unlock_key_reply m;
	int ret;

	if ((ret = proto_empty_decode(p, n)) != 0)
		return signer_bad_request(s, ret);
	memcpy(m.pubkey, s->unlock_pk, 32);
	memcpy(m.challenge, s->challenge, PROTO_CHALLENGE_LEN);
	return proto_unlock_key_reply_encode(out, &m);
}

static int
h_lock(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	int ret;

	(void)out;
	if ((ret = proto_empty_decode(p, n)) != 0)
		return signer_bad_request(s, ret);
	signer_lock(s);
	return 0;
}

/*
 * Attestation: evidence from the TEE backend whose report data binds the
 * unlock key, the identity key once unlocked, and the caller's nonce
 * (signer_tee.c, docs/ATTESTATION.md); backend `none` says plainly that
 * there is no TEE instead of returning something that looks like evidence.
 */
static int
h_attestation(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_attestation req;
	struct proto_attestation_reply m;
	struct cbuf ev;
	int ret;

	if ((ret = proto_attestation_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	cbuf_init(&ev, PROTO_MAX_EVIDENCE);
	if ((ret = signer_attest(s, &m, &ev, req.nonce)) == 0)
		ret = proto_attestation_reply_encode(out, &m);
	cbuf_free(&ev);
	return ret;
}

/* --- the connection loop --------------------------------------------------------------- */

static int
send_error(struct transport *t, struct cbuf *b, int code, int fatal, const char *reason)
{
	struct proto_error e;
	int ret;

	e.code = code < 0 ? code : COFFER_ERR_INTERNAL;
	e.fatal = (uint8_t)(fatal != 0);
	e.reason.p = (const uint8_t *)reason;
	e.reason.len = strnlen(reason, PROTO_MAX_REASON);
	b->len = 0;
	if ((ret = proto_error_encode(b, &e)) != 0)
		return ret;
	ret = transport_write_frame(t, PROTO_ERROR, b->p, b->len);
	b->len = 0;
	return ret;
}

static int
handshake(struct signer *s, struct transport *t)
{
	struct proto_hello_reply r;
	struct proto_hello h;
	uint8_t type;
	size_t n;
	int ret;

	if ((ret = transport_read_frame(t, &type, s->rx, PROTO_MAX_HELLO, &n)) != 0)
		return ret;
	if (type != PROTO_HELLO) {
		(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_PROTOCOL, 1, "expected hello");
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	if ((ret = proto_hello_decode(&h, s->rx, n)) != 0) {
		(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_PROTOCOL, 1, "malformed hello");
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	if (h.min_version > PROTO_VERSION || h.max_version < PROTO_VERSION) {
		(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_VERSION, 1, "this signer speaks version 1");
		return COFFER_ERR_SIGNER_VERSION;
	}
	r.magic = PROTO_MAGIC;
	r.version = PROTO_VERSION;
	r.software.p = (const uint8_t *)"coffer-signer " COFFER_VERSION;
	r.software.len = strlen("coffer-signer " COFFER_VERSION);
	s->tx_secret.len = 0;
	if ((ret = proto_hello_reply_encode(&s->tx_secret, &r)) != 0)
		return ret;
	ret = transport_write_frame(t, PROTO_REPLY(PROTO_HELLO), s->tx_secret.p, s->tx_secret.len);
	s->tx_secret.len = 0;
	return ret;
}

/* Wait for the next frame; lock when the session expires meanwhile. */
static int
wait_request(struct signer *s, struct transport *t)
{
	struct pollfd pfd;
	uint64_t now;
	int r, ms;

	for (;;) {
		now = signer_now_boot();
		if (s->secret != NULL && s->expiry != 0 && now >= s->expiry)
			signer_lock(s);
		if (t->fd < 0)
			return 0;	/* a transport without a descriptor: just read */
		ms = -1;
		if (s->secret != NULL && s->expiry != 0)
			ms = s->expiry - now > 86400 ? 86400 * 1000 : (int)(s->expiry - now) * 1000;
		pfd.fd = t->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno != EINTR)
			return COFFER_ERR_IO;
		if (r > 0)
			return 0;
	}
}

static void
wipe_request(struct signer *s, size_t n)
{
	secure_wipe(s->rx, n);
	secure_wipe(s->slots, SIGNER_SLOTS * SIGNER_SLOT_SIZE);
	/* A challenge serves one request, whatever its outcome. */
	if (s->challenge_used) {
		randombytes_buf(s->challenge, sizeof(s->challenge));
		s->challenge_used = 0;
	}
}

int
signer_serve(struct signer *s, struct transport *t)
{
	const struct signer_dispatch *d;
	enum proto_state st;
	struct cbuf *out;
	uint8_t type;
	size_t n = 0, cap;
	int ret, r;

	if ((ret = handshake(s, t)) != 0)
		return ret == COFFER_ERR_SIGNER_CLOSED ? COFFER_ERR_SIGNER_PROTOCOL : ret;
	for (;;) {
		if ((ret = wait_request(s, t)) != 0)
			return ret;
		st = signer_state(s);
		/* Small frames only until the seed is in memory. */
		cap = st == PROTO_STATE_UNLOCKED ? SIGNER_RX_MAX : PROTO_MAX_LOCKED;
		if ((ret = transport_read_frame(t, &type, s->rx, cap, &n)) != 0) {
			if (ret == COFFER_ERR_SIGNER_CLOSED)
				return 0;
			if (ret == COFFER_ERR_SIGNER_FRAME_SIZE)
				(void)send_error(t, &s->tx_secret, ret, 1, "frame too large for this state");
			return ret;
		}
		/* The session may have run out while the frame arrived. */
		if (s->secret != NULL && s->expiry != 0 && signer_now_boot() >= s->expiry)
			signer_lock(s);
		st = signer_state(s);
		if ((d = dispatch_find(type)) == NULL) {
			wipe_request(s, n);
			(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_UNKNOWN_MSG, 1, "unknown message type");
			return COFFER_ERR_SIGNER_UNKNOWN_MSG;
		}
		if ((d->states & (1u << st)) == 0) {
			wipe_request(s, n);
			signer_reason(s, "%s is not permitted while %s", d->name, state_name(st));
			(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_NOT_PERMITTED, 1, s->reason);
			return COFFER_ERR_SIGNER_NOT_PERMITTED;
		}
		if (n > d->max_len) {
			wipe_request(s, n);
			(void)send_error(t, &s->tx_secret, COFFER_ERR_SIGNER_FRAME_SIZE, 1, "request too large");
			return COFFER_ERR_SIGNER_FRAME_SIZE;
		}
		out = d->tx == TX_SECRET ? &s->tx_secret : &s->tx_large;
		out->len = 0;
		s->reason[0] = '\0';
		s->close = 0;
		r = d->fn(s, out, s->rx, n);
		wipe_request(s, n);
		if (r == 0)
			ret = transport_write_frame(t, PROTO_REPLY(type), out->p, out->len);
		secure_wipe(out->p, out->len);
		out->len = 0;
		if (r != 0)
			ret = send_error(t, &s->tx_secret, r, s->close,
			    s->reason[0] != '\0' ? s->reason : coffer_err_msg(r));
		if (ret != 0)
			return ret;
		if (s->close)
			return r;
	}
}
