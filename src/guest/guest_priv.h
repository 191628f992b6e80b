/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest_priv.h: what the inspection's files share (private to src/guest):
 * the volumes found on a guest's disks, the driver table's lookups, and
 * the two OS readers.
 */
#ifndef OVK_GUEST_GUEST_PRIV_H
#define OVK_GUEST_GUEST_PRIV_H

#include <stddef.h>

#include "guest/gfs.h"
#include "guest/guest.h"
#include "guest/lvm.h"
#include "guest/part.h"

/* Volumes looked at in one guest: partitions and logical volumes.  A
 * guest has a handful; GPT allows 128 per disk. */
#define OVK_GUEST_MAX_VOLUMES 512

/* A partition, a logical volume, or a disk without a partition table. */
struct ovk_gvol {
	struct ovk_gdisk *disk;       /* borrowed from the scan's tables and LVM */
	struct ovk_gfs *fs;           /* NULL: no file system this build reads */
	char what[48];                /* its file system, or what else it holds */
	char partuuid[37];            /* fstab's PARTUUID= and PARTLABEL= */
	char partlabel[144];
};

struct ovk_gscan {
	struct ovk_guest *g;
	struct ovk_gdisk *const *disks;
	size_t n_disks;
	struct ovk_part_table **tables;   /* one per disk */
	struct ovk_lvm *lvm;
	struct ovk_gvol *vol;
	size_t n_vol;
};

/* A note for the report: what was skipped and why. */
void ovk_guest_note(struct ovk_guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The volume an fstab device names (UUID=, LABEL=, PARTUUID=, PARTLABEL=,
 * /dev/disk/by-*, /dev/mapper/vg-lv, /dev/vg/lv, /dev/sdXN and its
 * kin), or NULL. */
struct ovk_gvol *ovk_gscan_find(struct ovk_gscan *s, const char *spec);

/* Look a path up: 1 found, 0 absent (no error), -1 on failure. */
int ovk_gfs_find(struct ovk_gfs *fs, const char *path, struct ovk_gfs_file *f,
		 struct ovk_error *err);

/* The OS readers: fill s->g from the volume its root was found on.  0,
 * also when the guest cannot be read (s->g->os UNREAD with why); -1 only
 * for what stops everything. */
int ovk_guest_linux(struct ovk_gscan *s, struct ovk_gvol *root, struct ovk_error *err);
int ovk_guest_windows(struct ovk_gscan *s, struct ovk_gvol *root, struct ovk_error *err);

/* Linux (linux.c, linux_boot.c): the guest's file systems mounted as its
 * fstab says, so that its paths read as the guest reads them. */
#define OVK_GLINUX_MAX_MOUNTS 32

struct ovk_glinux {
	struct ovk_gscan *s;
	size_t n_mounts;
	struct {
		char dir[128];            /* "/", "/boot", "/usr" */
		struct ovk_gfs *fs;
	} mounts[OVK_GLINUX_MAX_MOUNTS];
};

/* A guest path looked up on the file system mounted there: 1 found (*fs
 * and *f set), 0 absent, -1 on failure. */
int ovk_glinux_find(struct ovk_glinux *l, const char *path, struct ovk_gfs **fs,
		    struct ovk_gfs_file *f, struct ovk_error *err);
/* A whole small file by guest path: 1 read, 0 absent, -1 on failure. */
int ovk_glinux_read(struct ovk_glinux *l, const char *path, size_t max, char **buf,
		    size_t *len, struct ovk_error *err);
/* Each entry of a guest directory (see gfs.h readdir): 0, or 0 when it is
 * absent, -1 on failure. */
int ovk_glinux_readdir(struct ovk_glinux *l, const char *path,
		       int (*fn)(void *opaque, const char *name, enum ovk_gfs_type type),
		       void *opaque, struct ovk_error *err);

/* The module directory of a kernel version: /lib/modules/<v>, or
 * /usr/lib/modules/<v>.  1 found (out set), 0 none, -1 on failure. */
int ovk_glinux_modules_dir(struct ovk_glinux *l, const char *ver, char *out, size_t cap,
			   struct ovk_error *err);

/* The kernel the guest boots by default, with its initramfs (a guest
 * path, "" for none) and where the choice came from ("grub.cfg default
 * 0", "the newest in /boot").  1 found, 0 none (*why says what was
 * looked at), -1 on failure. */
struct ovk_gkernel {
	char path[256];
	char version[128];
	char initrd[256];
	char how[128];
};
int ovk_glinux_default_kernel(struct ovk_glinux *l, struct ovk_gkernel *k, char *why,
			      size_t cap, struct ovk_error *err);

/* The driver table (drivers.c).  A Linux module name (without ".ko"; '-'
 * and '_' alike) or a Windows service name: its family bit, or a support
 * bit (sd_mod, virtio_pci, atapi), or 0. */
unsigned ovk_guest_linux_module(const char *name, size_t len);
unsigned ovk_guest_windows_service(const char *name);
/* The i-th Windows service name of the table, NULL past the end. */
const char *ovk_guest_windows_service_name(size_t i);
/* The families in `found` whose support is in `found` too. */
unsigned ovk_guest_usable(enum ovk_guest_os os, unsigned found);

#endif
