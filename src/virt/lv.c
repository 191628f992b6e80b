/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lv.c: libvirt behind lv.h.  Every libvirt failure becomes a struct
 * ovk_error carrying libvirt's own last message; libvirt's default error
 * printer is replaced by a silent one, because the library never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "lv.h"

#include "core/blob.h"

struct ovk_lv {
	virConnectPtr conn;
	char *uri;
};

struct ovk_lv_reader {
	virStorageVolPtr vol;
	virConnectPtr conn;
	char *name;
	uint64_t size;
	uint8_t *ahead;              /* OVK_LV_READ_AHEAD bytes from ahead_off */
	uint64_t ahead_off;
	size_t ahead_len;
};

struct ovk_lv_upload {
	virStreamPtr st;
	virStorageVolPtr vol;
	char *name;
};

static void silent(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

/* "what: libvirt's message". */
static int lv_fail(struct ovk_error *err, const char *fmt, const char *arg)
{
	const char *m = virGetLastErrorMessage();

	ovk_error_set(err, EIO, "%s", m ? m : "unknown libvirt error");
	if (arg)
		return ovk_error_prefix(err, fmt, arg);
	return ovk_error_prefix(err, "%s", fmt);
}

static int last_code(void)
{
	virErrorPtr e = virGetLastError();

	return e ? e->code : VIR_ERR_OK;
}

int ovk_lv_silence(struct ovk_error *err)
{
	if (virInitialize() < 0)
		return ovk_error_set(err, EIO, "cannot initialize libvirt");
	virSetErrorFunc(NULL, silent);
	return 0;
}

int ovk_lv_open(const char *uri, struct ovk_lv **out, struct ovk_error *err)
{
	struct ovk_lv *lv = NULL;
	int ret = -1;

	*out = NULL;
	if (virInitialize() < 0)
		return ovk_error_set(err, EIO, "cannot initialize libvirt");
	if (!(lv = calloc(1, sizeof(*lv)))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!(lv->conn = virConnectOpen(uri))) {
		lv_fail(err, "cannot connect to %s", uri ? uri : "the default libvirt URI");
		goto out;
	}
	virConnSetErrorFunc(lv->conn, NULL, silent);
	if (!(lv->uri = virConnectGetURI(lv->conn))) {
		lv_fail(err, "cannot read the connection URI", NULL);
		goto out;
	}
	*out = lv;
	lv = NULL;
	ret = 0;
out:
	ovk_lv_close(lv);
	return ret;
}

void ovk_lv_close(struct ovk_lv *lv)
{
	if (!lv)
		return;
	if (lv->conn)
		virConnectClose(lv->conn);
	free(lv->uri);
	free(lv);
}

const char *ovk_lv_uri(const struct ovk_lv *lv)
{
	return lv->uri;
}

int ovk_lv_capabilities(struct ovk_lv *lv, char **xml, struct ovk_error *err)
{
	if (!(*xml = virConnectGetCapabilities(lv->conn)))
		return lv_fail(err, "cannot read the host capabilities", NULL);
	return 0;
}

int ovk_lv_domcaps(struct ovk_lv *lv, const char *arch, const char *machine,
		   const char *virttype, char **xml, struct ovk_error *err)
{
	*xml = virConnectGetDomainCapabilities(lv->conn, NULL, arch, machine, virttype, 0);
	if (*xml)
		return 0;
	if (last_code() == VIR_ERR_NO_SUPPORT)
		return 1;
	return lv_fail(err, "cannot read the domain capabilities for machine %s", machine);
}

/* ------------------------------------------------------------ domains */

int ovk_lv_domain_exists(struct ovk_lv *lv, const char *name, struct ovk_error *err)
{
	virDomainPtr d = virDomainLookupByName(lv->conn, name);

	if (d) {
		virDomainFree(d);
		return 1;
	}
	if (last_code() == VIR_ERR_NO_DOMAIN)
		return 0;
	return lv_fail(err, "domain %s: lookup failed", name);
}

int ovk_lv_domain_define(struct ovk_lv *lv, const char *xml, struct ovk_error *err)
{
	virDomainPtr d = virDomainDefineXMLFlags(lv->conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);

	if (!d)
		return lv_fail(err, "libvirt refused the domain", NULL);
	virDomainFree(d);
	return 0;
}

int ovk_lv_domain_xml(struct ovk_lv *lv, const char *name, char **xml, struct ovk_error *err)
{
	virDomainPtr d = virDomainLookupByName(lv->conn, name);
	int ret = -1;

	*xml = NULL;
	if (!d)
		return lv_fail(err, "domain %s: lookup failed", name);
	if (!(*xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE))) {
		lv_fail(err, "domain %s: cannot read its definition", name);
		goto out;
	}
	ret = 0;
out:
	virDomainFree(d);
	return ret;
}

