/*
 * Keystore handlers: create, restore, unlock, the storage key and the
 * account descriptors. The keystore itself (format, Argon2id, atomic writes)
 * is keystore.c; these only move secrets between the frame and it, in
 * guarded memory, and wipe them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "btc/bip32.h"
#include "btc/bip39.h"
#include "btc/descriptor.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/kdf.h"
#include "signer/keystore.h"
#include "signer/signer_int.h"
#include "signer/signer_wallet.h"

static void
kdf_params(struct ks_kdf_params *kdf, const struct signer *s)
{
	ks_kdf_default(kdf);
	if (s->cfg.kdf_opslimit != 0)
		kdf->opslimit = s->cfg.kdf_opslimit;
	if (s->cfg.kdf_memlimit_kib != 0)
		kdf->memlimit_kib = s->cfg.kdf_memlimit_kib;
}

/* An optional BIP39 passphrase: NULL when the field is absent. */
static int
open_bip39_pass(struct signer *s, const char **out, const struct proto_secret *in, unsigned int slot)
{
	const uint8_t *p;
	size_t n;
	int ret;

	*out = NULL;
	if (in->kind == PROTO_SECRET_NONE)
		return 0;
	if ((ret = signer_secret_open(s, &p, &n, in, slot, 1)) != 0)
		return ret;
	*out = (const char *)p;
	return 0;
}

/*
 * A keystore whose sealed state could not be written is unusable (unlock
 * needs the state, and must never recreate it: deleting the state file would
 * then reset the policy). Nobody has seen its mnemonic yet, or (restore) the
 * user still holds it: remove it, so the signer is uninitialized again.
 */
static int
undo_keystore(struct signer *s, int why)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", s->cfg.dir, KS_FILE);
	if (unlink(path) == 0)
		s->has_keystore = 0;
	signer_reason(s, "the wallet's sealed state could not be written (%s): nothing was created",
	    coffer_err_name(why));
	return why;
}

