/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * novirt.c: the top layer of a library built without libvirt
 * (-DOVK_LIBVIRT=OFF), in place of src/virt.
 *
 * The exported symbols are those of a full build, so a program linked
 * against one libovakit.so.0 runs against the other (the ABI does not
 * depend on build options; README, "ABI").  ovk_init() does what it does
 * there but for libvirt's error function; every import call fails with
 * ENOTSUP, and an import result holds no domain; so does ovk_export(),
 * which reads domains through libvirt.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/guard.h"

#define NO_LIBVIRT "ovakit was built without libvirt (OVK_LIBVIRT=OFF)"

/* Something to hand out and free: the result of an import that never ran. */
struct ovk_import_result {
	int none;
};

int ovk_init(unsigned flags, struct ovk_error *err)
{
	if (flags)
		return ovk_error_set(err, EINVAL, "ovk_init: unknown flags 0x%x", flags);
	ovk_guard_install();
	return 0;
}

struct ovk_import_result *ovk_import_result_new(void)
{
	return calloc(1, sizeof(struct ovk_import_result));
}

void ovk_import_result_free(struct ovk_import_result *res)
{
	free(res);
}

int ovk_import_check_networks(const struct ovk_import_opts *opts, struct ovk_error *err)
{
	(void)opts;
	return ovk_error_set(err, ENOTSUP, "%s", NO_LIBVIRT);
}

int ovk_import(const char *input, const struct ovk_import_opts *opts,
	       struct ovk_import_result *res, struct ovk_error *err)
{
	(void)opts;
	(void)res;
	return ovk_error_set(err, ENOTSUP, "%s: cannot import: %s", input, NO_LIBVIRT);
}

size_t ovk_import_result_count(const struct ovk_import_result *res)
{
	(void)res;
	return 0;
}

const char *ovk_import_result_xml(const struct ovk_import_result *res, size_t i)
{
	(void)res;
	(void)i;
	return NULL;
}

int ovk_import_result_render(const struct ovk_import_result *res, int json, char **out,
			     struct ovk_error *err)
{
	(void)res;
	(void)json;
	*out = NULL;
	return ovk_error_set(err, ENOTSUP, "%s", NO_LIBVIRT);
}

int ovk_export(const char *domain, const char *const *disks, const char *output,
	       const struct ovk_export_opts *opts, struct ovk_info **summary,
	       struct ovk_error *err)
{
	(void)domain, (void)disks, (void)opts;
	if (summary)
		*summary = NULL;
	return ovk_error_set(err, ENOTSUP, "%s: cannot export: %s", output, NO_LIBVIRT);
}
