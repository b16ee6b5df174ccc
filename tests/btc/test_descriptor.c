/*
 * Descriptor tests: every case of the BIP380-390 vector files, checked for
 * the listed scripts (valid) or the specific error (invalid), plus round
 * trips through the serialiser and our own edge cases.
 */
#include "harness.h"

#include "btc/descriptor.h"
#include "common/secmem.h"

#define MAX_CHECK_SCRIPTS 8

static int
parse(struct descriptor **d, const char *s)
{
	return desc_parse(d, s, strlen(s), BTC_MAINNET);
}

/* Hex of the scripts of d at (path, index), joined with ' ' ("" on error; *rc gets the code). */
static void
scripts_hex(char *out, size_t outsize, const struct descriptor *d, size_t path, uint32_t index, int *rc)
{
	struct desc_scripts s;
	size_t i, off = 0;

	out[0] = '\0';
	desc_scripts_init(&s);
	*rc = desc_derive(&s, d, path, index);
	for (i = 0; *rc == 0 && i < s.n; i++) {
		if (off + 2 * s.spk[i].len + 2 > outsize)
			break;
		if (i > 0)
			out[off++] = ' ';
		hex_encode(out + off, outsize - off, s.spk[i].p, s.spk[i].len);
		off += 2 * s.spk[i].len;
	}
	desc_scripts_free(&s);
}

/*
 * Serialise d (private and public form), parse the text again and check the
 * checksum it carries, that it derives what d derives for indexes 0..n-1 of
 * every path, and that serialising is idempotent.
 */
static void
check_roundtrip(const struct descriptor *d, uint32_t n)
{
	static char a[65536], b[65536];
	int forms[2] = { DESC_STR_PRIVATE, DESC_STR_PUBLIC }, f;
	size_t path;
	uint32_t i;

	for (f = 0; f < 2; f++) {
		struct cbuf t1, t2;
		struct descriptor *d2 = NULL;
		char sum[DESC_CHECKSUM_LEN + 1];
		const char *hash;
		int rc1, rc2;

		cbuf_init_secret(&t1, 0);
		cbuf_init_secret(&t2, 0);
		CHECK_OK(desc_to_string(&t1, d, DESC_ALL_PATHS, forms[f]));
		hash = t1.p != NULL ? strchr((const char *)t1.p, '#') : NULL;
		CHECK(hash != NULL);
		if (hash == NULL)
			goto next;
		CHECK_OK(desc_checksum(sum, (const char *)t1.p, (size_t)(hash - (const char *)t1.p)));
		CHECK_STREQ(sum, hash + 1);
		CHECK_OK(desc_parse(&d2, (const char *)t1.p, t1.len, desc_network(d)));
		if (d2 == NULL)
			goto next;
		CHECK(desc_path_count(d2) == desc_path_count(d));
		CHECK(desc_is_ranged(d2) == desc_is_ranged(d));
		if (forms[f] == DESC_STR_PUBLIC)
			CHECK(!desc_has_private(d2));
		for (path = 0; path < desc_path_count(d); path++) {
			for (i = 0; i < (desc_is_ranged(d) ? n : 1); i++) {
				scripts_hex(a, sizeof(a), d, path, i, &rc1);
				scripts_hex(b, sizeof(b), d2, path, i, &rc2);
				if (forms[f] == DESC_STR_PUBLIC && rc1 == 0 && rc2 ==
				    COFFER_ERR_HARDENED_FROM_PUBLIC && desc_has_private(d))
					continue;	/* xprv/1h: the public form cannot derive it */
				CHECK_RC(rc2, rc1);
				CHECK_STREQ(b, a);
			}
		}
		CHECK_OK(desc_to_string(&t2, d2, DESC_ALL_PATHS, forms[f]));
		CHECK(t1.len == t2.len && memcmp(t1.p, t2.p, t1.len) == 0);
 next:
		desc_free(d2);
		cbuf_free(&t1);
		cbuf_free(&t2);
	}
}

