/*
 * The CLI's side of the REST API: where the daemon is, which token to use,
 * one JSON request at a time over libcurl, and error answers turned into
 * one stderr line and an exit status.
 *
 * Where: --url URL, else $COFFER_URL, else http://127.0.0.1:7420.
 * Token: --token T, else $COFFER_TOKEN, else <datadir>/auth_token with
 * --datadir D, else $COFFER_DATADIR, else ~/.coffer.
 * --cacert FILE trusts a self-signed certificate; --json prints the
 * daemon's answer as it is (for scripts).
 */
#ifndef COFFER_CLI_DAEMON_CLIENT_H
#define COFFER_CLI_DAEMON_CLIENT_H

#include <stddef.h>

#include <jansson.h>

struct cbuf;

#define DC_DEFAULT_URL "http://127.0.0.1:7420"
#define DC_MAX_RESPONSE ((size_t)16 << 20)

struct dc {
	char url[512];
	char token[160];		/* secret: wiped by dc_close */
	char cacert[1024];
	int json;			/* --json */
	void *curl;			/* CURL * */
	const char *progress;		/* shown on stderr while a request takes over a second ("unlocking") */
};

/*
 * Take the common options out of argv (--url, --token, --datadir, --cacert,
 * --json; `--key value` or `--key=value`), leaving the command's own
 * arguments in argv[0..*argc). Then find the token.
 * Returns 0, or 2 after printing a usage error, or 1 when no token is found.
 */
int dc_open(struct dc *c, int *argc, char **argv);
void dc_close(struct dc *c);

/*
 * One request. body: JSON text (may hold a secret: it is not copied) or NULL.
 * Returns the HTTP status (0 when the daemon could not be reached: the reason
 * is printed). Out: *out the parsed answer (NULL when not JSON; caller frees).
 */
long dc_call(struct dc *c, json_t **out, const char *method, const char *path, const char *body);

/*
 * A request whose answer must be `want`: on another status print
 * "coffer: <code>: <message>" (or the raw answer with --json) and return 1.
 * Returns 0 with *out set.
 */
int dc_expect(struct dc *c, json_t **out, long want, const char *method, const char *path, const char *body);

/* dc_expect where either of two statuses is success (201 created, 200 replayed); *status says which. */
int dc_expect_either(struct dc *c, json_t **out, long *status, long want, long also, const char *method,
    const char *path, const char *body);

/* Print an answer as indented JSON on stdout (--json). */
void dc_print_json(const json_t *j);

/*
 * Read a passphrase from the terminal without echo (prompt on stderr), or
 * from a file. Returns 0 or 1 after printing why.
 * Out: out (secret cbuf set up by the caller, NUL-terminated).
 */
int dc_read_passphrase(struct cbuf *out, const char *file, const char *prompt);

/* Amounts: "0.00077000 BTC" style from satoshis into out. */
void dc_btc(char *out, size_t outsize, long long sat);

/*
 * argv[*i] is option `name`: its value ("--name=V" or "--name V", then *i
 * moves past it), else NULL.
 */
const char *dc_opt(int argc, char **argv, int *i, const char *name);
/* A string member of an answer, "" when absent or not a string. */
const char *dc_str(const json_t *o, const char *key);
/* An integer member of an answer, 0 when absent or not an integer. */
long long dc_num(const json_t *o, const char *key);

#endif
