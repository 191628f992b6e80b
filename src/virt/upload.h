/*
 * upload.h: filling a pool volume through a libvirt stream.
 *   - ovk_upload_raw(): the conversion itself is the stream: a sink whose
 *     DATA goes out as stream data and whose zeros go out as holes (file
 *     pools) or as written zeros (block pools, where a hole would leave
 *     the device's old bytes).  No local copy of the disk is made.
 *   - ovk_upload_file(): the bytes of a finished local file (a qcow2 image,
 *     which cannot be written front to back).
 */
#ifndef OVK_VIRT_UPLOAD_H
#define OVK_VIRT_UPLOAD_H

#include <signal.h>
#include <stddef.h>

#include "core/blob.h"
#include "lv.h"

/* Create volume `vol` (raw, fully allocated when `block`) of the source's
 * size, remember it in *vols (for rollback) and stream `blob` (taken over)
 * into it; blob NULL: a blank volume of `capacity`. */
int ovk_upload_raw(struct ovk_lv *lv, const char *pool, const char *vol, int block,
		   struct ovk_blob *blob, uint64_t capacity, const struct ovk_convert_opts *copts,
		   char ***vols, size_t *n_vols, struct ovk_error *err);

/* Append a copy of s to the array *arr of *n names (what to roll back). */
int ovk_upload_remember(char ***arr, size_t *n, const char *s);

int ovk_upload_file(struct ovk_lv *lv, const char *pool, const char *vol, const char *path,
		    volatile sig_atomic_t *cancel, struct ovk_error *err);

#endif