/* The error code each documented "reason" of the vector files must produce. */
static const struct {
	const char *reason;
	int code;
} reasons[] = {
	/* bip380 key expressions (by case name) */
	{ "Children indicator in key origin", COFFER_ERR_BAD_PATH },
	{ "Trailing slash in key origin", COFFER_ERR_BAD_PATH },
	{ "Too short fingerprint", COFFER_ERR_DESC_ORIGIN },
	{ "Too long fingerprint", COFFER_ERR_DESC_ORIGIN },
	{ "Invalid hardened indicators", COFFER_ERR_BAD_PATH },
	{ "Private key with derivation", COFFER_ERR_DESC_KEY },
	{ "Private key with derivation children", COFFER_ERR_DESC_KEY },
	{ "Derivation index out of range", COFFER_ERR_BAD_PATH },
	{ "Invalid derivation index", COFFER_ERR_BAD_PATH },
	{ "Multiple key origins", COFFER_ERR_DESC_ORIGIN },
	{ "Missing key origin start", COFFER_ERR_DESC_ORIGIN },
	{ "Non hex fingerprint", COFFER_ERR_DESC_ORIGIN },
	{ "Key origin with no public key", COFFER_ERR_DESC_KEY },
	/* bip381 */
	{ "pk() only accepts key expressions", COFFER_ERR_DESC_KEY },
	{ "pkh() only accepts key expressions", COFFER_ERR_DESC_KEY },
	{ "sh() only accepts script expressions", COFFER_ERR_DESC_NOT_SCRIPT },
	{ "sh() is top level only", COFFER_ERR_DESC_CONTEXT },
	/* bip382 */
	{ "Uncompressed public key in wpkh()", COFFER_ERR_DESC_UNCOMPRESSED },
	{ "Uncompressed public keys under wsh()", COFFER_ERR_DESC_UNCOMPRESSED },
	{ "wpkh() nested in wsh()", COFFER_ERR_DESC_CONTEXT },
	{ "wsh() nested in wsh()", COFFER_ERR_DESC_CONTEXT },
	{ "Script in wpkh()", COFFER_ERR_DESC_KEY },
	{ "Key in wsh()", COFFER_ERR_DESC_NOT_SCRIPT },
	/* bip383 (P2SH limit: 16 compressed keys make a 547-byte redeem script > 520) */
	{ "More than 15 keys in P2SH multisig", COFFER_ERR_DESC_LIMIT },
	{ "Invalid threshold", COFFER_ERR_DESC_THRESHOLD },
	{ "Threshold of 0", COFFER_ERR_DESC_THRESHOLD },
	{ "Threshold larger than keys", COFFER_ERR_DESC_THRESHOLD },
	/* bip384 */
	{ "combo() in sh", COFFER_ERR_DESC_CONTEXT },
	{ "combo() in wsh", COFFER_ERR_DESC_CONTEXT },
	{ "Script in combo()", COFFER_ERR_DESC_KEY },
	/* bip385 */
	{ "Non-hex script", COFFER_ERR_BAD_HEX },
	{ "Invalid address", COFFER_ERR_BAD_ADDRESS },
	{ "raw nested in sh", COFFER_ERR_DESC_CONTEXT },
	{ "raw nested in wsh", COFFER_ERR_DESC_CONTEXT },
	{ "addr nested in sh", COFFER_ERR_DESC_CONTEXT },
	{ "addr nested in wsh", COFFER_ERR_DESC_CONTEXT },
	/* bip386 */
	{ "Uncompressed private key", COFFER_ERR_DESC_UNCOMPRESSED },
	{ "Uncompressed public key", COFFER_ERR_DESC_UNCOMPRESSED },
	{ "tr() nested in wsh", COFFER_ERR_DESC_CONTEXT },
	{ "tr() nested in sh", COFFER_ERR_DESC_CONTEXT },
	/* bip387 */
	{ "Unsupported top level", COFFER_ERR_DESC_CONTEXT },
	{ "Unsupported sh() context", COFFER_ERR_DESC_CONTEXT },
	{ "Unsupported wsh() context", COFFER_ERR_DESC_CONTEXT },
	{ "Uncompressed pubkey", COFFER_ERR_DESC_UNCOMPRESSED },
	/* bip389 */
	{ "Multiple multipath specifiers", COFFER_ERR_DESC_MULTIPATH },
	{ "Multipath specifier in origin", COFFER_ERR_DESC_MULTIPATH },
	{ "Multipath specifiers of mismatched lengths", COFFER_ERR_DESC_MULTIPATH },
	{ "Empty multipath specifier", COFFER_ERR_DESC_MULTIPATH },
	{ "Missing multipath start", COFFER_ERR_DESC_MULTIPATH },
	{ "Missing multipath end", COFFER_ERR_DESC_MULTIPATH },
	{ "Missing index in multipath specifier", COFFER_ERR_DESC_MULTIPATH },
	/* bip390: musig() in a key position that does not allow it is a context error;
	 * in a script position (sh(musig()), wsh(musig())) it is a key where a script goes. */
	{ "musig() is not allowed in top-level pk()", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in top-level pkh()", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in wpkh()", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in combo()", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in sh(wpkh())", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in sh(wsh())", COFFER_ERR_DESC_CONTEXT },
	{ "musig() is not allowed in wsh()", COFFER_ERR_DESC_NOT_SCRIPT },
	{ "musig() is not allowed in sh()", COFFER_ERR_DESC_NOT_SCRIPT },
	{ "Ranged musig() requires all participants to be xpubs", COFFER_ERR_DESC_MUSIG },
	{ "Cannot have ranged participants if musig() is also ranged", COFFER_ERR_DESC_MUSIG },
	{ "Cannot have multipath participants if musig() is also multipath", COFFER_ERR_DESC_MUSIG },
	{ "musig() cannot have hardened derivation steps", COFFER_ERR_DESC_MUSIG },
	{ "musig() cannot have hardened child derivation", COFFER_ERR_DESC_MUSIG },
	{ "musig() cannot have participants with child derivation when musig() has derivation steps",
	    COFFER_ERR_DESC_MUSIG },
};

static int
reason_code(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].reason, reason) == 0)
			return reasons[i].code;
	fprintf(stderr, "no error code mapped for reason '%s'\n", reason);
	return 1;	/* never returned by desc_parse: the case fails */
}

