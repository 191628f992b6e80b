/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * source.c: where inspection's disks come from (guest.h): image files and
 * blobs (an import's converted disks, ova-convert --info on a disk), or an
 * appliance's own disk files read in place (--print-xml, --info on an
 * appliance), and the guest's facts as info fields for --json.
 *
 * Disks are named as the guest's first SCSI disks ("sda", "sdb", ...):
 * partitions and messages read like the guest's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest/gutil.h"
#include "guest_priv.h"
#include "ova/container.h"
#include "ova/package.h"

static void disk_name(size_t i, char *out, size_t cap)
{
	if (i < 26)
		snprintf(out, cap, "sd%c", (char)('a' + i));
	else
		snprintf(out, cap, "sd%c%c", (char)('a' + i / 26 - 1), (char)('a' + i % 26));
}

static void set_unread(struct ovk_guest *g, const char *why)
{
	memset(g, 0, sizeof *g);
	g->os = OVK_GUEST_UNREAD;
	ovk_gtext(g->why, sizeof g->why, "%s", why);
}

int ovk_guest_inspect_blobs(struct ovk_blob **blobs, const char *const *formats,
			    const struct ovk_open_ctx *ctx, size_t n, struct ovk_guest *g,
			    struct ovk_error *err)
{
	struct ovk_gdisk **disks = calloc(n ? n : 1, sizeof *disks);
	struct ovk_error e = { 0 };
	size_t opened = 0;
	int ret = -1;

	if (!disks) {
		for (size_t i = 0; i < n; i++)
			ovk_blob_free(blobs[i]);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	for (; opened < n; opened++) {
		char name[8];

		disk_name(opened, name, sizeof name);
		if (ovk_gdisk_open_image(blobs[opened], formats ? formats[opened] : NULL, ctx, name,
					 &disks[opened], &e) < 0)
			break;
	}
	/* A disk that does not open at random leaves the guest unread. */
	for (size_t i = opened + 1; i < n; i++)
		ovk_blob_free(blobs[i]);
	if (opened < n) {
		set_unread(g, e.msg);
		ret = 0;
		goto out;
	}
	ret = ovk_guest_inspect(disks, n, g, err);
out:
	for (size_t i = 0; i < opened; i++)
		ovk_gdisk_free(disks[i]);
	free(disks);
	return ret;
}

int ovk_guest_inspect_package(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			      const struct ovk_ovf_system *vs, unsigned open_flags,
			      struct ovk_guest *g, struct ovk_error *err)
{
	struct ovk_blob **blobs = calloc(vs->n_drives ? vs->n_drives : 1, sizeof *blobs);
	const char **formats = calloc(vs->n_drives ? vs->n_drives : 1, sizeof *formats);
	const struct ovk_open_ctx ctx = { .flags = open_flags,
					  .resolver = ovk_appliance_resolver(app) };
	struct ovk_error e = { 0 };
	size_t n = 0;
	int ret = -1;

	if (!blobs || !formats) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_appliance_kind(app) == OVK_APPLIANCE_OVA_STREAM) {
		set_unread(g, "a compressed OVA is read once, as its disks convert: its guest is "
			   "read then, not by --print-xml or --info");
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < vs->n_drives; i++) {
		const struct ovk_ovf_drive *dr = &vs->drives[i];
		const struct ovk_ovf_disk *d = dr->disk_id ? ovk_ovf_find_disk(env, dr->disk_id) :
					       NULL;
		const struct ovk_ovf_file *f = d && d->file_ref ?
					       ovk_ovf_find_file(env, d->file_ref) : NULL;

		if (dr->type != OVK_OVF_DRIVE_DISK || !d)
			continue;
		if (!f) {
			continue;       /* a blank disk holds no guest */
		} else if (f->compression) {
			set_unread(g, "a gzip'ed disk File is read once, as it converts");
		} else if (ovk_appliance_open_file(app, f, open_flags, &blobs[n], &e) < 0) {
			set_unread(g, e.msg);
		} else {
			formats[n++] = d->format && strcasestr(d->format, "vmdk") ? "vmdk" : NULL;
			continue;
		}
		ret = 0;
		goto out;
	}
	ret = ovk_guest_inspect_blobs(blobs, formats, &ctx, n, g, err);
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		ovk_blob_free(blobs[i]);
	free(blobs);
	free(formats);
	return ret;
}

