/* The wallet's public account descriptors and address derivation (accounts.h). */
#include "daemon/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc/descriptor.h"
#include "common/buf.h"
#include "common/err.h"

static const struct {
	uint8_t type;
	uint32_t purpose;
	const char *name;
} types[] = {
	{ PROTO_ACCOUNT_TR, 86, "tr" },
	{ PROTO_ACCOUNT_WPKH, 84, "wpkh" },
	{ PROTO_ACCOUNT_SH_WPKH, 49, "sh-wpkh" },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

const char *
accounts_type_name(uint8_t type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

int
accounts_type_parse(uint8_t *type, const char *name)
{
	*type = 0;
	if (strcmp(name, "tr") == 0)
		*type = PROTO_ACCOUNT_TR;
	else if (strcmp(name, "wpkh") == 0)
		*type = PROTO_ACCOUNT_WPKH;
	else
		return COFFER_ERR_BAD_VALUE;
	return 0;
}

void
accounts_free(struct accounts *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		desc_free(a->a[i].desc);
	free(a);
}

int
accounts_load(struct accounts **out, const struct client_descriptors *in, enum btc_network net,
    uint8_t address_type)
{
	struct accounts *a;
	size_t i, t;
	int r;

	*out = NULL;
	if (in->n > PROTO_MAX_DESCRIPTORS)
		return COFFER_ERR_SIGNER_PROTOCOL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return COFFER_ERR_NOMEM;
	a->network = net;
	a->address_type = address_type;
	memcpy(a->fingerprint, in->fingerprint, 4);
	for (i = 0; i < in->n; i++) {
		struct account *ac = &a->a[a->n];

		for (t = 0; t < NTYPES; t++)
			if (types[t].type == in->d[i].type)
				break;
		if (t == NTYPES)
			continue;	/* a type this cofferd does not know: not offered */
		ac->type = types[t].type;
		ac->purpose = types[t].purpose;
		snprintf(ac->text, sizeof(ac->text), "%s", in->d[i].descriptor);
		snprintf(ac->xpub, sizeof(ac->xpub), "%s", in->d[i].xpub);
		r = desc_parse(&ac->desc, ac->text, strlen(ac->text), net);
		a->n++;
		/* Public, ranged, receive and change: anything else is not what a signer hands out. */
		if (r != 0 || desc_has_private(ac->desc) || !desc_is_ranged(ac->desc) ||
		    desc_path_count(ac->desc) != 2 || !desc_has_address(ac->desc)) {
			accounts_free(a);
			return r == COFFER_ERR_NOMEM ? r : COFFER_ERR_SIGNER_PROTOCOL;
		}
	}
	if (accounts_get(a, address_type) == NULL) {
		accounts_free(a);
		return COFFER_ERR_SIGNER_PROTOCOL;
	}
	*out = a;
	return 0;
}

const struct account *
accounts_get(const struct accounts *a, uint8_t type)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->a[i].type == type)
			return &a->a[i];
	return NULL;
}

int
accounts_derive(struct store_address *out, const struct accounts *a, uint8_t type, uint32_t chain,
    uint32_t index)
{
	const struct account *ac = accounts_get(a, type);
	struct desc_scripts sc;
	int r;

	memset(out, 0, sizeof(*out));
	if (ac == NULL)
		return COFFER_ERR_NOT_FOUND;
	if (chain > 1 || index >= 0x80000000u)
		return COFFER_ERR_DESC_RANGE;
	desc_scripts_init(&sc);
	if ((r = desc_derive(&sc, ac->desc, chain, index)) != 0)
		goto out;
	if (sc.n != 1 || sc.spk[0].len > STORE_MAX_SCRIPT) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	if ((r = desc_derive_address(out->address, sizeof(out->address), ac->desc, chain, index)) != 0)
		goto out;
	memcpy(out->script, sc.spk[0].p, sc.spk[0].len);
	out->script_len = sc.spk[0].len;
	out->account = 0;
	out->chain = chain;
	out->index = index;
	snprintf(out->path, sizeof(out->path), "m/%uh/%uh/0h/%u/%u", ac->purpose,
	    btc_network_params(a->network)->coin_type, chain, index);
out:
	desc_scripts_free(&sc);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
accounts_split(struct descriptor *out[2], const char *text, enum btc_network net)
{
	struct descriptor *multi = NULL;
	struct cbuf one;
	size_t path;
	int r;

	out[0] = out[1] = NULL;
	cbuf_init(&one, PROTO_MAX_DESCRIPTOR + 16);
	if ((r = desc_parse(&multi, text, strlen(text), net)) != 0)
		goto out;
	if (desc_path_count(multi) != 2 || desc_has_private(multi)) {
		r = COFFER_ERR_SIGNER_PROTOCOL;
		goto out;
	}
	for (path = 0; path < 2; path++) {
		cbuf_reset(&one);
		if ((r = desc_to_string(&one, multi, path, DESC_STR_PUBLIC)) != 0 ||
		    (r = desc_parse(&out[path], (const char *)one.p, one.len, net)) != 0)
			goto out;
	}
out:
	if (r != 0) {
		desc_free(out[0]);
		desc_free(out[1]);
		out[0] = out[1] = NULL;
	}
	desc_free(multi);
	cbuf_free(&one);
	return r;
}
