/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * caps.h: what the host offers, read from libvirt's capabilities XML
 * (virConnectGetCapabilities) and domain capabilities XML
 * (virConnectGetDomainCapabilities), so the mapping chooses from what is
 * there instead of hard-coding a host (issue 7: "choose from the host's
 * domain capabilities, never hard-coded").
 *
 * Both documents come from the daemon we talk to, which may be remote;
 * they are parsed with the same hardened reader as OVF (src/ova/xml.h).
 *
 * A driver without domain capabilities (the test driver) leaves
 * have_domcaps 0; the mapping then assumes QEMU's usual x86 devices and
 * says so in the summary.
 */
#ifndef OVK_VIRT_CAPS_H
#define OVK_VIRT_CAPS_H

#include <stddef.h>

#include "core/error.h"

/* A value list from one <enum>: short, fixed-size, so the struct can be
 * copied and needs no free for its lists. */
#define OVK_CAPS_MAX_VALUES 16
#define OVK_CAPS_VALUE_LEN 32

struct ovk_caps_enum {
	char v[OVK_CAPS_MAX_VALUES][OVK_CAPS_VALUE_LEN];
	size_t n;
};

struct ovk_caps {
	/* from the capabilities */
	char arch[OVK_CAPS_VALUE_LEN];         /* "x86_64" */
	struct ovk_caps_enum domain_types;     /* for that arch: "qemu", "kvm", "test" */
	struct ovk_caps_enum machines;         /* aliases and names: "pc", "q35", ... */
	/* from the domain capabilities of the chosen type and machine */
	int have_domcaps;
	struct ovk_caps_enum firmware;         /* <os><enum name='firmware'> */
	struct ovk_caps_enum secure;           /* <loader><enum name='secure'> */
	struct ovk_caps_enum disk_buses;       /* <disk><enum name='bus'> */
	struct ovk_caps_enum video_models;     /* <video><enum name='modelType'> */
	struct ovk_caps_enum cpu_modes;        /* <cpu><mode supported='yes'> names */
	int hyperv;                            /* <hyperv supported='yes'> */
};

int ovk_caps_enum_has(const struct ovk_caps_enum *e, const char *v);

/* Fill arch, domain_types and machines from a capabilities document.
 * `arch` NULL: "x86_64" when offered, else the first guest's arch. */
int ovk_caps_parse_host(const char *xml, const char *arch, struct ovk_caps *caps,
			struct ovk_error *err);
/* Fill the domain-capabilities fields (and set have_domcaps). */
int ovk_caps_parse_domain(const char *xml, struct ovk_caps *caps, struct ovk_error *err);

/* The domain type to use: kvm when offered, else qemu, else the first one
 * offered (the test driver's "test"); NULL when none. */
const char *ovk_caps_domain_type(const struct ovk_caps *caps);

#endif
