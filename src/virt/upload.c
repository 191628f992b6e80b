/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upload.c: streaming into pool volumes (upload.h).  Both sinks follow the
 * engine's sink contract (core/extent.h): runs of whole blocks in
 * ascending order tiling [0, size), one writer thread.
 *
 * raw: DATA goes out as stream data, zeros as holes or written zeros.
 *
 * qcow2: the engine's own qcow2 sink writes to a byte target instead of a
 * file.  The qcow2 writer goes strictly forward except for a few writes
 * of at most a cluster each (qcow2/writer.h: the header, a refcount block
 * per host range, the block pinned for packed compressed bytes), so:
 *
 *   volume  |hdr|rb0|data ... L2|data ... L2|rb1|data ...|L1|reftable|
 *   stream  0 -------------------------------------------------------> end
 *            ^    ^                              ^
 *            |    |                              patches: kept in memory,
 *            zeros until patched                 one upload each at the end
 *
 *   - a write at or past the stream's frontier goes down the one upload
 *     stream, the gap before it as zeros (not holes: a sparse stream's hole
 *     is lseek + ftruncate on the daemon's side, which leaves the bytes
 *     libvirt's own qemu-img create put at the start of the volume);
 *   - a write below the frontier is a patch: kept, and once the stream is
 *     finished written with its own virStorageVolUpload(offset, length),
 *     which leaves the rest of the file alone (lv.h).
 * fwdtarget.c does the bookkeeping; this file the libvirt side.
 *
 * The volume is therefore never valid before the last patch (the header
 * is one), and a failure at any point leaves a volume the rollback
 * deletes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fwdtarget.h"
#include "upload.h"

/* Zero detection granularity: 64 KiB, the qcow2 cluster size, so a raw
 * upload sends the same holes a qcow2 conversion would skip. */
#define UPLOAD_BLOCK ((uint32_t)64 << 10)
/* The most bytes of qcow2 patches kept for after the stream.  At the
 * default 64 KiB clusters the writer patches the header (a few hundred
 * bytes) and one 64 KiB refcount block per 2 GiB of host data (a block
 * counts cs / 2 clusters), so 128 MiB covers 4 TiB of stored data; past
 * that the import fails, naming the way out. */
#define UPLOAD_PATCH_MAX ((size_t)128 << 20)

struct raw_sink {
	struct ovk_sink sink;
	struct ovk_lv_upload *up;
	int block;                  /* write zeros instead of holes */
};

static const uint8_t zeros[UPLOAD_BLOCK];

static int raw_write(struct ovk_sink *s, const struct ovk_block_run *run, struct ovk_error *err)
{
	struct raw_sink *rs = s->priv;
	uint64_t left = run->length;

	if (run->type == OVK_EXTENT_DATA)
		return ovk_lv_upload_send(rs->up, run->data, run->length, err);
	if (!rs->block)
		return ovk_lv_upload_hole(rs->up, run->length, err);
	while (left > 0) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (ovk_lv_upload_send(rs->up, zeros, n, err) < 0)
			return -1;
		left -= n;
	}
	return 0;
}

static int raw_finish(struct ovk_sink *s, struct ovk_error *err)
{
	struct raw_sink *rs = s->priv;
	int ret = ovk_lv_upload_finish(rs->up, err);

	free(rs);
	return ret;
}

static void raw_abort(struct ovk_sink *s)
{
	struct raw_sink *rs = s->priv;

	ovk_lv_upload_abort(rs->up);
	free(rs);
}

static const struct ovk_sink_ops raw_ops = {
	.write = raw_write,
	.finish = raw_finish,
	.abort = raw_abort,
};

