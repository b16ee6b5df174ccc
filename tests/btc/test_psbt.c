/*
 * PSBT parsing and serialisation: BIP174 invalid/valid vectors (byte-exact
 * round trip), BIP370 v2 rules, locktime determination and v0<->v2
 * conversion, BIP371 taproot and BIP373 MuSig2 fields, plus unit tests for
 * duplicate keys, caps and canonical insertion.
 */
#include "harness.h"

#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/buf.h"

/* Parse hex and base64 (they must agree), return the rc of the hex parse. */
static int
parse_case(struct psbt *p, json_t *c)
{
	const char *hex = json_string_value(json_object_get(c, "hex"));
	const char *b64 = json_string_value(json_object_get(c, "base64"));
	uint8_t *raw;
	size_t n;
	struct psbt q;
	int rc, rc2;

	raw = test_unhex(hex, &n);
	rc = psbt_parse(p, raw, n);
	rc2 = psbt_parse_base64(&q, b64, strlen(b64));
	CHECK_MSG(rc == rc2, "hex rc %d, base64 rc %d", rc, rc2);
	psbt_free(&q);
	free(raw);
	return rc;
}

/* Parse, then serialise back: must be byte-identical (hex and base64). */
static int
roundtrip_case(json_t *c, const char *what)
{
	const char *hex = json_string_value(json_object_get(c, "hex"));
	const char *b64 = json_string_value(json_object_get(c, "base64"));
	struct psbt p, copy;
	struct cbuf out, out64;
	char *h = NULL;
	int ok = 0, rc;

	rc = parse_case(&p, c);
	CHECK_MSG(rc == 0, "%s: %s: rc %d (%s)", what,
	    json_string_value(json_object_get(c, "description")), rc, coffer_err_name(rc));
	if (rc != 0)
		return 0;
	cbuf_init(&out, 0);
	cbuf_init(&out64, 0);
	CHECK_OK(psbt_serialize(&out, &p));
	CHECK_OK(psbt_serialize_base64(&out64, &p));
	if ((h = malloc(out.len * 2 + 1)) != NULL) {
		hex_encode(h, out.len * 2 + 1, out.p, out.len);
		ok = strcmp(h, hex) == 0 && strcmp((char *)out64.p, b64) == 0;
		CHECK_MSG(ok, "%s: round trip differs", what);
	}
	/* A deep copy serialises the same. */
	CHECK_OK(psbt_copy(&copy, &p));
	cbuf_reset(&out64);
	CHECK_OK(psbt_serialize(&out64, &copy));
	CHECK(out64.len == out.len && memcmp(out64.p, out.p, out.len) == 0);
	psbt_free(&copy);
	free(h);
	cbuf_free(&out);
	cbuf_free(&out64);
	psbt_free(&p);
	return ok;
}

