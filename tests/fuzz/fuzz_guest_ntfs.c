/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_guest_ntfs.c: libFuzzer target for the NTFS glue (src/guest/
 * fs_ntfs.c over libntfs-3g): the boot sector checks, the device
 * operations, the mount (read-only), case-blind scans, reparse points,
 * reads, and the hibernation and log facts read at open.
 *
 * Input: the first bytes of a 2 MiB volume, the rest zeros.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NTFS_DISK ((uint64_t)2 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* every file and directory reachable is listed and read
	 * (tests/fuzz/guest_walk.h) */
	walk_fuzz_volume(data, size, FUZZ_NTFS_DISK);
	return 0;
}
