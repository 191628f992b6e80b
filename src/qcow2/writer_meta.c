/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * writer_meta.c: host cluster allocation and refcounts for the qcow2 sink,
 * and the tables written at the end (L1, refcount table, the last refcount
 * blocks).  See writer.h for the file layout.
 *
 * Host clusters are handed out strictly in order (w->next).  The host is
 * cut into ranges of range_clusters clusters, one refcount block each:
 *
 *   - the block of a range lives at the first cluster allocated in it
 *     (the second, when compressed bytes spill into the first), unless a
 *     multi-cluster run (the L1 or refcount table) jumps over the range
 *     start; then the blocks of every range the run reaches are placed
 *     just before the run, so the run stays contiguous;
 *   - every cluster below w->next that lies in a range the cursor has not
 *     yet entered belongs to such a run and has refcount 1, which is how a
 *     block is initialised when the cursor enters its range;
 *   - refcounts change only in the block under the cursor (w->rb) and, for
 *     compressed bytes packed into the free tail of a cluster the cursor
 *     has moved past, in the block of that cluster's range, which stays in
 *     memory (w->rb_pinned) until the compressed bytes move on.
 *
 * A block is written as the cursor leaves its range, once, and the
 * refcount table at the very end.
 */
#include "qcow2/writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "core/zero.h"
#include "core/endian.h"

/* Metadata is written skipping all-zero blocks of this size: the file
 * system's allocation unit, so holes are real. */
#define QCOW2_SPARSE_BLOCK 4096u
/* qcow2 offsets have 56 bits (bits 9..55 of a table entry). */
#define QCOW2_MAX_HOST_OFFSET ((uint64_t)1 << 56)
#define QCOW2_MAX_REFCOUNT 0xffffu

static uint64_t range_of(const struct qcow2_writer *w, uint64_t cluster)
{
	return cluster / w->range_clusters;
}

int ovk_qcow2_w_pwrite(struct qcow2_writer *w, uint64_t off, const void *buf, size_t len,
		       struct ovk_error *err)
{
	if (w->target)
		return w->target->pwrite(w->target->opaque, off, buf, len, err);
	if (ovk_outfile_pwrite(&w->out, buf, len, off) < 0)
		return ovk_error_sys(err, errno, "%s: write of %zu bytes at %llu", w->name, len,
				     (unsigned long long)off);
	return 0;
}

int ovk_qcow2_w_write_sparse(struct qcow2_writer *w, uint64_t off, const uint8_t *buf,
			     size_t len, struct ovk_error *err)
{
	size_t pos = 0, start, end;

	if (w->is_block_device)   /* a device is not zero where we do not write */
		return ovk_qcow2_w_pwrite(w, off, buf, len, err);
	while (ovk_next_data_run(buf, len, QCOW2_SPARSE_BLOCK, &pos, &start, &end))
		if (ovk_qcow2_w_pwrite(w, off + start, buf + start, end - start, err) < 0)
			return -1;
	return 0;
}

static int reftable_ensure(struct qcow2_writer *w, uint64_t r, struct ovk_error *err)
{
	if (r < w->reftable_len)
		return 0;
	if (r >= w->reftable_cap) {
		uint64_t cap = ovk_max_u64(w->reftable_cap * 2, r + 1);
		uint64_t *t = realloc(w->reftable, cap * sizeof *t);

		if (!t)
			return ovk_error_sys(err, ENOMEM, "refcount table of %llu entries",
					     (unsigned long long)cap);
		memset(t + w->reftable_cap, 0, (cap - w->reftable_cap) * sizeof *t);
		w->reftable = t;
		w->reftable_cap = cap;
	}
	w->reftable_len = r + 1;
	return 0;
}

