/*
 * The keystore: round trips (create, restore from the BIP39 vectors, unlock,
 * change passphrase), every error with its own code and an untouched file,
 * hostile headers refused before Argon2id runs, and one run with the default
 * parameters that prints the unlock time (docs/KEYSTORE.md).
 */
#include "harness.h"

#include <sys/stat.h>
#include <time.h>

#include "btc/bip39.h"
#include "btc/hash.h"
#include "common/secmem.h"
#include "signer/fileio.h"
#include "signer/keystore.h"
#include "signer/state.h"
#include "store_util.h"

/* Small and fast: tests pass these explicitly (the defaults take ~0.5 s). */
static const struct ks_kdf_params fast = { 1, 8 };

#define P(s) (const uint8_t *)(s), strlen(s)

static int
ks_file_exists(const char *dir)
{
	return fileio_exists(dir, KS_FILE);
}

/* A keystore made with `fast`, passphrase "correct horse"; returns its bytes. */
static uint8_t *
make_keystore(char *dir, size_t dirsize, size_t *len, struct ks_secret **sec)
{
	struct ks_secret *s = NULL;
	uint8_t *file;

	su_mkdtemp(dir, dirsize);
	CHECK_OK(ks_create(&s, dir, P("correct horse"), 24, "bip39 pass", &fast));
	file = su_read(dir, KS_FILE, len);
	CHECK(file != NULL && *len == KS_FILE_LEN);
	if (sec != NULL)
		*sec = s;
	else
		ks_secret_free(s);
	return file;
}

static void
test_create_unlock(void)
{
	static const unsigned words[] = { 12, 15, 18, 21, 24 };
	char dir[256], mn[BIP39_MNEMONIC_BUFSIZE];
	struct ks_secret *s = NULL, *u = NULL;
	struct ks_status st;
	struct stat sb;
	uint8_t seed[64], *file;
	size_t i, len;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		su_mkdtemp(dir, sizeof(dir));
		CHECK_OK(ks_status(&st, dir));
		CHECK(st.exists == 0);
		CHECK_OK(ks_create(&s, dir, P("pw"), words[i], i % 2 ? "TREZOR" : NULL, &fast));
		CHECK(s != NULL && s->entropy_len == words[i] / 3 * 4);
		CHECK_OK(ks_secret_mnemonic(mn, sizeof(mn), s));
		CHECK_OK(bip39_mnemonic_check(mn));
		/* The seed is the BIP39 seed of the mnemonic the user is shown. */
		CHECK_OK(bip39_mnemonic_to_seed(seed, mn, i % 2 ? "TREZOR" : ""));
		CHECK(memcmp(seed, s->seed, 64) == 0);
		CHECK_STREQ(s->bip39_pass, i % 2 ? "TREZOR" : "");

		CHECK_OK(ks_unlock(&u, dir, P("pw")));
		CHECK(u != NULL && u->entropy_len == s->entropy_len &&
		    memcmp(u->entropy, s->entropy, s->entropy_len) == 0 &&
		    memcmp(u->seed, s->seed, 64) == 0 && strcmp(u->bip39_pass, s->bip39_pass) == 0);

		/* Fixed size whatever the entropy and BIP39 passphrase; mode 0600. */
		file = su_read(dir, KS_FILE, &len);
		CHECK(len == KS_FILE_LEN);
		CHECK(!su_contains(file, len, s->entropy, s->entropy_len));
		CHECK(!su_contains(file, len, "TREZOR", 6));
		CHECK((size_t)snprintf(mn, sizeof(mn), "%s/%s", dir, KS_FILE) < sizeof(mn));
		CHECK(stat(mn, &sb) == 0 && (sb.st_mode & 0777) == 0600);

		CHECK_OK(ks_status(&st, dir));
		CHECK(st.exists == 1 && st.version == KS_VERSION && st.kdf.opslimit == fast.opslimit &&
		    st.kdf.memlimit_kib == fast.memlimit_kib);

		/* A second create never replaces the first. */
		ks_secret_free(u);
		CHECK_RC(ks_create(&u, dir, P("other"), 12, NULL, &fast), COFFER_ERR_KS_EXISTS);
		CHECK(u == NULL);
		CHECK(su_equals(dir, KS_FILE, file, len));
		free(file);
		ks_secret_free(s);
		s = NULL;
		u = NULL;
		su_rmtree(dir);
	}
	secure_wipe(mn, sizeof(mn));
	secure_wipe(seed, sizeof(seed));
	CHECK_RC(ks_create(&s, dir, P("pw"), 13, NULL, &fast), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(ks_create(&s, dir, P("pw"), 27, NULL, &fast), COFFER_ERR_MNEMONIC_LENGTH);
}

