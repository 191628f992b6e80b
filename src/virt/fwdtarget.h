/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fwdtarget.h: a byte target (core/extent.h) on a forward-only stream of
 * bytes, such as a libvirt upload.
 *
 * A writer that goes mostly forward (the qcow2 sink: qcow2/writer.h) sees
 * a file it may pwrite() anywhere.  Here
 *   - a write at or past the frontier (the bytes sent so far) is sent, the
 *     gap before it as zeros: a new file reads as zero where nothing was
 *     written, and so must this one;
 *   - a write below the frontier is kept in memory as a patch, in order,
 *     for the caller to put in place once the stream is done (a write
 *     that straddles the frontier is split in two);
 *   - set_size() sends zeros up to the size; shrinking is refused.
 * Sending the stream, then writing every patch at its offset in the order
 * kept, gives exactly the file the writes would have made.
 *
 * Patches are bounded by `patch_max` bytes in all: past it a write fails
 * with EFBIG, naming the limit.
 */
#ifndef OVK_VIRT_FWDTARGET_H
#define OVK_VIRT_FWDTARGET_H

#include <stddef.h>
#include <stdint.h>

#include "core/extent.h"

struct ovk_fwd_patch {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

/* Send `len` bytes at the end of the stream. */
typedef int (*ovk_fwd_send_fn)(void *opaque, const void *buf, size_t len,
			       struct ovk_error *err);

struct ovk_fwd {
	struct ovk_byte_target target;   /* what the writer gets: &f->target */
	ovk_fwd_send_fn send;
	void *send_opaque;
	const char *name;                /* for messages */
	uint64_t sent;                   /* the frontier */
	struct ovk_fwd_patch *patches;   /* in the order written; adjacent ones merged */
	size_t n_patches, cap_patches;
	size_t patch_bytes, patch_max;
	const char *patch_hint;          /* appended to the EFBIG message, or NULL */
};

void ovk_fwd_init(struct ovk_fwd *f, const char *name, size_t patch_max, ovk_fwd_send_fn send,
		  void *send_opaque);
/* Free the patches (the struct itself is the caller's). */
void ovk_fwd_free(struct ovk_fwd *f);

#endif
