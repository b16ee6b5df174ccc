/*
 * Signer protocol messages: one encoder and one decoder per message, written
 * side by side so the field order cannot drift apart (see proto.h). Decoders
 * take hostile bytes; encoders take our own structs and still check caps, so
 * a peer never receives a field its own decoder would refuse.
 */
#include <string.h>

#include "btc/network.h"
#include "common/err.h"
#include "signer/proto.h"
#include "signer/proto_int.h"

/* End of every decoder: trailing bytes are an error; a failure clears m. */
static int
finish(struct creader *r, void *m, size_t msize, int ret)
{
	if (ret == 0)
		ret = creader_expect_end(r);
	if (ret != 0)
		memset(m, 0, msize);
	return ret;
}

#define BEGIN(m, p, n) do { memset((m), 0, sizeof(*(m))); creader_init(&r, (p), (n)); } while (0)
#define FINISH(m) finish(&r, (m), sizeof(*(m)), ret)

int
proto_empty_decode(const uint8_t *p, size_t n)
{
	(void)p;
	return n == 0 ? 0 : COFFER_ERR_TRAILING;
}

/* --- hello ------------------------------------------------------------------ */

int
proto_hello_encode(struct cbuf *out, const struct proto_hello *m)
{
	int ret;

	if ((ret = cbuf_put_u32le(out, m->magic)) != 0 ||
	    (ret = cbuf_put_u16le(out, m->min_version)) != 0 ||
	    (ret = cbuf_put_u16le(out, m->max_version)) != 0)
		return ret;
	return 0;
}

int
proto_hello_decode(struct proto_hello *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u32le(&r, &m->magic)) == 0 &&
	    (ret = creader_get_u16le(&r, &m->min_version)) == 0 &&
	    (ret = creader_get_u16le(&r, &m->max_version)) == 0 &&
	    (m->magic != PROTO_MAGIC || m->min_version > m->max_version))
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	return FINISH(m);
}

int
proto_hello_reply_encode(struct cbuf *out, const struct proto_hello_reply *m)
{
	int ret;

	if ((ret = cbuf_put_u32le(out, m->magic)) != 0 ||
	    (ret = cbuf_put_u16le(out, m->version)) != 0 ||
	    (ret = proto_put_str(out, &m->software, PROTO_MAX_SOFTWARE)) != 0)
		return ret;
	return 0;
}

int
proto_hello_reply_decode(struct proto_hello_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u32le(&r, &m->magic)) == 0 &&
	    (ret = creader_get_u16le(&r, &m->version)) == 0 &&
	    (ret = proto_get_str(&r, &m->software, PROTO_MAX_SOFTWARE)) == 0 &&
	    m->magic != PROTO_MAGIC)
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	return FINISH(m);
}

/* --- status, unlock key ------------------------------------------------------- */

int
proto_status_reply_encode(struct cbuf *out, const struct proto_status_reply *m)
{
	int ret;

	if ((ret = cbuf_put_u8(out, m->state)) != 0 ||
	    (ret = cbuf_put_u8(out, m->network)) != 0 ||
	    (ret = cbuf_put(out, m->unlock_pubkey, 32)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->session_left)) != 0 ||
	    (ret = proto_put_str(out, &m->tee, PROTO_MAX_NAME)) != 0 ||
	    (ret = proto_put_str(out, &m->note, PROTO_MAX_REASON)) != 0)
		return ret;
	return 0;
}

int
proto_status_reply_decode(struct proto_status_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u8(&r, &m->state)) == 0 &&
	    (ret = creader_get_u8(&r, &m->network)) == 0 &&
	    (ret = creader_get_bytes(&r, m->unlock_pubkey, 32)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->session_left)) == 0 &&
	    (ret = proto_get_str(&r, &m->tee, PROTO_MAX_NAME)) == 0 &&
	    (ret = proto_get_str(&r, &m->note, PROTO_MAX_REASON)) == 0 &&
	    (m->state > PROTO_STATE_UNLOCKED || m->network >= BTC_NETWORK_COUNT))
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	return FINISH(m);
}

int
proto_unlock_key_reply_encode(struct cbuf *out, const struct proto_unlock_key_reply *m)
{
	int ret;

	if ((ret = cbuf_put(out, m->pubkey, 32)) != 0 ||
	    (ret = cbuf_put(out, m->challenge, PROTO_CHALLENGE_LEN)) != 0)
		return ret;
	return 0;
}

int
proto_unlock_key_reply_decode(struct proto_unlock_key_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_bytes(&r, m->pubkey, 32)) == 0)
		ret = creader_get_bytes(&r, m->challenge, PROTO_CHALLENGE_LEN);
	return FINISH(m);
}

