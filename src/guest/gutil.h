/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gutil.h: what the guest readers share: GUIDs and UUIDs as text,
 * UTF-16LE names (GPT, VFAT) as UTF-8, and the path walk of gfs.h (".",
 * "..", symbolic links, the limits) over each file system's "find a name in
 * a directory" and "read a link".
 *
 * Private to src/guest.
 */
#ifndef OVK_GUEST_GUTIL_H
#define OVK_GUEST_GUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "guest/gfs.h"

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL. */
#define OVK_UUID_STR 37

/* A GUID as Microsoft and UEFI store it (the first three fields
 * little-endian), upper case as GPT tools print type GUIDs. */
void ovk_guid_str(const uint8_t g[16], char out[OVK_UUID_STR]);
/* A UUID stored in byte order (XFS, ext4), lower case as blkid prints it. */
void ovk_uuid_str(const uint8_t u[16], char out[OVK_UUID_STR]);
/* Up to `units` UTF-16LE code units (stopping at a NUL unit) as UTF-8 in
 * out (always NUL-terminated, cut at a character boundary when cap is
 * short); a lone surrogate becomes U+FFFD.  Returns the bytes written. */
size_t ovk_utf16le_to_utf8(const uint8_t *in, size_t units, char *out, size_t cap);

/* Names on a guest's disk may hold any byte but '/' and NUL: make the
 * message of err one printable line (control bytes become '?') once a
 * path or a name went into it. */
void ovk_error_printable(struct ovk_error *err);

/* printf into dst for a message, a note or a reason: cut to cap bytes
 * (always terminated), since names from a guest can be as long as they
 * like and a cut message still says what happened.  Returns 1 when cut.
 * Paths must not go through here: a cut path names another file. */
int ovk_gtext(char *dst, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set fs's ops and take its own reference to disk (a view of all of it),
 * as an open does once the superblock is good. */
int ovk_gfs_attach(struct ovk_gfs *fs, const struct ovk_gfs_ops *ops, struct ovk_gdisk *disk,
		   struct ovk_error *err);

/* What the path walk needs from a file system. */
struct ovk_gpath_ops {
	/* The entry `name` (len bytes, no '/') of directory `dir`: 0 found,
	 * 1 absent, -1 on failure. */
	int (*find)(struct ovk_gfs *fs, const struct ovk_gfs_file *dir, const char *name,
		    size_t len, struct ovk_gfs_file *out, struct ovk_error *err);
	/* The target of link f into buf (cap bytes, NUL-terminated); NULL
	 * for a file system without links. */
	int (*readlink)(struct ovk_gfs *fs, const struct ovk_gfs_file *f, char *buf, size_t cap,
			struct ovk_error *err);
};

/* Resolve an absolute path from `root` as gfs.h says (links followed, ".."
 * never above the root).  Errors name the file system and the path. */
int ovk_gpath_resolve(struct ovk_gfs *fs, const struct ovk_gfs_file *root,
		      const struct ovk_gpath_ops *ops, const char *path, struct ovk_gfs_file *out,
		      struct ovk_error *err);

#endif
