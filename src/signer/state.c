/* The sealed state file: seal/open in memory, save/load on disk; see state.h. */
#include "signer/state.h"

#include <string.h>

#include <sodium.h>

#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/fileio.h"
#include "signer/kdf.h"

#define INFO_AEAD "coffer/v1/state/aead"
#define INFO_KEYID "coffer/v1/state/key-id"
#define CHECKED_LEN (STATE_HEADER_LEN - STATE_CHECK_LEN)
#define CT_MIN (STATE_PLAIN_FIXED + STATE_TAG_LEN)
#define CT_MAX (STATE_PLAIN_FIXED + STATE_BLOB_MAX + STATE_TAG_LEN)

/* The AEAD key and the key id, both from the state key. */
struct keys {
	uint8_t aead[32];
	uint8_t id[32];
};

static int
derive(struct keys *k, const uint8_t key[STATE_KEY_LEN])
{
	int ret;

	if ((ret = kdf_hkdf_sha256(k->aead, sizeof(k->aead), key, STATE_KEY_LEN,
	    (const uint8_t *)KDF_SALT, strlen(KDF_SALT), (const uint8_t *)INFO_AEAD, strlen(INFO_AEAD))) != 0 ||
	    (ret = kdf_hkdf_sha256(k->id, sizeof(k->id), key, STATE_KEY_LEN,
	    (const uint8_t *)KDF_SALT, strlen(KDF_SALT), (const uint8_t *)INFO_KEYID, strlen(INFO_KEYID))) != 0)
		return ret;
	return 0;
}

static void
header_check(uint8_t out[STATE_CHECK_LEN], const uint8_t *hdr)
{
	uint8_t h[32];

	sha256(h, hdr, CHECKED_LEN);
	memcpy(out, h, STATE_CHECK_LEN);
}

int
state_seal(struct cbuf *file, const uint8_t key[STATE_KEY_LEN], const uint8_t *blob, size_t bloblen,
    const uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t audit_seq)
{
	struct keys *k = NULL;
	struct cbuf plain;
	uint8_t hdr[STATE_HEADER_LEN], nonce[STATE_NONCE_LEN];
	unsigned long long clen;
	size_t start = file->len, ctlen;
	int ret;

	if (bloblen > STATE_BLOB_MAX)
		return COFFER_ERR_TOO_LARGE;
	if ((blob == NULL && bloblen > 0) || key == NULL || audit_head == NULL)
		return COFFER_ERR_INVALID_ARG;
	cbuf_init_secret(&plain, STATE_PLAIN_FIXED + STATE_BLOB_MAX);
	/* Sized once: a growing secret buffer is copied and wiped at each step. */
	if ((ret = cbuf_reserve(&plain, STATE_PLAIN_FIXED + bloblen)) != 0)
		goto out;
	if ((k = secmem_alloc(sizeof(*k))) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = derive(k, key)) != 0)
		goto out;
	if ((ret = cbuf_put(&plain, audit_head, STATE_AUDIT_HEAD_LEN)) != 0 ||
	    (ret = cbuf_put_u64le(&plain, audit_seq)) != 0 ||
	    (ret = cbuf_put_u32le(&plain, (uint32_t)bloblen)) != 0 ||
	    (ret = cbuf_put(&plain, blob, bloblen)) != 0)
		goto out;
	ctlen = plain.len + STATE_TAG_LEN;
	secure_random(nonce, sizeof(nonce));
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, STATE_MAGIC, STATE_MAGIC_LEN);
	hdr[8] = STATE_VERSION;
	hdr[12] = (uint8_t)ctlen;
	hdr[13] = (uint8_t)(ctlen >> 8);
	hdr[14] = (uint8_t)(ctlen >> 16);
	hdr[15] = (uint8_t)(ctlen >> 24);
	memcpy(hdr + 16, k->id, STATE_KEYID_LEN);
	memcpy(hdr + 32, nonce, STATE_NONCE_LEN);
	header_check(hdr + CHECKED_LEN, hdr);
	if ((ret = cbuf_put(file, hdr, sizeof(hdr))) != 0 ||
	    (ret = cbuf_reserve(file, ctlen)) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(file->p + file->len, &clen, plain.p, plain.len,
	    hdr, sizeof(hdr), NULL, nonce, k->aead) != 0 || clen != ctlen) {
		ret = COFFER_ERR_CRYPTO;
		goto out;
	}
	file->len += ctlen;
	ret = 0;
 out:
	if (ret != 0)
		file->len = start;
	cbuf_free(&plain);
	secmem_free(k);
	return ret;
}

