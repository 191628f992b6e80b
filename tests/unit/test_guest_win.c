/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_guest_win.c: the Windows side of the guest reader's library glue,
 * judged against the real tools.  NTFS images that mkntfs makes and the
 * ntfs-3g driver fills (as root with FUSE: skipped cleanly otherwise), read
 * back ignoring case and compared byte for byte, with the label and serial
 * blkid prints, hiberfil.sys as hibernation leaves it, and truncated and
 * bit-flipped copies.  The real SYSTEM hives of ../shared/testdata/real
 * (skipped cleanly when absent), each answer compared with hivexget's, and
 * copies edited with hivexregedit for the cases the real hives lack.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include <cmocka.h>

#include "unit_support.h"
#include "guest_support.h"

#include "guest/gfs.h"
#include "guest/hive.h"
#include "guest/ntfs.h"

#define N_FILES 400
#define TAG_MOUNT_POINT 0xa0000003u
#define TAG_SYMLINK 0xa000000cu

static int have_ntfs;     /* the images could be made (root, FUSE) */
static char real[4096];   /* ../shared/testdata/real, or "" */

/* ASCII s as UTF-16LE at p; the bytes written. */
static size_t put16(uint8_t *p, const char *s)
{
	size_t n = 0;

	for (; *s; s++, n += 2) {
		p[n] = (uint8_t)*s;
		p[n + 1] = 0;
	}
	return n;
}

/* Make the empty directory at rel (under the mount) a reparse point as
 * Windows writes one (a junction, or a symbolic link, relative or not):
 * ntfs-3g stores what is put in its system.ntfs_reparse_data attribute. */
static void reparse(const char *rel, uint32_t tag, const char *sub, const char *print, int relative)
{
	uint8_t b[1024] = { 0 };
	size_t hdr = tag == TAG_SYMLINK ? 20 : 16, sl, pl;
	char path[8192];

	sl = put16(b + hdr, sub);
	pl = put16(b + hdr + sl + 2, print);
	b[0] = tag & 0xff, b[1] = tag >> 8 & 0xff, b[2] = tag >> 16 & 0xff, b[3] = tag >> 24;
	b[4] = (uint8_t)(hdr - 8 + sl + pl + 4);
	b[5] = (uint8_t)((hdr - 8 + sl + pl + 4) >> 8);
	b[10] = (uint8_t)sl;                     /* substitute name: offset 0 */
	b[12] = (uint8_t)(sl + 2);               /* print name after it */
	b[14] = (uint8_t)pl;
	if (tag == TAG_SYMLINK)
		b[16] = relative ? 1 : 0;
	snprintf(path, sizeof path, "%s/mnt/%s", ut_tmpdir, rel);
	if (setxattr(path, "system.ntfs_reparse_data", b, hdr + sl + pl + 4, 0) != 0)
		fail_msg("setxattr %s: %s", path, strerror(errno));
}

/* Fill a fresh image through the ntfs-3g driver: 0, or -1 when it cannot
 * be mounted here. */
static int fill_ntfs(const char *img, const char *label, int hibernated)
{
	const char *t = ut_tmpdir;

	ut_run("cd %s && rm -f %s && truncate -s 24M %s && mkntfs -F -q -L %s %s >/dev/null 2>&1",
	       t, img, img, label, img);
	if (ut_sh("cd %s && mkdir -p mnt && ntfs-3g %s mnt 2>/dev/null", t, img) != 0)
		return -1;
	ut_run("cd %s && mkdir -p mnt/Windows/System32/config mnt/Many && "
	       "cp win/SYSTEM mnt/Windows/System32/config/SYSTEM && "
	       "cp win/random.bin mnt/Windows/random.bin && "
	       "for i in $(seq 1 %d); do : >\"mnt/Many/Entry Number $i.txt\"; done && "
	       "ln -s Windows/System32 mnt/Sys && mkdir mnt/Junction mnt/AbsLink mnt/RelLink && "
	       "head -c 4096 /dev/zero >mnt/hiberfil.sys", t, N_FILES);
	reparse("Junction", TAG_MOUNT_POINT, "\\??\\C:\\Windows\\System32",
		"C:\\Windows\\System32", 0);
	reparse("AbsLink", TAG_SYMLINK, "\\??\\C:\\Windows", "C:\\Windows", 0);
	reparse("RelLink", TAG_SYMLINK, "Windows\\System32\\config", "Windows\\System32\\config",
		1);
	if (hibernated)
		ut_run("cd %s && printf HIBR | dd of=mnt/hiberfil.sys conv=notrunc status=none", t);
	ut_run("cd %s && umount mnt", t);
	return 0;
}