int ovk_upload_remember(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!a)
		return -1;
	*arr = a;
	if (!(a[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

/* The volume a sink opener creates once the input is open and its size
 * known, remembered for the rollback. */
static int new_volume(const struct ovk_upload_dest *d, const char *format, uint64_t size,
		      uint64_t allocation, struct ovk_error *err)
{
	if (ovk_lv_vol_create(d->lv, d->pool, d->vol, format, size, allocation, err) < 0)
		return -1;
	if (ovk_upload_remember(d->vols, d->n_vols, d->vol) < 0)
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int open_raw_dest(void *opaque, uint64_t size, struct ovk_sink **out,
			 struct ovk_error *err)
{
	const struct ovk_upload_dest *d = opaque;
	struct raw_sink *rs;

	if (new_volume(d, "raw", size, d->block ? size : 0, err) < 0)
		return -1;
	if (!(rs = calloc(1, sizeof(*rs))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	rs->block = d->block;
	rs->sink = (struct ovk_sink){ .ops = &raw_ops, .format = "raw", .size = size,
				      .block_size = UPLOAD_BLOCK, .priv = rs };
	if (ovk_lv_upload_begin(d->lv, d->pool, d->vol, 0, size, !d->block, &rs->up, err) < 0) {
		free(rs);
		return -1;
	}
	*out = &rs->sink;
	return 0;
}

/* A blank raw volume needs no data: libvirt creates it sparse (file pools)
 * or allocated (block pools, where the device's old bytes are the price of
 * not writing them; a guest does not read a blank disk before it writes). */
int ovk_upload_raw(const struct ovk_upload_dest *d, const struct ovk_engine_job *job,
		   const struct ovk_convert_opts *copts, struct ovk_error *err)
{
	struct ovk_engine_job j = *job;

	if (!job->blob)
		return new_volume(d, "raw", job->blank_size, d->block ? job->blank_size : 0, err);
	j.open_sink = open_raw_dest;
	j.sink_opaque = (void *)d;
	return ovk_engine_convert(&j, copts, NULL, err);
}

/* ------------------------------------------------------------------ qcow2 */

struct qcow2_upload {
	struct ovk_sink sink;          /* what the engine sees: wraps `inner` */
	struct ovk_sink *inner;        /* the qcow2 sink, writing to fwd.target */
	struct ovk_fwd fwd;            /* the stream and the patches */
	struct ovk_lv *lv;
	const char *pool, *vol;
	struct ovk_lv_upload *up;      /* the stream, from byte 0 */
};

static void qcow2_upload_free(struct qcow2_upload *q)
{
	if (q->inner)
		q->inner->ops->abort(q->inner);
	ovk_lv_upload_abort(q->up);
	ovk_fwd_free(&q->fwd);
	free(q);
}

static int stream_send(void *opaque, const void *buf, size_t len, struct ovk_error *err)
{
	struct qcow2_upload *q = opaque;

	return ovk_lv_upload_send(q->up, buf, len, err);
}

static int qcow2_up_write(struct ovk_sink *s, const struct ovk_block_run *run,
			  struct ovk_error *err)
{
	struct qcow2_upload *q = s->priv;

	return q->inner->ops->write(q->inner, run, err);
}

/* Each patch with an upload of its own, in the order written (a later one
 * over an earlier one wins, as it would in a file). */
static int apply_patches(struct qcow2_upload *q, struct ovk_error *err)
{
	for (size_t i = 0; i < q->fwd.n_patches; i++) {
		const struct ovk_fwd_patch *pt = &q->fwd.patches[i];
		struct ovk_lv_upload *up;

		if (ovk_lv_upload_begin(q->lv, q->pool, q->vol, pt->off, pt->len, 0, &up, err) < 0)
			return -1;
		if (ovk_lv_upload_send(up, pt->data, pt->len, err) < 0) {
			ovk_lv_upload_abort(up);
			return -1;
		}
		if (ovk_lv_upload_finish(up, err) < 0)
			return -1;
	}
	return 0;
}

/* The qcow2 sink completes the image through the target (its tables and,
 * as patches, the header and the last refcount blocks), then the stream
 * ends and the patches go in. */
static int qcow2_up_finish(struct ovk_sink *s, struct ovk_error *err)
{
	struct qcow2_upload *q = s->priv;
	struct ovk_sink *inner = q->inner;
	int ret;

	q->inner = NULL;
	ret = inner->ops->finish(inner, err);
	if (ret == 0) {
		ret = ovk_lv_upload_finish(q->up, err);
		q->up = NULL;
	}
	if (ret == 0)
		ret = apply_patches(q, err);
	qcow2_upload_free(q);
	return ret;
}

static void qcow2_up_abort(struct ovk_sink *s)
{
	qcow2_upload_free(s->priv);
}

static const struct ovk_sink_ops qcow2_up_ops = {
	.write = qcow2_up_write,
	.finish = qcow2_up_finish,
	.abort = qcow2_up_abort,
};

struct qcow2_dest {
	const struct ovk_upload_dest *d;
	const struct ovk_convert_opts *copts;
};

/* Open the qcow2 sink first (its options are checked before anything is
 * created), then create the volume and start its stream. */
static int open_qcow2_dest(void *opaque, uint64_t size, struct ovk_sink **out,
			   struct ovk_error *err)
{
	const struct qcow2_dest *t = opaque;
	const struct ovk_upload_dest *d = t->d;
	const struct ovk_format *fmt = ovk_format_by_name("qcow2");
	struct ovk_sink_params params = {
		.fd = -1, .name = d->vol, .size = size,
		.compress = t->copts->compress, .options = t->copts->options,
	};
	struct qcow2_upload *q;
	int ret = -1;

	if (!fmt || !fmt->open_sink)
		return ovk_error_set(err, ENOTSUP, "no qcow2 writer");
	if (!(q = calloc(1, sizeof(*q))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	q->lv = d->lv;
	q->pool = d->pool;
	q->vol = d->vol;
	ovk_fwd_init(&q->fwd, d->vol, UPLOAD_PATCH_MAX, stream_send, q);
	q->fwd.patch_hint = "the qcow2 metadata of this much data needs --format raw or --dir";
	params.target = &q->fwd.target;
	if (fmt->open_sink(&params, &q->inner, err) < 0)
		goto out;
	if (new_volume(d, "qcow2", size, 0, err) < 0 ||
	    ovk_lv_upload_begin(d->lv, d->pool, d->vol, 0, 0, 0, &q->up, err) < 0)
		goto out;
	/* What the engine sees is the qcow2 sink's own block and codec. */
	q->sink = *q->inner;
	q->sink.ops = &qcow2_up_ops;
	q->sink.priv = q;
	*out = &q->sink;
	q = NULL;
	ret = 0;
out:
	if (q)
		qcow2_upload_free(q);
	return ret;
}

int ovk_upload_qcow2(const struct ovk_upload_dest *d, const struct ovk_engine_job *job,
		     const struct ovk_convert_opts *copts, struct ovk_error *err)
{
	struct qcow2_dest t = { d, copts };
	struct ovk_engine_job j = *job;

	j.open_sink = open_qcow2_dest;
	j.sink_opaque = &t;
	return ovk_engine_convert(&j, copts, NULL, err);
}
