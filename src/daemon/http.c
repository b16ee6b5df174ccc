/* libmicrohttpd adapter for the API (http.h, api.h). */
#include "daemon/http.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/api.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "common/wipealloc.h"

#define TLS_FILE_MAX (64 * 1024)

/* Per request: the API's request and answer, and the body read so far. */
struct http_req {
	struct api_request rq;
	struct api_response rs;
	struct cbuf body;	/* secret: bodies may carry passphrases (wiped on free) */
};

/* TLS material kept for the server's lifetime (MHD keeps pointers to it). */
static char *tls_key_pem, *tls_cert_pem;

static enum MHD_Result
count_authorization(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	unsigned int *n = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0 && *n < 100)
		(*n)++;
	return MHD_YES;
}

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct api_request *rq = cls;

	(void)kind;
	if (rq->n_query == API_MAX_QUERY) {
		rq->query_overflow = 1;
		return MHD_NO;
	}
	rq->query_key[rq->n_query] = key;
	rq->query_value[rq->n_query] = value;
	rq->n_query++;
	return MHD_YES;
}

static int
add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	return MHD_add_response_header(resp, name, value) == MHD_YES ? 0 : -1;
}

static enum MHD_Result
queue_answer(struct MHD_Connection *conn, struct http_server *h, struct http_req *hr)
{
	struct api_response *rs = &hr->rs;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[32];
	int bad = 0;

	/* The body goes to libmicrohttpd as it is (no copy) and is wiped when it is done with it. */
	if (rs->body != NULL) {
		resp = MHD_create_response_from_buffer_with_free_callback(rs->body_len, rs->body, wipe_free);
		if (resp != NULL) {
			rs->body = NULL;
			rs->body_len = 0;
		}
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)(uintptr_t)"", MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL)
		return MHD_NO;
	if (rs->content_type != NULL)
		bad |= add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
	/* Answers hold wallet data and one-time secrets: never cached, never sniffed. */
	bad |= add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	bad |= add_header(resp, "X-Content-Type-Options", "nosniff");
	if (rs->status == 401)
		bad |= add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (rs->status == 429 && rs->retry_after_s > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)rs->retry_after_s);
		bad |= add_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if ((rs->status == 405 || rs->preflight) && rs->allow[0] != '\0')
		bad |= add_header(resp, MHD_HTTP_HEADER_ALLOW, rs->allow);
	if (rs->cors_origin != NULL) {
		bad |= add_header(resp, "Access-Control-Allow-Origin", rs->cors_origin);
		bad |= add_header(resp, "Vary", "Origin");
		if (rs->preflight) {
			bad |= add_header(resp, "Access-Control-Allow-Methods", rs->allow);
			bad |= add_header(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type");
			bad |= add_header(resp, "Access-Control-Max-Age", "600");
		}
	}
	if (bad) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, rs->status, resp);
	MHD_destroy_response(resp);
	metrics_count(&h->d->metrics, hr->rq.route_index, rs->status);
	if (rs->status >= 500)
		log_warn("%s %s -> %u %s", hr->rq.method, hr->rq.path, rs->status,
		    rs->code != 0 ? coffer_err_name(rs->code) : "");
	else
		log_debug("%s %s -> %u", hr->rq.method, hr->rq.path, rs->status);
	return ret;
}

