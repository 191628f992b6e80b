/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs_xfs.c: XFS (v4 and v5), read-only: the superblock, inodes, their block
 * maps (in the inode, or a B+tree of bmbt blocks), file data and symbolic
 * links, and the gfs ops (see gfs.h).  Directories are xfs_dir.c's.
 *
 * Everything is big-endian.  The superblock (sector 0 of the volume; the
 * fields we use):
 *
 *   0   "XFSB"             88  agcount u32        122 inodelog u8
 *   4   blocksize u32      100 versionnum u16     123 inopblog u8
 *   8   dblocks u64        102 sectsize u16       124 agblklog u8
 *   32  uuid (16)          104 inodesize u16      192 dirblklog u8
 *   56  rootino u64        106 inopblock u16      200 features2 u32
 *   84  agblocks u32       108 fname (12)         216 features_incompat u32
 *   120 blocklog u8        121 sectlog u8         (v5: versionnum & 15 == 5)
 *
 * An inode number is  agno << (agblklog + inopblog) | agbno << inopblog |
 * slot; its bytes are at (agno * agblocks + agbno) * blocksize + slot *
 * inodesize.  A file system block number in an extent is agno << agblklog |
 * agbno.  The inode (dinode core, then the data fork, then the attribute
 * fork at forkoff * 8 when forkoff is set):
 *
 *   0  "IN"      4 version (1, 2: 100-byte core; 3: 176-byte core)
 *   2  mode      5 format (1 local, 2 extents, 3 btree)
 *   24 nextents u64 (v3 with NREXT64)  56 size u64   76 nextents u32
 *   82 forkoff u8  90 flags u16  120 flags2 u64 (v3)  152 ino u64 (v3)
 *
 * An extent record is 128 bits: unwritten:1 startoff:54 startblock:52
 * blockcount:21.  A bmbt block is "BMAP" (24-byte header) or "BMA3" (72):
 * magic u32, level u16, numrecs u16, siblings; then records (level 0) or
 * keys and pointers (pointers after maxrecs keys).  The root in the inode
 * is level u16, numrecs u16, then keys and pointers likewise.
 *
 * CRCs (v5) are not checked: XFS uses CRC32c, which the core does not
 * carry, and a wrong CRC does not make a read unsafe here, since every
 * field is checked against the geometry before it is used; a flipped bit
 * gives wrong bytes or a clean refusal.  The log is not replayed: we read
 * what a norecovery mount would.
 *
 * Invariants: the geometry passed xfs_sb_validate() (sizes powers of two
 * inside XFS's own bounds, the logs matching the sizes, the volume inside
 * the device); every inode read is inside an AG and checked by
 * xfs_inode_validate(); every extent handed to a read lies inside the
 * volume, extents are in ascending order without overlap, and a map has
 * at most OVK_XFS_MAX_EXTENTS of them, found through at most
 * OVK_XFS_MAX_LEVELS levels of bmbt blocks.
 */
#include "xfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "guest/gutil.h"

#define XFS_SB_MAGIC 0x58465342u      /* "XFSB" */
#define XFS_DINODE_MAGIC 0x494eu      /* "IN" */
#define XFS_BMAP_MAGIC 0x424d4150u    /* "BMAP" */
#define XFS_BMAP_CRC_MAGIC 0x424d4133u /* "BMA3" */
#define XFS_SYMLINK_MAGIC 0x58534c4du /* "XSLM" */
#define XFS_SB_VERSION_DIRV2 0x2000u
#define XFS_SB_VERSION_MOREBITS 0x8000u
#define XFS_SB_VERSION2_FTYPE 0x200u
#define XFS_INCOMPAT_FTYPE (1u << 0)
#define XFS_INCOMPAT_SPINODES (1u << 1)
#define XFS_INCOMPAT_META_UUID (1u << 2)
#define XFS_INCOMPAT_BIGTIME (1u << 3)
#define XFS_INCOMPAT_NEEDSREPAIR (1u << 4)
#define XFS_INCOMPAT_NREXT64 (1u << 5)
/* What this reader understands; a v5 file system with another incompat bit
 * is refused, as the kernel refuses it. */
