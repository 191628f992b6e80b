/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gdisk.h: the bytes of a guest's disk, and the views of it the guest
 * reader walks: the whole disk, a partition (a window), a logical volume
 * (segments of other views, in order).  Every reader in src/guest reads
 * through a gdisk, never a file, so the same code reads a local output, a
 * pool volume read back in ranges (virt), or a test's image.
 *
 * Reads go through a small block cache (GDISK_CACHE_BLOCKS of
 * GDISK_BLOCK bytes, least recently used out): inspection reads many
 * small, nearby pieces (superblocks, inodes, directory blocks), and each
 * read of a remote volume is a round trip.
 *
 * A view holds a reference to what it views; ovk_gdisk_free() drops one.
 * Not thread-safe: one inspection, one thread.
 */
#ifndef OVK_GUEST_GDISK_H
#define OVK_GUEST_GDISK_H

#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/error.h"
#include "core/open.h"

/* Cache geometry: 64 KiB blocks (a qcow2 cluster, an XFS/ext4 allocation
 * group's metadata neighbourhood), 256 of them: 16 MiB at most, well
 * inside the 64 MiB RSS budget of an import. */
#define GDISK_BLOCK ((uint64_t)64 << 10)
#define GDISK_CACHE_BLOCKS 256u
/* Segments of one logical volume: LVM2 writes one per extension, and
 * real volumes have a handful; more is hostile metadata. */
#define GDISK_MAX_SEGMENTS 4096u

/* Where the bytes come from: exactly len bytes at off (off + len <= size). */
typedef int (*ovk_gdisk_read_fn)(void *opaque, uint64_t off, void *buf, size_t len,
				 struct ovk_error *err);

struct ovk_gdisk;

/* The disk itself: `size` bytes read through fn; `close` (may be NULL) is
 * called on opaque when the last reference goes.  `name` is for
 * messages. */
int ovk_gdisk_new(const char *name, uint64_t size, ovk_gdisk_read_fn fn, void *opaque,
		  void (*close)(void *opaque), struct ovk_gdisk **out, struct ovk_error *err);

/* A disk image (what engine/image.c reads at random) as a disk; `blob` is
 * taken over in every case, `format` NULL probes, `ctx` as there. */
int ovk_gdisk_open_image(struct ovk_blob *blob, const char *format,
			 const struct ovk_open_ctx *ctx, const char *name,
			 struct ovk_gdisk **out, struct ovk_error *err);

/* [off, off + len) of `base` as a disk of its own (a partition). */
int ovk_gdisk_window(struct ovk_gdisk *base, uint64_t off, uint64_t len, const char *name,
		     struct ovk_gdisk **out, struct ovk_error *err);

/* A disk made of segments in order (a linear LV): segment i is `len[i]`
 * bytes at `off[i]` of `base[i]`. */
int ovk_gdisk_concat(struct ovk_gdisk *const *base, const uint64_t *off, const uint64_t *len,
		     size_t n, const char *name, struct ovk_gdisk **out, struct ovk_error *err);

uint64_t ovk_gdisk_size(const struct ovk_gdisk *d);
const char *ovk_gdisk_name(const struct ovk_gdisk *d);

/* len bytes at off into buf; -1 (ERANGE) past the end. */
int ovk_gdisk_pread(struct ovk_gdisk *d, uint64_t off, void *buf, size_t len,
		    struct ovk_error *err);

void ovk_gdisk_free(struct ovk_gdisk *d);

#endif
