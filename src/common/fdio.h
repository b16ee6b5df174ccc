/*
 * Unbuffered file-descriptor output. Secrets (mnemonics, sealed key files)
 * and append-only logs are written with write(2) directly, so no stdio buffer
 * keeps a copy and a short write is retried, not silently dropped.
 */
#ifndef COFFER_COMMON_FDIO_H
#define COFFER_COMMON_FDIO_H

#include <stddef.h>

/*
 * Write all n bytes of p to fd, retrying on EINTR and short writes.
 * Returns: 0 when every byte was written; COFFER_ERR_IO on a write error or a
 *          write that made no progress (some bytes may have been written).
 * Args:  fd: an open file descriptor (blocking).
 * In:    p: n bytes (NULL allowed when n is 0).
 */
int fdio_write_all(int fd, const void *p, size_t n);

#endif
