/*
 * PSBT roles against BIP174's workflow vectors (creator, updater, signers
 * without low-R grinding, combiner, finaliser, extractor), the combiner with
 * unknown keys, the "fails signer checks" cases, and taproot signatures of the
 * BIP371/BIP373 vectors checked against our BIP341/342 sighash.
 */
#include "harness.h"

#include "btc/bip32.h"
#include "btc/keys.h"
#include "btc/psbt.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/tx.h"
#include "common/buf.h"
#include "common/secmem.h"

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL) {
		fprintf(stderr, "vector field %s missing\n", k);
		exit(1);
	}
	return s;
}

static void
parse_hex(struct psbt *p, const char *hex)
{
	size_t n;
	uint8_t *raw = test_unhex(hex, &n);

	if (psbt_parse(p, raw, n) != 0) {
		fprintf(stderr, "vector PSBT does not parse: %.40s\n", hex);
		exit(1);
	}
	free(raw);
}

/* Serialise p and compare with the expected hex. */
static int
same_hex(const struct psbt *p, const char *want)
{
	struct cbuf b;
	char *h;
	int ok;

	cbuf_init(&b, 0);
	if (psbt_serialize(&b, p) != 0)
		return 0;
	h = malloc(b.len * 2 + 1);
	hex_encode(h, b.len * 2 + 1, b.p, b.len);
	ok = strcmp(h, want) == 0;
	if (!ok)
		fprintf(stderr, "  got  %s\n  want %s\n", h, want);
	free(h);
	cbuf_free(&b);
	return ok;
}

/* A workflow step: a check that also counts when it passes. */
static int
step(int ok, const char *what, int line)
{
	if (ok) {
		t_pass++;
	} else {
		t_fail++;
		fprintf(stderr, "%s:%d: workflow step '%s' differs\n", __FILE__, line, what);
	}
	return ok;
}
#define STEP(ok, what) step((ok), (what), __LINE__)

static int64_t
btc_amount(const char *s)
{
	int64_t whole = 0, frac = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9')
		whole = whole * 10 + (*s++ - '0');
	if (*s == '.')
		s++;
	while (*s >= '0' && *s <= '9' && digits < 8) {
		frac = frac * 10 + (*s++ - '0');
		digits++;
	}
	while (digits++ < 8)
		frac *= 10;
	return whole * 100000000 + frac;
}

static struct bip32_key *
workflow_master(json_t *w)
{
	struct bip32_key *m = bip32_key_new();

	CHECK(m != NULL);
	CHECK_OK(bip32_key_parse(m, jstr(w, "master_xprv")));
	return m;
}

static int
sign_with_wifs(struct psbt *p, json_t *keys)
{
	uint8_t (*sk)[32];
	size_t i, n = json_array_size(keys);
	struct psbt_sign_opts opts = { PSBT_SIGN_NO_GRIND, NULL };
	struct psbt_sign_stats st;
	int rc;

	sk = secmem_alloc(32 * n);
	for (i = 0; i < n; i++)
		CHECK_OK(keys_wif_decode(sk[i], NULL, jstr(json_array_get(keys, i), "wif"),
		    BTC_TESTNET));
	rc = psbt_sign_keys(p, &st, (const uint8_t (*)[32])sk, n, &opts);
	CHECK(st.signatures == n && st.inputs_signed == n);
	secmem_free(sk);
	return rc;
}

