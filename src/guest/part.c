/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * part.c: the partition tables of a guest disk (see part.h): MBR with the
 * chain of extended boot records, and GPT with its backup.
 *
 * MBR (sector 0; an EBR has the same layout, entries 0 and 1 only):
 *
 *   0    boot code (440)          446  entry 0 (16 bytes, below)
 *   440  disk signature u32 le    462  entry 1
 *   444  0x0000                   478  entry 2, 494 entry 3
 *                                 510  0x55 0xAA
 *   entry: 0 status (0x00 or 0x80 = active), 1 CHS start (3),
 *          4 type, 5 CHS end (3), 8 first LBA u32 le, 12 sectors u32 le
 *
 * Extended partitions (types 0x05, 0x0F, 0x85) hold a chain of EBRs: each
 * EBR's entry 0 is a logical partition, relative to that EBR; its entry 1
 * points to the next EBR, relative to the start of the extended partition.
 *
 * GPT (LBA 1, and a backup in the last LBA; little-endian):
 *
 *   0   "EFI PART"            40  first usable LBA u64
 *   8   revision u32          48  last usable LBA u64
 *   12  header size u32       56  disk GUID (16)
 *   16  header CRC32 u32      72  partition entries LBA u64
 *   20  reserved u32          80  number of entries u32
 *   24  this header's LBA u64 84  size of an entry u32
 *   32  other header's LBA u64 88 entries CRC32 u32
 *
 *   entry: 0 type GUID (16), 16 partition GUID (16), 32 first LBA u64,
 *          40 last LBA u64 (inclusive), 48 attributes u64,
 *          56 name (36 UTF-16LE units)
 *
 * Invariants of a table handed out: every partition lies inside the disk
 * (and a logical one inside its extended partition); the EBR chain was
 * visited at most once per EBR and at most OVK_PART_MAX_LOGICAL times; a
 * GPT's header and entry array passed their CRC32s, and each used entry
 * lies between the first and last usable LBAs.  A protective MBR (type
 * 0xEE) means GPT: the other MBR entries of a hybrid MBR are ignored, as
 * Linux does.  When the primary GPT is bad the backup at the disk's last
 * LBA is read instead (as parted does), never a mix of the two.
 */
#include "part.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/codec.h"
#include "core/endian.h"
#include "guest/gutil.h"

#define MBR_SECTOR 512u
#define MBR_ENTRIES 0x1be
#define MBR_SIG_OFF 510

/* Logical partitions in one extended partition: Linux stops reading the
 * chain after 100 EBRs (block/partitions/msdos.c); 128 is a little more
 * than it would show, and bounds a chain that loops in a way the visited
 * check cannot see (each EBR at a new sector). */
#define OVK_PART_MAX_LOGICAL 128u
/* A GPT entry array: parted, sfdisk, sgdisk and Windows write 128 entries
 * of 128 bytes (16 KiB, the UEFI minimum).  sgdisk can grow the array, but
 * it must fit before the first usable LBA, which tools keep at 1 MiB; 1 MiB
 * is that bound. */
#define OVK_GPT_MAX_ARRAY_BYTES ((uint64_t)1 << 20)
/* The UEFI entry size is 128 << n; an entry bigger than a 4 KiB sector is
 * not one any tool writes. */
#define OVK_GPT_MIN_ENTRY 128u
#define OVK_GPT_MAX_ENTRY 4096u
#define OVK_GPT_HEADER_MIN 92u
#define OVK_GPT_NAME_UNITS 36u
#define OVK_GPT_ATTR_LEGACY_BOOT (1ull << 2)

struct mbr_entry {
	uint8_t status, type;
	uint32_t lba, sectors;
};

struct mbr {
	uint32_t disk_sig;
	uint16_t sig;
	struct mbr_entry e[4];
};

struct gpt_header {
	uint8_t magic[8];
	uint32_t revision, header_size, header_crc;
	uint64_t my_lba, alt_lba, first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t n_entries, entry_size, entries_crc;
	uint32_t computed_crc;     /* CRC32 of the header with its CRC field zeroed */
};

struct gpt_entry {
	uint8_t type[16], guid[16];
	uint64_t first, last, attrs;
	uint8_t name[2 * OVK_GPT_NAME_UNITS];
};

/* ------------------------------------------------------------ types */

