/*
 * blob.h: the bytes of one input file, as the formats see them.
 *
 * A blob is one of
 *   - mapped: `data` points at `size` bytes (an mmap of a whole file, or a
 *     window into the mmap of a container such as an uncompressed OVA);
 *   - unmapped (`data == NULL`, `fd >= 0`): a file too large for the
 *     address space we may use (ulimit -v).  ovk_blob_pread() and
 *     ovk_blob_read() work through pread; formats that need a pointer
 *     refuse it, raw reads it;
 *   - a forward-only stream (`data == NULL`, `fd < 0`): bytes come from
 *     ovk_blob_read() in order, as from a gzip- or xz-compressed OVA
 *     member.
 * Formats read everything through a blob; none of them opens files by
 * itself.  Sibling files (VMDK extents named by a descriptor) are opened with
 * ovk_blob_open_sibling(), which asks the blob's resolver: a directory for a
 * plain file, the member list for an OVA.  That keeps the formats unaware of
 * containers (STYLE.md #0).
 *
 * Ownership: a blob is owned by whoever opened it and freed with
 * ovk_blob_free(), which is NULL-safe.  A window keeps its parent mapping
 * alive through a reference count.  Blobs are not thread-safe, except that
 * many threads may read `data` at once.
 */
#ifndef OVK_CORE_BLOB_H
#define OVK_CORE_BLOB_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct ovk_blob;

/* How sibling names are resolved.  `open` returns a new blob for `name`
 * (relative to the blob that asks) or -1 with err filled.  `flags` are the
 * OVK_OPEN_* flags of the public header (OVK_OPEN_UNSAFE_PATHS allows
 * absolute and ".." names). */
struct ovk_resolver {
	int (*open)(struct ovk_resolver *r, const char *name, unsigned flags,
		    struct ovk_blob **out, struct ovk_error *err);
	void (*ref)(struct ovk_resolver *r);
	void (*unref)(struct ovk_resolver *r);
};

/* Where and how a stream that needs random access may be copied to a file
 * (ovk_blob_spill): set by the engine for one conversion, on the input
 * blob, and inherited by every sibling opened from it, so that a format
 * can copy an extent it opens too.  Borrowed: it outlives the blobs. */
struct ovk_spill {
	const char *dir;
	volatile sig_atomic_t *cancel;
	void (*note)(void *opaque, const char *msg);   /* may be NULL */
	void *note_opaque;
};

/* Stream callbacks for a forward-only blob: read up to len bytes; 0 at end. */
typedef ssize_t (*ovk_blob_read_fn)(void *opaque, void *buf, size_t len, struct ovk_error *err);

struct ovk_blob {
	char *name;               /* for messages: the path, or "x.ova:disk1.vmdk" */
	const uint8_t *data;      /* mapped bytes, or NULL for a stream */
	uint64_t size;            /* bytes; for a stream, the size if known, else UINT64_MAX */
	int fd;                   /* the file behind a mapped blob, or -1 */
	uint64_t fd_offset;       /* where data[0] sits in fd (windows) */
	int is_block_device;
	uint64_t alloc_bytes;     /* bytes allocated on disk (st_blocks * 512), or 0 */

	/* private */
	uint64_t stream_pos;      /* bytes consumed from a stream */
	ovk_blob_read_fn read_fn;
	void *read_opaque;
	void (*read_close)(void *opaque);
	struct ovk_blob_map *map; /* shared mapping, refcounted */
	/* Streams: every byte read from the producer is also passed here, in
	 * order, exactly once (the engine hashes streamed members this way). */
	void (*tap)(void *opaque, const void *buf, size_t len);
	void *tap_opaque;
	uint8_t *peek_buf;        /* stream bytes peeked but not yet consumed */
	size_t peek_len, peek_pos;
	struct ovk_resolver *resolver;
	/* A spilled copy keeps the stream it was copied from: a hasher's tap
	 * on that stream stays valid until the copy is freed. */
	struct ovk_blob *origin;
	const struct ovk_spill *spill;    /* NULL: streams cannot be copied */
};

/* No random access: only ovk_blob_read() in order. */
static inline int ovk_blob_is_stream(const struct ovk_blob *b)
{
	return !b->data && b->fd < 0;
}

