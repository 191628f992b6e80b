/*
 * layer.c: a stack of sources read as one guest view.
 *
 * Each layer walks its own source's extents in order.  Where a layer is
 * UNALLOCATED and has a layer below, the range is asked of the layer below,
 * which skips forward to it; beyond the end of a shorter backing file the
 * guest reads zeros.  The same walk checks every source's promise of
 * extents that tile [0, size) in order, so a format bug shows up as an
 * error here rather than as wrong output.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/checked.h"
#include "engine.h"

struct ovk_layer {
	struct ovk_source *src;
	struct ovk_extent cur;
	int have;                 /* cur is valid */
	uint64_t walked;          /* end of the last extent the source yielded */
	uint64_t pos;             /* next guest offset to emit */
	struct ovk_layer *below;
};

int ovk_layers_new(struct ovk_chain *chain, struct ovk_layer **out, struct ovk_error *err)
{
	struct ovk_layer *above = NULL, *l = NULL;

	for (int i = chain->depth - 1; i >= 0; i--) {
		l = calloc(1, sizeof *l);
		if (!l) {
			ovk_layers_free(above);
			return ovk_error_set(err, ENOMEM, "out of memory");
		}
		l->src = chain->src[i];
		l->below = above;
		above = l;
	}
	*out = l;
	return 0;
}

void ovk_layers_free(struct ovk_layer *top)
{
	while (top) {
		struct ovk_layer *below = top->below;

		free(top);
		top = below;
	}
}

static int check_extent(const struct ovk_layer *l, const struct ovk_extent *e,
			struct ovk_error *err)
{
	uint64_t end;

	if (e->offset != l->walked || e->length == 0 || ovk_add_overflow(e->offset, e->length, &end) ||
	    end > l->src->size)
		return ovk_error_set(err, EIO,
				     "%s reader: extent %llu+%llu does not continue at %llu "
				     "within size %llu",
				     l->src->format, (unsigned long long)e->offset,
				     (unsigned long long)e->length, (unsigned long long)l->walked,
				     (unsigned long long)l->src->size);
	if (e->type == OVK_EXTENT_DATA && !e->data &&
	    (e->offset / OVK_CHUNK != (end - 1) / OVK_CHUNK || !l->src->ops->read))
		return ovk_error_set(err, EIO,
				     "%s reader: deferred extent %llu+%llu crosses a chunk",
				     l->src->format, (unsigned long long)e->offset,
				     (unsigned long long)e->length);
	return 0;
}

/* Make l->cur the extent that holds l->pos. */
static int layer_seek(struct ovk_layer *l, struct ovk_error *err)
{
	while (!l->have || l->cur.offset + l->cur.length <= l->pos) {
		int r = l->src->ops->next(l->src, &l->cur, err);

		if (r < 0)
			return -1;
		if (r == 0)
			return ovk_error_set(err, EIO,
					     "%s reader: extents end at %llu, before the size %llu",
					     l->src->format, (unsigned long long)l->walked,
					     (unsigned long long)l->src->size);
		if (check_extent(l, &l->cur, err) < 0)
			return -1;
		l->walked = l->cur.offset + l->cur.length;
		l->have = 1;
	}
	return 0;
}

/* The next part of l at l->pos, ending at or before limit. */
static int layer_part(struct ovk_layer *l, uint64_t limit, struct ovk_part *p,
		      struct ovk_error *err)
{
	uint64_t end;

	if (l->pos >= l->src->size) {
		/* A backing file shorter than the image above it reads as zeros. */
		ovk_extent_set(&p->ext, l->pos, limit - l->pos, OVK_EXTENT_UNALLOCATED, NULL);
		p->origin = l->src;
		p->off = l->pos;
		p->len = limit - l->pos;
		l->pos = limit;
		return 0;
	}
	if (layer_seek(l, err) < 0)
		return -1;
	end = ovk_min_u64(l->cur.offset + l->cur.length, limit);
	if (l->cur.type == OVK_EXTENT_UNALLOCATED && l->below) {
		if (l->below->pos < l->pos)
			l->below->pos = l->pos;
		if (layer_part(l->below, end, p, err) < 0)
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

int ovk_layers_next(struct ovk_layer *top, struct ovk_part *part, struct ovk_error *err)
{
	if (top->pos >= top->src->size)
		return 0;
	if (layer_part(top, top->src->size, part, err) < 0)
		return -1;
	return 1;
}
