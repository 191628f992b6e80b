/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_guest_parse.c: the guest reader's parsers (src/guest: part.c, lvm*.c,
 * fs_xfs.c, xfs_dir.c, fs_fat.c) against images the real tools build at
 * test time, never against a writer of ours:
 *   - sfdisk: MBR with an extended partition and logical ones, GPT (and
 *     its backup, once the primary is wiped), compared with sfdisk --dump;
 *   - mkfs.vfat + mtools (FAT12, 16, 32): the tree of guest_tree.py with
 *     long names and nested directories, compared file by file and
 *     directory by directory, label and serial with the ones given;
 *   - mkfs.xfs -p (v5 and v4): the same tree with symbolic links, and
 *     directories big enough for the block, leaf and node forms (checked
 *     with xfs_db); as root, a loop-mounted file written in 600 pieces
 *     with holes and an unwritten range, for bmbt btrees;
 *   - LVM2 on loop devices, as root: a linear LV with two segments across
 *     two PVs, a striped LV and (where device-mapper is there) a thin pool,
 *     which must be named, not read; every sector of the linear LVs is
 *     checked against the PE ranges lvs reports.
 * Truncated and bit-flipped copies of each image must fail cleanly (a
 * one-line message) or read, never crash (the ASan build runs this too).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_support.h"

#include "../fuzz/guest_walk.h"
#include "core/error.h"
#include "guest/gdisk.h"
#include "guest/gfs.h"
#include "guest/lvm.h"
#include "guest/part.h"

/* The reference tree: a fresh one per test executable. */
#define PATHBUF 4200
static char tree[PATHBUF], fat_tree[PATHBUF];

static const char *src_dir(void)
{
	const char *s = getenv("OVK_SRC");

	return s ? s : ".";
}

static int setup(void **state)
{
	(void)state;
	if (ut_scratch_setup("guest_parse", 0) < 0)
		return -1;
	snprintf(tree, sizeof tree, "%s/tree", ut_tmpdir);
	snprintf(fat_tree, sizeof fat_tree, "%s/fattree", ut_tmpdir);
	if (ut_sh("python3 %s/tests/images/guest_tree.py tree %s && "
		  "python3 %s/tests/images/guest_tree.py tree %s --fat", src_dir(), tree,
		  src_dir(), fat_tree) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

/* ------------------------------------------------------------ helpers */

static int file_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	int fd = (int)(intptr_t)opaque;

	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		return ovk_error_sys(err, errno, "read at %llu", (unsigned long long)off);
	return 0;
}

static void file_close(void *opaque)
{
	close((int)(intptr_t)opaque);
}

static struct ovk_gdisk *open_image(const char *path, const char *name)
{
	struct ovk_gdisk *d = NULL;
	struct ovk_error err;
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (ovk_gdisk_new(name, (uint64_t)st.st_size, file_read, (void *)(intptr_t)fd, file_close,
			  &d, &err) < 0)
		fail_msg("%s", err.msg);
	return d;
}

static void scratch(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", ut_tmpdir, name);
}

/* The whole output of a shell command (malloc'ed). */
static char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *fmt, ...)
{
	char cmd[8192], *out = NULL;
	size_t len = 0;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_non_null(p = popen(cmd, "r"));
	out = calloc(1, 1 << 20);
	assert_non_null(out);
	len = fread(out, 1, (1 << 20) - 1, p);
	out[len] = '\0';
	pclose(p);
	return out;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char **v;
	size_t n;
	enum ovk_gfs_type types[4096];
};

