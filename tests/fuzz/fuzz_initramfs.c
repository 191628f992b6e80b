/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_initramfs.c: libFuzzer target for the initramfs lister (src/guest/
 * initramfs.c over libarchive) and the module names drawn from it
 * (src/guest/kmod.c): segments of cpio one after another, zero padding,
 * compression magics, each decompressor libarchive has built in.
 *
 * Input: the bytes of an initramfs, read as a file of a file system that
 * holds nothing else.  Besides not crashing, a listing must keep its
 * bounds: at most OVK_INITRAMFS_MAX_FILES names of at most GFS_MAX_PATH
 * bytes, none starting with '/'.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/initramfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem_fs {
	struct ovk_gfs gfs;
	const uint8_t *data;
	size_t size;
};

static int64_t mem_pread(struct ovk_gfs *gfs, const struct ovk_gfs_file *f, uint64_t off,
			 void *buf, size_t len, struct ovk_error *err)
{
	const struct mem_fs *m = (const struct mem_fs *)gfs;

	(void)f, (void)err;
	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = (size_t)(m->size - off);
	memcpy(buf, m->data + off, len);
	return (int64_t)len;
}

static const struct ovk_gfs_ops mem_ops = { .name = "mem", .pread = mem_pread };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const mods[] = { "virtio_scsi", "mptspi", "ahci" };
	struct mem_fs m = { .gfs = { .ops = &mem_ops }, .data = data, .size = size };
	struct ovk_gfs_file f = { .type = OVK_GFS_REG, .size = size };
	struct ovk_initramfs *ir;
	struct ovk_error err;
	int found[3];

	if (ovk_initramfs_list(&m.gfs, &f, "fuzz", &ir, &err) < 0)
		return 0;
	if (ir->n > OVK_INITRAMFS_MAX_FILES)
		abort();
	for (size_t i = 0; i < ir->n; i++)
		if (ir->paths[i][0] == '/' || strlen(ir->paths[i]) > GFS_MAX_PATH)
			abort();
	ovk_initramfs_has_modules(ir, mods, 3, found, &err);
	ovk_initramfs_free(ir);
	return 0;
}
