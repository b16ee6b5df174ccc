/*
 * AWS Nitro Enclaves evidence through /dev/nsm: one NSM_IOCTL_RAW ioctl
 * carrying a CBOR request {"Attestation": {"user_data", "nonce",
 * "public_key"}} and returning {"Attestation": {"document": COSE_Sign1}}
 * (aws-nitro-enclaves-nsm-api src/api/mod.rs; linux include/uapi/linux/nsm.h).
 * The binding goes in user_data, the caller's nonce in nonce; the document
 * is the evidence, unchanged. Only the few CBOR items of these two messages
 * are written and read here, with creader.
 */
#include "signer/evidence_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/ioctl.h>

#include "common/err.h"

#define NSM_REQUEST_MAX 0x1000u
#define NSM_DOC_MAX ((size_t)16 << 10)

struct nsm_iovec {
	uint64_t addr;
	uint64_t len;
};
struct nsm_raw {
	struct nsm_iovec request;
	struct nsm_iovec response;
};
#define NSM_IOCTL_RAW _IOWR(0x0A, 0x0, struct nsm_raw)

/* --- the CBOR needed here (RFC 8949): heads, text and byte strings -------------------- */

static int
cbor_head(struct cbuf *b, uint8_t major, uint64_t v)
{
	uint8_t m = (uint8_t)(major << 5);
	int ret;

	if (v < 24)
		return cbuf_put_u8(b, (uint8_t)(m | v));
	if (v <= 0xff) {
		if ((ret = cbuf_put_u8(b, m | 24)) != 0)
			return ret;
		return cbuf_put_u8(b, (uint8_t)v);
	}
	if (v <= 0xffff) {
		if ((ret = cbuf_put_u8(b, m | 25)) != 0 || (ret = cbuf_put_u8(b, (uint8_t)(v >> 8))) != 0)
			return ret;
		return cbuf_put_u8(b, (uint8_t)v);
	}
	return COFFER_ERR_TOO_LARGE;	/* nothing we send is that big */
}

static int
cbor_text(struct cbuf *b, const char *s)
{
	int ret;

	if ((ret = cbor_head(b, 3, strlen(s))) != 0)
		return ret;
	return cbuf_put(b, (const uint8_t *)s, strlen(s));
}

static int
cbor_bytes(struct cbuf *b, const uint8_t *p, size_t n)
{
	int ret;

	if ((ret = cbor_head(b, 2, n)) != 0)
		return ret;
	return cbuf_put(b, p, n);
}

int
evidence_nsm_request(struct cbuf *out, const uint8_t *user_data, size_t udlen, const uint8_t *nonce,
    size_t noncelen)
{
	int ret;

	if (udlen > 512 || noncelen > 512)	/* NSM's limits */
		return COFFER_ERR_INVALID_ARG;
	if ((ret = cbor_head(out, 5, 1)) != 0 || (ret = cbor_text(out, "Attestation")) != 0 ||
	    (ret = cbor_head(out, 5, 3)) != 0 ||
	    (ret = cbor_text(out, "user_data")) != 0 || (ret = cbor_bytes(out, user_data, udlen)) != 0 ||
	    (ret = cbor_text(out, "nonce")) != 0 ||
	    (ret = noncelen > 0 ? cbor_bytes(out, nonce, noncelen) : cbuf_put_u8(out, 0xf6)) != 0 ||
	    (ret = cbor_text(out, "public_key")) != 0 || (ret = cbuf_put_u8(out, 0xf6)) != 0)	/* null */
		return ret;
	return 0;
}