/* BIP174 invalid cases, in file order, with the reason each must fail for. */
static const struct {
	const char *desc_prefix;
	int rc;
} bip174_invalid[] = {
	{ "Network transaction, not PSBT", COFFER_ERR_PSBT_MAGIC },
	{ "PSBT missing outputs", COFFER_ERR_TRUNCATED },
	{ "PSBT where one input has a filled scriptSig", COFFER_ERR_PSBT_UNSIGNED_TX },
	{ "PSBT where inputs and outputs are provided but without an unsigned tx",
	  COFFER_ERR_PSBT_MISSING_FIELD },
	{ "PSBT with duplicate keys in an input", COFFER_ERR_PSBT_DUP_KEY },
	{ "PSBT with invalid global transaction typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid input witness utxo typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid pubkey length for input partial signature", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid redeemscript typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid witnessscript typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid pubkey in input BIP 32", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid non-witness utxo typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid final scriptsig typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid final script witness typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid pubkey in output BIP 32", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid input sighash type typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid output redeemScript typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with invalid output witnessScript typed key", COFFER_ERR_PSBT_BAD_KEY },
	{ "PSBT with unsigned tx serialized with witness", COFFER_ERR_PSBT_UNSIGNED_TX },
	{ "PSBT with an invalid value data due to its size", COFFER_ERR_PSBT_BAD_VALUE },
};

static int
run_invalid(json_t *arr, const char *file, const char *const *prefixes, const int *rcs, size_t n)
{
	size_t i;
	int ran = 0;

	CHECK_MSG(json_array_size(arr) == n, "%s: %zu invalid cases, table has %zu", file,
	    json_array_size(arr), n);
	for (i = 0; i < json_array_size(arr) && i < n; i++) {
		json_t *c = json_array_get(arr, i);
		const char *d = json_string_value(json_object_get(c, "description"));
		struct psbt p;
		int rc;

		CHECK_MSG(d != NULL && strncmp(d, prefixes[i], strlen(prefixes[i])) == 0,
		    "%s invalid[%zu]: description '%s' not '%s'", file, i, d ? d : "", prefixes[i]);
		rc = parse_case(&p, c);
		CHECK_MSG(rc == rcs[i], "%s invalid[%zu] '%s': got %d (%s), want %d (%s)", file, i,
		    prefixes[i], rc, coffer_err_name(rc), rcs[i], coffer_err_name(rcs[i]));
		CHECK(p.n_in == 0 && p.global.n == 0);	/* emptied on failure */
		psbt_free(&p);
		ran++;
	}
	return ran;
}

static void
test_bip174_parse(void)
{
	const char *file = "psbt/bip174_test_vectors.json";
	json_t *v = vectors_load(file), *arr;
	const char *pre[sizeof(bip174_invalid) / sizeof(bip174_invalid[0])];
	int rcs[sizeof(bip174_invalid) / sizeof(bip174_invalid[0])];
	size_t i, n = sizeof(bip174_invalid) / sizeof(bip174_invalid[0]);
	int ran, ok = 0;

	for (i = 0; i < n; i++) {
		pre[i] = bip174_invalid[i].desc_prefix;
		rcs[i] = bip174_invalid[i].rc;
	}
	ran = run_invalid(json_object_get(v, "invalid"), file, pre, rcs, n);
	vectors_count(file, "invalid rejected for the stated reason", ran);
	arr = json_object_get(v, "valid");
	for (i = 0; i < json_array_size(arr); i++)
		ok += roundtrip_case(json_array_get(arr, i), "bip174 valid");
	CHECK(json_array_size(arr) == 10);
	vectors_count(file, "valid parsed + byte-exact round trip", ok);
	json_decref(v);
}

static const char *const bip370_invalid_prefix[] = {
	"PSBTv0 but with PSBT_GLOBAL_VERSION set to 2", "PSBTv0 but with PSBT_GLOBAL_TX_VERSION",
	"PSBTv0 but with PSBT_GLOBAL_FALLBACK_LOCKTIME", "PSBTv0 but with PSBT_GLOBAL_INPUT_COUNT",
	"PSBTv0 but with PSBT_GLOBAL_OUTPUT_COUNT", "PSBTv0 but with PSBT_GLOBAL_TX_MODIFIABLE",
	"PSBTv0 but with PSBT_IN_PREVIOUS_TXID", "PSBTv0 but with PSBT_IN_OUTPUT_INDEX",
	"PSBTv0 but with PSBT_IN_SEQUENCE", "PSBTv0 but with PSBT_IN_REQUIRED_TIME_LOCKTIME",
	"PSBTv0 but with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME", "PSBTv0 but with PSBT_OUT_AMOUNT",
	"PSBTv0 but with PSBT_OUT_SCRIPT", "PSBTv2 but with PSBT_GLOBAL_UNSIGNED_TX",
	"PSBTv2 missing PSBT_GLOBAL_INPUT_COUNT", "PSBTv2 missing PSBT_GLOBAL_OUTPUT_COUNT",
	"PSBTv2 missing PSBT_GLOBAL_TX_VERSION", "PSBTv2 missing PSBT_IN_PREVIOUS_TXID",
	"PSBTv2 missing PSBT_IN_OUTPUT_INDEX", "PSBTv2 missing PSBT_OUT_AMOUNT",
	"PSBTv2 missing PSBT_OUT_SCRIPT",
	"PSBTv2 with PSBT_IN_REQUIRED_TIME_LOCKTIME less than 500000000",
	"PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME greater than or equal to 500000000",
	"PSBTv2 with PSBT_IN_REQUIRED_HEIGHT_LOCKTIME of 0",
};

static const int bip370_invalid_rc[] = {
	/* v0 carrying v2-only fields ("set to 2": the v0 unsigned tx in a v2 PSBT) */
	COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION,
	COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION,
	COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION,
	COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION,
	COFFER_ERR_PSBT_FIELD_VERSION, COFFER_ERR_PSBT_FIELD_VERSION,
	/* v2 missing required fields */
	COFFER_ERR_PSBT_MISSING_FIELD, COFFER_ERR_PSBT_MISSING_FIELD, COFFER_ERR_PSBT_MISSING_FIELD,
	COFFER_ERR_PSBT_MISSING_FIELD, COFFER_ERR_PSBT_MISSING_FIELD, COFFER_ERR_PSBT_MISSING_FIELD,
	COFFER_ERR_PSBT_MISSING_FIELD,
	/* locktime values out of their range */
	COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_VALUE,
};

/* v2 -> v0 -> v2 keeps the transaction; v0 -> v2 -> v0 is the identity for
 * PSBTs whose fields all exist in both versions. */
static void
check_conversion(const struct psbt *p)
{
	struct psbt a, b;
	uint8_t t1[32], t2[32];
	struct tx tx;
	uint32_t lt1, lt2;

	if (psbt_locktime(&lt1, p) != 0)
		return;
	CHECK_OK(psbt_convert(&a, p, p->version == 2 ? 0 : 2));
	CHECK(a.version == (p->version == 2 ? 0u : 2u));
	CHECK_OK(psbt_convert(&b, &a, p->version));
	CHECK(b.version == p->version);
	CHECK_OK(psbt_locktime(&lt2, &a));
	CHECK(lt1 == lt2);
	CHECK_OK(psbt_unsigned_tx(&tx, &b));
	CHECK_OK(tx_txid(t1, &tx));
	tx_free(&tx);
	CHECK_OK(psbt_unsigned_tx(&tx, p));
	CHECK_OK(tx_txid(t2, &tx));
	tx_free(&tx);
	CHECK(memcmp(t1, t2, 32) == 0);
	if (p->version == 0) {
		struct cbuf x, y;

		cbuf_init(&x, 0);
		cbuf_init(&y, 0);
		CHECK_OK(psbt_serialize(&x, p));
		CHECK_OK(psbt_serialize(&y, &b));
		CHECK(x.len == y.len && memcmp(x.p, y.p, x.len) == 0);
		cbuf_free(&x);
		cbuf_free(&y);
	}
	/* The converted PSBT serialises to something that parses the same. */
	{
		struct cbuf s;
		struct psbt r;

		cbuf_init(&s, 0);
		CHECK_OK(psbt_serialize(&s, &a));
		CHECK_OK(psbt_parse(&r, s.p, s.len));
		CHECK(r.version == a.version && r.n_in == a.n_in && r.n_out == a.n_out);
		psbt_free(&r);
		cbuf_free(&s);
	}
	psbt_free(&a);
	psbt_free(&b);
}

static void
test_bip370(void)
{
	const char *file = "psbt/bip370_test_vectors.json";
	json_t *v = vectors_load(file), *arr;
	size_t i, n = sizeof(bip370_invalid_prefix) / sizeof(bip370_invalid_prefix[0]);
	int ran, ok = 0, tl = 0;

	CHECK(n == sizeof(bip370_invalid_rc) / sizeof(bip370_invalid_rc[0]));
	ran = run_invalid(json_object_get(v, "invalid"), file, bip370_invalid_prefix,
	    bip370_invalid_rc, n);
	vectors_count(file, "invalid rejected for the stated reason", ran);

	arr = json_object_get(v, "valid");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *c = json_array_get(arr, i);
		struct psbt p;

		ok += roundtrip_case(c, "bip370 valid");
		if (parse_case(&p, c) == 0) {
			CHECK(p.version == 2);
			check_conversion(&p);
		}
		psbt_free(&p);
	}
	CHECK(json_array_size(arr) == 14);
	vectors_count(file, "valid parsed + byte-exact round trip + v0/v2 conversion", ok);

	arr = json_object_get(v, "timelock");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *c = json_array_get(arr, i);
		json_t *want = json_object_get(c, "expected_locktime");
		struct psbt p;
		uint32_t lt;
		int rc;

		CHECK_OK(parse_case(&p, c));
		rc = psbt_locktime(&lt, &p);
		if (json_is_integer(want)) {
			CHECK_MSG(rc == 0 && lt == (uint32_t)json_integer_value(want),
			    "timelock[%zu]: rc %d lt %u want %lld", i, rc, lt,
			    (long long)json_integer_value(want));
			check_conversion(&p);
		} else {
			CHECK(json_object_get(c, "expected_error") != NULL);
			CHECK_RC(rc, COFFER_ERR_PSBT_LOCKTIME);
			{
				struct psbt q;
				struct tx tx;

				CHECK_RC(psbt_convert(&q, &p, 0), COFFER_ERR_PSBT_LOCKTIME);
				CHECK_RC(psbt_unsigned_tx(&tx, &p), COFFER_ERR_PSBT_LOCKTIME);
			}
		}
		psbt_free(&p);
		tl++;
	}
	CHECK(tl == 10);
	vectors_count(file, "timelock cases (locktime or error)", tl);
	json_decref(v);
}

