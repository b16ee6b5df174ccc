/* The process-wide libsecp256k1 context: created once, randomized, never destroyed. */
#ifndef COFFER_BTC_SECP_H
#define COFFER_BTC_SECP_H

#include <secp256k1.h>

/* Returns the shared context (thread-safe lazy init; aborts if it cannot be made). */
const secp256k1_context *btc_secp(void);

#endif