/* Read a head of the given major type (definite lengths only). */
static int
cbor_get_head(struct creader *r, uint8_t major, uint64_t *v)
{
	uint8_t b, x;
	uint16_t s;
	uint32_t w;
	int i;

	*v = 0;
	if (creader_get_u8(r, &b) != 0 || (b >> 5) != major)
		return COFFER_ERR_TEE_RESPONSE;
	x = b & 0x1f;
	if (x < 24) {
		*v = x;
		return 0;
	}
	switch (x) {
	case 24:
		if (creader_get_u8(r, &b) != 0)
			return COFFER_ERR_TEE_RESPONSE;
		*v = b;
		return 0;
	case 25:
		for (s = 0, i = 0; i < 2; i++) {
			if (creader_get_u8(r, &b) != 0)
				return COFFER_ERR_TEE_RESPONSE;
			s = (uint16_t)(s << 8 | b);
		}
		*v = s;
		return 0;
	case 26:
		if (creader_get_u32be(r, &w) != 0)
			return COFFER_ERR_TEE_RESPONSE;
		*v = w;
		return 0;
	default:
		return COFFER_ERR_TEE_RESPONSE;	/* 64-bit lengths and indefinite items: not from NSM */
	}
}

static int
cbor_get_string(struct creader *r, uint8_t major, const uint8_t **p, size_t *n, size_t max)
{
	uint64_t len;

	*p = NULL;
	*n = 0;
	if (cbor_get_head(r, major, &len) != 0 || len > max || creader_get_ptr(r, p, (size_t)len) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	*n = (size_t)len;
	return 0;
}

static int
is_text(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

int
evidence_nsm_response(struct cbuf *doc, const uint8_t *p, size_t n)
{
	struct creader r;
	const uint8_t *k, *v;
	size_t klen, vlen;
	uint64_t pairs;

	creader_init(&r, p, n);
	if (cbor_get_head(&r, 5, &pairs) != 0 || pairs != 1 || cbor_get_string(&r, 3, &k, &klen, 32) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	if (is_text(k, klen, "Error"))
		return COFFER_ERR_TEE_DEVICE;	/* e.g. "InvalidArgument"; the text is not ours to trust */
	if (!is_text(k, klen, "Attestation") || cbor_get_head(&r, 5, &pairs) != 0 || pairs != 1 ||
	    cbor_get_string(&r, 3, &k, &klen, 32) != 0 || !is_text(k, klen, "document") ||
	    cbor_get_string(&r, 2, &v, &vlen, NSM_DOC_MAX) != 0 || vlen == 0 || creader_expect_end(&r) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	return cbuf_put(doc, v, vlen);
}

static int
nsm_present(const struct evidence_env *env)
{
	return evidence_exists(env, NSM_DEV);
}

static int
nsm_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	static uint8_t resp[NSM_RESPONSE_MAX];	/* the signer is single-threaded */
	char path[EVIDENCE_PATH_MAX];
	struct cbuf req;
	struct nsm_raw raw;
	int fd = -1, ret;

	cbuf_init(&req, NSM_REQUEST_MAX);
	if ((ret = evidence_nsm_request(&req, data, EVIDENCE_BINDING_LEN, nonce, noncelen)) != 0 ||
	    (ret = evidence_path(path, sizeof(path), env, NSM_DEV)) != 0)
		goto out;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		ret = errno == ENOENT ? COFFER_ERR_TEE_ABSENT : COFFER_ERR_TEE_DEVICE;
		goto out;
	}
	memset(resp, 0, sizeof(resp));
	raw.request.addr = (uint64_t)(uintptr_t)req.p;
	raw.request.len = req.len;
	raw.response.addr = (uint64_t)(uintptr_t)resp;
	raw.response.len = sizeof(resp);
	if (evidence_ioctl(env, fd, NSM_IOCTL_RAW, &raw) != 0) {
		ret = COFFER_ERR_TEE_DEVICE;
		goto out;
	}
	/* The driver writes back the response's length. */
	if (raw.response.len == 0 || raw.response.len > sizeof(resp)) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	ret = evidence_nsm_response(out, resp, (size_t)raw.response.len);
out:
	if (fd >= 0)
		close(fd);
	cbuf_free(&req);
	return ret;
}

const struct evidence_backend evidence_backend_nitro = {
	"nitro",
	"AWS Nitro Enclaves: the Nitro Security Module signs this enclave image's PCRs and the binding; "
	"the parent instance cannot read the enclave's memory but carries all of its traffic",
	nsm_present, nsm_get,
};