/* Open a regular file or block device read-only and mmap it (or, when the
 * address space is short, leave it unmapped).  Sets the
 * default resolver (siblings beside the file, `dir` from the path). */
int ovk_blob_open_file(const char *path, struct ovk_blob **out, struct ovk_error *err);

/* A mapped blob holding a copy of data (in a memfd, so it has an fd and a
 * mapping like a file): for fuzzers and tests. */
int ovk_blob_from_memory(const char *name, const void *data, size_t size,
			 struct ovk_blob **out, struct ovk_error *err);

/* A window [off, off + len) of a mapped blob, named `name`; it shares the
 * mapping.  The resolver is given by the caller (may be NULL). */
int ovk_blob_window(struct ovk_blob *parent, uint64_t off, uint64_t len, const char *name,
		    struct ovk_resolver *resolver, struct ovk_blob **out, struct ovk_error *err);

/* A forward-only stream blob.  `size` may be UINT64_MAX when unknown.
 * `close` (may be NULL) is called on opaque when the blob is freed. */
int ovk_blob_stream(const char *name, uint64_t size, ovk_blob_read_fn fn, void *opaque,
		    void (*close)(void *opaque), struct ovk_resolver *resolver,
		    struct ovk_blob **out, struct ovk_error *err);

/* Copy the rest of a stream into an unnamed temp file in stream->spill's
 * directory (gone when the blob is freed, or if the process dies), saying
 * so through its note, and give a mapped blob of it: for formats that need
 * random access, read from a compressed OVA.  `why` completes the note
 * ("this qcow2 image needs random access").  Same name, resolver and spill;
 * the copy takes ownership of `stream` on success.  The bytes go through
 * ovk_blob_read(), so a tap sees them; zero blocks stay holes.  Fails
 * (ENOTSUP) when the stream has no spill, ECANCELED when cancelled. */
int ovk_blob_spill(struct ovk_blob *stream, const char *why, struct ovk_blob **out,
		   struct ovk_error *err);

/* Read exactly len bytes at the stream cursor (short only at the end: returns
 * bytes read).  Works on mapped blobs too, with a cursor. */
ssize_t ovk_blob_read(struct ovk_blob *b, void *buf, size_t len, struct ovk_error *err);

/* Look at the next len bytes without consuming them (streams buffer them;
 * later reads return them first).  *got may be < len at the end. */
int ovk_blob_peek(struct ovk_blob *b, size_t len, const uint8_t **p, size_t *got,
		  struct ovk_error *err);

/* Skip forward n bytes of a stream. */
int ovk_blob_skip(struct ovk_blob *b, uint64_t n, struct ovk_error *err);

/* Copy [off, off + len) of a mapped blob into buf; -1 when out of range. */
int ovk_blob_pread(const struct ovk_blob *b, uint64_t off, void *buf, size_t len,
		   struct ovk_error *err);

/* Open a sibling through the blob's resolver. */
int ovk_blob_open_sibling(struct ovk_blob *b, const char *name, unsigned flags,
			  struct ovk_blob **out, struct ovk_error *err);

/* Memory hints for mapped blobs; page-aligned internally, errors ignored. */
void ovk_blob_advise_sequential(struct ovk_blob *b);
/* Drop the resident pages of [0, upto) from this process (not from the page
 * cache), so RSS does not grow with the disk. */
void ovk_blob_release(struct ovk_blob *b, uint64_t upto);
/* Drop the resident pages of [off, off + len). */
void ovk_blob_release_range(struct ovk_blob *b, uint64_t off, uint64_t len);

void ovk_blob_free(struct ovk_blob *b);

/* The directory part of a path ("." when there is none); malloc'ed. */
char *ovk_path_dir(const char *path);

/* Whether open(dir, O_TMPFILE) failed with errno because the file system
 * (or kernel) lacks O_TMPFILE, so a named temp file must do instead. */
static inline int ovk_tmpfile_unsupported(int errnum)
{
	return errnum == EOPNOTSUPP || errnum == EISDIR || errnum == EINVAL;
}

/* True when a relative `name` stays inside its directory: not absolute, no
 * ".." component, not empty.  Used by every resolver. */
int ovk_path_is_contained(const char *name);

#endif
