/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs_ext.c: ext2, ext3 and ext4, read-only, through libext2fs (the only
 * file that includes it: STYLE.md #5), and the gfs ops (see gfs.h).
 *
 * libext2fs reads through an io_manager of ours whose reads go to a gdisk:
 * no file name is ever opened, and every entry point that would write
 * (write_blk, write_blk64, write_byte, discard, zeroout, an open with
 * IO_FLAG_RW) fails with EROFS.  The file system is opened without
 * EXT2_FLAG_RW, so libext2fs never writes its superblock, never starts MMP
 * and never touches the journal.  A volume with needs_recovery (the guest
 * was not shut down cleanly) is read as it stands, like a `noload` mount:
 * what the journal holds and the home locations do not yet is not seen.
 * That is the right trade for inspection (replaying would mean writing, or
 * an in-memory overlay of the journal), and /etc and /boot change rarely.
 *
 * libext2fs reports a few inconsistencies through com_err(), which prints
 * on stderr by default: the first open replaces that default hook (and only
 * the default: a host program's own hook is kept) with a silent one.
 *
 * The superblock (1024 bytes at byte 1024; the fields we check before
 * libext2fs sees the volume, so that it never sizes a table from a hostile
 * count):
 *
 *   0x04 blocks_count_lo u32   0x28 inodes_per_group u32  0x78 volume_name[16]
 *   0x14 first_data_block u32  0x38 magic u16 (0xef53)    0xfe desc_size u16
 *   0x18 log_block_size u32    0x60 feature_incompat u32  0x150 blocks_count_hi
 *   0x20 blocks_per_group u32  0x68 uuid[16]
 *
 * Invariants: the volume fits in its gdisk; its group descriptor table is
 * at most EXT_MAX_DESC_BYTES; a directory scan makes at most
 * EXT_MAX_DIR_ENTRIES steps (libext2fs's own lookup has no bound, so we
 * scan with ext2fs_dir_iterate2 and walk paths with gutil.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <et/com_err.h>
#include <ext2fs/ext2fs.h>

#include "core/checked.h"
#include "core/endian.h"
#include "guest/gfs.h"
#include "guest/gutil.h"

#define EXT_SB_OFFSET 1024
#define EXT_SB_SIZE 1024
#define EXT_MAGIC 0xef53
#define EXT_INCOMPAT_JOURNAL_DEV 0x0008u
#define EXT_INCOMPAT_64BIT 0x0080u
/* Block sizes libext2fs and Linux accept: 1 KiB << 0..6. */
#define EXT_MAX_LOG_BLOCK 6
/* The group descriptor table that libext2fs reads whole at open: 16 MiB is
 * 262144 groups of 64-byte descriptors, a 32 TiB volume with 4 KiB blocks
 * (which has 8 MiB); more, from a superblock, is hostile and would cost
 * memory before anything is checked. */
#define EXT_MAX_DESC_BYTES ((uint64_t)16 << 20)
/* Steps of one directory scan (one per entry, empty ones included, so at
 * least one per block): 2M covers a directory of two million files; a
 * hostile extent tree that maps the same blocks again and again stops
 * here. */
#define EXT_MAX_DIR_ENTRIES (1u << 21)
/* Bytes per ext2fs_file_read call (its length is an unsigned int). */
#define EXT_READ_CHUNK ((size_t)1 << 30)

struct ext_io {
	struct ovk_gdisk *disk;
	struct ovk_error err;     /* the gdisk's error behind a failed read */
	int failed;
};

struct ext_fs {
	struct ovk_gfs gfs;
	ext2_filsys e2;
	struct ext_io *io;
};

/* ---------------------------------------------------------- io manager */

/* The gdisk of the channel being opened: ext2fs_open2() takes a name, and
 * ours is only for messages, so the disk is handed over beside it. */
static __thread struct ext_io *ext_pending;

static struct struct_io_manager ext_io_manager;

static errcode_t ext_io_open(const char *name, int flags, io_channel *channel)
{
	io_channel ch;

	if (flags & IO_FLAG_RW)
		return EROFS;
	if (!ext_pending)
		return EXT2_ET_BAD_DEVICE_NAME;
	if (!(ch = calloc(1, sizeof *ch)) || !(ch->name = strdup(name))) {
		free(ch);
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = &ext_io_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = ext_pending;
	ext_pending = NULL;
	*channel = ch;
	return 0;
}

static errcode_t ext_io_close(io_channel ch)
{
	if (--ch->refcount > 0)
		return 0;
	free(ch->name);
	free(ch);
	return 0;
}

static errcode_t ext_io_set_blksize(io_channel ch, int blksize)
{
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	ch->block_size = blksize;
	return 0;
}

/* count blocks at block, or -count bytes when count is negative (as
 * unix_io reads the superblock). */
static errcode_t ext_io_read_blk64(io_channel ch, unsigned long long block, int count,
				   void *data)
{
	struct ext_io *io = ch->private_data;
	uint64_t off, len;

	if (count < 0)
		len = (uint64_t)-(int64_t)count;
	else if (ovk_mul_overflow((uint64_t)count, (uint64_t)ch->block_size, &len))
		return EXT2_ET_LLSEEK_FAILED;
	if (ovk_mul_overflow((uint64_t)block, (uint64_t)ch->block_size, &off) ||
	    len > SIZE_MAX)
		return EXT2_ET_LLSEEK_FAILED;
	if (ovk_gdisk_pread(io->disk, off, data, (size_t)len, &io->err) < 0) {
		io->failed = 1;
		return EXT2_ET_SHORT_READ;
	}
	return 0;
}

static errcode_t ext_io_read_blk(io_channel ch, unsigned long block, int count, void *data)
{
	return ext_io_read_blk64(ch, block, count, data);
}

static errcode_t ext_io_write_blk(io_channel ch, unsigned long block, int count,
				  const void *data)
{
	(void)ch, (void)block, (void)count, (void)data;
	return EROFS;
}

static errcode_t ext_io_write_blk64(io_channel ch, unsigned long long block, int count,
				    const void *data)
{
	(void)ch, (void)block, (void)count, (void)data;
	return EROFS;
}

static errcode_t ext_io_write_byte(io_channel ch, unsigned long offset, int count,
				   const void *data)
{
	(void)ch, (void)offset, (void)count, (void)data;
	return EROFS;
}

static errcode_t ext_io_range(io_channel ch, unsigned long long block, unsigned long long count)
{
	(void)ch, (void)block, (void)count;
	return EROFS;
}

/* Nothing is ever written, so there is nothing to flush. */
static errcode_t ext_io_flush(io_channel ch)
{
	(void)ch;
	return 0;
}

static errcode_t ext_io_set_option(io_channel ch, const char *option, const char *arg)
{
	(void)ch, (void)option, (void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager ext_io_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "ovakit gdisk (read-only)",
	.open = ext_io_open,
	.close = ext_io_close,
	.set_blksize = ext_io_set_blksize,
	.read_blk = ext_io_read_blk,
	.write_blk = ext_io_write_blk,
	.flush = ext_io_flush,
	.write_byte = ext_io_write_byte,
	.set_option = ext_io_set_option,
	.read_blk64 = ext_io_read_blk64,
	.write_blk64 = ext_io_write_blk64,
	.discard = ext_io_range,
	.zeroout = ext_io_range,
};

/* ----------------------------------------------------------- quietness */

static void ext_quiet_hook(const char *whoami, long code, const char *fmt, va_list ap)
{
	(void)whoami, (void)code, (void)fmt, (void)ap;
}

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void ext_init_once(void)
{
	/* reset_com_err_hook() hands back the hook in place and installs
	 * the default, so the default's address can be learnt and the
	 * previous hook put back: only a printing default is replaced. */
	void (*old)(const char *, long, const char *, va_list) = reset_com_err_hook();
	void (*def)(const char *, long, const char *, va_list) = set_com_err_hook(old);

	if (old == def)
		set_com_err_hook(ext_quiet_hook);
	initialize_ext2_error_table();
}

/* An errcode_t from libext2fs as our error: the gdisk's own message when a
 * read failed under it. */
static int ext_error(struct ext_io *io, errcode_t rc, struct ovk_error *err, const char *what)
{
	int e = rc > 0 && rc < 4096 ? (int)rc : EIO;

	if (rc == EXT2_ET_UNSUPP_FEATURE || rc == EXT2_ET_RO_UNSUPP_FEATURE)
		e = ENOTSUP;
	else if (rc == EXT2_ET_NO_MEMORY)
		e = ENOMEM;
	if (io && io->failed) {
		io->failed = 0;
		if (err)
			*err = io->err;
		return ovk_error_prefix(err, "%s", what);
	}
	return ovk_error_set(err, e, "%s: %s", what, error_message(rc));
}

/* ---------------------------------------------------------- superblock */

struct ext_sb {
	uint64_t blocks;
	uint32_t first_data_block, log_block_size, blocks_per_group, inodes_per_group;
	uint32_t incompat;
	uint16_t magic, desc_size;
	uint8_t uuid[16];
	char label[17];
};

static void ext_sb_decode(const uint8_t *b, struct ext_sb *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->blocks = le32_load(b + 0x04);
	sb->first_data_block = le32_load(b + 0x14);
	sb->log_block_size = le32_load(b + 0x18);
	sb->blocks_per_group = le32_load(b + 0x20);
	sb->inodes_per_group = le32_load(b + 0x28);
	sb->magic = le16_load(b + 0x38);
	sb->incompat = le32_load(b + 0x60);
	memcpy(sb->uuid, b + 0x68, 16);
	memcpy(sb->label, b + 0x78, 16);
	sb->desc_size = 32;
	if (sb->incompat & EXT_INCOMPAT_64BIT) {
		sb->blocks |= (uint64_t)le32_load(b + 0x150) << 32;
		sb->desc_size = le16_load(b + 0xfe);
	}
}

static int ext_sb_validate(const struct ext_sb *sb, uint64_t dev, struct ovk_error *err)
{
	uint64_t bs, bytes, groups, desc;

	if (sb->magic != EXT_MAGIC)
		return ovk_error_set(err, EINVAL, "no ext2/3/4 superblock");
	if (sb->incompat & EXT_INCOMPAT_JOURNAL_DEV)
		return ovk_error_set(err, ENOTSUP, "an external journal, not a file system");
	if (sb->log_block_size > EXT_MAX_LOG_BLOCK)
		return ovk_error_set(err, EINVAL, "block size 1 KiB << %" PRIu32,
				     sb->log_block_size);
	bs = (uint64_t)1024 << sb->log_block_size;
	if (sb->blocks == 0 || ovk_mul_overflow(sb->blocks, bs, &bytes) || bytes > dev)
		return ovk_error_set(err, ERANGE, "%" PRIu64 " blocks of %" PRIu64 " bytes: "
				     "beyond the device (%" PRIu64 " bytes)", sb->blocks, bs, dev);
	if (sb->blocks_per_group < 8 || sb->blocks_per_group > 8 * bs ||
	    sb->inodes_per_group == 0 || sb->first_data_block >= sb->blocks)
		return ovk_error_set(err, EINVAL, "group geometry (%" PRIu32 " blocks, %" PRIu32
				     " inodes, first block %" PRIu32 ")", sb->blocks_per_group,
				     sb->inodes_per_group, sb->first_data_block);
	if (sb->desc_size < 32 || sb->desc_size > 1024 || !ovk_is_pow2(sb->desc_size))
		return ovk_error_set(err, EINVAL, "group descriptor size %u", sb->desc_size);
	groups = (sb->blocks - sb->first_data_block + sb->blocks_per_group - 1) /
		 sb->blocks_per_group;
	desc = groups * sb->desc_size;   /* groups < 2^54 / 8, desc_size <= 1024 */
	if (desc > EXT_MAX_DESC_BYTES)
		return ovk_error_set(err, EFBIG, "%" PRIu64 " groups: a descriptor table of "
				     "%" PRIu64 " bytes (at most %" PRIu64 ")", groups, desc,
				     EXT_MAX_DESC_BYTES);
	return 0;
}

static int ext_sb_read(struct ovk_gdisk *disk, struct ext_sb *sb, struct ovk_error *err)
{
	uint8_t b[EXT_SB_SIZE];

	if (ovk_gdisk_size(disk) < EXT_SB_OFFSET + EXT_SB_SIZE)
		return ovk_error_set(err, EINVAL, "too small for an ext2/3/4 superblock");
	if (ovk_gdisk_pread(disk, EXT_SB_OFFSET, b, sizeof b, err) < 0)
		return -1;
	ext_sb_decode(b, sb);
	return ext_sb_validate(sb, ovk_gdisk_size(disk), err);
}

/* ---------------------------------------------------------- inodes */

static enum ovk_gfs_type ext_type_of_mode(uint16_t mode)
{
	if (LINUX_S_ISREG(mode))
		return OVK_GFS_REG;
	if (LINUX_S_ISDIR(mode))
		return OVK_GFS_DIR;
	if (LINUX_S_ISLNK(mode))
		return OVK_GFS_LINK;
	return OVK_GFS_OTHER;
}

static enum ovk_gfs_type ext_type_of_ftype(int ft)
{
	switch (ft) {
	case EXT2_FT_REG_FILE:
		return OVK_GFS_REG;
	case EXT2_FT_DIR:
		return OVK_GFS_DIR;
	case EXT2_FT_SYMLINK:
		return OVK_GFS_LINK;
	default:
		return OVK_GFS_OTHER;
	}
}

static int ext_inode(struct ext_fs *fs, uint64_t ino, struct ext2_inode *inode,
		     struct ovk_error *err)
{
	char what[48];
	errcode_t rc;

	snprintf(what, sizeof what, "inode %" PRIu64, ino);
	if (ino == 0 || ino > fs->e2->super->s_inodes_count)
		return ovk_error_set(err, ERANGE, "%s: beyond the inode table (%" PRIu32 ")",
				     what, fs->e2->super->s_inodes_count);
	if ((rc = ext2fs_read_inode(fs->e2, (ext2_ino_t)ino, inode)) != 0)
		return ext_error(fs->io, rc, err, what);
	return 0;
}

static int ext_file_of(struct ext_fs *fs, uint64_t ino, struct ovk_gfs_file *f,
		       struct ovk_error *err)
{
	struct ext2_inode inode;

	if (ext_inode(fs, ino, &inode, err) < 0)
		return -1;
	memset(f, 0, sizeof *f);
	f->type = ext_type_of_mode(inode.i_mode);
	f->size = EXT2_I_SIZE(&inode);
	f->ino = ino;
	return 0;
}

/* ---------------------------------------------------------- directories */

/* One bounded scan of a directory: fn sees each live entry's name (len
 * bytes), inode and file type; it returns 0 to go on, 1 to stop, -1 to
 * fail. */
struct ext_scan {
	struct ext_fs *fs;
	int (*fn)(struct ext_scan *s, const char *name, size_t len, uint64_t ino, int ft);
	void *opaque;
	unsigned steps;
	int result;               /* 0 done, 1 stopped, -1 failed */
	struct ovk_error *err;
};

static int ext_scan_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
			  int blocksize, char *buf, void *priv)
{
	struct ext_scan *s = priv;
	int len = ext2fs_dirent_name_len(d), r;

	(void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
	if (++s->steps > EXT_MAX_DIR_ENTRIES) {
		s->result = ovk_error_set(s->err, EFBIG, "more than %u directory entries",
					  EXT_MAX_DIR_ENTRIES);
		return DIRENT_ABORT;
	}
	if (d->inode == 0 || len == 0)
		return 0;
	if ((r = s->fn(s, d->name, (size_t)len, d->inode, ext2fs_dirent_file_type(d))) != 0) {
		s->result = r;
		return DIRENT_ABORT;
	}
	return 0;
}

static int ext_scan(struct ext_fs *fs, uint64_t dir, struct ext_scan *s, struct ovk_error *err)
{
	char what[48];
	errcode_t rc;

	s->fs = fs;
	s->err = err;
	snprintf(what, sizeof what, "directory inode %" PRIu64, dir);
	if (dir == 0 || dir > fs->e2->super->s_inodes_count)
		return ovk_error_set(err, ERANGE, "%s: beyond the inode table", what);
	/* (inline-data directories too: libext2fs switches to them itself) */
	rc = ext2fs_dir_iterate2(fs->e2, (ext2_ino_t)dir, DIRENT_FLAG_INCLUDE_EMPTY, NULL,
				 ext_scan_entry, s);
	if (s->result < 0)
		return ovk_error_prefix(err, "%s", what);
	if (rc)
		return ext_error(fs->io, rc, err, what);
	return s->result;
}

struct ext_find {
	const char *name;
	size_t len;
	uint64_t ino;
};

static int ext_find_entry(struct ext_scan *s, const char *name, size_t len, uint64_t ino,
			  int ft)
{
	struct ext_find *q = s->opaque;

	(void)ft;
	if (len != q->len || memcmp(name, q->name, len) != 0)
		return 0;
	q->ino = ino;
	return 1;
}

static int ext_find(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir, const char *name,
		    size_t len, struct ovk_gfs_file *out, struct ovk_error *err)
{
	struct ext_fs *fs = (struct ext_fs *)gfs;
	struct ext_find q = { name, len, 0 };
	struct ext_scan s = { .fn = ext_find_entry, .opaque = &q };
	int r = ext_scan(fs, dir->ino, &s, err);

	if (r <= 0)
		return r < 0 ? -1 : 1;
	return ext_file_of(fs, q.ino, out, err);
}

/* The target of a symbolic link: in the inode (a fast link, or inline
 * data), or in its data blocks. */
static int ext_readlink(struct ovk_gfs *gfs, const struct ovk_gfs_file *lnk, char *buf,
			size_t cap, struct ovk_error *err)
{
	struct ext_fs *fs = (struct ext_fs *)gfs;
	struct ext2_inode inode;
	ext2_file_t file = NULL;
	unsigned got = 0;
	uint64_t size;
	errcode_t rc;
	int ret = -1;

	if (ext_inode(fs, lnk->ino, &inode, err) < 0)
		goto out;
	size = EXT2_I_SIZE(&inode);
	if (!LINUX_S_ISLNK(inode.i_mode) || size == 0 || size >= cap ||
	    (inode.i_flags & EXT4_ENCRYPT_FL)) {
		ovk_error_set(err, EINVAL, "inode %" PRIu64 ": a link of %" PRIu64 " bytes%s",
			      lnk->ino, size, inode.i_flags & EXT4_ENCRYPT_FL ? " (encrypted)" :
			      "");
		goto out;
	}
	if (ext2fs_is_fast_symlink(&inode)) {
		memcpy(buf, inode.i_block, (size_t)size);
		got = (unsigned)size;
	} else if ((rc = ext2fs_file_open2(fs->e2, (ext2_ino_t)lnk->ino, &inode, 0, &file)) ||
		   (rc = ext2fs_file_read(file, buf, (unsigned)size, &got))) {
		ext_error(fs->io, rc, err, "link target");
		goto out;
	}
	if (got != size || memchr(buf, '\0', got)) {
		ovk_error_set(err, EINVAL, "inode %" PRIu64 ": link target unreadable or holds "
			      "a NUL", lnk->ino);
		goto out;
	}
	buf[got] = '\0';
	ret = 0;
out:
	if (file)
		ext2fs_file_close(file);
	return ret;
}

static const struct ovk_gpath_ops ext_path_ops = { ext_find, ext_readlink };

/* ---------------------------------------------------------- gfs ops */

static int ext_lookup(struct ovk_gfs *gfs, const char *path, struct ovk_gfs_file *f,
		      struct ovk_error *err)
{
	struct ext_fs *fs = (struct ext_fs *)gfs;
	struct ovk_gfs_file root;

	if (ext_file_of(fs, EXT2_ROOT_INO, &root, err) < 0)
		return ovk_error_prefix(err, "%s on %s: %s", gfs->ops->name,
					ovk_gdisk_name(gfs->disk), path);
	if (root.type != OVK_GFS_DIR)
		return ovk_error_set(err, ENOTDIR, "%s on %s: the root inode is not a directory",
				     gfs->ops->name, ovk_gdisk_name(gfs->disk));
	return ovk_gpath_resolve(gfs, &root, &ext_path_ops, path, f, err);
}

static int64_t ext_pread(struct ovk_gfs *gfs, const struct ovk_gfs_file *f, uint64_t off,
			 void *buf, size_t len, struct ovk_error *err)
{
	struct ext_fs *fs = (struct ext_fs *)gfs;
	struct ext2_inode inode;
	ext2_file_t file = NULL;
	errcode_t rc = 0;
	size_t done = 0;
	int64_t ret = -1;

	if (ext_inode(fs, f->ino, &inode, err) < 0)
		goto out;
	if (!LINUX_S_ISREG(inode.i_mode) || (inode.i_flags & EXT4_ENCRYPT_FL)) {
		ovk_error_set(err, EINVAL, "inode %" PRIu64 ": not a readable regular file%s",
			      f->ino, inode.i_flags & EXT4_ENCRYPT_FL ? " (encrypted)" : "");
		goto out;
	}
	if (off >= EXT2_I_SIZE(&inode) || len == 0) {
		ret = 0;
		goto out;
	}
	len = (size_t)ovk_min_u64(len, EXT2_I_SIZE(&inode) - off);
	if ((rc = ext2fs_file_open2(fs->e2, (ext2_ino_t)f->ino, &inode, 0, &file)) ||
	    (rc = ext2fs_file_llseek(file, off, EXT2_SEEK_SET, NULL)))
		goto out;
	while (done < len) {
		unsigned got = 0;

		rc = ext2fs_file_read(file, (char *)buf + done,
				      (unsigned)ovk_min_u64(len - done, EXT_READ_CHUNK), &got);
		if (!rc && got == 0)     /* the file ends before its size */
			rc = EXT2_ET_SHORT_READ;
		if (rc)
			break;
		done += got;
	}
	if (!rc)
		ret = (int64_t)done;
out:
	if (rc) {
		char what[64];

		snprintf(what, sizeof what, "inode %" PRIu64 " at %" PRIu64, f->ino, off + done);
		ext_error(fs->io, rc, err, what);
	}
	if (file)
		ext2fs_file_close(file);
	if (ret < 0)
		ovk_error_prefix(err, "%s on %s", gfs->ops->name, ovk_gdisk_name(gfs->disk));
	return ret;
}

struct ext_list {
	int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type);
	void *opaque;
};

static int ext_list_entry(struct ext_scan *s, const char *name, size_t len, uint64_t ino,
			  int ft)
{
	struct ext_list *l = s->opaque;
	struct ovk_gfs_file f;
	char nm[GFS_MAX_NAME + 1];
	enum ovk_gfs_type type;
	int r;

	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	/* a name no Linux could have made: hostile, not listed */
	if (len > GFS_MAX_NAME || memchr(name, '/', len) || memchr(name, '\0', len))
		return 0;
	memcpy(nm, name, len);
	nm[len] = '\0';
	type = ext_type_of_ftype(ft);
	if (ft == EXT2_FT_UNKNOWN) {       /* no filetype feature: ask the inode */
		if (ext_file_of(s->fs, ino, &f, s->err) < 0)
			return -1;
		type = f.type;
	}
	if ((r = l->fn(l->opaque, nm, type)) < 0)
		return ovk_error_set(s->err, ECANCELED, "stopped by the caller at \"%s\"", nm);
	return r > 0 ? 1 : 0;
}

static int ext_readdir(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err)
{
	struct ext_list l = { fn, opaque };
	struct ext_scan s = { .fn = ext_list_entry, .opaque = &l };

	if (ext_scan((struct ext_fs *)gfs, dir->ino, &s, err) < 0)
		return ovk_error_prefix(err, "%s on %s", gfs->ops->name,
					ovk_gdisk_name(gfs->disk));
	return 0;
}

static int ext_probe(struct ovk_gdisk *disk)
{
	struct ext_sb sb;

	return ext_sb_read(disk, &sb, NULL) == 0;
}

static void ext_close(struct ovk_gfs *gfs)
{
	struct ext_fs *fs = (struct ext_fs *)gfs;

	if (!fs)
		return;
	if (fs->e2)
		ext2fs_free(fs->e2);   /* never ext2fs_close: nothing to flush */
	ovk_gdisk_free(gfs->disk);
	free(fs->io);
	free(fs);
}

/* blkid's LABEL: the bytes up to the first NUL, trailing blanks cut. */
static void ext_label(const char *raw, char *out, size_t cap)
{
	size_t n = strnlen(raw, 16);

	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	snprintf(out, cap, "%.*s", (int)n, raw);
}

extern const struct ovk_gfs_ops ovk_gfs_ext;

static int ext_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err)
{
	static const uint8_t zero[16];
	struct ext_fs *fs = calloc(1, sizeof *fs);
	struct ext_sb sb;
	errcode_t rc;
	int ret = -1;

	*out = NULL;
	pthread_once(&ext_once, ext_init_once);
	if (!fs || !(fs->io = calloc(1, sizeof *fs->io))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ext_sb_read(disk, &sb, err) < 0)
		goto out;
	if (ovk_gfs_attach(&fs->gfs, &ovk_gfs_ext, disk, err) < 0)
		goto out;
	fs->io->disk = fs->gfs.disk;
	ext_pending = fs->io;
	/* A fixed name: ext2fs_open2() would take what follows a '?' in
	 * it as io options. */
	rc = ext2fs_open2("gdisk", NULL, EXT2_FLAG_64BITS, 0, 0, &ext_io_manager, &fs->e2);
	ext_pending = NULL;
	if (rc) {
		fs->e2 = NULL;
		ext_error(fs->io, rc, err, "open");
		goto out;
	}
	ext_label(sb.label, fs->gfs.label, sizeof fs->gfs.label);
	if (memcmp(sb.uuid, zero, sizeof zero) != 0)
		ovk_uuid_str(sb.uuid, fs->gfs.uuid);
	*out = &fs->gfs;
	fs = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_prefix(err, "ext4 on %s", ovk_gdisk_name(disk));
	ext_close(fs ? &fs->gfs : NULL);
	return ret;
}

const struct ovk_gfs_ops ovk_gfs_ext = {
	.name = "ext4",
	.probe = ext_probe,
	.open = ext_open,
	.lookup = ext_lookup,
	.pread = ext_pread,
	.readdir = ext_readdir,
	.close = ext_close,
};
