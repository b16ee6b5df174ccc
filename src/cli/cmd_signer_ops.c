/*
 * coffer signer sign-psbt | sign-message | policy | set-policy | audit | attest
 * (connection handling and the wallet commands are in cmd_signer.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/psbt.h"
#include "cli/cli.h"
#include "cli/cmd_signer.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/numparse.h"
#include "common/secmem.h"
#include "signer/client.h"
#include "signer/proto.h"

#define PSBT_TEXT_MAX (((size_t)PROTO_MAX_PSBT / 3 + 1) * 4 + 4096)

int
cmd_signer_sign_psbt(int argc, char **argv)
{
	struct signer_conn c;
	struct signer_client sc;
	struct client_sign_result res;
	struct proto_secret pass = client_secret_none();
	struct cbuf text, bin, box, out, b64;
	struct psbt p;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, NULL, NULL)) != 0)
		return ret;
	cbuf_init(&text, PSBT_TEXT_MAX);
	cbuf_init(&bin, PROTO_MAX_PSBT);
	cbuf_init(&box, 0);
	cbuf_init(&out, PROTO_MAX_PSBT_OUT);
	cbuf_init(&b64, 0);
	psbt_init(&p);
	/* Parse locally first: a PSBT we cannot read never reaches the signer. */
	if ((r = cli_read_stdin(&text, PSBT_TEXT_MAX)) != 0 ||
	    (r = psbt_parse_base64(&p, (const char *)text.p, text.len)) != 0 ||
	    (r = psbt_serialize(&bin, &p)) != 0) {
		ret = cli_fail("cannot read the PSBT", r);
		goto out;
	}
	if ((ret = signer_connect(&sc, &c)) != 0)
		goto out;
	if (c.spawned)
		ret = signer_unlock_spawned(&sc, &c);
	else if (c.passfile != NULL && (ret = signer_sealed_from_file(&sc, &box, c.passfile, "passphrase")) == 0)
		pass = client_secret_sealed(box.p, box.len);	/* per-signature passphrase */
	if (ret == 0 && (r = client_sign_psbt(&sc, &out, &res, &pass, bin.p, bin.len)) != 0)
		ret = signer_fail(&sc, "sign-psbt", r);
	client_close(&sc);
	if (ret != 0)
		goto out;
	psbt_free(&p);
	if ((r = psbt_parse(&p, out.p, out.len)) != 0 || (r = psbt_serialize_base64(&b64, &p)) != 0) {
		ret = cli_fail("the signer returned an unreadable PSBT", r);
		goto out;
	}
	fprintf(stderr, "coffer: signed %u input(s) with %u signature(s); fee %llu sat\n", res.inputs_signed,
	    res.signatures, (unsigned long long)res.fee);
	printf("%s\n", (const char *)b64.p);
out:
	psbt_free(&p);
	cbuf_free(&text);
	cbuf_free(&bin);
	cbuf_free(&box);
	cbuf_free(&out);
	cbuf_free(&b64);
	return ret;
}

struct msg_opts {
	uint8_t type;
	uint32_t account, change, index;
	const char *message;
};

static int
msg_opt(void *ctx, const char *opt, const char *v)
{
	struct msg_opts *o = ctx;

	if (strcmp(opt, "--type") == 0) {
		if (strcmp(v, "wpkh") == 0)
			o->type = PROTO_ACCOUNT_WPKH;
		else if (strcmp(v, "tr") == 0)
			o->type = PROTO_ACCOUNT_TR;
		else {
			cli_usage_error("unknown --type '%s' (wpkh or tr)", v);
			return -1;
		}
	} else if (strcmp(opt, "--account") == 0 || strcmp(opt, "--change") == 0 ||
	    strcmp(opt, "--index") == 0) {
		uint32_t *dst = opt[2] == 'a' ? &o->account : opt[2] == 'c' ? &o->change : &o->index;

		if (num_parse_u32(dst, v, 0, opt[2] == 'c' ? 1 : 0x7fffffffu) != 0) {
			cli_usage_error("bad %s '%s'", opt, v);
			return -1;
		}
	} else if (strcmp(opt, "--message") == 0)
		o->message = v;
	else
		return 0;
	return 1;
}