static void
test_bip174_workflow(void)
{
	const char *file = "psbt/bip174_test_vectors.json";
	json_t *v = vectors_load(file), *w = json_object_get(v, "workflow"), *c, *u, *arr;
	struct psbt created, updated, s1, s2, comb, comb2, fin, bymaster;
	const struct psbt *both[2];
	struct bip32_key *master = workflow_master(w);
	struct psbt_sign_opts nogrind = { PSBT_SIGN_NO_GRIND, NULL };
	struct psbt_sign_stats st;
	struct tx tx, *prev;
	struct cbuf raw;
	size_t i, n;
	int steps = 0;

	/* Creator. */
	c = json_object_get(w, "creator");
	tx_init(&tx);
	arr = json_object_get(c, "inputs");
	for (i = 0; i < json_array_size(arr); i++) {
		uint8_t txid[32];

		CHECK_OK(tx_hash_from_hex(txid, jstr(json_array_get(arr, i), "txid")));
		CHECK_OK(tx_add_input(&tx, txid, (uint32_t)json_integer_value(json_object_get(
		    json_array_get(arr, i), "vout")), TX_SEQUENCE_FINAL));
	}
	arr = json_object_get(c, "outputs");
	for (i = 0; i < json_array_size(arr); i++) {
		uint8_t *spk = test_unhex(jstr(json_array_get(arr, i), "scriptPubKey"), &n);

		CHECK_OK(tx_add_output(&tx, btc_amount(jstr(json_array_get(arr, i), "amount_btc")),
		    spk, n));
		free(spk);
	}
	CHECK_OK(psbt_create(&created, &tx));
	tx_free(&tx);
	steps += STEP(same_hex(&created, jstr(c, "psbt_hex")), "creator");

	/* Updater: previous transactions, scripts and keys from the vector. */
	u = json_object_get(w, "updater");
	{
		json_t *ptx = json_object_get(u, "previous_transactions");
		json_t *rs = json_object_get(u, "redeem_scripts"), *ws = json_object_get(u, "witness_scripts");
		json_t *pk = json_object_get(u, "public_keys");
		size_t ns = json_array_size(rs) + json_array_size(ws), np = json_array_size(pk);
		uint8_t **scripts = calloc(ns, sizeof(*scripts));
		size_t *lens = calloc(ns, sizeof(*lens));
		struct psbt_pool_key *keys = calloc(np, sizeof(*keys));
		struct psbt_update_pool pool;
		uint8_t fp[4];

		prev = calloc(json_array_size(ptx), sizeof(*prev));
		for (i = 0; i < json_array_size(ptx); i++) {
			uint8_t *b = test_unhex(json_string_value(json_array_get(ptx, i)), &n);

			CHECK_OK(tx_parse(&prev[i], b, n, 0));
			free(b);
		}
		for (i = 0; i < ns; i++) {
			json_t *s = i < json_array_size(rs) ? json_array_get(rs, i) :
			    json_array_get(ws, i - json_array_size(rs));

			scripts[i] = test_unhex(json_string_value(s), &lens[i]);
		}
		bip32_fingerprint(fp, master);
		for (i = 0; i < np; i++) {
			uint8_t *b = test_unhex(jstr(json_array_get(pk, i), "pubkey"), &n);

			memcpy(keys[i].pubkey, b, n);
			keys[i].pubkey_len = n;
			memcpy(keys[i].origin.fingerprint, fp, 4);
			CHECK_OK(bip32_path_parse(keys[i].origin.path, PSBT_MAX_PATH_DEPTH,
			    &keys[i].origin.depth, jstr(json_array_get(pk, i), "path")));
			free(b);
		}
		pool.prev_txs = prev;
		pool.n_prev_txs = json_array_size(ptx);
		pool.scripts = (const uint8_t *const *)scripts;
		pool.script_lens = lens;
		pool.n_scripts = ns;
		pool.keys = keys;
		pool.n_keys = np;
		CHECK_OK(psbt_copy(&updated, &created));
		CHECK_OK(psbt_update(&updated, &pool, 0));
		steps += STEP(same_hex(&updated, jstr(u, "psbt_hex")), "updater");
		for (i = 0; i < json_array_size(ptx); i++)
			tx_free(&prev[i]);
		for (i = 0; i < ns; i++)
			free(scripts[i]);
		free(prev);
		free(scripts);
		free(lens);
		free(keys);
	}

	/* Updater: SIGHASH_ALL on every input. */
	for (i = 0; i < updated.n_in; i++)
		CHECK_OK(psbt_update_input_sighash(&updated, i, SIGHASH_ALL));
	steps += STEP(same_hex(&updated, jstr(json_object_get(w, "updater_sighash_all"),
	    "psbt_hex")), "updater sighash all");

	/* Two signers (plain RFC6979, as the BIP's). */
	CHECK_OK(psbt_copy(&s1, &updated));
	CHECK_OK(sign_with_wifs(&s1, json_object_get(json_object_get(w, "signer_1"), "keys")));
	steps += STEP(same_hex(&s1, jstr(json_object_get(w, "signer_1"), "psbt_hex")), "signer 1");
	CHECK_OK(psbt_copy(&s2, &updated));
	CHECK_OK(sign_with_wifs(&s2, json_object_get(json_object_get(w, "signer_2"), "keys")));
	steps += STEP(same_hex(&s2, jstr(json_object_get(w, "signer_2"), "psbt_hex")), "signer 2");

	/* Combiner, in both orders. */
	both[0] = &s1;
	both[1] = &s2;
	CHECK_OK(psbt_combine(&comb, both, 2));
	CHECK_MSG(same_hex(&comb, jstr(json_object_get(w, "combiner"), "psbt_hex")), "combiner");
	both[0] = &s2;
	both[1] = &s1;
	CHECK_OK(psbt_combine(&comb2, both, 2));
	steps += STEP(same_hex(&comb2, jstr(json_object_get(w, "combiner"), "psbt_hex")),
	    "combiner 2-1");

	/* The HD signer with the master key alone does both signers' work. */
	CHECK_OK(psbt_copy(&bymaster, &updated));
	CHECK_OK(psbt_sign_bip32(&bymaster, &st, master, &nogrind));
	CHECK(st.signatures == 4 && st.inputs_signed == 2 && st.key_mismatch == 0);
	CHECK_MSG(same_hex(&bymaster, jstr(json_object_get(w, "combiner"), "psbt_hex")),
	    "master signer");

	/* Finaliser and extractor. */
	CHECK_OK(psbt_copy(&fin, &comb));
	CHECK_OK(psbt_finalize(&fin, &n));
	CHECK(n == 2);
	steps += STEP(same_hex(&fin, jstr(json_object_get(w, "finalizer"), "psbt_hex")), "finalizer");
	CHECK_OK(psbt_extract(&tx, &fin));
	cbuf_init(&raw, 0);
	CHECK_OK(tx_serialize(&raw, &tx, 0));
	{
		char *h = malloc(raw.len * 2 + 1);

		hex_encode(h, raw.len * 2 + 1, raw.p, raw.len);
		steps += STEP(strcmp(h, jstr(json_object_get(w, "extractor"), "tx_hex")) == 0,
		    "extractor");
		free(h);
	}
	cbuf_free(&raw);
	tx_free(&tx);
	/* Extracting a non-final PSBT is refused. */
	CHECK_RC(psbt_extract(&tx, &comb), COFFER_ERR_PSBT_NOT_FINAL);
	vectors_count(file, "workflow steps reproduced byte for byte", steps);

	psbt_free(&created);
	psbt_free(&updated);
	psbt_free(&s1);
	psbt_free(&s2);
	psbt_free(&comb);
	psbt_free(&comb2);
	psbt_free(&bymaster);
	psbt_free(&fin);
	bip32_key_free(master);
	json_decref(v);
}

