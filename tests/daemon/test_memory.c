/*
 * Keys stay in the signer: run the real cofferd (with its real signer),
 * create a wallet through it (the new mnemonic passes through cofferd once, in
 * the create answer), lock and unlock, hand out an address, sign a message
 * and a PSBT through it, then read cofferd's whole memory through
 * /proc/PID/mem and look for the mnemonic, the BIP39 seed, and the private
 * keys the wallet core derives from that mnemonic (master, account and
 * address keys). None may be there. The account xpub must be (a control that
 * the search sees what cofferd holds). Needs root or ptrace rights over the
 * child (skipped, saying so, otherwise) and the signer binary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "common/encoding.h"
#include "common/secmem.h"

#include "proc_util.h"
#include "wallet_util.h"

#define PASS "memory test passphrase 7f3a"

static void
expect_absent(pid_t pid, const char *what, const void *p, size_t n)
{
	long c = proc_mem_count(pid, p, n);

	CHECK_MSG(c == 0, "cofferd's memory holds the %s (%ld times)", what, c);
}

static void
test_memory(void)
{
	const char *signer = test_signer_bin();
	const char *extra[] = { "--network", "regtest", "--signer", NULL, "--signer-kdf-memory", "64",
		"--signer-kdf-passes", "1", NULL };
	struct proc_daemon d;
	struct test_keys k;
	struct cbuf psbt, b64;
	char mnemonic[512], body[4096], xpub[256], *pbody;
	json_t *j = NULL;
	const char *s;
	long c;

	memset(&d, 0, sizeof(d));
	if (signer == NULL) {
		printf("SKIP: no coffer-signer binary (the signer process is not built)\n");
		CHECK(1);
		return;
	}
	extra[3] = signer;
	if (proc_daemon_start(&d, COFFERD_BIN, extra) != 0) {
		CHECK_MSG(0, "cofferd did not start");
		proc_daemon_cleanup(&d);
		return;
	}
	if (proc_mem_count(d.pid, "cofferd", 7) < 0) {
		printf("SKIP: cannot read /proc/%d/mem (needs root or ptrace rights)\n", (int)d.pid);
		CHECK(1);
		proc_daemon_cleanup(&d);
		return;
	}
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/create", "{\"passphrase\":\"" PASS "\",\"type\":\"wpkh\"}") ==
	    201);
	s = json_string_value(json_object_get(j, "mnemonic"));
	CHECK(s != NULL && strlen(s) > 40);
	snprintf(mnemonic, sizeof(mnemonic), "%s", s != NULL ? s : "");
	s = json_string_value(json_object_get(json_array_get(json_object_get(j, "descriptors"), 0), "xpub"));
	snprintf(xpub, sizeof(xpub), "%s", s != NULL ? s : "");
	json_decref(j);
	CHECK_OK(test_keys_derive(&k, mnemonic, 0));

	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/lock", NULL) == 200);
	json_decref(j);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/unlock", "{\"passphrase\":\"" PASS "\"}") == 200);
	json_decref(j);
	CHECK(proc_http(&j, &d, "POST", "/v1/wallet/addresses", "{\"label\":\"mem\"}") == 201);
	CHECK_STREQ(json_string_value(json_object_get(j, "address")), k.wpkh_addr);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"message\":\"memory\",\"address\":\"%s\"}", k.wpkh_addr);
	CHECK(proc_http(&j, &d, "POST", "/v1/message/sign", body) == 200);
	json_decref(j);
	cbuf_init(&psbt, 0);
	cbuf_init(&b64, 0);
	CHECK_OK(test_make_psbt(&psbt, &k, 50000));
	CHECK_OK(base64_encode_buf(&b64, psbt.p, psbt.len));
	pbody = malloc(b64.len + 64);
	snprintf(pbody, b64.len + 64, "{\"psbt\":\"%.*s\"}", (int)b64.len, (const char *)b64.p);
	CHECK(proc_http(&j, &d, "POST", "/v1/psbt/sign", pbody) == 200);
	CHECK(json_integer_value(json_object_get(j, "inputs_signed")) == 1);
	json_decref(j);
	free(pbody);
	cbuf_free(&psbt);
	cbuf_free(&b64);

	/* The control: what cofferd must hold is found. */
	c = proc_mem_count(d.pid, xpub, strlen(xpub));
	CHECK_MSG(c > 0, "the account xpub is not in cofferd's memory: the search is blind (%ld)", c);
	expect_absent(d.pid, "mnemonic", mnemonic, strlen(mnemonic));
	expect_absent(d.pid, "BIP39 seed", k.seed, sizeof(k.seed));
	expect_absent(d.pid, "master private key", k.master_priv, 32);
	expect_absent(d.pid, "BIP84 account private key", k.account_priv[0], 32);
	expect_absent(d.pid, "BIP86 account private key", k.account_priv[1], 32);
	expect_absent(d.pid, "address private key (wpkh, index 0)", k.wpkh_priv, 32);
	expect_absent(d.pid, "address private key (tr, index 0)", k.tr_priv, 32);
	expect_absent(d.pid, "passphrase", PASS, strlen(PASS));
	CHECK(proc_daemon_stop(&d, 0) == 0);
	proc_daemon_cleanup(&d);
	secure_wipe(&k, sizeof(k));
	secure_wipe(mnemonic, sizeof(mnemonic));
}

static const struct test_case tests[] = {
	{ "no_secrets_in_cofferd", test_memory },
};

TEST_MAIN(tests)
