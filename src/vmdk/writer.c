/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer.c: the VMDK sink's data path (writer.h has the layouts).  Runs of
 * whole grains arrive in ascending guest order from one thread: block_size
 * is the grain, so the engine has already cut them, found the all-zero
 * ones and, for streamOptimized, deflated each on its workers through the
 * codec door (core/codec.h).  Here each grain becomes
 *   - nothing, when it is ZERO or UNALLOCATED (a disk without a parent
 *     reads an unallocated grain as zeros);
 *   - streamOptimized: a grain marker holding its zlib stream;
 *   - monolithicSparse: a whole grain, right after the previous one, so
 *     consecutive data grains become one large write.
 * A grain table is put out as soon as the guest cursor leaves its range;
 * the directory, footer and header at the very end.
 */
#include "vmdk/writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/codec.h"
#include "core/endian.h"
#include "core/format.h"

/* Small writes are gathered into one buffer of this size (core/outfile.h). */
#define VMDK_STAGE_CAP ((size_t)4 << 20)
#define GRAIN_MARKER_BYTES 12u
/* Sectors of one grain table: 512 entries of 4 bytes. */
#define GT_SECTORS (OVK_VMDK_W_GTES * 4u / OVK_VMDK_SECTOR)

struct vmdk_writer {
	struct ovk_outfile out;
	int fd;
	uint64_t base;               /* the output's first byte in fd (fd_offset) */
	void (*tap)(void *opaque, const void *p, size_t len);
	void *tap_opaque;
	uint64_t tapped;             /* bytes handed to tap so far */
	char *name;
	int sync;
	struct ovk_vmdk_w_opts opts;
	struct ovk_vmdk_header hdr;  /* what the header will say (gd_offset final) */
	char *desc;                  /* the descriptor text */
	size_t desc_len;

	uint64_t size;               /* virtual bytes the runs tile */
	uint64_t grain;              /* bytes */
	uint64_t n_gt;               /* grain tables covering the capacity */
	uint32_t *gd;                /* n_gt entries: the sector of each GT, 0 none */
	uint64_t gd_sectors;

	/* guest side */
	uint64_t pos;                /* next guest byte write() expects */
	uint32_t gt[OVK_VMDK_W_GTES];   /* the table being filled */
	uint64_t gt_index;           /* its GD index, or UINT64_MAX */
	int gt_used;

	/* file side */
	uint64_t cur;                /* next free byte of the file */
	struct ovk_stage stage;      /* write coalescing */
	uint8_t table_buf[OVK_VMDK_W_GTES * 4];
};

static const uint8_t zero_sector[OVK_VMDK_SECTOR];

static int w_pwrite(struct vmdk_writer *w, uint64_t off, const void *p, size_t len,
		    struct ovk_error *err)
{
	uint64_t at;

	if (__builtin_add_overflow(w->base, off, &at))
		return ovk_error_set(err, EFBIG, "%s: write at byte %" PRIu64 ": past 2^64",
				     w->name, off);
	if (w->tap && off >= w->tapped) {
		/* The head (header, descriptor) went to the tap at open. */
		if (off != w->tapped)
			return ovk_error_set(err, EIO, "%s: write at byte %" PRIu64 " leaves a gap "
					     "after byte %" PRIu64 " in a tapped stream", w->name,
					     off, w->tapped);
		w->tap(w->tap_opaque, p, len);
		w->tapped += len;
	}
	if (ovk_outfile_pwrite(&w->out, p, len, at) < 0)
		return ovk_error_sys(err, errno, "%s: write at byte %" PRIu64, w->name, off);
	return 0;
}

static int stage_write(void *opaque, uint64_t off, const void *p, size_t len,
		       struct ovk_error *err)
{
	return w_pwrite(opaque, off, p, len, err);
}

/* Append len bytes at the file's end (p is valid during this call only). */
static int emit(struct vmdk_writer *w, const void *p, size_t len, struct ovk_error *err)
{
	if (ovk_stage_put(&w->stage, w->cur, p, len, err) < 0)
		return -1;
	w->cur += len;
	return 0;
}

