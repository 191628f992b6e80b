/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest.h: what a guest can drive, read (never written) from its converted
 * disks: the guest reader's one entry point for the layers above.
 *
 *   disks --partitions, LVM--> volumes --file systems--> the OS
 *     Linux:   /etc/os-release, /etc/fstab, the boot loader's default
 *              kernel, its initramfs and modules.builtin: the storage
 *              drivers it can load at boot, and the modules it has;
 *     Windows: the SYSTEM hive's services (Start, StartOverride, the
 *              driver file), the driver store, hiberfil.sys.
 *
 * The answer is facts, never a guess presented as one: an OS that cannot
 * be read (an encrypted volume, a file system this build does not read, a
 * dynamic disk) comes back as OVK_GUEST_UNREAD with the reason, and the
 * caller keeps to the OVF's controllers with a warning.
 *
 * Drivers are named by the device they drive, not by the guest's module
 * names, so the caller can match them with the buses QEMU offers
 * (ovk_guest_driver_name() gives the guest's own names for messages).
 */
#ifndef OVK_GUEST_GUEST_H
#define OVK_GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/error.h"
#include "core/info.h"
#include "core/open.h"
#include "guest/gdisk.h"
#include "ova/container.h"
#include "ova/ovf.h"

/* Storage (and one network) device families, as a bit each. */
enum ovk_guest_driver {
	OVK_DRV_VIRTIO_SCSI = 1u << 0,   /* virtio_scsi, vioscsi */
	OVK_DRV_VIRTIO_BLK = 1u << 1,    /* virtio_blk, viostor */
	OVK_DRV_PVSCSI = 1u << 2,        /* vmw_pvscsi, pvscsi */
	OVK_DRV_MPTSAS = 1u << 3,        /* LSI SAS1068: mptsas, LSI_SAS */
	OVK_DRV_MPTSPI = 1u << 4,        /* LSI 53C1030 (VMware's "LSI Logic"): mptspi, LSI_SCSI */
	OVK_DRV_SYM53C8XX = 1u << 5,     /* LSI 53C895A (QEMU's lsi): sym53c8xx, symmpi */
	OVK_DRV_AHCI = 1u << 6,          /* SATA AHCI: ahci, storahci/msahci */
	OVK_DRV_PIIX_IDE = 1u << 7,      /* PIIX IDE: ata_piix, intelide/pciide/atapi */
	OVK_DRV_NVME = 1u << 8,          /* nvme, stornvme */
	OVK_DRV_VIRTIO_NET = 1u << 9,    /* virtio_net, netkvm */
};
#define OVK_DRV_COUNT 10

enum ovk_guest_os {
	OVK_GUEST_UNREAD,        /* no OS found, or it could not be read: see `why` */
	OVK_GUEST_LINUX,
	OVK_GUEST_WINDOWS,
};

/* The most messages one inspection keeps (what it skipped and why). */
#define OVK_GUEST_MAX_NOTES 16

struct ovk_guest {
	enum ovk_guest_os os;
	char why[256];                   /* UNREAD: the reason */
	char distro[64];                 /* os-release ID, or "windows" */
	char version[64];                /* VERSION_ID, or Windows' CurrentBuild */
	char pretty[128];                /* PRETTY_NAME, or ProductName */
	char kernel[128];                /* Linux: the default kernel's version */
	char root[128];                  /* where the root file system was found */
	/* Drivers the boot disk can use at boot (in the initramfs or built
	 * in; Windows: boot-start services whose file exists), and drivers
	 * the guest has anywhere (modules of the default kernel; Windows:
	 * services of any start type with their file). */
	unsigned boot_drivers;
	unsigned drivers;
	int hibernated;                  /* Windows: hibernated or Fast Startup */
	int guest_agent;                 /* the QEMU guest agent is installed */
	char notes[OVK_GUEST_MAX_NOTES][160];
	size_t n_notes;
};

/* Inspect the guest on its disks (every disk of one VM, in order: an OS
 * may span them).  0 with *g filled, also for UNREAD; -1 only for what
 * stops everything (out of memory). */
int ovk_guest_inspect(struct ovk_gdisk *const *disks, size_t n, struct ovk_guest *g,
		      struct ovk_error *err);

/* The same on image files (an import's converted disks; ova-convert --info
 * on a disk), in the guest's disk order: the blobs are taken over, each
 * opened as formats[i] (NULL, or formats NULL: probed) with `ctx` (may be
 * NULL).  A disk that cannot be read at random leaves the guest UNREAD
 * with the reason. */
int ovk_guest_inspect_blobs(struct ovk_blob **blobs, const char *const *formats,
			    const struct ovk_open_ctx *ctx, size_t n, struct ovk_guest *g,
			    struct ovk_error *err);
/* The guest of virtual system vs read from the appliance's own disk files
 * in place (--print-xml, --info): no copy, no conversion.  A compressed OVA
 * or a gzip'ed File (read only forward) leaves it UNREAD, saying so.
 * Only for an appliance opened to describe it: members are read unverified
 * (an import reads its converted disks instead). */
int ovk_guest_inspect_package(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			      const struct ovk_ovf_system *vs, unsigned open_flags,
			      struct ovk_guest *g, struct ovk_error *err);

/* The facts as an info object under `key` (--json), naming its virtual
 * system when `system` is not NULL. */
void ovk_guest_info(struct ovk_info *info, const char *key, const char *system,
		    const struct ovk_guest *g);
/* One line for people: "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-13-amd64,
 * root on sda1 (ext4); storage drivers at boot: virtio_scsi, ahci". */
void ovk_guest_summary(const struct ovk_guest *g, char *buf, size_t cap);

/* The guest's name for a driver family ("virtio_scsi" on Linux, "vioscsi"
 * on Windows). */
const char *ovk_guest_driver_name(enum ovk_guest_os os, enum ovk_guest_driver d);

/* The driver families in mask as "ahci, mptspi" (the guest's names) into
 * buf; "none" for an empty mask. */
void ovk_guest_driver_list(enum ovk_guest_os os, unsigned mask, char *buf, size_t cap);

#endif
