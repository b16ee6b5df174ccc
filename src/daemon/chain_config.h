/*
 * The chain backend the daemon's configuration names: --bitcoind-rpc (with
 * its cookie or user/password) chooses bitcoind, otherwise --esplora (which
 * config_finish() fills with the network's public default).
 */
#ifndef COFFER_DAEMON_CHAIN_CONFIG_H
#define COFFER_DAEMON_CHAIN_CONFIG_H

#include "daemon/chain.h"
#include "daemon/config.h"

/*
 * Build the configured backend (no network traffic yet).
 * Returns 0, COFFER_ERR_CONFIG_CONFLICT (no backend configured, or bitcoind
 * without exactly one of cookie and user/password) or a constructor error.
 * Out: out (NULL on failure). In: cfg (after config_finish).
 */
int chain_from_config(struct chain **out, const struct daemon_config *cfg);

#endif
