/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_ova_container.c: opening appliances built at test time.
 *
 * Tars come from two independent writers: GNU tar (ustar, pax and GNU
 * formats with long names, gzip, xz) and libarchive's writer, which can make
 * the hostile ones (../x, links, duplicate names) tar refuses to.  Member
 * windows are checked against the bytes we put in, so a wrong data offset
 * fails.  Members are checked against manifests made by sha256sum(1), through
 * the verifier a conversion arms on the appliance (ova/verify.h).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_support.h"

#include "core/blob.h"
#include "core/open.h"
#include "ova/container.h"
#include "ova/manifest.h"
#include "ova/ovf.h"
#include "ova/verify.h"


static const char ovf_text[] =
	"<?xml version=\"1.0\"?>\n"
	"<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
	"xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "
	"xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
	"CIM_ResourceAllocationSettingData\">\n"
	"<References><File ovf:id=\"f1\" ovf:href=\"%s\"/></References>\n"
	"<DiskSection><Info>d</Info><Disk ovf:diskId=\"d1\" ovf:fileRef=\"f1\" "
	"ovf:capacity=\"1\" ovf:capacityAllocationUnits=\"byte * 2^20\"/></DiskSection>\n"
	"<VirtualSystem ovf:id=\"vm\"><Info>x</Info><VirtualHardwareSection><Info>h</Info>"
	"<Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>"
	"<rasd:HostResource>ovf:/disk/d1</rasd:HostResource></Item>"
	"</VirtualHardwareSection></VirtualSystem></Envelope>\n";

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Deterministic, position-dependent bytes: a window at the wrong offset
 * cannot match. */
static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 7);
	return p;
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("ova-container", 0);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

/* Make src/ with an .ovf naming `disk`, and the disk with `len` bytes. */
static uint8_t *make_tree(const char *sub, const char *disk, size_t len)
{
	char path[8192], ovf[4096];
	uint8_t *data = pattern(len, (unsigned)len);

	snprintf(path, sizeof path, "%s/%s", ut_tmpdir, sub);
	mkdir(path, 0755);
	snprintf(ovf, sizeof ovf, ovf_text, disk);
	snprintf(path, sizeof path, "%s/%s/a.ovf", ut_tmpdir, sub);
	write_file(path, ovf, strlen(ovf));
	snprintf(path, sizeof path, "%s/%s/%s", ut_tmpdir, sub, disk);
	write_file(path, data, len);
	return data;
}

