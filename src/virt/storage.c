/*
 * storage.c: the import's disk targets (storage.h): choosing the pool or
 * directory, naming, collision checks, writing, --replace's side volumes
 * and their commit, and rollback.  The upload sinks, which stream a
 * conversion into a volume, are in upload.c.
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

/* A replacement waiting for ovk_store_commit(): the new disk is in `side`,
 * the old one still in `vol`. */
struct swap {
	char *vol;
	char *side;
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
	struct swap *swaps;      /* --replace, not yet committed */
	size_t n_swaps;
	size_t n_replaced;       /* old files and volumes replaced */
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

/* The domain names its disk files by absolute path (libvirt's schema
 * refuses relative ones), so a relative --dir is made absolute here:
 * resolved when it exists, else (--print-xml) put under the cwd. */
static char *absolute_dir(const char *dir)
{
	char *real = realpath(dir, NULL), *cwd = NULL, *abs = NULL;

	if (real || dir[0] == '/')
		return real ? real : strdup(dir);
	if ((cwd = getcwd(NULL, 0)) && asprintf(&abs, "%s/%s", cwd, dir) < 0)
		abs = NULL;
	free(cwd);
	return abs;
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
		if (!(st->dir = absolute_dir(dir)) ||
		    !(st->format = strdup(format ? format : "qcow2"))) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		snprintf(st->desc, sizeof(st->desc), "directory %s, %s files", st->dir, st->format);
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
	for (size_t i = 0; i < st->n_swaps; i++) {
		free(st->swaps[i].vol);
		free(st->swaps[i].side);
	}
	free(st->swaps);
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

/* Only refuse here: with --replace nothing is removed yet.  A file is
 * replaced by the conversion's final rename, a volume by
 * ovk_store_commit(), so a failure before either leaves the old one. */
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
	int existed = st->replace && access(d->path, F_OK) == 0, r;

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
	if (r == 0 && existed)
		st->n_replaced++;
	return r;
}

/* --replace of an existing volume: the name to stream into instead (NULL
 * in *side when the volume does not exist: then it streams into its own
 * name, with no copy later).  The pid keeps two imports into one pool
 * apart; the dot keeps the side volume out of a plain ls of a dir pool. */
static int side_name(struct ovk_store *st, const struct ovk_plan_drive *d, char **side,
		     struct ovk_error *err)
{
	int r;

