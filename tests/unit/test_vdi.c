/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vdi.c: the VDI header decoder (src/vdi/header.c) on images qemu-img
 * writes, qemu's refusals (version, block size, sector size, differencing
 * images, a disk larger than its block map) and the virtual size rounding
 * of an odd disk size.  Conversions are tests/images/test_vdi.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_support.h"
#include "vfmt_support.h"

#include <string.h>

#include "core/endian.h"
#include "vdi/vdi.h"

static void test_header(void **state)
{
	struct ovk_vdi_header h;
	struct ovk_error err;
	size_t len;
	uint8_t *img = ut_qemu_image("vdi", "static=on", "3M", &len);

	(void)state;
	assert_int_equal(ovk_vdi_probe(img, len, len), OVK_PROBE_SURE);
	ovk_vdi_header_decode(img, &h);
	assert_int_equal(ovk_vdi_header_validate(&h, len, &err), 0);
	assert_int_equal(h.image_type, OVK_VDI_TYPE_FIXED);
	assert_int_equal(h.blocks_in_image, 3);
	assert_int_equal(h.blocks_allocated, 3);
	assert_int_equal(ovk_vdi_virtual_size(&h), 3 << 20);
	h.disk_size = 2000;
	assert_int_equal(ovk_vdi_virtual_size(&h), 2048);
	free(img);
}

static void test_refusals(void **state)
{
	static const struct {
		size_t at;
		uint32_t value;
		const char *says;
	} cases[] = {
		{ 68, 0x00010000, "version 1.0" },
		{ 376, 2 << 20, "block size 2097152" },
		{ 380, 512, "512 extra bytes" },
		{ 360, 4096, "sector size 4096" },
		{ 76, 4, "differencing" },
		{ 440, 1, "parent UUID" },
		{ 384, 1, "disk size" },
		{ 340, 100, "block map offset" },
		{ 384, 0x40000000, "blocks in image" },
	};
	struct ovk_vdi_header h;
	struct ovk_error err;
	size_t len;
	uint8_t *img = ut_qemu_image("vdi", "static=off", "3M", &len);

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[512];

		memcpy(b, img, sizeof b);
		le32_store(b + cases[i].at, cases[i].value);
		ovk_vdi_header_decode(b, &h);
		assert_int_equal(ovk_vdi_header_validate(&h, len, &err), -1);
		if (!strstr(err.msg, cases[i].says))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.msg, cases[i].says);
	}
	/* A block map beyond the end of the file. */
	ovk_vdi_header_decode(img, &h);
	assert_int_equal(ovk_vdi_header_validate(&h, h.offset_bmap + 4, &err), -1);
	assert_non_null(strstr(err.msg, "beyond end of file"));
	free(img);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_vdi", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
