/* coffer commands for webhook endpoints (through cofferd): webhooks add, list, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "common/buf.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

#define SECRET_MAX 256	/* bytes the daemon takes (WEBHOOK_MAX_SECRET) */
#define SECRET_MIN 16

/* Ids go into a path as given: wh_ and hex. */
static int
id_ok(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "wh_", 3) != 0 || strlen(s) > 64)
		return 0;
	for (i = 3; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i > 3;
}

/* "a,b,c" -> ["a","b","c"]; NULL when an item is empty. */
static json_t *
events_of(const char *list)
{
	json_t *a = json_array();
	const char *p = list, *e;

	if (a == NULL || list == NULL || list[0] == '\0') {
		json_decref(a);
		return NULL;
	}
	for (;;) {
		e = strchr(p, ',');
		if ((e != NULL ? (size_t)(e - p) : strlen(p)) == 0 ||
		    json_array_append_new(a, json_stringn(p, e != NULL ? (size_t)(e - p) : strlen(p))) != 0) {
			json_decref(a);
			return NULL;
		}
		if (e == NULL)
			return a;
		p = e + 1;
	}
}

/* The body into wiped memory (it carries the secret). */
static int
dump_body(struct cbuf *body, const json_t *req)
{
	size_t n;

	if ((n = json_dumpb(req, NULL, 0, JSON_COMPACT)) == 0 || cbuf_reserve(body, n + 1) != 0)
		return COFFER_ERR_NOMEM;
	body->len = json_dumpb(req, (char *)body->p, n, JSON_COMPACT);
	body->p[body->len] = '\0';
	return 0;
}

int
cmd_webhooks_add(int argc, char **argv)
{
	const char *url = NULL, *events = NULL, *sfile = NULL, *v;
	json_t *req = NULL, *ev = NULL, *ans = NULL;
	struct cbuf secret, body;
	uint8_t rnd[24];
	char gen[2 * sizeof(rnd) + 8];
	int i, r, generated = 0;
	struct dc c;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	cbuf_init_secret(&secret, CLI_SECRET_FILE_MAX + 1);
	cbuf_init_secret(&body, (size_t)16 << 10);
	for (i = 1; i < argc; i++) {
		if ((v = dc_opt(argc, argv, &i, "--events")) != NULL)
			events = v;
		else if ((v = dc_opt(argc, argv, &i, "--secret-file")) != NULL)
			sfile = v;
		else if (argv[i][0] != '-' && url == NULL)
			url = argv[i];
		else {
			r = cli_usage_error("webhooks add: unknown argument '%s'", argv[i]);
			goto out;
		}
	}
	if (url == NULL || events == NULL) {
		r = cli_usage_error("webhooks add URL --events payment.sent,payment.confirmed,... [--secret-file F]");
		goto out;
	}
	if ((ev = events_of(events)) == NULL) {
		r = cli_usage_error("webhooks add: --events is a comma-separated list of event types");
		goto out;
	}
	if (sfile != NULL) {
		if ((r = dc_read_passphrase(&secret, sfile, "Webhook secret: ")) != 0)
			goto out;
		if (secret.len < SECRET_MIN || secret.len > SECRET_MAX) {
			r = cli_usage_error("webhooks add: the secret is %d to %d bytes", SECRET_MIN, SECRET_MAX);
			goto out;
		}
	} else {
		/* A fresh secret from the OS CSPRNG, shown once: the receiver needs it to check signatures. */
		secure_random(rnd, sizeof(rnd));
		memcpy(gen, "whsec_", 6);
		hex_encode(gen + 6, sizeof(gen) - 6, rnd, sizeof(rnd));
		secure_wipe(rnd, sizeof(rnd));
		if ((r = cbuf_put(&secret, (const uint8_t *)gen, strlen(gen))) != 0) {
			secure_wipe(gen, sizeof(gen));
			r = cli_fail("webhooks add", r);
			goto out;
		}
		secure_wipe(gen, sizeof(gen));
		generated = 1;
	}
	if ((req = json_pack("{s:s,s:O,s:s%}", "url", url, "events", ev, "secret", (const char *)secret.p,
	    secret.len)) == NULL || (r = dump_body(&body, req)) != 0) {
		r = cli_fail("webhooks add", COFFER_ERR_NOMEM);
		goto out;
	}
	if ((r = dc_expect(&c, &ans, 201, "POST", "/v1/webhooks", (const char *)body.p)) != 0)
		goto out;
	if (c.json)
		dc_print_json(ans);
	else
		printf("Added %s: %s\n", dc_str(ans, "id"), dc_str(ans, "url"));
	/* Once, on stderr, so that stdout stays the answer. */
	if (generated)
		fprintf(stderr, "Secret (shown once; deliveries are signed with it): %.*s\n", (int)secret.len,
		    (const char *)secret.p);
out:
	if (req != NULL) {
		json_t *s = json_object_get(req, "secret");

		if (s != NULL)	/* jansson's copy of the secret */
			secure_wipe((void *)json_string_value(s), json_string_length(s));
	}
	json_decref(req);
	json_decref(ev);
	json_decref(ans);
	cbuf_free(&secret);
	cbuf_free(&body);
	dc_close(&c);
	return r;
}

int
cmd_webhooks_list(int argc, char **argv)
{
	json_t *ans = NULL, *list, *w, *evs;
	struct dc c;
	size_t k, e;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc > 1) {
		dc_close(&c);
		return cli_usage_error("webhooks list: unknown argument '%s'", argv[1]);
	}
	if ((r = dc_expect(&c, &ans, 200, "GET", "/v1/webhooks", NULL)) != 0)
		goto out;
	if (c.json) {
		dc_print_json(ans);
		goto out;
	}
	list = json_object_get(ans, "webhooks");
	if (json_array_size(list) == 0)
		printf("no webhooks\n");
	for (k = 0; k < json_array_size(list); k++) {
		w = json_array_get(list, k);
		evs = json_object_get(w, "events");
		printf("%s  %s  ", dc_str(w, "id"), dc_str(w, "url"));
		for (e = 0; e < json_array_size(evs); e++)
			printf("%s%s", e ? "," : "", json_string_value(json_array_get(evs, e)) != NULL ?
			    json_string_value(json_array_get(evs, e)) : "");
		printf("\n");
	}
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}

int
cmd_webhooks_delete(int argc, char **argv)
{
	json_t *ans = NULL;
	char path[96];
	struct dc c;
	int r;

	if ((r = dc_open(&c, &argc, argv)) != 0)
		return r;
	if (argc != 2 || !id_ok(argv[1])) {
		dc_close(&c);
		return cli_usage_error("webhooks delete ID (wh_ and hex, as webhooks list shows)");
	}
	snprintf(path, sizeof(path), "/v1/webhooks/%s", argv[1]);
	if ((r = dc_expect(&c, &ans, 200, "DELETE", path, NULL)) != 0)
		goto out;
	if (c.json)
		dc_print_json(ans);
	else
		printf("Deleted %s\n", argv[1]);
out:
	json_decref(ans);
	dc_close(&c);
	return r;
}
