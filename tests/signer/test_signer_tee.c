/*
 * coffer-signer with a TEE backend and unattended unlock, as a process:
 * --tee sgx-gramine against a fake /dev/attestation (--tee-root) shows that
 * the attestation reply carries evidence made for the documented binding of
 * the unlock key, the identity key (after unlock) and the caller's nonce;
 * --seal tpm2 against swtpm shows the signer unlocking itself at start, and
 * staying locked with the reason in its status once a policy PCR changed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <secp256k1.h>

#include "attest/attest_util.h"
#include "btc/bip39.h"
#include "btc/secp.h"
#include "common/err.h"
#include "common/secmem.h"
#include "evidence_util.h"
#include "harness.h"
#include "signer/autounlock.h"
#include "signer/client.h"
#include "signer/evidence.h"
#include "signer/kdf.h"
#include "signer/seal_tpm2.h"
#include "signer/tpm.h"
#include "signer/transport.h"
#include "swtpm_util.h"

/* Start the signer over a socketpair with extra arguments; handshake. Returns the pid or -1. */
static pid_t
spawn_with(struct signer_client *c, const char *datadir, const char *const *extra)
{
	const char *argv[24] = { COFFER_SIGNER_BIN, "--datadir", datadir, "--network", "regtest",
		"--kdf-memory", "8192", "--kdf-passes", "1" };
	char *const envp[] = { NULL };
	struct transport t;
	size_t n = 9;
	int peer;
	pid_t pid;

	while (*extra != NULL && n < 22)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (transport_socketpair(&t, &peer) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		if (dup2(peer, CLIENT_SIGNER_FD) < 0)
			_exit(127);
		execve(COFFER_SIGNER_BIN, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	close(peer);
	if (pid < 0 || client_attach(c, &t) != 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	return pid;
}

static void
finish(struct signer_client *c, pid_t pid)
{
	int st = 0;

	client_close(c);
	if (pid > 0)
		waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_gramine_binding(void)
{
	struct signer_client c;
	struct client_status st;
	struct client_attestation at;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"correct horse", 13), none = client_secret_none();
	struct cbuf mn;
	secp256k1_pubkey pk;
	char dir[256], root[256], rootarg[300];
	uint8_t nonce[32], binding[64];
	size_t qlen;
	uint8_t *quote = sample_read("tdx/trustee_occlum_quote.dat", &qlen);
	const char *extra[5];
	pid_t pid;

	eu_mkdtemp(dir, sizeof(dir), "teesigner");
	eu_mkdtemp(root, sizeof(root), "teeroot");
	eu_mkdirs(root, "dev/attestation");
	su_write(root, "dev/attestation/attestation_type", "dcap", 4);
	su_write(root, "dev/attestation/quote", quote, qlen);
	snprintf(rootarg, sizeof(rootarg), "%s", root);
	extra[0] = "--tee";
	extra[1] = "sgx-gramine";
	extra[2] = "--tee-root";
	extra[3] = rootarg;
	extra[4] = NULL;
	CHECK((pid = spawn_with(&c, dir, extra)) > 0);
	if (pid <= 0)
		goto out;
	CHECK_OK(client_status(&c, &st));
	CHECK_STREQ(st.tee, "sgx-gramine");
	CHECK_STREQ(st.note, "");

	/* Locked: the binding has an empty identity; the fake device answers with the quote we prepared for it. */
	memset(nonce, 0x6e, sizeof(nonce));
	CHECK_OK(evidence_binding(binding, NULL, st.unlock_pubkey, nonce, 32));
	memcpy(quote + 368, binding, 64);
	su_write(root, "dev/attestation/quote", quote, qlen);
	CHECK_OK(client_attestation(&c, &at, nonce));
	CHECK_STREQ(at.backend, "sgx-gramine");
	CHECK(strstr(at.statement, "MRENCLAVE") != NULL && at.has_identity == 0);
	CHECK(at.evidence.len == qlen && memcmp(at.evidence.p, quote, qlen) == 0);
	cbuf_free(&at.evidence);
	/* Another nonce: the prepared quote no longer carries the binding, and the signer refuses to pass it on. */
	nonce[0] ^= 1;
	CHECK_RC(client_attestation(&c, &at, nonce), COFFER_ERR_TEE_RESPONSE);
	cbuf_free(&at.evidence);

	/* Unlocked (a new wallet): the identity key is bound too; we derive it independently from the mnemonic. */
	cbuf_init_secret(&mn, 0);
	CHECK_OK(client_create(&c, &mn, &pw, 12, &none, NULL));
	CHECK_OK(client_unlock(&c, &pw, 0));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED);
	{
		uint8_t seed[64], sk[32], id[33];
		size_t idlen = sizeof(id);

		CHECK_OK(bip39_mnemonic_to_seed(seed, (const char *)mn.p, ""));
		CHECK_OK(kdf_identity_key(sk, seed));
		CHECK(secp256k1_ec_pubkey_create(btc_secp(), &pk, sk) == 1 &&
		    secp256k1_ec_pubkey_serialize(btc_secp(), id, &idlen, &pk, SECP256K1_EC_COMPRESSED) == 1);
		CHECK_OK(evidence_binding(binding, id, st.unlock_pubkey, nonce, 32));
		memcpy(quote + 368, binding, 64);
		su_write(root, "dev/attestation/quote", quote, qlen);
		CHECK_OK(client_attestation(&c, &at, nonce));
		CHECK(at.has_identity == 1 && memcmp(at.identity_pubkey, id, 33) == 0);
		CHECK(at.evidence.len == qlen && memcmp(at.evidence.p, quote, qlen) == 0);
		cbuf_free(&at.evidence);
		/* The locked-form binding is no longer what the signer asks for. */
		CHECK_OK(evidence_binding(binding, NULL, st.unlock_pubkey, nonce, 32));
		memcpy(quote + 368, binding, 64);
		su_write(root, "dev/attestation/quote", quote, qlen);
		CHECK_RC(client_attestation(&c, &at, nonce), COFFER_ERR_TEE_RESPONSE);
		cbuf_free(&at.evidence);
		secure_wipe(seed, sizeof(seed));
		secure_wipe(sk, sizeof(sk));
	}
	cbuf_free(&mn);
	finish(&c, pid);
out:
	free(quote);
	su_rmtree(dir);
	su_rmtree(root);
}

/* Extend SHA-256 PCR `pcr` of the TPM at tcti. */
static void
pcr_extend(const char *tcti, ESYS_TR pcr)
{
	struct tpm t;
	TPML_DIGEST_VALUES d;

	memset(&d, 0, sizeof(d));
	d.count = 1;
	d.digests[0].hashAlg = TPM2_ALG_SHA256;
	memset(d.digests[0].digest.sha256, 0x17, 32);
	CHECK_OK(tpm_open(&t, tcti));
	CHECK(Esys_PCR_Extend(t.esys, pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d) == TSS2_RC_SUCCESS);
	tpm_close(&t);
}

static void
test_autounlock_tpm(void)
{
	struct signer_client c;
	struct client_status st;
	struct proto_secret pw = client_secret_plain((const uint8_t *)"correct horse", 13), none = client_secret_none();
	struct seal_tpm2 cfg = { NULL, 0 };
	struct seal_backend b;
	struct swtpm tpm;
	struct cbuf mn;
	char dir[256], sdir[300];
	const char *plain[] = { NULL };
	const char *extra[] = { "--seal", "tpm2", "--tcti", NULL, NULL };
	pid_t pid;

	if (!swtpm_available()) {
		printf("SKIP: swtpm is not installed (scripts/setup installs swtpm, swtpm-tools)\n");
		return;
	}
	setenv("TSS2_LOG", "all+none", 1);
	CHECK(swtpm_start(&tpm) == 0);
	extra[3] = tpm.tcti;
	eu_mkdtemp(dir, sizeof(dir), "autounlock");
	snprintf(sdir, sizeof(sdir), "%s/signer", dir);
	/* A wallet, then auto-unlock enrolled against this TPM (as `coffer autounlock enroll` does). */
	CHECK((pid = spawn_with(&c, dir, plain)) > 0);
	cbuf_init_secret(&mn, 0);
	CHECK_OK(client_create(&c, &mn, &pw, 12, &none, NULL));
	cbuf_free(&mn);
	finish(&c, pid);
	cfg.tcti = tpm.tcti;
	seal_backend_tpm2(&b, &cfg);
	CHECK_OK(autounlock_enroll(sdir, &b, (const uint8_t *)"correct horse", 13));

	/* Start: unlocked by itself, and says how. */
	CHECK((pid = spawn_with(&c, dir, extra)) > 0);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED);
	CHECK(strstr(st.note, "unlocked at start") != NULL && strstr(st.note, "tpm2") != NULL);
	finish(&c, pid);

	/* The boot chain changed (PCR 7): locked, waiting for a passphrase, and the status says why. */
	pcr_extend(tpm.tcti, ESYS_TR_PCR7);
	CHECK((pid = spawn_with(&c, dir, extra)) > 0);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED);
	CHECK(strstr(st.note, "waiting for a passphrase") != NULL &&
	    strstr(st.note, "does not open on this platform") != NULL);
	CHECK_OK(client_unlock(&c, &pw, 0));
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_UNLOCKED);
	finish(&c, pid);

	/* No TPM at all: the same, with its own reason. */
	swtpm_stop(&tpm);
	CHECK((pid = spawn_with(&c, dir, extra)) > 0);
	CHECK_OK(client_status(&c, &st));
	CHECK(st.state == PROTO_STATE_LOCKED && strstr(st.note, "no tpm2 device") != NULL);
	finish(&c, pid);
	su_rmtree(dir);
}

static const struct test_case tests[] = {
	{ "gramine_binding", test_gramine_binding },
	{ "autounlock_tpm", test_autounlock_tpm },
};

TEST_MAIN(tests)
