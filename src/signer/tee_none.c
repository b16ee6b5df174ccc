/* The `none` attestation backend: no TEE, and it says so; see tee.h. */
#include "signer/tee.h"

static const char none_statement[] =
    "no TEE: this signer runs as an ordinary hardened process; no hardware "
    "attests its code or protects its memory from the host's administrator";

static int
none_evidence(void *ctx, struct cbuf *out, const uint8_t report_data[TEE_REPORT_DATA_LEN])
{
	(void)ctx;
	(void)out;
	(void)report_data;
	return 0;
}

static const struct tee_backend none = { "none", none_statement, none_evidence, NULL };

const struct tee_backend *
tee_backend_none(void)
{
	return &none;
}