/* --- create, restore, unlock ------------------------------------------------------ */

int
proto_create_encode(struct cbuf *out, const struct proto_create *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = cbuf_put_u8(out, m->words)) != 0 ||
	    (ret = proto_put_secret(out, &m->bip39_pass, PROTO_MAX_BIP39_PASS)) != 0 ||
	    (ret = cbuf_put_u8(out, m->seal_reply ? 1 : 0)) != 0 ||
	    (ret = cbuf_put(out, m->reply_pubkey, 32)) != 0)
		return ret;
	return 0;
}

int
proto_create_decode(struct proto_create *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0 &&
	    (ret = creader_get_u8(&r, &m->words)) == 0 &&
	    (ret = proto_get_secret(&r, &m->bip39_pass, PROTO_MAX_BIP39_PASS)) == 0 &&
	    (ret = proto_get_bool(&r, &m->seal_reply)) == 0)
		ret = creader_get_bytes(&r, m->reply_pubkey, 32);
	return FINISH(m);
}

int
proto_create_reply_encode(struct cbuf *out, const struct proto_create_reply *m)
{
	int ret;

	if ((ret = cbuf_put_u8(out, m->sealed ? 1 : 0)) != 0 ||
	    (ret = proto_put_bytes(out, &m->mnemonic, PROTO_SEALED_MAX(PROTO_MAX_MNEMONIC))) != 0)
		return ret;
	return 0;
}

int
proto_create_reply_decode(struct proto_create_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_bool(&r, &m->sealed)) == 0)
		ret = proto_get_bytes(&r, &m->mnemonic, PROTO_SEALED_MAX(PROTO_MAX_MNEMONIC));
	return FINISH(m);
}

int
proto_restore_encode(struct cbuf *out, const struct proto_restore *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = proto_put_secret(out, &m->mnemonic, PROTO_MAX_MNEMONIC)) != 0 ||
	    (ret = proto_put_secret(out, &m->bip39_pass, PROTO_MAX_BIP39_PASS)) != 0)
		return ret;
	return 0;
}

int
proto_restore_decode(struct proto_restore *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0 &&
	    (ret = proto_get_secret(&r, &m->mnemonic, PROTO_MAX_MNEMONIC)) == 0)
		ret = proto_get_secret(&r, &m->bip39_pass, PROTO_MAX_BIP39_PASS);
	return FINISH(m);
}

int
proto_unlock_encode(struct cbuf *out, const struct proto_unlock *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->timeout)) != 0)
		return ret;
	return 0;
}

int
proto_unlock_decode(struct proto_unlock *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0)
		ret = creader_get_u32le(&r, &m->timeout);
	return FINISH(m);
}

/* --- descriptors ------------------------------------------------------------------ */

int
proto_descriptors_encode(struct cbuf *out, const struct proto_descriptors *m)
{
	return cbuf_put_u32le(out, m->account);
}

int
proto_descriptors_decode(struct proto_descriptors *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	ret = creader_get_u32le(&r, &m->account);
	return FINISH(m);
}

static int
account_type_ok(uint8_t t)
{
	return t >= PROTO_ACCOUNT_WPKH && t <= PROTO_ACCOUNT_SH_WPKH;
}

int
proto_descriptors_reply_encode(struct cbuf *out, const struct proto_descriptors_reply *m)
{
	size_t i;
	int ret;

	if (m->n > PROTO_MAX_DESCRIPTORS)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = cbuf_put(out, m->fingerprint, 4)) != 0 || (ret = cbuf_put_u8(out, m->n)) != 0)
		return ret;
	for (i = 0; i < m->n; i++) {
		if (!account_type_ok(m->d[i].type))
			return COFFER_ERR_INVALID_ARG;
		if ((ret = cbuf_put_u8(out, m->d[i].type)) != 0 ||
		    (ret = proto_put_str(out, &m->d[i].descriptor, PROTO_MAX_DESCRIPTOR)) != 0 ||
		    (ret = proto_put_str(out, &m->d[i].xpub, PROTO_MAX_DESCRIPTOR)) != 0)
			return ret;
	}
	return 0;
}

int
proto_descriptors_reply_decode(struct proto_descriptors_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	size_t i;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_bytes(&r, m->fingerprint, 4)) == 0 &&
	    (ret = creader_get_u8(&r, &m->n)) == 0 && m->n > PROTO_MAX_DESCRIPTORS)
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	for (i = 0; ret == 0 && i < m->n; i++) {
		if ((ret = creader_get_u8(&r, &m->d[i].type)) == 0 && !account_type_ok(m->d[i].type))
			ret = COFFER_ERR_SIGNER_PROTOCOL;
		if (ret == 0 &&
		    (ret = proto_get_str(&r, &m->d[i].descriptor, PROTO_MAX_DESCRIPTOR)) == 0)
			ret = proto_get_str(&r, &m->d[i].xpub, PROTO_MAX_DESCRIPTOR);
	}
	return FINISH(m);
}