/* Zeros up to the next sector boundary. */
static int pad_sector(struct vmdk_writer *w, struct ovk_error *err)
{
	size_t rem = (size_t)(w->cur & (OVK_VMDK_SECTOR - 1));

	return rem ? emit(w, zero_sector, OVK_VMDK_SECTOR - rem, err) : 0;
}

/* A metadata marker: `sectors` of payload follow, of `type`. */
static int emit_marker(struct vmdk_writer *w, uint64_t sectors, uint32_t type,
		       struct ovk_error *err)
{
	uint8_t m[OVK_VMDK_SECTOR] = { 0 };

	le64_store(m, sectors);
	le32_store(m + 12, type);
	return emit(w, m, sizeof m, err);
}

/* The sector the next byte goes to, as a GT or GD entry. */
static int cur_sector(const struct vmdk_writer *w, uint32_t *sector, struct ovk_error *err)
{
	uint64_t s = w->cur / OVK_VMDK_SECTOR;

	if (s >= OVK_VMDK_W_MAX_SECTORS)
		return ovk_error_set(err, EFBIG, "%s: the file reaches past 2 TiB (sector %" PRIu64
				     "), which a VMDK grain table cannot address", w->name, s);
	*sector = (uint32_t)s;
	return 0;
}

/* Table entries, little-endian, into buf (whole sectors, zero-padded). */
static void table_encode(const uint32_t *t, uint64_t n, uint8_t *buf, size_t buf_len)
{
	memset(buf, 0, buf_len);
	for (uint64_t i = 0; i < n; i++)
		le32_store(buf + 4 * i, t[i]);
}

/* ----------------------------------------------------------- grain tables */

/* monolithicSparse: where GT i and its redundant copy live. */
static uint64_t sparse_gt_sector(const struct vmdk_writer *w, uint64_t base, uint64_t i)
{
	return base + w->gd_sectors + i * GT_SECTORS;
}

static int gt_flush(struct vmdk_writer *w, struct ovk_error *err)
{
	uint32_t sector = 0;

	if (w->gt_index == UINT64_MAX || !w->gt_used)
		return 0;
	table_encode(w->gt, OVK_VMDK_W_GTES, w->table_buf, sizeof w->table_buf);
	w->gt_used = 0;
	if (!w->opts.stream) {
		/* Both copies go into their reserved places. */
		uint64_t gt = sparse_gt_sector(w, w->hdr.gd_offset, w->gt_index);
		uint64_t rgt = sparse_gt_sector(w, w->hdr.rgd_offset, w->gt_index);

		if (w_pwrite(w, gt * OVK_VMDK_SECTOR, w->table_buf, sizeof w->table_buf, err) < 0 ||
		    w_pwrite(w, rgt * OVK_VMDK_SECTOR, w->table_buf, sizeof w->table_buf, err) < 0)
			return -1;
		return 0;
	}
	if (emit_marker(w, GT_SECTORS, OVK_VMDK_MARKER_GT, err) < 0 ||
	    cur_sector(w, &sector, err) < 0)
		return -1;
	w->gd[w->gt_index] = sector;
	return emit(w, w->table_buf, sizeof w->table_buf, err);
}

/* The GT entry of grain g, switching tables when g leaves the current one. */
static int gt_slot(struct vmdk_writer *w, uint64_t g, uint32_t **slot, struct ovk_error *err)
{
	uint64_t idx = g / OVK_VMDK_W_GTES;

	if (idx != w->gt_index) {
		if (gt_flush(w, err) < 0)
			return -1;
		memset(w->gt, 0, sizeof w->gt);
		w->gt_index = idx;
	}
	*slot = &w->gt[g % OVK_VMDK_W_GTES];
	return 0;
}

/* ----------------------------------------------------------------- grains */

