/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmdk.h: private interface between the files of the VMDK reader and
 * writer.
 *
 *   header.c      decode, validate and encode the binary headers (KDMV,
 *                 COWD, the streamOptimized footer) and the grain markers
 *   descriptor.c  parse the text descriptor (embedded or its own file)
 *   sparse.c      walk the grain directory / grain tables of a mapped extent
 *   stream.c      walk the markers of a forward-only streamOptimized extent
 *   inflate.c     what a compressed grain must inflate to (core/codec.c
 *                 decodes it)
 *   vmdk.c        the format ops: probe, open, extent concatenation, read,
 *                 info
 *   writer.c      the sink: streamOptimized and monolithicSparse, written
 *                 front to back (writer.h has the layouts)
 *   writer_desc.c the sink's options, descriptor, geometry and CID
 *
 * Nothing here is visible outside src/vmdk except ovk_format_vmdk (named
 * by engine/registry.c).  All offsets in these structs are bytes unless the name
 * says `_sectors`; on-disk fields are converted once, in header.c.
 */
#ifndef OVK_VMDK_VMDK_H
#define OVK_VMDK_VMDK_H

#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/error.h"
#include "core/extent.h"

#define OVK_VMDK_SECTOR 512u

/* Magic numbers, as little-endian loads of the first four bytes. */
#define OVK_VMDK_MAGIC_KDMV 0x564d444bu   /* "KDMV": hosted sparse, streamOptimized */
#define OVK_VMDK_MAGIC_COWD 0x44574f43u   /* "COWD": ESX vmfsSparse / GSX 2 */

/* Header flags (VMware "Virtual Disk Format 5.0", hosted sparse extents). */
#define OVK_VMDK_FLAG_NL_TEST     (1u << 0)   /* newline bytes at 73..76 are valid */
#define OVK_VMDK_FLAG_RGD         (1u << 1)   /* a redundant GD exists */
#define OVK_VMDK_FLAG_ZERO_GRAIN  (1u << 2)   /* GTE == 1 means "grain reads as zero" */
#define OVK_VMDK_FLAG_COMPRESSED  (1u << 16)  /* grains are zlib streams */
#define OVK_VMDK_FLAG_MARKERS     (1u << 17)  /* grains carry a 12-byte marker */

#define OVK_VMDK_GD_AT_END UINT64_MAX          /* gdOffset: read the footer */
#define OVK_VMDK_GTE_ZEROED 1u

#define OVK_VMDK_COMPRESS_NONE 0
#define OVK_VMDK_COMPRESS_DEFLATE 1

/* Marker types (the 512-byte metadata markers of a stream). */
#define OVK_VMDK_MARKER_EOS 0u
#define OVK_VMDK_MARKER_GT 1u
#define OVK_VMDK_MARKER_GD 2u
#define OVK_VMDK_MARKER_FOOTER 3u

/* ---- named limits (every number from a file is checked against one) ---- */

/* The largest grain: the largest encoded extent the engine takes
 * (core/extent.h).  VMware writes 64 KiB grains. */
#define OVK_VMDK_MAX_GRAIN_BYTES OVK_MAX_ENCODED
/* Grain table entries per table: VMware always writes 512, and qemu refuses
 * more, so more is a corrupt header, not a format we fail to know. */
#define OVK_VMDK_MAX_GTES 512u
/* COWD (vmfsSparse) grain tables have a fixed 4096 entries. */
#define OVK_VMDK_COWD_GTES 4096u
/* A descriptor is a few hundred bytes; a 2 TiB twoGbMaxExtent disk has
 * ~1000 extent lines of ~50 bytes.  1 MiB leaves room for 20000. */
#define OVK_VMDK_MAX_DESCRIPTOR ((size_t)1 << 20)
/* Extents in one descriptor: 62 TiB (the VMFS maximum) in 2 GiB extents is
 * 31744.  Extents of one file share its blob (one fd, one mapping), so
 * the count costs only the extent records (a few hundred bytes each). */
#define OVK_VMDK_MAX_EXTENTS 32768u
/* Distinct files the extents of one descriptor open: each keeps an fd and
 * a mapping.  VMware's split kinds write one file per 2 GiB, so 4096 is an
 * 8 TiB twoGbMaxExtent disk, more than any seen; more would run into the
 * process's fd limit with an unclear "Too many open files". */
#define OVK_VMDK_MAX_EXTENT_FILES 4096u
/* A compressed grain that deflate expanded: zlib's worst case is a few bytes
 * per 16 KiB block, far below a second grain, so more than 2 grains is not a
 * grain. */
#define OVK_VMDK_MAX_COMPRESSED_GRAINS 2u
/* Forward-only stream: compressed grains read ahead of the guest cursor to
 * put out-of-order markers back in LBA order.  Bounded so that a stream
 * written backwards fails instead of buffering the whole disk. */