static void check_appliance(const char *path, const char *disk, const uint8_t *data, size_t len,
			    enum ovk_appliance_kind kind)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_blob *b = NULL;
	const uint8_t *ovf;
	size_t ovf_len;

	if (ovk_appliance_open(path, 0, &app, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(ovk_appliance_kind(app), kind);
	ovk_appliance_ovf(app, &ovf, &ovf_len);
	assert_int_equal(ovk_ovf_parse(ovf, ovf_len, "a.ovf", &env, &err), 0);
	if (ovk_appliance_check_refs(app, env, &err) != 0)
		fail_msg("%s", err.msg);
	if (ovk_appliance_open_file(app, &env->files[0], 0, &b, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	/* Blobs of an appliance are located by their member names. */
	assert_string_equal(ovk_blob_location(b), disk);
	if (ovk_blob_data(b)) {
		/* A window: same bytes, in place, at the right offset. */
		assert_int_equal(ovk_blob_size(b), len);
		assert_memory_equal(ovk_blob_data(b), data, len);
	} else {
		uint8_t *got = malloc(len + 1);

		assert_non_null(got);
		assert_int_equal(ovk_blob_read(b, got, len + 1, &err), (ssize_t)len);
		assert_memory_equal(got, data, len);
		free(got);
	}
	if (kind == OVK_APPLIANCE_OVA) {
		/* The window really is into the OVA file: pread reads the
		 * file (never the mapping) at the window's offset in it. */
		uint8_t *again = malloc(len ? len : 1);

		assert_non_null(again);
		assert_int_equal(ovk_blob_pread(b, 0, again, len, &err), 0);
		assert_memory_equal(again, data, len);
		free(again);
	}
	ovk_blob_free(b);
	ovk_ovf_free(env);
	ovk_appliance_free(app);
}

static void test_tar_formats(void **state)
{
	static const char *const formats[] = {"ustar", "pax", "gnu"};
	/* A name longer than ustar's 100-byte field (pax/GNU long names), and
	 * one that fits in ustar's prefix+name split. */
	static const char *const longname =
		"a-very-long-disk-name-that-does-not-fit-in-the-hundred-byte-ustar-name-field-"
		"of-a-tar-header-disk1.vmdk";
	char path[8192];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		const char *disk = i == 0 ? "disk1.vmdk" : longname;
		size_t len = 100000 + i * 777;
		char sub[32];
		uint8_t *data;

		snprintf(sub, sizeof sub, "fmt%zu", i);
		data = make_tree(sub, disk, len);
		snprintf(path, sizeof path, "%s/%s.ova", ut_tmpdir, sub);
		assert_int_equal(ut_sh("tar --format=%s -C '%s/%s' -cf '%s' a.ovf '%s'", formats[i],
				     ut_tmpdir, sub, path, disk), 0);
		check_appliance(path, disk, data, len, OVK_APPLIANCE_OVA);
		/* The same package as an .ovf with its files beside it, and as
		 * a directory. */
		snprintf(path, sizeof path, "%s/%s/a.ovf", ut_tmpdir, sub);
		check_appliance(path, disk, data, len, OVK_APPLIANCE_OVF);
		snprintf(path, sizeof path, "%s/%s", ut_tmpdir, sub);
		check_appliance(path, disk, data, len, OVK_APPLIANCE_OVF);
		free(data);
	}
}

static void test_compressed(void **state)
{
	static const char *const flags[] = {"z", "J"};
	char path[8192];
	uint8_t *data = make_tree("gz", "disk1.vmdk", 300000);

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/c%zu.ova", ut_tmpdir, i);
		assert_int_equal(ut_sh("tar -C '%s/gz' -c%sf '%s' a.ovf disk1.vmdk", ut_tmpdir, flags[i],
				     path), 0);
		check_appliance(path, "disk1.vmdk", data, 300000, OVK_APPLIANCE_OVA_STREAM);
	}
	free(data);
}

static void test_stream_flag_and_order(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_blob *b = NULL;
	char path[8192];
	uint8_t buf[16];
	uint8_t *data = make_tree("order", "disk1.vmdk", 5000);

	(void)state;
	snprintf(path, sizeof path, "%s/order/disk2.vmdk", ut_tmpdir);
	write_file(path, "second", 6);
	snprintf(path, sizeof path, "%s/order.ova", ut_tmpdir);
	assert_int_equal(ut_sh("tar -C '%s/order' -cf '%s' a.ovf disk1.vmdk disk2.vmdk", ut_tmpdir,
			     path), 0);
	/* OVK_OPEN_STREAM: an uncompressed tar read forward, no mapping. */
	assert_int_equal(ovk_appliance_open(path, OVK_OPEN_STREAM, &app, &err), 0);
	assert_int_equal(ovk_appliance_kind(app), OVK_APPLIANCE_OVA_STREAM);
	assert_int_equal(ovk_appliance_open_member(app, "disk2.vmdk", 0, &b, &err), 0);
	assert_null(ovk_blob_data(b));
	assert_true(ovk_blob_is_stream(b));
	assert_int_equal(ovk_blob_read(b, buf, sizeof buf, &err), 6);
	assert_memory_equal(buf, "second", 6);
	ovk_blob_free(b);
	/* disk1 was passed on the way: it cannot be read any more. */
	assert_int_equal(ovk_appliance_open_member(app, "disk1.vmdk", 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "read once, in order"));
	ovk_appliance_free(app);
	free(data);
}

/* Build a tar with libarchive: entries of (name, type, link target). */
struct entry {
	const char *name;
	int type;              /* AE_IFREG, AE_IFLNK; hardlink when `link` and type 0 */
	const char *link;
	const char *data;
};

static void write_tar(const char *path, const struct entry *e, size_t n)
{
	struct archive *a = archive_write_new();

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		size_t len = e[i].data ? strlen(e[i].data) : 0;

		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_perm(ae, 0644);
		if (e[i].type == AE_IFLNK) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].link);
		} else {
			archive_entry_set_filetype(ae, AE_IFREG);
			if (e[i].link)
				archive_entry_set_hardlink(ae, e[i].link);
			archive_entry_set_size(ae, (la_int64_t)len);
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, e[i].data, len), (la_ssize_t)len);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void expect_refused(const char *tarname, const struct entry *e, size_t n,
			   const char *needle)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	char path[8192];

	snprintf(path, sizeof path, "%s/%s", ut_tmpdir, tarname);
	write_tar(path, e, n);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), -1);
	assert_null(app);
	if (!strstr(err.msg, needle))
		fail_msg("%s: expected '%s' in '%s'", tarname, needle, err.msg);
	/* The streamed reader applies the same rules, when it gets there: open
	 * reads up to the first disk, the rest is read by drain. */
	if (ovk_appliance_open(path, OVK_OPEN_STREAM, &app, &err) == 0) {
		assert_int_equal(ovk_appliance_drain(app, &err), -1);
		ovk_appliance_free(app);
	}
	if (!strstr(err.msg, needle))
		fail_msg("%s (stream): expected '%s' in '%s'", tarname, needle, err.msg);
}

