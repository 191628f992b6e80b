/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfmt_support.h: what the VHD, VHDX and VDI unit tests share: an image
 * qemu-img writes into the scratch directory, read whole into memory.
 * Header-only; include cmocka.h and unit_support.h first.
 */
#ifndef OVK_VFMT_SUPPORT_H
#define OVK_VFMT_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* `qemu-img create -f FMT -o OPTS` of `size` bytes, read into a malloc'ed
 * buffer of *len bytes. */
static uint8_t *ut_qemu_image(const char *fmt, const char *opts, const char *size, size_t *len)
	__attribute__((unused));
static uint8_t *ut_qemu_image(const char *fmt, const char *opts, const char *size, size_t *len)
{
	char path[4352];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/img.%s", ut_tmpdir, fmt);
	ut_run("rm -f '%s' && qemu-img create -q -f %s -o '%s' '%s' %s", path, fmt, opts, path, size);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