/* The live definition (what runs, for a running domain) and whether it
 * runs. */
int ovk_lv_domain_read(struct ovk_lv *lv, const char *name, char **xml, int *active,
		       struct ovk_error *err)
{
	virDomainPtr d = virDomainLookupByName(lv->conn, name);
	int ret = -1;

	*xml = NULL;
	if (!d)
		return lv_fail(err, "domain %s", name);
	if ((*active = virDomainIsActive(d)) < 0) {
		lv_fail(err, "domain %s: cannot read its state", name);
		goto out;
	}
	if (!(*xml = virDomainGetXMLDesc(d, 0))) {
		lv_fail(err, "domain %s: cannot read its definition", name);
		goto out;
	}
	ret = 0;
out:
	virDomainFree(d);
	return ret;
}

int ovk_lv_domain_start(struct ovk_lv *lv, const char *name, struct ovk_error *err)
{
	virDomainPtr d = virDomainLookupByName(lv->conn, name);
	int ret = -1;

	if (!d)
		return lv_fail(err, "domain %s: lookup failed", name);
	if (virDomainCreate(d) < 0) {
		lv_fail(err, "domain %s: cannot start", name);
		goto out;
	}
	ret = 0;
out:
	virDomainFree(d);
	return ret;
}

int ovk_lv_domain_remove(struct ovk_lv *lv, const char *name, struct ovk_error *err)
{
	virDomainPtr d = virDomainLookupByName(lv->conn, name);
	int ret = -1;

	if (!d)
		return last_code() == VIR_ERR_NO_DOMAIN ? 0 :
			lv_fail(err, "domain %s: lookup failed", name);
	if (virDomainIsActive(d) == 1 && virDomainDestroy(d) < 0) {
		lv_fail(err, "domain %s: cannot stop", name);
		goto out;
	}
	/* NVRAM: libvirt made fresh OVMF variables for an EFI guest, and they
	 * go with the domain. */
	if (virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_NVRAM |
				   VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0 &&
	    virDomainUndefine(d) < 0) {
		lv_fail(err, "domain %s: cannot undefine", name);
		goto out;
	}
	ret = 0;
out:
	virDomainFree(d);
	return ret;
}

/* ----------------------------------------------------------- networks */

int ovk_lv_network_state(struct ovk_lv *lv, const char *name, struct ovk_error *err)
{
	virNetworkPtr n = virNetworkLookupByName(lv->conn, name);
	int active;

	if (!n) {
		if (last_code() == VIR_ERR_NO_NETWORK || last_code() == VIR_ERR_NO_SUPPORT)
			return -2;
		return lv_fail(err, "network %s: lookup failed", name);
	}
	active = virNetworkIsActive(n);
	virNetworkFree(n);
	if (active < 0)
		return lv_fail(err, "network %s: cannot read its state", name);
	return active;
}

/* ------------------------------------------------------------ storage */

static virStoragePoolPtr pool_get(struct ovk_lv *lv, const char *pool, struct ovk_error *err)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(lv->conn, pool);

	if (!p)
		lv_fail(err, "storage pool %s", pool);
	return p;
}

/* Volume `vol` of `pool`, or NULL with err filled ("volume X: lookup
 * failed").  The volume keeps what it needs of the pool. */
