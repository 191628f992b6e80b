/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vhd.h: private interface between the files of the VHD reader (Microsoft
 * Virtual Hard Disk, "vpc" to qemu).
 *
 *   header.c   decode and validate the footer and the dynamic disk header,
 *              the virtual size rule, the parent locators
 *   vhd.c      the format ops: probe (head and tail), open, the BAT and
 *              sector bitmap walk, info, the parent check
 *
 * Nothing here is visible outside src/vhd except ovk_format_vhd (named by
 * engine/registry.c).  Every on-disk number is big-endian and is decoded
 * once, in header.c; offsets in these structs are bytes unless the name
 * says `_sectors`.
 */
#ifndef OVK_VHD_VHD_H
#define OVK_VHD_VHD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/format.h"

#define OVK_VHD_SECTOR 512u
#define OVK_VHD_FOOTER_BYTES 512u
#define OVK_VHD_DYN_BYTES 1024u

/* Disk types (footer offset 60). */
#define OVK_VHD_TYPE_FIXED 2u
#define OVK_VHD_TYPE_DYNAMIC 3u
#define OVK_VHD_TYPE_DIFFERENCING 4u

/* BAT entry of a block that is not allocated. */
#define OVK_VHD_BAT_UNUSED 0xffffffffu

/* Parent locator platform codes (dynamic header, offset 576). */
#define OVK_VHD_PLAT_W2RU 0x57327275u   /* "W2ru": relative Windows path, UTF-16LE */
#define OVK_VHD_PLAT_W2KU 0x57326b75u   /* "W2ku": absolute Windows path, UTF-16LE */
#define OVK_VHD_LOCATORS 8

/* ---- named limits (every number from a file is checked against one) ---- */

/* qemu's VHD_MAX_SECTORS: 0xff000000 sectors (2040 GiB), the size Microsoft
 * documents as the VHD maximum; qemu refuses larger disks with EFBIG. */
#define OVK_VHD_MAX_SECTORS 0xff000000ull
/* The CHS geometry of the largest disk (65535 x 16 x 255): a footer with
 * this geometry always means current_size (qemu's VHD_MAX_GEOMETRY). */
#define OVK_VHD_MAX_GEOMETRY (65535ull * 16 * 255)
/* A block is a power of two of at least one sector (qemu) and at most
 * 2^31, the largest power of two in the u32 field; its sector bitmap is
 * then at most 512 KiB, which we read per block. */
#define OVK_VHD_MIN_BLOCK OVK_VHD_SECTOR
#define OVK_VHD_MAX_BLOCK ((uint64_t)1 << 31)
/* A parent locator holds one Windows path: at most 32767 UTF-16 units
 * (the long-path limit), 64 KiB. */
#define OVK_VHD_MAX_LOCATOR ((uint32_t)65536)
/* The UTF-8 form of a parent path: 32767 units of at most 3 bytes. */
#define OVK_VHD_MAX_PATH ((size_t)98304)

/* The footer (also copied at offset 0 of dynamic and differencing disks). */
struct ovk_vhd_footer {
	uint8_t cookie[8];          /* "conectix" */
	uint32_t features;
	uint32_t version;           /* 0x00010000 */
	uint64_t data_offset;       /* the dynamic header; ~0 for fixed disks */
	uint32_t timestamp;         /* seconds since 2000-01-01 UTC */
	uint8_t creator_app[4];     /* "vpc ", "qemu", "win ", ... */
	uint32_t creator_version;
	uint32_t creator_os;
	uint64_t original_size;
	uint64_t current_size;
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t type;
	uint32_t checksum;          /* as stored */
	uint32_t computed;          /* what the bytes sum to */
	uint8_t uuid[16];
	uint8_t saved_state;
};

struct ovk_vhd_locator {
	uint32_t code;              /* OVK_VHD_PLAT_*, 0 for none */
	uint32_t space;
	uint32_t length;            /* bytes */
	uint64_t offset;            /* bytes into the file */
};

/* The dynamic disk header ("cxsparse", 1024 bytes). */
struct ovk_vhd_dyn {
	uint8_t cookie[8];
	uint64_t data_offset;
	uint64_t table_offset;      /* the BAT */
	uint32_t version;           /* 0x00010000 */
	uint32_t max_table_entries;
	uint32_t block_size;
	uint32_t checksum, computed;
	uint8_t parent_uuid[16];
	uint32_t parent_timestamp;
	uint8_t parent_name[512];   /* UTF-16BE, as stored */
	struct ovk_vhd_locator loc[OVK_VHD_LOCATORS];
};

/* Decode 512 footer bytes (no checks). */
void ovk_vhd_footer_decode(const uint8_t *b, struct ovk_vhd_footer *f);
/* Check the cookie, checksum, version and type. */
int ovk_vhd_footer_validate(const struct ovk_vhd_footer *f, struct ovk_error *err);
/* The virtual size qemu-img gives the disk (header.c says how), or -1 when
 * it is above OVK_VHD_MAX_SECTORS.  *rule names the rule for info. */
int ovk_vhd_virtual_size(const struct ovk_vhd_footer *f, uint64_t *size, const char **rule,
			 struct ovk_error *err);

/* Decode 1024 dynamic header bytes (no checks). */
void ovk_vhd_dyn_decode(const uint8_t *b, struct ovk_vhd_dyn *d);
/* Check it against the disk's virtual size and the file's size. */
int ovk_vhd_dyn_validate(const struct ovk_vhd_dyn *d, uint64_t vsize, uint64_t file_size,
			 struct ovk_error *err);
/* The parent's name, as a path relative to this file (or absolute, for
 * the engine to refuse): the relative locator (W2ru), else the parent
 * name field.  The locators are read from the mapping `data`. */
int ovk_vhd_parent_name(const struct ovk_vhd_dyn *d, const uint8_t *data, uint64_t file_size,
			char **out, struct ovk_error *err);

/* Score 512 bytes that may be a footer (head copy or tail). */
int ovk_vhd_footer_probe(const uint8_t *b, size_t len, int tail);

extern const struct ovk_format ovk_format_vhd;

#endif