static const struct {
	const char *guid;
	enum ovk_part_kind kind;
} gpt_kinds[] = {
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", OVK_PART_KIND_ESP },
	{ "21686148-6449-6E6F-744E-656564454649", OVK_PART_KIND_BIOS_BOOT },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", OVK_PART_KIND_LINUX_FS },
	{ "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", OVK_PART_KIND_LINUX_FS },  /* root x86-64 */
	{ "44479540-F297-41B2-9AF7-D131D5F0458A", OVK_PART_KIND_LINUX_FS },  /* root x86 */
	{ "B921B045-1DF0-41C3-AF44-4C6F280D3FAE", OVK_PART_KIND_LINUX_FS },  /* root arm64 */
	{ "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", OVK_PART_KIND_LINUX_FS },  /* /home */
	{ "3B8F8425-20E0-4F3B-907F-1A25A76F98E8", OVK_PART_KIND_LINUX_FS },  /* /srv */
	{ "4D21B016-B534-45C2-A9FB-5C16E091FD2D", OVK_PART_KIND_LINUX_FS },  /* /var */
	{ "E6D6D379-F507-44C2-A23C-238F2A3DF928", OVK_PART_KIND_LINUX_LVM },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", OVK_PART_KIND_LINUX_SWAP },
	{ "A19D880F-05FC-4D3B-A006-743F0F84911E", OVK_PART_KIND_LINUX_RAID },
	{ "BC13C2FF-59E6-4262-A352-B275FD6F7172", OVK_PART_KIND_XBOOTLDR },
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", OVK_PART_KIND_MS_BASIC_DATA },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", OVK_PART_KIND_MS_RESERVED },
	{ "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", OVK_PART_KIND_WIN_RECOVERY },
	{ "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", OVK_PART_KIND_MS_LDM },    /* metadata */
	{ "AF9B60A0-1431-4F62-BC68-3311714A69AD", OVK_PART_KIND_MS_LDM },    /* data */
};

static enum ovk_part_kind kind_of_guid(const char *guid)
{
	for (size_t i = 0; i < sizeof gpt_kinds / sizeof gpt_kinds[0]; i++)
		if (strcmp(gpt_kinds[i].guid, guid) == 0)
			return gpt_kinds[i].kind;
	return OVK_PART_KIND_OTHER;
}

static enum ovk_part_kind kind_of_mbr(uint8_t type)
{
	switch (type) {
	case 0xef: return OVK_PART_KIND_ESP;
	case 0x83: return OVK_PART_KIND_LINUX_FS;
	case 0x8e: return OVK_PART_KIND_LINUX_LVM;
	case 0x82: return OVK_PART_KIND_LINUX_SWAP;
	case 0xfd: return OVK_PART_KIND_LINUX_RAID;
	case 0xea: return OVK_PART_KIND_XBOOTLDR;
	case 0x01: case 0x04: case 0x06: case 0x07: case 0x0b: case 0x0c: case 0x0e:
		return OVK_PART_KIND_MS_BASIC_DATA;
	case 0x27: return OVK_PART_KIND_WIN_RECOVERY;
	case 0x42: return OVK_PART_KIND_MS_LDM;
	default: return OVK_PART_KIND_OTHER;
	}
}

const char *ovk_part_kind_name(enum ovk_part_kind k)
{
	static const char *const names[] = {
		[OVK_PART_KIND_OTHER] = "other", [OVK_PART_KIND_ESP] = "esp",
		[OVK_PART_KIND_BIOS_BOOT] = "bios-boot", [OVK_PART_KIND_LINUX_FS] = "linux",
		[OVK_PART_KIND_LINUX_LVM] = "lvm", [OVK_PART_KIND_LINUX_SWAP] = "swap",
		[OVK_PART_KIND_LINUX_RAID] = "raid", [OVK_PART_KIND_XBOOTLDR] = "xbootldr",
		[OVK_PART_KIND_MS_BASIC_DATA] = "ms-basic-data",
		[OVK_PART_KIND_MS_RESERVED] = "ms-reserved",
		[OVK_PART_KIND_WIN_RECOVERY] = "windows-recovery", [OVK_PART_KIND_MS_LDM] = "ms-ldm",
	};

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "other";
}

static int is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* ------------------------------------------------------------ the table */

/* A new partition of t, its window on disk named like Linux names it. */
static int add_part(struct ovk_gdisk *disk, struct ovk_part_table *t, const struct ovk_partition *p,
		    struct ovk_error *err)
{
	const char *dn = ovk_gdisk_name(disk);
	size_t dl = strlen(dn);
	struct ovk_partition *grown;
	char name[256];