/* Nothing secret reaches the file: not the passphrases, not the entropy. */
static void
test_no_plaintext_on_disk(void)
{
	const char *pass = "Tr0ub4dor&3-unique-marker", *bpass = "bip39-unique-marker";
	struct ks_secret *s = NULL;
	char dir[256];
	uint8_t *file;
	size_t len;

	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(ks_create(&s, dir, P(pass), 24, bpass, &fast));
	file = su_read(dir, KS_FILE, &len);
	CHECK(!su_contains(file, len, pass, strlen(pass)));
	CHECK(!su_contains(file, len, bpass, strlen(bpass)));
	CHECK(!su_contains(file, len, s->entropy, 8));
	CHECK(!su_contains(file, len, s->seed, 8));
	free(file);
	ks_secret_free(s);
	CHECK(su_count_prefix(dir, ".") == 2);	/* ".", ".." : no temporaries left */
	su_rmtree(dir);
}

/* All 24 English BIP39 vectors: restore, unlock, and the seed matches. */
static void
test_restore_vectors(void)
{
	json_t *v = vectors_load("bip39/trezor_vectors.json"), *cases = json_object_get(v, "english"), *c;
	struct ks_secret *s = NULL, *u = NULL;
	size_t i, n;
	int ran = 0;
	char dir[256];

	json_array_foreach(cases, i, c) {
		const char *ent = json_string_value(json_array_get(c, 0));
		const char *mn = json_string_value(json_array_get(c, 1));
		const char *seedhex = json_string_value(json_array_get(c, 2));
		uint8_t *entropy = test_unhex(ent, &n);

		su_mkdtemp(dir, sizeof(dir));
		CHECK_OK(ks_restore(&s, dir, P("restore pw"), mn, "TREZOR", &fast));
		CHECK(s != NULL && s->entropy_len == n && memcmp(s->entropy, entropy, n) == 0);
		if (s != NULL)
			CHECK_HEX(s->seed, 64, seedhex);
		CHECK_OK(ks_unlock(&u, dir, P("restore pw")));
		if (u != NULL)
			CHECK_HEX(u->seed, 64, seedhex);
		/* Restoring over an existing keystore is refused. */
		ks_secret_free(s);
		CHECK_RC(ks_restore(&s, dir, P("x"), mn, NULL, &fast), COFFER_ERR_KS_EXISTS);
		ks_secret_free(u);
		s = u = NULL;
		free(entropy);
		su_rmtree(dir);
		ran++;
	}
	json_decref(v);
	CHECK(ran == 24);
	vectors_count("bip39/trezor_vectors.json", "english restored into a keystore and unlocked", ran);

	/* Bad mnemonics: the bip39 module's codes, nothing written. */
	su_mkdtemp(dir, sizeof(dir));
	CHECK_RC(ks_restore(&s, dir, P("pw"), "abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon abandon abandon abandon", NULL, &fast), COFFER_ERR_MNEMONIC_CHECKSUM);
	CHECK_RC(ks_restore(&s, dir, P("pw"), "abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon abandon abandon zzzz", NULL, &fast), COFFER_ERR_BAD_MNEMONIC);
	CHECK_RC(ks_restore(&s, dir, P("pw"), "abandon about", NULL, &fast), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(ks_restore(&s, dir, P("pw"), NULL, NULL, &fast), COFFER_ERR_BAD_MNEMONIC);
	CHECK(s == NULL);
	CHECK(ks_file_exists(dir) == 0);
	su_rmtree(dir);
}

static void
test_change_passphrase(void)
{
	const struct ks_kdf_params other = { 2, 16 }, hostile = { 1, KS_KDF_MEMLIMIT_KIB_MAX + 1 };
	struct ks_secret *s = NULL, *u = NULL;
	struct ks_status st;
	char dir[256];
	uint8_t *before;
	size_t len;

	before = make_keystore(dir, sizeof(dir), &len, &s);
	/* Wrong old passphrase, bad new one, bad parameters: nothing changes. */
	CHECK_RC(ks_change_passphrase(dir, P("wrong"), P("new pass"), NULL), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_RC(ks_change_passphrase(dir, P("correct horse"), (const uint8_t *)"", 0, NULL),
	    COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK_RC(ks_change_passphrase(dir, P("correct horse"), P("new pass"), &hostile), COFFER_ERR_KS_KDF_PARAMS);
	CHECK(su_equals(dir, KS_FILE, before, len));

	CHECK_OK(ks_change_passphrase(dir, P("correct horse"), P("new pass"), NULL));
	CHECK(!su_equals(dir, KS_FILE, before, len));	/* fresh salt and nonce */
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_OK(ks_unlock(&u, dir, P("new pass")));
	CHECK(u != NULL && memcmp(u->seed, s->seed, 64) == 0 && strcmp(u->bip39_pass, "bip39 pass") == 0);
	ks_secret_free(u);
	CHECK_OK(ks_status(&st, dir));
	CHECK(st.kdf.opslimit == fast.opslimit && st.kdf.memlimit_kib == fast.memlimit_kib);

	/* New parameters with the new passphrase. */
	CHECK_OK(ks_change_passphrase(dir, P("new pass"), P("third"), &other));
	CHECK_OK(ks_status(&st, dir));
	CHECK(st.kdf.opslimit == 2 && st.kdf.memlimit_kib == 16);
	CHECK_OK(ks_unlock(&u, dir, P("third")));
	CHECK(u != NULL && memcmp(u->seed, s->seed, 64) == 0);
	ks_secret_free(u);
	ks_secret_free(s);
	free(before);
	su_rmtree(dir);
}

static void
test_passphrase_rules(void)
{
	/* U+00E9 precomposed vs e + U+0301: NFKD makes them one passphrase. */
	static const uint8_t nfc[] = { 'c', 'a', 'f', 0xc3, 0xa9 }, nfd[] = { 'c', 'a', 'f', 'e', 0xcc, 0x81 };
	static const uint8_t nul[] = { 'a', 0, 'b' }, badutf8[] = { 'a', 0xc3 };
	struct ks_secret *s = NULL, *u = NULL;
	char dir[256];
	uint8_t big[KS_PASSPHRASE_MAX + 1], *before;
	size_t len;
	char bp[KS_BIP39_PASS_MAX + 2], sub[300];
	const struct ks_kdf_params big_params = { 1, KS_KDF_MEMLIMIT_KIB_MAX * 2 };

	su_mkdtemp(dir, sizeof(dir));
	CHECK_RC(ks_create(&s, dir, nul, sizeof(nul), 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK_RC(ks_create(&s, dir, badutf8, sizeof(badutf8), 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK_RC(ks_create(&s, dir, nfc, 0, 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK_RC(ks_create(&s, dir, NULL, 3, 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	memset(big, 'x', sizeof(big));
	CHECK_RC(ks_create(&s, dir, big, sizeof(big), 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	memset(bp, 'b', sizeof(bp));
	bp[KS_BIP39_PASS_MAX + 1] = '\0';
	CHECK_RC(ks_create(&s, dir, nfc, sizeof(nfc), 12, bp, &fast), COFFER_ERR_TOO_LARGE);
	CHECK_RC(ks_create(&s, dir, nfc, sizeof(nfc), 12, "\xff", &fast), COFFER_ERR_BAD_STRING);
	CHECK(s == NULL && ks_file_exists(dir) == 0);
	/* A refused create does not even make the signer directory. */
	snprintf(sub, sizeof(sub), "%s/signer", dir);
	CHECK_RC(ks_create(&s, sub, nfc, sizeof(nfc), 12, "\xff", &fast), COFFER_ERR_BAD_STRING);
	CHECK_RC(ks_create(&s, sub, nfc, sizeof(nfc), 12, NULL, &big_params), COFFER_ERR_KS_KDF_PARAMS);
	CHECK_RC(ks_create(&s, sub, nfc, 0, 12, NULL, &fast), COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK(fileio_dir_check(sub) == COFFER_ERR_SIGNER_DIR);

	/* Longest passphrase and longest BIP39 passphrase are fine. */
	bp[KS_BIP39_PASS_MAX] = '\0';
	CHECK_OK(ks_create(&s, dir, big, KS_PASSPHRASE_MAX, 12, bp, &fast));
	CHECK_OK(ks_unlock(&u, dir, big, KS_PASSPHRASE_MAX));
	CHECK(u != NULL && strcmp(u->bip39_pass, bp) == 0);
	ks_secret_free(u);
	ks_secret_free(s);
	su_rmtree(dir);

	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(ks_create(&s, dir, nfc, sizeof(nfc), 12, NULL, &fast));
	CHECK_OK(ks_unlock(&u, dir, nfd, sizeof(nfd)));
	CHECK(u != NULL && memcmp(u->seed, s->seed, 64) == 0);
	ks_secret_free(u);
	/* Bad passphrases at unlock: refused before any file work. */
	before = su_read(dir, KS_FILE, &len);
	CHECK_RC(ks_unlock(&u, dir, nul, sizeof(nul)), COFFER_ERR_KS_BAD_PASSPHRASE);
	CHECK_RC(ks_unlock(&u, dir, nfc, 4), COFFER_ERR_KS_BAD_PASSPHRASE);	/* cut mid-character */
	CHECK(u == NULL && su_equals(dir, KS_FILE, before, len));
	free(before);
	ks_secret_free(s);
	su_rmtree(dir);
}

static void
test_wrong_passphrase(void)
{
	struct ks_secret *u = NULL;
	char dir[256];
	uint8_t *file;
	size_t len;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	CHECK_RC(ks_unlock(&u, dir, P("correct horsf")), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse ")), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_RC(ks_unlock(&u, dir, P("Correct horse")), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK(u == NULL);
	CHECK(su_equals(dir, KS_FILE, file, len));
	CHECK(su_count_prefix(dir, ".keystore") == 0);
	free(file);
	su_rmtree(dir);
}

/* What flipping one bit of byte i of a valid keystore must give. */
static int
flip_expect(size_t i)
{
	if (i < KS_MAGIC_LEN)
		return COFFER_ERR_KS_FOREIGN;
	if (i < 10)
		return COFFER_ERR_KS_VERSION;
	return COFFER_ERR_KS_TAMPERED;	/* header checksum, or the AEAD tag */
}

static void
test_tampered_every_byte(void)
{
	struct ks_secret *u = NULL;
	struct ks_status st;
	char dir[256];
	uint8_t *file;
	size_t len, i;
	int bit, n = 0;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	for (i = 0; i < len; i++) {
		bit = (int)(i % 8);
		file[i] ^= (uint8_t)(1u << bit);
		su_write(dir, KS_FILE, file, len);
		CHECK_RC(ks_unlock(&u, dir, P("correct horse")), flip_expect(i));
		CHECK(u == NULL);
		if (i < KS_HEADER_LEN)
			CHECK_RC(ks_status(&st, dir), flip_expect(i));
		else
			CHECK_OK(ks_status(&st, dir));	/* the header is fine */
		CHECK(su_equals(dir, KS_FILE, file, len));	/* untouched */
		file[i] ^= (uint8_t)(1u << bit);
		n++;
	}
	su_write(dir, KS_FILE, file, len);
	CHECK_OK(ks_unlock(&u, dir, P("correct horse")));
	ks_secret_free(u);
	printf("tampered keystores refused: %d (every byte)\n", n);
	free(file);
	su_rmtree(dir);
}

static void
test_truncated_every_length(void)
{
	struct ks_secret *u = NULL;
	struct ks_status st;
	char dir[256];
	uint8_t *file, *longer;
	size_t len, i;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	for (i = 0; i < len; i++) {
		su_write(dir, KS_FILE, file, i);
		CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_TRUNCATED);
		CHECK_RC(ks_status(&st, dir), COFFER_ERR_KS_TRUNCATED);
		CHECK(st.exists == 1);
		CHECK(su_equals(dir, KS_FILE, file, i));
	}
	/* One byte too many is not a truncation but a malformed file. */
	longer = malloc(len + 1);
	memcpy(longer, file, len);
	longer[len] = 0;
	su_write(dir, KS_FILE, longer, len + 1);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_MALFORMED);
	CHECK(su_equals(dir, KS_FILE, longer, len + 1));
	CHECK(u == NULL);
	printf("truncated keystores refused: %zu (every length)\n", len);
	free(longer);
	free(file);
	su_rmtree(dir);
}

static void
test_foreign(void)
{
	static const uint8_t png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
	struct ks_secret *u = NULL;
	struct cbuf b;
	uint8_t key[32] = { 7 }, head[32] = { 0 }, *big;
	char dir[256];

	su_mkdtemp(dir, sizeof(dir));
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_MISSING);
	su_write(dir, KS_FILE, png, sizeof(png));
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_FOREIGN);
	CHECK(su_equals(dir, KS_FILE, png, sizeof(png)));
	su_write(dir, KS_FILE, (const uint8_t *)"COFFERK!", 8);
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_FOREIGN);
	su_write(dir, KS_FILE, (const uint8_t *)"CX", 2);	/* short and not our prefix */
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_FOREIGN);
	/* A state file is not a keystore. */
	cbuf_init(&b, 0);
	CHECK_OK(state_seal(&b, key, (const uint8_t *)"x", 1, head, 1));
	su_write(dir, KS_FILE, b.p, b.len);
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_FOREIGN);
	CHECK(su_equals(dir, KS_FILE, b.p, b.len));
	cbuf_free(&b);
	/* Nothing of 64 KiB or more is a keystore; it is not read whole. */
	big = calloc(1, 1 << 20);
	memcpy(big, KS_MAGIC, KS_MAGIC_LEN);
	su_write(dir, KS_FILE, big, 1 << 20);
	CHECK_RC(ks_unlock(&u, dir, P("pw")), COFFER_ERR_KS_FOREIGN);
	free(big);
	CHECK(u == NULL);
	su_rmtree(dir);
}

/* Recompute a forged header's checksum, as a deliberate attacker would. */
static void
rechecksum(uint8_t *file)
{
	uint8_t h[32];

	sha256(h, file, KS_HEADER_LEN - KS_CHECK_LEN);
	memcpy(file + KS_HEADER_LEN - KS_CHECK_LEN, h, KS_CHECK_LEN);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
test_version(void)
{
	struct ks_secret *u = NULL;
	char dir[256];
	uint8_t *file;
	size_t len;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	file[8] = 2;
	rechecksum(file);
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_VERSION);
	/* A future version may be any size: the version is checked first. */
	su_write(dir, KS_FILE, file, 10);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_VERSION);
	file[8] = 0;
	file[9] = 1;	/* 256 */
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_VERSION);
	CHECK(su_equals(dir, KS_FILE, file, len));
	CHECK(u == NULL);
	free(file);
	su_rmtree(dir);
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
test_hostile_kdf_params(void)
{
	static const struct {
		uint8_t alg;
		uint32_t ops, mem_kib;
	} bad[] = {
		{ 1, 1, 100u * 1024u * 1024u },		/* 100 GiB */
		{ 1, 1, 0xffffffffu },			/* 4 TiB */
		{ 1, 1, KS_KDF_MEMLIMIT_KIB_MAX + 1 },
		{ 1, 1, 0 }, { 1, 1, KS_KDF_MEMLIMIT_KIB_MIN - 1 },
		{ 1, 0, 8 }, { 1, KS_KDF_OPSLIMIT_MAX + 1, 8 }, { 1, 0xffffffffu, 8 },
		{ 1, KS_KDF_OPSLIMIT_MAX, KS_KDF_MEMLIMIT_KIB_MAX },	/* each in bounds, work not */
		{ 0, 1, 8 }, { 2, 1, 8 }, { 0xff, 1, 8 },	/* not Argon2id */
	};
	struct ks_secret *u = NULL;
	struct ks_status st;
	struct ks_kdf_params p;
	char dir[256];
	uint8_t *file, *orig;
	size_t len, i;
	double t0;

	orig = make_keystore(dir, sizeof(dir), &len, NULL);
	file = malloc(len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(file, orig, len);
		file[12] = bad[i].alg;
		put32(file + 16, bad[i].ops);
		put32(file + 20, bad[i].mem_kib);
		rechecksum(file);
		su_write(dir, KS_FILE, file, len);
		t0 = now_s();
		CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_KDF_PARAMS);
		/* Refused from the header alone: no Argon2id ran (generous bound for sanitizers). */
		CHECK(now_s() - t0 < 0.5);
		CHECK_RC(ks_status(&st, dir), COFFER_ERR_KS_KDF_PARAMS);
		CHECK_RC(ks_change_passphrase(dir, P("correct horse"), P("x"), NULL), COFFER_ERR_KS_KDF_PARAMS);
		CHECK(su_equals(dir, KS_FILE, file, len));
		if (bad[i].alg == KS_KDF_ARGON2ID13) {
			/* And we never write such parameters ourselves. */
			p.opslimit = bad[i].ops;
			p.memlimit_kib = bad[i].mem_kib;
			CHECK_RC(ks_kdf_check(&p), COFFER_ERR_KS_KDF_PARAMS);
		}
	}
	/* Flags and reserved bytes must be zero. */
	memcpy(file, orig, len);
	file[10] = 1;
	rechecksum(file);
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_MALFORMED);
	memcpy(file, orig, len);
	file[14] = 1;
	rechecksum(file);
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_MALFORMED);
	/* A forged kcv with a fixed checksum is a wrong passphrase, no more. */
	memcpy(file, orig, len);
	file[64] ^= 1;
	rechecksum(file);
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_WRONG_PASSPHRASE);
	/* A forged nonce with a fixed checksum: right passphrase, tag fails. */
	memcpy(file, orig, len);
	file[40] ^= 1;
	rechecksum(file);
	su_write(dir, KS_FILE, file, len);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_KS_TAMPERED);
	CHECK(u == NULL);
	/* The bounds themselves are accepted. */
	p.opslimit = KS_KDF_OPSLIMIT_MAX;
	p.memlimit_kib = KS_KDF_WORK_KIB_MAX / KS_KDF_OPSLIMIT_MAX;
	CHECK_OK(ks_kdf_check(&p));
	p.opslimit = KS_KDF_OPSLIMIT_MIN;
	p.memlimit_kib = KS_KDF_MEMLIMIT_KIB_MAX;
	CHECK_OK(ks_kdf_check(&p));
	p.memlimit_kib = KS_KDF_MEMLIMIT_KIB_MIN;
	CHECK_OK(ks_kdf_check(&p));
	ks_kdf_default(&p);
	CHECK_OK(ks_kdf_check(&p));
	CHECK(p.memlimit_kib >= 64u * 1024u);	/* the floor: at least 64 MiB */
	/* Create refuses them too, and writes nothing. */
	su_rmtree(dir);
	su_mkdtemp(dir, sizeof(dir));
	p.opslimit = 1;
	p.memlimit_kib = 100u * 1024u * 1024u;
	CHECK_RC(ks_create(&u, dir, P("pw"), 12, NULL, &p), COFFER_ERR_KS_KDF_PARAMS);
	CHECK(u == NULL && ks_file_exists(dir) == 0);
	free(file);
	free(orig);
	su_rmtree(dir);
}

/* The parser alone on a buffer: what the fuzzer drives. */
static void
test_file_parse(void)
{
	struct ks_header h;
	const uint8_t *ct;
	char dir[256];
	uint8_t *file, hdr[KS_HEADER_LEN];
	size_t len;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	CHECK_OK(ks_file_parse(&h, &ct, file, len));
	CHECK(ct == file + KS_HEADER_LEN && h.version == 1 && h.kdf.opslimit == 1 && h.kdf.memlimit_kib == 8);
	/* Re-encoding the parsed header gives the same bytes. */
	CHECK_OK(ks_header_encode(hdr, &h));
	CHECK(memcmp(hdr, file, KS_HEADER_LEN) == 0);
	CHECK_RC(ks_file_parse(&h, &ct, file, KS_HEADER_LEN), COFFER_ERR_KS_TRUNCATED);
	CHECK(ct == NULL && h.version == 0);
	CHECK_RC(ks_file_parse(&h, &ct, NULL, 0), COFFER_ERR_KS_TRUNCATED);
	h.kdf.memlimit_kib = 0;
	CHECK_RC(ks_header_encode(hdr, &h), COFFER_ERR_KS_KDF_PARAMS);
	free(file);
	su_rmtree(dir);
}

static void
test_dir_rules(void)
{
	struct ks_secret *u = NULL;
	char dir[256], sub[300];
	uint8_t *file;
	size_t len;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	chmod(dir, 0750);
	CHECK_RC(ks_unlock(&u, dir, P("correct horse")), COFFER_ERR_SIGNER_DIR);
	chmod(dir, 0700);
	CHECK_OK(ks_unlock(&u, dir, P("correct horse")));
	ks_secret_free(u);
	u = NULL;
	/* create makes the signer directory (one level) with mode 0700. */
	snprintf(sub, sizeof(sub), "%s/signer", dir);
	CHECK_OK(ks_create(&u, sub, P("pw"), 12, NULL, &fast));
	ks_secret_free(u);
	u = NULL;
	CHECK_OK(fileio_dir_check(sub));
	snprintf(sub, sizeof(sub), "%s/no/such", dir);
	CHECK_RC(ks_create(&u, sub, P("pw"), 12, NULL, &fast), COFFER_ERR_IO);
	CHECK_RC(ks_unlock(&u, sub, P("pw")), COFFER_ERR_KS_MISSING);
	snprintf(sub, sizeof(sub), "%s/signer/keystore", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/signer", dir);
	rmdir(sub);
	free(file);
	su_rmtree(dir);
}

/* A crashed writer's temporary is ignored by readers and removed by the next write. */
static void
test_stale_temp(void)
{
	static const uint8_t junk[] = "half a keystore";
	struct ks_secret *u = NULL;
	char dir[256];
	uint8_t *file;
	size_t len;

	file = make_keystore(dir, sizeof(dir), &len, NULL);
	su_write(dir, ".keystore.tmp-0123456789abcdef", junk, sizeof(junk));
	su_write(dir, ".keystore.tmp-ffffffffffffffff", file, len / 2);
	CHECK_OK(ks_unlock(&u, dir, P("correct horse")));
	ks_secret_free(u);
	CHECK(su_count_prefix(dir, ".keystore.tmp-") == 2);	/* reading never deletes */
	CHECK_OK(ks_change_passphrase(dir, P("correct horse"), P("next"), NULL));
	CHECK(su_count_prefix(dir, ".keystore.tmp-") == 0);
	CHECK_OK(ks_unlock(&u, dir, P("next")));
	ks_secret_free(u);
	free(file);
	su_rmtree(dir);
}

/* The defaults, once: the figure docs/KEYSTORE.md records. */
static void
test_default_params(void)
{
	struct ks_secret *s = NULL, *u = NULL;
	struct ks_kdf_params d;
	struct ks_status st;
	char dir[256];
	double t0, t;

	ks_kdf_default(&d);
	su_mkdtemp(dir, sizeof(dir));
	CHECK_OK(ks_create(&s, dir, P("default params"), 24, NULL, NULL));
	CHECK_OK(ks_status(&st, dir));
	CHECK(st.kdf.opslimit == d.opslimit && st.kdf.memlimit_kib == d.memlimit_kib);
	t0 = now_s();
	CHECK_OK(ks_unlock(&u, dir, P("default params")));
	t = now_s() - t0;
	CHECK(u != NULL && s != NULL && memcmp(u->seed, s->seed, 64) == 0);
	printf("argon2id default (opslimit %u, memlimit %u MiB): unlock %.3f s\n", d.opslimit,
	    d.memlimit_kib / 1024u, t);
	ks_secret_free(u);
	ks_secret_free(s);
	su_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "keystore_create_unlock", test_create_unlock },
	{ "keystore_no_plaintext_on_disk", test_no_plaintext_on_disk },
	{ "keystore_restore_vectors", test_restore_vectors },
	{ "keystore_change_passphrase", test_change_passphrase },
	{ "keystore_passphrase_rules", test_passphrase_rules },
	{ "keystore_wrong_passphrase", test_wrong_passphrase },
	{ "keystore_tampered_every_byte", test_tampered_every_byte },
	{ "keystore_truncated_every_length", test_truncated_every_length },
	{ "keystore_foreign", test_foreign },
	{ "keystore_version", test_version },
	{ "keystore_hostile_kdf_params", test_hostile_kdf_params },
	{ "keystore_file_parse", test_file_parse },
	{ "keystore_dir_rules", test_dir_rules },
	{ "keystore_stale_temp", test_stale_temp },
	{ "keystore_default_params", test_default_params },
};

TEST_MAIN(tests)
