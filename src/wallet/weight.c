/* Weight estimation per input type (see weight.h for the arithmetic). */
#include "wallet/weight.h"

#include "common/buf.h"

uint32_t
weight_input(enum addr_type type)
{
	switch (type) {
	case ADDR_P2WPKH:
		return WEIGHT_IN_P2WPKH;
	case ADDR_P2TR:
		return WEIGHT_IN_P2TR;
	case ADDR_P2SH:
		return WEIGHT_IN_P2SH_P2WPKH;
	case ADDR_P2PKH:
		return WEIGHT_IN_P2PKH;
	default:
		return 0;
	}
}

uint32_t
weight_output(size_t spk_len)
{
	return (uint32_t)(4 * (8 + compact_size_len(spk_len) + spk_len));
}