static int collect(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct names *ns = opaque;

	assert_true(ns->n < 4096);
	ns->v = realloc(ns->v, (ns->n + 1) * sizeof *ns->v);
	ns->types[ns->n] = type;
	ns->v[ns->n++] = strdup(name);
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* ------------------------------------------------------------ trees */

static void compare_file(struct ovk_gfs *fs, const char *host, const char *path)
{
	struct ovk_error err;
	struct ovk_gfs_file f;
	char *want = NULL, *got = NULL;
	size_t wlen = 0, glen = 0;
	FILE *h = fopen(host, "rb");

	assert_non_null(h);
	want = malloc(64 << 20);
	wlen = fread(want, 1, 64 << 20, h);
	fclose(h);
	if (ovk_gfs_read_file(fs, path, 64 << 20, &got, &glen, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	/* and in odd pieces, as an initramfs is read */
	assert_int_equal(fs->ops->lookup(fs, path, &f, &err), 0);
	for (size_t off = 0; off < wlen; off += 4093) {
		char piece[5000];
		int64_t n = fs->ops->pread(fs, &f, off, piece, sizeof piece, &err);

		assert_int_equal(n, (int64_t)(wlen - off < sizeof piece ? wlen - off : sizeof piece));
		assert_memory_equal(piece, want + off, (size_t)n);
	}
	free(want);
	free(got);
}

/* Directory rel of the file system against host root + rel, recursively. */
static void compare_dir(struct ovk_gfs *fs, const char *root, const char *rel, int links)
{
	char host[2 * PATHBUF], path[PATHBUF];
	struct names got = { 0 }, want = { 0 };
	struct ovk_gfs_file f;
	struct ovk_error err;
	struct dirent *de;
	DIR *d;

	snprintf(host, sizeof host, "%s%s", root, rel);
	assert_non_null(d = opendir(host));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			collect(&want, de->d_name, OVK_GFS_OTHER);
	closedir(d);
	if (fs->ops->lookup(fs, rel[0] ? rel : "/", &f, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(f.type, OVK_GFS_DIR);
	if (fs->ops->readdir(fs, &f, collect, &got, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(got.n, want.n);
	qsort(want.v, want.n, sizeof *want.v, name_cmp);
	for (size_t i = 0; i < want.n; i++) {
		struct stat st;
		int found = 0;

		for (size_t j = 0; j < got.n && !found; j++)
			if (strcmp(got.v[j], want.v[i]) == 0) {
				found = 1;
				snprintf(host, sizeof host, "%s%s/%s", root, rel, want.v[i]);
				assert_int_equal(lstat(host, &st), 0);
				assert_int_equal(got.types[j], S_ISDIR(st.st_mode) ? OVK_GFS_DIR :
						 S_ISLNK(st.st_mode) ? OVK_GFS_LINK : OVK_GFS_REG);
			}
		if (!found)
			fail_msg("%s: \"%s\" not listed", rel[0] ? rel : "/", want.v[i]);
		snprintf(path, sizeof path, "%s/%s", rel, want.v[i]);
		if (S_ISDIR(st.st_mode))
			compare_dir(fs, root, path, links);
		else if (S_ISREG(st.st_mode))
			compare_file(fs, host, path);
	}
	(void)links;
	names_free(&got);
	names_free(&want);
}

/* The links of guest_tree.py, resolved inside the file system. */
static void check_links(struct ovk_gfs *fs)
{
	static const struct {
		const char *path, *same_as;   /* NULL: must fail with errnum */
		int errnum;
	} cases[] = {
		{ "/rel-link", "/etc/fstab", 0 },
		{ "/abs-link", "/etc/os-release", 0 },
		{ "/dir-link/c/d/Deep_File_With_A_Long_Name.txt",
		  "/a/b/c/d/Deep_File_With_A_Long_Name.txt", 0 },
		{ "/a/b/c/d/up-link", "/noise.bin", 0 },
		{ "/../../a/./b/../../etc//fstab", "/etc/fstab", 0 },
		{ "/dir-link/../../etc/fstab", "/etc/fstab", 0 },
		{ "/dir-link/../etc/fstab", NULL, ENOENT },
		{ "/long-dangling", NULL, ENOENT },
		{ "/loop1", NULL, ELOOP },
		{ "/etc/fstab/x", NULL, ENOTDIR },
	};
	struct ovk_gfs_file a, b;
	struct ovk_error err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = fs->ops->lookup(fs, cases[i].path, &a, &err);

		if (!cases[i].same_as) {
			if (r == 0 || err.errnum != cases[i].errnum || strchr(err.msg, '\n'))
				fail_msg("%s: want errno %d, got %d (%s)", cases[i].path,
					 cases[i].errnum, r == 0 ? 0 : err.errnum, r ? err.msg : "");
			continue;
		}
		if (r < 0)
			fail_msg("%s: %s", cases[i].path, err.msg);
		assert_int_equal(fs->ops->lookup(fs, cases[i].same_as, &b, &err), 0);
		assert_int_equal(a.ino, b.ino);
		assert_int_equal(a.size, b.size);
	}
}

/* ------------------------------------------------------------ bad copies */

/* Files each walk of a bad copy visits: the metadata a flip hits is read
 * by the first few hundred (the root, /etc, the small directories), and
 * the ASan build walks dozens of copies. */
#define TORTURE_MAX_FILES 300

/* Truncated and bit-flipped copies of the image at path (the first `meta`
 * bytes hold what a flip should hit) must read or fail in one line. */
static void torture(const char *path, uint64_t meta, int flips, int whole_disk)
{
	static const uint64_t cuts[] = { 0, 511, 4096, 65536, 1 << 20, 8 << 20 };
	struct ovk_gdisk *disk;
	struct walk_state w;
	uint8_t *data;
	struct stat st;
	uint32_t x = 7;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	data = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(data != MAP_FAILED);
	close(fd);
	if (meta > (uint64_t)st.st_size)
		meta = (uint64_t)st.st_size;
	for (int i = 0; i < (int)(sizeof cuts / sizeof cuts[0]) + 2 + flips; i++) {
		uint64_t len = (uint64_t)st.st_size, at = 0;
		uint8_t bit = 0;

		if (i < (int)(sizeof cuts / sizeof cuts[0]))
			len = cuts[i] < len ? cuts[i] : len / 2;
		else if (i < (int)(sizeof cuts / sizeof cuts[0]) + 2)
			len = i % 2 ? len - 512 : len / 2;
		else {
			x = x * 1103515245u + 12345u;
			at = ((uint64_t)x << 16 ^ x >> 8) % meta;
			bit = (uint8_t)(1u << (x >> 28 & 7));
			data[at] ^= bit;
		}
		memset(&w, 0, sizeof w);
		w.max_files = TORTURE_MAX_FILES;
		assert_non_null(disk = walk_mem_disk("bad", data, (size_t)len, len));
		if (whole_disk)
			walk_disk(disk, &w);
		else
			walk_volume(disk, &w);
		ovk_gdisk_free(disk);
		if (w.errors && (!w.last_error[0] || strchr(w.last_error, '\n')))
			fail_msg("not a one-line error: \"%s\"", w.last_error);
		data[at] ^= bit;
	}
	munmap(data, (size_t)st.st_size);
}

/* ------------------------------------------------------------ partitions */

/* Each partition of sfdisk --dump (but the extended one) against t. */
static void compare_dump(const char *img, const struct ovk_part_table *t)
{
	char *dump = capture("sfdisk --dump '%s'", img), *line, *save = NULL;
	size_t k = 0;

	for (line = strtok_r(dump, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start = 0, size = 0;
		char type[64] = "", *p;
		unsigned index;

		if (strncmp(line, img, strlen(img)) != 0)
			continue;
		index = (unsigned)strtoul(line + strlen(img), NULL, 10);
		if ((p = strstr(line, "start=")))
			start = strtoull(p + 6, NULL, 10);
		if ((p = strstr(line, "size=")))
			size = strtoull(p + 5, NULL, 10);
		if ((p = strstr(line, "type=")))
			sscanf(p + 5, "%63[^, ]", type);
		if (strcmp(type, "5") == 0 || strcmp(type, "f") == 0)
			continue;   /* the extended partition is not a volume */
		assert_true(k < t->n);
		assert_int_equal(t->parts[k].index, index);
		assert_int_equal(t->parts[k].start, start * 512);
		assert_int_equal(t->parts[k].length, size * 512);
		if (t->scheme == OVK_PART_GPT) {
			assert_string_equal(t->parts[k].type_guid, type);
			if ((p = strstr(line, "uuid=")))
				assert_int_equal(strncasecmp(p + 5, t->parts[k].uuid, 36), 0);
			if ((p = strstr(line, "name=\""))) {
				char name[256];
				size_t n = 0;

				/* sfdisk writes bytes above 0x7f as \xHH */
				for (p += 6; *p && *p != '"' && n + 1 < sizeof name; p++) {
					char hex[3] = { 0 };

					if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
						memcpy(hex, p + 2, 2);
						name[n++] = (char)strtoul(hex, NULL, 16);
						p += 3;
					} else {
						name[n++] = *p;
					}
				}
				name[n] = '\0';
				assert_string_equal(name, t->parts[k].name);
			}
		} else {
			assert_int_equal(t->parts[k].mbr_type, strtoul(type, NULL, 16));
			assert_int_equal(!!(t->parts[k].flags & OVK_PART_BOOTABLE),
					 strstr(line, "bootable") != NULL);
		}
		k++;
	}
	assert_int_equal(k, t->n);
	free(dump);
}

static struct ovk_part_table *list_parts(const char *img)
{
	struct ovk_gdisk *d = open_image(img, "sda");
	struct ovk_part_table *t = NULL;
	struct ovk_error err;

	if (ovk_part_list(d, &t, &err) < 0)
		fail_msg("%s", err.msg);
	ovk_gdisk_free(d);   /* the windows keep it */
	return t;
}

static void test_mbr_extended(void **state)
{
	char img[PATHBUF];
	struct ovk_part_table *t;

	(void)state;
	scratch(img, sizeof img, "mbr.img");
	ut_run("truncate -s 64M '%s' && printf '%%s\\n' 'label: dos' 'label-id: 0x12345678' "
	       "'start=2048, size=8192, type=83, bootable' 'start=10240, size=8192, type=ef' "
	       "'start=20480, size=100000, type=5' 'start=22528, size=4096, type=8e' "
	       "'start=28672, size=4096, type=83' 'start=34816, size=4096, type=7' "
	       "| sfdisk -q '%s'", img, img);
	t = list_parts(img);
	assert_int_equal(t->scheme, OVK_PART_MBR);
	assert_int_equal(t->n, 5);
	compare_dump(img, t);
	assert_int_equal(t->parts[1].kind, OVK_PART_KIND_ESP);
	assert_int_equal(t->parts[2].kind, OVK_PART_KIND_LINUX_LVM);
	assert_int_equal(t->parts[2].index, 5);
	assert_string_equal(t->parts[2].uuid, "12345678-05");
	assert_string_equal(ovk_gdisk_name(t->parts[2].disk), "sda5");
	ovk_part_table_free(t);
	torture(img, 64 << 10, 300, 1);
}

static void test_gpt_and_backup(void **state)
{
	char img[PATHBUF], *msg;
	struct ovk_part_table *t;
	struct ovk_gdisk *d;
	struct ovk_error err;

	(void)state;
	scratch(img, sizeof img, "gpt.img");
	ut_run("truncate -s 64M '%s' && printf '%%s\\n' 'label: gpt' "
	       "'start=2048, size=4096, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI System\"' "
	       "'size=2048, type=21686148-6449-6E6F-744E-656564454649, name=\"bios\", attrs=\"LegacyBIOSBootable\"' "
	       "'size=8192, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name=\"lvm\"' "
	       "'size=4096, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"data\"' "
	       "'size=4096, type=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC, name=\"R\xc3\xa9" "cup\"' "
	       "| sfdisk -q '%s'", img, img);
	t = list_parts(img);
	assert_int_equal(t->scheme, OVK_PART_GPT);
	assert_int_equal(t->n, 5);
	assert_false(t->gpt_backup_used);
	compare_dump(img, t);
	assert_int_equal(t->parts[0].kind, OVK_PART_KIND_ESP);
	assert_int_equal(t->parts[1].kind, OVK_PART_KIND_BIOS_BOOT);
	assert_true(t->parts[1].flags & OVK_PART_BOOTABLE);
	assert_int_equal(t->parts[2].kind, OVK_PART_KIND_LINUX_LVM);
	assert_int_equal(t->parts[3].kind, OVK_PART_KIND_MS_BASIC_DATA);
	assert_int_equal(t->parts[4].kind, OVK_PART_KIND_WIN_RECOVERY);
	assert_string_equal(t->parts[4].name, "R\xc3\xa9" "cup");
	ovk_part_table_free(t);
	torture(img, 20 << 10, 300, 1);
	/* a bad entry array, then no primary header at all: the backup */
	ut_run("cp '%s' '%s.1' && printf '\\x55' | dd of='%s.1' bs=1 seek=1100 conv=notrunc "
	       "status=none && dd if=/dev/zero of='%s' bs=512 seek=1 count=1 conv=notrunc "
	       "status=none", img, img, img, img);
	for (int i = 0; i < 2; i++) {
		char which[PATHBUF + 8];

		snprintf(which, sizeof which, i ? "%s" : "%s.1", img);
		t = list_parts(which);
		assert_true(t->gpt_backup_used);
		assert_int_equal(t->n, 5);
		ovk_part_table_free(t);
	}
	/* and without the backup either: refused, in one line */
	ut_run("dd if=/dev/zero of='%s' bs=512 seek=131071 count=1 conv=notrunc status=none", img);
	d = open_image(img, "sda");
	assert_int_equal(ovk_part_list(d, &t, &err), -1);
	msg = err.msg;
	assert_int_equal(strncmp(msg, "sda: ", 5), 0);
	assert_non_null(strstr(msg, "GPT"));
	assert_null(strchr(msg, '\n'));
	ovk_gdisk_free(d);
}

/* ------------------------------------------------------------ file systems */

static struct ovk_gfs *open_fs(const char *img, const char *name, const char *want)
{
	struct ovk_gdisk *d = open_image(img, name);
	struct ovk_gfs *fs = NULL;
	struct ovk_error err;

	if (ovk_gfs_open(d, &fs, &err) != 0)
		fail_msg("%s: no file system: %s", img, err.msg);
	ovk_gdisk_free(d);   /* the file system keeps its own reference */
	assert_string_equal(fs->ops->name, want);
	return fs;
}

static void same_file(struct ovk_gfs *fs, const char *a, const char *b)
{
	struct ovk_gfs_file fa, fb;
	struct ovk_error err;

	if (fs->ops->lookup(fs, a, &fa, &err) < 0)
		fail_msg("%s: %s", a, err.msg);
	assert_int_equal(fs->ops->lookup(fs, b, &fb, &err), 0);
	assert_int_equal(fa.ino, fb.ino);
	assert_int_equal(fa.aux, fb.aux);
}

static void fat_case(int bits, int mib)
{
	char img[PATHBUF];
	struct ovk_gfs *fs;

	snprintf(img, sizeof img, "%s/fat%d.img", ut_tmpdir, bits);
	ut_run("truncate -s %dM '%s' && mkfs.vfat -F %d -n OVKESP -i 1234abcd '%s' >/dev/null && "
	       "cd '%s' && mcopy -s -i '%s' ./* ::/", mib, img, bits, img, fat_tree, img);
	fs = open_fs(img, "sdb1", "vfat");
	assert_string_equal(fs->label, "OVKESP");
	assert_string_equal(fs->uuid, "1234-ABCD");
	compare_dir(fs, fat_tree, "", 0);
	same_file(fs, "/ETC/FSTAB", "/etc/fstab");
	same_file(fs, "/mixedcase long NAME.CONF", "/MixedCase Long Name.conf");
	same_file(fs, "/A/B/../B/C/D/deep file with a long name.txt",
		  "/a/b/c/d/Deep File With A Long Name.txt");
	ovk_gfs_close(fs);
	torture(img, 1 << 20, 200, 0);
}

static void test_fat12(void **state)
{
	(void)state;
	fat_case(12, 4);
}

static void test_fat16(void **state)
{
	(void)state;
	fat_case(16, 32);
}

static void test_fat32(void **state)
{
	(void)state;
	fat_case(32, 64);
}

/* What xfs_db says of the inode behind path in img. */
static char *xfs_db_inode(struct ovk_gfs *fs, const char *img, const char *path)
{
	struct ovk_gfs_file f;
	struct ovk_error err;

	assert_int_equal(fs->ops->lookup(fs, path, &f, &err), 0);
	return capture("xfs_db -r -c 'inode %llu' -c 'print core.format' -c 'bmap' '%s'",
		       (unsigned long long)f.ino, img);
}

/* The directory forms guest_tree.py aims at, as xfs_db sees them: data at
 * the leaf offset (32 GiB) means leaf or node, at the free-index offset
 * (64 GiB) node. */
static void check_dir_forms(struct ovk_gfs *fs, const char *img)
{
	static const struct {
		const char *dir, *format;
		int leaf, node;
	} forms[] = {
		{ "/dir4", "1 (local)", 0, 0 },
		{ "/dir60", "2 (extents)", 0, 0 },
		{ "/dir400", "2 (extents)", 1, 0 },
		{ "/dir3000", NULL, 1, 1 },
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char *out = xfs_db_inode(fs, img, forms[i].dir);

		if (forms[i].format && !strstr(out, forms[i].format))
			fail_msg("%s: %s", forms[i].dir, out);
		assert_int_equal(strstr(out, "offset 8388608 ") != NULL, forms[i].leaf);
		assert_int_equal(strstr(out, "offset 16777216 ") != NULL, forms[i].node);
		free(out);
	}
}

static void xfs_case(int v4)
{
	char img[PATHBUF];
	struct ovk_gfs *fs;

	snprintf(img, sizeof img, "%s/xfs%d.img", ut_tmpdir, v4 ? 4 : 5);
	ut_run("python3 %s/tests/images/guest_tree.py proto '%s' > '%s.proto' && "
	       "truncate -s 300M '%s' && mkfs.xfs -q -f %s -L ovkroot "
	       "-m uuid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 -p '%s.proto' '%s'", src_dir(), tree,
	       img, img, v4 ? "-m crc=0" : "", img, img);
	fs = open_fs(img, "sda2", "xfs");
	assert_string_equal(fs->label, "ovkroot");
	assert_string_equal(fs->uuid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	compare_dir(fs, tree, "", 1);
	check_links(fs);
	check_dir_forms(fs, img);
	ovk_gfs_close(fs);
	torture(img, 4 << 20, 40, 0);
}

static void test_xfs_v5(void **state)
{
	(void)state;
	xfs_case(0);
}

static void test_xfs_v4(void **state)
{
	(void)state;
	xfs_case(1);
}

/* Root and a loop mount: a file in 600 pieces with holes between them and
 * an unwritten range, so its block map is a bmbt of two levels. */
static void test_xfs_btree(void **state)
{
	char img[PATHBUF], mnt[PATHBUF], cmds[PATHBUF], ref[PATHBUF];
	struct ovk_gfs *fs;
	char *out;
	FILE *c;

	(void)state;
	if (getuid() != 0)
		skip();
	scratch(img, sizeof img, "frag.img");
	scratch(mnt, sizeof mnt, "mnt");
	scratch(cmds, sizeof cmds, "frag.cmds");
	scratch(ref, sizeof ref, "frag.ref");
	assert_non_null(c = fopen(cmds, "w"));
	for (int i = 0; i < 600; i++)
		fprintf(c, "pwrite -q -S 0x%02x %d 4096\n", i % 250 + 1, i * 8192);
	fprintf(c, "truncate 8M\nfsync\n");
	fclose(c);
	ut_run("xfs_io -f '%s' < '%s'", ref, cmds);
	ut_run("truncate -s 300M '%s' && mkfs.xfs -q -f '%s' && mkdir -p '%s'", img, img, mnt);
	if (ut_sh("mount -o loop '%s' '%s' 2>/dev/null", img, mnt) != 0)
		skip();
	ut_sh("xfs_io -f '%s/frag' < '%s' && xfs_io -c 'falloc 6M 1M' '%s/frag'", mnt, cmds, mnt);
	ut_run("umount '%s'", mnt);
	fs = open_fs(img, "sda3", "xfs");
	out = xfs_db_inode(fs, img, "/frag");
	if (!strstr(out, "3 (btree)"))
		fail_msg("/frag is not a btree: %s", out);
	free(out);
	compare_file(fs, ref, "/frag");
	ovk_gfs_close(fs);
	torture(img, 1 << 20, 40, 0);
}

/* ------------------------------------------------------------ LVM2 */

/* Sector s of pvN.img, as stamped before pvcreate. */
static void stamp(char *buf, int pv, uint64_t s)
{
	memset(buf, 0, 512);
	snprintf(buf, 512, "pv%d:%llu", pv, (unsigned long long)s);
}

static const struct ovk_lv *find_lv(const struct ovk_vg *vg, const char *name)
{
	for (size_t i = 0; i < vg->n_lv; i++)
		if (strcmp(vg->lv[i].name, name) == 0)
			return &vg->lv[i];
	fail_msg("no LV %s", name);
	return NULL;
}

/* Every sector of each linear LV against the PE ranges of lvs --segments. */
static void check_lv_bytes(const struct ovk_vg *vg, const char *segs, const char *dev1,
			   uint64_t pe_start1, uint64_t pe_start2)
{
	char *copy = strdup(segs), *line, *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], dev[256], want[512], got[512];
		unsigned long long start, count, a, b;
		const struct ovk_lv *lv;
		struct ovk_error err;

		if (sscanf(line, " %127s %llu %llu %255[^:]:%llu-%llu", name, &start, &count, dev,
			   &a, &b) != 6 || (strcmp(name, "lin") && strcmp(name, "other")))
			continue;
		lv = find_lv(vg, name);
		assert_non_null(lv->disk);
		for (uint64_t k = 0; k < count * 2048; k++) {
			int pv = strcmp(dev, dev1) == 0 ? 1 : 2;

			stamp(want, pv, ((pv == 1 ? pe_start1 : pe_start2) + a * (1 << 20)) / 512 + k);
			if (ovk_gdisk_pread(lv->disk, start * (1 << 20) + k * 512, got, 512, &err) < 0)
				fail_msg("%s", err.msg);
			assert_memory_equal(got, want, 512);
		}
	}
	free(copy);
}

static struct ovk_lvm *scan(struct ovk_gdisk **d, size_t n)
{
	struct ovk_lvm *l = NULL;
	struct ovk_error err;

	if (ovk_lvm_scan(d, n, &l, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(l->n_vg, 1);
	return l;
}

static void test_lvm(void **state)
{
	char img1[PATHBUF], img2[PATHBUF], dev1[64] = "", dev2[64] = "", lvm[512];
	char *segs, *pes, *out;
	unsigned long long pe1 = 0, pe2 = 0;
	struct ovk_gdisk *d[2];
	struct ovk_lvm *l;
	int thin;

	(void)state;
	if (getuid() != 0 || ut_sh("command -v pvcreate >/dev/null && losetup -f >/dev/null") != 0)
		skip();
	scratch(img1, sizeof img1, "pv1.img");
	scratch(img2, sizeof img2, "pv2.img");
	for (int pv = 1; pv <= 2; pv++)
		ut_run("python3 -c 'import sys\nwith open(sys.argv[1], \"wb\") as f:\n"
		       " [f.write((\"pv%d:%%d\" %% s).encode().ljust(512, b\"\\0\")) "
		       "for s in range(98304)]' '%s'", pv, pv == 1 ? img1 : img2);
	out = capture("losetup -f --show '%s'; losetup -f --show '%s'", img1, img2);
	sscanf(out, "%63s %63s", dev1, dev2);
	free(out);
	/* without device-mapper (a container) lvm2 still writes metadata */
	thin = ut_sh("dmsetup version >/dev/null 2>&1") == 0;
	snprintf(lvm, sizeof lvm, "LVM_SUPPRESS_FD_WARNINGS=1 %%s --devices %s,%s %s -q", dev1, dev2,
		 thin ? "" : "--config 'global{activation=0}'");
	ut_sh("{ set -e; L() { c=$1; shift; LVM_SUPPRESS_FD_WARNINGS=1 $c --devices %s,%s %s \"$@\"; }; "
	      "L pvcreate -ff -y %s %s; L vgcreate -s 1M ovkt%d %s %s; "
	      "L lvcreate -an -Zn -L 4M -n lin ovkt%d %s; L lvcreate -an -Zn -L 3M -n other ovkt%d %s; "
	      "L lvextend -L 8M ovkt%d/lin %s; L lvcreate -an -Zn -i2 -L 4M -n st ovkt%d; "
	      "if [ %d = 1 ]; then L lvcreate -an -Zn --type thin-pool -L 4M -n pool ovkt%d; fi; "
	      "} >/dev/null 2>&1",
	      dev1, dev2, thin ? "" : "--config global{activation=0}", dev1, dev2, (int)getpid(),
	      dev1, dev2, (int)getpid(), dev1, (int)getpid(), dev2, (int)getpid(), dev2,
	      (int)getpid(), thin, (int)getpid());
	segs = capture("LVM_SUPPRESS_FD_WARNINGS=1 lvs --devices %s,%s %s --noheadings --segments "
		       "-o lv_name,seg_start_pe,seg_size_pe,seg_pe_ranges ovkt%d 2>/dev/null", dev1,
		       dev2, thin ? "" : "--config global{activation=0}", (int)getpid());
	pes = capture("LVM_SUPPRESS_FD_WARNINGS=1 pvs --devices %s,%s %s --noheadings --units b "
		      "--nosuffix -o pv_name,pe_start 2>/dev/null", dev1, dev2,
		      thin ? "" : "--config global{activation=0}");
	ut_sh("LVM_SUPPRESS_FD_WARNINGS=1 vgchange --devices %s,%s %s -an ovkt%d >/dev/null 2>&1; "
	      "losetup -d %s %s", dev1, dev2, thin ? "" : "--config global{activation=0}",
	      (int)getpid(), dev1, dev2);
	sscanf(strstr(pes, dev1) + strlen(dev1), "%llu", &pe1);
	sscanf(strstr(pes, dev2) + strlen(dev2), "%llu", &pe2);
	assert_non_null(strstr(segs, "lin"));
	d[0] = open_image(img1, "pv1");
	d[1] = open_image(img2, "pv2");
	l = scan(d, 2);
	assert_int_equal(l->vg[0].n_pv, 2);
	assert_int_equal(l->vg[0].n_pv_found, 2);
	assert_int_equal(find_lv(&l->vg[0], "lin")->size, 8 << 20);
	assert_int_equal(find_lv(&l->vg[0], "other")->size, 3 << 20);
	check_lv_bytes(&l->vg[0], segs, dev1, pe1, pe2);
	assert_null(find_lv(&l->vg[0], "st")->disk);
	assert_non_null(strstr(find_lv(&l->vg[0], "st")->reason, "\"striped\" with 2 stripes"));
	if (thin) {
		assert_null(find_lv(&l->vg[0], "pool")->disk);
		assert_non_null(strstr(find_lv(&l->vg[0], "pool")->reason, "thin-pool"));
	}
	ovk_lvm_free(l);
	/* one PV of two: the LVs on the other are named as missing */
	l = scan(d, 1);
	assert_int_equal(l->vg[0].n_pv_found, 1);
	assert_null(find_lv(&l->vg[0], "lin")->disk);
	assert_non_null(strstr(find_lv(&l->vg[0], "lin")->reason, "not found"));
	ovk_lvm_free(l);
	ovk_gdisk_free(d[0]);
	ovk_gdisk_free(d[1]);
	free(segs);
	free(pes);
	(void)lvm;
	torture(img1, 1 << 20, 300, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbr_extended),
		cmocka_unit_test(test_gpt_and_backup),
		cmocka_unit_test(test_fat12),
		cmocka_unit_test(test_fat16),
		cmocka_unit_test(test_fat32),
		cmocka_unit_test(test_xfs_v5),
		cmocka_unit_test(test_xfs_v4),
		cmocka_unit_test(test_xfs_btree),
		cmocka_unit_test(test_lvm),
	};

	ut_private_mounts();
	return cmocka_run_group_tests(tests, setup, teardown);
}
