/*
 * Taproot construction (BIP341 wallet scriptPubKey vectors: leaf hashes, Merkle
 * root, tweak, output key, scriptPubKey, bech32m address, control blocks) and
 * script building/classification (multisig and multi_a scripts from the
 * BIP383/BIP387 descriptor vectors whose keys are literal, pushes, FindAndDelete).
 */
#include "tx_util.h"

#include "btc/address.h"
#include "btc/hash.h"
#include "btc/keys.h"
#include "btc/script.h"
#include "btc/sign.h"
#include "btc/taproot.h"
#include "common/secmem.h"

#define V_BIP341 "sighash/bip341_wallet_test_vectors.json"
#define V_BIP383 "descriptors/bip383_multi_sortedmulti.json"
#define V_BIP387 "descriptors/bip387_multi_a_sortedmulti_a.json"

#define MAX_LEAVES 16

struct leaves {
	struct taproot_leaf l[MAX_LEAVES];
	uint8_t *scripts[MAX_LEAVES];
	int id[MAX_LEAVES];
	size_t n;
};

/* Flatten a BIP341 JSON script tree into depth-first leaves with depths. */
static void
flatten(struct leaves *lv, const json_t *node, unsigned int depth)
{
	if (json_is_array(node)) {
		flatten(lv, json_array_get(node, 0), depth + 1);
		flatten(lv, json_array_get(node, 1), depth + 1);
		return;
	}
	if (lv->n >= MAX_LEAVES) {
		fprintf(stderr, "tree too big for the test\n");
		exit(1);
	}
	lv->scripts[lv->n] = tx_junhex(json_object_get(node, "script"), &lv->l[lv->n].script_len);
	lv->l[lv->n].script = lv->scripts[lv->n];
	lv->l[lv->n].version = (uint8_t)json_integer_value(json_object_get(node, "leafVersion"));
	lv->l[lv->n].depth = (uint8_t)depth;
	lv->id[lv->n] = (int)json_integer_value(json_object_get(node, "id"));
	lv->n++;
}