#define OVK_VMDK_STREAM_WINDOW ((size_t)16 << 20)
/* Forward-only stream: the metadata before the first grain (header,
 * descriptor, GD and GTs) is read into memory to count the grains the GTs
 * promise.  A 2 TiB disk with 64 KiB grains has 128 MiB of GTs; above this
 * bound the count check is skipped, not the read. */
#define OVK_VMDK_STREAM_MAX_PREFIX ((uint64_t)64 << 20)
/* Flat extents read from a stream are handed to the engine in buffers of
 * this size: few calls, and a buffer the engine's 2 MiB items take whole. */
#define OVK_VMDK_STREAM_FLAT_PIECE ((uint64_t)1 << 20)

/* ---------------------------------------------------------------- header */

/* A decoded KDMV or COWD header, host order, sectors as stored. */
struct ovk_vmdk_header {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity;          /* sectors */
	uint64_t grain_size;        /* sectors */
	uint64_t desc_offset;       /* sectors, 0 = none */
	uint64_t desc_size;         /* sectors */
	uint32_t gtes;              /* entries per grain table */
	uint64_t rgd_offset;        /* sectors */
	uint64_t gd_offset;         /* sectors, or OVK_VMDK_GD_AT_END */
	uint64_t overhead;          /* sectors before the first grain */
	uint8_t nl[4];              /* '\n' ' ' '\r' '\n' when not mangled */
	uint16_t compress;
	uint32_t gd_entries;        /* COWD only: entries in the GD */
};

/* Decode the first 512 bytes of a KDMV or COWD file (no checks). */
void ovk_vmdk_header_decode(const uint8_t *b, struct ovk_vmdk_header *h);
/* Encode a KDMV header into the 512 bytes at b (the newline test bytes
 * always; magic is KDMV whatever h->magic says). */
void ovk_vmdk_header_encode(const struct ovk_vmdk_header *h, uint8_t *b);
/* Check every field against the limits and the file size (UINT64_MAX when
 * unknown).  Messages name the field and its value. */
int ovk_vmdk_header_validate(const struct ovk_vmdk_header *h, uint64_t file_size,
			     struct ovk_error *err);
/* Read the streamOptimized footer (the last 1536 bytes of a mapped blob) into
 * *h, for gdOffset == GD_AT_END. */
int ovk_vmdk_footer_read(const uint8_t *data, uint64_t size, struct ovk_vmdk_header *h,
			 struct ovk_error *err);
/* Score the head of a file that starts with a binary magic. */
int ovk_vmdk_header_probe(const uint8_t *head, size_t len);
/* Whether an extent with this header can be read forward only: a
 * streamOptimized one (KDMV, compressed grains with markers). */
int ovk_vmdk_header_is_stream(const struct ovk_vmdk_header *h);

/* ------------------------------------------------------------ descriptor */

enum ovk_vmdk_ext_kind {
	OVK_VMDK_EXT_SPARSE,     /* SPARSE: a KDMV file */
	OVK_VMDK_EXT_FLAT,       /* FLAT, VMFS: raw bytes at an offset */
	OVK_VMDK_EXT_ZERO,       /* ZERO: no file */
	OVK_VMDK_EXT_COWD,       /* VMFSSPARSE: a COWD file */
};

struct ovk_vmdk_desc_extent {
	enum ovk_vmdk_ext_kind kind;
	char type[16];              /* as written: "SPARSE", "VMFS", ... */
	int rdonly;
	uint64_t sectors;
	char *file;                 /* NULL for ZERO */
	uint64_t offset;            /* sectors into the file (FLAT) */
};

struct ovk_vmdk_desc {
	unsigned version;
	int has_cid, has_parent_cid;
	uint32_t cid, parent_cid;
	char *create_type;
	char *parent_hint;          /* parentFileNameHint */
	struct ovk_vmdk_desc_extent *ext;
	size_t n_ext;
};

#define OVK_VMDK_CID_NONE 0xffffffffu   /* parentCID of a disk without parent */

/* Parse `len` bytes of descriptor text (a NUL ends it early: embedded
 * descriptors are padded with zeros).  On failure *d is cleared. */
int ovk_vmdk_desc_parse(const char *text, size_t len, struct ovk_vmdk_desc *d,
			struct ovk_error *err);
void ovk_vmdk_desc_clear(struct ovk_vmdk_desc *d);
/* Score a text head: "# Disk DescriptorFile" or a createType line. */
int ovk_vmdk_desc_probe(const uint8_t *head, size_t len);

/* ---------------------------------------------------------------- inflate */

