/* Judge internals shared by judge_wallet.c, analyze.c and judge.c (not a public API). */
#ifndef COFFER_SIGNER_JUDGE_INT_H
#define COFFER_SIGNER_JUDGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "signer/analyze.h"

/*
 * Whether account `account` of w derives exactly spk at change/index (through
 * the cache). Returns 1, 0, or COFFER_ERR_NOMEM.
 */
int judge_account_matches(struct judge_wallet *w, size_t account, uint32_t change, uint32_t index,
    const uint8_t *spk, size_t spk_len);

#endif
