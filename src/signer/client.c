/*
 * Client stubs (see client.h), in the order of the signer's dispatch table.
 * Connection set-up and the spawn of a socketpair signer are in client_conn.c.
 */
#include "signer/client.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/secmem.h"
#include "signer/client_int.h"

struct proto_secret
client_secret_plain(const uint8_t *p, size_t n)
{
	struct proto_secret s = { PROTO_SECRET_PLAIN, p, n };

	return s;
}

struct proto_secret
client_secret_sealed(const uint8_t *box, size_t n)
{
	struct proto_secret s = { PROTO_SECRET_SEALED, box, n };

	return s;
}

struct proto_secret
client_secret_none(void)
{
	struct proto_secret s = { PROTO_SECRET_NONE, NULL, 0 };

	return s;
}

int
client_seal(struct cbuf *out, const uint8_t pk[32], const uint8_t challenge[PROTO_CHALLENGE_LEN],
    const uint8_t *p, size_t n)
{
	uint8_t *plain;
	size_t total = PROTO_CHALLENGE_LEN + n;
	int ret;

	if (n == 0 || n > PROTO_MAX_PASSPHRASE)
		return COFFER_ERR_TOO_LARGE;
	if ((ret = cbuf_reserve(out, total + crypto_box_SEALBYTES)) != 0)
		return ret;
	if ((plain = secmem_alloc(total)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(plain, challenge, PROTO_CHALLENGE_LEN);
	memcpy(plain + PROTO_CHALLENGE_LEN, p, n);
	ret = crypto_box_seal(out->p + out->len, plain, total, pk) == 0 ? 0 : COFFER_ERR_CRYPTO;
	secmem_free(plain);
	if (ret == 0)
		out->len += total + crypto_box_SEALBYTES;
	return ret;
}

/* Copy a str field into a NUL-terminated buffer of size (checked by the cap). */
static void
copy_str(char *dst, size_t size, const struct proto_bytes *b)
{
	size_t n = b->len < size - 1 ? b->len : size - 1;

	if (n > 0)
		memcpy(dst, b->p, n);
	dst[n] = '\0';
}

/* Requests without a body, replies without a body. */
static int
call_empty(struct signer_client *c, uint8_t type)
{
	const uint8_t *p;
	size_t n;
	int ret;

	client_begin(c);
	if ((ret = client_call(c, type, &p, &n)) == 0)
		ret = client_check(c, proto_empty_decode(p, n));
	client_end(c);
	return ret;
}

int
client_status(struct signer_client *c, struct client_status *out)
{
	struct proto_status_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	client_begin(c);
	if ((ret = client_call(c, PROTO_STATUS, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_status_reply_decode(&m, p, n))) == 0) {
		out->state = m.state;
		out->network = (enum btc_network)m.network;
		memcpy(out->unlock_pubkey, m.unlock_pubkey, 32);
		out->session_left = m.session_left;
		copy_str(out->tee, sizeof(out->tee), &m.tee);
		copy_str(out->note, sizeof(out->note), &m.note);
	}
	client_end(c);
	return ret;
}

int
client_get_unlock_key(struct signer_client *c, uint8_t pubkey[32], uint8_t challenge[PROTO_CHALLENGE_LEN])
{
	struct proto_unlock_key_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(pubkey, 0, 32);
	memset(challenge, 0, PROTO_CHALLENGE_LEN);
	client_begin(c);
	if ((ret = client_call(c, PROTO_GET_UNLOCK_KEY, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_unlock_key_reply_decode(&m, p, n))) == 0) {
		memcpy(pubkey, m.pubkey, 32);
		memcpy(challenge, m.challenge, PROTO_CHALLENGE_LEN);
	}
	client_end(c);
	return ret;
}

int
client_attestation(struct signer_client *c, struct client_attestation *out, const uint8_t nonce[32])
{
	struct proto_attestation req;
	struct proto_attestation_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	cbuf_init(&out->evidence, PROTO_MAX_EVIDENCE);
	memcpy(req.nonce, nonce, 32);
	client_begin(c);
	if ((ret = proto_attestation_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_ATTESTATION, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_attestation_reply_decode(&m, p, n))) == 0) {
		copy_str(out->backend, sizeof(out->backend), &m.backend);
		copy_str(out->statement, sizeof(out->statement), &m.statement);
		memcpy(out->unlock_pubkey, m.unlock_pubkey, 32);
		out->has_identity = m.has_identity;
		memcpy(out->identity_pubkey, m.identity_pubkey, 33);
		ret = cbuf_put(&out->evidence, m.evidence.p, m.evidence.len);
	}
	client_end(c);
	return ret;
}

int
client_create(struct signer_client *c, struct cbuf *mnemonic, const struct proto_secret *passphrase,
    unsigned int words, const struct proto_secret *bip39_pass, const uint8_t *reply_pubkey)
{
	struct proto_create req;
	struct proto_create_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(&req, 0, sizeof(req));
	req.passphrase = *passphrase;
	req.words = (uint8_t)(words > 255 ? 0 : words);
	req.bip39_pass = *bip39_pass;
	if (reply_pubkey != NULL) {
		req.seal_reply = 1;
		memcpy(req.reply_pubkey, reply_pubkey, 32);
	}
	client_begin(c);
	if ((ret = proto_create_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_CREATE, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_create_reply_decode(&m, p, n))) == 0) {
		if (m.sealed != (reply_pubkey != NULL))
			ret = client_check(c, COFFER_ERR_SIGNER_PROTOCOL);
		else if ((ret = cbuf_put(mnemonic, m.mnemonic.p, m.mnemonic.len)) == 0 && !m.sealed) {
			if ((ret = cbuf_put_u8(mnemonic, 0)) == 0)
				mnemonic->len--;
		}
	}
	client_end(c);
	return ret;
}

