/* Wallet helpers shared by the signer's handler files (internal to src/signer). */
#ifndef COFFER_SIGNER_SIGNER_WALLET_H
#define COFFER_SIGNER_SIGNER_WALLET_H

#include <stdint.h>

#include "btc/bip32.h"
#include "btc/network.h"
#include "common/buf.h"
#include "signer/proto.h"

struct signer;
struct ks_secret;

/*
 * The public multipath account descriptor (BIP84 wpkh, BIP86 tr, BIP49
 * sh(wpkh)) with origin and checksum, and the account xpub.
 * Returns 0, COFFER_ERR_INVALID_ARG (type), COFFER_ERR_NOMEM or a derivation error.
 * Out: desc (appended); xpub ("" on failure).
 * In:  master (private); type: enum proto_account_type; account (< 2^31); net.
 */
int signer_account_descriptor(struct cbuf *desc, char xpub[BIP32_XKEY_BUFSIZE],
    const struct bip32_key *master, uint8_t type, uint32_t account, enum btc_network net);

/* The BIP32 master key of a secret, in guarded memory (bip32_key_free). */
int signer_master_key(struct bip32_key **out, const struct ks_secret *sec, enum btc_network net);

/*
 * The secret a signing request uses: the session's, or with a passphrase in
 * the request (per-signature mode) the keystore decrypted afresh, which the
 * caller frees (wipes) with ks_secret_free(*fresh) right after signing.
 * Returns 0 or the errors of signer_secret_open and ks_unlock.
 * Out: fresh (NULL unless a passphrase came); use; pass_supplied (0/1).
 */
int signer_signing_secret(struct signer *s, struct ks_secret **fresh, const struct ks_secret **use,
    int *pass_supplied, const struct proto_secret *pass);
#endif
