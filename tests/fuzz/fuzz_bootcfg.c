/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_bootcfg.c: libFuzzer target for the boot loader configuration
 * parsers (src/guest/bootcfg.c): grubenv, grub.cfg (submenus, saved and
 * numbered defaults), a BLS entry and the default among them, and
 * extlinux.conf.  The same input goes through each.
 *
 * Besides not crashing: every field of an entry stays a terminated
 * string inside its array, and the BLS default is an index in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/bootcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct ovk_boot_entry *e)
{
	if (!memchr(e->title, 0, sizeof e->title) || !memchr(e->id, 0, sizeof e->id) ||
	    !memchr(e->kernel, 0, sizeof e->kernel) || !memchr(e->initrd, 0, sizeof e->initrd) ||
	    !memchr(e->version, 0, sizeof e->version))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct ovk_boot_entry e[2];
	char saved[160];
	int i;

	memset(e, 0, sizeof e);
	if (ovk_bootcfg_grubenv(text, size, saved, sizeof saved) && !memchr(saved, 0, sizeof saved))
		abort();
	if (ovk_bootcfg_grub(text, size, "", &e[0]) == 1)
		check_entry(&e[0]);
	if (ovk_bootcfg_extlinux(text, size, &e[1]) == 1)
		check_entry(&e[1]);
	ovk_bootcfg_bls_entry("fuzz.conf", text, size, &e[0]);
	check_entry(&e[0]);
	ovk_bootcfg_bls_entry("other.conf", text, size / 2, &e[1]);
	check_entry(&e[1]);
	i = ovk_bootcfg_bls_default(e, 2, "fuzz");
	if (i < 0 || i > 1)
		abort();
	(void)ovk_bootcfg_vercmp(e[0].version, e[1].version);
	return 0;
}
