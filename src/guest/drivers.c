/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * drivers.c: the one table that names each driver family (guest.h) in the
 * guests' own words: Linux module names and Windows service names, and
 * what each needs besides itself to see a disk.
 *
 * Linux: a family is usable when its module is there and so is what the
 * module cannot see a disk without and does not pull in by itself
 * (modprobe follows modules.dep, but a host-only initramfs holds only
 * what the old host used): the SCSI disk driver sd_mod for every SCSI and
 * libata family, and the virtio PCI transport for virtio.  Windows: the
 * IDE controller drivers need the atapi channel driver.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "guest_priv.h"

/* Support modules: bits above the families. */
#define NEEDS_SD (1u << 16)          /* Linux sd_mod */
#define NEEDS_VIRTIO_PCI (1u << 17)  /* Linux virtio_pci */
#define NEEDS_ATAPI (1u << 18)       /* Windows atapi */

struct family {
	unsigned bit;
	const char *linux_names[3];   /* the first is the one messages use */
	unsigned linux_needs;
	const char *windows_names[3];
	unsigned windows_needs;
};

static const struct family families[OVK_DRV_COUNT] = {
	{ OVK_DRV_VIRTIO_SCSI, { "virtio_scsi" }, NEEDS_SD | NEEDS_VIRTIO_PCI, { "vioscsi" }, 0 },
	{ OVK_DRV_VIRTIO_BLK, { "virtio_blk" }, NEEDS_VIRTIO_PCI, { "viostor" }, 0 },
	{ OVK_DRV_PVSCSI, { "vmw_pvscsi" }, NEEDS_SD, { "pvscsi" }, 0 },
	{ OVK_DRV_MPTSAS, { "mptsas" }, NEEDS_SD, { "LSI_SAS" }, 0 },
	/* symmpi is the 53C1030's driver on Windows XP and 2003. */
	{ OVK_DRV_MPTSPI, { "mptspi" }, NEEDS_SD, { "LSI_SCSI", "symmpi" }, 0 },
	{ OVK_DRV_SYM53C8XX, { "sym53c8xx" }, NEEDS_SD, { "symc8xx" }, 0 },
	/* msahci is Windows 7's AHCI driver, storahci 8's and later. */
	{ OVK_DRV_AHCI, { "ahci" }, NEEDS_SD, { "storahci", "msahci" }, 0 },
	/* piix is the old IDE layer's driver (kernels before libata's). */
	{ OVK_DRV_PIIX_IDE, { "ata_piix", "piix" }, NEEDS_SD, { "intelide", "pciide" }, NEEDS_ATAPI },
	{ OVK_DRV_NVME, { "nvme" }, 0, { "stornvme" }, 0 },
	{ OVK_DRV_VIRTIO_NET, { "virtio_net" }, NEEDS_VIRTIO_PCI, { "netkvm" }, 0 },
};

static const struct family *family_of(unsigned bit)
{
	for (size_t i = 0; i < OVK_DRV_COUNT; i++)
		if (families[i].bit == bit)
			return &families[i];
	return NULL;
}

const char *ovk_guest_driver_name(enum ovk_guest_os os, enum ovk_guest_driver d)
{
	const struct family *f = family_of((unsigned)d);

	if (!f)
		return "?";
	return os == OVK_GUEST_WINDOWS ? f->windows_names[0] : f->linux_names[0];
}

void ovk_guest_driver_list(enum ovk_guest_os os, unsigned mask, char *buf, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < OVK_DRV_COUNT && used < cap; i++)
		if (mask & families[i].bit)
			used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "",
						 ovk_guest_driver_name(os, families[i].bit));
	if (used == 0)
		snprintf(buf, cap, "none");
}

/* Whether `name` (len bytes) is `want`, Linux's way: '-' and '_' are one. */
static int module_is(const char *name, size_t len, const char *want)
{
	size_t i;

	for (i = 0; i < len && want[i]; i++) {
		char a = name[i] == '-' ? '_' : name[i];

		if (a != want[i])
			return 0;
	}
	return i == len && want[i] == '\0';
}

unsigned ovk_guest_linux_module(const char *name, size_t len)
{
	if (module_is(name, len, "sd_mod"))
		return NEEDS_SD;
	if (module_is(name, len, "virtio_pci"))
		return NEEDS_VIRTIO_PCI;
	for (size_t i = 0; i < OVK_DRV_COUNT; i++)
		for (size_t k = 0; k < 3 && families[i].linux_names[k]; k++)
			if (module_is(name, len, families[i].linux_names[k]))
				return families[i].bit;
	return 0;
}

unsigned ovk_guest_windows_service(const char *name)
{
	if (strcasecmp(name, "atapi") == 0)
		return NEEDS_ATAPI;
	for (size_t i = 0; i < OVK_DRV_COUNT; i++)
		for (size_t k = 0; k < 3 && families[i].windows_names[k]; k++)
			if (strcasecmp(name, families[i].windows_names[k]) == 0)
				return families[i].bit;
	return 0;
}

const char *ovk_guest_windows_service_name(size_t i)
{
	static const char *const extra[] = { "atapi" };
	size_t k = i;

	for (size_t f = 0; f < OVK_DRV_COUNT; f++)
		for (size_t j = 0; j < 3 && families[f].windows_names[j]; j++)
			if (k-- == 0)
				return families[f].windows_names[j];
	return k < sizeof extra / sizeof extra[0] ? extra[k] : NULL;
}

unsigned ovk_guest_usable(enum ovk_guest_os os, unsigned found)
{
	unsigned usable = 0;

	for (size_t i = 0; i < OVK_DRV_COUNT; i++) {
		const struct family *f = &families[i];
		unsigned needs = os == OVK_GUEST_WINDOWS ? f->windows_needs : f->linux_needs;

		if ((found & f->bit) && (found & needs) == needs)
			usable |= f->bit;
	}
	return usable;
}
