/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan_priv.h: what plan.c, plan_disk.c and plan_nic.c share.  Not for
 * use outside src/virt/plan*.c.
 */
#ifndef OVK_VIRT_PLAN_PRIV_H
#define OVK_VIRT_PLAN_PRIV_H

#include "guest/guest.h"
#include "plan.h"

/* Where a drive goes: a libvirt controller type and model (a controller
 * of it is created when the first drive lands there). */
struct kind {
	char type[8];          /* "ide", "scsi", "sata", "nvme"; "" for none */
	char model[16];        /* scsi: "lsilogic", "virtio-scsi", ... */
	int ide_bus;           /* ide: which PIIX bus (0, 1) */
	int ctl;               /* plan->ctls index once created, else -1 */
};

void ovk_plan_to_sata(struct kind *k);

/* The kind a disk drive goes on, chosen from what the guest can drive
 * (plan_guest.c): `ovf` is the kind the OVF's controller maps to, `boot`
 * whether it holds the boot disk; `why` gets the reason.  -1 with err
 * when no bus QEMU offers fits (the message names the guest's drivers and
 * --bus keep). */
int ovk_plan_guest_kind(struct ovk_plan *p, const struct ovk_caps *caps,
			const struct ovk_guest *g, const struct ovk_ovf_controller *src,
			const struct kind *ovf, int boot, struct kind *out, char *why,
			size_t why_cap, struct ovk_error *err);

/* Controllers and drives (plan_disk.c). */
int ovk_plan_drives(struct ovk_plan *p, const struct ovk_ovf_envelope *env,
		    const struct ovk_caps *caps, const struct ovk_plan_opts *o,
		    struct ovk_error *err);
/* NICs and their networks (plan_nic.c). */
/* The CPU mode and model (plan_cpu.c): -1 with err for a --cpu the
 * domain type cannot have. */
int ovk_plan_cpu(struct ovk_plan *p, const struct ovk_caps *caps, const struct ovk_plan_opts *o,
		 struct ovk_error *err);
int ovk_plan_nics(struct ovk_plan *p, const struct ovk_plan_opts *o, struct ovk_error *err);

#endif