static int block_write(struct qcow2_writer *w, uint64_t r, const uint16_t *counts,
		       struct ovk_error *err)
{
	/* counts == NULL: a range wholly inside a table run, all ones */
	for (uint64_t i = 0; i < w->range_clusters; i++)
		be16_store(w->table_buf + 2 * i, counts ? counts[i] : 1);
	if (r >= w->reftable_len || w->reftable[r] == 0)
		return ovk_error_set(err, EIO, "%s: refcount block %llu was never placed", w->name,
				     (unsigned long long)r);
	return ovk_qcow2_w_write_sparse(w, w->reftable[r], w->table_buf, w->cs, err);
}

static int unpin(struct qcow2_writer *w, struct ovk_error *err)
{
	if (!w->pinned)
		return 0;
	w->pinned = 0;
	return block_write(w, w->pinned_range, w->rb_pinned, err);
}

/* Keep the block of the range being left when the packed compressed bytes
 * can still grow into a cluster of it (qemu packs them just as tightly). */
static int leave_range(struct qcow2_writer *w, struct ovk_error *err)
{
	uint16_t *t;

	if (!(w->comp_pos && w->comp_pos < w->comp_end &&
	      range_of(w, w->comp_pos / w->cs) == w->cur_range))
		return block_write(w, w->cur_range, w->rb, err);
	if (unpin(w, err) < 0)
		return -1;
	t = w->rb_pinned;
	w->rb_pinned = w->rb;
	w->rb = t;
	w->pinned_range = w->cur_range;
	w->pinned = 1;
	return 0;
}

/* The count of an allocated cluster, when its block is in memory. */
static uint16_t *count_of(struct qcow2_writer *w, uint64_t c)
{
	uint64_t r = range_of(w, c);

	if (r == w->cur_range)
		return &w->rb[c - r * w->range_clusters];
	if (w->pinned && r == w->pinned_range)
		return &w->rb_pinned[c - r * w->range_clusters];
	return NULL;
}

/* Move the refcount cursor to range r (>= cur_range), writing the blocks
 * it leaves behind. */
static int switch_range(struct qcow2_writer *w, uint64_t r, struct ovk_error *err)
{
	uint64_t base, upto;

	if (r == w->cur_range)
		return 0;
	if (leave_range(w, err) < 0)
		return -1;
	for (uint64_t k = w->cur_range + 1; k < r; k++)
		if (block_write(w, k, NULL, err) < 0)
			return -1;
	w->cur_range = r;
	memset(w->rb, 0, w->range_clusters * sizeof *w->rb);
	base = r * w->range_clusters;
	upto = ovk_min_u64(w->next, base + w->range_clusters);
	for (uint64_t c = base; c < upto; c++)
		w->rb[c - base] = 1;
	return 0;
}

/* Place the refcount block of range r at the cursor. */
static int place_block(struct qcow2_writer *w, uint64_t r, struct ovk_error *err)
{
	if (reftable_ensure(w, r, err) < 0)
		return -1;
	w->reftable[r] = w->next * w->cs;
	w->rb[w->next - w->cur_range * w->range_clusters]++;
	w->next++;
	return 0;
}

/* Make sure the cursor's range is current and has a block. */
static int cursor_ready(struct qcow2_writer *w, struct ovk_error *err)
{
	for (;;) {
		uint64_t r = range_of(w, w->next);

		if (switch_range(w, r, err) < 0 || reftable_ensure(w, r, err) < 0)
			return -1;
		if (w->reftable[r])
			return 0;
		if (place_block(w, r, err) < 0)
			return -1;
	}
}

static int host_limit(struct qcow2_writer *w, uint64_t first, uint64_t n, struct ovk_error *err)
{
	uint64_t end;

	if (ovk_add_overflow(first, n, &end) || end > QCOW2_MAX_HOST_OFFSET / w->cs)
		return ovk_error_set(err, EFBIG, "%s: image would pass qcow2's 64 PiB host limit",
				     w->name);
	return 0;
}

