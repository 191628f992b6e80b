/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * extent.h: the one interface between readers (sources) and writers (sinks).
 *
 * Sources: two calls.
 *   next()  yields extents in ascending order that tile [0, size) exactly
 *           (STYLE.md #3), from one thread.  Everything is in bytes, never
 *           sectors.  An extent is
 *             DATA         bytes that the guest wrote;
 *             ZERO         reads as zero and the format says so (VMDK zeroed
 *                          grain, qcow2 zero cluster);
 *             UNALLOCATED  nothing stored here: reads as zero, or from the
 *                          backing file when the source has one.
 *   read()  materialises one ENCODED DATA extent (a compressed grain or
 *           cluster) into a buffer.  Many workers call it at once, while
 *           next() runs; it reads only the extent and what the source fixed
 *           at open, so it needs no lock.
 *
 * Where a DATA extent's bytes are (nbdcopy's model: the extent says where,
 * the engine reads):
 *   stored   `in` holds them as they are, at [in_off, in_off + length): the
 *            engine copies or maps them itself (a raw disk, a flat extent,
 *            an uncompressed grain);
 *   buffer   `buf` holds them (read from a stream): the source hands the
 *            buffer over with the extent, and the engine frees it;
 *   encoded  read() makes them, from [in_off, in_off + in_len) of `in` or
 *            from `buf`; `token` and `token_ref` are the source's own.
 *            An encoded extent is at most OVK_MAX_ENCODED bytes long.
 * The engine cuts extents into its units of work and releases an input's
 * pages once the writer is past them, so a source never cuts or releases
 * anything for the engine's sake: a source is entered from next() and
 * read() only.
 *
 * Sinks take whole blocks of their block_size (the last one may end at the
 * disk's end), in ascending runs that tile [0, size):
 *   - a run of ZERO or UNALLOCATED blocks;
 *   - a run of DATA blocks, none of them all zero (the engine checked);
 *   - with a codec named by the sink: one DATA block and its encoding, made
 *     on the engine's workers (encoded_len 0: it did not fit encode_cap,
 *     store the block as is).  An encoding always covers a whole block, the
 *     short last one zero-padded.
 * A sink ends with finish() (the output is complete and durable when asked)
 * or abort() (the output is discarded).  Both free the sink.
 */
#ifndef OVK_CORE_EXTENT_H
#define OVK_CORE_EXTENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "blob.h"
#include "codec.h"
#include "error.h"
#include "info.h"

/* The largest encoded extent: 2 MiB, the largest grain or cluster we
 * accept (qemu refuses larger qcow2 clusters; VMware writes 64 KiB
 * grains). */
#define OVK_MAX_ENCODED ((uint64_t)2 << 20)

enum ovk_extent_type {
	OVK_EXTENT_DATA,
	OVK_EXTENT_ZERO,
	OVK_EXTENT_UNALLOCATED,
};

struct ovk_extent {
	uint64_t offset;            /* guest byte offset */
	uint64_t length;            /* bytes, > 0 */
	enum ovk_extent_type type;
	/* DATA only (see above). */
	const struct ovk_blob *in;  /* the input file holding the bytes, or NULL */
	uint64_t in_off, in_len;    /* where in `in` (in_len == length when stored) */
	uint8_t *buf;               /* malloc'ed, handed over to the engine; or NULL */
	size_t buf_len;
	int encoded;
	uint64_t token;             /* encoded: the source's own */
	const void *token_ref;
};

struct ovk_source;

/* What `qemu-img info` reports at the top level of an image but only the
 * format knows; the engine writes them beside the generic fields. */
struct ovk_source_facts {
	uint64_t cluster_size;      /* 0: the format has no clusters */
	int dirty;                  /* 0 or 1; -1: the format keeps no such flag */
};

