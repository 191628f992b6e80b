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

#include <stdint.h>

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

#endif
