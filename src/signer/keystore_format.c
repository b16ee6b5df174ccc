/*
 * The keystore's byte layout: header encode/parse (hostile input), the
 * encrypted payload, and the Argon2id parameter bounds. See keystore.h and
 * docs/KEYSTORE.md.
 */
#include "signer/keystore.h"
#include "signer/keystore_int.h"

#include <string.h>

#include "btc/hash.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

#define KS_CHECKED_LEN (KS_HEADER_LEN - KS_CHECK_LEN)

void
ks_kdf_default(struct ks_kdf_params *out)
{
	out->opslimit = KS_KDF_DEFAULT_OPSLIMIT;
	out->memlimit_kib = KS_KDF_DEFAULT_MEMLIMIT_KIB;
}

int
ks_kdf_check(const struct ks_kdf_params *p)
{
	if (p->opslimit < KS_KDF_OPSLIMIT_MIN || p->opslimit > KS_KDF_OPSLIMIT_MAX ||
	    p->memlimit_kib < KS_KDF_MEMLIMIT_KIB_MIN || p->memlimit_kib > KS_KDF_MEMLIMIT_KIB_MAX)
		return COFFER_ERR_KS_KDF_PARAMS;
	/* Both factors are bounded above, so the product fits in 64 bits. */
	if ((uint64_t)p->opslimit * p->memlimit_kib > KS_KDF_WORK_KIB_MAX)
		return COFFER_ERR_KS_KDF_PARAMS;
	return 0;
}

static void
put_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
header_check(uint8_t out[KS_CHECK_LEN], const uint8_t *hdr)
{
	uint8_t h[32];

	sha256(h, hdr, KS_CHECKED_LEN);
	memcpy(out, h, KS_CHECK_LEN);
}

int
ks_header_encode(uint8_t out[KS_HEADER_LEN], const struct ks_header *h)
{
	int ret;

	memset(out, 0, KS_HEADER_LEN);
	if ((ret = ks_kdf_check(&h->kdf)) != 0)
		return ret;
	memcpy(out, KS_MAGIC, KS_MAGIC_LEN);
	put_u16le(out + 8, KS_VERSION);
	put_u16le(out + 10, 0);
	out[12] = KS_KDF_ARGON2ID13;
	put_u32le(out + 16, h->kdf.opslimit);
	put_u32le(out + 20, h->kdf.memlimit_kib);
	memcpy(out + 24, h->salt, KS_SALT_LEN);
	memcpy(out + 40, h->nonce, KS_NONCE_LEN);
	memcpy(out + 64, h->kcv, KS_KCV_LEN);
	header_check(out + KS_CHECKED_LEN, out);
	return 0;
}

/*
 * The checks run in the order that names the problem best: foreign before
 * version (the version field means nothing without our magic), version before
 * length (another version may have another size), the checksum before the
 * fields it covers (a flipped bit is damage, not a hostile parameter).
 */
