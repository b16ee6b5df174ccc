/*
 * SEV-SNP and TDX evidence through configfs-tsm (Linux 6.7+,
 * Documentation/ABI/testing/configfs-tsm-report): make an entry under
 * /sys/kernel/config/tsm/report, write the 64 bytes of report data to
 * inblob, read outblob (SNP: the 1184-byte report; TDX: a DCAP quote) and,
 * for SNP, auxblob (the host's certificate table). `generation` counts writes
 * to the entry: ours is the only one, so it must read 1 around the read of
 * outblob, or another process raced us and the blob may not be ours. The SNP
 * fallback for older kernels is /dev/sev-guest (evidence_sevguest.c).
 */
#include "signer/evidence_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secmem.h"

#define TSM_BLOB_MAX ((size_t)32 << 10)	/* a TDX quote with its PCK chain is ~5 KiB */
#define TDX_QUOTE_REPORT_DATA_V4 0x238
#define TDX_QUOTE_REPORT_DATA_V5 0x23e	/* v5 inserts u16 body_type and u32 body_size before the body */

int
evidence_tsm_present(const struct evidence_env *env)
{
	return evidence_exists(env, TSM_REPORT_DIR);
}

int
evidence_tsm_open(char *entry, size_t entrysize, const struct evidence_env *env, const char *name)
{
	char rel[EVIDENCE_PATH_MAX];
	int n, ret;

	n = snprintf(rel, sizeof(rel), "%s/%s", TSM_REPORT_DIR, name);
	if (n < 0 || (size_t)n >= sizeof(rel) || strchr(name, '/') != NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((ret = evidence_path(entry, entrysize, env, rel)) != 0)
		return ret;
	if (mkdir(entry, 0700) != 0)
		return errno == ENOENT ? COFFER_ERR_TEE_ABSENT : COFFER_ERR_TEE_DEVICE;
	return 0;
}

static int
attr(char *out, size_t outsize, const char *entry, const char *name)
{
	int n = snprintf(out, outsize, "%s/%s", entry, name);

	return n < 0 || (size_t)n >= outsize ? COFFER_ERR_TOO_LARGE : 0;
}

int
evidence_tsm_request(const char *entry, const uint8_t data[EVIDENCE_BINDING_LEN])
{
	char path[EVIDENCE_PATH_MAX];
	int ret;

	if ((ret = attr(path, sizeof(path), entry, "inblob")) != 0)
		return ret;
	return evidence_write_file(path, data, EVIDENCE_BINDING_LEN);
}

static int
generation_is_one(const char *entry)
{
	char path[EVIDENCE_PATH_MAX], text[24];
	int ret;

	if ((ret = attr(path, sizeof(path), entry, "generation")) != 0 ||
	    (ret = evidence_read_text(text, sizeof(text), path)) != 0)
		return ret;
	return strcmp(text, "1") == 0 ? 0 : COFFER_ERR_TEE_RACE;
}

int
evidence_tsm_collect(struct cbuf *outblob, struct cbuf *aux, const char *entry, const char *provider)
{
	char path[EVIDENCE_PATH_MAX], text[64];
	int ret;

	if ((ret = attr(path, sizeof(path), entry, "provider")) != 0 ||
	    (ret = evidence_read_text(text, sizeof(text), path)) != 0)
		return ret == COFFER_ERR_TEE_ABSENT ? COFFER_ERR_TEE_DEVICE : ret;
	if (strcmp(text, provider) != 0)
		return COFFER_ERR_TEE_RESPONSE;	/* e.g. tdx_guest when SNP was asked for */
	if ((ret = generation_is_one(entry)) != 0 ||
	    (ret = attr(path, sizeof(path), entry, "outblob")) != 0 ||
	    (ret = evidence_read_file(outblob, path, TSM_BLOB_MAX)) != 0)
		goto out;
	if (outblob->len == 0) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	if (aux != NULL) {
		if ((ret = attr(path, sizeof(path), entry, "auxblob")) != 0)
			goto out;
		/* auxblob exists only for SNP, and is empty when the host has no certificates. */
		if ((ret = evidence_read_file(aux, path, SNP_CERTS_MAX)) == COFFER_ERR_TEE_ABSENT)
			ret = 0;
		if (ret != 0)
			goto out;
	}
	ret = generation_is_one(entry);
out:
	return ret == COFFER_ERR_TEE_ABSENT ? COFFER_ERR_TEE_DEVICE : ret;
}

void
evidence_tsm_close(const char *entry)
{
	(void)rmdir(entry);
}

int
evidence_tsm_get(struct cbuf *outblob, struct cbuf *aux, const struct evidence_env *env,
    const char *provider, const uint8_t data[EVIDENCE_BINDING_LEN])
{
	char entry[EVIDENCE_PATH_MAX], name[48];
	uint8_t rnd[8];
	int ret;

	secure_random(rnd, sizeof(rnd));
	snprintf(name, sizeof(name), "coffer-%ld-%02x%02x%02x%02x%02x%02x%02x%02x", (long)getpid(),
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if ((ret = evidence_tsm_open(entry, sizeof(entry), env, name)) != 0)
		return ret;
	if ((ret = evidence_tsm_request(entry, data)) == 0 && env != NULL && env->tsm_written != NULL)
		ret = env->tsm_written(env->tsm_ctx, entry);
	if (ret == 0)
		ret = evidence_tsm_collect(outblob, aux, entry, provider);
	evidence_tsm_close(entry);
	return ret;
}

/* --- SEV-SNP: configfs-tsm first, /dev/sev-guest otherwise ---------------------- */

static int
snp_present(const struct evidence_env *env)
{
	return evidence_exists(env, SEVGUEST_DEV);
}

/* The report must carry exactly our report data: a device that ignored it proves nothing. */
static int
snp_finish(struct cbuf *out, const struct cbuf *report, const struct cbuf *certs,
    const uint8_t data[EVIDENCE_BINDING_LEN])
{
	int ret;

	if (report->len != SNP_REPORT_LEN ||
	    memcmp(report->p + SNP_REPORT_DATA_OFF, data, EVIDENCE_BINDING_LEN) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	if (certs->len > 0 && (ret = evidence_snp_certs_check(certs->p, certs->len)) != 0)
		return ret;
	if ((ret = cbuf_put(out, report->p, report->len)) != 0 || (ret = cbuf_put(out, certs->p, certs->len)) != 0)
		return ret;
	return 0;
}

static int
snp_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	struct cbuf report, certs;
	int ret;

	(void)nonce;
	(void)noncelen;
	cbuf_init(&report, TSM_BLOB_MAX);
	cbuf_init(&certs, SNP_CERTS_MAX);
	ret = COFFER_ERR_TEE_ABSENT;
	if (evidence_tsm_present(env))
		ret = evidence_tsm_get(&report, &certs, env, "sev_guest", data);
	/*
	 * No configfs-tsm, no SNP provider in it, or an entry we may not make:
	 * the older ioctl interface. (A race is not retried another way: it
	 * means someone else is using the same report entry.)
	 */
	if (ret != 0 && ret != COFFER_ERR_TEE_RACE) {
		cbuf_reset(&report);
		cbuf_reset(&certs);
		ret = evidence_sevguest_report(&report, &certs, env, data);
	}
	if (ret == 0)
		ret = snp_finish(out, &report, &certs, data);
	cbuf_free(&report);
	cbuf_free(&certs);
	return ret;
}

const struct evidence_backend evidence_backend_sevsnp = {
	"sev-snp",
	"AMD SEV-SNP: the AMD secure processor signs the launch measurement of this guest VM and the "
	"binding; the hypervisor's administrator cannot read or change the guest's memory",
	snp_present, snp_get,
};

/* --- TDX: configfs-tsm only (the raw TDREPORT of /dev/tdx_guest is not remotely verifiable) --- */

static int
tdx_present(const struct evidence_env *env)
{
	return evidence_exists(env, "/dev/tdx_guest") && evidence_tsm_present(env);
}

static int
tdx_get(const struct evidence_env *env, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen)
{
	struct cbuf quote;
	size_t off;
	int ret;

	(void)nonce;
	(void)noncelen;
	cbuf_init(&quote, TSM_BLOB_MAX);
	if ((ret = evidence_tsm_get(&quote, NULL, env, "tdx_guest", data)) != 0)
		goto out;
	/* Quote version (u16 LE at 0) decides where REPORTDATA sits. */
	off = quote.len >= 2 && quote.p[0] == 5 && quote.p[1] == 0 ? TDX_QUOTE_REPORT_DATA_V5
	    : TDX_QUOTE_REPORT_DATA_V4;
	if (quote.len < 2 || (quote.p[0] != 4 && quote.p[0] != 5) || quote.p[1] != 0 ||
	    quote.len < off + EVIDENCE_BINDING_LEN || memcmp(quote.p + off, data, EVIDENCE_BINDING_LEN) != 0) {
		ret = COFFER_ERR_TEE_RESPONSE;
		goto out;
	}
	ret = cbuf_put(out, quote.p, quote.len);
out:
	cbuf_free(&quote);
	return ret;
}

const struct evidence_backend evidence_backend_tdx = {
	"tdx",
	"Intel TDX: Intel's quoting enclave signs this trust domain's MRTD, RTMRs and the binding; the "
	"host's administrator cannot read or change the trust domain's memory",
	tdx_present, tdx_get,
};
