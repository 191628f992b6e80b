/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tar.h: the only door to libarchive (STYLE.md #5).
 *
 * Two ways to read an OVA's tar:
 *   - ovk_tar_index(): an uncompressed tar in memory (the mmap of the OVA).
 *     Each member's data offset in the file is recorded, and checked to be
 *     one contiguous run of bytes, so a disk can be read in place as a
 *     window of the mapping: no copy, no temp space.
 *   - ovk_tar_stream_*(): any tar, gzip- or xz-compressed or not, read
 *     forward once; members come in archive order.
 * Both enforce the member rules: regular files only (no links, devices,
 * or GNU sparse files in a stream), names that stay inside the package (no
 * absolute path, no ".." component), and no name twice.  A leading "./" is
 * dropped, as `tar -C dir .` writes it.
 */
#ifndef OVK_OVA_TAR_H
#define OVK_OVA_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* Members per archive: an OVA holds an .ovf, .mf, .cert and its disks
 * (chunked disks add one member per chunk).  65536 covers a 64 TiB disk in
 * 1 GiB chunks. */
#define OVK_TAR_MAX_MEMBERS 65536

struct ovk_tar_member {
	char *name;
	uint64_t offset;      /* data offset in the tar (index only) */
	uint64_t size;
	int sparse;           /* GNU/pax sparse: never windowed */
};

/* Index an uncompressed tar of `size` bytes at `data`.  `name` is for
 * messages.  Fails for a compressed tar (*compressed = 1, no error set);
 * the caller then streams. */
int ovk_tar_index(const uint8_t *data, size_t size, const char *name,
		  struct ovk_tar_member **out, size_t *n_out, int *compressed,
		  struct ovk_error *err);
void ovk_tar_members_free(struct ovk_tar_member *m, size_t n);

/* A name as the tar rules allow it (see above): 0, or -1 with err set.
 * *norm points into `name`, past any "./". */
int ovk_tar_check_name(const char *archive, const char *name, const char **norm,
		       struct ovk_error *err);

struct ovk_tar_stream;
struct ovk_blob;

/* Read from a file descriptor (not closed by us) or from memory. */
int ovk_tar_stream_open_fd(int fd, const char *name, struct ovk_tar_stream **out,
			   struct ovk_error *err);
int ovk_tar_stream_open_memory(const uint8_t *data, size_t size, const char *name,
			       struct ovk_tar_stream **out, struct ovk_error *err);
/* Read an uncompressed tar from a stream blob (owned by the stream, even
 * on failure): the container's own gunzip of a whole-gzip OVA.  At the
 * tar's end the blob is read to its end too (so the gzip trailers are
 * checked), which may hold at most OVK_TAR_MAX_TRAILING bytes more. */
int ovk_tar_stream_open_blob(struct ovk_blob *b, const char *name, struct ovk_tar_stream **out,
			     struct ovk_error *err);
/* Bytes after the tar's end-of-archive blocks: tar pads the archive to its
 * record size, 10 KiB by default, and `tar -b` allows at most 1 MiB. */
#define OVK_TAR_MAX_TRAILING ((uint64_t)1 << 20)
/* Advance to the next member: 1 with *name (valid until the next call) and
 * *size, 0 at the end, -1 on error (truncated archive, a link, a bad or
 * repeated name). */
int ovk_tar_stream_next(struct ovk_tar_stream *s, const char **name, uint64_t *size,
			struct ovk_error *err);
/* Read the current member's data: bytes read, 0 at its end, -1 on error. */
ssize_t ovk_tar_stream_read(struct ovk_tar_stream *s, void *buf, size_t len,
			    struct ovk_error *err);
/* 1 when the stream inflates (its own gunzip, or a libarchive filter). */
int ovk_tar_stream_compressed(const struct ovk_tar_stream *s);
void ovk_tar_stream_free(struct ovk_tar_stream *s);

/* ---- writing (ova-export): the archive is laid out by the caller, who
 * writes each member's data and pads it to a block. */

#define OVK_TAR_BLOCK 512u

/* The ustar header of a regular file `name` (1 to 99 bytes: no prefix
 * field is needed for the names an export makes) of `size` bytes. */
int ovk_tar_header(const char *name, uint64_t size, uint64_t mtime,
		   uint8_t hdr[OVK_TAR_BLOCK], struct ovk_error *err);

#endif
