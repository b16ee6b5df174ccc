/*
 * bench_keystore: what the keystore's Argon2id costs, to choose and check
 * its defaults (docs/KEYSTORE.md).
 *
 * For a table of (opslimit, memory) it times crypto_pwhash Argon2id as the
 * keystore calls it, best of `rounds`, in wall time and in this thread's CPU
 * time (libsodium's Argon2id is single-threaded, so CPU time is what an idle
 * machine would see even when this one is shared). Then it times a whole
 * ks_unlock with the default parameters (Argon2id + HKDF + AEAD + the BIP39
 * seed) in a scratch directory. Usage: bench_keystore [rounds, default 3].
 * Exits 0 whatever the figures are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/secmem.h"
#include "signer/keystore.h"

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_keystore: %s failed\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct {
		unsigned ops, mib;
	} table[] = { { 2, 64 }, { 3, 64 }, { 2, 128 }, { 3, 128 }, { 4, 128 }, { 1, 256 }, { 3, 256 } };
	const uint8_t pass[] = "bench passphrase";
	uint8_t salt[crypto_pwhash_SALTBYTES] = { 1 }, out[32];
	struct ks_kdf_params def;
	struct ks_secret *s = NULL;
	char dir[] = "/tmp/coffer-bench-ks-XXXXXX", path[64];
	double w, c, bw, bc;
	int rounds = argc > 1 ? atoi(argv[1]) : 3, r;
	size_t i;

	if (rounds < 1)
		rounds = 1;
	secmem_init();
	ks_kdf_default(&def);
	printf("argon2id (libsodium %s), best of %d\n", sodium_version_string(), rounds);
	printf("%8s %8s %10s %10s\n", "passes", "memory", "wall s", "cpu s");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bw = bc = 1e9;
		for (r = 0; r < rounds; r++) {
			w = clock_s(CLOCK_MONOTONIC);
			c = clock_s(CLOCK_THREAD_CPUTIME_ID);
			if (crypto_pwhash(out, sizeof(out), (const char *)pass, sizeof(pass) - 1, salt,
			    table[i].ops, (size_t)table[i].mib << 20, crypto_pwhash_ALG_ARGON2ID13) != 0)
				die("crypto_pwhash");
			w = clock_s(CLOCK_MONOTONIC) - w;
			c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c;
			bw = w < bw ? w : bw;
			bc = c < bc ? c : bc;
		}
		printf("%8u %5u MiB %10.3f %10.3f%s\n", table[i].ops, table[i].mib, bw, bc,
		    table[i].ops == def.opslimit && (size_t)table[i].mib * 1024 == def.memlimit_kib ?
		    "   <- default" : "");
	}

	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	if (ks_create(&s, dir, pass, sizeof(pass) - 1, 24, NULL, NULL) != 0)
		die("ks_create");
	ks_secret_free(s);
	bw = bc = 1e9;
	for (r = 0; r < rounds; r++) {
		w = clock_s(CLOCK_MONOTONIC);
		c = clock_s(CLOCK_THREAD_CPUTIME_ID);
		if (ks_unlock(&s, dir, pass, sizeof(pass) - 1) != 0)
			die("ks_unlock");
		w = clock_s(CLOCK_MONOTONIC) - w;
		c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c;
		ks_secret_free(s);
		bw = w < bw ? w : bw;
		bc = c < bc ? c : bc;
	}
	printf("ks_unlock, defaults (%u passes, %u MiB): wall %.3f s, cpu %.3f s\n", def.opslimit,
	    def.memlimit_kib / 1024, bw, bc);
	snprintf(path, sizeof(path), "%s/%s", dir, KS_FILE);
	unlink(path);
	rmdir(dir);
	secure_wipe(out, sizeof(out));
	return 0;
}