/* Header checks, in the order that names the problem best (as the keystore's). */
static int
parse_header(size_t *ctlen, const uint8_t **id, const uint8_t **nonce, const uint8_t *file, size_t len)
{
	struct creader r;
	const uint8_t *magic;
	uint8_t check[STATE_CHECK_LEN];
	uint16_t version, flags;
	uint32_t n;

	if (len < STATE_MAGIC_LEN)
		return len == 0 || memcmp(file, STATE_MAGIC, len) == 0 ?
		    COFFER_ERR_STATE_TRUNCATED : COFFER_ERR_STATE_FOREIGN;
	creader_init(&r, file, len);
	if (creader_get_ptr(&r, &magic, STATE_MAGIC_LEN) != 0)
		return COFFER_ERR_STATE_TRUNCATED;
	if (memcmp(magic, STATE_MAGIC, STATE_MAGIC_LEN) != 0)
		return COFFER_ERR_STATE_FOREIGN;
	if (creader_get_u16le(&r, &version) != 0)
		return COFFER_ERR_STATE_TRUNCATED;
	if (version != STATE_VERSION)
		return COFFER_ERR_STATE_VERSION;
	if (len < STATE_HEADER_LEN)
		return COFFER_ERR_STATE_TRUNCATED;
	header_check(check, file);
	if (!secure_equal(check, file + CHECKED_LEN, STATE_CHECK_LEN))
		return COFFER_ERR_STATE_TAMPERED;
	if (creader_get_u16le(&r, &flags) != 0 || creader_get_u32le(&r, &n) != 0 ||
	    creader_get_ptr(&r, id, STATE_KEYID_LEN) != 0 ||
	    creader_get_ptr(&r, nonce, STATE_NONCE_LEN) != 0 ||
	    creader_skip(&r, STATE_CHECK_LEN) != 0)
		return COFFER_ERR_STATE_TRUNCATED;	/* unreachable: len >= header */
	if (flags != 0 || n < CT_MIN || n > CT_MAX)
		return COFFER_ERR_STATE_MALFORMED;
	if (creader_remaining(&r) < n)
		return COFFER_ERR_STATE_TRUNCATED;
	if (creader_remaining(&r) > n)
		return COFFER_ERR_STATE_MALFORMED;
	*ctlen = n;
	return 0;
}

int
state_open(struct cbuf *blob, uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t *audit_seq,
    const uint8_t *file, size_t len, const uint8_t key[STATE_KEY_LEN])
{
	struct keys *k = NULL;
	const uint8_t *id = NULL, *nonce = NULL, *b;
	uint8_t *plain = NULL;
	unsigned long long plen;
	struct creader r;
	size_t ctlen = 0, start = blob->len;
	uint32_t blen;
	int ret;

	secure_wipe(audit_head, STATE_AUDIT_HEAD_LEN);
	*audit_seq = 0;
	if ((file == NULL && len > 0) || key == NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = parse_header(&ctlen, &id, &nonce, file, len)) != 0)
		goto out;
	if ((k = secmem_alloc(sizeof(*k))) == NULL || (plain = secmem_alloc(ctlen)) == NULL) {
		ret = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((ret = derive(k, key)) != 0)
		goto out;
	if (!secure_equal(k->id, id, STATE_KEYID_LEN)) {
		ret = COFFER_ERR_STATE_WRONG_KEY;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, file + STATE_HEADER_LEN, ctlen,
	    file, STATE_HEADER_LEN, nonce, k->aead) != 0) {
		ret = COFFER_ERR_STATE_TAMPERED;
		goto out;
	}
	ret = COFFER_ERR_STATE_MALFORMED;
	creader_init(&r, plain, (size_t)plen);
	if (creader_get_bytes(&r, audit_head, STATE_AUDIT_HEAD_LEN) != 0 ||
	    creader_get_u64le(&r, audit_seq) != 0 ||
	    creader_get_u32le(&r, &blen) != 0 ||
	    creader_get_ptr(&r, &b, blen) != 0 ||
	    creader_expect_end(&r) != 0)
		goto out;
	if ((ret = cbuf_put(blob, b, blen)) != 0)
		goto out;
	ret = 0;
 out:
	if (ret != 0) {
		if (blob->p != NULL && blob->secret)
			secure_wipe(blob->p + start, blob->len - start);
		blob->len = start;
		secure_wipe(audit_head, STATE_AUDIT_HEAD_LEN);
		*audit_seq = 0;
	}
	secmem_free(plain);
	secmem_free(k);
	return ret;
}

int
state_save(const char *dir, const uint8_t key[STATE_KEY_LEN], const uint8_t *blob, size_t bloblen,
    const uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t audit_seq)
{
	struct cbuf file;
	int ret;

	cbuf_init(&file, STATE_FILE_MAX);
	if ((ret = fileio_dir_check(dir)) == 0 &&
	    (ret = state_seal(&file, key, blob, bloblen, audit_head, audit_seq)) == 0)
		ret = fileio_write_atomic(dir, STATE_FILE, file.p, file.len);
	cbuf_free(&file);
	return ret;
}

int
state_load(struct cbuf *blob, uint8_t audit_head[STATE_AUDIT_HEAD_LEN], uint64_t *audit_seq,
    const char *dir, const uint8_t key[STATE_KEY_LEN])
{
	struct cbuf file;
	int ret;

	secure_wipe(audit_head, STATE_AUDIT_HEAD_LEN);
	*audit_seq = 0;
	cbuf_init(&file, STATE_FILE_MAX);
	if ((ret = fileio_read(&file, dir, STATE_FILE, STATE_FILE_MAX)) != 0) {
		if (ret == COFFER_ERR_NOT_FOUND)
			ret = COFFER_ERR_STATE_MISSING;
		else if (ret == COFFER_ERR_TOO_LARGE)
			ret = COFFER_ERR_STATE_MALFORMED;
		goto out;
	}
	if ((ret = fileio_dir_check(dir)) != 0)
		goto out;
	ret = state_open(blob, audit_head, audit_seq, file.p, file.len, key);
 out:
	cbuf_free(&file);
	return ret;
}

int
state_exists(const char *dir)
{
	return fileio_exists(dir, STATE_FILE);
}