static int
parse(struct ks_header *out, const uint8_t **ct, const uint8_t *file, size_t len)
{
	struct creader r;
	const uint8_t *magic;
	uint8_t check[KS_CHECK_LEN], alg, reserved[3];
	uint16_t version, flags;
	int ret;

	if (len < KS_MAGIC_LEN)
		return len == 0 || memcmp(file, KS_MAGIC, len) == 0 ?
		    COFFER_ERR_KS_TRUNCATED : COFFER_ERR_KS_FOREIGN;
	creader_init(&r, file, len);
	if (creader_get_ptr(&r, &magic, KS_MAGIC_LEN) != 0)
		return COFFER_ERR_KS_TRUNCATED;
	if (memcmp(magic, KS_MAGIC, KS_MAGIC_LEN) != 0)
		return COFFER_ERR_KS_FOREIGN;
	if (creader_get_u16le(&r, &version) != 0)
		return COFFER_ERR_KS_TRUNCATED;
	if (version != KS_VERSION)
		return COFFER_ERR_KS_VERSION;
	if (len < KS_HEADER_LEN)
		return COFFER_ERR_KS_TRUNCATED;
	header_check(check, file);
	if (!secure_equal(check, file + KS_CHECKED_LEN, KS_CHECK_LEN))
		return COFFER_ERR_KS_TAMPERED;
	if ((ret = creader_get_u16le(&r, &flags)) != 0 ||
	    (ret = creader_get_u8(&r, &alg)) != 0 ||
	    (ret = creader_get_bytes(&r, reserved, sizeof(reserved))) != 0 ||
	    (ret = creader_get_u32le(&r, &out->kdf.opslimit)) != 0 ||
	    (ret = creader_get_u32le(&r, &out->kdf.memlimit_kib)) != 0 ||
	    (ret = creader_get_bytes(&r, out->salt, KS_SALT_LEN)) != 0 ||
	    (ret = creader_get_bytes(&r, out->nonce, KS_NONCE_LEN)) != 0 ||
	    (ret = creader_get_bytes(&r, out->kcv, KS_KCV_LEN)) != 0 ||
	    (ret = creader_skip(&r, KS_CHECK_LEN)) != 0)
		return COFFER_ERR_KS_TRUNCATED;	/* unreachable: len >= KS_HEADER_LEN */
	out->version = version;
	if (flags != 0 || reserved[0] != 0 || reserved[1] != 0 || reserved[2] != 0)
		return COFFER_ERR_KS_MALFORMED;
	if (alg != KS_KDF_ARGON2ID13 || ks_kdf_check(&out->kdf) != 0)
		return COFFER_ERR_KS_KDF_PARAMS;
	if (creader_get_ptr(&r, ct, KS_PAYLOAD_LEN + KS_TAG_LEN) != 0)
		return COFFER_ERR_KS_TRUNCATED;
	if (creader_expect_end(&r) != 0)
		return COFFER_ERR_KS_MALFORMED;
	return 0;
}

int
ks_file_parse(struct ks_header *out, const uint8_t **ct, const uint8_t *file, size_t len)
{
	int ret;

	memset(out, 0, sizeof(*out));
	*ct = NULL;
	if (file == NULL && len > 0)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = parse(out, ct, file, len)) != 0) {
		memset(out, 0, sizeof(*out));
		*ct = NULL;
	}
	return ret;
}

void
ks_payload_encode(uint8_t out[KS_PAYLOAD_LEN], const struct ks_secret *s)
{
	size_t plen = strnlen(s->bip39_pass, KS_BIP39_PASS_MAX);

	secure_wipe(out, KS_PAYLOAD_LEN);
	out[0] = (uint8_t)s->entropy_len;
	memcpy(out + 1, s->entropy, s->entropy_len);
	put_u16le(out + 1 + KS_ENTROPY_MAX, (uint16_t)plen);
	memcpy(out + 3 + KS_ENTROPY_MAX, s->bip39_pass, plen);
}

int
ks_payload_decode(struct ks_secret *s, const uint8_t in[KS_PAYLOAD_LEN])
{
	size_t elen = in[0], plen = (size_t)in[1 + KS_ENTROPY_MAX] | (size_t)in[2 + KS_ENTROPY_MAX] << 8;
	const uint8_t *pass = in + 3 + KS_ENTROPY_MAX;

	secure_wipe(s->entropy, sizeof(s->entropy));
	secure_wipe(s->bip39_pass, sizeof(s->bip39_pass));
	s->entropy_len = 0;
	if (elen < 16 || elen > KS_ENTROPY_MAX || elen % 4 != 0 || plen > KS_BIP39_PASS_MAX ||
	    memchr(pass, 0, plen) != NULL ||
	    !secure_is_zero(in + 1 + elen, KS_ENTROPY_MAX - elen) ||
	    !secure_is_zero(pass + plen, KS_BIP39_PASS_MAX - plen))
		return COFFER_ERR_KS_MALFORMED;
	memcpy(s->entropy, in + 1, elen);
	s->entropy_len = elen;
	memcpy(s->bip39_pass, pass, plen);
	s->bip39_pass[plen] = '\0';
	return 0;
}
