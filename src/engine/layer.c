/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * layer.c: a stack of sources read as one guest view, and what each part of
 * it holds until the writer is past it.
 *
 * Walk.  Each layer walks its own source's extents in order.  Where a layer
 * is UNALLOCATED and has a layer below, the range is asked of the layer
 * below, which skips forward to it; beyond the end of a shorter backing
 * file the guest reads zeros.  The same walk checks every source's promise
 * of extents that tile [0, size) in order, so a format bug shows up as an
 * error here rather than as wrong output.
 *
 * Holding.  A DATA extent may own a buffer (bytes read from a stream).
 * Parts of it are in flight on the workers and the writer after the walk
 * has moved on, so every such extent the walk takes from a source is
 * queued, per layer in guest order, and retired once the writer has
 * written past its end: then its buffer is freed.  (Input files are read
 * with pread into the pipeline's items, so no input page stays mapped
 * behind the writer: pipeline.c.)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/checked.h"
#include "engine.h"

/* A buffer held for the writer, until it is past guest_end. */
struct held {
	uint64_t guest_end;
	uint8_t *buf;
};

struct held_queue {
	struct held *q;
	size_t head, n, cap;            /* a ring, grown on demand */
};

struct layer {
	const struct ovk_source *src;
	struct ovk_extent cur;
	int have;                       /* cur is valid */
	uint64_t walked;                /* end of the last extent the source yielded */
	uint64_t pos;                   /* next guest offset to emit */
	struct held_queue held;
};

struct ovk_layers {
	struct layer l[OVK_MAX_CHAIN];  /* l[0] is the top */
	int depth;
};

int ovk_layers_new(const struct ovk_chain *chain, struct ovk_layers **out,
		   struct ovk_error *err)
{
	struct ovk_layers *ls = calloc(1, sizeof *ls);

	if (!ls)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < chain->depth; i++)
		ls->l[i].src = chain->src[i];
	ls->depth = chain->depth;
	*out = ls;
	return 0;
}

/* ------------------------------------------------------------- holding */

static int hold(struct held_queue *hq, const struct ovk_extent *e, struct ovk_error *err)
{
	struct held *h;

	if (!e->buf)
		return 0;
	if (hq->n == hq->cap) {
		size_t cap = hq->cap ? hq->cap * 2 : 64;
		struct held *nq = malloc(cap * sizeof *nq);

		if (!nq)
			return ovk_error_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < hq->n; i++)
			nq[i] = hq->q[(hq->head + i) % hq->cap];
		free(hq->q);
		hq->q = nq;
		hq->head = 0;
		hq->cap = cap;
	}
	h = &hq->q[(hq->head + hq->n++) % hq->cap];
	h->guest_end = e->offset + e->length;
	h->buf = e->buf;
	return 0;
}

static void retire_queue(struct held_queue *hq, uint64_t done)
{
	while (hq->n && hq->q[hq->head].guest_end <= done) {
		free(hq->q[hq->head].buf);
		hq->head = (hq->head + 1) % hq->cap;
		hq->n--;
	}
}

void ovk_layers_retire(struct ovk_layers *ls, uint64_t done)
{
	for (int i = 0; i < ls->depth; i++)
		retire_queue(&ls->l[i].held, done);
}

void ovk_layers_free(struct ovk_layers *ls)
{
	if (!ls)
		return;
	ovk_layers_retire(ls, UINT64_MAX);
	for (int i = 0; i < ls->depth; i++)
		free(ls->l[i].held.q);
	free(ls);
}

/* ---------------------------------------------------------------- walk */

/* What a source promises of each extent (extent.h). */
static int check_extent(const struct layer *l, const struct ovk_extent *e,
			struct ovk_error *err)
{
	const char *fmt = l->src->format;
	uint64_t end, in_size;

