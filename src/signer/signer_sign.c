/*
 * Signing with the signer's own judgement (SIGNER.md "Signing flow"):
 *   1. parse the PSBT;
 *   2. judge it (judge.h: UTXOs checked against their txids, inputs and
 *      change proven ours by re-derivation, value leaving and fee computed,
 *      every policy rule applied) — it never signs a digest it is handed;
 *   3. append the decision to the audit log durably (no record, no signature);
 *   4. if allowed, charge the 24-hour ledger and seal it, with the audit
 *      head, to disk (one atomic state write);
 *   5. sign only our inputs (psbt_sign recomputes every sighash; the keys
 *      come from the session's keyring, signer_keys.c);
 *   6. wipe the keys, reply.
 */
#include <stdlib.h>
#include <string.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/bip322.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "btc/script.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/audit.h"
#include "signer/judge.h"
#include "signer/keystore.h"
#include "signer/signer_int.h"
#include "signer/signer_wallet.h"

/* Record a refusal that came before any judgement (unreadable PSBT, bad passphrase). */
static int
refuse_early(struct signer *s, const uint8_t reqhash[32], int code, const char *why)
{
	int r;

	signer_reason(s, "%s", why);
	if ((r = signer_session_note(s, AUDIT_SIGN_PSBT, reqhash, code, why)) != 0)
		return r;
	return code;
}

/*
 * Steps 4-5: charge the ledger durably, then sign. In per-signature mode
 * (fresh: the keystore decrypted for this request) the keys are derived from
 * that secret and wiped with it, not taken from the session's cache.
 */
static int
charge_and_sign(struct signer *s, struct psbt *psbt, struct psbt_sign_stats *stats, uint64_t now,
    uint64_t spend, const struct ks_secret *fresh)
{
	struct signer_session *x = s->sess;
	struct signer_keyring *once = NULL;
	struct signer_ledger *saved;
	int ret;

	if (fresh != NULL && (ret = signer_keyring_new(&once, fresh, s->cfg.network)) != 0)
		return ret;
	if ((saved = malloc(sizeof(*saved))) == NULL) {
		signer_keyring_free(once);
		return COFFER_ERR_NOMEM;
	}
	*saved = x->ledger;
	if ((ret = ledger_charge(&x->ledger, now, spend)) != 0 || (ret = signer_session_save(s)) != 0) {
		/* Not on disk: the spend did not happen. */
		x->ledger = *saved;
		free(saved);
		signer_keyring_free(once);
		signer_reason(s, "the spend could not be recorded durably: not signing");
		return ret;
	}
	free(saved);
	if ((ret = signer_keyring_sign(once != NULL ? once : x->keys, psbt, stats)) != 0)
		signer_reason(s, "signing failed after the spend was charged: %s", coffer_err_msg(ret));
	signer_keyring_free(once);
	return ret;
}

