/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fileio.h: writing a whole buffer at an offset, for every writer (the
 * sinks' outputs through outfile.h, a spilled stream's copy).  Each adds
 * its own message.
 */
#ifndef OVK_CORE_FILEIO_H
#define OVK_CORE_FILEIO_H

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

/* pwrite() all of p[0, len) at off: 0, or -1 with errno set (ENOSPC when
 * the file system stops taking bytes without saying why).  Writes go in
 * pieces of at most 1 GiB, below what one pwrite() may take. */
static inline int ovk_pwrite_all(int fd, const void *p, uint64_t len, uint64_t off)
{
	const uint8_t *b = p;

	while (len > 0) {
		size_t want = len < ((uint64_t)1 << 30) ? (size_t)len : (size_t)1 << 30;
		ssize_t n = pwrite(fd, b, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		b += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

#endif
