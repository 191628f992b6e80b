/*
 * compress.c: the compressed-cluster codecs of qcow2, behind the few calls
 * in qcow2.h (STYLE.md #5), so that zlib, libdeflate and libzstd appear in
 * this file only.
 *
 *   zlib (compression_type 0): raw deflate, no zlib header.  qemu inflates
 *     with inflateInit2(-12), a 4 KiB window, so we must deflate with
 *     windowBits -12 too: libdeflate cannot limit its window and is used
 *     only to inflate (any raw deflate stream with a 4 KiB window is valid
 *     for a 32 KiB-window inflater).
 *   zstd (compression_type 1): one zstd frame per cluster.
 *
 * A stored cluster is always a whole cluster: decompression must produce
 * exactly cluster_size bytes, and the input may be followed by bytes of the
 * next compressed cluster (the L2 entry counts whole sectors).
 *
 * Contexts are costly to set up (a deflate state is ~270 KiB), so each pool
 * keeps the idle ones on a mutex-protected stack: a worker takes one for a
 * call and puts it back.  No thread-local storage, so nothing outlives the
 * pool that owns it.
 */
#include "qcow2/qcow2.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* qemu's choices: default zlib level with memLevel 9, zstd's default. */
#define QCOW2_ZLIB_LEVEL Z_DEFAULT_COMPRESSION
#define QCOW2_ZLIB_WINDOW_BITS (-12)
#define QCOW2_ZLIB_MEM_LEVEL 9
#define QCOW2_ZSTD_LEVEL 3

struct codec {
	struct codec *next;
	z_stream def;
	int def_ready;
	z_stream inf;
	int inf_ready;
	struct libdeflate_decompressor *ldd;
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
};

struct ovk_qcow2_codecs {
	unsigned type;
	pthread_mutex_t lock;
	struct codec *idle;
};

const char *ovk_qcow2_compression_name(unsigned type)
{
	switch (type) {
	case QCOW2_COMPRESSION_ZLIB:
		return "zlib";
	case QCOW2_COMPRESSION_ZSTD:
		return "zstd";
	default:
		return NULL;
	}
}

static void codec_free(struct codec *c)
{
	if (!c)
		return;
	if (c->def_ready)
		deflateEnd(&c->def);
	if (c->inf_ready)
		inflateEnd(&c->inf);
	libdeflate_free_decompressor(c->ldd);
	ZSTD_freeCCtx(c->zc);
	ZSTD_freeDCtx(c->zd);
	free(c);
}

