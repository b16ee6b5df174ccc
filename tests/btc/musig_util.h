/*
 * Helpers shared by the MuSig2 vector tests (test_musig.c, test_musig_sign.c):
 * JSON/hex access, and building known-answer secret nonces.
 *
 * Known-answer signing needs the vectors' secret nonces, while libsecp256k1's
 * secnonce is opaque. Its 0.7.1 layout (src/modules/musig/session_impl.h:
 * 4-byte magic, k1, k2 as 32-byte big-endian scalars, then the signer's key in
 * the same 64-byte form as secp256k1_pubkey.data) is checked at run time
 * against a real secp256k1_musig_nonce_gen output for the one nonce_gen vector
 * libsecp256k1 reproduces exactly (no sk, aggpk, msg or extra input). Only if
 * that matches are vector nonces built (test code only: the library has no way
 * to import a secret nonce); otherwise the sign cases fall back to verifying
 * the expected partial signatures.
 */
#ifndef COFFER_TESTS_BTC_MUSIG_UTIL_H
#define COFFER_TESTS_BTC_MUSIG_UTIL_H

#include "harness.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "btc/hash.h"
#include "btc/musig.h"
#include "btc/network.h"
#include "btc/musig_impl.h"
#include "btc/secp.h"
#include "common/secmem.h"

#define V_KEY_SORT   "musig2/bip327_key_sort_vectors.json"
#define V_KEY_AGG    "musig2/bip327_key_agg_vectors.json"
#define V_NONCE_GEN  "musig2/bip327_nonce_gen_vectors.json"
#define V_NONCE_AGG  "musig2/bip327_nonce_agg_vectors.json"
#define V_SIGN       "musig2/bip327_sign_verify_vectors.json"
#define V_TWEAK      "musig2/bip327_tweak_vectors.json"
#define V_DET_SIGN   "musig2/bip327_det_sign_vectors.json"
#define V_SIG_AGG    "musig2/bip327_sig_agg_vectors.json"
#define V_BIP328     "musig2/bip328_vectors.json"

#define MAXN 16

static const uint8_t secp_secnonce_magic[4] = { 0x22, 0x0e, 0xdc, 0xf1 };

/* Decode a JSON hex string into out (at most max bytes); returns its length. */
static inline size_t
jhex(uint8_t *out, size_t max, const json_t *s)
{
	size_t n;
	uint8_t *p;

	if (!json_is_string(s)) {
		fprintf(stderr, "test data: expected a hex string\n");
		exit(1);
	}
	p = test_unhex(json_string_value(s), &n);
	if (n > max) {
		fprintf(stderr, "test data: hex value too long (%zu > %zu)\n", n, max);
		exit(1);
	}
	memcpy(out, p, n);
	free(p);
	return n;
}

