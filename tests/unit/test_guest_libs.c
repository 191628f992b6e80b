/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_guest_libs.c: the Linux side of the guest reader's library glue,
 * judged against the real tools: ext2, ext3 and ext4 images that mke2fs -d
 * populates (no mount, no root) from a tree made here, with every file
 * read back and compared byte for byte with the tree (random data, a file
 * with holes, links absolute, relative, to a directory, dangling and in a
 * loop, a directory of 3000 names that e2fsck -D indexes), the labels and
 * UUIDs blkid prints; initramfs images that cpio and gzip/xz/zstd/lz4/
 * bzip2 make, an uncompressed early archive in front as dracut and
 * initramfs-tools put it, listed as `cpio -t` lists them; module sets from
 * modules.builtin and /lib/modules/<version>/kernel; and truncated and
 * bit-flipped images, refused or read without a crash or a hang.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit_support.h"
#include "guest_support.h"

#include "core/checked.h"
#include "guest/gfs.h"
#include "guest/initramfs.h"

#define KVER "6.1.0-13-amd64"
#define BIG_DIR_FILES 3000

static const char *const compressions[] = { "gzip -9", "xz --check=crc32", "zstd -q",
					    "lz4 -l -q", "bzip2" };
static const char *const comp_names[] = { "gzip", "xz", "zstd", "lz4", "bzip2" };
#define N_COMP (sizeof compressions / sizeof compressions[0])

/* The initramfs trees: an early one (microcode) and the main one. */
static void make_initramfs(void)
{
	const char *t = ut_tmpdir;

	ut_run("mkdir -p %s/early/kernel/x86/microcode %s/main/usr/lib/modules/" KVER
	       "/kernel/drivers/scsi %s/main/usr/lib/modules/" KVER "/kernel/drivers/message/"
	       "fusion %s/main/usr/bin %s/main/etc && cd %s && "
	       "head -c 70000 /dev/urandom >early/kernel/x86/microcode/GenuineIntel.bin && "
	       "head -c 5000 /dev/urandom >main/usr/lib/modules/" KVER "/kernel/drivers/scsi/"
	       "virtio_scsi.ko.xz && "
	       "head -c 5000 /dev/urandom >main/usr/lib/modules/" KVER "/kernel/drivers/message/"
	       "fusion/mptspi.ko && echo '#!/bin/sh' >main/init && ln -s usr/bin main/bin && "
	       "echo x >main/etc/fstab", t, t, t, t, t, t);
	/* cpio pads its archive to 512 bytes: the zeros between segments */
	ut_run("cd %s/early && find . | sort | cpio -o -H newc --quiet >%s/early.cpio && "
	       "cd %s/main && find . | sort | cpio -o -H newc --quiet >%s/main.cpio",
	       t, t, t, t);
	ut_run("cd %s && (cpio -it --quiet <early.cpio; cpio -it --quiet <main.cpio) | "
	       "sed 's|^\\./||' | grep -vx '\\.' | sort >want.list", t);
	ut_run("mkdir -p %s/ext/boot", t);
	for (size_t i = 0; i < N_COMP; i++)
		ut_run("cd %s && %s <main.cpio >main.c && cat early.cpio main.c "
		       ">ext/boot/initrd-%s", t, compressions[i], comp_names[i]);
	ut_run("cd %s && cat early.cpio early.cpio main.cpio >ext/boot/initrd-plain && "
	       "(cat early.cpio; printf '\\211LZO\\0\\r\\n\\032\\n') >ext/boot/initrd-lzo && "
	       "(cat early.cpio; echo garbage) >ext/boot/initrd-garbage && "
	       "zstd -q <main.cpio >main.c && cat early.cpio main.c >full && "
	       "head -c $(( $(stat -c %%s full) - 300 )) full >ext/boot/initrd-cut && "
	       "cp full ext/boot/initrd-flip && "
	       "printf '\\377\\377\\377\\377' | dd of=ext/boot/initrd-flip bs=1 seek=600 "
	       "conv=notrunc status=none", t);
}

