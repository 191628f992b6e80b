/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs_fat.c: FAT12, FAT16 and FAT32 (the EFI System Partition), read-only:
 * the BIOS parameter block, cluster chains, directories with VFAT long
 * names, and the gfs ops (see gfs.h).  Names are matched without regard to
 * ASCII case, as the guest's firmware and Linux's vfat do.
 *
 * Boot sector (little-endian):
 *
 *   0  jump (EB xx 90 or E9 xx xx)   17 root entries u16 (0 on FAT32)
 *   3  OEM name (8)                  19 total sectors u16 (0: see 32)
 *   11 bytes per sector u16          22 sectors per FAT u16 (0 on FAT32)
 *   13 sectors per cluster u8        32 total sectors u32
 *   14 reserved sectors u16          FAT12/16: 38 0x29, 39 serial u32, 43 label (11)
 *   16 number of FATs u8             FAT32: 36 sectors per FAT u32, 44 root cluster u32,
 *                                           66 0x29, 67 serial u32, 71 label (11)
 *
 * Volume: [reserved][FAT x n][root directory (FAT12/16)][clusters 2, 3, ...]
 * The type follows from the cluster count alone (Microsoft's rule): below
 * 4085 FAT12, below 65525 FAT16, else FAT32.
 *
 * Directory entry (32 bytes): 0 name (8+3, 0x00 = end, 0xE5 = deleted),
 * 11 attributes (0x10 dir, 0x08 label, 0x0F = long-name piece), 12 case
 * bits (0x08 base, 0x10 extension lower case), 20 cluster high u16
 * (FAT32), 26 cluster low u16, 28 size u32.  A long-name piece: 0 order
 * (0x40 = the last, which comes first), 1 five UTF-16 units, 13 checksum
 * of the 8.3 name, 14 six units, 28 two units; pieces N..1 precede the
 * short entry they name.
 *
 * Invariants: the geometry passed fat_validate() (the volume inside the
 * device, the FATs large enough for every cluster); every cluster used is
 * in 2..clusters+1; a chain is followed at most as far as the file's size
 * needs, or for directories at most OVK_FAT_MAX_DIR_BYTES, and never more
 * than the volume's cluster count, so a loop ends; a long name is used
 * only when its pieces came in order and its checksum matches.
 */
#include "gfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "guest/gutil.h"

#define FAT_DIRENT 32u
#define FAT_ATTR_LFN 0x0fu
#define FAT_ATTR_LABEL 0x08u
#define FAT_ATTR_DIR 0x10u
#define FAT_LFN_UNITS 13u
/* Long-name pieces: 255 characters of 13 units each. */
#define FAT_LFN_MAX_PIECES 20u
/* FATs on one volume: 2 is the norm, 1 happens; more is not a FAT BPB. */
#define OVK_FAT_MAX_FATS 4u
/* A directory holds at most 65536 entries (the FAT specification; Linux
 * stops there too): 2 MiB of entries. */
#define OVK_FAT_MAX_DIR_BYTES ((uint64_t)65536 * FAT_DIRENT)
/* Clusters up to 64 KiB are what the specification allows (some tools
 * write 128 and 256 KiB ones, which Linux reads): 256 KiB. */
#define OVK_FAT_MAX_CLUSTER (256u << 10)

enum fat_type { FAT12 = 12, FAT16 = 16, FAT32 = 32 };

struct fat_bpb {
	uint8_t jump;
	uint16_t bps, reserved, root_entries, total16, fat16;
	uint8_t spc, n_fats;
	uint32_t total32, fat32, root_cluster;
	uint8_t sig12, sig32;
	uint32_t serial12, serial32;
	char label12[12], label32[12];
};

struct fat_fs {
	struct ovk_gfs gfs;
	struct fat_bpb bpb;
	enum fat_type type;
	uint32_t cluster_size, clusters;
	uint64_t fat_off, root_off, root_bytes, data_off;
	/* where the last pread left off in a chain */
	uint32_t cur_first, cur_cluster;
	uint64_t cur_index;
};

/* ------------------------------------------------------------ the BPB */

static void fat_bpb_decode(const uint8_t *b, struct fat_bpb *p)
{
	p->jump = b[0];
	p->bps = le16_load(b + 11);
	p->spc = b[13];
	p->reserved = le16_load(b + 14);
	p->n_fats = b[16];
	p->root_entries = le16_load(b + 17);
	p->total16 = le16_load(b + 19);
	p->fat16 = le16_load(b + 22);
	p->total32 = le32_load(b + 32);
	p->fat32 = le32_load(b + 36);
	p->root_cluster = le32_load(b + 44);
	p->sig12 = b[38];
	p->serial12 = le32_load(b + 39);
	memcpy(p->label12, b + 43, 11);
	p->label12[11] = '\0';
	p->sig32 = b[66];
	p->serial32 = le32_load(b + 67);
	memcpy(p->label32, b + 71, 11);
	p->label32[11] = '\0';
}

/* The BPB against the FAT rules and a device of dev bytes; fills the
 * geometry of fs. */
static int fat_validate(struct fat_fs *fs, uint64_t dev, struct ovk_error *err)
{
	const struct fat_bpb *p = &fs->bpb;
	uint64_t total = p->total16 ? p->total16 : p->total32;
	uint64_t fat = p->fat16 ? p->fat16 : p->fat32, root_secs, data_sec, need;

	if (p->jump != 0xeb && p->jump != 0xe9)
		return ovk_error_set(err, EINVAL, "no boot sector jump");
	if (p->bps < 512 || p->bps > 4096 || !ovk_is_pow2(p->bps) || !ovk_is_pow2(p->spc) ||
	    (uint32_t)p->bps * p->spc > OVK_FAT_MAX_CLUSTER)
		return ovk_error_set(err, EINVAL, "%u bytes per sector, %u per cluster", p->bps,
				     p->spc);
	if (p->reserved == 0 || p->n_fats == 0 || p->n_fats > OVK_FAT_MAX_FATS || fat == 0)
		return ovk_error_set(err, EINVAL, "%u reserved sectors, %u FATs of %" PRIu64
				     " sectors", p->reserved, p->n_fats, fat);
	root_secs = ((uint64_t)p->root_entries * FAT_DIRENT + p->bps - 1) / p->bps;
	data_sec = p->reserved + p->n_fats * fat + root_secs;   /* < 2^40: no overflow */
	if (total <= data_sec || total * p->bps > dev)
		return ovk_error_set(err, ERANGE, "%" PRIu64 " sectors of %u bytes: beyond the "
				     "device (%" PRIu64 " bytes) or no room for data", total, p->bps,
				     dev);
	fs->cluster_size = (uint32_t)p->bps * p->spc;
	fs->clusters = (uint32_t)((total - data_sec) / p->spc);
	fs->type = fs->clusters < 4085 ? FAT12 : fs->clusters < 65525 ? FAT16 : FAT32;
	need = ((uint64_t)fs->clusters + 2) * fs->type / 8 + 1;
	if (need > fat * p->bps)
		return ovk_error_set(err, EINVAL, "FAT of %" PRIu64 " sectors too small for %"
				     PRIu32 " clusters", fat, fs->clusters);
	if (fs->type == FAT32 && (p->root_entries != 0 || p->fat16 != 0 ||
				  p->root_cluster < 2 || p->root_cluster >= fs->clusters + 2u))
		return ovk_error_set(err, EINVAL, "FAT32 root cluster %" PRIu32 " invalid",
				     p->root_cluster);
	if (fs->type != FAT32 && p->root_entries == 0)
		return ovk_error_set(err, EINVAL, "FAT%d without a root directory", fs->type);
	fs->fat_off = (uint64_t)p->reserved * p->bps;
	fs->root_off = (p->reserved + p->n_fats * fat) * p->bps;
	fs->root_bytes = root_secs * p->bps;
	fs->data_off = data_sec * p->bps;
	return 0;
}

/* ------------------------------------------------------------ chains */

static int fat_pread(struct fat_fs *fs, uint64_t off, void *buf, size_t len,
		     struct ovk_error *err)
{
	return ovk_gdisk_pread(fs->gfs.disk, off, buf, len, err);
}

static int cluster_ok(const struct fat_fs *fs, uint32_t c)
{
	return c >= 2 && c - 2 < fs->clusters;
}

/* The FAT entry of cluster c: the next cluster, or 0 at the chain's end. */
static int fat_next(struct fat_fs *fs, uint32_t c, uint32_t *next, struct ovk_error *err)
{
	uint8_t b[4] = { 0 };
	uint32_t v, eoc;

	switch (fs->type) {
	case FAT12:
		if (fat_pread(fs, fs->fat_off + c + c / 2, b, 2, err) < 0)
			return -1;
		v = le16_load(b);
		v = c & 1 ? v >> 4 : v & 0xfff;
		eoc = 0xff8;
		break;
	case FAT16:
		if (fat_pread(fs, fs->fat_off + (uint64_t)c * 2, b, 2, err) < 0)
			return -1;
		v = le16_load(b);
		eoc = 0xfff8;
		break;
	default:
		if (fat_pread(fs, fs->fat_off + (uint64_t)c * 4, b, 4, err) < 0)
			return -1;
		v = le32_load(b) & 0x0fffffff;
		eoc = 0x0ffffff8;
		break;
	}
	if (v >= eoc) {
		*next = 0;
		return 0;
	}
	if (!cluster_ok(fs, v))
		return ovk_error_set(err, EINVAL, "cluster %" PRIu32 " links to %" PRIu32 ", not "
				     "a cluster", c, v);
	*next = v;
	return 0;
}

static uint64_t cluster_byte(const struct fat_fs *fs, uint32_t c)
{
	return fs->data_off + (uint64_t)(c - 2) * fs->cluster_size;
}

/* The cluster holding chain position idx of the chain starting at first
 * (0 when the chain ends before it), from the cursor when it can. */
static int chain_seek(struct fat_fs *fs, uint32_t first, uint64_t idx, uint32_t *out,
		      struct ovk_error *err)
{
	uint32_t c = first;
	uint64_t i = 0;

	if (!cluster_ok(fs, first))
		return ovk_error_set(err, EINVAL, "chain from %" PRIu32 ": not a cluster", first);
	if (fs->cur_first == first && fs->cur_index <= idx && fs->cur_cluster) {
		c = fs->cur_cluster;
		i = fs->cur_index;
	}
	if (idx >= fs->clusters)
		return ovk_error_set(err, ELOOP, "chain from cluster %" PRIu32 " longer than the "
				     "volume's %" PRIu32 " clusters", first, fs->clusters);
	for (; i < idx && c; i++)
		if (fat_next(fs, c, &c, err) < 0)
			return -1;
	fs->cur_first = first;
	fs->cur_index = i;
	fs->cur_cluster = c;
	*out = c;
	return 0;
}

/* len bytes at off of the chain from `first`: the data of a file or
 * directory (the caller bounds off + len). */
static int chain_read(struct fat_fs *fs, uint32_t first, uint64_t off, uint8_t *buf, size_t len,
		      struct ovk_error *err)
{
	while (len > 0) {
		uint64_t idx = off / fs->cluster_size, in = off % fs->cluster_size;
		size_t n = (size_t)ovk_min_u64(len, fs->cluster_size - in);
		uint32_t c;

		if (chain_seek(fs, first, idx, &c, err) < 0)
			return -1;
		if (!c)
			return ovk_error_set(err, EINVAL, "chain from cluster %" PRIu32 " ends "
					     "before byte %" PRIu64, first, off);
		if (fat_pread(fs, cluster_byte(fs, c) + in, buf, n, err) < 0)
			return -1;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------ directories */

/* An entry as the directory walk hands it out. */
struct fat_entry {
	char name[GFS_MAX_NAME * 3 + 1];  /* UTF-8 of up to 255 UTF-16 units */
	uint8_t attr;
	uint32_t cluster, size;
	uint64_t where;                   /* byte of the short entry on the device */
};

/* Long-name state between the pieces and their short entry. */
struct lfn {
	uint8_t units[FAT_LFN_MAX_PIECES * FAT_LFN_UNITS * 2];
	unsigned next;                    /* order expected next; 0 = none pending */
	unsigned pieces;
	uint8_t sum;
};

static void lfn_piece(struct lfn *l, const uint8_t *e)
{
	unsigned ord = e[0] & 0x3f;
	uint8_t *u;

	if (e[0] & 0x40) {
		if (ord == 0 || ord > FAT_LFN_MAX_PIECES) {
			l->next = 0;
			return;
		}
		l->pieces = ord;
		l->sum = e[13];
		memset(l->units, 0, sizeof l->units);
	} else if (l->next == 0 || ord != l->next || e[13] != l->sum) {
		/* Out of order, of another name, or with none pending: an
		 * order 0 piece must not pass as the one expected next (0). */
		l->next = 0;
		return;
	}
	u = l->units + (ord - 1) * FAT_LFN_UNITS * 2;
	memcpy(u, e + 1, 10);
	memcpy(u + 10, e + 14, 12);
	memcpy(u + 22, e + 28, 4);
	l->next = ord - 1;
}

static uint8_t short_sum(const uint8_t *name)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + name[i]);
	return s;
}

/* The 8.3 name of entry e, with the case bits Windows NT sets. */
static void short_name(const uint8_t *e, char *out)
{
	size_t n = 0;
	int lo_base = e[12] & 0x08, lo_ext = e[12] & 0x10;

	for (unsigned i = 0; i < 11; i++) {
		char c = (char)(i == 0 && e[0] == 0x05 ? 0xe5 : e[i]);

		if (c == ' ')
			continue;
		if (i == 8)
			out[n++] = '.';
		if (c >= 'A' && c <= 'Z' && (i < 8 ? lo_base : lo_ext))
			c = (char)(c - 'A' + 'a');
		out[n++] = c;
	}
	out[n] = '\0';
	if (n && out[n - 1] == '.')
		out[n - 1] = '\0';
}

typedef int (*fat_entry_fn)(void *opaque, const struct fat_entry *e, struct ovk_error *err);

/* One 32-byte entry at device byte `where`: 1 at the end of the directory,
 * else what fn says. */
static int dirent(struct fat_fs *fs, struct lfn *l, const uint8_t *e, uint64_t where,
		  fat_entry_fn fn, void *opaque, struct ovk_error *err)
{
	struct fat_entry x = { .attr = e[11], .where = where };

	if (e[0] == 0x00)
		return 2;
	if (e[0] == 0xe5) {
		l->next = 0;
		return 0;
	}
	if (x.attr == FAT_ATTR_LFN) {
		lfn_piece(l, e);
		return 0;
	}
	if ((x.attr & (FAT_ATTR_LABEL | FAT_ATTR_DIR)) == FAT_ATTR_LABEL)
		memcpy(x.name, e, 11);   /* a label is 11 characters, not 8.3 */
	else if (l->next == 0 && l->pieces && l->sum == short_sum(e))
		ovk_utf16le_to_utf8(l->units, l->pieces * FAT_LFN_UNITS, x.name, sizeof x.name);
	else
		short_name(e, x.name);
	l->pieces = 0;
	l->next = 0;
	x.cluster = le16_load(e + 26) | (fs->type == FAT32 ? (uint32_t)le16_load(e + 20) << 16 : 0);
	x.size = le32_load(e + 28);
	if (strcmp(x.name, ".") == 0 || strcmp(x.name, "..") == 0 || !x.name[0])
		return 0;
	return fn(opaque, &x, err);
}

/* Each entry of the directory whose data starts at cluster `first` (0: the
 * fixed root of FAT12/16). */
static int dir_walk(struct fat_fs *fs, uint32_t first, fat_entry_fn fn, void *opaque,
		    struct ovk_error *err)
{
	uint64_t limit = first ? OVK_FAT_MAX_DIR_BYTES : fs->root_bytes;
	uint8_t *b = malloc(fs->cluster_size);
	struct lfn l = { .next = 0 };
	int r = 0;

	if (!b)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (uint64_t at = 0; at < limit && r == 0; at += fs->cluster_size) {
		size_t n = (size_t)ovk_min_u64(fs->cluster_size, limit - at);
		uint32_t c = 0;

		if (first && (r = chain_seek(fs, first, at / fs->cluster_size, &c, err)) < 0)
			break;
		if (first && !c)
			break;   /* the chain's end */
		if ((r = fat_pread(fs, first ? cluster_byte(fs, c) : fs->root_off + at, b, n,
				   err)) < 0)
			break;
		for (size_t i = 0; i + FAT_DIRENT <= n && r == 0; i += FAT_DIRENT)
			r = dirent(fs, &l, b + i, (first ? cluster_byte(fs, c) : fs->root_off + at) + i,
				   fn, opaque, err);
	}
	free(b);
	if (r < 0)
		return ovk_error_prefix(err, "directory at cluster %" PRIu32, first);
	return r == 1;
}

/* ------------------------------------------------------------ the gfs ops */

static int ascii_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 1;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i], y = b[i];

		x = (char)(x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x);
		y = (char)(y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
		if (x != y)
			return 1;
	}
	return 0;
}