	grown = realloc(t->parts, (t->n + 1) * sizeof *t->parts);
	if (!grown)
		return ovk_error_set(err, ENOMEM, "out of memory");
	t->parts = grown;
	snprintf(name, sizeof name, "%s%s%u", dn,
		 dl && dn[dl - 1] >= '0' && dn[dl - 1] <= '9' ? "p" : "", p->index);
	t->parts[t->n] = *p;
	t->parts[t->n].disk = NULL;
	if (ovk_gdisk_window(disk, p->start, p->length, name, &t->parts[t->n].disk, err) < 0)
		return -1;
	t->n++;
	return 0;
}

void ovk_part_table_free(struct ovk_part_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		ovk_gdisk_free(t->parts[i].disk);
	free(t->parts);
	free(t);
}

/* ------------------------------------------------------------ MBR */

static void mbr_decode(const uint8_t *b, struct mbr *m)
{
	m->disk_sig = le32_load(b + 440);
	m->sig = le16_load(b + MBR_SIG_OFF);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = b + MBR_ENTRIES + 16 * i;

		m->e[i] = (struct mbr_entry){ e[0], e[4], le32_load(e + 8), le32_load(e + 12) };
	}
}

/* Whether sector 0 is a table at all: the signature, sane status bytes,
 * and not the boot sector of a file system written to the whole disk
 * (whose bytes 446..509 are boot code). */
static int mbr_is_table(const uint8_t *b, const struct mbr *m)
{
	uint16_t bps = le16_load(b + 11);

	if (m->sig != 0xaa55)
		return 0;
	for (unsigned i = 0; i < 4; i++)
		if (m->e[i].status != 0 && m->e[i].status != 0x80)
			return 0;
	if ((b[0] == 0xeb || b[0] == 0xe9) && ovk_is_pow2(bps) && bps >= 512 && bps <= 4096 &&
	    (memcmp(b + 54, "FAT", 3) == 0 || memcmp(b + 82, "FAT", 3) == 0 ||
	     memcmp(b + 3, "NTFS    ", 8) == 0 || memcmp(b + 3, "EXFAT   ", 8) == 0))
		return 0;
	return 1;
}

/* What the MBR functions share. */
struct mbr_ctx {
	struct ovk_gdisk *disk;
	struct ovk_part_table *t;
	uint32_t disk_sig;
	uint64_t disk_lbas;
};

/* One MBR partition: `lba` sectors from the disk's start, inside
 * [lo, hi) sectors. */
static int mbr_add(struct mbr_ctx *c, unsigned index, const struct mbr_entry *e, uint64_t lba,
		   uint64_t lo, uint64_t hi, const char *what, struct ovk_error *err)
{
	struct ovk_partition p = { .index = index, .mbr_type = e->type };

	if (lba < lo || e->sectors > hi || lba > hi - e->sectors)
		return ovk_error_set(err, ERANGE, "%s %u: sectors %" PRIu64 "+%" PRIu32
				     " beyond the %s (sectors %" PRIu64 "..%" PRIu64 ")", what,
				     index, lba, e->sectors, lo == 0 ? "disk" :
				     "extended partition", lo, hi);
	p.start = lba * MBR_SECTOR;
	p.length = (uint64_t)e->sectors * MBR_SECTOR;
	p.kind = kind_of_mbr(e->type);
	p.flags = e->status == 0x80 ? OVK_PART_BOOTABLE : 0;
	/* PARTUUID= of an MBR partition, as blkid spells it */
	snprintf(p.uuid, sizeof p.uuid, "%08" PRIx32 "-%02x", c->disk_sig, index & 0xffu);
	return add_part(c->disk, c->t, &p, err);
}

