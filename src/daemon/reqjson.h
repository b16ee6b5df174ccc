/*
 * Request body validation: each route lists its fields; unknown fields,
 * missing required ones and wrong JSON types are refused with their own
 * stable codes before the handler looks at a value. A null optional field
 * counts as absent.
 */
#ifndef COFFER_DAEMON_REQJSON_H
#define COFFER_DAEMON_REQJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum req_type {
	REQ_STRING,
	REQ_INTEGER,
	REQ_BOOLEAN,
	REQ_OBJECT,
	REQ_ARRAY,
};

struct req_field {
	const char *name;
	enum req_type type;
	int required;
};

/*
 * Check obj against fields[n].
 * Returns 0, COFFER_ERR_UNKNOWN_FIELD, COFFER_ERR_MISSING_FIELD or
 * COFFER_ERR_WRONG_TYPE. Out: msg[msgsize] names the field (quoted, cut).
 */
int req_check(char *msg, size_t msgsize, const json_t *obj, const struct req_field *fields, size_t n);

/*
 * A string field of minlen..maxlen bytes with no control characters
 * (jansson has already refused invalid UTF-8 and \u0000).
 * Returns 0 (*out NULL when the optional field is absent) or COFFER_ERR_BAD_VALUE.
 */
int req_string(const char **out, char *msg, size_t msgsize, const json_t *obj, const char *name, size_t minlen,
    size_t maxlen);

/*
 * An integer field in min..max. Returns 0 (*present 0 when absent) or COFFER_ERR_BAD_VALUE.
 */
int req_integer(int64_t *out, int *present, char *msg, size_t msgsize, const json_t *obj, const char *name,
    int64_t min, int64_t max);

/* Quote a hostile name for a message: printable ASCII kept, others as '?', cut at 64 bytes. */
void req_quote(char *out, size_t outsize, const char *s);

#endif
