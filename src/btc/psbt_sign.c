/*
 * PSBT signer: checks every input's UTXO data, then signs the inputs whose
 * derivations name keys the signer holds, computing every sighash itself
 * (legacy, BIP143, BIP341 key path, BIP342 script path). Key sources: an HD
 * master key (fingerprint, derive, compare) or a list of private keys.
 */
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "btc/bip32.h"
#include "btc/bip32_cache.h"
#include "btc/keys.h"
#include "btc/psbt_int.h"
#include "btc/script.h"
#include "btc/secp.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

struct sign_ctx {
	struct psbt *p;
	const struct psbt_signer *signer;
	const struct psbt_sign_opts *opts;
	struct psbt_sign_stats *stats;
	struct tx tx;			/* unsigned, final locktime */
	struct sighash_cache cache;	/* without spent outputs: legacy, BIP143 */
	struct tx_out *spent;		/* all spent outputs, loaded for taproot */
	struct sighash_cache tcache;	/* with them: BIP341 */
	int have_tcache;
	uint8_t *seckey;		/* 32 bytes of secmem */
	size_t added;			/* signatures added to the current input */
};

/* The k-th pair of a type (maps change while we sign: look up afresh). */
static const struct psbt_kv *
nth_of_type(const struct psbt_map *m, uint64_t type, size_t k)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->kv[i].type == type && k-- == 0)
			return &m->kv[i];
	return NULL;
}

/* Add a signature we just made. Its key came from a checked derivation and the
 * value is ours, so the parser's checks (a point decompression per key) are
 * skipped: they cost as much as a tenth of a signature. */
static int
put_sig(struct sign_ctx *c, size_t i, uint8_t type, const uint8_t *key, size_t key_len,
    const uint8_t *sig, size_t sig_len)
{
	struct psbt_kv kv;
	int ret;

	if ((ret = psbt_kv_make(&kv, type, key, key_len, sig, sig_len)) != 0)
		return ret;
	if ((ret = psbt_map_put(&c->p->in[i].map, PSBT_MAP_INPUT, &kv)) != 0) {
		psbt_kv_free(&kv);
		return ret;
	}
	c->added++;
	return 0;
}

/* Ask the key source; 1 when seckey holds our key, 0 when it is not ours. */
static int
get_key(struct sign_ctx *c, int *ours, const uint8_t *pub, size_t pub_len,
    const struct psbt_origin *o)
{
	int ret = c->signer->get_key(c->signer->ctx, c->seckey, pub, pub_len, o);

	*ours = 0;
	if (ret == 0) {
		*ours = 1;
		return 0;
	}
	secure_wipe(c->seckey, 32);
	if (ret == COFFER_ERR_PSBT_KEY_MISMATCH) {
		c->stats->key_mismatch++;
		return 0;
	}
	return ret == COFFER_ERR_NOT_FOUND ? 0 : ret;
}

static int
policy_sighash(const struct sign_ctx *c, uint32_t ht, int taproot)
{
	if ((c->opts->flags & PSBT_SIGN_ANY_SIGHASH) != 0)
		return 0;
	if (ht == SIGHASH_ALL || (taproot && ht == SIGHASH_DEFAULT))
		return 0;
	return COFFER_ERR_PSBT_SIGHASH;
}