/* The logical partitions in the chain of EBRs of extended partition ext. */
static int mbr_logicals(struct mbr_ctx *c, const struct mbr_entry *ext, struct ovk_error *err)
{
	uint64_t lo = ext->lba, hi = lo + ext->sectors, cur = lo;
	uint64_t seen[OVK_PART_MAX_LOGICAL];
	unsigned index = 5;
	uint8_t b[MBR_SECTOR];
	struct mbr m;

	if (hi > c->disk_lbas)
		return ovk_error_set(err, ERANGE, "MBR: extended partition (sectors %" PRIu64 "+%"
				     PRIu32 ") beyond the disk (%" PRIu64 " sectors)", lo,
				     ext->sectors, c->disk_lbas);
	for (unsigned n = 0;; n++) {
		if (n == OVK_PART_MAX_LOGICAL)
			return ovk_error_set(err, ELOOP, "MBR: more than %u logical partitions",
					     OVK_PART_MAX_LOGICAL);
		for (unsigned i = 0; i < n; i++)
			if (seen[i] == cur)
				return ovk_error_set(err, ELOOP, "MBR: the EBR chain loops back "
						     "to sector %" PRIu64, cur);
		seen[n] = cur;
		if (cur >= hi || ovk_gdisk_pread(c->disk, cur * MBR_SECTOR, b, sizeof b, err) < 0)
			return ovk_error_set(err, ERANGE, "MBR: EBR at sector %" PRIu64 ": beyond "
					     "the extended partition or unreadable", cur);
		mbr_decode(b, &m);
		if (m.sig != 0xaa55)
			return ovk_error_set(err, EINVAL, "MBR: EBR at sector %" PRIu64 ": no "
					     "0x55AA signature", cur);
		if (m.e[0].type && m.e[0].sectors &&
		    mbr_add(c, index++, &m.e[0], cur + m.e[0].lba, lo, hi,
			    "MBR: logical partition", err) < 0)
			return -1;
		if (!is_extended(m.e[1].type) || m.e[1].sectors == 0)
			return 0;
		cur = lo + m.e[1].lba;
	}
}

static int mbr_read(struct ovk_gdisk *disk, const struct mbr *m, struct ovk_part_table *t,
		    struct ovk_error *err)
{
	struct mbr_ctx c = { disk, t, m->disk_sig, ovk_gdisk_size(disk) / MBR_SECTOR };
	const struct mbr_entry *ext = NULL;

	t->scheme = OVK_PART_MBR;
	t->sector = MBR_SECTOR;
	snprintf(t->disk_id, sizeof t->disk_id, "%08" PRIx32, m->disk_sig);
	for (unsigned i = 0; i < 4; i++) {
		const struct mbr_entry *e = &m->e[i];

		if (e->type == 0 || e->sectors == 0)
			continue;
		if (is_extended(e->type)) {
			if (ext)
				return ovk_error_set(err, EINVAL, "MBR: two extended partitions "
						     "(%u and %u)", (unsigned)(ext - m->e) + 1, i + 1);
			ext = e;
			continue;
		}
		if (mbr_add(&c, i + 1, e, e->lba, 0, c.disk_lbas, "MBR: partition", err) < 0)
			return -1;
	}
	return ext ? mbr_logicals(&c, ext, err) : 0;
}

/* ------------------------------------------------------------ GPT */

/* Decode the header in b (one logical sector of `sector` bytes). */
static void gpt_header_decode(const uint8_t *b, unsigned sector, struct gpt_header *h)
{
	uint8_t copy[OVK_GPT_MAX_ENTRY];

	memcpy(h->magic, b, 8);
	h->revision = le32_load(b + 8);
	h->header_size = le32_load(b + 12);
	h->header_crc = le32_load(b + 16);
	h->my_lba = le64_load(b + 24);
	h->alt_lba = le64_load(b + 32);
	h->first_usable = le64_load(b + 40);
	h->last_usable = le64_load(b + 48);
	memcpy(h->disk_guid, b + 56, 16);
	h->entries_lba = le64_load(b + 72);
	h->n_entries = le32_load(b + 80);
	h->entry_size = le32_load(b + 84);
	h->entries_crc = le32_load(b + 88);
	h->computed_crc = 0;
	if (h->header_size >= OVK_GPT_HEADER_MIN && h->header_size <= sector) {
		memcpy(copy, b, h->header_size);
		memset(copy + 16, 0, 4);
		h->computed_crc = ovk_crc32(0, copy, h->header_size);
	}
}