int
client_restore(struct signer_client *c, const struct proto_secret *passphrase,
    const struct proto_secret *mnemonic, const struct proto_secret *bip39_pass)
{
	struct proto_restore req;
	const uint8_t *p;
	size_t n;
	int ret;

	req.passphrase = *passphrase;
	req.mnemonic = *mnemonic;
	req.bip39_pass = *bip39_pass;
	client_begin(c);
	if ((ret = proto_restore_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_RESTORE, &p, &n)) == 0)
		ret = client_check(c, proto_empty_decode(p, n));
	client_end(c);
	return ret;
}

int
client_unlock(struct signer_client *c, const struct proto_secret *passphrase, uint32_t timeout)
{
	struct proto_unlock req;
	const uint8_t *p;
	size_t n;
	int ret;

	req.passphrase = *passphrase;
	req.timeout = timeout;
	client_begin(c);
	if ((ret = proto_unlock_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_UNLOCK, &p, &n)) == 0)
		ret = client_check(c, proto_empty_decode(p, n));
	client_end(c);
	return ret;
}

int
client_lock(struct signer_client *c)
{
	return call_empty(c, PROTO_LOCK);
}

int
client_descriptors(struct signer_client *c, struct client_descriptors *out, uint32_t account)
{
	struct proto_descriptors req = { account };
	struct proto_descriptors_reply m;
	const uint8_t *p;
	size_t n, i;
	int ret;

	memset(out, 0, sizeof(*out));
	client_begin(c);
	if ((ret = proto_descriptors_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_DESCRIPTORS, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_descriptors_reply_decode(&m, p, n))) == 0) {
		memcpy(out->fingerprint, m.fingerprint, 4);
		out->n = m.n;
		for (i = 0; i < m.n; i++) {
			out->d[i].type = m.d[i].type;
			copy_str(out->d[i].descriptor, sizeof(out->d[i].descriptor), &m.d[i].descriptor);
			copy_str(out->d[i].xpub, sizeof(out->d[i].xpub), &m.d[i].xpub);
		}
	}
	client_end(c);
	return ret;
}

