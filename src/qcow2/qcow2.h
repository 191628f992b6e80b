/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qcow2.h: private to src/qcow2.  The on-disk layout, its limits, and the
 * small interfaces between qcow2.c, header.c, reader.c and the writer.
 *
 * Layout (all numbers big-endian; "cluster" = 1 << cluster_bits bytes):
 *
 *   offset 0: header (cluster 0)
 *   +--------+---------+----------------+-----------------+--------------+
 *   | 0 magic| 4 ver   | 8 backing_off  | 16 backing_size | 20 clus_bits |
 *   | "QFI\xfb"        | u64            | u32 (<= 1023)   | u32 (9..21)  |
 *   +--------+---------+----------------+-----------------+--------------+
 *   | 24 size u64 | 32 crypt u32 | 36 l1_size u32 | 40 l1_offset u64      |
 *   | 48 refcount_table_offset u64 | 56 refcount_table_clusters u32      |
 *   | 60 nb_snapshots u32 | 64 snapshots_offset u64    (v2 ends at 72)   |
 *   | 72 incompatible u64 | 80 compatible u64 | 88 autoclear u64         |
 *   | 96 refcount_order u32 | 100 header_length u32                      |
 *   | 104 compression_type u8 | 105..111 zero padding (length 112)       |
 *   +--------------------------------------------------------------------+
 *   header extensions, 8-byte aligned: {u32 type, u32 len, data, pad}...,
 *   ended by type 0; then the backing file name (not NUL-terminated).
 *
 *   L1 table: l1_size u64 entries, contiguous, cluster aligned.
 *     bits 9..55 L2 table offset (cluster aligned, 0 = none), bit 63 COPIED.
 *   L2 table: one cluster of u64 entries (cluster_size / 8 of them).
 *     standard:   bit 0 reads-as-zero (v3), bits 9..55 host cluster offset,
 *                 bit 63 COPIED (refcount exactly 1);
 *     compressed: bit 62 set; x = 62 - (cluster_bits - 8);
 *                 bits 0..x-1 host byte offset (any alignment),
 *                 bits x..61 number of 512-byte sectors beyond the one
 *                 holding the offset.  May spill into the next host cluster.
 *   Refcount table: u64 entries, bits 9..63 refcount block offset.
 *   Refcount block: one cluster of (1 << refcount_order)-bit counts, one per
 *     host cluster; entry i of block j counts host cluster
 *     j * (cluster_size * 8 >> refcount_order) + i.
 *
 * Invariants the writer keeps (qemu-img check verifies all of them):
 *   - every host cluster's refcount equals the number of references to it:
 *     the header, the L1 and refcount tables, each L2 table, each data
 *     cluster, each refcount block (they count themselves), and for a
 *     compressed cluster every host cluster its sectors touch, once per
 *     compressed guest cluster;
 *   - COPIED is set on L1 and standard L2 entries (refcount 1), never on
 *     compressed ones (they share host clusters).
 */
#ifndef OVK_QCOW2_QCOW2_H
#define OVK_QCOW2_QCOW2_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/error.h"

#define QCOW2_MAGIC 0x514649fbu             /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72u
#define QCOW2_V3_MIN_HEADER_LEN 104u
#define QCOW2_V3_HEADER_LEN 112u            /* what we write: through compression_type, padded */

/* qemu cannot open clusters above 2 MiB, which is also OVK_MAX_ENCODED: a
 * compressed cluster is always an extent the engine can take. */
#define QCOW2_MIN_CLUSTER_BITS 9u
#define QCOW2_MAX_CLUSTER_BITS 21u
#define QCOW2_DEFAULT_CLUSTER_SIZE 65536u

/* qemu's QCOW_MAX_L1_SIZE: an L1 table above 32 MiB is refused by qemu, so
 * it is neither written nor read here (4 Mi entries). */
#define QCOW2_MAX_L1_BYTES ((uint64_t)32 << 20)
#define QCOW2_MAX_L1_ENTRIES (QCOW2_MAX_L1_BYTES / 8)
/* qemu's limit on a backing file name. */
#define QCOW2_MAX_BACKING_NAME 1023u
/* Longest header extension we keep (a backing format name; qemu uses
 * short names such as "vmdk"). */
#define QCOW2_MAX_FORMAT_NAME 63u

/* Header extension types. */
#define QCOW2_EXT_END 0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u
#define QCOW2_EXT_BITMAPS 0x23852875u
#define QCOW2_EXT_CRYPTO 0x0537be77u
#define QCOW2_EXT_DATA_FILE 0x44415441u

