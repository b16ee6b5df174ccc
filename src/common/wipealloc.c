/* Heap memory wiped on free (wipealloc.h). */
#include "common/wipealloc.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/secmem.h"

/*
 * Plain malloc blocks, wiped over their usable size when freed here. No
 * header: a block freed elsewhere with free() (code that frees what
 * json_dumps returned, as jansson's documentation allows) stays valid, it is
 * only not wiped.
 */
void *
wipe_alloc(size_t n)
{
	return malloc(n != 0 ? n : 1);
}

size_t
wipe_size(const void *p)
{
	return malloc_usable_size((void *)(uintptr_t)p);
}

void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	secure_wipe(p, malloc_usable_size(p));
	free(p);
}

void
wipealloc_install_jansson(void)
{
	json_set_alloc_funcs(wipe_alloc, wipe_free);
}
