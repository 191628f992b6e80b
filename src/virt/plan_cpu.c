/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan_cpu.c: the domain's <cpu mode>.  Left out, libvirt gives QEMU's
 * qemu64, which lacks x86-64-v2 (SSE4.2, POPCNT): RHEL 9 and its rebuilds
 * stop at boot with "CPU is not supported".
 *
 *   KVM:  host-passthrough, as virt-install writes it: the guest sees the
 *         host's CPU, the fastest and the most capable;
 *   TCG:  there is no host CPU to pass through, so a named model with what
 *         the guest's OS needs: Nehalem (x86-64-v2) for every x86 guest
 *         (every 64-bit x86 OS runs on it, and RHEL 9-family needs it),
 *         Haswell-noTSX (x86-64-v3) for RHEL 10-family;
 *   --cpu host-passthrough | host-model | MODEL overrides both, checked
 *         against the modes the host's domain capabilities offer.
 * Drivers that are not QEMU's (the test driver) get no mode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_priv.h"

/* The TCG models, by the x86-64 micro-architecture level they give. */
#define CPU_MODEL_V2 "Nehalem"
#define CPU_MODEL_V3 "Haswell-noTSX"

/* os-release IDs of the RHEL family, whose major version says its level. */
static const char *const rhel_family[] = {
	"rhel", "centos", "rocky", "almalinux", "ol", "eurolinux", "navylinux", "circle", NULL,
};

static int is_x86(const char *arch)
{
	return strcmp(arch, "x86_64") == 0 || strcmp(arch, "i686") == 0;
}

/* The x86-64 level the guest's OS needs: 3 or 2 (the floor we give). */
static int guest_level(const struct ovk_guest *g)
{
	long major;

	if (!g || g->os != OVK_GUEST_LINUX)
		return 2;
	major = strtol(g->version, NULL, 10);
	for (size_t i = 0; rhel_family[i]; i++)
		if (strcmp(g->distro, rhel_family[i]) == 0)
			return major >= 10 ? 3 : 2;
	return 2;
}

/* A model name as libvirt writes them: letters, digits, '.', '_', '-'. */
static int valid_model(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n >= OVK_CAPS_VALUE_LEN)
		return 0;
	return strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int offered(const struct ovk_caps *caps, const char *mode)
{
	return !caps->have_domcaps || ovk_caps_enum_has(&caps->cpu_modes, mode);
}

/* --cpu as asked, if the host has it for this domain type. */
static int asked_cpu(struct ovk_plan *p, const struct ovk_caps *caps, const char *cpu,
		     struct ovk_error *err)
{
	int host = strcmp(cpu, "host-passthrough") == 0 || strcmp(cpu, "host-model") == 0;
	const char *mode = host ? cpu : "custom";

	if (!host && !valid_model(cpu))
		return ovk_error_set(err, EINVAL, "--cpu '%s': not host-passthrough, host-model "
				     "or a CPU model name (virsh cpu-models %s)", cpu, p->arch);
	if (!offered(caps, mode))
		return ovk_error_set(err, ENOTSUP, "--cpu %s: a %s domain here offers no CPU mode "
				     "%s%s", cpu, p->type, mode,
				     host ? " (under TCG, name a model: --cpu " CPU_MODEL_V2 ")" : "");
	snprintf(p->cpu_mode, sizeof p->cpu_mode, "%s", mode);
	if (!host)
		snprintf(p->cpu_model, sizeof p->cpu_model, "%s", cpu);
	ovk_plan_decide(p, "cpu model", NULL, cpu, "as asked (--cpu)");
	return 0;
}

int ovk_plan_cpu(struct ovk_plan *p, const struct ovk_caps *caps, const struct ovk_plan_opts *o,
		 struct ovk_error *err)
{
	int kvm = strcmp(p->type, "kvm") == 0, level;

	if (!kvm && strcmp(p->type, "qemu") != 0)
		return 0;
	if (o->cpu)
		return asked_cpu(p, caps, o->cpu, err);
	if (kvm && offered(caps, "host-passthrough")) {
		snprintf(p->cpu_mode, sizeof p->cpu_mode, "host-passthrough");
		ovk_plan_decide(p, "cpu model", NULL, "host-passthrough", "KVM: the host's CPU");
		return 0;
	}
	if (kvm || !is_x86(p->arch) || !offered(caps, "custom")) {
		ovk_plan_note(p, 1, "no CPU mode this host offers fits: libvirt's default CPU "
			      "(--cpu to choose)");
		return 0;
	}
	level = guest_level(o->guest);
	snprintf(p->cpu_mode, sizeof p->cpu_mode, "custom");
	snprintf(p->cpu_model, sizeof p->cpu_model, "%s", level == 3 ? CPU_MODEL_V3 : CPU_MODEL_V2);
	ovk_plan_decide(p, "cpu model", NULL, p->cpu_model, "TCG: x86-64-v%d%s", level,
		      level == 3 ? ": the guest's OS needs it" :
		      ", which RHEL 9-family guests need");
	return 0;
}