#define XFS_INCOMPAT_KNOWN (XFS_INCOMPAT_FTYPE | XFS_INCOMPAT_SPINODES | \
			    XFS_INCOMPAT_META_UUID | XFS_INCOMPAT_BIGTIME | \
			    XFS_INCOMPAT_NEEDSREPAIR | XFS_INCOMPAT_NREXT64)
#define XFS_DIFLAG_REALTIME 0x1u
#define XFS_DIFLAG2_NREXT64 (1ull << 4)
#define XFS_FMT_LOCAL 1
#define XFS_FMT_EXTENTS 2
#define XFS_FMT_BTREE 3
#define XFS_CORE_V2 100u
#define XFS_CORE_V3 176u
#define XFS_BMBT_HDR_V4 24u
#define XFS_BMBT_HDR_V5 72u
#define XFS_SYMLINK_HDR 56u
#define S_FMT 0170000
#define S_DIR 0040000
#define S_REG 0100000
#define S_LNK 0120000

/* XFS's own bounds (xfs_format.h): blocks of 512 B..64 KiB, sectors of
 * 512 B..32 KiB, inodes of 256 B..2 KiB, AGs of at least 64 blocks. */
#define XFS_MIN_BLOCKLOG 9
#define XFS_MAX_BLOCKLOG 16
#define XFS_MAX_SECTLOG 15
#define XFS_MIN_INODELOG 8
#define XFS_MAX_INODELOG 11
#define XFS_MIN_AGBLOCKS 64u
/* Extents of one file's map: a 4 GiB file in 4 KiB blocks, every block
 * its own extent, has 1Mi; the map is then 24 MiB, inside the import's
 * 64 MiB RSS budget beside the gdisk cache. */
#define OVK_XFS_MAX_EXTENTS ((size_t)1 << 20)
/* bmbt levels: XFS computes at most 9 for a data fork with 2^48 extents
 * (xfs_bmap_compute_maxlevels with the smallest blocks); deeper is
 * hostile. */
#define OVK_XFS_MAX_LEVELS 9
/* A symbolic link's target: XFS_SYMLINK_MAXLEN. */
#define OVK_XFS_MAX_SYMLINK 1024u

/* ------------------------------------------------------------ superblock */

static void xfs_sb_decode(const uint8_t *b, struct xfs_sb *sb)
{
	sb->magic = be32_load(b);
	sb->blocksize = be32_load(b + 4);
	sb->dblocks = be64_load(b + 8);
	memcpy(sb->uuid, b + 32, 16);
	sb->rootino = be64_load(b + 56);
	sb->agblocks = be32_load(b + 84);
	sb->agcount = be32_load(b + 88);
	sb->versionnum = be16_load(b + 100);
	sb->sectsize = be16_load(b + 102);
	sb->inodesize = be16_load(b + 104);
	sb->inopblock = be16_load(b + 106);
	memcpy(sb->fname, b + 108, 12);
	sb->fname[12] = '\0';
	sb->blocklog = b[120];
	sb->sectlog = b[121];
	sb->inodelog = b[122];
	sb->inopblog = b[123];
	sb->agblklog = b[124];
	sb->dirblklog = b[192];
	sb->features2 = be32_load(b + 200);
	sb->incompat = be32_load(b + 216);
}

