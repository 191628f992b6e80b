/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.c: the whole-machine part of the mapping (plan.h): name, domain
 * type, machine and firmware, CPUs and memory, guest OS quirks, NICs and
 * video.  Disks and controllers are in plan_disk.c.
 *
 * Every choice that is not a 1:1 copy of the OVF is written down as a note,
 * and every departure from what the OVF asks is a warning, so the summary
 * explains the XML.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "plan_priv.h"

/* When the OVF says nothing: one vCPU and 1 GiB, the smallest sizes any
 * producer writes for a real appliance. */
#define PLAN_DEFAULT_MEMORY_KIB ((uint64_t)1 << 20)

void ovk_plan_note_free(struct ovk_plan_note *n)
{
	free(n->text);
	free(n->device);
	free(n->from);
	free(n->to);
	free(n->why);
}

/* Append *n, whose strings it owns; on failure free them. */
static int note_push(struct ovk_plan *p, struct ovk_plan_note *n)
{
	struct ovk_plan_note *grown;

	if (!n->text || !(grown = realloc(p->notes, (p->n_notes + 1) * sizeof(*grown)))) {
		ovk_plan_note_free(n);
		return -1;
	}
	p->notes = grown;
	p->notes[p->n_notes++] = *n;
	return 0;
}

/* vasprintf, NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

int ovk_plan_note(struct ovk_plan *p, int warning, const char *fmt, ...)
{
	struct ovk_plan_note n = { .warning = warning };
	va_list ap;

	va_start(ap, fmt);
	n.text = vformat(fmt, ap);
	va_end(ap);
	return note_push(p, &n);
}

int ovk_plan_decide(struct ovk_plan *p, const char *device, const char *from, const char *to,
		    const char *why_fmt, ...)
{
	struct ovk_plan_note n = { 0 };
	va_list ap;

	va_start(ap, why_fmt);
	n.why = vformat(why_fmt, ap);
	va_end(ap);
	n.device = strdup(device);
	n.from = from ? strdup(from) : NULL;
	n.to = strdup(to);
	if (!n.why || !n.device || (from && !n.from) || !n.to ||
	    asprintf(&n.text, "%s: %s%s%s%s%s%s", device, from ? from : "", from ? " -> " : "", to,
		     n.why[0] ? " (" : "", n.why, n.why[0] ? ")" : "") < 0)
		n.text = NULL;
	return note_push(p, &n);
}

const char *ovk_plan_domain_type(const struct ovk_caps *caps, const char *want,
				 struct ovk_error *err)
{
	const char *t = want ? want : ovk_caps_domain_type(caps);

	if (!t) {
		ovk_error_set(err, ENOTSUP, "the host offers no domain type");
		return NULL;
	}
	if (!ovk_caps_enum_has(&caps->domain_types, t)) {
		ovk_error_set(err, ENOTSUP, "domain type %s is not offered by this host (%s%s%s)",
			      t, caps->domain_types.v[0], caps->domain_types.n > 1 ? ", " : "",
			      caps->domain_types.n > 1 ? caps->domain_types.v[1] : "");
		return NULL;
	}
	return t;
}

int ovk_plan_wants_efi(const struct ovk_ovf_system *vs, enum ovk_plan_fw_choice choice)
{
	if (choice == OVK_PLAN_FW_EFI)
		return 1;
	if (choice == OVK_PLAN_FW_BIOS)
		return 0;
	return vs->firmware == OVK_OVF_FW_EFI;
}

const char *ovk_plan_machine(int efi)
{
	return efi ? "q35" : "pc";
}

/* CIM operating system ids (DSP1043 / CIM_OperatingSystem.OSType) of
 * Microsoft Windows: 16-19 Win95/98/NT/CE, 58 2000, 63 Me, 67-77 XP
 * through Server 2008 64-bit, 103 2008 R2, 105 Windows 7, 113-116 Server
 * 2012 and Windows 8. */
