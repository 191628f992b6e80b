/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * header.c: the VDI header, decoded once and validated once (STYLE.md #9).
 *
 * Header (version 1.1, little-endian, in the first 512 bytes):
 *
 *   0    text [64] "<<< Oracle VM VirtualBox Disk Image >>>\n"
 *   64   signature u32 0xbeda107f     360  sector size u32 (512)
 *   68   version u32 0x00010001       364  unused u32
 *   72   header size u32 (400)        368  disk size u64 (bytes)
 *   76   image type u32               376  block size u32 (1 MiB)
 *   80   image flags u32              380  block extra u32 (0)
 *   84   description [256]            384  blocks in image u32
 *   340  block map offset u32         388  blocks allocated u32
 *   344  data offset u32              392  uuid image, 408 last snapshot,
 *   348  cylinders, 352 heads,             424 link, 440 parent [16 each]
 *   356  sectors u32 (legacy geometry)
 *
 * The file: [header][block map: blocks in image x u32][data blocks].  Map
 * entry i is the index of guest block i among the data blocks (at data
 * offset + entry x block size), or ~0 (unallocated) or ~1 (discarded,
 * zero).
 *
 * Invariants after validation (qemu's vdi_open, plus the file size): the
 * signature and version are known, the map and data offsets are sector
 * aligned, the block size is 1 MiB with no extra bytes, the map holds a
 * block for every byte of the disk and lies inside the file, and the image
 * is no differencing image (no link or parent UUID).
 */
#include "vdi/vdi.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"

void ovk_vdi_header_decode(const uint8_t *b, struct ovk_vdi_header *h)
{
	memset(h, 0, sizeof *h);
	h->signature = le32_load(b + 64);
	h->version = le32_load(b + 68);
	h->header_size = le32_load(b + 72);
	h->image_type = le32_load(b + 76);
	h->image_flags = le32_load(b + 80);
	h->offset_bmap = le32_load(b + 340);
	h->offset_data = le32_load(b + 344);
	h->sector_size = le32_load(b + 360);
	h->disk_size = le64_load(b + 368);
	h->block_size = le32_load(b + 376);
	h->block_extra = le32_load(b + 380);
	h->blocks_in_image = le32_load(b + 384);
	h->blocks_allocated = le32_load(b + 388);
	memcpy(h->uuid_image, b + 392, 16);
	memcpy(h->uuid_last_snap, b + 408, 16);
	memcpy(h->uuid_link, b + 424, 16);
	memcpy(h->uuid_parent, b + 440, 16);
}

static int uuid_is_null(const uint8_t *u)
{
	static const uint8_t zero[16];

	return memcmp(u, zero, 16) == 0;
}

static int validate_type(const struct ovk_vdi_header *h, struct ovk_error *err)
{
	if (!uuid_is_null(h->uuid_link) || !uuid_is_null(h->uuid_parent) ||
	    h->image_type == OVK_VDI_TYPE_DIFF || h->image_type == OVK_VDI_TYPE_UNDO)
		return ovk_error_set(err, ENOTSUP, "image type %" PRIu32 " with a %s UUID: a VirtualBox "
				     "snapshot (differencing) image; ovakit reads normal and fixed "
				     "VDIs only (clone the disk with VBoxManage clonemedium first)",
				     h->image_type, uuid_is_null(h->uuid_parent) ? "link" : "parent");
	if (h->image_type != OVK_VDI_TYPE_NORMAL && h->image_type != OVK_VDI_TYPE_FIXED)
		return ovk_error_set(err, ENOTSUP, "image type %" PRIu32 ": not normal (1) or fixed (2)",
				     h->image_type);
	return 0;
}

static int validate_layout(const struct ovk_vdi_header *h, uint64_t file_size,
			   struct ovk_error *err)
{
	uint64_t map_bytes = (uint64_t)h->blocks_in_image * 4;

	if (h->offset_bmap % OVK_VDI_SECTOR || h->offset_bmap < OVK_VDI_HEADER_BYTES)
		return ovk_error_set(err, EINVAL, "block map offset 0x%" PRIx32 ": not a sector "
				     "boundary after the header", h->offset_bmap);
	if (h->offset_data % OVK_VDI_SECTOR || h->offset_data < OVK_VDI_HEADER_BYTES)
		return ovk_error_set(err, EINVAL, "data offset 0x%" PRIx32 ": not a sector boundary "
				     "after the header", h->offset_data);
	if (!ovk_range_ok(h->offset_bmap, map_bytes, file_size))
		return ovk_error_set(err, EINVAL, "block map at offset %" PRIu32 " (%" PRIu32 " entries): "
				     "beyond end of file (size %" PRIu64 ")", h->offset_bmap,
				     h->blocks_in_image, file_size);
	if (h->offset_data > file_size)
		return ovk_error_set(err, EINVAL, "data offset %" PRIu32 ": beyond end of file (size %"
				     PRIu64 ")", h->offset_data, file_size);
	return 0;
}

int ovk_vdi_header_validate(const struct ovk_vdi_header *h, uint64_t file_size,
			    struct ovk_error *err)
{
	if (h->signature != OVK_VDI_SIGNATURE)
		return ovk_error_set(err, EINVAL, "signature %08" PRIx32 ": not a VDI image",
				     h->signature);
	if (h->version != OVK_VDI_VERSION_1_1)
		return ovk_error_set(err, ENOTSUP, "version %" PRIu32 ".%" PRIu32 ": unsupported (1.1)",
				     h->version >> 16, h->version & 0xffff);
	if (h->sector_size != OVK_VDI_SECTOR)
		return ovk_error_set(err, ENOTSUP, "sector size %" PRIu32 ": not %u", h->sector_size,
				     OVK_VDI_SECTOR);
	if (h->block_size != OVK_VDI_BLOCK || h->block_extra != 0)
		return ovk_error_set(err, ENOTSUP, "block size %" PRIu32 " with %" PRIu32 " extra bytes: "
				     "only %" PRIu32 " with none is read", h->block_size,
				     h->block_extra, OVK_VDI_BLOCK);
	if (h->blocks_in_image > OVK_VDI_MAX_BLOCKS)
		return ovk_error_set(err, EINVAL, "blocks in image %" PRIu32 ": above %u",
				     h->blocks_in_image, OVK_VDI_MAX_BLOCKS);
	if (h->disk_size > (uint64_t)h->blocks_in_image * h->block_size)
		return ovk_error_set(err, EINVAL, "disk size %" PRIu64 ": more than the %" PRIu32
				     " blocks of the block map hold", h->disk_size,
				     h->blocks_in_image);
	if (validate_type(h, err) < 0)
		return -1;
	return validate_layout(h, file_size, err);
}

uint64_t ovk_vdi_virtual_size(const struct ovk_vdi_header *h)
{
	/* disk_size <= 2^30 MiB (checked): no overflow. */
	return (h->disk_size + OVK_VDI_SECTOR - 1) & ~(uint64_t)(OVK_VDI_SECTOR - 1);
}

int ovk_vdi_probe(const uint8_t *head, size_t len, uint64_t size)
{
	struct ovk_vdi_header h;

	(void)size;
	if (len < 68 || le32_load(head + 64) != OVK_VDI_SIGNATURE)
		return OVK_PROBE_NO;
	if (len < OVK_VDI_HEADER_BYTES)
		return OVK_PROBE_MAYBE;
	ovk_vdi_header_decode(head, &h);
	/* A broken header is still ours: open() names the field. */
	return ovk_vdi_header_validate(&h, UINT64_MAX, NULL) < 0 ? OVK_PROBE_MAYBE
								  : OVK_PROBE_SURE;
}
