/*
 * The unlocked session's state and the handlers that use it: the policy and
 * 24-hour ledger (sealed state file, state.h), the wallet's accounts for
 * judgement (analyze.h), and the audit log (audit.h). Every decision is
 * appended to the log and the log's head sealed into the state before the
 * signer answers; get/set policy and read audit live here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/bip32.h"
#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/audit.h"
#include "signer/kdf.h"
#include "signer/keystore.h"
#include "signer/policy.h"
#include "signer/signer_int.h"
#include "signer/signer_wallet.h"
#include "signer/state.h"

/* The protocol carries every policy the parser accepts (and get_policy's
 * canonical form of it, which is never longer than an accepted input). */
_Static_assert(PROTO_MAX_POLICY == POLICY_MAX_JSON, "policy caps of protocol and parser differ");

/* Accounts the judge knows as ours (BIP44/49/84/86 account 0). */
#define SESSION_ACCOUNTS 1

uint64_t
signer_now_wall(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

/* Seal policy + ledger + audit head into the state file (atomic, fsynced). */
static int
save_state(const char *dir, const uint8_t key[32], const struct signer_policy *p,
    const struct signer_ledger *l, const struct audit_log *log)
{
	struct cbuf blob;
	int ret;

	cbuf_init_secret(&blob, STATE_BLOB_MAX);
	/* Room for a typical policy and a full ledger at once (a growing secret
	 * buffer is copied and wiped at each doubling). */
	if ((ret = cbuf_reserve(&blob, (size_t)32 << 10)) == 0 &&
	    (ret = policy_state_encode(&blob, p, l)) == 0)
		ret = state_save(dir, key, blob.p, blob.len, log->head, log->seq);
	cbuf_free(&blob);
	return ret;
}

int
signer_session_save(struct signer *s)
{
	struct signer_session *x = s->sess;

	return save_state(s->cfg.dir, x->state_key, &x->policy, &x->ledger, &x->audit);
}

int
signer_session_record(struct signer *s, const struct audit_event *ev)
{
	int ret;

	if ((ret = audit_append(&s->sess->audit, NULL, ev)) != 0)
		return ret;
	return signer_session_save(s);
}

/* A record with a verdict and no amounts. */
int
signer_session_note(struct signer *s, enum audit_kind kind, const uint8_t *request, int code,
    const char *reason)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.time = signer_now_wall();
	ev.request = request;
	ev.allowed = code == 0;
	ev.code = code;
	ev.reason = reason;
	return signer_session_record(s, &ev);
}

static void
session_free(struct signer_session *x)
{
	if (x == NULL)
		return;
	audit_close(&x->audit);
	signer_keyring_free(x->keys);
	policy_free(&x->policy);
	judge_wallet_free(&x->wallet);
	secmem_free(x->state_key);
	secure_free(x, sizeof(*x));
}

int
signer_session_create(struct signer *s, const struct ks_secret *sec, enum audit_kind kind)
{
	struct signer_policy p;
	struct signer_ledger *l;
	struct audit_log log;
	struct audit_event ev;
	uint8_t *key;
	int ret;

	policy_init(&p, s->cfg.network);
	log.fd = -1;
	if ((key = secmem_alloc(STATE_KEY_LEN)) == NULL || (l = malloc(sizeof(*l))) == NULL) {
		secmem_free(key);
		return COFFER_ERR_NOMEM;
	}
	ledger_init(l);
	/* A new wallet: default policy (no limits), empty ledger, and the first
	 * record of its audit chain. */
	if ((ret = kdf_state_key(key, sec->seed)) != 0 ||
	    (ret = audit_open(&log, NULL, s->cfg.dir, NULL, 0)) != 0)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.time = signer_now_wall();
	ev.allowed = 1;
	if ((ret = audit_append(&log, NULL, &ev)) != 0)
		goto out;
	ret = save_state(s->cfg.dir, key, &p, l, &log);
out:
	audit_close(&log);
	policy_free(&p);
	free(l);
	secmem_free(key);
	return ret;
}

