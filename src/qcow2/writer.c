/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer.c: the qcow2 sink's data path.  Runs of whole clusters arrive in
 * ascending guest order (one thread; block_size is the cluster size, so
 * the engine has already cut, zero-checked and, with -c, compressed them);
 * each guest cluster becomes
 *   - nothing, when it is ZERO or UNALLOCATED (a new image without a
 *     backing file reads as zero);
 *   - a packed run of compressed bytes, when its encoding is there;
 *   - a whole host cluster otherwise, allocated right after the previous
 *     one, so consecutive data clusters become one large write.
 * An L2 table is written as soon as the guest cursor leaves its range, the
 * header at the very end (writer_meta.c has the rest; writer.h the layout).
 */
#include "qcow2/writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/zero.h"
#include "core/endian.h"
#include "core/format.h"

/* Small writes are gathered into one buffer of this size (core/outfile.h). */
#define QCOW2_STAGE_CAP ((size_t)4 << 20)

static struct qcow2_writer *writer_of(struct ovk_sink *sink)
{
	return sink->priv;
}

static int stage_write(void *opaque, uint64_t off, const void *p, size_t len,
		       struct ovk_error *err)
{
	return ovk_qcow2_w_pwrite(opaque, off, p, len, err);
}

/* Queue `len` bytes for host offset `off` (p is valid during this call). */
static int emit(struct qcow2_writer *w, uint64_t off, const uint8_t *p, size_t len,
		struct ovk_error *err)
{
	return ovk_stage_put(&w->stage, off, p, len, err);
}

/* Write the L2 table being filled, if it maps anything. */
static int l2_flush(struct qcow2_writer *w, struct ovk_error *err)
{
	uint64_t host, entries = ovk_qcow2_l2_entries(w->cluster_bits);

	if (w->l2_index == UINT64_MAX || !w->l2_used)
		return 0;
	if (ovk_qcow2_w_alloc(w, 1, &host, err) < 0)
		return -1;
	for (uint64_t i = 0; i < entries; i++)
		be64_store(w->table_buf + 8 * i, w->l2[i]);
	if (ovk_qcow2_w_write_sparse(w, host * w->cs, w->table_buf, w->cs, err) < 0)
		return -1;
	w->l1[w->l2_index] = host * w->cs;
	w->l2_used = 0;
	return 0;
}

/* The L2 slot of guest cluster `gc`, switching tables when it changes. */
static int l2_slot(struct qcow2_writer *w, uint64_t gc, uint64_t **slot, struct ovk_error *err)
{
	uint32_t l2_bits = w->cluster_bits - 3;
	uint64_t idx = gc >> l2_bits;

	if (idx != w->l2_index) {
		if (l2_flush(w, err) < 0)
			return -1;
		memset(w->l2, 0, ovk_qcow2_l2_entries(w->cluster_bits) * sizeof *w->l2);
		w->l2_index = idx;
	}
	*slot = &w->l2[gc & (((uint64_t)1 << l2_bits) - 1)];
	return 0;
}

/* qemu sees a disk in whole sectors, so the virtual size is rounded up to
 * one, and the tail of the last sector written as zeros (a block device
 * holds old bytes there). */
static const uint8_t zero_pad[QCOW2_SECTOR];

/* Store `n` whole guest clusters from guest cluster gc (`bytes` of data,
 * the last cluster short at the end of the disk). */
static int put_clusters(struct qcow2_writer *w, uint64_t gc, uint64_t n, const uint8_t *p,
			uint64_t bytes, struct ovk_error *err)
{
	uint64_t per_l2 = ovk_qcow2_l2_entries(w->cluster_bits);

	while (n) {
		uint64_t in_table = per_l2 - (gc & (per_l2 - 1));
		uint64_t k = n < in_table ? n : in_table, host, *slot;
		size_t len = (size_t)ovk_min_u64(bytes, k * w->cs);

		if (l2_slot(w, gc, &slot, err) < 0 || ovk_qcow2_w_alloc(w, k, &host, err) < 0)
			return -1;
		if (emit(w, host * w->cs, p, len, err) < 0)
			return -1;
		if (gc + k == w->clusters && (w->size & (QCOW2_SECTOR - 1)) &&
		    emit(w, host * w->cs + len, zero_pad, QCOW2_SECTOR - (w->size & (QCOW2_SECTOR - 1)),
			 err) < 0)
			return -1;
		for (uint64_t i = 0; i < k; i++)
			slot[i] = ((host + i) * w->cs) | QCOW2_OFLAG_COPIED;
		w->l2_used = 1;
		gc += k;
		n -= k;
		p += len;
		bytes -= len;
	}
	return 0;
}

static int put_compressed(struct qcow2_writer *w, uint64_t gc, const uint8_t *enc, size_t len,
			  struct ovk_error *err)
{
	uint32_t shift = ovk_qcow2_csize_shift(w->cluster_bits);
	uint64_t host, sectors, *slot;

