/*
 * The signer's judgement through the real process: policy changes need the
 * passphrase; each rule refuses at its boundary with its own code and reason
 * (maximum per payment, rolling 24 hours — also across a restart —,
 * passphrase threshold, kill switch, allowlist); every decision lands in the
 * audit log, readable through the protocol; a cut audit log stops unlock.
 * The test PSBT spends 150000 sat of ours (100000 wpkh + 50000 tr, fee
 * included) and 70000 of someone else's.
 */
#include "signer_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <sodium.h>

#include "harness.h"

#include "btc/address.h"
#include "btc/bip322.h"
#include "btc/bip39.h"
#include "btc/descriptor.h"
#include "signer/audit.h"
#include "signer/client.h"
#include "signer/policy.h"
#include "signer/proto.h"

static const struct client_spawn_opts spawn_opts = {
	"regtest", NULL, TEST_KDF_KIB, TEST_KDF_PASSES, NULL, NULL, NULL, NULL,
};

static const struct proto_secret pw = { PROTO_SECRET_PLAIN, (const uint8_t *)"pw", 2 };

struct fixture {
	char dir[64];
	struct signer_client c;
	struct test_wallet_keys k;
	struct cbuf psbt;
};

/* A wallet in f->dir (already made), created and unlocked through a fresh signer. */
static void
setup_in(struct fixture *f)
{
	struct proto_secret none = client_secret_none();
	struct cbuf mn;
	uint8_t seed[64];

	cbuf_init_secret(&mn, 0);
	cbuf_init(&f->psbt, 0);
	CHECK_OK(client_spawn_signer(&f->c, COFFER_SIGNER_BIN, f->dir, &spawn_opts));
	CHECK_OK(client_create(&f->c, &mn, &pw, 12, &none, NULL));
	CHECK_OK(bip39_mnemonic_to_seed(seed, (const char *)mn.p, ""));
	CHECK_OK(test_derive_keys(&f->k, seed, 0));
	CHECK_OK(test_make_psbt(&f->psbt, &f->k));
	CHECK_OK(client_unlock(&f->c, &pw, 0));
	secure_wipe(seed, sizeof(seed));
	cbuf_free(&mn);
}

static void
setup(struct fixture *f)
{
	test_tmpdir(f->dir);
	setup_in(f);
}

static void
restart(struct fixture *f)
{
	client_close(&f->c);
	CHECK_OK(client_spawn_signer(&f->c, COFFER_SIGNER_BIN, f->dir, &spawn_opts));
	CHECK_OK(client_unlock(&f->c, &pw, 0));
}

/* As restart, but the signer is killed (SIGKILL) instead of closed: nothing
 * it would do at a clean end (the lock record, a last state write) happens. */
static void
crash_restart(struct fixture *f)
{
	CHECK(f->c.pid > 0 && kill(f->c.pid, SIGKILL) == 0);
	client_close(&f->c);
	CHECK(WIFSIGNALED(f->c.exit_status) && WTERMSIG(f->c.exit_status) == SIGKILL);
	CHECK_OK(client_spawn_signer(&f->c, COFFER_SIGNER_BIN, f->dir, &spawn_opts));
	CHECK_OK(client_unlock(&f->c, &pw, 0));
}

static void
teardown(struct fixture *f)
{
	client_close(&f->c);
	cbuf_free(&f->psbt);
	test_rmtree(f->dir);
}

static int
set_policy(struct fixture *f, const char *json)
{
	return client_set_policy(&f->c, &pw, json, strlen(json));
}

static int
sign(struct fixture *f, const struct proto_secret *pass, struct client_sign_result *res)
{
	struct proto_secret none = client_secret_none();
	struct cbuf out;
	int r;

	cbuf_init(&out, 0);
	r = client_sign_psbt(&f->c, &out, res, pass != NULL ? pass : &none, f->psbt.p, f->psbt.len);
	cbuf_free(&out);
	return r;
}