static void test_hostile_members(void **state)
{
	const struct entry dotdot[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
				       {"../x", AE_IFREG, NULL, "evil"}};
	const struct entry absolute[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
					 {"/etc/x", AE_IFREG, NULL, "evil"}};
	const struct entry symlink[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
					{"disk.vmdk", AE_IFLNK, "/etc/passwd", NULL}};
	const struct entry hardlink[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
					 {"disk.vmdk", 0, "a.ovf", NULL}};
	const struct entry dup[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
				    {"disk.vmdk", AE_IFREG, NULL, "one"},
				    {"disk.vmdk", AE_IFREG, NULL, "two"}};
	const struct entry two_ovf[] = {{"a.ovf", AE_IFREG, NULL, "<x/>"},
					{"b.ovf", AE_IFREG, NULL, "<y/>"}};

	(void)state;
	expect_refused("dotdot.ova", dotdot, 2, "'..' are refused");
	expect_refused("abs.ova", absolute, 2, "absolute names");
	expect_refused("symlink.ova", symlink, 2, "is a link");
	expect_refused("hardlink.ova", hardlink, 2, "is a link");
	expect_refused("dup.ova", dup, 3, "appears twice");
	expect_refused("twoovf.ova", two_ovf, 2, "two descriptors");
}

static void test_href_outside(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_ovf_envelope *env = NULL;
	struct ovk_blob *b = NULL;
	char path[8192], ovf[4096];

	(void)state;
	/* An OVF beside its files whose href climbs out of the directory. */
	snprintf(path, sizeof path, "%s/out", ut_tmpdir);
	mkdir(path, 0755);
	snprintf(ovf, sizeof ovf, ovf_text, "../secret.vmdk");
	snprintf(path, sizeof path, "%s/out/a.ovf", ut_tmpdir);
	write_file(path, ovf, strlen(ovf));
	snprintf(path, sizeof path, "%s/secret.vmdk", ut_tmpdir);
	write_file(path, "secret", 6);
	snprintf(path, sizeof path, "%s/out/a.ovf", ut_tmpdir);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), 0);
	{
		const uint8_t *buf;
		size_t len;

		ovk_appliance_ovf(app, &buf, &len);
		assert_int_equal(ovk_ovf_parse(buf, len, "a.ovf", &env, &err), 0);
	}
	assert_int_equal(ovk_appliance_check_refs(app, env, &err), -1);
	assert_non_null(strstr(err.msg, "not inside the package"));
	assert_int_equal(ovk_appliance_open_file(app, &env->files[0], 0, &b, &err), -1);
	/* A symlink inside the directory pointing out is refused as well. */
	snprintf(path, sizeof path, "%s/out/link.vmdk", ut_tmpdir);
	assert_int_equal(symlink("../secret.vmdk", path), 0);
	assert_int_equal(ovk_appliance_open_member(app, "link.vmdk", 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	ovk_ovf_free(env);
	ovk_appliance_free(app);
}

static void test_missing_member(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_ovf_envelope *env = NULL;
	char path[8192];
	const uint8_t *buf;
	size_t len;
	uint8_t *data = make_tree("miss", "disk1.vmdk", 10);

	(void)state;
	snprintf(path, sizeof path, "%s/miss.ova", ut_tmpdir);
	assert_int_equal(ut_sh("tar -C '%s/miss' -cf '%s' a.ovf", ut_tmpdir, path), 0);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), 0);
	ovk_appliance_ovf(app, &buf, &len);
	assert_int_equal(ovk_ovf_parse(buf, len, "a.ovf", &env, &err), 0);
	assert_int_equal(ovk_appliance_check_refs(app, env, &err), -1);
	assert_non_null(strstr(err.msg, "'disk1.vmdk' is missing"));
	ovk_ovf_free(env);
	ovk_appliance_free(app);
	free(data);
}