/* The header read from LBA `lba` of a disk of disk_lbas sectors. */
static int gpt_header_validate(const struct gpt_header *h, uint64_t lba, uint64_t disk_lbas,
			       unsigned sector, struct ovk_error *err)
{
	uint64_t bytes, at;

	if (memcmp(h->magic, "EFI PART", 8) != 0)
		return ovk_error_set(err, EINVAL, "no \"EFI PART\" signature");
	if (h->header_size < OVK_GPT_HEADER_MIN || h->header_size > sector)
		return ovk_error_set(err, EINVAL, "header size %" PRIu32 " not in %u..%u",
				     h->header_size, OVK_GPT_HEADER_MIN, sector);
	if (h->computed_crc != h->header_crc)
		return ovk_error_set(err, EINVAL, "header CRC32 %08" PRIx32 ", computed %08"
				     PRIx32, h->header_crc, h->computed_crc);
	if (h->my_lba != lba)
		return ovk_error_set(err, EINVAL, "says it is at LBA %" PRIu64 ", read at %"
				     PRIu64, h->my_lba, lba);
	if (h->first_usable > h->last_usable || h->last_usable >= disk_lbas)
		return ovk_error_set(err, ERANGE, "usable LBAs %" PRIu64 "..%" PRIu64 " not inside "
				     "the disk (%" PRIu64 " sectors)", h->first_usable,
				     h->last_usable, disk_lbas);
	if (h->entry_size < OVK_GPT_MIN_ENTRY || h->entry_size > OVK_GPT_MAX_ENTRY ||
	    !ovk_is_pow2(h->entry_size))
		return ovk_error_set(err, EINVAL, "entry size %" PRIu32 " not a power of two in "
				     "%u..%u", h->entry_size, OVK_GPT_MIN_ENTRY, OVK_GPT_MAX_ENTRY);
	bytes = (uint64_t)h->n_entries * h->entry_size;
	if (bytes > OVK_GPT_MAX_ARRAY_BYTES)
		return ovk_error_set(err, EINVAL, "%" PRIu32 " entries of %" PRIu32 " bytes: more "
				     "than %" PRIu64 " bytes", h->n_entries, h->entry_size,
				     OVK_GPT_MAX_ARRAY_BYTES);
	if (ovk_mul_overflow(h->entries_lba, (uint64_t)sector, &at) ||
	    !ovk_range_ok(at, bytes, disk_lbas * sector))
		return ovk_error_set(err, ERANGE, "entry array at LBA %" PRIu64 " beyond the disk",
				     h->entries_lba);
	return 0;
}

static void gpt_entry_decode(const uint8_t *b, struct gpt_entry *e)
{
	memcpy(e->type, b, 16);
	memcpy(e->guid, b + 16, 16);
	e->first = le64_load(b + 32);
	e->last = le64_load(b + 40);
	e->attrs = le64_load(b + 48);
	memcpy(e->name, b + 56, sizeof e->name);
}

static int gpt_entry_add(struct ovk_gdisk *disk, struct ovk_part_table *t,
			 const struct gpt_header *h, uint32_t i, const struct gpt_entry *e,
			 struct ovk_error *err)
{
	struct ovk_partition p = { .index = i + 1, .gpt_attrs = e->attrs };

	if (e->first > e->last || e->first < h->first_usable || e->last > h->last_usable)
		return ovk_error_set(err, ERANGE, "entry %" PRIu32 ": LBAs %" PRIu64 "..%" PRIu64
				     " outside the usable %" PRIu64 "..%" PRIu64, i + 1, e->first,
				     e->last, h->first_usable, h->last_usable);
	/* last_usable < disk_lbas (validated), so these cannot overflow */
	p.start = e->first * t->sector;
	p.length = (e->last - e->first + 1) * t->sector;
	ovk_guid_str(e->type, p.type_guid);
	ovk_guid_str(e->guid, p.uuid);
	for (char *c = p.uuid; *c; c++)   /* PARTUUID= is lower case, as blkid prints it */
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	ovk_utf16le_to_utf8(e->name, OVK_GPT_NAME_UNITS, p.name, sizeof p.name);
	p.kind = kind_of_guid(p.type_guid);
	p.flags = e->attrs & OVK_GPT_ATTR_LEGACY_BOOT ? OVK_PART_BOOTABLE : 0;
	return add_part(disk, t, &p, err);
}

/* The entry array of a valid header: its CRC, then each used entry. */
static int gpt_entries(struct ovk_gdisk *disk, const struct gpt_header *h,
		       struct ovk_part_table *t, struct ovk_error *err)
{
	size_t bytes = (size_t)h->n_entries * h->entry_size;
	uint8_t *a = malloc(bytes ? bytes : 1);
	static const uint8_t unused[16];
	struct gpt_entry e;
	int ret = -1;

