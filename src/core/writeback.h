/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writeback.h: bounded write-behind for outputs that will be fsync'ed.
 *
 * A sink that writes gigabytes and fsyncs at the end leaves all of them
 * dirty in the page cache first.  Once memory fills, every further write
 * pays for reclaim (the kernel's copy into the page cache slowed from
 * ~6.7 GB/s to ~0.65 GB/s on a 16 GiB disk here), and the final fsync
 * flushes everything at once.  So, as the write frontier passes each
 * window, start writeback of that window and wait for the one before it,
 * then drop it from the cache: at most two windows are dirty, the device
 * works while we decode, and the fsync has little left to do.
 *
 * Only for outputs that are synced anyway: with --no-sync the page cache
 * is the point.  Errors here are ignored; the final fsync reports them.
 */
#ifndef OVK_CORE_WRITEBACK_H
#define OVK_CORE_WRITEBACK_H

#include <stdint.h>

/* 64 MiB: large enough that the device sees long sequential writes, small
 * enough that two windows are a sliver of any machine's memory. */
#define OVK_WRITEBACK_WINDOW ((uint64_t)64 << 20)

struct ovk_writeback {
	int fd;
	int enabled;
	uint64_t next;            /* start of the first window not yet started */
	int have_prev;
	uint64_t prev;            /* the window started last */
};

void ovk_writeback_init(struct ovk_writeback *wb, int fd, int enabled);
/* Bytes up to `frontier` have been written (writes below it may still come,
 * e.g. metadata; they are simply flushed by the final fsync). */
void ovk_writeback_advance(struct ovk_writeback *wb, uint64_t frontier);

#endif
