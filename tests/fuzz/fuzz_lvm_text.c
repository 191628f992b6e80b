/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_lvm_text.c: libFuzzer target for the LVM2 metadata text parser
 * (src/guest/lvm_text.c) and the VG assembly on top of it (lvm.c), without
 * the label and checksums in the way.
 *
 * Input: metadata text as lvm2 writes it (vgcfgbackup's files are the
 * same format).  The VG is assembled with no PV given, so every LV must
 * come back unreadable with a reason, never with a disk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/lvm_priv.h"
#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lvm_cfg *c = NULL;
	struct ovk_error err;
	struct ovk_vg vg;

	if (ovk_lvm_cfg_parse((const char *)data, size, &c, &err) == 0)
		ovk_lvm_cfg_free(c);
	else
		walk_one_line(err.msg);
	if (ovk_lvm_vg_assemble((const char *)data, size, NULL, 0, &vg, &err) < 0) {
		walk_one_line(err.msg);
		return 0;
	}
	for (size_t i = 0; i < vg.n_lv; i++)
		if (vg.lv[i].disk || !vg.lv[i].reason[0])
			abort();
	ovk_lvm_vg_clear(&vg);
	return 0;
}
