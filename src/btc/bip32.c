/* BIP32 extended keys: derivation and serialisation; see bip32.h. Paths: bip32_path.c. */
#include "btc/bip32.h"

#include <string.h>

#include <secp256k1.h>

#include "btc/base58.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/secp.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

struct bip32_key *
bip32_key_new(void)
{
	return secmem_alloc(sizeof(struct bip32_key));
}

void
bip32_key_free(struct bip32_key *k)
{
	secmem_free(k);
}

void
bip32_key_wipe(struct bip32_key *k)
{
	secure_wipe(k, sizeof(*k));
}

static void
be32_put(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Set k->pub from k->pk. */
static void
key_serialize_pub(struct bip32_key *k)
{
	size_t len = 33;

	secp256k1_ec_pubkey_serialize(btc_secp(), k->pub, &len, &k->pk, SECP256K1_EC_COMPRESSED);
}

int
bip32_master_from_seed(struct bip32_key *out, const uint8_t *seed, size_t seedlen,
    enum btc_network net)
{
	static const uint8_t hmac_key[] = "Bitcoin seed";
	uint8_t I[64];
	int ret = COFFER_ERR_DERIVATION;

	bip32_key_wipe(out);
	if (seedlen < 16 || seedlen > 64)
		return COFFER_ERR_INVALID_ARG;
	hmac_sha512(I, hmac_key, sizeof(hmac_key) - 1, seed, seedlen);
	if (!secp256k1_ec_seckey_verify(btc_secp(), I))
		goto out;
	out->net = net;
	memcpy(out->priv, I, 32);
	memcpy(out->chaincode, I + 32, 32);
	out->has_priv = 1;
	if (!secp256k1_ec_pubkey_create(btc_secp(), &out->pk, out->priv))
		goto out;
	key_serialize_pub(out);
	ret = 0;
 out:
	secure_wipe(I, sizeof(I));
	if (ret != 0)
		bip32_key_wipe(out);
	return ret;
}

/* I = HMAC-SHA512(c_par, ser(parent key) || ser32(index)); a secret for private parents. */
static void
ckd_hmac(uint8_t I[64], const struct bip32_key *parent, uint32_t index)
{
	uint8_t data[37];

	if (index & BIP32_HARDENED) {
		data[0] = 0;
		memcpy(data + 1, parent->priv, 32);
	} else {
		memcpy(data, parent->pub, 33);
	}
	be32_put(data + 33, index);
	hmac_sha512(I, parent->chaincode, 32, data, sizeof(data));
	secure_wipe(data, sizeof(data));
}

int
bip32_derive_child(struct bip32_key *out, const struct bip32_key *parent, uint32_t index)
{
	const secp256k1_context *ctx = btc_secp();
	struct bip32_key child;
	uint8_t I[64], h[20];
	int ret = COFFER_ERR_DERIVATION;

	memset(&child, 0, sizeof(child));
	if ((index & BIP32_HARDENED) && !parent->has_priv) {
		ret = COFFER_ERR_HARDENED_FROM_PUBLIC;
		goto out;
	}
	if (parent->depth == BIP32_MAX_DEPTH) {
		ret = COFFER_ERR_DEPTH;
		goto out;
	}
	ckd_hmac(I, parent, index);
	child.pk = parent->pk;
	if (parent->has_priv) {
		/* k_i = parse256(I_L) + k_par (mod n); fails for I_L >= n or k_i = 0. */
		memcpy(child.priv, parent->priv, 32);
		if (!secp256k1_ec_seckey_tweak_add(ctx, child.priv, I) ||
		    !secp256k1_ec_pubkey_create(ctx, &child.pk, child.priv))
			goto out;
		child.has_priv = 1;
	} else {
		/* K_i = point(parse256(I_L)) + K_par; fails for I_L >= n or infinity.
		 * I_L is public to every holder of the parent xpub: variable time is fine. */
		if (keys_pubkey_tweak_add(&child.pk, I) != 0)
			goto out;
	}
	key_serialize_pub(&child);
	memcpy(child.chaincode, I + 32, 32);
	hash160(h, parent->pub, 33);
	memcpy(child.parent_fp, h, 4);
	child.depth = (uint8_t)(parent->depth + 1);
	child.child = index;
	child.net = parent->net;
	ret = 0;
 out:
	secure_wipe(I, sizeof(I));
	if (ret == 0)
		*out = child;	/* out may alias parent: copy only at the end */
	else
		bip32_key_wipe(out);
	bip32_key_wipe(&child);
	return ret;
}

int
bip32_derive_path(struct bip32_key *out, const struct bip32_key *parent, const uint32_t *path,
    size_t n)
{
	size_t i;
	int ret;

	if (out != parent)
		*out = *parent;
	for (i = 0; i < n; i++) {
		if ((ret = bip32_derive_child(out, out, path[i])) != 0)
			return ret;	/* out already wiped */
	}
	return 0;
}

int
bip32_derive_pubkey(uint8_t pub[33], const struct bip32_key *parent, uint32_t index)
{
	secp256k1_pubkey pk;
	uint8_t I[64];
	size_t len = 33;
	int ret = COFFER_ERR_DERIVATION;

	memset(pub, 0, 33);
	if (index & BIP32_HARDENED)
		return COFFER_ERR_HARDENED_FROM_PUBLIC;
	ckd_hmac(I, parent, index);
	pk = parent->pk;
	if (keys_pubkey_tweak_add(&pk, I) == 0) {
		secp256k1_ec_pubkey_serialize(btc_secp(), pub, &len, &pk, SECP256K1_EC_COMPRESSED);
		ret = 0;
	}
	secure_wipe(I, sizeof(I));	/* I_L + k_par is the child private key */
	return ret;
}

int
bip32_neuter(struct bip32_key *out, const struct bip32_key *in)
{
	if (out != in)
		*out = *in;
	secure_wipe(out->priv, sizeof(out->priv));
	out->has_priv = 0;
	return 0;
}

void
bip32_fingerprint(uint8_t fp[4], const struct bip32_key *k)
{
	uint8_t h[20];

	hash160(h, k->pub, 33);
	memcpy(fp, h, 4);
}

/* Which network a version belongs to, and whether it is private; -1 if unknown. */
static int
version_lookup(uint32_t version, enum btc_network *net, int *priv)
{
	static const enum btc_network nets[] = { BTC_MAINNET, BTC_TESTNET };
	size_t i;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		const struct btc_netparams *np = btc_network_params(nets[i]);

		if (version == np->xpub || version == np->xprv) {
			*net = nets[i];
			*priv = version == np->xprv;
			return 0;
		}
	}
	return -1;
}

