/* The CLI's REST client (daemon_client.h). */
#include "cli/daemon_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

/* --- options ----------------------------------------------------------------------------- */

/* `--name value` or `--name=value` at argv[*i]: 1 (val set, *i advanced), 0 (another argument), -1 (no value). */
static int
take(const char **val, int *i, int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int
read_token(struct dc *c, const char *datadir)
{
	char path[1100];
	struct cbuf b;
	const char *home;
	int r;

	if (datadir == NULL && (datadir = getenv("COFFER_DATADIR")) == NULL) {
		if ((home = getenv("HOME")) == NULL) {
			fprintf(stderr, "coffer: no token: give --token, or --datadir of the daemon\n");
			return 1;
		}
		snprintf(path, sizeof(path), "%s/.coffer/auth_token", home);
	} else {
		snprintf(path, sizeof(path), "%s/auth_token", datadir);
	}
	cbuf_init_secret(&b, CLI_SECRET_FILE_MAX + 1);
	if ((r = cli_read_secret_file(&b, path, CLI_SECRET_WORDS)) != 0 || b.len == 0 || b.len >= sizeof(c->token)) {
		fprintf(stderr, "coffer: cannot read the daemon's token from %s: %s (give --token or --datadir)\n", path,
		    r != 0 ? coffer_err_msg(r) : "empty or too long");
		cbuf_free(&b);
		return 1;
	}
	memcpy(c->token, b.p, b.len + 1);
	cbuf_free(&b);
	return 0;
}

int
dc_open(struct dc *c, int *argc, char **argv)
{
	const char *url = NULL, *token = NULL, *datadir = NULL, *cacert = NULL;
	const struct {
		const char *name;
		const char **dst;
	} opts[] = { { "--url", &url }, { "--token", &token }, { "--datadir", &datadir }, { "--cacert", &cacert } };
	size_t k;
	int i, o = 0, t = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < *argc; i++) {
		if (i > 0 && strcmp(argv[i], "--json") == 0) {
			c->json = 1;
			continue;
		}
		for (k = 0, t = 0; i > 0 && k < sizeof(opts) / sizeof(opts[0]) && t == 0; k++)
			t = take(opts[k].dst, &i, *argc, argv, opts[k].name);
		if (t < 0)
			return cli_usage_error("%s needs a value", argv[i]);
		if (t == 0)
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	if (url == NULL && (url = getenv("COFFER_URL")) == NULL)
		url = DC_DEFAULT_URL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return cli_usage_error("--url must be http://HOST:PORT or https://HOST:PORT");
	snprintf(c->url, sizeof(c->url), "%s", url);
	while (strlen(c->url) > 0 && c->url[strlen(c->url) - 1] == '/')
		c->url[strlen(c->url) - 1] = '\0';
	if (cacert != NULL)
		snprintf(c->cacert, sizeof(c->cacert), "%s", cacert);
	if (token == NULL)
		token = getenv("COFFER_TOKEN");
	if (token != NULL) {
		if (strlen(token) >= sizeof(c->token))
			return cli_usage_error("--token is too long");
		snprintf(c->token, sizeof(c->token), "%s", token);
	} else if (read_token(c, datadir) != 0) {
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c->curl = curl_easy_init()) == NULL) {
		fprintf(stderr, "coffer: cannot set up libcurl\n");
		return 1;
	}
	return 0;
}

void
dc_close(struct dc *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	secure_wipe(c->token, sizeof(c->token));
}

/* --- requests ---------------------------------------------------------------------------- */

struct sink {
	struct cbuf body;
	int64_t started_ms;
	const char *progress;
	int shown;
	unsigned int spin;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (size != 1 || cbuf_put(&s->body, (const uint8_t *)p, n) != 0)
		return 0;	/* over the cap: the transfer fails */
	return n;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A spinner on a terminal once a request has taken a second (Argon2id, a slow sync). */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	static const char spin[] = "|/-\\";
	struct sink *s = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (s->progress == NULL || !isatty(STDERR_FILENO) || mono_ms() - s->started_ms < 1000)
		return 0;
	fprintf(stderr, "\r%s %c", s->progress, spin[s->spin++ / 4 % 4]);
	s->shown = 1;
	return 0;
}

