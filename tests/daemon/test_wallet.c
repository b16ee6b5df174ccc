/*
 * The wallet routes against a real coffer-signer (spawned over a socketpair
 * as cofferd does), without sockets: create/restore, the locked state,
 * unlock (plain and sealed, wrong passphrase, replayed box), sessions that
 * end, lock, addresses (derived from the public descriptors, checked against
 * the wallet core's own derivation of the mnemonic), message sign/verify,
 * PSBT signing and the policy that refuses it, the audit log, attestation,
 * and a signer that dies (cofferd starts a new one, the wallet locked).
 * Skipped, saying so, when no signer binary is built.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "common/encoding.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/wallet.h"

#include "api_util.h"
#include "wallet_util.h"

#define ADMIN "a0112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"
#define AUTH "Bearer " ADMIN
#define PASS "correct horse battery"

static struct daemon_config cfg;
static struct daemon d;
static struct wallet w;
static char dir[64];
static struct test_keys keys;

static int
setup(void)
{
	const char *bin = test_signer_bin();
	char err[512];

	if (bin == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/coffer-wallet-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	cfg.network = BTC_REGTEST;
	cfg.signer_kdf_memory_kib = 64;
	cfg.signer_kdf_passes = 1;
	if (config_finish(&cfg) != 0 || daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	log_set_level(LOG_LEVEL_ERROR);
	api_d = &d;
	if (wallet_start(&w, &d, err, sizeof(err), bin) != 0) {
		fprintf(stderr, "wallet_start: %s\n", err);
		abort();
	}
	d.wallet = &w;
	if (test_keys_derive(&keys, TEST_MNEMONIC, 0) != 0)
		abort();
	return 0;
}

static void
teardown(void)
{
	char cmd[160];

	wallet_stop(&w);
	daemon_free(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

/* A successful call: status want; the body stays in *a (caller frees). */
#define OK(a, want, ...) do { \
	unsigned int s_ = call((a), __VA_ARGS__); \
	CHECK_MSG(s_ == (want), "%s: got %u, want %u (%s)", #__VA_ARGS__, s_, (unsigned int)(want), (a)->text); \
} while (0)

static const char *
jstr(const struct answer *a, const char *key)
{
	const char *v = json_string_value(json_object_get(a->json, key));

	return v != NULL ? v : "";
}

static const char *
state_now(void)
{
	static char s[32];
	struct answer a;

	call(&a, "GET", "/v1/info", AUTH, NULL);
	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(json_object_get(a.json, "signer"), "state")));
	answer_free(&a);
	return s;
}

static void
test_uninitialized(void)
{
	CHECK_STREQ(state_now(), "uninitialized");
	EXPECT(423, "wallet_locked", "POST", "/v1/wallet/addresses", AUTH, "{}");
	EXPECT(423, "wallet_locked", "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"x\"}");
	EXPECT(423, "wallet_locked", "POST", "/v1/wallet/lock", AUTH, NULL);
	EXPECT(423, "wallet_locked", "GET", "/v1/policy", AUTH, NULL);
	/* Bad create bodies never reach the signer. */
	EXPECT(400, "missing_field", "POST", "/v1/wallet/create", AUTH, "{}");
	EXPECT(400, "wrong_type", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":1}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"\"}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"p\",\"words\":13}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"p\",\"words\":-12}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"p\",\"type\":\"pkh\"}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/create", AUTH,
	    "{\"passphrase\":\"p\",\"words\":12,\"mnemonic\":\"" TEST_MNEMONIC "\"}");
	EXPECT(400, "unknown_field", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"p\",\"seed\":\"00\"}");
	/* A mnemonic that is not one: the signer says why, the signer stays uninitialized. */
	EXPECT(400, "mnemonic_checksum", "POST", "/v1/wallet/create", AUTH,
	    "{\"passphrase\":\"p\",\"mnemonic\":\"abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon abandon\"}");
	CHECK_STREQ(state_now(), "uninitialized");
}

