/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guard.h: turn SIGBUS from a mapped input into an error.
 *
 * Inputs are read through mmap.  When the file shrinks under us (truncated
 * by another process, a file system error), touching a page past the new
 * end raises SIGBUS, which would kill the process.  Code that reads mapped
 * input runs inside ovk_guarded(): a SIGBUS in that thread jumps back out
 * and the call fails with EIO.  A SIGBUS outside a guarded section is passed
 * on to whatever handler was there before (by default: die as usual).
 *
 * The handler is process-wide, so it is installed only by ovk_init() (the
 * public header says so); without it a guard still runs its function, and
 * a SIGBUS kills the process as it would anyway.  Guarded code must not
 * hold locks or own resources that a jump out would leak in a way that
 * matters: copies, inflates and hashes only.
 */
#ifndef OVK_CORE_GUARD_H
#define OVK_CORE_GUARD_H

#include "error.h"

/* Install the SIGBUS handler, once (later calls do nothing). */
void ovk_guard_install(void);

/* Run fn(arg, err).  Returns fn's result, or -1 with err set when a SIGBUS
 * hit; `what` names the input for the message. */
int ovk_guarded(int (*fn)(void *arg, struct ovk_error *err), void *arg, const char *what,
		struct ovk_error *err);

#endif