struct ovk_source_ops {
	/* Next extent: 1 with *ext filled, 0 at the end, -1 on error. */
	int (*next)(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err);
	/* Materialise an encoded extent into dst (ext->length bytes).
	 * Thread-safe.  NULL when the source never encodes. */
	int (*read)(const struct ovk_source *src, const struct ovk_extent *ext, uint8_t *dst,
		    struct ovk_error *err);
	/* Random access, for the guest reader (engine/image.c): len guest
	 * bytes at off into buf.  Holes read as zero; a backing file is not
	 * looked up.  Not with next() on the same source.  NULL for formats
	 * that only walk. */
	int (*pread)(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		     struct ovk_error *err);
	/* Describe the image: fill `facts` (which come zeroed, dirty -1) and
	 * add the format's own fields to `data`, which becomes
	 * format-specific.data.  May be NULL. */
	int (*info)(struct ovk_source *src, struct ovk_source_facts *facts, struct ovk_info *data,
		    struct ovk_error *err);
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
	 * The engine opens the backing (through the open context, relative to
	 * this image) and layers the two; the format never opens it. */
	char *backing_name;         /* NULL when none; owned by the source */
	char *backing_format;       /* NULL: probe */
	/* Bytes the image occupies on disk, when the format knows better than
	 * the size of its first file (several extent files); 0: use the blob's. */
	uint64_t allocated_bytes;
	void *priv;                 /* the format's state */
};

/* A source a format has opened: its ops, format name, size and state. */
static inline void ovk_source_set(struct ovk_source *src, const struct ovk_source_ops *ops,
				  const char *format, uint64_t size, void *priv)
{
	src->ops = ops;
	src->format = format;
	src->size = size;
	src->priv = priv;
}

/* What a format's close() frees besides its own state: the backing names
 * and the source itself (NULL-safe). */
static inline void ovk_source_free_shell(struct ovk_source *src)
{
	if (!src)
		return;
	free(src->backing_name);
	free(src->backing_format);
	free(src);
}

/* ---- extents, as sources make them ---- */

static inline void ovk_extent_hole(struct ovk_extent *e, uint64_t off, uint64_t len,
				   enum ovk_extent_type type)
{
	*e = (struct ovk_extent){ .offset = off, .length = len, .type = type };
}

/* DATA stored as is at [at, at + len) of `in`. */
static inline void ovk_extent_stored(struct ovk_extent *e, uint64_t off, uint64_t len,
				     const struct ovk_blob *in, uint64_t at)
{
	*e = (struct ovk_extent){ .offset = off, .length = len, .type = OVK_EXTENT_DATA,
				  .in = in, .in_off = at, .in_len = len };
}

/* DATA that read() decodes from [at, at + enc_len) of `in`. */
static inline void ovk_extent_encoded(struct ovk_extent *e, uint64_t off, uint64_t len,
				      const struct ovk_blob *in, uint64_t at, uint64_t enc_len)
{
	*e = (struct ovk_extent){ .offset = off, .length = len, .type = OVK_EXTENT_DATA,
				  .in = in, .in_off = at, .in_len = enc_len, .encoded = 1 };
}

/* DATA in a buffer read from a stream, handed over (encoded: read()
 * decodes it). */
static inline void ovk_extent_buffer(struct ovk_extent *e, uint64_t off, uint64_t len,
				     uint8_t *buf, size_t buf_len, int encoded)
{
	*e = (struct ovk_extent){ .offset = off, .length = len, .type = OVK_EXTENT_DATA,
				  .buf = buf, .buf_len = buf_len, .encoded = encoded };
}

/* An encoded extent's input bytes: its buffer, or its range of a mapped
 * input (NULL when the input is not mapped). */
static inline const uint8_t *ovk_extent_encoded_bytes(const struct ovk_extent *e, size_t *len)
{
	const uint8_t *data;

	if (e->buf) {
		*len = e->buf_len;
		return e->buf;
	}
	data = e->in ? ovk_blob_data(e->in) : NULL;
	*len = (size_t)e->in_len;
	return data ? data + e->in_off : NULL;
}

/* ---- sinks ---- */

/* A run of whole blocks (see above). */
struct ovk_block_run {
	uint64_t offset, length;
	enum ovk_extent_type type;
	const uint8_t *data;        /* DATA: the bytes */
	const uint8_t *encoded;     /* with a codec: the block's encoding, or NULL */
	size_t encoded_len;         /* 0: store as is */
};

struct ovk_sink;