/* Check one valid case: every listed script at indexes 0.., then a round trip. */
static int
check_valid(const char *desc, json_t *scripts, uint32_t first_index)
{
	static char got[65536];
	struct descriptor *d = NULL;
	size_t i;
	int rc, before = t_fail;

	CHECK_MSG(parse(&d, desc) == 0, "%s", desc);
	if (d == NULL)
		return 0;
	for (i = 0; i < json_array_size(scripts); i++) {
		const char *want = json_string_value(json_array_get(scripts, i));

		scripts_hex(got, sizeof(got), d, 0, first_index + (uint32_t)i, &rc);
		CHECK_RC(rc, 0);
		CHECK_MSG(strcmp(got, want) == 0, "%s [%zu]: got %s want %s", desc, i, got, want);
	}
	check_roundtrip(d, (uint32_t)(json_array_size(scripts) > 0 ? json_array_size(scripts) : 1));
	desc_free(d);
	return t_fail == before;
}

static void
check_invalid(const char *desc, const char *reason)
{
	struct descriptor *d = (struct descriptor *)1;
	int rc = parse(&d, desc), want = reason_code(reason);

	CHECK(d == NULL);
	CHECK_MSG(rc == want, "%s: got %d (%s), want %d (%s) for '%s'", desc, rc,
	    coffer_err_name(rc), want, coffer_err_name(want), reason);
}

/* A standard file: {valid:[{descriptor, scripts}], invalid:[{descriptor, reason}]}. */
static void
run_file(const char *rel)
{
	json_t *j = vectors_load(rel), *c;
	size_t i;
	int nvalid = 0, ninvalid = 0, nnoscript = 0;

	json_array_foreach(json_object_get(j, "valid"), i, c) {
		const char *desc = json_string_value(json_object_get(c, "descriptor"));
		json_t *scripts = json_object_get(c, "scripts"), *children = json_object_get(c, "children");

		if (json_array_size(scripts) == 0 && children == NULL) {
			/* valid without a listed script: it must parse, derive and round-trip */
			struct descriptor *d = NULL;
			struct desc_scripts s;

			CHECK_OK(parse(&d, desc));
			if (d != NULL) {
				desc_scripts_init(&s);
				CHECK_OK(desc_derive(&s, d, 0, 0));
				CHECK(s.n == 1);
				desc_scripts_free(&s);
				check_roundtrip(d, 1);
				desc_free(d);
			}
			nnoscript++;
			continue;
		}
		if (children != NULL) {
			size_t k;
			json_t *ch;

			/* combo() of a ranged key: the scripts of each child, grouped */
			json_array_foreach(children, k, ch) {
				static char got[4096], want[4096];
				struct descriptor *d = NULL;
				json_t *sc = json_object_get(ch, "scripts");
				size_t m, off = 0;
				int rc;

				for (m = 0; m < json_array_size(sc); m++)
					off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s",
					    m ? " " : "", json_string_value(json_array_get(sc, m)));
				CHECK_OK(parse(&d, desc));
				if (d == NULL)
					continue;
				scripts_hex(got, sizeof(got), d, 0,
				    (uint32_t)json_integer_value(json_object_get(ch, "child")), &rc);
				CHECK_RC(rc, 0);
				CHECK_STREQ(got, want);
				if (k == 0)
					check_roundtrip(d, (uint32_t)json_array_size(children));
				desc_free(d);
			}
			nvalid++;
			continue;
		}
		/* combo() of a single key lists its scripts flat: they are all index 0 */
		if (strncmp(desc, "combo(", 6) == 0) {
			static char got[4096], want[4096];
			struct descriptor *d = NULL;
			size_t m, off = 0;
			int rc;

			for (m = 0; m < json_array_size(scripts); m++)
				off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s", m ? " " : "",
				    json_string_value(json_array_get(scripts, m)));
			CHECK_OK(parse(&d, desc));
			if (d != NULL) {
				scripts_hex(got, sizeof(got), d, 0, 0, &rc);
				CHECK_RC(rc, 0);
				CHECK_STREQ(got, want);
				check_roundtrip(d, 1);
				desc_free(d);
			}
			nvalid++;
			continue;
		}
		check_valid(desc, scripts, 0);
		nvalid++;
	}
	json_array_foreach(json_object_get(j, "invalid"), i, c) {
		check_invalid(json_string_value(json_object_get(c, "descriptor")),
		    json_string_value(json_object_get(c, "reason")));
		ninvalid++;
	}
	vectors_count(rel, "valid (scripts reproduced, round-tripped)", nvalid);
	if (nnoscript > 0)
		vectors_count(rel, "valid without listed script (parsed, derived, round-tripped)", nnoscript);
	vectors_count(rel, "invalid (specific error)", ninvalid);
	json_decref(j);
}