static void
test_bip341_spk(void)
{
	json_t *v = vectors_load(V_BIP341);
	const json_t *c;
	size_t i, k;
	int n = 0, ncb = 0, nleaf = 0;

	json_array_foreach(json_object_get(v, "scriptPubKey"), i, c) {
		const json_t *g = json_object_get(c, "given"), *im = json_object_get(c, "intermediary");
		const json_t *ex = json_object_get(c, "expected"), *tree = json_object_get(g, "scriptTree");
		uint8_t internal[32], root[32], *rootp = NULL, tw[32], q[32], want[32];
		char addr[ADDR_BUFSIZE];
		struct leaves lv;
		struct cbuf spk;
		int parity;

		memset(&lv, 0, sizeof(lv));
		tx_jhex(internal, 32, json_object_get(g, "internalPubkey"));
		if (!json_is_null(tree)) {
			flatten(&lv, tree, 0);
			CHECK_OK(taproot_tree_root(root, NULL, NULL, lv.l, lv.n, 0));
			tx_jhex(want, 32, json_object_get(im, "merkleRoot"));
			CHECK_MSG(memcmp(root, want, 32) == 0, "merkle root case %zu", i);
			rootp = root;
			for (k = 0; k < lv.n; k++) {
				uint8_t lh[32];

				taproot_leaf_hash(lh, lv.l[k].version, lv.l[k].script, lv.l[k].script_len);
				tx_jhex(want, 32, json_array_get(json_object_get(im, "leafHashes"), (size_t)lv.id[k]));
				CHECK(memcmp(lh, want, 32) == 0);
				nleaf++;
			}
		}
		taproot_tweak_hash(tw, internal, rootp);
		tx_jhex(want, 32, json_object_get(im, "tweak"));
		CHECK(memcmp(tw, want, 32) == 0);
		CHECK_OK(taproot_output_key(q, &parity, internal, rootp));
		tx_jhex(want, 32, json_object_get(im, "tweakedPubkey"));
		CHECK_MSG(memcmp(q, want, 32) == 0, "output key case %zu", i);
		{
			/* The keys engineer's implementation agrees. */
			uint8_t q2[32];
			int p2;

			CHECK_OK(keys_taproot_output_key(q2, &p2, internal, rootp));
			CHECK(memcmp(q, q2, 32) == 0 && p2 == parity);
		}
		cbuf_init(&spk, 0);
		CHECK_OK(script_p2tr(&spk, q));
		CHECK_HEX(spk.p, spk.len, json_string_value(json_object_get(ex, "scriptPubKey")));
		CHECK_OK(addr_encode(addr, spk.p, spk.len, BTC_MAINNET));
		CHECK_STREQ(addr, json_string_value(json_object_get(ex, "bip350Address")));
		{
			struct script_info info;

			CHECK_OK(script_classify(&info, spk.p, spk.len));
			CHECK(info.type == SCRIPT_P2TR && info.witness_version == 1 &&
			    info.program_len == 32 && memcmp(info.program, q, 32) == 0);
		}
		/* Control blocks: build from the Merkle path, compare, and verify. */
		for (k = 0; k < lv.n; k++) {
			uint8_t path[32 * TAPROOT_MAX_DEPTH], cb[TAPROOT_CONTROL_MAX], r2[32], lh[32], lh2[32];
			size_t plen, cblen;
			const json_t *wcb = json_array_get(json_object_get(ex, "scriptPathControlBlocks"),
			    (size_t)lv.id[k]);
			char hex[2 * TAPROOT_CONTROL_MAX + 1];

			CHECK_OK(taproot_tree_root(r2, path, &plen, lv.l, lv.n, k));
			CHECK(memcmp(r2, root, 32) == 0 && plen == 32u * lv.l[k].depth);
			CHECK_OK(taproot_control_block(cb, &cblen, lv.l[k].version, parity, internal, path, plen));
			hex_encode(hex, sizeof(hex), cb, cblen);
			CHECK_STREQ(hex, json_string_value(wcb));
			CHECK_OK(taproot_control_block_check(lh, q, cb, cblen, lv.l[k].script, lv.l[k].script_len));
			taproot_leaf_hash(lh2, lv.l[k].version, lv.l[k].script, lv.l[k].script_len);
			CHECK(memcmp(lh, lh2, 32) == 0);
			/* Wrong parity, wrong script, or a flipped path byte: rejected. */
			cb[0] ^= 1;
			CHECK_RC(taproot_control_block_check(NULL, q, cb, cblen, lv.l[k].script,
			    lv.l[k].script_len), COFFER_ERR_BAD_CONTROL_BLOCK);
			cb[0] ^= 1;
			CHECK_RC(taproot_control_block_check(NULL, q, cb, cblen, lv.l[k].script,
			    lv.l[k].script_len - 1), COFFER_ERR_BAD_CONTROL_BLOCK);
			if (cblen > TAPROOT_CONTROL_BASE) {
				cb[cblen - 1] ^= 1;
				CHECK_RC(taproot_control_block_check(NULL, q, cb, cblen, lv.l[k].script,
				    lv.l[k].script_len), COFFER_ERR_BAD_CONTROL_BLOCK);
			}
			CHECK_RC(taproot_control_block_check(NULL, q, cb, cblen - 1, lv.l[k].script,
			    lv.l[k].script_len), COFFER_ERR_BAD_CONTROL_BLOCK);
			ncb++;
		}
		for (k = 0; k < lv.n; k++)
			free(lv.scripts[k]);
		cbuf_free(&spk);
		n++;
	}
	vectors_count(V_BIP341, "scriptPubKey cases (tweak, output key, spk, address)", n);
	vectors_count(V_BIP341, "leaf hashes", nleaf);
	vectors_count(V_BIP341, "control blocks built and verified", ncb);
	json_decref(v);
}