static int setup(void **state)
{
	const char *src = getenv("OVK_SRC");

	(void)state;
	if (ut_scratch_setup("guest_win", 0) < 0)
		return -1;
	/* beside the source tree, never copied into it */
	snprintf(real, sizeof real, "%s/../shared/testdata/real", src ? src : "..");
	if (ut_sh("test -r '%s/regipy/SYSTEM_2.xz' && command -v hivexget >/dev/null && "
		  "command -v hivexregedit >/dev/null", real) != 0)
		real[0] = '\0';
	ut_run("mkdir -p %s/win && head -c 200001 /dev/urandom >%s/win/random.bin",
	       ut_tmpdir, ut_tmpdir);
	if (real[0])
		ut_run("xz -dc '%s/regipy/SYSTEM_2.xz' >%s/win/SYSTEM", real, ut_tmpdir);
	else
		ut_run("head -c 8192 /dev/urandom >%s/win/SYSTEM", ut_tmpdir);
	have_ntfs = getuid() == 0 && ut_sh("command -v mkntfs ntfs-3g >/dev/null && "
					   "test -c /dev/fuse") == 0 &&
		    fill_ntfs("ntfs.img", "WinVol", 0) == 0 &&
		    fill_ntfs("hiber.img", "Hiber", 1) == 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ut_sh("umount %s/mnt 2>/dev/null", ut_tmpdir);
	return ut_scratch_teardown();
}

static int count(void *opaque, const char *name, enum ovk_gfs_type type)
{
	unsigned *n = opaque;

	if (type == OVK_GFS_REG && strncmp(name, "Entry Number ", 13) == 0)
		(*n)++;
	return 0;
}

static void test_ntfs(void **state)
{
	char img[8192], h[8192], want[64];
	struct ovk_error err = { 0 };
	struct ovk_ntfs_state st;
	struct ovk_gfs_file f;
	struct ovk_gfs *fs;
	unsigned n = 0;

	(void)state;
	if (!have_ntfs)
		skip();
	snprintf(img, sizeof img, "%s/ntfs.img", ut_tmpdir);
	fs = gs_open(img, "ntfs");
	snprintf(h, sizeof h, "%s/win/SYSTEM", ut_tmpdir);
	gs_same(fs, "/Windows/System32/config/SYSTEM", h);
	gs_same(fs, "/WINDOWS/system32/Config/system", h);   /* as Windows: any case */
	gs_same(fs, "/Junction/config/SYSTEM", h);            /* a junction */
	gs_same(fs, "/abslink/System32/config/SYSTEM", h);    /* symbolic links */
	gs_same(fs, "/RelLink/SYSTEM", h);
	/* ntfs-3g's own links are Interix files, which Windows does not follow */
	assert_int_equal(fs->ops->lookup(fs, "/Sys", &f, &err), 0);
	assert_int_equal(f.type, OVK_GFS_REG);
	snprintf(h, sizeof h, "%s/win/random.bin", ut_tmpdir);
	gs_same(fs, "/windows/RANDOM.BIN", h);
	assert_int_equal(fs->ops->lookup(fs, "/Many", &f, &err), 0);
	assert_int_equal(fs->ops->readdir(fs, &f, count, &n, &err), 0);
	assert_int_equal(n, N_FILES);
	assert_int_equal(fs->ops->lookup(fs, "/Windows/nothing", &f, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, "/Windows/nothing"));
	gs_blkid(img, "UUID", want, sizeof want);
	assert_string_equal(fs->uuid, want);
	gs_blkid(img, "LABEL", want, sizeof want);
	assert_string_equal(fs->label, want);
	assert_int_equal(ovk_ntfs_state(fs, &st, &err), 0);
	assert_int_equal(st.hibernated, 0);
	/* "XXXX-XXXX": the low 32 bits of the serial blkid prints */
	assert_memory_equal(st.serial_windows, fs->uuid + 8, 4);
	assert_int_equal(st.serial_windows[4], '-');
	assert_string_equal(st.serial_windows + 5, fs->uuid + 12);
	ovk_gfs_close(fs);
	snprintf(img, sizeof img, "%s/hiber.img", ut_tmpdir);
	fs = gs_open(img, "ntfs");
	assert_int_equal(ovk_ntfs_state(fs, &st, &err), 0);
	assert_int_equal(st.hibernated, 1);
	ovk_gfs_close(fs);
}

