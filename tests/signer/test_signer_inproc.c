/*
 * The signer's handlers run in a forked child of this test, without the
 * sandbox, so that LeakSanitizer (make check) checks them at the child's exit:
 * inside coffer-signer it cannot (no /proc after chroot, no ptrace under
 * seccomp). Every message type, and its error paths, goes through once.
 */
#include "signer_util.h"

#include <sys/wait.h>

#include "harness.h"

#include "btc/bip39.h"
#include "signer/client.h"
#include "signer/signer.h"
#include "signer/tee.h"

/* A stand-in TEE backend: its "evidence" is a tag and the report data it was given. */
static int
fake_evidence(void *ctx, struct cbuf *out, const uint8_t report_data[TEE_REPORT_DATA_LEN])
{
	int r;

	if ((r = cbuf_put(out, (const uint8_t *)ctx, 4)) != 0)
		return r;
	return cbuf_put(out, report_data, TEE_REPORT_DATA_LEN);
}

static const struct tee_backend fake_tee = {
	"fake-tee", "a test backend: its evidence is FAKE || report data", fake_evidence, (void *)"FAKE",
};

static pid_t
serve_in_child_tee(struct signer_client *c, const char *dir, const struct tee_backend *tee);

static pid_t
serve_in_child(struct signer_client *c, const char *dir)
{
	return serve_in_child_tee(c, dir, NULL);
}

static pid_t
serve_in_child_tee(struct signer_client *c, const char *dir, const struct tee_backend *tee)
{
	struct signer_config cfg;
	struct signer *s;
	struct transport t, st;
	int peer, r;
	pid_t pid;

	if (transport_socketpair(&t, &peer) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		transport_close(&t);
		memset(&cfg, 0, sizeof(cfg));
		cfg.dir = dir;
		cfg.network = BTC_REGTEST;
		cfg.kdf_memlimit_kib = TEST_KDF_KIB;
		cfg.kdf_opslimit = TEST_KDF_PASSES;
		cfg.tee = tee;
		if ((r = signer_new(&s, &cfg)) != 0)
			exit(2);
		transport_stream_init(&st, peer);
		r = signer_serve(s, &st);
		transport_close(&st);
		signer_free(s);
		exit(r == 0 ? 0 : 1);	/* exit(): LeakSanitizer runs here */
	}
	close(peer);
	if (client_attach(c, &t) != 0)
		return -1;
	return pid;
}