static const char *const bip371_invalid_prefix[] = {
	"PSBT With PSBT_IN_TAP_INTERNAL_KEY key that is too long",
	"PSBT With PSBT_IN_TAP_KEY_SIG signature that is too short",
	"PSBT With PSBT_IN_TAP_KEY_SIG signature that is too long",
	"PSBT With PSBT_IN_TAP_BIP32_DERIVATION key that is too long",
	"PSBT With PSBT_OUT_TAP_INTERNAL_KEY key that is too long",
	"PSBT With PSBT_OUT_TAP_BIP32_DERIVATION key that is too long",
	"PSBT With PSBT_IN_TAP_SCRIPT_SIG key that is too long",
	"PSBT With PSBT_IN_TAP_SCRIPT_SIG signature that is too long",
	"PSBT With PSBT_IN_TAP_SCRIPT_SIG signature that is too short",
	"PSBT With PSBT_IN_TAP_LEAF_SCRIPT Control block that is too long",
	"PSBT With PSBT_IN_TAP_LEAF_SCRIPT Control block that is too short",
};

static const int bip371_invalid_rc[] = {
	/* internal keys are values; derivation, script-sig and leaf-script keys are key data */
	COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_VALUE,
	COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_KEY,
	COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_VALUE,
	COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_KEY,
};

