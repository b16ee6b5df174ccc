/* Bearer tokens, scopes and the per-address failure limiter (auth.h). */
#include "daemon/auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "btc/hash.h"
#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/log.h"

#define TOKEN_TAG "coffer/v1/token"

static const char *const scope_names[] = { "none", "read", "receive", "send", "admin" };

const char *
auth_scope_name(enum auth_scope scope)
{
	unsigned int i = (unsigned int)scope;

	return i < sizeof(scope_names) / sizeof(scope_names[0]) ? scope_names[i] : "unknown";
}

int
auth_scope_parse(enum auth_scope *out, const char *name)
{
	unsigned int i;

	*out = AUTH_SCOPE_NONE;
	for (i = AUTH_SCOPE_READ; i <= AUTH_SCOPE_ADMIN; i++) {
		if (strcmp(name, scope_names[i]) == 0) {
			*out = (enum auth_scope)i;
			return 0;
		}
	}
	return COFFER_ERR_BAD_VALUE;
}

static void
lock(struct auth_ctx *a)
{
	if (pthread_mutex_lock(&a->mu) != 0)
		abort();
}

static void
unlock(struct auth_ctx *a)
{
	if (pthread_mutex_unlock(&a->mu) != 0)
		abort();
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
auth_init(struct auth_ctx *a, const char *admin_token)
{
	memset(a, 0, sizeof(*a));
	if (pthread_mutex_init(&a->mu, NULL) != 0)
		abort();
	if (strlen(admin_token) != AUTH_ADMIN_TOKEN_LEN || !is_lower_hex(admin_token, AUTH_ADMIN_TOKEN_LEN))
		return COFFER_ERR_INVALID_ARG;
	sha256(a->admin_hash, (const uint8_t *)admin_token, AUTH_ADMIN_TOKEN_LEN);
	return 0;
}

void
auth_free(struct auth_ctx *a)
{
	pthread_mutex_destroy(&a->mu);
	secure_wipe(a, sizeof(*a));
}

int
auth_attach_store(struct auth_ctx *a, struct store *s)
{
	size_t n = 0;
	int r;

	lock(a);
	if ((r = store_token_list(s, a->tokens, STORE_MAX_TOKENS, &n)) == 0) {
		a->ntokens = n;
		a->store = s;
	} else {
		a->ntokens = 0;
		a->store = NULL;
	}
	unlock(a);
	return r;
}

void
auth_detach_store(struct auth_ctx *a)
{
	lock(a);
	a->store = NULL;
	secure_wipe(a->tokens, sizeof(a->tokens));
	a->ntokens = 0;
	unlock(a);
}

/* The limiter's key for a client: its IPv4 address (mapped) or its IPv6 /64. */
static void
peer_key(uint8_t key[16], char *text, size_t textsize, const struct sockaddr *peer, size_t peerlen)
{
	memset(key, 0, 16);
	snprintf(text, textsize, "unknown");
	if (peer == NULL)
		return;
	if (peer->sa_family == AF_INET && peerlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)peer;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in4->sin_addr, 4);
		inet_ntop(AF_INET, &in4->sin_addr, text, (socklen_t)textsize);
	} else if (peer->sa_family == AF_INET6 && peerlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)peer;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memcpy(key, &in6->sin6_addr, 16);
		else
			memcpy(key, &in6->sin6_addr, 8);
		inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)textsize);
	}
}

static struct auth_ip_entry *
ip_find(struct auth_ctx *a, const uint8_t key[16], int create, int64_t now_ms)
{
	struct auth_ip_entry *victim = NULL;
	size_t i;

	for (i = 0; i < AUTH_IP_SLOTS; i++)
		if (a->ips[i].used && memcmp(a->ips[i].key, key, 16) == 0)
			return &a->ips[i];
	if (!create)
		return NULL;
	/* A free slot, else the one whose last failure is oldest (preferring unlocked ones). */
	for (i = 0; i < AUTH_IP_SLOTS; i++) {
		struct auth_ip_entry *e = &a->ips[i];

		if (!e->used) {
			victim = e;
			break;
		}
		if (victim == NULL || (e->until_ms <= now_ms && victim->until_ms > now_ms) ||
		    ((e->until_ms <= now_ms) == (victim->until_ms <= now_ms) && e->last_fail_ms < victim->last_fail_ms))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, 16);
	victim->used = 1;
	return victim;
}

