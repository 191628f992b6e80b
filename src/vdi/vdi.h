/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vdi.h: private interface between the files of the VDI reader
 * (VirtualBox Disk Image, normal (dynamic) and fixed).
 *
 *   header.c   decode and validate the header (layout there)
 *   vdi.c      the format ops: probe, open, the block map walk, info
 *
 * Nothing here is visible outside src/vdi except ovk_format_vdi (named by
 * engine/registry.c).  Every on-disk number is little-endian and decoded
 * once, in header.c.
 */
#ifndef OVK_VDI_VDI_H
#define OVK_VDI_VDI_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/format.h"

#define OVK_VDI_SECTOR 512u
#define OVK_VDI_HEADER_BYTES 512u
#define OVK_VDI_SIGNATURE 0xbeda107fu
#define OVK_VDI_VERSION_1_1 0x00010001u

/* Image types. */
#define OVK_VDI_TYPE_NORMAL 1u      /* dynamic: blocks allocated on write */
#define OVK_VDI_TYPE_FIXED 2u       /* every block allocated at creation */
#define OVK_VDI_TYPE_UNDO 3u
#define OVK_VDI_TYPE_DIFF 4u

/* Block map entries at or above this are not allocated. */
#define OVK_VDI_MAP_ZERO 0xfffffffeu         /* discarded: reads as zero */
#define OVK_VDI_MAP_UNALLOCATED 0xffffffffu

/* ---- named limits ---- */

/* The block size: VirtualBox always writes 1 MiB blocks and qemu reads
 * nothing else (its DEFAULT_CLUSTER_SIZE). */
#define OVK_VDI_BLOCK ((uint32_t)1 << 20)
/* qemu's VDI_BLOCKS_IN_IMAGE_MAX: the block map (4 bytes a block) must fit
 * in a 32-bit byte count; that is also 1 PiB of 1 MiB blocks. */
#define OVK_VDI_MAX_BLOCKS (UINT32_MAX / 4u)
#define OVK_VDI_MAX_DISK_SIZE ((uint64_t)OVK_VDI_MAX_BLOCKS * OVK_VDI_BLOCK)

struct ovk_vdi_header {
	uint32_t signature;
	uint32_t version;
	uint32_t header_size;
	uint32_t image_type;
	uint32_t image_flags;
	uint32_t offset_bmap;       /* bytes */
	uint32_t offset_data;       /* bytes */
	uint32_t sector_size;
	uint64_t disk_size;         /* bytes, as stored */
	uint32_t block_size;
	uint32_t block_extra;
	uint32_t blocks_in_image;
	uint32_t blocks_allocated;
	uint8_t uuid_image[16];
	uint8_t uuid_last_snap[16];
	uint8_t uuid_link[16];
	uint8_t uuid_parent[16];
};

/* Decode the first 512 bytes (no checks). */
void ovk_vdi_header_decode(const uint8_t *b, struct ovk_vdi_header *h);
/* Check every field against the limits and the file size. */
int ovk_vdi_header_validate(const struct ovk_vdi_header *h, uint64_t file_size,
			    struct ovk_error *err);
/* The virtual size: disk_size rounded up to a sector, as qemu reads it
 * (VBoxManage convertfromraw writes odd sizes). */
uint64_t ovk_vdi_virtual_size(const struct ovk_vdi_header *h);
/* Score the head of a file. */
int ovk_vdi_probe(const uint8_t *head, size_t len, uint64_t size);

extern const struct ovk_format ovk_format_vdi;

#endif
