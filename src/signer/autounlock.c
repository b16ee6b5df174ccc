/* Unattended unlock: a sealed key over an encrypted passphrase (autounlock.h). */
#include "signer/autounlock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/fileio.h"

#define MAGIC "COFFAUTO"
#define VERSION 1
#define KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define FILE_MAX (64u + SEAL_BLOB_MAX + NONCE_LEN + AUTOUNLOCK_PASS_MAX + TAG_LEN)

int
autounlock_enroll(const char *dir, const struct seal_backend *b, const uint8_t *pass, size_t passlen)
{
	uint8_t *key = NULL, nonce[NONCE_LEN];
	uint8_t ct[AUTOUNLOCK_PASS_MAX + TAG_LEN];
	unsigned long long ctlen = 0;
	struct cbuf sealed, file;
	size_t namelen = strlen(b->name);
	int ret;

	if (passlen == 0 || passlen > AUTOUNLOCK_PASS_MAX || namelen == 0 || namelen > 32)
		return COFFER_ERR_INVALID_ARG;
	if ((key = secmem_alloc(KEY_LEN)) == NULL)
		return COFFER_ERR_NOMEM;
	cbuf_init(&sealed, SEAL_BLOB_MAX);
	cbuf_init(&file, FILE_MAX);
	secure_random(key, KEY_LEN);
	secure_random(nonce, sizeof(nonce));
	if ((ret = b->seal(b->ctx, &sealed, key, KEY_LEN)) != 0)
		goto out;
	if ((ret = cbuf_put(&file, (const uint8_t *)MAGIC, 8)) != 0 || (ret = cbuf_put_u8(&file, VERSION)) != 0 ||
	    (ret = cbuf_put_u8(&file, (uint8_t)namelen)) != 0 ||
	    (ret = cbuf_put(&file, (const uint8_t *)b->name, namelen)) != 0 ||
	    (ret = cbuf_put_u32le(&file, (uint32_t)sealed.len)) != 0 || (ret = cbuf_put(&file, sealed.p, sealed.len)) != 0 ||
	    (ret = cbuf_put(&file, nonce, sizeof(nonce))) != 0 ||
	    (ret = cbuf_put_u32le(&file, (uint32_t)(passlen + TAG_LEN))) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, pass, passlen, file.p, file.len, NULL, nonce,
	    key) != 0) {
		ret = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((ret = cbuf_put(&file, ct, (size_t)ctlen)) != 0)
		goto out;
	ret = fileio_write_atomic(dir, AUTOUNLOCK_FILE, file.p, file.len);
out:
	secmem_free(key);
	cbuf_free(&sealed);
	cbuf_free(&file);
	return ret;
}

static void say(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int
autounlock_open(uint8_t *pass, size_t passsize, size_t *passlen, char *why, size_t whylen, const char *dir,
    const struct seal_backend *b)
{
	struct cbuf file;
	int ret;

	secure_wipe(pass, passsize);
	*passlen = 0;
	if (whylen > 0)
		why[0] = '\0';
	cbuf_init(&file, FILE_MAX);
	if ((ret = fileio_read(&file, dir, AUTOUNLOCK_FILE, FILE_MAX)) != 0)
		say(why, whylen, ret == COFFER_ERR_NOT_FOUND ? "auto-unlock is not enrolled (no %s file)%s" :
		    "the %s file cannot be read%s", AUTOUNLOCK_FILE, "");
	else
		ret = autounlock_open_bytes(pass, passsize, passlen, why, whylen, file.p, file.len, b);
	cbuf_free(&file);
	return ret;
}

int
autounlock_open_bytes(uint8_t *pass, size_t passsize, size_t *passlen, char *why, size_t whylen,
    const uint8_t *file, size_t filelen, const struct seal_backend *b)
{
	struct creader r;
	const uint8_t *magic, *name, *blob, *nonce, *ct;
	uint8_t version, namelen, *key = NULL;
	uint32_t bloblen, ctlen;
	size_t keylen = 0, adlen;
	unsigned long long ptlen = 0;
	char bname[33];
	int ret;

	secure_wipe(pass, passsize);
	*passlen = 0;
	if (whylen > 0)
		why[0] = '\0';
	creader_init(&r, file, filelen);
	ret = COFFER_ERR_SEAL_FOREIGN;
	if (creader_get_ptr(&r, &magic, 8) != 0 || memcmp(magic, MAGIC, 8) != 0 ||
	    creader_get_u8(&r, &version) != 0 || version != VERSION || creader_get_u8(&r, &namelen) != 0 ||
	    namelen == 0 || namelen > 32 || creader_get_ptr(&r, &name, namelen) != 0 ||
	    memchr(name, '\0', namelen) != NULL || creader_get_u32le(&r, &bloblen) != 0 || bloblen > SEAL_BLOB_MAX ||
	    creader_get_ptr(&r, &blob, bloblen) != 0 || creader_get_ptr(&r, &nonce, NONCE_LEN) != 0) {
		say(why, whylen, "the %s file is malformed%s", AUTOUNLOCK_FILE, "");
		goto out;
	}
	adlen = r.off + 4;
	if (creader_get_u32le(&r, &ctlen) != 0 || ctlen <= TAG_LEN || ctlen > AUTOUNLOCK_PASS_MAX + TAG_LEN ||
	    creader_get_ptr(&r, &ct, ctlen) != 0 || creader_expect_end(&r) != 0) {
		say(why, whylen, "the %s file is malformed%s", AUTOUNLOCK_FILE, "");
		goto out;
	}
	memcpy(bname, name, namelen);
	bname[namelen] = '\0';
	if (strcmp(bname, b->name) != 0) {
		say(why, whylen, "auto-unlock was sealed with %s, but this signer seals with %s", bname, b->name);
		goto out;
	}
	if (ctlen - TAG_LEN > passsize) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	if ((key = secmem_alloc(SEAL_SECRET_MAX)) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = b->unseal(b->ctx, key, SEAL_SECRET_MAX, &keylen, blob, bloblen)) != 0) {
		say(why, whylen, ret == COFFER_ERR_SEAL_MISMATCH ?
		    "the %s seal does not open on this platform state (another machine, or its measured boot or "
		    "measurement changed since enrollment)%s" : ret == COFFER_ERR_UNSUPPORTED ?
		    "no %s device here to unseal with%s" : "unsealing with %s failed%s", b->name, "");
		goto out;
	}
	if (keylen != KEY_LEN ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(pass, &ptlen, NULL, ct, ctlen, file, adlen, nonce, key) != 0) {
		secure_wipe(pass, passsize);
		ret = COFFER_ERR_SEAL_MISMATCH;
		say(why, whylen, "the %s file was altered (its passphrase does not decrypt)%s", AUTOUNLOCK_FILE, "");
		goto out;
	}
	*passlen = (size_t)ptlen;
	ret = 0;
out:
	if (key != NULL)
		secmem_free(key);
	return ret;
}
