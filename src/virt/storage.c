/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * storage.c: the import's disk targets (storage.h): choosing the pool or
 * directory, naming, collision checks, writing, --replace's side volumes
 * and stage files and their commit, and rollback.  libvirt's pool and
 * volume XML is read through util/xml.h.  The upload sinks, which stream a
 * conversion into a volume, are in upload.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cancel.h"
#include "core/checked.h"
#include "engine/engine.h"
#include "util/xml.h"
#include "storage.h"
#include "upload.h"

/* Block pools hold volumes that are devices or LUNs: no qcow2 there, and
 * an upload's holes would leave old data (issue 7). */
static const char *const block_pools[] = {
	"logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog",
	"gluster", "zfs", "vstorage", NULL,
};

/* The copy the daemon makes of a side volume (virStorageVolCreateXMLFrom:
 * qemu-img convert for qcow2, a sparse byte copy for raw) holds the same
 * data clusters, but its metadata is laid out by another writer.  qcow2
 * metadata is 8 bytes of L2 entry and 2 of refcount per 64 KiB cluster,
 * 1/6554 of the data; allowing 1/1024 of the side volume's allocation
 * covers that six times over, and 1 MiB per copy covers the header, L1
 * and refcount tables and the file system's rounding. */
#define CLONE_SLACK_FIXED (UINT64_C(1) << 20)
#define CLONE_SLACK_SHIFT 10

/* A replacement waiting for ovk_store_commit(): the new disk is in `side`
 * (a side volume, or with --dir a stage file beside the old one), the old
 * one still at `vol` (the volume's name, or the file's path).  `old_gone`:
 * the commit has deleted the old volume. */
struct swap {
	char *vol;
	char *side;
	int old_gone;
	int iso;                 /* the environment's raw ISO image, not a disk */
};

struct ovk_store {
	struct ovk_lv *lv;
	char *dir;               /* directory target, or NULL */
	char *pool;              /* pool target, or NULL */
	char *format;
	int block;               /* a block pool */
	int replace;             /* --replace: same-named files/volumes go */
	char desc[512];
	char pool_type[32];      /* the pool's type ("dir", "logical") */
	char **files;            /* created, for rollback */
	size_t n_files;
	char **vols;
	size_t n_vols;
	struct swap *swaps;      /* --replace, not yet committed */
	size_t n_swaps;
	/* Old files and volumes removed by ovk_store_commit(): past the
	 * first, the rollback keeps everything (storage.h). */
	size_t n_replaced;
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
	t = ovk_xml_attr(ovk_xml_root(doc), "type");
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
	snprintf(st->pool_type, sizeof st->pool_type, "%s", type);
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

void ovk_store_get_desc(const struct ovk_store *st, struct ovk_store_desc *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->kind, sizeof d->kind, "%s", st->dir ? "directory" : "pool");
	snprintf(d->target, sizeof d->target, "%s", st->dir ? st->dir : st->pool);
	snprintf(d->pool_type, sizeof d->pool_type, "%s", st->dir ? "" : st->pool_type);
	snprintf(d->format, sizeof d->format, "%s", st->format);
}

int ovk_store_paths(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err)
{
	for (size_t i = 0; st->pool && i < p->n_drives; i++) {
		struct ovk_plan_drive *d = &p->drives[i];

		free(d->volume_path);
		d->volume_path = NULL;
		if (d->vol && d->pool &&
		    ovk_lv_vol_path(st->lv, d->pool, d->vol, &d->volume_path, err) < 0)
			return -1;
	}
	return 0;
}

