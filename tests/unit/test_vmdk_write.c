/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vmdk_write.c: the VMDK sink through its internals.
 *
 * What only a unit test can check: the geometry VMware gives a disk
 * (against the numbers in VMware-made descriptors), the -o options and
 * their refusals, the descriptor read back by our own parser, the header
 * encoder against the decoder and validator, and the sink's contract (runs
 * out of order, a grain without its deflate stream, an early finish).
 * Whole conversions judged by qemu-img are tests/images/test_vmdk_write.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/extent.h"
#include "vmdk/vmdk.h"
#include "vmdk/writer.h"

#define GiB_SECTORS ((uint64_t)1 << 21)

static void check_geometry(uint64_t capacity, const char *adapter, uint64_t c, uint32_t h,
			   uint32_t s)
{
	uint64_t cyl;
	uint32_t heads, sectors;

	ovk_vmdk_w_geometry(capacity, adapter, &cyl, &heads, &sectors);
	assert_int_equal(cyl, c);
	assert_int_equal(heads, h);
	assert_int_equal(sectors, s);
}

static void test_geometry(void **state)
{
	(void)state;
	/* govmomi's ttylinux export (ovftool): 61440 sectors, lsilogic. */
	check_geometry(61440, "lsilogic", 30, 64, 32);
	/* A 40 GiB disk as Workstation describes it, IDE and SCSI. */
	check_geometry(40 * GiB_SECTORS, "ide", 83220, 16, 63);
	check_geometry(40 * GiB_SECTORS, "lsilogic", 5221, 255, 63);
	/* The SCSI translation's steps at 1 and 2 GiB. */
	check_geometry(GiB_SECTORS - 1, "buslogic", 1023, 64, 32);
	check_geometry(GiB_SECTORS, "buslogic", 512, 128, 32);
	check_geometry(3 * GiB_SECTORS / 2, "lsilogic", 768, 128, 32);
	check_geometry(2 * GiB_SECTORS, "legacyESX", 261, 255, 63);
	check_geometry(1, "ide", 0, 16, 63);
}

