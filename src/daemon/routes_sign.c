/*
 * Signing through the signer: POST /v1/psbt/sign, POST /v1/message/sign;
 * and POST /v1/message/verify, which needs no key (BIP322 in the wallet core).
 *
 * The signer rebuilds what it signs from the PSBT and applies its policy;
 * cofferd only decodes the transport encoding (base64) and passes it on.
 */
#include "daemon/routes.h"

#include <string.h>

#include "btc/address.h"
#include "btc/bip322.h"
#include "common/encoding.h"
#include "common/err.h"
#include "daemon/accounts.h"
#include "daemon/daemon.h"
#include "daemon/reqjson.h"
#include "daemon/wallet.h"

/* base64 of a PSBT: the body cap (1 MiB) bounds it first. */
#define MAX_PSBT_B64 API_MAX_BODY

/* An optional passphrase field as a signer secret (none when absent). */
static int
opt_passphrase(struct proto_secret *out, struct api_response *rs, const json_t *body)
{
	const char *pass;
	int r;

	*out = client_secret_none();
	if ((r = req_string(&pass, rs->message, sizeof(rs->message), body, "passphrase", 1, PROTO_MAX_PASSPHRASE)) != 0)
		return r;
	if (pass != NULL)
		*out = client_secret_plain((const uint8_t *)pass, strlen(pass));
	return 0;
}

int
route_psbt_sign(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "psbt", REQ_STRING, 1 },
		{ "passphrase", REQ_STRING, 0 },
	};
	struct client_sign_result res;
	struct signer_client *c;
	struct proto_secret pass;
	struct cbuf in, out, b64;
	const char *psbt;
	int r;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 2)) != 0 ||
	    (r = req_string(&psbt, rs->message, sizeof(rs->message), rq->json, "psbt", 1, MAX_PSBT_B64)) != 0 ||
	    (r = opt_passphrase(&pass, rs, rq->json)) != 0)
		return r;
	cbuf_init(&in, PROTO_MAX_PSBT);
	cbuf_init(&out, PROTO_MAX_PSBT_OUT);
	cbuf_init(&b64, 2 * PROTO_MAX_PSBT_OUT);
	if (base64_decode_buf(&in, psbt, strlen(psbt)) != 0) {
		api_message(rs, "field \"psbt\" must be a base64 PSBT");
		r = COFFER_ERR_BAD_BASE64;
		goto out;
	}
	memset(&res, 0, sizeof(res));
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) != 0)
		goto out;
	r = wallet_leave_reason(d->wallet, client_sign_psbt(c, &out, &res, &pass, in.p, in.len), rs->message,
	    sizeof(rs->message));
	if (r != 0)
		goto out;
	if ((r = base64_encode_buf(&b64, out.p, out.len)) != 0 || (r = cbuf_put_u8(&b64, 0)) != 0)
		goto out;
	r = api_reply_json(rs, 200, json_pack("{s:s,s:I,s:I,s:I,s:I}", "psbt", (const char *)b64.p,
	    "inputs_signed", (json_int_t)res.inputs_signed, "signatures", (json_int_t)res.signatures,
	    "amount_out_sat", (json_int_t)res.amount_out, "fee_sat", (json_int_t)res.fee));
out:
	cbuf_free(&in);
	cbuf_free(&out);
	cbuf_free(&b64);
	return r;
}

/* The wallet's address `address` (NULL: receive index 0): its chain and index for the signer. */
static int
find_key(struct daemon *d, struct api_response *rs, uint8_t *type, uint32_t *chain, uint32_t *index,
    const char *address)
{
	uint8_t spk[ADDR_MAX_SPK];
	struct store_address a;
	struct store *s;
	size_t spklen;
	int r;

	*type = 0;
	*chain = *index = 0;
	if (address != NULL && (r = addr_decode(spk, &spklen, NULL, address, d->cfg->network)) != 0) {
		api_message(rs, "field \"address\" is not a %s address: %s",
		    btc_network_params(d->cfg->network)->name, coffer_err_msg(r));
		return r;
	}
	if ((s = daemon_store_acquire(d)) == NULL)
		return COFFER_ERR_WALLET_LOCKED;
	if (d->accounts == NULL) {
		daemon_store_release(d);
		return COFFER_ERR_WALLET_LOCKED;
	}
	*type = d->accounts->address_type;
	r = 0;
	if (address != NULL) {
		r = store_address_get(s, &a, address);
		if (r == 0) {
			*chain = a.chain;
			*index = a.index;
		} else if (r == COFFER_ERR_NOT_FOUND) {
			api_message(rs, "not an address this wallet handed out");
		}
	}
	daemon_store_release(d);
	return r;
}