/* The geometry against XFS's bounds and a device of dev bytes. */
static int xfs_sb_validate(const struct xfs_sb *sb, uint64_t dev, struct ovk_error *err)
{
	unsigned v = sb->versionnum & 0xf;
	uint64_t bytes;

	if (sb->magic != XFS_SB_MAGIC)
		return ovk_error_set(err, EINVAL, "no XFS superblock");
	if (v != 4 && v != 5)
		return ovk_error_set(err, ENOTSUP, "superblock version %u (4 or 5)", v);
	if (v == 4 && !(sb->versionnum & XFS_SB_VERSION_DIRV2))
		return ovk_error_set(err, ENOTSUP, "version 1 directories");
	if (v == 5 && (sb->incompat & ~XFS_INCOMPAT_KNOWN))
		return ovk_error_set(err, ENOTSUP, "incompatible features %08" PRIx32,
				     sb->incompat & ~XFS_INCOMPAT_KNOWN);
	if (sb->blocklog < XFS_MIN_BLOCKLOG || sb->blocklog > XFS_MAX_BLOCKLOG ||
	    sb->blocksize != 1u << sb->blocklog || sb->sectlog < 9 ||
	    sb->sectlog > XFS_MAX_SECTLOG || sb->sectsize != 1u << sb->sectlog ||
	    sb->inodelog < XFS_MIN_INODELOG || sb->inodelog > XFS_MAX_INODELOG ||
	    sb->inodesize != 1u << sb->inodelog || sb->inodelog > sb->blocklog ||
	    sb->inopblog != sb->blocklog - sb->inodelog ||
	    sb->inopblock != 1u << sb->inopblog ||
	    sb->blocklog + sb->dirblklog > XFS_MAX_BLOCKLOG)
		return ovk_error_set(err, EINVAL, "block, sector, inode or directory sizes "
				     "inconsistent (%" PRIu32 ", %u, %u, log %u)", sb->blocksize,
				     sb->sectsize, sb->inodesize, sb->dirblklog);
	if (sb->agcount == 0 || sb->agblocks < XFS_MIN_AGBLOCKS || sb->agblklog > 31 ||
	    (uint64_t)1 << sb->agblklog < sb->agblocks ||
	    (uint64_t)1 << sb->agblklog >= (uint64_t)sb->agblocks * 2)
		return ovk_error_set(err, EINVAL, "AG geometry %" PRIu32 " x %" PRIu32 " blocks "
				     "(log %u) inconsistent", sb->agcount, sb->agblocks,
				     sb->agblklog);
	if (sb->dblocks > (uint64_t)sb->agcount * sb->agblocks ||
	    ovk_mul_overflow(sb->dblocks, (uint64_t)sb->blocksize, &bytes) || bytes > dev)
		return ovk_error_set(err, ERANGE, "%" PRIu64 " blocks of %" PRIu32 " bytes: beyond "
				     "the device (%" PRIu64 " bytes)", sb->dblocks, sb->blocksize,
				     dev);
	return 0;
}

/* Byte of file system block fsb (agno << agblklog | agbno), checking that
 * count blocks from it stay inside its AG and the volume. */
static int fsb_to_byte(const struct xfs_sb *sb, uint64_t fsb, uint64_t count, uint64_t *out)
{
	uint64_t agno = fsb >> sb->agblklog, agbno = fsb & (((uint64_t)1 << sb->agblklog) - 1);
	uint64_t lin;

	if (agno >= sb->agcount || agbno >= sb->agblocks || count > sb->agblocks - agbno)
		return -1;
	lin = agno * sb->agblocks + agbno;   /* < agcount * agblocks: no overflow */
	if (lin >= sb->dblocks || count > sb->dblocks - lin)
		return -1;
	*out = lin << sb->blocklog;          /* < dblocks * blocksize, validated */
	return 0;
}

static int xfs_read(struct xfs_fs *fs, uint64_t off, void *buf, size_t len,
		    struct ovk_error *err)
{
	return ovk_gdisk_pread(fs->gfs.disk, off, buf, len, err);
}

/* ------------------------------------------------------------ inodes */

static int inode_decode(const uint8_t *b, struct xfs_inode *ip, uint64_t *flags2,
			uint8_t *forkoff)
{
	ip->mode = be16_load(b + 2);
	ip->version = b[4];
	ip->format = b[5];
	ip->size = be64_load(b + 56);
	ip->flags = be16_load(b + 90);
	*forkoff = b[82];
	*flags2 = ip->version == 3 ? be64_load(b + 120) : 0;
	ip->nextents = (*flags2 & XFS_DIFLAG2_NREXT64) ? be64_load(b + 24) : be32_load(b + 76);
	return be16_load(b) == XFS_DINODE_MAGIC;
}