static void
test_create(void)
{
	struct answer a;
	json_t *descs;
	size_t i;
	int seen_wpkh = 0;
	char fp[9];

	OK(&a, 201, "POST", "/v1/wallet/create", AUTH,
	    "{\"passphrase\":\"" PASS "\",\"mnemonic\":\"" TEST_MNEMONIC "\",\"type\":\"wpkh\"}");
	/* A restore never echoes the mnemonic. */
	CHECK(json_object_get(a.json, "mnemonic") == NULL);
	CHECK(json_is_true(json_object_get(a.json, "restored")));
	CHECK_STREQ(jstr(&a, "state"), "unlocked");
	CHECK_STREQ(jstr(&a, "address_type"), "wpkh");
	hex_encode(fp, sizeof(fp), keys.fp, 4);
	CHECK_STREQ(jstr(&a, "fingerprint"), fp);
	descs = json_object_get(a.json, "descriptors");
	CHECK(json_array_size(descs) >= 2);
	for (i = 0; i < json_array_size(descs); i++) {
		const char *t = json_string_value(json_object_get(json_array_get(descs, i), "descriptor"));

		CHECK(t != NULL && strstr(t, "prv") == NULL);
		if (t != NULL && strncmp(t, "wpkh([", 6) == 0)
			seen_wpkh = 1;
	}
	CHECK(seen_wpkh);
	answer_free(&a);
	CHECK_STREQ(state_now(), "unlocked");
	EXPECT(409, "keystore_exists", "POST", "/v1/wallet/create", AUTH, "{\"passphrase\":\"p\"}");
}

static void
test_addresses(void)
{
	struct answer a;
	json_t *list;

	/* Index 0 is the wallet core's own derivation of the mnemonic at m/84'/1'/0'/0/0. */
	OK(&a, 201, "POST", "/v1/wallet/addresses", AUTH, "{\"label\":\"invoice 17\"}");
	CHECK_STREQ(jstr(&a, "address"), keys.wpkh_addr);
	CHECK_STREQ(jstr(&a, "path"), "m/84h/1h/0h/0/0");
	CHECK_STREQ(jstr(&a, "label"), "invoice 17");
	CHECK(json_integer_value(json_object_get(a.json, "index")) == 0);
	answer_free(&a);
	OK(&a, 201, "POST", "/v1/wallet/addresses", AUTH, NULL);
	CHECK(json_integer_value(json_object_get(a.json, "index")) == 1);
	answer_free(&a);
	OK(&a, 201, "POST", "/v1/wallet/addresses", AUTH, "{}");
	CHECK(json_integer_value(json_object_get(a.json, "index")) == 2);
	answer_free(&a);
	EXPECT(400, "bad_value", "POST", "/v1/wallet/addresses", AUTH, "{\"label\":\"a\\u0001b\"}");
	EXPECT(400, "wrong_type", "POST", "/v1/wallet/addresses", AUTH, "{\"label\":7}");
	EXPECT(400, "unknown_field", "POST", "/v1/wallet/addresses", AUTH, "{\"index\":7}");

	OK(&a, 200, "GET", "/v1/wallet/addresses?limit=2", AUTH, NULL);
	list = json_object_get(a.json, "addresses");
	CHECK(json_array_size(list) == 2);
	CHECK_STREQ(json_string_value(json_object_get(a.json, "next_cursor")), "2");
	answer_free(&a);
	OK(&a, 200, "GET", "/v1/wallet/addresses?cursor=2", AUTH, NULL);
	CHECK(json_array_size(json_object_get(a.json, "addresses")) == 1);
	CHECK(json_is_null(json_object_get(a.json, "next_cursor")));
	answer_free(&a);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?limit=0", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?limit=abc", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?cursor=-1", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?cursor=01", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?cursor=99999999999999999999999", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/wallet/addresses?limit=1&limit=2", AUTH, NULL);
	EXPECT(400, "unknown_field", "GET", "/v1/wallet/addresses?page=1", AUTH, NULL);
}