static void test_dir_needs_one_ovf(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	char path[8192];

	(void)state;
	snprintf(path, sizeof path, "%s/two", ut_tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/two/a.ovf", ut_tmpdir);
	write_file(path, "<a/>", 4);
	snprintf(path, sizeof path, "%s/two/b.ovf", ut_tmpdir);
	write_file(path, "<b/>", 4);
	snprintf(path, sizeof path, "%s/two", ut_tmpdir);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), -1);
	assert_non_null(strstr(err.msg, "several .ovf files"));
	snprintf(path, sizeof path, "%s/none", ut_tmpdir);
	mkdir(path, 0755);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), -1);
	assert_non_null(strstr(err.msg, "no .ovf file"));
}

/* The appliance's resolver hands a descriptor member its sibling members,
 * through the open context a conversion uses (core/open.h). */
static void test_sibling_resolver(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_blob *desc = NULL, *ext = NULL, *none = NULL;
	struct ovk_open_ctx ctx = { 0 };
	char path[8192];
	uint8_t *data = make_tree("sib", "disk1.vmdk", 4096);

	(void)state;
	snprintf(path, sizeof path, "%s/sib/disk1-flat.vmdk", ut_tmpdir);
	write_file(path, "flat-bytes", 10);
	snprintf(path, sizeof path, "%s/sib.ova", ut_tmpdir);
	assert_int_equal(ut_sh("tar -C '%s/sib' -cf '%s' a.ovf disk1.vmdk disk1-flat.vmdk", ut_tmpdir,
			     path), 0);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), 0);
	assert_int_equal(ovk_appliance_open_member(app, "disk1.vmdk", 0, &desc, &err), 0);
	assert_string_equal(ovk_blob_location(desc), "disk1.vmdk");
	ctx.resolver = ovk_appliance_resolver(app);
	assert_int_equal(ovk_open_sibling(&ctx, desc, "disk1-flat.vmdk", &ext, &err), 0);
	assert_int_equal(ovk_blob_size(ext), 10);
	assert_memory_equal(ovk_blob_data(ext), "flat-bytes", 10);
	assert_int_equal(ovk_open_sibling(&ctx, desc, "../disk1-flat.vmdk", &none, &err), -1);
	assert_null(none);
	assert_int_equal(ovk_open_sibling(&ctx, desc, "/disk1-flat.vmdk", &none, &err), -1);
	assert_null(none);
	assert_int_equal(ovk_open_sibling(&ctx, desc, "nope.vmdk", &none, &err), -1);
	assert_null(none);
	assert_non_null(strstr(err.msg, "no member 'nope.vmdk'"));
	/* The appliance may go first: its blobs keep their bytes alive (its
	 * resolver does not outlive it). */
	ovk_appliance_free(app);
	assert_memory_equal(ovk_blob_data(ext), "flat-bytes", 10);
	assert_memory_equal(ovk_blob_data(desc), data, 4096);
	ovk_blob_free(ext);
	ovk_blob_free(desc);
	free(data);
}

