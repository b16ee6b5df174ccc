/*
 * MuSig2 over libsecp256k1; see musig.h.
 *
 * libsecp256k1 calls its illegal-argument callback (which aborts) on misuse
 * such as a zeroed secret nonce or a nonce made for another key. Hostile or
 * stale inputs must never get that far: every such condition is checked here
 * first and turned into an error code.
 */
#include "btc/musig.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "btc/musig_impl.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"

const uint8_t MUSIG_BIP328_CHAINCODE[32] = {
	0x86, 0x80, 0x87, 0xca, 0x02, 0xa6, 0xf9, 0x74, 0xc4, 0x59, 0x89, 0x24, 0xc3, 0x6b, 0x57, 0x76,
	0x2d, 0x32, 0xcb, 0x45, 0x71, 0x71, 0x67, 0xe3, 0x00, 0x62, 0x2c, 0x71, 0x67, 0xe3, 0x89, 0x65,
};

/* The secp256k1 group order n, big-endian. */
static const uint8_t group_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static void
set_index(size_t *bad_index, size_t i)
{
	if (bad_index != NULL)
		*bad_index = i;
}

/* Parse n compressed keys; on failure *bad is the first bad one. */
static int
parse_pubkeys(secp256k1_pubkey *pks, size_t *bad, const uint8_t (*in)[33], size_t n)
{
	const secp256k1_context *ctx = btc_secp();
	size_t i;

	for (i = 0; i < n; i++) {
		if (!secp256k1_ec_pubkey_parse(ctx, &pks[i], in[i], 33)) {
			*bad = i;
			return COFFER_ERR_BAD_PUBKEY;
		}
	}
	return 0;
}

static void
serialize_pubkey(uint8_t out33[33], const secp256k1_pubkey *pk)
{
	size_t len = 33;

	(void)secp256k1_ec_pubkey_serialize(btc_secp(), out33, &len, pk, SECP256K1_EC_COMPRESSED);
}

static int
keyagg_has_key(const struct musig_keyagg *ka, const uint8_t pubkey33[33])
{
	size_t i;

	for (i = 0; i < ka->n && i < MUSIG_MAX_KEYS; i++)
		if (memcmp(ka->pubkeys[i], pubkey33, 33) == 0)
			return 1;
	return 0;
}

int
musig_key_sort(size_t *bad_index, uint8_t (*pubkeys)[33], size_t n)
{
	secp256k1_pubkey pks[MUSIG_MAX_KEYS];
	const secp256k1_pubkey *ptrs[MUSIG_MAX_KEYS];
	size_t i, bad = 0;
	int r;

	set_index(bad_index, 0);
	if (pubkeys == NULL || n == 0 || n > MUSIG_MAX_KEYS)
		return COFFER_ERR_INVALID_ARG;
	if ((r = parse_pubkeys(pks, &bad, (const uint8_t (*)[33])pubkeys, n)) != 0) {
		set_index(bad_index, bad);
		return r;
	}
	for (i = 0; i < n; i++)
		ptrs[i] = &pks[i];
	if (!secp256k1_ec_pubkey_sort(btc_secp(), ptrs, n))
		return COFFER_ERR_CRYPTO;
	for (i = 0; i < n; i++)
		serialize_pubkey(pubkeys[i], ptrs[i]);
	return 0;
}

int
musig_key_agg(struct musig_keyagg *ka, size_t *bad_index, const uint8_t (*pubkeys)[33], size_t n)
{
	secp256k1_pubkey pks[MUSIG_MAX_KEYS];
	const secp256k1_pubkey *ptrs[MUSIG_MAX_KEYS];
	size_t i, bad = 0;
	int r;

	memset(ka, 0, sizeof(*ka));
	set_index(bad_index, 0);
	if (pubkeys == NULL || n == 0 || n > MUSIG_MAX_KEYS)
		return COFFER_ERR_INVALID_ARG;
	if ((r = parse_pubkeys(pks, &bad, pubkeys, n)) != 0) {
		set_index(bad_index, bad);
		return r;
	}
	for (i = 0; i < n; i++)
		ptrs[i] = &pks[i];
	if (!secp256k1_musig_pubkey_agg(btc_secp(), NULL, &ka->cache, ptrs, n)) {
		memset(ka, 0, sizeof(*ka));
		return COFFER_ERR_CRYPTO;
	}
	ka->n = n;
	memcpy(ka->pubkeys, pubkeys, n * 33);
	return 0;
}

int
musig_keyagg_tweak(struct musig_keyagg *ka, const uint8_t tweak[32], int xonly)
{
	secp256k1_musig_keyagg_cache cache = ka->cache;
	int ok;

	/* Tweaks are public; a variable-time compare is fine. */
	if (memcmp(tweak, group_order, 32) >= 0)
		return COFFER_ERR_MUSIG_TWEAK_RANGE;
	if (xonly)
		ok = secp256k1_musig_pubkey_xonly_tweak_add(btc_secp(), NULL, &cache, tweak);
	else
		ok = secp256k1_musig_pubkey_ec_tweak_add(btc_secp(), NULL, &cache, tweak);
	if (!ok)
		return COFFER_ERR_MUSIG_TWEAK_INFINITY;	/* the range was checked above */
	ka->cache = cache;
	return 0;
}