	if (l2_slot(w, gc, &slot, err) < 0 || ovk_qcow2_w_place_compressed(w, len, &host, err) < 0)
		return -1;
	if (host >= (uint64_t)1 << shift)
		return ovk_error_set(err, EFBIG, "%s: compressed cluster at %llu: beyond the %u-bit offset field",
				     w->name, (unsigned long long)host, shift);
	sectors = ((host + len - 1) / QCOW2_SECTOR) - host / QCOW2_SECTOR;
	*slot = QCOW2_OFLAG_COMPRESSED | sectors << shift | host;
	w->l2_used = 1;
	return emit(w, host, enc, len, err);
}

static int qcow2_write(struct ovk_sink *sink, const struct ovk_block_run *run,
		       struct ovk_error *err)
{
	struct qcow2_writer *w = writer_of(sink);

	if (w->backing_name)
		return ovk_error_set(err, ENOTSUP, "%s: an overlay is created empty", w->name);
	if (ovk_sink_run_next(run, &w->pos, w->size, w->cs, w->name, "clusters", err) < 0)
		return -1;
	if (run->type != OVK_EXTENT_DATA)
		return 0;
	if (run->encoded && run->encoded_len)
		return put_compressed(w, run->offset / w->cs, run->encoded, run->encoded_len, err);
	return put_clusters(w, run->offset / w->cs, (run->length + w->cs - 1) / w->cs, run->data,
			    run->length, err);
}

static void writer_free(struct qcow2_writer *w)
{
	if (!w)
		return;
	ovk_qcow2_w_meta_free(w);
	ovk_outfile_close(&w->out);
	free(w->l1);
	free(w->l2);
	ovk_stage_free(&w->stage);
	free(w->backing_name);
	free(w->name);
	free(w);
}

static int write_header(struct qcow2_writer *w, struct ovk_error *err)
{
	uint8_t *buf = calloc(1, w->cs);
	size_t used;
	int ret = -1;

	if (!buf) {
		ovk_error_sys(err, ENOMEM, "%s: header buffer", w->name);
		goto out;
	}
	if (ovk_qcow2_header_encode(&w->hdr, w->backing_name, buf, w->cs, &used, err) < 0)
		goto out;
	ret = ovk_qcow2_w_pwrite(w, 0, buf, w->is_block_device ? w->cs : used, err);
out:
	free(buf);
	return ret;
}

static int qcow2_finish(struct ovk_sink *sink, struct ovk_error *err)
{
	struct qcow2_writer *w = writer_of(sink);
	int ret = -1;

	if (w->pos != w->size && !(w->backing_name && w->pos == 0)) {
		ovk_error_set(err, EIO, "%s: finished at byte %llu of %llu", w->name,
			      (unsigned long long)w->pos, (unsigned long long)w->size);
		goto out;
	}
	if (l2_flush(w, err) < 0 || ovk_stage_flush(&w->stage, err) < 0 ||
	    ovk_qcow2_w_meta_finish(w, err) < 0 || write_header(w, err) < 0)
		goto out;
	if (w->sync && !w->target && fsync(w->out.fd) < 0) {
		ovk_error_sys(err, errno, "%s: fsync", w->name);
		goto out;
	}
	ret = 0;
out:
	writer_free(w);
	free(sink);
	return ret;
}

static void qcow2_abort(struct ovk_sink *sink)
{
	writer_free(writer_of(sink));
	free(sink);
}

static const struct ovk_sink_ops qcow2_sink_ops = {
	.write = qcow2_write,
	.finish = qcow2_finish,
	.abort = qcow2_abort,
};

static const char *const sink_options[] = { "cluster_size", "compression_type", NULL };

/* -o cluster_size=N (suffixes allowed) and compression_type=zlib|zstd. */
static int parse_options(const struct ovk_sink_params *p, uint64_t *cs, unsigned *ctype,
			 struct ovk_error *err)
{
	char val[64];
	int r;

	*cs = QCOW2_DEFAULT_CLUSTER_SIZE;
	*ctype = QCOW2_COMPRESSION_ZLIB;
	if (ovk_options_check(p->options, sink_options, "qcow2", err) < 0)
		return -1;
	r = ovk_option_get(p->options, "cluster_size", val, sizeof val);
	if (r != 0 && (r < 0 || ovk_parse_size(val, cs) < 0 || !ovk_is_pow2(*cs) ||
		       *cs < ((uint64_t)1 << QCOW2_MIN_CLUSTER_BITS) ||
		       *cs > ((uint64_t)1 << QCOW2_MAX_CLUSTER_BITS)))
		return ovk_error_set(err, EINVAL,
				     "cluster_size '%s': not a power of two from 512 to 2M", val);
	r = ovk_option_get(p->options, "compression_type", val, sizeof val);
	if (r != 0) {
		if (r > 0 && strcmp(val, "zlib") == 0)
			*ctype = QCOW2_COMPRESSION_ZLIB;
		else if (r > 0 && strcmp(val, "zstd") == 0)
			*ctype = QCOW2_COMPRESSION_ZSTD;
		else
			return ovk_error_set(err, EINVAL, "compression_type '%s': not zlib or zstd",
					     r > 0 ? val : "(too long)");
	}
	return 0;
}