static int stream_grain(struct vmdk_writer *w, uint64_t g, const uint8_t *enc, size_t len,
			struct ovk_error *err)
{
	uint8_t m[GRAIN_MARKER_BYTES];
	uint32_t *slot, sector = 0;

	if (gt_slot(w, g, &slot, err) < 0 || cur_sector(w, &sector, err) < 0)
		return -1;
	le64_store(m, g * OVK_VMDK_W_GRAIN_SECTORS);
	le32_store(m + 8, (uint32_t)len);
	if (emit(w, m, sizeof m, err) < 0 || emit(w, enc, len, err) < 0 || pad_sector(w, err) < 0)
		return -1;
	*slot = sector;
	w->gt_used = 1;
	return 0;
}

/* n whole grains from grain g: `bytes` of data (the last grain short at
 * the disk's end, which leaves a hole that ends up zeros). */
static int sparse_grains(struct vmdk_writer *w, uint64_t g, uint64_t n, const uint8_t *p,
			 uint64_t bytes, struct ovk_error *err)
{
	while (n) {
		uint64_t in_table = OVK_VMDK_W_GTES - g % OVK_VMDK_W_GTES;
		uint64_t k = n < in_table ? n : in_table;
		size_t len = (size_t)ovk_min_u64(bytes, k * w->grain);
		uint32_t *slot, sector = 0;

		if (gt_slot(w, g, &slot, err) < 0 || cur_sector(w, &sector, err) < 0)
			return -1;
		if ((uint64_t)sector + k * OVK_VMDK_W_GRAIN_SECTORS > OVK_VMDK_W_MAX_SECTORS)
			return ovk_error_set(err, EFBIG, "%s: the file reaches past 2 TiB, which a "
					     "VMDK grain table cannot address", w->name);
		if (emit(w, p, len, err) < 0)
			return -1;
		/* the disk's last grain may be short: the rest is a hole */
		w->cur += k * w->grain - len;
		for (uint64_t i = 0; i < k; i++)
			slot[i] = sector + (uint32_t)(i * OVK_VMDK_W_GRAIN_SECTORS);
		w->gt_used = 1;
		g += k;
		n -= k;
		p += len;
		bytes -= len;
	}
	return 0;
}

static int vmdk_write(struct ovk_sink *sink, const struct ovk_block_run *run,
		      struct ovk_error *err)
{
	struct vmdk_writer *w = sink->priv;

	if (ovk_sink_run_next(run, &w->pos, w->size, w->grain, w->name, "grains", err) < 0)
		return -1;
	if (run->type != OVK_EXTENT_DATA)
		return 0;
	if (!w->opts.stream)
		return sparse_grains(w, run->offset / w->grain, (run->length + w->grain - 1) / w->grain,
				     run->data, run->length, err);
	if (!run->encoded || run->encoded_len == 0 || run->length > w->grain)
		return ovk_error_set(err, EIO, "%s: grain at byte %" PRIu64 " came without its "
				     "deflate stream", w->name, run->offset);
	return stream_grain(w, run->offset / w->grain, run->encoded, run->encoded_len, err);
}

/* ----------------------------------------------------------------- finish */

/* The header and the descriptor after it, at the start of the file. */
static int write_head(struct vmdk_writer *w, const struct ovk_vmdk_header *h,
		      struct ovk_error *err)
{
	size_t len = (size_t)((1 + h->desc_size) * OVK_VMDK_SECTOR);
	uint8_t *buf = calloc(1, len);
	int ret = -1;

	if (!buf) {
		ovk_error_set(err, ENOMEM, "%s: out of memory", w->name);
		goto out;
	}
	ovk_vmdk_header_encode(h, buf);
	memcpy(buf + OVK_VMDK_SECTOR, w->desc, w->desc_len);
	ret = w_pwrite(w, 0, buf, len, err);
out:
	free(buf);
	return ret;
}