static void file_of(const struct fat_entry *e, struct ovk_gfs_file *f)
{
	f->type = e->attr & FAT_ATTR_DIR ? OVK_GFS_DIR : OVK_GFS_REG;
	f->size = e->attr & FAT_ATTR_DIR ? 0 : e->size;
	f->ino = e->where;
	f->aux = e->cluster;
}

struct find {
	const char *name;
	size_t len;
	struct ovk_gfs_file *out;
};

static int find_entry(void *opaque, const struct fat_entry *e, struct ovk_error *err)
{
	struct find *f = opaque;

	(void)err;
	if (e->attr & FAT_ATTR_LABEL || ascii_casecmp(e->name, strlen(e->name), f->name, f->len))
		return 0;
	file_of(e, f->out);
	return 1;
}

/* The first cluster of a directory's data (0: the fixed FAT12/16 root). */
static int dir_first(struct fat_fs *fs, const struct ovk_gfs_file *dir, uint32_t *first,
		     struct ovk_error *err)
{
	*first = (uint32_t)dir->aux;
	if (dir->ino == 0 && fs->type != FAT32)
		*first = 0;
	else if (!cluster_ok(fs, *first))
		return ovk_error_set(err, EINVAL, "directory at cluster %" PRIu32 ": not a "
				     "cluster", *first);
	return 0;
}