static void
test_messages(void)
{
	char body[1024];
	struct answer a;
	char sig[512];

	snprintf(body, sizeof(body), "{\"message\":\"hello coffer\",\"address\":\"%s\"}", keys.wpkh_addr);
	OK(&a, 200, "POST", "/v1/message/sign", AUTH, body);
	CHECK_STREQ(jstr(&a, "address"), keys.wpkh_addr);
	snprintf(sig, sizeof(sig), "%s", jstr(&a, "signature"));
	answer_free(&a);
	snprintf(body, sizeof(body), "{\"message\":\"hello coffer\",\"address\":\"%s\",\"signature\":\"%s\"}",
	    keys.wpkh_addr, sig);
	OK(&a, 200, "POST", "/v1/message/verify", AUTH, body);
	CHECK(json_is_true(json_object_get(a.json, "valid")));
	answer_free(&a);
	snprintf(body, sizeof(body), "{\"message\":\"hello coffeR\",\"address\":\"%s\",\"signature\":\"%s\"}",
	    keys.wpkh_addr, sig);
	OK(&a, 200, "POST", "/v1/message/verify", AUTH, body);
	CHECK(json_is_false(json_object_get(a.json, "valid")));
	answer_free(&a);
	/* Without an address: the first receive address. */
	OK(&a, 200, "POST", "/v1/message/sign", AUTH, "{\"message\":\"\"}");
	CHECK_STREQ(jstr(&a, "address"), keys.wpkh_addr);
	answer_free(&a);
	/* Our taproot key is not an address this (wpkh) wallet handed out. */
	snprintf(body, sizeof(body), "{\"message\":\"m\",\"address\":\"%s\"}", keys.tr_addr);
	EXPECT(404, "not_found", "POST", "/v1/message/sign", AUTH, body);
	EXPECT(400, "wrong_network", "POST", "/v1/message/sign", AUTH,
	    "{\"message\":\"m\",\"address\":\"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\"}");
	EXPECT(400, "bad_checksum", "POST", "/v1/message/sign", AUTH,
	    "{\"message\":\"m\",\"address\":\"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\"}");
	EXPECT(400, "missing_field", "POST", "/v1/message/sign", AUTH, "{}");
	EXPECT(400, "wrong_type", "POST", "/v1/message/sign", AUTH, "{\"message\":[]}");
	EXPECT(400, "missing_field", "POST", "/v1/message/verify", AUTH, "{\"message\":\"m\"}");
	snprintf(body, sizeof(body), "{\"message\":\"m\",\"address\":\"%s\",\"signature\":\"smp!!!\"}", keys.wpkh_addr);
	EXPECT(400, "bad_base64", "POST", "/v1/message/verify", AUTH, body);
}

static void
psbt_body(char **out, int64_t value, const char *extra)
{
	struct cbuf bin, b64;
	size_t n;

	cbuf_init(&bin, 0);
	cbuf_init(&b64, 0);
	if (test_make_psbt(&bin, &keys, value) != 0 || base64_encode_buf(&b64, bin.p, bin.len) != 0)
		abort();
	n = b64.len + 128;
	*out = malloc(n);
	snprintf(*out, n, "{\"psbt\":\"%.*s\"%s}", (int)b64.len, (const char *)b64.p, extra);
	cbuf_free(&bin);
	cbuf_free(&b64);
}

