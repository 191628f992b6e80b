/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_xfs.c: libFuzzer target for the XFS reader (src/guest/fs_xfs.c and
 * xfs_dir.c).
 *
 * Input: the first bytes of a volume; the volume reads as zeros past them
 * up to FUZZ_VOLUME bytes, so a seed cut after its last metadata stands for
 * the whole file system.  The volume is probed and, when it is XFS, every
 * file and directory reachable is read and listed (tests/fuzz/guest_walk.h
 * bounds the walk).  Besides not crashing or hanging, every failure must
 * be a one-line message.
 */
#include <stddef.h>
#include <stdint.h>

#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The size of the seeds' file systems (tests/fuzz/corpus/fuzz_xfs/). */
#define FUZZ_VOLUME ((uint64_t)64 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk_fuzz_volume(data, size, FUZZ_VOLUME);
	return 0;
}