static void
test_bip174_unknown_combiner(void)
{
	const char *file = "psbt/bip174_test_vectors.json";
	json_t *v = vectors_load(file), *c = json_object_get(v, "unknown_kv_combiner");
	json_t *in = json_object_get(c, "inputs");
	struct psbt a, b, out;
	const struct psbt *both[2];

	parse_hex(&a, jstr(json_array_get(in, 0), "psbt_hex"));
	parse_hex(&b, jstr(json_array_get(in, 1), "psbt_hex"));
	both[0] = &a;
	both[1] = &b;
	CHECK_OK(psbt_combine(&out, both, 2));
	CHECK(same_hex(&out, jstr(json_object_get(c, "combined_lexicographic"), "psbt_hex")));
	psbt_free(&out);
	vectors_count(file, "unknown-key combiner case", 1);
	psbt_free(&a);
	psbt_free(&b);
	json_decref(v);
}

static void
test_bip174_signer_checks(void)
{
	static const int want[] = { COFFER_ERR_PSBT_UTXO_MISMATCH, COFFER_ERR_PSBT_SCRIPT_MISMATCH,
		COFFER_ERR_PSBT_SCRIPT_MISMATCH, COFFER_ERR_PSBT_SCRIPT_MISMATCH };
	const char *file = "psbt/bip174_test_vectors.json";
	json_t *v = vectors_load(file), *arr = json_object_get(v, "fails_signer_checks");
	struct bip32_key *master = workflow_master(json_object_get(v, "workflow"));
	size_t i;
	int ran = 0;

	CHECK(json_array_size(arr) == 4);
	for (i = 0; i < json_array_size(arr) && i < 4; i++) {
		struct psbt p;
		struct psbt_sign_stats st;

		parse_hex(&p, jstr(json_array_get(arr, i), "hex"));
		CHECK_RC(psbt_sign_bip32(&p, &st, master, NULL), want[i]);
		CHECK(st.signatures == 0);
		psbt_free(&p);
		ran++;
	}
	vectors_count(file, "fails-signer-checks refused by our signer", ran);
	bip32_key_free(master);
	json_decref(v);
}