static void
test_tree_shapes(void)
{
	static const uint8_t s[1] = { 0x51 };
	struct taproot_leaf l[4];
	uint8_t root[32], path[32 * TAPROOT_MAX_DEPTH], a[32], b[32], c[32], ab[32];
	size_t plen, i;
	struct {
		uint8_t depths[4];
		size_t n;
		int ok;
	} shapes[] = {
		{ { 0 }, 1, 1 }, { { 1, 1 }, 2, 1 }, { { 1, 2, 2 }, 3, 1 }, { { 2, 2, 1 }, 3, 1 },
		{ { 2, 2, 2, 2 }, 4, 1 }, { { 1 }, 1, 0 }, { { 0, 0 }, 2, 0 }, { { 1, 1, 1 }, 3, 0 },
		{ { 2, 1, 2 }, 3, 0 }, { { 1, 2 }, 2, 0 }, { { 2, 2 }, 2, 0 }, { { 0, 1 }, 2, 0 },
	};

	for (i = 0; i < 4; i++) {
		l[i].version = TAPROOT_LEAF_TAPSCRIPT;
		l[i].script = s;
		l[i].script_len = 1;
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		size_t k;

		for (k = 0; k < shapes[i].n; k++)
			l[k].depth = shapes[i].depths[k];
		CHECK_MSG(taproot_tree_root(root, NULL, NULL, l, shapes[i].n, 0) ==
		    (shapes[i].ok ? 0 : COFFER_ERR_BAD_TAPROOT_TREE), "shape %zu", i);
	}
	CHECK_RC(taproot_tree_root(root, NULL, NULL, l, 0, 0), COFFER_ERR_BAD_TAPROOT_TREE);
	/* {A,{B,C}} by hand: root = branch(A, branch(B, C)); path of C = [B, A]. */
	l[0].depth = 1, l[1].depth = 2, l[2].depth = 2;
	l[1].script_len = 0, l[1].script = NULL;
	l[2].version = 0xc2;
	taproot_leaf_hash(a, l[0].version, l[0].script, l[0].script_len);
	taproot_leaf_hash(b, l[1].version, l[1].script, l[1].script_len);
	taproot_leaf_hash(c, l[2].version, l[2].script, l[2].script_len);
	taproot_branch_hash(ab, b, c);
	CHECK(memcmp(a, c, 32) != 0);
	{
		uint8_t want[32], ba[32];

		taproot_branch_hash(want, a, ab);
		taproot_branch_hash(ba, ab, a);	/* order-independent */
		CHECK(memcmp(want, ba, 32) == 0);
		CHECK_OK(taproot_tree_root(root, path, &plen, l, 3, 2));
		CHECK(memcmp(root, want, 32) == 0);
		CHECK(plen == 64 && memcmp(path, b, 32) == 0 && memcmp(path + 32, a, 32) == 0);
		CHECK_OK(taproot_tree_root(root, path, &plen, l, 3, 0));
		CHECK(plen == 32 && memcmp(path, ab, 32) == 0);
	}
	l[2].version = 0xc1;	/* odd leaf version */
	CHECK_RC(taproot_tree_root(root, NULL, NULL, l, 3, 0), COFFER_ERR_BAD_TAPROOT_TREE);
	/* A deepest legal tree: depths 1, 2, ..., 128, 128. */
	{
		struct taproot_leaf *deep = calloc(TAPROOT_MAX_DEPTH + 1, sizeof(*deep));

		for (i = 0; i <= TAPROOT_MAX_DEPTH; i++) {
			deep[i].version = TAPROOT_LEAF_TAPSCRIPT;
			deep[i].depth = (uint8_t)(i < TAPROOT_MAX_DEPTH ? i + 1 : TAPROOT_MAX_DEPTH);
		}
		CHECK_OK(taproot_tree_root(root, path, &plen, deep, TAPROOT_MAX_DEPTH + 1, TAPROOT_MAX_DEPTH));
		CHECK(plen == 32 * TAPROOT_MAX_DEPTH);
		deep[TAPROOT_MAX_DEPTH - 1].depth = TAPROOT_MAX_DEPTH + 1;
		CHECK_RC(taproot_tree_root(root, NULL, NULL, deep, TAPROOT_MAX_DEPTH + 1, 0),
		    COFFER_ERR_BAD_TAPROOT_TREE);
		free(deep);
	}
	CHECK_RC(taproot_control_block(path, &plen, 0xc0, 0, a, path, 31), COFFER_ERR_BAD_CONTROL_BLOCK);
}