static int finish_stream(struct vmdk_writer *w, struct ovk_error *err)
{
	size_t gd_bytes = (size_t)(w->gd_sectors * OVK_VMDK_SECTOR);
	struct ovk_vmdk_header footer = w->hdr;
	uint8_t *buf = malloc(gd_bytes > OVK_VMDK_SECTOR ? gd_bytes : OVK_VMDK_SECTOR);
	uint32_t sector = 0;
	int ret = -1;

	if (!buf) {
		ovk_error_set(err, ENOMEM, "%s: out of memory", w->name);
		goto out;
	}
	if (emit_marker(w, w->gd_sectors, OVK_VMDK_MARKER_GD, err) < 0 ||
	    cur_sector(w, &sector, err) < 0)
		goto out;
	table_encode(w->gd, w->n_gt, buf, gd_bytes);
	if (emit(w, buf, gd_bytes, err) < 0)
		goto out;
	footer.gd_offset = sector;
	ovk_vmdk_header_encode(&footer, buf);
	if (emit_marker(w, 1, OVK_VMDK_MARKER_FOOTER, err) < 0 ||
	    emit(w, buf, OVK_VMDK_SECTOR, err) < 0 ||
	    emit_marker(w, 0, OVK_VMDK_MARKER_EOS, err) < 0 || ovk_stage_flush(&w->stage, err) < 0)
		goto out;
	ret = write_head(w, &w->hdr, err);
out:
	free(buf);
	return ret;
}

static int finish_sparse(struct vmdk_writer *w, struct ovk_error *err)
{
	size_t gd_bytes = (size_t)(w->gd_sectors * OVK_VMDK_SECTOR);
	uint8_t *buf = malloc(gd_bytes);
	int ret = -1;

	if (!buf) {
		ovk_error_set(err, ENOMEM, "%s: out of memory", w->name);
		goto out;
	}
	if (ovk_stage_flush(&w->stage, err) < 0)
		goto out;
	/* Every table is preallocated: the directories point at all of them. */
	for (uint64_t i = 0; i < w->n_gt; i++)
		w->gd[i] = (uint32_t)sparse_gt_sector(w, w->hdr.rgd_offset, i);
	table_encode(w->gd, w->n_gt, buf, gd_bytes);
	if (w_pwrite(w, w->hdr.rgd_offset * OVK_VMDK_SECTOR, buf, gd_bytes, err) < 0)
		goto out;
	for (uint64_t i = 0; i < w->n_gt; i++)
		w->gd[i] = (uint32_t)sparse_gt_sector(w, w->hdr.gd_offset, i);
	table_encode(w->gd, w->n_gt, buf, gd_bytes);
	if (w_pwrite(w, w->hdr.gd_offset * OVK_VMDK_SECTOR, buf, gd_bytes, err) < 0)
		goto out;
	if (ftruncate(w->fd, (off_t)(w->base + ovk_max_u64(w->cur,
							     w->hdr.overhead * OVK_VMDK_SECTOR))) < 0) {
		ovk_error_sys(err, errno, "%s: cannot set the size", w->name);
		goto out;
	}
	ret = write_head(w, &w->hdr, err);
out:
	free(buf);
	return ret;
}

static void writer_free(struct vmdk_writer *w)
{
	if (!w)
		return;
	ovk_outfile_close(&w->out);
	free(w->gd);
	ovk_stage_free(&w->stage);
	free(w->desc);
	free(w->name);
	free(w);
}

static int vmdk_finish(struct ovk_sink *sink, struct ovk_error *err)
{
	struct vmdk_writer *w = sink->priv;
	int ret = -1;

	if (w->pos != w->size) {
		ovk_error_set(err, EIO, "%s: finished at byte %" PRIu64 " of %" PRIu64, w->name,
			      w->pos, w->size);
		goto out;
	}
	if (gt_flush(w, err) < 0 ||
	    (w->opts.stream ? finish_stream(w, err) : finish_sparse(w, err)) < 0)
		goto out;
	if (w->sync && fsync(w->fd) < 0) {
		ovk_error_sys(err, errno, "%s: fsync", w->name);
		goto out;
	}
	ret = 0;
out:
	writer_free(w);
	free(sink);
	return ret;
}

