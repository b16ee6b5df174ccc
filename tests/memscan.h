/*
 * Scanning another process's memory for secrets (root; tests only).
 *
 * memscan_process reads every readable mapping of a process through
 * /proc/PID/mem and counts where each needle (a secret's bytes) occurs. For
 * every hit it also says whether the bytes sit in libsodium guarded memory:
 * a mapping that is locked in RAM ("lo"), excluded from core dumps ("dd"),
 * and fenced on both sides by inaccessible (---p) guard pages, as
 * sodium_malloc lays it out. Used by the signer's memory proof
 * (tests/signer/test_signer_memory.c) and meant for the daemon's.
 *
 * AddressSanitizer intercepts mlock and does nothing, so in sanitizer
 * builds (make check) nothing is ever locked: MEMSCAN_CAN_LOCK is 0 there
 * and callers pass it as require_locked, checking guard pages and
 * MADV_DONTDUMP only (and saying so).
 */
#ifndef COFFER_TESTS_MEMSCAN_H
#define COFFER_TESTS_MEMSCAN_H

#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Mappings larger than this are sanitizer shadow or reservations, not data. */
#define MEMSCAN_REGION_MAX ((unsigned long)256 << 20)
#define MEMSCAN_MAX_VMAS 65536

#if defined(__SANITIZE_ADDRESS__)
#define MEMSCAN_CAN_LOCK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMSCAN_CAN_LOCK 0
#endif
#endif
#ifndef MEMSCAN_CAN_LOCK
#define MEMSCAN_CAN_LOCK 1
#endif

struct memscan_needle {
	const char *name;
	const uint8_t *p;
	size_t n;
	int hits;		/* occurrences found */
	int unguarded;		/* of which outside guarded, locked, undumpable memory */
};

struct memscan_vma {
	unsigned long lo, hi;
	char perms[8];
	int locked, dontdump;
};

/* Parse /proc/PID/smaps. Returns the number of mappings (0 on failure); *out malloc'd. */
static inline size_t
memscan_vmas(struct memscan_vma **out, pid_t pid)
{
	struct memscan_vma *v = NULL, *nv;
	char path[64], line[1024];
	size_t n = 0, cap = 0;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char perms[8];

		/* a mapping's header ("lo-hi perms ..."); field lines ("Size:", "VmFlags:") do not parse so */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			if (n == cap) {
				cap = cap == 0 ? 256 : cap * 2;
				if (cap > MEMSCAN_MAX_VMAS || (nv = realloc(v, cap * sizeof(*v))) == NULL)
					break;
				v = nv;
			}
			memset(&v[n], 0, sizeof(v[n]));
			v[n].lo = lo;
			v[n].hi = hi;
			memcpy(v[n].perms, perms, sizeof(perms));
			n++;
		} else if (n > 0 && strncmp(line, "VmFlags:", 8) == 0) {
			v[n - 1].locked = strstr(line, " lo") != NULL;
			v[n - 1].dontdump = strstr(line, " dd") != NULL;
		}
	}
	fclose(f);
	*out = v;
	return n;
}

/* Is [a, a+len) inside mapping i, which is (locked,) undumpable and between guard pages? */
static inline int
memscan_guarded(const struct memscan_vma *v, size_t n, size_t i, unsigned long a, size_t len,
    int require_locked)
{
	if (a < v[i].lo || a + len > v[i].hi || (require_locked && !v[i].locked) || !v[i].dontdump)
		return 0;
	if (i == 0 || v[i - 1].hi != v[i].lo || strcmp(v[i - 1].perms, "---p") != 0)
		return 0;
	if (i + 1 >= n || v[i + 1].lo != v[i].hi || strcmp(v[i + 1].perms, "---p") != 0)
		return 0;
	return 1;
}

/*
 * Count every needle in the readable memory of pid (needles' hits and
 * unguarded are reset first); a hit is guarded when memscan_guarded says so
 * (require_locked: pass MEMSCAN_CAN_LOCK).
 * Returns the bytes scanned, or -1 when the memory cannot be read.
 */
static inline long
memscan_process(pid_t pid, struct memscan_needle *nd, size_t nn, int require_locked)
{
	struct memscan_vma *v;
	const size_t chunk = (size_t)1 << 20, over = 128;
	unsigned long a;
	size_t nv, i, k, got;
	char path[64];
	uint8_t *buf;
	long total = 0;
	ssize_t r;
	int fd;

	for (k = 0; k < nn; k++)
		nd[k].hits = nd[k].unguarded = 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	if ((nv = memscan_vmas(&v, pid)) == 0 || (buf = malloc(chunk + over)) == NULL) {
		free(v);
		close(fd);
		return -1;
	}
	for (i = 0; i < nv; i++) {
		if (v[i].perms[0] != 'r' || v[i].hi - v[i].lo > MEMSCAN_REGION_MAX)
			continue;
		for (a = v[i].lo; a < v[i].hi; a += chunk) {
			size_t want = v[i].hi - a < chunk ? v[i].hi - a : chunk;

			if ((r = pread(fd, buf, want, (off_t)a)) <= 0)
				continue;
			got = (size_t)r;
			/* an overlap read, for needles crossing the chunk's end */
			if (a + got < v[i].hi) {
				ssize_t r2 = pread(fd, buf + got, over, (off_t)(a + got));

				if (r2 > 0)
					got += (size_t)r2;
			}
			for (k = 0; k < nn; k++) {
				const uint8_t *p = buf, *end = buf + got;

				if (nd[k].n == 0)
					continue;
				while ((size_t)(end - p) >= nd[k].n &&
				    (p = memmem(p, (size_t)(end - p), nd[k].p, nd[k].n)) != NULL) {
					if ((size_t)(p - buf) < (size_t)r) {
						nd[k].hits++;
						if (!memscan_guarded(v, nv, i, a + (unsigned long)(p - buf), nd[k].n,
						    require_locked))
							nd[k].unguarded++;
					}
					p++;
				}
			}
			total += r;
		}
	}
	free(buf);
	free(v);
	close(fd);
	return total;
}

#endif
