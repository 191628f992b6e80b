/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs_ntfs.c: NTFS, read-only, through libntfs-3g (the only file that
 * includes it: STYLE.md #5), the gfs ops (see gfs.h) and the volume's
 * state (see ntfs.h).
 *
 * libntfs-3g reads through a struct ntfs_device_operations of ours whose
 * reads go to a gdisk: open refuses anything but O_RDONLY, write and pwrite
 * fail with EROFS, and nothing is ever opened by name.  The volume is
 * mounted with NTFS_MNT_RDONLY.  Read-only, ntfs_device_mount() neither
 * checks hiberfil.sys nor $LogFile (it refuses only read-write mounts of a
 * hibernated or unclean volume, and resets the log only with
 * NTFS_MNT_RECOVER), so the log is never replayed nor written: the volume
 * is read as it stands.  Whether Windows left it hibernated (hiberfil.sys
 * starts "hibr"/"HIBR", as hibernation and Fast Startup write it), dirty,
 * or with an unclean log, we find out ourselves, read-only, and report as
 * facts (ovk_ntfs_state).
 *
 * libntfs-3g logs through ntfs_log_*(): the first open installs its null
 * handler and clears every level, process-wide (there is no way to read
 * the handler in place), so the library prints nothing.
 *
 * Names are found by scanning the directory with ntfs_readdir() and
 * comparing with the volume's $UpCase table, ignoring case (as Windows
 * does), 8.3 (DOS) names included; libntfs-3g's own B+tree descent
 * (ntfs_inode_lookup_by_name) follows child pointers without bound, so a
 * node that names itself would loop forever.  A scan makes at most
 * NTFS_MAX_DIR_ENTRIES steps.  Listings leave out the DOS names, "." and
 * "..", and the metadata files of the root ($MFT, ...), as Windows does.
 *
 * Reparse points: symbolic links and junctions are links (a target on a
 * drive, "C:\x", is taken to be on this volume); WOF-compressed (CompactOS)
 * and deduplicated files, and other tags, are refused when read, by name,
 * since their unnamed $DATA is not their content.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "core/checked.h"
#include "core/endian.h"
#include "guest/gutil.h"
#include "guest/ntfs.h"

/* Steps of one directory scan: System32 holds a few thousand names (each
 * twice with its DOS name); 2M is far beyond any real directory. */
#define NTFS_MAX_DIR_ENTRIES (1u << 21)
/* A reparse point's data: at most 16 KiB (MAXIMUM_REPARSE_DATA_BUFFER_SIZE). */
#define NTFS_MAX_REPARSE ((size_t)16 << 10)
#define NTFS_BOOT_SIZE 512
#define NTFS_TAG_WOF 0x80000017u
#define NTFS_TAG_DEDUP 0x80000013u
#define NTFS_TAG_MOUNT_POINT 0xa0000003u
#define NTFS_TAG_SYMLINK 0xa000000cu

struct nt_io {
	struct ovk_gdisk *disk;
	int64_t pos;
	struct ovk_error err;     /* the gdisk's error behind a failed read */
	int failed;
};

struct nt_fs {
	struct ovk_gfs gfs;
	ntfs_volume *vol;
	struct nt_io *io;
	struct ovk_ntfs_state state;
};

/* ------------------------------------------------------ device operations */

static int nio_open(struct ntfs_device *dev, int flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY) {
		errno = EROFS;
		return -1;
	}
	NDevSetOpen(dev);
	NDevSetReadOnly(dev);
	return 0;
}

static int nio_close(struct ntfs_device *dev)
{
	NDevClearOpen(dev);
	return 0;
}

static s64 nio_seek(struct ntfs_device *dev, s64 off, int whence)
{
	struct nt_io *io = dev->d_private;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? io->pos :
		       whence == SEEK_END ? (int64_t)ovk_gdisk_size(io->disk) : -1;
	int64_t pos;

	if (base < 0 || ovk_add_overflow(base, (int64_t)off, &pos) || pos < 0) {
		errno = EINVAL;
		return -1;
	}
	return io->pos = pos;
}