static void vmdk_abort(struct ovk_sink *sink)
{
	writer_free(sink->priv);
	free(sink);
}

static const struct ovk_sink_ops vmdk_sink_ops = {
	.write = vmdk_write,
	.finish = vmdk_finish,
	.abort = vmdk_abort,
};

/* ------------------------------------------------------------------- open */

/* The header fields, and where everything goes, for a disk of
 * `capacity` sectors. */
static int layout(struct vmdk_writer *w, uint64_t capacity, struct ovk_error *err)
{
	struct ovk_vmdk_header *h = &w->hdr;
	uint64_t grains = (capacity + OVK_VMDK_W_GRAIN_SECTORS - 1) / OVK_VMDK_W_GRAIN_SECTORS;
	uint64_t tables;

	w->grain = (uint64_t)OVK_VMDK_W_GRAIN_SECTORS * OVK_VMDK_SECTOR;
	w->n_gt = (grains + OVK_VMDK_W_GTES - 1) / OVK_VMDK_W_GTES;
	w->gd_sectors = (w->n_gt * 4 + OVK_VMDK_SECTOR - 1) / OVK_VMDK_SECTOR;
	if (w->gd_sectors == 0)
		w->gd_sectors = 1;
	w->gt_index = UINT64_MAX;
	h->magic = OVK_VMDK_MAGIC_KDMV;
	h->capacity = capacity;
	h->grain_size = OVK_VMDK_W_GRAIN_SECTORS;
	h->desc_offset = 1;
	h->gtes = OVK_VMDK_W_GTES;
	if (w->opts.stream) {
		h->version = 3;
		h->flags = OVK_VMDK_FLAG_NL_TEST | OVK_VMDK_FLAG_COMPRESSED | OVK_VMDK_FLAG_MARKERS;
		h->compress = OVK_VMDK_COMPRESS_DEFLATE;
		h->desc_size = (w->desc_len + OVK_VMDK_SECTOR) / OVK_VMDK_SECTOR;   /* room for a NUL */
		h->gd_offset = OVK_VMDK_GD_AT_END;
		h->overhead = OVK_VMDK_W_STREAM_OVERHEAD;
		if (1 + h->desc_size > h->overhead)
			return ovk_error_set(err, EINVAL, "%s: descriptor of %zu bytes: too long",
					     w->name, w->desc_len);
	} else {
		h->version = 1;
		h->flags = OVK_VMDK_FLAG_NL_TEST | OVK_VMDK_FLAG_RGD;
		h->desc_size = OVK_VMDK_W_SPARSE_DESC_SECTORS;
		h->rgd_offset = h->desc_offset + h->desc_size;
		tables = w->gd_sectors + w->n_gt * GT_SECTORS;
		h->gd_offset = h->rgd_offset + tables;
		h->overhead = (h->gd_offset + tables + OVK_VMDK_W_GRAIN_SECTORS - 1) /
			      OVK_VMDK_W_GRAIN_SECTORS * OVK_VMDK_W_GRAIN_SECTORS;
		if (w->desc_len >= (size_t)h->desc_size * OVK_VMDK_SECTOR)
			return ovk_error_set(err, EINVAL, "%s: descriptor of %zu bytes: too long",
					     w->name, w->desc_len);
	}
	w->cur = h->overhead * OVK_VMDK_SECTOR;
	return 0;
}

/* A tapped stream: the bytes before the grains (the header as finish
 * writes it, GD_AT_END, the descriptor, zeros to overHead) are fixed at
 * open, so the tap gets them now and every later write in file order. */
static int tap_head(struct vmdk_writer *w, const struct ovk_sink_params *p,
		    struct ovk_error *err)
{
	size_t len = (size_t)(w->hdr.overhead * OVK_VMDK_SECTOR);
	uint8_t *buf;

