/* Helpers shared by the attestation tests: sample files from ../shared/attestation. */
#ifndef COFFER_TESTS_ATTEST_UTIL_H
#define COFFER_TESTS_ATTEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/attest_x509.h"

/* Read ../shared/attestation/<rel> whole (exits on failure: a missing sample is a failure, never a skip). */
static inline uint8_t *
sample_read(const char *rel, size_t *len)
{
	char path[1024];
	uint8_t *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/attestation/%s", COFFER_SHARED_DIR, rel);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read sample %s\n", path);
		exit(1);
	}
	if ((buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read sample %s\n", path);
		exit(1);
	}
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A sample's certificates (DER or PEM bundle) as a stack; exits on failure. */
static inline STACK_OF(X509) *
sample_certs(const char *rel)
{
	STACK_OF(X509) *s = sk_X509_new_null();
	size_t n;
	uint8_t *p = sample_read(rel, &n);

	if (s == NULL || attest_x509_load(s, p, n) != 0) {
		fprintf(stderr, "cannot load certificates from %s\n", rel);
		exit(1);
	}
	free(p);
	return s;
}

/* Certificates as DER blobs for struct attest_input (owned here; freed by certset_free). */
struct certset {
	uint8_t *der[ATTEST_MAX_CERTS];
	size_t len[ATTEST_MAX_CERTS];
	size_t n;
};

/* Append every certificate of sample `rel` to cs. */
static inline void
certset_add(struct certset *cs, const char *rel)
{
	STACK_OF(X509) *s = sample_certs(rel);
	int i;

	for (i = 0; i < sk_X509_num(s) && cs->n < ATTEST_MAX_CERTS; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(s, i), &der);

		if (len <= 0)
			exit(1);
		cs->der[cs->n] = der;
		cs->len[cs->n] = (size_t)len;
		cs->n++;
	}
	attest_x509_stack_free(s);
}

static inline void
certset_free(struct certset *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		OPENSSL_free(cs->der[i]);
	cs->n = 0;
}

/* Point in->certs at cs. */
static inline void
certset_apply(struct attest_input *in, const struct certset *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		in->certs[i].der = cs->der[i];
		in->certs[i].len = cs->len[i];
	}
	in->ncerts = cs->n;
}

/* 2024-06-01 00:00:00 UTC: inside every Milan/Genoa VCEK's validity and the VLEK's is 2024-12-10..2025-12-10. */
#define T_2024_06_01 1717200000
#define T_2025_06_01 1748736000

#endif
