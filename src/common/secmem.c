/* Secret memory through libsodium; see secmem.h. */
#include "common/secmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void
secmem_init(void)
{
	if (sodium_init() < 0) {
		fputs("fatal: libsodium initialisation failed\n", stderr);
		abort();
	}
}

void *
secmem_alloc(size_t n)
{
	void *p;

	secmem_init();
	if ((p = sodium_malloc(n == 0 ? 1 : n)) == NULL)
		return NULL;
	memset(p, 0, n == 0 ? 1 : n);
	return p;
}

void
secmem_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

void
secure_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

void
secure_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	sodium_memzero(p, n);
	free(p);
}

int
secure_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int
secure_is_zero(const void *p, size_t n)
{
	return sodium_is_zero(p, n);
}

void
secure_random(void *out, size_t n)
{
	secmem_init();
	randombytes_buf(out, n);
}
