/* Helpers for the evidence and sealing tests: fake device trees (mkdir -p, files, rm -rf). */
#ifndef COFFER_TESTS_SIGNER_EVIDENCE_UTIL_H
#define COFFER_TESTS_SIGNER_EVIDENCE_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static inline void
eu_write(const char *root, const char *rel, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((f = fopen(path, "wb")) == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

/* Read root/rel whole (malloc'd, NUL-terminated); NULL when absent. */
static inline uint8_t *
eu_read(const char *root, const char *rel, size_t *len)
{
	char path[1024];
	uint8_t *p;
	long n;
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (p = malloc((size_t)n + 1)) == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	p[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* rm -rf dir (no symlinks are followed: lstat). */
static inline void
eu_rmtree(const char *dir)
{
	char path[1024];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
				continue;	/* not one of ours: test trees are shallow */
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				eu_rmtree(path);
			else
				(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

#endif
