/*
 * storage.c: the import's disk targets (storage.h): choosing the pool or
 * directory, naming, collision checks, writing, and rollback.  The upload
 * sinks, which stream a conversion into a volume, are in upload.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "ova/xml.h"
#include "storage.h"
#include "upload.h"

/* Block pools hold volumes that are devices or LUNs: no qcow2 there, and
 * an upload's holes would leave old data (issue 7). */
static const char *const block_pools[] = {
	"logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog",
	"gluster", "zfs", "vstorage", NULL,
};

struct ovk_store {
	struct ovk_lv *lv;
	char *dir;               /* directory target, or NULL */
	char *pool;              /* pool target, or NULL */
	char *format;
	int block;               /* a block pool */
	int replace;             /* --replace: same-named files/volumes go */
	char desc[512];
	char **files;            /* created, for rollback */
	size_t n_files;
	char **vols;
	size_t n_vols;
};

static int pool_type(struct ovk_lv *lv, const char *pool, char *type, size_t len,
		     struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	char *xml = NULL;
	const char *t;
	int active, ret = -1;

	if (ovk_lv_pool_xml(lv, pool, &xml, &active, err) < 0)
		goto out;
	if (!active) {
		ovk_error_set(err, ENODEV, "storage pool %s is not active (virsh pool-start %s)",
			      pool, pool);
		goto out;
	}
	if (ovk_xml_parse((const uint8_t *)xml, strlen(xml), pool, &doc, err) < 0)
		goto out;
	t = ovk_xml_attr(ovk_xml_root(doc), NULL, "type", 1);
	snprintf(type, len, "%s", t ? t : "");
	ret = 0;
out:
	ovk_xml_free(doc);
	free(xml);
	return ret;
}

static int pick_pool(struct ovk_store *st, const char *pool, const char *format, int dry_run,
		     struct ovk_error *err)
{
	char type[64] = "";
	int r;

	if (!pool) {
		if ((r = ovk_lv_pool_exists(st->lv, "default", err)) < 0)
			return -1;
		if (r == 0 && !dry_run)
			return ovk_error_set(err, EDESTADDRREQ,
					     "no storage pool named 'default' on %s: choose "
					     "one with --pool POOL, or a directory with --dir DIR",
					     ovk_lv_uri(st->lv));
		pool = "default";
		if (r == 0)
			snprintf(type, sizeof(type), "dir");
	}
	if (!(st->pool = strdup(pool)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (!type[0] && pool_type(st->lv, pool, type, sizeof(type), err) < 0)
		return -1;
	for (size_t i = 0; block_pools[i]; i++)
		if (strcmp(type, block_pools[i]) == 0)
			st->block = 1;
	if (st->block && format && strcmp(format, "qcow2") == 0)
		return ovk_error_set(err, EINVAL, "storage pool %s is a %s pool: its volumes "
				     "are raw (--format raw)", pool, type);
	if (!(st->format = strdup(format ? format : st->block ? "raw" : "qcow2")))
		return ovk_error_set(err, ENOMEM, "out of memory");
	snprintf(st->desc, sizeof(st->desc), "pool %s (%s), %s volumes", pool, type, st->format);
	return 0;
}

int ovk_store_open(struct ovk_lv *lv, const char *dir, const char *pool, const char *format,
		   int dry_run, struct ovk_store **out,
		   struct ovk_error *err)
{
	struct ovk_store *st = calloc(1, sizeof(*st));
	struct stat sb;
	int ret = -1;

	*out = NULL;
	if (!st)
		return ovk_error_set(err, ENOMEM, "out of memory");
	st->lv = lv;
	if (format && strcmp(format, "qcow2") != 0 && strcmp(format, "raw") != 0) {
		ovk_error_set(err, EINVAL, "format %s: only qcow2 and raw are imported", format);
		goto out;
	}
	if (dir) {
		if (!dry_run && (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))) {
			ovk_error_sys(err, errno ? errno : ENOTDIR, "%s: not a directory", dir);
			goto out;
		}
		if (!(st->dir = strdup(dir)) || !(st->format = strdup(format ? format : "qcow2"))) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		snprintf(st->desc, sizeof(st->desc), "directory %s, %s files", dir, st->format);
	} else if (pick_pool(st, pool, format, dry_run, err) < 0) {
		goto out;
	}
	*out = st;
	st = NULL;
	ret = 0;
out:
	ovk_store_free(st);
	return ret;
}

void ovk_store_free(struct ovk_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_files; i++)
		free(st->files[i]);
	for (size_t i = 0; i < st->n_vols; i++)
		free(st->vols[i]);
	free(st->files);
	free(st->vols);
	free(st->dir);
	free(st->pool);
	free(st->format);
	free(st);
}

