/*
 * cofferd configuration keys: one parse_<key>() per key and the key table
 * that drives flags, coffer.conf and usage text. File and flag reading live
 * in config_load.c.
 */
#include "daemon/config.h"
#include "daemon/config_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"

int
config_fail(struct daemon_config *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return code;
}

void
config_quote(char *out, size_t outsize, const char *v)
{
	size_t i, o = 0;

	/* Quoted, control bytes escaped, long values cut: safe to print. */
	if (outsize < 8)
		abort();
	out[o++] = '"';
	for (i = 0; v[i] != '\0' && o + 8 < outsize; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (i >= 96) {
			o += (size_t)snprintf(out + o, outsize - o, "...");
			break;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
			o += (size_t)snprintf(out + o, outsize - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static int
bad_value(struct daemon_config *c, const char *key, const char *v, const char *why)
{
	char q[160];

	config_quote(q, sizeof(q), v);
	return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "bad value for %s: %s (%s)", key, q, why);
}

int
config_parse_uint(unsigned long long *out, const char *s, unsigned long long min, unsigned long long max)
{
	unsigned long long v = 0;
	size_t i;

	/* Digits only: no sign, no spaces, no hex, no leading zeros. */
	*out = 0;
	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return COFFER_ERR_BAD_NUMBER;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return COFFER_ERR_BAD_NUMBER;
		d = (unsigned int)(s[i] - '0');
		if (v > (max - d) / 10)
			return COFFER_ERR_BAD_NUMBER;
		v = v * 10 + d;
	}
	if (v < min)
		return COFFER_ERR_BAD_NUMBER;
	*out = v;
	return 0;
}

/* A printable value (no control bytes) that fits `size` bytes with its NUL. */
static int
copy_text(struct daemon_config *c, char *dst, size_t size, const char *key, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0)
		return bad_value(c, key, v, "empty");
	if (n >= size)
		return bad_value(c, key, v, "too long");
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
			return bad_value(c, key, v, "control character");
	memcpy(dst, v, n + 1);
	return 0;
}

/* An http:// or https:// URL: host (name, IPv4 or [IPv6]), optional port and path, no credentials. */
static int
check_url(struct daemon_config *c, const char *key, const char *v)
{
	const char *p = v, *host, *end;
	unsigned long long port;
	char portbuf[8];
	size_t n;

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else
		return bad_value(c, key, v, "must start with http:// or https://");
	for (n = 0; v[n] != '\0'; n++)
		if ((unsigned char)v[n] <= 0x20 || (unsigned char)v[n] >= 0x7f || v[n] == '"' || v[n] == '\\')
			return bad_value(c, key, v, "space, quote or non-ASCII character");
	host = p;
	end = p + strcspn(p, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return bad_value(c, key, v, "credentials do not belong in the URL; use the user/password or cookie keys");
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (close == NULL || close == host + 1)
			return bad_value(c, key, v, "bad IPv6 host");
		p = close + 1;
	} else {
		p = host + strcspn(host, ":/?#");
		if (p == host)
			return bad_value(c, key, v, "no host");
		for (n = 0; host + n < p; n++) {
			char ch = host[n];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    ch == '.' || ch == '-'))
				return bad_value(c, key, v, "bad host name");
		}
	}
	if (*p == ':') {
		n = (size_t)(end - (p + 1));
		if (n == 0 || n >= sizeof(portbuf))
			return bad_value(c, key, v, "bad port");
		memcpy(portbuf, p + 1, n);
		portbuf[n] = '\0';
		if (config_parse_uint(&port, portbuf, 1, 65535) != 0)
			return bad_value(c, key, v, "bad port");
	} else if (p != end) {
		return bad_value(c, key, v, "bad host");
	}
	return 0;
}

static int
parse_datadir(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->datadir, sizeof(c->datadir), "datadir", v);
}

static int
parse_network(struct daemon_config *c, const char *v)
{
	if (btc_network_parse(&c->network, v) != 0)
		return bad_value(c, "network", v, "bitcoin, testnet, testnet4, signet or regtest");
	return 0;
}

