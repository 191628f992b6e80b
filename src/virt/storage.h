/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * storage.h: where an import's disks go, and undoing it.
 *
 * Two targets:
 *   - a directory (--dir): one file per disk, <vm>-<disk>.qcow2, written by
 *     the engine (temp name, renamed on success);
 *   - a libvirt storage pool: one volume per disk, created with the storage
 *     API and filled through virStorageVolUpload, so the pool may be on a
 *     remote host.  File pools (dir, fs, netfs) get qcow2, block pools
 *     (logical, disk, iscsi, rbd, ...) raw, created at full size first.
 *     Both are streamed straight from the conversion, with no local copy
 *     (upload.h).
 *
 * --replace keeps every old file and volume until ovk_store_commit(),
 * called once every disk has been written and passed its digest, the
 * manifest has been checked and every domain is defined:
 *   - a file (--dir) that exists: the new disk is converted into a stage
 *     name beside it (ovk_output_stage_name) and renamed over it;
 *   - a volume that exists: libvirt cannot rename a volume, so the new
 *     disk streams into a side volume of the same pool,
 *     ".ovk-new-<pid>-<vol>"; the commit deletes the old volume and the
 *     daemon copies the side volume into its name
 *     (virStorageVolCreateXMLFrom), then deletes the side volume: one more
 *     copy, on the pool's host, for replaced volumes only.
 * The commit first runs every check that can refuse (each side volume's
 * format as libvirt reads it, the pool's room for the copies, a cancel);
 * only then does it remove anything, and from there it runs to its end:
 * a set of disks half old and half new serves no one.
 *
 * Everything created is remembered, and ovk_store_rollback() removes it:
 * an import that fails before the commit has removed anything leaves the
 * old files and volumes as they were and nothing of its own.  Past that
 * point the new disks are all that is left, and the rollback keeps them.
 */
#ifndef OVK_VIRT_STORAGE_H
#define OVK_VIRT_STORAGE_H

#include <signal.h>
#include <stddef.h>

#include "core/blob.h"
#include "engine/engine.h"
#include "lv.h"
#include "plan.h"

struct ovk_store;

/* Choose the target: `dir`, else `pool`, else the pool "default" (errnum
 * EDESTADDRREQ when it does not exist).  `format` NULL: by pool type.
 * With `dry_run` nothing is checked on the host beyond lookups. */
int ovk_store_open(struct ovk_lv *lv, const char *dir, const char *pool, const char *format,
		   int dry_run, struct ovk_store **out,
		   struct ovk_error *err);
void ovk_store_free(struct ovk_store *st);
/* "pool default (dir, qcow2)" or "directory /x (qcow2)", for the summary. */
const char *ovk_store_describe(const struct ovk_store *st);

/* Where the disks go, for the summary's "storage" object. */
struct ovk_store_desc {
	char kind[12];           /* "pool" or "directory" */
	char target[4096];       /* the pool's name, or the directory */
	char pool_type[32];      /* "dir", "logical", ...; "" for a directory */
	char format[8];          /* "qcow2" or "raw" */
};
void ovk_store_get_desc(const struct ovk_store *st, struct ovk_store_desc *d);
/* After the commit: each pool drive's volume path (for the summary). */
int ovk_store_paths(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err);

/* Give each disk drive of the plan its file name, path or volume. */
int ovk_store_assign(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err);
/* Refuse files and volumes that exist, unless `replace`: then they are
 * replaced by ovk_store_commit(); nothing changes now. */
int ovk_store_check(struct ovk_store *st, const struct ovk_plan *p, int replace,
		    struct ovk_error *err);

/* Fill drive d by running `job` (its input taken over; a blank disk when
 * it has none) with `copts`; the destination is set here. */
int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d,
		    const struct ovk_engine_job *job, const struct ovk_convert_opts *copts,
		    struct ovk_error *err);

/* The disk ovk_store_write() wrote for drive d (its stage file or side
 * volume until the commit), opened for reading, and its format: a local
 * file, or a volume read back in ranges (on this host, its file). */
int ovk_store_open_written(struct ovk_store *st, const struct ovk_plan_drive *d,
			   struct ovk_blob **out, const char **format, struct ovk_error *err);

/* --replace: put every new file and volume of the import in place of
 * the old one (see above).  Refusals, with nothing removed: `cancel`
 * (may be NULL) set; a side volume that does not read, to libvirt, as
 * the format it was written in with no backing file (libvirt probes a
 * file volume's format from its bytes, so a raw disk whose first bytes
 * are a qcow2 header would otherwise be copied as that qcow2, backing
 * file and all: a file of the host's, read into the new volume); a pool
 * without room for the copies (errnum ENOSPC, naming the numbers).
 * Failures once something is removed (a copy the daemon fails) are gone
 * past, and the first is reported, naming the side volume or stage file
 * that holds the new disk.  Notes (a side volume that could not be
 * deleted) go to `notes`. */
int ovk_store_commit(struct ovk_store *st, struct ovk_plan *notes,
		     volatile sig_atomic_t *cancel, struct ovk_error *err);
/* How many old files and volumes ovk_store_commit() has removed. */
size_t ovk_store_replaced(const struct ovk_store *st);

/* Remove every file and volume this store created, the side volumes and
 * stage files included; nothing once ovk_store_replaced() is non-zero. */
void ovk_store_rollback(struct ovk_store *st);

#endif
