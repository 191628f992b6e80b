/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export_priv.h: the two halves of ovk_export(): export.c (the entry, the
 * options, a machine from disk images) and export_dom.c (a machine from a
 * libvirt domain's XML).
 */
#ifndef OVK_VIRT_EXPORT_PRIV_H
#define OVK_VIRT_EXPORT_PRIV_H

#include "core/error.h"
#include "ova/export.h"

/* vCPUs VMware allows a VM (vSphere 8: 768). */
#define OVK_EXP_MAX_CPUS 768u
/* Disks or NICs read from one domain: VMware has at most 4 controllers of
 * 64 (NVMe, SATA: 30, SCSI: 15) disks and 10 NICs; 256 is beyond any. */
#define OVK_EXP_MAX_DEVICES 256

struct ovk_lv;

/* Fill vm (zeroed) from a domain's XML; pool volumes are opened as blobs
 * through lv (`download`: through virStorageVolDownload even when their
 * file is readable here).  On failure vm holds what was read
 * (ovk_exp_vm_free). */
int ovk_export_read_domain(struct ovk_lv *lv, const char *xml, int download,
			   struct ovk_exp_vm *vm, struct ovk_error *err);

#endif
