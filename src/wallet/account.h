/*
 * A wallet account as the payment builder sees it: a public single-key
 * descriptor with receive and change branches, e.g.
 *   wpkh([d34db33f/84h/1h/0h]tpub.../<0;1>/ *)     (no space before '*')
 * or sh(wpkh(...)) or key-path-only tr(...). From it the builder derives,
 * for any (change, index), the public key, the scriptPubKey and the BIP32
 * origin that go into a PSBT's derivation fields, so the signer can prove
 * which inputs and which change outputs are its own (signer/analyze.h).
 *
 * Parsing goes through desc_parse (every rule checked there), then reads the
 * single key's origin and extended key from the canonical text, and finally
 * checks that its own derivation gives the same scripts as the descriptor's
 * at index 0 of both branches.
 */
#ifndef COFFER_WALLET_ACCOUNT_H
#define COFFER_WALLET_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "btc/address.h"
#include "btc/bip32.h"
#include "btc/network.h"
#include "btc/psbt.h"

#define WACCT_MAX_ORIGIN 16	/* steps from the master to the account key */

struct descriptor;

struct wacct {
	struct descriptor *desc;
	enum btc_network net;
	enum addr_type type;		/* ADDR_P2WPKH, ADDR_P2SH (P2SH-P2WPKH) or ADDR_P2TR */
	uint8_t fingerprint[4];		/* master key fingerprint */
	uint32_t origin[WACCT_MAX_ORIGIN];	/* master -> account key (the step above <0;1>) */
	size_t depth;
	struct bip32_key branch[2];	/* public keys of the receive (0) and change (1) branches */
};

/* One derived key of an account. */
struct wacct_key {
	uint8_t pub[33];		/* compressed; taproot uses pub + 1 as the internal key */
	uint8_t spk[ADDR_MAX_SPK];
	size_t spk_len;
	struct psbt_origin origin;	/* fingerprint, origin path, change, index */
};

/*
 * Parse an account descriptor.
 * Returns 0; the errors of desc_parse; COFFER_ERR_PAY_ACCOUNT (private keys,
 *   not one of the single-key forms above, no key origin, not ending in
 *   <0;1>/ *, origin over WACCT_MAX_ORIGIN steps, or derivation disagreeing
 *   with the descriptor); COFFER_ERR_NOMEM.
 * Out:  a (initialised here; wacct_free it even on failure).
 * In:   desc[len]; net.
 */
int wacct_parse(struct wacct *a, const char *desc, size_t len, enum btc_network net);

/* Free what an account owns (NULL allowed) and zero it. */
void wacct_free(struct wacct *a);

/*
 * Derive the key at change (0 receive, 1 change) / index.
 * Returns 0; COFFER_ERR_INVALID_ARG (change > 1 or index hardened);
 *   COFFER_ERR_DERIVATION (invalid child, p ~ 2^-127: use the next index).
 * Out:  k (zeroed on failure). In: a; change; index.
 */
int wacct_derive(struct wacct_key *k, const struct wacct *a, uint32_t change, uint32_t index);

#endif