/* Whether a key expression is an xpub with a hardened step after it ("xpub.../3h"). */
static int
hardened_below_xpub(const char *key)
{
	const char *x = strstr(key, "xpub"), *path;

	if (x == NULL || (path = strchr(x, '/')) == NULL)
		return 0;
	return strchr(path, 'h') != NULL || strchr(path, '\'') != NULL;
}

static void
test_bip380(void)
{
	const char *rel = "descriptors/bip380_checksum_and_keys.json";
	json_t *j = vectors_load(rel), *c;
	size_t i;
	int nsum = 0, nvalid = 0, ninvalid = 0, nhard = 0;
	char sum[DESC_CHECKSUM_LEN + 1];

	CHECK_OK(desc_checksum(sum, "raw(deadbeef)", 13));
	CHECK_STREQ(sum, "89f8spxm");
	json_array_foreach(json_object_get(j, "checksum_tests"), i, c) {
		const char *desc = json_string_value(json_object_get(c, "descriptor"));
		const char *name = json_string_value(json_object_get(c, "name"));
		struct descriptor *d = NULL;
		int rc = parse(&d, desc);

		if (json_is_true(json_object_get(c, "valid")))
			CHECK_MSG(rc == 0, "%s: %s", name, coffer_err_name(rc));
		else if (strcmp(name, "Invalid characters in payload") == 0)
			CHECK_RC(rc, COFFER_ERR_BAD_STRING);
		else
			CHECK_MSG(rc == COFFER_ERR_DESC_CHECKSUM, "%s: %s", name, coffer_err_name(rc));
		desc_free(d);
		nsum++;
	}
	json_array_foreach(json_object_get(json_object_get(j, "key_expressions"), "valid"), i, c) {
		const char *key = json_string_value(json_object_get(c, "key_expression"));
		char desc[1024];
		struct descriptor *d = NULL;
		struct desc_scripts s;
		int rc, hard_below_xpub;

		snprintf(desc, sizeof(desc), "pk(%s)", key);
		CHECK_MSG(parse(&d, desc) == 0, "%s", desc);
		if (d == NULL)
			continue;
		/* "xpub.../3h/...": valid syntax, but deriving needs the private key */
		hard_below_xpub = hardened_below_xpub(key);
		desc_scripts_init(&s);
		rc = desc_derive(&s, d, 0, 0);
		if (hard_below_xpub) {
			CHECK_RC(rc, COFFER_ERR_HARDENED_FROM_PUBLIC);
			nhard++;
		} else {
			CHECK_MSG(rc == 0 && s.n == 1, "%s: %s", desc, coffer_err_name(rc));
		}
		desc_scripts_free(&s);
		check_roundtrip(d, 2);
		desc_free(d);
		nvalid++;
	}
	json_array_foreach(json_object_get(json_object_get(j, "key_expressions"), "invalid"), i, c) {
		const char *key = json_string_value(json_object_get(c, "key_expression"));
		char desc[1024];

		snprintf(desc, sizeof(desc), "pk(%s)", key);
		check_invalid(desc, json_string_value(json_object_get(c, "name")));
		ninvalid++;
	}
	vectors_count(rel, "checksum cases", nsum);
	vectors_count(rel, "valid key expressions (parsed, derived, round-tripped)", nvalid);
	vectors_count(rel, "of which hardened below an xpub (refused at derive time)", nhard);
	vectors_count(rel, "invalid key expressions (specific error)", ninvalid);
	json_decref(j);
}