static virStorageVolPtr vol_get(struct ovk_lv *lv, const char *pool, const char *vol,
				struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStorageVolPtr v;

	if (!p)
		return NULL;
	if (!(v = virStorageVolLookupByName(p, vol)))
		lv_fail(err, "volume %s: lookup failed", vol);
	virStoragePoolFree(p);
	return v;
}

int ovk_lv_pool_exists(struct ovk_lv *lv, const char *pool, struct ovk_error *err)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(lv->conn, pool);

	if (p) {
		virStoragePoolFree(p);
		return 1;
	}
	if (last_code() == VIR_ERR_NO_STORAGE_POOL)
		return 0;
	return lv_fail(err, "storage pool %s: lookup failed", pool);
}

int ovk_lv_pool_xml(struct ovk_lv *lv, const char *pool, char **xml, int *active,
		    struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	int ret = -1;

	*xml = NULL;
	if (!p)
		return -1;
	if ((*active = virStoragePoolIsActive(p)) < 0) {
		lv_fail(err, "storage pool %s: cannot read its state", pool);
		goto out;
	}
	if (!(*xml = virStoragePoolGetXMLDesc(p, 0))) {
		lv_fail(err, "storage pool %s: cannot read its XML", pool);
		goto out;
	}
	ret = 0;
out:
	virStoragePoolFree(p);
	return ret;
}

int ovk_lv_vol_exists(struct ovk_lv *lv, const char *pool, const char *vol,
		      struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStorageVolPtr v;
	int ret;

	if (!p)
		return -1;
	/* Read the error before any other call: a Free resets it. */
	if ((v = virStorageVolLookupByName(p, vol)))
		ret = 1;
	else
		ret = last_code() == VIR_ERR_NO_STORAGE_VOL ? 0 :
			lv_fail(err, "volume %s: lookup failed", vol);
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	return ret;
}

/* The volume XML.  Callers pass names already kept to [A-Za-z0-9._-]
 * (ovk_safe_name) and a format of ours, so nothing needs escaping.
 * qcow2 says compat 1.1 (version 3, what qemu-img and our writer make):
 * left out, libvirt 9.0 asks qemu-img for compat=0.10 (storage_util.c,
 * storageBackendCreateQemuImgOpts), which matters for a clone, whose
 * image is the one qemu-img writes. */
static char *vol_xml(const char *vol, const char *format, uint64_t capacity, uint64_t allocation)
{
	char *xml = NULL;

	if (asprintf(&xml,
		     "<volume><name>%s</name>"
		     "<capacity unit='bytes'>%llu</capacity>"
		     "<allocation unit='bytes'>%llu</allocation>"
		     "<target><format type='%s'/>%s</target></volume>",
		     vol, (unsigned long long)capacity, (unsigned long long)allocation,
		     format, strcmp(format, "qcow2") == 0 ? "<compat>1.1</compat>" : "") < 0)
		return NULL;
	return xml;
}

int ovk_lv_vol_create(struct ovk_lv *lv, const char *pool, const char *vol, const char *format,
		      uint64_t capacity, uint64_t allocation, struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStorageVolPtr v = NULL;
	char *xml = NULL;
	int ret = -1;

	if (!p)
		return -1;
	if (!(xml = vol_xml(vol, format, capacity, allocation))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!(v = virStorageVolCreateXML(p, xml, 0))) {
		lv_fail(err, "volume %s: cannot create", vol);
		goto out;
	}
	ret = 0;
out:
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	free(xml);
	return ret;
}

int ovk_lv_vol_delete(struct ovk_lv *lv, const char *pool, const char *vol,
		      struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStorageVolPtr v;
	int ret = -1;

	if (!p)
		return -1;
	if (!(v = virStorageVolLookupByName(p, vol))) {
		ret = last_code() == VIR_ERR_NO_STORAGE_VOL ? 0 :
			lv_fail(err, "volume %s: lookup failed", vol);
		goto out;
	}
	if (virStorageVolDelete(v, 0) < 0) {
		lv_fail(err, "volume %s: cannot delete", vol);
		virStorageVolFree(v);
		goto out;
	}
	virStorageVolFree(v);
	ret = 0;
out:
	virStoragePoolFree(p);
	return ret;
}

