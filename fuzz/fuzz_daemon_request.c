/*
 * Fuzz the API's request handling without sockets: route matching, bearer
 * header parsing, body size/media type/JSON checks, field validation and the
 * handlers (tokens, addresses and the chain view on a real encrypted store,
 * with a wallet's public descriptors). Every answer must be a well-formed
 * error or success with a status that matches its code, and no hostile input
 * may produce a 5xx; the only 5xx allowed are the harness's own setting (no
 * signer process: 503 signer_unavailable; no chain backend: 501 unsupported).
 * A '?' in the path starts query parameters, split as libmicrohttpd does.
 *
 * Input: [flags][method selector] path '\n' authorization '\n' content-type selector, body.
 *   authorization "ADMIN" is replaced by the admin token, "SCOPED" by a read token.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <jansson.h>

#include "common/err.h"
#include "common/secmem.h"
#include "btc/bip32.h"
#include "daemon/accounts.h"
#include "daemon/api.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "signer/signer_wallet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ADMIN "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed"

static struct daemon_config cfg;
static struct daemon d;
static char scoped[128];

/* The public descriptors of a fixed seed's wallet (what a signer would hand out). */
static struct accounts *
fixed_accounts(void)
{
	static const uint8_t types[2] = { PROTO_ACCOUNT_TR, PROTO_ACCOUNT_WPKH };
	struct client_descriptors cd;
	struct accounts *a = NULL;
	struct bip32_key *m = bip32_key_new();
	uint8_t seed[64];
	struct cbuf text;
	size_t i;

	memset(&cd, 0, sizeof(cd));
	memset(seed, 0x5c, sizeof(seed));
	if (m == NULL || bip32_master_from_seed(m, seed, sizeof(seed), cfg.network) != 0)
		abort();
	bip32_fingerprint(cd.fingerprint, m);
	for (i = 0; i < 2; i++) {
		cbuf_init(&text, 0);
		if (signer_account_descriptor(&text, cd.d[i].xpub, m, types[i], 0, cfg.network) != 0 ||
		    text.len >= sizeof(cd.d[i].descriptor))
			abort();
		memcpy(cd.d[i].descriptor, text.p, text.len);
		cd.d[i].type = types[i];
		cbuf_free(&text);
	}
	cd.n = 2;
	bip32_key_free(m);
	if (accounts_load(&a, &cd, cfg.network, PROTO_ACCOUNT_TR) != 0)
		abort();
	return a;
}

static void
init_once(void)
{
	static int done;
	char dir[64], err[256], tok[AUTH_SCOPED_TOKEN_LEN + 1];
	struct store_token rec;
	uint8_t key[STORE_KEY_LEN];

	if (done)
		return;
	done = 1;
	log_set_level(LOG_LEVEL_ERROR);
	secmem_init();
	snprintf(dir, sizeof(dir), "%s/coffer-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	config_init(&cfg);
	snprintf(cfg.datadir, sizeof(cfg.datadir), "%s", dir);
	snprintf(cfg.cors_origins[0], sizeof(cfg.cors_origins[0]), "https://app.example");
	cfg.n_cors_origins = 1;
	if (config_finish(&cfg) != 0 || daemon_init(&d, &cfg, ADMIN) != 0)
		abort();
	memset(key, 0x11, sizeof(key));
	if (daemon_open_store_with(&d, err, sizeof(err), key, fixed_accounts()) != 0)
		abort();
	if (auth_token_create(&d.auth, tok, &rec, AUTH_SCOPE_READ, "fuzz", 0, 0) != 0)
		abort();
	snprintf(scoped, sizeof(scoped), "Bearer %s", tok);
}

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "get" };
static const char *const ctypes[] = { "application/json", NULL, "application/json; charset=utf-8", "text/plain",
	"application/jsonx" };

