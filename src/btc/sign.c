/* ECDSA and BIP340 signing through libsecp256k1; see sign.h. */
#include "btc/sign.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>

#include "btc/secp.h"
#include "btc/taproot.h"
#include "common/err.h"
#include "common/secmem.h"

int
sign_seckey_check(const uint8_t seckey[32])
{
	return secp256k1_ec_seckey_verify(btc_secp(), seckey) ? 0 : COFFER_ERR_BAD_PRIVKEY;
}

int
sign_pubkey(uint8_t *out, size_t *out_len, const uint8_t seckey[32], int compressed)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_pubkey pk;
	size_t n = compressed ? 33 : 65;

	memset(out, 0, n);
	*out_len = 0;
	if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey))
		return COFFER_ERR_BAD_PRIVKEY;
	(void)secp256k1_ec_pubkey_serialize(ctx, out, &n, &pk,
	    compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
	*out_len = n;
	return 0;
}

int
sign_xonly_pubkey(uint8_t out[32], int *parity, const uint8_t seckey[32])
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_keypair kp;
	secp256k1_xonly_pubkey xp;
	int par = 0, ret = COFFER_ERR_BAD_PRIVKEY;

	memset(out, 0, 32);
	if (parity != NULL)
		*parity = 0;
	if (!secp256k1_keypair_create(ctx, &kp, seckey) ||
	    !secp256k1_keypair_xonly_pub(ctx, &xp, &par, &kp))
		goto out;
	(void)secp256k1_xonly_pubkey_serialize(ctx, out, &xp);
	if (parity != NULL)
		*parity = par;
	ret = 0;
out:
	secure_wipe(&kp, sizeof(kp));
	return ret;
}

/* One RFC6979 signature with optional extra entropy, serialised r || s. */
static int
ecdsa_sign_once(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32],
    const uint8_t *ndata32)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_signature sig;

	if (!secp256k1_ecdsa_sign(ctx, &sig, msg32, seckey, secp256k1_nonce_function_rfc6979, ndata32))
		return COFFER_ERR_BAD_PRIVKEY;
	(void)secp256k1_ecdsa_signature_serialize_compact(ctx, sig64, &sig);
	return 0;
}

int
sign_ecdsa_ndata(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32],
    const uint8_t *ndata32)
{
	int ret;

	memset(sig64, 0, 64);
	if ((ret = sign_seckey_check(seckey)) != 0)
		return ret;
	if ((ret = ecdsa_sign_once(sig64, msg32, seckey, ndata32)) != 0)
		memset(sig64, 0, 64);
	return ret;
}

int
sign_ecdsa(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32])
{
	uint8_t extra[32] = { 0 };
	uint32_t counter = 0;
	int ret;

	memset(sig64, 0, 64);
	if ((ret = sign_seckey_check(seckey)) != 0)
		return ret;
	ret = ecdsa_sign_once(sig64, msg32, seckey, NULL);
	/* Core's low-R grind: R's top bit clear keeps DER r at <= 32 bytes. The
	 * counter is written little-endian into the first 4 of 32 zero bytes. */
	while (ret == 0 && sig64[0] >= 0x80) {
		counter++;
		extra[0] = (uint8_t)counter;
		extra[1] = (uint8_t)(counter >> 8);
		extra[2] = (uint8_t)(counter >> 16);
		extra[3] = (uint8_t)(counter >> 24);
		ret = ecdsa_sign_once(sig64, msg32, seckey, extra);
	}
	secure_wipe(extra, sizeof(extra));
	if (ret != 0)
		memset(sig64, 0, 64);
	return ret;
}

int
sign_ecdsa_der(uint8_t der[SIGN_DER_MAX], size_t *der_len, const uint8_t msg32[32],
    const uint8_t seckey[32])
{
	uint8_t sig[64];
	int ret;

	*der_len = 0;
	if ((ret = sign_ecdsa(sig, msg32, seckey)) != 0)
		return ret;
	return sign_der_encode(der, der_len, sig);
}

int
sign_ecdsa_recoverable(uint8_t sig64[64], int *recid, const uint8_t msg32[32],
    const uint8_t seckey[32], const uint8_t *ndata32)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_recoverable_signature sig;

	memset(sig64, 0, 64);
	*recid = 0;
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, msg32, seckey, secp256k1_nonce_function_rfc6979,
	    ndata32))
		return COFFER_ERR_BAD_PRIVKEY;
	(void)secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig64, recid, &sig);
	return 0;
}

int
sign_ecdsa_recover(uint8_t *out, size_t *out_len, const uint8_t sig64[64], int recid,
    const uint8_t msg32[32], int compressed)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_pubkey pk;
	size_t n = compressed ? 33 : 65;

	memset(out, 0, n);
	*out_len = 0;
	if (recid < 0 || recid > 3 ||
	    !secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, sig64, recid) ||
	    !secp256k1_ecdsa_recover(ctx, &pk, &sig, msg32))
		return COFFER_ERR_BAD_SIGNATURE;
	(void)secp256k1_ec_pubkey_serialize(ctx, out, &n, &pk,
	    compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
	*out_len = n;
	return 0;
}

int
sign_ecdsa_verify(const uint8_t sig64[64], const uint8_t msg32[32], const uint8_t *pubkey,
    size_t pubkey_len)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_signature sig;
	secp256k1_pubkey pk;

	if ((pubkey_len != 33 && pubkey_len != 65) ||
	    !secp256k1_ec_pubkey_parse(ctx, &pk, pubkey, pubkey_len))
		return COFFER_ERR_BAD_PUBKEY;
	if (!secp256k1_ecdsa_signature_parse_compact(ctx, &sig, sig64) ||
	    !secp256k1_ecdsa_verify(ctx, &sig, msg32, &pk))
		return COFFER_ERR_BAD_SIGNATURE;
	return 0;
}

