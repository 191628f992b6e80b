/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_image.c: random access to a converted disk (engine/image.c, the
 * formats' pread, core's ranged blobs and src/guest/gdisk.c), judged
 * against the raw disk qemu-img made each image from: qcow2 in every shape
 * qemu-img writes (compressed with zlib and zstd, extended L2, v2, 512 B
 * and 2 MiB clusters, zero clusters) and raw, read from a file and from a
 * ranged blob, VMDK in each subformat qemu-img writes (an appliance's disk
 * read in place, for --print-xml), and VHD, VHDX and VDI (from a ranged
 * blob only where the format needs no mapping), at random offsets and
 * lengths, across cluster, grain and block boundaries.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_support.h"

#include "core/blob.h"
#include "core/error.h"
#include "engine/engine.h"
#include "guest/gdisk.h"

#define DISK_SIZE ((size_t)(6 << 20) + 4096 + 512)

static void path_of(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", ut_tmpdir, name);
}

/* A disk with data, zero runs and holes, compressible and not. */
static uint8_t *make_raw(const char *path)
{
	uint8_t *d = calloc(1, DISK_SIZE);
	uint32_t x = 12345;
	FILE *f;

	assert_non_null(d);
	/* [1 MiB, +64 KiB) stays zero: the images mark it with qcow2's zero
	 * flag (test_image_pread) */
	for (size_t i = 0; i < DISK_SIZE; i++) {
		if (i >= (1 << 20) && i < (1 << 20) + (64 << 10))
			continue;
		x = x * 1103515245u + 12345u;
		if ((i >> 16) % 3 == 1)
			d[i] = (uint8_t)(x >> 24);          /* random */
		else if ((i >> 16) % 3 == 2 && (i >> 18) % 2)
			d[i] = (uint8_t)("ovakit "[i % 7]); /* text */
	}
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(d, 1, DISK_SIZE, f), DISK_SIZE);
	fclose(f);
	return d;
}

struct file_range {
	int fd;
};

static int file_pread(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	struct file_range *r = opaque;

	if (pread(r->fd, buf, len, (off_t)off) != (ssize_t)len)
		return ovk_error_sys(err, errno, "range read at %llu", (unsigned long long)off);
	return 0;
}

static void file_close(void *opaque)
{
	struct file_range *r = opaque;

	close(r->fd);
	free(r);
}

/* The image at path, opened from a file or (ranged) through a callback. */
static struct ovk_image *open_image(const char *path, int ranged)
{
	struct ovk_error err = { 0 };
	struct ovk_image *img = NULL;
	struct ovk_blob *b = NULL;

