/*
 * Bearer tokens: the admin token, scoped tokens (hash only, scope, expiry,
 * revocation, persistence), header parsing, and the per-address slow-down.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "btc/hash.h"
#include "daemon/auth.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define ADMIN "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define NOW_MS ((int64_t)1700000000 * 1000)

static struct auth_ctx a;
static char dir[64], path[128];
static uint8_t key[STORE_KEY_LEN];

/* Whether needle[n] occurs in hay[len] (memmem is not in C11). */
static int
contains(const void *hay, size_t len, const void *needle, size_t n)
{
	const uint8_t *h = hay;
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(h + i, needle, n) == 0)
			return 1;
	return 0;
}

static struct sockaddr_in
ip4(const char *s)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	inet_pton(AF_INET, s, &in.sin_addr);
	return in;
}

static struct sockaddr_in6
ip6(const char *s)
{
	struct sockaddr_in6 in;

	memset(&in, 0, sizeof(in));
	in.sin6_family = AF_INET6;
	inet_pton(AF_INET6, s, &in.sin6_addr);
	return in;
}

static int
check(struct auth_principal *who, const char *header, const struct sockaddr_in *from, int64_t now_ms)
{
	return auth_check(&a, who, NULL, header, header != NULL ? 1 : 0, (const struct sockaddr *)from,
	    sizeof(*from), now_ms);
}

static struct store *
open_store(void)
{
	struct store *s = NULL;
	char err[256];

	if (store_open(&s, err, sizeof(err), path, key) != 0) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	return s;
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/coffer-auth-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(key, 0x77, sizeof(key));
	if (auth_init(&a, ADMIN) != 0)
		abort();
}

