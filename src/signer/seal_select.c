/* Choosing a sealing backend by name (seal_select.h). */
#include "signer/seal_select.h"

#include <string.h>

#include "common/err.h"

int
seal_choose(struct seal_choice *c, const char *name, const char *tcti, uint32_t pcrs,
    const struct evidence_env *env)
{
	memset(c, 0, sizeof(*c));
	if (name == NULL)
		return COFFER_ERR_INVALID_ARG;
	if (strcmp(name, "none") == 0) {
		c->backend = *seal_backend_none();
		return 0;
	}
	if (strcmp(name, "tpm2") == 0) {
		c->tpm2.tcti = tcti;
		c->tpm2.pcrs = pcrs;
		seal_backend_tpm2(&c->backend, &c->tpm2);
		return 0;
	}
	if (strcmp(name, "sev-snp") == 0) {
		c->snp.env = env;
		seal_backend_snp(&c->backend, &c->snp);
		return 0;
	}
	return COFFER_ERR_INVALID_ARG;
}