	if (!ranged) {
		assert_int_equal(ovk_blob_open_file(path, &b, &err), 0);
	} else {
		struct file_range *r = malloc(sizeof *r);
		off_t size;

		assert_non_null(r);
		assert_true((r->fd = open(path, O_RDONLY)) >= 0);
		size = lseek(r->fd, 0, SEEK_END);
		assert_int_equal(ovk_blob_ranged(path, path, (uint64_t)size, file_pread, r,
						 file_close, &b, &err), 0);
	}
	if (ovk_image_open(b, NULL, NULL, &img, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(ovk_image_size(img), DISK_SIZE);
	return img;
}

static void check_reads(struct ovk_image *img, const uint8_t *want)
{
	struct ovk_error err = { 0 };
	uint8_t *buf = malloc(1 << 20);
	uint32_t x = 777;

	assert_non_null(buf);
	for (int i = 0; i < 300; i++) {
		uint64_t off, len;

		x = x * 1103515245u + 12345u;
		off = x % DISK_SIZE;
		x = x * 1103515245u + 12345u;
		len = (x % 4 == 0 ? x % (1 << 20) : x % 70000) + 1;
		if (off + len > DISK_SIZE)
			len = DISK_SIZE - off;
		if (ovk_image_pread(img, off, buf, (size_t)len, &err) < 0)
			fail_msg("read %llu+%llu: %s", (unsigned long long)off,
				 (unsigned long long)len, err.msg);
		if (memcmp(buf, want + off, len) != 0)
			fail_msg("read %llu+%llu: other bytes", (unsigned long long)off,
				 (unsigned long long)len);
	}
	/* the whole disk in one go, and a read past the end refused */
	free(buf);
	assert_non_null(buf = malloc(DISK_SIZE));
	assert_int_equal(ovk_image_pread(img, 0, buf, DISK_SIZE, &err), 0);
	assert_memory_equal(buf, want, DISK_SIZE);
	assert_int_equal(ovk_image_pread(img, DISK_SIZE - 10, buf, 11, &err), -1);
	assert_int_equal(err.errnum, ERANGE);
	free(buf);
}

static void test_image_pread(void **state)
{
	static const char *const shapes[] = {
		"-O qcow2",
		"-O qcow2 -c",
		"-O qcow2 -c -o compression_type=zstd",
		"-O qcow2 -o extended_l2=on,cluster_size=64k",
		"-O qcow2 -c -o extended_l2=on,cluster_size=32k",
		"-O qcow2 -o compat=0.10",
		"-O qcow2 -o cluster_size=512",
		"-O qcow2 -c -o cluster_size=2M",
		"-O raw",
		/* VMDK: from files (its sparse extents are read from their
		 * mapping), the extent files found beside the descriptor */
		"-O vmdk",
		"-O vmdk -o subformat=streamOptimized",
		"-O vmdk -o subformat=twoGbMaxExtentSparse",
		"-O vmdk -o subformat=monolithicFlat",
		"-O vmdk -o subformat=twoGbMaxExtentFlat",
		/* the other readers' pread (a VHD keeps the size: force_size) */
		"-O vpc -o subformat=fixed,force_size=on",
		"-O vpc -o subformat=dynamic,force_size=on",
		"-O vhdx -o subformat=fixed",
		"-O vhdx -o subformat=dynamic,block_size=1M",
		"-O vdi -o static=on",
		"-O vdi",
	};
	char raw[4200], img[4200];
	uint8_t *want;

	(void)state;
	path_of(raw, sizeof raw, "disk.raw");
	path_of(img, sizeof img, "disk.img");
	want = make_raw(raw);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		ut_run("qemu-img convert -f raw %s '%s' '%s'", shapes[i], raw, img);
		/* zero-flag clusters too, where the format has them (v3) */
		if (strstr(shapes[i], "qcow2") && !strstr(shapes[i], "compat=0.10"))
			ut_run("qemu-io -f qcow2 -c 'write -z 1M 64k' '%s' >/dev/null", img);
		/* VMDK, VHDX, VDI and dynamic VHD read their maps from a
		 * mapping: from files only */
		int maps = strstr(shapes[i], "vmdk") || strstr(shapes[i], "vhdx") ||
			   strstr(shapes[i], "vdi") || strstr(shapes[i], "dynamic");

		for (int ranged = 0; ranged < 2 - maps; ranged++) {
			struct ovk_image *im = open_image(img, ranged);

			check_reads(im, want);
			ovk_image_close(im);
		}
	}
	free(want);
}

/* A gdisk over an image: windows and a concatenation read the right bytes
 * through the cache, and refuse what leaves them. */
static int image_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	return ovk_image_pread(opaque, off, buf, len, err);
}

static void test_gdisk_views(void **state)
{
	struct ovk_error err = { 0 };
	char raw[4200], img[4200];
	struct ovk_gdisk *disk, *w1, *w2, *lv;
	struct ovk_image *im;
	uint8_t *want, *buf;
	const uint64_t off[2] = { 4096, 1 << 20 }, len[2] = { 5000, 3 << 20 };

	(void)state;
	path_of(raw, sizeof raw, "views.raw");
	path_of(img, sizeof img, "views.qcow2");
	want = make_raw(raw);
	ut_run("qemu-img convert -f raw -O qcow2 -c '%s' '%s'", raw, img);
	im = open_image(img, 0);
	assert_int_equal(ovk_gdisk_new("disk", ovk_image_size(im), image_read, im, NULL, &disk,
				       &err), 0);
	assert_int_equal(ovk_gdisk_window(disk, 512, DISK_SIZE - 1024, "p1", &w1, &err), 0);
	assert_int_equal(ovk_gdisk_window(w1, 1000, 1 << 20, "p1.1", &w2, &err), 0);
	assert_int_equal(ovk_gdisk_window(w1, 1, DISK_SIZE, "too big", &lv, &err), -1);
	{
		struct ovk_gdisk *bases[2] = { w1, disk };

		assert_int_equal(ovk_gdisk_concat(bases, off, len, 2, "lv", &lv, &err), 0);
	}
	assert_int_equal(ovk_gdisk_size(lv), 5000 + (3 << 20));
	assert_non_null(buf = malloc(4 << 20));
	/* small reads (cached), twice; a large one (direct) */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(ovk_gdisk_pread(w2, 100, buf, 70000, &err), 0);
		assert_memory_equal(buf, want + 512 + 1000 + 100, 70000);
	}
	assert_int_equal(ovk_gdisk_pread(lv, 4000, buf, 2 << 20, &err), 0);
	assert_memory_equal(buf, want + 512 + 4096 + 4000, 1000);
	assert_memory_equal(buf + 1000, want + (1 << 20), (2 << 20) - 1000);
	assert_int_equal(ovk_gdisk_pread(lv, ovk_gdisk_size(lv) - 1, buf, 2, &err), -1);
	ovk_gdisk_free(lv);
	ovk_gdisk_free(w2);
	ovk_gdisk_free(w1);
	ovk_gdisk_free(disk);
	ovk_image_close(im);
	free(buf);
	free(want);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_image", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_pread),
		cmocka_unit_test(test_gdisk_views),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