int
route_message_sign(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "message", REQ_STRING, 1 },
		{ "address", REQ_STRING, 0 },
		{ "passphrase", REQ_STRING, 0 },
	};
	char address[PROTO_MAX_ADDRESS + 1];
	struct signer_client *c;
	struct proto_secret pass;
	const char *msg, *addr;
	struct cbuf sig;
	uint32_t chain, index;
	size_t msglen;
	uint8_t type;
	int r;

	/* Control characters are fine in a message: only the type and the size are checked. */
	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 3)) != 0 ||
	    (r = req_string(&addr, rs->message, sizeof(rs->message), rq->json, "address", 1, PROTO_MAX_ADDRESS)) != 0 ||
	    (r = opt_passphrase(&pass, rs, rq->json)) != 0)
		return r;
	msg = json_string_value(json_object_get(rq->json, "message"));
	msglen = json_string_length(json_object_get(rq->json, "message"));
	if (msglen > PROTO_MAX_MESSAGE) {
		api_message(rs, "field \"message\" must be at most %zu bytes", (size_t)PROTO_MAX_MESSAGE);
		return COFFER_ERR_BAD_VALUE;
	}
	if ((r = find_key(d, rs, &type, &chain, &index, addr)) != 0)
		return r;
	cbuf_init(&sig, PROTO_MAX_SIGNATURE + 1);
	address[0] = '\0';
	if ((r = wallet_enter(d->wallet, &c, WALLET_NEED_UNLOCKED)) == 0) {
		r = wallet_leave_reason(d->wallet, client_sign_message(c, address, &sig, &pass, type, 0, chain, index,
		    (const uint8_t *)msg, msglen), rs->message, sizeof(rs->message));
	}
	/* client_sign_message leaves the signature NUL-terminated, the NUL not counted. */
	if (r == 0 && (sig.len == 0 || sig.len >= sig.cap || sig.p[sig.len] != '\0'))
		r = COFFER_ERR_SIGNER_PROTOCOL;
	if (r == 0 && addr != NULL && strcmp(addr, address) != 0)
		r = COFFER_ERR_INTERNAL;	/* the signer signed for another key than the store says */
	if (r == 0)
		r = api_reply_json(rs, 200, json_pack("{s:s,s:s}", "address", address, "signature",
		    (const char *)sig.p));
	cbuf_free(&sig);
	return r;
}

int
route_message_verify(struct daemon *d, struct api_request *rq, struct api_response *rs)
{
	static const struct req_field fields[] = {
		{ "message", REQ_STRING, 1 },
		{ "address", REQ_STRING, 1 },
		{ "signature", REQ_STRING, 1 },
	};
	struct bip322_result res;
	uint8_t spk[ADDR_MAX_SPK];
	const char *msg, *addr, *sig;
	size_t msglen, spklen;
	int r;

	if ((r = req_check(rs->message, sizeof(rs->message), rq->json, fields, 3)) != 0 ||
	    (r = req_string(&addr, rs->message, sizeof(rs->message), rq->json, "address", 1, PROTO_MAX_ADDRESS)) != 0 ||
	    (r = req_string(&sig, rs->message, sizeof(rs->message), rq->json, "signature", 1,
	    BIP322_MAX_SIG_CHARS)) != 0)
		return r;
	msg = json_string_value(json_object_get(rq->json, "message"));
	msglen = json_string_length(json_object_get(rq->json, "message"));
	if (msglen > PROTO_MAX_MESSAGE) {
		api_message(rs, "field \"message\" must be at most %zu bytes", (size_t)PROTO_MAX_MESSAGE);
		return COFFER_ERR_BAD_VALUE;
	}
	if ((r = addr_decode(spk, &spklen, NULL, addr, d->cfg->network)) != 0) {
		api_message(rs, "field \"address\" is not a %s address: %s", btc_network_params(d->cfg->network)->name,
		    coffer_err_msg(r));
		return r;
	}
	r = bip322_verify(&res, sig, spk, spklen, (const uint8_t *)msg, msglen);
	if (r == 0)
		return api_reply_json(rs, 200, json_pack("{s:b}", "valid", 1));
	if (r == COFFER_ERR_BIP322 || r == COFFER_ERR_UNSUPPORTED)
		return api_reply_json(rs, 200, json_pack("{s:b,s:s}", "valid", 0, "reason",
		    r == COFFER_ERR_BIP322 ? "the signature does not verify for this address and message" :
		    "inconclusive: this script or signature format is not supported"));
	api_message(rs, "field \"signature\" is not a BIP322 signature: %s", coffer_err_msg(r));
	return r;
}
