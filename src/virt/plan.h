/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan.h: one VirtualSystem of an OVF, mapped to the devices of a libvirt
 * domain, and the notes (decisions and warnings) that explain the mapping.
 *
 *   ovf model + host caps + options --ovk_plan_build--> plan --ovk_plan_xml--> XML
 *
 * Building a plan is pure: no libvirt call, no I/O; that keeps the mapping
 * testable from captured capability documents (tests/golden).  The storage
 * step later fills each drive's source (a file path or a pool volume).
 *
 * The guest is never modified, so the mapping keeps devices the guest
 * already has drivers for, and moves a device only when the host cannot
 * provide it or the firmware cannot boot from it; every move is a warning.
 *
 * Ownership: ovk_plan_free() (NULL-safe) frees everything.  The plan
 * borrows the OVF model (`vs`, each drive's `disk`): keep the envelope alive
 * while the plan is used.
 */
#ifndef OVK_VIRT_PLAN_H
#define OVK_VIRT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "core/error.h"
#include "guest/guest.h"
#include "ova/ovf.h"
#include "ova/package.h"  /* ovk_safe_name */

enum ovk_plan_bus_choice {
	/* What the guest can drive, when it was read (opts.guest): each disk
	 * on the best bus its drivers allow; else the OVF's controllers,
	 * moved only when needed. */
	OVK_PLAN_BUS_AUTO,
	OVK_PLAN_BUS_KEEP,      /* the OVF's controllers even where EFI cannot boot */
	OVK_PLAN_BUS_VIRTIO,    /* disks on virtio-blk, NICs virtio-net */
};

enum ovk_plan_fw_choice {
	OVK_PLAN_FW_AUTO,       /* what the OVF says (BIOS when it says nothing) */
	OVK_PLAN_FW_BIOS,
	OVK_PLAN_FW_EFI,
};

struct ovk_plan_opts {
	const char *name;                /* domain name; NULL: from the OVF */
	enum ovk_plan_bus_choice bus;
	enum ovk_plan_fw_choice firmware;
	/* Networks: `bridge` wins; else SRC=DST pairs, then `network` for
	 * the rest, then "default". */
	const char *bridge;
	const char *network;
	const char *const *net_src;
	const char *const *net_dst;
	size_t n_netmap;
	const char *serial_log;          /* path on the hypervisor, or NULL */
	/* Domain type; NULL: kvm when offered, else qemu.  "qemu" (TCG) is
	 * for hosts whose KVM cannot run the guest's firmware (nested KVM
	 * faults in OVMF on some hosts: issue 7). */
	const char *domain_type;
	/* --cpu: "host-passthrough", "host-model" or a CPU model name; NULL:
	 * host-passthrough under KVM, a named model under TCG (plan_cpu.c). */
	const char *cpu;
	/* What the guest can drive (src/guest), or NULL when it was not read;
	 * OVK_PLAN_BUS_AUTO chooses each disk's bus from it. */
	const struct ovk_guest *guest;
};

/* Per controller kind, libvirt numbers its own indexes. */
struct ovk_plan_ctl {
	char type[8];                    /* "ide", "scsi", "sata", "nvme" */
	char model[16];                  /* scsi: "lsilogic", ...; else "" */
	unsigned index;
	unsigned used;                   /* units taken (bit mask) */
};

struct ovk_plan_drive {
	enum ovk_ovf_drive_type type;
	const struct ovk_ovf_disk *disk; /* DISK drives: the OVF disk; else NULL */
	char bus[8];                     /* "ide", "scsi", "sata", "nvme", "virtio", "fdc" */
	char dev[16];                    /* "sda", "hdb", "vda", "fda", "nvme0n1" */
	int ctl;                         /* index in plan->ctls, or -1 */
	unsigned unit;                   /* ide: bus * 2 + unit; others: unit */
	unsigned boot;                   /* boot order, 0: none */
	char wwn[17];                    /* 16 hex digits, or "": mptsas1068 needs one */
	char why[192];                   /* why this bus, when the guest chose it */
	char *vol;                       /* volume / file name, DISK drives and env */
	/* The CD-ROM that carries the OVF environment (ovf-env.xml on an ISO
	 * image), for a system whose OVF asks for the iso transport. */
	int env;
	/* filled by the storage step */
	char *path;                      /* --dir: the file */
	char *pool;                      /* --pool: pool and volume name */
	char *volume_path;               /* --pool: the volume's path, once written */
	char *format;                    /* "qcow2" or "raw" */
};

struct ovk_plan_nic {
	char model[16];
	char mac[18];                    /* "" when the OVF gives none */
	int bridge;                      /* source is a bridge, not a network */
	char *source;
	char *ovf_network;               /* the OVF's Connection, or NULL */
};

/* A decision or a warning.  A decision that maps one device says which
 * (device, e.g. "disk vmdisk1", "nic 1", "cpu", "video"), what the OVF
 * said (from, NULL when it said nothing), what the domain gets (to) and
 * why; its text is rendered from those fields.  Any other note has only
 * its text. */
struct ovk_plan_note {
	int warning;
	char *text;
	char *device, *from, *to, *why;
};

struct ovk_plan {
	char *name;
	char *title;                     /* the OVF's Name on one line; NULL: none */
	char *description;               /* the OVF's AnnotationSection; NULL: none */
	const struct ovk_ovf_system *vs;
	char type[OVK_CAPS_VALUE_LEN];   /* "kvm", "qemu" */
	char arch[OVK_CAPS_VALUE_LEN];
	char machine[8];                 /* "pc", "q35" */
	int efi, secure_boot, windows, hyperv;
	uint32_t vcpus, sockets, cores;
	/* <cpu mode=...>: "host-passthrough", "host-model", "custom" (with
	 * cpu_model), or "" for none (a driver that is not QEMU's) */
	char cpu_mode[20];
	char cpu_model[OVK_CAPS_VALUE_LEN];
	int guest_agent;                 /* a qemu-guest-agent channel */
	uint64_t memory_kib;
	char video[16];
	char *serial_log;
	struct ovk_plan_ctl *ctls;
	size_t n_ctls;
	struct ovk_plan_drive *drives;
	size_t n_drives;
	struct ovk_plan_nic *nics;
	size_t n_nics;
	struct ovk_plan_note *notes;
	size_t n_notes;
};

/* The domain type for `want` (NULL: the best offered); NULL with err set
 * when the host does not offer it. */
const char *ovk_plan_domain_type(const struct ovk_caps *caps, const char *want,
				 struct ovk_error *err);
/* Whether the system boots with EFI under `choice`. */
int ovk_plan_wants_efi(const struct ovk_ovf_system *vs, enum ovk_plan_fw_choice choice);
/* The machine type for a firmware: q35 for EFI, pc for BIOS. */
const char *ovk_plan_machine(int efi);

int ovk_plan_build(const struct ovk_ovf_envelope *env, const struct ovk_ovf_system *vs,
		   const struct ovk_caps *caps, const struct ovk_plan_opts *opts,
		   struct ovk_plan **out, struct ovk_error *err);
void ovk_plan_free(struct ovk_plan *p);

/* Append a note; -1 only when out of memory. */
int ovk_plan_note(struct ovk_plan *p, int warning, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append the decision that `device` (the OVF's `from`, or NULL) becomes
 * `to`, because of why_fmt; its text is "DEVICE: FROM -> TO (WHY)".  -1
 * only when out of memory. */
int ovk_plan_decide(struct ovk_plan *p, const char *device, const char *from, const char *to,
		    const char *why_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Free what a note owns (not the note). */
void ovk_plan_note_free(struct ovk_plan_note *n);

/* The domain XML (domxml.c, through util/xmlw.h); *xml is malloc'ed. */
int ovk_plan_xml(const struct ovk_plan *p, char **xml, struct ovk_error *err);
/* Give each NIC without a MAC the one its place had in old_xml (the
 * domain --replace replaces), so DHCP reservations still match. */
int ovk_domxml_keep_macs(struct ovk_plan *p, const char *old_xml, struct ovk_error *err);


#endif