int ovk_qcow2_w_alloc(struct qcow2_writer *w, uint64_t n, uint64_t *first, struct ovk_error *err)
{
	uint64_t s, base, stop;

again:
	if (cursor_ready(w, err) < 0)
		return -1;
	s = w->next;
	if (host_limit(w, s, n, err) < 0)
		return -1;
	for (uint64_t r = range_of(w, s) + 1; r <= range_of(w, s + n - 1); r++) {
		if (reftable_ensure(w, r, err) < 0)
			return -1;
		if (w->reftable[r] == 0) {
			if (place_block(w, r, err) < 0)
				return -1;
			goto again;
		}
	}
	base = w->cur_range * w->range_clusters;
	stop = ovk_min_u64(s + n, base + w->range_clusters);
	for (uint64_t c = s; c < stop; c++)
		w->rb[c - base]++;
	w->next = s + n;
	*first = s;
	return 0;
}

static uint64_t last_touched(const struct qcow2_writer *w, uint64_t off, size_t len)
{
	return (((off + len + QCOW2_SECTOR - 1) & ~(uint64_t)(QCOW2_SECTOR - 1)) - 1) / w->cs;
}

/* Whether the already allocated clusters that `len` bytes at host byte
 * `off` touch can count one more reference: they are under the refcount
 * cursor and below the 16-bit limit. */
static int counts_ok(struct qcow2_writer *w, uint64_t off, size_t len)
{
	for (uint64_t c = off / w->cs; c <= last_touched(w, off, len) && c < w->next; c++) {
		uint16_t *n = count_of(w, c);

		if (!n || *n >= QCOW2_MAX_REFCOUNT)
			return 0;
	}
	return 1;
}

/* Take cluster w->next for compressed bytes that spill into it; it may
 * open a new range, whose block then goes right after it. */
static int spill_cluster(struct qcow2_writer *w, struct ovk_error *err)
{
	uint64_t c = w->next, r = range_of(w, c);

	if (host_limit(w, c, 1, err) < 0 || switch_range(w, r, err) < 0 ||
	    reftable_ensure(w, r, err) < 0)
		return -1;
	w->next++;
	w->comp_end += w->cs;
	w->rb[c - r * w->range_clusters]++;
	if (!w->reftable[r])
		return place_block(w, r, err);
	return 0;
}

int ovk_qcow2_w_place_compressed(struct qcow2_writer *w, size_t len, uint64_t *host_off,
				 struct ovk_error *err)
{
	uint64_t off = w->comp_pos, last;

	if (len == 0 || len >= w->cs)
		return ovk_error_set(err, EINVAL, "%s: compressed cluster of %zu bytes", w->name, len);
	if (off && off + len <= w->comp_end && counts_ok(w, off, len)) {
		/* fits in the clusters already holding compressed bytes */
	} else if (off && w->comp_end == w->next * w->cs && off + len <= w->comp_end + w->cs &&
		   counts_ok(w, off, len)) {
		/* spills into the next cluster, as qemu allows */
	} else {
		if (unpin(w, err) < 0 || cursor_ready(w, err) < 0 ||
		    host_limit(w, w->next, 1, err) < 0)
			return -1;
		off = w->next * w->cs;
		w->next++;
		w->comp_end = off + w->cs;
	}
	/* Every cluster the sectors touch counts this compressed cluster once,
	 * as qemu-img check does. */
	last = last_touched(w, off, len);
	for (uint64_t c = off / w->cs; c <= last; c++) {
		if (c == w->next) {
			if (spill_cluster(w, err) < 0)
				return -1;
		} else {
			(*count_of(w, c))++;
		}
	}
	w->comp_pos = off + len;
	*host_off = off;
	return 0;
}

int ovk_qcow2_w_meta_init(struct qcow2_writer *w, struct ovk_error *err)
{
	w->range_clusters = (w->cs * 8) >> QCOW2_REFCOUNT_ORDER;
	w->rb = calloc(w->range_clusters, sizeof *w->rb);
	w->rb_pinned = calloc(w->range_clusters, sizeof *w->rb_pinned);
	w->table_buf = malloc(w->cs);
	if (!w->rb || !w->rb_pinned || !w->table_buf)
		return ovk_error_sys(err, ENOMEM, "%s: refcount block buffers", w->name);
	if (reftable_ensure(w, 0, err) < 0)
		return -1;
	w->cur_range = 0;
	w->rb[0] = 1;   /* the header */
	w->next = 1;
	return 0;
}