long
dc_call(struct dc *c, json_t **out, const char *method, const char *path, const char *body)
{
	struct curl_slist *h = NULL;
	char auth[200], url[1100], errbuf[CURL_ERROR_SIZE];
	struct sink s;
	long status = 0;
	CURLcode rc;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	cbuf_init_secret(&s.body, DC_MAX_RESPONSE);	/* a create answer holds the mnemonic */
	s.started_ms = mono_ms();
	s.progress = c->progress;
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
	h = curl_slist_append(h, auth);
	secure_wipe(auth, sizeof(auth));
	if (body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	errbuf[0] = '\0';
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &s);
	if (c->cacert[0] != '\0')
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
	if (body != NULL) {
		/* Not copied by libcurl: a passphrase in it stays in the caller's wiped buffer. */
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	rc = curl_easy_perform(c->curl);
	if (s.shown)
		fprintf(stderr, "\r%*s\r", (int)strlen(s.progress) + 2, "");
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "coffer: cannot reach cofferd at %s: %s\n", c->url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		cbuf_free(&s.body);
		return 0;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (s.body.len > 0)
		*out = json_loadb((const char *)s.body.p, s.body.len, 0, NULL);
	cbuf_free(&s.body);
	return status;
}

void
dc_print_json(const json_t *j)
{
	if (j == NULL)
		return;
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

int
dc_expect(struct dc *c, json_t **out, long want, const char *method, const char *path, const char *body)
{
	long st;

	return dc_expect_either(c, out, &st, want, want, method, path, body);
}

int
dc_expect_either(struct dc *c, json_t **out, long *status, long want, long also, const char *method,
    const char *path, const char *body)
{
	long st = dc_call(c, out, method, path, body);
	const json_t *e;

	*status = st;
	if (st == want || st == also)
		return 0;
	if (st == 0)
		return 1;
	if (c->json && *out != NULL) {
		dc_print_json(*out);
	} else {
		e = json_object_get(*out, "error");
		if (json_is_object(e))
			fprintf(stderr, "coffer: %s: %s\n", json_string_value(json_object_get(e, "code")),
			    json_string_value(json_object_get(e, "message")));
		else
			fprintf(stderr, "coffer: %s %s: HTTP %ld\n", method, path, st);
	}
	json_decref(*out);
	*out = NULL;
	return 1;
}

/* --- passphrases and amounts -------------------------------------------------------------- */

int
dc_read_passphrase(struct cbuf *out, const char *file, const char *prompt)
{
	struct termios old, quiet;
	int fd, r, c;

	if (file != NULL) {
		if ((r = cli_read_secret_file(out, file, CLI_SECRET_PASSPHRASE)) != 0)
			return cli_fail(file, r);
		return 0;
	}
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
		fprintf(stderr, "coffer: no terminal to ask for the passphrase: give --passphrase-file\n");
		return 1;
	}
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		fprintf(stderr, "coffer: cannot turn off echo: give --passphrase-file\n");
		return 1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo off (dropping anything typed ahead) before the prompt, so an answer never races the switch. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0 || write(fd, prompt, strlen(prompt)) < 0) {
		(void)tcsetattr(fd, TCSANOW, &old);
		close(fd);
		return 1;
	}
	r = 0;
	for (;;) {
		uint8_t ch;
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if ((c = cbuf_put_u8(out, ch)) != 0) {
			r = 1;
			break;
		}
	}
	(void)tcsetattr(fd, TCSANOW, &old);
	if (write(fd, "\n", 1) < 0)
		r = 1;
	close(fd);
	if (r == 0 && (r = cbuf_put_u8(out, 0)) == 0)
		out->len--;
	if (r != 0)
		fprintf(stderr, "coffer: passphrase too long\n");
	return r != 0;
}

void
dc_btc(char *out, size_t outsize, long long sat)
{
	unsigned long long a = sat < 0 ? (unsigned long long)-(sat + 1) + 1 : (unsigned long long)sat;

	snprintf(out, outsize, "%s%llu.%08llu BTC", sat < 0 ? "-" : "", a / 100000000ULL, a % 100000000ULL);
}

const char *
dc_opt(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

const char *
dc_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

long long
dc_num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}