/* Gather arr[idx[i]] (each exactly `len` bytes) into out; returns the count. */
static inline size_t
gather(uint8_t *out, size_t len, const json_t *arr, const json_t *idx)
{
	size_t i, n = json_array_size(idx);

	if (n > MAXN) {
		fprintf(stderr, "test data: too many indices\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, (size_t)json_integer_value(json_array_get(idx, i)));

		if (jhex(out + i * len, len, v) != len) {
			fprintf(stderr, "test data: value of the wrong length\n");
			exit(1);
		}
	}
	return n;
}

static inline size_t
jindex(const json_t *c, const char *key)
{
	return (size_t)json_integer_value(json_object_get(c, key));
}

/* Apply a case's tweaks (indices into `tweaks`, or inline hex when tweaks == NULL). */
static inline int
apply_tweaks(struct musig_keyagg *ka, const json_t *tweaks, const json_t *list, const json_t *is_xonly)
{
	size_t i;
	int r;

	for (i = 0; i < json_array_size(list); i++) {
		uint8_t t[32];
		const json_t *e = json_array_get(list, i);

		jhex(t, 32, tweaks != NULL ? json_array_get(tweaks, (size_t)json_integer_value(e)) : e);
		if ((r = musig_keyagg_tweak(ka, t, json_is_true(json_array_get(is_xonly, i)))) != 0)
			return r;
	}
	return 0;
}

/* The error code a BIP327 "value" error message stands for. */
static inline int
value_error_code(const json_t *err)
{
	const char *m = json_string_value(json_object_get(err, "message"));

	if (m == NULL)
		return 1;
	if (strstr(m, "less than n") != NULL)
		return COFFER_ERR_MUSIG_TWEAK_RANGE;
	if (strstr(m, "infinity") != NULL)
		return COFFER_ERR_MUSIG_TWEAK_INFINITY;
	if (strstr(m, "must be included") != NULL)
		return COFFER_ERR_MUSIG_NOT_SIGNER;
	if (strstr(m, "secnonce") != NULL)
		return COFFER_ERR_MUSIG_NONCE_REUSE;
	return 1;
}

/*
 * A keyagg cache whose aggregate key has the x coordinate aggpk32, for the
 * nonce_gen vectors (whose aggpk is not the aggregate of any known keys).
 * secp256k1_musig_nonce_gen reads only the magic and the aggregate point
 * (bytes 0..67 in 0.7.1). The layout is checked against a real cache first;
 * returns 0 if it does not match or aggpk32 is not on the curve.
 */
static inline int
synthetic_keyagg(struct musig_keyagg *out, const uint8_t aggpk32[32])
{
	static const uint8_t cache_magic[4] = { 0xf4, 0xad, 0xbb, 0xdf };
	const secp256k1_context *ctx = btc_secp();
	uint8_t keys[1][33], compressed[33];
	struct musig_keyagg real;
	secp256k1_pubkey pk;

	if (hex_decode_exact(keys[0], 33, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798") != 0)
		return 0;
	if (musig_key_agg(&real, NULL, (const uint8_t (*)[33])keys, 1) != 0 ||
	    !secp256k1_musig_pubkey_get(ctx, &pk, &real.cache))
		return 0;
	if (memcmp(real.cache.data, cache_magic, 4) != 0 || memcmp(real.cache.data + 4, pk.data, 64) != 0)
		return 0;
	compressed[0] = 0x02;
	memcpy(compressed + 1, aggpk32, 32);
	if (!secp256k1_ec_pubkey_parse(ctx, &pk, compressed, 33))
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(out->cache.data, cache_magic, 4);
	memcpy(out->cache.data + 4, pk.data, 64);
	return 1;
}

/*
 * Run one nonce_gen vector through musig_nonce_gen_with_secrand. Returns 1 when
 * the public nonce and the secret nonce (k1, k2, key) match, 0 when the
 * vector cannot be expressed, and records failures via CHECK.
 */
static inline int
run_nonce_gen(const json_t *c, const char **why)
{
	const secp256k1_context *ctx = btc_secp();
	const json_t *jsk = json_object_get(c, "sk"), *jagg = json_object_get(c, "aggpk");
	const json_t *jmsg = json_object_get(c, "msg"), *jextra = json_object_get(c, "extra_in");
	uint8_t rand[32], sk[32], pk[33], aggpk[32], msg[64], extra[32], pubnonce[66], exp[97], exp_pn[66];
	struct musig_keyagg ka;
	struct musig_secnonce *sn = NULL;
	secp256k1_pubkey ppk;
	size_t msglen = 0;
	int ok;

	jhex(rand, 32, json_object_get(c, "rand_"));
	jhex(pk, 33, json_object_get(c, "pk"));
	if (!json_is_null(jmsg) && (msglen = jhex(msg, sizeof(msg), jmsg)) != 32) {
		*why = msglen == 0 ? "empty message (libsecp256k1 takes a 32-byte message or none)" :
		    "message not 32 bytes (libsecp256k1 takes a 32-byte message or none)";
		return 0;
	}
	if (!json_is_null(jagg)) {
		jhex(aggpk, 32, jagg);
		if (!synthetic_keyagg(&ka, aggpk)) {
			*why = "aggpk needs a keyagg cache libsecp256k1 cannot build";
			return 0;
		}
	}
	if (!json_is_null(jsk))
		jhex(sk, 32, jsk);
	if (!json_is_null(jextra))
		jhex(extra, 32, jextra);
	CHECK_OK(musig_nonce_gen_with_secrand(&sn, pubnonce, rand, json_is_null(jsk) ? NULL : sk, pk,
	    json_is_null(jmsg) ? NULL : msg, json_is_null(jagg) ? NULL : &ka, json_is_null(jextra) ? NULL : extra));
	if (sn == NULL)
		return 1;
	jhex(exp_pn, 66, json_object_get(c, "expected_pubnonce"));
	jhex(exp, 97, json_object_get(c, "expected_secnonce"));
	CHECK(memcmp(pubnonce, exp_pn, 66) == 0);
	CHECK(memcmp(sn->pubkey33, exp + 64, 33) == 0);
	/* The secret nonce itself, read through the 0.7.1 layout. */
	ok = secp256k1_ec_pubkey_parse(ctx, &ppk, exp + 64, 33);
	CHECK(ok);
	CHECK(memcmp(sn->sn.data, secp_secnonce_magic, 4) == 0);
	CHECK(memcmp(sn->sn.data + 4, exp, 64) == 0);
	CHECK(memcmp(sn->sn.data + 68, ppk.data, 64) == 0);
	CHECK(secure_equal(rand, (const uint8_t[32]){ 0 }, 32));	/* secrand wiped */
	musig_secnonce_free(sn);
	return 1;
}

/*
 * Whether vector secret nonces can be built: reruns nonce_gen vector 3 (no
 * sk/aggpk/msg/extra: exactly expressible) and compares the layout.
 */
static inline int
secnonce_layout_ok(void)
{
	static int state = -1;
	json_t *v;
	const json_t *c;
	int before = t_fail;
	const char *why = NULL;
	size_t i;

	if (state >= 0)
		return state;
	v = vectors_load(V_NONCE_GEN);
	state = 0;
	json_array_foreach(json_object_get(v, "test_cases"), i, c) {
		if (json_is_null(json_object_get(c, "sk")) && json_is_null(json_object_get(c, "aggpk")) &&
		    json_is_null(json_object_get(c, "msg")))
			state = run_nonce_gen(c, &why) && t_fail == before;
	}
	json_decref(v);
	if (!state)
		printf("  libsecp256k1 secnonce layout not as expected: sign vectors only verified\n");
	return state;
}

/* Build a secret nonce from a BIP327 97-byte secnonce (test only; see top). */
static inline struct musig_secnonce *
vector_secnonce(const uint8_t sn97[97], const uint8_t pubnonce66[66])
{
	struct musig_secnonce *s = secmem_alloc(sizeof(*s));
	secp256k1_pubkey pk;

	if (s == NULL || !secp256k1_ec_pubkey_parse(btc_secp(), &pk, sn97 + 64, 33)) {
		fprintf(stderr, "cannot build vector secnonce\n");
		exit(1);
	}
	s->magic = MUSIG_SECNONCE_MAGIC;
	memcpy(s->pubkey33, sn97 + 64, 33);
	memcpy(s->pubnonce66, pubnonce66, 66);
	memcpy(s->sn.data, secp_secnonce_magic, 4);
	memcpy(s->sn.data + 4, sn97, 64);
	memcpy(s->sn.data + 68, pk.data, 64);
	return s;
}

/* A fresh random nonce for the key of sk (for error cases that fail before nonces matter). */
static inline struct musig_secnonce *
fresh_secnonce(const uint8_t sk[32], uint8_t pubnonce66[66])
{
	const secp256k1_context *ctx = btc_secp();
	struct musig_secnonce *s = NULL;
	secp256k1_pubkey pk;
	uint8_t pk33[33];
	size_t len = 33;

	CHECK(secp256k1_ec_pubkey_create(ctx, &pk, sk));
	secp256k1_ec_pubkey_serialize(ctx, pk33, &len, &pk, SECP256K1_EC_COMPRESSED);
	CHECK_OK(musig_nonce_gen(&s, pubnonce66, sk, pk33, NULL, NULL, NULL));
	return s;
}

#endif