int ovk_lv_pool_available(struct ovk_lv *lv, const char *pool, uint64_t *avail,
			  struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStoragePoolInfo info;
	int ret = -1;

	if (!p)
		return -1;
	if (virStoragePoolRefresh(p, 0) < 0) {
		lv_fail(err, "storage pool %s: cannot refresh it to read its free space", pool);
		goto out;
	}
	if (virStoragePoolGetInfo(p, &info) < 0) {
		lv_fail(err, "storage pool %s: cannot read its free space", pool);
		goto out;
	}
	*avail = info.available;
	ret = 0;
out:
	virStoragePoolFree(p);
	return ret;
}

int ovk_lv_vol_allocation(struct ovk_lv *lv, const char *pool, const char *vol,
			  uint64_t *alloc, struct ovk_error *err)
{
	virStorageVolPtr v = vol_get(lv, pool, vol, err);
	virStorageVolInfo info;
	int ret = -1;

	if (!v)
		return -1;
	if (virStorageVolGetInfo(v, &info) < 0) {
		lv_fail(err, "volume %s: cannot read its allocation", vol);
		goto out;
	}
	*alloc = info.allocation;
	ret = 0;
out:
	virStorageVolFree(v);
	return ret;
}

int ovk_lv_vol_path(struct ovk_lv *lv, const char *pool, const char *vol, char **path,
		    struct ovk_error *err)
{
	virStorageVolPtr v = vol_get(lv, pool, vol, err);
	int ret = -1;

	*path = NULL;
	if (!v)
		return -1;
	if (!(*path = virStorageVolGetPath(v))) {
		lv_fail(err, "volume %s: cannot read its path", vol);
		goto out;
	}
	ret = 0;
out:
	virStorageVolFree(v);
	return ret;
}

int ovk_lv_vol_xml(struct ovk_lv *lv, const char *pool, const char *vol, char **xml,
		   struct ovk_error *err)
{
	virStorageVolPtr v = vol_get(lv, pool, vol, err);

	*xml = NULL;
	if (!v)
		return -1;
	if (!(*xml = virStorageVolGetXMLDesc(v, 0)))
		lv_fail(err, "volume %s: cannot read its XML", vol);
	virStorageVolFree(v);
	return *xml ? 0 : -1;
}

int ovk_lv_vol_clone(struct ovk_lv *lv, const char *pool, const char *from, const char *to,
		     const char *format, int allocate, struct ovk_error *err)
{
	virStoragePoolPtr p = pool_get(lv, pool, err);
	virStorageVolPtr src = NULL, v = NULL;
	virStorageVolInfo info;
	char *xml = NULL;
	int ret = -1;

	if (!p)
		return -1;
	if (!(src = virStorageVolLookupByName(p, from))) {
		lv_fail(err, "volume %s: lookup failed", from);
		goto out;
	}
	if (virStorageVolGetInfo(src, &info) < 0) {
		lv_fail(err, "volume %s: cannot read its size", from);
		goto out;
	}
	if (!(xml = vol_xml(to, format, info.capacity, allocate ? info.capacity : 0))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!(v = virStorageVolCreateXMLFrom(p, xml, src, 0))) {
		lv_fail(err, "volume %s: cannot copy it", from);
		goto out;
	}
	ret = 0;
out:
	if (v)
		virStorageVolFree(v);
	if (src)
		virStorageVolFree(src);
	virStoragePoolFree(p);
	free(xml);
	return ret;
}

/* ------------------------------------------------------------- upload */

int ovk_lv_upload_begin(struct ovk_lv *lv, const char *pool, const char *vol, uint64_t offset,
			uint64_t length, int sparse, struct ovk_lv_upload **out,
			struct ovk_error *err)
{
	struct ovk_lv_upload *up = NULL;
	int ret = -1;

