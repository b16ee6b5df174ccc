/*
 * What the signer keeps and cofferd only relays: GET/PUT /v1/policy,
 * GET /v1/audit (the hash-chained log, in pages) and
 * GET /v1/attestation?nonce=HEX (evidence binding the signer's unlock key).
 */
#include "daemon/routes.h"

#include <string.h>

#include "common/encoding.h"
#include "common/err.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"
#include "daemon/wallet.h"

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

int
route_policy_get(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct signer_client *c;
	struct cbuf text;
	json_t *policy;
	int r;

	(void)rq;
	cbuf_init(&text, PROTO_MAX_POLICY + 1);
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) != 0)
		goto out;
	if ((r = wallet_leave_reason(d->wallet, client_get_policy(c, &text), rs->message, sizeof(rs->message))) != 0)
		goto out;
	if ((policy = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(policy)) {
		json_decref(policy);
		r = COFFER_ERR_SIGNER_PROTOCOL;
		goto out;
	}
	r = api_reply_json(rs, 200, policy);
out:
	cbuf_free(&text);
	return r;
}

int
route_policy_put(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "policy", REQ_OBJECT, 1 },
		{ "passphrase", REQ_STRING, 1 },
	};
	struct signer_client *c;
	struct proto_secret secret;
	const char *pass;
	struct cbuf text;
	size_t len;
	int r;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 2)) != 0 ||
	    (r = req_string(&pass, rs->message, sizeof(rs->message), rq->json, "passphrase", 1,
	    PROTO_MAX_PASSPHRASE)) != 0)
		return r;
	/* The signer parses and checks the policy (unknown keys, ranges, allowlist entries). */
	len = json_dumpb(json_object_get(rq->json, "policy"), NULL, 0, JSON_COMPACT);
	if (len == 0 || len > PROTO_MAX_POLICY) {
		api_message(rs, "the policy is over %zu bytes", (size_t)PROTO_MAX_POLICY);
		return COFFER_ERR_TOO_LARGE;
	}
	cbuf_init(&text, PROTO_MAX_POLICY);
	if ((r = cbuf_reserve(&text, len)) != 0) {
		cbuf_free(&text);
		return r;
	}
	text.len = json_dumpb(json_object_get(rq->json, "policy"), (char *)text.p, len, JSON_COMPACT);
	secret = client_secret_plain((const uint8_t *)pass, strlen(pass));
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) == 0)
		r = wallet_leave_reason(d->wallet, client_set_policy(c, &secret, (const char *)text.p, text.len),
		    rs->message, sizeof(rs->message));
	cbuf_free(&text);
	if (r != 0)
		return r;
	return route_policy_get(d, rq, rs);
}

/* The log's lines ("...\n" each) as an array of the records they hold. */
static int
records_json(json_t **out, const uint8_t *p, size_t n)
{
	json_t *arr = json_array(), *rec;
	size_t i = 0, j;

	*out = NULL;
	if (arr == NULL)
		return COFFER_ERR_NOMEM;
	while (i < n) {
		for (j = i; j < n && p[j] != '\n'; j++)
			;
		if ((rec = json_loadb((const char *)p + i, j - i, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
		    !json_is_object(rec) || json_array_append_new(arr, rec) != 0) {
			json_decref(rec);
			json_decref(arr);
			return COFFER_ERR_SIGNER_PROTOCOL;
		}
		i = j + 1;
	}
	*out = arr;
	return 0;
}

int
route_audit(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "from", "limit" };
	struct signer_client *c;
	struct cbuf lines;
	uint64_t from, limit, next;
	uint32_t count;
	json_t *records = NULL;
	int r;

	if ((r = api_query_check(rq, rs, params, 2)) != 0 ||
	    (r = api_query_u64(&from, rq, rs, "from", 1, 1, UINT64_MAX >> 1)) != 0 ||
	    (r = api_query_u64(&limit, rq, rs, "limit", AUDIT_PAGE_DEFAULT, 1, AUDIT_PAGE_MAX)) != 0)
		return r;
	cbuf_init(&lines, PROTO_MAX_AUDIT);
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) != 0)
		goto out;
	r = wallet_leave_reason(d->wallet, client_read_audit(c, &lines, &next, &count, from, (uint32_t)limit),
	    rs->message, sizeof(rs->message));
	if (r != 0 || (r = records_json(&records, lines.p, lines.len)) != 0)
		goto out;
	if (json_array_size(records) != count) {
		json_decref(records);
		r = COFFER_ERR_SIGNER_PROTOCOL;
		goto out;
	}
	/* next: where the following page starts; null once this page reached the end. */
	r = api_reply_json(rs, 200, json_pack("{s:o,s:o}", "records", records, "next",
	    count == limit ? json_integer((json_int_t)next) : json_null()));
out:
	cbuf_free(&lines);
	return r;
}

int
route_attestation(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const char *const params[] = { "nonce" };
	struct client_attestation att;
	struct signer_client *c;
	const char *nonce_hex;
	uint8_t nonce[32];
	char pkhex[65];
	struct cbuf ev;
	int r;

	if ((r = api_query_check(rq, rs, params, 1)) != 0)
		return r;
	if ((nonce_hex = api_query_get(rq, "nonce")) == NULL) {
		api_message(rs, "query parameter \"nonce\" (64 hex characters) is required");
		return COFFER_ERR_MISSING_FIELD;
	}
	if (strlen(nonce_hex) != 64 || hex_decode_exact(nonce, sizeof(nonce), nonce_hex) != 0) {
		api_message(rs, "query parameter \"nonce\" must be 64 hex characters (32 bytes)");
		return COFFER_ERR_BAD_VALUE;
	}
	memset(&att, 0, sizeof(att));
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_ANY)) != 0)
		return r;
	r = wallet_leave_reason(d->wallet, client_attestation(c, &att, nonce), rs->message, sizeof(rs->message));
	cbuf_init(&ev, 2 * PROTO_MAX_EVIDENCE);
	if (r == 0 && (r = base64_encode_buf(&ev, att.evidence.p, att.evidence.len)) == 0 &&
	    (r = cbuf_put_u8(&ev, 0)) == 0) {
		hex_encode(pkhex, sizeof(pkhex), att.unlock_pubkey, 32);
		r = api_reply_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s,s:s}", "backend", att.backend, "statement",
		    att.statement, "unlock_public_key", pkhex, "nonce", nonce_hex, "evidence", (const char *)ev.p));
	}
	cbuf_free(&ev);
	cbuf_free(&att.evidence);
	return r;
}
