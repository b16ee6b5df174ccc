/*
 * The keystore's operations: create, restore, unlock, change passphrase,
 * status. Byte layout in keystore_format.c; see keystore.h.
 *
 * Key schedule (docs/KEYSTORE.md):
 *   master   = Argon2id(NFKD(passphrase), salt, opslimit, memlimit)  32 bytes
 *   aead key = HKDF-SHA256(master, "coffer", "coffer/v1/keystore/aead")
 *   kcv      = HKDF-SHA256(master, "coffer", "coffer/v1/keystore/check")
 * The key check value tells a wrong passphrase (kcv differs) from a damaged
 * file (kcv matches, the AEAD tag does not). It lets an attacker test a
 * passphrase guess no faster than the AEAD tag already does: each guess
 * still costs one Argon2id.
 */
#include "signer/keystore.h"
#include "signer/keystore_int.h"

#include <string.h>

#include <sodium.h>
#include <unistr.h>
#include <uninorm.h>

#include "btc/bip39.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/fileio.h"
#include "signer/kdf.h"

#define INFO_AEAD "coffer/v1/keystore/aead"
#define INFO_CHECK "coffer/v1/keystore/check"
/* Nothing this large is a keystore of any version (ours are KS_FILE_LEN). */
#define KS_READ_MAX (64 * 1024)

/* Everything secret an operation needs, in one guarded allocation. */
struct work {
	uint8_t master[32];
	uint8_t aead_key[32];
	uint8_t kcv[KS_KCV_LEN];
	uint8_t payload[KS_PAYLOAD_LEN];
	char mnemonic[BIP39_MNEMONIC_BUFSIZE];
	uint8_t *npass;		/* NFKD passphrase, secmem */
	size_t npasslen;
};

static int
work_new(struct work **out)
{
	*out = secmem_alloc(sizeof(**out));
	return *out != NULL ? 0 : COFFER_ERR_NOMEM;
}

static void
work_free(struct work *w)
{
	if (w == NULL)
		return;
	secmem_free(w->npass);
	secmem_free(w);	/* wipes */
}

int
ks_secret_new(struct ks_secret **out)
{
	*out = secmem_alloc(sizeof(**out));
	return *out != NULL ? 0 : COFFER_ERR_NOMEM;
}

void
ks_secret_free(struct ks_secret *s)
{
	secmem_free(s);
}

int
ks_secret_mnemonic(char *out, size_t outsize, const struct ks_secret *s)
{
	return bip39_mnemonic_from_entropy(out, outsize, s->entropy, s->entropy_len);
}

/*
 * Check the user's passphrase and normalise it to NFKD in secmem (w->npass),
 * so the same words typed on systems that compose accents differently give
 * the same key.
 */
static int
pass_normalise(struct work *w, const uint8_t *pass, size_t passlen)
{
	size_t cap, nlen;
	uint8_t *res;

	if (pass == NULL || passlen == 0 || passlen > KS_PASSPHRASE_MAX ||
	    memchr(pass, 0, passlen) != NULL || u8_check(pass, passlen) != NULL)
		return COFFER_ERR_KS_BAD_PASSPHRASE;
	/* NFKD may grow text (up to 18x for one code point); 4x covers real text. */
	cap = 4 * passlen + 64;
	if ((w->npass = secmem_alloc(cap)) == NULL)
		return COFFER_ERR_NOMEM;
	nlen = cap;
	if ((res = u8_normalize(UNINORM_NFKD, pass, passlen, w->npass, &nlen)) == NULL)
		return COFFER_ERR_NOMEM;
	if (res != w->npass) {
		/* Did not fit: libunistring returned heap memory. Move it, wipe it. */
		secmem_free(w->npass);
		if ((w->npass = secmem_alloc(nlen)) == NULL) {
			secure_free(res, nlen);
			return COFFER_ERR_NOMEM;
		}
		memcpy(w->npass, res, nlen);
		secure_free(res, nlen);
	}
	w->npasslen = nlen;
	return 0;
}

