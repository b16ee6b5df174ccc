/*
 * The HTTP server: libmicrohttpd with an internal thread pool (epoll), limits
 * set explicitly (connections in total and per address, idle timeout, memory
 * per connection, request body caps from api.h), optional TLS, and the
 * request flow of api.h. No CORS headers unless cors-origins is configured.
 */
#ifndef COFFER_DAEMON_HTTP_H
#define COFFER_DAEMON_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct daemon;
struct MHD_Daemon;

#define HTTP_CONN_MEMORY (64 * 1024)	/* per-connection buffer: headers beyond it get 431 */
#define HTTP_MAX_THREADS 8

struct http_server {
	struct MHD_Daemon *mhd;
	struct daemon *d;
	uint16_t port;		/* the port actually bound */
	int tls;
};

/*
 * Start serving d on d->cfg's listen address (port 0: a free port, see
 * h->port). TLS when tls-cert/tls-key are set (files read here).
 * Returns 0, COFFER_ERR_LISTEN or COFFER_ERR_TLS (err says why).
 */
int http_start(struct http_server *h, char *err, size_t errsize, struct daemon *d);

/* Stop accepting, finish or drop open connections, join the threads. */
void http_stop(struct http_server *h);

#endif
