/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_guest_ext.c: libFuzzer target for the ext2/3/4 glue (src/guest/
 * fs_ext.c over libext2fs): our superblock checks, the io manager, the
 * bounded directory scans, links, reads.
 *
 * Input: the first bytes of a volume of FUZZ_EXT_DISK bytes, the rest
 * zeros (seeds: images cut after their last non-zero byte).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds are 256 KiB and 1 MiB volumes. */
#define FUZZ_EXT_DISK ((uint64_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* every file and directory reachable is listed and read
	 * (tests/fuzz/guest_walk.h) */
	walk_fuzz_volume(data, size, FUZZ_EXT_DISK);
	return 0;
}
