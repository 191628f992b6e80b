/*
 * extent.h: the one interface between readers (sources) and writers (sinks).
 *
 * A source yields extents in ascending order that tile [0, size) exactly
 * (STYLE.md #3).  Everything is in bytes, never sectors.  An extent is
 *   DATA         bytes that the guest wrote;
 *   ZERO         reads as zero and the format says so (VMDK zeroed grain,
 *                qcow2 zero cluster);
 *   UNALLOCATED  nothing stored here: reads as zero, or from the backing
 *                file when the source has one.
 *
 * A DATA extent comes in one of two forms:
 *   - direct: `data` points at the bytes (usually into an mmap); the pointer
 *     stays valid until the source is closed;
 *   - deferred: `data` is NULL and ops->read() materializes the bytes into a
 *     caller buffer.  This is how compressed grains and clusters are handed
 *     out: next() walks the metadata on one thread, and read() inflates on
 *     many threads at once.  `loc`/`loc_len`/`ref` are the source's own
 *     locator (e.g. file offset and compressed length).
 *
 * Invariant for deferred extents: one never crosses an OVK_CHUNK boundary
 * (2 MiB, the largest grain or cluster we accept), so the engine can hand
 * whole chunks to workers.  Direct extents may be of any length.
 *
 * A sink consumes extents in ascending order that tile [0, size), each DATA
 * extent direct, and ends with finish() (the output is complete and durable
 * when asked) or abort() (the output is discarded).  Both free the sink.
 */
#ifndef OVK_CORE_EXTENT_H
#define OVK_CORE_EXTENT_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "error.h"
#include "info.h"

/* The engine's unit of work, and the largest grain or cluster we accept. */
#define OVK_CHUNK ((uint64_t)2 << 20)

enum ovk_extent_type {
	OVK_EXTENT_DATA,
	OVK_EXTENT_ZERO,
	OVK_EXTENT_UNALLOCATED,
};

struct ovk_extent {
	uint64_t offset;            /* guest byte offset */
	uint64_t length;            /* bytes, > 0 */
	enum ovk_extent_type type;
	const uint8_t *data;        /* DATA: direct pointer, or NULL when deferred */
	uint64_t loc;               /* deferred: source-private locator */
	uint64_t loc_len;           /* deferred: source-private length */
	void *ref;                  /* deferred: source-private (e.g. which extent file) */
};

struct ovk_source;

struct ovk_source_ops {
	/* Next extent: 1 with *ext filled, 0 at the end, -1 on error.
	 * Called from one thread only. */
	int (*next)(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err);
	/* Materialize a deferred DATA extent into dst (ext->length bytes).
	 * Thread-safe: many workers call it at once, while next() runs.
	 * NULL when the source never defers. */
	int (*read)(struct ovk_source *src, const struct ovk_extent *ext, uint8_t *dst,
		    struct ovk_error *err);
	/* Hint: every guest byte below `done` has been consumed; the source may
	 * release the input pages behind it.  May be NULL. */
	void (*release)(struct ovk_source *src, uint64_t done);
	/* Describe the image (format-specific fields).  May be NULL. */
	int (*info)(struct ovk_source *src, struct ovk_info *info, struct ovk_error *err);
	/* Check that `parent` is the right backing image for this one (e.g. the
	 * VMDK CID chain).  May be NULL. */
	int (*check_backing)(struct ovk_source *src, struct ovk_source *parent,
			     struct ovk_error *err);
	void (*close)(struct ovk_source *src);
};

struct ovk_source {
	const struct ovk_source_ops *ops;
	const char *format;         /* "raw", "vmdk", "qcow2" */
	uint64_t size;              /* virtual size in bytes */
	/* A source with a backing image: its UNALLOCATED extents read from it.
	 * The engine opens the backing (relative names through the blob's
	 * resolver) and layers the two streams; the format never opens it. */
	char *backing_name;         /* NULL when none; owned by the source */
	char *backing_format;       /* NULL: probe */
	/* Bytes the image occupies on disk, when the format knows better than
	 * the size of its first file (several extent files); 0: use the blob's. */
	uint64_t allocated_bytes;
	void *priv;                 /* the format's state */
};

