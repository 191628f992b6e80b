/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xfs.h: between the files of the XFS reader: fs_xfs.c (superblock,
 * inodes, block maps, file data, the gfs ops) and xfs_dir.c (directory
 * entries in every form).  Private to src/guest.
 */
#ifndef OVK_GUEST_XFS_H
#define OVK_GUEST_XFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gfs.h"

/* Directory data lives in the first 32 GiB of a directory's logical space
 * (XFS_DIR2_LEAF_OFFSET); leaf and free-index blocks come after it. */
#define XFS_DIR2_DATA_SPACE ((uint64_t)32 << 30)

/* The superblock, decoded (host order). */
struct xfs_sb {
	uint32_t magic, blocksize, agblocks, agcount;
	uint64_t dblocks, rootino;
	uint8_t uuid[16];
	uint16_t versionnum, sectsize, inodesize, inopblock;
	char fname[13];
	uint8_t blocklog, sectlog, inodelog, inopblog, agblklog, dirblklog;
	uint32_t features2, incompat;
};

/* An extent of a file: logical block `off`, `count` blocks at byte
 * `disk` of the device (UINT64_MAX for unwritten: reads as zeros). */
struct xfs_extent {
	uint64_t off, count, disk;
};

/* An inode, decoded: its core and where its data fork is. */
struct xfs_inode {
	uint64_t ino, size;
	uint16_t mode;
	uint8_t version, format;
	uint64_t nextents;
	uint8_t *fork;            /* the data fork bytes (a copy) */
	size_t fork_len;
	uint16_t flags;
};

struct xfs_fs {
	struct ovk_gfs gfs;       /* first: the gfs handle */
	struct xfs_sb sb;
	int v5, ftype;
	uint32_t dirblksize;
	/* the extent map of the last file read (pread comes in pieces) */
	uint64_t map_ino;
	struct xfs_extent *map;
	size_t map_n;
};

/* Read inode ino (decoded and validated; free ip->fork). */
int ovk_xfs_inode_read(struct xfs_fs *fs, uint64_t ino, struct xfs_inode *ip,
		       struct ovk_error *err);
/* len bytes at off of a file's data (holes and unwritten extents as
 * zeros); off + len inside the file's size is the caller's business. */
int ovk_xfs_file_read(struct xfs_fs *fs, const struct xfs_inode *ip, uint64_t off, void *buf,
		      size_t len, struct ovk_error *err);
/* Whether logical block `blk` of the file is mapped (1), a hole (0), -1. */
int ovk_xfs_mapped(struct xfs_fs *fs, const struct xfs_inode *ip, uint64_t blk,
		   struct ovk_error *err);

/* Each entry of directory ip (but "." and ".."): fn gets its name, inode
 * and ftype (0 when the file system has none); returns 0 to go on, 1 to
 * stop (then so does this, returning 1), -1 to fail. */
typedef int (*xfs_dirent_fn)(void *opaque, const char *name, size_t len, uint64_t ino,
			     uint8_t ftype, struct ovk_error *err);
int ovk_xfs_dir_iterate(struct xfs_fs *fs, const struct xfs_inode *ip, xfs_dirent_fn fn,
			void *opaque, struct ovk_error *err);

#endif
