/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cancel.h: the caller's cancel flag (ovk_convert_opts.cancel and the
 * like), set by a signal handler or by another thread and read by the
 * library's threads.  Read with an atomic load, so that a flag set from
 * another thread is not a data race (a plain volatile read would be).
 */
#ifndef OVK_CORE_CANCEL_H
#define OVK_CORE_CANCEL_H

#include <signal.h>

static inline int ovk_cancelled(const volatile sig_atomic_t *flag)
{
	return flag && __atomic_load_n(flag, __ATOMIC_RELAXED);
}

#endif