static void
teardown(void)
{
	char cmd[160];

	auth_free(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

static void
test_scopes(void)
{
	enum auth_scope s;

	CHECK_OK(auth_scope_parse(&s, "read"));
	CHECK(s == AUTH_SCOPE_READ);
	CHECK_OK(auth_scope_parse(&s, "receive"));
	CHECK(s == AUTH_SCOPE_RECEIVE);
	CHECK_OK(auth_scope_parse(&s, "send"));
	CHECK(s == AUTH_SCOPE_SEND);
	CHECK_OK(auth_scope_parse(&s, "admin"));
	CHECK(s == AUTH_SCOPE_ADMIN);
	CHECK_RC(auth_scope_parse(&s, "none"), COFFER_ERR_BAD_VALUE);
	CHECK_RC(auth_scope_parse(&s, "Admin"), COFFER_ERR_BAD_VALUE);
	CHECK(AUTH_SCOPE_READ < AUTH_SCOPE_RECEIVE && AUTH_SCOPE_RECEIVE < AUTH_SCOPE_SEND &&
	    AUTH_SCOPE_SEND < AUTH_SCOPE_ADMIN);
	CHECK_STREQ(auth_scope_name(AUTH_SCOPE_SEND), "send");
}

static void
test_admin_token(void)
{
	struct sockaddr_in from = ip4("127.0.0.1");
	struct auth_principal who;
	struct auth_ctx bad;

	setup();
	CHECK_RC(auth_init(&bad, "short"), COFFER_ERR_INVALID_ARG);
	auth_free(&bad);
	CHECK_RC(auth_init(&bad, "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"),
	    COFFER_ERR_INVALID_ARG);
	auth_free(&bad);
	/* Only the hash is kept. */
	CHECK(!contains(&a, sizeof(a), ADMIN, 64));

	CHECK_OK(check(&who, "Bearer " ADMIN, &from, NOW_MS));
	CHECK(who.scope == AUTH_SCOPE_ADMIN && who.admin_file == 1 && who.token_id[0] == '\0');
	CHECK_OK(check(&who, "bearer " ADMIN, &from, NOW_MS));	/* the scheme is case-insensitive */
	CHECK_RC(check(&who, "Bearer " ADMIN "0", &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, "Bearer 10112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", &from,
	    NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK(who.scope == AUTH_SCOPE_NONE);
	CHECK_RC(check(&who, "Bearer  " ADMIN, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, "Basic " ADMIN, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, ADMIN, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, "Bearer " ADMIN " ", &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, "Bearer ", &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(check(&who, NULL, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	/* Two Authorization headers: refused even if one is right. */
	CHECK_RC(auth_check(&a, &who, NULL, "Bearer " ADMIN, 2, (const struct sockaddr *)&from, sizeof(from),
	    NOW_MS), COFFER_ERR_UNAUTHORIZED);
	/* A scoped-looking token while no store is attached: locked, not a failure. */
	CHECK_RC(check(&who, "Bearer ct1_0123456789abcdef_" ADMIN, &from, NOW_MS), COFFER_ERR_WALLET_LOCKED);
	{
		uint64_t f = 0, rl = 0;

		auth_counters(&a, &f, &rl);
		CHECK_MSG(f == 8, "failures %llu", (unsigned long long)f);	/* the missing header is not one */
	}
	teardown();
}

static void
test_scoped_tokens(void)
{
	struct sockaddr_in from = ip4("192.0.2.7");
	char tok[AUTH_SCOPED_TOKEN_LEN + 1], hdr[128], tampered[128];
	struct store_token rec, list[8];
	struct auth_principal who;
	struct store *s;
	size_t n = 0;

	setup();
	CHECK_RC(auth_token_create(&a, tok, &rec, AUTH_SCOPE_READ, "x", 0, NOW_MS / 1000), COFFER_ERR_WALLET_LOCKED);
	CHECK(tok[0] == '\0');
	s = open_store();
	CHECK_OK(auth_attach_store(&a, s));
	CHECK_OK(auth_token_create(&a, tok, &rec, AUTH_SCOPE_RECEIVE, "shop", 0, NOW_MS / 1000));
	CHECK(strlen(tok) == AUTH_SCOPED_TOKEN_LEN && strncmp(tok, "ct1_", 4) == 0 && tok[20] == '_');
	CHECK(memcmp(tok + 4, rec.id, 16) == 0);
	CHECK(rec.scope == AUTH_SCOPE_RECEIVE && rec.expires_at == 0 && rec.created_at == NOW_MS / 1000);
	/* The record holds tagged_hash(id || secret), not the secret. */
	{
		uint8_t secret[32], msg[48], h[32];

		CHECK_OK(hex_decode_exact(secret, 32, tok + 21));
		CHECK(!contains(&rec, sizeof(rec), secret, 32));
		memcpy(msg, rec.id, 16);
		memcpy(msg + 16, secret, 32);
		tagged_hash(h, "coffer/v1/token", msg, sizeof(msg));
		CHECK(memcmp(h, rec.hash, 32) == 0);
		CHECK(!contains(&a, sizeof(a), secret, 32));
	}
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	CHECK_OK(check(&who, hdr, &from, NOW_MS));
	CHECK(who.scope == AUTH_SCOPE_RECEIVE && !who.admin_file);
	CHECK_STREQ(who.token_id, rec.id);
	/* Right id, wrong secret; wrong id, right secret; uppercase hex. */
	memcpy(tampered, hdr, sizeof(hdr));
	tampered[strlen(tampered) - 1] ^= 1;
	CHECK_RC(check(&who, tampered, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	memcpy(tampered, hdr, sizeof(hdr));
	tampered[12] = tampered[12] == '0' ? '1' : '0';
	CHECK_RC(check(&who, tampered, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	memcpy(tampered, hdr, sizeof(hdr));
	tampered[30] = 'A';
	CHECK_RC(check(&who, tampered, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	/* The list hides hashes. */
	CHECK_OK(auth_token_list(&a, list, 8, &n));
	CHECK(n == 1 && list[0].hash[0] == 0 && list[0].hash[31] == 0);
	CHECK_STREQ(list[0].label, "shop");

	/* A restart: a fresh context on the same database still knows the token. */
	auth_detach_store(&a);
	CHECK_RC(check(&who, hdr, &from, NOW_MS), COFFER_ERR_WALLET_LOCKED);
	store_close(s);
	auth_free(&a);
	CHECK_OK(auth_init(&a, ADMIN));
	s = open_store();
	CHECK_OK(auth_attach_store(&a, s));
	CHECK_OK(check(&who, hdr, &from, NOW_MS));
	CHECK(who.scope == AUTH_SCOPE_RECEIVE);

	/* Revocation is immediate, and only once. */
	CHECK_OK(auth_token_revoke(&a, rec.id));
	CHECK_RC(check(&who, hdr, &from, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(auth_token_revoke(&a, rec.id), COFFER_ERR_NOT_FOUND);
	CHECK_OK(auth_token_list(&a, list, 8, &n));
	CHECK(n == 0);

	/* Expiry: valid up to the second before expires_at. */
	CHECK_OK(auth_token_create(&a, tok, &rec, AUTH_SCOPE_SEND, "short", NOW_MS / 1000 + 10, NOW_MS / 1000));
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	CHECK_OK(check(&who, hdr, &from, NOW_MS + 9999));
	CHECK(who.scope == AUTH_SCOPE_SEND);
	CHECK_RC(check(&who, hdr, &from, NOW_MS + 10000), COFFER_ERR_TOKEN_EXPIRED);

	CHECK_RC(auth_token_create(&a, tok, &rec, AUTH_SCOPE_NONE, "x", 0, 0), COFFER_ERR_BAD_VALUE);
	{
		char label[STORE_MAX_LABEL + 2];

		memset(label, 'l', sizeof(label) - 1);
		label[sizeof(label) - 1] = '\0';
		CHECK_RC(auth_token_create(&a, tok, &rec, AUTH_SCOPE_READ, label, 0, 0), COFFER_ERR_TOO_LARGE);
		CHECK_RC(auth_token_create(&a, tok, &rec, AUTH_SCOPE_READ, "tab\there", 0, 0), COFFER_ERR_BAD_STRING);
	}
	/* Token table limit. */
	{
		int made = 0, r = 0;

		while ((r = auth_token_create(&a, tok, &rec, AUTH_SCOPE_READ, "bulk", 0, 0)) == 0)
			made++;
		CHECK_RC(r, COFFER_ERR_TOO_MANY_TOKENS);
		CHECK(made == STORE_MAX_TOKENS - 1);	/* the expiring token above holds one slot */
	}
	auth_detach_store(&a);
	store_close(s);
	teardown();
}

static void
test_rate_limit(void)
{
	struct sockaddr_in from = ip4("198.51.100.9"), other = ip4("198.51.100.10");
	struct auth_principal who;
	int64_t retry = 0, now = NOW_MS;
	int i;

	setup();
	log_set_level(LOG_LEVEL_ERROR);	/* the failures below would log */
	for (i = 0; i < AUTH_FREE_FAILURES; i++)
		CHECK_RC(check(&who, "Bearer wrong", &from, now), COFFER_ERR_UNAUTHORIZED);
	/* Still let in after the free failures... */
	CHECK_OK(check(&who, "Bearer " ADMIN, &from, now));
	/* ...one more failure starts a 1 s refusal, for every token from that address. */
	CHECK_RC(check(&who, "Bearer wrong", &from, now), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(auth_check(&a, &who, &retry, "Bearer " ADMIN, 1, (const struct sockaddr *)&from, sizeof(from), now + 10),
	    COFFER_ERR_RATE_LIMITED);
	CHECK(retry == 1);
	/* Another address is not affected. */
	CHECK_OK(check(&who, "Bearer " ADMIN, &other, now + 10));
	/* After the period: allowed again; a success does not reset the count. */
	CHECK_OK(check(&who, "Bearer " ADMIN, &from, now + 1000));
	CHECK_RC(check(&who, "Bearer wrong", &from, now + 1000), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(auth_check(&a, &who, &retry, "Bearer " ADMIN, 1, (const struct sockaddr *)&from, sizeof(from),
	    now + 1001), COFFER_ERR_RATE_LIMITED);
	CHECK(retry == 2);	/* doubled */
	/* Doubling stops at the maximum. */
	now += 3000;
	for (i = 0; i < 10; i++) {
		CHECK_RC(check(&who, "Bearer wrong", &from, now), COFFER_ERR_UNAUTHORIZED);
		now += AUTH_MAX_LOCKOUT_S * 1000;
	}
	CHECK_RC(check(&who, "Bearer wrong", &from, now), COFFER_ERR_UNAUTHORIZED);
	CHECK_RC(auth_check(&a, &who, &retry, "Bearer wrong", 1, (const struct sockaddr *)&from, sizeof(from), now),
	    COFFER_ERR_RATE_LIMITED);
	CHECK(retry == AUTH_MAX_LOCKOUT_S);
	/* Forgotten after a quiet period. */
	now += (int64_t)AUTH_FORGET_S * 1000 + 1;
	CHECK_RC(check(&who, "Bearer wrong", &from, now), COFFER_ERR_UNAUTHORIZED);
	CHECK_OK(check(&who, "Bearer " ADMIN, &from, now + 1));
	{
		uint64_t f = 0, rl = 0;

		auth_counters(&a, &f, &rl);
		CHECK(rl == 3 && f > 20);
	}
	/* IPv6 addresses count per /64: rotating the low bits does not help. */
	{
		struct sockaddr_in6 x;
		char s[64];

		for (i = 0; i <= AUTH_FREE_FAILURES; i++) {
			snprintf(s, sizeof(s), "2001:db8:1:2::%x", i + 1);
			x = ip6(s);
			CHECK_RC(auth_check(&a, &who, NULL, "Bearer wrong", 1, (const struct sockaddr *)&x, sizeof(x),
			    NOW_MS), COFFER_ERR_UNAUTHORIZED);
		}
		x = ip6("2001:db8:1:2:ffff::1");
		CHECK_RC(auth_check(&a, &who, NULL, "Bearer " ADMIN, 1, (const struct sockaddr *)&x, sizeof(x), NOW_MS),
		    COFFER_ERR_RATE_LIMITED);
		x = ip6("2001:db8:1:3::1");
		CHECK_OK(auth_check(&a, &who, NULL, "Bearer " ADMIN, 1, (const struct sockaddr *)&x, sizeof(x), NOW_MS));
	}
	/* The table is bounded: many addresses evict old entries instead of growing. */
	for (i = 0; i < AUTH_IP_SLOTS * 2; i++) {
		struct sockaddr_in x;
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.1", i / 256, i % 256);
		x = ip4(s);
		CHECK_RC(check(&who, "Bearer wrong", &x, NOW_MS), COFFER_ERR_UNAUTHORIZED);
	}
	log_set_level(LOG_LEVEL_INFO);
	teardown();
}

static const struct test_case tests[] = {
	{ "scopes", test_scopes },
	{ "admin_token", test_admin_token },
	{ "scoped_tokens", test_scoped_tokens },
	{ "rate_limit", test_rate_limit },
};

TEST_MAIN(tests)
