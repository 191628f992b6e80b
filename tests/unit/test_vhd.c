/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vhd.c: the VHD decoders (src/vhd/header.c): the footer and dynamic
 * header of images qemu-img writes, their checksums, qemu-img's virtual
 * size rule for every creator application it knows, and the parent name
 * from the locators.  The conversions themselves are judged by qemu-img
 * in tests/images/test_vhd.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_support.h"
#include "vfmt_support.h"

#include <errno.h>
#include <string.h>

#include "core/endian.h"
#include "vhd/vhd.h"

/* Store the VHD checksum of len bytes at `at`. */
static void checksum(uint8_t *b, size_t len, size_t at)
{
	uint32_t sum = 0;

	memset(b + at, 0, 4);
	for (size_t i = 0; i < len; i++)
		sum += b[i];
	be32_store(b + at, ~sum);
}

static void test_footer(void **state)
{
	struct ovk_vhd_footer f;
	struct ovk_error err;
	const char *rule;
	uint64_t size;
	size_t len;
	uint8_t *img = ut_qemu_image("vpc", "subformat=dynamic", "1049088", &len);

	(void)state;
	ovk_vhd_footer_decode(img, &f);
	assert_int_equal(ovk_vhd_footer_validate(&f, &err), 0);
	assert_int_equal(f.type, OVK_VHD_TYPE_DYNAMIC);
	assert_memory_equal(f.creator_app, "qemu", 4);
	assert_int_equal(ovk_vhd_virtual_size(&f, &size, &rule, &err), 0);
	assert_string_equal(rule, "chs");
	assert_int_equal(size, 1079296);           /* what qemu-img info says */
	assert_int_equal(ovk_vhd_footer_probe(img, len, 0), OVK_PROBE_SURE);
	assert_int_equal(ovk_vhd_footer_probe(img + len - 512, 512, 1), OVK_PROBE_NO);
	img[40] ^= 1;
	ovk_vhd_footer_decode(img, &f);
	assert_int_equal(ovk_vhd_footer_validate(&f, &err), -1);
	assert_non_null(strstr(err.msg, "checksum"));
	assert_int_equal(ovk_vhd_footer_probe(img, len, 0), OVK_PROBE_MAYBE);
	free(img);
}

static void test_size_rules(void **state)
{
	static const struct {
		const char app[5];
		uint16_t cyl;
		uint64_t want;
	} cases[] = {
		{ "qemu", 100, 100 * 16 * 63 * 512ull }, { "vpc ", 100, 100 * 16 * 63 * 512ull },
		{ "qem2", 100, 1000000ull / 512 * 512 }, { "win ", 100, 1000000ull / 512 * 512 },
		{ "d2v ", 100, 1000000ull / 512 * 512 }, { "CTXS", 100, 1000000ull / 512 * 512 },
		{ "tap", 100, 1000000ull / 512 * 512 }, { "qemu", 65535, 1000000ull / 512 * 512 },
	};
	struct ovk_vhd_footer f;
	struct ovk_error err;
	const char *rule;
	uint8_t b[512];
	uint64_t size;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(b, 0, sizeof b);
		memcpy(b, "conectix", 8);
		memcpy(b + 28, cases[i].app, 4);
		be64_store(b + 48, 1000000);
		be16_store(b + 56, cases[i].cyl);
		b[58] = 16;
		b[59] = cases[i].cyl == 65535 ? 255 : 63;
		ovk_vhd_footer_decode(b, &f);
		assert_int_equal(ovk_vhd_virtual_size(&f, &size, &rule, &err), 0);
		assert_int_equal(size, cases[i].want);
	}
	memcpy(b + 28, "win ", 4);
	be64_store(b + 48, (uint64_t)1 << 42);     /* 4 TiB: above 2040 GiB */
	ovk_vhd_footer_decode(b, &f);
	assert_int_equal(ovk_vhd_virtual_size(&f, &size, &rule, &err), -1);
	assert_int_equal(err.errnum, EFBIG);
}