static void
test_seckey_tweak(void)
{
	uint8_t sk[32], tweaked[32], x[32], q[32], tx_[32], root[32] = { 5 }, msg[32] = { 1 }, sig[64];
	int parity, qpar, i;

	/* For random keys (both Y parities), tweak(d)·G == output key of d·G. */
	for (i = 0; i < 16; i++) {
		const uint8_t *r = (i & 1) ? root : NULL;

		secure_random(sk, sizeof(sk));
		CHECK_OK(sign_xonly_pubkey(x, &parity, sk));
		CHECK_OK(taproot_output_key(q, &qpar, x, r));
		CHECK_OK(taproot_tweak_seckey(tweaked, sk, r));
		CHECK_OK(sign_xonly_pubkey(tx_, NULL, tweaked));
		CHECK(memcmp(tx_, q, 32) == 0);
		CHECK_OK(sign_schnorr_keypath(sig, msg, sk, r, NULL));
		CHECK_OK(sign_schnorr_verify(sig, msg, 32, q));
		CHECK_RC(sign_schnorr_verify(sig, msg, 32, x), COFFER_ERR_BAD_SIGNATURE);
	}
	memset(sk, 0, sizeof(sk));
	CHECK_RC(taproot_tweak_seckey(tweaked, sk, NULL), COFFER_ERR_BAD_PRIVKEY);
	CHECK_RC(sign_schnorr_keypath(sig, msg, sk, NULL, NULL), COFFER_ERR_BAD_PRIVKEY);
	/* x = 0 is not on the curve. */
	CHECK_RC(taproot_output_key(q, NULL, sk, NULL), COFFER_ERR_BAD_PUBKEY);
	secure_wipe(tweaked, sizeof(tweaked));
}

/* Key expression of a literal-key descriptor: hex pubkey or WIF. */
static size_t
literal_key(uint8_t *out, const char *s, size_t len)
{
	char buf[160];
	uint8_t sk[32];
	size_t pl;
	int comp;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((len == 66 || len == 130) && hex_decode_exact(out, len / 2, buf) == 0)
		return len / 2;
	if (len == 64 && hex_decode_exact(out + 1, 32, buf) == 0) {
		out[0] = 0x02;	/* x-only: callers use bytes 1..32 */
		return 33;
	}
	if (keys_wif_decode(sk, &comp, buf, BTC_MAINNET) != 0)
		return 0;
	if (sign_pubkey(out, &pl, sk, comp) != 0)
		pl = 0;
	secure_wipe(sk, sizeof(sk));
	return pl;
}

/* From "multi(k,K1,K2...)" (or multi_a / sorted variants) inside a descriptor:
 * the threshold and keys. Returns the key count, 0 if a key is not literal. */
static size_t
literal_multi(const char *desc, const char *func, unsigned int *k, uint8_t keys[][65], size_t *lens)
{
	const char *p = strstr(desc, func), *e;
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen(func);
	*k = (unsigned int)strtoul(p, (char **)&e, 10);
	p = e;
	while (*p == ',') {
		p++;
		e = p + strcspn(p, ",)");
		if (n >= 20 || (lens[n] = literal_key(keys[n], p, (size_t)(e - p))) == 0)
			return 0;
		n++;
		p = e;
	}
	return n;
}

static int
cmp_keys(const void *a, const void *b)
{
	return memcmp(a, b, 33);
}

