/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upload.h: filling a pool volume through a libvirt stream.  The conversion
 * itself is the stream: no local copy of the disk is made, and the pool may
 * be on another host.
 *   - ovk_upload_raw(): a sink whose DATA goes out as stream data and whose
 *     zeros go out as holes (file pools) or as written zeros (block pools,
 *     where a hole would leave the device's old bytes).
 *   - ovk_upload_qcow2(): the qcow2 sink writing through the stream, and
 *     the few bytes it writes behind itself (the header, refcount blocks)
 *     uploaded into place once the stream is done (upload.c).
 */
#ifndef OVK_VIRT_UPLOAD_H
#define OVK_VIRT_UPLOAD_H

#include <stddef.h>

#include "core/blob.h"
#include "engine/engine.h"
#include "lv.h"

/* The volume to fill, and the list of volumes created (for the rollback,
 * which deletes them).  `vol` must not exist: with --replace it is a side
 * name, and the old volume goes only once the import is ready
 * (storage.c). */
struct ovk_upload_dest {
	struct ovk_lv *lv;
	const char *pool, *vol;
	int block;                  /* a block pool: allocate, write zeros */
	char ***vols;
	size_t *n_vols;
};

/* Create volume d->vol (raw, fully allocated when d->block) of the
 * source's size, remember it in *d->vols and run `job` (its input taken
 * over; a blank disk: a blank volume) into it. */
int ovk_upload_raw(const struct ovk_upload_dest *d, const struct ovk_engine_job *job,
		   const struct ovk_convert_opts *copts, struct ovk_error *err);

/* The same for a qcow2 volume (file pools), written with copts->options
 * and copts->compress. */
int ovk_upload_qcow2(const struct ovk_upload_dest *d, const struct ovk_engine_job *job,
		     const struct ovk_convert_opts *copts, struct ovk_error *err);

/* Append a copy of s to the array *arr of *n names (what to roll back). */
int ovk_upload_remember(char ***arr, size_t *n, const char *s);

#endif
