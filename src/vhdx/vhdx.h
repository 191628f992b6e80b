/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vhdx.h: private interface between the files of the VHDX reader (Hyper-V
 * virtual hard disk v2: fixed, dynamic and differencing).
 *
 *   header.c    the file identifier, the two headers and the region table
 *               (layout there), decoded once, checked with CRC-32C
 *   metadata.c  the metadata table and its items (block size, virtual
 *               size, sector sizes, the parent locator)
 *   log.c       whether the log holds entries that still need replaying
 *   vhdx.c      the format ops: probe, open, the BAT walk, info, the
 *               parent check
 *
 * Nothing here is visible outside src/vhdx except ovk_format_vhdx (named
 * by engine/registry.c).  Every on-disk number is little-endian and decoded
 * once; offsets here are bytes.
 */
#ifndef OVK_VHDX_VHDX_H
#define OVK_VHDX_VHDX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/format.h"

#define OVK_VHDX_KIB ((uint64_t)1 << 10)
#define OVK_VHDX_MIB ((uint64_t)1 << 20)

/* Where the fixed structures are (MS-VHDX 2.1). */
#define OVK_VHDX_HEADER1_OFF (64 * OVK_VHDX_KIB)
#define OVK_VHDX_HEADER2_OFF (128 * OVK_VHDX_KIB)
#define OVK_VHDX_HEADER_BYTES (4 * OVK_VHDX_KIB)
#define OVK_VHDX_REGION1_OFF (192 * OVK_VHDX_KIB)
#define OVK_VHDX_REGION2_OFF (256 * OVK_VHDX_KIB)
#define OVK_VHDX_REGION_BYTES (64 * OVK_VHDX_KIB)
/* The first byte that a region, the log or a block may use. */
#define OVK_VHDX_HEADER_SECTION (1 * OVK_VHDX_MIB)

/* ---- named limits (every number from a file is checked against one) ---- */

/* MS-VHDX 2.2.3.1 and qemu: blocks are a power of two of 1..256 MiB. */
#define OVK_VHDX_MIN_BLOCK OVK_VHDX_MIB
#define OVK_VHDX_MAX_BLOCK (256 * OVK_VHDX_MIB)
/* MS-VHDX 2.6.2.2 and qemu's VHDX_MAX_IMAGE_SIZE: 64 TiB. */
#define OVK_VHDX_MAX_SIZE ((uint64_t)64 << 40)
/* Region and metadata tables have at most 2047 entries (the 64 KiB table
 * holds 2047 after its header). */
#define OVK_VHDX_MAX_ENTRIES 2047u
/* A parent locator item: a few keys and paths; 64 KiB, the most the
 * metadata region's first table entry can point past. */
#define OVK_VHDX_MAX_LOCATOR (64 * OVK_VHDX_KIB)
/* A path in a locator: 32767 UTF-16 units, at most 3 UTF-8 bytes each. */
#define OVK_VHDX_MAX_PATH ((size_t)98304)
/* Sector bitmap blocks are 1 MiB: one bit per logical sector of
 * chunk_ratio payload blocks (2^23 sectors). */
#define OVK_VHDX_BITMAP_BLOCK OVK_VHDX_MIB
#define OVK_VHDX_SECTORS_PER_BITMAP ((uint64_t)1 << 23)
/* The log is written in 4 KiB sectors. */
#define OVK_VHDX_LOG_SECTOR (4 * OVK_VHDX_KIB)

/* BAT entry states (the low 3 bits); FileOffsetMB is bits 20..63. */
#define OVK_VHDX_BAT_STATE_MASK 7u
#define OVK_VHDX_PAYLOAD_NOT_PRESENT 0u
#define OVK_VHDX_PAYLOAD_UNDEFINED 1u
#define OVK_VHDX_PAYLOAD_ZERO 2u
#define OVK_VHDX_PAYLOAD_UNMAPPED 3u
#define OVK_VHDX_PAYLOAD_FULLY_PRESENT 6u
#define OVK_VHDX_PAYLOAD_PARTIALLY_PRESENT 7u
#define OVK_VHDX_BITMAP_PRESENT 6u
#define OVK_VHDX_BAT_OFFSET_SHIFT 20u

/* A GUID as stored: Data1..3 little-endian, then 8 bytes. */
struct ovk_vhdx_guid {
	uint8_t b[16];
};

/* "{01234567-89AB-CDEF-0123-456789ABCDEF}" plus NUL. */
#define OVK_VHDX_GUID_TEXT 39
void ovk_vhdx_guid_text(const struct ovk_vhdx_guid *g, char *out);
int ovk_vhdx_guid_is_zero(const struct ovk_vhdx_guid *g);

/* ---------------------------------------------------------------- header */

struct ovk_vhdx_header {
	uint32_t signature;
	uint32_t checksum, computed;
	uint64_t sequence;
	struct ovk_vhdx_guid file_write_guid, data_write_guid, log_guid;
	uint16_t log_version, version;
	uint32_t log_length;
	uint64_t log_offset;
};

struct ovk_vhdx_region {
	uint64_t offset;            /* bytes */
	uint32_t length;
	int present;
};

/* The current header and the two regions we use, from a mapped file. */
struct ovk_vhdx_layout {
	struct ovk_vhdx_header h;
	int current;                /* 1 or 2 */
	struct ovk_vhdx_region bat, metadata;
};

/* Decode a 4 KiB header (no checks). */
void ovk_vhdx_header_decode(const uint8_t *b, struct ovk_vhdx_header *h);
/* Find the current header (the valid one with the highest sequence number)
 * and the BAT and metadata regions, checking every checksum and range. */
int ovk_vhdx_layout_read(const uint8_t *data, uint64_t file_size, struct ovk_vhdx_layout *l,
			 struct ovk_error *err);
/* Score the head of a file ("vhdxfile"). */
int ovk_vhdx_probe(const uint8_t *head, size_t len, uint64_t size);

/* -------------------------------------------------------------- metadata */

struct ovk_vhdx_meta {
	uint32_t block_size;
	int leave_allocated, has_parent;
	uint64_t virtual_size;
	uint32_t logical_sector, physical_sector;
	struct ovk_vhdx_guid disk_id;
	/* Differencing disks: the parent locator's values (UTF-8, malloc'ed,
	 * NULL when absent). */
	char *parent_linkage, *parent_linkage2;
	char *relative_path, *absolute_path, *volume_path;
};

int ovk_vhdx_meta_read(const uint8_t *data, uint64_t file_size,
		       const struct ovk_vhdx_region *r, struct ovk_vhdx_meta *m,
		       struct ovk_error *err);
void ovk_vhdx_meta_clear(struct ovk_vhdx_meta *m);

/* ------------------------------------------------------------------- log */

/* 0 when nothing needs replaying (no log GUID, or no entry of it), -1 with a
 * message saying what the log holds otherwise, or when the log region is
 * out of range. */
int ovk_vhdx_log_check(const uint8_t *data, uint64_t file_size,
		       const struct ovk_vhdx_header *h, struct ovk_error *err);

extern const struct ovk_format ovk_format_vhdx;

#endif
