/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_crc32c.c: core/crc32c.h against the published vectors (RFC 3720
 * appendix B.4, and the "123456789" check value of the CRC catalogue),
 * continuation across any split, and core/utf16.h's decoding and Windows
 * path rules, which the VHD and VHDX parent locators use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/utf16.h"

static void test_vectors(void **state)
{
	uint8_t buf[32];

	(void)state;
	assert_int_equal(ovk_crc32c("123456789", 9), 0xe3069283u);
	memset(buf, 0, sizeof buf);
	assert_int_equal(ovk_crc32c(buf, sizeof buf), 0x8a9136aau);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(ovk_crc32c(buf, sizeof buf), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(ovk_crc32c(buf, sizeof buf), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(ovk_crc32c(buf, sizeof buf), 0x113fdb5cu);
	assert_int_equal(ovk_crc32c(buf, 0), 0);
}

static void test_continuation(void **state)
{
	uint8_t buf[300];
	uint32_t whole;

	(void)state;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	whole = ovk_crc32c(buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut++)
		assert_int_equal(ovk_crc32c_update(ovk_crc32c(buf, cut), buf + cut, sizeof buf - cut),
				 whole);
}

static void test_utf16(void **state)
{
	/* "a\u00e9\u20ac\U0001F600" then NUL padding, little-endian. */
	static const uint8_t le[] = { 'a', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde, 0, 0, 'x', 0 };
	static const uint8_t be[] = { 0, 'b', 0, '\\', 0, 'c' };
	static const uint8_t lone[] = { 0x00, 0xdc };
	struct ovk_error err;
	char *s;

	(void)state;
	assert_int_equal(ovk_utf16_to_utf8(le, sizeof le, 0, 100, "t", &s, &err), 0);
	assert_string_equal(s, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	free(s);
	assert_int_equal(ovk_utf16_to_utf8(be, sizeof be, 1, 100, "t", &s, &err), 0);
	assert_string_equal(s, "b\\c");
	free(s);
	assert_int_equal(ovk_utf16_to_utf8(lone, sizeof lone, 0, 100, "t", &s, &err), -1);
	assert_non_null(strstr(err.msg, "surrogate"));
	assert_int_equal(ovk_utf16_to_utf8(le, 3, 0, 100, "t", &s, &err), -1);
	assert_int_equal(ovk_utf16_to_utf8(le, sizeof le, 0, 3, "t", &s, &err), -1);
	assert_int_equal(err.errnum, ENAMETOOLONG);
}

static void test_windows_paths(void **state)
{
	static const struct {
		const char *in, *out;
		int absolute;
	} cases[] = {
		{ ".\\base.vhd", "base.vhd", 0 },
		{ ".\\.\\sub\\base.vhd", "sub/base.vhd", 0 },
		{ "..\\base.vhd", "../base.vhd", 0 },
		{ "C:\\VMs\\base.vhd", "C:/VMs/base.vhd", 1 },
		{ "c:base.vhd", "c:base.vhd", 1 },
		{ "\\\\server\\share\\b.vhd", "//server/share/b.vhd", 1 },
		{ "\\b.vhd", "/b.vhd", 1 },
		{ "base.vhd", "base.vhd", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];

		strcpy(buf, cases[i].in);
		assert_int_equal(ovk_windows_path_to_posix(buf), cases[i].absolute);
		assert_string_equal(buf, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_windows_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