void
musig_keyagg_pubkey(uint8_t out33[33], const struct musig_keyagg *ka)
{
	secp256k1_pubkey pk;

	memset(out33, 0, 33);
	if (!secp256k1_musig_pubkey_get(btc_secp(), &pk, &ka->cache))
		return;
	serialize_pubkey(out33, &pk);
}

void
musig_keyagg_xonly(uint8_t out32[32], const struct musig_keyagg *ka)
{
	uint8_t pk33[33];

	musig_keyagg_pubkey(pk33, ka);
	memcpy(out32, pk33 + 1, 32);
}

int
musig_nonce_gen_with_secrand(struct musig_secnonce **secnonce, uint8_t pubnonce66[66], uint8_t secrand32[32],
    const uint8_t *seckey32, const uint8_t pubkey33[33], const uint8_t *msg32, const struct musig_keyagg *ka,
    const uint8_t *extra32)
{
	const secp256k1_context *ctx = btc_secp();
	static const uint8_t zero[32];
	struct musig_secnonce *s = NULL;
	secp256k1_musig_pubnonce pn;
	secp256k1_pubkey pk, derived;
	uint8_t derived33[33];
	int r;

	*secnonce = NULL;
	memset(pubnonce66, 0, 66);
	/* Public inputs; the zero test only guards against a broken RNG. */
	if (memcmp(secrand32, zero, 32) == 0)
		return COFFER_ERR_RANDOM;
	if (!secp256k1_ec_pubkey_parse(ctx, &pk, pubkey33, 33))
		return COFFER_ERR_BAD_PUBKEY;
	if (seckey32 != NULL) {
		if (!secp256k1_ec_pubkey_create(ctx, &derived, seckey32))
			return COFFER_ERR_BAD_PRIVKEY;
		serialize_pubkey(derived33, &derived);
		if (memcmp(derived33, pubkey33, 33) != 0)
			return COFFER_ERR_BAD_PRIVKEY;
	}
	if ((s = secmem_alloc(sizeof(*s))) == NULL)
		return COFFER_ERR_NOMEM;
	if (!secp256k1_musig_nonce_gen(ctx, &s->sn, &pn, secrand32, seckey32, &pk, msg32,
	    ka != NULL ? &ka->cache : NULL, extra32)) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	(void)secp256k1_musig_pubnonce_serialize(ctx, pubnonce66, &pn);
	memcpy(s->pubkey33, pubkey33, 33);
	memcpy(s->pubnonce66, pubnonce66, 66);
	s->magic = MUSIG_SECNONCE_MAGIC;
	*secnonce = s;
	s = NULL;
	r = 0;
out:
	musig_secnonce_free(s);
	return r;
}

int
musig_nonce_gen(struct musig_secnonce **secnonce, uint8_t pubnonce66[66], const uint8_t *seckey32,
    const uint8_t pubkey33[33], const uint8_t *msg32, const struct musig_keyagg *ka, const uint8_t *extra32)
{
	uint8_t secrand[32];
	int r;

	secure_random(secrand, sizeof(secrand));
	r = musig_nonce_gen_with_secrand(secnonce, pubnonce66, secrand, seckey32, pubkey33, msg32, ka, extra32);
	secure_wipe(secrand, sizeof(secrand));
	return r;
}

void
musig_secnonce_free(struct musig_secnonce *secnonce)
{
	if (secnonce == NULL)
		return;
	secure_wipe(secnonce, sizeof(*secnonce));
	secmem_free(secnonce);
}

int
musig_nonce_agg(uint8_t aggnonce66[66], size_t *bad_index, const uint8_t (*pubnonces)[66], size_t n)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_musig_pubnonce pns[MUSIG_MAX_KEYS];
	const secp256k1_musig_pubnonce *ptrs[MUSIG_MAX_KEYS];
	secp256k1_musig_aggnonce agg;
	size_t i;

	memset(aggnonce66, 0, 66);
	set_index(bad_index, 0);
	if (pubnonces == NULL || n == 0 || n > MUSIG_MAX_KEYS)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < n; i++) {
		if (!secp256k1_musig_pubnonce_parse(ctx, &pns[i], pubnonces[i])) {
			set_index(bad_index, i);
			return COFFER_ERR_MUSIG_BAD_PUBNONCE;
		}
		ptrs[i] = &pns[i];
	}
	if (!secp256k1_musig_nonce_agg(ctx, &agg, ptrs, n))
		return COFFER_ERR_CRYPTO;
	(void)secp256k1_musig_aggnonce_serialize(ctx, aggnonce66, &agg);
	return 0;
}

int
musig_nonce_process(struct musig_session *session, const uint8_t aggnonce66[66], const uint8_t msg32[32],
    const struct musig_keyagg *ka)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_musig_aggnonce agg;

	memset(session, 0, sizeof(*session));
	if (!secp256k1_musig_aggnonce_parse(ctx, &agg, aggnonce66))
		return COFFER_ERR_MUSIG_BAD_AGGNONCE;
	if (!secp256k1_musig_nonce_process(ctx, &session->s, &agg, msg32, &ka->cache)) {
		memset(session, 0, sizeof(*session));
		return COFFER_ERR_CRYPTO;
	}
	return 0;
}