static int inode_validate(struct xfs_fs *fs, const uint8_t *b, struct xfs_inode *ip,
			  uint8_t forkoff, size_t *core, struct ovk_error *err)
{
	unsigned type = ip->mode & S_FMT;
	size_t lit;

	if (fs->v5 ? ip->version != 3 : ip->version != 1 && ip->version != 2)
		return ovk_error_set(err, EINVAL, "version %u on a v%d file system", ip->version,
				     fs->v5 ? 5 : 4);
	if (ip->version == 3 && be64_load(b + 152) != ip->ino)
		return ovk_error_set(err, EINVAL, "says it is inode %" PRIu64, be64_load(b + 152));
	*core = ip->version == 3 ? XFS_CORE_V3 : XFS_CORE_V2;
	lit = fs->sb.inodesize - *core;
	ip->fork_len = forkoff ? (size_t)forkoff * 8 : lit;
	if (ip->fork_len > lit || ip->size > (uint64_t)INT64_MAX)
		return ovk_error_set(err, EINVAL, "fork offset %u or size %" PRIu64 " invalid",
				     forkoff, ip->size);
	if ((type == S_REG && ip->format != XFS_FMT_EXTENTS && ip->format != XFS_FMT_BTREE) ||
	    (type == S_DIR && (ip->format < XFS_FMT_LOCAL || ip->format > XFS_FMT_BTREE)) ||
	    (type == S_LNK && ip->format != XFS_FMT_LOCAL && ip->format != XFS_FMT_EXTENTS))
		return ovk_error_set(err, EINVAL, "mode %06o with data fork format %u", ip->mode,
				     ip->format);
	if ((ip->format == XFS_FMT_LOCAL && ip->size > ip->fork_len) ||
	    (ip->format == XFS_FMT_EXTENTS && ip->nextents > ip->fork_len / 16))
		return ovk_error_set(err, EINVAL, "data fork (%zu bytes) too small for size %"
				     PRIu64 " or %" PRIu64 " extents", ip->fork_len, ip->size,
				     ip->nextents);
	if ((ip->flags & XFS_DIFLAG_REALTIME) && type == S_REG)
		return ovk_error_set(err, ENOTSUP, "data on the realtime device");
	return 0;
}

int ovk_xfs_inode_read(struct xfs_fs *fs, uint64_t ino, struct xfs_inode *ip,
		       struct ovk_error *err)
{
	const struct xfs_sb *sb = &fs->sb;
	unsigned shift = sb->agblklog + sb->inopblog;
	uint64_t agbno = (ino >> sb->inopblog) & (((uint64_t)1 << sb->agblklog) - 1), at;
	uint8_t b[1u << XFS_MAX_INODELOG];
	uint64_t flags2;
	uint8_t forkoff;
	size_t core = 0;
	int ret = -1;

	memset(ip, 0, sizeof *ip);
	ip->ino = ino;
	if (shift >= 64 || (ino >> shift) >= sb->agcount ||
	    fsb_to_byte(sb, (ino >> shift) << sb->agblklog | agbno, 1, &at) < 0) {
		ovk_error_set(err, ERANGE, "beyond the AGs");
		goto out;
	}
	at += (ino & ((1u << sb->inopblog) - 1)) << sb->inodelog;
	if (xfs_read(fs, at, b, sb->inodesize, err) < 0)
		goto out;
	if (!inode_decode(b, ip, &flags2, &forkoff)) {
		ovk_error_set(err, EINVAL, "no inode magic");
		goto out;
	}
	if (inode_validate(fs, b, ip, forkoff, &core, err) < 0)
		goto out;
	if (!(ip->fork = malloc(ip->fork_len ? ip->fork_len : 1))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(ip->fork, b + core, ip->fork_len);
	ret = 0;
out:
	if (ret < 0) {
		ovk_error_prefix(err, "inode %" PRIu64, ino);
		free(ip->fork);
		ip->fork = NULL;
	}
	return ret;
}

/* ------------------------------------------------------------ block maps */

struct map {
	struct xfs_extent *e;
	size_t n, cap;
};

/* Append the packed extent record r to m, in order and inside the volume. */
static int map_add(struct xfs_fs *fs, struct map *m, const uint8_t *r, struct ovk_error *err)
{
	uint64_t l0 = be64_load(r), l1 = be64_load(r + 8);
	struct xfs_extent x = {
		.off = (l0 & ~(1ull << 63)) >> 9,
		.count = l1 & ((1u << 21) - 1),
	};
	uint64_t fsb = (l0 & 0x1ff) << 43 | l1 >> 21;
	const struct xfs_extent *prev = m->n ? &m->e[m->n - 1] : NULL;

	if (x.count == 0 || (prev && x.off < prev->off + prev->count) ||
	    x.off + x.count > UINT64_MAX >> fs->sb.blocklog ||
	    fsb_to_byte(&fs->sb, fsb, x.count, &x.disk) < 0)
		return ovk_error_set(err, ERANGE, "extent %zu (block %" PRIu64 "+%" PRIu64
				     " at %" PRIu64 ") out of order or beyond the device", m->n,
				     x.off, x.count, fsb);
	if (l0 >> 63)
		x.disk = UINT64_MAX;   /* unwritten: reads as zeros */
	if (m->n == OVK_XFS_MAX_EXTENTS)
		return ovk_error_set(err, EFBIG, "more than %zu extents", OVK_XFS_MAX_EXTENTS);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct xfs_extent *grown = realloc(m->e, cap * sizeof *grown);

		if (!grown)
			return ovk_error_set(err, ENOMEM, "out of memory");
		m->e = grown;
		m->cap = cap;
	}
	m->e[m->n++] = x;
	return 0;
}