int
bip32_key_decode(struct bip32_key *out, const uint8_t *p, size_t n)
{
	const secp256k1_context *ctx = btc_secp();
	struct creader r;
	uint32_t version;
	const uint8_t *key;
	int priv, ret;

	bip32_key_wipe(out);
	if (n != BIP32_SERIALIZED_LEN)
		return COFFER_ERR_BAD_XKEY;
	creader_init(&r, p, n);
	if ((ret = creader_get_u32be(&r, &version)) != 0 ||
	    (ret = creader_get_u8(&r, &out->depth)) != 0 ||
	    (ret = creader_get_bytes(&r, out->parent_fp, 4)) != 0 ||
	    (ret = creader_get_u32be(&r, &out->child)) != 0 ||
	    (ret = creader_get_bytes(&r, out->chaincode, 32)) != 0 ||
	    (ret = creader_get_ptr(&r, &key, 33)) != 0 ||
	    (ret = creader_expect_end(&r)) != 0) {
		ret = COFFER_ERR_BAD_XKEY;
		goto out;
	}
	if (version_lookup(version, &out->net, &priv) != 0) {
		ret = COFFER_ERR_BAD_XKEY_VERSION;
		goto out;
	}
	if (key[0] != 0x00 && key[0] != 0x02 && key[0] != 0x03) {
		ret = COFFER_ERR_XKEY_KEY_PREFIX;
		goto out;
	}
	if (priv != (key[0] == 0x00)) {
		ret = COFFER_ERR_XKEY_KEY_TYPE;
		goto out;
	}
	if (priv) {
		memcpy(out->priv, key + 1, 32);
		if (!secp256k1_ec_seckey_verify(ctx, out->priv)) {
			ret = COFFER_ERR_BAD_PRIVKEY;
			goto out;
		}
		if (!secp256k1_ec_pubkey_create(ctx, &out->pk, out->priv)) {
			ret = COFFER_ERR_BAD_PRIVKEY;
			goto out;
		}
		out->has_priv = 1;
		key_serialize_pub(out);
	} else {
		if (!secp256k1_ec_pubkey_parse(ctx, &out->pk, key, 33)) {
			ret = COFFER_ERR_BAD_PUBKEY;
			goto out;
		}
		memcpy(out->pub, key, 33);
	}
	if (out->depth == 0 && memcmp(out->parent_fp, "\0\0\0\0", 4) != 0) {
		ret = COFFER_ERR_XKEY_ROOT_PARENT;
		goto out;
	}
	if (out->depth == 0 && out->child != 0) {
		ret = COFFER_ERR_XKEY_ROOT_INDEX;
		goto out;
	}
	ret = 0;
 out:
	if (ret != 0)
		bip32_key_wipe(out);
	return ret;
}