/* The tree mke2fs -d copies into each image. */
static void make_tree(void)
{
	const char *t = ut_tmpdir;

	ut_run("cd %s && mkdir -p ext/etc ext/data ext/dir ext/big ext/usr/lib/modules/" KVER
	       "/kernel/drivers/ata ext/usr/lib/modules/" KVER "/kernel/drivers/scsi && "
	       "ln -s usr/lib ext/lib && "
	       "printf 'UUID=x / ext4 errors=remount-ro 0 1\\n' >ext/etc/fstab && "
	       "head -c 300001 /dev/urandom >ext/data/random.bin && "
	       "dd if=/dev/urandom of=ext/data/holes.bin bs=4096 count=3 seek=100 status=none && "
	       "truncate -s 3M ext/data/holes.bin && : >ext/data/empty && "
	       "ln -s /etc/fstab ext/abs && ln -s ../etc/fstab ext/dir/rel && "
	       "ln -s /data ext/dirlink && ln -s loop2 ext/loop1 && ln -s loop1 ext/loop2 && "
	       "ln -s /nowhere ext/dangling && "
	       "ln -s $(printf 'a%%.0s' $(seq 1 200)) ext/longlink && "
	       "for i in $(seq 1 %d); do : >ext/big/a-file-name-long-enough-to-fill-blocks-$i; "
	       "done", t, BIG_DIR_FILES);
	ut_run("cd %s/ext/usr/lib/modules/" KVER " && "
	       "printf 'kernel/drivers/ata/libata.ko\\nkernel/drivers/ata/ahci.ko\\n"
	       "kernel/drivers/block/virtio_blk.ko\\n' >modules.builtin && "
	       "head -c 100 /dev/urandom >kernel/drivers/scsi/vmw_pvscsi.ko.zst && "
	       "head -c 100 /dev/urandom >kernel/drivers/scsi/sym53c8xx.ko && "
	       "head -c 100 /dev/urandom >kernel/drivers/ata/ata-piix.ko.xz && "
	       "echo not a module >kernel/drivers/ata/README", t);
}