static void test_dynamic_header(void **state)
{
	struct ovk_vhd_footer f;
	struct ovk_vhd_dyn d;
	struct ovk_error err;
	size_t len;
	uint8_t *img = ut_qemu_image("vpc", "subformat=dynamic,force_size=on", "5M", &len);

	(void)state;
	ovk_vhd_footer_decode(img, &f);
	ovk_vhd_dyn_decode(img + f.data_offset, &d);
	assert_int_equal(ovk_vhd_dyn_validate(&d, 5 << 20, len, &err), 0);
	assert_int_equal(d.block_size, 2 << 20);
	assert_true(d.max_table_entries >= 3);
	/* The BAT must cover the virtual size, and lie inside the file. */
	assert_int_equal(ovk_vhd_dyn_validate(&d, (uint64_t)d.max_table_entries * (2 << 20) + 1, len,
					      &err), -1);
	assert_non_null(strstr(err.msg, "max table entries"));
	assert_int_equal(ovk_vhd_dyn_validate(&d, 5 << 20, d.table_offset + 4, &err), -1);
	assert_non_null(strstr(err.msg, "BAT at offset"));
	be32_store(img + f.data_offset + 32, 3 << 20);
	checksum(img + f.data_offset, 1024, 36);
	ovk_vhd_dyn_decode(img + f.data_offset, &d);
	assert_int_equal(ovk_vhd_dyn_validate(&d, 5 << 20, len, &err), -1);
	assert_non_null(strstr(err.msg, "block size 3145728"));
	free(img);
}

/* A dynamic header with a W2ru locator of `rel` (UTF-16LE at 1024; NULL:
 * none) and the parent name field "name.vhd" (UTF-16BE). */
static void locator_image(uint8_t *img, const char *rel)
{
	size_t n = rel ? strlen(rel) : 0;

	memset(img, 0, 2048);
	for (size_t i = 0; i < 8; i++)
		be16_store(img + 64 + 2 * i, (uint16_t)"name.vhd"[i]);
	if (rel) {
		be32_store(img + 576, OVK_VHD_PLAT_W2RU);
		be32_store(img + 576 + 8, (uint32_t)(2 * n));
		be64_store(img + 576 + 16, 1024);
		for (size_t i = 0; i < n; i++)
			le16_store(img + 1024 + 2 * i, (uint16_t)rel[i]);
	}
}

static void test_parent_name(void **state)
{
	struct ovk_vhd_dyn d;
	struct ovk_error err;
	uint8_t img[2048];
	char *name;

	(void)state;
	locator_image(img, ".\\sub\\base.vhd");
	ovk_vhd_dyn_decode(img, &d);
	assert_int_equal(ovk_vhd_parent_name(&d, img, sizeof img, &name, &err), 0);
	assert_string_equal(name, "sub/base.vhd");
	free(name);
	locator_image(img, NULL);
	ovk_vhd_dyn_decode(img, &d);
	assert_int_equal(ovk_vhd_parent_name(&d, img, sizeof img, &name, &err), 0);
	assert_string_equal(name, "name.vhd");
	free(name);
	locator_image(img, "C:\\VMs\\base.vhd");
	ovk_vhd_dyn_decode(img, &d);
	assert_int_equal(ovk_vhd_parent_name(&d, img, sizeof img, &name, &err), -1);
	assert_non_null(strstr(err.msg, "absolute"));
	locator_image(img, ".\\base.vhd");
	be64_store(img + 576 + 16, 2040);          /* past the end */
	ovk_vhd_dyn_decode(img, &d);
	assert_int_equal(ovk_vhd_parent_name(&d, img, sizeof img, &name, &err), -1);
	assert_non_null(strstr(err.msg, "beyond end of file"));
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_vhd", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footer),
		cmocka_unit_test(test_size_rules),
		cmocka_unit_test(test_dynamic_header),
		cmocka_unit_test(test_parent_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
