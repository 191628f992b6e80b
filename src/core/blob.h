/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * blob.h: the bytes of one input file, as the formats see them.
 *
 * A blob is one of
 *   - mapped: ovk_blob_data() points at ovk_blob_size() bytes (an mmap of a
 *     whole file, or a window into the mmap of a container such as an
 *     uncompressed OVA);
 *   - unmapped: a file too large for the address space we may use (ulimit
 *     -v).  ovk_blob_pread() and ovk_blob_read() work through pread;
 *     formats that need a pointer refuse it, raw reads it;
 *   - a forward-only stream: bytes come from ovk_blob_read() in order, as
 *     from a gzip- or xz-compressed OVA member.  Its size may be unknown
 *     (UINT64_MAX);
 *   - ranged: random access through a caller's function, as for a libvirt
 *     volume read back in pieces; never mapped.
 * Formats read everything through a blob; none of them opens files by
 * itself.  Sibling files (a VMDK descriptor's extents, a backing file) are
 * opened through the open context (core/open.h), relative to the blob's
 * location: the blob only knows its own name and where it sits.
 *
 * The struct is private to blob.c; nothing else writes a blob's fields.
 *
 * Ownership: a blob is owned by whoever opened it and freed with
 * ovk_blob_free(), which is NULL-safe.  A window keeps its parent mapping
 * alive through a reference count.  Blobs are not thread-safe, except that
 * many threads may read ovk_blob_data() and call ovk_blob_pread() and
 * ovk_blob_release_range() at once.
 */
#ifndef OVK_CORE_BLOB_H
#define OVK_CORE_BLOB_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct ovk_blob;

/* A forward-only blob's producer: read up to len bytes; 0 at the end. */
typedef ssize_t (*ovk_blob_read_fn)(void *opaque, void *buf, size_t len, struct ovk_error *err);

/* Open a regular file or block device read-only and mmap it (or, when the
 * address space is short, leave it unmapped).  Its location is `path`. */
int ovk_blob_open_file(const char *path, struct ovk_blob **out, struct ovk_error *err);

/* A mapped blob on the file behind fd (the caller still closes fd), named
 * `name`, at `location`.  For copies in temp files. */
int ovk_blob_open_fd(int fd, const char *name, const char *location, struct ovk_blob **out,
		     struct ovk_error *err);

/* A mapped blob holding a copy of data (in a memfd, so it has an fd and a
 * mapping like a file): for fuzzers and tests. */
int ovk_blob_from_memory(const char *name, const void *data, size_t size,
			 struct ovk_blob **out, struct ovk_error *err);

/* A window [off, off + len) of a mapped or unmapped blob, named `name`, at
 * `location` (its name in the container, for resolving its siblings); it
 * shares the mapping. */
int ovk_blob_window(const struct ovk_blob *parent, uint64_t off, uint64_t len, const char *name,
		    const char *location, struct ovk_blob **out, struct ovk_error *err);

/* A forward-only stream blob.  `size` may be UINT64_MAX when unknown.
 * `close` (may be NULL) is called on opaque when the blob is freed. */
int ovk_blob_stream(const char *name, const char *location, uint64_t size, ovk_blob_read_fn fn,
		    void *opaque, void (*close)(void *opaque), struct ovk_blob **out,
		    struct ovk_error *err);

/* A ranged blob's producer: exactly len bytes at off, or -1. */
typedef int (*ovk_blob_pread_fn)(void *opaque, uint64_t off, void *buf, size_t len,
				 struct ovk_error *err);

/* A ranged blob of `size` bytes; `close` (may be NULL) is called on opaque
 * when the blob is freed. */
int ovk_blob_ranged(const char *name, const char *location, uint64_t size, ovk_blob_pread_fn fn,
		    void *opaque, void (*close)(void *opaque), struct ovk_blob **out,
		    struct ovk_error *err);

/* ---- what a blob is (fixed when it is made) ---- */

/* For messages: the path, or "x.ova:disk1.vmdk". */
const char *ovk_blob_name(const struct ovk_blob *b);
/* Where it sits, for resolving siblings: a path, or a member name. */
const char *ovk_blob_location(const struct ovk_blob *b);
/* Bytes; UINT64_MAX for a stream of unknown size. */
uint64_t ovk_blob_size(const struct ovk_blob *b);
/* The mapped bytes, or NULL (a stream, or a file too large to map). */
const uint8_t *ovk_blob_data(const struct ovk_blob *b);
/* No random access: only ovk_blob_read() in order. */
int ovk_blob_is_stream(const struct ovk_blob *b);
int ovk_blob_is_block_device(const struct ovk_blob *b);
/* Bytes allocated on disk (st_blocks * 512; the size for a window). */
uint64_t ovk_blob_allocated(const struct ovk_blob *b);
/* Bytes consumed through ovk_blob_read()/ovk_blob_skip(), peeked ones not
 * counted. */
uint64_t ovk_blob_consumed(const struct ovk_blob *b);
/* Whether nothing has been read or peeked yet. */
int ovk_blob_untouched(const struct ovk_blob *b);

/* ---- reading ---- */

/* Read exactly len bytes at the cursor (short only at the end: returns
 * bytes read).  Works on mapped blobs too, with a cursor. */
ssize_t ovk_blob_read(struct ovk_blob *b, void *buf, size_t len, struct ovk_error *err);

/* Look at the next len bytes without consuming them (streams buffer them;
 * later reads return them first).  *got may be < len at the end. */
int ovk_blob_peek(struct ovk_blob *b, size_t len, const uint8_t **p, size_t *got,
		  struct ovk_error *err);

/* Skip forward n bytes. */
int ovk_blob_skip(struct ovk_blob *b, uint64_t n, struct ovk_error *err);

/* Read a stream to its end and drop the bytes, so that whatever checks a
 * stream's end runs (a gzip trailer, a digest, a chunk count).  A no-op
 * for a mapped or unmapped blob.  Bounded by the stream: each layer that
 * makes one limits what it yields. */
int ovk_blob_read_to_end(struct ovk_blob *b, struct ovk_error *err);

/* Copy [off, off + len) of a mapped or unmapped blob into buf, with pread
 * (never through the mapping); -1 when out of range or for a stream. */
int ovk_blob_pread(const struct ovk_blob *b, uint64_t off, void *buf, size_t len,
		   struct ovk_error *err);

/* Where data starts at or after pos, and where the hole after it starts,
 * both clamped to the size (the file system's SEEK_DATA/SEEK_HOLE, for a
 * regular file or a window of one).  Without hole information, or for a
 * block device, everything is data: *data = pos, *hole = size. */
void ovk_blob_find_data(const struct ovk_blob *b, uint64_t pos, uint64_t *data,
			uint64_t *hole);

/* Memory hint for a mapped blob read front to back; errors ignored. */
void ovk_blob_advise_sequential(const struct ovk_blob *b);
/* Drop the resident pages of [off, off + len) from this process (not from
 * the page cache), so RSS does not grow with the disk.  Only whole pages
 * inside the blob; a no-op for unmapped blobs. */
void ovk_blob_release_range(const struct ovk_blob *b, uint64_t off, uint64_t len);

void ovk_blob_free(struct ovk_blob *b);

/* ---- paths ---- */

/* The directory part of a path ("." when there is none); malloc'ed. */
char *ovk_path_dir(const char *path);

/* Whether open(dir, O_TMPFILE) failed with errno because the file system
 * (or kernel) lacks O_TMPFILE, so a named temp file must do instead. */
static inline int ovk_tmpfile_unsupported(int errnum)
{
	return errnum == EOPNOTSUPP || errnum == EISDIR || errnum == EINVAL;
}

/* An unnamed file in dir, open read-write: O_TMPFILE, or where the file
 * system lacks it, a name unlinked at once.  Either way nothing is left if
 * we die.  -1 with err set. */
int ovk_unnamed_temp_file(const char *dir, struct ovk_error *err);

/* True when a relative `name` stays inside its directory: not absolute, no
 * ".." component, not empty. */
int ovk_path_is_contained(const char *name);

#endif
