/* Route handlers (the table is in routes.c; tokens in routes_tokens.c). */
#ifndef COFFER_DAEMON_ROUTES_H
#define COFFER_DAEMON_ROUTES_H

#include "daemon/api.h"

int route_tokens_create(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_tokens_list(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_tokens_revoke(struct daemon *d, struct api_request *rq, struct api_response *rs);

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