const char *ovk_store_describe(const struct ovk_store *st)
{
	return st->desc;
}

int ovk_store_assign(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err)
{
	const char *ext = strcmp(st->format, "qcow2") == 0 ? "qcow2" : "img";

	for (size_t i = 0; i < p->n_drives; i++) {
		struct ovk_plan_drive *d = &p->drives[i];
		char *name = NULL;

		if (!d->vol)
			continue;
		if (asprintf(&name, "%s.%s", d->vol, ext) < 0)
			return ovk_error_set(err, ENOMEM, "out of memory");
		free(d->vol);
		d->vol = name;
		if (!(d->format = strdup(st->format)) ||
		    (st->dir && asprintf(&d->path, "%s/%s", st->dir, d->vol) < 0) ||
		    (st->pool && !(d->pool = strdup(st->pool))))
			return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* Only refuse here: with --replace nothing is removed yet, so a failure
 * before a disk is written leaves the old one in place.  A file is then
 * replaced by the conversion's final rename, a volume just before its
 * new contents stream in (libvirt cannot rename volumes). */
static int check_one(struct ovk_store *st, const struct ovk_plan_drive *d, int replace,
		     struct ovk_error *err)
{
	int r;

	if (st->dir) {
		if (access(d->path, F_OK) != 0 || replace)
			return 0;
		return ovk_error_set(err, EEXIST, "%s exists (--replace overwrites it)", d->path);
	}
	if ((r = ovk_lv_vol_exists(st->lv, st->pool, d->vol, err)) <= 0 || replace)
		return r < 0 ? -1 : 0;
	return ovk_error_set(err, EEXIST, "volume %s exists in pool %s (--replace "
			     "overwrites it)", d->vol, st->pool);
}

int ovk_store_check(struct ovk_store *st, const struct ovk_plan *p, int replace,
		    struct ovk_error *err)
{
	st->replace = replace;
	for (size_t i = 0; i < p->n_drives; i++)
		if (p->drives[i].vol && check_one(st, &p->drives[i], replace, err) < 0)
			return -1;
	return 0;
}

static int write_dir(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		     uint64_t capacity, const struct ovk_convert_opts *copts,
		     struct ovk_error *err)
{
	struct ovk_convert_opts o = *copts;
	int r;

	o.out_format = st->format;
	/* --replace: the finished file is renamed over the old one. */
	o.force = st->replace;
	if (!blob) {
		r = ovk_convert_blank(capacity, d->path, &o, err);
	} else {
		r = ovk_convert_blob(blob, d->path, &o, err);
	}
	/* Remembered (for rollback) once it is ours: before, the path may
	 * still be the file --replace is about to replace. */
	if (r == 0 && ovk_upload_remember(&st->files, &st->n_files, d->path) < 0) {
		unlink(d->path);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return r;
}

/* --replace on a pool: the old volume goes just before the new one is
 * created, once the input is open (upload.c); a file is replaced by the
 * conversion's final rename. */
int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		    uint64_t capacity, const struct ovk_convert_opts *copts,
		    struct ovk_error *err)
{
	struct ovk_upload_dest dest = {
		.lv = st->lv, .pool = st->pool, .vol = d->vol, .block = st->block,
		.replace = st->replace, .vols = &st->vols, .n_vols = &st->n_vols,
	};
	int ret;

	if (st->dir)
		ret = write_dir(st, d, blob, capacity, copts, err);
	else if (strcmp(st->format, "qcow2") == 0)
		ret = ovk_upload_qcow2(&dest, blob, capacity, copts, err);
	else
		ret = ovk_upload_raw(&dest, blob, capacity, copts, err);
	if (ret < 0)
		ovk_error_prefix(err, "%s", d->vol);
	return ret;
}

void ovk_store_rollback(struct ovk_store *st)
{
	struct ovk_error ignored;

	if (!st)
		return;
	for (size_t i = 0; i < st->n_files; i++)
		unlink(st->files[i]);
	for (size_t i = 0; i < st->n_vols; i++)
		ovk_lv_vol_delete(st->lv, st->pool, st->vols[i], &ignored);
}
