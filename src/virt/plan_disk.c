/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan_disk.c: controllers and drives.
 *
 * Each OVF controller first gets a "kind" (what libvirt controller it
 * becomes, or "moved to sata"), then each drive, in OVF order, is placed on
 * its controller's kind at its AddressOnParent when that slot is free and
 * valid, else at the first free slot.  libvirt controllers are created when
 * the first drive lands on them, so nothing empty is emitted.
 *
 * Moves, all with a warning:
 *   - q35 has no IDE: IDE drives go on sata;
 *   - OVMF cannot boot from lsilogic, lsisas1068 or vmpvscsi (tested with
 *     Debian 12's OVMF 2022.11, issue 7): an EFI boot disk's controller of
 *     those models goes on sata, unless --bus keep;
 *   - NVMe goes on nvme where the host's domain capabilities list that
 *     disk bus, else on sata (libvirt 9.0, Debian 12, has none);
 *   - BusLogic becomes lsilogic (QEMU has no BusLogic).
 * The OVF environment (DSP0243's "iso" transport, and VMware's
 * com.vmware.guestInfo, which QEMU cannot offer) goes on the first empty
 * CD-ROM drive the OVF has, as vSphere puts it there, else on a CD-ROM
 * drive of its own on the machine's default bus.
 * Invariants: every drive has a unique (controller, unit) and a unique dev
 * name; boot orders are 1..n over the hard disks, in OVF order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_priv.h"

/* Slots per controller, as QEMU's devices have them: PIIX IDE has two
 * buses of two units (one libvirt controller for both OVF IDE
 * controllers); AHCI has six ports; LSI53C895A has seven targets (id 7 is
 * the adapter), and we keep to seven for every SCSI model so a disk never
 * lands on an id some model lacks; the floppy controller has two drives. */
#define SLOTS_IDE 4
#define SLOTS_SATA 6
#define SLOTS_SCSI 7
#define SLOTS_FDC 2
/* One disk per NVMe controller: QEMU's nvme device carries one drive (its
 * namespace 1), and libvirt's NVMe bus refuses a second disk on one
 * controller; each further disk gets its own controller. */
#define SLOTS_NVME 1
/* Controllers of one type: far beyond the 4 SCSI + 4 SATA VMware allows. */
#define MAX_CTLS_PER_TYPE 32


static unsigned slots(const char *type)
{
	if (strcmp(type, "ide") == 0)
		return SLOTS_IDE;
	if (strcmp(type, "scsi") == 0)
		return SLOTS_SCSI;
	if (strcmp(type, "nvme") == 0)
		return SLOTS_NVME;
	return SLOTS_SATA;
}

static const char *ctl_label(const struct ovk_ovf_controller *c)
{
	return c->name ? c->name : c->instance_id ? c->instance_id : "?";
}

/* The OVF SCSI model -> libvirt's. */
static void scsi_kind(struct ovk_plan *p, const struct ovk_ovf_controller *c, struct kind *k)
{
	const char *m = c->scsi_model ? c->scsi_model : "";

	snprintf(k->type, sizeof(k->type), "scsi");
	if (strcmp(m, "lsilogic") == 0) {
		snprintf(k->model, sizeof(k->model), "lsilogic");
	} else if (strcmp(m, "lsilogicsas") == 0) {
		snprintf(k->model, sizeof(k->model), "lsisas1068");
	} else if (strcmp(m, "virtualscsi") == 0) {
		snprintf(k->model, sizeof(k->model), "vmpvscsi");
	} else if (strcmp(m, "buslogic") == 0) {
		snprintf(k->model, sizeof(k->model), "lsilogic");
		ovk_plan_note(p, 1, "controller %s: QEMU has no BusLogic, using lsilogic "
			      "(the guest needs its LSI driver)", ctl_label(c));
	} else {
		snprintf(k->model, sizeof(k->model), "lsilogic");
		ovk_plan_note(p, 1, "controller %s: SCSI model '%s' unknown, using lsilogic",
			      ctl_label(c), c->subtype ? c->subtype : "(none)");
	}
}

static int ovmf_cannot_boot(const char *model)
{
	return strcmp(model, "lsilogic") == 0 || strcmp(model, "lsisas1068") == 0 ||
	       strcmp(model, "vmpvscsi") == 0;
}

void ovk_plan_to_sata(struct kind *k)
{
	snprintf(k->type, sizeof(k->type), "sata");
	k->model[0] = '\0';
}

/* The kind of OVF controller i; `boot` is the boot disk's controller. */
static void controller_kind(struct ovk_plan *p, const struct ovk_caps *caps,
			    const struct ovk_plan_opts *o, size_t i, int boot, int *ide_seen,
			    struct kind *k)
{
	const struct ovk_ovf_controller *c = &p->vs->controllers[i];

	k->ctl = -1;
	switch (c->bus) {
	case OVK_OVF_BUS_IDE:
		snprintf(k->type, sizeof(k->type), "ide");
		/* VMware's "IDE 1" has Address 1: the secondary channel. */
		k->ide_bus = (c->address == 0 || c->address == 1) && !(*ide_seen & (1 << c->address)) ?
			     (int)c->address : (*ide_seen & 1) ? ((*ide_seen & 2) ? 2 : 1) : 0;
		*ide_seen |= k->ide_bus < 2 ? 1 << k->ide_bus : 0;
		if (caps->have_domcaps ? !ovk_caps_enum_has(&caps->disk_buses, "ide") :
		    strcmp(p->machine, "q35") == 0) {
			ovk_plan_to_sata(k);
			ovk_plan_note(p, 1, "controller %s: machine %s has no IDE, its drives go "
				      "on sata", ctl_label(c), p->machine);
		} else if (k->ide_bus > 1) {
			ovk_plan_to_sata(k);
			ovk_plan_note(p, 1, "controller %s: a third IDE channel does not exist, "
				      "its drives go on sata", ctl_label(c));
		}
		break;
	case OVK_OVF_BUS_SCSI:
		scsi_kind(p, c, k);
		if (p->efi && (int)i == boot && ovmf_cannot_boot(k->model)) {
			if (o->bus == OVK_PLAN_BUS_KEEP) {
				ovk_plan_note(p, 1, "controller %s: kept on %s as asked, but OVMF "
					      "cannot boot from it", ctl_label(c), k->model);
			} else {
				ovk_plan_note(p, 1, "controller %s: OVMF cannot boot from %s, the "
					      "boot disk's drives go on sata (--bus keep keeps it)",
					      ctl_label(c), k->model);
				ovk_plan_to_sata(k);
			}
		}
		break;
	case OVK_OVF_BUS_SATA:
		ovk_plan_to_sata(k);
		break;
	case OVK_OVF_BUS_NVME:
		/* Without domain capabilities (the test driver) we cannot know,
		 * and sata is what every libvirt has. */
		if (caps->have_domcaps && ovk_caps_enum_has(&caps->disk_buses, "nvme")) {
			snprintf(k->type, sizeof(k->type), "nvme");
			k->model[0] = '\0';
			break;
		}
		ovk_plan_to_sata(k);
		ovk_plan_note(p, 1, "controller %s: NVMe goes on sata (%s)", ctl_label(c),
			      caps->have_domcaps ? "this libvirt has no emulated NVMe bus" :
			      "the driver does not say whether it has an NVMe bus");
		break;
	}
}

static int add_ctl(struct ovk_plan *p, const char *type, const char *model,
		   struct ovk_error *err)
{
	struct ovk_plan_ctl *c;
	unsigned index = 0;

	for (size_t i = 0; i < p->n_ctls; i++)
		if (strcmp(p->ctls[i].type, type) == 0)
			index++;
	if (index >= MAX_CTLS_PER_TYPE)
		return ovk_error_set(err, E2BIG, "more than %d %s controllers", MAX_CTLS_PER_TYPE,
				     type);
	if (!(c = realloc(p->ctls, (p->n_ctls + 1) * sizeof(*c))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	p->ctls = c;
	c = &p->ctls[p->n_ctls];
	memset(c, 0, sizeof(*c));
	snprintf(c->type, sizeof(c->type), "%s", type);
	snprintf(c->model, sizeof(c->model), "%s", model);
	c->index = index;
	return (int)p->n_ctls++;
}

static int find_ctl_of_type(const struct ovk_plan *p, const char *type)
{
	for (size_t i = 0; i < p->n_ctls; i++)
		if (strcmp(p->ctls[i].type, type) == 0)
			return (int)i;
	return -1;
}

/* A free unit on controller ctl: `want` when valid and free, else the
 * first free one; -1 when full. */
static int take_unit(struct ovk_plan_ctl *c, int64_t want)
{
	unsigned n = slots(c->type);

	if (want >= 0 && want < n && !(c->used & (1u << want))) {
		c->used |= 1u << want;
		return (int)want;
	}
	for (unsigned u = 0; u < n; u++)
		if (!(c->used & (1u << u))) {
			c->used |= 1u << u;
			return (int)u;
		}
	return -1;
}

/* Place a drive on kind k (creating controllers as needed): ctl and unit. */
static int place(struct ovk_plan *p, struct kind *k, int64_t want, struct ovk_plan_drive *d,
		 struct ovk_error *err)
{
	int unit;

	if (strcmp(k->type, "ide") == 0 && want >= 0)
		want = k->ide_bus * 2 + (want < 2 ? want : 2);
	for (;;) {
		/* Both OVF IDE controllers are channels of the one PIIX. */
		if (k->ctl < 0 && strcmp(k->type, "ide") == 0)
			k->ctl = find_ctl_of_type(p, "ide");
		if (k->ctl < 0 && (k->ctl = add_ctl(p, k->type, k->model, err)) < 0)
			return -1;
		if ((unit = take_unit(&p->ctls[k->ctl], want)) >= 0)
			break;
		if (strcmp(k->type, "ide") == 0)
			ovk_plan_to_sata(k);
		k->ctl = -1;
		want = -1;
	}
	d->ctl = k->ctl;
	d->unit = (unsigned)unit;
	snprintf(d->bus, sizeof(d->bus), "%s", k->type);
	return 0;
}

/* "a".."z", "aa".."zz": the libvirt target dev suffix for index i. */
static void dev_name(char *out, size_t len, const char *prefix, unsigned i)
{
	if (i < 26)
		snprintf(out, len, "%s%c", prefix, 'a' + i);
	else
		snprintf(out, len, "%s%c%c", prefix, 'a' + (i / 26 - 1) % 26, 'a' + i % 26);
}

/* The kind for a drive: its controller's, or the machine's default bus. */
static struct kind *drive_kind(struct ovk_plan *p, const struct ovk_ovf_drive *dr,
			       struct kind *kinds, struct kind *fallback)
{
	if (dr->controller >= 0)
		return &kinds[dr->controller];
	if (fallback->type[0] == '\0') {
		fallback->ctl = -1;
		if (strcmp(p->machine, "q35") == 0) {
			ovk_plan_to_sata(fallback);
		} else {
			snprintf(fallback->type, sizeof(fallback->type), "ide");
			fallback->ide_bus = 0;
		}
	}
	return fallback;
}

/* Kinds chosen from the guest, one per (type, model), so that the disks
 * that go on one bus share its controllers. */
#define MAX_GUEST_KINDS 8

struct placing {
	struct kind *kinds;                  /* per OVF controller */
	struct kind fallback;                /* drives without a controller */
	struct kind guest[MAX_GUEST_KINDS];
	size_t n_guest;
	const struct ovk_caps *caps;
	const struct ovk_plan_opts *o;
	int boot_drive;                      /* the drive of the boot disk, or -1 */
	unsigned fdc;
};

/* The guest's choice for disk drive i (its kind, shared per bus). */
static struct kind *guest_kind(struct ovk_plan *p, struct placing *pl, size_t i, char *why,
			       size_t why_cap, struct ovk_error *err)
{
	const struct ovk_ovf_drive *dr = &p->vs->drives[i];
	const struct ovk_ovf_controller *src = dr->controller >= 0 ?
					       &p->vs->controllers[dr->controller] : NULL;
	struct kind want, *ovf = drive_kind(p, dr, pl->kinds, &pl->fallback);

	if (ovk_plan_guest_kind(p, pl->caps, pl->o->guest, src, ovf, (int)i == pl->boot_drive,
				&want, why, why_cap, err) < 0)
		return NULL;
	for (size_t k = 0; k < pl->n_guest; k++)
		if (strcmp(pl->guest[k].type, want.type) == 0 &&
		    strcmp(pl->guest[k].model, want.model) == 0)
			return &pl->guest[k];
	if (pl->n_guest == MAX_GUEST_KINDS) {
		ovk_error_set(err, E2BIG, "more than %d buses", MAX_GUEST_KINDS);
		return NULL;
	}
	pl->guest[pl->n_guest] = want;
	return &pl->guest[pl->n_guest++];
}

/* Whether disks go where the guest's drivers say (see plan_guest.c). */
static int by_guest(const struct ovk_plan_opts *o)
{
	return o->bus == OVK_PLAN_BUS_AUTO && o->guest && o->guest->os != OVK_GUEST_UNREAD;
}

static int place_drive(struct ovk_plan *p, struct placing *pl, size_t i, struct ovk_error *err)
{
	const struct ovk_ovf_drive *dr = &p->vs->drives[i];
	struct ovk_plan_drive *d = &p->drives[p->n_drives];
	struct kind *k;

	d->type = dr->type;
	d->ctl = -1;
	if (dr->type == OVK_OVF_DRIVE_FLOPPY) {
		if (pl->fdc >= SLOTS_FDC)
			return ovk_error_set(err, E2BIG, "more than %d floppy drives", SLOTS_FDC);
		snprintf(d->bus, sizeof(d->bus), "fdc");
		d->unit = pl->fdc++;
	} else if (dr->type == OVK_OVF_DRIVE_DISK && pl->o->bus == OVK_PLAN_BUS_VIRTIO) {
		snprintf(d->bus, sizeof(d->bus), "virtio");
		snprintf(d->why, sizeof d->why, "virtio-blk: --bus virtio");
	} else if (dr->type == OVK_OVF_DRIVE_DISK && dr->disk_id && by_guest(pl->o)) {
		if (!(k = guest_kind(p, pl, i, d->why, sizeof d->why, err)) ||
		    place(p, k, -1, d, err) < 0)
			return -1;
	} else {
		if (place(p, drive_kind(p, dr, pl->kinds, &pl->fallback), dr->address_on_parent,
			  d, err) < 0)
			return -1;
		if (dr->type == OVK_OVF_DRIVE_DISK)
			snprintf(d->why, sizeof d->why, "the OVF's controller%s",
				 pl->o->bus == OVK_PLAN_BUS_KEEP ? ": --bus keep" :
				 !pl->o->guest ? "" : ": the guest could not be read");
	}
	p->n_drives++;
	return 0;
}

/* Dev names per prefix, in drive order, once every bus is final. */
static void name_drives(struct ovk_plan *p)
{
	unsigned hd = 0, sd = 0, vd = 0, fd = 0;

	for (size_t i = 0; i < p->n_drives; i++) {
		struct ovk_plan_drive *d = &p->drives[i];

		/* libvirt reads controller and namespace from the name. */
		if (strcmp(d->bus, "nvme") == 0)
			snprintf(d->dev, sizeof(d->dev), "nvme%un%u", p->ctls[d->ctl].index,
				 d->unit + 1);
		else if (strcmp(d->bus, "ide") == 0)
			dev_name(d->dev, sizeof(d->dev), "hd", hd++);
		else if (strcmp(d->bus, "virtio") == 0)
			dev_name(d->dev, sizeof(d->dev), "vd", vd++);
		else if (strcmp(d->bus, "fdc") == 0)
			dev_name(d->dev, sizeof(d->dev), "fd", fd++);
		else
			dev_name(d->dev, sizeof(d->dev), "sd", sd++);
	}
}

static int first_boot_controller(const struct ovk_ovf_system *vs)
{
	for (size_t i = 0; i < vs->n_drives; i++)
		if (vs->drives[i].type == OVK_OVF_DRIVE_DISK && vs->drives[i].disk_id)
			return vs->drives[i].controller;
	return -1;
}

/* Whether one of the first n drives already attaches disk. */
static int disk_placed(const struct ovk_plan *p, size_t n, const struct ovk_ovf_disk *disk)
{
	for (size_t i = 0; i < n; i++)
		if (p->drives[i].disk == disk)
			return 1;
	return 0;
}

/* The one of the first n drives whose volume is called vol, or NULL: disk
 * ids that differ only in characters ovk_safe_name() replaces ("d 1",
 * "d_1") must not end up sharing, and overwriting, one file. */
static const struct ovk_plan_drive *vol_taken(const struct ovk_plan *p, size_t n,
					      const char *vol)
{
	for (size_t i = 0; i < n; i++)
		if (p->drives[i].vol && strcmp(p->drives[i].vol, vol) == 0)
			return &p->drives[i];
	return NULL;
}

/* Disk names, boot order and notes, once placed. */
static int finish_disks(struct ovk_plan *p, const struct ovk_ovf_envelope *env,
			struct ovk_error *err)
{
	unsigned boot = 0;

	for (size_t i = 0, j = 0; i < p->vs->n_drives; i++) {
		const struct ovk_ovf_drive *dr = &p->vs->drives[i];
		struct ovk_plan_drive *d = &p->drives[j++];
		const struct ovk_plan_drive *other;
		char *id = NULL, dev[80], to[48];

		if (d->env)
			continue;
		if (dr->type != OVK_OVF_DRIVE_DISK || !dr->disk_id) {
			snprintf(dev, sizeof dev, "%s %zu", dr->type == OVK_OVF_DRIVE_FLOPPY ? "floppy" :
				 dr->type == OVK_OVF_DRIVE_CDROM ? "cdrom" : "drive", i + 1);
			snprintf(to, sizeof to, "%s on %s", d->dev, d->bus);
			ovk_plan_decide(p, dev, "empty drive", to, "%s", "");
			continue;
		}
		d->disk = ovk_ovf_find_disk(env, dr->disk_id);
		if (d->disk && d->disk->parent_ref)
			return ovk_error_set(err, ENOTSUP, "disk %s is a delta of %s: "
					     "delta disks are not supported", d->disk->id,
					     d->disk->parent_ref);
		if (d->disk && disk_placed(p, j - 1, d->disk))
			return ovk_error_set(err, EINVAL, "disk %s is attached by two drive items: "
					     "two writable drives on one image", d->disk->id);
		d->boot = ++boot;
		if (!(id = ovk_safe_name(dr->disk_id)) ||
		    asprintf(&d->vol, "%s-%s", p->name, id) < 0) {
			d->vol = NULL;
			free(id);
			return ovk_error_set(err, ENOMEM, "out of memory");
		}
		free(id);
		if ((other = vol_taken(p, j - 1, d->vol)))
			return ovk_error_set(err, EEXIST, "disks %s and %s would both be named %s",
					     other->disk ? other->disk->id : "?", dr->disk_id, d->vol);
		snprintf(dev, sizeof dev, "disk %s", dr->disk_id);
		snprintf(to, sizeof to, "%s on %s%s%s", d->dev, d->bus,
			 d->ctl >= 0 && p->ctls[d->ctl].model[0] ? " " : "",
			 d->ctl >= 0 ? p->ctls[d->ctl].model : "");
		ovk_plan_decide(p, dev, dr->controller >= 0 ?
				ovk_ovf_bus_name(p->vs->controllers[dr->controller].bus) : NULL,
				to, "boot order %u", d->boot);
	}
	return 0;
}

/* Whether system vs gets its OVF environment on a CD-ROM. */
static int wants_env(const struct ovk_ovf_system *vs)
{
	return vs->transport_iso || vs->transport_guestinfo;
}

/* The environment's CD-ROM: the first empty CD-ROM drive of the OVF, else
 * a new one on the machine's default bus (placed after the OVF's drives,
 * so it takes no slot they asked for). */
static int env_drive(struct ovk_plan *p, struct ovk_error *err)
{
	struct ovk_plan_drive *d = NULL;
	struct kind k = { .ctl = -1 };

	for (size_t i = 0; i < p->n_drives && !d; i++)
		if (p->drives[i].type == OVK_OVF_DRIVE_CDROM)
			d = &p->drives[i];
	if (!d) {
		d = &p->drives[p->n_drives];
		d->type = OVK_OVF_DRIVE_CDROM;
		if (strcmp(p->machine, "q35") == 0) {
			ovk_plan_to_sata(&k);
			/* share the sata controller a drive already has */
			k.ctl = find_ctl_of_type(p, "sata");
		} else {
			snprintf(k.type, sizeof k.type, "ide");
		}
		if (place(p, &k, -1, d, err) < 0)
			return -1;
		p->n_drives++;
	}
	d->env = 1;
	if (asprintf(&d->vol, "%s-ovf-env", p->name) < 0) {
		d->vol = NULL;
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void env_notes(struct ovk_plan *p)
{
	const struct ovk_ovf_system *vs = p->vs;

	for (size_t i = 0; i < p->n_drives; i++)
		if (p->drives[i].env)
			ovk_plan_note(p, 0, "OVF environment: %zu propert%s in ovf-env.xml on "
				      "CD-ROM %s on %s (transport %s)", vs->n_properties,
				      vs->n_properties == 1 ? "y" : "ies", p->drives[i].dev,
				      p->drives[i].bus, vs->transport);
	if (vs->transport_guestinfo && !vs->transport_iso)
		ovk_plan_note(p, 1, "the OVF asks for the com.vmware.guestInfo transport only, "
			      "which has no QEMU equivalent (VMware's tools read it through "
			      "VMware's backdoor); the environment is on a CD-ROM instead, "
			      "which many such guests also read");
	if (!wants_env(vs) && vs->n_properties)
		ovk_plan_note(p, 1, "the OVF has %zu propert%s but names no environment "
			      "transport (ovf:transport): the guest is not given them",
			      vs->n_properties, vs->n_properties == 1 ? "y" : "ies");
}

/* The drive of the boot disk: the first disk drive with a disk. */
static int first_boot_drive(const struct ovk_ovf_system *vs)
{
	for (size_t i = 0; i < vs->n_drives; i++)
		if (vs->drives[i].type == OVK_OVF_DRIVE_DISK && vs->drives[i].disk_id)
			return (int)i;
	return -1;
}

/* A WWN for each disk on QEMU's SAS1068, whose Linux driver (mptsas) sees
 * no disk without one: NAA 5 with QEMU's OUI (52:54:00) and the rest from
 * the domain's name and the disk's place, so it is stable across
 * imports. */
static void give_wwns(struct ovk_plan *p)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (const char *c = p->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	for (size_t i = 0; i < p->n_drives; i++) {
		struct ovk_plan_drive *d = &p->drives[i];
		uint64_t v;

		if (d->ctl < 0 || d->type != OVK_OVF_DRIVE_DISK ||
		    strcmp(p->ctls[d->ctl].model, "lsisas1068") != 0)
			continue;
		v = (5ull << 60) | (0x525400ull << 36) | ((h + i) & 0xfffffffffull);
		snprintf(d->wwn, sizeof(d->wwn), "%016llx", (unsigned long long)v);
	}
}

int ovk_plan_drives(struct ovk_plan *p, const struct ovk_ovf_envelope *env,
		    const struct ovk_caps *caps, const struct ovk_plan_opts *o,
		    struct ovk_error *err)
{
	const struct ovk_ovf_system *vs = p->vs;
	struct placing pl = { .fallback = { .ctl = -1 }, .caps = caps, .o = o,
			      .boot_drive = first_boot_drive(vs) };
	int boot = first_boot_controller(vs), ide_seen = 0, ret = -1;

	if ((vs->n_controllers && !(pl.kinds = calloc(vs->n_controllers, sizeof(*pl.kinds)))) ||
	    !(p->drives = calloc(vs->n_drives + 1, sizeof(*p->drives)))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (o->bus == OVK_PLAN_BUS_AUTO && o->guest && o->guest->os == OVK_GUEST_UNREAD)
		ovk_plan_note(p, 1, "the guest could not be read (%s): its disks keep the OVF's "
			      "controllers, which it may not drive", o->guest->why);
	if (o->guest && o->guest->hibernated)
		ovk_plan_note(p, 1, "Windows was hibernated or shut down with Fast Startup "
			      "(hiberfil.sys): booting it here loses what that session held, "
			      "and may damage its disks; boot it once where it was made and "
			      "shut it down fully (shutdown /s /t 0), or turn Fast Startup off");
	for (size_t i = 0; i < vs->n_controllers; i++)
		controller_kind(p, caps, o, i, by_guest(o) ? -1 : boot, &ide_seen, &pl.kinds[i]);
	for (size_t i = 0; i < vs->n_drives; i++)
		if (place_drive(p, &pl, i, err) < 0)
			goto out;
	if (o->bus == OVK_PLAN_BUS_VIRTIO)
		ovk_plan_note(p, 0, "--bus virtio: disks on virtio-blk (the guest needs "
			      "virtio drivers)");
	if (wants_env(vs) && env_drive(p, err) < 0)
		goto out;
	name_drives(p);
	give_wwns(p);
	if (finish_disks(p, env, err) < 0)
		goto out;
	env_notes(p);
	ret = 0;
out:
	free(pl.kinds);
	return ret;
}
