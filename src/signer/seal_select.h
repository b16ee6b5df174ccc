/*
 * Choosing a sealing backend by name ("none", "tpm2", "sev-snp") with its
 * configuration, for coffer-signer's --seal option and `coffer autounlock`.
 */
#ifndef COFFER_SIGNER_SEAL_SELECT_H
#define COFFER_SIGNER_SEAL_SELECT_H

#include <stdint.h>

#include "signer/evidence.h"
#include "signer/seal.h"
#include "signer/seal_snp.h"
#include "signer/seal_tpm2.h"

/* A chosen backend and the configuration it points into (keep the struct alive while using backend). */
struct seal_choice {
	struct seal_backend backend;
	struct seal_tpm2 tpm2;
	struct seal_snp snp;
};

/*
 * Set c up as backend `name`.
 * Returns 0 or COFFER_ERR_INVALID_ARG (unknown name).
 * In: name; tcti (tpm2; NULL: the system TPM); pcrs (tpm2; 0: the default set);
 *     env (sev-snp: where /dev/sev-guest is; NULL: the system). tcti and env must outlive c.
 */
int seal_choose(struct seal_choice *c, const char *name, const char *tcti, uint32_t pcrs,
    const struct evidence_env *env);

#endif
