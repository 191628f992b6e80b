/* outfile.c: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fileio.h"

void ovk_outfile_init(struct ovk_outfile *o, int fd, int synced)
{
	char path[64];

	o->fd = fd;
	o->dfd = -1;
	ovk_writeback_init(&o->wb, fd, synced);
	if (!synced || fd < 0)
		return;
	/* /proc/self/fd reopens the file itself, an O_TMPFILE one too. */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	o->dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
}

static int aligned(const void *p, uint64_t len, uint64_t off)
{
	return ((uintptr_t)p % OVK_OUTFILE_ALIGN) == 0 && len % OVK_OUTFILE_ALIGN == 0 &&
	       off % OVK_OUTFILE_ALIGN == 0;
}

int ovk_outfile_pwrite(struct ovk_outfile *o, const void *p, uint64_t len, uint64_t off)
{
	if (o->dfd >= 0 && len >= OVK_OUTFILE_DIRECT_MIN && aligned(p, len, off)) {
		if (ovk_pwrite_all(o->dfd, p, len, off) == 0)
			return 0;
		/* Refused (a file system that takes the flag but not the
		 * write): buffered from now on. */
		if (errno != EINVAL)
			return -1;
		close(o->dfd);
		o->dfd = -1;
	}
	if (ovk_pwrite_all(o->fd, p, len, off) < 0)
		return -1;
	ovk_writeback_advance(&o->wb, off + len);
	return 0;
}

void ovk_outfile_close(struct ovk_outfile *o)
{
	if (o && o->dfd >= 0) {
		close(o->dfd);
		o->dfd = -1;
	}
}