static int cim_is_windows(int64_t id)
{
	return (id >= 16 && id <= 19) || id == 58 || id == 63 || (id >= 67 && id <= 77) ||
	       id == 103 || id == 105 || (id >= 113 && id <= 116);
}

static int is_windows(const struct ovk_ovf_system *vs)
{
	if (vs->os_type && strncasecmp(vs->os_type, "win", 3) == 0)
		return 1;
	if (vs->os_description && strcasestr(vs->os_description, "windows"))
		return 1;
	return cim_is_windows(vs->os_id);
}

static int plan_firmware(struct ovk_plan *p, const struct ovk_caps *caps,
			 const struct ovk_plan_opts *o, struct ovk_error *err)
{
	const struct ovk_ovf_system *vs = p->vs;

	p->efi = ovk_plan_wants_efi(vs, o->firmware);
	snprintf(p->machine, sizeof(p->machine), "%s", ovk_plan_machine(p->efi));
	if (o->firmware != OVK_PLAN_FW_AUTO &&
	    (o->firmware == OVK_PLAN_FW_EFI) != (vs->firmware == OVK_OVF_FW_EFI))
		ovk_plan_note(p, 1, "firmware %s as asked (the OVF says %s)", p->efi ? "efi" : "bios",
			      ovk_ovf_firmware_name(vs->firmware));
	else
		ovk_plan_decide(p, "firmware", ovk_ovf_firmware_name(vs->firmware),
				p->efi ? "efi" : "bios", "%smachine %s",
				o->firmware != OVK_PLAN_FW_AUTO ? "as asked, " : "", p->machine);
	if (!p->efi)
		return 0;
	if (caps->have_domcaps && !ovk_caps_enum_has(&caps->firmware, "efi"))
		return ovk_error_set(err, ENOTSUP,
				     "the host offers no EFI firmware for machine %s "
				     "(install OVMF, or use --firmware bios)", p->machine);
	if (vs->nvram_file_ref)
		ovk_plan_note(p, 0, "the appliance's NVRAM file is not used: libvirt "
			      "creates fresh EFI variables");
	if (vs->secure_boot) {
		if (caps->have_domcaps && !ovk_caps_enum_has(&caps->secure, "yes")) {
			ovk_plan_note(p, 1, "the OVF asks for secure boot, which this host's "
				      "firmware cannot do: booting without it");
		} else {
			p->secure_boot = 1;
			ovk_plan_decide(p, "secure boot", "on", "on", "the host's firmware can");
		}
	}
	return 0;
}

static void plan_cpu_memory(struct ovk_plan *p)
{
	const struct ovk_ovf_system *vs = p->vs;
	char from[32], to[48];

	p->vcpus = vs->cpus ? vs->cpus : 1;
	if (!vs->cpus)
		ovk_plan_note(p, 1, "the OVF gives no CPU count: 1 vCPU");
	p->cores = 1;
	if (vs->cores_per_socket && p->vcpus % vs->cores_per_socket == 0)
		p->cores = vs->cores_per_socket;
	else if (vs->cores_per_socket)
		ovk_plan_note(p, 1, "%u core%s per socket does not divide %u vCPU%s: one core "
			      "per socket", vs->cores_per_socket, ovk_plural(vs->cores_per_socket),
			      p->vcpus, ovk_plural(p->vcpus));
	p->sockets = p->vcpus / p->cores;
	snprintf(from, sizeof from, "%u vCPU%s", p->vcpus, ovk_plural(p->vcpus));
	snprintf(to, sizeof to, "%u socket%s x %u core%s", p->sockets, ovk_plural(p->sockets),
		 p->cores, ovk_plural(p->cores));
	ovk_plan_decide(p, "cpu", vs->cpus ? from : NULL, to, "%s",
			vs->cores_per_socket ? "the OVF's cores per socket" : "one socket");

	if (!vs->memory) {
		p->memory_kib = PLAN_DEFAULT_MEMORY_KIB;
		ovk_plan_note(p, 1, "the OVF gives no memory size: 1 GiB");
		return;
	}
	/* libvirt counts in KiB; OVF sizes are MiB in practice, so this is
	 * exact, and a size that is not is rounded up (never less memory). */
	p->memory_kib = vs->memory / 1024 + (vs->memory % 1024 != 0);
	if (vs->memory % 1024)
		ovk_plan_note(p, 1, "memory %llu bytes rounded up to %llu KiB",
			      (unsigned long long)vs->memory, (unsigned long long)p->memory_kib);
	else {
		snprintf(from, sizeof from, "%llu MiB", (unsigned long long)(vs->memory >> 20));
		snprintf(to, sizeof to, "%llu KiB", (unsigned long long)p->memory_kib);
		ovk_plan_decide(p, "memory", from, to, "%s", "");
	}
}

