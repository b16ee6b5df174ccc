/*
 * Signer protocol and transports: every message round-trips through its
 * encoder/decoder pair; every decoder refuses each truncation, a trailing
 * byte, over-cap fields and out-of-domain values; encoders refuse what the
 * peer's decoder would; frame headers enforce their caps; the stream
 * transports move frames and report clean and unclean closes apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "common/buf.h"
#include "common/err.h"
#include "signer/policy.h"
#include "signer/proto.h"
#include "signer/transport.h"

typedef int (*decode_fn)(void *m, const uint8_t *p, size_t n);

/* A valid encoding must decode; every proper prefix and one trailing byte must not. */
static void
check_strict(const char *what, decode_fn dec, void *m, const struct cbuf *enc)
{
	uint8_t *ext;
	size_t i;
	int bad = 0;

	CHECK_MSG(dec(m, enc->p, enc->len) == 0, "%s: valid encoding refused", what);
	for (i = 0; i < enc->len; i++)
		if (dec(m, enc->p, i) == 0)
			bad++;
	CHECK_MSG(bad == 0, "%s: %d truncations accepted", what, bad);
	ext = malloc(enc->len + 1);
	memcpy(ext, enc->p, enc->len);
	ext[enc->len] = 0;
	CHECK_RC(dec(m, ext, enc->len + 1), COFFER_ERR_TRAILING);
	free(ext);
	/* the decoder leaves the struct as it found the last success: redo it */
	CHECK_OK(dec(m, enc->p, enc->len));
}

#define STRICT(what, fn, m, enc) check_strict(what, (decode_fn)(fn), (m), (enc))