static void test_bip381(void) { run_file("descriptors/bip381_pk_pkh_sh.json"); }
static void test_bip382(void) { run_file("descriptors/bip382_wpkh_wsh.json"); }
static void test_bip383(void) { run_file("descriptors/bip383_multi_sortedmulti.json"); }
static void test_bip384(void) { run_file("descriptors/bip384_combo.json"); }
static void test_bip385(void) { run_file("descriptors/bip385_raw_addr.json"); }
static void test_bip386(void) { run_file("descriptors/bip386_tr.json"); }
static void test_bip387(void) { run_file("descriptors/bip387_multi_a_sortedmulti_a.json"); }
static void test_bip390(void) { run_file("descriptors/bip390_musig.json"); }

static void
test_bip389(void)
{
	const char *rel = "descriptors/bip389_multipath.json";
	json_t *j = vectors_load(rel), *c, *e;
	size_t i, k;
	int nvalid = 0, ninvalid = 0;

	json_array_foreach(json_object_get(j, "valid"), i, c) {
		const char *desc = json_string_value(json_object_get(c, "descriptor"));
		json_t *exp = json_object_get(c, "expands_to");
		struct descriptor *d = NULL;

		CHECK_MSG(parse(&d, desc) == 0, "%s", desc);
		if (d == NULL)
			continue;
		CHECK(desc_path_count(d) == json_array_size(exp));
		json_array_foreach(exp, k, e) {
			static char a[8192], b[8192];
			struct descriptor *single = NULL;
			struct cbuf mine, theirs;
			uint32_t idx;
			int rc1, rc2;

			/* our expansion, serialised canonically, equals the listed one serialised canonically */
			cbuf_init_secret(&mine, 0);
			cbuf_init_secret(&theirs, 0);
			CHECK_OK(desc_to_string(&mine, d, k, DESC_STR_PRIVATE));
			CHECK_OK(parse(&single, json_string_value(e)));
			if (single != NULL) {
				CHECK(desc_path_count(single) == 1);
				CHECK_OK(desc_to_string(&theirs, single, 0, DESC_STR_PRIVATE));
				CHECK_MSG(mine.len == theirs.len && memcmp(mine.p, theirs.p, mine.len) == 0,
				    "expansion %zu of %s", k, desc);
				for (idx = 0; idx < 3; idx++) {
					if (idx > 0 && !desc_is_ranged(d))
						break;
					scripts_hex(a, sizeof(a), d, k, idx, &rc1);
					scripts_hex(b, sizeof(b), single, 0, idx, &rc2);
					CHECK_RC(rc1, rc2);
					CHECK_STREQ(a, b);
				}
			}
			desc_free(single);
			cbuf_free(&mine);
			cbuf_free(&theirs);
		}
		CHECK_RC(desc_to_string(&(struct cbuf){ 0 }, d, desc_path_count(d), 0), COFFER_ERR_DESC_RANGE);
		check_roundtrip(d, 2);
		desc_free(d);
		nvalid++;
	}
	json_array_foreach(json_object_get(j, "invalid"), i, c) {
		check_invalid(json_string_value(json_object_get(c, "descriptor")),
		    json_string_value(json_object_get(c, "reason")));
		ninvalid++;
	}
	vectors_count(rel, "valid (expansions and scripts match, round-tripped)", nvalid);
	vectors_count(rel, "invalid (specific error)", ninvalid);
	json_decref(j);
}

#define K1 "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
#define X1 "a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
#define XPUB "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL"
#define TPUB "tpubDD7tXK8KeQ3YY83yWq755fHY2JW8Ha8Q765tknUM5rSvjPcGWfUppDFMpQ1ScziKfW3ZNtZvAD7M3u7bSs7HofjTD3KP3YxPK7X6hwV8Rk2"
#define XPRV "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"

