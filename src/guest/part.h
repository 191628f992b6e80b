/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * part.h: the partitions of a guest disk (MBR with its extended chain, and
 * GPT), each as a gdisk window the file system readers open.
 *
 * The table is read once by ovk_part_list(); the caller owns the result and
 * frees it with ovk_part_table_free(), which drops the windows' references
 * (a window the caller wants to keep is taken with another reference,
 * i.e. ovk_gdisk_window() on it, or simply kept alive by not freeing the
 * table).  Not thread-safe, like the gdisk it reads.
 */
#ifndef OVK_GUEST_PART_H
#define OVK_GUEST_PART_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gdisk.h"

enum ovk_part_scheme {
	OVK_PART_NONE,            /* no table: the disk is one volume (or empty) */
	OVK_PART_MBR,
	OVK_PART_GPT,
};

/* What a partition's type says it holds (from the MBR type byte or the
 * GPT type GUID); a hint for the caller, never a reason to skip probing. */
enum ovk_part_kind {
	OVK_PART_KIND_OTHER,
	OVK_PART_KIND_ESP,            /* EFI System: 0xEF, C12A7328-... */
	OVK_PART_KIND_BIOS_BOOT,      /* grub's core.img on GPT: 21686148-... */
	OVK_PART_KIND_LINUX_FS,       /* 0x83, 0FC63DAF-... and the DPS roots */
	OVK_PART_KIND_LINUX_LVM,      /* 0x8E, E6D6D379-... */
	OVK_PART_KIND_LINUX_SWAP,     /* 0x82, 0657FD6D-... */
	OVK_PART_KIND_LINUX_RAID,     /* 0xFD, A19D880F-... */
	OVK_PART_KIND_XBOOTLDR,       /* BLS /boot: 0xEA, BC13C2FF-... */
	OVK_PART_KIND_MS_BASIC_DATA,  /* NTFS/FAT: 0x07, 0x0B, 0x0C, ...; EBD0A0A2-... */
	OVK_PART_KIND_MS_RESERVED,    /* MSR: E3C9E316-... */
	OVK_PART_KIND_WIN_RECOVERY,   /* 0x27, DE94BBA4-... */
	OVK_PART_KIND_MS_LDM,         /* dynamic disk: 0x42, 5808C8AA-/AF9B60A0-... */
};

/* Partition flags. */
#define OVK_PART_BOOTABLE 1u      /* MBR active (0x80), GPT legacy BIOS bootable (bit 2) */

struct ovk_partition {
	unsigned index;           /* as Linux numbers it: 1-4 primary, 5+ logical; GPT slot + 1 */
	uint64_t start, length;   /* bytes */
	enum ovk_part_kind kind;
	uint8_t mbr_type;         /* MBR: the type byte; GPT: 0 */
	char type_guid[37];       /* GPT: the type GUID ("C12A7328-F81F-..."); MBR: "" */
	char uuid[37];            /* GPT: the partition GUID (PARTUUID=); MBR: "SSSSSSSS-NN" */
	char name[144];           /* GPT: the name as UTF-8 (36 UTF-16 units); MBR: "" */
	unsigned flags;           /* OVK_PART_* */
	uint64_t gpt_attrs;       /* GPT: the attribute bits as stored */
	struct ovk_gdisk *disk;   /* the window, named like Linux: "sda1", "loop0p1" */
};

struct ovk_part_table {
	enum ovk_part_scheme scheme;
	unsigned sector;          /* logical sector size the table uses (512 or 4096) */
	char disk_id[37];         /* GPT: disk GUID; MBR: the signature "xxxxxxxx" */
	int gpt_backup_used;      /* the primary GPT was bad and the backup was read */
	size_t n;
	struct ovk_partition *parts;   /* in index order */
};

/* Read the partition table of disk.  A disk without one (a file system
 * written straight to the disk, or blank) gives scheme NONE and no
 * partitions: that is a fact, not an error.  Errors name the disk and the
 * structure ("sda: GPT: entry 3: last LBA 99999 beyond the disk"). */
int ovk_part_list(struct ovk_gdisk *disk, struct ovk_part_table **out, struct ovk_error *err);
void ovk_part_table_free(struct ovk_part_table *t);

/* "esp", "bios-boot", "linux", "lvm", ... for messages and JSON. */
const char *ovk_part_kind_name(enum ovk_part_kind k);

#endif
