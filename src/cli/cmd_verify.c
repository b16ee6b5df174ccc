/*
 * coffer verify --evidence FILE [--format auto|sev-snp|azure-cvm|tdx|sgx|nitro]
 *     [--cert FILE]... [--policy FILE] [--nonce HEX] [--at UNIX_SECONDS] [--json]
 *     [--unlock-key HEX --identity-key HEX|locked]
 *
 * Verifies attestation evidence offline and prints the verdict, the reason
 * for a refusal and the measured values. Exit 0: valid and the policy holds;
 * 1: refused; 2: unusable arguments or input. The command line is stable:
 * scripts depend on it (docs/ATTESTATION.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/attest_codec.h"
#include "attest/attest_x509.h"
#include "cli/cli.h"
#include "common/encoding.h"
#include "common/err.h"
#include "signer/evidence.h"

/* Evidence files may be hex (2x) or base64 (4/3x) of the largest evidence, plus line breaks. */
#define EVIDENCE_FILE_MAX (2u * ATTEST_MAX_EVIDENCE + 65536u)
#define POLICY_FILE_MAX (64u * 1024)
/* 9999-12-31T23:59:59Z: later times are a typo, not a verification date. */
#define AT_MAX 253402300799LL

struct verify_args {
	const char *evidence;
	enum attest_format format;
	const char *certs[ATTEST_MAX_CERTS];
	size_t ncerts;
	const char *policy;
	uint8_t nonce[ATTEST_MAX_NONCE];
	size_t noncelen;
	int have_nonce;
	int64_t at;
	int json;
	/* Coffer's binding (docs/ATTESTATION.md): both keys given, or neither. */
	uint8_t unlock_key[EVIDENCE_UNLOCK_LEN];
	int have_unlock;
	uint8_t identity_key[EVIDENCE_IDENTITY_LEN];
	int have_identity;	/* 1: a key; 2: "locked" (no identity bound yet) */
};

/* One parse_<flag>() per flag; each returns 0 or prints why and returns 2. */
static int
parse_evidence(struct verify_args *a, const char *v)
{
	if (a->evidence != NULL)
		return cli_usage_error("verify: --evidence given twice");
	a->evidence = v;
	return 0;
}

static int
parse_format(struct verify_args *a, const char *v)
{
	if (attest_format_parse(&a->format, v) != 0)
		return cli_usage_error("verify: --format '%s': want auto, sev-snp, azure-cvm, tdx, sgx or nitro", v);
	return 0;
}

static int
parse_cert(struct verify_args *a, const char *v)
{
	if (a->ncerts >= ATTEST_MAX_CERTS)
		return cli_usage_error("verify: more than %d --cert files", ATTEST_MAX_CERTS);
	a->certs[a->ncerts++] = v;
	return 0;
}

static int
parse_policy(struct verify_args *a, const char *v)
{
	if (a->policy != NULL)
		return cli_usage_error("verify: --policy given twice");
	a->policy = v;
	return 0;
}

static int
parse_nonce(struct verify_args *a, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n % 2 != 0 || n / 2 > ATTEST_MAX_NONCE || hex_decode_exact(a->nonce, n / 2, v) != 0)
		return cli_usage_error("verify: --nonce '%.40s': want 1..%d bytes of hex", v, ATTEST_MAX_NONCE);
	a->noncelen = n / 2;
	a->have_nonce = 1;
	return 0;
}

static int
parse_at(struct verify_args *a, const char *v)
{
	char *end;
	long long t;

	errno = 0;
	if (v[0] < '0' || v[0] > '9' || strlen(v) > 12 || (strlen(v) > 1 && v[0] == '0'))
		return cli_usage_error("verify: --at '%.40s': want UNIX seconds (decimal, 1..%lld)", v, AT_MAX);
	t = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || t < 1 || t > AT_MAX)
		return cli_usage_error("verify: --at '%.40s': want UNIX seconds (decimal, 1..%lld)", v, AT_MAX);
	a->at = (int64_t)t;
	return 0;
}

static int
parse_json(struct verify_args *a, const char *v)
{
	(void)v;
	a->json = 1;
	return 0;
}