/* Mnemonic as typed -> words separated by single spaces, lower case (in place). */
static void
normalise_mnemonic(uint8_t *m, size_t n)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < n; i++) {
		if (isspace(m[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			m[o++] = ' ';
		space = 0;
		m[o++] = (uint8_t)tolower(m[i]);
	}
	secure_wipe(m + o, n - o);
}

int
signer_h_create(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_create req;
	struct proto_create_reply rep;
	struct ks_kdf_params kdf;
	struct ks_secret *sec = NULL;
	const uint8_t *pass;
	const char *bpass;
	uint8_t probe[crypto_box_SEALBYTES + 1], *box = NULL;
	char *mn = NULL;
	size_t passlen, mlen;
	int ret;

	if ((ret = proto_create_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	if (req.words != 12 && req.words != 24) {
		signer_reason(s, "a new mnemonic has 12 or 24 words");
		return COFFER_ERR_MNEMONIC_LENGTH;
	}
	/* Refuse an unusable reply key before the keystore exists: the mnemonic
	 * is shown once, and must not be lost to a failed seal. */
	if (req.seal_reply && crypto_box_seal(probe, (const uint8_t *)"", 1, req.reply_pubkey) != 0) {
		signer_reason(s, "the reply key is not a usable X25519 public key");
		return COFFER_ERR_INVALID_ARG;
	}
	if ((ret = signer_secret_open(s, &pass, &passlen, &req.passphrase, 0, 0)) != 0 ||
	    (ret = open_bip39_pass(s, &bpass, &req.bip39_pass, 1)) != 0)
		goto out;
	kdf_params(&kdf, s);
	if ((ret = ks_create(&sec, s->cfg.dir, pass, passlen, req.words, bpass, &kdf)) != 0)
		goto out;
	s->has_keystore = 1;
	if ((ret = signer_session_create(s, sec, AUDIT_CREATE)) != 0) {
		ret = undo_keystore(s, ret);
		goto out;
	}
	if ((mn = secmem_alloc(BIP39_MNEMONIC_BUFSIZE)) == NULL ||
	    (box = secmem_alloc(BIP39_MNEMONIC_BUFSIZE + crypto_box_SEALBYTES)) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = ks_secret_mnemonic(mn, BIP39_MNEMONIC_BUFSIZE, sec)) != 0)
		goto out;
	mlen = strlen(mn);
	memset(&rep, 0, sizeof(rep));
	if (req.seal_reply) {
		if (crypto_box_seal(box, (const uint8_t *)mn, mlen, req.reply_pubkey) != 0) {
			ret = COFFER_ERR_CRYPTO;
			goto out;
		}
		rep.sealed = 1;
		rep.mnemonic.p = box;
		rep.mnemonic.len = mlen + crypto_box_SEALBYTES;
	} else {
		rep.mnemonic.p = (const uint8_t *)mn;
		rep.mnemonic.len = mlen;
	}
	ret = proto_create_reply_encode(out, &rep);	/* out is the guarded reply buffer */
out:
	/* Created or not, the signer stays locked: unlocking is a separate step. */
	ks_secret_free(sec);
	secmem_free(mn);
	secmem_free(box);
	return ret;
}

int
signer_h_restore(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_restore req;
	struct ks_kdf_params kdf;
	struct ks_secret *sec = NULL;
	const uint8_t *pass, *mn;
	const char *bpass;
	size_t passlen, mlen;
	int ret;

	(void)out;
	if ((ret = proto_restore_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	if ((ret = signer_secret_open(s, &pass, &passlen, &req.passphrase, 0, 0)) != 0 ||
	    (ret = signer_secret_open(s, &mn, &mlen, &req.mnemonic, 1, 1)) != 0 ||
	    (ret = open_bip39_pass(s, &bpass, &req.bip39_pass, 2)) != 0)
		goto out;
	normalise_mnemonic((uint8_t *)(uintptr_t)mn, mlen);
	kdf_params(&kdf, s);
	if ((ret = ks_restore(&sec, s->cfg.dir, pass, passlen, (const char *)mn, bpass, &kdf)) != 0)
		goto out;
	s->has_keystore = 1;
	if ((ret = signer_session_create(s, sec, AUDIT_RESTORE)) != 0)
		ret = undo_keystore(s, ret);
out:
	ks_secret_free(sec);
	return ret;
}

int
signer_h_unlock(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_unlock req;
	const uint8_t *pass;
	size_t passlen;
	int ret;

	(void)out;
	if ((ret = proto_unlock_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	if ((ret = signer_secret_open(s, &pass, &passlen, &req.passphrase, 0, 0)) != 0)
		return ret;
	if ((ret = signer_unlock_passphrase(s, pass, passlen)) != 0)
		return ret;
	s->expiry = req.timeout != 0 ? signer_now_boot() + req.timeout : 0;
	return 0;
}

int
signer_unlock_passphrase(struct signer *s, const uint8_t *pass, size_t passlen)
{
	struct ks_secret *sec = NULL;
	int ret;

	if ((ret = ks_unlock(&sec, s->cfg.dir, pass, passlen)) != 0)
		return ret;
	/* Unlocking again (a new timeout) replaces the session. */
	signer_lock(s);
	if ((ret = signer_session_open(s, sec)) != 0) {
		ks_secret_free(sec);
		return ret;
	}
	s->secret = sec;
	if ((ret = signer_session_note(s, AUDIT_UNLOCK, NULL, 0, NULL)) != 0) {
		signer_reason(s, "the audit record could not be written: staying locked");
		signer_lock(s);
		return ret;
	}
	s->expiry = 0;
	return 0;
}

int
signer_h_storage_key(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_storage_key_reply *m;
	int ret;

	if ((ret = proto_empty_decode(p, n)) != 0)
		return signer_bad_request(s, ret);
	if ((ret = signer_session_note(s, AUDIT_STORAGE_KEY, NULL, 0, NULL)) != 0) {
		signer_reason(s, "the audit record could not be written: key not released");
		return ret;
	}
	if ((m = secmem_alloc(sizeof(*m))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((ret = kdf_storage_key(m->key, s->secret->seed)) == 0)
		ret = proto_storage_key_reply_encode(out, m);
	secmem_free(m);
	return ret;
}

/* --- account descriptors -------------------------------------------------------- */

static const struct {
	uint8_t type;
	uint32_t purpose;
	const char *pre, *post;
} account_types[] = {
	{ PROTO_ACCOUNT_WPKH, 84, "wpkh(", ")" },
	{ PROTO_ACCOUNT_TR, 86, "tr(", ")" },
	{ PROTO_ACCOUNT_SH_WPKH, 49, "sh(wpkh(", "))" },
};

int
signer_account_descriptor(struct cbuf *desc, char xpub[BIP32_XKEY_BUFSIZE],
    const struct bip32_key *master, uint8_t type, uint32_t account, enum btc_network net)
{
	struct bip32_key *acct = NULL;
	struct descriptor *d = NULL;
	struct cbuf text;
	uint32_t path[3];
	uint8_t fp[4];
	char head[64], fphex[9];
	size_t t;
	int ret;

	xpub[0] = '\0';
	for (t = 0; t < sizeof(account_types) / sizeof(account_types[0]); t++)
		if (account_types[t].type == type)
			break;
	if (t == sizeof(account_types) / sizeof(account_types[0]))
		return COFFER_ERR_INVALID_ARG;
	cbuf_init(&text, PROTO_MAX_DESCRIPTOR);
	if ((acct = bip32_key_new()) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = bip32_account_path(path, account_types[t].purpose, net, account)) != 0 ||
	    (ret = bip32_derive_path(acct, master, path, 3)) != 0 ||
	    (ret = bip32_xpub_encode(xpub, acct)) != 0)
		goto out;
	bip32_fingerprint(fp, master);
	hex_encode(fphex, sizeof(fphex), fp, 4);
	snprintf(head, sizeof(head), "[%s/%uh/%uh/%uh]", fphex, path[0] & ~BIP32_HARDENED,
	    path[1] & ~BIP32_HARDENED, path[2] & ~BIP32_HARDENED);
	if ((ret = cbuf_put_str(&text, account_types[t].pre)) != 0 ||
	    (ret = cbuf_put_str(&text, head)) != 0 || (ret = cbuf_put_str(&text, xpub)) != 0 ||
	    (ret = cbuf_put_str(&text, "/<0;1>/*")) != 0 ||
	    (ret = cbuf_put_str(&text, account_types[t].post)) != 0)
		goto out;
	/* Parse what we built: canonical form and checksum in one place. */
	if ((ret = desc_parse(&d, (const char *)text.p, text.len, net)) != 0 ||
	    (ret = desc_to_string(desc, d, DESC_ALL_PATHS, DESC_STR_PUBLIC)) != 0)
		goto out;
out:
	if (ret != 0)
		xpub[0] = '\0';
	desc_free(d);
	cbuf_free(&text);
	bip32_key_free(acct);
	return ret;
}

int
signer_master_key(struct bip32_key **out, const struct ks_secret *sec, enum btc_network net)
{
	struct bip32_key *k;
	int ret;

	*out = NULL;
	if ((k = bip32_key_new()) == NULL)
		return COFFER_ERR_NOMEM;
	if ((ret = bip32_master_from_seed(k, sec->seed, sizeof(sec->seed), net)) != 0) {
		bip32_key_free(k);
		return ret;
	}
	*out = k;
	return 0;
}

int
signer_h_descriptors(struct signer *s, struct cbuf *out, const uint8_t *p, size_t n)
{
	struct proto_descriptors req;
	struct proto_descriptors_reply rep;
	struct bip32_key *master = NULL;
	struct cbuf desc[PROTO_MAX_DESCRIPTORS];
	char xpub[PROTO_MAX_DESCRIPTORS][BIP32_XKEY_BUFSIZE];
	size_t i;
	int ret;

	if ((ret = proto_descriptors_decode(&req, p, n)) != 0)
		return signer_bad_request(s, ret);
	if (req.account >= BIP32_HARDENED) {
		signer_reason(s, "account must be below 2^31");
		return COFFER_ERR_INVALID_ARG;
	}
	memset(&rep, 0, sizeof(rep));
	for (i = 0; i < PROTO_MAX_DESCRIPTORS; i++)
		cbuf_init(&desc[i], PROTO_MAX_DESCRIPTOR + 1);
	if ((ret = signer_master_key(&master, s->secret, s->cfg.network)) != 0)
		goto out;
	bip32_fingerprint(rep.fingerprint, master);
	for (i = 0; i < PROTO_MAX_DESCRIPTORS; i++) {
		if ((ret = signer_account_descriptor(&desc[i], xpub[i], master, account_types[i].type,
		    req.account, s->cfg.network)) != 0)
			goto out;
		rep.d[i].type = account_types[i].type;
		rep.d[i].descriptor.p = desc[i].p;
		rep.d[i].descriptor.len = desc[i].len;
		rep.d[i].xpub.p = (const uint8_t *)xpub[i];
		rep.d[i].xpub.len = strlen(xpub[i]);
	}
	rep.n = PROTO_MAX_DESCRIPTORS;
	ret = proto_descriptors_reply_encode(out, &rep);
out:
	for (i = 0; i < PROTO_MAX_DESCRIPTORS; i++)
		cbuf_free(&desc[i]);
	bip32_key_free(master);
	return ret;
}

int
signer_signing_secret(struct signer *s, struct ks_secret **fresh, const struct ks_secret **use,
    int *pass_supplied, const struct proto_secret *pass)
{
	const uint8_t *pw;
	size_t pwlen;
	int ret;

	*fresh = NULL;
	*use = s->secret;
	*pass_supplied = 0;
	if (pass->kind == PROTO_SECRET_NONE)
		return 0;
	/* Per-signature mode: the keystore decrypted for this request only;
	 * a wrong passphrase refuses the request. */
	if ((ret = signer_secret_open(s, &pw, &pwlen, pass, 0, 0)) != 0 ||
	    (ret = ks_unlock(fresh, s->cfg.dir, pw, pwlen)) != 0)
		return ret;
	if (!secure_equal((*fresh)->seed, s->secret->seed, sizeof((*fresh)->seed))) {
		/* The keystore changed under the session: refuse to mix wallets. */
		ks_secret_free(*fresh);
		*fresh = NULL;
		return COFFER_ERR_INTERNAL;
	}
	*use = *fresh;
	*pass_supplied = 1;
	return 0;
}
