/*
 * A bounded HTTP client for the chain backends, over libcurl: http and https
 * only, no redirects, TLS peer and host verification always on, connect and
 * total timeouts, and a hard cap on every response body (the write callback
 * refuses the byte that would pass it, whatever Content-Length said).
 *
 * One easy handle is kept for connection reuse; a call that finds it busy
 * (another thread) uses a fresh one.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/chain_int.h"

#define URL_MAX 4096

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void
curl_init_once(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int
chain_http_init(struct chain_http *h, const struct chain_opts *o)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	if (pthread_mutex_init(&h->lock, NULL) != 0)
		return COFFER_ERR_NOMEM;
	h->timeout_s = o->timeout_s ? (long)o->timeout_s : 30;
	h->connect_timeout_s = o->connect_timeout_s ? (long)o->connect_timeout_s : 10;
	h->max_response = o->max_response ? o->max_response : CHAIN_DEFAULT_MAX_RESPONSE;
	if (o->url == NULL || (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0))
		return COFFER_ERR_INVALID_ARG;
	n = strlen(o->url);
	if (n > URL_MAX / 2)
		return COFFER_ERR_INVALID_ARG;
	while (n > 0 && o->url[n - 1] == '/')
		n--;
	if ((h->base = strndup(o->url, n)) == NULL)
		return COFFER_ERR_NOMEM;
	if (o->ca_file != NULL && (h->ca_file = strdup(o->ca_file)) == NULL)
		return COFFER_ERR_NOMEM;
	pthread_once(&curl_once, curl_init_once);
	return curl_ok ? 0 : COFFER_ERR_NOMEM;
}

int
chain_http_set_userpwd(struct chain_http *h, const char *userpwd, size_t len)
{
	char *p;

	if (memchr(userpwd, '\0', len) != NULL)
		return COFFER_ERR_INVALID_ARG;
	if ((p = secmem_alloc(len + 1)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(p, userpwd, len);
	p[len] = '\0';
	secmem_free(h->userpwd);
	h->userpwd = p;
	h->userpwd_len = len;
	return 0;
}

void
chain_http_free(struct chain_http *h)
{
	if (h->cached != NULL)
		curl_easy_cleanup(h->cached);
	free(h->base);
	free(h->ca_file);
	if (h->userpwd != NULL)
		secmem_free(h->userpwd);
	pthread_mutex_destroy(&h->lock);
	memset(h, 0, sizeof(*h));
}

void
chain_http_resp_free(struct chain_http_resp *r)
{
	cbuf_free(&r->body);
	r->status = 0;
}

struct sink {
	struct cbuf *b;
	int over;
};

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;	/* curl guarantees size == 1 */

	if (cbuf_put(s->b, (const uint8_t *)ptr, n) != 0) {
		s->over = 1;
		return 0;	/* abort the transfer */
	}
	return n;
}

static int
map_curl_error(CURLcode cc, int over)
{
	if (over)
		return COFFER_ERR_CHAIN_PROTOCOL;
	switch (cc) {
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_BAD_CONTENT_ENCODING:
		return COFFER_ERR_CHAIN_PROTOCOL;
	case CURLE_OUT_OF_MEMORY:
		return COFFER_ERR_NOMEM;
	default:
		/* connect, DNS, TLS, timeouts, cut connections (partial file) */
		return COFFER_ERR_CHAIN_UNREACHABLE;
	}
}

int
chain_http_request(struct chain_http *h, struct chain_http_resp *resp, const char *method,
    const char *path, const char *ctype, const uint8_t *body, size_t len)
{
	return chain_http_request_timeout(h, resp, h->timeout_s, method, path, ctype, body, len);
}

int
chain_http_request_timeout(struct chain_http *h, struct chain_http_resp *resp, long timeout_s,
    const char *method, const char *path, const char *ctype, const uint8_t *body, size_t len)
{
	char url[URL_MAX], hdr[128];
	struct curl_slist *headers = NULL;
	struct sink sink;
	CURL *c;
	CURLcode cc;
	int own = 0, r = 0;
	size_t bl = strlen(h->base), pl = strlen(path);

	memset(resp, 0, sizeof(*resp));
	cbuf_init(&resp->body, h->max_response);
	if (bl + pl + 1 > sizeof(url) || (len > 0 && body == NULL))
		return COFFER_ERR_INVALID_ARG;
	memcpy(url, h->base, bl);
	memcpy(url + bl, path, pl + 1);
	if (pthread_mutex_trylock(&h->lock) == 0) {
		if (h->cached == NULL)
			h->cached = curl_easy_init();
		c = h->cached;
		if (c == NULL) {
			pthread_mutex_unlock(&h->lock);
			return COFFER_ERR_NOMEM;
		}
		curl_easy_reset(c);
	} else {
		if ((c = curl_easy_init()) == NULL)
			return COFFER_ERR_NOMEM;
		own = 1;
	}
	sink.b = &resp->body;
	sink.over = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cofferd/" COFFER_VERSION);
	if (h->userpwd != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, len ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype != NULL ? ctype : "text/plain");
		if ((headers = curl_slist_append(headers, hdr)) == NULL ||
		    (headers = curl_slist_append(headers, "Expect:")) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		r = map_curl_error(cc, sink.over);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status < 100 || resp->status > 599)
		r = COFFER_ERR_CHAIN_PROTOCOL;
out:
	/* Forget the credentials in the kept handle (curl copied them). */
	if (own)
		curl_easy_cleanup(c);
	else {
		curl_easy_setopt(c, CURLOPT_USERPWD, NULL);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		pthread_mutex_unlock(&h->lock);
	}
	curl_slist_free_all(headers);
	if (r != 0)
		chain_http_resp_free(resp);
	return r;
}