static int setup(void **state)
{
	(void)state;
	if (ut_scratch_setup("guest_libs", 0) < 0)
		return -1;
	if (ut_sh("(command -v mke2fs && command -v cpio && command -v zstd && command -v lz4 "
		  "&& command -v xz && command -v bzip2 && command -v blkid) >/dev/null && "
		  "command -v e2fsck >/dev/null") != 0) {
		fprintf(stderr, "mke2fs, e2fsck, blkid, cpio, zstd, lz4, xz or bzip2 missing\n");
		return -1;
	}
	make_initramfs();
	make_tree();
	for (int v = 2; v <= 4; v++) {
		ut_run("cd %s && mke2fs -q -F -t ext%d -L lab_ext%d -d ext ext%d.img 40M >/dev/null", ut_tmpdir,
		       v, v, v);
		/* -D indexes the big directory (htree) where dir_index is on */
		ut_run("cd %s && e2fsck -fyD ext%d.img >/dev/null 2>&1; [ $? -le 1 ]", ut_tmpdir, v);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

static void host(char *buf, size_t cap, const char *rel)
{
	snprintf(buf, cap, "%s/%s", ut_tmpdir, rel);
}

static void expect_error(struct ovk_gfs *fs, const char *path, int errnum)
{
	struct ovk_gfs_file f;
	struct ovk_error err = { 0 };

	assert_int_equal(fs->ops->lookup(fs, path, &f, &err), -1);
	if (err.errnum != errnum)
		fail_msg("%s: errno %d, want %d (%s)", path, err.errnum, errnum, err.msg);
	assert_non_null(strstr(err.msg, path));   /* errors name the path */
}

struct names {
	unsigned n;
	unsigned char seen[BIG_DIR_FILES + 1];
	int others;
};

static int count_name(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct names *c = opaque;
	unsigned i;

	if (type == OVK_GFS_REG &&
	    sscanf(name, "a-file-name-long-enough-to-fill-blocks-%u", &i) == 1 &&
	    i >= 1 && i <= BIG_DIR_FILES && !c->seen[i]) {
		c->seen[i] = 1;
		c->n++;
	} else {
		c->others++;
	}
	return 0;
}

static void check_reads(struct ovk_gfs *fs)
{
	char h[8192], buf[1000];
	struct ovk_gfs_file f;
	struct ovk_error err = { 0 };
	size_t len;
	uint8_t *want;

	host(h, sizeof h, "ext/etc/fstab");
	gs_same(fs, "/etc/fstab", h);
	gs_same(fs, "/abs", h);                /* absolute link */
	gs_same(fs, "/dir/rel", h);            /* relative link */
	gs_same(fs, "/dir/../etc/./fstab", h);
	gs_same(fs, "/../../etc/fstab", h);     /* never above the root */
	host(h, sizeof h, "ext/data/random.bin");
	gs_same(fs, "/data/random.bin", h);
	gs_same(fs, "/dirlink/random.bin", h);  /* a link to a directory */
	host(h, sizeof h, "ext/data/holes.bin");
	gs_same(fs, "/data/holes.bin", h);
	host(h, sizeof h, "ext/data/empty");
	gs_same(fs, "/data/empty", h);
	/* pread at odd places, and past the end */
	host(h, sizeof h, "ext/data/random.bin");
	want = gs_slurp(h, &len);
	assert_int_equal(fs->ops->lookup(fs, "/data/random.bin", &f, &err), 0);
	assert_int_equal(f.size, len);
	for (uint64_t off = 1; off < len; off = off * 3 + 4093) {
		int64_t n = fs->ops->pread(fs, &f, off, buf, sizeof buf, &err);

		assert_int_equal(n, (int64_t)ovk_min_u64(sizeof buf, len - off));
		assert_memory_equal(buf, want + off, (size_t)n);
	}
	assert_int_equal(fs->ops->pread(fs, &f, len, buf, sizeof buf, &err), 0);
	free(want);
	expect_error(fs, "/loop1", ELOOP);
	expect_error(fs, "/dangling", ENOENT);
	expect_error(fs, "/etc/fstab/x", ENOTDIR);
	expect_error(fs, "/data/missing", ENOENT);
	expect_error(fs, "/longlink", ENOENT);
}

static void test_ext(void **state)
{
	char img[8192], want[256], label[64];
	struct names c;

	(void)state;
	for (int v = 2; v <= 4; v++) {
		struct ovk_gfs_file dir;
		struct ovk_error err = { 0 };
		struct ovk_gfs *fs;

		snprintf(img, sizeof img, "%s/ext%d.img", ut_tmpdir, v);
		fs = gs_open(img, "ext4");
		check_reads(fs);
		memset(&c, 0, sizeof c);
		assert_int_equal(fs->ops->lookup(fs, "/big", &dir, &err), 0);
		assert_int_equal(dir.type, OVK_GFS_DIR);
		assert_int_equal(fs->ops->readdir(fs, &dir, count_name, &c, &err), 0);
		assert_int_equal(c.n, BIG_DIR_FILES);
		assert_int_equal(c.others, 0);
		gs_blkid(img, "UUID", want, sizeof want);
		assert_string_equal(fs->uuid, want);
		snprintf(label, sizeof label, "lab_ext%d", v);
		assert_string_equal(fs->label, label);
		ovk_gfs_close(fs);
	}
	/* the htree really is there on ext4 */
	ut_run("debugfs -R 'htree /big' %s/ext4.img 2>/dev/null | grep -q 'Root node dump'",
	       ut_tmpdir);
}

static struct ovk_initramfs *list_initrd(struct ovk_gfs *fs, const char *name, int *r,
					 struct ovk_error *err)
{
	struct ovk_initramfs *ir = NULL;
	struct ovk_gfs_file f;
	char path[256];

	snprintf(path, sizeof path, "/boot/initrd-%s", name);
	if ((*r = fs->ops->lookup(fs, path, &f, err)) == 0)
		*r = ovk_initramfs_list(fs, &f, path, &ir, err);
	return ir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ir's paths must be want.list (sorted), each once per archive it is in. */
static void check_listing(struct ovk_initramfs *ir, unsigned early_copies)
{
	char h[8192], line[4096];
	size_t k = 0, n_want = 0;
	FILE *f;

	qsort(ir->paths, ir->n, sizeof *ir->paths, cmp_str);
	host(h, sizeof h, "want.list");
	assert_non_null(f = fopen(h, "r"));
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		n_want++;
		assert_true(k < ir->n);
		assert_string_equal(ir->paths[k], line);
		k++;
		/* an early archive repeated: its names come again */
		for (unsigned i = 1; i < early_copies && strncmp(line, "kernel", 6) == 0; i++)
			assert_string_equal(ir->paths[k++], line);
	}
	fclose(f);
	assert_int_equal(k, ir->n);
	assert_true(n_want > 10);
}

static void test_initramfs(void **state)
{
	static const char *const mods[] = { "virtio_scsi", "virtio-scsi", "mptspi", "sym53c8xx",
					    "ahci" };
	struct ovk_error err = { 0 };
	struct ovk_initramfs *ir;
	struct ovk_gfs *fs;
	char img[8192];
	int found[5], r;

	(void)state;
	snprintf(img, sizeof img, "%s/ext4.img", ut_tmpdir);
	fs = gs_open(img, "ext4");
	for (size_t i = 0; i < N_COMP; i++) {
		if (!(ir = list_initrd(fs, comp_names[i], &r, &err)))
			fail_msg("%s: %s", comp_names[i], err.msg);
		assert_int_equal(ir->segments, 2);
		assert_string_equal(ir->compression, comp_names[i]);
		check_listing(ir, 1);
		assert_int_equal(ovk_initramfs_has_modules(ir, mods, 5, found, &err), 0);
		assert_true(found[0] && found[1] && found[2] && !found[3] && !found[4]);
		ovk_initramfs_free(ir);
	}
	assert_non_null(ir = list_initrd(fs, "plain", &r, &err));
	assert_int_equal(ir->segments, 3);
	check_listing(ir, 2);
	ovk_initramfs_free(ir);
	/* refused, by name */
	assert_null(list_initrd(fs, "lzo", &r, &err));
	assert_int_equal(err.errnum, ENOTSUP);
	assert_non_null(strstr(err.msg, "lzo"));
	assert_null(list_initrd(fs, "garbage", &r, &err));
	assert_int_equal(err.errnum, EINVAL);
	assert_null(list_initrd(fs, "cut", &r, &err));
	assert_non_null(strstr(err.msg, "/boot/initrd-cut"));
	ovk_initramfs_free(list_initrd(fs, "flip", &r, &err));   /* no crash */
	ovk_gfs_close(fs);
}

static void test_kmod(void **state)
{
	struct ovk_kmod_set *bi = NULL, *inst = NULL;
	struct ovk_error err = { 0 };
	struct ovk_gfs *fs;
	char img[8192], name[64];

	(void)state;
	assert_int_equal(ovk_kmod_name("a/b/ata-piix.ko.xz", name, sizeof name), 1);
	assert_string_equal(name, "ata_piix");
	assert_int_equal(ovk_kmod_name("a/b/README", name, sizeof name), 0);
	assert_int_equal(ovk_kmod_name("x.ko.bz2", name, sizeof name), 0);
	snprintf(img, sizeof img, "%s/ext4.img", ut_tmpdir);
	fs = gs_open(img, "ext4");
	/* /lib is a link to usr/lib, as on a merged-/usr system */
	if (ovk_kmod_builtin(fs, KVER, &bi, &err) < 0 || ovk_kmod_installed(fs, KVER, &inst, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(bi->n, 3);
	assert_true(ovk_kmod_has(bi, "ahci") && ovk_kmod_has(bi, "virtio-blk") &&
		    !ovk_kmod_has(bi, "mptspi"));
	assert_int_equal(inst->n, 3);
	assert_true(ovk_kmod_has(inst, "vmw_pvscsi") && ovk_kmod_has(inst, "ata_piix") &&
		    ovk_kmod_has(inst, "sym53c8xx") && !ovk_kmod_has(inst, "README"));
	ovk_kmod_set_free(bi);
	ovk_kmod_set_free(inst);
	assert_int_equal(ovk_kmod_builtin(fs, "../..", &bi, &err), -1);
	assert_int_equal(ovk_kmod_installed(fs, "9.9.9", &inst, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	ovk_gfs_close(fs);
}

/* Open, read a file, list a directory: any outcome but a crash or hang. */
static void poke(const char *img)
{
	struct ovk_gdisk *d = gs_disk(img);
	struct ovk_error err;
	struct ovk_gfs *fs = NULL;
	struct ovk_gfs_file f;
	struct names c = { 0 };
	char *buf;
	size_t len;

	if (ovk_gfs_open(d, &fs, &err) == 0) {
		if (ovk_gfs_read_file(fs, "/etc/fstab", 1 << 20, &buf, &len, &err) == 0)
			free(buf);
		if (ovk_gfs_read_file(fs, "/data/random.bin", 1 << 20, &buf, &len, &err) == 0)
			free(buf);
		if (fs->ops->lookup(fs, "/big", &f, &err) == 0)
			fs->ops->readdir(fs, &f, count_name, &c, &err);
		ovk_gfs_close(fs);
	}
	ovk_gdisk_free(d);
}

static void test_ext_hostile(void **state)
{
	char src[8192], dst[8192];

	(void)state;
	snprintf(src, sizeof src, "%s/ext4.img", ut_tmpdir);
	snprintf(dst, sizeof dst, "%s/bad.img", ut_tmpdir);
	/* truncated: the superblock says more than the device has */
	for (size_t cut = 0; cut <= (8u << 20); cut = cut ? cut * 2 : 1024)
		gs_refuse_cut(src, dst, cut);
	/* bit flips in the metadata at the start of the volume */
	for (uint32_t seed = 1; seed <= 40; seed++) {
		gs_damage(src, dst, SIZE_MAX, 1 + seed % 20, 2u << 20, seed);
		poke(dst);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext),
		cmocka_unit_test(test_initramfs),
		cmocka_unit_test(test_kmod),
		cmocka_unit_test(test_ext_hostile),
	};

	ut_private_mounts();
	return cmocka_run_group_tests(tests, setup, teardown);
}
