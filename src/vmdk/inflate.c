/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inflate.c: what a compressed grain must inflate to.
 *
 * Grains are zlib streams (RFC 1950: a 2-byte header, raw deflate, Adler-32),
 * not raw deflate; core/codec.c decodes them.  A grain must decode to
 * exactly one grain of bytes; the last grain of a disk whose capacity is not
 * a multiple of the grain may be short, but never shorter than the guest
 * bytes it covers.  Anything else - a bad stream, a bad checksum, too much
 * or too little output - is an error and never turns into zeros.
 *
 * Thread safety: read() runs on many workers at once; this file keeps no
 * state, and the codec's contexts are pooled in core/codec.c.
 */
#include "vmdk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

static int decode(const struct ovk_vmdk_zgrain *g, uint8_t *out, struct ovk_error *err)
{
	size_t got;

	if (ovk_codec_decode(OVK_CODEC_ZLIB, OVK_DECODE_STREAM, g->in, g->in_len, out, g->grain,
			     &got, err) < 0)
		return ovk_error_prefix(err, "compressed grain");
	if (got != g->grain && got < g->need)
		return ovk_error_set(err, EINVAL,
				     "compressed grain: inflates to %zu bytes, expected %zu", got,
				     g->grain);
	return 0;
}

int ovk_vmdk_inflate(const struct ovk_vmdk_zgrain *g, uint8_t *dst, struct ovk_error *err)
{
	uint8_t *scratch = NULL;
	int ret = -1;

	if (g->grain > OVK_VMDK_MAX_GRAIN_BYTES || g->need > g->grain || g->skip > g->need ||
	    g->len > g->need - g->skip)
		return ovk_error_set(err, EINVAL, "compressed grain: bad request");
	/* The common case: a whole grain straight into the caller's buffer. */
	if (g->skip == 0 && g->len == g->grain)
		return decode(g, dst, err);
	/* A short last grain, or a grain an extent cuts: rare enough that a
	 * buffer per call costs nothing worth keeping one for. */
	if (!(scratch = malloc(g->grain))) {
		ovk_error_sys(err, ENOMEM, "grain buffer");
		goto out;
	}
	if (decode(g, scratch, err) < 0)
		goto out;
	memcpy(dst, scratch + g->skip, g->len);
	ret = 0;
out:
	free(scratch);
	return ret;
}
