/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest_support.h: what the guest library tests share: a gdisk over a
 * local image file, a file system opened on one, a whole file compared
 * with the bytes on the host, and hostile copies of an image (truncated,
 * bit-flipped) for the refusal tests.  Header-only, after cmocka.h and
 * unit_support.h.
 */
#ifndef OVK_GUEST_SUPPORT_H
#define OVK_GUEST_SUPPORT_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/gdisk.h"
#include "guest/gfs.h"

static int gs_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	int fd = (int)(intptr_t)opaque;

	while (len > 0) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n <= 0)
			return ovk_error_set(err, n < 0 ? errno : EIO, "short read at %llu",
					     (unsigned long long)off);
		buf = (char *)buf + n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void gs_close(void *opaque)
{
	close((int)(intptr_t)opaque);
}

/* A gdisk over the file at path. */
static struct ovk_gdisk *gs_disk(const char *path) __attribute__((unused));
static struct ovk_gdisk *gs_disk(const char *path)
{
	struct ovk_gdisk *d = NULL;
	struct ovk_error err;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ovk_gdisk_new(path, (uint64_t)st.st_size, gs_read, (void *)(intptr_t)fd,
				       gs_close, &d, &err), 0);
	return d;
}

/* The file system on the image at path, which must be `type`. */
static struct ovk_gfs *gs_open(const char *path, const char *type) __attribute__((unused));
static struct ovk_gfs *gs_open(const char *path, const char *type)
{
	struct ovk_gdisk *d = gs_disk(path);
	struct ovk_gfs *fs = NULL;
	struct ovk_error err = { 0 };
	int r = ovk_gfs_open(d, &fs, &err);

	ovk_gdisk_free(d);
	if (r != 0)
		fail_msg("%s: %s", path, r < 0 ? err.msg : "no file system found");
	assert_string_equal(fs->ops->name, type);
	return fs;
}

/* The host file at path, whole. */
static uint8_t *gs_slurp(const char *path, size_t *len) __attribute__((unused));
static uint8_t *gs_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The guest file gpath must hold exactly the bytes of host file hpath. */
static void gs_same(struct ovk_gfs *fs, const char *gpath, const char *hpath)
	__attribute__((unused));
static void gs_same(struct ovk_gfs *fs, const char *gpath, const char *hpath)
{
	struct ovk_error err = { 0 };
	size_t hlen, glen;
	uint8_t *want = gs_slurp(hpath, &hlen);
	char *got = NULL;

	if (ovk_gfs_read_file(fs, gpath, GFS_MAX_WHOLE_FILE, &got, &glen, &err) != 0)
		fail_msg("%s: %s", gpath, err.msg);
	assert_int_equal(glen, hlen);
	assert_memory_equal(got, want, hlen);
	free(got);
	free(want);
}

/* blkid's value of `tag` ("UUID", "LABEL") for the image at path. */
static void gs_blkid(const char *path, const char *tag, char *out, size_t cap)
	__attribute__((unused));
static void gs_blkid(const char *path, const char *tag, char *out, size_t cap)
{
	char cmd[8192 + 64];
	FILE *p;

	snprintf(cmd, sizeof cmd, "blkid -o value -s %s '%s'", tag, path);
	assert_non_null(p = popen(cmd, "r"));
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

/* A copy of src at dst, cut to len bytes, then with `flips` random bits
 * flipped in [0, span) (seeded: the same copy every run). */
static void gs_damage(const char *src, const char *dst, size_t len, unsigned flips, size_t span,
		      uint32_t seed) __attribute__((unused));
static void gs_damage(const char *src, const char *dst, size_t len, unsigned flips, size_t span,
		      uint32_t seed)
{
	size_t n;
	uint8_t *b = gs_slurp(src, &n);
	FILE *f;

	if (len > n)
		len = n;
	if (span > len)
		span = len;
	for (unsigned i = 0; i < flips && span; i++) {
		seed = seed * 1103515245u + 12345u;
		b[(seed >> 4) % span] ^= (uint8_t)(1u << (seed >> 28 & 7));
	}
	assert_non_null(f = fopen(dst, "wb"));
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	free(b);
}

/* The image at src cut to `cut` bytes (copied to dst) must be refused. */
static void gs_refuse_cut(const char *src, const char *dst, size_t cut) __attribute__((unused));
static void gs_refuse_cut(const char *src, const char *dst, size_t cut)
{
	struct ovk_gfs *fs = NULL;
	struct ovk_gdisk *d;
	struct ovk_error err;

	gs_damage(src, dst, cut, 0, 0, 1);
	d = gs_disk(dst);
	if (ovk_gfs_open(d, &fs, &err) == 0)
		fail_msg("%s cut to %zu bytes: opened", src, cut);
	ovk_gdisk_free(d);
}

#endif