/* Chunked and gzip'ed Files, checked against gzip(1) and split(1). */
static void test_chunked_gzip(void **state)
{
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	struct ovk_ovf_file f = {0};
	struct ovk_blob *b = NULL;
	char path[8192];
	size_t len = 1000000;
	uint8_t *data = make_tree("chunk", "disk1.vmdk", len);
	uint8_t *got = malloc(len + 1);
	ssize_t n;

	(void)state;
	assert_non_null(got);
	assert_int_equal(ut_sh("cd '%s/chunk' && gzip -c disk1.vmdk > d.gz && "
			     "split -a 9 -d -b 300000 disk1.vmdk disk1.vmdk. && "
			     "split -a 9 -d -b 100000 d.gz dz.gz.", ut_tmpdir), 0);
	snprintf(path, sizeof path, "%s/chunk/a.ovf", ut_tmpdir);
	assert_int_equal(ovk_appliance_open(path, 0, &app, &err), 0);
	for (int mode = 0; mode < 3; mode++) {
		struct stat st;

		f.href = mode == 0 ? "disk1.vmdk" : mode == 1 ? "d.gz" : "dz.gz";
		f.chunk_size = mode == 1 ? 0 : mode == 0 ? 300000 : 100000;
		f.compression = mode == 0 ? NULL : "gzip";
		snprintf(path, sizeof path, "%s/chunk/d.gz", ut_tmpdir);
		assert_int_equal(stat(path, &st), 0);
		f.has_size = 1;
		f.size = mode == 0 ? len : (uint64_t)st.st_size;
		if (ovk_appliance_open_file(app, &f, 0, &b, &err) != 0)
			fail_msg("mode %d: %s", mode, err.msg);
		n = 0;
		for (;;) {
			ssize_t r = ovk_blob_read(b, got + n, len + 1 - (size_t)n, &err);

			if (r < 0)
				fail_msg("mode %d: %s", mode, err.msg);
			if (r == 0)
				break;
			n += r;
		}
		assert_int_equal(n, (ssize_t)len);
		assert_memory_equal(got, data, len);
		ovk_blob_free(b);
	}
	/* A corrupt gzip stream fails with zlib's reason. */
	snprintf(path, sizeof path, "%s/chunk/bad.gz", ut_tmpdir);
	write_file(path, "\x1f\x8b\x08\x00garbage-garbage-garbage", 27);
	f.href = "bad.gz";
	f.chunk_size = 0;
	f.has_size = 0;
	f.compression = "gzip";
	assert_int_equal(ovk_appliance_open_file(app, &f, 0, &b, &err), 0);
	assert_true(ovk_blob_read(b, got, len, &err) < 0);
	assert_non_null(strstr(err.msg, "gzip"));
	ovk_blob_free(b);
	ovk_appliance_free(app);
	free(got);
	free(data);
}

/* ------------------------------------------------------------ member checks */

