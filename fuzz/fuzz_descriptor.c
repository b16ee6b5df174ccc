/*
 * libFuzzer harness for the descriptor parser: any text must parse or fail
 * cleanly; a descriptor that parses must serialise (public and private form)
 * to text that parses again and serialises identically, and must derive its
 * first and last path at a couple of indexes without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btc/descriptor.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
reserialise(const struct descriptor *d, int flags)
{
	struct cbuf a, b;
	struct descriptor *e = NULL;

	cbuf_init_secret(&a, 0);
	cbuf_init_secret(&b, 0);
	if (desc_to_string(&a, d, DESC_ALL_PATHS, flags) != 0)
		abort();	/* a parsed descriptor always serialises */
	if (desc_parse(&e, (const char *)a.p, a.len, desc_network(d)) != 0)
		abort();	/* and its text parses again */
	if (desc_to_string(&b, e, DESC_ALL_PATHS, flags) != 0 || a.len != b.len ||
	    memcmp(a.p, b.p, a.len) != 0)
		abort();	/* to the same text */
	desc_free(e);
	cbuf_free(&a);
	cbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct descriptor *d = NULL;
	struct desc_scripts s;
	char addr[128];
	enum btc_network net;
	size_t path;
	uint32_t i;

	if (size < 1)
		return 0;
	secmem_init();
	/* first byte picks the network, the rest is the descriptor */
	net = (enum btc_network)(data[0] % BTC_NETWORK_COUNT);
	if (desc_parse(&d, (const char *)data + 1, size - 1, net) != 0) {
		if (d != NULL)
			abort();
		return 0;
	}
	reserialise(d, DESC_STR_PUBLIC);
	reserialise(d, DESC_STR_PRIVATE);
	desc_scripts_init(&s);
	for (path = 0; path < desc_path_count(d); path += desc_path_count(d) - 1) {
		for (i = 0; i < 2; i++) {
			(void)desc_derive(&s, d, path, i);
			(void)desc_derive_address(addr, sizeof(addr), d, path, i);
		}
		if (desc_path_count(d) == 1)
			break;
	}
	desc_scripts_free(&s);
	desc_free(d);
	return 0;
}