	if (!a) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_gdisk_pread(disk, h->entries_lba * t->sector, a, bytes, err) < 0)
		goto out;
	if (ovk_crc32(0, a, bytes) != h->entries_crc) {
		ovk_error_set(err, EINVAL, "entry array CRC32 %08" PRIx32 ", computed %08" PRIx32,
			      h->entries_crc, ovk_crc32(0, a, bytes));
		goto out;
	}
	for (uint32_t i = 0; i < h->n_entries; i++) {
		gpt_entry_decode(a + (size_t)i * h->entry_size, &e);
		if (memcmp(e.type, unused, 16) == 0)
			continue;
		if (gpt_entry_add(disk, t, h, i, &e, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(a);
	return ret;
}

/* The header at `lba` and its entries into t: 0, 1 when there is no GPT
 * signature there, -1 when there is a bad one (err says why). */
static int gpt_at(struct ovk_gdisk *disk, uint64_t lba, struct ovk_part_table *t,
		  struct ovk_error *err)
{
	uint64_t disk_lbas = ovk_gdisk_size(disk) / t->sector;
	uint8_t b[OVK_GPT_MAX_ENTRY];
	struct gpt_header h;

	if (lba >= disk_lbas || ovk_gdisk_pread(disk, lba * t->sector, b, t->sector, err) < 0)
		return 1;
	gpt_header_decode(b, t->sector, &h);
	if (memcmp(h.magic, "EFI PART", 8) != 0)
		return 1;
	if (gpt_header_validate(&h, lba, disk_lbas, t->sector, err) < 0 ||
	    gpt_entries(disk, &h, t, err) < 0)
		return -1;
	ovk_guid_str(h.disk_guid, t->disk_id);
	return 0;
}

/* Drop what a failed header left in t. */
static void parts_clear(struct ovk_part_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		ovk_gdisk_free(t->parts[i].disk);
	t->n = 0;
}

/* GPT with `sector`-byte LBAs: the primary, else the backup.  1 when
 * neither has a signature. */
static int gpt_read(struct ovk_gdisk *disk, unsigned sector, struct ovk_part_table *t,
		    struct ovk_error *err)
{
	uint64_t last = ovk_gdisk_size(disk) / sector;
	char primary[OVK_ERROR_MAX], backup[OVK_ERROR_MAX];
	int r;

	t->scheme = OVK_PART_GPT;
	t->sector = sector;
	if ((r = gpt_at(disk, 1, t, err)) == 0)
		return 0;
	snprintf(primary, sizeof primary, "%s", r < 0 && err ? err->msg : "no header");
	parts_clear(t);
	if (last <= 2)   /* no sector for a backup apart from the primary's */
		return r < 0 ? ovk_error_prefix(err, "GPT: primary header") : 1;
	if ((r = gpt_at(disk, last - 1, t, err)) == 0) {
		t->gpt_backup_used = 1;
		return 0;
	}
	parts_clear(t);
	if (r > 0 && strcmp(primary, "no header") == 0)
		return 1;
	snprintf(backup, sizeof backup, "%s", r < 0 && err ? err->msg : "no header");
	return ovk_error_set(err, EINVAL, "GPT (%u-byte sectors): primary header: %s; backup "
			     "header at LBA %" PRIu64 ": %s", sector, primary, last - 1, backup);
}

/* Which table sector 0 announces, read into t. */
static int part_scan(struct ovk_gdisk *disk, struct ovk_part_table *t, struct ovk_error *err)
{
	static const unsigned sectors[] = { 512, 4096 };
	uint8_t b[MBR_SECTOR];
	int protective = 0, r = 1;
	struct mbr m;

	t->scheme = OVK_PART_NONE;
	if (ovk_gdisk_size(disk) < MBR_SECTOR)
		return 0;
	if (ovk_gdisk_pread(disk, 0, b, sizeof b, err) < 0)
		return -1;
	mbr_decode(b, &m);
	if (!mbr_is_table(b, &m))
		return 0;
	for (unsigned i = 0; i < 4; i++)
		protective |= m.e[i].type == 0xee;
	if (!protective)
		return mbr_read(disk, &m, t, err);
	for (unsigned i = 0; r > 0 && i < sizeof sectors / sizeof sectors[0]; i++)
		if ((r = gpt_read(disk, sectors[i], t, err)) < 0)
			return -1;
	if (r > 0)
		return ovk_error_set(err, EINVAL, "protective MBR but no GPT header at LBA 1 or "
				     "at the end of the disk");
	return 0;
}

int ovk_part_list(struct ovk_gdisk *disk, struct ovk_part_table **out, struct ovk_error *err)
{
	struct ovk_part_table *t = calloc(1, sizeof *t);
	int ret = -1;

	*out = NULL;
	if (!t) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (part_scan(disk, t, err) < 0) {
		ovk_error_name(err, ovk_gdisk_name(disk));
		goto out;
	}
	*out = t;
	t = NULL;
	ret = 0;
out:
	ovk_part_table_free(t);
	return ret;
}