static void
test_psbt_and_policy(void)
{
	struct answer a;
	char *body;

	psbt_body(&body, 100000, "");
	OK(&a, 200, "POST", "/v1/psbt/sign", AUTH, body);
	CHECK(json_integer_value(json_object_get(a.json, "inputs_signed")) == 1);
	CHECK(json_integer_value(json_object_get(a.json, "fee_sat")) == 1000);
	CHECK(strlen(jstr(&a, "psbt")) > 100);
	answer_free(&a);
	EXPECT(400, "bad_base64", "POST", "/v1/psbt/sign", AUTH, "{\"psbt\":\"not base64!\"}");
	EXPECT(400, "psbt_magic", "POST", "/v1/psbt/sign", AUTH, "{\"psbt\":\"AAAA\"}");
	EXPECT(400, "missing_field", "POST", "/v1/psbt/sign", AUTH, "{}");

	/* Policy: read it, refuse bad changes, then limit payments and see the signer refuse. */
	OK(&a, 200, "GET", "/v1/policy", AUTH, NULL);
	CHECK(json_is_integer(json_object_get(a.json, "max_per_payment_sat")));
	answer_free(&a);
	EXPECT(400, "missing_field", "PUT", "/v1/policy", AUTH, "{\"policy\":{\"max_per_payment_sat\":5000}}");
	EXPECT(400, "wrong_type", "PUT", "/v1/policy", AUTH, "{\"policy\":5,\"passphrase\":\"" PASS "\"}");
	EXPECT(403, "wrong_passphrase", "PUT", "/v1/policy", AUTH,
	    "{\"policy\":{\"max_per_payment_sat\":5000},\"passphrase\":\"nope\"}");
	EXPECT(400, "policy_unknown_key", "PUT", "/v1/policy", AUTH,
	    "{\"policy\":{\"max_per_payment\":5000},\"passphrase\":\"" PASS "\"}");
	EXPECT(400, "policy_bad_value", "PUT", "/v1/policy", AUTH,
	    "{\"policy\":{\"max_per_payment_sat\":-5},\"passphrase\":\"" PASS "\"}");
	OK(&a, 200, "PUT", "/v1/policy", AUTH, "{\"policy\":{\"max_per_payment_sat\":5000},\"passphrase\":\"" PASS "\"}");
	CHECK(json_integer_value(json_object_get(a.json, "max_per_payment_sat")) == 5000);
	answer_free(&a);
	EXPECT(403, "policy_max_payment", "POST", "/v1/psbt/sign", AUTH, body);
	free(body);
}

static void
test_audit_and_attestation(void)
{
	struct answer a;
	json_t *recs;

	OK(&a, 200, "GET", "/v1/audit", AUTH, NULL);
	recs = json_object_get(a.json, "records");
	CHECK(json_array_size(recs) >= 5);
	CHECK(json_integer_value(json_object_get(json_array_get(recs, 0), "seq")) == 1);
	CHECK(json_is_null(json_object_get(a.json, "next")));
	answer_free(&a);
	OK(&a, 200, "GET", "/v1/audit?from=2&limit=1", AUTH, NULL);
	recs = json_object_get(a.json, "records");
	CHECK(json_array_size(recs) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(recs, 0), "seq")) == 2);
	CHECK(json_integer_value(json_object_get(a.json, "next")) == 3);
	answer_free(&a);
	EXPECT(400, "bad_value", "GET", "/v1/audit?from=0", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/audit?limit=100000", AUTH, NULL);

	OK(&a, 200, "GET", "/v1/attestation?nonce=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    AUTH, NULL);
	CHECK(strlen(jstr(&a, "backend")) > 0);
	CHECK(strlen(jstr(&a, "unlock_public_key")) == 64);
	answer_free(&a);
	EXPECT(400, "missing_field", "GET", "/v1/attestation", AUTH, NULL);
	EXPECT(400, "bad_value", "GET", "/v1/attestation?nonce=0011", AUTH, NULL);
	EXPECT(400, "bad_value", "GET",
	    "/v1/attestation?nonce=zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", AUTH, NULL);
}

/* GET /v1/wallet/unlock-key, then a sealed-passphrase unlock body for it. */
static void
sealed_body(char *out, size_t outsize, const char *pass)
{
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN];
	struct answer a;
	struct cbuf box, b64;

	OK(&a, 200, "GET", "/v1/wallet/unlock-key", AUTH, NULL);
	CHECK_OK(hex_decode_exact(pk, 32, jstr(&a, "public_key")));
	CHECK_OK(hex_decode_exact(ch, sizeof(ch), jstr(&a, "challenge")));
	answer_free(&a);
	cbuf_init(&box, 0);
	cbuf_init(&b64, 0);
	CHECK_OK(client_seal(&box, pk, ch, (const uint8_t *)pass, strlen(pass)));
	CHECK_OK(base64_encode_buf(&b64, box.p, box.len));
	snprintf(out, outsize, "{\"sealed_passphrase\":\"%.*s\"}", (int)b64.len, (const char *)b64.p);
	cbuf_free(&box);
	cbuf_free(&b64);
}

