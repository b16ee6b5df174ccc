/* Tests for webhook signatures (src/wallet/webhook.c) and the outbox schedule (outbox.c). */
#include "harness.h"

#include "wallet/outbox.h"
#include "wallet/webhook.h"

static const uint8_t secret[] = "whsec_0123456789abcdef";
#define SECRET_LEN (sizeof(secret) - 1)
static const char body[] = "{\"event\":\"payment.sent\",\"id\":\"p1\"}";
#define BODY_LEN (sizeof(body) - 1)

static void
test_known_answer(void)
{
	char h[WEBHOOK_SIG_BUFSIZE];

	/* Python: hmac.new(secret, b"1700000000." + body, sha256).hexdigest() */
	CHECK_OK(webhook_sign(h, secret, SECRET_LEN, 1700000000, (const uint8_t *)body, BODY_LEN));
	CHECK_STREQ(h, "t=1700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b");
	CHECK_OK(webhook_sign(h, secret, SECRET_LEN, 1700000000, NULL, 0));
	CHECK_STREQ(h, "t=1700000000,v1=0e1fd9afd303fb6f213cc511093ec9783e6286d777cfee89f917aebd54d9a963");
	CHECK_RC(webhook_sign(h, secret, 15, 1, NULL, 0), COFFER_ERR_INVALID_ARG);
	CHECK_STREQ(h, "");
}

static int
verify(const char *hdr, const char *b, uint64_t now)
{
	return webhook_verify(hdr, strlen(hdr), secret, SECRET_LEN, (const uint8_t *)b, strlen(b), now,
	    WEBHOOK_TOLERANCE_S);
}

static void
test_verify(void)
{
	char h[WEBHOOK_SIG_BUFSIZE], two[300], big[WEBHOOK_MAX_HEADER + 2];
	const char *good = "t=1700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b";
	const char *other = "v1=0000000000000000000000000000000000000000000000000000000000000000";
	size_t i;

	CHECK_OK(verify(good, body, 1700000000));
	CHECK_OK(verify(good, body, 1700000300));
	CHECK_OK(verify(good, body, 1699999700));
	CHECK_RC(verify(good, body, 1700000301), COFFER_ERR_PAY_WEBHOOK_STALE);
	CHECK_RC(verify(good, body, 1699999699), COFFER_ERR_PAY_WEBHOOK_STALE);
	/* One changed byte of the body, the timestamp or the MAC. */
	CHECK_RC(verify(good, "{\"event\":\"payment.sent\",\"id\":\"p2\"}", 1700000000),
	    COFFER_ERR_PAY_WEBHOOK_SIGNATURE);
	CHECK_RC(verify("t=1700000001,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
	    body, 1700000000), COFFER_ERR_PAY_WEBHOOK_SIGNATURE);
	CHECK_RC(verify("t=1700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092c",
	    body, 1700000000), COFFER_ERR_PAY_WEBHOOK_SIGNATURE);
	/* Rotation: any of several v1 entries; order and spaces do not matter; unknown keys ignored. */
	snprintf(two, sizeof(two), "%s, %s, v0=abc", other, good);
	CHECK_OK(verify(two, body, 1700000000));
	snprintf(two, sizeof(two), "v1=%s,t=1700000000", good + 16);
	CHECK_OK(verify(two, body, 1700000000));
	/* Malformed. */
	{
		static const char *bad[] = {
			"", "t=1700000000", "v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=01700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=-1,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=99999999999999999999999,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=1700000000,t=1700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=1700000000,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b67709",
			"t=1700000000,v1=zz79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=1700000000,,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
			"t=1700000000,=x,v1=df79cc3c394129ce182fe4d261935b8e9564ed472716638b7f8cb516b677092b",
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			CHECK_MSG(verify(bad[i], body, 1700000000) == COFFER_ERR_PAY_WEBHOOK_SIGNATURE,
			    "case %zu", i);
	}
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_RC(verify(big, body, 1700000000), COFFER_ERR_TOO_LARGE);
	/* Round trip with a fresh signature. */
	CHECK_OK(webhook_sign(h, secret, SECRET_LEN, 42, (const uint8_t *)"x", 1));
	CHECK_OK(verify(h, "x", 42));
	CHECK_RC(webhook_verify(h, strlen(h), secret, 8, (const uint8_t *)"x", 1, 42, 300),
	    COFFER_ERR_INVALID_ARG);
}

static void
test_outbox_schedule(void)
{
	uint64_t total_max = 0, d;
	uint32_t a;

	CHECK(outbox_after_attempt(1, 200) == OUTBOX_DELIVERED);
	CHECK(outbox_after_attempt(1, 204) == OUTBOX_DELIVERED);
	CHECK(outbox_after_attempt(1, 0) == OUTBOX_RETRY);
	CHECK(outbox_after_attempt(1, 500) == OUTBOX_RETRY);
	CHECK(outbox_after_attempt(1, 429) == OUTBOX_RETRY);
	CHECK(outbox_after_attempt(3, 410) == OUTBOX_GIVE_UP);
	CHECK(outbox_after_attempt(OUTBOX_MAX_ATTEMPTS - 1, 503) == OUTBOX_RETRY);
	CHECK(outbox_after_attempt(OUTBOX_MAX_ATTEMPTS, 503) == OUTBOX_GIVE_UP);
	CHECK(outbox_after_attempt(OUTBOX_MAX_ATTEMPTS, 200) == OUTBOX_DELIVERED);
	/* Equal jitter: between half and all of the doubling delay, capped. */
	CHECK(outbox_backoff_ms(1, 0) == 2500 && outbox_backoff_ms(1, 2500) == 5000);
	CHECK(outbox_backoff_ms(1, 2501) == 2500);
	CHECK(outbox_backoff_ms(0, 0) == 2500);
	CHECK(outbox_backoff_ms(2, 0) == 5000 && outbox_backoff_ms(3, UINT32_MAX) <= 20000);
	for (a = 1; a < 200; a++) {
		d = outbox_backoff_ms(a, UINT32_MAX);
		CHECK(d <= OUTBOX_MAX_DELAY_MS && outbox_backoff_ms(a, 0) >= d / 2);
		if (a > 1)
			CHECK(outbox_backoff_ms(a, 0) >= outbox_backoff_ms(a - 1, 0));
		if (a < OUTBOX_MAX_ATTEMPTS) {
			uint64_t hi = 0;
			uint32_t j;

			for (j = 0; j < 64; j++) {
				uint64_t x = outbox_backoff_ms(a, j * 0x9e3779b9u);

				hi = x > hi ? x : hi;
			}
			total_max += hi;
		}
	}
	CHECK(outbox_backoff_ms(100, 0) == OUTBOX_MAX_DELAY_MS / 2);
	/* Fifteen waits: under a day at worst. */
	CHECK(total_max <= (uint64_t)84155 * 1000);
}

static const struct test_case tests[] = {
	{ "known_answer", test_known_answer },
	{ "verify", test_verify },
	{ "outbox_schedule", test_outbox_schedule },
};

TEST_MAIN(tests)
