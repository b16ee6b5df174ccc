/*
 * coffer commands for the daemon's life cycle: status, init, unlock, lock,
 * sync, attest (the REST API through daemon_client.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/proto.h"

/* `--name value` / `--name=value` for a command's own options. */
/* "12 s ago", "3 min ago" for a unix time. */
static void
ago(char *out, size_t outsize, json_int_t t)
{
	long long d = (long long)time(NULL) - (long long)t;

	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(out, outsize, "%lld s ago", d);
	else if (d < 7200)
		snprintf(out, outsize, "%lld min ago", d / 60);
	else
		snprintf(out, outsize, "%lld h ago", d / 3600);
}

int
cmd_status(int argc, char **argv)
{
	json_t *info = NULL, *bal = NULL, *chain, *signer;
	char when[32], amt[64];
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("status takes no arguments");
	}
	if ((r = dc_expect(&c, &info, 200, "GET", "/v1/info", NULL)) != 0)
		goto out;
	signer = json_object_get(info, "signer");
	chain = json_object_get(info, "chain");
	if (strcmp(dc_str(signer, "state"), "unlocked") == 0 && dc_call(&c, &bal, "GET", "/v1/wallet/balance", NULL) == 200 &&
	    c.json)
		json_object_set(info, "balance", bal);
	if (c.json) {
		dc_print_json(info);
		goto out;
	}
	printf("cofferd %s at %s, network %s, up %lld s\n", dc_str(info, "version"), c.url, dc_str(info, "network"),
	    (long long)json_integer_value(json_object_get(info, "uptime_s")));
	printf("wallet   %s (signer TEE: %s)\n", dc_str(signer, "state"), dc_str(signer, "tee"));
	printf("chain    %s%s%s, %s", dc_str(chain, "backend"), json_is_string(json_object_get(chain, "url")) ? " " : "",
	    dc_str(chain, "url"), json_is_true(json_object_get(chain, "connected")) ? "connected" : "not connected");
	if (json_is_integer(json_object_get(chain, "tip_height")))
		printf(", tip %lld", (long long)json_integer_value(json_object_get(chain, "tip_height")));
	if (json_is_integer(json_object_get(chain, "last_sync"))) {
		ago(when, sizeof(when), json_integer_value(json_object_get(chain, "last_sync")));
		printf(", synced %s", when);
	}
	printf("\n");
	if (json_is_string(json_object_get(chain, "error")))
		printf("         last error: %s (retry in %lld s)\n", dc_str(chain, "error"),
		    (long long)json_integer_value(json_object_get(chain, "retry_in_s")));
	if (bal != NULL) {
		dc_btc(amt, sizeof(amt), (long long)json_integer_value(json_object_get(bal, "total_sat")));
		printf("balance  %s (%lld sat unconfirmed)\n", amt,
		    (long long)json_integer_value(json_object_get(bal, "unconfirmed_sat")));
	}
out:
	json_decref(info);
	json_decref(bal);
	dc_close(&c);
	return r;
}

/* JSON-escape a secret into a wiped buffer: {"k":"v"...}. */
static int
put_json_str(struct cbuf *b, const char *key, const uint8_t *v, size_t n)
{
	char esc[8];
	size_t i;
	int r;

	if ((r = cbuf_put_str(b, "\"")) != 0 || (r = cbuf_put_str(b, key)) != 0 || (r = cbuf_put_str(b, "\":\"")) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\' || v[i] < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", v[i]);
			r = cbuf_put_str(b, esc);
		} else {
			r = cbuf_put_u8(b, v[i]);
		}
		if (r != 0)
			return r;
	}
	return cbuf_put_str(b, "\"");
}

