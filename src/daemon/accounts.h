/*
 * The wallet's public side: the account descriptors the signer hands out
 * after unlock (one per script type: wpkh, tr, sh-wpkh, each
 * `TYPE([fp/purpose h/coin h/0h]xpub/<0;1>/WILDCARD)`), parsed once, and the address
 * at any (type, chain, index) derived from them. No private key is ever
 * here; cofferd derives receive addresses without asking the signer.
 *
 * An accounts set is immutable once loaded; the daemon swaps it with the
 * store under its state lock (daemon.h).
 */
#ifndef COFFER_DAEMON_ACCOUNTS_H
#define COFFER_DAEMON_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"
#include "daemon/store.h"
#include "signer/client.h"

struct descriptor;

struct account {
	uint8_t type;				/* enum proto_account_type */
	uint32_t purpose;			/* 84, 86, 49 */
	struct descriptor *desc;		/* multipath <0;1>, ranged */
	char text[PROTO_MAX_DESCRIPTOR + 1];	/* public, with checksum */
	char xpub[PROTO_MAX_DESCRIPTOR + 1];
};

struct accounts {
	enum btc_network network;
	uint8_t fingerprint[4];
	uint8_t address_type;			/* type of new addresses (PROTO_ACCOUNT_TR by default) */
	int64_t birth_time;			/* a new wallet: when it was made (unix s); 0: unknown (restored) */
	size_t n;
	struct account a[PROTO_MAX_DESCRIPTORS];
};

/* "tr", "wpkh", "sh-wpkh" for a proto_account_type, NULL for others. */
const char *accounts_type_name(uint8_t type);
/* Parse "tr" | "wpkh" (the types new addresses can have). Returns 0 or COFFER_ERR_BAD_VALUE. */
int accounts_type_parse(uint8_t *type, const char *name);

/*
 * Parse the signer's descriptors for a network.
 * Returns 0, COFFER_ERR_SIGNER_PROTOCOL (a descriptor that does not parse,
 * has a private key, is not ranged over <0;1>, or is of the wrong network)
 * or COFFER_ERR_NOMEM. Out: *out (free with accounts_free; NULL on failure).
 */
int accounts_load(struct accounts **out, const struct client_descriptors *in, enum btc_network net,
    uint8_t address_type);
void accounts_free(struct accounts *a);

/* The account of a type, or NULL. */
const struct account *accounts_get(const struct accounts *a, uint8_t type);

/*
 * The address, scriptPubKey and path at type/chain/index.
 * Returns 0, COFFER_ERR_NOT_FOUND (no such account type), COFFER_ERR_DESC_RANGE
 * (chain not 0/1, index >= 2^31) or a derivation error.
 * Out: out (account 0; address, script, path set; label and created_at cleared).
 */
int accounts_derive(struct store_address *out, const struct accounts *a, uint8_t type, uint32_t chain,
    uint32_t index);

/*
 * Split a multipath <0;1> descriptor text into its receive and change
 * descriptors (what a chain sync takes).
 * Returns 0, COFFER_ERR_SIGNER_PROTOCOL (not a two-path descriptor) or a parse error.
 * Out: out[2] (free each with desc_free; NULL on failure). In: text; net.
 */
int accounts_split(struct descriptor *out[2], const char *text, enum btc_network net);

#endif
