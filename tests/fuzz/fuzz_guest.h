/*
 * fuzz_guest.h: what the file system fuzz targets share: a gdisk whose
 * first bytes are the input and the rest zeros, up to a size of the
 * target's choosing (so a seed can be an image cut after its last
 * non-zero byte), and a bounded walk of a few paths and directories
 * through the gfs ops.  Besides not crashing, every answer must keep the
 * gfs contract: a read returns at most what was asked, a file's size is
 * what a whole read returns, and a listing calls back only with
 * NUL-terminated names of at most GFS_MAX_NAME bytes without '/'.
 */
#ifndef OVK_FUZZ_GUEST_H
#define OVK_FUZZ_GUEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/gdisk.h"
#include "guest/gfs.h"

/* Entries looked at per directory, and bytes read per file: enough to
 * reach every structure a seed holds, little enough to stay fast. */
#define FUZZ_MAX_ENTRIES 200
#define FUZZ_MAX_READ ((size_t)1 << 20)

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

static int fuzz_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	const struct fuzz_input *in = opaque;
	size_t have = off < in->size ? (size_t)(in->size - off) : 0;

	(void)err;
	if (have > len)
		have = len;
	if (have)
		memcpy(buf, in->data + off, have);
	memset((uint8_t *)buf + have, 0, len - have);
	return 0;
}

struct fuzz_dir {
	unsigned n;
	char names[4][GFS_MAX_NAME + 2];
};

static int fuzz_entry(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct fuzz_dir *d = opaque;
	size_t len = strnlen(name, GFS_MAX_NAME + 1);

	if (len == 0 || len > GFS_MAX_NAME || strchr(name, '/'))
		abort();
	if (type == OVK_GFS_DIR && d->n < 4)
		memcpy(d->names[d->n], name, len + 1);
	d->n += type == OVK_GFS_DIR;
	return d->n >= FUZZ_MAX_ENTRIES ? 1 : 0;
}

static void fuzz_file(struct ovk_gfs *fs, const char *path, uint8_t *buf)
{
	struct ovk_gfs_file f;
	struct ovk_error err;
	int64_t n;

	if (fs->ops->lookup(fs, path, &f, &err) < 0)
		return;
	if (f.type == OVK_GFS_DIR) {
		struct fuzz_dir d = { 0 };
		char sub[GFS_MAX_PATH];

		if (fs->ops->readdir(fs, &f, fuzz_entry, &d, &err) < 0)
			return;
		for (unsigned i = 0; i < d.n && i < 4 && strlen(path) < 256; i++) {
			snprintf(sub, sizeof sub, "%s/%s", strcmp(path, "/") ? path : "", d.names[i]);
			if (fs->ops->lookup(fs, sub, &f, &err) == 0 && f.type == OVK_GFS_DIR)
				fs->ops->readdir(fs, &f, fuzz_entry, &(struct fuzz_dir){ 0 }, &err);
		}
		return;
	}
	if (f.type != OVK_GFS_REG)
		return;
	n = fs->ops->pread(fs, &f, 0, buf, FUZZ_MAX_READ, &err);
	if (n > (int64_t)FUZZ_MAX_READ || (n >= 0 && f.size <= FUZZ_MAX_READ && (uint64_t)n != f.size))
		abort();
	if (f.size > 3)
		fs->ops->pread(fs, &f, f.size - 3, buf, 100, &err);
}

/* Open data (padded to disk_size) with ops, and walk it. */
static void fuzz_gfs(const struct ovk_gfs_ops *ops, const uint8_t *data, size_t size,
		     uint64_t disk_size, const char *const *paths)
{
	struct fuzz_input in = { data, size };
	struct ovk_gdisk *disk = NULL;
	struct ovk_gfs *fs = NULL;
	struct ovk_error err;
	uint8_t *buf;

	if (size > disk_size || ovk_gdisk_new("fuzz", disk_size, fuzz_read, &in, NULL, &disk,
					      &err) < 0)
		return;
	if (ops->probe(disk) && ops->open(disk, &fs, &err) == 0 && (buf = malloc(FUZZ_MAX_READ))) {
		for (size_t i = 0; paths[i]; i++)
			fuzz_file(fs, paths[i], buf);
		free(buf);
	}
	ovk_gfs_close(fs);
	ovk_gdisk_free(disk);
}

#endif
