/*
 * docs/openapi.json and the route table must agree: every route is
 * documented with its method, operationId, scope (x-coffer-scope), locked
 * behaviour (x-coffer-locked-ok), security and request body; every
 * documented operation is a route; the served copy is the document.
 */
#include <ctype.h>
#include <stdio.h>

#include "harness.h"

#include "daemon/api.h"
#include "daemon/openapi.h"

static json_t *
load_doc(void)
{
	char path[1024];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/docs/openapi.json", COFFER_SOURCE_DIR);
	if ((doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
		exit(1);
	}
	return doc;
}

static void
lower(char *out, size_t outsize, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outsize; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

static void
test_embedded_copy(void)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/docs/openapi.json", COFFER_SOURCE_DIR);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	CHECK_MSG((size_t)n == openapi_json_len && memcmp(buf, openapi_json, (size_t)n) == 0,
	    "the embedded document differs from docs/openapi.json: rebuild");
	CHECK(openapi_json[openapi_json_len] == '\0');
	free(buf);
}

static void
test_routes_documented(void)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
	size_t i;

	CHECK_STREQ(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
	CHECK(json_object_get(json_object_get(json_object_get(doc, "components"), "securitySchemes"), "bearer") != NULL);
	for (i = 0; i < api_nroutes; i++) {
		const struct api_route *rt = &api_routes[i];
		char m[16];
		json_t *op, *sec, *locked;

		lower(m, sizeof(m), rt->method);
		op = json_object_get(json_object_get(paths, rt->pattern), m);
		CHECK_MSG(op != NULL, "%s %s is not in docs/openapi.json", rt->method, rt->pattern);
		if (op == NULL)
			continue;
		CHECK_STREQ(json_string_value(json_object_get(op, "operationId")), rt->op_id);
		CHECK_STREQ(json_string_value(json_object_get(op, "x-coffer-scope")), auth_scope_name(rt->min_scope));
		locked = json_object_get(op, "x-coffer-locked-ok");
		CHECK_MSG(json_is_boolean(locked) && json_is_true(locked) == !!(rt->flags & ROUTE_LOCKED_OK),
		    "%s: x-coffer-locked-ok", rt->op_id);
		/* No-token routes say so with an empty security list; the rest use the document default. */
		sec = json_object_get(op, "security");
		if (rt->min_scope == AUTH_SCOPE_NONE)
			CHECK_MSG(json_is_array(sec) && json_array_size(sec) == 0, "%s: needs \"security\": []", rt->op_id);
		else
			CHECK_MSG(sec == NULL, "%s: must not override security", rt->op_id);
		CHECK_MSG((json_object_get(op, "requestBody") != NULL) == !!(rt->flags & ROUTE_BODY),
		    "%s: requestBody vs ROUTE_BODY", rt->op_id);
		/* Routes with a token document 401; locked-out routes document 423. */
		if (rt->min_scope != AUTH_SCOPE_NONE)
			CHECK_MSG(json_object_get(json_object_get(op, "responses"), "401") != NULL, "%s: 401", rt->op_id);
		if (!(rt->flags & ROUTE_LOCKED_OK))
			CHECK_MSG(json_object_get(json_object_get(op, "responses"), "423") != NULL, "%s: 423", rt->op_id);
	}
	json_decref(doc);
}

static void
test_documented_are_routes(void)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths"), *item, *op;
	const char *path, *method;
	int ops = 0;

	json_object_foreach(paths, path, item) {
		json_object_foreach(item, method, op) {
			size_t i;
			int found = 0;

			if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0)
				continue;
			ops++;
			for (i = 0; i < api_nroutes; i++) {
				char m[16];

				lower(m, sizeof(m), api_routes[i].method);
				if (strcmp(api_routes[i].pattern, path) == 0 && strcmp(m, method) == 0)
					found = 1;
			}
			CHECK_MSG(found, "docs/openapi.json documents %s %s, which is not a route", method, path);
		}
	}
	CHECK((size_t)ops == api_nroutes);
	json_decref(doc);
}

static const struct test_case tests[] = {
	{ "embedded_copy", test_embedded_copy },
	{ "routes_documented", test_routes_documented },
	{ "documented_are_routes", test_documented_are_routes },
};

TEST_MAIN(tests)
