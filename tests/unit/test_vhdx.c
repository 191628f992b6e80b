/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vhdx.c: the VHDX decoders (src/vhdx/header.c, metadata.c, log.c) on
 * images qemu-img writes: the current header and the regions, a header or
 * region table whose CRC-32C fails (the other one is used, or both fail),
 * two headers with one sequence number, the metadata items, a clean log,
 * and GUIDs in their Windows text form.  Conversions, differencing chains
 * and the log that needs replay are tests/images/test_vhdx.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_support.h"
#include "vfmt_support.h"

#include <string.h>

#include "core/crc32c.h"
#include "core/endian.h"
#include "vhdx/vhdx.h"

/* Store a structure's CRC-32C (the field at 4 taken as zero). */
static void recrc(uint8_t *b, size_t len)
{
	le32_store(b + 4, 0);
	le32_store(b + 4, ovk_crc32c(b, len));
}

static void test_layout(void **state)
{
	struct ovk_vhdx_layout l;
	struct ovk_vhdx_meta m;
	struct ovk_error err;
	size_t len;
	uint8_t *img = ut_qemu_image("vhdx", "block_size=2M,log_size=1M", "10M", &len);
	uint8_t *h1 = img + OVK_VHDX_HEADER1_OFF, *h2 = img + OVK_VHDX_HEADER2_OFF;
	uint64_t s1 = le64_load(h1 + 8), s2 = le64_load(h2 + 8);

	(void)state;
	assert_int_equal(ovk_vhdx_probe(img, len, len), OVK_PROBE_SURE);
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), 0);
	assert_int_equal(l.current, s1 > s2 ? 1 : 2);
	assert_true(l.bat.present && l.metadata.present);
	assert_int_equal(ovk_vhdx_log_check(img, len, &l.h, &err), 0);
	assert_int_equal(ovk_vhdx_meta_read(img, len, &l.metadata, &m, &err), 0);
	assert_int_equal(m.block_size, 2 << 20);
	assert_int_equal(m.virtual_size, 10 << 20);
	assert_int_equal(m.logical_sector, 512);
	assert_false(m.has_parent);
	ovk_vhdx_meta_clear(&m);

	/* The newer header broken: the older one is used. */
	(s1 > s2 ? h1 : h2)[100] ^= 1;
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), 0);
	assert_int_equal(l.current, s1 > s2 ? 2 : 1);
	(s1 > s2 ? h2 : h1)[100] ^= 1;
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), -1);
	assert_non_null(strstr(err.msg, "no valid header"));
	(s1 > s2 ? h1 : h2)[100] ^= 1;
	(s1 > s2 ? h2 : h1)[100] ^= 1;

	/* One sequence number for both. */
	le64_store(h1 + 8, 7);
	le64_store(h2 + 8, 7);
	recrc(h1, OVK_VHDX_HEADER_BYTES);
	recrc(h2, OVK_VHDX_HEADER_BYTES);
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), -1);
	assert_non_null(strstr(err.msg, "sequence number 7"));
	le64_store(h2 + 8, 8);
	recrc(h2, OVK_VHDX_HEADER_BYTES);

	/* Region table 1 broken: table 2 is read. */
	img[OVK_VHDX_REGION1_OFF + 20] ^= 1;
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), 0);
	img[OVK_VHDX_REGION2_OFF + 20] ^= 1;
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), -1);
	assert_non_null(strstr(err.msg, "region table 1"));
	free(img);
}

static void test_metadata_refusals(void **state)
{
	struct ovk_vhdx_layout l;
	struct ovk_vhdx_meta m;
	struct ovk_error err;
	size_t len;
	uint8_t *img = ut_qemu_image("vhdx", "block_size=1M", "4M", &len);
	uint8_t *table;

	(void)state;
	assert_int_equal(ovk_vhdx_layout_read(img, len, &l, &err), 0);
	table = img + l.metadata.offset;
	/* An unknown item marked required. */
	table[32] ^= 0xff;
	le32_store(table + 32 + 24, le32_load(table + 32 + 24) | 4);
	assert_int_equal(ovk_vhdx_meta_read(img, len, &l.metadata, &m, &err), -1);
	assert_non_null(strstr(err.msg, "unknown and required"));
	ovk_vhdx_meta_clear(&m);
	table[32] ^= 0xff;
	/* An item pointing past the region. */
	le32_store(table + 32 + 16, l.metadata.length);
	assert_int_equal(ovk_vhdx_meta_read(img, len, &l.metadata, &m, &err), -1);
	assert_non_null(strstr(err.msg, "outside the region"));
	ovk_vhdx_meta_clear(&m);
	free(img);
}

static void test_guid_text(void **state)
{
	static const struct ovk_vhdx_guid g = { { 0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
						  0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08 } };
	char text[OVK_VHDX_GUID_TEXT];

	(void)state;
	ovk_vhdx_guid_text(&g, text);
	assert_string_equal(text, "{2DC27766-F623-4200-9D64-115E9BFD4A08}");
	assert_false(ovk_vhdx_guid_is_zero(&g));
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_vhdx", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_metadata_refusals),
		cmocka_unit_test(test_guid_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
