/*
 * Secret memory. Secrets live in guarded, locked, never-dumped pages
 * (libsodium's sodium_malloc) and are wiped with a wipe the compiler cannot
 * remove. Plain memset is never used on secrets.
 */
#ifndef COFFER_COMMON_SECMEM_H
#define COFFER_COMMON_SECMEM_H

#include <stddef.h>

/* Initialise libsodium once; safe to call many times. Aborts if it cannot. */
void secmem_init(void);
/* Guarded, mlocked allocation of n bytes (zero-filled); NULL on failure. */
void *secmem_alloc(size_t n);
/* Wipe and free memory from secmem_alloc; NULL is allowed. */
void secmem_free(void *p);
/* Wipe n bytes in a way the compiler will not elide. */
void secure_wipe(void *p, size_t n);
/* Free-and-wipe for ordinary heap memory holding a secret of n bytes. */
void secure_free(void *p, size_t n);
/* Constant-time equality of two n-byte regions: 1 if equal, 0 otherwise. */
int secure_equal(const void *a, const void *b, size_t n);
/* 1 if all n bytes at p are zero (n may be 0), else 0; constant time (libsodium). */
int secure_is_zero(const void *p, size_t n);
/* Fill out with n bytes from the OS CSPRNG. */
void secure_random(void *out, size_t n);

#endif
