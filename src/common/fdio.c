/* Unbuffered file-descriptor output; see fdio.h. */
#include "common/fdio.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "common/err.h"

int
fdio_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return COFFER_ERR_IO;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}