int
musig_partial_sign(uint8_t psig32[32], struct musig_secnonce *secnonce, const uint8_t seckey32[32],
    const struct musig_keyagg *ka, const struct musig_session *session)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_keypair kp;
	secp256k1_pubkey pk;
	secp256k1_musig_partial_sig ps;
	uint8_t pk33[33];
	int r;

	memset(psig32, 0, 32);
	if (secnonce == NULL)
		return COFFER_ERR_INVALID_ARG;
	/* A used (zeroed) or never-initialised nonce is refused before anything else. */
	if (secnonce->magic != MUSIG_SECNONCE_MAGIC) {
		r = COFFER_ERR_MUSIG_NONCE_REUSE;
		goto out;
	}
	if (!secp256k1_keypair_create(ctx, &kp, seckey32)) {
		r = COFFER_ERR_BAD_PRIVKEY;
		goto out;
	}
	(void)secp256k1_keypair_pub(ctx, &pk, &kp);
	serialize_pubkey(pk33, &pk);
	/* libsecp256k1 would abort on these; they must be errors instead. */
	if (memcmp(pk33, secnonce->pubkey33, 33) != 0) {
		r = COFFER_ERR_MUSIG_KEY_MISMATCH;
		goto out;
	}
	if (!keyagg_has_key(ka, pk33)) {
		r = COFFER_ERR_MUSIG_NOT_SIGNER;
		goto out;
	}
	if (!secp256k1_musig_partial_sign(ctx, &ps, &secnonce->sn, &kp, &ka->cache, &session->s)) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	(void)secp256k1_musig_partial_sig_serialize(ctx, psig32, &ps);
	/* Catch computation faults before a bad share leaves the signer. */
	if (musig_partial_sig_verify(psig32, secnonce->pubnonce66, pk33, ka, session) != 0) {
		memset(psig32, 0, 32);
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	r = 0;
out:
	/* Single use, whatever happened: the nonce is gone from here on. */
	secure_wipe(secnonce, sizeof(*secnonce));
	secure_wipe(&kp, sizeof(kp));
	return r;
}

int
musig_partial_sig_verify(const uint8_t psig32[32], const uint8_t pubnonce66[66], const uint8_t pubkey33[33],
    const struct musig_keyagg *ka, const struct musig_session *session)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_musig_partial_sig ps;
	secp256k1_musig_pubnonce pn;
	secp256k1_pubkey pk;

	if (!secp256k1_musig_partial_sig_parse(ctx, &ps, psig32))
		return COFFER_ERR_MUSIG_BAD_PSIG;
	if (!secp256k1_musig_pubnonce_parse(ctx, &pn, pubnonce66))
		return COFFER_ERR_MUSIG_BAD_PUBNONCE;
	if (!secp256k1_ec_pubkey_parse(ctx, &pk, pubkey33, 33))
		return COFFER_ERR_BAD_PUBKEY;
	if (!keyagg_has_key(ka, pubkey33))
		return COFFER_ERR_MUSIG_NOT_SIGNER;
	if (!secp256k1_musig_partial_sig_verify(ctx, &ps, &pn, &pk, &ka->cache, &session->s))
		return COFFER_ERR_MUSIG_PSIG_INVALID;
	return 0;
}

int
musig_partial_sig_agg(uint8_t sig64[64], size_t *bad_index, const struct musig_session *session,
    const uint8_t (*psigs)[32], size_t n)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_musig_partial_sig ps[MUSIG_MAX_KEYS];
	const secp256k1_musig_partial_sig *ptrs[MUSIG_MAX_KEYS];
	size_t i;

	memset(sig64, 0, 64);
	set_index(bad_index, 0);
	if (psigs == NULL || n == 0 || n > MUSIG_MAX_KEYS)
		return COFFER_ERR_INVALID_ARG;
	for (i = 0; i < n; i++) {
		if (!secp256k1_musig_partial_sig_parse(ctx, &ps[i], psigs[i])) {
			set_index(bad_index, i);
			return COFFER_ERR_MUSIG_BAD_PSIG;
		}
		ptrs[i] = &ps[i];
	}
	if (!secp256k1_musig_partial_sig_agg(ctx, sig64, &session->s, ptrs, n)) {
		memset(sig64, 0, 64);
		return COFFER_ERR_CRYPTO;
	}
	return 0;
}

void
musig_bip328_xpub(uint8_t out78[78], const struct musig_keyagg *ka, uint32_t version)
{
	out78[0] = (uint8_t)(version >> 24);
	out78[1] = (uint8_t)(version >> 16);
	out78[2] = (uint8_t)(version >> 8);
	out78[3] = (uint8_t)version;
	memset(out78 + 4, 0, 1 + 4 + 4);	/* depth, parent fingerprint, child number */
	memcpy(out78 + 13, MUSIG_BIP328_CHAINCODE, 32);
	musig_keyagg_pubkey(out78 + 45, ka);
}