/* The records or children of one bmbt level: n entries, keys and
 * pointers laid out for maxrecs, at `at` of block b. */
static int bmbt_node(struct xfs_fs *fs, const uint8_t *b, size_t at, unsigned level,
		     unsigned n, size_t maxrecs, struct map *m, struct ovk_error *err);

/* The bmbt block at file system block fsb, expected at `level`. */
static int bmbt_block(struct xfs_fs *fs, uint64_t fsb, unsigned level, struct map *m,
		      struct ovk_error *err)
{
	size_t hdr = fs->v5 ? XFS_BMBT_HDR_V5 : XFS_BMBT_HDR_V4, bs = fs->sb.blocksize;
	uint32_t magic = fs->v5 ? XFS_BMAP_CRC_MAGIC : XFS_BMAP_MAGIC;
	uint8_t *b = malloc(bs);
	uint64_t at;
	int ret = -1;

	if (!b) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (fsb_to_byte(&fs->sb, fsb, 1, &at) < 0) {
		ovk_error_set(err, ERANGE, "bmbt block %" PRIu64 " beyond the device", fsb);
		goto out;
	}
	if (xfs_read(fs, at, b, bs, err) < 0)
		goto out;
	if (be32_load(b) != magic || be16_load(b + 4) != level || be16_load(b + 6) == 0 ||
	    be16_load(b + 6) > (bs - hdr) / 16) {
		ovk_error_set(err, EINVAL, "bmbt block %" PRIu64 ": bad magic, level (%u, want "
			      "%u) or record count %u", fsb, be16_load(b + 4), level,
			      be16_load(b + 6));
		goto out;
	}
	ret = bmbt_node(fs, b, hdr, level, be16_load(b + 6), (bs - hdr) / 16, m, err);
out:
	free(b);
	return ret;
}

static int bmbt_node(struct xfs_fs *fs, const uint8_t *b, size_t at, unsigned level,
		     unsigned n, size_t maxrecs, struct map *m, struct ovk_error *err)
{
	for (unsigned i = 0; i < n; i++) {
		if (level == 0) {
			if (map_add(fs, m, b + at + 16 * (size_t)i, err) < 0)
				return -1;
			continue;
		}
		if (bmbt_block(fs, be64_load(b + at + 8 * maxrecs + 8 * (size_t)i), level - 1, m,
			       err) < 0)
			return -1;
	}
	return 0;
}

/* The whole extent map of ip into m. */
static int map_build(struct xfs_fs *fs, const struct xfs_inode *ip, struct map *m,
		     struct ovk_error *err)
{
	unsigned level, n;

	if (ip->format == XFS_FMT_EXTENTS) {
		for (uint64_t i = 0; i < ip->nextents; i++)
			if (map_add(fs, m, ip->fork + 16 * i, err) < 0)
				return -1;
		return 0;
	}
	if (ip->format != XFS_FMT_BTREE)
		return ovk_error_set(err, EINVAL, "data fork format %u has no extents", ip->format);
	if (ip->fork_len < 4 + 16)
		return ovk_error_set(err, EINVAL, "bmbt root in %zu bytes", ip->fork_len);
	level = be16_load(ip->fork);
	n = be16_load(ip->fork + 2);
	if (level == 0 || level > OVK_XFS_MAX_LEVELS || n == 0 || n > (ip->fork_len - 4) / 16)
		return ovk_error_set(err, EINVAL, "bmbt root: level %u (1..%d), %u records", level,
				     OVK_XFS_MAX_LEVELS, n);
	return bmbt_node(fs, ip->fork, 4, level, n, (ip->fork_len - 4) / 16, m, err);
}

