/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * raw.c: the raw format, a disk image that is its own guest view.
 *
 * Source: the file's bytes stored as they are, with holes found by
 * SEEK_DATA/SEEK_HOLE, yielded as stored DATA extents and UNALLOCATED
 * holes.  A file system without hole support simply reports one DATA
 * extent.  The engine reads the bytes itself, from the mapping or, for a
 * file too large to map (see blob.h), with pread.
 *
 * Sink: DATA is written (around the page cache when the output is synced:
 * core/outfile.h); ZERO and UNALLOCATED are never written, so a regular
 * output stays sparse, and it is extended to the full size at the end,
 * rounded up to a whole sector: qemu sees a disk in sectors, so qemu-img
 * (and our qcow2 sink) make a 1000-byte input a 1024-byte disk.  A block
 * device has old contents, so there zero ranges are cleared with
 * BLKZEROOUT (falling back to writing zeros when the ioctl is missing).
 * A stream (stdout, a pipe) cannot seek: there every run is written in
 * order, holes as zeros, and the sector tail as zeros at the end.
 */
#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "core/format.h"
#include "core/outfile.h"

/* Zero detection granularity: qemu-img's default -S 4k. */
#define RAW_SINK_BLOCK 4096
/* The unit qemu counts a disk's size in (BDRV_SECTOR_SIZE). */
#define RAW_SECTOR 512

struct raw_source {
	struct ovk_blob *blob;
	uint64_t pos;            /* next guest byte to describe */
};

static int raw_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)head;
	(void)len;
	(void)size;
	return OVK_PROBE_FALLBACK;
}

static int raw_next(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err)
{
	struct raw_source *rs = src->priv;
	uint64_t data, hole;

	(void)err;
	if (rs->pos >= src->size)
		return 0;
	ovk_blob_find_data(rs->blob, rs->pos, &data, &hole);
	if (data > rs->pos) {
		ovk_extent_hole(ext, rs->pos, data - rs->pos, OVK_EXTENT_UNALLOCATED);
	} else {
		if (hole <= rs->pos)
			hole = src->size;
		ovk_extent_stored(ext, rs->pos, hole - rs->pos, rs->blob, rs->pos);
	}
	rs->pos += ext->length;
	return 1;
}

static int raw_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		     struct ovk_error *err)
{
	struct raw_source *rs = src->priv;

	return ovk_blob_pread(rs->blob, off, buf, len, err);
}

static void raw_close(struct ovk_source *src)
{
	struct raw_source *rs = src->priv;

	ovk_blob_free(rs->blob);
	free(rs);
	free(src);
}

static const struct ovk_source_ops raw_source_ops = {
	.next = raw_next,
	.pread = raw_pread,
	.close = raw_close,
};

static int raw_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			   struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src;
	struct raw_source *rs;

	(void)ctx;
	if (ovk_blob_is_stream(blob))
		return ovk_error_set(err, ENOTSUP,
				     "%s: raw images cannot be read from a stream; extract it first",
				     ovk_blob_name(blob));
	src = calloc(1, sizeof *src);
	rs = calloc(1, sizeof *rs);
	if (!src || !rs) {
		free(src);
		free(rs);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	rs->blob = blob;
	src->ops = &raw_source_ops;
	src->format = "raw";
	src->size = ovk_blob_size(blob);
	src->priv = rs;
	*out = src;
	return 0;
}

/* ------------------------------------------------------------------ sink */

struct raw_sink {
	int fd;
	char *name;
	int is_block_device;
	int stream;              /* write() in order, holes as zeros */
	uint64_t pos;            /* stream: the next byte expected */
	int sync;
	uint64_t end;            /* the size rounded up to a sector */
	struct ovk_outfile out;
};

static int write_all(int fd, const uint8_t *p, uint64_t len, uint64_t off, const char *name,
		     struct ovk_error *err)
{
	if (ovk_pwrite_all(fd, p, len, off) < 0)
		return ovk_error_sys(err, errno, "%s: write at offset %llu", name,
				     (unsigned long long)off);
	return 0;
}

static int zero_block_device(struct raw_sink *rs, uint64_t off, uint64_t len,
			     struct ovk_error *err)
{
	static const uint8_t zeros[65536];
	uint64_t range[2] = { off, len };

