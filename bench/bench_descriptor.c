/*
 * bench_descriptor: address derivations per second on one core through the
 * descriptor API (desc_derive_address on a parsed ranged descriptor), for
 * wpkh() and tr() of the BIP84/BIP86 test wallet's account xpubs.
 *
 * Parsing caches each key derived down to the step above its wildcard, so a
 * derivation is one CKDpub, the script (hash160 or the BIP86 TapTweak) and
 * the bech32/bech32m encoding. The first two receive addresses are checked
 * against the BIP84/BIP86 vectors so the loop measures correct work. Time is
 * this thread's CPU time.
 *
 * Usage: bench_descriptor [seconds per type, default 2]
 * Goal (issue #2): >= 25,000 derivations per second per core for wpkh and tr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btc/descriptor.h"
#include "common/err.h"
#include "common/secmem.h"

#define GOAL 25000.0

static const struct {
	const char *name;
	const char *desc;
	const char *first[2];	/* BIP84/BIP86 m/.../0/0 and m/.../0/1 */
} cases[] = {
	{ "wpkh", "wpkh([73c5da0a/84h/0h/0h]xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3Xyuv"
	    "PEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V/<0;1>/*)",
	  { "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g" } },
	{ "tr", "tr([73c5da0a/86h/0h/0h]xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGV"
	    "ky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ/<0;1>/*)",
	  { "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
	    "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh" } },
};

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	size_t c;

	secmem_init();
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct descriptor *d = NULL;
		char addr[128];
		double t0, t;
		uint32_t i, n = 0;
		int r;

		if ((r = desc_parse(&d, cases[c].desc, strlen(cases[c].desc), BTC_MAINNET)) != 0) {
			fprintf(stderr, "bench_descriptor: parse: %s\n", coffer_err_name(r));
			return 1;
		}
		for (i = 0; i < 2; i++) {
			if (desc_derive_address(addr, sizeof(addr), d, 0, i) != 0 ||
			    strcmp(addr, cases[c].first[i]) != 0) {
				fprintf(stderr, "bench_descriptor: %s: wrong address at %u\n", cases[c].name, i);
				return 1;
			}
		}
		t0 = cpu_seconds();
		do {
			for (i = 0; i < 1000; i++, n++)
				if (desc_derive_address(addr, sizeof(addr), d, 0, n) != 0) {
					fprintf(stderr, "bench_descriptor: derive failed at %u\n", n);
					return 1;
				}
			t = cpu_seconds() - t0;
		} while (t < secs);
		printf("descriptor %-4s derive_address: %8.0f /s/core (%u in %.2f s CPU)  goal %.0f: %s\n",
		    cases[c].name, (double)n / t, n, t, GOAL, (double)n / t >= GOAL ? "met" : "NOT met");
		desc_free(d);
	}
	return 0;
}