int
signer_h_sign_psbt(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_sign_psbt req;
	struct proto_sign_psbt_reply rep;
	struct psbt_sign_stats stats;
	struct judge_decision d;
	struct audit_event ev;
	struct ks_secret *fresh = NULL;
	const struct ks_secret *sec;
	const char *dest[AUDIT_MAX_DEST];
	struct psbt psbt;
	struct cbuf ser;
	uint8_t reqhash[32];
	uint64_t now;
	int supplied = 0, ret, r;

	if ((ret = proto_sign_psbt_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	psbt_init(&psbt);
	cbuf_init(&ser, PROTO_MAX_PSBT_OUT);
	memset(&d, 0, sizeof(d));
	now = signer_now_wall();
	judge_request_hash(reqhash, req.psbt.p, req.psbt.len);
	if ((r = psbt_parse(&psbt, req.psbt.p, req.psbt.len)) != 0) {
		ret = refuse_early(s, reqhash, r, "the PSBT does not parse");
		goto out;
	}
	/* Per-signature mode: the keystore decrypted for this request only (it
	 * must hold the session's seed); its keys sign, then all is wiped. */
	if ((r = signer_signing_secret(s, &fresh, &sec, &supplied, &req.passphrase)) != 0) {
		ret = refuse_early(s, reqhash, r, r == COFFER_ERR_SIGNER_SEALED ?
		    "the sealed passphrase does not open (another signer, or a spent challenge)" :
		    "the passphrase given with the request is wrong");
		goto out;
	}
	r = judge_psbt(&d, &s->sess->wallet, &psbt, req.psbt.p, req.psbt.len, &s->sess->policy,
	    &s->sess->ledger, now, supplied);
	audit_event_from_decision(&ev, dest, &d, now);
	/* The record first, durably: no record, no signature. Its head is sealed
	 * into the state together with the ledger charge (one state write per
	 * signature); a crash in between leaves the log one record ahead of the
	 * state, which audit_open accepts, and no signature released. */
	if ((ret = audit_append(&s->sess->audit, NULL, &ev)) != 0) {
		signer_reason(s, "the audit record could not be written: not signing");
		goto out;
	}
	if (r != 0) {
		/* The refusal is on disk already; sealing its head is best effort. */
		(void)signer_session_save(s);
		signer_reason(s, "%s", d.reason[0] != '\0' ? d.reason : coffer_err_msg(r));
		ret = r;
		goto out;
	}
	if ((ret = charge_and_sign(s, &psbt, &stats, now, d.spend_sat, fresh)) != 0) {
		/* The record above says "allowed"; say that nothing was signed
		 * after all (best effort: the disk may be what failed). */
		(void)signer_session_note(s, AUDIT_SIGN_PSBT, reqhash, ret, s->reason);
		goto out;
	}
	ks_secret_free(fresh);	/* keys wiped before the reply is built */
	fresh = NULL;
	if ((ret = psbt_serialize(&ser, &psbt)) != 0)
		goto out;
	memset(&rep, 0, sizeof(rep));
	rep.psbt.p = ser.p;
	rep.psbt.len = ser.len;
	rep.inputs_signed = (uint32_t)stats.inputs_signed;
	rep.signatures = (uint32_t)stats.signatures;
	rep.amount_out = d.spend_sat;
	rep.fee = d.fee_sat;
	ret = proto_sign_psbt_reply_encode(out, &rep);
out:
	ks_secret_free(fresh);
	judge_decision_free(&d);
	psbt_free(&psbt);
	cbuf_free(&ser);
	return ret;
}

/*
 * BIP322 "simple" signature with one of the wallet's own addresses: BIP84
 * wpkh or BIP86 tr key path, at account/change/index. The signer derives the
 * address itself and says which it signed for. Message signing moves no
 * funds, so only the kill switch applies; every request is audited.
 */
int
signer_h_sign_message(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_sign_message req;
	struct proto_sign_message_reply rep;
	struct ks_secret *fresh = NULL;
	const struct ks_secret *sec;
	struct signer_keyring *once = NULL;
	struct bip32_key *key = NULL;
	struct cbuf spk, sig;
	uint32_t path[5];
	uint8_t reqhash[32], h[20], xonly[32];
	char addr[ADDR_BUFSIZE];
	int supplied, ret;

	if ((ret = proto_sign_message_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	cbuf_init(&spk, 64);
	cbuf_init(&sig, PROTO_MAX_SIGNATURE);
	sha256(reqhash, req.message.p, req.message.len);
	if (req.type != PROTO_ACCOUNT_WPKH && req.type != PROTO_ACCOUNT_TR) {
		signer_reason(s, "message signatures are made with wpkh or tr addresses");
		ret = COFFER_ERR_UNSUPPORTED;
		goto refuse;
	}
	if (req.account >= BIP32_HARDENED || req.index >= BIP32_HARDENED) {
		signer_reason(s, "account and index must be below 2^31");
		ret = COFFER_ERR_INVALID_ARG;
		goto refuse;
	}
	if (s->sess->policy.kill_switch) {
		signer_reason(s, "the kill switch is on");
		ret = COFFER_ERR_POLICY_KILL_SWITCH;
		goto refuse;
	}
	if ((ret = signer_signing_secret(s, &fresh, &sec, &supplied, &req.passphrase)) != 0) {
		signer_reason(s, "the passphrase given with the request is wrong");
		goto refuse;
	}
	if ((ret = bip32_account_path(path, req.type == PROTO_ACCOUNT_WPKH ? 84 : 86, s->cfg.network,
	    req.account)) != 0)
		goto refuse;
	path[3] = req.change;
	path[4] = req.index;
	if ((key = bip32_key_new()) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	/* Per-signature mode: from the secret decrypted for this request. */
	if (fresh != NULL && (ret = signer_keyring_new(&once, fresh, s->cfg.network)) != 0)
		goto refuse;
	ret = signer_keyring_derive(once != NULL ? once : s->sess->keys, key, path, 5);
	signer_keyring_free(once);
	once = NULL;
	if (ret != 0)
		goto refuse;
	if (req.type == PROTO_ACCOUNT_WPKH) {
		hash160(h, key->pub, 33);
		ret = script_p2wpkh(&spk, h);
	} else if ((ret = keys_taproot_output_key(xonly, NULL, key->pub + 1, NULL)) == 0) {
		ret = script_p2tr(&spk, xonly);
	}
	if (ret != 0 || (ret = addr_encode(addr, spk.p, spk.len, s->cfg.network)) != 0)
		goto refuse;
	/* The record first: no record, no signature. */
	if ((ret = signer_session_note(s, AUDIT_SIGN_MESSAGE, reqhash, 0, addr)) != 0) {
		signer_reason(s, "the audit record could not be written: not signing");
		goto out;
	}
	if ((ret = bip322_sign(&sig, key->priv, spk.p, spk.len, req.message.p, req.message.len, 0)) != 0)
		goto out;
	bip32_key_free(key);
	key = NULL;
	rep.address.p = (const uint8_t *)addr;
	rep.address.len = strlen(addr);
	rep.signature.p = sig.p;
	rep.signature.len = sig.len;
	ret = proto_sign_message_reply_encode(out, &rep);
	goto out;
refuse:
	(void)signer_session_note(s, AUDIT_SIGN_MESSAGE, reqhash, ret, s->reason);
out:
	bip32_key_free(key);
	ks_secret_free(fresh);
	cbuf_free(&spk);
	cbuf_free(&sig);
	return ret;
}