/* Read b to its end; the total, or -1 with err. */
static ssize_t read_all(struct ovk_blob *b, struct ovk_error *err)
{
	uint8_t buf[65536];
	ssize_t n, total = 0;

	while ((n = ovk_blob_read(b, buf, sizeof buf, err)) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

/* Open `path` and arm a verifier on it (ova/verify.h) with its own
 * manifest (collect: 0) or collecting for a manifest still to come; *mf
 * holds the parsed manifest, *v the verifier. */
static struct ovk_appliance *open_armed(const char *path, int collect, struct ovk_manifest **mf,
					struct ovk_verify **v)
{
	static const enum ovk_hash_alg algs[] = { OVK_HASH_SHA1, OVK_HASH_SHA256, OVK_HASH_NONE };
	struct ovk_error err = {0};
	struct ovk_appliance *app = NULL;
	const uint8_t *buf;
	const char *name;
	size_t len;

	if (ovk_appliance_open(path, 0, &app, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	*mf = NULL;
	if (!collect) {
		assert_int_equal(ovk_appliance_manifest(app, &name, &buf, &len), 0);
		assert_int_equal(ovk_manifest_parse(buf, len, name, mf, &err), 0);
	}
	assert_int_equal(ovk_verify_new(*mf, collect ? algs : NULL, NULL, v, &err), 0);
	ovk_appliance_set_verify(app, *v);
	return app;
}

/* As a package frees them: the appliance points at the verifier, the
 * verifier into the manifest. */
static void close_armed(struct ovk_appliance *app, struct ovk_manifest *mf, struct ovk_verify *v)
{
	ovk_appliance_free(app);
	ovk_verify_free(v);
	ovk_manifest_free(mf);
}

/* The manifests are made by sha256sum(1), not by us.  "bad" changes the
 * last byte of ext.bin, "nolist" leaves ext.bin out of the manifest, and
 * "badfile" gives the File disk1.vmdk a wrong digest. */
static void make_checked_trees(void)
{
	static const char *const trees[] = { "mc", "bad", "nolist", "badfile" };
	char path[8192];
	uint8_t *ext = pattern(300000, 7);

	free(make_tree("mc", "disk1.vmdk", 4096));
	snprintf(path, sizeof path, "%s/mc/ext.bin", ut_tmpdir);
	write_file(path, ext, 300000);
	free(ext);
	assert_int_equal(ut_sh("cd '%s/mc' && for f in a.ovf disk1.vmdk ext.bin; do "
			     "echo \"SHA256($f)= $(sha256sum $f | cut -d' ' -f1)\"; done > a.mf && "
			     "rm -rf ../bad ../nolist ../badfile && "
			     "cp -r . ../bad && cp -r . ../nolist && cp -r . ../badfile && "
			     "grep -v ext.bin a.mf > ../nolist/a.mf && "
			     "sed -i 's/^\\(SHA256(disk1.vmdk)= \\).*/\\1%064d/' ../badfile/a.mf && "
			     "printf x | dd of=../bad/ext.bin bs=1 seek=299999 conv=notrunc "
			     "status=none", ut_tmpdir, 0), 0);
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		const char *t = trees[i];

		assert_int_equal(ut_sh("cd '%s/%s' && tar -cf ../%s.ova a.ovf a.mf disk1.vmdk ext.bin && "
				     "tar -czf ../%s.ova.gz a.ovf a.mf disk1.vmdk ext.bin && "
				     "tar -czf ../%s-late.ova.gz a.ovf disk1.vmdk ext.bin a.mf",
				     ut_tmpdir, t, t, t, t), 0);
	}
}

static const char *const shapes[] = { "%s/%s.ova", "%s/%s.ova.gz", "%s/%s" };

/* Good: every member a conversion reads (the File and a member it names)
 * matches, at settle, whether the conversion read it whole or not. */
static void check_good(size_t s)
{
	struct ovk_error err = {0};
	struct ovk_ovf_file f = { .href = "disk1.vmdk" };
	struct ovk_manifest *mf = NULL;
	struct ovk_verify *v = NULL;
	struct ovk_appliance *app;
	struct ovk_blob *file = NULL, *b = NULL;
	char path[8192];

	snprintf(path, sizeof path, shapes[s], ut_tmpdir, "mc");
	app = open_armed(path, 0, &mf, &v);
	if (ovk_appliance_open_file(app, &f, 0, &file, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	if (ovk_appliance_open_member(app, "ext.bin", 0, &b, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	if (ovk_blob_is_stream(b))
		assert_int_equal(ovk_blob_read(b, (uint8_t[16]){0}, 16, &err), 16);
	if (ovk_verify_settle(v, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	ovk_blob_free(b);
	ovk_blob_free(file);
	close_armed(app, mf, v);
}

/* Changed (last byte of ext.bin): a mapped member's mismatch is found at
 * settle, by the hashing thread; a streamed one's by the read that ends the
 * member, or by settle when it was read only in part. */
static void check_bad(size_t s, int partial)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;
	struct ovk_verify *v = NULL;
	struct ovk_appliance *app;
	struct ovk_blob *b = NULL;
	char path[8192];

	snprintf(path, sizeof path, shapes[s], ut_tmpdir, "bad");
	app = open_armed(path, 0, &mf, &v);
	assert_int_equal(ovk_appliance_open_member(app, "ext.bin", 0, &b, &err), 0);
	if (!ovk_blob_is_stream(b)) {
		if (partial)
			assert_int_equal(ovk_blob_pread(b, 0, (uint8_t[16]){0}, 16, &err), 0);
		assert_int_equal(ovk_verify_settle(v, &err), -1);
	} else if (partial) {
		assert_int_equal(ovk_blob_read(b, (uint8_t[16]){0}, 16, &err), 16);
		assert_int_equal(ovk_verify_settle(v, &err), -1);
	} else {
		assert_int_equal(read_all(b, &err), -1);
		assert_non_null(strstr(err.msg, "ext.bin: SHA256 digest mismatch"));
		/* ... and settle does not forget it. */
		memset(&err, 0, sizeof err);
		assert_int_equal(ovk_verify_settle(v, &err), -1);
	}
	assert_non_null(strstr(err.msg, "ext.bin: SHA256 digest mismatch"));
	ovk_blob_free(b);
	close_armed(app, mf, v);
}

/* The File's own member is checked like any other: its wrong digest fails
 * settle. */
static void check_bad_file(size_t s)
{
	struct ovk_error err = {0};
	struct ovk_ovf_file f = { .href = "disk1.vmdk" };
	struct ovk_manifest *mf = NULL;
	struct ovk_verify *v = NULL;
	struct ovk_appliance *app;
	struct ovk_blob *b = NULL;
	char path[8192];

	snprintf(path, sizeof path, shapes[s], ut_tmpdir, "badfile");
	app = open_armed(path, 0, &mf, &v);
	if (ovk_appliance_open_file(app, &f, 0, &b, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(ovk_verify_settle(v, &err), -1);
	assert_non_null(strstr(err.msg, "disk1.vmdk: SHA256 digest mismatch"));
	ovk_blob_free(b);
	close_armed(app, mf, v);
}

/* Not listed: refused at open. */
static void check_unlisted(size_t s)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;
	struct ovk_verify *v = NULL;
	struct ovk_appliance *app;
	struct ovk_blob *b = NULL;
	char path[8192];

	snprintf(path, sizeof path, shapes[s], ut_tmpdir, "nolist");
	app = open_armed(path, 0, &mf, &v);
	assert_int_equal(ovk_appliance_open_member(app, "ext.bin", 0, &b, &err), -1);
	assert_null(b);
	assert_non_null(strstr(err.msg, "'ext.bin' is not listed in the manifest"));
	close_armed(app, mf, v);
}

/* A streamed member closed before it was read whole cannot be hashed any
 * more: settle refuses it rather than pass it unverified. */
static void check_closed_early(void)
{
	struct ovk_error err = {0};
	struct ovk_manifest *mf = NULL;
	struct ovk_verify *v = NULL;
	struct ovk_appliance *app;
	struct ovk_blob *b = NULL;
	char path[8192];

	snprintf(path, sizeof path, shapes[1], ut_tmpdir, "mc");
	app = open_armed(path, 0, &mf, &v);
	assert_int_equal(ovk_appliance_open_member(app, "ext.bin", 0, &b, &err), 0);
	assert_int_equal(ovk_blob_read(b, (uint8_t[16]){0}, 16, &err), 16);
	ovk_blob_free(b);
	assert_int_equal(ovk_verify_settle(v, &err), -1);
	assert_non_null(strstr(err.msg, "'ext.bin'"));
	assert_non_null(strstr(err.msg, "not verified"));
	close_armed(app, mf, v);
}

static void test_member_checks(void **state)
{
	(void)state;
	make_checked_trees();
	for (size_t s = 0; s < 3; s++) {
		check_good(s);
		for (int partial = 0; partial < 2; partial++)
			check_bad(s, partial);
		check_bad_file(s);
		check_unlisted(s);
	}
	check_closed_early();
}

/* A manifest after the disks: digests collected as the stream passes, even
 * of bytes the conversion did not read (settle reads them), and compared
 * once it has come. */
static void test_member_checks_late(void **state)
{
	struct ovk_error err = {0};
	char path[8192];

	(void)state;
	for (int t = 0; t < 3; t++) {
		const char *name = t == 0 ? "mc" : t == 1 ? "bad" : "nolist";
		struct ovk_manifest *mf = NULL, *late = NULL;
		struct ovk_verify *v = NULL;
		struct ovk_appliance *app;
		struct ovk_blob *b = NULL;
		const uint8_t *buf;
		const char *mfname;
		size_t len;
		int r;

		snprintf(path, sizeof path, "%s/%s-late.ova.gz", ut_tmpdir, name);
		app = open_armed(path, 1, &mf, &v);
		assert_null(mf);
		assert_int_equal(ovk_appliance_open_member(app, "ext.bin", 0, &b, &err), 0);
		assert_int_equal(ovk_blob_read(b, (uint8_t[16]){0}, 16, &err), 16);
		if (ovk_verify_settle(v, &err) != 0)
			fail_msg("%s: %s", path, err.msg);
		ovk_blob_free(b);
		if (ovk_appliance_drain(app, &err) != 0)
			fail_msg("%s: %s", path, err.msg);
		assert_int_equal(ovk_appliance_manifest(app, &mfname, &buf, &len), 0);
		assert_int_equal(ovk_manifest_parse(buf, len, mfname, &late, &err), 0);
		r = ovk_verify_collected(v, late, &err);
		if (t == 0 && r != 0)
			fail_msg("%s: %s", path, err.msg);
		if (t == 1) {
			assert_int_equal(r, -1);
			assert_non_null(strstr(err.msg, "ext.bin: SHA256 digest mismatch"));
		}
		if (t == 2) {
			assert_int_equal(r, -1);
			assert_non_null(strstr(err.msg, "'ext.bin' is not listed"));
		}
		ovk_manifest_free(late);
		close_armed(app, mf, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar_formats),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_stream_flag_and_order),
		cmocka_unit_test(test_hostile_members),
		cmocka_unit_test(test_href_outside),
		cmocka_unit_test(test_missing_member),
		cmocka_unit_test(test_dir_needs_one_ovf),
		cmocka_unit_test(test_sibling_resolver),
		cmocka_unit_test(test_chunked_gzip),
		cmocka_unit_test(test_member_checks),
		cmocka_unit_test(test_member_checks_late),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
