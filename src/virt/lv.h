/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lv.h: the only door to libvirt (STYLE.md #5).
 *
 * The importer needs a dozen libvirt calls: read the capabilities, look
 * names up, define and undefine a domain, start it, and create, upload,
 * copy, measure and delete storage volumes.  They are wrapped here so
 * that the rest of src/virt sees plain C types and struct ovk_error, and
 * so that libvirt's habit of printing errors to stderr is switched off in
 * one place (the library never prints).
 *
 * Lookups return 1 (exists), 0 (does not) or -1 (the call failed: a
 * connection error is not "absent").
 *
 * Ownership: a connection is opened by ovk_lv_open() and freed by
 * ovk_lv_close() (NULL-safe).  Strings returned through char ** are
 * malloc'ed.  A connection is used from one thread at a time.
 */
#ifndef OVK_VIRT_LV_H
#define OVK_VIRT_LV_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct ovk_lv;

/* Process-wide, for ovk_init(): libvirt's global error function set to
 * one that prints nothing (errors come back through struct ovk_error). */
int ovk_lv_silence(struct ovk_error *err);

/* uri NULL: libvirt's default, which honours LIBVIRT_DEFAULT_URI and its
 * config files: that lookup is libvirt's own, not ours. */
int ovk_lv_open(const char *uri, struct ovk_lv **out, struct ovk_error *err);
void ovk_lv_close(struct ovk_lv *lv);
/* The URI actually connected to (for the summary). */
const char *ovk_lv_uri(const struct ovk_lv *lv);

int ovk_lv_capabilities(struct ovk_lv *lv, char **xml, struct ovk_error *err);
/* Domain capabilities for arch/machine/virttype: 0 with *xml, 1 when the
 * driver does not implement them (the test driver), -1 on error. */
int ovk_lv_domcaps(struct ovk_lv *lv, const char *arch, const char *machine,
		   const char *virttype, char **xml, struct ovk_error *err);

/* ---- domains */
int ovk_lv_domain_exists(struct ovk_lv *lv, const char *name, struct ovk_error *err);
/* Define with VIR_DOMAIN_DEFINE_VALIDATE (schema check by libvirt). */
int ovk_lv_domain_define(struct ovk_lv *lv, const char *xml, struct ovk_error *err);
/* The persistent definition of a domain (to put it back); *xml malloc'ed. */
int ovk_lv_domain_xml(struct ovk_lv *lv, const char *name, char **xml, struct ovk_error *err);
/* The live definition of a domain (VIR_DOMAIN_XML_SECURE not asked) and
 * whether it is running (ova-export); *xml malloc'ed. */
int ovk_lv_domain_read(struct ovk_lv *lv, const char *name, char **xml, int *active,
		       struct ovk_error *err);
int ovk_lv_domain_start(struct ovk_lv *lv, const char *name, struct ovk_error *err);
/* Stop (if running) and undefine, with its NVRAM; absent is success. */
int ovk_lv_domain_remove(struct ovk_lv *lv, const char *name, struct ovk_error *err);

/* ---- networks: 1 active, 0 defined but inactive, -2 absent, -1 error */
int ovk_lv_network_state(struct ovk_lv *lv, const char *name, struct ovk_error *err);

/* ---- storage */
int ovk_lv_pool_exists(struct ovk_lv *lv, const char *pool, struct ovk_error *err);
/* The pool's XML (for its type) and whether it is active. */
int ovk_lv_pool_xml(struct ovk_lv *lv, const char *pool, char **xml, int *active,
		    struct ovk_error *err);
int ovk_lv_vol_exists(struct ovk_lv *lv, const char *pool, const char *vol,
		      struct ovk_error *err);
/* Create a volume of `capacity` bytes in `format` ("qcow2", "raw"), with
 * `allocation` bytes allocated up front (0: sparse). */
int ovk_lv_vol_create(struct ovk_lv *lv, const char *pool, const char *vol, const char *format,
		      uint64_t capacity, uint64_t allocation, struct ovk_error *err);
/* The volume's path on the pool's host; *path malloc'ed. */
int ovk_lv_vol_path(struct ovk_lv *lv, const char *pool, const char *vol, char **path,
		    struct ovk_error *err);
/* Delete; absent is success. */
int ovk_lv_vol_delete(struct ovk_lv *lv, const char *pool, const char *vol,
		      struct ovk_error *err);
/* Bytes free in `pool`.  The pool is refreshed first: libvirt's figure
 * is the one of its last scan, adjusted by the allocations volumes were
 * created with, and so it misses what uploads wrote since.  A refresh
 * is refused while the daemon builds a volume in the pool (an error). */
int ovk_lv_pool_available(struct ovk_lv *lv, const char *pool, uint64_t *avail,
			  struct ovk_error *err);
/* Bytes the volume takes in its pool now (libvirt re-reads a file
 * volume's size first). */
int ovk_lv_vol_allocation(struct ovk_lv *lv, const char *pool, const char *vol,
			  uint64_t *alloc, struct ovk_error *err);
/* The volume's XML as libvirt sees it now; *xml malloc'ed.  libvirt
 * re-reads the volume first, and on file pools that means probing its
 * format and backing file from its first bytes, whatever format it was
 * created with (storage.c checks a volume's contents against that before
 * letting the daemon copy it). */
int ovk_lv_vol_xml(struct ovk_lv *lv, const char *pool, const char *vol, char **xml,
		   struct ovk_error *err);
/* Create volume `to` in `format` with the contents of `from`, both in
 * `pool`, copied by the daemon (virStorageVolCreateXMLFrom), so it works
 * over a remote connection without the data crossing it.  The copy is
 * sparse unless `allocate` (block pools: allocated to the full capacity,
 * every byte written).  How libvirt copies (libvirt's storage_util.c,
 * virStorageBackendGetBuildVolFromFunction): when either volume is a
 * non-raw file, with `qemu-img convert -f <from's format as libvirt
 * sees it> -O <format>`, which follows a backing file named in `from`'s
 * header; else byte by byte, skipping zero blocks when sparse. */
int ovk_lv_vol_clone(struct ovk_lv *lv, const char *pool, const char *from, const char *to,
		     const char *format, int allocate, struct ovk_error *err);

/* An upload into a volume through a libvirt stream (virStorageVolUpload),
 * which works over remote connections: `length` bytes (0: up to the end of
 * the stream) from byte `offset`.  On a file volume the daemon opens the
 * file without O_TRUNC and seeks to `offset`, so the bytes outside the
 * range stay as they are (libvirt's virStorageBackendVolUploadLocal and
 * virFDStreamOpenFileInternal).  `sparse`: holes are sent as holes
 * (VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM); only for file-backed volumes,
 * where the daemon makes a hole with lseek and ftruncate: it reads as
 * zeros only where the file had no bytes yet, and it cuts the file there. */
struct ovk_lv_upload;
int ovk_lv_upload_begin(struct ovk_lv *lv, const char *pool, const char *vol, uint64_t offset,
			uint64_t length, int sparse, struct ovk_lv_upload **out,
			struct ovk_error *err);
int ovk_lv_upload_send(struct ovk_lv_upload *up, const void *buf, size_t len,
		       struct ovk_error *err);
int ovk_lv_upload_hole(struct ovk_lv_upload *up, uint64_t len, struct ovk_error *err);
/* Finish (the daemon confirms the write) and free. */
int ovk_lv_upload_finish(struct ovk_lv_upload *up, struct ovk_error *err);
/* Abort and free; NULL-safe. */
void ovk_lv_upload_abort(struct ovk_lv_upload *up);

/* Reading a volume back in ranges (virStorageVolDownload: over any
 * connection), for the guest reader.  Each download is a round trip (and
 * on the daemon's side a helper process), so a read fetches at least
 * OVK_LV_READ_AHEAD bytes and keeps them: the reader's small reads are
 * mostly near each other, and a file it reads whole comes in order. */
#define OVK_LV_READ_AHEAD ((size_t)1 << 20)
struct ovk_lv_reader;
/* *size: the volume's bytes as stored (a qcow2 file's length, not its
 * virtual size).  *path: the volume's path on the daemon's host. */
int ovk_lv_reader_open(struct ovk_lv *lv, const char *pool, const char *vol,
		       struct ovk_lv_reader **out, uint64_t *size, char **path,
		       struct ovk_error *err);
int ovk_lv_reader_pread(void *reader, uint64_t off, void *buf, size_t len,
			struct ovk_error *err);
/* NULL-safe; void * to be a blob's close callback. */
void ovk_lv_reader_close(void *reader);
/* Whether the connection's daemon runs on this host (a URI without a
 * server), where a volume's path is a path here too. */
int ovk_lv_is_local(const struct ovk_lv *lv);
/* A volume as a blob to read: the daemon's file itself when the
 * connection is local and the file readable here (and `download` is 0),
 * else a ranged blob over virStorageVolDownload (any connection, no shell
 * on the host). */
struct ovk_blob;
int ovk_lv_vol_blob(struct ovk_lv *lv, const char *pool, const char *vol, int download,
		    struct ovk_blob **out, struct ovk_error *err);
/* A file or device on the daemon's host, by its path there, read through
 * virStorageVolDownload: the path must be a volume of some pool (a remote
 * host's file is out of reach otherwise). */
int ovk_lv_path_blob(struct ovk_lv *lv, const char *path, struct ovk_blob **out,
		     struct ovk_error *err);

#endif
