/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_part.c: libFuzzer target for the partition tables (src/guest/part.c):
 * the MBR, the EBR chain of an extended partition, and GPT with its
 * backup.
 *
 * Input: a whole disk (its size is the input's: the backup GPT is in its
 * last sector).  Every partition listed must lie inside the disk, and its
 * first and last sectors must read; a failure must be a one-line message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_gdisk *disk = walk_mem_disk("sda", data, size, size);
	struct ovk_part_table *t = NULL;
	struct ovk_error err;
	uint8_t b[512];

	if (!disk)
		return 0;
	if (ovk_part_list(disk, &t, &err) < 0) {
		walk_one_line(err.msg);
		ovk_gdisk_free(disk);
		return 0;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct ovk_partition *p = &t->parts[i];

		if (p->start + p->length > size || p->length == 0 ||
		    ovk_gdisk_size(p->disk) != p->length)
			abort();
		if (p->length >= sizeof b &&
		    (ovk_gdisk_pread(p->disk, 0, b, sizeof b, &err) < 0 ||
		     ovk_gdisk_pread(p->disk, p->length - sizeof b, b, sizeof b, &err) < 0))
			abort();
	}
	ovk_part_table_free(t);
	ovk_gdisk_free(disk);
	return 0;
}