int
config_parse_listen(struct daemon_config *c, const char *v)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&c->listen_addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->listen_addr;
	char host[64];
	const char *colon, *portstr;
	unsigned long long port;
	size_t hlen;

	if (strlen(v) >= sizeof(c->listen))
		return bad_value(c, "listen", v, "too long");
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return bad_value(c, "listen", v, "want [IPv6]:PORT");
		hlen = (size_t)(close - (v + 1));
		colon = close + 1;
		if (hlen == 0 || hlen >= sizeof(host))
			return bad_value(c, "listen", v, "bad IPv6 address");
		memcpy(host, v + 1, hlen);
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return bad_value(c, "listen", v, "want ADDRESS:PORT, e.g. 127.0.0.1:7420");
		hlen = (size_t)(colon - v);
		if (hlen == 0 || hlen >= sizeof(host) || memchr(v, ':', hlen) != NULL)
			return bad_value(c, "listen", v, "want ADDRESS:PORT; IPv6 goes in brackets, [::1]:7420");
		memcpy(host, v, hlen);
	}
	host[hlen] = '\0';
	portstr = colon + 1;
	/* Port 0 asks the kernel for a free port; cofferd logs the one it got. */
	if (portstr[0] == '\0' || config_parse_uint(&port, portstr, 0, 65535) != 0)
		return bad_value(c, "listen", v, "port must be 0..65535");
	memset(&c->listen_addr, 0, sizeof(c->listen_addr));
	if (v[0] == '[') {
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return bad_value(c, "listen", v, "not a numeric IPv6 address");
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		c->listen_addrlen = sizeof(*in6);
		c->listen_loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	} else {
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			return bad_value(c, "listen", v, "not a numeric IPv4 address (host names are not resolved)");
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		c->listen_addrlen = sizeof(*in4);
		c->listen_loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	c->listen_port = (uint16_t)port;
	memcpy(c->listen, v, strlen(v) + 1);
	return 0;
}

static int
parse_listen(struct daemon_config *c, const char *v)
{
	return config_parse_listen(c, v);
}

static int
parse_tls_cert(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->tls_cert, sizeof(c->tls_cert), "tls-cert", v);
}

static int
parse_tls_key(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->tls_key, sizeof(c->tls_key), "tls-key", v);
}

static int
parse_insecure_listen(struct daemon_config *c, const char *v)
{
	if (strcmp(v, "true") == 0)
		c->insecure_listen = 1;
	else if (strcmp(v, "false") == 0)
		c->insecure_listen = 0;
	else
		return bad_value(c, "insecure-listen", v, "true or false");
	return 0;
}

static int
parse_bitcoind_rpc(struct daemon_config *c, const char *v)
{
	int r;

	if ((r = copy_text(c, c->bitcoind_rpc, sizeof(c->bitcoind_rpc), "bitcoind-rpc", v)) != 0 ||
	    (r = check_url(c, "bitcoind-rpc", v)) != 0) {
		c->bitcoind_rpc[0] = '\0';
		return r;
	}
	return 0;
}

static int
parse_bitcoind_rpc_cookie(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->bitcoind_rpc_cookie, sizeof(c->bitcoind_rpc_cookie), "bitcoind-rpc-cookie", v);
}

static int
parse_bitcoind_rpc_user(struct daemon_config *c, const char *v)
{
	if (strchr(v, ':') != NULL)
		return bad_value(c, "bitcoind-rpc-user", v, "':' is not allowed in an RPC user name");
	return copy_text(c, c->bitcoind_rpc_user, sizeof(c->bitcoind_rpc_user), "bitcoind-rpc-user", v);
}

static int
parse_bitcoind_rpc_password(struct daemon_config *c, const char *v)
{
	size_t i, n = strlen(v);

	/* A secret: the error never quotes it. */
	if (n == 0 || n >= sizeof(c->bitcoind_rpc_password))
		return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE,
		    "bad value for bitcoind-rpc-password (must be 1 to %zu bytes; value not shown)",
		    sizeof(c->bitcoind_rpc_password) - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
			return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE,
			    "bad value for bitcoind-rpc-password (control character; value not shown)");
	secure_wipe(c->bitcoind_rpc_password, sizeof(c->bitcoind_rpc_password));
	memcpy(c->bitcoind_rpc_password, v, n + 1);
	return 0;
}

static int
parse_esplora(struct daemon_config *c, const char *v)
{
	int r;

	if ((r = copy_text(c, c->esplora, sizeof(c->esplora), "esplora", v)) != 0 ||
	    (r = check_url(c, "esplora", v)) != 0) {
		c->esplora[0] = '\0';
		return r;
	}
	return 0;
}

static int
parse_signer(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->signer, sizeof(c->signer), "signer", v);
}