	*side = NULL;
	if (!st->replace)
		return 0;
	if ((r = ovk_lv_vol_exists(st->lv, st->pool, d->vol, err)) <= 0)
		return r;
	if (asprintf(side, ".ovk-new-%ld-%s", (long)getpid(), d->vol) < 0) {
		*side = NULL;
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int add_swap(struct ovk_store *st, const char *vol, char *side, struct ovk_error *err)
{
	struct swap *a = realloc(st->swaps, (st->n_swaps + 1) * sizeof(*a));

	if (!a)
		return ovk_error_set(err, ENOMEM, "out of memory");
	st->swaps = a;
	if (!(a[st->n_swaps].vol = strdup(vol)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	a[st->n_swaps++].side = side;
	return 0;
}

static int write_pool(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		      uint64_t capacity, const struct ovk_convert_opts *copts,
		      struct ovk_error *err)
{
	struct ovk_upload_dest dest = {
		.lv = st->lv, .pool = st->pool, .vol = d->vol, .block = st->block,
		.vols = &st->vols, .n_vols = &st->n_vols,
	};
	char *side = NULL;
	int ret = -1;

	if (side_name(st, d, &side, err) < 0) {
		ovk_blob_free(blob);
		goto out;
	}
	if (side)
		dest.vol = side;
	if (strcmp(st->format, "qcow2") == 0)
		ret = ovk_upload_qcow2(&dest, blob, capacity, copts, err);
	else
		ret = ovk_upload_raw(&dest, blob, capacity, copts, err);
	/* The side volume is in st->vols already: a failure deletes it. */
	if (ret == 0 && side) {
		ret = add_swap(st, d->vol, side, err);
		side = NULL;
	}
out:
	free(side);
	return ret;
}

int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d, struct ovk_blob *blob,
		    uint64_t capacity, const struct ovk_convert_opts *copts,
		    struct ovk_error *err)
{
	int ret;

	if (st->dir)
		ret = write_dir(st, d, blob, capacity, copts, err);
	else
		ret = write_pool(st, d, blob, capacity, copts, err);
	if (ret < 0)
		ovk_error_prefix(err, "%s", d->vol);
	return ret;
}

/* ------------------------------------------------------------ commit */

static const struct ovk_xml_node *child(const struct ovk_xml_node *n, const char *name)
{
	for (n = n ? ovk_xml_first(n) : NULL; n; n = ovk_xml_next(n))
		if (strcmp(ovk_xml_name(n), name) == 0)
			return n;
	return NULL;
}

/* The side volume must read, to libvirt, as what it was written as: the
 * format the daemon's copy will be made from (storage.h).  Block volumes
 * are copied byte by byte whatever they look like (lv.h). */
static int check_side(struct ovk_store *st, const struct swap *sw, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *root;
	const char *fmt;
	char *xml = NULL;
	int ret = -1;

	if (st->block)
		return 0;
	if (ovk_lv_vol_xml(st->lv, st->pool, sw->side, &xml, err) < 0 ||
	    ovk_xml_parse((const uint8_t *)xml, strlen(xml), sw->side, &doc, err) < 0)
		goto out;
	root = ovk_xml_root(doc);
	fmt = ovk_xml_attr(child(child(root, "target"), "format"), NULL, "type", 1);
	if (!fmt || strcmp(fmt, st->format) != 0) {
		ovk_error_set(err, EINVAL, "libvirt reads the new %s disk as %s (its first "
			      "bytes look like one) and would copy it as that; not replaced "
			      "(--format qcow2 stores such a disk safely)", st->format,
			      fmt ? fmt : "no known format");
		goto out;
	}
	if (child(root, "backingStore") && child(child(root, "backingStore"), "path")) {
		ovk_error_set(err, EINVAL, "libvirt sees a backing file in the new disk, and its "
			      "copy would read it; not replaced");
		goto out;
	}
	ret = 0;
out:
	ovk_xml_free(doc);
	free(xml);
	return ret;
}

static void forget(char **arr, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(arr[i], s) != 0)
			continue;
		free(arr[i]);
		arr[i] = arr[--*n];
		return;
	}
}

/* Old volume out, new one copied into its name, side volume deleted. */
static int commit_one(struct ovk_store *st, struct ovk_plan *p, struct swap *sw,
		      volatile sig_atomic_t *cancel, struct ovk_error *err)
{
	struct ovk_error side_err, why;

	if (cancel && *cancel)
		return ovk_error_set(err, ECANCELED, "interrupted; the old volume is kept");
	if (check_side(st, sw, err) < 0 ||
	    ovk_lv_vol_delete(st->lv, st->pool, sw->vol, err) < 0)
		return -1;
	if (ovk_lv_vol_clone(st->lv, st->pool, sw->side, sw->vol, st->format, st->block,
			     err) < 0) {
		/* The new disk now exists only there: the rollback must not
		 * delete it. */
		forget(st->vols, &st->n_vols, sw->side);
		why = *err;
		return ovk_error_set(err, why.errnum, "the old volume is deleted and the new "
				     "disk is kept as volume %s in pool %s, but copying it into "
				     "place failed: %s (virsh vol-clone --pool %s %s %s puts it "
				     "there)", sw->side, st->pool, why.msg, st->pool, sw->side,
				     sw->vol);
	}
	st->n_replaced++;
	if (ovk_upload_remember(&st->vols, &st->n_vols, sw->vol) < 0)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (ovk_lv_vol_delete(st->lv, st->pool, sw->side, &side_err) < 0)
		ovk_plan_note(p, 1, "%s: replaced, but its side volume is left: %s", sw->vol,
			      side_err.msg);
	else
		forget(st->vols, &st->n_vols, sw->side);
	return 0;
}

int ovk_store_commit(struct ovk_store *st, struct ovk_plan *p, volatile sig_atomic_t *cancel,
		     struct ovk_error *err)
{
	for (size_t i = 0; i < p->n_drives; i++) {
		const struct ovk_plan_drive *d = &p->drives[i];

		for (size_t k = 0; d->vol && k < st->n_swaps; k++) {
			struct swap *sw = &st->swaps[k];

			if (!sw->side || strcmp(sw->vol, d->vol) != 0)
				continue;
			if (commit_one(st, p, sw, cancel, err) < 0)
				return ovk_error_prefix(err, "--replace: volume %s", sw->vol);
			/* done: a second commit skips it */
			free(sw->side);
			sw->side = NULL;
		}
	}
	return 0;
}

size_t ovk_store_replaced(const struct ovk_store *st)
{
	return st->n_replaced;
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