static int
bytes_eq(const struct proto_bytes *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

static void
test_header(void)
{
	uint8_t hdr[PROTO_HEADER_LEN], type;
	size_t len;

	CHECK_OK(proto_header_encode(hdr, PROTO_STATUS, 0));
	CHECK_HEX(hdr, 5, "0100000002");
	CHECK_OK(proto_header_decode(&type, &len, hdr, 0));
	CHECK(type == PROTO_STATUS && len == 0);
	CHECK_OK(proto_header_encode(hdr, PROTO_SIGN_PSBT, 0x010203));
	CHECK_HEX(hdr, 5, "0402010009");
	CHECK_RC(proto_header_decode(&type, &len, hdr, 0x010202), COFFER_ERR_SIGNER_FRAME_SIZE);
	CHECK(type == 0 && len == 0);
	CHECK_OK(proto_header_decode(&type, &len, hdr, 0x010203));
	CHECK(len == 0x010203);
	/* length 0 has no room for the type byte */
	memset(hdr, 0, sizeof(hdr));
	CHECK_RC(proto_header_decode(&type, &len, hdr, 100), COFFER_ERR_SIGNER_PROTOCOL);
	/* 0xffffffff: over any cap, no arithmetic surprise */
	memset(hdr, 0xff, 4);
	CHECK_RC(proto_header_decode(&type, &len, hdr, (size_t)-1), COFFER_ERR_SIGNER_FRAME_SIZE);
	CHECK_RC(proto_header_encode(hdr, 1, PROTO_MAX_FRAME + 1), COFFER_ERR_SIGNER_FRAME_SIZE);
	CHECK_STREQ(proto_type_name(PROTO_SIGN_PSBT), "sign_psbt");
	CHECK(proto_type_name(0x55) == NULL);
}

static void
test_hello(void)
{
	struct proto_hello h = { PROTO_MAGIC, 1, 3 }, d;
	struct proto_hello_reply r, rd;
	struct cbuf b;

	cbuf_init(&b, 0);
	CHECK_OK(proto_hello_encode(&b, &h));
	CHECK_HEX(b.p, b.len, "434653470100" "0300");
	STRICT("hello", proto_hello_decode, &d, &b);
	CHECK(d.magic == PROTO_MAGIC && d.min_version == 1 && d.max_version == 3);
	b.p[0] ^= 1;	/* wrong magic */
	CHECK_RC(proto_hello_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	CHECK(d.magic == 0);
	cbuf_reset(&b);
	h.min_version = 4;	/* min > max */
	CHECK_OK(proto_hello_encode(&b, &h));
	CHECK_RC(proto_hello_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	cbuf_reset(&b);
	r.magic = PROTO_MAGIC;
	r.version = 1;
	r.software.p = (const uint8_t *)"coffer-signer 0.1";
	r.software.len = 17;
	CHECK_OK(proto_hello_reply_encode(&b, &r));
	STRICT("hello_reply", proto_hello_reply_decode, &rd, &b);
	CHECK(rd.version == 1 && bytes_eq(&rd.software, "coffer-signer 0.1", 17));
	cbuf_free(&b);
}

static void
test_status(void)
{
	struct proto_status_reply m, d;
	struct cbuf b;

	cbuf_init(&b, 0);
	memset(&m, 0, sizeof(m));
	m.state = PROTO_STATE_UNLOCKED;
	m.network = 3;
	memset(m.unlock_pubkey, 0xab, 32);
	m.session_left = 299;
	m.tee.p = (const uint8_t *)"none";
	m.tee.len = 4;
	CHECK_OK(proto_status_reply_encode(&b, &m));
	STRICT("status_reply", proto_status_reply_decode, &d, &b);
	CHECK(d.state == 2 && d.network == 3 && d.session_left == 299 && d.unlock_pubkey[31] == 0xab);
	CHECK(bytes_eq(&d.tee, "none", 4));
	b.p[0] = 3;	/* no such state */
	CHECK_RC(proto_status_reply_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	b.p[0] = 2;
	b.p[1] = 5;	/* no such network */
	CHECK_RC(proto_status_reply_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	/* a NUL inside a string */
	cbuf_reset(&b);
	m.tee.p = (const uint8_t *)"no\0e";
	CHECK_RC(proto_status_reply_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	cbuf_reset(&b);
	m.tee.p = (const uint8_t *)"none";
	CHECK_OK(proto_status_reply_encode(&b, &m));
	b.p[b.len - 2] = 0;
	CHECK_RC(proto_status_reply_decode(&d, b.p, b.len), COFFER_ERR_BAD_STRING);
	/* a string over its cap: encoder and decoder agree */
	cbuf_reset(&b);
	m.tee.p = (const uint8_t *)"0123456789012345678901234567890123456789";
	m.tee.len = PROTO_MAX_NAME + 1;
	CHECK_RC(proto_status_reply_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	cbuf_free(&b);
	CHECK_OK(proto_empty_decode(NULL, 0));
	CHECK_RC(proto_empty_decode((const uint8_t *)"x", 1), COFFER_ERR_TRAILING);
}

static void
test_secrets(void)
{
	static uint8_t big[PROTO_SECRET_SEALED_MAX(PROTO_MAX_PASSPHRASE) + 1];
	struct proto_unlock m, d;
	struct cbuf b;

	cbuf_init(&b, 0);
	m.passphrase.kind = PROTO_SECRET_PLAIN;
	m.passphrase.p = (const uint8_t *)"hunter2";
	m.passphrase.len = 7;
	m.timeout = 600;
	CHECK_OK(proto_unlock_encode(&b, &m));
	CHECK_HEX(b.p, b.len, "0107" "68756e74657232" "58020000");
	STRICT("unlock", proto_unlock_decode, &d, &b);
	CHECK(d.passphrase.kind == PROTO_SECRET_PLAIN && d.passphrase.len == 7 &&
	    memcmp(d.passphrase.p, "hunter2", 7) == 0 && d.timeout == 600);
	/* secret kinds: unknown kind, none with bytes, sealed shorter than its overhead */
	b.p[0] = 3;
	CHECK_RC(proto_unlock_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	CHECK(d.passphrase.p == NULL && d.timeout == 0);
	b.p[0] = PROTO_SECRET_NONE;
	CHECK_RC(proto_unlock_decode(&d, b.p, b.len), COFFER_ERR_TOO_LARGE);
	b.p[0] = PROTO_SECRET_SEALED;
	CHECK_RC(proto_unlock_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	/* caps: plain at most PROTO_MAX_PASSPHRASE, sealed 48 (box) + 16 (challenge) more */
	cbuf_reset(&b);
	m.passphrase.p = big;
	m.passphrase.len = PROTO_MAX_PASSPHRASE + 1;
	CHECK_RC(proto_unlock_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	m.passphrase.kind = PROTO_SECRET_SEALED;
	cbuf_reset(&b);
	CHECK_OK(proto_unlock_encode(&b, &m));
	CHECK_OK(proto_unlock_decode(&d, b.p, b.len));
	b.p[0] = PROTO_SECRET_PLAIN;	/* the same bytes, as plain: over its cap */
	CHECK_RC(proto_unlock_decode(&d, b.p, b.len), COFFER_ERR_TOO_LARGE);
	cbuf_reset(&b);
	m.passphrase.len = PROTO_SECRET_SEALED_MAX(PROTO_MAX_PASSPHRASE) + 1;
	CHECK_RC(proto_unlock_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	/* a sealed secret too short to hold the challenge and one byte */
	cbuf_reset(&b);
	m.passphrase.len = PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN;
	CHECK_RC(proto_unlock_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	m.passphrase.kind = PROTO_SECRET_PLAIN;
	CHECK_OK(proto_unlock_encode(&b, &m));
	b.p[0] = PROTO_SECRET_SEALED;
	CHECK_RC(proto_unlock_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	cbuf_free(&b);
}

static void
test_create_restore(void)
{
	struct proto_create m, d;
	struct proto_create_reply r, rd;
	struct proto_restore s, sd;
	struct cbuf b;
	size_t seal_at;

	cbuf_init(&b, 0);
	memset(&m, 0, sizeof(m));
	m.passphrase.kind = PROTO_SECRET_PLAIN;
	m.passphrase.p = (const uint8_t *)"pw";
	m.passphrase.len = 2;
	m.words = 24;
	m.bip39_pass.kind = PROTO_SECRET_NONE;
	m.seal_reply = 1;
	memset(m.reply_pubkey, 7, 32);
	CHECK_OK(proto_create_encode(&b, &m));
	STRICT("create", proto_create_decode, &d, &b);
	CHECK(d.words == 24 && d.seal_reply == 1 && d.reply_pubkey[0] == 7 && d.bip39_pass.kind == 0);
	seal_at = b.len - 33;
	b.p[seal_at] = 2;	/* a bool of 2 */
	CHECK_RC(proto_create_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	cbuf_reset(&b);
	r.sealed = 0;
	r.mnemonic.p = (const uint8_t *)"abandon ability";
	r.mnemonic.len = 15;
	CHECK_OK(proto_create_reply_encode(&b, &r));
	STRICT("create_reply", proto_create_reply_decode, &rd, &b);
	CHECK(rd.sealed == 0 && bytes_eq(&rd.mnemonic, "abandon ability", 15));
	cbuf_reset(&b);
	s.passphrase = m.passphrase;
	s.mnemonic.kind = PROTO_SECRET_PLAIN;
	s.mnemonic.p = (const uint8_t *)"abandon ability";
	s.mnemonic.len = 15;
	s.bip39_pass.kind = PROTO_SECRET_PLAIN;
	s.bip39_pass.p = (const uint8_t *)"TREZOR";
	s.bip39_pass.len = 6;
	CHECK_OK(proto_restore_encode(&b, &s));
	STRICT("restore", proto_restore_decode, &sd, &b);
	CHECK(sd.mnemonic.len == 15 && sd.bip39_pass.len == 6 && memcmp(sd.bip39_pass.p, "TREZOR", 6) == 0);
	cbuf_free(&b);
}

static void
test_descriptors(void)
{
	struct proto_descriptors q = { 7 }, qd;
	struct proto_descriptors_reply m, d;
	struct cbuf b;
	size_t i;

	cbuf_init(&b, 0);
	CHECK_OK(proto_descriptors_encode(&b, &q));
	STRICT("descriptors", proto_descriptors_decode, &qd, &b);
	CHECK(qd.account == 7);
	cbuf_reset(&b);
	memset(&m, 0, sizeof(m));
	memcpy(m.fingerprint, "\x73\xc5\xda\x0a", 4);
	m.n = 3;
	for (i = 0; i < 3; i++) {
		m.d[i].type = (uint8_t)(i + 1);
		m.d[i].descriptor.p = (const uint8_t *)"wpkh([73c5da0a/84h/0h/0h]xpub/<0;1>/*)#abcdefgh";
		m.d[i].descriptor.len = 47;
		m.d[i].xpub.p = (const uint8_t *)"xpub";
		m.d[i].xpub.len = 4;
	}
	CHECK_OK(proto_descriptors_reply_encode(&b, &m));
	STRICT("descriptors_reply", proto_descriptors_reply_decode, &d, &b);
	CHECK(d.n == 3 && d.d[2].type == 3 && bytes_eq(&d.d[1].xpub, "xpub", 4));
	b.p[4] = 4;	/* more entries than the cap */
	CHECK_RC(proto_descriptors_reply_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	b.p[4] = 3;
	b.p[5] = 9;	/* unknown account type */
	CHECK_RC(proto_descriptors_reply_decode(&d, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	m.d[0].type = 0;
	cbuf_reset(&b);
	CHECK_RC(proto_descriptors_reply_encode(&b, &m), COFFER_ERR_INVALID_ARG);
	cbuf_free(&b);
}

static void
test_sign(void)
{
	struct proto_sign_psbt q, qd;
	struct proto_sign_psbt_reply r, rd;
	struct proto_sign_message mq, mqd;
	struct proto_sign_message_reply mr, mrd;
	struct cbuf b;

	cbuf_init(&b, 0);
	q.passphrase.kind = PROTO_SECRET_NONE;
	q.passphrase.p = NULL;
	q.passphrase.len = 0;
	q.psbt.p = (const uint8_t *)"psbt\xff\x00";
	q.psbt.len = 6;
	CHECK_OK(proto_sign_psbt_encode(&b, &q));
	STRICT("sign_psbt", proto_sign_psbt_decode, &qd, &b);
	CHECK(qd.passphrase.kind == 0 && bytes_eq(&qd.psbt, "psbt\xff\x00", 6));
	cbuf_reset(&b);
	r.psbt = q.psbt;
	r.inputs_signed = 2;
	r.signatures = 3;
	r.amount_out = 100000;
	r.fee = 141;
	CHECK_OK(proto_sign_psbt_reply_encode(&b, &r));
	STRICT("sign_psbt_reply", proto_sign_psbt_reply_decode, &rd, &b);
	CHECK(rd.inputs_signed == 2 && rd.signatures == 3 && rd.amount_out == 100000 && rd.fee == 141);
	cbuf_reset(&b);
	memset(&mq, 0, sizeof(mq));
	mq.type = PROTO_ACCOUNT_TR;
	mq.change = 1;
	mq.index = 5;
	mq.message.p = (const uint8_t *)"Hello World";
	mq.message.len = 11;
	CHECK_OK(proto_sign_message_encode(&b, &mq));
	STRICT("sign_message", proto_sign_message_decode, &mqd, &b);
	CHECK(mqd.type == 2 && mqd.change == 1 && mqd.index == 5 && bytes_eq(&mqd.message, "Hello World", 11));
	/* layout: kind 00, length 00, type, account u32, change u32, ... */
	b.p[7] = 2;	/* change 2 */
	CHECK_RC(proto_sign_message_decode(&mqd, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	b.p[7] = 1;
	b.p[2] = 4;	/* no such account type */
	CHECK_RC(proto_sign_message_decode(&mqd, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	cbuf_reset(&b);
	mr.address.p = (const uint8_t *)"bc1q";
	mr.address.len = 4;
	mr.signature.p = (const uint8_t *)"smpAkcw";
	mr.signature.len = 7;
	CHECK_OK(proto_sign_message_reply_encode(&b, &mr));
	STRICT("sign_message_reply", proto_sign_message_reply_decode, &mrd, &b);
	CHECK(bytes_eq(&mrd.signature, "smpAkcw", 7));
	cbuf_free(&b);
}

static void
test_misc_messages(void)
{
	struct proto_policy_reply p, pd;
	struct proto_set_policy sp, spd;
	struct proto_read_audit a = { 42, 10 }, ad;
	struct proto_read_audit_reply ar, ard;
	struct proto_attestation at, atd;
	struct proto_attestation_reply atr, atrd;
	struct proto_storage_key_reply k, kd;
	struct proto_unlock_key_reply u, ud;
	struct proto_error e, ed;
	struct cbuf b;

	cbuf_init(&b, 0);
	p.json.p = (const uint8_t *)"{}";
	p.json.len = 2;
	CHECK_OK(proto_policy_reply_encode(&b, &p));
	STRICT("policy_reply", proto_policy_reply_decode, &pd, &b);
	cbuf_reset(&b);
	sp.passphrase.kind = PROTO_SECRET_PLAIN;
	sp.passphrase.p = (const uint8_t *)"x";
	sp.passphrase.len = 1;
	sp.json = p.json;
	CHECK_OK(proto_set_policy_encode(&b, &sp));
	STRICT("set_policy", proto_set_policy_decode, &spd, &b);
	cbuf_reset(&b);
	CHECK_OK(proto_read_audit_encode(&b, &a));
	STRICT("read_audit", proto_read_audit_decode, &ad, &b);
	CHECK(ad.from == 42 && ad.max == 10);
	cbuf_reset(&b);
	ar.next = 52;
	ar.count = 10;
	ar.records.p = (const uint8_t *)"r";
	ar.records.len = 1;
	CHECK_OK(proto_read_audit_reply_encode(&b, &ar));
	STRICT("read_audit_reply", proto_read_audit_reply_decode, &ard, &b);
	CHECK(ard.next == 52 && ard.count == 10);
	cbuf_reset(&b);
	memset(at.nonce, 0x11, 32);
	CHECK_OK(proto_attestation_encode(&b, &at));
	STRICT("attestation", proto_attestation_decode, &atd, &b);
	cbuf_reset(&b);
	memset(&atr, 0, sizeof(atr));
	atr.backend.p = (const uint8_t *)"none";
	atr.backend.len = 4;
	atr.statement.p = (const uint8_t *)"no TEE";
	atr.statement.len = 6;
	CHECK_OK(proto_attestation_reply_encode(&b, &atr));
	STRICT("attestation_reply", proto_attestation_reply_decode, &atrd, &b);
	CHECK(bytes_eq(&atrd.statement, "no TEE", 6) && atrd.evidence.len == 0);
	cbuf_reset(&b);
	memset(k.key, 0x22, 32);
	CHECK_OK(proto_storage_key_reply_encode(&b, &k));
	STRICT("storage_key_reply", proto_storage_key_reply_decode, &kd, &b);
	cbuf_reset(&b);
	memset(u.pubkey, 0x33, 32);
	memset(u.challenge, 0x44, sizeof(u.challenge));
	CHECK_OK(proto_unlock_key_reply_encode(&b, &u));
	CHECK(b.len == 48);
	STRICT("unlock_key_reply", proto_unlock_key_reply_decode, &ud, &b);
	CHECK(ud.challenge[15] == 0x44 && ud.pubkey[0] == 0x33);
	cbuf_reset(&b);
	e.code = COFFER_ERR_SIGNER_LOCKED;
	e.fatal = 0;
	e.reason.p = (const uint8_t *)"locked";
	e.reason.len = 6;
	CHECK_OK(proto_error_encode(&b, &e));
	STRICT("error", proto_error_decode, &ed, &b);
	CHECK(ed.code == COFFER_ERR_SIGNER_LOCKED && ed.fatal == 0 && bytes_eq(&ed.reason, "locked", 6));
	b.p[4] = 2;	/* fatal is a bool */
	CHECK_RC(proto_error_decode(&ed, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	b.p[4] = 1;
	CHECK_OK(proto_error_decode(&ed, b.p, b.len));
	CHECK(ed.fatal == 1);
	/* an "error" with a non-negative code would read as success: refused both ways */
	memset(b.p, 0, 4);
	CHECK_RC(proto_error_decode(&ed, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	b.p[0] = 1;
	CHECK_RC(proto_error_decode(&ed, b.p, b.len), COFFER_ERR_SIGNER_PROTOCOL);
	memset(b.p, 0xff, 4);
	CHECK_OK(proto_error_decode(&ed, b.p, b.len));
	CHECK(ed.code == -1);
	e.code = 0;
	cbuf_reset(&b);
	CHECK_RC(proto_error_encode(&b, &e), COFFER_ERR_INVALID_ARG);
	cbuf_free(&b);
}

/* The policy field carries exactly what the policy parser accepts
 * (POLICY_MAX_JSON) and not a byte more, both ways. */
static void
test_policy_cap(void)
{
	struct proto_set_policy sp, spd;
	struct proto_policy_reply p, pd;
	uint8_t *big = malloc(POLICY_MAX_JSON + 1);
	struct cbuf b;

	CHECK(PROTO_MAX_POLICY == POLICY_MAX_JSON);
	if (big == NULL)
		return;
	memset(big, ' ', POLICY_MAX_JSON + 1);
	cbuf_init(&b, 0);
	sp.passphrase.kind = PROTO_SECRET_PLAIN;
	sp.passphrase.p = (const uint8_t *)"x";
	sp.passphrase.len = 1;
	sp.json.p = big;
	sp.json.len = POLICY_MAX_JSON;
	CHECK_OK(proto_set_policy_encode(&b, &sp));
	CHECK_OK(proto_set_policy_decode(&spd, b.p, b.len));
	CHECK(spd.json.len == POLICY_MAX_JSON);
	p.json = sp.json;
	cbuf_reset(&b);
	CHECK_OK(proto_policy_reply_encode(&b, &p));
	CHECK_OK(proto_policy_reply_decode(&pd, b.p, b.len));
	CHECK(pd.json.len == POLICY_MAX_JSON);
	/* one byte more: the encoder refuses it, and a hostile frame carrying it is refused */
	sp.json.len = POLICY_MAX_JSON + 1;
	cbuf_reset(&b);
	CHECK_RC(proto_set_policy_encode(&b, &sp), COFFER_ERR_INVALID_ARG);
	cbuf_reset(&b);
	CHECK_OK(cbuf_put_u8(&b, PROTO_SECRET_PLAIN));
	CHECK_OK(cbuf_put_compact(&b, 1));
	CHECK_OK(cbuf_put_u8(&b, 'x'));
	CHECK_OK(cbuf_put_compact(&b, POLICY_MAX_JSON + 1));
	CHECK_OK(cbuf_put(&b, big, POLICY_MAX_JSON + 1));
	CHECK_RC(proto_set_policy_decode(&spd, b.p, b.len), COFFER_ERR_TOO_LARGE);
	cbuf_free(&b);
	free(big);
}

/* --- transports ------------------------------------------------------------------ */

static void
test_stream_transport(void)
{
	struct transport a, bt;
	uint8_t buf[64], type;
	size_t len;
	int peer;

	CHECK_OK(transport_socketpair(&a, &peer));
	transport_stream_init(&bt, peer);
	CHECK_OK(transport_write_frame(&a, PROTO_STATUS, NULL, 0));
	CHECK_OK(transport_write_frame(&a, PROTO_UNLOCK, (const uint8_t *)"abc", 3));
	CHECK_OK(transport_read_frame(&bt, &type, buf, sizeof(buf), &len));
	CHECK(type == PROTO_STATUS && len == 0);
	CHECK_OK(transport_read_frame(&bt, &type, buf, sizeof(buf), &len));
	CHECK(type == PROTO_UNLOCK && len == 3 && memcmp(buf, "abc", 3) == 0);
	/* over the reader's cap: refused from the header alone */
	CHECK_OK(transport_write_frame(&a, PROTO_UNLOCK, (const uint8_t *)"0123456789", 10));
	CHECK_RC(transport_read_frame(&bt, &type, buf, 9, &len), COFFER_ERR_SIGNER_FRAME_SIZE);
	transport_close(&bt);
	transport_close(&a);
	CHECK(a.fd == -1 && a.ops == NULL);
	CHECK_RC(transport_write_frame(&a, 1, NULL, 0), COFFER_ERR_SIGNER_CLOSED);

	/* a clean close between frames, and one in the middle of a frame */
	CHECK_OK(transport_socketpair(&a, &peer));
	transport_stream_init(&bt, peer);
	CHECK(send(a.fd, "\x05\x00\x00\x00\x06" "ab", 7, 0) == 7);
	transport_close(&a);
	CHECK_RC(transport_read_frame(&bt, &type, buf, sizeof(buf), &len), COFFER_ERR_SIGNER_PROTOCOL);
	transport_close(&bt);
	CHECK_OK(transport_socketpair(&a, &peer));
	transport_stream_init(&bt, peer);
	CHECK(send(a.fd, "\x05\x00", 2, 0) == 2);	/* half a header */
	transport_close(&a);
	CHECK_RC(transport_read_frame(&bt, &type, buf, sizeof(buf), &len), COFFER_ERR_SIGNER_PROTOCOL);
	transport_close(&bt);
	CHECK_OK(transport_socketpair(&a, &peer));
	transport_stream_init(&bt, peer);
	transport_close(&a);
	CHECK_RC(transport_read_frame(&bt, &type, buf, sizeof(buf), &len), COFFER_ERR_SIGNER_CLOSED);
	/* writing to a closed peer is an error, not a SIGPIPE */
	CHECK_RC(transport_write_frame(&bt, 1, (const uint8_t *)"x", 1), COFFER_ERR_SIGNER_CLOSED);
	transport_close(&bt);
}

static void
test_unix_transport(void)
{
	struct transport_listener l;
	struct transport c, s;
	char dir[] = "/tmp/coffer-proto-XXXXXX", path[128], file[128];
	struct stat st;
	uint8_t buf[16], type;
	size_t len;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sock", dir);
	CHECK_OK(transport_unix_listen(&l, path));
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK_OK(transport_unix_connect(&c, path));
	CHECK_OK(l.accept(&l, &s));
	CHECK_OK(transport_write_frame(&c, PROTO_LOCK, NULL, 0));
	CHECK_OK(transport_read_frame(&s, &type, buf, sizeof(buf), &len));
	CHECK(type == PROTO_LOCK && len == 0);
	transport_close(&c);
	transport_close(&s);
	transport_listener_close(&l);
	CHECK(stat(path, &st) != 0);	/* unlinked on close */
	/* a stale socket is replaced; any other file is not */
	CHECK_OK(transport_unix_listen(&l, path));
	l.fd = -1;	/* leak the descriptor on purpose: the path stays */
	CHECK_OK(transport_unix_listen(&l, path));
	transport_listener_close(&l);
	snprintf(file, sizeof(file), "%s/file", dir);
	CHECK((fd = open(file, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	CHECK_RC(transport_unix_listen(&l, file), COFFER_ERR_SIGNER_TRANSPORT);
	CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode));
	unlink(file);
	CHECK_RC(transport_unix_connect(&c, path), COFFER_ERR_SIGNER_TRANSPORT);
	CHECK_RC(transport_unix_listen(&l, ""), COFFER_ERR_INVALID_ARG);
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	CHECK_RC(transport_unix_connect(&c, path), COFFER_ERR_INVALID_ARG);
	rmdir(dir);
}

static void
test_vsock_transport(void)
{
	struct transport_listener l;
	struct transport c, s;
	uint8_t buf[16], type;
	size_t len;
	int r;

	if ((r = transport_vsock_listen(&l, 47123)) != 0) {
		printf("skipped: vsock_listen: this kernel has no AF_VSOCK (%s)\n", coffer_err_name(r));
		return;
	}
	CHECK(l.fd >= 0);
	/* Loopback (CID 1) needs the vsock_loopback transport; a VM's
	 * virtio transport only reaches the host. */
	if (transport_vsock_connect(&c, 1, 47123) != 0) {
		printf("skipped: vsock round trip: no loopback vsock transport in this kernel "
		    "(listening worked)\n");
		transport_listener_close(&l);
		return;
	}
	CHECK_OK(l.accept(&l, &s));
	CHECK_OK(transport_write_frame(&c, PROTO_STATUS, NULL, 0));
	CHECK_OK(transport_read_frame(&s, &type, buf, sizeof(buf), &len));
	CHECK(type == PROTO_STATUS);
	transport_close(&c);
	transport_close(&s);
	transport_listener_close(&l);
}

static const struct test_case tests[] = {
	{ "header", test_header },
	{ "hello", test_hello },
	{ "status", test_status },
	{ "secrets", test_secrets },
	{ "create_restore", test_create_restore },
	{ "descriptors", test_descriptors },
	{ "sign", test_sign },
	{ "misc_messages", test_misc_messages },
	{ "policy_cap", test_policy_cap },
	{ "stream_transport", test_stream_transport },
	{ "unix_transport", test_unix_transport },
	{ "vsock_transport", test_vsock_transport },
};

TEST_MAIN(tests)
