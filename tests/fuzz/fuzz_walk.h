/*
 * fuzz_walk.h: what the VHD, VHDX and VDI fuzz targets share: open a
 * format's source on a memory blob and walk it, checking the source
 * contract (core/extent.h) besides not crashing: extents ascending and
 * tiling [0, size) with no gap, DATA stored in the image file itself
 * (these formats never encode or hand over buffers), and after an error
 * no further extent.  Header-only: each target is its own executable.
 */
#ifndef OVK_FUZZ_WALK_H
#define OVK_FUZZ_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/extent.h"
#include "core/format.h"
#include "core/info.h"
#include "core/open.h"

/* Enough extents to reach deep into any table, few enough to stay fast on
 * an image that claims terabytes of one-sector runs. */
#define FUZZ_MAX_EXTENTS 4096

static void fuzz_walk(struct ovk_source *src, const struct ovk_blob *blob)
	__attribute__((unused));
static void fuzz_walk(struct ovk_source *src, const struct ovk_blob *blob)
{
	struct ovk_error err;
	struct ovk_extent e;
	uint64_t pos = 0;

	for (int n = 0; n < FUZZ_MAX_EXTENTS; n++) {
		int r = src->ops->next(src, &e, &err);

		if (r <= 0)
			return;
		if (e.offset != pos || e.length == 0 || !ovk_range_ok(e.offset, e.length, src->size))
			abort();
		if (e.type == OVK_EXTENT_DATA &&
		    (e.in != blob || e.encoded || e.buf || e.in_len != e.length ||
		     !ovk_range_ok(e.in_off, e.in_len, ovk_blob_size(blob))))
			abort();
		pos += e.length;
	}
}

/* Open, describe and walk `blob` (taken over) as `fmt`. */
static void fuzz_blob(const struct ovk_format *fmt, struct ovk_blob *blob)
	__attribute__((unused));
static void fuzz_blob(const struct ovk_format *fmt, struct ovk_blob *blob)
{
	struct ovk_source *src = NULL;
	struct ovk_open_ctx ctx = { 0 };
	struct ovk_info *info = NULL;
	struct ovk_error err;

	if (fmt->open_source(blob, &ctx, &src, &err) < 0) {
		ovk_blob_free(blob);
		return;
	}
	if (src->ops->info && (info = ovk_info_new())) {
		src->ops->info(src, info, &err);
		ovk_info_free(info);
	}
	fuzz_walk(src, blob);
	ovk_source_close(src);
}

/* Probe (head and tail), open, describe and walk `data` as `fmt`. */
static void fuzz_format(const struct ovk_format *fmt, const char *name, const uint8_t *data,
			size_t size) __attribute__((unused));
static void fuzz_format(const struct ovk_format *fmt, const char *name, const uint8_t *data,
			size_t size)
{
	struct ovk_blob *blob = NULL;
	struct ovk_error err;

	fmt->probe(data, size < OVK_PROBE_BYTES ? size : OVK_PROBE_BYTES, size);
	if (fmt->probe_tail && size >= OVK_PROBE_TAIL_BYTES)
		fmt->probe_tail(data + size - OVK_PROBE_TAIL_BYTES, OVK_PROBE_TAIL_BYTES, size);
	if (ovk_blob_from_memory(name, data, size, &blob, &err) == 0)
		fuzz_blob(fmt, blob);
}

#endif