static int fat_find(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir, const char *name,
		    size_t len, struct ovk_gfs_file *out, struct ovk_error *err)
{
	struct fat_fs *fs = (struct fat_fs *)gfs;
	struct find f = { name, len, out };
	uint32_t first;
	int r;

	if (dir_first(fs, dir, &first, err) < 0 || (r = dir_walk(fs, first, find_entry, &f, err)) < 0)
		return -1;
	return r ? 0 : 1;
}

static const struct ovk_gpath_ops fat_path_ops = { fat_find, NULL };

static void root_of(const struct fat_fs *fs, struct ovk_gfs_file *root)
{
	*root = (struct ovk_gfs_file){ OVK_GFS_DIR, 0, 0,
				       fs->type == FAT32 ? fs->bpb.root_cluster : 0 };
}

static int fat_lookup(struct ovk_gfs *gfs, const char *path, struct ovk_gfs_file *f,
		      struct ovk_error *err)
{
	struct ovk_gfs_file root;

	root_of((struct fat_fs *)gfs, &root);
	return ovk_gpath_resolve(gfs, &root, &fat_path_ops, path, f, err);
}

static int64_t fat_file_pread(struct ovk_gfs *gfs, const struct ovk_gfs_file *f, uint64_t off,
			      void *buf, size_t len, struct ovk_error *err)
{
	struct fat_fs *fs = (struct fat_fs *)gfs;

	if (f->type != OVK_GFS_REG) {
		ovk_error_set(err, EISDIR, "not a regular file");
		return ovk_error_prefix(err, "vfat on %s", ovk_gdisk_name(gfs->disk));
	}
	if (off >= f->size)
		return 0;
	len = (size_t)ovk_min_u64(len, f->size - off);
	if (!cluster_ok(fs, (uint32_t)f->aux) ||
	    chain_read(fs, (uint32_t)f->aux, off, buf, len, err) < 0) {
		if (!cluster_ok(fs, (uint32_t)f->aux))
			ovk_error_set(err, EINVAL, "first cluster %" PRIu64 " is not a cluster",
				      f->aux);
		return ovk_error_prefix(err, "vfat on %s: file at cluster %" PRIu64,
					ovk_gdisk_name(gfs->disk), f->aux);
	}
	return (int64_t)len;
}

