/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inspect.c: a guest's volumes, and which of them holds its OS (guest.h).
 *
 * Every disk's partition table is read (a disk without one is one volume),
 * LVM2 is assembled from every volume, and each volume is probed for a
 * file system.  A volume holds a Linux root when it has /etc/fstab or
 * /etc/os-release, and Windows when it has \Windows\System32\config\SYSTEM
 * (\WINNT before XP);
 * the first found in disk order is the guest, and any other is a note.
 * What cannot be read is named: an encrypted volume, a RAID member, a
 * dynamic disk, a logical volume that is not linear.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest_priv.h"

void ovk_guest_note(struct ovk_guest *g, const char *fmt, ...)
{
	va_list ap;

	if (g->n_notes >= OVK_GUEST_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(g->notes[g->n_notes++], sizeof g->notes[0], fmt, ap);
	va_end(ap);
}

int ovk_gfs_find(struct ovk_gfs *fs, const char *path, struct ovk_gfs_file *f,
		 struct ovk_error *err)
{
	struct ovk_error e = { 0 };

	if (fs->ops->lookup(fs, path, f, &e) == 0)
		return 1;
	/* A component that is missing, or not a directory, means absent. */
	if (e.errnum == ENOENT || e.errnum == ENOTDIR)
		return 0;
	*err = e;
	return -1;
}

/* What a volume holds when no file system here reads it: from the
 * signatures blkid knows them by. */
static void name_unreadable(struct ovk_gvol *v, const struct ovk_partition *p)
{
	uint8_t b[4096 + 16];
	struct ovk_error e = { 0 };
	uint64_t size = ovk_gdisk_size(v->disk);
	size_t n = size < sizeof b ? (size_t)size : sizeof b;
	const char *what = "no file system this build reads";

	if (p && p->kind == OVK_PART_KIND_MS_LDM)
		what = "a Windows dynamic disk (LDM)";
	else if (ovk_lvm_is_pv(v->disk))
		what = "an LVM2 physical volume";
	else if (n < 16 || ovk_gdisk_pread(v->disk, 0, b, n, &e) < 0)
		what = "unreadable";
	else if (memcmp(b, "LUKS\xba\xbe", 6) == 0)
		what = "encrypted (LUKS)";
	else if (memcmp(b + 3, "-FVE-FS-", 8) == 0)
		what = "encrypted (BitLocker)";
	else if (n >= 4096 && memcmp(b + 4096 - 10, "SWAPSPACE2", 10) == 0)
		what = "swap";
	else if (n >= 4096 && (memcmp(b + 4096 - 10, "S1SUSPEND", 9) == 0 ||
			       memcmp(b + 4096 - 10, "S2SUSPEND", 9) == 0))
		what = "swap holding a hibernated Linux";
	else if (n >= 4096 + 4 && memcmp(b + 4096, "\xfc\x4e\x2b\xa9", 4) == 0)
		what = "a Linux RAID member";
	else if (p && p->kind == OVK_PART_KIND_BIOS_BOOT)
		what = "GRUB's BIOS boot partition";
	snprintf(v->what, sizeof v->what, "%s", what);
}

static int add_volume(struct ovk_gscan *s, struct ovk_gdisk *disk, const struct ovk_partition *p,
		      struct ovk_error *err)
{
	struct ovk_gvol *v;
	int r;

	if (s->n_vol >= OVK_GUEST_MAX_VOLUMES)
		return ovk_error_set(err, E2BIG, "more than %u volumes", OVK_GUEST_MAX_VOLUMES);
	v = &s->vol[s->n_vol];
	memset(v, 0, sizeof *v);
	v->disk = disk;
	if (p) {
		snprintf(v->partuuid, sizeof v->partuuid, "%s", p->uuid);
		snprintf(v->partlabel, sizeof v->partlabel, "%s", p->name);
	}
	r = ovk_gfs_open(disk, &v->fs, err);
	if (r < 0) {
		/* A file system whose superblock is sane but whose open fails
		 * is a damaged volume: a note, and inspection goes on. */
		ovk_guest_note(s->g, "%s: %s", ovk_gdisk_name(disk), err->msg);
		snprintf(v->what, sizeof v->what, "a damaged file system");
		v->fs = NULL;
	} else if (r == 0) {
		snprintf(v->what, sizeof v->what, "%s", v->fs->ops->name);
	} else {
		name_unreadable(v, p);
	}
	s->n_vol++;
	return 0;
}

static int add_disk(struct ovk_gscan *s, size_t i, struct ovk_error *err)
{
	struct ovk_gdisk *disk = s->disks[i];
	struct ovk_part_table *t = NULL;

	if (ovk_part_list(disk, &t, err) < 0) {
		ovk_guest_note(s->g, "%s", err->msg);
		return 0;
	}
	s->tables[i] = t;
	if (t->gpt_backup_used)
		ovk_guest_note(s->g, "%s: the primary GPT is damaged; its backup was read",
			       ovk_gdisk_name(disk));
	if (t->scheme == OVK_PART_NONE)
		return add_volume(s, disk, NULL, err);
	for (size_t k = 0; k < t->n; k++)
		if (add_volume(s, t->parts[k].disk, &t->parts[k], err) < 0)
			return -1;
	return 0;
}

static int add_lvs(struct ovk_gscan *s, struct ovk_error *err)
{
	struct ovk_gdisk *pv[OVK_GUEST_MAX_VOLUMES];
	size_t n = 0;

	for (size_t i = 0; i < s->n_vol; i++)
		if (!s->vol[i].fs && ovk_lvm_is_pv(s->vol[i].disk))
			pv[n++] = s->vol[i].disk;
	if (n == 0)
		return 0;
	if (ovk_lvm_scan(pv, n, &s->lvm, err) < 0) {
		ovk_guest_note(s->g, "%s", err->msg);
		return 0;
	}
	for (size_t i = 0; i < s->lvm->n_vg; i++) {
		struct ovk_vg *vg = &s->lvm->vg[i];

		if (vg->n_pv_found < vg->n_pv)
			ovk_guest_note(s->g, "LVM volume group %s: %zu of its %zu PVs found",
				       vg->name, vg->n_pv_found, vg->n_pv);
		for (size_t k = 0; k < vg->n_lv; k++) {
			struct ovk_lv *lv = &vg->lv[k];

			if (!lv->visible)
				continue;
			if (!lv->disk) {
				ovk_guest_note(s->g, "%s/%s: not read: %s", vg->name, lv->name,
					       lv->reason);
				continue;
			}
			if (add_volume(s, lv->disk, NULL, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The OS on v: OVK_GUEST_LINUX, OVK_GUEST_WINDOWS or UNREAD (none). */
static int os_on(struct ovk_gvol *v, enum ovk_guest_os *os, struct ovk_error *err)
{
	static const char *const linux_marks[] = { "/etc/os-release", "/etc/fstab" };
	static const char *const windows_marks[] = { "/Windows/System32/config/SYSTEM",
						     "/WINNT/System32/config/SYSTEM" };
	struct ovk_gfs_file f;
	int r;

	*os = OVK_GUEST_UNREAD;
	if (!v->fs)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		if ((r = ovk_gfs_find(v->fs, windows_marks[i], &f, err)) != 0) {
			if (r > 0)
				*os = OVK_GUEST_WINDOWS;
			return r < 0 ? -1 : 0;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		if ((r = ovk_gfs_find(v->fs, linux_marks[i], &f, err)) < 0)
			return -1;
		if (r > 0) {
			*os = OVK_GUEST_LINUX;
			return 0;
		}
	}
	return 0;
}

/* "sda1 (vfat), sda2 (an LVM2 physical volume), ..." for a guest not found. */
static void list_volumes(const struct ovk_gscan *s, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_vol && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s (%s)", i ? ", " : "",
					 ovk_gdisk_name(s->vol[i].disk), s->vol[i].what);
}

static int find_os(struct ovk_gscan *s, struct ovk_error *err)
{
	struct ovk_gvol *root = NULL;
	enum ovk_guest_os os = OVK_GUEST_UNREAD;
	char vols[200];

	for (size_t i = 0; i < s->n_vol; i++) {
		enum ovk_guest_os here;

		if (os_on(&s->vol[i], &here, err) < 0) {
			ovk_guest_note(s->g, "%s", err->msg);
			continue;
		}
		if (here == OVK_GUEST_UNREAD)
			continue;
		if (root) {
			ovk_guest_note(s->g, "%s holds another %s; the first, on %s, was read",
				       ovk_gdisk_name(s->vol[i].disk),
				       here == OVK_GUEST_LINUX ? "Linux" : "Windows",
				       ovk_gdisk_name(root->disk));
			continue;
		}
		root = &s->vol[i];
		os = here;
	}
	if (!root) {
		list_volumes(s, vols, sizeof vols);
		snprintf(s->g->why, sizeof s->g->why, "no Linux or Windows found on %s",
			 s->n_vol ? vols : "its disks (no volumes)");
		return 0;
	}
	snprintf(s->g->root, sizeof s->g->root, "%s (%s)", ovk_gdisk_name(root->disk),
		 root->what);
	return os == OVK_GUEST_LINUX ? ovk_guest_linux(s, root, err)
				     : ovk_guest_windows(s, root, err);
}

static void scan_free(struct ovk_gscan *s)
{
	for (size_t i = 0; i < s->n_vol; i++)
		ovk_gfs_close(s->vol[i].fs);
	ovk_lvm_free(s->lvm);
	for (size_t i = 0; s->tables && i < s->n_disks; i++)
		ovk_part_table_free(s->tables[i]);
	free(s->tables);
	free(s->vol);
}

int ovk_guest_inspect(struct ovk_gdisk *const *disks, size_t n, struct ovk_guest *g,
		      struct ovk_error *err)
{
	struct ovk_gscan s = { .g = g, .disks = disks, .n_disks = n };
	int ret = -1;

	memset(g, 0, sizeof *g);
	s.tables = calloc(n ? n : 1, sizeof *s.tables);
	s.vol = calloc(OVK_GUEST_MAX_VOLUMES, sizeof *s.vol);
	if (!s.tables || !s.vol) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (add_disk(&s, i, err) < 0)
			goto out;
	if (add_lvs(&s, err) < 0 || find_os(&s, err) < 0)
		goto out;
	ret = 0;
out:
	scan_free(&s);
	return ret;
}

/* "vg--name-lv--name" (device-mapper's name) as "vg-name/lv-name". */
static int dm_name(const char *dm, char *out, size_t cap)
{
	size_t o = 0;
	int split = 0;

	for (size_t i = 0; dm[i] && o + 1 < cap; i++) {
		if (dm[i] == '-' && dm[i + 1] == '-') {
			out[o++] = '-';
			i++;
		} else if (dm[i] == '-' && !split) {
			out[o++] = '/';
			split = 1;
		} else {
			out[o++] = dm[i];
		}
	}
	out[o] = '\0';
	return split;
}

/* /dev/sdb2, /dev/vda1, /dev/xvda1, /dev/hda1, /dev/nvme0n1p2 (and the
 * whole disks) as our names: "sdb2". */
static int kernel_name(const char *dev, char *out, size_t cap)
{
	unsigned disk, part = 0;
	char letter;
	int len = 0;

	if (sscanf(dev, "nvme%un1%n", &disk, &len) == 1 && len > 0) {
		if (dev[len] && sscanf(dev + len, "p%u", &part) != 1)
			return 0;
		letter = (char)('a' + (disk < 26 ? disk : 25));
	} else {
		size_t skip = strncmp(dev, "xvd", 3) == 0 ? 3 :
			      (dev[0] == 's' || dev[0] == 'v' || dev[0] == 'h') && dev[1] == 'd' ? 2 : 0;

		if (!skip || dev[skip] < 'a' || dev[skip] > 'z')
			return 0;
		letter = dev[skip];
		if (dev[skip + 1] && sscanf(dev + skip + 1, "%u", &part) != 1)
			return 0;
	}
	if (part)
		snprintf(out, cap, "sd%c%u", letter, part);
	else
		snprintf(out, cap, "sd%c", letter);
	return 1;
}

struct ovk_gvol *ovk_gscan_find(struct ovk_gscan *s, const char *spec)
{
	static const struct { const char *prefix; int field; } tags[] = {
		{ "UUID=", 0 }, { "/dev/disk/by-uuid/", 0 },
		{ "LABEL=", 1 }, { "/dev/disk/by-label/", 1 },
		{ "PARTUUID=", 2 }, { "/dev/disk/by-partuuid/", 2 },
		{ "PARTLABEL=", 3 }, { "/dev/disk/by-partlabel/", 3 },
	};
	char name[300];

	for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
		size_t pl = strlen(tags[t].prefix);
		const char *want = spec + pl;

		if (strncmp(spec, tags[t].prefix, pl) != 0)
			continue;
		if (*want == '"')
			want++;
		for (size_t i = 0; i < s->n_vol; i++) {
			struct ovk_gvol *v = &s->vol[i];
			const char *have = tags[t].field == 0 ? (v->fs ? v->fs->uuid : "") :
					   tags[t].field == 1 ? (v->fs ? v->fs->label : "") :
					   tags[t].field == 2 ? v->partuuid : v->partlabel;
			size_t wl = strcspn(want, "\"");

			if (have[0] && strlen(have) == wl && strncasecmp(have, want, wl) == 0)
				return v;
		}
		return NULL;
	}
	if (strncmp(spec, "/dev/mapper/", 12) == 0) {
		if (!dm_name(spec + 12, name, sizeof name))
			return NULL;
	} else if (strncmp(spec, "/dev/", 5) == 0 && strchr(spec + 5, '/')) {
		snprintf(name, sizeof name, "%s", spec + 5);       /* /dev/vg/lv */
	} else if (strncmp(spec, "/dev/", 5) != 0 ||
		   !kernel_name(spec + 5, name, sizeof name)) {
		return NULL;
	}
	for (size_t i = 0; i < s->n_vol; i++)
		if (strcmp(ovk_gdisk_name(s->vol[i].disk), name) == 0)
			return &s->vol[i];
	return NULL;
}
