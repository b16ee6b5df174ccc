/* Heap memory wiped on free (wipealloc.h). */
#include "common/wipealloc.h"

#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/secmem.h"

/* The header keeps the block size; 16 bytes keep the payload aligned for any type. */
#define WIPE_HEADER 16

void *
wipe_alloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - WIPE_HEADER)
		return NULL;
	if ((p = malloc(n + WIPE_HEADER)) == NULL)
		return NULL;
	*(size_t *)(void *)p = n;
	return p + WIPE_HEADER;
}

size_t
wipe_size(const void *p)
{
	return *(const size_t *)(const void *)((const uint8_t *)p - WIPE_HEADER);
}

void
wipe_free(void *p)
{
	uint8_t *base;

	if (p == NULL)
		return;
	base = (uint8_t *)p - WIPE_HEADER;
	secure_wipe(base, *(size_t *)(void *)base + WIPE_HEADER);
	free(base);
}

void
wipealloc_install_jansson(void)
{
	json_set_alloc_funcs(wipe_alloc, wipe_free);
}
