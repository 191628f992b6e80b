/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open.h: how an input and the files it names are opened.
 *
 * Opening a disk may open more files than the one given: a VMDK
 * descriptor's extents, a backing file.  Those names come from the image,
 * so they are hostile, and where they lead depends on what holds the image:
 * a directory on the host, or the member list of an OVA.  The caller says
 * both in an open context, passed explicitly to every open (and to nothing
 * else: no layer writes it, no blob stores it):
 *
 *   flags      OVK_OPEN_* of the public header (unsafe paths, stream);
 *   resolver   turns a location ("disk1-flat.vmdk", "sub/base.qcow2") into
 *              a blob: the host file system (ovk_fs_resolver), or an
 *              appliance's members;
 *   spill      where a forward-only stream whose format needs random access
 *              may be copied first, and whom to tell.  NULL: such a stream
 *              is refused.
 *
 * A sibling's location is the asking blob's directory joined with the name
 * the image gives, so a name is relative to the file that names it, as
 * qemu resolves backing files and extents.
 */
#ifndef OVK_CORE_OPEN_H
#define OVK_CORE_OPEN_H

#include <signal.h>

#include "blob.h"
#include "error.h"

struct ovk_resolver {
	/* Open `location` (already relative to the container, not to the
	 * asking blob).  Containment is checked by ovk_open_sibling(); a
	 * resolver may refuse more (an OVA member list has no outside). */
	int (*open)(const struct ovk_resolver *r, const char *location, unsigned flags,
		    struct ovk_blob **out, struct ovk_error *err);
};

/* Files on the host, by path. */
extern const struct ovk_resolver ovk_fs_resolver;

struct ovk_spill_policy {
	const char *dir;                          /* where the unnamed copy goes */
	volatile sig_atomic_t *cancel;            /* may be NULL */
	void (*note)(void *opaque, const char *msg);   /* may be NULL */
	void *note_opaque;
};

struct ovk_open_ctx {
	unsigned flags;                           /* OVK_OPEN_* */
	const struct ovk_resolver *resolver;      /* NULL: ovk_fs_resolver */
	const struct ovk_spill_policy *spill;     /* NULL: streams are not copied */
};

/* Open `name`, a file an appliance, descriptor or image names, in the
 * directory `dir` (where the naming file is), read-only, into *fd.  Only a
 * regular file opens: a FIFO, device, socket or directory is refused,
 * checked on the opened descriptor (a FIFO is opened without blocking,
 * never read).  Unless `unsafe`, no symbolic link is followed anywhere in
 * name and it must stay beneath dir (openat2 RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS; O_NOFOLLOW on a kernel without openat2).  `unsafe`
 * (OVK_OPEN_UNSAFE_PATHS) lets name be absolute or climb, and follows
 * links, but still opens only a regular file.  Messages name `shown`. */
int ovk_open_named_file(const char *dir, const char *name, int unsafe, const char *shown,
			int *fd, struct ovk_error *err);

/* Open `name`, as the image `of` names it: refused when absolute or when it
 * climbs out with "..", unless OVK_OPEN_UNSAFE_PATHS; then as
 * ovk_open_named_file() says when the resolver is the host's. */
int ovk_open_sibling(const struct ovk_open_ctx *ctx, const struct ovk_blob *of,
		     const char *name, struct ovk_blob **out, struct ovk_error *err);

/* Copy the rest of a stream into an unnamed temp file in the policy's
 * directory (gone when the blob is freed, or if the process dies), saying
 * so through its note, and give a mapped blob of it with the stream's name
 * and location.  `why` completes the note ("this qcow2 image needs random
 * access").  The stream is read to its end and freed on success; on failure
 * the caller still owns it.  Zero blocks stay holes.  Fails with ENOTSUP
 * when the context has no spill policy, ECANCELED when cancelled. */
int ovk_spill(const struct ovk_open_ctx *ctx, struct ovk_blob *stream, const char *why,
	      struct ovk_blob **out, struct ovk_error *err);

#endif