struct list {
	int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type);
	void *opaque;
};

static int list_entry(void *opaque, const struct fat_entry *e, struct ovk_error *err)
{
	struct list *l = opaque;
	int r;

	if (e->attr & FAT_ATTR_LABEL)
		return 0;
	r = l->fn(l->opaque, e->name, e->attr & FAT_ATTR_DIR ? OVK_GFS_DIR : OVK_GFS_REG);
	if (r < 0)
		return ovk_error_set(err, ECANCELED, "stopped by the caller at \"%s\"", e->name);
	return r;
}

static int fat_readdir(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err)
{
	struct fat_fs *fs = (struct fat_fs *)gfs;
	struct list l = { fn, opaque };
	uint32_t first;

	if (dir->type != OVK_GFS_DIR) {
		ovk_error_set(err, ENOTDIR, "not a directory");
		return ovk_error_prefix(err, "vfat on %s", ovk_gdisk_name(gfs->disk));
	}
	if (dir_first(fs, dir, &first, err) < 0 || dir_walk(fs, first, list_entry, &l, err) < 0) {
		ovk_error_prefix(err, "vfat on %s", ovk_gdisk_name(gfs->disk));
		ovk_error_printable(err);
		return -1;
	}
	return 0;
}

static int bpb_read(struct ovk_gdisk *disk, struct fat_fs *fs, struct ovk_error *err)
{
	uint8_t b[512];

	if (ovk_gdisk_size(disk) < sizeof b)
		return ovk_error_set(err, EINVAL, "too small for a FAT boot sector");
	if (ovk_gdisk_pread(disk, 0, b, sizeof b, err) < 0)
		return -1;
	fat_bpb_decode(b, &fs->bpb);
	return fat_validate(fs, ovk_gdisk_size(disk), err);
}

