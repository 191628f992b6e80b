/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * codec.c: zlib, libdeflate and libzstd behind the calls of codec.h; the
 * only file of the library that includes them.
 *
 * Contexts are costly to set up (a deflate state is ~270 KiB), so idle ones
 * wait in pools, one per (codec, direction, level), each a mutex-protected
 * stack: a call pops one (or makes one), uses it, and pushes it back.  No
 * thread-local storage, so nothing outlives the library; the pools are
 * emptied when it is unloaded (or the process ends).
 */
#include "codec.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef OVK_HAVE_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#else
/* Built with -DOVK_ZSTD=OFF: the calls below fail, the contexts stay NULL. */
typedef struct zstd_none ZSTD_CCtx, ZSTD_DCtx;
#define ZSTD_freeCCtx(c) ((void)(c))
#define ZSTD_freeDCtx(c) ((void)(c))
#endif

/* qemu's deflate for qcow2: default zlib level, memLevel 9, a 4 KiB window
 * (qemu inflates with windowBits -12). */
#define DEFLATE_WINDOW_BITS (-12)
#define DEFLATE_MEM_LEVEL 9
#define DEFLATE_DEFAULT_LEVEL 6
/* libdeflate's default; what a ZLIB writer uses unless told otherwise. */
#define ZLIB_DEFAULT_LEVEL 6
/* zstd's default level, which qemu uses. */
#define ZSTD_DEFAULT_LEVEL 3
/* Levels a pool may be keyed by: zlib 0..9, libdeflate 0..12, zstd 1..22. */
#define MAX_LEVEL 22

enum direction { DECODE, ENCODE };

/* One context of some codec; only the members its codec needs are set. */
struct ctx {
	struct ctx *next;
	struct libdeflate_decompressor *ldd;
	struct libdeflate_compressor *ldc;
	z_stream z;
	int z_ready;
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
};

struct pool {
	pthread_mutex_t lock;
	struct ctx *idle;
};

#define NCODECS (OVK_CODEC_ZSTD + 1)
static struct pool pools[NCODECS][2][MAX_LEVEL + 1];
static pthread_once_t pools_once = PTHREAD_ONCE_INIT;

static void pools_init(void)
{
	for (int c = 0; c < NCODECS; c++)
		for (int d = 0; d < 2; d++)
			for (int l = 0; l <= MAX_LEVEL; l++)
				pthread_mutex_init(&pools[c][d][l].lock, NULL);
}

static void ctx_free(struct ctx *x, enum direction dir)
{
	if (!x)
		return;
	if (x->z_ready)
		(void)(dir == ENCODE ? deflateEnd(&x->z) : inflateEnd(&x->z));
	libdeflate_free_decompressor(x->ldd);
	libdeflate_free_compressor(x->ldc);
	ZSTD_freeCCtx(x->zc);
	ZSTD_freeDCtx(x->zd);
	free(x);
}

__attribute__((destructor)) static void pools_drain(void)
{
	for (int c = 0; c < NCODECS; c++)
		for (int d = 0; d < 2; d++)
			for (int l = 0; l <= MAX_LEVEL; l++) {
				struct pool *p = &pools[c][d][l];

				while (p->idle) {
					struct ctx *x = p->idle;

					p->idle = x->next;
					ctx_free(x, (enum direction)d);
				}
			}
}

static struct pool *pool_of(enum ovk_codec c, enum direction dir, int level)
{
	pthread_once(&pools_once, pools_init);
	return &pools[c][dir][level];
}

static struct ctx *ctx_get(struct pool *p, struct ovk_error *err)
{
	struct ctx *x;

	pthread_mutex_lock(&p->lock);
	x = p->idle;
	if (x)
		p->idle = x->next;
	pthread_mutex_unlock(&p->lock);
	if (!x && !(x = calloc(1, sizeof *x)))
		ovk_error_set(err, ENOMEM, "out of memory for a %s", "codec context");
	return x;
}

static void ctx_put(struct pool *p, struct ctx *x)
{
	pthread_mutex_lock(&p->lock);
	x->next = p->idle;
	p->idle = x;
	pthread_mutex_unlock(&p->lock);
}

const char *ovk_codec_name(enum ovk_codec c)
{
	switch (c) {
	case OVK_CODEC_ZLIB:
		return "zlib";
	case OVK_CODEC_DEFLATE:
		return "deflate";
	case OVK_CODEC_ZSTD:
		return "zstd";
	case OVK_CODEC_NONE:
		break;
	}
	return "none";
}