int
bip32_key_parse(struct bip32_key *out, const char *s)
{
	uint8_t raw[B58_MAX_DECODED];
	size_t n;
	int ret;

	bip32_key_wipe(out);
	if ((ret = b58check_decode(raw, sizeof(raw), &n, s)) != 0) {
		if (ret == COFFER_ERR_TOO_LARGE)
			ret = COFFER_ERR_BAD_XKEY;
		goto out;
	}
	ret = bip32_key_decode(out, raw, n);
 out:
	secure_wipe(raw, sizeof(raw));
	return ret;
}

int
bip32_key_check_network(const struct bip32_key *k, enum btc_network net)
{
	return btc_network_params(k->net)->xpub == btc_network_params(net)->xpub ? 0 :
	    COFFER_ERR_WRONG_NETWORK;
}

int
bip32_key_encode(uint8_t out[BIP32_SERIALIZED_LEN], const struct bip32_key *k, int want_priv)
{
	const struct btc_netparams *np = btc_network_params(k->net);

	memset(out, 0, BIP32_SERIALIZED_LEN);
	if (want_priv && !k->has_priv)
		return COFFER_ERR_INVALID_ARG;
	be32_put(out, want_priv ? np->xprv : np->xpub);
	out[4] = k->depth;
	memcpy(out + 5, k->parent_fp, 4);
	be32_put(out + 9, k->child);
	memcpy(out + 13, k->chaincode, 32);
	if (want_priv) {
		out[45] = 0;
		memcpy(out + 46, k->priv, 32);
	} else {
		memcpy(out + 45, k->pub, 33);
	}
	return 0;
}

static int
xkey_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k, int want_priv)
{
	uint8_t raw[BIP32_SERIALIZED_LEN];
	int ret;

	out[0] = '\0';
	if ((ret = bip32_key_encode(raw, k, want_priv)) == 0)
		ret = b58check_encode(out, BIP32_XKEY_BUFSIZE, raw, sizeof(raw));
	secure_wipe(raw, sizeof(raw));
	return ret;
}

int
bip32_xpub_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k)
{
	return xkey_encode(out, k, 0);
}

int
bip32_xprv_encode(char out[BIP32_XKEY_BUFSIZE], const struct bip32_key *k)
{
	return xkey_encode(out, k, 1);
}
