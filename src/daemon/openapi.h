/*
 * The OpenAPI 3 document (docs/openapi.json), embedded at build time
 * (cmake/embed.cmake writes openapi_data.c) and served at /v1/openapi.json.
 */
#ifndef COFFER_DAEMON_OPENAPI_H
#define COFFER_DAEMON_OPENAPI_H

#include <stddef.h>

extern const char openapi_json[];	/* NUL-terminated */
extern const size_t openapi_json_len;	/* bytes, without the NUL */

#endif
