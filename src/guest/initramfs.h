/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * initramfs.h: the files of a Linux initramfs, read from a guest file
 * system without unpacking anything, and the kernel module names a guest
 * carries (in an initramfs, built into its kernel, or installed under
 * /lib/modules/<version>).
 *
 * An initramfs is one or more cpio archives (newc "070701", newc with CRC
 * "070702", or old ASCII "070707") one after the other, each possibly
 * padded with zeros to a block: typically an uncompressed early one
 * (CPU microcode, firmware) before a compressed main one.  We read them in
 * order; a compressed stream goes through libarchive's own decompressors
 * (gzip, bzip2, xz, lzma, zstd, lz4: those built into the library, never an
 * external program), and the archives inside it follow each other the same
 * way; anything else (lzo, or unknown bytes) is named in the error.  After
 * a compressed stream, nothing more is read: where it ends cannot be known
 * without decompressing it again, and the kernel's own tools put the
 * compressed part last.
 *
 * The limits bound a hostile image: OVK_INITRAMFS_MAX_FILES entries,
 * OVK_INITRAMFS_MAX_SEGMENTS archives, OVK_INITRAMFS_MAX_UNPACKED bytes
 * decompressed, names of at most GFS_MAX_PATH bytes.
 *
 * Module names are compared as the kernel does: '-' and '_' are the same.
 */
#ifndef OVK_GUEST_INITRAMFS_H
#define OVK_GUEST_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gfs.h"

/* Entries of one initramfs: a generic Debian image holds ~1000-4000, a
 * dracut one with every driver ~10000. */
#define OVK_INITRAMFS_MAX_FILES 65536
/* Archives one after another: microcode for two vendors, firmware, main. */
#define OVK_INITRAMFS_MAX_SEGMENTS 16
/* Bytes decompressed in all: real images unpack to 50-500 MiB. */
#define OVK_INITRAMFS_MAX_UNPACKED ((uint64_t)2 << 30)
/* Module names per set (a kernel ships ~6000 modules, ~2000 built in). */
#define OVK_KMOD_MAX_NAMES 65536
/* Directories deep under /lib/modules/<version>/kernel (real trees are
 * 6 deep). */
#define OVK_KMOD_MAX_DEPTH 16
/* modules.builtin: ~100 KiB for a distribution kernel. */
#define OVK_KMOD_MAX_BUILTIN ((size_t)4 << 20)

struct ovk_initramfs {
	char **paths;             /* without a leading "/" or "./" */
	size_t n;
	unsigned segments;        /* archives read */
	char compression[16];     /* the last archive's: "none", "gzip", "zstd", ... */
};

/* List the initramfs in regular file f of fs.  `name` is for messages. */
int ovk_initramfs_list(struct ovk_gfs *fs, const struct ovk_gfs_file *f, const char *name,
		       struct ovk_initramfs **out, struct ovk_error *err);
void ovk_initramfs_free(struct ovk_initramfs *ir);

/* A set of module names ("virtio_scsi"), normalised, sorted. */
struct ovk_kmod_set {
	char **names;
	size_t n;
};

/* The module name of a path ".../x-y.ko", ".ko.xz", ".ko.zst", ".ko.gz"
 * into out ("x_y"): 1, or 0 when path is no module. */
int ovk_kmod_name(const char *path, char *out, size_t cap);
/* The modules among paths[0..n) (those under a "modules" directory). */
int ovk_kmod_from_paths(char *const *paths, size_t n, struct ovk_kmod_set **out,
			struct ovk_error *err);
/* Whether set holds module `name` (any spelling of - and _). */
int ovk_kmod_has(const struct ovk_kmod_set *set, const char *name);
/* found[i] = whether the initramfs carries module names[i]. */
int ovk_initramfs_has_modules(const struct ovk_initramfs *ir, const char *const *names,
			      size_t n, int *found, struct ovk_error *err);
/* The modules built into kernel `version`: /lib/modules/<version>/modules.builtin. */
int ovk_kmod_builtin(struct ovk_gfs *fs, const char *version, struct ovk_kmod_set **out,
		     struct ovk_error *err);
/* The modules installed for kernel `version`: every module file under
 * /lib/modules/<version>/kernel (links not followed). */
int ovk_kmod_installed(struct ovk_gfs *fs, const char *version, struct ovk_kmod_set **out,
		       struct ovk_error *err);
/* The same for the module files under directory `dir` of fs (a kernel's
 * modules tree wherever it is: /usr/lib/modules, a /usr of its own). */
int ovk_kmod_installed_in(struct ovk_gfs *fs, const char *dir, struct ovk_kmod_set **out,
			  struct ovk_error *err);
void ovk_kmod_set_free(struct ovk_kmod_set *set);

/* Append a copy of s to the array *v of *n names (room for *cap), at most
 * max of them: 0, or -1 (E2BIG, ENOMEM).  Shared by the lists above. */
int ovk_names_push(char ***v, size_t *n, size_t *cap, size_t max, const char *s,
		   struct ovk_error *err);

#endif