/* ip's map, from the one-file cache or built into it. */
static int map_get(struct xfs_fs *fs, const struct xfs_inode *ip, struct ovk_error *err)
{
	struct map m = { 0 };

	if (fs->map && fs->map_ino == ip->ino)
		return 0;
	if (map_build(fs, ip, &m, err) < 0) {
		free(m.e);
		return ovk_error_prefix(err, "inode %" PRIu64, ip->ino);
	}
	free(fs->map);
	fs->map = m.e ? m.e : calloc(1, sizeof *fs->map);
	fs->map_n = m.n;
	fs->map_ino = ip->ino;
	return fs->map ? 0 : ovk_error_set(err, ENOMEM, "out of memory");
}

/* The extent holding logical block blk, or the first after it (map_n
 * when none). */
static size_t map_find(const struct xfs_fs *fs, uint64_t blk)
{
	size_t lo = 0, hi = fs->map_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fs->map[mid].off + fs->map[mid].count <= blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ovk_xfs_mapped(struct xfs_fs *fs, const struct xfs_inode *ip, uint64_t blk,
		   struct ovk_error *err)
{
	size_t i;

	if (map_get(fs, ip, err) < 0)
		return -1;
	i = map_find(fs, blk);
	return i < fs->map_n && fs->map[i].off <= blk;
}

int ovk_xfs_file_read(struct xfs_fs *fs, const struct xfs_inode *ip, uint64_t off, void *buf,
		      size_t len, struct ovk_error *err)
{
	uint8_t *p = buf;
	unsigned bl = fs->sb.blocklog;

	if (ip->format == XFS_FMT_LOCAL) {
		if (!ovk_range_ok(off, len, ip->size))
			return ovk_error_set(err, ERANGE, "inode %" PRIu64 ": read past its inline "
					     "data", ip->ino);
		memcpy(buf, ip->fork + off, len);
		return 0;
	}
	if (map_get(fs, ip, err) < 0)
		return -1;
	while (len > 0) {
		uint64_t blk = off >> bl, in;
		size_t i = map_find(fs, blk), n;
		const struct xfs_extent *x = i < fs->map_n ? &fs->map[i] : NULL;

		if (!x || x->off > blk) {   /* a hole, up to the next extent */
			uint64_t end = x ? x->off << bl : UINT64_MAX;

			n = (size_t)ovk_min_u64(len, end - off);
			memset(p, 0, n);
		} else {
			in = off - (x->off << bl);
			n = (size_t)ovk_min_u64(len, (x->count << bl) - in);
			if (x->disk == UINT64_MAX)
				memset(p, 0, n);
			else if (xfs_read(fs, x->disk + in, p, n, err) < 0)
				return ovk_error_prefix(err, "inode %" PRIu64 ": extent %zu", ip->ino,
							i);
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------ the gfs ops */

static enum ovk_gfs_type type_of_mode(uint16_t mode)
{
	switch (mode & S_FMT) {
	case S_REG: return OVK_GFS_REG;
	case S_DIR: return OVK_GFS_DIR;
	case S_LNK: return OVK_GFS_LINK;
	default: return OVK_GFS_OTHER;
	}
}

static enum ovk_gfs_type type_of_ftype(uint8_t ftype)
{
	switch (ftype) {
	case 1: return OVK_GFS_REG;
	case 2: return OVK_GFS_DIR;
	case 7: return OVK_GFS_LINK;
	default: return OVK_GFS_OTHER;
	}
}

static int file_of(struct xfs_fs *fs, uint64_t ino, struct ovk_gfs_file *f,
		   struct ovk_error *err)
{
	struct xfs_inode ip;

	if (ovk_xfs_inode_read(fs, ino, &ip, err) < 0)
		return -1;
	*f = (struct ovk_gfs_file){ type_of_mode(ip.mode), ip.size, ino, 0 };
	free(ip.fork);
	return 0;
}

struct find {
	const char *name;
	size_t len;
	uint64_t ino;
};

static int find_entry(void *opaque, const char *name, size_t len, uint64_t ino, uint8_t ftype,
		      struct ovk_error *err)
{
	struct find *f = opaque;

	(void)ftype;
	(void)err;
	if (len != f->len || memcmp(name, f->name, len) != 0)
		return 0;
	f->ino = ino;
	return 1;
}

static int xfs_find(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir, const char *name,
		    size_t len, struct ovk_gfs_file *out, struct ovk_error *err)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;
	struct find f = { name, len, 0 };
	struct xfs_inode ip;
	int r;

	if (ovk_xfs_inode_read(fs, dir->ino, &ip, err) < 0)
		return -1;
	r = ovk_xfs_dir_iterate(fs, &ip, find_entry, &f, err);
	free(ip.fork);
	if (r <= 0)
		return r < 0 ? -1 : 1;
	return file_of(fs, f.ino, out, err);
}

static int xfs_readlink(struct ovk_gfs *gfs, const struct ovk_gfs_file *lnk, char *buf,
			size_t cap, struct ovk_error *err)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;
	size_t bs = fs->sb.blocksize, got = 0, hdr = fs->v5 ? XFS_SYMLINK_HDR : 0;
	uint8_t *blk = malloc(bs);
	struct xfs_inode ip = { 0 };
	int ret = -1;

	if (!blk) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_xfs_inode_read(fs, lnk->ino, &ip, err) < 0)
		goto out;
	if (ip.size == 0 || ip.size > OVK_XFS_MAX_SYMLINK || ip.size >= cap) {
		ovk_error_set(err, EINVAL, "inode %" PRIu64 ": link of %" PRIu64 " bytes", ip.ino,
			      ip.size);
		goto out;
	}
	if (ip.format == XFS_FMT_LOCAL)
		hdr = 0, bs = (size_t)ip.size;
	/* remote links: each block (v5: after an "XSLM" header) holds a piece */
	for (uint64_t b = 0; got < ip.size; b++) {
		size_t n = (size_t)ovk_min_u64(ip.size - got, bs - hdr);

		if (ovk_xfs_file_read(fs, &ip, b * bs, blk, hdr + n, err) < 0)
			goto out;
		if (hdr && be32_load(blk) != XFS_SYMLINK_MAGIC) {
			ovk_error_set(err, EINVAL, "inode %" PRIu64 ": link block %" PRIu64
				      " without its header", ip.ino, b);
			goto out;
		}
		memcpy(buf + got, blk + hdr, n);
		got += n;
	}
	buf[got] = '\0';
	ret = 0;
out:
	free(ip.fork);
	free(blk);
	return ret;
}

static const struct ovk_gpath_ops xfs_path_ops = { xfs_find, xfs_readlink };

static int xfs_lookup(struct ovk_gfs *gfs, const char *path, struct ovk_gfs_file *f,
		      struct ovk_error *err)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;
	struct ovk_gfs_file root;

	if (file_of(fs, fs->sb.rootino, &root, err) < 0)
		return ovk_error_prefix(err, "xfs on %s", ovk_gdisk_name(gfs->disk));
	if (root.type != OVK_GFS_DIR)
		return ovk_error_set(err, ENOTDIR, "xfs on %s: the root inode is not a directory",
				     ovk_gdisk_name(gfs->disk));
	return ovk_gpath_resolve(gfs, &root, &xfs_path_ops, path, f, err);
}