/* Count a failure; maybe start a refusal period. Called with a->mu held. */
static void
record_failure(struct auth_ctx *a, const uint8_t key[16], const char *who, const char *why, int64_t now_ms)
{
	struct auth_ip_entry *e = ip_find(a, key, 1, now_ms);

	a->failures_total++;
	if (e->fails > 0 && now_ms - e->last_fail_ms > (int64_t)AUTH_FORGET_S * 1000)
		e->fails = 0;
	if (e->fails < UINT32_MAX)
		e->fails++;
	e->last_fail_ms = now_ms;
	if (e->fails > AUTH_FREE_FAILURES) {
		uint32_t step = e->fails - AUTH_FREE_FAILURES - 1;
		int64_t secs = step >= 5 ? AUTH_MAX_LOCKOUT_S : (int64_t)1 << step;

		if (secs > AUTH_MAX_LOCKOUT_S)
			secs = AUTH_MAX_LOCKOUT_S;
		e->until_ms = now_ms + secs * 1000;
		log_warn("authentication failure from %s (%s); %u failures, refusing this address for %lds", who, why,
		    e->fails, (long)secs);
	} else if (e->fails <= 3 || (e->fails & (e->fails - 1)) == 0) {
		log_warn("authentication failure from %s (%s); %u failures", who, why, e->fails);
	}
}

/* Parse "Bearer TOKEN" (scheme case-insensitive, one space). Out: token span. */
static int
bearer(const char **tok, size_t *toklen, const char *header)
{
	size_t n = strnlen(header, AUTH_MAX_HEADER + 1), i;

	*tok = NULL;
	*toklen = 0;
	if (n > AUTH_MAX_HEADER || n < 8 || strncasecmp(header, "bearer ", 7) != 0)
		return -1;
	for (i = 7; i < n; i++) {
		char ch = header[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || ch == '_'))
			return -1;
	}
	*tok = header + 7;
	*toklen = n - 7;
	return 0;
}

static void
token_hash(uint8_t out[32], const char id[STORE_TOKEN_ID_LEN], const uint8_t secret[32])
{
	uint8_t msg[STORE_TOKEN_ID_LEN + 32];

	memcpy(msg, id, STORE_TOKEN_ID_LEN);
	memcpy(msg + STORE_TOKEN_ID_LEN, secret, 32);
	tagged_hash(out, TOKEN_TAG, msg, sizeof(msg));
	secure_wipe(msg, sizeof(msg));
}

/* Verify a token against the admin hash and the scoped table. Called with a->mu held. */
static int
verify(struct auth_ctx *a, struct auth_principal *out, const char **why, const char *tok, size_t n, int64_t now_s)
{
	uint8_t h[32], secret[32];
	char id[STORE_TOKEN_ID_LEN + 1];
	size_t i;
	int r = COFFER_ERR_UNAUTHORIZED;

	*why = "unknown token";
	if (n == AUTH_ADMIN_TOKEN_LEN) {
		sha256(h, (const uint8_t *)tok, n);
		if (secure_equal(h, a->admin_hash, sizeof(h))) {
			out->scope = AUTH_SCOPE_ADMIN;
			out->admin_file = 1;
			r = 0;
		}
		secure_wipe(h, sizeof(h));
		return r;
	}
	if (n != AUTH_SCOPED_TOKEN_LEN || memcmp(tok, AUTH_SCOPED_PREFIX, 4) != 0 || tok[4 + STORE_TOKEN_ID_LEN] != '_' ||
	    !is_lower_hex(tok + 4, STORE_TOKEN_ID_LEN)) {
		*why = "malformed token";
		return r;
	}
	if (a->store == NULL) {
		*why = "scoped token while locked";
		return COFFER_ERR_WALLET_LOCKED;
	}
	memcpy(id, tok + 4, STORE_TOKEN_ID_LEN);
	id[STORE_TOKEN_ID_LEN] = '\0';
	if (hex_decode_exact(secret, sizeof(secret), tok + 5 + STORE_TOKEN_ID_LEN) != 0) {
		*why = "malformed token";
		return r;
	}
	token_hash(h, id, secret);
	secure_wipe(secret, sizeof(secret));
	/* The id is public (GET /v1/tokens shows it); the hash comparison is the secret one. */
	for (i = 0; i < a->ntokens; i++) {
		const struct store_token *t = &a->tokens[i];

		if (memcmp(t->id, id, STORE_TOKEN_ID_LEN) != 0)
			continue;
		if (!secure_equal(h, t->hash, sizeof(h))) {
			*why = "wrong secret for a token id";
			break;
		}
		if (t->expires_at != 0 && now_s >= t->expires_at) {
			*why = "expired token";
			r = COFFER_ERR_TOKEN_EXPIRED;
			break;
		}
		out->scope = (enum auth_scope)t->scope;
		memcpy(out->token_id, t->id, sizeof(out->token_id));
		r = 0;
		break;
	}
	secure_wipe(h, sizeof(h));
	return r;
}

