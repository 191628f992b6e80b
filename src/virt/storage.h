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
 * --replace of a volume that exists: libvirt cannot rename a volume, so
 * the new disk streams into a side volume of the same pool,
 * ".ovk-new-<pid>-<vol>", and the old volume stays until
 * ovk_store_commit(), called once every disk has streamed and passed its
 * digest and every domain is defined.  Only then is the old volume
 * deleted and the new one copied into its name by the daemon
 * (virStorageVolCreateXMLFrom), and the side volume deleted: one more
 * copy, on the pool's host, for replaced volumes only.  A file (--dir) is
 * replaced by the conversion's final rename.
 *
 * Everything created is remembered, and ovk_store_rollback() removes it:
 * an import that fails leaves nothing behind, and one that fails before
 * ovk_store_commit() leaves the replaced volumes as they were.
 */
#ifndef OVK_VIRT_STORAGE_H
#define OVK_VIRT_STORAGE_H

#include <signal.h>
#include <stddef.h>

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
/* Refuse files and volumes that exist, unless `replace`: then a file is
 * replaced when its new contents are written (ovk_store_write), a volume
 * by ovk_store_commit(); nothing changes now. */
int ovk_store_check(struct ovk_store *st, const struct ovk_plan *p, int replace,
		    struct ovk_error *err);

/* Fill drive d from `blob` (taken over), hashing the input as `copts`
 * says; or create a blank disk of `capacity` when blob is NULL. */
int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		    uint64_t capacity, const struct ovk_convert_opts *copts,
		    struct ovk_error *err);

/* --replace: put the new volumes of p's drives in place of the old ones
 * (see above).  Before each old volume goes, `cancel` (may be NULL) is
 * honoured and the side volume is checked to read, to libvirt, as the
 * format it was written in with no backing file: libvirt probes a file
 * volume's format from its bytes, so a raw disk whose first bytes are a
 * qcow2 header would otherwise be copied as that qcow2, backing file and
 * all (a file of the host's, read into the new volume).  A copy that
 * fails once the old volume is gone keeps the side volume, and the error
 * names it.  Notes (a side volume that could not be deleted) go to p. */
int ovk_store_commit(struct ovk_store *st, struct ovk_plan *p, volatile sig_atomic_t *cancel,
		     struct ovk_error *err);
/* How many old files and volumes have been replaced so far. */
size_t ovk_store_replaced(const struct ovk_store *st);

/* Remove every file and volume this store created, and the side volumes
 * of replacements not committed. */
void ovk_store_rollback(struct ovk_store *st);

#endif