/* --- sign psbt ------------------------------------------------------------------- */

int
proto_sign_psbt_encode(struct cbuf *out, const struct proto_sign_psbt *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = proto_put_bytes(out, &m->psbt, PROTO_MAX_PSBT)) != 0)
		return ret;
	return 0;
}

int
proto_sign_psbt_decode(struct proto_sign_psbt *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0)
		ret = proto_get_bytes(&r, &m->psbt, PROTO_MAX_PSBT);
	return FINISH(m);
}

int
proto_sign_psbt_reply_encode(struct cbuf *out, const struct proto_sign_psbt_reply *m)
{
	int ret;

	if ((ret = proto_put_bytes(out, &m->psbt, PROTO_MAX_PSBT_OUT)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->inputs_signed)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->signatures)) != 0 ||
	    (ret = cbuf_put_u64le(out, m->amount_out)) != 0 ||
	    (ret = cbuf_put_u64le(out, m->fee)) != 0)
		return ret;
	return 0;
}

int
proto_sign_psbt_reply_decode(struct proto_sign_psbt_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_bytes(&r, &m->psbt, PROTO_MAX_PSBT_OUT)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->inputs_signed)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->signatures)) == 0 &&
	    (ret = creader_get_u64le(&r, &m->amount_out)) == 0)
		ret = creader_get_u64le(&r, &m->fee);
	return FINISH(m);
}

/* --- sign message ------------------------------------------------------------------ */

int
proto_sign_message_encode(struct cbuf *out, const struct proto_sign_message *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = cbuf_put_u8(out, m->type)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->account)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->change)) != 0 ||
	    (ret = cbuf_put_u32le(out, m->index)) != 0 ||
	    (ret = proto_put_bytes(out, &m->message, PROTO_MAX_MESSAGE)) != 0)
		return ret;
	return 0;
}

int
proto_sign_message_decode(struct proto_sign_message *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0 &&
	    (ret = creader_get_u8(&r, &m->type)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->account)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->change)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->index)) == 0 &&
	    (ret = proto_get_bytes(&r, &m->message, PROTO_MAX_MESSAGE)) == 0 &&
	    (!account_type_ok(m->type) || m->change > 1))
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	return FINISH(m);
}

int
proto_sign_message_reply_encode(struct cbuf *out, const struct proto_sign_message_reply *m)
{
	int ret;

	if ((ret = proto_put_str(out, &m->address, PROTO_MAX_ADDRESS)) != 0 ||
	    (ret = proto_put_str(out, &m->signature, PROTO_MAX_SIGNATURE)) != 0)
		return ret;
	return 0;
}

int
proto_sign_message_reply_decode(struct proto_sign_message_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_str(&r, &m->address, PROTO_MAX_ADDRESS)) == 0)
		ret = proto_get_str(&r, &m->signature, PROTO_MAX_SIGNATURE);
	return FINISH(m);
}

/* --- policy ------------------------------------------------------------------------ */

int
proto_policy_reply_encode(struct cbuf *out, const struct proto_policy_reply *m)
{
	return proto_put_str(out, &m->json, PROTO_MAX_POLICY);
}

int
proto_policy_reply_decode(struct proto_policy_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	ret = proto_get_str(&r, &m->json, PROTO_MAX_POLICY);
	return FINISH(m);
}

int
proto_set_policy_encode(struct cbuf *out, const struct proto_set_policy *m)
{
	int ret;

	if ((ret = proto_put_secret(out, &m->passphrase, PROTO_MAX_PASSPHRASE)) != 0 ||
	    (ret = proto_put_str(out, &m->json, PROTO_MAX_POLICY)) != 0)
		return ret;
	return 0;
}

int
proto_set_policy_decode(struct proto_set_policy *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_secret(&r, &m->passphrase, PROTO_MAX_PASSPHRASE)) == 0)
		ret = proto_get_str(&r, &m->json, PROTO_MAX_POLICY);
	return FINISH(m);
}

/* --- audit ------------------------------------------------------------------------- */

int
proto_read_audit_encode(struct cbuf *out, const struct proto_read_audit *m)
{
	int ret;

	if ((ret = cbuf_put_u64le(out, m->from)) != 0 || (ret = cbuf_put_u32le(out, m->max)) != 0)
		return ret;
	return 0;
}