int
auth_check(struct auth_ctx *a, struct auth_principal *out, int64_t *retry_after_s, const char *header,
    unsigned int nheaders, const struct sockaddr *peer, size_t peerlen, int64_t now_ms)
{
	struct auth_ip_entry *e;
	const char *tok, *why = "";
	uint8_t key[16];
	char who[INET6_ADDRSTRLEN + 1];
	size_t toklen;
	int r;

	memset(out, 0, sizeof(*out));
	if (retry_after_s != NULL)
		*retry_after_s = 0;
	/* No token at all is a client misconfiguration, not a guess: refused, not counted. */
	if (header == NULL || nheaders == 0)
		return COFFER_ERR_UNAUTHORIZED;
	peer_key(key, who, sizeof(who), peer, peerlen);
	lock(a);
	if ((e = ip_find(a, key, 0, now_ms)) != NULL && e->until_ms > now_ms) {
		a->rate_limited_total++;
		if (retry_after_s != NULL)
			*retry_after_s = (e->until_ms - now_ms + 999) / 1000;
		unlock(a);
		return COFFER_ERR_RATE_LIMITED;
	}
	if (nheaders > 1) {
		why = "several Authorization headers";
		r = COFFER_ERR_UNAUTHORIZED;
	} else if (bearer(&tok, &toklen, header) != 0) {
		why = "not a bearer token";
		r = COFFER_ERR_UNAUTHORIZED;
	} else {
		r = verify(a, out, &why, tok, toklen, now_ms / 1000);
	}
	/* Guesses count; an expired or a locked-out scoped token is a real token, not a guess. */
	if (r == COFFER_ERR_UNAUTHORIZED)
		record_failure(a, key, who, why, now_ms);
	unlock(a);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
auth_token_create(struct auth_ctx *a, char token[AUTH_SCOPED_TOKEN_LEN + 1], struct store_token *rec,
    enum auth_scope scope, const char *label, int64_t expires_at, int64_t now)
{
	uint8_t raw_id[STORE_TOKEN_ID_LEN / 2], secret[32];
	int r;

	memset(token, 0, AUTH_SCOPED_TOKEN_LEN + 1);
	memset(rec, 0, sizeof(*rec));
	if (scope < AUTH_SCOPE_READ || scope > AUTH_SCOPE_ADMIN)
		return COFFER_ERR_BAD_VALUE;
	if (strlen(label) > STORE_MAX_LABEL)
		return COFFER_ERR_TOO_LARGE;
	secure_random(raw_id, sizeof(raw_id));
	secure_random(secret, sizeof(secret));
	hex_encode(rec->id, sizeof(rec->id), raw_id, sizeof(raw_id));
	token_hash(rec->hash, rec->id, secret);
	rec->scope = (int)scope;
	memcpy(rec->label, label, strlen(label) + 1);
	rec->created_at = now;
	rec->expires_at = expires_at;
	lock(a);
	if (a->store == NULL) {
		r = COFFER_ERR_WALLET_LOCKED;
	} else if (a->ntokens >= STORE_MAX_TOKENS) {
		r = COFFER_ERR_TOO_MANY_TOKENS;
	} else if ((r = store_token_insert(a->store, rec)) == 0) {
		a->tokens[a->ntokens++] = *rec;
	}
	unlock(a);
	if (r == 0) {
		memcpy(token, AUTH_SCOPED_PREFIX, 4);
		memcpy(token + 4, rec->id, STORE_TOKEN_ID_LEN);
		token[4 + STORE_TOKEN_ID_LEN] = '_';
		hex_encode(token + 5 + STORE_TOKEN_ID_LEN, 65, secret, sizeof(secret));
	} else {
		memset(rec, 0, sizeof(*rec));
	}
	secure_wipe(secret, sizeof(secret));
	return r;
}

int
auth_token_revoke(struct auth_ctx *a, const char *id)
{
	size_t i;
	int r;

	lock(a);
	if (a->store == NULL) {
		unlock(a);
		return COFFER_ERR_WALLET_LOCKED;
	}
	if ((r = store_token_delete(a->store, id)) == 0) {
		for (i = 0; i < a->ntokens; i++) {
			if (strcmp(a->tokens[i].id, id) == 0) {
				memmove(&a->tokens[i], &a->tokens[i + 1], (a->ntokens - i - 1) * sizeof(a->tokens[0]));
				memset(&a->tokens[a->ntokens - 1], 0, sizeof(a->tokens[0]));
				a->ntokens--;
				break;
			}
		}
	}
	unlock(a);
	return r;
}

int
auth_token_list(struct auth_ctx *a, struct store_token *out, size_t max, size_t *n)
{
	size_t i;

	*n = 0;
	lock(a);
	if (a->store == NULL) {
		unlock(a);
		return COFFER_ERR_WALLET_LOCKED;
	}
	for (i = 0; i < a->ntokens && i < max; i++) {
		out[i] = a->tokens[i];
		memset(out[i].hash, 0, sizeof(out[i].hash));
	}
	*n = i;
	unlock(a);
	return 0;
}

void
auth_counters(struct auth_ctx *a, uint64_t *failures, uint64_t *rate_limited)
{
	lock(a);
	*failures = a->failures_total;
	*rate_limited = a->rate_limited_total;
	unlock(a);
}
