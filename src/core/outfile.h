/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * outfile.h: how a sink puts its bytes into an output file that will be
 * synced.
 *
 * Bulk data goes around the page cache: the same file is opened a second
 * time with O_DIRECT, and a write whose buffer, offset and length are all
 * aligned to OVK_OUTFILE_ALIGN (and that is large enough to be worth a
 * synchronous device write) goes through it.  That spares the copy into
 * the page cache, which cost as much CPU here as a third of the inflating
 * it follows (a 2 GiB conversion: ~1 s of system time buffered, ~0.05 s
 * direct), and it leaves nothing dirty for the final fsync.  Everything
 * else (metadata, unaligned tails, small writes) goes through the page
 * cache with bounded write-behind (writeback.h).  Where O_DIRECT is not to
 * be had (tmpfs, some network file systems), or a direct write is refused,
 * everything is buffered.
 *
 * Only for outputs that are synced anyway: with --no-sync, the page cache
 * is the point.  The kernel keeps the two descriptors coherent: a direct
 * write flushes and drops any cached page it overlaps.
 */
#ifndef OVK_CORE_OUTFILE_H
#define OVK_CORE_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "writeback.h"

/* The alignment asked of direct writes: the page size, which covers the
 * logical block size of every common device (512 or 4096 bytes). */
#define OVK_OUTFILE_ALIGN 4096u
/* Direct writes smaller than this go through the page cache instead: a
 * small write would wait on the device alone. */
#define OVK_OUTFILE_DIRECT_MIN ((uint64_t)256 << 10)

struct ovk_outfile {
	int fd;                 /* the output, buffered */
	int dfd;                /* the same file with O_DIRECT, or -1 */
	struct ovk_writeback wb;
};

/* Set up writes to fd; `synced`: the output is fsync'ed at the end. */
void ovk_outfile_init(struct ovk_outfile *o, int fd, int synced);
/* pwrite() all of p[0, len) at off, directly when it can: 0, or -1 with
 * errno set. */
int ovk_outfile_pwrite(struct ovk_outfile *o, const void *p, uint64_t len, uint64_t off);
/* Close the direct descriptor (fd stays the caller's).  NULL-safe. */
void ovk_outfile_close(struct ovk_outfile *o);

/* ---- staged writes ----
 *
 * Sinks that grow their output front to back (qcow2, vmdk) put out many
 * small pieces side by side (a compressed cluster, a grain marker, a
 * table).  A stage gathers them into one aligned buffer written with one
 * call, and lets a large piece go straight out after what is gathered, so
 * that bulk data keeps the direct path above.  The writes go through the
 * sink's own function (a file, or a byte target). */

/* A piece at least this large is written as it is, not copied. */
#define OVK_STAGE_DIRECT_MIN ((size_t)256 << 10)

typedef int (*ovk_stage_write_fn)(void *opaque, uint64_t off, const void *p, size_t len,
				  struct ovk_error *err);

struct ovk_stage {
	uint8_t *buf;           /* OVK_OUTFILE_ALIGN-aligned, cap bytes */
	size_t len, cap;
	uint64_t off;           /* output offset of buf[0] */
	ovk_stage_write_fn write;
	void *opaque;
};

/* 0, or -1 (ENOMEM) with *err filled. */
int ovk_stage_init(struct ovk_stage *s, size_t cap, ovk_stage_write_fn write, void *opaque,
		   struct ovk_error *err);
/* Queue p[0, len) for output offset off (p is needed during this call
 * only); a piece that does not follow the gathered bytes flushes them. */
int ovk_stage_put(struct ovk_stage *s, uint64_t off, const void *p, size_t len,
		  struct ovk_error *err);
/* Write what is gathered. */
int ovk_stage_flush(struct ovk_stage *s, struct ovk_error *err);
/* NULL-safe on a zeroed struct. */
void ovk_stage_free(struct ovk_stage *s);

#endif
