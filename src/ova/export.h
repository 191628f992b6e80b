/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export.h: writing an appliance (ova-export), the reverse of package.h.
 *
 * The caller (src/virt: a libvirt domain, or disk images and flags)
 * describes one machine in libvirt's terms (buses "scsi", "virtio"; NIC
 * models "virtio", "e1000e"); this layer maps it to VMware's vocabulary
 * (export_ovf.c), writes each disk as a streamOptimized VMDK through the
 * engine and lays out the package (export.c):
 *
 *   OVA (a tar, members in ovftool's order):
 *     hdr | NAME.ovf (padded with blanks, see below) | hdr | NAME.mf |
 *     hdr | NAME-disk1.vmdk | ... | hdr | NAME.cert | two zero blocks
 *   --dir: the same files in a new directory.
 *
 * One pass.  The .ovf and .mf come first but name the disks' sizes and
 * digests, which are known only once the disks are written; so room for
 * them is reserved: the .mf's length is fixed by its names and algorithm,
 * the .ovf's is bounded by writing it once with every number at its
 * widest (20 digits), and the real .ovf is padded to that length with
 * blanks after the root element (whitespace XML allows there).  Each disk
 * is written by the VMDK sink straight into its place in the archive
 * (fd_offset), hashed as it is written (the sink's tap), and its tar
 * header written after it.  The archive is a temp file committed by
 * rename (engine/output.c): an interrupted export leaves nothing.
 *
 * Ownership: the model's strings belong to whoever made it; ovk_exp_vm_free
 * frees a model made with the helpers below.
 */
#ifndef OVK_OVA_EXPORT_H
#define OVK_OVA_EXPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/blob.h"
#include "core/error.h"
#include "core/info.h"

/* Buses as libvirt names them. */
enum ovk_exp_bus {
	OVK_EXP_BUS_SCSI = 0,   /* virtio-scsi (or any SCSI controller) */
	OVK_EXP_BUS_SATA,
	OVK_EXP_BUS_IDE,
	OVK_EXP_BUS_VIRTIO,     /* virtio-blk */
	OVK_EXP_BUS_NVME,
};

struct ovk_exp_disk {
	char *target;           /* "vda", for messages and notes */
	enum ovk_exp_bus bus;
	int cdrom;              /* a CD-ROM drive: no image is exported */
	/* The image: a file here (path), or an opened blob (a pool volume
	 * read through libvirt), taken over by the export. */
	char *path;
	struct ovk_blob *blob;
	char *format;           /* NULL: probe by content */
	/* Filled by the export. */
	char *file;             /* member name */
	uint64_t capacity;      /* bytes, whole sectors */
	uint64_t populated;     /* guest bytes stored (non-zero grains) */
	uint64_t file_size;     /* bytes of the VMDK */
};

struct ovk_exp_nic {
	char *model;            /* libvirt's ("virtio", "e1000e", "e1000", "rtl8139"), or NULL */
	char *mac;              /* "52:54:00:..", or NULL */
	char *network;          /* the network or bridge name, or NULL */
};

struct ovk_exp_vm {
	char *name;
	char *description;      /* or NULL */
	unsigned cpus;          /* vCPUs */
	unsigned cores;         /* per socket; 0: not given */
	uint64_t memory;        /* bytes */
	int efi, secure_boot;
	char *os;               /* libosinfo id ("http://debian.org/debian/12", "debian12") or
				 * a VMware osType; NULL: unknown */
	struct ovk_exp_disk *disks;
	size_t n_disks;
	struct ovk_exp_nic *nics;
	size_t n_nics;
};

void ovk_exp_vm_free(struct ovk_exp_vm *vm);

/* Hardware versions: vmx-14 (ESXi 6.7, Workstation 15) by default, the
 * oldest that has NVMe and that every ESXi still supported (6.7+) and
 * VirtualBox 6+ import; vmx-07 is the oldest VMware's tools still take. */
#define OVK_EXP_HW_DEFAULT 14u
#define OVK_EXP_HW_MIN 7u
#define OVK_EXP_HW_MAX 21u
/* NVMe controllers need vmx-13 (ESXi 6.5). */
#define OVK_EXP_HW_NVME 13u

struct ovk_exp_opts {
	unsigned hw_version;    /* 0: OVK_EXP_HW_DEFAULT */
	unsigned ovf_version;   /* 1 or 2; 0: 1 */
	int pvscsi;             /* SCSI as VirtualSCSI instead of lsilogicsas */
	const char *nic_model;  /* every NIC as this VMware model ("vmxnet3", "e1000e",
				 * "e1000"); NULL: from each NIC's own model */
	int manifest_alg;       /* enum ovk_hash_alg; OVK_HASH_NONE: no manifest */
	const char *sign_key, *sign_cert;   /* both or neither */
	int dir;                /* an OVF directory instead of an OVA */
	int force;              /* replace an existing output */
	int no_sync;
	unsigned threads;
	volatile sig_atomic_t *cancel;
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	/* Choices a user might not expect, one line each. */
	void (*note)(void *opaque, const char *msg);
	void *note_opaque;
};

/* Write vm to `output` (an .ova, or with opts->dir a directory to make).
 * On failure nothing is left.  `info` (may be NULL) gets the summary:
 * the machine as exported, every mapping and note, the files. */
int ovk_exp_write(struct ovk_exp_vm *vm, const char *output, const struct ovk_exp_opts *opts,
		  struct ovk_info *info, struct ovk_error *err);

/* ---- export_ovf.c ---- */

/* One mapped machine: what the OVF says, decided once so that the notes
 * and the two renderings (widest, real) agree. */
struct ovk_exp_map;

int ovk_exp_map_new(const struct ovk_exp_vm *vm, const struct ovk_exp_opts *opts,
		    struct ovk_exp_map **out, struct ovk_error *err);
void ovk_exp_map_free(struct ovk_exp_map *m);
/* The mapping's notes, and its summary into info. */
void ovk_exp_map_notes(const struct ovk_exp_map *m, const struct ovk_exp_opts *opts);
void ovk_exp_map_info(const struct ovk_exp_map *m, struct ovk_info *info);
/* The OVF text (with the XML declaration and a final newline).  widest:
 * every size as 20 digits, for the reservation (export.h's top). */
int ovk_exp_ovf(const struct ovk_exp_map *m, const struct ovk_exp_vm *vm, int widest,
		char **out, size_t *len, struct ovk_error *err);

#endif