int
proto_read_audit_decode(struct proto_read_audit *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u64le(&r, &m->from)) == 0)
		ret = creader_get_u32le(&r, &m->max);
	return FINISH(m);
}

int
proto_read_audit_reply_encode(struct cbuf *out, const struct proto_read_audit_reply *m)
{
	int ret;

	if ((ret = cbuf_put_u64le(out, m->next)) != 0 || (ret = cbuf_put_u32le(out, m->count)) != 0 ||
	    (ret = proto_put_bytes(out, &m->records, PROTO_MAX_AUDIT)) != 0)
		return ret;
	return 0;
}

int
proto_read_audit_reply_decode(struct proto_read_audit_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u64le(&r, &m->next)) == 0 &&
	    (ret = creader_get_u32le(&r, &m->count)) == 0)
		ret = proto_get_bytes(&r, &m->records, PROTO_MAX_AUDIT);
	return FINISH(m);
}

/* --- attestation, storage key, error ------------------------------------------------- */

int
proto_attestation_encode(struct cbuf *out, const struct proto_attestation *m)
{
	return cbuf_put(out, m->nonce, 32);
}

int
proto_attestation_decode(struct proto_attestation *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	ret = creader_get_bytes(&r, m->nonce, 32);
	return FINISH(m);
}

int
proto_attestation_reply_encode(struct cbuf *out, const struct proto_attestation_reply *m)
{
	int ret;

	if ((ret = proto_put_str(out, &m->backend, PROTO_MAX_NAME)) != 0 ||
	    (ret = proto_put_str(out, &m->statement, PROTO_MAX_STATEMENT)) != 0 ||
	    (ret = cbuf_put(out, m->unlock_pubkey, 32)) != 0 ||
	    (ret = proto_put_bytes(out, &m->evidence, PROTO_MAX_EVIDENCE)) != 0 ||
	    (ret = cbuf_put_u8(out, m->has_identity ? 1 : 0)) != 0 ||
	    (ret = cbuf_put(out, m->identity_pubkey, 33)) != 0)
		return ret;
	return 0;
}

int
proto_attestation_reply_decode(struct proto_attestation_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	if ((ret = proto_get_str(&r, &m->backend, PROTO_MAX_NAME)) == 0 &&
	    (ret = proto_get_str(&r, &m->statement, PROTO_MAX_STATEMENT)) == 0 &&
	    (ret = creader_get_bytes(&r, m->unlock_pubkey, 32)) == 0 &&
	    (ret = proto_get_bytes(&r, &m->evidence, PROTO_MAX_EVIDENCE)) == 0 &&
	    (ret = creader_get_u8(&r, &m->has_identity)) == 0 &&
	    (ret = creader_get_bytes(&r, m->identity_pubkey, 33)) == 0 && m->has_identity > 1)
		ret = COFFER_ERR_SIGNER_PROTOCOL;
	return FINISH(m);
}

int
proto_storage_key_reply_encode(struct cbuf *out, const struct proto_storage_key_reply *m)
{
	return cbuf_put(out, m->key, 32);
}

int
proto_storage_key_reply_decode(struct proto_storage_key_reply *m, const uint8_t *p, size_t n)
{
	struct creader r;
	int ret;

	BEGIN(m, p, n);
	ret = creader_get_bytes(&r, m->key, 32);
	return FINISH(m);
}

int
proto_error_encode(struct cbuf *out, const struct proto_error *m)
{
	int ret;

	if (m->code >= 0)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = cbuf_put_u32le(out, (uint32_t)m->code)) != 0 ||
	    (ret = cbuf_put_u8(out, m->fatal ? 1 : 0)) != 0 ||
	    (ret = proto_put_str(out, &m->reason, PROTO_MAX_REASON)) != 0)
		return ret;
	return 0;
}

int
proto_error_decode(struct proto_error *m, const uint8_t *p, size_t n)
{
	struct creader r;
	uint32_t u = 0;
	int ret;

	BEGIN(m, p, n);
	if ((ret = creader_get_u32le(&r, &u)) == 0 &&
	    (ret = proto_get_bool(&r, &m->fatal)) == 0 &&
	    (ret = proto_get_str(&r, &m->reason, PROTO_MAX_REASON)) == 0) {
		/* A negative code only: a hostile signer must not fake success. */
		if (u < 0x80000000u)
			ret = COFFER_ERR_SIGNER_PROTOCOL;
		else
			m->code = (int32_t)(u - 0x80000000u) - (int32_t)0x7fffffff - 1;
	}
	return FINISH(m);
}
