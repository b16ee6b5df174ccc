/* Webhook delivery from the outbox (webhooks.h). */
#include "daemon/webhooks.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "common/err.h"
#include "common/secmem.h"
#include "daemon/store_webhooks.h"
#include "wallet/outbox.h"
#include "wallet/webhook.h"

int
webhooks_event_known(const char *type)
{
	const char *list = WEBHOOKS_EVENT_TYPES, *p = list;
	size_t n = strlen(type);

	if (n == 0)
		return 0;
	while ((p = strstr(p, type)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

int
webhooks_deliver_due(struct store *s, webhooks_post_fn post, void *ctx, int64_t now_ms, size_t *delivered,
    size_t *retried, size_t *gave_up)
{
	struct store_delivery due[WEBHOOKS_BATCH];
	char sig[WEBHOOK_SIG_BUFSIZE];
	size_t n = 0, i, k0 = 0, k1 = 0, k2 = 0;
	uint32_t jitter, attempts;
	int r, status;

	if ((r = store_outbox_due(s, due, WEBHOOKS_BATCH, &n, now_ms)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		struct store_delivery *d = &due[i];
		size_t len = strlen(d->body);

		status = 0;
		if (webhook_sign(sig, d->secret, d->secret_len, (uint64_t)(now_ms / 1000), (const uint8_t *)d->body,
		    len) == 0 && post(ctx, &status, d->url, sig, d->body, len) != 0)
			status = 0;
		attempts = d->attempts + 1;
		switch (outbox_after_attempt(attempts, status)) {
		case OUTBOX_DELIVERED:
			r = store_outbox_result(s, d->webhook_id, d->event_seq, STORE_DELIVERY_DONE, attempts, now_ms, status);
			k0++;
			break;
		case OUTBOX_RETRY:
			secure_random(&jitter, sizeof(jitter));
			r = store_outbox_result(s, d->webhook_id, d->event_seq, STORE_DELIVERY_PENDING, attempts,
			    now_ms + (int64_t)outbox_backoff_ms(attempts, jitter), status);
			k1++;
			break;
		case OUTBOX_GIVE_UP:
			r = store_outbox_result(s, d->webhook_id, d->event_seq, STORE_DELIVERY_GAVE_UP, attempts, now_ms,
			    status);
			k2++;
			break;
		}
	}
	for (i = 0; i < n; i++)
		store_delivery_clear(&due[i]);
	secure_wipe(sig, sizeof(sig));
	if (delivered != NULL)
		*delivered = k0;
	if (retried != NULL)
		*retried = k1;
	if (gave_up != NULL)
		*gave_up = k2;
	return r;
}

static size_t
discard(char *p, size_t size, size_t nmemb, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * nmemb;	/* the receiver's answer body is not needed */
}

int
webhooks_post_curl(void *ctx, int *status, const char *url, const char *sig, const char *body, size_t body_len)
{
	struct curl_slist *h = NULL, *h2;
	char hdr[WEBHOOK_SIG_BUFSIZE + 32];
	CURL *c;
	long code = 0;
	int r = COFFER_ERR_IO;

	(void)ctx;
	*status = 0;
	if ((c = curl_easy_init()) == NULL)
		return COFFER_ERR_NOMEM;
	snprintf(hdr, sizeof(hdr), "%s: %s", WEBHOOK_SIG_HEADER, sig);
	if ((h2 = curl_slist_append(h, "Content-Type: application/json")) == NULL)
		goto out;
	h = h2;
	if ((h2 = curl_slist_append(h, hdr)) == NULL)
		goto out;
	h = h2;
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)OUTBOX_TIMEOUT_MS) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "cofferd-webhooks") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK)
		goto out;
	if (curl_easy_perform(c) != CURLE_OK)
		goto out;
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		goto out;
	*status = (int)code;
	r = 0;
out:
	secure_wipe(hdr, sizeof(hdr));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}
