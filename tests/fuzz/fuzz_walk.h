/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_walk.h: what the VHD, VHDX and VDI fuzz targets share: open a
 * format's source on a memory blob and walk it, checking the source
 * contract (core/extent.h) besides not crashing: extents ascending and
 * tiling [0, size) with no gap, DATA stored in the image file itself
 * (these formats never encode or hand over buffers), and after an error
 * no further extent; then pread() of the first extents gives the bytes
 * the walk pointed at.  Header-only: each target is its own executable.
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
/* The first extents are read again with pread(), up to this many bytes
 * of each: enough to cross a sector bitmap run or a block. */
#define FUZZ_PREAD_EXTENTS 16
#define FUZZ_PREAD_BYTES ((size_t)8192)

/* pread() must give what the walk said: a DATA extent's stored bytes, and
 * zeros for a hole.  Runs after the walk (pread() is not for use between
 * next() calls). */
static void fuzz_pread(struct ovk_source *src, const struct ovk_blob *blob,
		       const struct ovk_extent *seen, int n)
{
	static uint8_t buf[FUZZ_PREAD_BYTES];
	const uint8_t *data = ovk_blob_data(blob);
	struct ovk_error err;

	if (!src->ops->pread)
		return;
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)ovk_min_u64(seen[i].length, sizeof buf);

		/* the walk read the same maps and bitmaps for this extent */
		if (src->ops->pread(src, seen[i].offset, buf, len, &err) < 0)
			abort();
		for (size_t k = 0; k < len; k++)
			if (seen[i].type != OVK_EXTENT_DATA ? buf[k] != 0
			    : data && buf[k] != data[seen[i].in_off + k])
				abort();
	}
	if (src->size && src->ops->pread(src, src->size - 1, buf, 2, &err) == 0)
		abort();    /* beyond the virtual size */
}

static void fuzz_walk(struct ovk_source *src, const struct ovk_blob *blob)
	__attribute__((unused));
static void fuzz_walk(struct ovk_source *src, const struct ovk_blob *blob)
{
	struct ovk_extent seen[FUZZ_PREAD_EXTENTS];
	struct ovk_error err;
	struct ovk_extent e;
	uint64_t pos = 0;
	int nseen = 0;

	for (int n = 0; n < FUZZ_MAX_EXTENTS; n++) {
		int r = src->ops->next(src, &e, &err);

		if (r < 0)
			return;
		if (r == 0)
			break;
		if (e.offset != pos || e.length == 0 || !ovk_range_ok(e.offset, e.length, src->size))
			abort();
		if (e.type == OVK_EXTENT_DATA &&
		    (e.in != blob || e.encoded || e.buf || e.in_len != e.length ||
		     !ovk_range_ok(e.in_off, e.in_len, ovk_blob_size(blob))))
			abort();
		if (nseen < FUZZ_PREAD_EXTENTS)
			seen[nseen++] = e;
		pos += e.length;
	}
	fuzz_pread(src, blob, seen, nseen);
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
		struct ovk_source_facts facts = { .dirty = -1 };

		src->ops->info(src, &facts, info, &err);
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