static s64 nio_pread(struct ntfs_device *dev, void *buf, s64 count, s64 off)
{
	struct nt_io *io = dev->d_private;
	uint64_t size = ovk_gdisk_size(io->disk);

	if (count < 0 || off < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)off >= size)
		return 0;
	count = (s64)ovk_min_u64((uint64_t)count, size - (uint64_t)off);
	if (ovk_gdisk_pread(io->disk, (uint64_t)off, buf, (size_t)count, &io->err) < 0) {
		io->failed = 1;
		errno = EIO;
		return -1;
	}
	return count;
}

static s64 nio_read(struct ntfs_device *dev, void *buf, s64 count)
{
	struct nt_io *io = dev->d_private;
	s64 n = nio_pread(dev, buf, count, io->pos);

	if (n > 0)
		io->pos += n;
	return n;
}

static s64 nio_write(struct ntfs_device *dev, const void *buf, s64 count)
{
	(void)dev, (void)buf, (void)count;
	errno = EROFS;
	return -1;
}

static s64 nio_pwrite(struct ntfs_device *dev, const void *buf, s64 count, s64 off)
{
	(void)dev, (void)buf, (void)count, (void)off;
	errno = EROFS;
	return -1;
}

/* Nothing is ever written, so there is nothing to sync (the unmount calls
 * it). */
static int nio_sync(struct ntfs_device *dev)
{
	(void)dev;
	return 0;
}

static int nio_stat(struct ntfs_device *dev, struct stat *st)
{
	struct nt_io *io = dev->d_private;

	memset(st, 0, sizeof *st);
	st->st_mode = S_IFREG | 0444;
	st->st_size = (off_t)ovk_gdisk_size(io->disk);
	return 0;
}

static int nio_ioctl(struct ntfs_device *dev, unsigned long request, void *argp)
{
	(void)dev, (void)request, (void)argp;
	errno = ENOTTY;
	return -1;
}

static struct ntfs_device_operations nio_ops = {
	.open = nio_open,
	.close = nio_close,
	.seek = nio_seek,
	.read = nio_read,
	.write = nio_write,
	.pread = nio_pread,
	.pwrite = nio_pwrite,
	.sync = nio_sync,
	.stat = nio_stat,
	.ioctl = nio_ioctl,
};

static pthread_once_t nt_once = PTHREAD_ONCE_INIT;

static void nt_init_once(void)
{
	ntfs_log_set_handler(ntfs_log_handler_null);
	ntfs_log_clear_levels(UINT32_MAX);
}

/* errno from libntfs-3g as our error: the gdisk's own message when a read
 * failed under it. */