static void test_ntfs_hostile(void **state)
{
	char src[8192], dst[8192];

	(void)state;
	if (!have_ntfs)
		skip();
	snprintf(src, sizeof src, "%s/ntfs.img", ut_tmpdir);
	snprintf(dst, sizeof dst, "%s/bad.img", ut_tmpdir);
	for (size_t cut = 512; cut < (24u << 20); cut *= 4)
		gs_refuse_cut(src, dst, cut);
	for (uint32_t seed = 1; seed <= 40; seed++) {
		struct ovk_gdisk *d;
		struct ovk_gfs *fs = NULL;
		struct ovk_gfs_file f;
		struct ovk_error err;
		unsigned n = 0;
		char *buf;
		size_t len;

		/* the MFT of a small volume is in its first few MiB */
		gs_damage(src, dst, SIZE_MAX, 1 + seed % 30, 8u << 20, seed);
		d = gs_disk(dst);
		if (ovk_gfs_open(d, &fs, &err) == 0) {
			if (ovk_gfs_read_file(fs, "/Windows/System32/config/SYSTEM", 64 << 20, &buf,
					      &len, &err) == 0)
				free(buf);
			if (fs->ops->lookup(fs, "/Many", &f, &err) == 0)
				fs->ops->readdir(fs, &f, count, &n, &err);
			ovk_gfs_close(fs);
		}
		ovk_gdisk_free(d);
	}
}

/* The hive at path (host), opened from its bytes. */
static struct ovk_hive *hive_of(const char *path)
{
	struct ovk_error err = { 0 };
	struct ovk_hive *h = NULL;
	size_t len;
	uint8_t *b = gs_slurp(path, &len);

	if (ovk_hive_open(b, len, path, &h, &err) < 0)
		fail_msg("%s", err.msg);
	free(b);
	return h;
}