/* signer-connect unix:PATH | vsock:CID:PORT */
static int
parse_signer_connect(struct daemon_config *c, const char *v)
{
	unsigned long long cid, port;
	const char *colon;
	char num[16];
	size_t n;
	int r;

	if ((r = copy_text(c, c->signer_connect, sizeof(c->signer_connect), "signer-connect", v)) != 0)
		return r;
	if (strncmp(v, "unix:", 5) == 0) {
		n = strlen(v + 5);
		if (v[5] != '/' || n >= sizeof(c->signer_connect_path))
			return bad_value(c, "signer-connect", v, "unix: takes an absolute socket path under 108 bytes");
		memcpy(c->signer_connect_path, v + 5, n + 1);
		c->signer_connect_kind = CONFIG_SIGNER_UNIX;
		return 0;
	}
	if (strncmp(v, "vsock:", 6) == 0 && (colon = strchr(v + 6, ':')) != NULL &&
	    (n = (size_t)(colon - (v + 6))) > 0 && n < sizeof(num)) {
		memcpy(num, v + 6, n);
		num[n] = '\0';
		if (config_parse_uint(&cid, num, 0, 0xffffffffu) == 0 &&
		    config_parse_uint(&port, colon + 1, 1, 0xffffffffu) == 0) {
			c->signer_connect_cid = (uint32_t)cid;
			c->signer_connect_port = (uint32_t)port;
			c->signer_connect_kind = CONFIG_SIGNER_VSOCK;
			return 0;
		}
	}
	c->signer_connect[0] = '\0';
	return bad_value(c, "signer-connect", v, "unix:/PATH or vsock:CID:PORT");
}

static int
parse_signer_tee(struct daemon_config *c, const char *v)
{
	static const char *const names[] = { "auto", "none", "sev-snp", "tdx", "azure-cvm", "nitro", "sgx-gramine" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return copy_text(c, c->signer_tee, sizeof(c->signer_tee), "signer-tee", v);
	return bad_value(c, "signer-tee", v, "auto, none, sev-snp, tdx, azure-cvm, nitro or sgx-gramine");
}

static int
parse_signer_seal(struct daemon_config *c, const char *v)
{
	if (strcmp(v, "none") != 0 && strcmp(v, "tpm2") != 0 && strcmp(v, "sev-snp") != 0)
		return bad_value(c, "signer-seal", v, "none, tpm2 or sev-snp");
	return copy_text(c, c->signer_seal, sizeof(c->signer_seal), "signer-seal", v);
}

/* Comma-separated PCR indexes 0..23 (the signer checks the set again). */
static int
parse_signer_seal_pcrs(struct daemon_config *c, const char *v)
{
	const char *p = v;
	unsigned long long x;
	char one[4];
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(one))
			return bad_value(c, "signer-seal-pcrs", v, "comma-separated PCR numbers 0 to 23");
		memcpy(one, p, len);
		one[len] = '\0';
		if (config_parse_uint(&x, one, 0, 23) != 0)
			return bad_value(c, "signer-seal-pcrs", v, "comma-separated PCR numbers 0 to 23");
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return copy_text(c, c->signer_seal_pcrs, sizeof(c->signer_seal_pcrs), "signer-seal-pcrs", v);
}

static int
parse_signer_tcti(struct daemon_config *c, const char *v)
{
	return copy_text(c, c->signer_tcti, sizeof(c->signer_tcti), "signer-tcti", v);
}

static int
parse_log_level(struct daemon_config *c, const char *v)
{
	if (log_level_parse(&c->log_level, v) != 0)
		return bad_value(c, "log-level", v, "error, warn, info or debug");
	return 0;
}

static int
parse_uint_key(struct daemon_config *c, unsigned int *dst, const char *key, const char *v,
    unsigned long long min, unsigned long long max)
{
	unsigned long long x;
	char why[64];

	if (config_parse_uint(&x, v, min, max) != 0) {
		snprintf(why, sizeof(why), "a whole number from %llu to %llu", min, max);
		return bad_value(c, key, v, why);
	}
	*dst = (unsigned int)x;
	return 0;
}

static int
parse_max_connections(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->max_connections, "max-connections", v, 1, 4096);
}

static int
parse_max_connections_per_ip(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->max_connections_per_ip, "max-connections-per-ip", v, 1, 4096);
}

static int
parse_timeout(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->timeout_s, "timeout", v, 1, 3600);
}

static int
parse_tls_self_signed(struct daemon_config *c, const char *v)
{
	if (strcmp(v, "true") == 0)
		c->tls_self_signed = 1;
	else if (strcmp(v, "false") == 0)
		c->tls_self_signed = 0;
	else
		return bad_value(c, "tls-self-signed", v, "true or false");
	return 0;
}