/* Incompatible feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN ((1ull << 5) - 1)
/* Extended L2 entries cut each standard cluster into 32 subclusters. */
#define QCOW2_SUBCLUSTER_BITS 5u
/* Compatible and autoclear bits. */
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)
#define QCOW2_AUTOCLEAR_BITMAPS (1ull << 0)
#define QCOW2_AUTOCLEAR_DATA_FILE_RAW (1ull << 1)

#define QCOW2_COMPRESSION_ZLIB 0u
#define QCOW2_COMPRESSION_ZSTD 1u

/* Table entries. */
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO (1ull << 0)
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull       /* bits 9..55 */
#define QCOW2_L1_RESERVED 0x7f000000000001ffull
#define QCOW2_L2_RESERVED 0x3f000000000001feull
#define QCOW2_REFT_OFFSET_MASK 0xfffffffffffffe00ull  /* bits 9..63 */
#define QCOW2_SECTOR 512u

/* What we write: 16-bit refcounts, as qemu-img does. */
#define QCOW2_REFCOUNT_ORDER 4u

/* The decoded header, host order, plus what the extensions said. */
struct ovk_qcow2_header {
	uint32_t version;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	uint32_t cluster_bits;
	uint64_t size;
	uint32_t crypt_method;
	uint32_t l1_size;
	uint64_t l1_table_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t incompatible;
	uint64_t compatible;
	uint64_t autoclear;
	uint32_t refcount_order;
	uint32_t header_length;
	uint8_t compression_type;
	/* extensions */
	char backing_format[QCOW2_MAX_FORMAT_NAME + 1];   /* "" when absent */
	int has_data_file_ext;
	int has_crypto_ext;
	char unknown_incompat[128];   /* names of unknown incompatible bits */
};

/* Decode and validate the header and its extensions from the first bytes
 * of an image (`len` bytes available, `file_size` the whole image).  The
 * backing file name is not copied: it sits at backing_file_offset. */
int ovk_qcow2_header_decode(const uint8_t *buf, size_t len, uint64_t file_size,
			    struct ovk_qcow2_header *h, struct ovk_error *err);

/* Encode cluster 0 for the writer: the v3 header, a backing-format
 * extension (when backing_format is set), the feature name table when it
 * fits, and the backing file name.  buf has `cap` bytes (the cluster size),
 * zeroed by the caller; *used is set to the bytes that matter. */
int ovk_qcow2_header_encode(const struct ovk_qcow2_header *h, const char *backing_name,
			    uint8_t *buf, size_t cap, size_t *used, struct ovk_error *err);

/* Entries of a standard L2 table (8 bytes each). */
static inline uint64_t ovk_qcow2_l2_entries(uint32_t cluster_bits)
{
	return (uint64_t)1 << (cluster_bits - 3);
}

/* log2 of the L2 entries per table: 8-byte entries, or 16-byte ones with
 * extended L2. */
static inline uint32_t ovk_qcow2_l2_bits(const struct ovk_qcow2_header *h)
{
	return h->cluster_bits - ((h->incompatible & QCOW2_INCOMPAT_EXTL2) ? 4 : 3);
}

/* Number of L1 entries a virtual size needs; 0 when that is above
 * QCOW2_MAX_L1_ENTRIES. */
uint64_t ovk_qcow2_l1_entries_for(uint64_t size, uint32_t cluster_bits, uint32_t l2_bits);

/* Compressed descriptor helpers: x = 62 - (cluster_bits - 8). */
static inline uint32_t ovk_qcow2_csize_shift(uint32_t cluster_bits)
{
	return 62 - (cluster_bits - 8);
}

/* --- qcow2.c: compression types.  The codec of a compression_type (qcow2's
 * "zlib" is raw deflate with a 4 KiB window: OVK_CODEC_DEFLATE), and its
 * name ("zlib"/"zstd", NULL for an unknown type). */
enum ovk_codec ovk_qcow2_codec(unsigned type);
const char *ovk_qcow2_compression_name(unsigned type);

/* --- reader.c / writer.c entry points used by the format table. */
struct ovk_blob;
struct ovk_open_ctx;
struct ovk_source;
struct ovk_sink;
struct ovk_sink_params;
int ovk_qcow2_probe(const uint8_t *head, size_t len, uint64_t size);
int ovk_qcow2_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			  struct ovk_source **out, struct ovk_error *err);
int ovk_qcow2_open_sink(const struct ovk_sink_params *params, struct ovk_sink **out,
			struct ovk_error *err);
/* Check the writer's -o string (cluster_size, compression_type). */
int ovk_qcow2_check_sink_options(const char *options, struct ovk_error *err);

#endif
