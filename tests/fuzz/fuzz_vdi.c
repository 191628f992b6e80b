/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_vdi.c: libFuzzer target for the VDI reader (src/vdi): the header
 * and the block map walk.
 *
 * Input: the bytes of an image; seeds are qemu-img's dynamic and static
 * images (tests/fuzz/make_vfmt_seeds.sh).
 */
#include "fuzz_walk.h"
#include "vdi/vdi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_format(&ovk_format_vdi, "fuzz.vdi", data, size);
	return 0;
}