static int64_t xfs_pread(struct ovk_gfs *gfs, const struct ovk_gfs_file *f, uint64_t off,
			 void *buf, size_t len, struct ovk_error *err)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;
	struct xfs_inode ip;
	int64_t ret = -1;

	if (ovk_xfs_inode_read(fs, f->ino, &ip, err) < 0)
		goto out;
	if (off >= ip.size) {
		ret = 0;
		goto out;
	}
	len = (size_t)ovk_min_u64(len, ip.size - off);
	if ((ip.mode & S_FMT) != S_REG) {
		ovk_error_set(err, EINVAL, "inode %" PRIu64 ": not a regular file", ip.ino);
		goto out;
	}
	if (ovk_xfs_file_read(fs, &ip, off, buf, len, err) < 0)
		goto out;
	ret = (int64_t)len;
out:
	if (ret < 0)
		ovk_error_prefix(err, "xfs on %s", ovk_gdisk_name(gfs->disk));
	free(ip.fork);
	return ret;
}

struct list {
	struct xfs_fs *fs;
	int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type);
	void *opaque;
};

static int list_entry(void *opaque, const char *name, size_t len, uint64_t ino, uint8_t ftype,
		      struct ovk_error *err)
{
	struct list *l = opaque;
	struct ovk_gfs_file f = { .type = type_of_ftype(ftype) };
	char nm[GFS_MAX_NAME + 1];
	int r;