int
client_sign_psbt(struct signer_client *c, struct cbuf *psbt_out, struct client_sign_result *res,
    const struct proto_secret *passphrase, const uint8_t *psbt, size_t len)
{
	struct proto_sign_psbt req;
	struct proto_sign_psbt_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(res, 0, sizeof(*res));
	req.passphrase = *passphrase;
	req.psbt.p = psbt;
	req.psbt.len = len;
	client_begin(c);
	if ((ret = proto_sign_psbt_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_SIGN_PSBT, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_sign_psbt_reply_decode(&m, p, n))) == 0) {
		res->inputs_signed = m.inputs_signed;
		res->signatures = m.signatures;
		res->amount_out = m.amount_out;
		res->fee = m.fee;
		ret = cbuf_put(psbt_out, m.psbt.p, m.psbt.len);
	}
	client_end(c);
	return ret;
}

int
client_sign_message(struct signer_client *c, char *address, struct cbuf *signature,
    const struct proto_secret *passphrase, uint8_t type, uint32_t account, uint32_t change,
    uint32_t index, const uint8_t *msg, size_t msglen)
{
	struct proto_sign_message req;
	struct proto_sign_message_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	address[0] = '\0';
	req.passphrase = *passphrase;
	req.type = type;
	req.account = account;
	req.change = change;
	req.index = index;
	req.message.p = msg;
	req.message.len = msglen;
	client_begin(c);
	if ((ret = proto_sign_message_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_SIGN_MESSAGE, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_sign_message_reply_decode(&m, p, n))) == 0) {
		copy_str(address, PROTO_MAX_ADDRESS + 1, &m.address);
		if ((ret = cbuf_put(signature, m.signature.p, m.signature.len)) == 0 &&
		    (ret = cbuf_put_u8(signature, 0)) == 0)
			signature->len--;
	}
	client_end(c);
	return ret;
}

int
client_get_policy(struct signer_client *c, struct cbuf *json)
{
	struct proto_policy_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	client_begin(c);
	if ((ret = client_call(c, PROTO_GET_POLICY, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_policy_reply_decode(&m, p, n))) == 0 &&
	    (ret = cbuf_put(json, m.json.p, m.json.len)) == 0 && (ret = cbuf_put_u8(json, 0)) == 0)
		json->len--;
	client_end(c);
	return ret;
}

int
client_set_policy(struct signer_client *c, const struct proto_secret *passphrase, const char *json,
    size_t len)
{
	struct proto_set_policy req;
	const uint8_t *p;
	size_t n;
	int ret;

	req.passphrase = *passphrase;
	req.json.p = (const uint8_t *)json;
	req.json.len = len;
	client_begin(c);
	if ((ret = proto_set_policy_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_SET_POLICY, &p, &n)) == 0)
		ret = client_check(c, proto_empty_decode(p, n));
	client_end(c);
	return ret;
}

int
client_read_audit(struct signer_client *c, struct cbuf *records, uint64_t *next, uint32_t *count,
    uint64_t from, uint32_t max)
{
	struct proto_read_audit req = { from, max };
	struct proto_read_audit_reply m;
	const uint8_t *p;
	size_t n;
	int ret;

	*next = 0;
	*count = 0;
	client_begin(c);
	if ((ret = proto_read_audit_encode(&c->tx, &req)) == 0 &&
	    (ret = client_call(c, PROTO_READ_AUDIT, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_read_audit_reply_decode(&m, p, n))) == 0) {
		*next = m.next;
		*count = m.count;
		ret = cbuf_put(records, m.records.p, m.records.len);
	}
	client_end(c);
	return ret;
}

int
client_storage_key(struct signer_client *c, uint8_t key[32])
{
	struct proto_storage_key_reply *m;
	const uint8_t *p;
	size_t n;
	int ret;

	memset(key, 0, 32);
	if ((m = secmem_alloc(sizeof(*m))) == NULL)
		return COFFER_ERR_NOMEM;
	client_begin(c);
	if ((ret = client_call(c, PROTO_GET_STORAGE_KEY, &p, &n)) == 0 &&
	    (ret = client_check(c, proto_storage_key_reply_decode(m, p, n))) == 0)
		memcpy(key, m->key, 32);
	client_end(c);
	secmem_free(m);
	return ret;
}
