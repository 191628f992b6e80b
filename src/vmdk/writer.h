/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer.h: state shared by the two halves of the VMDK sink: writer.c (the
 * data path: runs of grains in; grain markers or grains, and grain tables,
 * out) and writer_desc.c (the -o options, the embedded descriptor, the
 * geometry and the CID).
 *
 * streamOptimized, laid out as VMware's own exports are (ovftool; all
 * numbers in 512-byte sectors):
 *
 *   0        header: version 3, flags NL_TEST | COMPRESSED | MARKERS,
 *            gdOffset GD_AT_END, overHead 128, compressAlgorithm deflate
 *   1        the descriptor, NUL-padded to whole sectors
 *   128      the grains in guest order, each a marker
 *              { u64 lba (sectors); u32 size; zlib stream[size] }
 *            padded to a sector; an all-zero grain is not written.  After
 *            the grains of each grain table's range (512 grains, 32 MiB):
 *              GT marker { u64 4; u32 0; u32 1 (GT) } padded to a sector,
 *              then the GT (512 u32 sectors of grains, 0: none; 4 sectors).
 *            A range with no grain has no GT (its GD entry is 0).
 *   then     GD marker { u64 GD sectors; u32 0; u32 2 (GD) }, the GD
 *            FOOTER marker { u64 1; u32 0; u32 3 (FOOTER) }, the footer (the
 *              header again, with the real gdOffset)
 *            EOS marker { u64 0; u32 0; u32 0 (EOS) }: the file's last sector
 *
 * monolithicSparse, laid out as qemu-img writes it (version 1, flags
 * NL_TEST | RGD): header, descriptor (20 sectors), RGD, the RGTs, GD, the
 * GTs (every table preallocated), then from overHead (rounded up to a
 * grain) whole uncompressed grains in guest order.  A GT and its copy are
 * written into their reserved places once the guest cursor leaves their
 * range; the directories at the end.
 *
 * Invariants: grains arrive in ascending guest order from one thread, so
 * the file grows strictly forward except for the header and descriptor
 * (written last, so that an interrupted file is no valid image) and the
 * reserved tables of monolithicSparse.  Memory is one grain table, the GD
 * (4 bytes per 32 MiB of disk) and a staging buffer, whatever the disk's
 * size.  Every grain's sector fits the 32-bit GT entry (checked as it is
 * placed).
 */
#ifndef OVK_VMDK_WRITER_H
#define OVK_VMDK_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/extent.h"
#include "core/outfile.h"
#include "vmdk/vmdk.h"

/* What we write: 64 KiB grains (128 sectors) and 512-entry grain tables,
 * as VMware, VirtualBox and qemu all do; other values are legal but some
 * readers (VMware's disklib) accept only these. */
#define OVK_VMDK_W_GRAIN_SECTORS 128u
#define OVK_VMDK_W_GTES 512u
/* A grain's sector is a 32-bit GT entry, so nothing past 2^32 sectors
 * (2 TiB) of the file can be addressed; VMware caps hosted sparse disks
 * there too.  The capacity is held to the same bound. */
#define OVK_VMDK_W_MAX_SECTORS ((uint64_t)1 << 32)
/* monolithicSparse: descriptor sectors reserved, as qemu-img does. */
#define OVK_VMDK_W_SPARSE_DESC_SECTORS 20u
/* streamOptimized: where the grains start (VMware's overHead: 64 KiB),
 * which leaves 127 sectors for the descriptor. */
#define OVK_VMDK_W_STREAM_OVERHEAD 128u
/* ddb.toolsVersion unless told: the highest, which vSphere takes as "any
 * tools" (VMware's open-vmdk and qemu write the same). */
#define OVK_VMDK_W_TOOLS_DEFAULT 2147483647u
/* ddb.virtualHWVersion unless told: 4, what qemu-img and open-vmdk write;
 * every ESX and VirtualBox release reads it. */
#define OVK_VMDK_W_HW_DEFAULT 4u
/* The largest hardware version we let through (vSphere 8 is 21). */
#define OVK_VMDK_W_HW_MAX 99u

/* The -o options, decoded. */
struct ovk_vmdk_w_opts {
	int stream;                 /* subformat=streamOptimized (else monolithicSparse) */
	char adapter[16];           /* ddb.adapterType */
	unsigned hwversion;         /* ddb.virtualHWVersion */
	uint32_t tools_version;     /* ddb.toolsVersion */
};

/* writer_desc.c */

/* Parse a -o string (subformat, adapter_type, hwversion, tools_version or
 * qemu's toolsversion); unknown keys and bad values are errors. */
int ovk_vmdk_w_parse_options(const char *options, struct ovk_vmdk_w_opts *o,
			     struct ovk_error *err);
/* The geometry VMware gives a new disk of `capacity` sectors: IDE 16
 * heads x 63 sectors; SCSI the BIOS translation (64 x 32 below 1 GiB, 128
 * x 32 below 2 GiB, else 255 x 63); cylinders what fits (rounded down). */
void ovk_vmdk_w_geometry(uint64_t capacity, const char *adapter, uint64_t *cylinders,
			 uint32_t *heads, uint32_t *sectors);
/* The descriptor text (malloc'ed, *len without the NUL) for an extent
 * file `file` of `capacity` sectors, with a new random CID. */
int ovk_vmdk_w_descriptor(const struct ovk_vmdk_w_opts *o, uint64_t capacity, const char *file,
			  char **text, size_t *len, struct ovk_error *err);

#endif