static int nt_error(struct nt_fs *fs, int e, struct ovk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int nt_error(struct nt_fs *fs, int e, struct ovk_error *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (fs->io->failed) {
		fs->io->failed = 0;
		if (err)
			*err = fs->io->err;
		return ovk_error_prefix(err, "%s", what);
	}
	return ovk_error_sys(err, e ? e : EIO, "%s", what);
}

/* ---------------------------------------------------------- files */

static ntfs_inode *nt_open_ino(struct nt_fs *fs, uint64_t mref, struct ovk_error *err)
{
	ntfs_inode *ni = ntfs_inode_open(fs->vol, (MFT_REF)mref);

	if (!ni)
		nt_error(fs, errno, err, "MFT record %" PRIu64, (uint64_t)MREF(mref));
	return ni;
}

/* The reparse tag of ni (0 when it has none), and its data if wanted. */
static int nt_reparse(struct nt_fs *fs, ntfs_inode *ni, uint32_t *tag, uint8_t **data,
			size_t *len, struct ovk_error *err)
{
	s64 n = 0;
	uint8_t *b;

	*tag = 0;
	if (data)
		*data = NULL;
	if (!(ni->flags & FILE_ATTR_REPARSE_POINT))
		return 0;
	b = ntfs_attr_readall(ni, AT_REPARSE_POINT, AT_UNNAMED, 0, &n);
	if (!b)
		return nt_error(fs, errno, err, "MFT record %" PRIu64 ": reparse point",
				  (uint64_t)ni->mft_no);
	if (n < 8 || (size_t)n > NTFS_MAX_REPARSE) {
		free(b);
		return ovk_error_set(err, EINVAL, "MFT record %" PRIu64 ": a reparse point of "
				     "%lld bytes", (uint64_t)ni->mft_no, (long long)n);
	}
	*tag = le32_load(b);
	if (data) {
		*data = b;
		*len = (size_t)n;
	} else {
		free(b);
	}
	return 0;
}

static int nt_file_of(struct nt_fs *fs, uint64_t mref, struct ovk_gfs_file *f,
			struct ovk_error *err)
{
	ntfs_inode *ni = nt_open_ino(fs, mref, err);
	ntfs_attr *na = NULL;
	uint32_t tag;
	int ret = -1;

	if (!ni)
		goto out;
	if (nt_reparse(fs, ni, &tag, NULL, NULL, err) < 0)
		goto out;
	memset(f, 0, sizeof *f);
	f->ino = mref;
	f->aux = tag;
	if (tag == NTFS_TAG_SYMLINK || tag == NTFS_TAG_MOUNT_POINT) {
		f->type = OVK_GFS_LINK;
	} else if (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) {
		f->type = OVK_GFS_DIR;
	} else {
		f->type = OVK_GFS_REG;
		na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
		if (na && na->data_size < 0) {
			ovk_error_set(err, EINVAL, "MFT record %" PRIu64 ": negative size",
				      (uint64_t)MREF(mref));
			goto out;
		}
		f->size = na ? (uint64_t)na->data_size : 0;   /* no $DATA: empty */
	}
	ret = 0;
out:
	if (na)
		ntfs_attr_close(na);
	if (ni)
		ntfs_inode_close(ni);
	return ret;
}

/* ---------------------------------------------------------- directories */

/* One bounded scan of a directory: fn sees each entry's UTF-16 name, its
 * namespace, reference and ntfs-3g type; 0 goes on, 1 stops, -1 fails. */
struct nt_scan {
	struct nt_fs *fs;
	int (*fn)(struct nt_scan *s, const ntfschar *name, int len, int name_type,
		  MFT_REF mref, unsigned dt_type);
	void *opaque;
	int root;                 /* scanning the root: its metadata files are hidden */
	unsigned steps;
	int result;
	struct ovk_error *err;
};

static int nt_scan_entry(void *priv, const ntfschar *name, const int len, const int name_type,
			   const s64 pos, const MFT_REF mref, const unsigned dt_type)
{
	struct nt_scan *s = priv;
	int r;

	(void)pos;
	if (++s->steps > NTFS_MAX_DIR_ENTRIES) {
		s->result = ovk_error_set(s->err, EFBIG, "more than %u directory entries",
					  NTFS_MAX_DIR_ENTRIES);
		return 1;
	}
	if (len <= 0 || (len == 1 && le16_to_cpu(name[0]) == '.') ||
	    (len == 2 && le16_to_cpu(name[0]) == '.' && le16_to_cpu(name[1]) == '.'))
		return 0;
	if (s->root && MREF(mref) < FILE_first_user)
		return 0;
	if ((r = s->fn(s, name, len, name_type, mref, dt_type)) != 0) {
		s->result = r;
		return 1;
	}
	return 0;
}

static int nt_scan(struct nt_fs *fs, uint64_t dir, struct nt_scan *s, struct ovk_error *err)
{
	ntfs_inode *ni = nt_open_ino(fs, dir, err);
	s64 pos = 0;
	int ret = -1;

	s->fs = fs;
	s->err = err;
	s->root = MREF(dir) == FILE_root;
	if (!ni)
		goto out;
	if (!(ni->mrec->flags & MFT_RECORD_IS_DIRECTORY)) {
		ovk_error_set(err, ENOTDIR, "MFT record %" PRIu64 ": not a directory",
			      (uint64_t)MREF(dir));
		goto out;
	}
	/* a scan stopped by its callback returns -1 too: s->result tells */
	if (ntfs_readdir(ni, &pos, s, nt_scan_entry) < 0 && s->result == 0) {
		nt_error(fs, errno, err, "directory (MFT record %" PRIu64 ")",
			   (uint64_t)MREF(dir));
		goto out;
	}
	if (s->result < 0) {
		ovk_error_prefix(err, "directory (MFT record %" PRIu64 ")", (uint64_t)MREF(dir));
		goto out;
	}
	ret = s->result;
out:
	if (ni)
		ntfs_inode_close(ni);
	return ret;
}

struct nt_find {
	ntfschar *uname;
	int ulen;
	MFT_REF mref;
};

static int nt_find_entry(struct nt_scan *s, const ntfschar *name, int len, int name_type,
			   MFT_REF mref, unsigned dt_type)
{
	struct nt_find *q = s->opaque;
	ntfs_volume *vol = s->fs->vol;

	(void)name_type, (void)dt_type;
	if (!ntfs_names_are_equal(q->uname, (size_t)q->ulen, name, (size_t)len, IGNORE_CASE,
				  vol->upcase, vol->upcase_len))
		return 0;
	q->mref = mref;
	return 1;
}

static int nt_find(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir, const char *name,
		     size_t len, struct ovk_gfs_file *out, struct ovk_error *err)
{
	struct nt_fs *fs = (struct nt_fs *)gfs;
	struct nt_find q = { NULL, 0, 0 };
	struct nt_scan s = { .fn = nt_find_entry, .opaque = &q };
	char nm[GFS_MAX_NAME + 1];
	int r, ret = -1;

	memcpy(nm, name, len);    /* len <= GFS_MAX_NAME: the walk checked */
	nm[len] = '\0';
	if ((q.ulen = ntfs_mbstoucs(nm, &q.uname)) <= 0) {
		ovk_error_set(err, EINVAL, "\"%s\": not a valid UTF-8 name", nm);
		goto out;
	}
	if ((r = nt_scan(fs, dir->ino, &s, err)) < 0)
		goto out;
	ret = r == 0 ? 1 : nt_file_of(fs, q.mref, out, err);
out:
	free(q.uname);
	return ret;
}

/* A reparse point's target as a path on this volume: a relative link with
 * '\' made '/', a drive path "X:\a\b" as "/a/b". */
static int nt_target(const uint8_t *d, size_t n, uint32_t tag, char *buf, size_t cap,
		       struct ovk_error *err)
{
	size_t hdr = tag == NTFS_TAG_SYMLINK ? 20 : 16, off, len;
	int relative;
	char *p;

	if (n < hdr)
		return ovk_error_set(err, EINVAL, "a reparse point of %zu bytes", n);
	off = le16_load(d + 8);
	len = le16_load(d + 10);
	relative = tag == NTFS_TAG_SYMLINK && (le32_load(d + 16) & 1);
	if (!ovk_range_ok(hdr + off, len, n) || len % 2)
		return ovk_error_set(err, EINVAL, "a reparse target outside its data");
	ovk_utf16le_to_utf8(d + hdr + off, len / 2, buf, cap);
	for (p = buf; *p; p++)
		if (*p == '\\')
			*p = '/';
	if (relative)
		return 0;
	p = buf;
	if (strncmp(p, "/?""?/", 4) == 0)
		p += 4;
	if (!((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) || p[1] != ':' ||
	    (p[2] != '/' && p[2] != '\0'))
		return ovk_error_set(err, ENOTSUP, "\"%s\": a target on no drive", buf);
	memmove(buf, p + 2, strlen(p + 2) + 1);
	if (!buf[0])
		strcpy(buf, "/");
	return 0;
}

static int nt_readlink(struct ovk_gfs *gfs, const struct ovk_gfs_file *lnk, char *buf,
			 size_t cap, struct ovk_error *err)
{
	struct nt_fs *fs = (struct nt_fs *)gfs;
	ntfs_inode *ni = nt_open_ino(fs, lnk->ino, err);
	uint8_t *data = NULL;
	size_t len = 0;
	uint32_t tag;
	int ret = -1;

	if (!ni || nt_reparse(fs, ni, &tag, &data, &len, err) < 0)
		goto out;
	if (tag != NTFS_TAG_SYMLINK && tag != NTFS_TAG_MOUNT_POINT) {
		ovk_error_set(err, EINVAL, "MFT record %" PRIu64 ": not a link",
			      (uint64_t)MREF(lnk->ino));
		goto out;
	}
	ret = nt_target(data, len, tag, buf, cap, err);
out:
	free(data);
	if (ni)
		ntfs_inode_close(ni);
	return ret;
}

static const struct ovk_gpath_ops nt_path_ops = { nt_find, nt_readlink };

/* ---------------------------------------------------------- gfs ops */

static int nt_lookup(struct ovk_gfs *gfs, const char *path, struct ovk_gfs_file *f,
		       struct ovk_error *err)
{
	struct nt_fs *fs = (struct nt_fs *)gfs;
	struct ovk_gfs_file root;

	if (nt_file_of(fs, FILE_root, &root, err) < 0)
		return ovk_error_prefix(err, "ntfs on %s: %s", ovk_gdisk_name(gfs->disk), path);
	if (root.type != OVK_GFS_DIR)
		return ovk_error_set(err, ENOTDIR, "ntfs on %s: the root is not a directory",
				     ovk_gdisk_name(gfs->disk));
	return ovk_gpath_resolve(gfs, &root, &nt_path_ops, path, f, err);
}

static const char *nt_tag_name(uint32_t tag)
{
	switch (tag) {
	case NTFS_TAG_WOF:
		return "WOF-compressed (CompactOS)";
	case NTFS_TAG_DEDUP:
		return "deduplicated";
	default:
		return "a reparse point";
	}
}

static int64_t nt_pread_attr(struct nt_fs *fs, ntfs_inode *ni, uint64_t off, void *buf,
			       size_t len, struct ovk_error *err)
{
	ntfs_attr *na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	size_t done = 0;
	int64_t ret = -1;

	if (!na) {
		ret = errno == ENOENT ? 0 : nt_error(fs, errno, err, "$DATA");
		goto out;
	}
	if (na->data_flags & ATTR_IS_ENCRYPTED) {
		ovk_error_set(err, EACCES, "encrypted (EFS)");
		goto out;
	}
	if (na->data_size < 0 || off >= (uint64_t)na->data_size) {
		ret = 0;
		goto out;
	}
	len = (size_t)ovk_min_u64(len, (uint64_t)na->data_size - off);
	while (done < len) {
		s64 n = ntfs_attr_pread(na, (s64)(off + done), (s64)(len - done),
					(char *)buf + done);

		if (n < 0) {
			nt_error(fs, errno, err, "at %" PRIu64, off + done);
			goto out;
		}
		if (n == 0) {            /* the attribute ends before its size */
			ovk_error_set(err, EIO, "%zu bytes short at %" PRIu64, len - done,
				      off + done);
			goto out;
		}
		done += (size_t)n;
	}
	ret = (int64_t)done;
out:
	if (na)
		ntfs_attr_close(na);
	return ret;
}

static int64_t nt_pread(struct ovk_gfs *gfs, const struct ovk_gfs_file *f, uint64_t off,
			  void *buf, size_t len, struct ovk_error *err)
{
	struct nt_fs *fs = (struct nt_fs *)gfs;
	ntfs_inode *ni = nt_open_ino(fs, f->ino, err);
	uint32_t tag = 0;
	int64_t ret = -1;

	if (!ni || nt_reparse(fs, ni, &tag, NULL, NULL, err) < 0)
		goto out;
	if (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) {
		ovk_error_set(err, EISDIR, "a directory");
		goto out;
	}
	if (tag) {
		ovk_error_set(err, ENOTSUP, "%s (tag %08" PRIx32 "): its content is not its "
			      "$DATA", nt_tag_name(tag), tag);
		goto out;
	}
	ret = nt_pread_attr(fs, ni, off, buf, len, err);
out:
	if (ni)
		ntfs_inode_close(ni);
	if (ret < 0)
		ovk_error_prefix(err, "ntfs on %s: MFT record %" PRIu64, ovk_gdisk_name(gfs->disk),
				 (uint64_t)MREF(f->ino));
	return ret;
}

struct nt_list {
	int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type);
	void *opaque;
};

static int nt_list_entry(struct nt_scan *s, const ntfschar *name, int len, int name_type,
			   MFT_REF mref, unsigned dt_type)
{
	struct nt_list *l = s->opaque;
	char nm[4 * GFS_MAX_NAME + 1];
	enum ovk_gfs_type type = OVK_GFS_OTHER;
	struct ovk_gfs_file f;
	int r;

	if (name_type == FILE_NAME_DOS)
		return 0;
	ovk_utf16le_to_utf8((const uint8_t *)name, (size_t)len, nm, sizeof nm);
	if (!nm[0] || strchr(nm, '/'))
		return 0;               /* no name Windows could have made */
	if (dt_type == NTFS_DT_DIR)
		type = OVK_GFS_DIR;
	else if (dt_type == NTFS_DT_REG)
		type = OVK_GFS_REG;
	if (dt_type == NTFS_DT_REPARSE || dt_type == NTFS_DT_LNK) {
		if (nt_file_of(s->fs, mref, &f, s->err) < 0)
			return -1;
		type = f.type;
	}
	if ((r = l->fn(l->opaque, nm, type)) < 0)
		return ovk_error_set(s->err, ECANCELED, "stopped by the caller at \"%s\"", nm);
	return r > 0 ? 1 : 0;
}

static int nt_readdir_op(struct ovk_gfs *gfs, const struct ovk_gfs_file *dir,
			   int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
			   void *opaque, struct ovk_error *err)
{
	struct nt_list l = { fn, opaque };
	struct nt_scan s = { .fn = nt_list_entry, .opaque = &l };

	if (nt_scan((struct nt_fs *)gfs, dir->ino, &s, err) < 0)
		return ovk_error_prefix(err, "ntfs on %s", ovk_gdisk_name(gfs->disk));
	return 0;
}

/* ---------------------------------------------------------- volume */

struct nt_boot {
	uint16_t bytes_per_sector;
	uint8_t sectors_per_cluster;
	uint64_t total_sectors, serial;
	int oem_ok;
};

static int nt_boot_read(struct ovk_gdisk *disk, struct nt_boot *bs, struct ovk_error *err)
{
	uint8_t b[NTFS_BOOT_SIZE];
	uint64_t bytes;

	if (ovk_gdisk_size(disk) < sizeof b)
		return ovk_error_set(err, EINVAL, "too small for an NTFS boot sector");
	if (ovk_gdisk_pread(disk, 0, b, sizeof b, err) < 0)
		return -1;
	bs->oem_ok = memcmp(b + 3, "NTFS    ", 8) == 0;
	bs->bytes_per_sector = le16_load(b + 0x0b);
	bs->sectors_per_cluster = b[0x0d];
	bs->total_sectors = le64_load(b + 0x28);
	bs->serial = le64_load(b + 0x48);
	if (!bs->oem_ok)
		return ovk_error_set(err, EINVAL, "no NTFS boot sector");
	if (bs->bytes_per_sector < 256 || bs->bytes_per_sector > 4096 ||
	    !ovk_is_pow2(bs->bytes_per_sector) || bs->sectors_per_cluster == 0)
		return ovk_error_set(err, EINVAL, "sector size %u, %u sectors per cluster",
				     bs->bytes_per_sector, bs->sectors_per_cluster);
	if (ovk_mul_overflow(bs->total_sectors, (uint64_t)bs->bytes_per_sector, &bytes) ||
	    bytes > ovk_gdisk_size(disk))
		return ovk_error_set(err, ERANGE, "%" PRIu64 " sectors: beyond the device",
				     bs->total_sectors);
	return 0;
}

static int nt_probe(struct ovk_gdisk *disk)
{
	struct nt_boot bs;

	return nt_boot_read(disk, &bs, NULL) == 0;
}

static void nt_close(struct ovk_gfs *gfs)
{
	struct nt_fs *fs = (struct nt_fs *)gfs;

	if (!fs)
		return;
	if (fs->vol)
		ntfs_umount(fs->vol, FALSE);   /* frees the device too */
	ovk_gdisk_free(gfs->disk);
	free(fs->io);
	free(fs);
}

/* Whether $LogFile is clean: read-only, as ntfs_volume_check_logfile()
 * does it for a read-write mount. */
static int nt_log_clean(ntfs_volume *vol)
{
	ntfs_inode *ni = ntfs_inode_open(vol, FILE_LogFile);
	ntfs_attr *na = ni ? ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0) : NULL;
	RESTART_PAGE_HEADER *rp = NULL;
	int clean = 0;

	if (na && ntfs_check_logfile(na, &rp) && ntfs_is_logfile_clean(na, rp))
		clean = 1;
	free(rp);
	if (na)
		ntfs_attr_close(na);
	if (ni)
		ntfs_inode_close(ni);
	return clean;
}

