/* Shared libsecp256k1 context; see secp.h. */
#include "btc/secp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/secmem.h"

static secp256k1_context *secp_ctx;
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;

static void
secp_create(void)
{
	unsigned char seed[32];

	secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (secp_ctx == NULL) {
		fputs("fatal: secp256k1_context_create failed\n", stderr);
		abort();
	}
	/* Blinding against side channels on signing and key generation. */
	secure_random(seed, sizeof(seed));
	if (!secp256k1_context_randomize(secp_ctx, seed)) {
		fputs("fatal: secp256k1_context_randomize failed\n", stderr);
		abort();
	}
	secure_wipe(seed, sizeof(seed));
}

const secp256k1_context *
btc_secp(void)
{
	if (pthread_once(&secp_once, secp_create) != 0)
		abort();
	return secp_ctx;
}