int ovk_store_assign(struct ovk_store *st, struct ovk_plan *p, struct ovk_error *err)
{
	const char *ext = strcmp(st->format, "qcow2") == 0 ? "qcow2" : "img";

	for (size_t i = 0; i < p->n_drives; i++) {
		struct ovk_plan_drive *d = &p->drives[i];
		char *name = NULL;

		if (!d->vol)
			continue;
		/* the environment's CD-ROM: a raw ISO image, whatever the disks are */
		if (asprintf(&name, "%s.%s", d->vol, d->env ? "iso" : ext) < 0)
			return ovk_error_set(err, ENOMEM, "out of memory");
		free(d->vol);
		d->vol = name;
		if (!(d->format = strdup(d->env ? "raw" : st->format)) ||
		    (st->dir && asprintf(&d->path, "%s/%s", st->dir, d->vol) < 0) ||
		    (st->pool && !(d->pool = strdup(st->pool))))
			return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* Only refuse here: with --replace nothing is removed yet.  Files and
 * volumes are both replaced by ovk_store_commit(), so a failure before it
 * leaves the old ones. */
static int check_one(struct ovk_store *st, const struct ovk_plan_drive *d, int replace,
		     struct ovk_error *err)
{
	int r;

	if (st->dir) {
		/* lstat, as the conversion does: a link or a device planted under
		 * a disk's name is never written through */
		return ovk_output_check(d->path, replace, 0, "--replace", err) < 0 ? -1 : 0;
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

/* Takes `side` over: freed when it cannot be kept. */
static int add_swap(struct ovk_store *st, const char *vol, char *side, int iso,
		    struct ovk_error *err)
{
	struct swap *a = realloc(st->swaps, (st->n_swaps + 1) * sizeof(*a));

	if (!a) {
		free(side);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	st->swaps = a;
	if (!(a[st->n_swaps].vol = strdup(vol))) {
		free(side);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	a[st->n_swaps].side = side;
	a[st->n_swaps].iso = iso;
	a[st->n_swaps++].old_gone = 0;
	return 0;
}

/* --replace of a file that exists: the disk is converted into a stage
 * name beside it (ovk_output_stage_name) and renamed over it only by
 * ovk_store_commit(), once every disk and the manifest have passed; until
 * then the rollback removes the stage, never the old file. */
static int write_dir(struct ovk_store *st, const struct ovk_plan_drive *d,
		     const struct ovk_engine_job *job, const struct ovk_convert_opts *copts,
		     struct ovk_error *err)
{
	struct ovk_convert_opts o = *copts;
	struct ovk_engine_job j = *job;
	char *stage = NULL;
	const char *to = d->path;
	int r, ret = -1;

	o.out_format = d->format;
	if (st->replace && (r = ovk_output_check(d->path, 1, 0, "--replace", err)) != 0) {
		if (r < 0) {
			ovk_blob_free(job->blob);
			goto out;
		}
		if (!(stage = ovk_output_stage_name(d->path))) {
			ovk_blob_free(job->blob);
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		to = stage;
	}
	j.output = to;
	j.output_private = 1;
	if (ovk_engine_convert(&j, &o, NULL, err) < 0)
		goto out;
	if (ovk_upload_remember(&st->files, &st->n_files, to) < 0) {
		unlink(to);
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (stage) {
		r = add_swap(st, d->path, stage, d->env, err);
		stage = NULL;
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	free(stage);
	return ret;
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

static int write_pool(struct ovk_store *st, const struct ovk_plan_drive *d,
		      const struct ovk_engine_job *job, const struct ovk_convert_opts *copts,
		      struct ovk_error *err)
{
	struct ovk_upload_dest dest = {
		.lv = st->lv, .pool = st->pool, .vol = d->vol, .block = st->block,
		.vols = &st->vols, .n_vols = &st->n_vols,
	};
	char *side = NULL;
	int ret = -1;

	if (side_name(st, d, &side, err) < 0) {
		ovk_blob_free(job->blob);
		goto out;
	}
	if (side)
		dest.vol = side;
	if (strcmp(d->format, "qcow2") == 0)
		ret = ovk_upload_qcow2(&dest, job, copts, err);
	else
		ret = ovk_upload_raw(&dest, job, copts, err);
	/* The side volume is in st->vols already: a failure deletes it. */
	if (ret == 0 && side) {
		ret = add_swap(st, d->vol, side, d->env, err);
		side = NULL;
	}
out:
	free(side);
	return ret;
}

int ovk_store_write(struct ovk_store *st, const struct ovk_plan_drive *d,
		    const struct ovk_engine_job *job, const struct ovk_convert_opts *copts,
		    struct ovk_error *err)
{
	int ret;

	if (st->dir)
		ret = write_dir(st, d, job, copts, err);
	else
		ret = write_pool(st, d, job, copts, err);
	if (ret < 0)
		ovk_error_prefix(err, "%s", d->vol);
	return ret;
}

/* The name ovk_store_write() wrote d under: its swap's side, else its own. */
static const char *written_name(const struct ovk_store *st, const struct ovk_plan_drive *d)
{
	const char *name = st->dir ? d->path : d->vol;

	for (size_t i = 0; i < st->n_swaps; i++)
		if (strcmp(st->swaps[i].vol, name) == 0)
			return st->swaps[i].side;
	return name;
}

int ovk_store_open_written(struct ovk_store *st, const struct ovk_plan_drive *d,
			   struct ovk_blob **out, const char **format, struct ovk_error *err)
{
	const char *name = written_name(st, d);

	*format = st->format;
	if (st->dir)
		return ovk_blob_open_file(name, out, err);
	return ovk_lv_vol_blob(st->lv, st->pool, name, 0, out, err);
}

/* ------------------------------------------------------------ commit */

/* The side volume must read, to libvirt, as what it was written as: the
 * format the daemon's copy will be made from (storage.h).  Block volumes
 * are copied byte by byte whatever they look like (lv.h). */
static int check_side(struct ovk_store *st, const struct swap *sw, struct ovk_error *err)
{
	struct ovk_xml_doc *doc = NULL;
	const struct ovk_xml_node *root;
	const char *fmt, *want = sw->iso ? "raw" : st->format;
	char *xml = NULL;
	int ret = -1;

	if (st->block)
		return 0;
	if (ovk_lv_vol_xml(st->lv, st->pool, sw->side, &xml, err) < 0 ||
	    ovk_xml_parse((const uint8_t *)xml, strlen(xml), sw->side, &doc, err) < 0)
		goto out;
	root = ovk_xml_root(doc);
	fmt = ovk_xml_attr(ovk_xml_child(ovk_xml_child(root, "target"), "format"), "type");
	/* an ISO image is raw, which libvirt names by what it finds */
	if (fmt && sw->iso && strcmp(fmt, "iso") == 0)
		fmt = "raw";
	if (!fmt || strcmp(fmt, want) != 0) {
		ovk_error_set(err, EINVAL, "libvirt reads the new %s disk as %s (its first "
			      "bytes look like one) and would copy it as that; not replaced "
			      "(--format qcow2 stores such a disk safely)", want,
			      fmt ? fmt : "no known format");
		goto out;
	}
	if (ovk_xml_child(ovk_xml_child(root, "backingStore"), "path")) {
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

static int interrupted(volatile sig_atomic_t *cancel, struct ovk_error *err)
{
	if (ovk_cancelled(cancel))
		return ovk_error_set(err, ECANCELED, "interrupted; nothing replaced");
	return 0;
}

/* Sum into *sum, saturating: the figures are the daemon's, and a sum
 * that cannot be represented is only ever compared as "too big". */
static void add_sat(uint64_t *sum, uint64_t v)
{
	if (ovk_add_overflow(*sum, v, sum))
		*sum = UINT64_MAX;
}

/* Room for the copies.  swap_volumes() deletes every old volume before it
 * makes the first copy, so at no point does the pool hold more than what
 * it holds now, less the old volumes, plus every copy: that is what is
 * checked (conservative: each side volume deleted after its copy only
 * makes room).  Each copy is counted as its side volume's allocation
 * plus the slack above; an old volume as freeing its allocation (if a
 * hard link kept its blocks, the copy that then finds no room fails, and
 * its error names the side volume kept).  The pool is refreshed first,
 * as libvirt's cached figure misses what the uploads wrote. */
static int check_room(struct ovk_store *st, struct ovk_error *err)
{
	uint64_t avail, freed = 0, sides = 0, need = 0, have, a;

	if (ovk_lv_pool_available(st->lv, st->pool, &avail, err) < 0)
		return -1;
	for (size_t k = 0; k < st->n_swaps; k++) {
		if (ovk_lv_vol_allocation(st->lv, st->pool, st->swaps[k].vol, &a, err) < 0)
			return -1;
		add_sat(&freed, a);
		if (ovk_lv_vol_allocation(st->lv, st->pool, st->swaps[k].side, &a, err) < 0)
			return -1;
		add_sat(&sides, a);
		add_sat(&need, a);
		add_sat(&need, CLONE_SLACK_FIXED + (a >> CLONE_SLACK_SHIFT));
	}
	have = avail;
	add_sat(&have, freed);
	if (have >= need)
		return 0;
	return ovk_error_set(err, ENOSPC, "storage pool %s has %llu bytes free, and the old "
			     "volumes would free %llu, but copying the new disks (%llu bytes "
			     "in side volumes) into their names needs %llu; nothing replaced, "
			     "the old volumes are kept",
			     st->pool, (unsigned long long)avail, (unsigned long long)freed,
			     (unsigned long long)sides, (unsigned long long)need);
}

/* Everything that may refuse, before anything old is removed: a commit
 * that stops half-way leaves a domain with some disks old and some new. */
static int commit_checks(struct ovk_store *st, volatile sig_atomic_t *cancel,
			 struct ovk_error *err)
{
	if (interrupted(cancel, err) < 0)
		return -1;
	for (size_t k = 0; !st->dir && k < st->n_swaps; k++)
		if (check_side(st, &st->swaps[k], err) < 0)
			return ovk_error_prefix(err, "volume %s", st->swaps[k].vol);
	if (!st->dir && check_room(st, err) < 0)
		return -1;
	/* The last look at a cancel: past here the commit runs to its end. */
	return interrupted(cancel, err);
}

/* Failures once the commit has removed something: each is kept going
 * past (the other disks still go in place), the first one is reported,
 * with a count of the others. */
struct fails {
	struct ovk_error first;
	size_t n;
};

static void fail_add(struct fails *f, const struct ovk_error *e)
{
	if (f->n++ == 0)
		f->first = *e;
}

static int fail_report(const struct fails *f, struct ovk_error *err)
{
	if (f->n == 0)
		return 0;
	if (f->n == 1)
		return ovk_error_set(err, f->first.errnum, "%s", f->first.msg);
	return ovk_error_set(err, f->first.errnum, "%s; and %zu more disks not put in place "
			     "likewise", f->first.msg, f->n - 1);
}

/* --dir: every stage renamed over its old file.  rename() in one
 * directory needs no room and fails only on a broken file system. */
static int rename_all(struct ovk_store *st, struct ovk_error *err)
{
	struct fails f = { .n = 0 };
	struct ovk_error e;

	for (size_t k = 0; k < st->n_swaps; k++) {
		struct swap *sw = &st->swaps[k];

		if (rename(sw->side, sw->vol) < 0) {
			ovk_error_sys(&e, errno, "%s: cannot replace it; the new disk is kept as %s",
				      sw->vol, sw->side);
			if (st->n_replaced == 0)
				return ovk_error_set(err, e.errnum, "%s", e.msg);
			fail_add(&f, &e);
			continue;
		}
		st->n_replaced++;
		forget(st->files, &st->n_files, sw->side);
		if (ovk_upload_remember(&st->files, &st->n_files, sw->vol) < 0)
			return ovk_error_set(err, ENOMEM, "out of memory");
		free(sw->side);
		sw->side = NULL;
	}
	return fail_report(&f, err);
}

/* The new disk of sw into its name, the old volume being gone: copied by
 * the daemon, then its side volume deleted. */
static int clone_one(struct ovk_store *st, struct ovk_plan *notes, struct swap *sw,
		     struct ovk_error *err)
{
	struct ovk_error side_err, why;

	if (ovk_lv_vol_clone(st->lv, st->pool, sw->side, sw->vol, sw->iso ? "raw" : st->format,
			     st->block, err) < 0) {
		/* The new disk now exists only there: the rollback must not
		 * delete it. */
		forget(st->vols, &st->n_vols, sw->side);
		why = *err;
		return ovk_error_set(err, why.errnum, "volume %s: the old volume is deleted and "
				     "the new disk is kept as volume %s in pool %s, but copying it "
				     "into place failed: %s (virsh vol-clone --pool %s %s %s puts "
				     "it there)", sw->vol, sw->side, st->pool, why.msg, st->pool,
				     sw->side, sw->vol);
	}
	if (ovk_upload_remember(&st->vols, &st->n_vols, sw->vol) < 0)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (ovk_lv_vol_delete(st->lv, st->pool, sw->side, &side_err) < 0)
		ovk_plan_note(notes, 1, "%s: replaced, but its side volume is left: %s", sw->vol,
			      side_err.msg);
	else
		forget(st->vols, &st->n_vols, sw->side);
	free(sw->side);
	sw->side = NULL;
	return 0;
}

/* Pools: every old volume deleted, then every copy made (the order
 * check_room() counts on).  A first delete that fails has changed
 * nothing, and is an ordinary failure. */
static int swap_volumes(struct ovk_store *st, struct ovk_plan *notes, struct ovk_error *err)
{
	struct fails f = { .n = 0 };
	struct ovk_error e;

	for (size_t k = 0; k < st->n_swaps; k++) {
		struct swap *sw = &st->swaps[k];

		if (ovk_lv_vol_delete(st->lv, st->pool, sw->vol, &e) < 0) {
			if (st->n_replaced == 0)
				return ovk_error_set(err, e.errnum, "%s", e.msg);
			forget(st->vols, &st->n_vols, sw->side);
			ovk_error_prefix(&e, "volume %s: the old volume is kept, and the new disk "
					 "is in volume %s of pool %s", sw->vol, sw->side, st->pool);
			fail_add(&f, &e);
			continue;
		}
		sw->old_gone = 1;
		st->n_replaced++;
	}
	for (size_t k = 0; k < st->n_swaps; k++)
		if (st->swaps[k].old_gone && clone_one(st, notes, &st->swaps[k], &e) < 0)
			fail_add(&f, &e);
	return fail_report(&f, err);
}

int ovk_store_commit(struct ovk_store *st, struct ovk_plan *notes,
		     volatile sig_atomic_t *cancel, struct ovk_error *err)
{
	int r;

	if (st->n_swaps == 0)
		return 0;
	if (commit_checks(st, cancel, err) < 0)
		return ovk_error_prefix(err, "--replace");
	r = st->dir ? rename_all(st, err) : swap_volumes(st, notes, err);
	if (r < 0)
		return ovk_error_prefix(err, "--replace");
	/* done: a second commit finds nothing to do */
	for (size_t k = 0; k < st->n_swaps; k++) {
		free(st->swaps[k].vol);
		free(st->swaps[k].side);
	}
	st->n_swaps = 0;
	return 0;
}

size_t ovk_store_replaced(const struct ovk_store *st)
{
	return st->n_replaced;
}

void ovk_store_rollback(struct ovk_store *st)
{
	struct ovk_error ignored;

	/* Past the first replacement the new disks are all that is left of
	 * either import: kept (storage.h). */
	if (!st || st->n_replaced)
		return;
	for (size_t i = 0; i < st->n_files; i++)
		unlink(st->files[i]);
	for (size_t i = 0; i < st->n_vols; i++)
		ovk_lv_vol_delete(st->lv, st->pool, st->vols[i], &ignored);
}