	if (!w->opts.stream)
		return ovk_error_set(err, ENOTSUP, "%s: only a streamOptimized output is tapped",
				     w->name);
	if (!(buf = calloc(1, len)))
		return ovk_error_set(err, ENOMEM, "%s: out of memory", w->name);
	ovk_vmdk_header_encode(&w->hdr, buf);
	memcpy(buf + OVK_VMDK_SECTOR, w->desc, w->desc_len);
	w->tap = p->tap;
	w->tap_opaque = p->tap_opaque;
	w->tap(w->tap_opaque, buf, len);
	w->tapped = len;
	free(buf);
	return 0;
}

static int writer_init(struct vmdk_writer *w, const struct ovk_sink_params *p,
		       struct ovk_error *err)
{
	uint64_t capacity;

	if (ovk_vmdk_w_parse_options(p->options, &w->opts, err) < 0)
		return -1;
	if (!(w->name = strdup(p->name ? p->name : "vmdk output")))
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (p->target || p->fd < 0 || p->is_block_device)
		return ovk_error_set(err, ENOTSUP, "%s: a VMDK is written into a regular file",
				     w->name);
	if (p->backing_name)
		return ovk_error_set(err, ENOTSUP, "%s: VMDK overlays are not written", w->name);
	if (p->compress && !w->opts.stream)
		return ovk_error_set(err, EINVAL, "%s: -c: monolithicSparse is not compressed "
				     "(subformat=streamOptimized is)", w->name);
	capacity = p->size / OVK_VMDK_SECTOR + (p->size % OVK_VMDK_SECTOR != 0);
	if (capacity > OVK_VMDK_W_MAX_SECTORS)
		return ovk_error_set(err, EFBIG, "%s: virtual size %" PRIu64 ": a VMDK sparse extent "
				     "holds at most 2 TiB", w->name, p->size);
	w->fd = p->fd;
	w->base = p->fd_offset;
	w->sync = p->sync;
	w->size = p->size;
	ovk_outfile_init(&w->out, p->fd, p->sync);
	if (ovk_vmdk_w_descriptor(&w->opts, capacity, w->name, &w->desc, &w->desc_len, err) < 0 ||
	    layout(w, capacity, err) < 0)
		return -1;
	if (!(w->gd = calloc(w->n_gt ? w->n_gt : 1, sizeof *w->gd)))
		return ovk_error_set(err, ENOMEM, "%s: out of memory", w->name);
	if (p->tap && tap_head(w, p, err) < 0)
		return -1;
	return ovk_stage_init(&w->stage, VMDK_STAGE_CAP, stage_write, w, err);
}

int ovk_vmdk_check_sink_options(const char *options, struct ovk_error *err)
{
	struct ovk_vmdk_w_opts o;

	return ovk_vmdk_w_parse_options(options, &o, err);
}

int ovk_vmdk_open_sink(const struct ovk_sink_params *p, struct ovk_sink **out,
		       struct ovk_error *err)
{
	struct ovk_sink *sink = calloc(1, sizeof *sink);
	struct vmdk_writer *w = calloc(1, sizeof *w);
	int ret = -1;

	if (!sink || !w) {
		ovk_error_set(err, ENOMEM, "vmdk writer: out of memory");
		goto out;
	}
	w->out.fd = w->out.dfd = -1;
	if (writer_init(w, p, err) < 0)
		goto out;
	sink->ops = &vmdk_sink_ops;
	sink->format = "vmdk";
	sink->size = p->size;
	sink->block_size = (uint32_t)w->grain;
	if (w->opts.stream) {
		/* Room for any grain's zlib stream (libdeflate's bound is a few
		 * bytes over the grain) while marker and stream stay within two
		 * grains, which is what qemu and our reader read at most. */
		sink->codec = OVK_CODEC_ZLIB;
		sink->codec_level = ovk_codec_default_level(OVK_CODEC_ZLIB);
		sink->encode_cap = (size_t)(2 * w->grain - GRAIN_MARKER_BYTES);
	}
	sink->priv = w;
	*out = sink;
	sink = NULL;
	w = NULL;
	ret = 0;
out:
	writer_free(w);
	free(sink);
	return ret;
}