/* Errors of our own beyond the vector files: each a specific code. */
static void
test_edge_errors(void)
{
	static const struct {
		const char *desc;
		int net;
		int code;
	} cases[] = {
		{ "", 0, COFFER_ERR_BAD_DESCRIPTOR },
		{ "foo(" K1 ")", 0, COFFER_ERR_DESC_UNKNOWN_FUNC },
		{ "wsh(and_v(v:pk(" K1 "),older(144)))", 0, COFFER_ERR_DESC_MINISCRIPT },
		{ "wsh(v:pk(" K1 "))", 0, COFFER_ERR_DESC_MINISCRIPT },
		{ "pk(" K1 "))", 0, COFFER_ERR_TRAILING },
		{ "pk(" K1 ")x", 0, COFFER_ERR_TRAILING },
		{ "pk(" K1, 0, COFFER_ERR_BAD_DESCRIPTOR },
		{ "wpkh()", 0, COFFER_ERR_DESC_KEY },
		{ K1, 0, COFFER_ERR_DESC_NOT_SCRIPT },
		{ "pk(" X1 ")", 0, COFFER_ERR_DESC_KEY },		/* x-only outside tr() */
		{ "wsh(multi(1," X1 "))", 0, COFFER_ERR_DESC_KEY },
		{ "pk(06a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235)", 0, COFFER_ERR_BAD_PUBKEY },	/* hybrid */
		{ "pk(020000000000000000000000000000000000000000000000000000000000000005)", 0, COFFER_ERR_BAD_PUBKEY },
		{ "tr(" X1 ",multi(1," K1 "))", 0, COFFER_ERR_DESC_CONTEXT },
		{ "tr(" X1 ",wpkh(" K1 "))", 0, COFFER_ERR_DESC_CONTEXT },
		{ "tr(" X1 ",{pk(" K1 ")})", 0, COFFER_ERR_BAD_DESCRIPTOR },
		{ "tr(" X1 ",{pk(" K1 "),pk(" K1 "),pk(" K1 ")})", 0, COFFER_ERR_BAD_DESCRIPTOR },
		{ "rawtr(" X1 ",pk(" K1 "))", 0, COFFER_ERR_BAD_DESCRIPTOR },
		{ "raw(abc)", 0, COFFER_ERR_BAD_HEX },
		{ "multi(1)", 0, COFFER_ERR_DESC_THRESHOLD },
		{ "multi(-1," K1 ")", 0, COFFER_ERR_DESC_THRESHOLD },
		{ "multi(4294967297," K1 ")", 0, COFFER_ERR_DESC_THRESHOLD },
		{ "pkh(" XPUB "/<0;0>/*)", 0, COFFER_ERR_DESC_MULTIPATH },	/* duplicate */
		{ "pkh(" XPUB "/<0>/*)", 0, COFFER_ERR_DESC_MULTIPATH },	/* one value */
		{ "pkh(" XPUB "/<0;1>>/*)", 0, COFFER_ERR_DESC_MULTIPATH },
		{ "pkh(" XPUB "/*/0)", 0, COFFER_ERR_BAD_PATH },		/* '*' not last */
		{ "pkh(" XPUB "/**)", 0, COFFER_ERR_BAD_PATH },
		{ "pkh(" XPUB "//0)", 0, COFFER_ERR_BAD_PATH },
		{ "pkh(" XPUB "/0/)", 0, COFFER_ERR_BAD_PATH },
		{ "pkh(" XPUB "/+1)", 0, COFFER_ERR_BAD_PATH },
		{ "pkh([deadbeef" XPUB ")", 0, COFFER_ERR_DESC_ORIGIN },
		{ "pkh(" XPUB ")", 1, COFFER_ERR_WRONG_NETWORK },
		{ "pkh(" TPUB ")", 0, COFFER_ERR_WRONG_NETWORK },
		{ "pkh(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1)", 3, COFFER_ERR_WRONG_NETWORK },
		{ "addr(3PUNyaW7M55oKWJ3kDukwk9bsKvryra15j)", 1, COFFER_ERR_WRONG_NETWORK },
		{ "pkh(" XPUB "x)", 0, COFFER_ERR_DESC_KEY },
		{ "pkh(xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEM)", 0, COFFER_ERR_BAD_CHECKSUM },
		{ "pk(musig(" K1 "," K1 "))", 0, COFFER_ERR_DESC_CONTEXT },
		{ "tr(musig(musig(" K1 ")," K1 "))", 0, COFFER_ERR_DESC_MUSIG },
		{ "raw(00)#aaaaaaaa", 0, COFFER_ERR_DESC_CHECKSUM },
		{ "raw(00)\n", 0, COFFER_ERR_BAD_STRING },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct descriptor *d = (struct descriptor *)1;
		int rc = desc_parse(&d, cases[i].desc, strlen(cases[i].desc),
		    cases[i].net == 0 ? BTC_MAINNET : cases[i].net == 1 ? BTC_TESTNET : BTC_SIGNET);

		CHECK(d == NULL);
		CHECK_MSG(rc == cases[i].code, "%s: got %s want %s", cases[i].desc, coffer_err_name(rc),
		    coffer_err_name(cases[i].code));
	}
	{
		/* NUL inside the text is outside the character set */
		struct descriptor *d = NULL;

		CHECK_RC(desc_parse(&d, "raw(00)\0", 8, BTC_MAINNET), COFFER_ERR_BAD_STRING);
	}
}

