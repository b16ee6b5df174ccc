/*
 * The wallet's life cycle: POST /v1/wallet/create, POST /v1/wallet/unlock,
 * GET /v1/wallet/unlock-key, POST /v1/wallet/lock (wallet.h does the work).
 *
 * Passphrases and a mnemonic to restore arrive in the JSON body (HTTP layer:
 * wiped buffer; jansson: wiped allocations) and go to the signer from there.
 * A new mnemonic is in the create answer once, and nowhere else.
 */
#include "daemon/routes.h"

#include <stdio.h>
#include <string.h>

#include "common/encoding.h"
#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"
#include "daemon/wallet.h"

#define MAX_SEALED_B64 (((PROTO_MAX_PASSPHRASE + PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN + 2) / 3) * 4)
#define MAX_SESSION_S ((int64_t)366 * 24 * 3600)

static json_t *
descriptors_json(const struct accounts *a)
{
	json_t *arr = json_array(), *one;
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < a->n; i++) {
		one = json_pack("{s:s,s:s,s:s}", "type", accounts_type_name(a->a[i].type), "descriptor",
		    a->a[i].text, "xpub", a->a[i].xpub);
		if (one == NULL || json_array_append_new(arr, one) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The unlocked wallet's public side: fingerprint, address type, descriptors. */
static json_t *
wallet_json(struct daemon *d)
{
	json_t *o = NULL;
	char fp[9];

	if (daemon_store_acquire(d) == NULL)
		return json_pack("{s:s}", "state", daemon_wallet_state_name(daemon_wallet_state(d)));
	if (d->accounts != NULL) {
		hex_encode(fp, sizeof(fp), d->accounts->fingerprint, 4);
		o = json_pack("{s:s,s:s,s:s,s:o}", "state", "unlocked", "fingerprint", fp, "address_type",
		    accounts_type_name(d->accounts->address_type), "descriptors", descriptors_json(d->accounts));
	}
	daemon_store_release(d);
	return o;
}

/* Error text from the wallet layer, kept when the handler returns r. */
static int
fail_with(struct api_response *rs, int r, const char *err)
{
	if (err[0] != '\0')
		api_message(rs, "%s", err);
	return r;
}

int
route_wallet_create(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "passphrase", REQ_STRING, 1 },
		{ "mnemonic", REQ_STRING, 0 },
		{ "words", REQ_INTEGER, 0 },
		{ "type", REQ_STRING, 0 },
	};
	const char *pass, *mnemonic, *type_s;
	char err[API_MAX_MESSAGE];
	struct cbuf words_out;
	uint8_t type = PROTO_ACCOUNT_TR;
	int64_t words;
	int r, have_words;
	json_t *body;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 4)) != 0 ||
	    (r = req_string(&pass, rs->message, sizeof(rs->message), rq->json, "passphrase", 1,
	    PROTO_MAX_PASSPHRASE)) != 0 ||
	    (r = req_string(&mnemonic, rs->message, sizeof(rs->message), rq->json, "mnemonic", 1,
	    PROTO_MAX_MNEMONIC)) != 0 ||
	    (r = req_integer(&words, &have_words, rs->message, sizeof(rs->message), rq->json, "words", 12, 24)) != 0 ||
	    (r = req_string(&type_s, rs->message, sizeof(rs->message), rq->json, "type", 1, 16)) != 0)
		return r;
	if (have_words && words != 12 && words != 24) {
		api_message(rs, "field \"words\" must be 12 or 24");
		return COFFER_ERR_BAD_VALUE;
	}
	if (have_words && mnemonic != NULL) {
		api_message(rs, "give \"mnemonic\" to restore or \"words\" to create, not both");
		return COFFER_ERR_BAD_VALUE;
	}
	if (type_s != NULL && accounts_type_parse(&type, type_s) != 0) {
		api_message(rs, "field \"type\" must be \"tr\" or \"wpkh\"");
		return COFFER_ERR_BAD_VALUE;
	}
	switch (daemon_wallet_state(d)) {
	case WALLET_UNINITIALIZED:
		break;
	case WALLET_NO_SIGNER:
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	default:
		api_message(rs, "this datadir already holds a wallet");
		return COFFER_ERR_KS_EXISTS;
	}
	cbuf_init_secret(&words_out, PROTO_MAX_MNEMONIC + 1);
	r = wallet_create(d->wallet, err, sizeof(err), &words_out, (const uint8_t *)pass, strlen(pass),
	    have_words ? (unsigned int)words : 12, (const uint8_t *)mnemonic, mnemonic != NULL ? strlen(mnemonic) : 0,
	    type);
	if (r != 0) {
		cbuf_free(&words_out);
		return fail_with(rs, r == COFFER_ERR_WALLET_LOCKED ? COFFER_ERR_KS_EXISTS : r, err);
	}
	if ((body = wallet_json(d)) == NULL) {
		cbuf_free(&words_out);
		return COFFER_ERR_NOMEM;
	}
	/* The new mnemonic, shown this once (a restore does not echo it). */
	/* client_create leaves the words NUL-terminated, the NUL not counted. */
	if (mnemonic == NULL && (words_out.len == 0 || words_out.len >= words_out.cap ||
	    words_out.p[words_out.len] != '\0' ||
	    json_object_set_new(body, "mnemonic", json_stringn((const char *)words_out.p, words_out.len)) != 0)) {
		cbuf_free(&words_out);
		json_decref(body);
		return COFFER_ERR_INTERNAL;
	}
	cbuf_free(&words_out);
	json_object_set_new(body, "restored", json_boolean(mnemonic != NULL));
	return api_reply_json(rs, 201, body);
}