int
cmd_signer_sign_message(int argc, char **argv)
{
	struct msg_opts o = { PROTO_ACCOUNT_WPKH, 0, 0, 0, NULL };
	struct proto_secret pass = client_secret_none();
	struct signer_client sc;
	struct signer_conn c;
	struct cbuf sig, box;
	char addr[PROTO_MAX_ADDRESS + 1];
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, msg_opt, &o)) != 0)
		return ret;
	if (o.message == NULL)
		return cli_usage_error("signer sign-message needs --message");
	if ((ret = signer_connect(&sc, &c)) != 0)
		return ret;
	cbuf_init(&sig, 0);
	cbuf_init(&box, 0);
	if (c.spawned)
		ret = signer_unlock_spawned(&sc, &c);
	else if (c.passfile != NULL && (ret = signer_sealed_from_file(&sc, &box, c.passfile, "passphrase")) == 0)
		pass = client_secret_sealed(box.p, box.len);
	if (ret == 0 && (r = client_sign_message(&sc, addr, &sig, &pass, o.type, o.account, o.change, o.index,
	    (const uint8_t *)o.message, strlen(o.message))) != 0)
		ret = signer_fail(&sc, "sign-message", r);
	else if (ret == 0)
		printf("%s\n%s\n", addr, (const char *)sig.p);
	client_close(&sc);
	cbuf_free(&sig);
	cbuf_free(&box);
	return ret;
}

int
cmd_signer_policy(int argc, char **argv)
{
	struct signer_client sc;
	struct signer_conn c;
	struct cbuf json;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, NULL, NULL)) != 0 || (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	cbuf_init(&json, 0);
	if ((ret = signer_unlock_spawned(&sc, &c)) == 0) {
		if ((r = client_get_policy(&sc, &json)) != 0)
			ret = signer_fail(&sc, "policy", r);
		else
			printf("%s\n", (const char *)json.p);
	}
	client_close(&sc);
	cbuf_free(&json);
	return ret;
}

struct policy_opts {
	const char *file;
};

static int
policy_opt(void *ctx, const char *opt, const char *v)
{
	struct policy_opts *o = ctx;

	if (strcmp(opt, "--policy-file") != 0)
		return 0;
	o->file = v;
	return 1;
}

int
cmd_signer_set_policy(int argc, char **argv)
{
	struct policy_opts o = { NULL };
	struct signer_client sc;
	struct signer_conn c;
	struct proto_secret pass;
	struct cbuf json, box;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, policy_opt, &o)) != 0)
		return ret;
	if (o.file == NULL || c.passfile == NULL)
		return cli_usage_error("signer set-policy needs --policy-file and --passphrase-file");
	cbuf_init(&json, PROTO_MAX_POLICY + 1);
	cbuf_init(&box, 0);
	if ((r = cli_read_file(&json, o.file, PROTO_MAX_POLICY)) != 0) {
		cbuf_free(&json);
		return cli_fail("cannot read the policy file", r);
	}
	if ((ret = signer_connect(&sc, &c)) != 0)
		goto out;
	/* The passphrase authorises the change (and unlocks a spawned signer). */
	if ((ret = signer_unlock_spawned(&sc, &c)) == 0 &&
	    (ret = signer_sealed_from_file(&sc, &box, c.passfile, "passphrase")) == 0) {
		pass = client_secret_sealed(box.p, box.len);
		if ((r = client_set_policy(&sc, &pass, (const char *)json.p, json.len)) != 0)
			ret = signer_fail(&sc, "set-policy", r);
	}
	client_close(&sc);
out:
	cbuf_free(&json);
	cbuf_free(&box);
	return ret;
}

struct audit_opts {
	uint32_t from, max;
};

static int
audit_opt(void *ctx, const char *opt, const char *v)
{
	struct audit_opts *o = ctx;

	if (strcmp(opt, "--from") == 0 || strcmp(opt, "--max") == 0) {
		if (num_parse_u32(opt[2] == 'f' ? &o->from : &o->max, v, 0, 0xffffffffu) != 0) {
			cli_usage_error("bad %s '%s'", opt, v);
			return -1;
		}
		return 1;
	}
	return 0;
}