static int
parse_from_daemon(struct verify_args *a, const char *v)
{
	(void)a;
	(void)v;
	return cli_usage_error("verify: --from-daemon is not available yet; save the daemon's evidence to a file");
}

static int
parse_unlock_key(struct verify_args *a, const char *v)
{
	if (a->have_unlock || strlen(v) != 2 * EVIDENCE_UNLOCK_LEN ||
	    hex_decode_exact(a->unlock_key, EVIDENCE_UNLOCK_LEN, v) != 0)
		return cli_usage_error("verify: --unlock-key '%.70s': want the signer's X25519 unlock key, "
		    "32 bytes of hex, once", v);
	a->have_unlock = 1;
	return 0;
}

static int
parse_identity_key(struct verify_args *a, const char *v)
{
	if (a->have_identity)
		return cli_usage_error("verify: --identity-key given twice");
	if (strcmp(v, "locked") == 0) {
		a->have_identity = 2;
		return 0;
	}
	if (strlen(v) != 2 * EVIDENCE_IDENTITY_LEN || hex_decode_exact(a->identity_key, EVIDENCE_IDENTITY_LEN, v) != 0 ||
	    (a->identity_key[0] != 2 && a->identity_key[0] != 3))
		return cli_usage_error("verify: --identity-key '%.70s': want a compressed secp256k1 key "
		    "(33 bytes of hex) or 'locked'", v);
	a->have_identity = 1;
	return 0;
}

static const struct {
	const char *name;
	int takes_value;
	int (*fn)(struct verify_args *a, const char *v);
} flags[] = {
	{ "--evidence", 1, parse_evidence },
	{ "--format", 1, parse_format },
	{ "--cert", 1, parse_cert },
	{ "--policy", 1, parse_policy },
	{ "--nonce", 1, parse_nonce },
	{ "--at", 1, parse_at },
	{ "--json", 0, parse_json },
	{ "--from-daemon", 1, parse_from_daemon },
	{ "--unlock-key", 1, parse_unlock_key },
	{ "--identity-key", 1, parse_identity_key },
};

static int
parse_args(struct verify_args *a, int argc, char **argv)
{
	int i, r;
	size_t k;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
		size_t nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);

		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strlen(flags[k].name) == nlen && strncmp(arg, flags[k].name, nlen) == 0)
				break;
		if (k == sizeof(flags) / sizeof(flags[0]))
			return cli_usage_error("verify: unknown argument '%.60s'", arg);
		if (flags[k].takes_value) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_usage_error("verify: %s needs a value", flags[k].name);
		} else if (eq != NULL) {
			return cli_usage_error("verify: %s takes no value", flags[k].name);
		}
		if ((r = flags[k].fn(a, val)) != 0)
			return r;
	}
	if (a->evidence == NULL)
		return cli_usage_error("verify: --evidence FILE is required");
	if (a->have_unlock != (a->have_identity != 0))
		return cli_usage_error("verify: --unlock-key and --identity-key go together (--identity-key locked "
		    "for a signer that is not unlocked)");
	if (a->have_unlock && (!a->have_nonce || a->noncelen > EVIDENCE_NONCE_MAX))
		return cli_usage_error("verify: checking the binding needs the --nonce (1..%d bytes) the signer "
		    "was asked with", EVIDENCE_NONCE_MAX);
	return 0;
}

static int
is_hex_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
	    c == '-' || c == '_' || c == '=';
}

