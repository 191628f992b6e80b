/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gfs.c: the file systems the guest reader knows (the one place that names
 * them), probing a volume for them, and reading a whole file (see gfs.h).
 */
#include "gfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/gutil.h"

/* Each file system's ops table, from its own file. */
extern const struct ovk_gfs_ops ovk_gfs_ext, ovk_gfs_xfs, ovk_gfs_ntfs, ovk_gfs_fat;

/* FAT last: its boot sector is the least distinctive. */
static const struct ovk_gfs_ops *const filesystems[] = {
	&ovk_gfs_ext,
	&ovk_gfs_xfs,
	&ovk_gfs_ntfs,
	&ovk_gfs_fat,
	NULL,
};

int ovk_gfs_open(struct ovk_gdisk *disk, struct ovk_gfs **out, struct ovk_error *err)
{
	for (size_t i = 0; filesystems[i]; i++)
		if (filesystems[i]->probe(disk))
			return filesystems[i]->open(disk, out, err) < 0 ? -1 : 0;
	return 1;
}

void ovk_gfs_close(struct ovk_gfs *fs)
{
	if (fs)
		fs->ops->close(fs);
}

int ovk_gfs_read_file(struct ovk_gfs *fs, const char *path, size_t max, char **out,
		      size_t *len, struct ovk_error *err)
{
	struct ovk_gfs_file f;
	char *buf = NULL;
	int64_t n;
	int ret = -1;

	*out = NULL;
	*len = 0;
	if (fs->ops->lookup(fs, path, &f, err) < 0)
		goto out;
	if (f.type != OVK_GFS_REG) {
		ovk_error_set(err, EISDIR, "%s on %s: %s: not a regular file", fs->ops->name,
			      ovk_gdisk_name(fs->disk), path);
		goto out;
	}
	if (f.size > max || f.size > GFS_MAX_WHOLE_FILE) {
		ovk_error_set(err, EFBIG, "%s on %s: %s: %llu bytes, more than %zu",
			      fs->ops->name, ovk_gdisk_name(fs->disk), path,
			      (unsigned long long)f.size, max < GFS_MAX_WHOLE_FILE ? max :
			      GFS_MAX_WHOLE_FILE);
		goto out;
	}
	if (!(buf = malloc((size_t)f.size + 1))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((n = fs->ops->pread(fs, &f, 0, buf, (size_t)f.size, err)) < 0)
		goto out;
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	buf = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_printable(err);   /* the path may hold any byte */
	free(buf);
	return ret;
}
