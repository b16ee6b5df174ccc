/* Request counters and the Prometheus text rendering (metrics.h). */
#include "daemon/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "daemon/api.h"

static const unsigned int statuses[METRICS_NSTATUS] = {
	200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 423, 429, 500, 501, 502, 503, 504,
};

static size_t
status_slot(unsigned int status)
{
	size_t i;

	for (i = 0; i < METRICS_NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	return METRICS_NSTATUS;
}

void
metrics_count(struct metrics *m, size_t route, unsigned int status)
{
	if (route > METRICS_MAX_ROUTES)
		route = METRICS_MAX_ROUTES;
	__atomic_fetch_add(&m->requests[route][status_slot(status)], 1, __ATOMIC_RELAXED);
}

static int
put(struct cbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
put(struct cbuf *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return COFFER_ERR_TOO_LARGE;
	return cbuf_put(out, (const uint8_t *)line, (size_t)n);
}

int
metrics_render(struct cbuf *out, struct metrics *m, const struct metrics_sample *s)
{
	size_t r, i;
	int rc = 0;

	rc |= put(out, "# HELP coffer_http_requests_total HTTP requests answered, by route and status.\n"
	    "# TYPE coffer_http_requests_total counter\n");
	for (r = 0; r <= api_nroutes && r <= METRICS_MAX_ROUTES; r++) {
		const char *method = r < api_nroutes ? api_routes[r].method : "";
		const char *route = r < api_nroutes ? api_routes[r].pattern : "unmatched";

		for (i = 0; i <= METRICS_NSTATUS; i++) {
			uint64_t v = __atomic_load_n(&m->requests[r][i], __ATOMIC_RELAXED);
			char status[8];

			if (v == 0)
				continue;
			if (i < METRICS_NSTATUS)
				snprintf(status, sizeof(status), "%u", statuses[i]);
			else
				snprintf(status, sizeof(status), "other");
			rc |= put(out, "coffer_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
			    method, route, status, (unsigned long long)v);
		}
	}
	rc |= put(out, "# HELP coffer_auth_failures_total Requests refused for a wrong or malformed token.\n"
	    "# TYPE coffer_auth_failures_total counter\ncoffer_auth_failures_total %llu\n",
	    (unsigned long long)s->auth_failures);
	rc |= put(out, "# HELP coffer_auth_rate_limited_total Requests refused while their address was slowed down.\n"
	    "# TYPE coffer_auth_rate_limited_total counter\ncoffer_auth_rate_limited_total %llu\n",
	    (unsigned long long)s->rate_limited);
	rc |= put(out, "# HELP coffer_uptime_seconds Seconds since cofferd started.\n"
	    "# TYPE coffer_uptime_seconds gauge\ncoffer_uptime_seconds %lld\n", (long long)s->uptime_s);
	rc |= put(out, "# HELP coffer_wallet_unlocked 1 while the wallet is unlocked.\n"
	    "# TYPE coffer_wallet_unlocked gauge\ncoffer_wallet_unlocked %d\n", s->unlocked ? 1 : 0);
	rc |= put(out, "# HELP coffer_signer_restarts_total Signers started again after one ended the connection.\n"
	    "# TYPE coffer_signer_restarts_total counter\ncoffer_signer_restarts_total %u\n", s->signer_restarts);
	if (s->chain_connected >= 0) {
		rc |= put(out, "# HELP coffer_chain_connected 1 when the chain backend answered the last call.\n"
		    "# TYPE coffer_chain_connected gauge\ncoffer_chain_connected %d\n", s->chain_connected);
		rc |= put(out, "# HELP coffer_chain_tip_height Best block height the backend reported.\n"
		    "# TYPE coffer_chain_tip_height gauge\ncoffer_chain_tip_height %u\n", s->tip_height);
		rc |= put(out, "# HELP coffer_chain_failures Failed calls to the backend in a row.\n"
		    "# TYPE coffer_chain_failures gauge\ncoffer_chain_failures %u\n", s->sync_failures);
		rc |= put(out, "# HELP coffer_wallet_syncs_total Wallet syncs ended (well or not).\n"
		    "# TYPE coffer_wallet_syncs_total counter\ncoffer_wallet_syncs_total %llu\n",
		    (unsigned long long)s->syncs);
	}
	rc |= put(out, "# HELP coffer_build_info Version and network of this cofferd.\n"
	    "# TYPE coffer_build_info gauge\ncoffer_build_info{version=\"%s\",network=\"%s\"} 1\n", s->version,
	    s->network);
	if (rc != 0 || cbuf_put_u8(out, 0) != 0)
		return COFFER_ERR_NOMEM;
	out->len--;
	return 0;
}