int
route_wallet_unlock(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "passphrase", REQ_STRING, 0 },
		{ "sealed_passphrase", REQ_STRING, 0 },
		{ "timeout_s", REQ_INTEGER, 0 },
	};
	const char *pass, *sealed;
	char err[API_MAX_MESSAGE];
	struct proto_secret secret;
	struct cbuf box;
	int64_t timeout;
	int r, have_timeout;
	json_t *body;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 3)) != 0 ||
	    (r = req_string(&pass, rs->message, sizeof(rs->message), rq->json, "passphrase", 1,
	    PROTO_MAX_PASSPHRASE)) != 0 ||
	    (r = req_string(&sealed, rs->message, sizeof(rs->message), rq->json, "sealed_passphrase", 1,
	    MAX_SEALED_B64)) != 0 ||
	    (r = req_integer(&timeout, &have_timeout, rs->message, sizeof(rs->message), rq->json, "timeout_s", 0,
	    MAX_SESSION_S)) != 0)
		return r;
	if ((pass == NULL) == (sealed == NULL)) {
		api_message(rs, "give exactly one of \"passphrase\" and \"sealed_passphrase\"");
		return pass == NULL ? COFFER_ERR_MISSING_FIELD : COFFER_ERR_BAD_VALUE;
	}
	switch (daemon_wallet_state(d)) {
	case WALLET_LOCKED:
	case WALLET_UNLOCKED:
		break;
	case WALLET_NO_SIGNER:
		return COFFER_ERR_SIGNER_UNAVAILABLE;
	default:
		api_message(rs, "no wallet yet: create one first");
		return COFFER_ERR_WALLET_LOCKED;
	}
	cbuf_init(&box, PROTO_MAX_PASSPHRASE + PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN);
	if (sealed != NULL) {
		if (base64_decode_buf(&box, sealed, strlen(sealed)) != 0 ||
		    box.len <= PROTO_SEAL_OVERHEAD + PROTO_CHALLENGE_LEN) {
			cbuf_free(&box);
			api_message(rs, "field \"sealed_passphrase\" must be base64 of a sealed box (see GET /v1/wallet/unlock-key)");
			return COFFER_ERR_BAD_VALUE;
		}
		secret = client_secret_sealed(box.p, box.len);
	} else {
		secret = client_secret_plain((const uint8_t *)pass, strlen(pass));
	}
	r = wallet_unlock(d->wallet, err, sizeof(err), &secret, (uint32_t)timeout);
	cbuf_free(&box);
	if (r != 0)
		return fail_with(rs, r, err);
	if ((body = wallet_json(d)) == NULL)
		return COFFER_ERR_NOMEM;
	json_object_set_new(body, "timeout_s", timeout != 0 ? json_integer((json_int_t)timeout) : json_null());
	return api_reply_json(rs, 200, body);
}

int
route_wallet_unlock_key(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	struct signer_client *c;
	uint8_t pk[32], challenge[PROTO_CHALLENGE_LEN];
	char pkhex[65], chhex[2 * PROTO_CHALLENGE_LEN + 1];
	int r;

	(void)rq;
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_ANY)) != 0)
		return r;
	r = wallet_leave(d->wallet, client_get_unlock_key(c, pk, challenge));
	if (r != 0)
		return r;
	hex_encode(pkhex, sizeof(pkhex), pk, sizeof(pk));
	hex_encode(chhex, sizeof(chhex), challenge, sizeof(challenge));
	return api_reply_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s}", "public_key", pkhex, "challenge", chhex,
	    "scheme", "crypto_box_seal", "sealed", "challenge || passphrase"));
}

int
route_wallet_lock(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	int r;

	(void)rq;
	if ((r = wallet_lock(d->wallet)) != 0)
		return r;
	return api_reply_json(rs, 200, json_pack("{s:s}", "state", "locked"));
}