struct ovk_sink_ops {
	/* Consume the next run (ascending, tiling [0, size)).  One thread. */
	int (*write)(struct ovk_sink *sink, const struct ovk_block_run *run,
		     struct ovk_error *err);
	/* Complete the output (metadata, flush if sync).  Frees the sink. */
	int (*finish)(struct ovk_sink *sink, struct ovk_error *err);
	/* Discard.  Frees the sink.  Never fails. */
	void (*abort)(struct ovk_sink *sink);
};

struct ovk_sink {
	const struct ovk_sink_ops *ops;
	const char *format;
	uint64_t size;              /* virtual size in bytes */
	/* Granularity of runs, zero detection and encoding: a power of two
	 * <= OVK_MAX_ENCODED. */
	uint32_t block_size;
	/* DATA blocks are encoded with this codec before write()
	 * (OVK_CODEC_NONE: not at all), into at most encode_cap bytes. */
	enum ovk_codec codec;
	int codec_level;
	size_t encode_cap;
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
	/* fd is a stream (a pipe): written front to back with write(),
	 * holes as zeros; only for formats with supports_stream. */
	int stream;
	uint64_t size;              /* virtual size */
	int sync;                   /* fsync in finish() */
	int compress;               /* -c */
	const char *options;        /* "-o" string: "cluster_size=65536,compression_type=zstd" */
	/* Backing file to record (overlay creation); NULL for a full copy. */
	const char *backing_name;
	const char *backing_format;
	/* Where the output begins in fd: 0 for a file of its own; a member
	 * of an archive that is written in place (an OVA's disk) starts
	 * further on, and the sink adds this to every offset.  Only the
	 * vmdk sink reads it: the caller that sets it (src/ova's export)
	 * opens no other. */
	uint64_t fd_offset;
	/* Every byte of the output, in file order, as it is written, for a
	 * digest taken in the same pass (an OVA's manifest).  Only the vmdk
	 * sink's streamOptimized output offers it (its file grows strictly
	 * forward); NULL: none. */
	void (*tap)(void *opaque, const void *p, size_t len);
	void *tap_opaque;
};

/* Check that `run` is the next whole blocks a sink expects: it starts at
 * *pos, is not empty, and starts and ends on a block boundary (or at the
 * disk's end, `size`); then advance *pos past it.  `what` names the blocks
 * in the message ("clusters", "grains"), `name` the output. */
int ovk_sink_run_next(const struct ovk_block_run *run, uint64_t *pos, uint64_t size,
		      uint64_t block, const char *name, const char *what, struct ovk_error *err);

/* Close a source (NULL-safe). */
void ovk_source_close(struct ovk_source *src);

/* The extent that starts at guest offset pos (< src->size): stored DATA
 * or a hole, never encoded or in a buffer.  A format whose walk can start
 * anywhere (VHD, VHDX, VDI) shares this one function between next() and
 * pread(), so that the two cannot read a block differently (extent.c). */
typedef int (*ovk_extent_at_fn)(struct ovk_source *src, uint64_t pos, struct ovk_extent *ext,
				struct ovk_error *err);
/* next() from such a walk: the extent at *pos, then *pos past it; 0 at
 * the end.  Errors are prefixed with `name` (the image file). */
int ovk_source_next_walk(struct ovk_source *src, ovk_extent_at_fn at, uint64_t *pos,
			 const char *name, struct ovk_extent *ext, struct ovk_error *err);
/* pread() from such a walk: stored bytes are read from their blob, holes
 * read as zero (no backing file is looked up).  A read beyond the virtual
 * size is ERANGE.  Errors are prefixed with `name`. */
int ovk_source_pread_walk(struct ovk_source *src, ovk_extent_at_fn at, const char *name,
			  uint64_t off, void *buf, size_t len, struct ovk_error *err);

/* Find the value of `key` in a qemu-style option string "a=1,b=2" into buf.
 * Returns 1 found, 0 absent, -1 when buf is too small. */
int ovk_option_get(const char *options, const char *key, char *buf, size_t buflen);
/* Check that every key in options is in the NULL-terminated list `known`. */
int ovk_options_check(const char *options, const char *const *known, const char *what,
		      struct ovk_error *err);
/* Parse a size with an optional K/M/G/T suffix (powers of 1024). */
int ovk_parse_size(const char *s, uint64_t *out);

#endif
