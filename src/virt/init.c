/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * init.c: ovk_init(), the one place the library changes anything
 * process-wide (see ovakit.h): the SIGBUS guard's handler, and libvirt's
 * global error function.  It sits in the top layer because it reaches
 * both the core and libvirt.
 */
#include <errno.h>

#include "core/guard.h"
#include "lv.h"

int ovk_init(unsigned flags, struct ovk_error *err)
{
	if (flags)
		return ovk_error_set(err, EINVAL, "ovk_init: unknown flags 0x%x", flags);
	ovk_guard_install();
	return ovk_lv_silence(err);
}
