/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * error.h: the one error type of the library.
 *
 * Every fallible function returns 0 (or a count) on success and -1 on
 * failure, and fills a struct ovk_error with an errno and a message that
 * carries its context.  Callers add outer context with ovk_error_prefix() as
 * the error bubbles up, so a message reads from the outside in:
 *   "disk1.vmdk: grain table 12 at sector 8301: beyond end of file"
 * The library never prints and never exits.
 */
#ifndef OVK_CORE_ERROR_H
#define OVK_CORE_ERROR_H

#include "ovakit.h"

/* A message longer than this is cut: one line on a terminal, with room for
 * a few nested paths. */
#define OVK_ERROR_MAX 1024

/* The public handle's layout, private to the library so it can change. */
struct ovk_error {
	int errnum;                /* errno value, or 0 */
	char msg[OVK_ERROR_MAX];   /* one line, outer context first */
};

/* Set the error (errnum may be 0).  Always returns -1, so that
 * `return ovk_error_set(err, EINVAL, "...")` reads naturally. */
int ovk_error_set(struct ovk_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ovk_error_set, with ": strerror(errnum)" appended. */
int ovk_error_sys(struct ovk_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "context: " to the message already in err.  Returns -1. */
int ovk_error_prefix(struct ovk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix "name: " unless the message names that file already: layers
 * that each add the file they read (stacked streams, an extent that is
 * the whole disk) then name it once.  Returns -1. */
int ovk_error_name(struct ovk_error *err, const char *name);

/* Append one item to `list` (a string of cap bytes, "" at first), after
 * ", " unless it is the first: the things a single error names, such as
 * every missing file.  Cut short when full, as the message would be. */
void ovk_error_list_add(char *list, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