static void
test_all_messages(void)
{
	struct signer_client c;
	struct client_status st;
	struct client_descriptors d;
	struct client_sign_result res;
	struct client_attestation at;
	struct test_wallet_keys k;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"pw", 2), none = client_secret_none();
	struct proto_secret bad = client_secret_plain((const uint8_t *)"bad", 3);
	struct cbuf mn, out, sealed;
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN], key[32], nonce[32] = { 0 }, seed[64];
	char base[64], dir[128], addr[PROTO_MAX_ADDRESS + 1];
	uint64_t next;
	uint32_t count;
	pid_t pid;
	int status;

	test_tmpdir(base);
	snprintf(dir, sizeof(dir), "%s/signer", base);
	cbuf_init_secret(&mn, 0);
	cbuf_init(&out, 0);
	cbuf_init(&sealed, 0);
	CHECK((pid = serve_in_child(&c, dir)) > 0);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNINITIALIZED);
	CHECK_OK(client_attestation(&c, &at, nonce));
	cbuf_free(&at.evidence);
	CHECK_OK(client_get_unlock_key(&c, pk, ch));
	CHECK_RC(client_create(&c, &mn, &pw, 13, &none, NULL), COFFER_ERR_MNEMONIC_LENGTH);
	CHECK_RC(client_create(&c, &mn, &none, 12, &none, NULL), COFFER_ERR_SIGNER_NO_PASSPHRASE);
	CHECK_OK(client_create(&c, &mn, &pw, 12, &(struct proto_secret){ PROTO_SECRET_PLAIN,
	    (const uint8_t *)"TREZOR", 6 }, NULL));
	CHECK_OK(bip39_mnemonic_to_seed(seed, (const char *)mn.p, "TREZOR"));
	CHECK_OK(test_derive_keys(&k, seed, 0));
	CHECK_RC(client_unlock(&c, &bad, 0), COFFER_ERR_KS_WRONG_PASSPHRASE);
	CHECK_OK(client_seal(&sealed, pk, ch, (const uint8_t *)"pw", 2));
	CHECK_OK(client_unlock(&c, &(struct proto_secret){ PROTO_SECRET_SEALED, sealed.p, sealed.len }, 0));
	CHECK_OK(client_descriptors(&c, &d, 3));
	CHECK(memcmp(d.fingerprint, k.fp, 4) == 0 && strstr(d.d[1].descriptor, "/86h/1h/3h]") != NULL);
	CHECK_OK(client_storage_key(&c, key));
	cbuf_reset(&out);
	CHECK_OK(test_make_psbt(&out, &k));
	{
		struct cbuf signed_psbt;

		cbuf_init(&signed_psbt, 0);
		CHECK_OK(client_sign_psbt(&c, &signed_psbt, &res, &none, out.p, out.len));
		CHECK(res.inputs_signed == 2);
		CHECK_RC(client_sign_psbt(&c, &signed_psbt, &res, &bad, out.p, out.len),
		    COFFER_ERR_KS_WRONG_PASSPHRASE);
		CHECK_OK(client_sign_psbt(&c, &signed_psbt, &res, &pw, out.p, out.len));
		cbuf_free(&signed_psbt);
	}
	cbuf_reset(&out);
	(void)client_sign_message(&c, addr, &out, &none, PROTO_ACCOUNT_WPKH, 0, 0, 0,
	    (const uint8_t *)"hello", 5);
	cbuf_reset(&out);
	(void)client_get_policy(&c, &out);
	(void)client_set_policy(&c, &pw, "{}", 2);
	cbuf_reset(&out);
	(void)client_read_audit(&c, &out, &next, &count, 0, 10);
	CHECK_OK(client_lock(&c));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	client_close(&c);
	waitpid(pid, &status, 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "signer child: status %#x", status);
	secure_wipe(seed, sizeof(seed));
	cbuf_free(&mn);
	cbuf_free(&out);
	cbuf_free(&sealed);
	test_rmtree(base);
}

/* The attestation plug-in point (tee.h): status names the configured
 * backend; attestation hands it report data bound to the nonce and returns
 * its statement and evidence unchanged. */
static void
test_tee_backend(void)
{
	struct signer_client c;
	struct client_status st;
	struct client_attestation at;
	uint8_t nonce[32], rd[TEE_REPORT_DATA_LEN];
	char base[64], dir[128];
	pid_t pid;
	int status;

	test_tmpdir(base);
	snprintf(dir, sizeof(dir), "%s/signer", base);
	CHECK((pid = serve_in_child_tee(&c, dir, &fake_tee)) > 0);
	CHECK_OK(client_status(&c, &st));
	CHECK_STREQ(st.tee, "fake-tee");
	memset(nonce, 0xa5, sizeof(nonce));
	CHECK_OK(client_attestation(&c, &at, nonce));
	CHECK_STREQ(at.backend, "fake-tee");
	CHECK_STREQ(at.statement, fake_tee.statement);
	CHECK(memcmp(at.unlock_pubkey, st.unlock_pubkey, 32) == 0);
	CHECK(at.evidence.len == 4 + TEE_REPORT_DATA_LEN && memcmp(at.evidence.p, "FAKE", 4) == 0);
	memcpy(rd, at.evidence.p + 4, sizeof(rd));
	cbuf_free(&at.evidence);
	/* the report data binds the nonce (its exact form: docs/ATTESTATION.md) */
	CHECK_OK(client_attestation(&c, &at, nonce));
	CHECK(at.evidence.len == 4 + TEE_REPORT_DATA_LEN && memcmp(at.evidence.p + 4, rd, sizeof(rd)) == 0);
	cbuf_free(&at.evidence);
	nonce[0] ^= 1;
	CHECK_OK(client_attestation(&c, &at, nonce));
	CHECK(at.evidence.len == 4 + TEE_REPORT_DATA_LEN && memcmp(at.evidence.p + 4, rd, sizeof(rd)) != 0);
	cbuf_free(&at.evidence);
	client_close(&c);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_rmtree(base);
}

static const struct test_case tests[] = {
	{ "all_messages", test_all_messages },
	{ "tee_backend", test_tee_backend },
};

TEST_MAIN(tests)