/* hivexget's value of key\name, or "" when it has none. */
static void hivexget(const char *hive, const char *key, const char *name, char *out, size_t cap)
{
	char cmd[8192 + 512];
	FILE *p;

	snprintf(cmd, sizeof cmd, "hivexget '%s' '%s' '%s' 2>/dev/null", hive, key, name);
	assert_non_null(p = popen(cmd, "r"));
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

/* Every answer for names[] equals hivexget's. */
static void check_services(const char *hive, const char *const *names, size_t n)
{
	struct ovk_hive_service s[16];
	struct ovk_error err = { 0 };
	struct ovk_hive *h = hive_of(hive);
	char cs[OVK_HIVE_CONTROL_SET_LEN], key[256], want[1024];

	assert_true(n <= 16);
	assert_int_equal(ovk_hive_control_set(h, cs, &err), 0);
	if (ovk_hive_services(h, names, n, s, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%s\\Services\\%s", cs, names[i]);
		hivexget(hive, key, "Start", want, sizeof want);
		assert_int_equal(s[i].start, want[0] ? strtol(want, NULL, 10) : -1);
		hivexget(hive, key, "ImagePath", want, sizeof want);
		if (want[0])
			assert_string_equal(s[i].image_path, want);
		else
			assert_null(s[i].image_path);
		snprintf(key + strlen(key), sizeof key - strlen(key), "\\StartOverride");
		hivexget(hive, key, "0", want, sizeof want);
		assert_int_equal(s[i].effective, want[0] ? strtol(want, NULL, 10) : s[i].start);
	}
	ovk_hive_services_free(s, n);
	ovk_hive_close(h);
}

static void unpack(const char *rel, const char *out)
{
	ut_run("cd %s && %s '%s/%s' >%s", ut_tmpdir,
	       strstr(rel, ".xz") ? "xz -dc" : strstr(rel, ".gz") ? "gzip -dc" : "cat", real, rel,
	       out);
}

static void test_hive_real(void **state)
{
	static const char *const storage[] = { "storahci", "msahci", "LSI_SAS", "LSI_SCSI",
					       "LSI_SAS2", "pvscsi", "viostor", "vioscsi",
					       "stornvme", "intelide", "pciide", "atapi",
					       "iaStorV", "symmpi" };
	static const char *const hives[] = { "regipy/SYSTEM.xz", "regipy/SYSTEM_2.xz",
					     "regipy/SYSTEM_B.xz", "regipy/SYSTEM_WIN_10_1709.xz",
					     "winevt-kb/SYSTEM", "gosecretsdump/system",
					     "aiowinreg/system.reg", "dissect.regf/SYSTEM.gz" };
	char path[8192];

	(void)state;
	if (!real[0])
		skip();
	snprintf(path, sizeof path, "%s/h", ut_tmpdir);
	for (size_t i = 0; i < sizeof hives / sizeof hives[0]; i++) {
		unpack(hives[i], "h");
		check_services(path, storage, sizeof storage / sizeof storage[0]);
	}
}

static void write_reg(const char *name, const char *text)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", ut_tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void test_hive_facts(void **state)
{
	static const char *const names[] = { "storahci", "LSI_SAS", "vioscsi", "PCIIDE" };
	struct ovk_hive_service s[4];
	struct ovk_error err = { 0 };
	struct ovk_hive_value v;
	struct ovk_hive *h;
	char path[8192], cs[OVK_HIVE_CONTROL_SET_LEN];

	(void)state;
	if (!real[0])
		skip();
	snprintf(path, sizeof path, "%s/h", ut_tmpdir);
	/* Windows 8.1: every storage driver Start=0, StartOverride\0=3 but
	 * storahci's (SOURCES.md) */
	unpack("regipy/SYSTEM_2.xz", "h");
	h = hive_of(path);
	assert_int_equal(ovk_hive_value(h, "Select", "Current", &v, &err), 0);
	assert_int_equal(v.type, OVK_HIVE_DWORD);
	assert_int_equal(v.num, 1);
	assert_int_equal(ovk_hive_value(h, "select", "NoSuchValue", &v, &err), 1);
	assert_int_equal(ovk_hive_value(h, "NoSuchKey\\x", "", &v, &err), 1);
	assert_int_equal(ovk_hive_services(h, names, 4, s, &err), 0);
	assert_true(s[0].exists && s[0].start == 0 && s[0].effective == 0);
	assert_true(s[1].exists && s[1].start == 0 && s[1].effective == 3);
	assert_int_equal(s[1].n_overrides, 1);
	assert_string_equal(s[1].overrides[0].name, "0");
	assert_false(s[2].exists);
	assert_true(s[3].exists && s[3].effective == 3);    /* case ignored */
	assert_non_null(s[0].group);
	ovk_hive_services_free(s, 4);
	ovk_hive_close(h);
	/* a copy edited with hivex: vioscsi boot-start, LSI_SAS's override
	 * gone */
	write_reg("edit.reg",
		  "Windows Registry Editor Version 5.00\n\n"
		  "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\vioscsi]\n"
		  "\"Start\"=dword:00000000\n\"Type\"=dword:00000001\n"
		  "\"ImagePath\"=str(2):\"System32\\\\drivers\\\\vioscsi.sys\"\n\n"
		  "[-HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\LSI_SAS\\"
		  "StartOverride]\n");
	ut_run("cd %s && hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\\SYSTEM' h edit.reg",
	       ut_tmpdir);
	h = hive_of(path);
	assert_int_equal(ovk_hive_control_set(h, cs, &err), 0);
	assert_int_equal(ovk_hive_services(h, names, 4, s, &err), 0);
	assert_true(s[2].exists && s[2].start == 0 && s[2].effective == 0 && s[2].type == 1);
	assert_string_equal(s[2].image_path, "System32\\drivers\\vioscsi.sys");
	assert_true(s[1].effective == 0 && s[1].n_overrides == 0);
	ovk_hive_services_free(s, 4);
	ovk_hive_close(h);
	check_services(path, names, 4);
}

static void test_hive_hostile(void **state)
{
	static const char *const names[] = { "storahci", "LSI_SAS", "intelide" };
	struct ovk_hive_service s[3];
	char src[8192], dst[8192];
	struct ovk_hive *h;

	(void)state;
	if (!real[0])
		skip();
	unpack("winevt-kb/SYSTEM", "h");
	snprintf(src, sizeof src, "%s/h", ut_tmpdir);
	snprintf(dst, sizeof dst, "%s/bad", ut_tmpdir);
	for (uint32_t seed = 0; seed < 60; seed++) {
		struct ovk_error err = { 0 };
		size_t len;
		uint8_t *b;

		/* cut (the first 12), or a few hundred bits flipped anywhere */
		gs_damage(src, dst, seed < 12 ? (size_t)4096 << (seed / 2) : SIZE_MAX,
			  seed < 12 ? 0 : 300, SIZE_MAX, seed);
		b = gs_slurp(dst, &len);
		if (ovk_hive_open(b, len, "bad", &h, &err) == 0) {
			if (ovk_hive_services(h, names, 3, s, &err) == 0)
				ovk_hive_services_free(s, 3);
			ovk_hive_close(h);
		} else {
			assert_non_null(strstr(err.msg, "bad"));
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntfs),
		cmocka_unit_test(test_ntfs_hostile),
		cmocka_unit_test(test_hive_real),
		cmocka_unit_test(test_hive_facts),
		cmocka_unit_test(test_hive_hostile),
	};

	ut_private_mounts();
	return cmocka_run_group_tests(tests, setup, teardown);
}
