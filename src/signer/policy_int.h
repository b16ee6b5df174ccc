/* Policy internals shared by policy.c and policy_codec.c (not a public API). */
#ifndef COFFER_SIGNER_POLICY_INT_H
#define COFFER_SIGNER_POLICY_INT_H

#include "signer/policy.h"

/* snprintf into errmsg[POLICY_ERRMSG_LEN] when errmsg is not NULL. */
void policy_errf(char *errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Validate every allowlist entry for p->net (address, else descriptor without
 * private keys), reject repeats, set each entry's kind and rebuild the sorted
 * script-hash set. Returns 0 or the entry errors of policy_from_json.
 */
int policy_expand(struct signer_policy *p, char *errmsg);

#endif
