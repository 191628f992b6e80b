/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lvm.h: LVM2 volume groups found on guest devices, and their linear
 * logical volumes as gdisks.
 *
 * ovk_lvm_scan() looks at every device it is given (whole disks and
 * partitions alike; those without an LVM2 label are skipped), reads each
 * PV's label, header and metadata area, and assembles each VG from its
 * newest metadata (the highest seqno among its PVs).  A VG spanning
 * several disks is complete only when all its PVs are given.
 *
 * An LV is readable (lv->disk set) when each of its segments is linear
 * ("striped" with one stripe) on a PV that was found.  Anything else is
 * named in lv->reason (e.g. "segment 1 is \"thin\"", "segment 2 is
 * \"striped\" with 2 stripes", "PV pv1 (Ab12cd-...) not found") and never
 * guessed.
 *
 * The pieces lvm2 hides inside a pool, a RAID or a cache (_tdata,
 * _rimage_0, ...) are often linear and come back readable but not
 * visible: a caller inspecting the guest looks at visible LVs only.  The
 * copy-on-write store of an old-style snapshot is visible and linear, and
 * is named as a snapshot, not read.
 *
 * The caller owns the result (ovk_lvm_free); each lv->disk holds
 * references to the devices it reads.  Not thread-safe.
 */
#ifndef OVK_GUEST_LVM_H
#define OVK_GUEST_LVM_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gdisk.h"

/* LVM2 names are at most 127 bytes (NAME_LEN in lvm2), UUIDs 32
 * characters plus 6 dashes. */
#define OVK_LVM_NAME 128
#define OVK_LVM_UUID 40

struct ovk_lv {
	char name[OVK_LVM_NAME];
	char uuid[OVK_LVM_UUID];
	uint64_t size;            /* bytes (extents × extent size) */
	int visible;              /* status has VISIBLE (not a pool's hidden part) */
	char type[32];            /* "linear", or the first other segment type */
	struct ovk_gdisk *disk;   /* named "vg/lv"; NULL when not readable */
	char reason[256];         /* why disk is NULL */
};

struct ovk_vg {
	char name[OVK_LVM_NAME];
	char uuid[OVK_LVM_UUID];
	uint64_t seqno;
	uint64_t extent_size;     /* bytes */
	size_t n_pv, n_pv_found;  /* PVs the metadata names, and those given */
	size_t n_lv;
	struct ovk_lv *lv;
};

struct ovk_lvm {
	size_t n_vg;
	struct ovk_vg *vg;
};

/* Whether disk carries an LVM2 label (a PV): 1 or 0. */
int ovk_lvm_is_pv(struct ovk_gdisk *disk);
/* Scan n devices.  A device with a label but a broken PV header or
 * metadata area fails the scan, naming it ("sda2: LVM2 metadata area 1 at
 * 4096: header checksum ..."). */
int ovk_lvm_scan(struct ovk_gdisk *const *devs, size_t n, struct ovk_lvm **out,
		 struct ovk_error *err);
void ovk_lvm_free(struct ovk_lvm *l);

#endif