int
sign_der_encode(uint8_t der[SIGN_DER_MAX], size_t *der_len, const uint8_t sig64[64])
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_signature sig;
	size_t n = SIGN_DER_MAX;

	*der_len = 0;
	if (!secp256k1_ecdsa_signature_parse_compact(ctx, &sig, sig64) ||
	    !secp256k1_ecdsa_signature_serialize_der(ctx, der, &n, &sig))
		return COFFER_ERR_BAD_SIGNATURE;
	*der_len = n;
	return 0;
}

/* Copy one strict-DER INTEGER's magnitude right-aligned into 32 bytes. */
static int
der_int(uint8_t out[32], const uint8_t *p, size_t n)
{
	if (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > 32)
		return COFFER_ERR_BAD_SIGNATURE;
	memset(out, 0, 32 - n);
	memcpy(out + 32 - n, p, n);
	return 0;
}

int
sign_der_decode(uint8_t sig64[64], const uint8_t *der, size_t len)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_ecdsa_signature sig;
	size_t lr, ls;

	memset(sig64, 0, 64);
	/* BIP66 IsValidSignatureEncoding, minus the trailing sighash byte:
	 * 0x30 len 0x02 lenR R 0x02 lenS S, minimal positive integers. */
	if (len < 8 || len > SIGN_DER_MAX || der[0] != 0x30 || der[1] != len - 2)
		return COFFER_ERR_BAD_SIGNATURE;
	lr = der[3];
	if (5 + lr >= len)
		return COFFER_ERR_BAD_SIGNATURE;
	ls = der[5 + lr];
	if (lr + ls + 6 != len)
		return COFFER_ERR_BAD_SIGNATURE;
	if (der[2] != 0x02 || lr == 0 || (der[4] & 0x80) ||
	    (lr > 1 && der[4] == 0 && !(der[5] & 0x80)))
		return COFFER_ERR_BAD_SIGNATURE;
	if (der[lr + 4] != 0x02 || ls == 0 || (der[lr + 6] & 0x80) ||
	    (ls > 1 && der[lr + 6] == 0 && !(der[lr + 7] & 0x80)))
		return COFFER_ERR_BAD_SIGNATURE;
	if (der_int(sig64, der + 4, lr) != 0 || der_int(sig64 + 32, der + lr + 6, ls) != 0 ||
	    !secp256k1_ecdsa_signature_parse_compact(ctx, &sig, sig64)) {
		memset(sig64, 0, 64);
		return COFFER_ERR_BAD_SIGNATURE;
	}
	return 0;
}

static int
schnorr_sign_kp(uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
    const secp256k1_keypair *kp, const uint8_t *aux32)
{
	secp256k1_schnorrsig_extraparams ep = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;

	ep.ndata = (void *)(uintptr_t)aux32;
	if (!secp256k1_schnorrsig_sign_custom(btc_secp(), sig64, msg, msg_len, kp, &ep)) {
		memset(sig64, 0, 64);
		return COFFER_ERR_CRYPTO;
	}
	return 0;
}

int
sign_schnorr_aux(uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
    const uint8_t seckey[32], const uint8_t *aux32)
{
	secp256k1_keypair kp;
	int ret;

	memset(sig64, 0, 64);
	if (!secp256k1_keypair_create(btc_secp(), &kp, seckey))
		ret = COFFER_ERR_BAD_PRIVKEY;
	else
		ret = schnorr_sign_kp(sig64, msg, msg_len, &kp, aux32);
	secure_wipe(&kp, sizeof(kp));
	return ret;
}

int
sign_schnorr(uint8_t sig64[64], const uint8_t *msg, size_t msg_len, const uint8_t seckey[32])
{
	uint8_t aux[32];
	int ret;

	secure_random(aux, sizeof(aux));
	ret = sign_schnorr_aux(sig64, msg, msg_len, seckey, aux);
	secure_wipe(aux, sizeof(aux));
	return ret;
}

int
sign_schnorr_verify(const uint8_t sig64[64], const uint8_t *msg, size_t msg_len,
    const uint8_t xonly32[32])
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_xonly_pubkey xp;

	if (!secp256k1_xonly_pubkey_parse(ctx, &xp, xonly32))
		return COFFER_ERR_BAD_PUBKEY;
	if (!secp256k1_schnorrsig_verify(ctx, sig64, msg, msg_len, &xp))
		return COFFER_ERR_BAD_SIGNATURE;
	return 0;
}

int
sign_schnorr_keypath(uint8_t sig64[64], const uint8_t msg32[32], const uint8_t seckey[32],
    const uint8_t *merkle_root, const uint8_t *aux32)
{
	uint8_t tweaked[32], aux[32];
	int ret;

	memset(sig64, 0, 64);
	if (aux32 == NULL) {
		secure_random(aux, sizeof(aux));
		aux32 = aux;
	}
	if ((ret = taproot_tweak_seckey(tweaked, seckey, merkle_root)) == 0)
		ret = sign_schnorr_aux(sig64, msg32, 32, tweaked, aux32);
	secure_wipe(tweaked, sizeof(tweaked));
	secure_wipe(aux, sizeof(aux));
	return ret;
}