/* Verify every taproot signature in a PSBT against our BIP341/342 sighash. */
static void
verify_tap_sigs(const struct psbt *p, int *n_key, int *n_script)
{
	struct tx_out *spent = calloc(p->n_in, sizeof(*spent));
	struct cbuf *spks = calloc(p->n_in, sizeof(*spks));
	struct sighash_cache cache;
	struct tx tx;
	size_t i, j;

	CHECK_OK(psbt_unsigned_tx(&tx, p));
	for (i = 0; i < p->n_in; i++) {
		cbuf_init(&spks[i], 0);
		CHECK_OK(psbt_input_utxo(&spent[i].value, &spks[i], NULL, p, i));
		spent[i].script_pubkey = spks[i].p;
		spent[i].script_pubkey_len = spks[i].len;
	}
	CHECK_OK(sighash_cache_init(&cache, &tx, spent, p->n_in));
	for (i = 0; i < p->n_in; i++) {
		const struct psbt_map *m = &p->in[i].map;

		for (j = 0; j < m->n; j++) {
			const struct psbt_kv *kv = &m->kv[j];
			const uint8_t *kd = kv->key + 1;
			uint8_t msg[32], ht = kv->value_len == 65 ? kv->value[64] : 0;

			if (kv->type == PSBT_IN_TAP_KEY_SIG) {
				CHECK_OK(sighash_taproot(msg, &cache, i, ht, NULL, 0, NULL,
				    SIGHASH_NO_CODESEP));
				CHECK_OK(sign_schnorr_verify(kv->value, msg, 32, spks[i].p + 2));
				(*n_key)++;
			} else if (kv->type == PSBT_IN_TAP_SCRIPT_SIG) {
				CHECK_OK(sighash_taproot(msg, &cache, i, ht, NULL, 0, kd + 32,
				    SIGHASH_NO_CODESEP));
				CHECK_OK(sign_schnorr_verify(kv->value, msg, 32, kd));
				(*n_script)++;
			}
		}
	}
	for (i = 0; i < p->n_in; i++)
		cbuf_free(&spks[i]);
	free(spks);
	free(spent);
	tx_free(&tx);
}

static void
test_taproot_sigs(void)
{
	const char *f371 = "psbt/bip371_taproot_psbt_test_vectors.json";
	const char *f373 = "psbt/bip373_musig2_psbt_test_vectors.json";
	json_t *v = vectors_load(f371), *arr = json_object_get(v, "valid");
	size_t i, j;
	int nk = 0, ns = 0, fin = 0;

	for (i = 0; i < json_array_size(arr); i++) {
		struct psbt p;
		size_t n;

		parse_hex(&p, jstr(json_array_get(arr, i), "hex"));
		verify_tap_sigs(&p, &nk, &ns);
		/* The finaliser accepts the signed ones (it verifies too). */
		if (psbt_map_count_type(&p.in[0].map, PSBT_IN_TAP_KEY_SIG) +
		    psbt_map_count_type(&p.in[0].map, PSBT_IN_TAP_SCRIPT_SIG) > 0) {
			CHECK_OK(psbt_finalize(&p, &n));
			CHECK(psbt_input_is_final(&p, 0));
			fin++;
		}
		psbt_free(&p);
	}
	CHECK(nk == 1 && ns == 3 && fin == 2);
	vectors_count(f371, "taproot signatures verified (1 key path, 3 script path)", nk + ns);
	json_decref(v);

	v = vectors_load(f373);
	arr = json_object_get(v, "valid");
	nk = ns = 0;
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *stages = json_object_get(json_array_get(arr, i), "stages");

		for (j = 0; j < json_array_size(stages); j++) {
			struct psbt p;

			parse_hex(&p, jstr(json_array_get(stages, j), "hex"));
			verify_tap_sigs(&p, &nk, &ns);
			psbt_free(&p);
		}
	}
	CHECK(nk == 2 && ns == 1);
	vectors_count(f373, "aggregate taproot signatures verified (2 key path, 1 script path)",
	    nk + ns);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "bip174_workflow", test_bip174_workflow },
	{ "bip174_unknown_combiner", test_bip174_unknown_combiner },
	{ "bip174_signer_checks", test_bip174_signer_checks },
	{ "taproot_sigs", test_taproot_sigs },
};

TEST_MAIN(tests)