int ovk_codec_default_level(enum ovk_codec c)
{
	switch (c) {
	case OVK_CODEC_ZLIB:
		return ZLIB_DEFAULT_LEVEL;
	case OVK_CODEC_DEFLATE:
		return DEFLATE_DEFAULT_LEVEL;
	case OVK_CODEC_ZSTD:
		return ZSTD_DEFAULT_LEVEL;
	case OVK_CODEC_NONE:
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------- decode */

static int libdeflate_result(enum libdeflate_result r, const char *what, size_t in_len,
			     size_t cap, struct ovk_error *err)
{
	switch (r) {
	case LIBDEFLATE_SUCCESS:
		return 0;
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return ovk_error_set(err, EINVAL, "%s data: inflates to more than %zu bytes", what,
				     cap);
	case LIBDEFLATE_SHORT_OUTPUT:
		return ovk_error_set(err, EINVAL, "%s data: inflates to fewer than %zu bytes", what,
				     cap);
	default:
		return ovk_error_set(err, EINVAL, "%s data (%zu bytes): not a valid %s stream",
				     what, in_len, what);
	}
}

static int decode_zlib(struct ctx *x, const uint8_t *in, size_t in_len, uint8_t *out,
		       size_t cap, size_t *got, struct ovk_error *err)
{
	size_t in_used;

	if (!x->ldd && !(x->ldd = libdeflate_alloc_decompressor()))
		return ovk_error_set(err, ENOMEM, "out of memory for a decompressor");
	return libdeflate_result(libdeflate_zlib_decompress_ex(x->ldd, in, in_len, out, cap,
							       &in_used, got),
				 "zlib", in_len, cap, err);
}

/* qemu's rule: success once the output is full, whether or not the stream
 * says it ended (it may be cut at a sector boundary). */
static int inflate_fill(struct ctx *x, const uint8_t *in, size_t in_len, uint8_t *out,
			size_t cap, struct ovk_error *err)
{
	int zret;

	if (!x->z_ready) {
		if (inflateInit2(&x->z, DEFLATE_WINDOW_BITS) != Z_OK)
			return ovk_error_set(err, ENOMEM, "inflateInit2 failed");
		x->z_ready = 1;
	} else if (inflateReset(&x->z) != Z_OK) {
		return ovk_error_set(err, EIO, "inflateReset failed");
	}
	x->z.next_in = (Bytef *)in;
	x->z.avail_in = (uInt)in_len;
	x->z.next_out = out;
	x->z.avail_out = (uInt)cap;
	zret = inflate(&x->z, Z_FINISH);
	if ((zret == Z_STREAM_END || zret == Z_BUF_ERROR) && x->z.avail_out == 0)
		return 0;
	return ovk_error_set(err, EIO, "deflate data: corrupt (zlib %d, %zu of %zu bytes out)",
			     zret, cap - x->z.avail_out, cap);
}

static int decode_deflate(struct ctx *x, enum ovk_decode_mode mode, const uint8_t *in,
			  size_t in_len, uint8_t *out, size_t cap, size_t *got,
			  struct ovk_error *err)
{
	size_t in_used;

	if (!x->ldd && !(x->ldd = libdeflate_alloc_decompressor()))
		return ovk_error_set(err, ENOMEM, "out of memory for a decompressor");
	if (mode == OVK_DECODE_STREAM)
		return libdeflate_result(libdeflate_deflate_decompress_ex(x->ldd, in, in_len, out,
									  cap, &in_used, got),
					 "deflate", in_len, cap, err);
	/* Fast path; anything libdeflate dislikes gets qemu's exact rule. */
	*got = cap;
	if (libdeflate_deflate_decompress(x->ldd, in, in_len, out, cap, NULL) ==
	    LIBDEFLATE_SUCCESS)
		return 0;
	return inflate_fill(x, in, in_len, out, cap, err);
}

#ifdef OVK_HAVE_ZSTD
static int decode_zstd(struct ctx *x, enum ovk_decode_mode mode, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t cap, size_t *got,
		       struct ovk_error *err)
{
	size_t frame, r;

	if (!x->zd && !(x->zd = ZSTD_createDCtx()))
		return ovk_error_set(err, ENOMEM, "ZSTD_createDCtx failed");
	/* Trailing bytes belong to the next block: decode one frame only. */
	frame = ZSTD_findFrameCompressedSize(in, in_len);
	if (ZSTD_isError(frame))
		return ovk_error_set(err, EIO, "zstd data: bad frame: %s", ZSTD_getErrorName(frame));
	r = ZSTD_decompressDCtx(x->zd, out, cap, in, frame);
	if (ZSTD_isError(r))
		return ovk_error_set(err, EIO, "zstd data: %s", ZSTD_getErrorName(r));
	if (mode == OVK_DECODE_FILL && r != cap)
		return ovk_error_set(err, EIO, "zstd data: gave %zu bytes, expected %zu", r, cap);
	*got = r;
	return 0;
}

#else
static int decode_zstd(struct ctx *x, enum ovk_decode_mode mode, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t cap, size_t *got,
		       struct ovk_error *err)
{
	(void)x, (void)mode, (void)in, (void)in_len, (void)out, (void)cap, (void)got;
	return ovk_error_set(err, ENOTSUP, "zstd data: ovakit was built without zstd (OVK_ZSTD=OFF)");
}
#endif

int ovk_codec_decode(enum ovk_codec c, enum ovk_decode_mode mode, const uint8_t *in,
		     size_t in_len, uint8_t *out, size_t cap, size_t *got,
		     struct ovk_error *err)
{
	struct pool *p;
	struct ctx *x;
	int ret = -1;

	*got = 0;
	if (c == OVK_CODEC_NONE || c >= NCODECS)
		return ovk_error_set(err, EINVAL, "no codec to decode with");
	p = pool_of(c, DECODE, 0);
	if (!(x = ctx_get(p, err)))
		return -1;
	switch (c) {
	case OVK_CODEC_ZLIB:
		ret = decode_zlib(x, in, in_len, out, cap, got, err);
		if (ret == 0 && mode == OVK_DECODE_FILL && *got != cap)
			ret = ovk_error_set(err, EINVAL, "zlib data: inflates to %zu bytes, "
					    "expected %zu", *got, cap);
		break;
	case OVK_CODEC_DEFLATE:
		ret = decode_deflate(x, mode, in, in_len, out, cap, got, err);
		break;
	case OVK_CODEC_ZSTD:
		ret = decode_zstd(x, mode, in, in_len, out, cap, got, err);
		break;
	case OVK_CODEC_NONE:
		break;
	}
	ctx_put(p, x);
	return ret;
}

/* ---------------------------------------------------------------- encode */

static int encode_zlib(struct ctx *x, int level, const uint8_t *in, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len, struct ovk_error *err)
{
	if (!x->ldc && !(x->ldc = libdeflate_alloc_compressor(level)))
		return ovk_error_set(err, ENOMEM, "out of memory for a compressor");
	*out_len = libdeflate_zlib_compress(x->ldc, in, len, out, cap);   /* 0: no room */
	return 0;
}

static int encode_deflate(struct ctx *x, int level, const uint8_t *in, size_t len,
			  uint8_t *out, size_t cap, size_t *out_len, struct ovk_error *err)
{
	int zret;

	if (!x->z_ready) {
		if (deflateInit2(&x->z, level, Z_DEFLATED, DEFLATE_WINDOW_BITS, DEFLATE_MEM_LEVEL,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return ovk_error_set(err, ENOMEM, "deflateInit2 failed");
		x->z_ready = 1;
	} else if (deflateReset(&x->z) != Z_OK) {
		return ovk_error_set(err, EIO, "deflateReset failed");
	}
	x->z.next_in = (Bytef *)in;
	x->z.avail_in = (uInt)len;
	x->z.next_out = out;
	x->z.avail_out = (uInt)cap;
	zret = deflate(&x->z, Z_FINISH);
	if (zret == Z_STREAM_END)
		*out_len = cap - x->z.avail_out;
	else if (zret == Z_OK || zret == Z_BUF_ERROR)
		*out_len = 0;   /* did not fit */
	else
		return ovk_error_set(err, EIO, "deflate failed (%d)", zret);
	return 0;
}

#ifdef OVK_HAVE_ZSTD
static int encode_zstd(struct ctx *x, int level, const uint8_t *in, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len, struct ovk_error *err)
{
	size_t r;

	if (!x->zc && !(x->zc = ZSTD_createCCtx()))
		return ovk_error_set(err, ENOMEM, "ZSTD_createCCtx failed");
	r = ZSTD_compressCCtx(x->zc, out, cap, in, len, level);
	if (!ZSTD_isError(r))
		*out_len = r;
	else if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
		*out_len = 0;
	else
		return ovk_error_set(err, EIO, "zstd: %s", ZSTD_getErrorName(r));
	return 0;
}

#else
static int encode_zstd(struct ctx *x, int level, const uint8_t *in, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len, struct ovk_error *err)
{
	(void)x, (void)level, (void)in, (void)len, (void)out, (void)cap, (void)out_len;
	return ovk_error_set(err, ENOTSUP, "zstd: ovakit was built without zstd (OVK_ZSTD=OFF)");
}
#endif

static int level_ok(enum ovk_codec c, int level)
{
	switch (c) {
	case OVK_CODEC_ZLIB:
		return level >= 0 && level <= 12;
	case OVK_CODEC_DEFLATE:
		return level >= 0 && level <= 9;
	case OVK_CODEC_ZSTD:
		return level >= 1 && level <= MAX_LEVEL;
	case OVK_CODEC_NONE:
		break;
	}
	return 0;
}

int ovk_codec_encode(enum ovk_codec c, int level, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap, size_t *out_len, struct ovk_error *err)
{
	struct pool *p;
	struct ctx *x;
	int ret = -1;

	*out_len = 0;
	if (c == OVK_CODEC_NONE || c >= NCODECS || !level_ok(c, level))
		return ovk_error_set(err, EINVAL, "%s: no level %d", ovk_codec_name(c), level);
	if (len == 0 || cap == 0)
		return 0;
	p = pool_of(c, ENCODE, level);
	if (!(x = ctx_get(p, err)))
		return -1;
	switch (c) {
	case OVK_CODEC_ZLIB:
		ret = encode_zlib(x, level, in, len, out, cap, out_len, err);
		break;
	case OVK_CODEC_DEFLATE:
		ret = encode_deflate(x, level, in, len, out, cap, out_len, err);
		break;
	case OVK_CODEC_ZSTD:
		ret = encode_zstd(x, level, in, len, out, cap, out_len, err);
		break;
	case OVK_CODEC_NONE:
		break;
	}
	ctx_put(p, x);
	return ret;
}

uint32_t ovk_crc32(uint32_t crc, const void *buf, size_t len)
{
	return libdeflate_crc32(crc, buf, len);
}

/* ------------------------------------------------------------------ gzip */

struct ovk_gunzip {
	z_stream z;
};

int ovk_gunzip_new(struct ovk_gunzip **out, struct ovk_error *err)
{
	struct ovk_gunzip *g = calloc(1, sizeof *g);

	if (!g)
		return ovk_error_set(err, ENOMEM, "out of memory");
	/* 16 + MAX_WBITS: a gzip wrapper, not zlib or raw deflate. */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		free(g);
		return ovk_error_set(err, ENOMEM, "cannot start inflate");
	}
	*out = g;
	return 0;
}

int ovk_gunzip_step(struct ovk_gunzip *g, const uint8_t **in, size_t *in_len, uint8_t **out,
		    size_t *out_len, struct ovk_error *err)
{
	uInt in_avail = (uInt)(*in_len > UINT32_MAX ? UINT32_MAX : *in_len);
	uInt out_avail = (uInt)(*out_len > UINT32_MAX ? UINT32_MAX : *out_len);
	int r;

	g->z.next_in = (Bytef *)*in;
	g->z.avail_in = in_avail;
	g->z.next_out = *out;
	g->z.avail_out = out_avail;
	r = inflate(&g->z, Z_NO_FLUSH);
	*in += in_avail - g->z.avail_in;
	*in_len -= in_avail - g->z.avail_in;
	*out += out_avail - g->z.avail_out;
	*out_len -= out_avail - g->z.avail_out;
	if (r == Z_STREAM_END)
		return 1;
	if (r == Z_OK || r == Z_BUF_ERROR)
		return 0;
	/* zlib checks each member's trailer as it ends; say which field. */
	if (g->z.msg && strcmp(g->z.msg, "incorrect data check") == 0)
		return ovk_error_set(err, EIO, "gzip: the trailer's CRC-32 does not match the data");
	if (g->z.msg && strcmp(g->z.msg, "incorrect length check") == 0)
		return ovk_error_set(err, EIO, "gzip: the trailer's ISIZE does not match the data's "
				     "length");
	return ovk_error_set(err, EIO, "gzip: %s", g->z.msg ? g->z.msg : "corrupt data");
}

void ovk_gunzip_reset(struct ovk_gunzip *g)
{
	inflateReset(&g->z);
}

void ovk_gunzip_free(struct ovk_gunzip *g)
{
	if (!g)
		return;
	inflateEnd(&g->z);
	free(g);
}
