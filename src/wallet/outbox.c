/* Outbox retry schedule (outbox.h). */
#include "wallet/outbox.h"

enum outbox_verdict
outbox_after_attempt(uint32_t attempts, int http_status)
{
	if (http_status >= 200 && http_status <= 299)
		return OUTBOX_DELIVERED;
	if (http_status == 410 || attempts >= OUTBOX_MAX_ATTEMPTS)
		return OUTBOX_GIVE_UP;
	return OUTBOX_RETRY;
}

uint64_t
outbox_backoff_ms(uint32_t attempts, uint32_t jitter)
{
	uint64_t d = OUTBOX_BASE_DELAY_MS, half;
	uint32_t i;

	for (i = 1; i < attempts && d < OUTBOX_MAX_DELAY_MS; i++)
		d *= 2;
	if (d > OUTBOX_MAX_DELAY_MS)
		d = OUTBOX_MAX_DELAY_MS;
	half = d / 2;
	return half + (uint64_t)jitter % (half + 1);
}