	memcpy(nm, name, len);   /* len <= 255: a u8 on disk */
	nm[len] = '\0';
	if (!l->fs->ftype && file_of(l->fs, ino, &f, err) < 0)
		return -1;
	if ((r = l->fn(l->opaque, nm, f.type)) < 0)
		return ovk_error_set(err, ECANCELED, "stopped by the caller at \"%s\"", nm);
	return r;
}

static int xfs_readdir(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;
	struct list l = { fs, fn, opaque };
	struct xfs_inode ip = { 0 };
	int ret = -1;

	if (ovk_xfs_inode_read(fs, dir->ino, &ip, err) < 0)
		goto out;
	if ((ip.mode & S_FMT) != S_DIR) {
		ovk_error_set(err, ENOTDIR, "inode %" PRIu64 ": not a directory", ip.ino);
		goto out;
	}
	if (ovk_xfs_dir_iterate(fs, &ip, list_entry, &l, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		ovk_error_prefix(err, "xfs on %s", ovk_gdisk_name(gfs->disk));
		ovk_error_printable(err);
	}
	free(ip.fork);
	return ret;
}

static int sb_read(struct ovk_gdisk *disk, struct xfs_sb *sb, struct ovk_error *err)
{
	uint8_t b[512];

	if (ovk_gdisk_size(disk) < sizeof b)
		return ovk_error_set(err, EINVAL, "too small for an XFS superblock");
	if (ovk_gdisk_pread(disk, 0, b, sizeof b, err) < 0)
		return -1;
	xfs_sb_decode(b, sb);
	return xfs_sb_validate(sb, ovk_gdisk_size(disk), err);
}

static int xfs_probe(struct ovk_gdisk *disk)
{
	struct xfs_sb sb;

	return sb_read(disk, &sb, NULL) == 0;
}

static void xfs_close(struct ovk_gfs *gfs)
{
	struct xfs_fs *fs = (struct xfs_fs *)gfs;

	ovk_gdisk_free(gfs->disk);
	free(fs->map);
	free(fs);
}

extern const struct ovk_gfs_ops ovk_gfs_xfs;

static int xfs_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err)
{
	struct xfs_fs *fs = calloc(1, sizeof *fs);
	int ret = -1;

	*out = NULL;
	if (!fs) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (sb_read(disk, &fs->sb, err) < 0) {
		ovk_error_prefix(err, "xfs on %s", ovk_gdisk_name(disk));
		goto out;
	}
	fs->v5 = (fs->sb.versionnum & 0xf) == 5;
	fs->ftype = fs->v5 ? !!(fs->sb.incompat & XFS_INCOMPAT_FTYPE) :
		    (fs->sb.versionnum & XFS_SB_VERSION_MOREBITS) &&
		    (fs->sb.features2 & XFS_SB_VERSION2_FTYPE);
	fs->dirblksize = fs->sb.blocksize << fs->sb.dirblklog;
	if (ovk_gfs_attach(&fs->gfs, &ovk_gfs_xfs, disk, err) < 0)
		goto out;
	snprintf(fs->gfs.label, sizeof fs->gfs.label, "%s", fs->sb.fname);
	ovk_uuid_str(fs->sb.uuid, fs->gfs.uuid);
	*out = &fs->gfs;
	fs = NULL;
	ret = 0;
out:
	free(fs);
	return ret;
}

const struct ovk_gfs_ops ovk_gfs_xfs = {
	.name = "xfs",
	.probe = xfs_probe,
	.open = xfs_open,
	.lookup = xfs_lookup,
	.pread = xfs_pread,
	.readdir = xfs_readdir,
	.close = xfs_close,
};