/* Content-Length as a strict decimal; -1 when absent or malformed (MHD refuses malformed ones itself). */
static long long
content_length(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	long long n = 0;
	size_t i;

	if (v == NULL || v[0] == '\0')
		return -1;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (1LL << 50))
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *h = cls;
	struct http_req *hr = *con_cls;
	const union MHD_ConnectionInfo *ci;
	long long clen;

	(void)version;
	if (hr == NULL) {
		/* First call: request line and headers are in, no body yet. */
		if ((hr = calloc(1, sizeof(*hr))) == NULL)
			return MHD_NO;
		*con_cls = hr;
		api_request_init(&hr->rq);
		cbuf_init_secret(&hr->body, API_MAX_BODY);
		hr->rq.method = method;
		hr->rq.path = url;
		hr->rq.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
		MHD_get_connection_values(conn, MHD_HEADER_KIND, count_authorization, &hr->rq.n_authorization);
		hr->rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		hr->rq.origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
		hr->rq.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &hr->rq);
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			hr->rq.peer = ci->client_addr;
			hr->rq.peerlen = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in);
		}
		hr->rq.now_ms = daemon_now_ms();
		/* Route, token, scope, lock state: answered before any body byte is read. */
		if (api_begin(h->d, &hr->rq, &hr->rs) != 0)
			return queue_answer(conn, h, hr);
		clen = content_length(conn);
		if (clen > 0 && (unsigned long long)clen > hr->rq.body_cap) {
			api_too_large(h->d, &hr->rq, &hr->rs);
			return queue_answer(conn, h, hr);
		}
		hr->body.max = hr->rq.body_cap;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* A chunked body over the cap: no answer is possible mid-upload, so the connection ends. */
		if (*upload_data_size > hr->rq.body_cap - hr->body.len ||
		    cbuf_put(&hr->body, (const uint8_t *)upload_data, *upload_data_size) != 0) {
			log_info("%s %s: body over %zu bytes, closing the connection", method, url, hr->rq.body_cap);
			return MHD_NO;
		}
		/* Bodies can carry passphrases: wipe them where libmicrohttpd read them, too. */
		secure_wipe((void *)(uintptr_t)upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	hr->rq.body = hr->body.p;
	hr->rq.body_len = hr->body.len;
	api_finish(h->d, &hr->rq, &hr->rs);
	return queue_answer(conn, h, hr);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *hr = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (hr == NULL)
		return;
	api_request_free(&hr->rq);
	api_response_free(&hr->rs);
	cbuf_free(&hr->body);
	free(hr);
	*con_cls = NULL;
}

/* Paths are matched as sent: no %-decoding, so "%00" or "%2F" can never reach a handler. */
static size_t
no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}
#pragma GCC diagnostic pop

static int
read_pem(char **out, char *err, size_t errsize, const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
		return COFFER_ERR_TLS;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > TLS_FILE_MAX ||
	    (buf = secmem_alloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsize, "%s: not a regular file of 1 to %d bytes", path, TLS_FILE_MAX);
		close(fd);
		return COFFER_ERR_TLS;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len != (size_t)st.st_size) {
		snprintf(err, errsize, "cannot read %s", path);
		secmem_free(buf);
		return COFFER_ERR_TLS;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static unsigned int
pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > HTTP_MAX_THREADS ? HTTP_MAX_THREADS : (unsigned int)n;
}

int
http_start(struct http_server *h, char *err, size_t errsize, struct daemon *d)
{
	const struct daemon_config *c = d->cfg;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	int r;

	memset(h, 0, sizeof(*h));
	h->d = d;
	if (c->listen_addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (c->tls_cert[0] != '\0') {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errsize, "this libmicrohttpd was built without TLS");
			return COFFER_ERR_TLS;
		}
		if ((r = read_pem(&tls_cert_pem, err, errsize, c->tls_cert)) != 0 ||
		    (r = read_pem(&tls_key_pem, err, errsize, c->tls_key)) != 0) {
			http_stop(h);
			return r;
		}
		flags |= MHD_USE_TLS;
		h->tls = 1;
	}
#define OPT(o, v, p) (opts[n].option = (o), opts[n].value = (intptr_t)(v), opts[n].ptr_value = (p), n++)
	OPT(MHD_OPTION_SOCK_ADDR, 0, (void *)&c->listen_addr);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, pool_size(), NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, c->max_connections, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_connections_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, c->timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL);
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL);
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	if (h->tls) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, tls_cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, tls_key_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errsize, "cannot listen on %s%s (address in use, not ours, or a bad TLS certificate/key)",
		    c->listen, h->tls ? " with TLS" : "");
		r = h->tls ? COFFER_ERR_TLS : COFFER_ERR_LISTEN;
		http_stop(h);
		return r;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : c->listen_port;
	return 0;
}

void
http_stop(struct http_server *h)
{
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	h->mhd = NULL;
	secmem_free(tls_key_pem);
	secmem_free(tls_cert_pem);
	tls_key_pem = tls_cert_pem = NULL;
}
