/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stream.c: streamOptimized read forward only, as from a gzip- or
 * xz-compressed OVA member, with no seeking back and memory bounded by a
 * window rather than by the disk.
 *
 *   [header][descriptor][GD + GTs, if preallocated]   <- the "prefix"
 *   [grain marker][grain marker]...                   <- from overHead
 *   [GT marker + GT]* [GD marker + GD] [FOOTER marker + footer] [EOS]
 *
 * A grain marker is { u64 lba (sectors); u32 size; zlib[size] } padded to a
 * sector; a metadata marker is { u64 sectors; u32 0; u32 type } in its own
 * sector, followed by `sectors` sectors of payload, which we skip.
 *
 * Grains normally come in LBA order.  They are read into a min-heap keyed by
 * LBA until OVK_VMDK_STREAM_WINDOW bytes are buffered (or the stream ends);
 * only then is the lowest one handed out (its buffer goes to the engine with
 * the extent), or the gap before it reported as unallocated.  So a producer that wrote grains a little out of order is
 * read correctly, and one that wrote them far out of order is refused
 * ("arrived after the reader passed it") instead of being buffered whole.
 *
 * The end is checked, so that a truncated stream is an error and not a disk
 * with a missing tail:
 *   - when the GTs are in the prefix (vdiskmanager, qemu), the stream must
 *     deliver as many grains as the GTs list;
 *   - otherwise (GD at the end: VMware, ovftool) the EOS marker must come.
 */
#include "vmdk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"

/* A grain read ahead of the cursor. */
struct sgrain {
	uint8_t *buf;               /* the zlib stream */
	size_t len;
	uint64_t guest_start;       /* extent-relative guest byte of its first byte */
	uint64_t need;              /* guest bytes in the grain */
};

/* What one buffered grain costs beyond its bytes (the heap entry and
 * malloc's headers), so that a stream of tiny grains cannot fill memory with
 * bookkeeping while the window counts only a few bytes each. */
#define SGRAIN_COST (sizeof(struct sgrain) + 64)

struct ovk_vmdk_stream {
	struct ovk_blob *blob;
	struct ovk_vmdk_header h;
	uint64_t grain_bytes, cap_bytes;
	uint64_t spos;              /* bytes consumed from the blob */
	struct sgrain *heap;
	size_t heap_n, heap_cap, heap_bytes;
	uint64_t passed;            /* extent-relative: every grain below is handed out */
	uint64_t last_lba;          /* of the last grain handed out, or UINT64_MAX */
	int ended, saw_eos, finished;
	uint64_t expected;          /* grains the GTs promise, or UINT64_MAX */
	uint64_t seen;
};

void ovk_vmdk_stream_free(struct ovk_vmdk_stream *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->heap_n; i++)
		free(s->heap[i].buf);
	free(s->heap);
	free(s);
}

uint64_t ovk_vmdk_stream_capacity(const struct ovk_vmdk_stream *s)
{
	return s->cap_bytes;
}

/* ---- min-heap by guest_start ---- */

static int heap_push(struct ovk_vmdk_stream *s, const struct sgrain *g, struct ovk_error *err)
{
	struct sgrain *n, t;
	size_t i, p;

	if (s->heap_n == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;

		n = realloc(s->heap, cap * sizeof *n);
		if (!n)
			return ovk_error_sys(err, ENOMEM, "stream window");
		s->heap = n;
		s->heap_cap = cap;
	}
	i = s->heap_n++;
	s->heap[i] = *g;
	while (i > 0) {
		p = (i - 1) / 2;
		if (s->heap[p].guest_start <= s->heap[i].guest_start)
			break;
		t = s->heap[p];
		s->heap[p] = s->heap[i];
		s->heap[i] = t;
		i = p;
	}
	s->heap_bytes += g->len + SGRAIN_COST;
	return 0;
}

static struct sgrain heap_pop(struct ovk_vmdk_stream *s)
{
	struct sgrain top = s->heap[0], t;
	size_t i = 0, c;

	s->heap[0] = s->heap[--s->heap_n];
	for (;;) {
		c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && s->heap[c + 1].guest_start < s->heap[c].guest_start)
			c++;
		if (s->heap[i].guest_start <= s->heap[c].guest_start)
			break;
		t = s->heap[c];
		s->heap[c] = s->heap[i];
		s->heap[i] = t;
		i = c;
	}
	s->heap_bytes -= top.len + SGRAIN_COST;
	return top;
}