static void info_drivers(struct ovk_info *info, const char *key, enum ovk_guest_os os,
			 unsigned mask)
{
	ovk_info_begin_list(info, key);
	for (unsigned bit = 1; bit < (1u << OVK_DRV_COUNT); bit <<= 1)
		if (mask & bit)
			ovk_info_str(info, NULL, ovk_guest_driver_name(os, bit));
	ovk_info_end(info);
}

void ovk_guest_info(struct ovk_info *info, const char *key, const char *system,
		    const struct ovk_guest *g)
{
	static const char *const os_names[] = { "unread", "linux", "windows" };

	ovk_info_begin_object(info, key);
	if (system)
		ovk_info_str(info, "virtual-system", system);
	ovk_info_str(info, "os", os_names[g->os]);
	if (g->why[0])
		ovk_info_str(info, "why", g->why);
	if (g->distro[0])
		ovk_info_str(info, "distribution", g->distro);
	if (g->version[0])
		ovk_info_str(info, "version", g->version);
	if (g->pretty[0])
		ovk_info_str(info, "name", g->pretty);
	if (g->kernel[0])
		ovk_info_str(info, "kernel", g->kernel);
	if (g->root[0])
		ovk_info_str(info, "root", g->root);
	if (g->os != OVK_GUEST_UNREAD) {
		info_drivers(info, "boot-drivers", g->os, g->boot_drivers);
		info_drivers(info, "drivers", g->os, g->drivers);
		ovk_info_bool(info, "hibernated", g->hibernated);
		ovk_info_bool(info, "guest-agent", g->guest_agent);
	}
	ovk_info_begin_list(info, "notes");
	for (size_t i = 0; i < g->n_notes; i++)
		ovk_info_str(info, NULL, g->notes[i]);
	ovk_info_end(info);
	ovk_info_end(info);
}

void ovk_guest_summary(const struct ovk_guest *g, char *buf, size_t cap)
{
	char boot[200];

	if (g->os == OVK_GUEST_UNREAD) {
		snprintf(buf, cap, "not read: %s", g->why);
		return;
	}
	ovk_guest_driver_list(g->os, g->boot_drivers, boot, sizeof boot);
	snprintf(buf, cap, "%s%s%s, %s%s; storage drivers at boot: %s%s",
		 g->pretty[0] ? g->pretty : g->distro, g->kernel[0] ? ", kernel " : "", g->kernel,
		 "root on ", g->root, boot, g->hibernated ? "; HIBERNATED" : "");
}

/* ------------------------------------------------------------- --info */

static int describe_appliance(struct ovk_info *info, const char *input, unsigned open_flags,
			      struct ovk_guest *g, struct ovk_error *err)
{
	struct ovk_package_opts po = { .open_flags = open_flags, .describe_only = 1,
				       .no_verify = 1 };
	struct ovk_package *pkg = NULL;
	int ret = -1;

	if (ovk_package_open(input, &po, &pkg, err) < 0)
		return -1;
	ovk_info_begin_list(info, "guests");
	for (size_t i = 0; i < pkg->env->n_systems; i++) {
		const struct ovk_ovf_system *vs = &pkg->env->systems[i];

		if (ovk_guest_inspect_package(pkg->app, pkg->env, vs, open_flags, g, err) < 0)
			goto out;
		ovk_guest_info(info, NULL, vs->id, g);
	}
	ret = 0;
out:
	ovk_info_end(info);
	ovk_package_free(pkg);
	return ret;
}

int ovk_info_guest(struct ovk_info *info, const char *input, const char *format,
		   unsigned open_flags, int appliance, struct ovk_error *err)
{
	const struct ovk_open_ctx ctx = { .flags = open_flags };
	struct ovk_guest *g = calloc(1, sizeof *g);
	struct ovk_blob *blob = NULL;
	int ret = -1;

	if (!g)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (appliance) {
		ret = describe_appliance(info, input, open_flags, g, err);
		goto out;
	}
	if (ovk_blob_open_file(input, &blob, err) < 0 ||
	    ovk_guest_inspect_blobs(&blob, &format, &ctx, 1, g, err) < 0)
		goto out;
	ovk_guest_info(info, "guest", NULL, g);
	ret = 0;
out:
	free(g);
	return ret;
}
