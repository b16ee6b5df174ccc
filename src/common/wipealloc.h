/*
 * Heap memory that is wiped when freed, for everything that can hold a
 * secret on its way through cofferd without being one the code names:
 * jansson's strings and objects (a passphrase in a request body, the
 * mnemonic in the create answer) and the answer bodies handed to
 * libmicrohttpd. A block is an ordinary malloc block, wiped over its usable
 * size (malloc_usable_size) when freed through wipe_free, so a free(ptr)-style
 * callback can wipe all of it, and code that calls free() on what jansson
 * gave it (json_dumps) stays correct.
 *
 * The cost is one wipe per free; secmem (guarded pages) stays for the
 * secrets the code holds on purpose.
 */
#ifndef COFFER_COMMON_WIPEALLOC_H
#define COFFER_COMMON_WIPEALLOC_H

#include <stddef.h>

/* Allocate n bytes (n may be 0). Returns NULL when out of memory or n overflows. */
void *wipe_alloc(size_t n);
/* Wipe and free a block from wipe_alloc. NULL is allowed. */
void wipe_free(void *p);
/* The usable size of a block from wipe_alloc. */
size_t wipe_size(const void *p);

/* Make jansson allocate through wipe_alloc/wipe_free (once, before any JSON is made). */
void wipealloc_install_jansson(void);

#endif