	*out = NULL;
	if (!(up = calloc(1, sizeof(*up))) || !(up->name = strdup(vol))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!(up->vol = vol_get(lv, pool, vol, err)))
		goto out;
	if (!(up->st = virStreamNew(lv->conn, 0))) {
		lv_fail(err, "volume %s: cannot open a stream", vol);
		goto out;
	}
	if (virStorageVolUpload(up->vol, up->st, offset, length,
				sparse ? VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0) < 0) {
		lv_fail(err, "volume %s: cannot start the upload", vol);
		goto out;
	}
	*out = up;
	up = NULL;
	ret = 0;
out:
	ovk_lv_upload_abort(up);
	return ret;
}

int ovk_lv_upload_send(struct ovk_lv_upload *up, const void *buf, size_t len,
		       struct ovk_error *err)
{
	const char *p = buf;

	while (len > 0) {
		int n = virStreamSend(up->st, p, len > INT32_MAX ? INT32_MAX : len);

		if (n <= 0)
			return lv_fail(err, "volume %s: upload failed", up->name);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ovk_lv_upload_hole(struct ovk_lv_upload *up, uint64_t len, struct ovk_error *err)
{
	if (len > INT64_MAX || virStreamSendHole(up->st, (long long)len, 0) < 0)
		return lv_fail(err, "volume %s: upload failed", up->name);
	return 0;
}

int ovk_lv_upload_finish(struct ovk_lv_upload *up, struct ovk_error *err)
{
	int ret = -1;

	if (virStreamFinish(up->st) < 0) {
		lv_fail(err, "volume %s: upload failed at the end", up->name);
		goto out;
	}
	ret = 0;
out:
	virStreamFree(up->st);
	up->st = NULL;
	ovk_lv_upload_abort(up);
	return ret;
}

void ovk_lv_upload_abort(struct ovk_lv_upload *up)
{
	if (!up)
		return;
	if (up->st) {
		virStreamAbort(up->st);
		virStreamFree(up->st);
	}
	if (up->vol)
		virStorageVolFree(up->vol);
	free(up->name);
	free(up);
}

/* ------------------------------------------------------------ download */

int ovk_lv_is_local(const struct ovk_lv *lv)
{
	const char *sep = strstr(lv->uri, "://");

	return sep && sep[3] == '/';
}

int ovk_lv_reader_open(struct ovk_lv *lv, const char *pool, const char *vol,
		       struct ovk_lv_reader **out, uint64_t *size, char **path,
		       struct ovk_error *err)
{
	struct ovk_lv_reader *r = NULL;
	virStorageVolInfo info;
	int ret = -1;

	*out = NULL;
	*path = NULL;
	if (!(r = calloc(1, sizeof(*r))) || !(r->name = strdup(vol)) ||
	    !(r->ahead = malloc(OVK_LV_READ_AHEAD))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	r->conn = lv->conn;
	if (!(r->vol = vol_get(lv, pool, vol, err)))
		goto out;
	/* The bytes stored: VIR_STORAGE_VOL_GET_PHYSICAL puts them in
	 * `allocation`. */
	if (virStorageVolGetInfoFlags(r->vol, &info, VIR_STORAGE_VOL_GET_PHYSICAL) < 0) {
		lv_fail(err, "volume %s: cannot read its size", vol);
		goto out;
	}
	r->size = *size = info.allocation;
	*path = virStorageVolGetPath(r->vol);
	*out = r;
	r = NULL;
	ret = 0;
out:
	ovk_lv_reader_close(r);
	return ret;
}

/* [off, off + len) of the volume into buf, in one download. */
static int download(struct ovk_lv_reader *r, uint64_t off, uint8_t *buf, size_t len,
		    struct ovk_error *err)
{
	virStreamPtr st = virStreamNew(r->conn, 0);
	size_t got = 0;
	int ret = -1;

	if (!st)
		return lv_fail(err, "volume %s: cannot open a stream", r->name);
	if (virStorageVolDownload(r->vol, st, off, len, 0) < 0) {
		lv_fail(err, "volume %s: cannot start a download", r->name);
		goto out;
	}
	while (got < len) {
		int n = virStreamRecv(st, (char *)buf + got,
				      len - got > INT32_MAX ? INT32_MAX : len - got);

		if (n < 0) {
			lv_fail(err, "volume %s: download failed", r->name);
			goto out;
		}
		if (n == 0) {
			ovk_error_set(err, EIO, "volume %s: the download ended at byte %llu of "
				      "%llu", r->name, (unsigned long long)(off + got),
				      (unsigned long long)(off + len));
			goto out;
		}
		got += (size_t)n;
	}
	if (virStreamFinish(st) < 0) {
		lv_fail(err, "volume %s: download failed", r->name);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		virStreamAbort(st);
	virStreamFree(st);
	return ret;
}

int ovk_lv_reader_pread(void *reader, uint64_t off, void *buf, size_t len,
			struct ovk_error *err)
{
	struct ovk_lv_reader *r = reader;

	if (off > r->size || len > r->size - off)
		return ovk_error_set(err, ERANGE, "volume %s: %zu bytes at %llu: beyond its end",
				     r->name, len, (unsigned long long)off);
	if (len >= OVK_LV_READ_AHEAD)
		return download(r, off, buf, len, err);
	if (off < r->ahead_off || off + len > r->ahead_off + r->ahead_len) {
		size_t n = r->size - off < OVK_LV_READ_AHEAD ? (size_t)(r->size - off) :
			   OVK_LV_READ_AHEAD;

		r->ahead_len = 0;
		if (download(r, off, r->ahead, n, err) < 0)
			return -1;
		r->ahead_off = off;
		r->ahead_len = n;
	}
	memcpy(buf, r->ahead + (off - r->ahead_off), len);
	return 0;
}

void ovk_lv_reader_close(void *reader)
{
	struct ovk_lv_reader *r = reader;

	if (!r)
		return;
	if (r->vol)
		virStorageVolFree(r->vol);
	free(r->ahead);
	free(r->name);
	free(r);
}

int ovk_lv_vol_blob(struct ovk_lv *lv, const char *pool, const char *vol, int download,
		    struct ovk_blob **out, struct ovk_error *err)
{
	virStorageVolPtr v = vol_get(lv, pool, vol, err);
	struct ovk_lv_reader *r = NULL;
	char *path = NULL;
	uint64_t size;
	int ret = -1;

	if (!v)
		return -1;
	/* The daemon's file, when it is on this host and readable here: no
	 * round trips. */
	path = virStorageVolGetPath(v);
	if (!download && path && ovk_lv_is_local(lv) && access(path, R_OK) == 0) {
		ret = ovk_blob_open_file(path, out, err);
		goto out;
	}
	free(path);
	path = NULL;
	if (ovk_lv_reader_open(lv, pool, vol, &r, &size, &path, err) < 0 ||
	    ovk_blob_ranged(vol, vol, size, ovk_lv_reader_pread, r, ovk_lv_reader_close, out,
			    err) < 0)
		goto out;
	r = NULL;
	ret = 0;
out:
	ovk_lv_reader_close(r);
	virStorageVolFree(v);
	free(path);
	return ret;
}

int ovk_lv_path_blob(struct ovk_lv *lv, const char *path, struct ovk_blob **out,
		     struct ovk_error *err)
{
	virStorageVolPtr v = virStorageVolLookupByPath(lv->conn, path);
	virStoragePoolPtr p = NULL;
	const char *pool, *vol;
	int ret = -1;

	if (!v) {
		ovk_error_set(err, ENOENT, "%s: not a volume of any storage pool on %s, so it "
			      "cannot be read through libvirt (define a pool over its directory, "
			      "or run ova-export on that host)", path, lv->uri);
		goto out;
	}
	if (!(p = virStoragePoolLookupByVolume(v)) || !(pool = virStoragePoolGetName(p)) ||
	    !(vol = virStorageVolGetName(v))) {
		lv_fail(err, "%s: cannot find its storage pool", path);
		goto out;
	}
	ret = ovk_lv_vol_blob(lv, pool, vol, 1, out, err);
out:
	if (p)
		virStoragePoolFree(p);
	if (v)
		virStorageVolFree(v);
	return ret;
}
