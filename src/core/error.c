/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.c: filling and prefixing struct ovk_error (see error.h), and the
 * public handle's accessors. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ovk_error *ovk_error_new(void)
{
	return calloc(1, sizeof(struct ovk_error));
}

void ovk_error_free(struct ovk_error *err)
{
	free(err);
}

const char *ovk_error_message(const struct ovk_error *err)
{
	return err ? err->msg : "";
}

int ovk_error_errno(const struct ovk_error *err)
{
	return err ? err->errnum : 0;
}

void ovk_error_clear(struct ovk_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

static void error_vset(struct ovk_error *err, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->errnum = errnum;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int ovk_error_set(struct ovk_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int ovk_error_sys(struct ovk_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err)
		return -1;
	va_start(ap, fmt);
	error_vset(err, errnum, fmt, ap);
	va_end(ap);
	used = strlen(err->msg);
	snprintf(err->msg + used, sizeof err->msg - used, ": %s", strerror(errnum));
	return -1;
}

int ovk_error_prefix(struct ovk_error *err, const char *fmt, ...)
{
	char old[sizeof err->msg];
	va_list ap;
	size_t used;
	int n;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	used = n < 0 ? 0 : (size_t)n;
	if (used >= sizeof err->msg - 1)
		return -1;   /* the prefix alone filled the line */
	snprintf(err->msg + used, sizeof err->msg - used, ": %s", old);
	return -1;
}

int ovk_error_name(struct ovk_error *err, const char *name)
{
	if (err && name && !strstr(err->msg, name))
		ovk_error_prefix(err, "%s", name);
	return -1;
}

void ovk_error_list_add(char *list, size_t cap, const char *fmt, ...)
{
	size_t used = strnlen(list, cap);
	va_list ap;

	if (used && used + 3 < cap) {
		memcpy(list + used, ", ", 3);
		used += 2;
	}
	if (used + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(list + used, cap - used, fmt, ap);
	va_end(ap);
}

const char *ovk_plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}