/* The facts of ntfs.h, read once at open. */
static void nt_facts(struct nt_fs *fs, const struct nt_boot *bs)
{
	struct ovk_ntfs_state *st = &fs->state;
	struct ovk_gfs_file f;
	struct ovk_error e;
	char magic[4];

	st->serial = bs->serial;
	snprintf(st->serial_windows, sizeof st->serial_windows, "%04X-%04X",
		 (unsigned)(bs->serial >> 16 & 0xffff), (unsigned)(bs->serial & 0xffff));
	snprintf(fs->gfs.uuid, sizeof fs->gfs.uuid, "%016" PRIX64, bs->serial);
	st->dirty = !!(fs->vol->flags & VOLUME_IS_DIRTY);
	st->log_unclean = !nt_log_clean(fs->vol);
	fs->io->failed = 0;
	if (nt_lookup(&fs->gfs, "/hiberfil.sys", &f, &e) == 0 && f.type == OVK_GFS_REG &&
	    nt_pread(&fs->gfs, &f, 0, magic, sizeof magic, &e) == sizeof magic)
		st->hibernated = !memcmp(magic, "hibr", 4) || !memcmp(magic, "HIBR", 4);
	if (fs->vol->vol_name)
		snprintf(fs->gfs.label, sizeof fs->gfs.label, "%s", fs->vol->vol_name);
}