static int fat_probe(struct ovk_gdisk *disk)
{
	struct fat_fs fs;

	memset(&fs, 0, sizeof fs);
	return bpb_read(disk, &fs, NULL) == 0;
}

/* The label as blkid reads it: the root's volume label entry, else the
 * boot sector's; "NO NAME" is none. */
static int label_entry(void *opaque, const struct fat_entry *e, struct ovk_error *err)
{
	(void)err;
	if ((e->attr & (FAT_ATTR_LABEL | FAT_ATTR_DIR)) != FAT_ATTR_LABEL)
		return 0;
	memcpy(opaque, e->name, 12);
	return 1;
}

static void set_ids(struct fat_fs *fs)
{
	const struct fat_bpb *p = &fs->bpb;
	int f32 = fs->type == FAT32;
	char label[64] = "";
	uint32_t first = f32 ? p->root_cluster : 0;
	size_t n;

	if (dir_walk(fs, first, label_entry, label, NULL) <= 0 && (f32 ? p->sig32 : p->sig12) == 0x29)
		snprintf(label, 12, "%s", f32 ? p->label32 : p->label12);
	n = strlen(label);
	while (n && label[n - 1] == ' ')
		label[--n] = '\0';
	if (strcmp(label, "NO NAME") == 0)
		label[0] = '\0';
	snprintf(fs->gfs.label, sizeof fs->gfs.label, "%s", label);
	if ((f32 ? p->sig32 : p->sig12) == 0x29 || (f32 ? p->sig32 : p->sig12) == 0x28) {
		uint32_t s = f32 ? p->serial32 : p->serial12;

		snprintf(fs->gfs.uuid, sizeof fs->gfs.uuid, "%04" PRIX32 "-%04" PRIX32, s >> 16,
			 s & 0xffff);
	}
}

static void fat_close(struct ovk_gfs *gfs)
{
	ovk_gdisk_free(gfs->disk);
	free(gfs);
}

extern const struct ovk_gfs_ops ovk_gfs_fat;

static int fat_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err)
{
	struct fat_fs *fs = calloc(1, sizeof *fs);
	int ret = -1;

	*out = NULL;
	if (!fs) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (bpb_read(disk, fs, err) < 0) {
		ovk_error_prefix(err, "vfat on %s", ovk_gdisk_name(disk));
		goto out;
	}
	if (ovk_gfs_attach(&fs->gfs, &ovk_gfs_fat, disk, err) < 0)
		goto out;
	set_ids(fs);
	*out = &fs->gfs;
	fs = NULL;
	ret = 0;
out:
	free(fs);
	return ret;
}

const struct ovk_gfs_ops ovk_gfs_fat = {
	.name = "vfat",
	.probe = fat_probe,
	.open = fat_open,
	.lookup = fat_lookup,
	.pread = fat_file_pread,
	.readdir = fat_readdir,
	.close = fat_close,
};
