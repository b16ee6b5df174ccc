/*
 * The route table and the handlers for the daemon's own state: health, info,
 * metrics, the OpenAPI document. A route that is not implemented is not in
 * the table (and not in docs/openapi.json).
 */
#include "daemon/routes.h"

#include <stdio.h>
#include <string.h>

#include "btc/network.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/openapi.h"
#include "daemon/syncer.h"
#include "daemon/wallet.h"

static int route_health(struct daemon *d, struct api_request *rq, struct api_response *rs);
static int route_info(struct daemon *d, struct api_request *rq, struct api_response *rs);
static int route_metrics(struct daemon *d, struct api_request *rq, struct api_response *rs);
static int route_openapi(struct daemon *d, struct api_request *rq, struct api_response *rs);

const struct api_route api_routes[] = {
	{ "GET", "/v1/health", route_health, AUTH_SCOPE_NONE, ROUTE_LOCKED_OK, "getHealth" },
	{ "GET", "/v1/info", route_info, AUTH_SCOPE_READ, ROUTE_LOCKED_OK, "getInfo" },
	{ "GET", "/v1/openapi.json", route_openapi, AUTH_SCOPE_NONE, ROUTE_LOCKED_OK, "getOpenApi" },
	{ "GET", "/metrics", route_metrics, AUTH_SCOPE_READ, ROUTE_LOCKED_OK, "getMetrics" },
	/* The wallet's life cycle: these answer while locked. */
	{ "POST", "/v1/wallet/create", route_wallet_create, AUTH_SCOPE_ADMIN, ROUTE_LOCKED_OK | ROUTE_BODY,
	  "createWallet" },
	{ "GET", "/v1/wallet/unlock-key", route_wallet_unlock_key, AUTH_SCOPE_ADMIN, ROUTE_LOCKED_OK, "getUnlockKey" },
	{ "POST", "/v1/wallet/unlock", route_wallet_unlock, AUTH_SCOPE_ADMIN, ROUTE_LOCKED_OK | ROUTE_BODY,
	  "unlockWallet" },
	/* Evidence about the signer is what a user checks before sealing a passphrase to it. */
	{ "GET", "/v1/attestation", route_attestation, AUTH_SCOPE_READ, ROUTE_LOCKED_OK, "getAttestation" },
	{ "POST", "/v1/wallet/lock", route_wallet_lock, AUTH_SCOPE_ADMIN, 0, "lockWallet" },
	{ "POST", "/v1/wallet/addresses", route_addresses_new, AUTH_SCOPE_RECEIVE, ROUTE_BODY, "newAddress" },
	{ "GET", "/v1/wallet/addresses", route_addresses_list, AUTH_SCOPE_READ, 0, "listAddresses" },
	{ "GET", "/v1/wallet/balance", route_balance, AUTH_SCOPE_READ, 0, "getBalance" },
	{ "GET", "/v1/wallet/utxos", route_utxos, AUTH_SCOPE_READ, 0, "listUtxos" },
	{ "GET", "/v1/wallet/transactions", route_transactions, AUTH_SCOPE_READ, 0, "listTransactions" },
	{ "POST", "/v1/wallet/sync", route_sync, AUTH_SCOPE_RECEIVE, 0, "syncWallet" },
	{ "POST", "/v1/psbt/sign", route_psbt_sign, AUTH_SCOPE_SEND, ROUTE_BODY, "signPsbt" },
	{ "POST", "/v1/message/sign", route_message_sign, AUTH_SCOPE_SEND, ROUTE_BODY, "signMessage" },
	{ "POST", "/v1/message/verify", route_message_verify, AUTH_SCOPE_READ, ROUTE_BODY, "verifyMessage" },
	{ "GET", "/v1/policy", route_policy_get, AUTH_SCOPE_READ, 0, "getPolicy" },
	{ "PUT", "/v1/policy", route_policy_put, AUTH_SCOPE_ADMIN, ROUTE_BODY, "setPolicy" },
	{ "GET", "/v1/audit", route_audit, AUTH_SCOPE_READ, 0, "getAudit" },
	{ "POST", "/v1/tokens", route_tokens_create, AUTH_SCOPE_ADMIN, ROUTE_BODY, "createToken" },
	{ "GET", "/v1/tokens", route_tokens_list, AUTH_SCOPE_ADMIN, 0, "listTokens" },
	{ "DELETE", "/v1/tokens/{id}", route_tokens_revoke, AUTH_SCOPE_ADMIN, 0, "revokeToken" },
	{ "POST", "/v1/payments", route_payments_create, AUTH_SCOPE_SEND, ROUTE_BODY | ROUTE_CHECK_FIRST, "createPayment" },
	{ "GET", "/v1/payments", route_payments_list, AUTH_SCOPE_READ, ROUTE_CHECK_FIRST, "listPayments" },
	{ "POST", "/v1/payments/preview", route_payments_preview, AUTH_SCOPE_SEND, ROUTE_BODY | ROUTE_CHECK_FIRST,
	    "previewPayment" },
	{ "GET", "/v1/payments/{id}", route_payments_get, AUTH_SCOPE_READ, ROUTE_CHECK_FIRST, "getPayment" },
	{ "POST", "/v1/payments/{id}/bump", route_payments_bump, AUTH_SCOPE_SEND, ROUTE_BODY | ROUTE_CHECK_FIRST,
	    "bumpPayment" },
	{ "POST", "/v1/payments/{id}/cancel", route_payments_cancel, AUTH_SCOPE_SEND, ROUTE_BODY | ROUTE_CHECK_FIRST,
	    "cancelPayment" },
	{ "GET", "/v1/events", route_events, AUTH_SCOPE_READ, ROUTE_CHECK_FIRST, "listEvents" },
	{ "POST", "/v1/webhooks", route_webhooks_create, AUTH_SCOPE_ADMIN, ROUTE_BODY | ROUTE_CHECK_FIRST, "createWebhook" },
	{ "GET", "/v1/webhooks", route_webhooks_list, AUTH_SCOPE_ADMIN, ROUTE_CHECK_FIRST, "listWebhooks" },
	{ "DELETE", "/v1/webhooks/{id}", route_webhooks_delete, AUTH_SCOPE_ADMIN, ROUTE_CHECK_FIRST, "deleteWebhook" },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

static int
route_health(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	(void)d;
	(void)rq;
	return api_reply_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

/* The chain backend as configured and as the background sync last found it. */
static json_t *
chain_info(struct daemon *d)
{
	const struct daemon_config *c = d->cfg;
	struct syncer_view v;
	const char *url = NULL;

	syncer_get_view(d->syncer, &v);
	/* Without the background thread (tests), the backend as configured. */
	if (d->syncer == NULL)
		v.backend = c->bitcoind_rpc[0] != '\0' ? "bitcoind" : c->esplora[0] != '\0' ? "esplora" : "none";
	/* The URL never carries credentials (config refuses them). */
	if (strcmp(v.backend, "bitcoind") == 0)
		url = c->bitcoind_rpc;
	else if (strcmp(v.backend, "esplora") == 0)
		url = c->esplora;
	return json_pack("{s:s,s:s?,s:b,s:o,s:o,s:o,s:o}", "backend", v.backend, "url", url, "connected", v.connected,
	    "tip_height", v.tip_height != 0 ? json_integer((json_int_t)v.tip_height) : json_null(),
	    "last_sync", v.last_sync != 0 ? json_integer((json_int_t)v.last_sync) : json_null(),
	    "error", v.last_error[0] != '\0' ? json_string(v.last_error) : json_null(),
	    "retry_in_s", v.failures > 0 ? json_integer((json_int_t)((v.retry_in_ms + 999) / 1000)) : json_null());
}

static int
route_info(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	(void)rq;
	return api_reply_json(rs, 200, json_pack("{s:s,s:s,s:s,s:{s:s,s:s},s:o,s:I}",
	    "version", COFFER_VERSION,
	    "api", "v1",
	    "network", btc_network_params(d->cfg->network)->name,
	    "signer", "state", daemon_wallet_state_name(daemon_wallet_state(d)), "tee", d->tee,
	    "chain", chain_info(d),
	    "uptime_s", (json_int_t)((daemon_now_ms() - d->started_ms) / 1000)));
}

static int
route_metrics(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct metrics_sample s;
	struct syncer_view v;
	struct cbuf out;
	int r;

	(void)rq;
	memset(&s, 0, sizeof(s));
	auth_counters(&d->auth, &s.auth_failures, &s.rate_limited);
	s.uptime_s = (daemon_now_ms() - d->started_ms) / 1000;
	s.unlocked = daemon_wallet_state(d) == WALLET_UNLOCKED;
	syncer_get_view(d->syncer, &v);
	s.chain_connected = strcmp(v.backend, "none") == 0 ? -1 : v.connected;
	s.tip_height = v.tip_height;
	s.sync_failures = v.failures;
	s.syncs = v.syncs_finished;
	s.signer_restarts = d->wallet != NULL ? d->wallet->restarts : 0;
	s.version = COFFER_VERSION;
	s.network = btc_network_params(d->cfg->network)->name;
	cbuf_init(&out, 1 << 20);
	if ((r = metrics_render(&out, &d->metrics, &s)) == 0)
		r = api_reply_text(rs, 200, "text/plain; version=0.0.4; charset=utf-8", (const char *)out.p, out.len);
	cbuf_free(&out);
	return r;
}

static int
route_openapi(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	(void)d;
	(void)rq;
	return api_reply_text(rs, 200, "application/json", openapi_json, openapi_json_len);
}