/* master, aead key and kcv from the normalised passphrase and the header. */
static int
derive(struct work *w, const struct ks_header *h)
{
	int ret;

	if (crypto_pwhash(w->master, sizeof(w->master), (const char *)w->npass, w->npasslen, h->salt,
	    h->kdf.opslimit, (size_t)h->kdf.memlimit_kib * 1024u, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return COFFER_ERR_NOMEM;	/* parameters are checked: memory is what fails */
	if ((ret = kdf_hkdf_sha256(w->aead_key, sizeof(w->aead_key), w->master, sizeof(w->master),
	    (const uint8_t *)KDF_SALT, strlen(KDF_SALT), (const uint8_t *)INFO_AEAD, strlen(INFO_AEAD))) != 0 ||
	    (ret = kdf_hkdf_sha256(w->kcv, sizeof(w->kcv), w->master, sizeof(w->master),
	    (const uint8_t *)KDF_SALT, strlen(KDF_SALT), (const uint8_t *)INFO_CHECK, strlen(INFO_CHECK))) != 0)
		return ret;
	secure_wipe(w->master, sizeof(w->master));
	return 0;
}

/* The seed of s's entropy and BIP39 passphrase. */
static int
compute_seed(struct work *w, struct ks_secret *s)
{
	int ret;

	if ((ret = bip39_mnemonic_from_entropy(w->mnemonic, sizeof(w->mnemonic), s->entropy,
	    s->entropy_len)) != 0)
		return ret;
	ret = bip39_mnemonic_to_seed(s->seed, w->mnemonic, s->bip39_pass);
	secure_wipe(w->mnemonic, sizeof(w->mnemonic));
	return ret;
}

/*
 * Encrypt s under w->npass with fresh salt and nonce and write the file:
 * create-only (never replacing a keystore) or replacing.
 */
static int
seal_and_write(struct work *w, const char *dir, const struct ks_secret *s,
    const struct ks_kdf_params *kdf, int replace)
{
	uint8_t file[KS_FILE_LEN];
	struct ks_header h;
	unsigned long long clen;
	int ret;

	memset(&h, 0, sizeof(h));
	h.version = KS_VERSION;
	h.kdf = *kdf;
	secure_random(h.salt, sizeof(h.salt));
	secure_random(h.nonce, sizeof(h.nonce));
	if ((ret = derive(w, &h)) != 0)
		goto out;
	memcpy(h.kcv, w->kcv, KS_KCV_LEN);
	if ((ret = ks_header_encode(file, &h)) != 0)
		goto out;
	ks_payload_encode(w->payload, s);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(file + KS_HEADER_LEN, &clen, w->payload,
	    KS_PAYLOAD_LEN, file, KS_HEADER_LEN, NULL, h.nonce, w->aead_key) != 0 ||
	    clen != KS_PAYLOAD_LEN + KS_TAG_LEN) {
		ret = COFFER_ERR_CRYPTO;
		goto out;
	}
	secure_wipe(w->payload, sizeof(w->payload));
	ret = replace ? fileio_write_atomic(dir, KS_FILE, file, sizeof(file)) :
	    fileio_create_atomic(dir, KS_FILE, file, sizeof(file));
	if (ret == COFFER_ERR_FILE_EXISTS)
		ret = COFFER_ERR_KS_EXISTS;
 out:
	secure_wipe(w->payload, sizeof(w->payload));
	secure_wipe(w->aead_key, sizeof(w->aead_key));
	return ret;
}

/* Read the keystore file into b and parse it. */
static int
read_file(struct cbuf *b, struct ks_header *h, const uint8_t **ct, const char *dir)
{
	int ret;

	memset(h, 0, sizeof(*h));
	*ct = NULL;
	if ((ret = fileio_read(b, dir, KS_FILE, KS_READ_MAX)) != 0) {
		if (ret == COFFER_ERR_NOT_FOUND)
			return COFFER_ERR_KS_MISSING;
		return ret == COFFER_ERR_TOO_LARGE ? COFFER_ERR_KS_FOREIGN : ret;
	}
	if ((ret = fileio_dir_check(dir)) != 0)
		return ret;
	return ks_file_parse(h, ct, b->p, b->len);
}

int
ks_status(struct ks_status *out, const char *dir)
{
	struct ks_header h;
	const uint8_t *ct;
	struct cbuf b;
	int ret;

	memset(out, 0, sizeof(*out));
	cbuf_init(&b, KS_READ_MAX);
	ret = read_file(&b, &h, &ct, dir);
	cbuf_free(&b);
	if (ret == COFFER_ERR_KS_MISSING)
		return 0;
	out->exists = ret != COFFER_ERR_IO;	/* anything else was read from the file */
	if (ret == 0) {
		out->version = h.version;
		out->kdf = h.kdf;
	}
	return ret;
}

/* Decrypt the keystore in dir into a new secret; *kdf gets the file's parameters. */
static int
unlock(struct ks_secret **out, struct ks_kdf_params *kdf, struct work *w, const char *dir,
    const uint8_t *pass, size_t passlen)
{
	struct ks_secret *s = NULL;
	struct ks_header h;
	const uint8_t *ct;
	struct cbuf b;
	unsigned long long plen;
	int ret;

	*out = NULL;
	cbuf_init(&b, KS_READ_MAX);
	if ((ret = pass_normalise(w, pass, passlen)) != 0 ||
	    (ret = read_file(&b, &h, &ct, dir)) != 0 ||
	    (ret = derive(w, &h)) != 0)
		goto out;
	if (!secure_equal(w->kcv, h.kcv, KS_KCV_LEN)) {
		ret = COFFER_ERR_KS_WRONG_PASSPHRASE;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(w->payload, &plen, NULL, ct,
	    KS_PAYLOAD_LEN + KS_TAG_LEN, b.p, KS_HEADER_LEN, h.nonce, w->aead_key) != 0 ||
	    plen != KS_PAYLOAD_LEN) {
		ret = COFFER_ERR_KS_TAMPERED;
		goto out;
	}
	if ((ret = ks_secret_new(&s)) != 0 ||
	    (ret = ks_payload_decode(s, w->payload)) != 0 ||
	    (ret = compute_seed(w, s)) != 0)
		goto out;
	*kdf = h.kdf;
	*out = s;
	s = NULL;
 out:
	cbuf_free(&b);
	secure_wipe(w->payload, sizeof(w->payload));
	secure_wipe(w->aead_key, sizeof(w->aead_key));
	ks_secret_free(s);
	return ret;
}

int
ks_unlock(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen)
{
	struct ks_kdf_params kdf;
	struct work *w = NULL;
	int ret;

	*out = NULL;
	if ((ret = work_new(&w)) == 0)
		ret = unlock(out, &kdf, w, dir, pass, passlen);
	work_free(w);
	return ret;
}

/* Shared tail of create and restore: s holds entropy and pass; add the seed, write. */
static int
create_common(struct ks_secret *s, struct work *w, const char *dir, const struct ks_kdf_params *kdf)
{
	int ret;

	if ((ret = compute_seed(w, s)) != 0)
		return ret;
	return seal_and_write(w, dir, s, kdf, 0);
}

/*
 * Checks every create/restore makes before any expensive or durable step
 * (so a refused create leaves the disk as it was); copies bip39_pass into s.
 */
static int
create_precheck(struct ks_kdf_params *kdf_out, struct ks_secret *s, struct work *w, const char *dir,
    const uint8_t *pass, size_t passlen, const char *bip39_pass, const struct ks_kdf_params *kdf)
{
	size_t blen;
	int ret;

	if (bip39_pass != NULL) {
		if ((blen = strnlen(bip39_pass, KS_BIP39_PASS_MAX + 1)) > KS_BIP39_PASS_MAX)
			return COFFER_ERR_TOO_LARGE;
		if (u8_check((const uint8_t *)bip39_pass, blen) != NULL)
			return COFFER_ERR_BAD_STRING;
		memcpy(s->bip39_pass, bip39_pass, blen);
		s->bip39_pass[blen] = '\0';
	}
	if (kdf != NULL)
		*kdf_out = *kdf;
	else
		ks_kdf_default(kdf_out);
	if ((ret = ks_kdf_check(kdf_out)) != 0 ||
	    (ret = pass_normalise(w, pass, passlen)) != 0 ||
	    (ret = fileio_dir_prepare(dir)) != 0)
		return ret;
	if ((ret = fileio_exists(dir, KS_FILE)) != 0)
		return ret == 1 ? COFFER_ERR_KS_EXISTS : ret;
	return 0;
}

int
ks_create(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen,
    unsigned words, const char *bip39_pass, const struct ks_kdf_params *kdf)
{
	struct ks_kdf_params params;
	struct ks_secret *s = NULL;
	struct work *w = NULL;
	int ret;

	*out = NULL;
	if (words < 12 || words > 24 || words % 3 != 0)
		return COFFER_ERR_MNEMONIC_LENGTH;
	if ((ret = work_new(&w)) != 0 ||
	    (ret = ks_secret_new(&s)) != 0 ||
	    (ret = create_precheck(&params, s, w, dir, pass, passlen, bip39_pass, kdf)) != 0)
		goto out;
	s->entropy_len = (size_t)words / 3 * 4;
	secure_random(s->entropy, s->entropy_len);
	if ((ret = create_common(s, w, dir, &params)) != 0)
		goto out;
	*out = s;
	s = NULL;
 out:
	ks_secret_free(s);
	work_free(w);
	return ret;
}

int
ks_restore(struct ks_secret **out, const char *dir, const uint8_t *pass, size_t passlen,
    const char *mnemonic, const char *bip39_pass, const struct ks_kdf_params *kdf)
{
	struct ks_kdf_params params;
	struct ks_secret *s = NULL;
	struct work *w = NULL;
	int ret;

	*out = NULL;
	if (mnemonic == NULL)
		return COFFER_ERR_BAD_MNEMONIC;
	if ((ret = ks_secret_new(&s)) != 0 ||
	    (ret = bip39_mnemonic_to_entropy(s->entropy, sizeof(s->entropy), &s->entropy_len,
	    mnemonic)) != 0 ||
	    (ret = work_new(&w)) != 0 ||
	    (ret = create_precheck(&params, s, w, dir, pass, passlen, bip39_pass, kdf)) != 0 ||
	    (ret = create_common(s, w, dir, &params)) != 0)
		goto out;
	*out = s;
	s = NULL;
 out:
	ks_secret_free(s);
	work_free(w);
	return ret;
}

int
ks_change_passphrase(const char *dir, const uint8_t *oldpass, size_t oldlen,
    const uint8_t *newpass, size_t newlen, const struct ks_kdf_params *kdf)
{
	struct ks_kdf_params params;
	struct ks_secret *s = NULL;
	struct work *w = NULL, *wn = NULL;
	int ret;

	if (kdf != NULL && (ret = ks_kdf_check(kdf)) != 0)
		return ret;
	/* Check the new passphrase before spending an Argon2id on the old one. */
	if ((ret = work_new(&wn)) != 0 ||
	    (ret = pass_normalise(wn, newpass, newlen)) != 0 ||
	    (ret = work_new(&w)) != 0 ||
	    (ret = unlock(&s, &params, w, dir, oldpass, oldlen)) != 0)
		goto out;
	if (kdf != NULL)
		params = *kdf;
	ret = seal_and_write(wn, dir, s, &params, 1);
 out:
	ks_secret_free(s);
	work_free(w);
	work_free(wn);
	return ret;
}