/* What one compressed grain must decode to, and which part the caller wants. */
struct ovk_vmdk_zgrain {
	const uint8_t *in;          /* the zlib stream */
	size_t in_len;              /* its length, or an upper bound (no markers) */
	size_t grain;               /* full grain bytes */
	size_t need;                /* bytes of guest data in this grain (<= grain) */
	size_t skip;                /* first byte wanted, inside the grain */
	size_t len;                 /* bytes wanted; skip + len <= need */
};

/* Inflate one grain: the output must be `grain` bytes, or at least `need`
 * for a short last grain; anything else is an error, never zeros. */
int ovk_vmdk_inflate(const struct ovk_vmdk_zgrain *g, uint8_t *dst, struct ovk_error *err);

/* ----------------------------------------------------------------- extents */

/* A sparse extent's geometry, derived once from a validated header. */
struct ovk_vmdk_sparse {
	struct ovk_vmdk_header h;
	const uint8_t *data;        /* the extent file's mapping */
	uint64_t file_size;
	uint64_t grain_bytes;
	uint64_t cap_bytes;         /* header capacity in bytes */
	uint64_t n_grains;
	uint64_t n_gt;              /* GD entries in use */
	uint64_t gd_off;            /* bytes */
	uint32_t gtes;
	int compressed, markers, zero_grain;
};

/* One extent of the guest disk, in guest order.  An encoded extent's
 * token_ref is its vmdk extent, its token the grain's guest bytes (need). */
struct ovk_vmdk_extent {
	enum ovk_vmdk_ext_kind kind;
	const char *type;           /* descriptor type name, for info */
	char *file;                 /* for messages and info; NULL for ZERO */
	int rdonly;
	uint64_t guest_off;         /* bytes */
	uint64_t length;            /* bytes */
	uint64_t file_off;          /* FLAT: bytes into the file */
	struct ovk_blob *blob;      /* NULL for ZERO */
	int owns_blob;
	int streaming;              /* blob is read forward only */
	struct ovk_vmdk_sparse sp;  /* SPARSE, COWD */
	struct ovk_vmdk_stream *stream;   /* SPARSE read from a stream */
	uint64_t stream_pos;        /* FLAT read from a stream: bytes consumed */
};

/* ---------------------------------------------------------------- sparse */

/* Derive the geometry of a sparse (KDMV or COWD) extent mapped at b, from its
 * validated header; reads the footer when the GD is at the end. */
int ovk_vmdk_sparse_setup(struct ovk_vmdk_sparse *sp, const struct ovk_blob *b,
			  const struct ovk_vmdk_header *h, struct ovk_error *err);
/* The extent at `rel` (bytes into the VMDK extent, < e->length), at most
 * max_len long, with an extent-relative offset: stored (an uncompressed
 * run), encoded (a compressed grain), or a hole. */
int ovk_vmdk_sparse_next(const struct ovk_vmdk_extent *e, uint64_t rel, uint64_t max_len,
			 struct ovk_extent *out, struct ovk_error *err);
/* The guest bytes of grain g (the last one may be short). */
uint64_t ovk_vmdk_grain_need(const struct ovk_vmdk_extent *e, uint64_t g);

/* ---------------------------------------------------------------- stream */

struct ovk_vmdk_stream;

/* Start walking the markers of a streamOptimized extent whose first 512
 * bytes (the header `h`) have been consumed from `b`.  *desc receives the
 * embedded descriptor text (malloc'ed; NULL when there is none). */
int ovk_vmdk_stream_open(struct ovk_blob *b, const struct ovk_vmdk_header *h,
			 struct ovk_vmdk_stream **out, char **desc, size_t *desc_len,
			 struct ovk_error *err);
/* Like ovk_vmdk_sparse_next, for a stream: `rel` only grows.  A grain
 * comes as an encoded extent whose buffer (the zlib stream) is handed over
 * with it. */
int ovk_vmdk_stream_next(struct ovk_vmdk_stream *s, uint64_t rel, uint64_t max_len,
			 struct ovk_extent *out, struct ovk_error *err);
/* Read the stream to its end and check that it is complete (all promised
 * grains, or the EOS marker).  Called once the guest cursor is past it. */
int ovk_vmdk_stream_finish(struct ovk_vmdk_stream *s, struct ovk_error *err);
/* Virtual size in bytes (from the header). */
uint64_t ovk_vmdk_stream_capacity(const struct ovk_vmdk_stream *s);
void ovk_vmdk_stream_free(struct ovk_vmdk_stream *s);

/* ---------------------------------------------------------------- writer */

/* The sink (writer.c; writer.h has the layouts) and its -o check. */
int ovk_vmdk_open_sink(const struct ovk_sink_params *p, struct ovk_sink **out,
		       struct ovk_error *err);
int ovk_vmdk_check_sink_options(const char *options, struct ovk_error *err);

#endif