static int
parse_signer_kdf_memory(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->signer_kdf_memory_kib, "signer-kdf-memory", v, 8, 1024u * 1024u);
}

static int
parse_signer_kdf_passes(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->signer_kdf_passes, "signer-kdf-passes", v, 1, 32);
}

static int
parse_sync_interval(struct daemon_config *c, const char *v)
{
	return parse_uint_key(c, &c->sync_interval_s, "sync-interval", v, 1, 86400);
}

/* Comma-separated origins, each scheme://host[:port] with no path: what browsers send in Origin. */
static int
parse_cors_origins(struct daemon_config *c, const char *v)
{
	const char *p = v;
	size_t n = 0;
	int r;

	memset(c->cors_origins, 0, sizeof(c->cors_origins));
	c->n_cors_origins = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char one[CONFIG_MAX_ORIGIN];
		const char *after;

		if (len == 0 || len >= sizeof(one))
			return bad_value(c, "cors-origins", v, "comma-separated origins such as https://app.example:8443");
		if (n == CONFIG_MAX_ORIGINS)
			return bad_value(c, "cors-origins", v, "at most 8 origins");
		memcpy(one, p, len);
		one[len] = '\0';
		if ((r = check_url(c, "cors-origins", one)) != 0)
			return r;
		after = strstr(one, "://") + 3;
		if (strpbrk(after, "/?#") != NULL)
			return bad_value(c, "cors-origins", one, "an origin has no path and no trailing slash");
		memcpy(c->cors_origins[n++], one, len + 1);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	c->n_cors_origins = n;
	return 0;
}

const struct config_key config_keys[] = {
	{ "datadir", parse_datadir, CK_FLAG_ONLY },
	{ "network", parse_network, 0 },
	{ "listen", parse_listen, 0 },
	{ "tls-cert", parse_tls_cert, 0 },
	{ "tls-key", parse_tls_key, 0 },
	{ "insecure-listen", parse_insecure_listen, CK_BOOL },
	{ "tls-self-signed", parse_tls_self_signed, CK_BOOL },
	{ "bitcoind-rpc", parse_bitcoind_rpc, 0 },
	{ "bitcoind-rpc-cookie", parse_bitcoind_rpc_cookie, 0 },
	{ "bitcoind-rpc-user", parse_bitcoind_rpc_user, 0 },
	{ "bitcoind-rpc-password", parse_bitcoind_rpc_password, CK_SECRET },
	{ "esplora", parse_esplora, 0 },
	{ "signer", parse_signer, 0 },
	{ "signer-kdf-memory", parse_signer_kdf_memory, 0 },
	{ "signer-kdf-passes", parse_signer_kdf_passes, 0 },
	{ "signer-connect", parse_signer_connect, 0 },
	{ "signer-tee", parse_signer_tee, 0 },
	{ "signer-seal", parse_signer_seal, 0 },
	{ "signer-seal-pcrs", parse_signer_seal_pcrs, 0 },
	{ "signer-tcti", parse_signer_tcti, 0 },
	{ "sync-interval", parse_sync_interval, 0 },
	{ "log-level", parse_log_level, 0 },
	{ "max-connections", parse_max_connections, 0 },
	{ "max-connections-per-ip", parse_max_connections_per_ip, 0 },
	{ "timeout", parse_timeout, 0 },
	{ "cors-origins", parse_cors_origins, 0 },
};
const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

const char *const *
config_key_names(void)
{
	static const char *names[sizeof(config_keys) / sizeof(config_keys[0]) + 1];
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		names[i] = config_keys[i].name;
	names[i] = NULL;
	return names;
}

const struct config_key *
config_key_find(const char *name, size_t len, size_t *index)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++) {
		if (strlen(config_keys[i].name) == len && memcmp(config_keys[i].name, name, len) == 0) {
			*index = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

void
config_init(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->network = BTC_SIGNET;
	c->log_level = LOG_LEVEL_INFO;
	c->max_connections = 256;
	c->max_connections_per_ip = 32;
	c->timeout_s = 30;
	c->sync_interval_s = 30;
	if (config_parse_listen(c, "127.0.0.1:7420") != 0)
		abort();
}

void
config_clear(struct daemon_config *c)
{
	secure_wipe(c->bitcoind_rpc_password, sizeof(c->bitcoind_rpc_password));
}
