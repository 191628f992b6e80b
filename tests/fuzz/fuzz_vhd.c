/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_vhd.c: libFuzzer target for the VHD reader (src/vhd): the footer
 * (at the head, or only at the tail for a fixed disk), the dynamic header,
 * the parent locators, the BAT and the sector bitmaps.
 *
 * Input: the bytes of an image; seeds are qemu-img's images of every
 * subformat and a differencing child (tests/fuzz/make_vfmt_seeds.sh).
 */
#include "fuzz_walk.h"
#include "vhd/vhd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_format(&ovk_format_vhd, "fuzz.vhd", data, size);
	return 0;
}
