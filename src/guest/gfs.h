/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gfs.h: a guest file system, read-only, as the inspection needs it: find
 * a file by path, read it, list a directory.  One ops table per file
 * system (ext2/3/4 through libext2fs, XFS, FAT, NTFS through libntfs-3g),
 * each opened on a gdisk view (a partition, a logical volume) and probed
 * by its superblock, never by a partition type.
 *
 * Paths are absolute, '/'-separated, and resolved inside the file system:
 * "." and ".." as usual, never above the root; symbolic links followed,
 * relative ones from their directory and absolute ones from this file
 * system's root, at most GFS_MAX_SYMLINKS of them per lookup (the guest
 * decides what its links mean; a loop is hostile).  Names are compared
 * byte for byte, except on FAT and NTFS, where they are compared without
 * regard to case (as the guest does).
 *
 * Every size and offset read from the file system is hostile (STYLE.md
 * #8): a lookup or read that would leave the device, loop, or grow beyond
 * the named limits fails with -1 and a message naming the path and the
 * structure ("ext4 on sda2: /etc/fstab: extent 3 beyond the device").
 */
#ifndef OVK_GUEST_GFS_H
#define OVK_GUEST_GFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gdisk.h"

/* Symbolic links followed in one lookup, as Linux's MAXSYMLINKS. */
#define GFS_MAX_SYMLINKS 40
/* Components of one path and bytes of a name: Linux's PATH_MAX and
 * NAME_MAX. */
#define GFS_MAX_PATH 4096
#define GFS_MAX_NAME 255
/* The most a whole-file read returns: inspection reads configuration
 * files and registry hives (Windows' SYSTEM hive is tens of MiB); an
 * initramfs is read in pieces with ovk_gfs_pread, never whole. */
#define GFS_MAX_WHOLE_FILE ((size_t)128 << 20)

enum ovk_gfs_type {
	OVK_GFS_REG,
	OVK_GFS_DIR,
	OVK_GFS_LINK,
	OVK_GFS_OTHER,
};

/* A file found by a lookup: what the file system needs to read it again. */
struct ovk_gfs_file {
	enum ovk_gfs_type type;
	uint64_t size;
	uint64_t ino;             /* the file system's own handle (inode, MFT record, ...) */
	uint64_t aux;             /* and what else it needs (FAT: the first cluster) */
};

struct ovk_gfs;

struct ovk_gfs_ops {
	const char *name;         /* "ext4", "xfs", "vfat", "ntfs" */
	/* Whether `disk` holds this file system (its superblock is sane). */
	int (*probe)(struct ovk_gdisk *disk);
	/* Open it; on success the file system holds a reference to disk. */
	int (*open)(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err);
	/* Resolve an absolute path (links followed, see above); ENOENT when
	 * a component is missing. */
	int (*lookup)(struct ovk_gfs *fs, const char *path, struct ovk_gfs_file *f,
		      struct ovk_error *err);
	/* len bytes at off of a regular file (a short read only at its end:
	 * returns the bytes read). */
	int64_t (*pread)(struct ovk_gfs *fs, const struct ovk_gfs_file *f, uint64_t off,
			 void *buf, size_t len, struct ovk_error *err);
	/* Each entry of a directory but "." and "..": fn returns 0 to go on,
	 * 1 to stop, -1 to fail. */
	int (*readdir)(struct ovk_gfs *fs, const struct ovk_gfs_file *dir,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err);
	void (*close)(struct ovk_gfs *fs);
};

/* What every file system struct starts with. */
struct ovk_gfs {
	const struct ovk_gfs_ops *ops;
	struct ovk_gdisk *disk;
	/* The volume's label and UUID as fstab names them (LABEL=, UUID=);
	 * "" when it has none. */
	char label[64];
	char uuid[64];
};

/* Probe every file system this build reads and open the one found on
 * disk: 0, or 1 when none is there (no error: an unknown or encrypted
 * volume is a fact about the guest), -1 on failure. */
int ovk_gfs_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err);
void ovk_gfs_close(struct ovk_gfs *fs);

/* A whole regular file by path into a malloc'ed buffer (NUL-terminated
 * for convenience, *len without it), at most max bytes (else EFBIG). */
int ovk_gfs_read_file(struct ovk_gfs *fs, const char *path, size_t max, char **out,
		      size_t *len, struct ovk_error *err);

#endif