static void
test_policy_needs_passphrase(void)
{
	struct proto_secret none = client_secret_none();
	struct proto_secret bad = { PROTO_SECRET_PLAIN, (const uint8_t *)"no", 2 };
	struct fixture f;
	struct cbuf json;

	setup(&f);
	cbuf_init(&json, 0);
	CHECK_OK(client_get_policy(&f.c, &json));
	CHECK(strstr((const char *)json.p, "\"kill_switch\":false") != NULL);
	CHECK_RC(client_set_policy(&f.c, &none, "{\"kill_switch\":true}", 19), COFFER_ERR_SIGNER_NO_PASSPHRASE);
	CHECK_RC(client_set_policy(&f.c, &bad, "{\"kill_switch\":true}", 19), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_RC(set_policy(&f, "{\"max_fee_sat\":\"lots\"}"), COFFER_ERR_POLICY_BAD_VALUE);
	CHECK_MSG(strstr(f.c.reason, "max_fee_sat") != NULL, "reason: %s", f.c.reason);
	CHECK_RC(set_policy(&f, "{\"no_such_rule\":1}"), COFFER_ERR_POLICY_UNKNOWN_KEY);
	/* nothing changed */
	cbuf_reset(&json);
	CHECK_OK(client_get_policy(&f.c, &json));
	CHECK(strstr((const char *)json.p, "\"kill_switch\":false") != NULL);
	CHECK_OK(set_policy(&f, "{\"kill_switch\":true}"));
	cbuf_reset(&json);
	CHECK_OK(client_get_policy(&f.c, &json));
	CHECK(strstr((const char *)json.p, "\"kill_switch\":true") != NULL);
	/* it persists across a restart (sealed state) */
	restart(&f);
	cbuf_reset(&json);
	CHECK_OK(client_get_policy(&f.c, &json));
	CHECK(strstr((const char *)json.p, "\"kill_switch\":true") != NULL);
	cbuf_free(&json);
	teardown(&f);
}

/* The address test_make_psbt pays (its foreign key, 0x5a...). */
static int
foreign_address(char out[ADDR_BUFSIZE])
{
	uint8_t priv[32], pub[33], h[20];
	struct cbuf spk;
	int r;

	memset(priv, 0x5a, 32);
	cbuf_init(&spk, 64);
	if ((r = keys_pubkey_from_privkey(pub, priv)) == 0) {
		hash160(h, pub, 33);
		if ((r = script_p2wpkh(&spk, h)) == 0)
			r = addr_encode(out, spk.p, spk.len, BTC_REGTEST);
	}
	cbuf_free(&spk);
	return r;
}

static void
test_rules(void)
{
	struct client_sign_result res;
	struct proto_secret sealed;
	struct fixture f;
	struct cbuf box;
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN];
	char dest[ADDR_BUFSIZE], json[256];

	setup(&f);
	cbuf_init(&box, 0);
	/* no limits: signs; the reply reports the value leaving and the fee */
	CHECK_OK(sign(&f, NULL, &res));
	CHECK(res.inputs_signed == 2 && res.amount_out == 150000 && res.fee == 20000);
	/* kill switch */
	CHECK_OK(set_policy(&f, "{\"kill_switch\":true}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_KILL_SWITCH);
	/* maximum per payment, at its boundary */
	CHECK_OK(set_policy(&f, "{\"max_per_payment_sat\":149999}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_MAX_PAYMENT);
	CHECK(f.c.reason[0] != '\0');
	CHECK_OK(set_policy(&f, "{\"max_per_payment_sat\":150000}"));
	CHECK_OK(sign(&f, NULL, &res));
	/* fee, at its boundary */
	CHECK_OK(set_policy(&f, "{\"max_fee_sat\":19999}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_FEE);
	CHECK_OK(set_policy(&f, "{\"max_fee_sat\":20000}"));
	CHECK_OK(sign(&f, NULL, &res));
	/* fee rate (its exact boundary is judged in test_policy.c) */
	CHECK_OK(set_policy(&f, "{\"max_feerate_sat_vb\":1}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_FEERATE);
	CHECK_OK(set_policy(&f, "{\"max_feerate_sat_vb\":1000}"));
	CHECK_OK(sign(&f, NULL, &res));
	/* allowlist: refused when the destination is not on it, signed when it is */
	CHECK_OK(set_policy(&f, "{\"allowlist\":[\"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\"]}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_ALLOWLIST);
	CHECK_OK(foreign_address(dest));
	snprintf(json, sizeof(json), "{\"allowlist\":[\"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\",\"%s\"]}", dest);
	CHECK_OK(set_policy(&f, json));
	CHECK_OK(sign(&f, NULL, &res));
	/* passphrase above a threshold (150000 leaves): required from 149999 down,
	 * refused without, signed with (sealed, one use) */
	CHECK_OK(set_policy(&f, "{\"passphrase_threshold_sat\":149999}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_PASSPHRASE_REQUIRED);
	CHECK_OK(set_policy(&f, "{\"passphrase_threshold_sat\":100000}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_PASSPHRASE_REQUIRED);
	CHECK_OK(client_get_unlock_key(&f.c, pk, ch));
	CHECK_OK(client_seal(&box, pk, ch, (const uint8_t *)"pw", 2));
	sealed = client_secret_sealed(box.p, box.len);
	CHECK_OK(sign(&f, &sealed, &res));
	CHECK_RC(sign(&f, &sealed, &res), COFFER_ERR_SIGNER_SEALED);
	CHECK_OK(set_policy(&f, "{\"passphrase_threshold_sat\":150000}"));
	CHECK_OK(sign(&f, NULL, &res));
	cbuf_free(&box);
	teardown(&f);
}

static void
test_daily_limit_survives_restart(void)
{
	struct client_sign_result res;
	struct fixture f;

	setup(&f);
	CHECK_OK(set_policy(&f, "{\"max_24h_sat\":299999}"));
	CHECK_OK(sign(&f, NULL, &res));
	/* a crash right after the signature (nothing written after it) does not
	 * reset the window: the charge was sealed to disk before it left */
	crash_restart(&f);
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_DAILY_LIMIT);
	/* nor does a restart */
	restart(&f);
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_DAILY_LIMIT);
	CHECK_OK(set_policy(&f, "{\"max_24h_sat\":300000}"));
	CHECK_OK(sign(&f, NULL, &res));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_DAILY_LIMIT);
	teardown(&f);
}

static void
test_audit(void)
{
	struct client_sign_result res;
	struct fixture f;
	struct cbuf rec;
	char path[128];
	struct stat st;
	uint64_t next;
	uint32_t count;
	int fd;

	setup(&f);
	cbuf_init(&rec, 0);
	CHECK_OK(sign(&f, NULL, &res));
	CHECK_OK(set_policy(&f, "{\"kill_switch\":true}"));
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_POLICY_KILL_SWITCH);
	CHECK_OK(client_read_audit(&f.c, &rec, &next, &count, 1, 100));
	/* create, unlock, sign (allowed), policy change, sign (refused) */
	CHECK_MSG(count == 5 && next == 6, "count %u next %llu", count, (unsigned long long)next);
	CHECK(cbuf_put_u8(&rec, 0) == 0);
	CHECK(strstr((const char *)rec.p, "\"create\"") != NULL && strstr((const char *)rec.p, "\"unlock\"") != NULL);
	CHECK(strstr((const char *)rec.p, "\"sign_psbt\"") != NULL);
	CHECK(strstr((const char *)rec.p, "policy_kill_switch") != NULL);
	cbuf_reset(&rec);
	CHECK_OK(client_read_audit(&f.c, &rec, &next, &count, 4, 1));
	CHECK(count == 1 && next == 5);
	/* cut the last record: the sealed head is gone, so unlock refuses */
	client_close(&f.c);
	snprintf(path, sizeof(path), "%s/signer/audit.log", f.dir);
	CHECK(stat(path, &st) == 0 && st.st_size > 10);
	/* remove the lock record the close wrote and the refusal before it */
	CHECK((fd = open(path, O_WRONLY)) >= 0);
	CHECK(ftruncate(fd, st.st_size / 2) == 0);
	close(fd);
	CHECK_OK(client_spawn_signer(&f.c, COFFER_SIGNER_BIN, f.dir, &spawn_opts));
	CHECK(client_unlock(&f.c, &pw, 0) != 0);
	CHECK_MSG(strstr(f.c.reason, "audit") != NULL, "reason: %s", f.c.reason);
	cbuf_free(&rec);
	teardown(&f);
}

/* BIP322 with the wallet's own addresses, verified independently. */
static void
test_sign_message(void)
{
	static const char msg[] = "Coffer proof of control";
	struct proto_secret none = client_secret_none();
	struct fixture f;
	struct cbuf sig, spk;
	char addr[PROTO_MAX_ADDRESS + 1], want[ADDR_BUFSIZE];
	uint8_t h[20], xonly[32];

	setup(&f);
	cbuf_init(&sig, 0);
	cbuf_init(&spk, 0);
	CHECK_OK(client_sign_message(&f.c, addr, &sig, &none, PROTO_ACCOUNT_WPKH, 0, 0, 0,
	    (const uint8_t *)msg, sizeof(msg) - 1));
	hash160(h, f.k.wpkh_pub, 33);
	CHECK_OK(script_p2wpkh(&spk, h));
	CHECK_OK(addr_encode(want, spk.p, spk.len, BTC_REGTEST));
	CHECK_STREQ(addr, want);
	CHECK(strncmp((const char *)sig.p, "smp", 3) == 0);
	CHECK_OK(bip322_verify_address(NULL, (const char *)sig.p, addr, BTC_REGTEST, (const uint8_t *)msg,
	    sizeof(msg) - 1));
	CHECK_RC(bip322_verify_address(NULL, (const char *)sig.p, addr, BTC_REGTEST, (const uint8_t *)msg,
	    sizeof(msg) - 2), COFFER_ERR_BIP322);
	cbuf_reset(&sig);
	cbuf_reset(&spk);
	CHECK_OK(client_sign_message(&f.c, addr, &sig, &none, PROTO_ACCOUNT_TR, 0, 0, 0,
	    (const uint8_t *)msg, sizeof(msg) - 1));
	CHECK_OK(keys_taproot_output_key(xonly, NULL, f.k.tr_pub + 1, NULL));
	CHECK_OK(script_p2tr(&spk, xonly));
	CHECK_OK(addr_encode(want, spk.p, spk.len, BTC_REGTEST));
	CHECK_STREQ(addr, want);
	CHECK_OK(bip322_verify_address(NULL, (const char *)sig.p, addr, BTC_REGTEST, (const uint8_t *)msg,
	    sizeof(msg) - 1));
	/* per-signature passphrase: the key comes from the keystore decrypted for
	 * this request; same address, a signature that verifies; a wrong one refuses */
	cbuf_reset(&sig);
	CHECK_OK(client_sign_message(&f.c, addr, &sig, &pw, PROTO_ACCOUNT_TR, 0, 0, 0,
	    (const uint8_t *)msg, sizeof(msg) - 1));
	CHECK_STREQ(addr, want);
	CHECK_OK(bip322_verify_address(NULL, (const char *)sig.p, addr, BTC_REGTEST, (const uint8_t *)msg,
	    sizeof(msg) - 1));
	cbuf_reset(&sig);
	CHECK_RC(client_sign_message(&f.c, addr, &sig, &(struct proto_secret){ PROTO_SECRET_PLAIN,
	    (const uint8_t *)"px", 2 }, PROTO_ACCOUNT_TR, 0, 0, 0, (const uint8_t *)msg, sizeof(msg) - 1),
	    COFFER_ERR_KS_WRONG_PASSPHRASE);
	cbuf_reset(&sig);
	CHECK_RC(client_sign_message(&f.c, addr, &sig, &none, PROTO_ACCOUNT_SH_WPKH, 0, 0, 0,
	    (const uint8_t *)msg, sizeof(msg) - 1), COFFER_ERR_UNSUPPORTED);
	CHECK_OK(set_policy(&f, "{\"kill_switch\":true}"));
	CHECK_RC(client_sign_message(&f.c, addr, &sig, &none, PROTO_ACCOUNT_WPKH, 0, 0, 1,
	    (const uint8_t *)msg, sizeof(msg) - 1), COFFER_ERR_POLICY_KILL_SWITCH);
	cbuf_free(&sig);
	cbuf_free(&spk);
	teardown(&f);
}

/*
 * No record, no signature: on a full disk the audit append fails, the
 * signer refuses to sign (and keeps refusing: the log is marked failed);
 * once there is room, a new unlock reopens the log and signing resumes. The
 * data directory is a small tmpfs (skipped where mounting is not allowed).
 */
static void
test_audit_disk_full(void)
{
	struct client_sign_result res;
	struct audit_report rep;
	struct fixture f;
	char mnt[64], filler[128];
	static uint8_t block[4096];
	int fd, r, i;

	if (geteuid() != 0) {
		printf("skipped: audit_disk_full mounts a small tmpfs (needs root)\n");
		return;
	}
	test_tmpdir(mnt);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m,mode=0700") != 0) {
		printf("skipped: audit_disk_full: cannot mount a tmpfs here (%s)\n", strerror(errno));
		test_rmtree(mnt);
		return;
	}
	/* the fixture's directory on the small file system */
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "%s", mnt);
	setup_in(&f);
	CHECK_OK(sign(&f, NULL, &res));
	/* fill the file system */
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	CHECK((fd = open(filler, O_CREAT | O_WRONLY, 0600)) >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	/* Nothing is signed while the disk is full. The first refusals come from
	 * the state write (the audit log's last page still had room); once the
	 * log's page is full too, from the audit append itself. */
	for (i = 0, r = 0; i < 64 && r != COFFER_ERR_AUDIT_WRITE; i++) {
		r = sign(&f, NULL, &res);
		CHECK_MSG(r == COFFER_ERR_IO || r == COFFER_ERR_AUDIT_WRITE, "attempt %d: %d (%s)", i, r,
		    f.c.reason);
	}
	CHECK_RC(r, COFFER_ERR_AUDIT_WRITE);
	CHECK_MSG(strstr(f.c.reason, "audit") != NULL, "reason: %s", f.c.reason);
	/* room again: the failed log still refuses until a new unlock reopens it */
	CHECK(unlink(filler) == 0);
	CHECK_RC(sign(&f, NULL, &res), COFFER_ERR_AUDIT_WRITE);
	CHECK_OK(client_unlock(&f.c, &pw, 0));
	CHECK_OK(sign(&f, NULL, &res));
	CHECK(res.signatures == 2);
	client_close(&f.c);
	/* torn appends were cut back: the chain is intact */
	snprintf(filler, sizeof(filler), "%s/signer/%s", mnt, AUDIT_FILE);
	CHECK_OK(audit_verify(&rep, filler));
	CHECK(rep.records > 5);
	cbuf_free(&f.psbt);
	CHECK(umount(mnt) == 0);
	test_rmtree(mnt);
}

/*
 * The largest policy there can be: POLICY_MAX_JSON bytes (the parser's and
 * the protocol's cap, one constant) holding 64 allowlist entries of the
 * longest length. It is accepted, kept across a restart and read back; one
 * byte more is refused by the client before anything is sent, and the
 * connection goes on.
 */
static void
test_policy_size_cap(void)
{
	const size_t hexlen = POLICY_MAX_ENTRY_LEN - 14;	/* raw( hex )#checksum */
	char entry[POLICY_MAX_ENTRY_LEN + 1], sum[DESC_CHECKSUM_LEN + 1];
	struct client_status st;
	struct fixture f;
	struct cbuf json, got;
	size_t i, j, pad;
	int r;

	setup(&f);
	cbuf_init(&json, POLICY_MAX_JSON + 1);
	cbuf_init(&got, 0);
	r = cbuf_put(&json, (const uint8_t *)"{\"allowlist\":[", 14);
	for (i = 0; i < POLICY_MAX_ALLOWLIST; i++) {
		memcpy(entry, "raw(", 4);
		snprintf(entry + 4, 3, "%02zx", i);
		for (j = 2; j < hexlen; j++)
			entry[4 + j] = "51"[j & 1];
		entry[4 + hexlen] = ')';
		r |= desc_checksum(sum, entry, 5 + hexlen);
		entry[5 + hexlen] = '#';
		memcpy(entry + 6 + hexlen, sum, DESC_CHECKSUM_LEN + 1);
		r |= strlen(entry) != POLICY_MAX_ENTRY_LEN;
		r |= cbuf_put_u8(&json, '"');
		r |= cbuf_put(&json, (const uint8_t *)entry, POLICY_MAX_ENTRY_LEN);
		r |= cbuf_put(&json, (const uint8_t *)(i + 1 < POLICY_MAX_ALLOWLIST ? "\"," : "\"]"), 2);
	}
	/* pad with JSON whitespace to exactly the cap */
	CHECK(json.len + 2 <= POLICY_MAX_JSON);
	pad = POLICY_MAX_JSON - json.len - 1;
	for (j = 0; j < pad; j++)
		r |= cbuf_put_u8(&json, j % 64 == 63 ? '\n' : ' ');
	r |= cbuf_put_u8(&json, '}');
	CHECK(r == 0);
	CHECK(json.len == POLICY_MAX_JSON);
	CHECK_OK(client_set_policy(&f.c, &pw, (const char *)json.p, json.len));
	restart(&f);
	CHECK_OK(client_get_policy(&f.c, &got));
	CHECK(got.len > (size_t)POLICY_MAX_ALLOWLIST * POLICY_MAX_ENTRY_LEN && got.len < POLICY_MAX_JSON);
	CHECK(memmem(got.p, got.len, entry, POLICY_MAX_ENTRY_LEN) != NULL);
	/* one byte over: refused before sending, the connection stays usable */
	CHECK_OK(cbuf_put_u8(&json, ' '));
	CHECK_RC(client_set_policy(&f.c, &pw, (const char *)json.p, json.len), COFFER_ERR_INVALID_ARG);
	CHECK_OK(client_status(&f.c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED);
	cbuf_free(&json);
	cbuf_free(&got);
	teardown(&f);
}

static const struct test_case tests[] = {
	{ "sign_message", test_sign_message },
	{ "policy_needs_passphrase", test_policy_needs_passphrase },
	{ "rules", test_rules },
	{ "daily_limit_survives_restart", test_daily_limit_survives_restart },
	{ "audit", test_audit },
	{ "policy_size_cap", test_policy_size_cap },
	{ "audit_disk_full", test_audit_disk_full },
};

TEST_MAIN(tests)