/* Enough refcount table clusters to cover everything allocated so far, the
 * table itself, and the blocks that placing it may add. */
static uint64_t reftable_clusters_needed(const struct qcow2_writer *w)
{
	uint64_t per_cluster = w->cs / 8, rtc = 1;

	for (;;) {
		uint64_t end = w->next + rtc + rtc / w->range_clusters + 3;
		uint64_t ranges = range_of(w, end) + 1;
		uint64_t need = (ranges + per_cluster - 1) / per_cluster;

		if (need <= rtc)
			return rtc;
		rtc = need;
	}
}

static int write_table(struct qcow2_writer *w, uint64_t off, const uint64_t *t, uint64_t n,
		       uint64_t clusters, uint64_t flag, struct ovk_error *err)
{
	size_t bytes = (size_t)(clusters * w->cs);
	uint8_t *buf = calloc(1, bytes);
	int ret = -1;

	if (!buf) {
		ovk_error_sys(err, ENOMEM, "%s: table of %zu bytes", w->name, bytes);
		goto out;
	}
	for (uint64_t i = 0; i < n; i++)
		be64_store(buf + 8 * i, t[i] ? t[i] | flag : 0);
	ret = ovk_qcow2_w_write_sparse(w, off, buf, bytes, err);
out:
	free(buf);
	return ret;
}

int ovk_qcow2_w_meta_finish(struct qcow2_writer *w, struct ovk_error *err)
{
	uint64_t l1_clusters, l1_first, rt_clusters, rt_first, ranges;

	/* An empty disk has no L1 table at all: qemu would call a table of
	 * zero entries' cluster a leak. */
	l1_clusters = (w->l1_size * 8 + w->cs - 1) / w->cs;
	l1_first = 0;
	if (l1_clusters && ovk_qcow2_w_alloc(w, l1_clusters, &l1_first, err) < 0)
		return -1;
	rt_clusters = reftable_clusters_needed(w);
	if (ovk_qcow2_w_alloc(w, rt_clusters, &rt_first, err) < 0)
		return -1;
	ranges = range_of(w, w->next - 1) + 1;
	if (ranges > rt_clusters * (w->cs / 8))
		return ovk_error_set(err, EIO, "%s: refcount table of %llu clusters is short",
				     w->name, (unsigned long long)rt_clusters);
	if (switch_range(w, ranges - 1, err) < 0 || unpin(w, err) < 0 ||
	    block_write(w, w->cur_range, w->rb, err) < 0)
		return -1;
	if ((l1_clusters && write_table(w, l1_first * w->cs, w->l1, w->l1_size, l1_clusters,
					QCOW2_OFLAG_COPIED, err) < 0) ||
	    write_table(w, rt_first * w->cs, w->reftable, w->reftable_len, rt_clusters, 0, err) < 0)
		return -1;
	if (w->target) {
		if (w->target->set_size(w->target->opaque, w->next * w->cs, err) < 0)
			return -1;
	} else if (!w->is_block_device && ftruncate(w->out.fd, (off_t)(w->next * w->cs)) < 0) {
		return ovk_error_sys(err, errno, "%s: setting the size", w->name);
	}
	w->hdr.l1_size = (uint32_t)w->l1_size;
	w->hdr.l1_table_offset = l1_first * w->cs;
	w->hdr.refcount_table_offset = rt_first * w->cs;
	w->hdr.refcount_table_clusters = (uint32_t)rt_clusters;
	return 0;
}

void ovk_qcow2_w_meta_free(struct qcow2_writer *w)
{
	free(w->reftable);
	free(w->rb);
	free(w->rb_pinned);
	free(w->table_buf);
}