static void plan_guest_os(struct ovk_plan *p, const struct ovk_caps *caps)
{
	if (!(p->windows = is_windows(p->vs)))
		return;
	p->hyperv = !caps->have_domcaps || caps->hyperv;
	ovk_plan_note(p, 0, "Windows guest (%s): clock localtime%s",
		      p->vs->os_type ? p->vs->os_type : "OS id", 
		      p->hyperv ? ", Hyper-V enlightenments" : "");
}

/* A VMware SVGA adapter: VMware's video item, or any video device of a
 * VMware virtual hardware version ("vmx-NN"). */
static int is_vmware_svga(const struct ovk_ovf_system *vs, const struct ovk_ovf_device *d)
{
	const char *s = d->subtype ? d->subtype : d->name;

	if (s && (strcasestr(s, "svga") || strcasestr(s, "vmware")))
		return 1;
	return vs->system_type && strstr(vs->system_type, "vmx-");
}

/* --bus virtio says the guest has the virtio drivers: virtio-gpu too,
 * where the host has it.  Otherwise VMware SVGA where the OVF had it. */
static void plan_video(struct ovk_plan *p, const struct ovk_caps *caps,
		       const struct ovk_plan_opts *o)
{
	const struct ovk_ovf_system *vs = p->vs;
	int svga = 0;

	for (size_t i = 0; i < vs->n_devices; i++)
		if (vs->devices[i].type == OVK_OVF_DEV_VIDEO && is_vmware_svga(vs, &vs->devices[i]))
			svga = 1;
	snprintf(p->video, sizeof(p->video), "vga");
	if (o->bus == OVK_PLAN_BUS_VIRTIO &&
	    (!caps->have_domcaps || ovk_caps_enum_has(&caps->video_models, "virtio"))) {
		snprintf(p->video, sizeof(p->video), "virtio");
		ovk_plan_decide(p, "video", svga ? "VMware SVGA" : NULL, "virtio", "--bus virtio");
		return;
	}
	if (!svga)
		return;
	if (caps->have_domcaps && !ovk_caps_enum_has(&caps->video_models, "vmvga")) {
		ovk_plan_note(p, 1, "VMware SVGA video: the host has no vmvga, using vga");
		return;
	}
	snprintf(p->video, sizeof(p->video), "vmvga");
	ovk_plan_decide(p, "video", "VMware SVGA", "vmvga", "%s", "");
}

/* <title>: the OVF's Name with its control characters (newlines
 * included) as spaces and outer blanks trimmed, since libvirt refuses a
 * title of more than one line; none when nothing printable is left. */
static int plan_title(struct ovk_plan *p, const char *name)
{
	size_t start = 0, end = name ? strlen(name) : 0;
	int mended = 0;

	while (start < end && isspace((unsigned char)name[start]))
		start++;
	while (end > start && isspace((unsigned char)name[end - 1]))
		end--;
	if (start == end) {
		if (name)
			ovk_plan_note(p, 1, "the OVF's Name is blank: the domain has no title");
		return 0;
	}
	if (!(p->title = strndup(name + start, end - start)))
		return -1;
	for (char *c = p->title; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*c = ' ';
			mended = 1;
		}
	if (mended)
		ovk_plan_note(p, 1, "the OVF's Name has control characters (newlines): they are "
			      "spaces in the title");
	return 0;
}