/* Build a string with a repeated middle part. */
static char *
repeat(const char *head, const char *mid, size_t n, const char *sep, const char *tail)
{
	size_t len = strlen(head) + n * (strlen(mid) + strlen(sep)) + strlen(tail) + 1, i;
	char *s = malloc(len);

	strcpy(s, head);
	for (i = 0; i < n; i++) {
		strcat(s, mid);
		if (i + 1 < n)
			strcat(s, sep);
	}
	strcat(s, tail);
	return s;
}

static void
test_limits(void)
{
	struct descriptor *d = NULL;
	struct desc_scripts s;
	char *str;
	size_t i;

	/* taproot tree depth 128 is fine, 129 is not */
	for (i = 128; i <= 129; i++) {
		char *open = repeat("", "{pk(" K1 "),", i, "", ""), *close = repeat("", "}", i, "", "");
		size_t len = strlen(open) + strlen(close) + 200;

		str = malloc(len);
		snprintf(str, len, "tr(" X1 ",%spk(" K1 ")%s)", open, close);
		CHECK_RC(parse(&d, str), i == 128 ? 0 : COFFER_ERR_DESC_LIMIT);
		if (d != NULL) {
			desc_scripts_init(&s);
			CHECK_OK(desc_derive(&s, d, 0, 0));
			desc_scripts_free(&s);
			check_roundtrip(d, 1);
		}
		desc_free(d);
		d = NULL;
		free(open);
		free(close);
		free(str);
	}
	/* multi(): 20 keys, not 21; sh() redeem script at most 520 bytes (15 compressed keys) */
	str = repeat("wsh(multi(1,", K1, 20, ",", "))");
	CHECK_OK(parse(&d, str));
	desc_free(d);
	free(str);
	str = repeat("wsh(multi(1,", K1, 21, ",", "))");
	CHECK_RC(parse(&d, str), COFFER_ERR_DESC_THRESHOLD);
	free(str);
	str = repeat("sh(multi(1,", K1, 15, ",", "))");
	CHECK_OK(parse(&d, str));
	desc_free(d);
	free(str);
	/* multi_a(): 999 keys, not 1000 (counted before any key is decoded) */
	str = repeat("tr(" X1 ",multi_a(1,", X1, 999, ",", "))");
	CHECK_OK(parse(&d, str));
	if (d != NULL) {
		desc_scripts_init(&s);
		CHECK_OK(desc_derive(&s, d, 0, 0));
		desc_scripts_free(&s);
	}
	desc_free(d);
	free(str);
	str = repeat("tr(" X1 ",multi_a(1,", X1, 1000, ",", "))");
	CHECK_RC(parse(&d, str), COFFER_ERR_DESC_THRESHOLD);
	free(str);
	/* precomputation budget: 100 keys x 100 steps exceeds DESC_MAX_PARSE_WORK */
	{
		char *path = repeat(XPUB, "/0", 100, "", "/*"), *s2;

		s2 = repeat("tr(" X1 ",multi_a(1,", path, 100, ",", "))");
		CHECK_RC(parse(&d, s2), COFFER_ERR_DESC_LIMIT);
		free(s2);
		free(path);
	}
	/* BIP32 depth: 255 steps below a depth-3 xpub is too deep */
	str = repeat("pkh(" XPUB, "/0", 253, "", ")");
	CHECK_RC(parse(&d, str), COFFER_ERR_DEPTH);
	free(str);
	/* overall size */
	str = repeat("raw(", "00", DESC_MAX_LEN / 2, "", ")");
	CHECK_RC(parse(&d, str), COFFER_ERR_TOO_LARGE);
	free(str);
}