static void test_options(void **state)
{
	struct ovk_vmdk_w_opts o;
	struct ovk_error err = { 0 };
	static const char *const bad[] = {
		"subformat=monolithicFlat", "adapter_type=pvscsi", "hwversion=100", "hwversion=",
		"tools_version=99999999999", "toolsversion=1a", "compat6=on", "hwversion",
	};

	(void)state;
	assert_int_equal(ovk_vmdk_w_parse_options(NULL, &o, &err), 0);
	assert_true(o.stream);
	assert_string_equal(o.adapter, "lsilogic");
	assert_int_equal(o.hwversion, OVK_VMDK_W_HW_DEFAULT);
	assert_int_equal(o.tools_version, 2147483647u);
	assert_int_equal(ovk_vmdk_w_parse_options("subformat=monolithicSparse,adapter_type=ide,"
						  "hwversion=21,toolsversion=10346", &o, &err), 0);
	assert_false(o.stream);
	assert_string_equal(o.adapter, "ide");
	assert_int_equal(o.hwversion, 21);
	assert_int_equal(o.tools_version, 10346);
	assert_int_equal(ovk_vmdk_w_parse_options("tools_version=0", &o, &err), 0);
	assert_int_equal(o.tools_version, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(ovk_vmdk_w_parse_options(bad[i], &o, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(ovk_vmdk_check_sink_options("adapter_type=legacyESX", &err), 0);
}

static void test_descriptor(void **state)
{
	struct ovk_vmdk_w_opts o;
	struct ovk_vmdk_desc d;
	struct ovk_error err = { 0 };
	char *text = NULL, *again = NULL, cid[16];
	size_t len, len2;

	(void)state;
	assert_int_equal(ovk_vmdk_w_parse_options("hwversion=14", &o, &err), 0);
	assert_int_equal(ovk_vmdk_w_descriptor(&o, 61440, "/x/a\"b\nc.vmdk", &text, &len, &err), 0);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "RW 61440 SPARSE \"a_b_c.vmdk\"\n"));
	assert_non_null(strstr(text, "ddb.virtualHWVersion = \"14\"\n"));
	assert_non_null(strstr(text, "ddb.toolsVersion = \"2147483647\"\n"));
	assert_non_null(strstr(text, "ddb.geometry.cylinders = \"30\"\n"));
	assert_int_equal(ovk_vmdk_desc_parse(text, len, &d, &err), 0);
	assert_string_equal(d.create_type, "streamOptimized");
	assert_true(d.has_cid && d.has_parent_cid);
	assert_int_equal(d.parent_cid, OVK_VMDK_CID_NONE);
	assert_true(d.cid != 0xffffffffu && d.cid != 0xfffffffeu);
	assert_int_equal(d.n_ext, 1);
	assert_int_equal(d.ext[0].kind, OVK_VMDK_EXT_SPARSE);
	assert_int_equal(d.ext[0].sectors, 61440);
	/* longContentID ends in the CID, as open-vmdk writes it */
	snprintf(cid, sizeof cid, "%08x\"\n", d.cid);
	assert_non_null(strstr(strstr(text, "ddb.longContentID"), cid));
	assert_int_equal(ovk_vmdk_w_descriptor(&o, 61440, "a.vmdk", &again, &len2, &err), 0);
	assert_true(strcmp(text, again) != 0);   /* a new CID each time */
	ovk_vmdk_desc_clear(&d);
	free(text);
	free(again);
}

static void test_header_round_trip(void **state)
{
	static const struct ovk_vmdk_header h = {
		.magic = OVK_VMDK_MAGIC_KDMV, .version = 3,
		.flags = OVK_VMDK_FLAG_NL_TEST | OVK_VMDK_FLAG_COMPRESSED | OVK_VMDK_FLAG_MARKERS,
		.capacity = 61440, .grain_size = 128, .desc_offset = 1, .desc_size = 1, .gtes = 512,
		.gd_offset = OVK_VMDK_GD_AT_END, .overhead = 128, .nl = { '\n', ' ', '\r', '\n' },
		.compress = OVK_VMDK_COMPRESS_DEFLATE,
	};
	struct ovk_vmdk_header back;
	struct ovk_error err = { 0 };
	uint8_t b[OVK_VMDK_SECTOR];

	(void)state;
	memset(b, 0xaa, sizeof b);
	ovk_vmdk_header_encode(&h, b);
	ovk_vmdk_header_decode(b, &back);
	assert_memory_equal(&h, &back, sizeof h);
	assert_int_equal(ovk_vmdk_header_validate(&back, 1 << 20, &err), 0);
	assert_true(ovk_vmdk_header_is_stream(&back));
	for (size_t i = 79; i < sizeof b; i++)
		assert_int_equal(b[i], 0);
}

/* A sink on a scratch file, `size` bytes, with -o options. */
static struct ovk_sink *sink_open(const char *options, uint64_t size, int *fd)
{
	struct ovk_sink_params p = { 0 };
	struct ovk_sink *s = NULL;
	struct ovk_error err = { 0 };
	char path[4200];

	snprintf(path, sizeof path, "%s/sink.vmdk", ut_tmpdir);
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(*fd >= 0);
	p.fd = *fd;
	p.name = "sink.vmdk";
	p.size = size;
	p.options = options;
	assert_int_equal(ovk_vmdk_open_sink(&p, &s, &err), 0);
	return s;
}

static void test_sink_contract(void **state)
{
	static uint8_t grain[65536];
	struct ovk_block_run run = { .type = OVK_EXTENT_DATA, .data = grain };
	struct ovk_error err = { 0 };
	struct ovk_sink *s;
	int fd;

	(void)state;
	grain[7] = 1;
	s = sink_open(NULL, 3 * 65536, &fd);
	assert_int_equal(s->block_size, 65536);
	assert_int_equal(s->codec, OVK_CODEC_ZLIB);
	assert_true(s->encode_cap >= 65536 + 64 && s->encode_cap <= 2 * 65536 - 12);
	/* Not the next grain. */
	run.offset = 65536;
	run.length = 65536;
	assert_int_equal(s->ops->write(s, &run, &err), -1);
	assert_non_null(strstr(err.msg, "not the next whole grains"));
	/* A stream's grain must come deflated. */
	run.offset = 0;
	assert_int_equal(s->ops->write(s, &run, &err), -1);
	assert_non_null(strstr(err.msg, "deflate"));
	s->ops->abort(s);
	close(fd);

	/* Finishing early is an error, not a short disk. */
	s = sink_open("subformat=monolithicSparse", 3 * 65536, &fd);
	assert_int_equal(s->codec, OVK_CODEC_NONE);
	run.offset = 0;
	assert_int_equal(s->ops->write(s, &run, &err), 0);
	assert_int_equal(s->ops->finish(s, &err), -1);
	assert_non_null(strstr(err.msg, "finished at byte 65536"));
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_vmdk_write", 0);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_sink_contract),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