int
cmd_init(int argc, char **argv)
{
	const char *pfile = NULL, *mfile = NULL, *type = "tr", *v;
	struct cbuf pass, again, mn, body;
	unsigned long words = 12;
	json_t *ans = NULL;
	struct dc c;
	char extra[64];
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--passphrase-file")) != NULL)
			pfile = v;
		else if ((v = dc_opt(argc, argv, &i, "--mnemonic-file")) != NULL)
			mfile = v;
		else if ((v = dc_opt(argc, argv, &i, "--type")) != NULL)
			type = v;
		else if ((v = dc_opt(argc, argv, &i, "--words")) != NULL)
			words = strtoul(v, NULL, 10);
		else {
			dc_close(&c);
			return cli_usage_error("init: unknown argument '%s'", argv[i]);
		}
	}
	if ((words != 12 && words != 24) || (strcmp(type, "tr") != 0 && strcmp(type, "wpkh") != 0)) {
		dc_close(&c);
		return cli_usage_error("init: --words 12|24, --type tr|wpkh");
	}
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&again, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&mn, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&body, 4 * CLI_SECRET_FILE_MAX);
	r = 1;
	if (dc_read_passphrase(&pass, pfile, "New wallet passphrase: ") != 0)
		goto out;
	if (pfile == NULL) {
		if (dc_read_passphrase(&again, NULL, "The same passphrase again: ") != 0)
			goto out;
		if (pass.len != again.len || !secure_equal(pass.p, again.p, pass.len)) {
			fprintf(stderr, "coffer: the passphrases differ; nothing was created\n");
			goto out;
		}
	}
	if (pass.len == 0) {
		fprintf(stderr, "coffer: an empty passphrase is not allowed\n");
		goto out;
	}
	if (mfile != NULL && (r = cli_read_secret_file(&mn, mfile, CLI_SECRET_WORDS)) != 0) {
		r = cli_fail(mfile, r);
		goto out;
	}
	snprintf(extra, sizeof(extra), ",\"type\":\"%s\"%s", type, mfile == NULL ? (words == 24 ? ",\"words\":24" : "") : "");
	if (cbuf_put_str(&body, "{") != 0 || put_json_str(&body, "passphrase", pass.p, pass.len) != 0 ||
	    (mfile != NULL && (cbuf_put_str(&body, ",") != 0 || put_json_str(&body, "mnemonic", mn.p, mn.len) != 0)) ||
	    cbuf_put_str(&body, extra) != 0 || cbuf_put_str(&body, "}") != 0 || cbuf_put_u8(&body, 0) != 0) {
		r = cli_fail("init", COFFER_ERR_NOMEM);
		goto out;
	}
	c.progress = "creating the wallet";
	if ((r = dc_expect(&c, &ans, 201, "POST", "/v1/wallet/create", (const char *)body.p)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
	} else if (mfile != NULL) {
		printf("Wallet restored (fingerprint %s, %s addresses) and unlocked.\n", dc_str(ans, "fingerprint"),
		    dc_str(ans, "address_type"));
	} else {
		printf("Wallet created (fingerprint %s, %s addresses) and unlocked.\n\n", dc_str(ans, "fingerprint"),
		    dc_str(ans, "address_type"));
		printf("Write these %lu words down, in order, and keep them offline. They are shown this once;\n"
		    "with your passphrase's keystore gone they are the only way back to the funds:\n\n  %s\n\n", words,
		    dc_str(ans, "mnemonic"));
	}
out:
	json_decref(ans);
	cbuf_free(&pass);
	cbuf_free(&again);
	cbuf_free(&mn);
	cbuf_free(&body);
	dc_close(&c);
	return r;
}

int
cmd_unlock(int argc, char **argv)
{
	const char *pfile = NULL, *v;
	unsigned long timeout = 0;
	uint8_t pk[32], ch[PROTO_CHALLENGE_LEN];
	struct cbuf pass, plain, box, b64;
	json_t *key = NULL, *ans = NULL;
	char body[8192];
	struct dc c;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--passphrase-file")) != NULL)
			pfile = v;
		else if ((v = dc_opt(argc, argv, &i, "--timeout")) != NULL)
			timeout = strtoul(v, NULL, 10);
		else {
			dc_close(&c);
			return cli_usage_error("unlock: unknown argument '%s'", argv[i]);
		}
	}
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&plain, CLI_SECRET_FILE_MAX + PROTO_CHALLENGE_LEN + 1);
	cbuf_init(&box, 2 * CLI_SECRET_FILE_MAX);
	cbuf_init(&b64, 4 * CLI_SECRET_FILE_MAX);
	r = 1;
	/* The signer's unlock key first: the passphrase is sealed to it here, and cofferd only relays the box. */
	if ((r = dc_expect(&c, &key, 200, "GET", "/v1/wallet/unlock-key", NULL)) != 0)
		goto out;
	if (hex_decode_exact(pk, sizeof(pk), dc_str(key, "public_key")) != 0 ||
	    hex_decode_exact(ch, sizeof(ch), dc_str(key, "challenge")) != 0) {
		fprintf(stderr, "coffer: the daemon's unlock key does not parse\n");
		r = 1;
		goto out;
	}
	if ((r = dc_read_passphrase(&pass, pfile, "Wallet passphrase: ")) != 0)
		goto out;
	/* challenge || passphrase, sealed (crypto_box_seal) to the signer's X25519 key. */
	if (cbuf_put(&plain, ch, sizeof(ch)) != 0 || cbuf_put(&plain, pass.p, pass.len) != 0 ||
	    cbuf_reserve(&box, plain.len + crypto_box_SEALBYTES) != 0 ||
	    crypto_box_seal(box.p, plain.p, plain.len, pk) != 0) {
		r = cli_fail("unlock", COFFER_ERR_CRYPTO);
		goto out;
	}
	box.len = plain.len + crypto_box_SEALBYTES;
	if (base64_encode_buf(&b64, box.p, box.len) != 0 || cbuf_put_u8(&b64, 0) != 0) {
		r = cli_fail("unlock", COFFER_ERR_NOMEM);
		goto out;
	}
	snprintf(body, sizeof(body), "{\"sealed_passphrase\":\"%s\",\"timeout_s\":%lu}", (const char *)b64.p, timeout);
	c.progress = "unlocking";
	if ((r = dc_expect(&c, &ans, 200, "POST", "/v1/wallet/unlock", body)) != 0)
		goto out;
	if (c.json)
		dc_print_json(ans);
	else if (timeout != 0)
		printf("Unlocked for %lu s.\n", timeout);
	else
		printf("Unlocked (until `coffer lock`).\n");
