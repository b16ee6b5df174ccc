/* Route handlers (the table is in routes.c; tokens in routes_tokens.c). */
#ifndef COFFER_DAEMON_ROUTES_H
#define COFFER_DAEMON_ROUTES_H

#include "daemon/api.h"

int route_tokens_create(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_tokens_list(struct daemon *d, struct api_request *rq, struct api_response *rs);
int route_tokens_revoke(struct daemon *d, struct api_request *rq, struct api_response *rs);

#endif