static int
cmp_xonly(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
test_multisig_vectors(void)
{
	json_t *v = vectors_load(V_BIP383);
	const json_t *c;
	size_t i;
	int n = 0, skipped = 0;

	json_array_foreach(json_object_get(v, "valid"), i, c) {
		const char *d = json_string_value(json_object_get(c, "descriptor"));
		int sorted = strncmp(d, "sortedmulti(", 12) == 0;
		uint8_t keys[20][65], h[32], h20[20];
		const uint8_t *kp[20];
		size_t lens[20], nk, j;
		unsigned int k;
		struct cbuf ms, out;

		nk = literal_multi(d, sorted ? "sortedmulti(" : "multi(", &k, keys, lens);
		if (nk == 0) {
			skipped++;	/* xpub/xprv keys: the descriptor engineer's vectors */
			continue;
		}
		if (sorted) {
			/* sortedmulti sorts the serialised keys (mixed lengths: by the first 33 bytes here,
			 * enough for this vector's 02/03-vs-04 prefixes). */
			qsort(keys, nk, sizeof(keys[0]), cmp_keys);
			for (j = 0; j < nk; j++)
				lens[j] = keys[j][0] == 4 ? 65 : 33;
		}
		for (j = 0; j < nk; j++)
			kp[j] = keys[j];
		cbuf_init(&ms, 0);
		cbuf_init(&out, 0);
		CHECK_OK(script_multisig(&ms, k, kp, lens, nk));
		if (strncmp(d, "sh(wsh(", 7) == 0) {
			script_sha256(h, ms.p, ms.len);
			CHECK_OK(script_p2wsh(&out, h));
			script_hash160(h20, out.p, out.len);
			cbuf_reset(&out);
			CHECK_OK(script_p2sh(&out, h20));
		} else if (strncmp(d, "wsh(", 4) == 0) {
			script_sha256(h, ms.p, ms.len);
			CHECK_OK(script_p2wsh(&out, h));
		} else {
			CHECK_OK(cbuf_put(&out, ms.p, ms.len));
			{
				struct script_info info;

				CHECK_OK(script_classify(&info, ms.p, ms.len));
				CHECK(info.type == SCRIPT_MULTISIG && info.m == k && info.n == nk);
			}
		}
		CHECK_HEX(out.p, out.len, json_string_value(json_array_get(json_object_get(c, "scripts"), 0)));
		cbuf_free(&ms);
		cbuf_free(&out);
		n++;
	}
	vectors_count(V_BIP383, "literal-key multi/sortedmulti scripts rebuilt", n);
	vectors_count(V_BIP383, "skipped: xpub keys (descriptor engine's tests)", skipped);
	json_decref(v);

	v = vectors_load(V_BIP387);
	n = skipped = 0;
	json_array_foreach(json_object_get(v, "valid"), i, c) {
		const char *d = json_string_value(json_object_get(c, "descriptor"));
		uint8_t keys[20][65], xonly[20][32], internal[65], q[32];
		struct taproot_leaf leaf;
		uint8_t root[32];
		size_t lens[20], nk, j;
		const char *comma;
		unsigned int k;
		struct cbuf ms, out;

		nk = literal_multi(d, "multi_a(", &k, keys, lens);
		comma = strchr(d, ',');
		if (nk == 0 || strncmp(d, "tr(", 3) != 0 || comma == NULL ||
		    literal_key(internal, d + 3, (size_t)(comma - d - 3)) == 0) {
			skipped++;	/* xpub/xprv keys: the descriptor engineer's vectors */
			continue;
		}
		for (j = 0; j < nk; j++)
			memcpy(xonly[j], keys[j] + 1, 32);
		if (strstr(d, "sortedmulti_a(") != NULL)
			qsort(xonly, nk, 32, cmp_xonly);
		cbuf_init(&ms, 0);
		cbuf_init(&out, 0);
		CHECK_OK(script_multi_a(&ms, k, (const uint8_t (*)[32])xonly, nk));
		leaf.version = TAPROOT_LEAF_TAPSCRIPT;
		leaf.depth = 0;
		leaf.script = ms.p;
		leaf.script_len = ms.len;
		CHECK_OK(taproot_tree_root(root, NULL, NULL, &leaf, 1, 0));
		CHECK_OK(taproot_output_key(q, NULL, internal + 1, root));
		CHECK_OK(script_p2tr(&out, q));
		CHECK_HEX(out.p, out.len, json_string_value(json_array_get(json_object_get(c, "scripts"), 0)));
		cbuf_free(&ms);
		cbuf_free(&out);
		n++;
	}
	vectors_count(V_BIP387, "literal-key tr(K,multi_a) outputs rebuilt", n);
	vectors_count(V_BIP387, "skipped: xpub keys (descriptor engine's tests)", skipped);
	json_decref(v);
}

static void
test_script_builders(void)
{
	struct cbuf b;
	uint8_t data[300], xk[3][32];
	struct script_info info;
	const uint8_t *kp[1];
	size_t kl[1], i;
	struct {
		int64_t v;
		const char *hex;
	} ints[] = {
		{ 0, "00" }, { -1, "4f" }, { 1, "51" }, { 16, "60" }, { 17, "0111" }, { 20, "0114" },
		{ 127, "017f" }, { 128, "028000" }, { 255, "02ff00" }, { 256, "020001" }, { -2, "0182" },
		{ -128, "028080" }, { 999, "02e703" }, { 0x7fffffff, "04ffffff7f" },
	};

	memset(data, 0x11, sizeof(data));
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		char hex[64];

		cbuf_init(&b, 0);
		CHECK_OK(script_push_int(&b, ints[i].v));
		hex_encode(hex, sizeof(hex), b.p, b.len);
		CHECK_STREQ(hex, ints[i].hex);
		cbuf_free(&b);
	}
	/* Minimal data pushes: lengths at the opcode boundaries. */
	{
		static const struct {
			size_t len;
			size_t hdr;
			uint8_t first;
		} pushes[] = { { 0, 1, 0x00 }, { 2, 1, 2 }, { 75, 1, 75 }, { 76, 2, OP_PUSHDATA1 },
			{ 255, 2, OP_PUSHDATA1 }, { 256, 3, OP_PUSHDATA2 } };

		for (i = 0; i < sizeof(pushes) / sizeof(pushes[0]); i++) {
			cbuf_init(&b, 0);
			CHECK_OK(script_push_data(&b, data, pushes[i].len));
			CHECK(b.len == pushes[i].hdr + pushes[i].len && b.p[0] == pushes[i].first);
			cbuf_free(&b);
		}
		cbuf_init(&b, 0);
		data[0] = 5;
		CHECK_OK(script_push_data(&b, data, 1));
		data[0] = 0x81;
		CHECK_OK(script_push_data(&b, data, 1));
		data[0] = 0x11;
		CHECK_OK(script_push_data(&b, data, 1));
		CHECK_HEX(b.p, b.len, "554f0111");
		cbuf_free(&b);
	}
	/* Standard templates and their classification. */
	cbuf_init(&b, 0);
	CHECK_OK(script_p2pkh(&b, data));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_P2PKH && info.program_len == 20 && info.witness_version == -1);
	cbuf_reset(&b);
	CHECK_OK(script_p2sh(&b, data));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_P2SH);
	cbuf_reset(&b);
	CHECK_OK(script_p2wpkh(&b, data));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_P2WPKH && info.witness_version == 0);
	cbuf_reset(&b);
	CHECK_OK(script_p2wsh(&b, data));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_P2WSH && info.program_len == 32);
	cbuf_reset(&b);
	CHECK_OK(script_witness_program(&b, 16, data, 40));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_WITNESS_UNKNOWN && info.witness_version == 16 && info.program_len == 40);
	CHECK_RC(script_witness_program(&b, 0, data, 21), COFFER_ERR_BAD_WITNESS_VERSION);
	CHECK_RC(script_witness_program(&b, 17, data, 32), COFFER_ERR_BAD_WITNESS_VERSION);
	CHECK_RC(script_witness_program(&b, 1, data, 41), COFFER_ERR_BAD_WITNESS_VERSION);
	cbuf_reset(&b);
	data[0] = 0x02;
	CHECK_OK(script_p2pk(&b, data, 33));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_P2PK && info.program_len == 33);
	CHECK_RC(script_p2pk(&b, data, 32), COFFER_ERR_BAD_PUBKEY);
	cbuf_reset(&b);
	CHECK_OK(script_push_op(&b, OP_RETURN));
	CHECK_OK(script_push_data(&b, data, 80));
	CHECK_OK(script_classify(&info, b.p, b.len));
	CHECK(info.type == SCRIPT_NULLDATA);
	/* Non-standard: truncated push, v0 with a 21-byte program, empty. */
	CHECK_OK(script_classify(&info, b.p, b.len - 1));
	CHECK(info.type == SCRIPT_NONSTANDARD);
	{
		uint8_t v0[23] = { 0x00, 21 };

		CHECK_OK(script_classify(&info, v0, sizeof(v0)));
		CHECK(info.type == SCRIPT_NONSTANDARD && info.witness_version == -1);
	}
	CHECK_OK(script_classify(&info, NULL, 0));
	CHECK(info.type == SCRIPT_NONSTANDARD);
	cbuf_free(&b);

	/* Thresholds. */
	kp[0] = data;
	kl[0] = 33;
	cbuf_init(&b, 0);
	CHECK_RC(script_multisig(&b, 0, kp, kl, 1), COFFER_ERR_DESC_THRESHOLD);
	CHECK_RC(script_multisig(&b, 2, kp, kl, 1), COFFER_ERR_DESC_THRESHOLD);
	kl[0] = 32;
	CHECK_RC(script_multisig(&b, 1, kp, kl, 1), COFFER_ERR_BAD_PUBKEY);
	memset(xk, 7, sizeof(xk));
	CHECK_RC(script_multi_a(&b, 4, (const uint8_t (*)[32])xk, 3), COFFER_ERR_DESC_THRESHOLD);
	CHECK(b.len == 0);
	CHECK_OK(script_multi_a(&b, 2, (const uint8_t (*)[32])xk, 3));
	CHECK(b.len == 3 * 34 + 2 && b.p[33] == OP_CHECKSIG && b.p[67] == OP_CHECKSIGADD &&
	    b.p[102] == 0x52 && b.p[103] == OP_NUMEQUAL);
	cbuf_free(&b);
}