out:
	json_decref(key);
	json_decref(ans);
	cbuf_free(&pass);
	cbuf_free(&plain);
	cbuf_free(&box);
	cbuf_free(&b64);
	dc_close(&c);
	return r;
}

/* A command that is one request with no arguments: lock, sync. */
static int
simple(int argc, char **argv, const char *method, const char *path, long want, const char *done,
    const char *progress)
{
	json_t *ans = NULL;
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 1) {
		dc_close(&c);
		return cli_usage_error("%s takes no arguments", argv[0]);
	}
	c.progress = progress;
	if ((r = dc_expect(&c, &ans, want, method, path, NULL)) == 0) {
		if (c.json)
			dc_print_json(ans);
		else
			printf("%s\n", done);
	}
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_lock(int argc, char **argv)
{
	return simple(argc, argv, "POST", "/v1/wallet/lock", 200, "Locked: the signer has wiped the seed.", NULL);
}

int
cmd_sync(int argc, char **argv)
{
	return simple(argc, argv, "POST", "/v1/wallet/sync", 200, "Synced.", "syncing");
}

int
cmd_attest(int argc, char **argv)
{
	const char *out = NULL, *v;
	uint8_t nonce[32];
	char nhex[65], path[128];
	json_t *ans = NULL;
	struct cbuf ev;
	struct dc c;
	FILE *f;
	int i, r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--evidence-out")) != NULL)
			out = v;
		else {
			dc_close(&c);
			return cli_usage_error("attest: unknown argument '%s'", argv[i]);
		}
	}
	/* A fresh nonce: evidence made for it cannot be a replay. */
	randombytes_buf(nonce, sizeof(nonce));
	hex_encode(nhex, sizeof(nhex), nonce, sizeof(nonce));
	snprintf(path, sizeof(path), "/v1/attestation?nonce=%s", nhex);
	if ((r = dc_expect(&c, &ans, 200, "GET", path, NULL)) != 0)
		goto out;
	if (strcmp(dc_str(ans, "nonce"), nhex) != 0) {
		fprintf(stderr, "coffer: the daemon answered for another nonce\n");
		r = 1;
		goto out;
	}
	cbuf_init(&ev, 0);
	if (out != NULL && strlen(dc_str(ans, "evidence")) > 0) {
		if (base64_decode_buf(&ev, dc_str(ans, "evidence"), strlen(dc_str(ans, "evidence"))) != 0 ||
		    (f = fopen(out, "wb")) == NULL || fwrite(ev.p, 1, ev.len, f) != ev.len || fclose(f) != 0) {
			fprintf(stderr, "coffer: cannot write the evidence to %s\n", out);
			r = 1;
		}
	}
	cbuf_free(&ev);
	if (r != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
		goto out;
	}
	printf("backend     %s\nunlock key  %s\nnonce       %s\n%s\n", dc_str(ans, "backend"), dc_str(ans, "unlock_public_key"),
	    nhex, dc_str(ans, "statement"));
	if (strcmp(dc_str(ans, "backend"), "none") != 0)
		printf("\nCheck it: coffer verify --evidence %s --nonce %s --unlock-key %s\n", out != NULL ? out : "FILE",
		    nhex, dc_str(ans, "unlock_public_key"));
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}
