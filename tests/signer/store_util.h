/* Helpers for the keystore/state/fileio tests: scratch directories and raw file access. */
#ifndef COFFER_TESTS_SIGNER_STORE_UTIL_H
#define COFFER_TESTS_SIGNER_STORE_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A fresh private directory under the test's working directory (the build
 * tree: a real disk, so fsync means something), or $TMPDIR when set.
 */
static inline char *
su_mkdtemp(char *buf, size_t size)
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, size, "%s/coffer-store-XXXXXX", base != NULL ? base : ".");
	if (mkdtemp(buf) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	chmod(buf, 0700);
	return buf;
}

/* rm -rf dir (no symlinks are followed: lstat). */
static inline void
su_rmtree(const char *dir)
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
				su_rmtree(path);
			else
				(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

/* Read dir/name whole into a malloc'd, NUL-terminated buffer; NULL when absent. */
static inline uint8_t *
su_read(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	uint8_t *p = NULL;
	long n;
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
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

/* Overwrite dir/name with p[n] (plainly: tests forge files with this). */
static inline void
su_write(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	chmod(path, 0600);
}

/* 1 when dir/name holds exactly p[n]. */
static inline int
su_equals(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	size_t len;
	uint8_t *q = su_read(dir, name, &len);
	int eq = q != NULL && len == n && memcmp(p, q, n) == 0;

	free(q);
	return eq;
}

/* Names in dir starting with prefix. */
static inline int
su_count_prefix(const char *dir, const char *prefix)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* 1 when hay[hlen] contains needle[nlen]. */
static inline int
su_contains(const uint8_t *hay, size_t hlen, const void *needle, size_t nlen)
{
	size_t i;

	for (i = 0; nlen > 0 && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

#endif
