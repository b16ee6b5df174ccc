/* Webhook signatures: HMAC-SHA256 over "t.body" through OpenSSL (webhook.h). */
#include "wallet/webhook.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

/* HMAC-SHA256(secret, ts_text "." body). */
static int
mac(uint8_t out[32], const uint8_t *secret, size_t secret_len, const char *ts, size_t ts_len,
    const uint8_t *body, size_t body_len)
{
	EVP_MAC *m = NULL;
	EVP_MAC_CTX *c = NULL;
	OSSL_PARAM params[2];
	size_t outl = 0;
	int r = COFFER_ERR_CRYPTO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL || (c = EVP_MAC_CTX_new(m)) == NULL)
		goto out;
	if (EVP_MAC_init(c, secret, secret_len, params) != 1 ||
	    EVP_MAC_update(c, (const unsigned char *)ts, ts_len) != 1 ||
	    EVP_MAC_update(c, (const unsigned char *)".", 1) != 1 ||
	    (body_len > 0 && EVP_MAC_update(c, body, body_len) != 1) ||
	    EVP_MAC_final(c, out, &outl, 32) != 1 || outl != 32)
		goto out;
	r = 0;
out:
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	return r;
}

int
webhook_sign(char out[WEBHOOK_SIG_BUFSIZE], const uint8_t *secret, size_t secret_len,
    uint64_t timestamp, const uint8_t *body, size_t body_len)
{
	char ts[24], hex[65];
	uint8_t h[32];
	int n, r;

	out[0] = '\0';
	if (secret_len < WEBHOOK_MIN_SECRET || secret_len > WEBHOOK_MAX_SECRET)
		return COFFER_ERR_INVALID_ARG;
	n = snprintf(ts, sizeof(ts), "%llu", (unsigned long long)timestamp);
	if (n <= 0 || (size_t)n >= sizeof(ts))
		return COFFER_ERR_INTERNAL;
	if ((r = mac(h, secret, secret_len, ts, (size_t)n, body, body_len)) != 0)
		return r;
	hex_encode(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, WEBHOOK_SIG_BUFSIZE, "t=%s,v1=%s", ts, hex);
	return 0;
}

/* Strict decimal: 1..20 digits, no sign, no leading zero (but "0"), no overflow. */
static int
parse_u64(uint64_t *v, const char *s, size_t n)
{
	size_t i;

	*v = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (*v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

int
webhook_verify(const char *header, size_t header_len, const uint8_t *secret, size_t secret_len,
    const uint8_t *body, size_t body_len, uint64_t now, uint64_t tolerance_s)
{
	uint8_t sigs[WEBHOOK_MAX_SIGS][32], want[32];
	const char *ts = NULL;
	size_t ts_len = 0, n_sigs = 0, i = 0, start, eq, k;
	uint64_t t = 0;
	char hex[65];
	int r, match = 0;

	if (secret_len < WEBHOOK_MIN_SECRET || secret_len > WEBHOOK_MAX_SECRET)
		return COFFER_ERR_INVALID_ARG;
	if (header_len > WEBHOOK_MAX_HEADER)
		return COFFER_ERR_TOO_LARGE;
	/* "k=v" items separated by commas; surrounding spaces tolerated. */
	while (i < header_len) {
		while (i < header_len && header[i] == ' ')
			i++;
		start = i;
		while (i < header_len && header[i] != ',')
			i++;
		k = i;
		while (k > start && header[k - 1] == ' ')
			k--;
		for (eq = start; eq < k && header[eq] != '='; eq++)
			;
		if (eq == k || eq == start)
			return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
		if (eq - start == 1 && header[start] == 't') {
			if (ts != NULL || parse_u64(&t, header + eq + 1, k - eq - 1) != 0)
				return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
			ts = header + eq + 1;
			ts_len = k - eq - 1;
		} else if (eq - start == 2 && header[start] == 'v' && header[start + 1] == '1') {
			if (k - eq - 1 != 64 || n_sigs >= WEBHOOK_MAX_SIGS)
				return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
			memcpy(hex, header + eq + 1, 64);
			hex[64] = '\0';
			if (hex_decode_exact(sigs[n_sigs], 32, hex) != 0)
				return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
			n_sigs++;
		}
		if (i < header_len)
			i++;	/* the comma */
	}
	if (ts == NULL || n_sigs == 0)
		return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
	if ((r = mac(want, secret, secret_len, ts, ts_len, body, body_len)) != 0)
		return r;
	/* Constant time in the MAC; every entry is compared. */
	for (i = 0; i < n_sigs; i++)
		match |= secure_equal(sigs[i], want, 32);
	secure_wipe(want, sizeof(want));
	if (!match)
		return COFFER_ERR_PAY_WEBHOOK_SIGNATURE;
	if ((t > now && t - now > tolerance_s) || (now > t && now - t > tolerance_s))
		return COFFER_ERR_PAY_WEBHOOK_STALE;
	return 0;
}
