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
 *     (upload.h); with --replace the old volume goes just before the new
 *     one is created, so an import that fails after that leaves neither.
 *
 * Everything created is remembered, and ovk_store_rollback() removes it:
 * an import that fails leaves nothing behind.
 */
#ifndef OVK_VIRT_STORAGE_H
#define OVK_VIRT_STORAGE_H

#include "core/blob.h"
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

/* Give each disk drive of the plan its file name, path or volume. */
int ovk_store_assign(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err);
/* Refuse files and volumes that exist, unless `replace`: then each is
 * replaced when its new contents are written (ovk_store_write), not now. */
int ovk_store_check(struct ovk_store *st, const struct ovk_plan *p, int replace,
		    struct ovk_error *err);

/* Fill drive d from `blob` (taken over), hashing the input as `copts`
 * says; or create a blank disk of `capacity` when blob is NULL. */
int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		    uint64_t capacity, const struct ovk_convert_opts *copts,
		    struct ovk_error *err);

/* Remove every file and volume this store created. */
void ovk_store_rollback(struct ovk_store *st);

#endif
