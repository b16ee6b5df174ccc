/*
 * SEV-SNP through /dev/sev-guest (linux/sev-guest.h): SNP_GET_EXT_REPORT for
 * the report and the host's certificate table, SNP_GET_REPORT when the host
 * has none, and SNP_GET_DERIVED_KEY for sealing (seal_snp.c). The firmware's
 * answers (SEV-SNP ABI 56860: MSG_REPORT_RSP, MSG_KEY_RSP) are parsed here
 * with creader; ioctls go through evidence_ioctl so tests replay recorded
 * responses.
 */
#include "signer/evidence_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ioctl.h>
#include <linux/sev-guest.h>

#include "common/err.h"
#include "common/secmem.h"

#define MSG_VERSION 1
#define REPORT_RSP_HDR 0x20	/* status u32, report_size u32, 24 reserved */
#define KEY_RSP_HDR 0x20	/* status u32, 28 reserved */
#define PAGE 4096u
#define CERT_ENTRY 24		/* GUID 16, offset u32, length u32 */

int
evidence_sevguest_parse_report(uint8_t report[SNP_REPORT_LEN], const uint8_t *resp, size_t n)
{
	struct creader r;
	uint32_t status, size;

	memset(report, 0, SNP_REPORT_LEN);
	creader_init(&r, resp, n);
	if (creader_get_u32le(&r, &status) != 0 || creader_get_u32le(&r, &size) != 0 ||
	    creader_skip(&r, REPORT_RSP_HDR - 8) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	if (status != 0)
		return COFFER_ERR_TEE_DEVICE;
	if (size != SNP_REPORT_LEN || creader_get_bytes(&r, report, SNP_REPORT_LEN) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	/* The rest of the kernel's 4000-byte buffer is unused. */
	return 0;
}

int
evidence_sevguest_parse_key(uint8_t key[32], const uint8_t *resp, size_t n)
{
	struct creader r;
	uint32_t status;

	secure_wipe(key, 32);
	creader_init(&r, resp, n);
	if (creader_get_u32le(&r, &status) != 0 || creader_skip(&r, KEY_RSP_HDR - 4) != 0)
		return COFFER_ERR_TEE_RESPONSE;
	if (status != 0)
		return COFFER_ERR_TEE_DEVICE;
	if (creader_get_bytes(&r, key, 32) != 0) {
		secure_wipe(key, 32);
		return COFFER_ERR_TEE_RESPONSE;
	}
	return 0;
}

int
evidence_snp_certs_check(const uint8_t *p, size_t n)
{
	static const uint8_t zero[CERT_ENTRY];
	struct creader r;
	const uint8_t *e;
	uint32_t off, len;
	size_t i;

	if (n > SNP_CERTS_MAX)
		return COFFER_ERR_TEE_RESPONSE;
	creader_init(&r, p, n);
	for (i = 0;; i++) {
		if (creader_get_ptr(&r, &e, CERT_ENTRY) != 0)
			return COFFER_ERR_TEE_RESPONSE;	/* no terminator */
		if (memcmp(e, zero, CERT_ENTRY) == 0)
			return 0;
		off = (uint32_t)e[16] | (uint32_t)e[17] << 8 | (uint32_t)e[18] << 16 | (uint32_t)e[19] << 24;
		len = (uint32_t)e[20] | (uint32_t)e[21] << 8 | (uint32_t)e[22] << 16 | (uint32_t)e[23] << 24;
		if (off > n || len > n - off || len == 0)
			return COFFER_ERR_TEE_RESPONSE;
	}
}

static int
open_dev(int *fd, const struct evidence_env *env)
{
	char path[EVIDENCE_PATH_MAX];
	int ret;

	*fd = -1;
	if ((ret = evidence_path(path, sizeof(path), env, SEVGUEST_DEV)) != 0)
		return ret;
	if ((*fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return errno == ENOENT ? COFFER_ERR_TEE_ABSENT : COFFER_ERR_TEE_DEVICE;
	return 0;
}

/* The table's used length: through the terminator and the furthest certificate. */
static size_t
certs_used(const uint8_t *p, size_t n)
{
	size_t i, end = 0;
	uint32_t off, len;

	for (i = 0; i + CERT_ENTRY <= n; i += CERT_ENTRY) {
		const uint8_t *e = p + i;
		size_t j, zero = 1;

		for (j = 0; j < CERT_ENTRY; j++)
			zero &= e[j] == 0;
		if (zero)
			return end > i + CERT_ENTRY ? end : i + CERT_ENTRY;
		off = (uint32_t)e[16] | (uint32_t)e[17] << 8 | (uint32_t)e[18] << 16 | (uint32_t)e[19] << 24;
		len = (uint32_t)e[20] | (uint32_t)e[21] << 8 | (uint32_t)e[22] << 16 | (uint32_t)e[23] << 24;
		if (off <= n && len <= n - off && off + len > end)
			end = off + len;
	}
	return n;	/* no terminator: left to evidence_snp_certs_check to refuse */
}

int
evidence_sevguest_report(struct cbuf *report, struct cbuf *certs, const struct evidence_env *env,
    const uint8_t data[EVIDENCE_BINDING_LEN])
{
	struct snp_ext_report_req ext;
	struct snp_report_resp resp;
	struct snp_guest_request_ioctl io;
	uint8_t rep[SNP_REPORT_LEN];
	uint8_t *buf = NULL;
	size_t buflen = 4 * PAGE;
	int fd, ret, tries;

	if ((ret = open_dev(&fd, env)) != 0)
		return ret;
	for (tries = 0; tries < 2; tries++) {
		free(buf);
		if ((buf = aligned_alloc(PAGE, buflen)) == NULL) {
			ret = COFFER_ERR_NOMEM;
			goto out;
		}
		memset(buf, 0, buflen);
		memset(&ext, 0, sizeof(ext));
		memset(&resp, 0, sizeof(resp));
		memset(&io, 0, sizeof(io));
		memcpy(ext.data.user_data, data, EVIDENCE_BINDING_LEN);
		ext.data.vmpl = 0;
		ext.certs_address = (uint64_t)(uintptr_t)buf;
		ext.certs_len = (uint32_t)buflen;
		io.msg_version = MSG_VERSION;
		io.req_data = (uint64_t)(uintptr_t)&ext;
		io.resp_data = (uint64_t)(uintptr_t)&resp;
		if (evidence_ioctl(env, fd, SNP_GET_EXT_REPORT, &io) == 0)
			break;
		/* The host wants a bigger buffer: it says how big in certs_len (pages). */
		if ((io.exitinfo2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN && tries == 0 &&
		    ext.certs_len > buflen && ext.certs_len <= SNP_CERTS_MAX && ext.certs_len % PAGE == 0) {
			buflen = ext.certs_len;
			continue;
		}
		/* No extended report here (no host certificates, or an old host): the plain one. */
		memset(&io, 0, sizeof(io));
		memset(&resp, 0, sizeof(resp));
		io.msg_version = MSG_VERSION;
		io.req_data = (uint64_t)(uintptr_t)&ext.data;
		io.resp_data = (uint64_t)(uintptr_t)&resp;
		if (evidence_ioctl(env, fd, SNP_GET_REPORT, &io) != 0) {
			ret = COFFER_ERR_TEE_DEVICE;
			goto out;
		}
		memset(buf, 0, buflen);	/* no certificates */
		break;
	}
	if (tries == 2) {
		ret = COFFER_ERR_TEE_DEVICE;
		goto out;
	}
	if ((ret = evidence_sevguest_parse_report(rep, resp.data, sizeof(resp.data))) != 0 ||
	    (ret = cbuf_put(report, rep, sizeof(rep))) != 0)
		goto out;
	if (buf[0] != 0 || memcmp(buf, buf + 1, CERT_ENTRY - 1) != 0)	/* a non-empty table */
		ret = cbuf_put(certs, buf, certs_used(buf, buflen));
out:
	free(buf);
	close(fd);
	return ret;
}

int
evidence_sevguest_derived_key(uint8_t key[32], const struct evidence_env *env, uint64_t field_select,
    uint32_t guest_svn, uint64_t tcb_version)
{
	struct snp_derived_key_req req;
	struct snp_derived_key_resp resp;
	struct snp_guest_request_ioctl io;
	int fd, ret;

	secure_wipe(key, 32);
	if ((ret = open_dev(&fd, env)) != 0)
		return ret;
	memset(&req, 0, sizeof(req));
	memset(&io, 0, sizeof(io));
	req.root_key_select = 0;	/* VCEK: bound to this chip; VMRK would follow migration */
	req.guest_field_select = field_select;
	req.vmpl = 0;
	req.guest_svn = guest_svn;
	req.tcb_version = tcb_version;
	io.msg_version = MSG_VERSION;
	io.req_data = (uint64_t)(uintptr_t)&req;
	io.resp_data = (uint64_t)(uintptr_t)&resp;
	if (evidence_ioctl(env, fd, SNP_GET_DERIVED_KEY, &io) != 0)
		ret = COFFER_ERR_TEE_DEVICE;
	else
		ret = evidence_sevguest_parse_key(key, resp.data, sizeof(resp.data));
	secure_wipe(&resp, sizeof(resp));
	close(fd);
	return ret;
}
