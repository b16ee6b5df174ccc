/* Helpers for the evidence and sealing tests: fake device trees (mkdir -p; files through store_util.h). */
#ifndef COFFER_TESTS_SIGNER_EVIDENCE_UTIL_H
#define COFFER_TESTS_SIGNER_EVIDENCE_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_util.h"	/* su_read, su_write, su_rmtree */

/* A fresh scratch directory under $TMPDIR (or /tmp). */
static inline void
eu_mkdtemp(char *buf, size_t size, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, size, "%s/coffer-%s-XXXXXX", base != NULL ? base : "/tmp", tag);
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

/* mkdir -p root/rel. */
static inline void
eu_mkdirs(const char *root, const char *rel)
{
	char path[1024];
	size_t i, n;

	n = (size_t)snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (i = strlen(root) + 1; i <= n; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];

			path[i] = '\0';
			(void)mkdir(path, 0700);
			path[i] = c;
		}
	}
}

#endif