static int
is_space_char(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The evidence file as bytes: hex if it is only hex digits (an even number,
 * surrounding whitespace allowed), else base64/base64url if only that
 * alphabet (line breaks allowed), else the bytes as they are.
 */
static int
decode_evidence(struct cbuf *out, const struct cbuf *file)
{
	size_t i, start = 0, end = file->len;
	int hex = 1, b64 = 1;
	struct cbuf text;
	int r;

	while (start < end && is_space_char(file->p[start]))
		start++;
	while (end > start && is_space_char(file->p[end - 1]))
		end--;
	if (start == end)
		return COFFER_ERR_TRUNCATED;
	for (i = start; i < end && (hex || b64); i++) {
		hex &= is_hex_char(file->p[i]);
		b64 &= is_b64_char(file->p[i]) || is_space_char(file->p[i]);
	}
	if (hex && (end - start) % 2 == 0)
		return hex_decode_buf(out, (const char *)file->p + start, end - start);
	if (b64) {
		cbuf_init(&text, file->len + 1);
		for (i = start, r = 0; i < end && r == 0; i++)
			if (!is_space_char(file->p[i]))
				r = cbuf_put_u8(&text, file->p[i]);
		if (r == 0)
			r = attest_b64any_decode(out, (const char *)text.p, text.len);
		cbuf_free(&text);
		if (r == 0)
			return 0;
		out->len = 0;	/* not base64 after all (e.g. bad length): take the bytes */
	}
	return cbuf_put(out, file->p, file->len);
}

/* Certificates of one --cert file (DER, or PEM with one or more), appended as DER. */
static int
load_certs(struct attest_input *in, uint8_t **ders, const char *path)
{
	STACK_OF(X509) *s = NULL;
	struct cbuf file;
	int r, i;

	cbuf_init(&file, ATTEST_MAX_CERT_BYTES);
	if ((r = cli_read_file(&file, path, ATTEST_MAX_CERT_BYTES)) != 0)
		goto out;
	if ((s = sk_X509_new_null()) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = attest_x509_load(s, file.p, file.len)) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(s); i++) {
		unsigned char *der = NULL;
		int len;

		if (in->ncerts >= ATTEST_MAX_CERTS) {
			r = COFFER_ERR_TOO_LARGE;
			goto out;
		}
		if ((len = i2d_X509(sk_X509_value(s, i), &der)) <= 0) {
			r = COFFER_ERR_ATTEST_BAD_CERT;
			goto out;
		}
		ders[in->ncerts] = der;
		in->certs[in->ncerts].der = der;
		in->certs[in->ncerts].len = (size_t)len;
		in->ncerts++;
	}
out:
	attest_x509_stack_free(s);
	cbuf_free(&file);
	return r;
}

static const char *
verdict_name(enum attest_verdict v)
{
	return v == ATTEST_VALID ? "valid" : v == ATTEST_REFUSED ? "refused" : "unusable";
}

