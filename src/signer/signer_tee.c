/*
 * The signer's TEE side: attestation replies (the binding of
 * docs/ATTESTATION.md over the identity key, the unlock key and the caller's
 * nonce, with evidence from the helper process), and the status note.
 */
#include <string.h>

#include <secp256k1.h>

#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/evidence.h"
#include "signer/kdf.h"
#include "signer/keystore.h"
#include "signer/signer_int.h"
#include "signer/tee.h"

void
signer_set_note(struct signer *s, const char *note)
{
	size_t n = strlen(note);

	if (n > sizeof(s->note) - 1)
		n = sizeof(s->note) - 1;
	memcpy(s->note, note, n);
	s->note[n] = '\0';
}

/* The identity public key (compressed) of an unlocked signer. */
static int
identity_pubkey(uint8_t out[EVIDENCE_IDENTITY_LEN], const struct ks_secret *sec)
{
	secp256k1_pubkey pk;
	uint8_t *sk;
	size_t len = EVIDENCE_IDENTITY_LEN;
	int ret = COFFER_ERR_CRYPTO;

	if ((sk = secmem_alloc(KDF_KEY_LEN)) == NULL)
		return COFFER_ERR_NOMEM;
	if (kdf_identity_key(sk, sec->seed) == 0 && secp256k1_ec_pubkey_create(btc_secp(), &pk, sk) == 1 &&
	    secp256k1_ec_pubkey_serialize(btc_secp(), out, &len, &pk, SECP256K1_EC_COMPRESSED) == 1 &&
	    len == EVIDENCE_IDENTITY_LEN)
		ret = 0;
	secmem_free(sk);
	return ret;
}

int
signer_attest(struct signer *s, struct proto_attestation_reply *m, struct cbuf *evidence, const uint8_t nonce[32])
{
	const struct tee_backend *tee = s->cfg.tee;
	uint8_t binding[TEE_REPORT_DATA_LEN];
	int ret;

	memset(m, 0, sizeof(*m));
	memcpy(m->unlock_pubkey, s->unlock_pk, 32);
	m->backend.p = (const uint8_t *)tee->name;
	m->backend.len = strlen(tee->name);
	m->statement.p = (const uint8_t *)tee->statement;
	m->statement.len = strlen(tee->statement);
	if (s->secret != NULL) {
		if ((ret = identity_pubkey(m->identity_pubkey, s->secret)) != 0)
			return ret;
		m->has_identity = 1;
	}
	/* The report data: the binding of docs/ATTESTATION.md (none appends no evidence). */
	if ((ret = evidence_binding(binding, m->has_identity ? m->identity_pubkey : NULL, s->unlock_pk, nonce, 32)) != 0)
		return ret;
	if ((ret = tee->evidence(tee->ctx, evidence, binding)) != 0) {
		signer_reason(s, "the %s backend produced no evidence: %s", tee->name, coffer_err_msg(ret));
		return ret;
	}
	m->evidence.p = evidence->p;
	m->evidence.len = evidence->len;
	return 0;
}