extern const struct ovk_gfs_ops ovk_gfs_ntfs;

static int nt_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err)
{
	struct nt_fs *fs = calloc(1, sizeof *fs);
	struct ntfs_device *dev = NULL;
	struct nt_boot bs;
	int ret = -1;

	*out = NULL;
	pthread_once(&nt_once, nt_init_once);
	if (!fs || !(fs->io = calloc(1, sizeof *fs->io))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (nt_boot_read(disk, &bs, err) < 0)
		goto out;
	if (ovk_gfs_attach(&fs->gfs, &ovk_gfs_ntfs, disk, err) < 0)
		goto out;
	fs->io->disk = fs->gfs.disk;
	if (!(dev = ntfs_device_alloc("gdisk", 0, &nio_ops, fs->io))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!(fs->vol = ntfs_device_mount(dev, NTFS_MNT_RDONLY))) {
		nt_error(fs, errno, err, "mount");
		goto out;
	}
	dev = NULL;               /* the volume's now */
	nt_facts(fs, &bs);
	*out = &fs->gfs;
	fs = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_prefix(err, "ntfs on %s", ovk_gdisk_name(disk));
	if (dev)
		ntfs_device_free(dev);
	nt_close(fs ? &fs->gfs : NULL);
	return ret;
}

int ovk_ntfs_state(const struct ovk_gfs *gfs, struct ovk_ntfs_state *out, struct ovk_error *err)
{
	if (!gfs || gfs->ops != &ovk_gfs_ntfs)
		return ovk_error_set(err, EINVAL, "not an NTFS volume");
	*out = ((const struct nt_fs *)gfs)->state;
	return 0;
}

const struct ovk_gfs_ops ovk_gfs_ntfs = {
	.name = "ntfs",
	.probe = nt_probe,
	.open = nt_open,
	.lookup = nt_lookup,
	.pread = nt_pread,
	.readdir = nt_readdir_op,
	.close = nt_close,
};