static int
sign_ecdsa_key(struct sign_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t *pub,
    size_t pub_len)
{
	uint8_t msg[32], sig64[64], der[SIGN_DER_MAX + 1];
	size_t der_len;
	uint32_t ht;
	int ret;

	if (s->missing_script)
		return COFFER_ERR_PSBT_MISSING_FIELD;
	if (s->kind == PSBT_SPEND_UNKNOWN)
		return COFFER_ERR_UNSUPPORTED;
	if (!psbt_spend_uses_key(s, pub, pub_len))
		return 0;	/* the derivation names a key this script does not use */
	if (s->kind == PSBT_SPEND_LEGACY && s->source != PSBT_IN_NON_WITNESS_UTXO)
		return COFFER_ERR_MISSING_UTXO;
	if (s->kind != PSBT_SPEND_LEGACY && s->source != PSBT_IN_NON_WITNESS_UTXO &&
	    (c->opts->flags & PSBT_SIGN_REQUIRE_FULL_UTXO) != 0)
		return COFFER_ERR_MISSING_UTXO;
	if ((ret = psbt_sighash_type(&ht, &c->p->in[i].map, 0)) != 0 ||
	    (ret = policy_sighash(c, ht, 0)) != 0)
		return ret;
	if ((ret = psbt_spend_sighash_ecdsa(msg, s, &c->tx, &c->cache, i, ht)) != 0)
		return ret;
	if ((c->opts->flags & PSBT_SIGN_NO_GRIND) != 0)
		ret = sign_ecdsa_ndata(sig64, msg, c->seckey, NULL);
	else
		ret = sign_ecdsa(sig64, msg, c->seckey);
	if (ret == 0 && (ret = sign_der_encode(der, &der_len, sig64)) == 0) {
		der[der_len++] = (uint8_t)ht;
		ret = put_sig(c, i, PSBT_IN_PARTIAL_SIG, pub, pub_len, der, der_len);
	}
	return ret;
}