static void
test_derive_api(void)
{
	struct descriptor *d = NULL;
	struct desc_scripts s;
	struct cbuf b;
	char addr[128];

	desc_scripts_init(&s);
	CHECK_OK(parse(&d, "wpkh([d34db33f/84h/0h/0h]" XPUB "/<0;1>/*)"));
	if (d == NULL)
		return;
	CHECK(desc_path_count(d) == 2 && desc_is_ranged(d) && !desc_has_private(d));
	CHECK_OK(desc_derive(&s, d, 1, 0x7fffffff));
	CHECK_RC(desc_derive(&s, d, 2, 0), COFFER_ERR_DESC_RANGE);
	CHECK(s.n == 0);
	CHECK_RC(desc_derive(&s, d, 0, 0x80000000u), COFFER_ERR_DESC_RANGE);
	CHECK_OK(desc_derive_address(addr, sizeof(addr), d, 0, 5));
	CHECK(strncmp(addr, "bc1q", 4) == 0);
	CHECK_RC(desc_derive_address(addr, 10, d, 0, 5), COFFER_ERR_TOO_LARGE);
	CHECK_STREQ(addr, "");
	cbuf_init(&b, 0);
	CHECK_OK(desc_to_string(&b, d, 1, DESC_STR_NO_CHECKSUM));
	CHECK_STREQ((const char *)b.p, "wpkh([d34db33f/84h/0h/0h]" XPUB "/1/*)");
	desc_free(d);
	cbuf_free(&b);

	/* not ranged: only index 0; combo() and bare multi() have no single address */
	CHECK_OK(parse(&d, "combo(" K1 ")"));
	CHECK_RC(desc_derive(&s, d, 0, 1), COFFER_ERR_DESC_RANGE);
	CHECK_RC(desc_derive_address(addr, sizeof(addr), d, 0, 0), COFFER_ERR_UNSUPPORTED);
	desc_free(d);
	CHECK_OK(parse(&d, "sh(wpkh(" K1 "))"));
	CHECK_OK(desc_derive_address(addr, sizeof(addr), d, 0, 0));
	CHECK(addr[0] == '3');
	desc_free(d);

	/* public form of private keys: WIF -> hex key, xprv -> xpub; hardened wildcard needs the xprv */
	CHECK_OK(parse(&d, "tr(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1,pk(" XPRV "/0/*h))"));
	if (d != NULL) {
		struct descriptor *pub = NULL;

		cbuf_init(&b, 0);
		CHECK(desc_has_private(d));
		CHECK_OK(desc_to_string(&b, d, 0, DESC_STR_PUBLIC | DESC_STR_NO_CHECKSUM));
		CHECK_STREQ((const char *)b.p, "tr(" K1 ",pk(" XPUB "/0/*h))");
		CHECK_OK(parse(&pub, (const char *)b.p));
		CHECK_OK(desc_derive(&s, d, 0, 3));
		if (pub != NULL)
			CHECK_RC(desc_derive(&s, pub, 0, 3), COFFER_ERR_HARDENED_FROM_PUBLIC);
		desc_free(pub);
		cbuf_free(&b);
	}
	desc_free(d);
	/* xprv with hardened steps: the public form derives through them (BIP381's own pair) */
	CHECK_OK(parse(&d, "pkh(xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/2147483647'/0)"));
	if (d != NULL) {
		cbuf_init(&b, 0);
		CHECK_OK(desc_to_string(&b, d, 0, DESC_STR_PUBLIC | DESC_STR_NO_CHECKSUM));
		CHECK_STREQ((const char *)b.p, "pkh([bd16bee5/2147483647h]xpub69H7F5dQzmVd3vPuLKtcXJziMEQByuDidnX3YdwgtNsecY5HRGtAAQC5mXTt4dsv9RzyjgDjAQs9VGVV6ydYCHnprc9vvaA5YtqWyL6hyds/0)");
		cbuf_free(&b);
	}
	desc_free(d);
	CHECK_OK(parse(&d, "wpkh([01020304/9]" XPRV "/1h/<0;1>/*)"));
	if (d != NULL) {
		cbuf_init(&b, 0);
		CHECK_OK(desc_to_string(&b, d, DESC_ALL_PATHS, DESC_STR_PUBLIC | DESC_STR_NO_CHECKSUM));
		CHECK(strncmp((const char *)b.p, "wpkh([01020304/9/1h]xpub", 24) == 0);
		CHECK(strstr((const char *)b.p, "/<0;1>/*)") != NULL);
		cbuf_free(&b);
	}
	desc_free(d);
	/* testnet keys on signet and regtest */
	CHECK_OK(desc_parse(&d, "wpkh(" TPUB "/0/*)", strlen("wpkh(" TPUB "/0/*)"), BTC_REGTEST));
	if (d != NULL) {
		CHECK_OK(desc_derive_address(addr, sizeof(addr), d, 0, 0));
		CHECK(strncmp(addr, "bcrt1q", 6) == 0);
	}
	desc_free(d);
	desc_scripts_free(&s);
}

static const struct test_case tests[] = {
	{ "edge_errors", test_edge_errors },
	{ "limits", test_limits },
	{ "derive_api", test_derive_api },
	{ "bip380", test_bip380 },
	{ "bip381", test_bip381 },
	{ "bip382", test_bip382 },
	{ "bip383", test_bip383 },
	{ "bip384", test_bip384 },
	{ "bip385", test_bip385 },
	{ "bip386", test_bip386 },
	{ "bip387", test_bip387 },
	{ "bip389", test_bip389 },
	{ "bip390", test_bip390 },
};

TEST_MAIN(tests)
