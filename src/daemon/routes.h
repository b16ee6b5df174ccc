/*
 * Route handlers, one file per concern (the table is in routes.c):
 *   routes.c            health, info, metrics, OpenAPI document
 *   routes_tokens.c     scoped API tokens
 *   routes_wallet.c     create, unlock, unlock key, lock
 *   routes_addresses.c  receive addresses
 *   routes_chain.c      balance, UTXOs, transactions, sync
 *   routes_sign.c       PSBT and message signing, message verification
 *   routes_signer.c     policy, audit log, attestation
 * To add a route: write its handler in the file of its concern, declare it
 * here, add a row to api_routes[] and the operation to docs/openapi.json
 * (tests/daemon/test_openapi.c fails until both agree).
 */
#ifndef COFFER_DAEMON_ROUTES_H
#define COFFER_DAEMON_ROUTES_H

#include "daemon/api.h"

#define ROUTE(name) int name(struct daemon *d, struct api_request *rq, struct api_response *rs)

ROUTE(route_tokens_create);
ROUTE(route_tokens_list);
ROUTE(route_tokens_revoke);

ROUTE(route_wallet_create);
ROUTE(route_wallet_unlock);
ROUTE(route_wallet_unlock_key);
ROUTE(route_wallet_lock);

ROUTE(route_addresses_new);
ROUTE(route_addresses_list);

ROUTE(route_balance);
ROUTE(route_utxos);
ROUTE(route_transactions);
ROUTE(route_sync);

ROUTE(route_psbt_sign);
ROUTE(route_message_sign);
ROUTE(route_message_verify);

ROUTE(route_policy_get);
ROUTE(route_policy_put);
ROUTE(route_audit);
ROUTE(route_attestation);

#undef ROUTE

/* routes_payments.c */
int route_payments_create(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_payments_preview(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_payments_get(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_payments_list(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_payments_bump(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_payments_cancel(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_events(struct daemon *d, struct api_request *rq, struct api_response *rs);

/* routes_webhooks.c */
int route_webhooks_create(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_webhooks_list(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_webhooks_delete(struct daemon *d, struct api_request *rq, struct api_response *rs);

#endif
