/* Request body validation (reqjson.h). */
#include "daemon/reqjson.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

void
req_quote(char *out, size_t outsize, const char *s)
{
	size_t i, o = 0;

	if (outsize < 8)
		return;
	out[o++] = '"';
	for (i = 0; s[i] != '\0' && o + 5 < outsize; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == 64) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		out[o++] = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ? (char)ch : '?';
	}
	out[o++] = '"';
	out[o] = '\0';
}

static const char *
type_name(enum req_type t)
{
	switch (t) {
	case REQ_STRING:
		return "a string";
	case REQ_INTEGER:
		return "an integer";
	case REQ_BOOLEAN:
		return "a boolean";
	case REQ_OBJECT:
		return "an object";
	case REQ_ARRAY:
		return "an array";
	}
	return "?";
}

static int
type_ok(const json_t *v, enum req_type t)
{
	switch (t) {
	case REQ_STRING:
		return json_is_string(v);
	case REQ_INTEGER:
		return json_is_integer(v);
	case REQ_BOOLEAN:
		return json_is_boolean(v);
	case REQ_OBJECT:
		return json_is_object(v);
	case REQ_ARRAY:
		return json_is_array(v);
	}
	return 0;
}

int
req_check(char *msg, size_t msgsize, const json_t *obj, const struct req_field *fields, size_t n)
{
	const char *key;
	json_t *v;
	char q[80];
	size_t i;

	msg[0] = '\0';
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n) {
			req_quote(q, sizeof(q), key);
			snprintf(msg, msgsize, "unknown field %s", q);
			return COFFER_ERR_UNKNOWN_FIELD;
		}
		if (json_is_null(v) && !fields[i].required)
			continue;
		if (!type_ok(v, fields[i].type)) {
			snprintf(msg, msgsize, "field \"%s\" must be %s", fields[i].name, type_name(fields[i].type));
			return COFFER_ERR_WRONG_TYPE;
		}
	}
	for (i = 0; i < n; i++) {
		if (fields[i].required && json_object_get(obj, fields[i].name) == NULL) {
			snprintf(msg, msgsize, "field \"%s\" is required", fields[i].name);
			return COFFER_ERR_MISSING_FIELD;
		}
	}
	return 0;
}

int
req_string(const char **out, char *msg, size_t msgsize, const json_t *obj, const char *name, size_t minlen,
    size_t maxlen)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	size_t i, len;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	s = json_string_value(v);
	len = json_string_length(v);
	if (s == NULL || len < minlen || len > maxlen) {
		snprintf(msg, msgsize, "field \"%s\" must be %zu to %zu bytes long", name, minlen, maxlen);
		return COFFER_ERR_BAD_VALUE;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f) {
			snprintf(msg, msgsize, "field \"%s\" contains a control character", name);
			return COFFER_ERR_BAD_VALUE;
		}
	}
	*out = s;
	return 0;
}

int
req_integer(int64_t *out, int *present, char *msg, size_t msgsize, const json_t *obj, const char *name,
    int64_t min, int64_t max)
{
	json_t *v = json_object_get(obj, name);
	json_int_t x;

	*out = 0;
	*present = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	x = json_integer_value(v);
	if (!json_is_integer(v) || x < min || x > max) {
		snprintf(msg, msgsize, "field \"%s\" must be an integer from %lld to %lld", name, (long long)min,
		    (long long)max);
		return COFFER_ERR_BAD_VALUE;
	}
	*out = (int64_t)x;
	*present = 1;
	return 0;
}