int
signer_session_open(struct signer *s, const struct ks_secret *sec)
{
	struct signer_session *x;
	struct bip32_key *master = NULL;
	struct audit_report rep;
	struct cbuf blob;
	uint8_t head[32], fp[4];
	uint64_t seq;
	int ret;

	memset(fp, 0, sizeof(fp));
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return COFFER_ERR_NOMEM;
	x->audit.fd = -1;
	policy_init(&x->policy, s->cfg.network);
	ledger_init(&x->ledger);
	judge_wallet_init(&x->wallet, fp, s->cfg.network);
	cbuf_init_secret(&blob, STATE_BLOB_MAX);
	if ((x->state_key = secmem_alloc(STATE_KEY_LEN)) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto fail;
	}
	if ((ret = kdf_state_key(x->state_key, sec->seed)) != 0 ||
	    (ret = state_load(&blob, head, &seq, s->cfg.dir, x->state_key)) != 0) {
		signer_reason(s, "the sealed state file cannot be opened: %s", coffer_err_msg(ret));
		goto fail;
	}
	policy_free(&x->policy);
	if ((ret = policy_state_decode(&x->policy, &x->ledger, blob.p, blob.len, s->cfg.network)) != 0) {
		signer_reason(s, "the sealed state does not decode: %s", coffer_err_msg(ret));
		goto fail;
	}
	/* The log must still hold the head sealed in the state: no truncation,
	 * no rollback, no replacement. */
	if ((ret = audit_open(&x->audit, &rep, s->cfg.dir, head, seq)) != 0) {
		signer_reason(s, "the audit log does not verify: %s", rep.why);
		goto fail;
	}
	if ((ret = signer_master_key(&master, sec, s->cfg.network)) != 0)
		goto fail;
	bip32_fingerprint(fp, master);
	judge_wallet_init(&x->wallet, fp, s->cfg.network);
	if ((ret = judge_wallet_add_standard(&x->wallet, master, 0)) != 0 ||
	    (ret = signer_keyring_new(&x->keys, sec, s->cfg.network)) != 0)
		goto fail;
	bip32_key_free(master);
	cbuf_free(&blob);
	s->sess = x;
	return 0;
fail:
	bip32_key_free(master);
	cbuf_free(&blob);
	session_free(x);
	return ret;
}

void
signer_session_close(struct signer *s)
{
	if (s->sess == NULL)
		return;
	/* Best effort: a lock must happen even when the disk refuses the record. */
	(void)signer_session_note(s, AUDIT_LOCK, NULL, 0, NULL);
	session_free(s->sess);
	s->sess = NULL;
}

/* --- handlers ------------------------------------------------------------------------ */

int
signer_h_get_policy(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_policy_reply m;
	struct cbuf json;
	int ret;

	if ((ret = proto_empty_decode(p, n)) != 0)
		return signer_bad_request(s, ret);
	cbuf_init(&json, PROTO_MAX_POLICY + 1);
	if ((ret = policy_to_json(&json, &s->sess->policy)) == 0) {
		m.json.p = json.p;
		m.json.len = json.len;
		ret = proto_policy_reply_encode(out, &m);
	}
	cbuf_free(&json);
	return ret;
}

int
signer_h_set_policy(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_set_policy req;
	struct signer_policy np, old;
	struct ks_secret *fresh = NULL;
	const struct ks_secret *use;
	char errmsg[POLICY_ERRMSG_LEN];
	uint8_t reqhash[32];
	int supplied, ret;

	(void)out;
	if ((ret = proto_set_policy_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	sha256(reqhash, req.json.p, req.json.len);
	/* The passphrase is required, and checked by decrypting the keystore:
	 * a stolen API token cannot raise a limit. */
	if (req.passphrase.kind == PROTO_SECRET_NONE) {
		signer_reason(s, "changing the policy needs the passphrase");
		ret = COFFER_ERR_SIGNER_NO_PASSPHRASE;
	} else {
		ret = signer_signing_secret(s, &fresh, &use, &supplied, &req.passphrase);
		ks_secret_free(fresh);
	}
	if (ret != 0) {
		(void)signer_session_note(s, AUDIT_POLICY_CHANGE, reqhash, ret, "passphrase not given or wrong");
		return ret;
	}
	if ((ret = policy_from_json(&np, errmsg, (const char *)req.json.p, req.json.len, s->cfg.network)) != 0) {
		signer_reason(s, "%s", errmsg);
		(void)signer_session_note(s, AUDIT_POLICY_CHANGE, reqhash, ret, errmsg);
		return ret;
	}
	if ((ret = audit_append(&s->sess->audit, NULL, &(struct audit_event){ .kind = AUDIT_POLICY_CHANGE,
	    .time = signer_now_wall(), .request = reqhash, .allowed = 1, .reason = "policy replaced" })) != 0) {
		signer_reason(s, "the audit record could not be written: policy unchanged");
		policy_free(&np);
		return ret;
	}
	old = s->sess->policy;
	s->sess->policy = np;
	if ((ret = signer_session_save(s)) != 0) {
		/* Not durable: keep the old policy in force, and say so in the log
		 * after the record that announced the change (best effort). */
		s->sess->policy = old;
		policy_free(&np);
		signer_reason(s, "the new policy could not be saved: policy unchanged");
		(void)signer_session_note(s, AUDIT_POLICY_CHANGE, reqhash, ret, s->reason);
		return ret;
	}
	policy_free(&old);
	return 0;
}

int
signer_h_read_audit(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_read_audit req;
	struct proto_read_audit_reply m;
	struct cbuf rec;
	char path[512];
	int ret;

	if ((ret = proto_read_audit_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	snprintf(path, sizeof(path), "%s/%s", s->cfg.dir, AUDIT_FILE);
	cbuf_init(&rec, PROTO_MAX_AUDIT);
	memset(&m, 0, sizeof(m));
	if ((ret = audit_read(&rec, &m.count, &m.next, path, req.from, req.max > 1000 ? 1000 : req.max)) == 0) {
		m.records.p = rec.p;
		m.records.len = rec.len;
		ret = proto_read_audit_reply_encode(out, &m);
	}
	cbuf_free(&rec);
	return ret;
}
