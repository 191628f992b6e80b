/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xfs_dir.c: the entries of an XFS directory, in each of its forms:
 * shortform (in the inode), block, leaf and node.  For the last three it
 * is enough to scan the data blocks (the first 32 GiB of the directory's
 * logical space): the leaf and free-index blocks after them only index
 * the same entries.
 *
 * Shortform (the data fork, di_size bytes; big-endian):
 *
 *   0 count u8   1 i8count u8   2 parent (4 bytes, or 8 when i8count)
 *   then count entries: namelen u8, offset u16, name[namelen],
 *        ftype u8 (when the file system has ftype), inode (4 or 8 bytes)
 *
 * A data block (directory block size = block size << dirblklog):
 *
 *   v4 "XD2B"/"XD2D": magic u32, bestfree[3] (4 bytes each) -> 16 bytes
 *   v5 "XDB3"/"XDD3": magic, crc, blkno u64, lsn u64, uuid (16),
 *                     owner u64, bestfree[3], pad u32    -> 64 bytes
 *   then 8-byte aligned entries up to the end (a block-form block ends in
 *   its leaf: count*8 bytes of hash/address pairs and an 8-byte tail
 *   count u32, stale u32):
 *     used:   inode u64, namelen u8, name, [ftype u8], tag u16, padded to 8
 *     unused: 0xffff u16, length u16, ..., tag u16
 *
 * Invariants: every entry and free region lies inside its block (or the
 * shortform bytes), a free region is at least 8 bytes and 8-aligned so
 * the scan always advances, and no name is empty.
 */
#include "xfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"

#define XFS_DIR2_BLOCK_MAGIC 0x58443242u   /* "XD2B" */
#define XFS_DIR2_DATA_MAGIC 0x58443244u    /* "XD2D" */
#define XFS_DIR3_BLOCK_MAGIC 0x58444233u   /* "XDB3" */
#define XFS_DIR3_DATA_MAGIC 0x58444433u    /* "XDD3" */
#define XFS_DIR2_DATA_HDR 16u
#define XFS_DIR3_DATA_HDR 64u
#define XFS_DIR2_FREE_TAG 0xffffu
#define XFS_DIR2_BLOCK_TAIL 8u

static int is_dot(const uint8_t *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static int dir_shortform(struct xfs_fs *fs, const struct xfs_inode *ip, xfs_dirent_fn fn,
			 void *opaque, struct ovk_error *err)
{
	const uint8_t *b = ip->fork, *end = ip->fork + ip->size;
	unsigned count, isz;
	const uint8_t *p;
	int r;

	if (ip->size < 6)
		return ovk_error_set(err, EINVAL, "shortform directory of %" PRIu64 " bytes",
				     ip->size);
	count = b[0];
	isz = b[1] ? 8 : 4;
	p = b + 2 + isz;
	for (unsigned i = 0; i < count; i++) {
		size_t nl, need;
		uint64_t ino;
		uint8_t ft;

		if (p + 3 > end || (nl = p[0]) == 0 ||
		    (need = 3 + nl + (fs->ftype ? 1 : 0) + isz) > (size_t)(end - p))
			return ovk_error_set(err, EINVAL, "shortform entry %u runs past the "
					     "directory's %" PRIu64 " bytes", i, ip->size);
		ft = fs->ftype ? p[3 + nl] : 0;
		ino = isz == 8 ? be64_load(p + need - 8) : be32_load(p + need - 4);
		if ((r = fn(opaque, (const char *)p + 3, nl, ino, ft, err)) != 0)
			return r;
		p += need;
	}
	return 0;
}

/* The entries of the directory block b (dirblksize bytes, at logical
 * byte `at` of the directory). */
static int dir_block(struct xfs_fs *fs, const uint8_t *b, uint64_t at, xfs_dirent_fn fn,
		     void *opaque, struct ovk_error *err)
{
	uint32_t magic = be32_load(b), bs = fs->dirblksize;
	size_t hdr = fs->v5 ? XFS_DIR3_DATA_HDR : XFS_DIR2_DATA_HDR, p, end = bs;
	int r;

	if (magic == (fs->v5 ? XFS_DIR3_BLOCK_MAGIC : XFS_DIR2_BLOCK_MAGIC)) {
		uint32_t leaves = be32_load(b + bs - XFS_DIR2_BLOCK_TAIL);

		if (leaves > (bs - hdr - XFS_DIR2_BLOCK_TAIL) / 8)
			return ovk_error_set(err, EINVAL, "directory block at %" PRIu64 ": %" PRIu32
					     " leaf entries do not fit", at, leaves);
		end = bs - XFS_DIR2_BLOCK_TAIL - (size_t)leaves * 8;
	} else if (magic != (fs->v5 ? XFS_DIR3_DATA_MAGIC : XFS_DIR2_DATA_MAGIC)) {
		return ovk_error_set(err, EINVAL, "directory block at %" PRIu64 ": magic %08" PRIx32,
				     at, magic);
	}
	for (p = hdr; p + 8 <= end;) {
		size_t nl, len;

		if (be16_load(b + p) == XFS_DIR2_FREE_TAG) {
			len = be16_load(b + p + 2);
			if (len < 8 || len % 8 || len > end - p)
				return ovk_error_set(err, EINVAL, "directory block at %" PRIu64
						     ": free region at %zu of %zu bytes", at, p, len);
			p += len;
			continue;
		}
		nl = p + 9 <= end ? b[p + 8] : 0;
		len = (8 + 1 + nl + (fs->ftype ? 1 : 0) + 2 + 7) & ~(size_t)7;
		if (nl == 0 || len > end - p)
			return ovk_error_set(err, EINVAL, "directory block at %" PRIu64 ": entry at "
					     "%zu runs past the block", at, p);
		if (!is_dot(b + p + 9, nl) &&
		    (r = fn(opaque, (const char *)b + p + 9, nl, be64_load(b + p),
			    fs->ftype ? b[p + 9 + nl] : 0, err)) != 0)
			return r;
		p += len;
	}
	return 0;
}

/* Block, leaf and node directories: every mapped data block. */
static int dir_blocks(struct xfs_fs *fs, const struct xfs_inode *ip, xfs_dirent_fn fn,
		      void *opaque, struct ovk_error *err)
{
	uint64_t end = ovk_min_u64(ip->size, XFS_DIR2_DATA_SPACE);
	uint8_t *b = malloc(fs->dirblksize);
	int r = 0;

	if (!b)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (uint64_t at = 0; at < end; at += fs->dirblksize) {
		if ((r = ovk_xfs_mapped(fs, ip, at >> fs->sb.blocklog, err)) < 0)
			break;
		if (r == 0)
			continue;
		if ((r = ovk_xfs_file_read(fs, ip, at, b, fs->dirblksize, err)) < 0 ||
		    (r = dir_block(fs, b, at, fn, opaque, err)) != 0)
			break;
	}
	free(b);
	return r < 0 ? -1 : r;
}

int ovk_xfs_dir_iterate(struct xfs_fs *fs, const struct xfs_inode *ip, xfs_dirent_fn fn,
			void *opaque, struct ovk_error *err)
{
	int r = ip->format == 1 ? dir_shortform(fs, ip, fn, opaque, err) :
		dir_blocks(fs, ip, fn, opaque, err);

	if (r < 0)
		ovk_error_prefix(err, "directory inode %" PRIu64, ip->ino);
	return r;
}