static void
test_find_and_delete(void)
{
	static const struct {
		const char *script, *pattern, *want;
		size_t removed;
	} cases[] = {
		/* From Bitcoin Core's script_FindAndDelete test. */
		{ "0302ff03", "0302ff03", "", 1 },
		{ "0302ff030302ff03", "0302ff03", "", 2 },
		{ "0302ff030302ff03", "02", "0302ff030302ff03", 0 },
		{ "0302ff030302ff03", "ff", "0302ff030302ff03", 0 },
		{ "0302ff030302ff03", "03", "02ff0302ff03", 2 },
		{ "02feed5169", "feed51", "02feed5169", 0 },
		{ "02feed5169", "02feed51", "69", 1 },
		{ "516902feed5169", "feed51", "516902feed5169", 0 },
		{ "516902feed5169", "02feed51", "516969", 1 },
		{ "516902feed5169", "51", "6902feed69", 2 },
		{ "0003feed", "03feed", "00", 1 },
		{ "0003feed", "00", "03feed", 1 },
		{ "00", "00", "", 1 },
		{ "ab", "", "ab", 0 },
	};
	size_t i, n, pn, removed;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *s = test_unhex(cases[i].script, &n), *p = test_unhex(cases[i].pattern, &pn);
		struct cbuf b;
		char hex[64];

		cbuf_init(&b, 0);
		CHECK_OK(script_find_and_delete(&b, &removed, s, n, p, pn));
		hex_encode(hex, sizeof(hex), b.p, b.len);
		CHECK_MSG(strcmp(hex, cases[i].want) == 0 && removed == cases[i].removed,
		    "FindAndDelete case %zu: got %s (%zu)", i, hex, removed);
		cbuf_free(&b);
		free(s);
		free(p);
	}
	CHECK(script_is_push_only((const uint8_t *)"\x00\x51\x01\x02", 4));
	CHECK(!script_is_push_only((const uint8_t *)"\x00\xac", 2));
	CHECK(!script_is_push_only((const uint8_t *)"\x02\x01", 2));
}

static const struct test_case tests[] = {
	{ "bip341_spk", test_bip341_spk },
	{ "tree_shapes", test_tree_shapes },
	{ "seckey_tweak", test_seckey_tweak },
	{ "multisig_vectors", test_multisig_vectors },
	{ "script_builders", test_script_builders },
	{ "find_and_delete", test_find_and_delete },
};

TEST_MAIN(tests)