/* ---- reading ---- */

static int read_exact(struct ovk_vmdk_stream *s, void *buf, size_t len, const char *what,
		      struct ovk_error *err)
{
	ssize_t n = ovk_blob_read(s->blob, buf, len, err);

	if (n < 0)
		return -1;
	if ((size_t)n != len)
		return ovk_error_set(err, EINVAL, "%s at offset %" PRIu64 ": truncated (%zd of %zu bytes)",
				     what, s->spos, n, len);
	s->spos += len;
	return 0;
}

static int skip(struct ovk_vmdk_stream *s, uint64_t n, const char *what, struct ovk_error *err)
{
	if (n == 0)
		return 0;
	if (ovk_blob_skip(s->blob, n, err) < 0)
		return ovk_error_prefix(err, "%s at offset %" PRIu64, what, s->spos);
	s->spos += n;
	return 0;
}

/* Count the grains that the GTs in the prefix promise; UINT64_MAX when a GT
 * lies outside it (it is then written later in the stream). */
static uint64_t count_promised(const struct ovk_vmdk_stream *s, const uint8_t *pre,
			       uint64_t pre_len)
{
	uint64_t n_grains = s->cap_bytes / s->grain_bytes + (s->cap_bytes % s->grain_bytes != 0);
	uint64_t n_gt = n_grains / s->h.gtes + (n_grains % s->h.gtes != 0);
	uint64_t gd_off, t, i, count = 0, gt_off;
	uint32_t gte;

	if (s->h.gd_offset == OVK_VMDK_GD_AT_END ||
	    ovk_mul_overflow(s->h.gd_offset, (uint64_t)OVK_VMDK_SECTOR, &gd_off) ||
	    gd_off < OVK_VMDK_SECTOR || !ovk_range_ok(gd_off - OVK_VMDK_SECTOR, n_gt * 4, pre_len))
		return UINT64_MAX;
	gd_off -= OVK_VMDK_SECTOR;  /* the prefix starts after the header */
	for (t = 0; t < n_gt; t++) {
		gt_off = (uint64_t)le32_load(pre + gd_off + t * 4) * OVK_VMDK_SECTOR;
		if (gt_off == 0)
			continue;
		if (gt_off < OVK_VMDK_SECTOR ||
		    !ovk_range_ok(gt_off - OVK_VMDK_SECTOR, (uint64_t)s->h.gtes * 4, pre_len))
			return UINT64_MAX;
		for (i = 0; i < s->h.gtes && t * s->h.gtes + i < n_grains; i++) {
			gte = le32_load(pre + gt_off - OVK_VMDK_SECTOR + i * 4);
			if (gte > OVK_VMDK_GTE_ZEROED ||
			    (gte == OVK_VMDK_GTE_ZEROED && !(s->h.flags & OVK_VMDK_FLAG_ZERO_GRAIN)))
				count++;
		}
	}
	return count;
}

/* Read everything between the header and the first grain: keep the
 * descriptor, count the promised grains. */
static int read_prefix(struct ovk_vmdk_stream *s, char **desc, size_t *desc_len,
		       struct ovk_error *err)
{
	uint64_t data_start = s->h.overhead * OVK_VMDK_SECTOR, d_off = 0, d_len = 0, pre_len;
	uint8_t *pre = NULL;
	int ret = -1;

	*desc = NULL;
	*desc_len = 0;
	if (s->h.desc_offset && s->h.desc_size) {
		d_off = s->h.desc_offset * OVK_VMDK_SECTOR;   /* validated: no overflow */
		d_len = s->h.desc_size * OVK_VMDK_SECTOR;     /* validated: <= 1 MiB */
		if (d_off > OVK_VMDK_STREAM_MAX_PREFIX)
			return ovk_error_set(err, EINVAL,
					     "descriptorOffset %" PRIu64 ": too far into a stream (limit %" PRIu64 " bytes)",
					     s->h.desc_offset, OVK_VMDK_STREAM_MAX_PREFIX);
	}
	if (s->h.overhead > UINT64_MAX / OVK_VMDK_SECTOR || data_start < d_off + d_len)
		data_start = ovk_max_u64(d_off + d_len, OVK_VMDK_SECTOR);
	pre_len = data_start - OVK_VMDK_SECTOR;
	if (pre_len > OVK_VMDK_STREAM_MAX_PREFIX) {
		/* Too big to hold: read the descriptor only, skip the tables. */
		pre_len = d_len ? d_off + d_len - OVK_VMDK_SECTOR : 0;
	}
	pre = malloc(pre_len ? pre_len : 1);
	if (!pre) {
		ovk_error_sys(err, ENOMEM, "stream prefix");
		goto out;
	}
	if (read_exact(s, pre, pre_len, "metadata before the first grain", err) < 0 ||
	    skip(s, data_start - OVK_VMDK_SECTOR - pre_len, "metadata", err) < 0)
		goto out;
	s->expected = count_promised(s, pre, pre_len);
	if (d_len) {
		*desc = malloc(d_len);
		if (!*desc) {
			ovk_error_sys(err, ENOMEM, "descriptor");
			goto out;
		}
		memcpy(*desc, pre + d_off - OVK_VMDK_SECTOR, d_len);
		*desc_len = d_len;
	}
	ret = 0;
out:
	free(pre);
	return ret;
}