int
cmd_signer_audit(int argc, char **argv)
{
	struct audit_opts o = { 1, 100 };
	struct signer_client sc;
	struct signer_conn c;
	struct cbuf rec;
	uint64_t next;
	uint32_t count;
	int r, ret;

	if ((ret = signer_parse_args(&c, argc, argv, audit_opt, &o)) != 0 ||
	    (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	cbuf_init(&rec, 0);
	if ((ret = signer_unlock_spawned(&sc, &c)) == 0) {
		if ((r = client_read_audit(&sc, &rec, &next, &count, o.from, o.max)) != 0)
			ret = signer_fail(&sc, "audit", r);
		else {
			fwrite(rec.p, 1, rec.len, stdout);
			fprintf(stderr, "coffer: %u record(s); next: %llu\n", count, (unsigned long long)next);
		}
	}
	client_close(&sc);
	cbuf_free(&rec);
	return ret;
}

/* attest's own options: a verifier-chosen nonce, a file for the raw evidence. */
struct attest_opts {
	uint8_t nonce[32];
	int have_nonce;
	const char *out;
};

static int
attest_opt(void *ctx, const char *opt, const char *v)
{
	struct attest_opts *o = ctx;

	if (strcmp(opt, "--nonce") == 0) {
		if (strlen(v) != 64 || hex_decode_exact(o->nonce, 32, v) != 0) {
			cli_usage_error("signer attest: --nonce '%.70s': want 32 bytes of hex", v);
			return -1;
		}
		o->have_nonce = 1;
		return 1;
	}
	if (strcmp(opt, "--out") == 0) {
		o->out = v;
		return 1;
	}
	return 0;
}

/* The evidence's bytes to a file, for `coffer verify --evidence`. */
static int
write_evidence(const char *path, const struct cbuf *ev)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "wb")) == NULL)
		return COFFER_ERR_IO;
	ok = (ev->len == 0 || fwrite(ev->p, 1, ev->len, f) == ev->len);
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : COFFER_ERR_IO;
}

int
cmd_signer_attest(int argc, char **argv)
{
	struct client_attestation at;
	struct signer_client sc;
	struct signer_conn c;
	struct attest_opts o;
	uint8_t nonce[32];
	char hex[65], *ev;
	int r, ret;

	memset(&o, 0, sizeof(o));
	if ((ret = signer_parse_args(&c, argc, argv, attest_opt, &o)) != 0 || (ret = signer_connect(&sc, &c)) != 0)
		return ret;
	if (o.have_nonce)
		memcpy(nonce, o.nonce, 32);
	else
		secure_random(nonce, sizeof(nonce));
	if ((r = client_attestation(&sc, &at, nonce)) != 0) {
		ret = signer_fail(&sc, "attest", r);
	} else {
		hex_encode(hex, sizeof(hex), at.unlock_pubkey, 32);
		printf("backend: %s\nstatement: %s\nunlock-key: %s\n", at.backend, at.statement, hex);
		hex_encode(hex, sizeof(hex), nonce, 32);
		printf("nonce: %s\n", hex);
		/* What `coffer verify --identity-key` takes ("locked" before unlock: not bound yet). */
		if (at.has_identity) {
			char idhex[67];

			hex_encode(idhex, sizeof(idhex), at.identity_pubkey, 33);
			printf("identity-key: %s\n", idhex);
		} else {
			printf("identity-key: locked\n");
		}
		if (at.evidence.len > 0 && (ev = malloc(2 * at.evidence.len + 1)) != NULL) {
			hex_encode(ev, 2 * at.evidence.len + 1, at.evidence.p, at.evidence.len);
			printf("evidence: %s\n", ev);
			free(ev);
		}
		if (o.out != NULL && at.evidence.len > 0 && (r = write_evidence(o.out, &at.evidence)) != 0)
			ret = cli_fail("signer attest: cannot write the evidence file", r);
		cbuf_free(&at.evidence);
	}
	client_close(&sc);
	return ret;
}