static void
print_json(const struct attest_result *res, int64_t at)
{
	json_t *o = json_object(), *claims = json_object();
	char hex[2 * ATTEST_MAX_NONCE + 1];
	char *text;
	size_t i;

	json_object_set_new(o, "verdict", json_string(verdict_name(res->verdict)));
	json_object_set_new(o, "format", json_string(attest_format_name(res->format)));
	json_object_set_new(o, "reason", json_string(res->reason));
	json_object_set_new(o, "debug", json_boolean(res->debug));
	json_object_set_new(o, "verified_at", json_integer((json_int_t)at));
	hex_encode(hex, sizeof(hex), res->report_data, res->report_data_len);
	json_object_set_new(o, "report_data", json_string(hex));
	if (res->has_nonce && res->nonce_len <= ATTEST_MAX_NONCE) {
		hex_encode(hex, sizeof(hex), res->nonce, res->nonce_len);
		json_object_set_new(o, "nonce", json_string(hex));
	}
	for (i = 0; i < res->nclaims; i++)
		json_object_set_new(claims, res->claims[i].name, json_string(res->claims[i].value));
	json_object_set_new(o, "claims", claims);
	if ((text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL) {
		printf("%s\n", text);
		free(text);
	}
	json_decref(o);
}

static void
print_text(const struct attest_result *res, int64_t at)
{
	char hex[2 * ATTEST_MAX_NONCE + 1];
	size_t i;

	printf("verdict: %s\n", res->verdict == ATTEST_VALID ? "VALID" : res->verdict == ATTEST_REFUSED ? "REFUSED" :
	    "UNUSABLE");
	if (res->reason[0] != '\0')
		printf("reason: %s\n", res->reason);
	printf("format: %s\n", attest_format_name(res->format));
	printf("verified at: %" PRId64 "\n", at);
	printf("debug: %s\n", res->debug ? "yes" : "no");
	if (res->report_data_len > 0) {
		hex_encode(hex, sizeof(hex), res->report_data, res->report_data_len);
		printf("report data: %s\n", hex);
	}
	if (res->nclaims > 0)
		printf("measured values:\n");
	for (i = 0; i < res->nclaims; i++)
		printf("  %-22s %s\n", res->claims[i].name, res->claims[i].value);
}

int
cmd_verify(int argc, char **argv)
{
	static struct attest_policy policy;	/* ~50 KiB: not on the stack */
	static struct attest_result res;
	static struct verify_args a;
	struct attest_input in;
	struct cbuf file, ev, pol;
	uint8_t *ders[ATTEST_MAX_CERTS] = { 0 };
	uint8_t binding[EVIDENCE_BINDING_LEN];
	char why[256];
	size_t i;
	int r, ret = 2;

	if ((r = parse_args(&a, argc, argv)) != 0)
		return r;
	memset(&in, 0, sizeof(in));
	cbuf_init(&file, EVIDENCE_FILE_MAX);
	cbuf_init(&ev, EVIDENCE_FILE_MAX);
	cbuf_init(&pol, POLICY_FILE_MAX);
	if ((r = cli_read_file(&file, a.evidence, EVIDENCE_FILE_MAX)) != 0) {
		fprintf(stderr, "coffer: verify: cannot read evidence '%s': %s\n", a.evidence, coffer_err_msg(r));
		goto out;
	}
	if ((r = decode_evidence(&ev, &file)) != 0 || ev.len == 0 || ev.len > ATTEST_MAX_EVIDENCE) {
		fprintf(stderr, "coffer: verify: evidence '%s' is empty, undecodable or over %u bytes\n", a.evidence,
		    ATTEST_MAX_EVIDENCE);
		goto out;
	}
	for (i = 0; i < a.ncerts; i++)
		if ((r = load_certs(&in, ders, a.certs[i])) != 0) {
			fprintf(stderr, "coffer: verify: --cert '%s': %s\n", a.certs[i],
			    r == COFFER_ERR_TOO_LARGE ? "too many certificates or file too large" : coffer_err_msg(r));
			goto out;
		}
	attest_policy_default(&policy);
	if (a.policy != NULL) {
		if ((r = cli_read_file(&pol, a.policy, POLICY_FILE_MAX)) != 0) {
			fprintf(stderr, "coffer: verify: cannot read policy '%s': %s\n", a.policy, coffer_err_msg(r));
			goto out;
		}
		if (attest_policy_parse(&policy, why, sizeof(why), (const char *)pol.p, pol.len) != 0) {
			fprintf(stderr, "coffer: verify: %s: %s\n", a.policy, why);
			goto out;
		}
	}
	in.format = a.format;
	in.evidence = ev.p;
	in.len = ev.len;
	in.at = a.at != 0 ? a.at : (int64_t)time(NULL);
	in.policy = &policy;
	if (a.have_unlock) {
		/* The nonce is inside the binding, not a field of its own. */
		if ((r = evidence_binding(binding, a.have_identity == 1 ? a.identity_key : NULL, a.unlock_key,
		    a.nonce, a.noncelen)) != 0) {
			fprintf(stderr, "coffer: verify: cannot compute the binding: %s\n", coffer_err_msg(r));
			goto out;
		}
		in.binding = binding;
	} else if (a.have_nonce) {
		in.nonce = a.nonce;
		in.noncelen = a.noncelen;
	}
	attest_verify(&res, &in);
	if (a.json)
		print_json(&res, in.at);
	else
		print_text(&res, in.at);
	if (res.verdict != ATTEST_VALID)
		fprintf(stderr, "coffer: verify: %s: %s\n", verdict_name(res.verdict), res.reason);
	ret = res.verdict == ATTEST_VALID ? 0 : res.verdict == ATTEST_REFUSED ? 1 : 2;
out:
	for (i = 0; i < ATTEST_MAX_CERTS; i++)
		OPENSSL_free(ders[i]);
	cbuf_free(&file);
	cbuf_free(&ev);
	cbuf_free(&pol);
	return ret;
}
