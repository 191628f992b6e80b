/*
 * plan_priv.h: what plan.c, plan_disk.c and plan_nic.c share.  Not for
 * use outside src/virt/plan*.c.
 */
#ifndef OVK_VIRT_PLAN_PRIV_H
#define OVK_VIRT_PLAN_PRIV_H

#include "plan.h"

/* Controllers and drives (plan_disk.c). */
int ovk_plan_drives(struct ovk_plan *p, const struct ovk_ovf_envelope *env,
		    const struct ovk_caps *caps, const struct ovk_plan_opts *o,
		    struct ovk_error *err);
/* NICs and their networks (plan_nic.c). */
int ovk_plan_nics(struct ovk_plan *p, const struct ovk_plan_opts *o, struct ovk_error *err);

#endif
