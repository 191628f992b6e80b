/*
 * upload.c: streaming into pool volumes (upload.h).  The raw sink follows
 * the engine's sink contract (core/extent.h): extents in ascending order
 * tiling [0, size), DATA direct, one writer thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "upload.h"

/* Zero detection granularity: 64 KiB, the qcow2 cluster size, so a raw
 * upload sends the same holes a qcow2 conversion would skip. */
#define UPLOAD_BLOCK ((uint32_t)64 << 10)
/* Read size for file uploads: 4 MiB, large enough that the RPC overhead
 * per message (libvirt splits into 256 KiB packets) does not matter. */
#define UPLOAD_BUF ((size_t)4 << 20)

struct raw_sink {
	struct ovk_sink sink;
	struct ovk_lv_upload *up;
	int block;                  /* write zeros instead of holes */
};

static const uint8_t zeros[UPLOAD_BLOCK];

static int raw_write(struct ovk_sink *s, const struct ovk_extent *ext, const uint8_t *enc,
		     size_t enc_len, struct ovk_error *err)
{
	struct raw_sink *rs = s->priv;
	uint64_t left = ext->length;

	(void)enc;
	(void)enc_len;
	if (ext->type == OVK_EXTENT_DATA)
		return ovk_lv_upload_send(rs->up, ext->data, ext->length, err);
	if (!rs->block)
		return ovk_lv_upload_hole(rs->up, ext->length, err);
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

/* What the engine's sink opener needs to create and open the volume once
 * the input's size is known. */
struct raw_target {
	struct ovk_lv *lv;
	const char *pool, *vol;
	int block;
	char ***vols;
	size_t *n_vols;
};

static int open_raw_target(void *opaque, uint64_t size, struct ovk_sink **out,
			   struct ovk_error *err)
{
	struct raw_target *t = opaque;
	struct raw_sink *rs;

	if (ovk_lv_vol_create(t->lv, t->pool, t->vol, "raw", size, t->block ? size : 0, err) < 0)
		return -1;
	if (ovk_upload_remember(t->vols, t->n_vols, t->vol) < 0)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (!(rs = calloc(1, sizeof(*rs))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	rs->block = t->block;
	rs->sink = (struct ovk_sink){ .ops = &raw_ops, .format = "raw", .size = size,
				      .block_size = UPLOAD_BLOCK, .priv = rs };
	if (ovk_lv_upload_begin(t->lv, t->pool, t->vol, size, !t->block, &rs->up, err) < 0) {
		free(rs);
		return -1;
	}
	*out = &rs->sink;
	return 0;
}

int ovk_upload_raw(struct ovk_lv *lv, const char *pool, const char *vol, int block,
		   struct ovk_blob *blob, uint64_t capacity, const struct ovk_convert_opts *copts,
		   char ***vols, size_t *n_vols, struct ovk_error *err)
{
	struct raw_target t = { lv, pool, vol, block, vols, n_vols };

	if (!blob) {
		if (ovk_lv_vol_create(lv, pool, vol, "raw", capacity, block ? capacity : 0,
				      err) < 0)
			return -1;
		if (ovk_upload_remember(vols, n_vols, vol) < 0)
			return ovk_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	return ovk_convert_blob_to(blob, open_raw_target, &t, copts, err);
}

int ovk_upload_file(struct ovk_lv *lv, const char *pool, const char *vol, const char *path,
		    volatile sig_atomic_t *cancel, struct ovk_error *err)
{
	struct ovk_lv_upload *up = NULL;
	uint8_t *buf = NULL;
	off_t size;
	uint64_t done = 0;
	int fd = -1, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (size = lseek(fd, 0, SEEK_END)) < 0) {
		ovk_error_sys(err, errno, "%s", path);
		goto out;
	}
	if (!(buf = malloc(UPLOAD_BUF))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_lv_upload_begin(lv, pool, vol, (uint64_t)size, 0, &up, err) < 0)
		goto out;
	while (done < (uint64_t)size) {
		size_t want = (uint64_t)size - done < UPLOAD_BUF ? (size_t)((uint64_t)size - done)
								 : UPLOAD_BUF;
		ssize_t n = pread(fd, buf, want, (off_t)done);

		if (cancel && *cancel) {
			ovk_error_set(err, ECANCELED, "%s: interrupted", path);
			goto out;
		}
		if (n <= 0) {
			ovk_error_sys(err, n < 0 ? errno : EIO, "%s: read", path);
			goto out;
		}
		if (ovk_lv_upload_send(up, buf, (size_t)n, err) < 0)
			goto out;
		done += (uint64_t)n;
	}
	ret = ovk_lv_upload_finish(up, err);
	up = NULL;
out:
	if (up)
		ovk_lv_upload_abort(up);
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}