	if (ioctl(rs->fd, BLKZEROOUT, range) == 0)
		return 0;
	while (len > 0) {
		uint64_t n = ovk_min_u64(len, sizeof zeros);

		if (write_all(rs->fd, zeros, n, off, rs->name, err) < 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/* write() all of p[0, len) to a stream, or zeros when p is NULL. */
static int stream_out(struct raw_sink *rs, const uint8_t *p, uint64_t len,
		      struct ovk_error *err)
{
	static const uint8_t zeros[65536];

	while (len > 0) {
		size_t want = (size_t)ovk_min_u64(len, p ? (uint64_t)1 << 30 : sizeof zeros);
		ssize_t n = write(rs->fd, p ? p : zeros, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ovk_error_sys(err, n < 0 ? errno : EIO, "%s: write at offset %llu",
					     rs->name, (unsigned long long)rs->pos);
		rs->pos += (uint64_t)n;
		len -= (uint64_t)n;
		if (p)
			p += n;
	}
	return 0;
}

static int stream_write(struct raw_sink *rs, const struct ovk_block_run *run,
			struct ovk_error *err)
{
	if (run->offset != rs->pos)
		return ovk_error_set(err, EINVAL, "%s: a write at offset %llu where a stream is "
				     "at %llu", rs->name, (unsigned long long)run->offset,
				     (unsigned long long)rs->pos);
	return stream_out(rs, run->type == OVK_EXTENT_DATA ? run->data : NULL, run->length, err);
}

static int raw_write(struct ovk_sink *sink, const struct ovk_block_run *run,
		     struct ovk_error *err)
{
	struct raw_sink *rs = sink->priv;

	if (rs->stream)
		return stream_write(rs, run, err);
	if (run->type == OVK_EXTENT_DATA) {
		if (ovk_outfile_pwrite(&rs->out, run->data, run->length, run->offset) < 0)
			return ovk_error_sys(err, errno, "%s: write at offset %llu", rs->name,
					     (unsigned long long)run->offset);
		return 0;
	}
	if (rs->is_block_device)
		return zero_block_device(rs, run->offset, run->length, err);
	return 0;
}

static void raw_sink_free(struct ovk_sink *sink)
{
	struct raw_sink *rs = sink->priv;

	ovk_outfile_close(&rs->out);
	free(rs->name);
	free(rs);
	free(sink);
}

static int raw_finish(struct ovk_sink *sink, struct ovk_error *err)
{
	struct raw_sink *rs = sink->priv;
	int ret = -1;

	if (rs->stream) {
		if (rs->pos != sink->size)
			ovk_error_set(err, EIO, "%s: %llu of %llu bytes written", rs->name,
				      (unsigned long long)rs->pos, (unsigned long long)sink->size);
		else
			ret = stream_out(rs, NULL, rs->end - rs->pos, err);
		goto out;
	}
	if (!rs->is_block_device && ftruncate(rs->fd, (off_t)rs->end) < 0) {
		ovk_error_sys(err, errno, "%s: extend to %llu bytes", rs->name,
			      (unsigned long long)rs->end);
		goto out;
	}
	if (rs->is_block_device && rs->end > sink->size &&
	    zero_block_device(rs, sink->size, rs->end - sink->size, err) < 0)
		goto out;
	if (rs->sync && fdatasync(rs->fd) < 0) {
		ovk_error_sys(err, errno, "%s: sync", rs->name);
		goto out;
	}
	ret = 0;
out:
	raw_sink_free(sink);
	return ret;
}

static void raw_abort(struct ovk_sink *sink)
{
	raw_sink_free(sink);
}

static const struct ovk_sink_ops raw_sink_ops = {
	.write = raw_write,
	.finish = raw_finish,
	.abort = raw_abort,
};

static int raw_open_sink(const struct ovk_sink_params *p, struct ovk_sink **out,
			 struct ovk_error *err)
{
	struct ovk_sink *sink = calloc(1, sizeof *sink);
	struct raw_sink *rs = calloc(1, sizeof *rs);
	int ret = -1;

	if (!sink || !rs || !(rs->name = strdup(p->name))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_align_up_overflow(p->size, RAW_SECTOR, &rs->end) || rs->end > INT64_MAX) {
		ovk_error_set(err, EFBIG, "%s: %llu bytes: too large", p->name,
			      (unsigned long long)p->size);
		goto out;
	}
	rs->fd = p->fd;
	rs->is_block_device = p->is_block_device;
	rs->stream = p->stream;
	rs->sync = p->sync && !p->stream;
	ovk_outfile_init(&rs->out, p->fd, rs->sync);
	sink->ops = &raw_sink_ops;
	sink->format = "raw";
	sink->size = p->size;
	sink->block_size = RAW_SINK_BLOCK;
	sink->priv = rs;
	*out = sink;
	sink = NULL;
	rs = NULL;
	ret = 0;
out:
	if (rs)
		free(rs->name);
	free(rs);
	free(sink);
	return ret;
}

const struct ovk_format ovk_format_raw = {
	.name = "raw",
	.probe = raw_probe,
	.open_source = raw_open_source,
	.open_sink = raw_open_sink,
	.supports_stream = 1,
};