static void
test_bip371_parse(void)
{
	const char *file = "psbt/bip371_taproot_psbt_test_vectors.json";
	json_t *v = vectors_load(file), *arr;
	size_t i, n = sizeof(bip371_invalid_prefix) / sizeof(bip371_invalid_prefix[0]);
	int ran, ok = 0;

	ran = run_invalid(json_object_get(v, "invalid"), file, bip371_invalid_prefix,
	    bip371_invalid_rc, n);
	vectors_count(file, "invalid rejected for the stated reason", ran);
	arr = json_object_get(v, "valid");
	for (i = 0; i < json_array_size(arr); i++)
		ok += roundtrip_case(json_array_get(arr, i), "bip371 valid");
	CHECK(json_array_size(arr) == 6);
	vectors_count(file, "valid parsed + byte-exact round trip", ok);
	json_decref(v);
}

static const char *const bip373_invalid_prefix[] = {
	"PSBT with x-only aggregate pubkey in input participant pubkeys keydata",
	"PSBT with an x-only input participant pubkey",
	"PSBT with x-only aggregate pubkey in output participant pubkeys keydata",
	"PSBT with an x-only output participant pubkey",
	"PSBT with x-only aggregate pubkey in public nonce keydata",
	"PSBT with an x-only participant pubkey in public nonce keydata",
	"PSBT with invalid public nonce valuedata length",
	"PSBT with x-only aggregate pubkey in partial sig keydata",
	"PSBT with an x-only participant pubkey in partial sig keydata",
	"PSBT with invalid partial sig valuedata length",
};

/* NB: invalid[3] ("x-only output participant pubkey") carries exactly the same
 * bytes as invalid[2] in the BIP text (a copy slip): its output key data is an
 * x-only aggregate key, so it fails for that reason (bad key), checked below. */
static const int bip373_invalid_rc[] = {
	COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_KEY,
	COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_KEY,
	COFFER_ERR_PSBT_BAD_VALUE, COFFER_ERR_PSBT_BAD_KEY, COFFER_ERR_PSBT_BAD_KEY,
	COFFER_ERR_PSBT_BAD_VALUE,
};

static void
test_bip373_parse(void)
{
	const char *file = "psbt/bip373_musig2_psbt_test_vectors.json";
	json_t *v = vectors_load(file), *arr;
	size_t i, j, n = sizeof(bip373_invalid_prefix) / sizeof(bip373_invalid_prefix[0]);
	int ran, ok = 0, total = 0;

	ran = run_invalid(json_object_get(v, "invalid"), file, bip373_invalid_prefix,
	    bip373_invalid_rc, n);
	arr = json_object_get(v, "invalid");
	CHECK(json_equal(json_object_get(json_array_get(arr, 2), "hex"),
	    json_object_get(json_array_get(arr, 3), "hex")));
	vectors_count(file, "invalid rejected for the stated reason", ran);
	arr = json_object_get(v, "valid");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *c = json_array_get(arr, i), *stages = json_object_get(c, "stages");

		if (stages == NULL) {
			ok += roundtrip_case(c, "bip373 valid");
			total++;
			continue;
		}
		for (j = 0; j < json_array_size(stages); j++) {
			ok += roundtrip_case(json_array_get(stages, j), "bip373 stage");
			total++;
		}
	}
	CHECK(total == 14 && ok == total);
	vectors_count(file, "valid PSBTs (6 cases, 14 stages) parsed + byte-exact round trip", ok);
	json_decref(v);
}

static const struct test_case tests[] = {
	{ "bip174_parse", test_bip174_parse },
	{ "bip370", test_bip370 },
	{ "bip371_parse", test_bip371_parse },
	{ "bip373_parse", test_bip373_parse },
};

TEST_MAIN(tests)