	if (e->offset != l->walked || e->length == 0 ||
	    ovk_add_overflow(e->offset, e->length, &end) || end > l->src->size)
		return ovk_error_set(err, EIO, "%s reader: extent %llu+%llu does not continue at "
				     "%llu within size %llu", fmt, (unsigned long long)e->offset,
				     (unsigned long long)e->length, (unsigned long long)l->walked,
				     (unsigned long long)l->src->size);
	if (e->type != OVK_EXTENT_DATA)
		return 0;
	if (e->encoded && (e->length > OVK_MAX_ENCODED || !l->src->ops->read))
		return ovk_error_set(err, EIO, "%s reader: encoded extent %llu+%llu is longer "
				     "than %llu or cannot be read", fmt,
				     (unsigned long long)e->offset, (unsigned long long)e->length,
				     (unsigned long long)OVK_MAX_ENCODED);
	if (!e->buf && !e->in)
		return ovk_error_set(err, EIO, "%s reader: DATA extent %llu+%llu has no bytes",
				     fmt, (unsigned long long)e->offset,
				     (unsigned long long)e->length);
	if (!e->buf && !e->encoded && e->in_len != e->length)
		return ovk_error_set(err, EIO, "%s reader: stored extent %llu+%llu spans %llu "
				     "input bytes", fmt, (unsigned long long)e->offset,
				     (unsigned long long)e->length, (unsigned long long)e->in_len);
	in_size = e->in ? ovk_blob_size(e->in) : UINT64_MAX;
	if (!e->buf && (ovk_blob_is_stream(e->in) || !ovk_range_ok(e->in_off, e->in_len, in_size)))
		return ovk_error_set(err, EIO, "%s reader: extent %llu+%llu: input range "
				     "%llu+%llu outside %s", fmt, (unsigned long long)e->offset,
				     (unsigned long long)e->length, (unsigned long long)e->in_off,
				     (unsigned long long)e->in_len, ovk_blob_name(e->in));
	if (e->buf && !e->encoded && e->buf_len != e->length)
		return ovk_error_set(err, EIO, "%s reader: buffer of %zu bytes for extent "
				     "%llu+%llu", fmt, e->buf_len, (unsigned long long)e->offset,
				     (unsigned long long)e->length);
	return 0;
}

/* Make l->cur the extent that holds l->pos. */
static int layer_seek(struct layer *l, struct ovk_error *err)
{
	while (!l->have || l->cur.offset + l->cur.length <= l->pos) {
		int r = l->src->ops->next((struct ovk_source *)l->src, &l->cur, err);

		l->have = 0;
		if (r < 0)
			return -1;
		if (r == 0)
			return ovk_error_set(err, EIO,
					     "%s reader: extents end at %llu, before the size %llu",
					     l->src->format, (unsigned long long)l->walked,
					     (unsigned long long)l->src->size);
		/* Held first: a refused extent's buffer is freed with the rest. */
		if (hold(&l->held, &l->cur, err) < 0) {
			free(l->cur.buf);
			return -1;
		}
		if (check_extent(l, &l->cur, err) < 0)
			return -1;
		l->walked = l->cur.offset + l->cur.length;
		l->have = 1;
	}
	return 0;
}

/* The next part of layer i at its pos, ending at or before limit. */
static int layer_part(struct ovk_layers *ls, int i, uint64_t limit, struct ovk_part *p,
		      struct ovk_error *err)
{
	struct layer *l = &ls->l[i];
	uint64_t end;

	if (l->pos >= l->src->size) {
		/* A backing file shorter than the image above it reads as zeros. */
		ovk_extent_hole(&p->ext, l->pos, limit - l->pos, OVK_EXTENT_UNALLOCATED);
		p->origin = l->src;
		p->off = l->pos;
		p->len = limit - l->pos;
		l->pos = limit;
		return 0;
	}
	if (layer_seek(l, err) < 0)
		return -1;
	end = ovk_min_u64(l->cur.offset + l->cur.length, limit);
	if (l->cur.type == OVK_EXTENT_UNALLOCATED && i + 1 < ls->depth) {
		struct layer *below = &ls->l[i + 1];

		if (below->pos < l->pos)
			below->pos = l->pos;
		if (layer_part(ls, i + 1, end, p, err) < 0)
			return -1;
		l->pos = p->off + p->len;
		return 0;
	}
	p->ext = l->cur;
	p->origin = l->src;
	p->off = l->pos;
	p->len = end - l->pos;
	l->pos = end;
	return 0;
}

int ovk_layers_next(struct ovk_layers *ls, struct ovk_part *part, struct ovk_error *err)
{
	struct layer *top = &ls->l[0];

	if (top->pos >= top->src->size)
		return 0;
	if (layer_part(ls, 0, top->src->size, part, err) < 0)
		return -1;
	return 1;
}
