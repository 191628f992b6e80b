/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bootcfg.h: which kernel a Linux guest boots by default, from its boot
 * loader's own configuration, read as the loader reads it:
 *
 *   grubenv      saved_entry (and next_entry) of GRUB's environment block;
 *   BLS          the *.conf files of /boot/loader/entries (Fedora, RHEL
 *                8+, their kin): one entry per kernel, the default
 *                saved_entry, else the newest version, as GRUB's blscfg
 *                sorts them;
 *   grub.cfg     `set default=` (an index, "N>M" into a submenu, an id, a
 *                title, or "${saved_entry}"), menuentry and submenu blocks,
 *                their `linux` and `initrd` lines;
 *   extlinux     DEFAULT and LABEL blocks with KERNEL/LINUX and
 *                INITRD/APPEND initrd= (Alpine, some appliances).
 *
 * These are text parsers with no file system under them (the caller reads
 * the files), so each is tested from the texts distributions ship.  Every
 * text is hostile: bounded line lengths, nesting and counts; an entry that
 * cannot be understood is skipped, never guessed.
 */
#ifndef OVK_GUEST_BOOTCFG_H
#define OVK_GUEST_BOOTCFG_H

#include <stddef.h>

/* Entries of one grub.cfg or BLS directory that are looked at: distros
 * keep a few kernels; more is not a boot menu. */
#define OVK_BOOT_MAX_ENTRIES 256
/* submenu nesting in grub.cfg: distributions use one level. */
#define OVK_BOOT_MAX_DEPTH 4

struct ovk_boot_entry {
	char title[160];
	char id[160];                /* BLS: the file's stem; grub.cfg: --id / menuentry_id_option */
	char kernel[256];            /* as the loader names it: "/vmlinuz-6.1.0-13-amd64" */
	char initrd[256];            /* the main initramfs (the last one listed: microcode
				      * images come first) */
	char version[128];           /* BLS `version`, else from the kernel's file name */
};

/* saved_entry from a grubenv block (next_entry wins when set, as GRUB's
 * one-time boot does): 1 found, 0 none. */
int ovk_bootcfg_grubenv(const char *text, size_t len, char *saved, size_t cap);

/* One BLS entry file (`name` is its file name, for the id). */
int ovk_bootcfg_bls_entry(const char *name, const char *text, size_t len,
			  struct ovk_boot_entry *e);
/* The default among n BLS entries: the one whose id is `saved` (may be
 * NULL or ""), else the newest version.  Its index, or -1 when n is 0. */
int ovk_bootcfg_bls_default(const struct ovk_boot_entry *e, size_t n, const char *saved);

/* The default entry of a grub.cfg: 1 found (*e filled), 0 none (no
 * menuentry with a kernel, or a default that names nothing). */
int ovk_bootcfg_grub(const char *text, size_t len, const char *saved, struct ovk_boot_entry *e);

/* The default entry of an extlinux.conf: 1 found, 0 none. */
int ovk_bootcfg_extlinux(const char *text, size_t len, struct ovk_boot_entry *e);

/* Kernel versions compared as rpm and dpkg agree for kernels: digit runs
 * as numbers, the rest byte by byte; <0, 0, >0. */
int ovk_bootcfg_vercmp(const char *a, const char *b);

/* The version in a kernel's file name ("vmlinuz-6.1.0-13-amd64" ->
 * "6.1.0-13-amd64"); "" when it has none. */
void ovk_bootcfg_kernel_version(const char *path, char *out, size_t cap);

#endif