static int
sign_input_ecdsa(struct sign_ctx *c, size_t i, const struct psbt_spend *s, int spend_rc)
{
	const struct psbt_kv *kv;
	struct psbt_origin o;
	uint8_t pub[65];
	size_t k, pub_len;
	int ret, ours;

	for (k = 0; (kv = nth_of_type(&c->p->in[i].map, PSBT_IN_BIP32_DERIVATION, k)) != NULL;
	    k++) {
		pub_len = psbt_kv_keydata_len(kv);
		memcpy(pub, psbt_kv_keydata(kv), pub_len);
		if ((ret = psbt_origin_decode(&o, kv->value, kv->value_len)) != 0 ||
		    (ret = get_key(c, &ours, pub, pub_len, &o)) != 0)
			return ret;
		if (!ours)
			continue;
		if (spend_rc != 0)
			ret = spend_rc;	/* ours, but what it spends is unknown */
		else if (s->kind == PSBT_SPEND_TAPROOT)
			ret = 0;	/* ECDSA keys do not sign taproot spends */
		else
			ret = sign_ecdsa_key(c, i, s, pub, pub_len);
		secure_wipe(c->seckey, 32);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
load_taproot(struct sign_ctx *c)
{
	int ret;

	if (c->have_tcache)
		return 0;
	if ((ret = psbt_spent_outputs(&c->spent, c->p)) != 0)
		return ret;
	if ((ret = sighash_cache_init(&c->tcache, &c->tx, c->spent, c->p->n_in)) != 0)
		return ret;
	c->have_tcache = 1;
	return 0;
}

static int
has_codesep(const uint8_t *script, size_t len)
{
	struct creader r;
	const uint8_t *d;
	size_t dl;
	uint8_t op;

	creader_init(&r, script, len);
	while (script_next_op(&r, &op, &d, &dl) == 0)
		if (op == OP_CODESEPARATOR)
			return 1;
	return creader_remaining(&r) != 0;	/* malformed: treat as unsignable */
}

static int
schnorr(struct sign_ctx *c, uint8_t sig[65], size_t *sig_len, const uint8_t msg[32], uint32_t ht)
{
	int ret;

	if (c->opts->aux32 != NULL)
		ret = sign_schnorr_aux(sig, msg, 32, c->seckey, c->opts->aux32);
	else
		ret = sign_schnorr(sig, msg, 32, c->seckey);
	*sig_len = 64;
	if (ht != SIGHASH_DEFAULT)
		sig[(*sig_len)++] = (uint8_t)ht;
	return ret;
}

/* Sign the leaf with this hash, if the PSBT has its script and it uses xonly. */
static int
sign_leaf(struct sign_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t xonly[32],
    const uint8_t leaf[32], uint32_t ht)
{
	const struct psbt_map *m = &c->p->in[i].map;
	const struct psbt_kv *kv;
	uint8_t h[32], msg[32], sig[65], key[64];
	size_t k, sig_len;
	int ret;

	for (k = 0; (kv = nth_of_type(m, PSBT_IN_TAP_LEAF_SCRIPT, k)) != NULL; k++) {
		const uint8_t *script = kv->value;
		size_t script_len = kv->value_len - 1;
		uint8_t ver = kv->value[kv->value_len - 1];

		taproot_leaf_hash(h, ver, script, script_len);
		if (memcmp(h, leaf, 32) != 0)
			continue;
		if (taproot_control_block_check(NULL, s->spk_info.program, psbt_kv_keydata(kv),
		    psbt_kv_keydata_len(kv), script, script_len) != 0)
			return COFFER_ERR_PSBT_SCRIPT_MISMATCH;
		if (ver != TAPROOT_LEAF_TAPSCRIPT || has_codesep(script, script_len) ||
		    !psbt_script_has_push(script, script_len, xonly, 32))
			return 0;
		if ((ret = sighash_taproot(msg, &c->tcache, i, (uint8_t)ht, NULL, 0, leaf,
		    SIGHASH_NO_CODESEP)) != 0 ||
		    (ret = schnorr(c, sig, &sig_len, msg, ht)) != 0)
			return ret;
		memcpy(key, xonly, 32);
		memcpy(key + 32, leaf, 32);
		return put_sig(c, i, PSBT_IN_TAP_SCRIPT_SIG, key, 64, sig, sig_len);
	}
	return 0;	/* no script for this leaf hash: nothing to sign */
}

/*
 * Key-path signature with one keypair: create it, apply the TapTweak, check
 * the tweaked key is the output key, sign. Three EC multiplications where
 * taproot_output_key() plus sign_schnorr_keypath() take five; this is the
 * signer's hot path (libsecp256k1 calls, no hand-written crypto).
 */
static int
keypath_sign(uint8_t sig[64], const uint8_t msg[32], const uint8_t seckey[32],
    const uint8_t internal[32], const uint8_t *merkle_root, const uint8_t q[32], const uint8_t *aux32)
{
	const secp256k1_context *ctx = btc_secp();
	secp256k1_keypair kp;
	secp256k1_xonly_pubkey xq;
	uint8_t tweak[32], qq[32], aux[32];
	int ret = COFFER_ERR_CRYPTO;

	taproot_tweak_hash(tweak, internal, merkle_root);
	if (!secp256k1_keypair_create(ctx, &kp, seckey) ||
	    !secp256k1_keypair_xonly_tweak_add(ctx, &kp, tweak) ||
	    !secp256k1_keypair_xonly_pub(ctx, &xq, NULL, &kp) ||
	    !secp256k1_xonly_pubkey_serialize(ctx, qq, &xq))
		goto out;
	if (memcmp(qq, q, 32) != 0) {
		ret = COFFER_ERR_PSBT_SCRIPT_MISMATCH;	/* not this internal key and root */
		goto out;
	}
	if (aux32 == NULL) {
		secure_random(aux, sizeof(aux));
		aux32 = aux;
	}
	if (secp256k1_schnorrsig_sign32(ctx, sig, msg, &kp, aux32))
		ret = 0;
out:
	if (ret != 0)
		memset(sig, 0, 64);
	secure_wipe(&kp, sizeof(kp));
	secure_wipe(aux, sizeof(aux));
	return ret;
}

static int
sign_taproot_key(struct sign_ctx *c, size_t i, const struct psbt_spend *s, const uint8_t xonly[32],
    const uint8_t *leaves, size_t n_leaves)
{
	const struct psbt_map *m = &c->p->in[i].map;
	const struct psbt_kv *ik = psbt_map_find(m, PSBT_IN_TAP_INTERNAL_KEY, NULL, 0);
	const struct psbt_kv *mr = psbt_map_find(m, PSBT_IN_TAP_MERKLE_ROOT, NULL, 0);
	uint8_t msg[32], sig[65], merkle[32];
	const uint8_t *merkle_root = NULL;
	size_t j, sig_len;
	uint32_t ht;
	int ret;

	if ((ret = load_taproot(c)) != 0 ||
	    (ret = psbt_sighash_type(&ht, m, 1)) != 0 || (ret = policy_sighash(c, ht, 1)) != 0)
		return ret;
	if (mr != NULL) {
		memcpy(merkle, mr->value, 32);
		merkle_root = merkle;
	}
	if (ik != NULL && memcmp(ik->value, xonly, 32) == 0) {
		/* Key path: the output key must be this internal key, tweaked. */
		if ((ret = sighash_taproot(msg, &c->tcache, i, (uint8_t)ht, NULL, 0, NULL,
		    SIGHASH_NO_CODESEP)) != 0 ||
		    (ret = keypath_sign(sig, msg, c->seckey, xonly, merkle_root, s->spk_info.program,
		    c->opts->aux32)) != 0)
			return ret;
		sig_len = 64;
		if (ht != SIGHASH_DEFAULT)
			sig[sig_len++] = (uint8_t)ht;
		if ((ret = put_sig(c, i, PSBT_IN_TAP_KEY_SIG, NULL, 0, sig, sig_len)) != 0)
			return ret;
	}
	for (j = 0; j < n_leaves; j++)
		if ((ret = sign_leaf(c, i, s, xonly, leaves + 32 * j, ht)) != 0)
			return ret;
	return 0;
}

static int
sign_input_taproot(struct sign_ctx *c, size_t i, const struct psbt_spend *s, int spend_rc)
{
	const struct psbt_kv *kv;
	const uint8_t *leaves;
	uint8_t xonly[32], *val = NULL;
	struct psbt_origin o;
	size_t k, n_leaves;
	int ret = 0, ours;

	for (k = 0; (kv = nth_of_type(&c->p->in[i].map, PSBT_IN_TAP_BIP32_DERIVATION, k)) != NULL;
	    k++) {
		/* Copy: the map changes as signatures go in. */
		memcpy(xonly, psbt_kv_keydata(kv), 32);
		free(val);
		if ((val = malloc(kv->value_len + 1)) == NULL)
			return COFFER_ERR_NOMEM;
		memcpy(val, kv->value, kv->value_len);
		if ((ret = psbt_tap_origin_decode(&leaves, &n_leaves, &o, val, kv->value_len)) != 0 ||
		    (ret = get_key(c, &ours, xonly, 32, &o)) != 0)
			break;
		if (!ours)
			continue;
		if (spend_rc != 0)
			ret = spend_rc;
		else if (s->kind == PSBT_SPEND_TAPROOT)
			ret = sign_taproot_key(c, i, s, xonly, leaves, n_leaves);
		secure_wipe(c->seckey, 32);
		if (ret != 0)
			break;
	}
	free(val);
	return ret;
}

/* Refuse the PSBT if any input's UTXO data or scripts are inconsistent. */
static int
check_all_inputs(const struct psbt *p)
{
	struct psbt_spend s;
	size_t i;
	int ret;

	for (i = 0; i < p->n_in; i++) {
		if (psbt_input_is_final(p, i))
			continue;
		ret = psbt_spend_analyse(&s, p, i);
		psbt_spend_free(&s);
		if (ret != 0 && ret != COFFER_ERR_MISSING_UTXO)
			return ret;
	}
	return 0;
}

int
psbt_sign(struct psbt *p, struct psbt_sign_stats *stats, const struct psbt_signer *signer,
    const struct psbt_sign_opts *opts)
{
	static const struct psbt_sign_opts defaults = { 0, NULL };
	struct psbt_sign_stats dummy;
	struct sign_ctx c;
	struct psbt_spend s;
	size_t i;
	int ret, spend_rc;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.signer = signer;
	c.opts = opts != NULL ? opts : &defaults;
	c.stats = stats;
	tx_init(&c.tx);
	if ((c.seckey = secmem_alloc(32)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((ret = check_all_inputs(p)) != 0 || (ret = psbt_unsigned_tx(&c.tx, p)) != 0 ||
	    (ret = sighash_cache_init(&c.cache, &c.tx, NULL, 0)) != 0)
		goto out;
	for (i = 0; i < p->n_in; i++) {
		if (psbt_input_is_final(p, i))
			continue;
		c.added = 0;
		spend_rc = psbt_spend_analyse(&s, p, i);
		if ((ret = sign_input_ecdsa(&c, i, &s, spend_rc)) == 0)
			ret = sign_input_taproot(&c, i, &s, spend_rc);
		psbt_spend_free(&s);
		if (ret != 0)
			goto out;
		if (c.added > 0) {
			stats->inputs_signed++;
			stats->signatures += c.added;
		}
	}
out:
	secmem_free(c.seckey);
	psbt_spent_free(c.spent, p->n_in);
	tx_free(&c.tx);
	return ret;
}

/* --- key sources ---------------------------------------------------------- */

/* Does our compressed key `ours` equal the PSBT's key (33, 65 or x-only 32)? */
static int
same_key(const uint8_t ours[33], const uint8_t *pub, size_t pub_len)
{
	uint8_t full[65];

	if (pub_len == 33)
		return memcmp(ours, pub, 33) == 0;
	if (pub_len == 32)
		return memcmp(ours + 1, pub, 32) == 0;
	if (pub_len == 65 && keys_pubkey_uncompress(full, ours, 33) == 0)
		return memcmp(full, pub, 65) == 0;
	return 0;
}

/* psbt_signer get_key over a bip32_cache (ctx): keys under the master's fingerprint. */
static int
hd_get_key(void *ctx, uint8_t seckey[32], const uint8_t *pub, size_t pub_len,
    const struct psbt_origin *o)
{
	struct bip32_cache *c = ctx;
	uint8_t ours[33];
	int ret;

	if (memcmp(o->fingerprint, bip32_cache_fingerprint(c), 4) != 0)
		return COFFER_ERR_NOT_FOUND;
	if ((ret = bip32_cache_seckey(c, seckey, ours, o->path, o->depth)) != 0)
		return ret == COFFER_ERR_DERIVATION ? COFFER_ERR_PSBT_KEY_MISMATCH : ret;
	if (!same_key(ours, pub, pub_len)) {
		secure_wipe(seckey, 32);
		return COFFER_ERR_PSBT_KEY_MISMATCH;
	}
	return 0;
}

void
psbt_signer_bip32(struct psbt_signer *out, struct bip32_cache *cache)
{
	out->get_key = hd_get_key;
	out->ctx = cache;
}

int
psbt_sign_bip32(struct psbt *p, struct psbt_sign_stats *stats, const struct bip32_key *master,
    const struct psbt_sign_opts *opts)
{
	struct psbt_signer signer;
	struct bip32_cache *c;
	int ret;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if ((ret = bip32_cache_new(&c, master)) != 0)
		return ret;
	psbt_signer_bip32(&signer, c);
	ret = psbt_sign(p, stats, &signer, opts);
	bip32_cache_free(c);
	return ret;
}

struct keys_ctx {
	const uint8_t (*seckeys)[32];
	uint8_t (*pubs)[33];
	size_t n;
};

static int
keys_get_key(void *vctx, uint8_t seckey[32], const uint8_t *pub, size_t pub_len,
    const struct psbt_origin *o)
{
	struct keys_ctx *k = vctx;
	size_t j;

	(void)o;
	for (j = 0; j < k->n; j++) {
		if (same_key(k->pubs[j], pub, pub_len)) {
			memcpy(seckey, k->seckeys[j], 32);
			return 0;
		}
	}
	return COFFER_ERR_NOT_FOUND;
}

int
psbt_sign_keys(struct psbt *p, struct psbt_sign_stats *stats, const uint8_t (*seckeys)[32],
    size_t n, const struct psbt_sign_opts *opts)
{
	struct psbt_signer signer;
	struct keys_ctx k;
	size_t j, len;
	int ret = 0;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	k.seckeys = seckeys;
	k.n = n;
	if ((k.pubs = calloc(n + 1, sizeof(*k.pubs))) == NULL)
		return COFFER_ERR_NOMEM;
	for (j = 0; j < n && ret == 0; j++)
		ret = sign_pubkey(k.pubs[j], &len, seckeys[j], 1);
	if (ret == 0) {
		signer.get_key = keys_get_key;
		signer.ctx = &k;
		ret = psbt_sign(p, stats, &signer, opts);
	}
	free(k.pubs);
	return ret;
}
