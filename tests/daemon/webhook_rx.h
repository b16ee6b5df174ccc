/*
 * A webhook receiver for tests: libmicrohttpd on an ephemeral loopback port.
 * Every delivery's Coffer-Signature is checked twice, independently: by
 * recomputing HMAC-SHA256(secret, "<t>." || body) with OpenSSL from the
 * header's t= and comparing with its v1= (docs/PAYMENTS.md, "Webhooks"), and
 * by the wallet core's webhook_verify (300 s window). A delivery passing both
 * is answered 200 and its event (type, payment id, status) recorded; any
 * other is answered 401 and counted as bad.
 */
#ifndef COFFER_TESTS_DAEMON_WEBHOOK_RX_H
#define COFFER_TESTS_DAEMON_WEBHOOK_RX_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wallet/webhook.h"

#define WHRX_MAX_EVENTS 512
#define WHRX_MAX_BODY 65536

struct whrx_event {
	char type[32];
	char payment_id[64];
	char status[16];
	char txid[65];
};

struct whrx {
	struct MHD_Daemon *mhd;
	char url[96];
	char secret[64];
	pthread_mutex_t mu;
	struct whrx_event ev[WHRX_MAX_EVENTS];
	size_t n, good, bad;
};

struct whrx_upload {
	char buf[WHRX_MAX_BODY];
	size_t len;
};

/* The signature recomputed with OpenSSL from the header's t= and compared with every v1=. 1 when one matches. */
static inline int
whrx_hmac_ok(const char *secret, const char *hdr, const char *body, size_t len)
{
	char t[24] = "", want[65], *msg;
	const char *p = hdr, *v;
	uint8_t mac[32];
	unsigned int maclen = 0;
	size_t tl, i;
	int ok = 0;

	/* t: the digits after "t=" up to ',' (a well-formed header: the daemon writes "t=...,v1=..."). */
	if ((v = strstr(hdr, "t=")) == NULL || (tl = strcspn(v + 2, ",")) == 0 || tl >= sizeof(t))
		return 0;
	memcpy(t, v + 2, tl);
	t[tl] = '\0';
	for (i = 0; i < tl; i++)
		if (t[i] < '0' || t[i] > '9')
			return 0;
	if ((msg = malloc(tl + 1 + len + 1)) == NULL)
		return 0;
	memcpy(msg, t, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const uint8_t *)msg, tl + 1 + len, mac, &maclen) != NULL &&
	    maclen == 32) {
		for (i = 0; i < 32; i++)
			snprintf(want + 2 * i, 3, "%02x", mac[i]);
		while ((v = strstr(p, "v1=")) != NULL) {
			if (strncmp(v + 3, want, 64) == 0 && (v[67] == '\0' || v[67] == ','))
				ok = 1;
			p = v + 3;
		}
	}
	free(msg);
	return ok;
}

static inline void
whrx_record(struct whrx *rx, const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL), *pay;
	struct whrx_event *e;
	const char *s;

	if (j == NULL || rx->n == WHRX_MAX_EVENTS) {
		rx->bad++;
		json_decref(j);
		return;
	}
	e = &rx->ev[rx->n++];
	memset(e, 0, sizeof(*e));
	pay = json_object_get(j, "payment");
	snprintf(e->type, sizeof(e->type), "%s", (s = json_string_value(json_object_get(j, "type"))) ? s : "");
	snprintf(e->payment_id, sizeof(e->payment_id), "%s", (s = json_string_value(json_object_get(pay, "id"))) ? s : "");
	snprintf(e->status, sizeof(e->status), "%s", (s = json_string_value(json_object_get(pay, "status"))) ? s : "");
	/* A sent payment's events carry "payment"; an incoming payment's carry "received". */
	if ((s = json_string_value(json_object_get(pay, "txid"))) == NULL)
		s = json_string_value(json_object_get(json_object_get(j, "received"), "txid"));
	snprintf(e->txid, sizeof(e->txid), "%s", s != NULL ? s : "");
	json_decref(j);
}

static enum MHD_Result
whrx_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
    const char *data, size_t *data_size, void **con_cls)
{
	struct whrx *rx = cls;
	struct whrx_upload *u = *con_cls;
	struct MHD_Response *resp;
	const char *sig;
	enum MHD_Result ret;
	int ok;

	(void)url;
	(void)version;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (*data_size > sizeof(u->buf) - u->len)
			return MHD_NO;
		memcpy(u->buf + u->len, data, *data_size);
		u->len += *data_size;
		*data_size = 0;
		return MHD_YES;
	}
	sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, WEBHOOK_SIG_HEADER);
	ok = strcmp(method, "POST") == 0 && sig != NULL && whrx_hmac_ok(rx->secret, sig, u->buf, u->len) &&
	    webhook_verify(sig, strlen(sig), (const uint8_t *)rx->secret, strlen(rx->secret), (const uint8_t *)u->buf,
	    u->len, (uint64_t)time(NULL), WEBHOOK_TOLERANCE_S) == 0;
	pthread_mutex_lock(&rx->mu);
	if (ok) {
		rx->good++;
		whrx_record(rx, u->buf, u->len);
	} else {
		rx->bad++;
	}
	pthread_mutex_unlock(&rx->mu);
	resp = MHD_create_response_from_buffer(2, (void *)(uintptr_t)"ok", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, ok ? 200 : 401, resp);
	MHD_destroy_response(resp);
	free(u);
	*con_cls = NULL;
	return ret;
}

/* Start on 127.0.0.1, an ephemeral port; url is then http://127.0.0.1:PORT/hook. Returns 0 or -1. */
static inline int
whrx_start(struct whrx *rx, const char *secret)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	memset(rx, 0, sizeof(*rx));
	pthread_mutex_init(&rx->mu, NULL);
	snprintf(rx->secret, sizeof(rx->secret), "%s", secret);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, whrx_handler, rx,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (rx->mhd == NULL || (info = MHD_get_daemon_info(rx->mhd, MHD_DAEMON_INFO_BIND_PORT)) == NULL ||
	    info->port == 0)
		return -1;
	snprintf(rx->url, sizeof(rx->url), "http://127.0.0.1:%u/hook", (unsigned)info->port);
	return 0;
}

/* Was (type, payment id) delivered? With id NULL: any payment. */
static inline int
whrx_has(struct whrx *rx, const char *type, const char *id)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&rx->mu);
	for (i = 0; i < rx->n && !found; i++)
		found = strcmp(rx->ev[i].type, type) == 0 && (id == NULL || strcmp(rx->ev[i].payment_id, id) == 0);
	pthread_mutex_unlock(&rx->mu);
	return found;
}

/* Was an event of this type about transaction txid delivered? */
static inline int
whrx_has_txid(struct whrx *rx, const char *type, const char *txid)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&rx->mu);
	for (i = 0; i < rx->n && !found; i++)
		found = strcmp(rx->ev[i].type, type) == 0 && strcmp(rx->ev[i].txid, txid) == 0;
	pthread_mutex_unlock(&rx->mu);
	return found;
}

static inline void
whrx_stop(struct whrx *rx)
{
	if (rx->mhd != NULL)
		MHD_stop_daemon(rx->mhd);
	rx->mhd = NULL;
	pthread_mutex_destroy(&rx->mu);
}

#endif