int ovk_vmdk_stream_open(struct ovk_blob *b, const struct ovk_vmdk_header *h,
			 struct ovk_vmdk_stream **out, char **desc, size_t *desc_len,
			 struct ovk_error *err)
{
	struct ovk_vmdk_stream *s = NULL;
	int ret = -1;

	*out = NULL;
	if (!ovk_vmdk_header_is_stream(h)) {
		ovk_error_set(err, ENOTSUP,
			      "flags %08" PRIx32 ": only streamOptimized extents (compressed, with "
			      "markers) can be read from a stream without random access", h->flags);
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		ovk_error_sys(err, ENOMEM, "stream");
		goto out;
	}
	s->blob = b;
	s->h = *h;
	s->grain_bytes = h->grain_size * OVK_VMDK_SECTOR;
	s->cap_bytes = h->capacity * OVK_VMDK_SECTOR;
	s->spos = OVK_VMDK_SECTOR;
	s->last_lba = UINT64_MAX;
	if (read_prefix(s, desc, desc_len, err) < 0)
		goto out;
	*out = s;
	s = NULL;
	ret = 0;
out:
	ovk_vmdk_stream_free(s);
	return ret;
}

static int read_grain(struct ovk_vmdk_stream *s, uint64_t at, uint64_t lba, uint32_t size,
		      struct ovk_error *err)
{
	uint64_t max = s->grain_bytes * OVK_VMDK_MAX_COMPRESSED_GRAINS, start, pad;
	struct sgrain g = { 0 };
	int ret = -1;

	if (size > max || lba % s->h.grain_size != 0 || lba >= s->h.capacity) {
		ovk_error_set(err, EINVAL,
			      "grain marker at offset %" PRIu64 ": LBA %" PRIu64 ", size %" PRIu32 " (grain %" PRIu64 " sectors, capacity %" PRIu64 ", at most %" PRIu64 " bytes)",
			      at, lba, size, s->h.grain_size, s->h.capacity, max);
		goto out;
	}
	start = lba * OVK_VMDK_SECTOR;
	if (start < s->passed) {
		ovk_error_set(err, EINVAL,
			      "grain marker at offset %" PRIu64 ": LBA %" PRIu64 " arrived after the reader passed it (grains out of order by more than %zu MiB)",
			      at, lba, OVK_VMDK_STREAM_WINDOW >> 20);
		goto out;
	}
	if (!(g.buf = malloc(size))) {
		ovk_error_sys(err, ENOMEM, "grain buffer");
		goto out;
	}
	g.len = size;
	g.guest_start = start;
	g.need = ovk_min_u64(s->grain_bytes, s->cap_bytes - start);
	if (read_exact(s, g.buf, size, "grain", err) < 0)
		goto out;
	/* Padding to the sector; a stream may end right after the last grain. */
	pad = (OVK_VMDK_SECTOR - (12 + size) % OVK_VMDK_SECTOR) % OVK_VMDK_SECTOR;
	if (pad && skip(s, pad, "grain padding", err) < 0)
		goto out;
	if (heap_push(s, &g, err) < 0)
		goto out;
	g.buf = NULL;
	s->seen++;
	ret = 0;
out:
	free(g.buf);
	return ret;
}

static int read_meta(struct ovk_vmdk_stream *s, uint64_t at, uint64_t sectors,
		     struct ovk_error *err)
{
	uint8_t rest[OVK_VMDK_SECTOR - 12];
	uint64_t bytes;
	uint32_t type;