struct ovk_sink;

struct ovk_sink_ops {
	/* Consume the next extent (ascending, tiling [0, size)); DATA is direct.
	 * `encoded`/`encoded_len`: see encode().  Called from one thread. */
	int (*write)(struct ovk_sink *sink, const struct ovk_extent *ext,
		     const uint8_t *encoded, size_t encoded_len, struct ovk_error *err);
	/* Optional, thread-safe: transform one block of data (block_size bytes,
	 * less at the end of the disk) into out (capacity out_cap), e.g.
	 * compress a qcow2 cluster.  Sets *out_len; 0 means "store as is".  The
	 * engine then calls write() with that one block and its encoding. */
	int (*encode)(struct ovk_sink *sink, const uint8_t *block, size_t len, uint8_t *out,
		      size_t out_cap, size_t *out_len, struct ovk_error *err);
	/* Complete the output (metadata, flush if sync).  Frees the sink. */
	int (*finish)(struct ovk_sink *sink, struct ovk_error *err);
	/* Discard.  Frees the sink.  Never fails. */
	void (*abort)(struct ovk_sink *sink);
};

struct ovk_sink {
	const struct ovk_sink_ops *ops;
	const char *format;
	uint64_t size;              /* virtual size in bytes */
	/* Granularity of zero detection and of encode(): DATA blocks that are
	 * all zero are handed over as ZERO.  A power of two <= OVK_CHUNK. */
	uint32_t block_size;
	size_t encode_cap;          /* out_cap that encode() needs per block; 0 if no encode */
	void *priv;
};

/* Where a sink's bytes go instead of a file descriptor: a place that can
 * only be written front to back, such as a libvirt upload stream.  It
 * behaves as a new, empty regular file would: pwrite() may go anywhere
 * (also backwards), bytes never written read as zero, and set_size() is
 * ftruncate() (the sink only ever extends).  Durability is the target's
 * business: a sink does not sync it.  Only sinks that say so honour it
 * (qcow2); the others need an fd. */
struct ovk_byte_target {
	int (*pwrite)(void *opaque, uint64_t off, const void *buf, size_t len,
		      struct ovk_error *err);
	int (*set_size)(void *opaque, uint64_t size, struct ovk_error *err);
	void *opaque;
};

/* What a sink is opened on: an open file descriptor (a temp file or a block
 * device, positioned at 0, empty unless a block device), or a byte target,
 * plus options. */
struct ovk_sink_params {
	int fd;
	const struct ovk_byte_target *target;   /* NULL: write to fd */
	const char *name;           /* for messages */
	int is_block_device;
	uint64_t size;              /* virtual size */
	int sync;                   /* fsync in finish() */
	int compress;               /* -c */
	const char *options;        /* "-o" string: "cluster_size=65536,compression_type=zstd" */
	/* Backing file to record (overlay creation); NULL for a full copy. */
	const char *backing_name;
	const char *backing_format;
};

/* Helpers for sources. */
static inline void ovk_extent_set(struct ovk_extent *e, uint64_t off, uint64_t len,
				  enum ovk_extent_type type, const uint8_t *data)
{
	e->offset = off;
	e->length = len;
	e->type = type;
	e->data = data;
	e->loc = 0;
	e->loc_len = 0;
	e->ref = NULL;
}

/* Close a source (NULL-safe). */
void ovk_source_close(struct ovk_source *src);

/* Find the value of `key` in a qemu-style option string "a=1,b=2" into buf.
 * Returns 1 found, 0 absent, -1 when buf is too small. */
int ovk_option_get(const char *options, const char *key, char *buf, size_t buflen);
/* Check that every key in options is in the NULL-terminated list `known`. */
int ovk_options_check(const char *options, const char *const *known, const char *what,
		      struct ovk_error *err);
/* Parse a size with an optional K/M/G/T suffix (powers of 1024). */
int ovk_parse_size(const char *s, uint64_t *out);

#endif