/* Copy up to '\n' into out (NUL-terminated); advance. */
static void
take_line(char *out, size_t outsize, const uint8_t **p, size_t *n)
{
	size_t i = 0;

	while (*n > 0 && **p != '\n') {
		if (i + 1 < outsize)
			out[i++] = (char)**p;
		(*p)++;
		(*n)--;
	}
	if (*n > 0) {
		(*p)++;
		(*n)--;
	}
	out[i] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[API_MAX_PATH + 64], authline[AUTH_MAX_HEADER + 64], allow[64], *q, *amp, *eq;
	char params[API_MAX_PARAMS][API_MAX_PARAM + 1];
	struct sockaddr_in peer;
	struct api_request rq;
	struct api_response rs;
	const char *auth;
	uint8_t flags, sel, ct;
	size_t idx;
	json_t *j;

	init_once();
	if (size < 3)
		return 0;
	flags = data[0];
	sel = data[1];
	data += 2;
	size -= 2;
	take_line(path, sizeof(path), &data, &size);
	take_line(authline, sizeof(authline), &data, &size);
	ct = size > 0 ? data[0] : 0;
	if (size > 0) {
		data++;
		size--;
	}
	if (strcmp(authline, "ADMIN") == 0)
		auth = "Bearer " ADMIN;
	else if (strcmp(authline, "SCOPED") == 0)
		auth = scoped;
	else
		auth = authline[0] != '\0' || (flags & 1) ? authline : NULL;

	/* The matcher alone: its answer must agree with the dispatcher's. */
	(void)api_match(&idx, params, allow, sizeof(allow), methods[sel % 8], path);

	daemon_set_wallet_state(&d, (flags & 2) ? WALLET_LOCKED : WALLET_UNLOCKED);
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	/* Spread failures over addresses so the slow-down does not hide the rest. */
	peer.sin_addr.s_addr = htonl(0x0a000000u | (uint32_t)(flags >> 2));
	api_request_init(&rq);
	memset(&rs, 0, sizeof(rs));
	rq.method = methods[sel % 8];
	rq.path = path;
	if ((q = strchr(path, '?')) != NULL) {
		*q++ = '\0';
		while (q != NULL && *q != '\0') {
			if ((amp = strchr(q, '&')) != NULL)
				*amp++ = '\0';
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			if (rq.n_query == API_MAX_QUERY) {
				rq.query_overflow = 1;
				break;
			}
			rq.query_key[rq.n_query] = q;
			rq.query_value[rq.n_query++] = eq;
			q = amp;
		}
	}
	rq.authorization = auth;
	rq.n_authorization = auth != NULL ? 1u + ((flags >> 7) & 1u) : 0;
	rq.content_type = ctypes[ct % 5];
	rq.origin = (flags & 4) ? "https://app.example" : NULL;
	rq.peer = (const struct sockaddr *)&peer;
	rq.peerlen = sizeof(peer);
	rq.now_ms = (int64_t)1700000000000 + (int64_t)sel * 1000000;
	if (api_begin(&d, &rq, &rs) == 0) {
		rq.body = data;
		rq.body_len = size;
		if (rq.body_len > rq.body_cap)
			api_too_large(&d, &rq, &rs);
		else
			api_finish(&d, &rq, &rs);
	}
	/* Every answer has a status; hostile input never gets a 5xx (the harness has no signer, no chain). */
	if (rs.status < 200 || rs.status > 599 ||
	    (rs.status >= 500 && rs.code != COFFER_ERR_SIGNER_UNAVAILABLE && rs.code != COFFER_ERR_UNSUPPORTED))
		abort();
	if (rs.status >= 400) {
		json_t *e;

		j = json_loadb(rs.body, rs.body_len, 0, NULL);
		e = json_object_get(j, "error");
		if (j == NULL || json_object_size(j) != 1 || json_object_size(e) != 2 ||
		    !json_is_string(json_object_get(e, "code")) || !json_is_string(json_object_get(e, "message")) ||
		    strcmp(json_string_value(json_object_get(e, "code")), coffer_err_name(rs.code)) != 0 ||
		    api_status_for(rs.code) != rs.status)
			abort();
		json_decref(j);
	}
	api_response_free(&rs);
	api_request_free(&rq);
	return 0;
}
