/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan_guest.c: the bus of each disk, chosen from what the guest can
 * drive (src/guest), for --bus auto when the guest was read.
 *
 * A controller's name in the OVF does not say which chip QEMU will
 * emulate: VMware's "LSI Logic" is an LSI 53C1030 (Linux: mptspi), while
 * libvirt's lsilogic is QEMU's 53C895A (Linux: sym53c8xx; no Windows since
 * XP).  So the buses are tried in this order, and a disk goes on the first
 * one the guest has a driver for:
 *
 *   1. virtio-scsi          fast, and the guest keeps its sdX names;
 *   2. the source's chip,   where QEMU has it: pvscsi (vmpvscsi),
 *                           SAS1068 (lsisas1068, with a WWN: Linux's
 *                           mptsas sees no disk without one), NVMe;
 *   3. sata (AHCI);
 *   4. ide (PIIX; the pc machine only);
 *   5. pvscsi and SAS1068 when the source had another chip (a guest may
 *      carry their drivers and no other, e.g. a template moved between
 *      controllers);
 *   6. lsilogic (53C895A).
 *
 * The boot disk needs its driver at boot (in the initramfs or built in;
 * Windows: a boot-start service with its file), and a bus the firmware
 * boots from: SeaBIOS boots them all; OVMF boots sata, virtio-scsi and
 * NVMe, not lsilogic, lsisas1068 or pvscsi (tested with Debian 12's OVMF).
 * Other disks need the driver anywhere in the guest.  Where nothing fits,
 * the import stops before any domain is defined, and says what the guest
 * has, what QEMU offers and how to import anyway (--bus keep).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan_priv.h"

struct candidate {
	const char *type, *model;        /* the libvirt controller */
	unsigned driver;                 /* the family it needs (guest.h) */
	int efi_boots;                   /* OVMF boots from it */
	const char *label;               /* for messages */
};

static const struct candidate virtio_scsi = { "scsi", "virtio-scsi", OVK_DRV_VIRTIO_SCSI, 1,
					      "virtio-scsi" };
static const struct candidate pvscsi = { "scsi", "vmpvscsi", OVK_DRV_PVSCSI, 0, "pvscsi" };
static const struct candidate mptsas = { "scsi", "lsisas1068", OVK_DRV_MPTSAS, 0,
					 "lsisas1068" };
static const struct candidate nvme = { "nvme", "", OVK_DRV_NVME, 1, "nvme" };
static const struct candidate sata = { "sata", "", OVK_DRV_AHCI, 1, "sata" };
static const struct candidate ide = { "ide", "", OVK_DRV_PIIX_IDE, 0, "ide" };
static const struct candidate lsilogic = { "scsi", "lsilogic", OVK_DRV_SYM53C8XX, 0,
					   "lsilogic 53C895A" };

/* The candidates for a disk whose OVF controller is src, in order. */
static size_t candidates(const struct ovk_plan *p, const struct ovk_caps *caps,
			 const struct ovk_ovf_controller *src, const struct candidate **out)
{
	const char *m = src && src->bus == OVK_OVF_BUS_SCSI && src->scsi_model ? src->scsi_model : "";
	int source_pvscsi = strcmp(m, "virtualscsi") == 0;
	int source_sas = strcmp(m, "lsilogicsas") == 0;
	size_t n = 0;

	out[n++] = &virtio_scsi;
	if (source_pvscsi)
		out[n++] = &pvscsi;
	if (source_sas)
		out[n++] = &mptsas;
	if (src && src->bus == OVK_OVF_BUS_NVME && caps->have_domcaps &&
	    ovk_caps_enum_has(&caps->disk_buses, "nvme"))
		out[n++] = &nvme;
	out[n++] = &sata;
	if (strcmp(p->machine, "pc") == 0)
		out[n++] = &ide;
	if (!source_pvscsi)
		out[n++] = &pvscsi;
	if (!source_sas)
		out[n++] = &mptsas;
	out[n++] = &lsilogic;
	return n;
}

static int fits(const struct ovk_plan *p, const struct ovk_guest *g,
		const struct candidate *c, int boot)
{
	if (!boot)
		return (g->drivers & c->driver) != 0;
	return (g->boot_drivers & c->driver) && (!p->efi || c->efi_boots);
}

/* "virtio-scsi, sata, ide" (the buses offered), into buf. */
static void offered(enum ovk_guest_os os, const struct candidate *const *c, size_t n, char *buf,
		    size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s (%s)", i ? ", " : "",
					 c[i]->label,
					 ovk_guest_driver_name(os, c[i]->driver));
}

static int no_fit(const struct ovk_plan *p, const struct ovk_guest *g,
		  const struct candidate *const *c, size_t n, int boot, struct ovk_error *err)
{
	char have[256], buses[512];

	ovk_guest_driver_list(g->os, boot ? g->boot_drivers : g->drivers, have, sizeof have);
	offered(g->os, c, n, buses, sizeof buses);
	return ovk_error_set(err, ENODEV, "the guest (%s) has %s%s: %s; QEMU offers %s%s; "
			     "--bus keep imports with the OVF's controllers anyway",
			     g->pretty[0] ? g->pretty : g->distro,
			     boot ? "at boot " : "",
			     boot ? "these storage drivers" : "drivers for", have, buses,
			     boot && p->efi ? " (OVMF boots only virtio-scsi, sata and nvme)" : "");
}

int ovk_plan_guest_kind(struct ovk_plan *p, const struct ovk_caps *caps,
			const struct ovk_guest *g, const struct ovk_ovf_controller *src,
			const struct kind *ovf, int boot, struct kind *out, char *why,
			size_t why_cap, struct ovk_error *err)
{
	const struct candidate *c[8];
	size_t n = candidates(p, caps, src, c);
	char names[64];

	for (size_t i = 0; i < n; i++) {
		if (!fits(p, g, c[i], boot))
			continue;
		memset(out, 0, sizeof *out);
		out->ctl = -1;
		snprintf(out->type, sizeof out->type, "%s", c[i]->type);
		snprintf(out->model, sizeof out->model, "%s", c[i]->model);
		ovk_guest_driver_list(g->os, c[i]->driver, names, sizeof names);
		snprintf(why, why_cap, "%s: the guest drives it with %s%s%s", c[i]->label, names,
			 boot ? " at boot" : "", i ? ", and none of the buses before it" : "");
		if (ovf && strcmp(ovf->type, out->type) == 0 && strcmp(ovf->model, out->model) == 0)
			return 0;
		ovk_plan_note(p, 0, "%s disk on %s, which the guest drives with %s%s (the OVF "
			      "has %s%s%s)", boot ? "the boot" : "a", c[i]->label, names,
			      boot ? " at boot" : "", ovf ? ovf->type : "no controller",
			      ovf && ovf->model[0] ? " " : "", ovf ? ovf->model : "");
		return 0;
	}
	return no_fit(p, g, c, n, boot, err);
}
