/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_lvm.c: libFuzzer target for LVM2 physical volumes (src/guest/lvm.c):
 * the label, the PV header, the metadata area and its circular buffer, the
 * metadata text (lvm_text.c), and the LVs assembled from it.
 *
 * Input: the first bytes of a PV; it reads as zeros past them up to
 * FUZZ_PV bytes, so a seed cut after its metadata stands for the whole PV.
 * Every LV that assembles is read at its first and last byte and probed
 * for a file system; a failure must be a one-line message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The size of the seeds' PVs (tests/fuzz/corpus/fuzz_lvm/). */
#define FUZZ_PV ((uint64_t)32 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_gdisk *disk = walk_mem_disk("pv", data, size, FUZZ_PV);
	struct ovk_lvm *lvm = NULL;
	struct ovk_error err;
	uint8_t b[1];

	if (!disk)
		return 0;
	if (ovk_lvm_scan(&disk, 1, &lvm, &err) < 0) {
		walk_one_line(err.msg);
		ovk_gdisk_free(disk);
		return 0;
	}
	for (size_t v = 0; v < lvm->n_vg; v++)
		for (size_t l = 0; l < lvm->vg[v].n_lv; l++) {
			struct ovk_gdisk *lv = lvm->vg[v].lv[l].disk;

			if (!lv)
				continue;
			if (ovk_gdisk_size(lv) != lvm->vg[v].lv[l].size ||
			    ovk_gdisk_pread(lv, 0, b, 1, &err) < 0 ||
			    ovk_gdisk_pread(lv, ovk_gdisk_size(lv) - 1, b, 1, &err) < 0)
				abort();
		}
	ovk_lvm_free(lvm);
	ovk_gdisk_free(disk);
	return 0;
}