	if (read_exact(s, rest, sizeof rest, "marker", err) < 0)
		return -1;
	type = le32_load(rest);
	switch (type) {
	case OVK_VMDK_MARKER_EOS:
		s->ended = 1;
		s->saw_eos = 1;
		return 0;
	case OVK_VMDK_MARKER_GT:
	case OVK_VMDK_MARKER_GD:
	case OVK_VMDK_MARKER_FOOTER:
		if (ovk_mul_overflow(sectors, (uint64_t)OVK_VMDK_SECTOR, &bytes))
			return ovk_error_set(err, EINVAL, "marker at offset %" PRIu64 ": %" PRIu64 " sectors overflows",
					     at, sectors);
		return skip(s, bytes, "marker payload", err);
	}
	return ovk_error_set(err, EINVAL, "marker at offset %" PRIu64 ": unknown type %" PRIu32, at,
			     type);
}

/* Read one marker and what belongs to it. */
static int pull(struct ovk_vmdk_stream *s, struct ovk_error *err)
{
	uint8_t m[12];
	uint64_t at = s->spos;
	ssize_t n;

	n = ovk_blob_read(s->blob, m, sizeof m, err);
	if (n < 0)
		return -1;
	if (n == 0) {
		s->ended = 1;
		return 0;
	}
	if ((size_t)n < sizeof m)
		return ovk_error_set(err, EINVAL, "marker at offset %" PRIu64 ": truncated", at);
	s->spos += sizeof m;
	if (le32_load(m + 8) != 0)
		return read_grain(s, at, le64_load(m), le32_load(m + 8), err);
	return read_meta(s, at, le64_load(m), err);
}

static int fill(struct ovk_vmdk_stream *s, struct ovk_error *err)
{
	while (!s->ended && (s->heap_n == 0 || s->heap_bytes < OVK_VMDK_STREAM_WINDOW))
		if (pull(s, err) < 0)
			return -1;
	return 0;
}

int ovk_vmdk_stream_finish(struct ovk_vmdk_stream *s, struct ovk_error *err)
{
	if (s->finished)
		return 0;
	s->passed = UINT64_MAX;     /* any grain from here on is out of order */
	while (!s->ended)
		if (pull(s, err) < 0)
			return -1;
	s->finished = 1;
	if (s->expected != UINT64_MAX && s->seen < s->expected)
		return ovk_error_set(err, EINVAL,
				     "stream ended at offset %" PRIu64 " after %" PRIu64 " of %" PRIu64 " grains (truncated?)",
				     s->spos, s->seen, s->expected);
	if (s->expected == UINT64_MAX && !s->saw_eos)
		return ovk_error_set(err, EINVAL,
				     "stream ended at offset %" PRIu64 " without an end-of-stream marker (truncated?)",
				     s->spos);
	return 0;
}

int ovk_vmdk_stream_next(struct ovk_vmdk_stream *s, uint64_t rel, uint64_t max_len,
			 struct ovk_extent *out, struct ovk_error *err)
{
	struct sgrain top;
	uint64_t end;

	s->passed = ovk_max_u64(s->passed, rel);
	if (rel >= s->cap_bytes) {
		/* The descriptor says the extent is larger than the header. */
		if (ovk_vmdk_stream_finish(s, err) < 0)
			return -1;
		ovk_extent_hole(out, rel, max_len, OVK_EXTENT_UNALLOCATED);
		return 0;
	}
	if (fill(s, err) < 0)
		return -1;
	end = ovk_min_u64(rel + max_len, s->cap_bytes);
	if (s->heap_n == 0 || s->heap[0].guest_start > rel) {
		if (s->heap_n)
			end = ovk_min_u64(end, s->heap[0].guest_start);
		ovk_extent_hole(out, rel, end - rel, OVK_EXTENT_UNALLOCATED);
		return 0;
	}
	top = heap_pop(s);
	if (top.guest_start == s->last_lba) {
		free(top.buf);
		return ovk_error_set(err, EINVAL, "two grain markers for LBA %" PRIu64,
				     top.guest_start / OVK_VMDK_SECTOR);
	}
	s->last_lba = top.guest_start;
	/* Handed out once, whole (or cut by the end of the extent): the
	 * walk's next rel is past it. */
	ovk_extent_buffer(out, rel, ovk_min_u64(top.need, max_len), top.buf, top.len, 1);
	out->token = top.need;
	return 0;
}