int ovk_qcow2_codecs_new(unsigned type, struct ovk_qcow2_codecs **out, struct ovk_error *err)
{
	struct ovk_qcow2_codecs *p;

	if (!ovk_qcow2_compression_name(type))
		return ovk_error_set(err, ENOTSUP, "unknown compression type %u", type);
	p = calloc(1, sizeof *p);
	if (!p)
		return ovk_error_sys(err, ENOMEM, "compression contexts");
	p->type = type;
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

void ovk_qcow2_codecs_free(struct ovk_qcow2_codecs *p)
{
	if (!p)
		return;
	while (p->idle) {
		struct codec *c = p->idle;

		p->idle = c->next;
		codec_free(c);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct codec *codec_get(struct ovk_qcow2_codecs *p, struct ovk_error *err)
{
	struct codec *c;

	pthread_mutex_lock(&p->lock);
	c = p->idle;
	if (c)
		p->idle = c->next;
	pthread_mutex_unlock(&p->lock);
	if (!c && !(c = calloc(1, sizeof *c)))
		ovk_error_sys(err, ENOMEM, "compression context");
	return c;
}

static void codec_put(struct ovk_qcow2_codecs *p, struct codec *c)
{
	pthread_mutex_lock(&p->lock);
	c->next = p->idle;
	p->idle = c;
	pthread_mutex_unlock(&p->lock);
}

static int zlib_compress(struct codec *c, const uint8_t *in, size_t len, uint8_t *out,
			 size_t cap, size_t *out_len, struct ovk_error *err)
{
	int zret;

	if (!c->def_ready) {
		if (deflateInit2(&c->def, QCOW2_ZLIB_LEVEL, Z_DEFLATED, QCOW2_ZLIB_WINDOW_BITS,
				 QCOW2_ZLIB_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
			return ovk_error_set(err, ENOMEM, "deflateInit2 failed");
		c->def_ready = 1;
	} else if (deflateReset(&c->def) != Z_OK) {
		return ovk_error_set(err, EIO, "deflateReset failed");
	}
	c->def.next_in = (Bytef *)in;
	c->def.avail_in = (uInt)len;
	c->def.next_out = out;
	c->def.avail_out = (uInt)cap;
	zret = deflate(&c->def, Z_FINISH);
	if (zret == Z_STREAM_END)
		*out_len = cap - c->def.avail_out;
	else if (zret == Z_OK || zret == Z_BUF_ERROR)
		*out_len = 0;   /* did not fit: store as is */
	else
		return ovk_error_set(err, EIO, "deflate failed (%d)", zret);
	return 0;
}

static int zstd_compress(struct codec *c, const uint8_t *in, size_t len, uint8_t *out,
			 size_t cap, size_t *out_len, struct ovk_error *err)
{
	size_t r;

	if (!c->zc && !(c->zc = ZSTD_createCCtx()))
		return ovk_error_set(err, ENOMEM, "ZSTD_createCCtx failed");
	r = ZSTD_compressCCtx(c->zc, out, cap, in, len, QCOW2_ZSTD_LEVEL);
	if (!ZSTD_isError(r))
		*out_len = r;
	else if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
		*out_len = 0;
	else
		return ovk_error_set(err, EIO, "zstd: %s", ZSTD_getErrorName(r));
	return 0;
}

int ovk_qcow2_compress(struct ovk_qcow2_codecs *p, const uint8_t *in, size_t len,
		       uint8_t *out, size_t out_cap, size_t *out_len, struct ovk_error *err)
{
	struct codec *c;
	size_t cap = out_cap < len ? out_cap : len - 1;   /* only a smaller result pays */
	int ret;

	*out_len = 0;
	if (len < 2)
		return 0;
	c = codec_get(p, err);
	if (!c)
		return -1;
	if (p->type == QCOW2_COMPRESSION_ZSTD)
		ret = zstd_compress(c, in, len, out, cap, out_len, err);
	else
		ret = zlib_compress(c, in, len, out, cap, out_len, err);
	codec_put(p, c);
	return ret;
}

/* qemu's rule: success once the output is full, whether or not the stream
 * says it ended (it may be cut at a sector boundary). */
static int zlib_inflate_qemu(struct codec *c, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t out_len, struct ovk_error *err)
{
	int zret;

	if (!c->inf_ready) {
		if (inflateInit2(&c->inf, QCOW2_ZLIB_WINDOW_BITS) != Z_OK)
			return ovk_error_set(err, ENOMEM, "inflateInit2 failed");
		c->inf_ready = 1;
	} else if (inflateReset(&c->inf) != Z_OK) {
		return ovk_error_set(err, EIO, "inflateReset failed");
	}
	c->inf.next_in = (Bytef *)in;
	c->inf.avail_in = (uInt)in_len;
	c->inf.next_out = out;
	c->inf.avail_out = (uInt)out_len;
	zret = inflate(&c->inf, Z_FINISH);
	if ((zret == Z_STREAM_END || zret == Z_BUF_ERROR) && c->inf.avail_out == 0)
		return 0;
	return ovk_error_set(err, EIO, "compressed cluster: bad deflate data (zlib %d, %u of %zu bytes out)",
			     zret, (unsigned)(out_len - c->inf.avail_out), out_len);
}

static int zlib_decompress(struct codec *c, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len, struct ovk_error *err)
{
	enum libdeflate_result r;

	if (!c->ldd && !(c->ldd = libdeflate_alloc_decompressor()))
		return ovk_error_set(err, ENOMEM, "libdeflate_alloc_decompressor failed");
	/* Fast path; anything libdeflate dislikes gets qemu's exact rule. */
	r = libdeflate_deflate_decompress(c->ldd, in, in_len, out, out_len, NULL);
	if (r == LIBDEFLATE_SUCCESS)
		return 0;
	return zlib_inflate_qemu(c, in, in_len, out, out_len, err);
}

static int zstd_decompress(struct codec *c, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t out_len, struct ovk_error *err)
{
	size_t frame, r;

	if (!c->zd && !(c->zd = ZSTD_createDCtx()))
		return ovk_error_set(err, ENOMEM, "ZSTD_createDCtx failed");
	/* Trailing bytes belong to the next cluster: decode one frame only. */
	frame = ZSTD_findFrameCompressedSize(in, in_len);
	if (ZSTD_isError(frame))
		return ovk_error_set(err, EIO, "compressed cluster: bad zstd frame: %s",
				     ZSTD_getErrorName(frame));
	r = ZSTD_decompressDCtx(c->zd, out, out_len, in, frame);
	if (ZSTD_isError(r))
		return ovk_error_set(err, EIO, "compressed cluster: zstd: %s", ZSTD_getErrorName(r));
	if (r != out_len)
		return ovk_error_set(err, EIO, "compressed cluster: zstd gave %zu bytes, expected %zu",
				     r, out_len);
	return 0;
}

int ovk_qcow2_decompress(struct ovk_qcow2_codecs *p, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t out_len, struct ovk_error *err)
{
	struct codec *c = codec_get(p, err);
	int ret;

	if (!c)
		return -1;
	if (p->type == QCOW2_COMPRESSION_ZSTD)
		ret = zstd_decompress(c, in, in_len, out, out_len, err);
	else
		ret = zlib_decompress(c, in, in_len, out, out_len, err);
	codec_put(p, c);
	return ret;
}
