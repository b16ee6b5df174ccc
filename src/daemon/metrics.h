/*
 * /metrics counters: requests by route and status, kept lock-free (atomic
 * adds), rendered in the Prometheus text format (version 0.0.4).
 */
#ifndef COFFER_DAEMON_METRICS_H
#define COFFER_DAEMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define METRICS_MAX_ROUTES 64	/* routes in the table (checked by the tests) */
#define METRICS_NSTATUS 19	/* status codes we count separately; others fold into "other" */

struct metrics {
	uint64_t requests[METRICS_MAX_ROUTES + 1][METRICS_NSTATUS + 1];	/* [route | unmatched][status | other] */
};

/* Count one answered request. route: index in api_routes, or api_nroutes for "no route". */
void metrics_count(struct metrics *m, size_t route, unsigned int status);

/* Gauges and counters that live elsewhere, sampled when rendering. */
struct metrics_sample {
	int64_t uptime_s;
	uint64_t auth_failures;
	uint64_t rate_limited;
	int unlocked;
	int chain_connected;		/* -1: no chain backend */
	uint32_t tip_height;
	unsigned int sync_failures;	/* in a row */
	uint64_t syncs;			/* wallet syncs ended */
	unsigned int signer_restarts;
	const char *version;
	const char *network;
};

/*
 * Append the exposition text to out (NUL-terminated; len excludes the NUL).
 * Returns 0 or COFFER_ERR_NOMEM / COFFER_ERR_TOO_LARGE.
 */
int metrics_render(struct cbuf *out, struct metrics *m, const struct metrics_sample *s);

#endif
