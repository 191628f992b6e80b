/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* outfile.c: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---------------------------------------------------------------- stage */

int ovk_stage_init(struct ovk_stage *s, size_t cap, ovk_stage_write_fn write, void *opaque,
		   struct ovk_error *err)
{
	memset(s, 0, sizeof *s);
	if (posix_memalign((void **)&s->buf, OVK_OUTFILE_ALIGN, cap) != 0) {
		s->buf = NULL;
		return ovk_error_set(err, ENOMEM, "out of memory for a %zu-byte write buffer", cap);
	}
	s->cap = cap;
	s->write = write;
	s->opaque = opaque;
	return 0;
}

int ovk_stage_flush(struct ovk_stage *s, struct ovk_error *err)
{
	int ret = 0;

	if (s->len)
		ret = s->write(s->opaque, s->off, s->buf, s->len, err);
	s->len = 0;
	return ret;
}

int ovk_stage_put(struct ovk_stage *s, uint64_t off, const void *p, size_t len,
		  struct ovk_error *err)
{
	if (s->len && off != s->off + s->len && ovk_stage_flush(s, err) < 0)
		return -1;
	if (len >= OVK_STAGE_DIRECT_MIN) {
		if (ovk_stage_flush(s, err) < 0)
			return -1;
		return s->write(s->opaque, off, p, len, err);
	}
	if (s->len + len > s->cap && ovk_stage_flush(s, err) < 0)
		return -1;
	if (s->len == 0)
		s->off = off;
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	return 0;
}

void ovk_stage_free(struct ovk_stage *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}