int ovk_qcow2_check_sink_options(const char *options, struct ovk_error *err)
{
	const struct ovk_sink_params p = { .fd = -1, .options = options };
	uint64_t cs;
	unsigned ctype;

	return parse_options(&p, &cs, &ctype, err);
}

static int writer_init(struct qcow2_writer *w, const struct ovk_sink_params *p, uint64_t cs,
		       unsigned ctype, struct ovk_error *err)
{
	w->target = p->target;
	w->is_block_device = p->target ? 0 : p->is_block_device;
	w->sync = p->sync;
	ovk_outfile_init(&w->out, p->target ? -1 : p->fd, p->sync && !p->target);
	w->size = p->size;
	w->cs = cs;
	w->clusters = (p->size + cs - 1) / cs;
	w->cluster_bits = (uint32_t)__builtin_ctzll(cs);
	w->l2_index = UINT64_MAX;
	w->l1_size = ovk_qcow2_l1_entries_for(p->size, w->cluster_bits, w->cluster_bits - 3);
	if (ovk_align_up_overflow(p->size, QCOW2_SECTOR, &w->hdr.size))
		return ovk_error_set(err, EFBIG, "virtual size %llu: too large",
				     (unsigned long long)p->size);
	if (p->size && w->l1_size == 0)
		return ovk_error_set(err, EFBIG,
				     "virtual size %llu: too large for %llu-byte clusters (L1 table above %llu MiB)",
				     (unsigned long long)p->size, (unsigned long long)cs,
				     (unsigned long long)(QCOW2_MAX_L1_BYTES >> 20));
	w->hdr.version = 3;
	w->hdr.cluster_bits = w->cluster_bits;
	w->hdr.refcount_order = QCOW2_REFCOUNT_ORDER;
	w->hdr.compression_type = (uint8_t)ctype;
	if (ctype != QCOW2_COMPRESSION_ZLIB)
		w->hdr.incompatible |= QCOW2_INCOMPAT_COMPRESSION;
	if (p->backing_format) {
		if (strlen(p->backing_format) > QCOW2_MAX_FORMAT_NAME)
			return ovk_error_set(err, EINVAL, "backing format '%s': too long",
					     p->backing_format);
		strcpy(w->hdr.backing_format, p->backing_format);
	}
	w->name = strdup(p->name ? p->name : "qcow2 output");
	w->l1 = calloc(w->l1_size ? w->l1_size : 1, sizeof *w->l1);
	w->l2 = calloc(ovk_qcow2_l2_entries(w->cluster_bits), sizeof *w->l2);
	if (p->backing_name)
		w->backing_name = strdup(p->backing_name);
	if (!w->name || !w->l1 || !w->l2 || (p->backing_name && !w->backing_name))
		return ovk_error_sys(err, ENOMEM, "qcow2 writer");
	if (ovk_stage_init(&w->stage, QCOW2_STAGE_CAP, stage_write, w, err) < 0)
		return -1;
	return ovk_qcow2_w_meta_init(w, err);
}

int ovk_qcow2_open_sink(const struct ovk_sink_params *p, struct ovk_sink **out,
			struct ovk_error *err)
{
	struct ovk_sink *sink = NULL;
	struct qcow2_writer *w = NULL;
	uint64_t cs;
	unsigned ctype;
	int ret = -1;

	if (parse_options(p, &cs, &ctype, err) < 0)
		goto out;
	sink = calloc(1, sizeof *sink);
	w = calloc(1, sizeof *w);
	if (!sink || !w) {
		ovk_error_sys(err, ENOMEM, "qcow2 writer");
		goto out;
	}
	if (writer_init(w, p, cs, ctype, err) < 0)
		goto out;
	if (p->backing_name) {
		/* cluster 0 must hold the name; check now, not after the copy */
		size_t used;
		uint8_t *probe = calloc(1, cs);

		if (!probe) {
			ovk_error_sys(err, ENOMEM, "qcow2 writer");
			goto out;
		}
		ret = ovk_qcow2_header_encode(&w->hdr, w->backing_name, probe, cs, &used, err);
		free(probe);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	sink->ops = &qcow2_sink_ops;
	sink->format = "qcow2";
	sink->size = p->size;
	sink->block_size = (uint32_t)cs;
	if (p->compress) {
		/* As qemu: a cluster is stored compressed only when that is
		 * smaller than the cluster. */
		sink->codec = ovk_qcow2_codec(ctype);
		sink->codec_level = ovk_codec_default_level(sink->codec);
		sink->encode_cap = cs - 1;
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
