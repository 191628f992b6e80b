/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metadata.c: the VHDX metadata region: its table, the items a reader
 * needs, and a differencing disk's parent locator, decoded once into
 * struct ovk_vhdx_meta and validated in one place (meta_validate).
 *
 * Metadata table (at the region's start, 64 KiB, little-endian):
 *   0  signature "metadata"   8 reserved u16   10 entry count u16 (<= 2047)
 *   32 entries of 32 bytes: item id guid [16], offset u32 (from the
 *      region's start, >= 64 KiB), length u32, flags u32 (bit 0 user,
 *      bit 1 virtual disk, bit 2 required), reserved u32
 *
 * Items:
 *   file parameters   block size u32, bits u32 (0: leave blocks allocated,
 *                     1: has parent)
 *   virtual disk size u64             logical sector size u32 (512, 4096)
 *   virtual disk id   guid [16]       physical sector size u32 (512, 4096)
 *   parent locator    locator type guid [16], reserved u16, key-value
 *                     count u16, then entries: key offset u32, value
 *                     offset u32 (from the locator's start), key length
 *                     u16, value length u16; keys and values UTF-16LE
 *
 * An unknown item that is marked required is refused, as qemu does; the
 * five items above (the locator only with a parent) must all be there.
 */
#include "vhdx/vhdx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "core/utf16.h"

#define META_TABLE_BYTES (64 * OVK_VHDX_KIB)
#define META_ENTRY_BYTES 32u
#define META_REQUIRED (1u << 2)
#define PARAM_LEAVE_ALLOCATED 1u
#define PARAM_HAS_PARENT 2u
#define LOCATOR_HEADER_BYTES 20u
#define LOCATOR_ENTRY_BYTES 12u

enum item { I_PARAMS, I_SIZE, I_DISK_ID, I_LOGICAL, I_PHYSICAL, I_PARENT, N_ITEMS };

/* As stored (Data1..3 little-endian). */
static const struct {
	struct ovk_vhdx_guid guid;
	uint32_t len;               /* exact length; 0: variable */
	const char *name;
} items[N_ITEMS] = {
	[I_PARAMS] = { { { 0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d, 0xb3, 0xb6, 0x33, 0xf0,
			   0xaa, 0x44, 0xe7, 0x6b } }, 8, "file parameters" },
	[I_SIZE] = { { { 0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48, 0xb2, 0x11, 0x5d, 0xbe,
			 0xd8, 0x3b, 0xf4, 0xb8 } }, 8, "virtual disk size" },
	[I_DISK_ID] = { { { 0xab, 0x12, 0xca, 0xbe, 0xe6, 0xb2, 0x23, 0x45, 0x93, 0xef, 0xc3, 0x09,
			    0xe0, 0x00, 0xc7, 0x46 } }, 16, "virtual disk id" },
	[I_LOGICAL] = { { { 0x1d, 0xbf, 0x41, 0x81, 0x6f, 0xa9, 0x09, 0x47, 0xba, 0x47, 0xf2, 0x33,
			    0xa8, 0xfa, 0xab, 0x5f } }, 4, "logical sector size" },
	[I_PHYSICAL] = { { { 0xc7, 0x48, 0xa3, 0xcd, 0x5d, 0x44, 0x71, 0x44, 0x9c, 0xc9, 0xe9, 0x88,
			     0x52, 0x51, 0xc5, 0x56 } }, 4, "physical sector size" },
	[I_PARENT] = { { { 0x2d, 0x5f, 0xd3, 0xa8, 0x0b, 0xb3, 0x4d, 0x45, 0xab, 0xf7, 0xd3, 0xd8,
			   0x48, 0x34, 0xab, 0x0c } }, 0, "parent locator" },
};

/* {B04AEFB7-D19E-4A81-B789-25B8E9445913}: the locator type of a VHDX parent. */
static const struct ovk_vhdx_guid vhdx_locator = { { 0xb7, 0xef, 0x4a, 0xb0, 0x9e, 0xd1, 0x81,
						     0x4a, 0xb7, 0x89, 0x25, 0xb8, 0xe9, 0x44,
						     0x59, 0x13 } };

/* Where each item is, from the table. */
struct item_loc {
	const uint8_t *p;
	uint32_t len;
};

static int find_items(const uint8_t *region, uint32_t region_len, struct item_loc *loc,
		      struct ovk_error *err)
{
	uint16_t n = le16_load(region + 10);
	char text[OVK_VHDX_GUID_TEXT];

	if (memcmp(region, "metadata", 8) != 0)
		return ovk_error_set(err, EINVAL, "metadata table: no \"metadata\" signature");
	if (n > OVK_VHDX_MAX_ENTRIES)
		return ovk_error_set(err, EINVAL, "metadata table: %u entries, above %u", n,
				     OVK_VHDX_MAX_ENTRIES);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *e = region + 32 + META_ENTRY_BYTES * i;
		uint32_t off = le32_load(e + 16), len = le32_load(e + 20), flags = le32_load(e + 24);
		struct ovk_vhdx_guid g;
		int k;

		for (k = 0; k < N_ITEMS && memcmp(e, items[k].guid.b, 16) != 0; k++)
			;
		memcpy(g.b, e, 16);
		ovk_vhdx_guid_text(&g, text);
		if (k == N_ITEMS) {
			if (flags & META_REQUIRED)
				return ovk_error_set(err, ENOTSUP, "metadata item %s: unknown and required",
						     text);
			continue;
		}
		if (loc[k].p)
			return ovk_error_set(err, EINVAL, "metadata item %s: listed twice", items[k].name);
		if ((items[k].len && len != items[k].len) || (!items[k].len && len == 0) ||
		    off < META_TABLE_BYTES || !ovk_range_ok(off, len, region_len))
			return ovk_error_set(err, EINVAL, "metadata item %s: %" PRIu32 " bytes at offset %"
					     PRIu32 ": outside the region or the wrong size",
					     items[k].name, len, off);
		loc[k].p = region + off;
		loc[k].len = len;
	}
	return 0;
}

/* One key's value (UTF-8, malloc'ed) into *slot when the key is one we use. */
static int locator_value(const uint8_t *p, uint32_t len, uint16_t i, struct ovk_vhdx_meta *m,
			 struct ovk_error *err)
{
	static const char *const keys[] = { "parent_linkage", "parent_linkage2", "relative_path",
					    "absolute_win32_path", "volume_path" };
	char **slots[] = { &m->parent_linkage, &m->parent_linkage2, &m->relative_path,
			   &m->absolute_path, &m->volume_path };
	const uint8_t *e = p + LOCATOR_HEADER_BYTES + LOCATOR_ENTRY_BYTES * i;
	uint32_t koff = le32_load(e), voff = le32_load(e + 4);
	uint16_t klen = le16_load(e + 8), vlen = le16_load(e + 10);
	char *key = NULL;
	int ret = -1;

	if (!ovk_range_ok(koff, klen, len) || !ovk_range_ok(voff, vlen, len) || !klen || !vlen) {
		ovk_error_set(err, EINVAL, "parent locator entry %u: key or value outside the locator",
			      i);
		goto out;
	}
	if (ovk_utf16_to_utf8(p + koff, klen, 0, OVK_VHDX_MAX_PATH, "parent locator key", &key,
			      err) < 0)
		goto out;
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if (strcmp(key, keys[k]) != 0)
			continue;
		if (*slots[k]) {
			ovk_error_set(err, EINVAL, "parent locator: key %s twice", key);
			goto out;
		}
		if (ovk_utf16_to_utf8(p + voff, vlen, 0, OVK_VHDX_MAX_PATH, keys[k], slots[k], err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(key);
	return ret;
}

static int parse_locator(const struct item_loc *loc, struct ovk_vhdx_meta *m,
			 struct ovk_error *err)
{
	uint16_t n;

	if (loc->len > OVK_VHDX_MAX_LOCATOR || loc->len < LOCATOR_HEADER_BYTES)
		return ovk_error_set(err, EINVAL, "parent locator of %" PRIu32 " bytes: not in %u..%llu",
				     loc->len, LOCATOR_HEADER_BYTES,
				     (unsigned long long)OVK_VHDX_MAX_LOCATOR);
	if (memcmp(loc->p, vhdx_locator.b, 16) != 0)
		return ovk_error_set(err, ENOTSUP, "parent locator type: not a VHDX parent");
	n = le16_load(loc->p + 18);
	if ((uint64_t)LOCATOR_HEADER_BYTES + (uint64_t)n * LOCATOR_ENTRY_BYTES > loc->len)
		return ovk_error_set(err, EINVAL, "parent locator: %u entries do not fit %" PRIu32
				     " bytes", n, loc->len);
	for (uint16_t i = 0; i < n; i++)
		if (locator_value(loc->p, loc->len, i, m, err) < 0)
			return -1;
	return 0;
}

static int meta_validate(const struct ovk_vhdx_meta *m, struct ovk_error *err)
{
	if (!ovk_is_pow2(m->block_size) || m->block_size < OVK_VHDX_MIN_BLOCK ||
	    m->block_size > OVK_VHDX_MAX_BLOCK)
		return ovk_error_set(err, EINVAL, "block size %" PRIu32 ": not a power of two of 1..256 MiB",
				     m->block_size);
	if (m->logical_sector != 512 && m->logical_sector != 4096)
		return ovk_error_set(err, EINVAL, "logical sector size %" PRIu32 ": not 512 or 4096",
				     m->logical_sector);
	if (m->physical_sector != 512 && m->physical_sector != 4096)
		return ovk_error_set(err, EINVAL, "physical sector size %" PRIu32 ": not 512 or 4096",
				     m->physical_sector);
	if (m->virtual_size > OVK_VHDX_MAX_SIZE || m->virtual_size % m->logical_sector)
		return ovk_error_set(err, EINVAL, "virtual disk size %" PRIu64 ": not a multiple of the "
				     "%" PRIu32 "-byte sector up to 64 TiB", m->virtual_size,
				     m->logical_sector);
	if (m->has_parent && !m->parent_linkage)
		return ovk_error_set(err, EINVAL, "differencing disk: the parent locator has no "
				     "parent_linkage");
	return 0;
}

int ovk_vhdx_meta_read(const uint8_t *data, uint64_t file_size,
		       const struct ovk_vhdx_region *r, struct ovk_vhdx_meta *m,
		       struct ovk_error *err)
{
	struct item_loc loc[N_ITEMS] = { { 0 } };
	uint32_t bits;

	(void)file_size;            /* the region is inside the file (header.c) */
	memset(m, 0, sizeof *m);
	if (find_items(data + r->offset, r->length, loc, err) < 0)
		return -1;
	for (int k = 0; k < I_PARENT; k++)
		if (!loc[k].p)
			return ovk_error_set(err, EINVAL, "metadata: no %s item", items[k].name);
	m->block_size = le32_load(loc[I_PARAMS].p);
	bits = le32_load(loc[I_PARAMS].p + 4);
	m->leave_allocated = (bits & PARAM_LEAVE_ALLOCATED) != 0;
	m->has_parent = (bits & PARAM_HAS_PARENT) != 0;
	m->virtual_size = le64_load(loc[I_SIZE].p);
	memcpy(m->disk_id.b, loc[I_DISK_ID].p, 16);
	m->logical_sector = le32_load(loc[I_LOGICAL].p);
	m->physical_sector = le32_load(loc[I_PHYSICAL].p);
	if (m->has_parent && !loc[I_PARENT].p)
		return ovk_error_set(err, EINVAL, "metadata: a differencing disk without a parent locator");
	if (m->has_parent && parse_locator(&loc[I_PARENT], m, err) < 0)
		return -1;
	return meta_validate(m, err);
}

void ovk_vhdx_meta_clear(struct ovk_vhdx_meta *m)
{
	free(m->parent_linkage);
	free(m->parent_linkage2);
	free(m->relative_path);
	free(m->absolute_path);
	free(m->volume_path);
	memset(m, 0, sizeof *m);
}