/* What the OVF or the guest offers beyond the hardware: the annotation
 * as <description>, and a guest agent channel when the agent is there. */
static int plan_extras(struct ovk_plan *p, const struct ovk_plan_opts *o)
{
	if (p->vs->annotation && p->vs->annotation[0]) {
		if (!(p->description = strdup(p->vs->annotation)))
			return -1;
		ovk_plan_note(p, 0, "the OVF's annotation is the domain's description");
	}
	if (o->guest && o->guest->guest_agent) {
		p->guest_agent = 1;
		ovk_plan_note(p, 0, "the guest has the QEMU guest agent: a virtio channel for it");
	}
	return 0;
}

int ovk_plan_build(const struct ovk_ovf_envelope *env, const struct ovk_ovf_system *vs,
		   const struct ovk_caps *caps, const struct ovk_plan_opts *opts,
		   struct ovk_plan **out, struct ovk_error *err)
{
	struct ovk_plan *p;
	const char *type = ovk_plan_domain_type(caps, opts->domain_type, err);
	int ret = -1;

	*out = NULL;
	if (!type)
		return -1;
	if (!(p = calloc(1, sizeof(*p))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	p->vs = vs;
	if (!(p->name = ovk_safe_name(opts->name ? opts->name : vs->name)) ||
	    (opts->serial_log && !(p->serial_log = strdup(opts->serial_log)))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (strcmp(p->name, opts->name ? opts->name : vs->name) != 0)
		ovk_plan_note(p, 1, "name '%s' kept to safe characters: '%s'",
			      opts->name ? opts->name : vs->name, p->name);
	if (plan_title(p, vs->name) < 0) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	snprintf(p->type, sizeof(p->type), "%s", type);
	snprintf(p->arch, sizeof(p->arch), "%s", caps->arch);
	ovk_plan_note(p, 0, "domain type %s (%s%s offered)", p->type,
		      opts->domain_type ? "as asked; " : "",
		      ovk_caps_enum_has(&caps->domain_types, "kvm") ? "kvm" : "no kvm");
	if (!caps->have_domcaps)
		ovk_plan_note(p, 1, "the driver has no domain capabilities: assuming QEMU's "
			      "usual x86 devices");
	if (plan_firmware(p, caps, opts, err) < 0)
		goto out;
	plan_cpu_memory(p);
	plan_guest_os(p, caps);
	if (ovk_plan_cpu(p, caps, opts, err) < 0 ||
	    ovk_plan_drives(p, env, caps, opts, err) < 0 || ovk_plan_nics(p, opts, err) < 0)
		goto out;
	plan_video(p, caps, opts);
	if (plan_extras(p, opts) < 0) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* What the OVF reader had to assume (a disk without a controller). */
	for (size_t i = 0; i < vs->n_warnings; i++)
		ovk_plan_note(p, 1, "%s", vs->warnings[i]);
	for (size_t i = 0; i < vs->n_unknown; i++)
		ovk_plan_note(p, vs->unknown[i].required, "not mapped: %s (line %ld)",
			      vs->unknown[i].what, vs->unknown[i].line);
	*out = p;
	p = NULL;
	ret = 0;
out:
	ovk_plan_free(p);
	return ret;
}

void ovk_plan_free(struct ovk_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_drives; i++) {
		free(p->drives[i].vol);
		free(p->drives[i].path);
		free(p->drives[i].pool);
		free(p->drives[i].volume_path);
		free(p->drives[i].format);
	}
	for (size_t i = 0; i < p->n_nics; i++) {
		free(p->nics[i].source);
		free(p->nics[i].ovf_network);
	}
	for (size_t i = 0; i < p->n_notes; i++)
		ovk_plan_note_free(&p->notes[i]);
	free(p->drives);
	free(p->nics);
	free(p->notes);
	free(p->ctls);
	free(p->serial_log);
	free(p->name);
	free(p->title);
	free(p->description);
	free(p);
}