static void
test_lock_unlock(void)
{
	char body[1024];
	struct answer a;
	int i;

	OK(&a, 200, "POST", "/v1/wallet/lock", AUTH, NULL);
	answer_free(&a);
	CHECK_STREQ(state_now(), "locked");
	EXPECT(423, "wallet_locked", "GET", "/v1/wallet/addresses", AUTH, NULL);
	EXPECT(423, "wallet_locked", "POST", "/v1/message/sign", AUTH, "{\"message\":\"m\"}");
	EXPECT(423, "wallet_locked", "POST", "/v1/wallet/lock", AUTH, NULL);
	EXPECT(403, "wrong_passphrase", "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"wrong\"}");
	EXPECT(400, "missing_field", "POST", "/v1/wallet/unlock", AUTH, "{}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/unlock", AUTH,
	    "{\"passphrase\":\"" PASS "\",\"sealed_passphrase\":\"AAAA\"}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"" PASS "\",\"timeout_s\":-1}");
	EXPECT(400, "bad_value", "POST", "/v1/wallet/unlock", AUTH, "{\"sealed_passphrase\":\"%%%\"}");

	/* Sealed to the signer's unlock key: cofferd relays a box it cannot open. */
	sealed_body(body, sizeof(body), PASS);
	OK(&a, 200, "POST", "/v1/wallet/unlock", AUTH, body);
	answer_free(&a);
	CHECK_STREQ(state_now(), "unlocked");
	/* The addresses survived lock and unlock (the store is on disk, encrypted). */
	OK(&a, 200, "GET", "/v1/wallet/addresses", AUTH, NULL);
	CHECK(json_array_size(json_object_get(a.json, "addresses")) == 3);
	answer_free(&a);
	OK(&a, 200, "POST", "/v1/wallet/lock", AUTH, NULL);
	answer_free(&a);
	/* The same box again: its challenge is spent. */
	call(&a, "POST", "/v1/wallet/unlock", AUTH, body);
	CHECK_MSG(a.status >= 400 && a.status < 500, "replayed box: %u %s", a.status, a.text);
	answer_free(&a);
	CHECK_STREQ(state_now(), "locked");

	/* A session ends by itself; cofferd closes the store with it. */
	OK(&a, 200, "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"" PASS "\",\"timeout_s\":2}");
	CHECK(json_integer_value(json_object_get(a.json, "timeout_s")) == 2);
	answer_free(&a);
	for (i = 0; i < 100 && strcmp(state_now(), "unlocked") == 0; i++)
		usleep(100 * 1000);
	CHECK_STREQ(state_now(), "locked");
	EXPECT(423, "wallet_locked", "GET", "/v1/wallet/addresses", AUTH, NULL);
}

static void
test_signer_dies(void)
{
	struct answer a;
	int i;

	OK(&a, 200, "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"" PASS "\"}");
	answer_free(&a);
	CHECK(w.client.pid > 0);
	kill(w.client.pid, SIGKILL);
	/* The next call finds the connection gone: a new signer, locked, and the store closed. */
	call(&a, "POST", "/v1/message/sign", AUTH, "{\"message\":\"m\"}");
	CHECK_MSG(a.status == 503 || a.status == 423, "after the signer died: %u %s", a.status, a.text);
	answer_free(&a);
	for (i = 0; i < 50 && strcmp(state_now(), "locked") != 0; i++)
		usleep(100 * 1000);
	CHECK_STREQ(state_now(), "locked");
	CHECK(w.restarts == 1);
	OK(&a, 200, "POST", "/v1/wallet/unlock", AUTH, "{\"passphrase\":\"" PASS "\"}");
	answer_free(&a);
	OK(&a, 200, "GET", "/v1/wallet/addresses", AUTH, NULL);
	CHECK(json_array_size(json_object_get(a.json, "addresses")) == 3);
	answer_free(&a);
}

static void
test_all(void)
{
	if (setup() != 0) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	test_uninitialized();
	test_create();
	test_addresses();
	test_messages();
	test_psbt_and_policy();
	test_audit_and_attestation();
	test_lock_unlock();
	test_signer_dies();
	teardown();
}

static const struct test_case tests[] = {
	{ "wallet_with_signer", test_all },
};

TEST_MAIN(tests)
