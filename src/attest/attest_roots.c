/* Pinned vendor certificates (compiled in, hash-checked) and chain verification to them. */
#include "attest/attest_roots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "common/err.h"

#include "attest/attest_roots_data.h"

struct pinned {
	const unsigned char *der;
	size_t len;
	const unsigned char *sha256;
	const char *what;
};

#define PIN(n, w) { n##_der, sizeof(n##_der), n##_sha256, w }

static const struct pinned roots[ATTEST_ROOT_COUNT] = {
	[ATTEST_ROOT_AMD_MILAN] = PIN(amd_ark_milan, "AMD ARK-Milan"),
	[ATTEST_ROOT_AMD_GENOA] = PIN(amd_ark_genoa, "AMD ARK-Genoa"),
	[ATTEST_ROOT_AMD_TURIN] = PIN(amd_ark_turin, "AMD ARK-Turin"),
	[ATTEST_ROOT_AWS_NITRO] = PIN(aws_nitro_g1, "AWS Nitro Root-G1"),
	[ATTEST_ROOT_INTEL_SGX] = PIN(intel_sgx_root, "Intel SGX Root CA"),
};

static const struct pinned amd_ask[ATTEST_AMD_NPRODUCTS] = {
	PIN(amd_ask_milan, "AMD ASK SEV-Milan"),
	PIN(amd_ask_genoa, "AMD ASK SEV-Genoa"),
	PIN(amd_ask_turin, "AMD ASK SEV-Turin"),
};

static const struct pinned amd_asvk[ATTEST_AMD_NPRODUCTS] = {
	PIN(amd_asvk_milan, "AMD ASVK SEV-VLEK-Milan"),
	PIN(amd_asvk_genoa, "AMD ASVK SEV-VLEK-Genoa"),
	PIN(amd_asvk_turin, "AMD ASVK SEV-VLEK-Turin"),
};

static const char *const product_names[ATTEST_AMD_NPRODUCTS] = { "Milan", "Genoa", "Turin" };

const char *
attest_amd_product_name(enum attest_amd_product p)
{
	return (unsigned)p < ATTEST_AMD_NPRODUCTS ? product_names[p] : NULL;
}

/* Compiled-in bytes that stop matching their pin are a broken build: abort loudly. */
static X509 *
load_pinned(const struct pinned *c)
{
	const unsigned char *p = c->der;
	unsigned char h[32];
	unsigned int hl = 0;
	X509 *x;

	if (EVP_Digest(c->der, c->len, h, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		return NULL;
	if (memcmp(h, c->sha256, 32) != 0) {
		fprintf(stderr, "attest_roots: pinned certificate %s does not match its SHA-256\n", c->what);
		abort();
	}
	if ((x = d2i_X509(NULL, &p, (long)c->len)) == NULL || p != c->der + c->len) {
		fprintf(stderr, "attest_roots: pinned certificate %s does not parse\n", c->what);
		abort();
	}
	return x;
}

X509 *
attest_root(enum attest_root_id id)
{
	if ((unsigned)id >= ATTEST_ROOT_COUNT)
		abort();
	return load_pinned(&roots[id]);
}

const uint8_t *
attest_root_sha256(enum attest_root_id id)
{
	if ((unsigned)id >= ATTEST_ROOT_COUNT)
		abort();
	return roots[id].sha256;
}

X509 *
attest_amd_intermediate(enum attest_amd_product p, int vlek)
{
	if ((unsigned)p >= ATTEST_AMD_NPRODUCTS)
		abort();
	return load_pinned(vlek ? &amd_asvk[p] : &amd_ask[p]);
}

int
attest_verify_chain(char *why, size_t why_len, X509 *leaf, STACK_OF(X509) *untrusted,
    enum attest_root_id root, int64_t at)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	X509 *anchor = NULL;
	int r = COFFER_ERR_NOMEM, ok, err, depth;

	if (why_len > 0)
		why[0] = '\0';
	if (leaf == NULL)
		abort();
	if ((anchor = attest_root(root)) == NULL || (store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL)
		goto out;
	r = COFFER_ERR_CRYPTO;
	if (X509_STORE_add_cert(store, anchor) != 1 || X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	/* No partial chains, no CRLs (not available offline: documented), time fixed by the caller. */
	X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	ok = X509_verify_cert(ctx);
	if (ok == 1) {
		r = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	if (why_len > 0)
		snprintf(why, why_len, "%s (certificate depth %d, anchor %s)",
		    X509_verify_cert_error_string(err), depth, roots[root].what);
	r = COFFER_ERR_ATTEST_CHAIN;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(anchor);
	return r;
}
